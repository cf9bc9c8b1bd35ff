package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// The binary with --sync-api graphql writes the c1z the binary writes over REST, read
// back with the SDK's reader, with its memberships read through GitLab's GraphQL API: the
// demo world without custom roles (they keep memberships on REST) on GitLab 18.4
// (Group.sharedGroups), both deployments.
func TestBinarySyncGraphQLSameAsREST(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs bin/baton-gitlab")
	}
	for _, mode := range []fg.Mode{fg.ModeGitLabCom, fg.ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			w := fg.DemoWorld(mode).DropCustomRoles()
			w.Version = fg.SharedGroupsGraphQLVersion
			s, url := fg.StartForTest(t, w, fg.Options{Mode: mode, Token: batontest.FakeToken})
			sync := func(args ...string) []string {
				r := batontest.RunBinarySync(t, t.TempDir(), url, mode, 2*time.Minute, args...)
				if r.ExitCode != 0 {
					t.Fatalf("baton-gitlab %v exited %d; its errors:\n%s", args, r.ExitCode, syncErrorLines(r.Output))
				}
				c, err := batontest.Read(t, context.Background(), r.C1Z)
				if err != nil {
					t.Fatal(err)
				}
				return c.Lines(t, "")
			}
			rest := sync()
			posts := s.Counts()["POST /api/graphql"]
			gql := sync("--sync-api", "graphql")
			if n := s.Counts()["POST /api/graphql"] - posts; posts != 0 || n == 0 {
				t.Errorf("GraphQL queries: %d over REST, %d with --sync-api graphql", posts, n)
			}
			if len(rest) == 0 || strings.Join(rest, "\n") != strings.Join(gql, "\n") {
				t.Errorf("the c1z differ: %d lines over REST, %d with GraphQL; first difference:\n%s", len(rest), len(gql), firstDifference(rest, gql))
			}
		})
	}
}

func firstDifference(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return "REST:    " + a[i] + "\nGraphQL: " + b[i]
		}
	}
	return "one is a prefix of the other"
}
