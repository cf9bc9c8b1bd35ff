package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// BenchmarkBinarySync measures what a customer feels: one full sync by the real
// bin/baton-gitlab (built once, CGO_ENABLED=0) against bin/gitlab-fake serving a
// generated world in its own process on loopback. One iteration is one run of the
// binary, as a customer (or ConductorOne's scheduler) starts it. Run with
//
//	make bench BENCH=BinarySync BENCHTIME=1x
//
// Metrics (docs/performance.md, "Measuring"):
//   - peak-rss-MiB: peak resident memory of the largest baton-gitlab process: ru_maxrss
//     from wait4 (cmd.ProcessState.SysUsage) and the processes' VmHWM read from /proc.
//     bin/baton-gitlab is two processes (the SDK's runner re-executes itself as the
//     connector service); this is the larger of the two, what the targets are about.
//   - syncer-rss-MiB, connector-rss-MiB: the peak of each process (the syncer writes the
//     c1z; the connector holds the GitLab client and the per-sync cache).
//   - sum-rss-MiB: the most the two held together at one sampling (every 50 ms): what
//     a container's memory limit must allow.
//   - wall-s: seconds from start to exit of the binary, fake included (no network
//     latency, no rate-limit pacing: the fake omits RateLimit-* headers).
//   - requests: API requests one sync made (the fake's count), the cost against
//     GitLab's rate limits; logged by route.
//   - grants, c1z-MiB: what the c1z holds, and its size on disk.
//
// BINARY_SYNC_ARGS adds flags to every run of the binary, to compare settings, e.g.
// BINARY_SYNC_ARGS="--storage-engine sqlite" (the SDK's c1z engine; pebble by default).
//
// The benchmark fails when the sync fails, when the c1z does not hold every group and
// project (and the expected accounts), or when peak-rss-MiB exceeds the world's target.
func BenchmarkBinarySync(b *testing.B) {
	for _, w := range binaryWorlds {
		b.Run(w.name, func(b *testing.B) {
			for _, mode := range []fg.Mode{fg.ModeSelfManaged, fg.ModeGitLabCom} {
				b.Run(string(mode), func(b *testing.B) { benchBinarySync(b, w, mode) })
			}
		})
	}
}

// binaryWorld is a world BenchmarkBinarySync syncs and its memory target.
type binaryWorld struct {
	name      string
	fakeWorld string // gitlab-fake --world (seed 1)
	build     func(fg.Mode) *fg.World
	targetMiB float64 // peak-rss-MiB must not exceed it
}

var binaryWorlds = []binaryWorld{
	{"5k-400-1500", "large:5000,400,1500", func(m fg.Mode) *fg.World {
		return fg.LargeWorld(fg.LargeSpec{Users: 5000, Groups: 400, Projects: 1500, Seed: 1}, m)
	}, 150},
	{"50k-2000-10000", "large:50000,2000,10000", func(m fg.Mode) *fg.World {
		return fg.LargeWorld(fg.LargeSpec{Users: 50_000, Groups: 2000, Projects: 10_000, Seed: 1}, m)
	}, 400},
	// One top-level group of 30,000 members, 250 subgroups and 250 projects below it.
	{"bignode-30k", "bignode", func(m fg.Mode) *fg.World { return fg.BigGroupWorld(fg.DefaultBigGroupSpec, m) }, 500},
}

// binaryRunLimit bounds one run of the binary: a hung sync fails its benchmark instead
// of the whole package's -timeout.
const binaryRunLimit = 90 * time.Minute

func benchBinarySync(b *testing.B, w binaryWorld, mode fg.Mode) {
	ctx := context.Background()
	batontest.ConnectorBinary(b)
	world := w.build(mode)
	want := expectedResources(world, mode)
	fake := batontest.StartFakeProcess(b, mode, w.fakeWorld, "--omit-rate-limit-headers")
	extraArgs := strings.Fields(os.Getenv("BINARY_SYNC_ARGS"))

	var (
		last     batontest.BinarySync
		lastDir  string
		peak     int64
		syncer   int64
		conn     int64
		sum      int64
		wall     time.Duration
		runs     int
		requests = -1
		counts   fg.CountsReport
	)
	root := b.TempDir()
	for b.Loop() {
		dir, err := os.MkdirTemp(root, "sync-")
		if err != nil {
			b.Fatal(err)
		}
		fake.ResetCounts(b)
		r := batontest.RunBinarySync(b, dir, fake.URL, mode, binaryRunLimit, extraArgs...)
		counts = fake.Counts(b)
		if r.ExitCode != 0 {
			b.Fatalf("%s %s: baton-gitlab exited %d after %s (peak RSS %.0f MiB: syncer %.0f, connector %.0f, both together %.0f; %d requests: %s); its errors:\n%s",
				w.name, mode, r.ExitCode, r.Wall.Round(time.Millisecond), toMiB(r.PeakRSS()), toMiB(r.SyncerHWM), toMiB(r.ConnectorHWM), toMiB(r.SumRSS),
				counts.Total, routeSummary(counts.Routes), syncErrorLines(r.Output))
		}
		if requests >= 0 && counts.Total != requests {
			b.Fatalf("run %d made %d requests, the first %d: syncs of one world must cost the same", runs+1, counts.Total, requests)
		}
		requests = counts.Total
		peak, syncer, conn, sum = max(peak, r.PeakRSS()), max(syncer, r.SyncerHWM), max(conn, r.ConnectorHWM), max(sum, r.SumRSS)
		wall += r.Wall
		runs++
		if lastDir != "" {
			_ = os.RemoveAll(lastDir) // a large world's c1z and the SDK's temporary files are big
		}
		last, lastDir = r, dir
	}

	got, err := batontest.C1ZStats(b, ctx, last.C1Z)
	if err != nil {
		b.Fatalf("reading %s: %v", last.C1Z, err)
	}
	var c1zSize int64
	if st, err := os.Stat(last.C1Z); err == nil {
		c1zSize = st.Size()
	}
	for _, rt := range []string{"user", "group", "project"} {
		if !want[rt].holds(got.Resources[rt]) {
			b.Errorf("the c1z holds %d %ss, want %s (all: %v, want %v)", got.Resources[rt], rt, want[rt], got.Resources, want)
		}
	}
	if got.Grants == 0 {
		b.Error("the c1z holds no grant")
	}
	if n := counts.Statuses["429"]; n != 0 {
		b.Errorf("%d answers 429: the fake has no rate limit, the sync waited on something", n)
	}

	b.ReportMetric(toMiB(peak), "peak-rss-MiB")
	b.ReportMetric(toMiB(syncer), "syncer-rss-MiB")
	b.ReportMetric(toMiB(conn), "connector-rss-MiB")
	b.ReportMetric(toMiB(sum), "sum-rss-MiB")
	b.ReportMetric(wall.Seconds()/float64(runs), "wall-s")
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(got.Grants), "grants")
	b.ReportMetric(toMiB(c1zSize), "c1z-MiB")
	verdict := "meets"
	if toMiB(peak) > w.targetMiB {
		verdict = "MISSES"
	}
	b.Logf("%s %s (%d users, %d groups, %d projects in the world; extra flags %q): %d runs; peak RSS %.0f MiB (syncer %.0f, connector %.0f, both together %.0f; wait4 maxrss of the last run %.0f), %s the target of %.0f MiB; wall %.1f s; c1z %.1f MiB: %d users, %d groups, %d projects, %d entitlements, %d grants; %d requests a sync: %s",
		w.name, mode, len(world.Users), len(world.Groups), len(world.Projects), extraArgs, runs,
		toMiB(peak), toMiB(syncer), toMiB(conn), toMiB(sum), toMiB(last.MaxRSS), verdict, w.targetMiB,
		wall.Seconds()/float64(runs), toMiB(c1zSize),
		got.Resources["user"], got.Resources["group"], got.Resources["project"], got.Entitlements, got.Grants,
		requests, routeSummary(counts.Routes))
	if verdict == "MISSES" {
		b.Errorf("peak RSS %.0f MiB is over the target of %.0f MiB for %s (docs/performance.md)", toMiB(peak), w.targetMiB, w.name)
	}
}

func toMiB(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// expected is how many resources of one type a sync must write: between min and max.
type expected struct{ min, max int }

func (e expected) holds(n int) bool { return n >= e.min && n <= e.max }

func (e expected) String() string {
	if e.min == e.max {
		return strconv.Itoa(e.min)
	}
	return strconv.Itoa(e.min) + "-" + strconv.Itoa(e.max)
}

// expectedResources is what a full sync of w in mode must put in the c1z.
//
// Self-managed with an administrator's token, exactly: every group, every project,
// every user of the instance plus one pending account per invitation.
//
// GitLab.com, the organisation: the top-level groups the token's user is a direct member
// of and everything below them. Exactly its groups and projects (not personal projects,
// not groups outside it). Accounts: at least the members found through direct
// memberships of its groups and projects that have not expired (the binary judges expiry
// on the wall clock, the fake on fakegitlab.DemoNow, and LargeWorld's memberships expire
// up to a year after it: as days pass a few accounts drop out), plus one pending account
// per invitation; at most that plus the members whose memberships there have all
// expired and every member of a group shared into the organisation and of that group's
// ancestors (access through a share makes an account too, whether the token can read
// the group or not).
func expectedResources(w *fg.World, mode fg.Mode) map[string]expected {
	invitations := func(groups map[int64]bool, projects map[int64]bool) int {
		n := 0
		for gid, is := range w.GroupInvitations {
			if groups[gid] {
				n += len(is)
			}
		}
		for pid, is := range w.ProjectInvitations {
			if projects[pid] {
				n += len(is)
			}
		}
		return n
	}
	if mode == fg.ModeSelfManaged {
		all := map[int64]bool{}
		for id := range w.Groups {
			all[id] = true
		}
		for id := range w.Projects {
			all[id] = true
		}
		users := len(w.Users) + invitations(all, all)
		return map[string]expected{
			"group": {len(w.Groups), len(w.Groups)}, "project": {len(w.Projects), len(w.Projects)}, "user": {users, users},
		}
	}

	groups, projects := map[int64]bool{}, map[int64]bool{}
	for id := range w.Groups {
		if root := w.Root(id); root != nil && w.GroupMembers[root.ID][w.TokenUserID] != nil {
			groups[id] = true
		}
	}
	for id, p := range w.Projects {
		if p.GroupID != 0 && groups[p.GroupID] {
			projects[id] = true
		}
	}
	today := time.Now().UTC().Format(time.DateOnly)
	direct, shared := map[int64]bool{}, map[int64]bool{}
	found := func(ms map[int64]*fg.Member, into map[int64]bool, all bool) {
		for uid, m := range ms {
			if all || m.ExpiresAt == "" || m.ExpiresAt > today {
				into[uid] = true
			}
		}
	}
	sharedWith := func(shares []fg.Share) {
		for _, sh := range shares {
			found(w.GroupMembers[sh.GroupID], shared, true)
			for _, a := range w.Ancestors(sh.GroupID) {
				found(w.GroupMembers[a.ID], shared, true)
			}
		}
	}
	for id := range groups {
		found(w.GroupMembers[id], direct, false)
		found(w.GroupMembers[id], shared, true)
		sharedWith(w.GroupShares[id])
	}
	for id := range projects {
		found(w.ProjectMembers[id], direct, false)
		found(w.ProjectMembers[id], shared, true)
		sharedWith(w.ProjectShares[id])
	}
	extra := 0
	for uid := range shared {
		if !direct[uid] {
			extra++
		}
	}
	users := len(direct) + invitations(groups, projects)
	return map[string]expected{
		"group": {len(groups), len(groups)}, "project": {len(projects), len(projects)}, "user": {users, users + extra},
	}
}

// routeSummary is "GET /projects/:id/members=1500, ..." by count, largest first.
func routeSummary(routes map[string]int) string {
	keys := make([]string, 0, len(routes))
	for k := range routes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if routes[keys[i]] != routes[keys[j]] {
			return routes[keys[i]] > routes[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, routes[k]))
	}
	return strings.Join(parts, ", ")
}
