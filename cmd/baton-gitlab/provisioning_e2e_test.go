package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// The README's "Granting and revoking access" commands, run with the real binary against
// the fake GitLab in both deployments: sync, then the SDK's one-shot flags
// --grant-entitlement/--grant-principal/--grant-principal-type and --revoke-grant, each
// a separate process, and the fake's state checked after each.
func TestOneShotProvisioningWithTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs bin/baton-gitlab")
	}
	for _, mode := range []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			world := fakegitlab.DemoWorld(mode)
			// The binary decides membership expiry on the wall clock (the fake on its fixed
			// one): peggy's membership must end after today, whatever today is, or the
			// sync would drop it (the demo's date, 2036-01-31, would pass one day).
			peggyUntil := time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly)
			world.GroupMembers[fakegitlab.DemoGroupPlatform][fakegitlab.DemoUserPeggy].ExpiresAt = peggyUntil
			s, url := fakegitlab.StartForTest(t, world, fakegitlab.Options{Mode: mode, Token: batontest.FakeToken})
			dir := t.TempDir()
			env := []string{"BATON_ACCESS_TOKEN=" + batontest.FakeToken}
			common := []string{"--base-url", url, "--deployment", string(mode), "-f", filepath.Join(dir, "sync.c1z")}
			run := func(args ...string) batontest.CLIResult {
				t.Helper()
				return batontest.RunCLI(t, dir, env, append(append([]string{}, common...), args...)...)
			}
			mustRun := func(args ...string) {
				t.Helper()
				if res := run(args...); res.ExitCode != 0 {
					t.Fatalf("baton-gitlab %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, res.ExitCode, res.Stdout, res.Stderr)
				}
			}
			member := func(groupID, projectID, userID int64) *fakegitlab.Member {
				var out *fakegitlab.Member
				s.Read(func(w *fakegitlab.World) {
					m := w.GroupMembers[groupID][userID]
					if projectID != 0 {
						m = w.ProjectMembers[projectID][userID]
					}
					if m != nil {
						cp := *m
						out = &cp
					}
				})
				return out
			}

			mustRun() // sync
			c1z, err := batontest.Read(t, context.Background(), filepath.Join(dir, "sync.c1z"))
			if err != nil {
				t.Fatal(err)
			}
			if c1z.Grant("project:50:developer:user:104") == nil || c1z.Entitlement("group:14:developer") == nil {
				t.Fatal("the README's example ids are not in the synced c1z")
			}

			// Grant carol (103) Developer on acme/sales (14).
			mustRun("--grant-entitlement", "group:14:developer", "--grant-principal", "103", "--grant-principal-type", "user")
			if m := member(fakegitlab.DemoGroupSales, 0, fakegitlab.DemoUserCarol); m == nil || m.AccessLevel != fakegitlab.Developer {
				t.Fatalf("carol in acme/sales: %+v, want Developer", m)
			}
			// peggy (115): Developer of acme/platform until peggyUntil → Maintainer in place.
			mustRun("--grant-entitlement", "group:11:maintainer", "--grant-principal", "115", "--grant-principal-type", "user")
			if m := member(fakegitlab.DemoGroupPlatform, 0, fakegitlab.DemoUserPeggy); m == nil || m.AccessLevel != fakegitlab.Maintainer || m.ExpiresAt != peggyUntil {
				t.Fatalf("peggy in acme/platform: %+v, want Maintainer until %s", m, peggyUntil)
			}
			// Revoke dave's (104) Developer on project acme/platform/api (50).
			mustRun("--revoke-grant", "project:50:developer:user:104")
			if m := member(0, fakegitlab.DemoProjectAPI, fakegitlab.DemoUserDave); m != nil {
				t.Fatalf("dave still in acme/platform/api: %+v", m)
			}
			// Again: already revoked, success.
			mustRun("--revoke-grant", "project:50:developer:user:104")

			// wendy (121) is a Developer of acme/sales awaiting a seat: the grant is refused
			// (FailedPrecondition: exit code 9) with what to do, and her membership untouched.
			res := run("--grant-entitlement", "group:14:developer", "--grant-principal", "121", "--grant-principal-type", "user")
			if !refusedWith(t, res, codes.FailedPrecondition) || !strings.Contains(res.Stdout+res.Stderr, "awaiting a seat") {
				t.Fatalf("grant to an awaiting member: exit %d, want %d (FailedPrecondition) saying it awaits a seat\nstdout:\n%s\nstderr:\n%s",
					res.ExitCode, codes.FailedPrecondition, res.Stdout, res.Stderr)
			}
			if m := member(fakegitlab.DemoGroupSales, 0, fakegitlab.DemoUserWendy); m == nil || m.AccessLevel != fakegitlab.Developer || m.MembershipState != "awaiting" {
				t.Fatalf("wendy in acme/sales: %+v, want Developer, awaiting, untouched", m)
			}

			// bob's (102) Developer on acme/platform is inherited from acme: refused, with the
			// group named, and nothing removed.
			deletes := func() int {
				n := 0
				for route, c := range s.Counts() {
					if strings.HasPrefix(route, "DELETE ") {
						n += c
					}
				}
				return n
			}
			before := deletes()
			res = run("--revoke-grant", "group:11:developer:user:102")
			if !refusedWith(t, res, codes.FailedPrecondition) {
				// Say enough to tell a connector bug from the process being interrupted: the
				// SDK's runner also exits 0 when SIGINT cancels it before the task runs
				// (connectorrunner: ErrSigTerm is swallowed).
				t.Fatalf("revoking an inherited grant was not refused (exit %d; DELETE requests to the fake during it: %d)\nstdout:\n%s\nstderr:\n%s",
					res.ExitCode, deletes()-before, res.Stdout, res.Stderr)
			}
			if out := res.Stdout + res.Stderr; !strings.Contains(out, "inherited") || !strings.Contains(out, "acme") {
				t.Errorf("the refusal does not say where the access comes from:\n%s", out)
			}
			if m := member(fakegitlab.DemoGroupAcme, 0, fakegitlab.DemoUserBob); m == nil || m.AccessLevel != fakegitlab.Developer {
				t.Fatalf("bob in acme: %+v, want Developer kept", m)
			}
		})
	}
}

// refusedWith reports whether a one-shot run of the binary failed with the gRPC code
// want (the SDK's exit code is the code's number).
//
// baton-sdk v0.25.0 races against itself when a one-shot task fails: once the runner
// returns, it cancels the context the connector subprocess was started with, the
// subprocess is killed, and the goroutine waiting for it (internal/connector/connector.go,
// runServer) sees an error with the context done and calls os.Exit(0), while the main
// goroutine is on its way to exit.LogExit(err) and os.Exit(code). Whichever comes first
// wins, so a refused grant or revoke sometimes exits 0 after printing its error (seen in
// `make test`). The refusal is then recognised by the runner's own log line of the failed
// task, which is written before the race starts; anything else that exits 0 is a success.
func refusedWith(t *testing.T, res batontest.CLIResult, want codes.Code) bool {
	t.Helper()
	if res.ExitCode == int(want) {
		return true
	}
	if res.ExitCode == 0 && strings.Contains(res.Stderr, "runner: error processing on-demand task") &&
		strings.Contains(res.Stderr, "code = "+want.String()) {
		t.Logf("refused with %s but exited 0: baton-sdk's exit race on failed one-shot tasks", want)
		return true
	}
	return false
}
