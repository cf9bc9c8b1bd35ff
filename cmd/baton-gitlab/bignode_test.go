package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// A top-level group of 30,000 members, synced by the real binary: every member holds a
// grant on the group. All of a node's grants must not go back in one gRPC message
// (gRPC's default limit is 4 MiB, about 10,000 grants with their metadata): the
// connector pages them. Kept quick (1 subgroup, 1 project, ~90,000 grants); the
// memory and time of the full shape are BenchmarkBinarySync/bignode-30k's.
func TestBinarySyncsGroupWithThirtyThousandMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs bin/baton-gitlab")
	}
	ctx := context.Background()
	spec := fg.BigGroupSpec{Members: 30_000, Subgroups: 1, Projects: 1, Seed: 1}
	// Self-managed: on GitLab.com the sync also reads the group's 300 pages of
	// GET /groups/:id/billable_members, which the fake serves slowly (it builds the whole
	// list for every page: ~0.12 s a page at 30,000 members, most of a minute).
	mode := fg.ModeSelfManaged
	_, url := fg.StartForTest(t, fg.BigGroupWorld(spec, mode), fg.Options{Mode: mode, Token: batontest.FakeToken})

	r := batontest.RunBinarySync(t, t.TempDir(), url, mode, 3*time.Minute)
	if r.ExitCode != 0 {
		t.Fatalf("baton-gitlab exited %d after %s; its errors:\n%s", r.ExitCode, r.Wall.Round(time.Millisecond), syncErrorLines(r.Output))
	}
	group := strconv.FormatInt(fg.BigGroupID, 10)
	holders, err := batontest.GrantPrincipalsOn(t, ctx, r.C1Z, "group", group)
	if err != nil {
		t.Fatalf("reading the grants on group %s: %v", group, err)
	}
	var missing, doubled []string
	for id := 1; id <= spec.Members; id++ {
		switch n := holders["user:"+strconv.Itoa(id)]; {
		case n == 0:
			missing = append(missing, strconv.Itoa(id))
		case n > 1:
			doubled = append(doubled, strconv.Itoa(id))
		}
	}
	if len(missing) > 0 || len(doubled) > 0 {
		t.Errorf("grants on group %s: %d principals; %d of the %d members have none (e.g. %v), %d have more than one (e.g. %v)",
			group, len(holders), len(missing), spec.Members, firstIDs(missing), len(doubled), firstIDs(doubled))
	}
	t.Logf("synced in %s: %d principals hold a grant on the group; peak RSS %.0f MiB", r.Wall.Round(time.Millisecond), len(holders), toMiB(r.PeakRSS()))
}

// syncErrorLines is the lines of the SDK's log that report an error, or the end of the
// output when none does.
func syncErrorLines(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "error") || strings.Contains(l, "ERROR") || strings.Contains(l, "rpc error") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		if len(out) > 4096 {
			out = out[len(out)-4096:]
		}
		return out
	}
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

func firstIDs(ids []string) []string {
	if len(ids) > 5 {
		return ids[:5]
	}
	return ids
}
