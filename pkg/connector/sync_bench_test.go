package connector_test

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// Benchmarks of a full sync (connectorbuilder → gRPC → the SDK's syncer → c1z) of a
// generated world (fakegitlab.LargeWorld) served by the fake GitLab in process. One
// iteration is one whole sync by a fresh connector, as one `baton-gitlab` run would do
// it (GET /user included). Results and their meaning: docs/performance.md.
//
// Metrics:
//   - requests/op: API requests one sync makes: the real cost against GitLab's limits.
//   - requests/resource: requests per synced group + project.
//   - users/s: accounts synced per second of wall time against the in-process fake (no
//     network latency; against a real GitLab its response time adds to every request).
//   - cache-MB, cache-B/user, cache-B/membership, cache-B/grant: the heap the
//     connector's per-sync cache (organisationState) holds at the end of a sync,
//     measured as the live heap freed when the cache is dropped; per synced account,
//     per direct membership of the world and per grant written.
//   - group-detail-peak/min: the most GET /groups/:id among any 1,320 consecutive
//     requests (a minute at the client's GitLab.com pace; GitLab.com allows 400).
//   - credential-requests/op, credential-%: the credentials inventory's requests in the
//     last sync (sync_cost_credentials_test.go's credentialRoute) and what they add to
//     the rest of the sync, in percent (issue 10: at most 10% by default).
//   - 429s/op: answers 429 (Too Many Requests) in the last sync. The benchmarks' fake
//     has no rate limit, so anything but 0 is a bug (the connector retries a 429,
//     waiting for it: it would be timing waits, not work).
//   - B/op, allocs/op (b.ReportAllocs): everything allocated during a sync, including
//     the in-process fake GitLab's JSON encoding and the SDK's c1z writing.
//
// The fake is Unthrottled: it sends no RateLimit-* headers, so client-go's limiter does
// not pace the client. Against GitLab.com the client paces itself to 66% of
// RateLimit-Limit (2,000/min): 22 requests/s after a burst of 11, i.e. 1,320 requests
// a minute, so a sync of N requests takes at least N/1,320 minutes there, whatever the
// machine. GitLab.com's budget is 2,000 authenticated requests a minute per user,
// shared by everything that token's user runs. Measured (docs/performance.md):
//
//	world (users/groups/projects)  requests  minutes of the 2,000/min budget  minutes at 1,320/min
//	small 500/50/100                    356  0.18                              0.27
//	large 10,000/500/2,000            5,511  2.8                               4.2
//
// i.e. about 3 requests per group (members, detail for its shares, invitations) and 2
// per project (members, invitations), plus the listings' pages.
//
// Sizes: small 500/50/100, large 10,000/500/2,000: a large sync takes 9-22 s on 2
// cores, so the default -benchtime=1s runs it once (b.Loop stops after the first
// iteration past 1s) and `make bench` takes under a minute; `make bench BENCHTIME=1x`
// syncs each world exactly once.
var (
	benchSmall = fg.LargeSpec{Users: 500, Groups: 50, Projects: 100, Seed: 1}
	benchLarge = fg.LargeSpec{Users: 10_000, Groups: 500, Projects: 2_000, Seed: 1}
)

func BenchmarkSyncGitLabComSmall(b *testing.B) { benchSync(b, fg.ModeGitLabCom, benchSmall) }
func BenchmarkSyncGitLabComLarge(b *testing.B) { benchSync(b, fg.ModeGitLabCom, benchLarge) }
func BenchmarkSyncSelfManagedSmall(b *testing.B) {
	benchSync(b, fg.ModeSelfManaged, benchSmall)
}
func BenchmarkSyncSelfManagedLarge(b *testing.B) {
	benchSync(b, fg.ModeSelfManaged, benchLarge)
}

// GraphQL-first syncs (--sync-api graphql, issue 12). issueSpec is the issue's world
// (5,000 users, 400 groups, 1,500 projects). "NoRoles": the same world with no custom
// role defined or held (custom roles keep memberships on REST). Extra metrics:
//   - graphql-posts/op, rest/op: the requests by route (POST /api/graphql, REST);
//   - floor-ratio: requests/op over the REST floor, one members listing per group and
//     project;
//   - gitlab.com-budget-min: minutes of GitLab.com's 2,000 requests a minute one sync
//     uses (the last sync's requests / 2,000; every benchmark reports it).
var issueSpec = fg.LargeSpec{Users: 5_000, Groups: 400, Projects: 1_500, Seed: 1}

func BenchmarkSyncGraphQLGitLabComSmall(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: benchSmall, graphql: true})
}
func BenchmarkSyncGraphQLSelfManagedSmall(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeSelfManaged, spec: benchSmall, graphql: true})
}
func BenchmarkSyncGraphQLGitLabComSmallNoRoles(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: benchSmall, graphql: true, noRoles: true})
}
func BenchmarkSyncGraphQLSelfManagedSmallNoRoles(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeSelfManaged, spec: benchSmall, graphql: true, noRoles: true})
}
func BenchmarkSyncRESTSelfManagedIssueNoRoles(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeSelfManaged, spec: issueSpec, noRoles: true})
}
func BenchmarkSyncGraphQLSelfManagedIssueNoRoles(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeSelfManaged, spec: issueSpec, graphql: true, noRoles: true})
}
func BenchmarkSyncGraphQLGitLabComIssueNoRoles(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: issueSpec, graphql: true, noRoles: true})
}

// The same worlds on GitLab 18.7 (GitLab.com today): Group.sharedGroups (18.4) names the
// groups an organisation group is shared into, so fewer group details are read; on
// GitLab.com the credentials inventory API (18.7) too.
func BenchmarkSyncGraphQLSelfManagedIssueNoRoles18_7(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeSelfManaged, spec: issueSpec, graphql: true, noRoles: true, world: withManageAPI})
}
func BenchmarkSyncGraphQLGitLabComIssueNoRoles18_7(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: issueSpec, graphql: true, noRoles: true, world: withManageAPI})
}

// The issue's world shaped as a GitLab.com organisation is: ONE top-level group (the
// generated world has about 40, i.e. 40 organisations, each with its own billable members,
// SAML, SCIM, enterprise users and credentials inventory listings), without a private
// outside group shared into it (whose access only members/all of every group and project
// of the hierarchy shows: org_hidden.go), on GitLab 18.7.
var issueOrgSpec = fg.LargeSpec{Users: 5_000, Groups: 400, Projects: 1_500, Seed: 1,
	TopLevelGroups: 1, OutsideShares: fg.OutsideNone}

func BenchmarkSyncGraphQLGitLabComIssueOneOrganisation(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: issueOrgSpec, graphql: true, noRoles: true, world: withManageAPI})
}
func BenchmarkSyncRESTGitLabComIssueOneOrganisation(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: issueOrgSpec, noRoles: true, world: withManageAPI})
}
func BenchmarkSyncGraphQLSelfManagedIssue(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeSelfManaged, spec: issueSpec, graphql: true})
}

// benchCase is one benchmark's world and settings.
type benchCase struct {
	mode    fg.Mode
	spec    fg.LargeSpec
	graphql bool            // --sync-api graphql
	noRoles bool            // no custom role in the world
	latency time.Duration   // added to every request by the fake
	world   func(*fg.World) // changes the generated world before the fake serves it
}

// With 20 ms added to every request (a GitLab across a network): the wall time of a
// sync is then mostly waiting, so requests/op decide it.
func BenchmarkSyncRESTSelfManagedIssueNoRoles20ms(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeSelfManaged, spec: issueSpec, noRoles: true, latency: 20 * time.Millisecond})
}
func BenchmarkSyncGraphQLSelfManagedIssueNoRoles20ms(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeSelfManaged, spec: issueSpec, graphql: true, noRoles: true, latency: 20 * time.Millisecond})
}
func BenchmarkSyncGraphQLGitLabComIssueNoRoles20ms(b *testing.B) {
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: issueSpec, graphql: true, noRoles: true, latency: 20 * time.Millisecond})
}

// benchSync syncs the world of spec in mode once per iteration and reports the
// metrics above. GitLab.com minutes of a sync = requests/op / 2,000 of the user's
// budget, and at least requests/op / 1,320 of wall time (client-go's pacing).
func benchSync(b *testing.B, mode fg.Mode, spec fg.LargeSpec) {
	benchSyncWith(b, benchCase{mode: mode, spec: spec})
}

func benchSyncWith(b *testing.B, bc benchCase) {
	mode, spec := bc.mode, bc.spec
	ctx := context.Background()
	world := fg.LargeWorld(spec, mode)
	if bc.noRoles {
		world = withoutCustomRoles(world)
	}
	if bc.world != nil {
		bc.world(world)
	}
	memberships := directMemberships(world)
	now := world.Now
	fopts := []batontest.FakeOption{batontest.Unthrottled()}
	if bc.graphql {
		fopts = append(fopts, batontest.WithSettings(func(s *connector.Settings) { s.GraphQL = true }))
	}
	if bc.latency > 0 {
		fopts = append(fopts, batontest.WithServerOptions(func(o *fg.Options) { o.Faults.Latency = bc.latency }))
	}
	f := batontest.NewFake(b, mode, world, fopts...)

	var (
		conn      *connector.Connector
		path      string
		requests  int
		perSync   = -1
		routes    map[string]int
		syncCount int
	)
	b.ReportAllocs()
	for b.Loop() {
		// A fresh connector: a new process, which reads GET /user again.
		c, err := connector.New(ctx, f.Settings, batontest.FakeToken)
		if err != nil {
			b.Fatal(err)
		}
		c.SetClock(func() time.Time { return now })
		f.ResetRequests()
		conn = nil // let the previous sync's cache go before this sync
		path, err = batontest.SyncToFile(b, ctx, c)
		if err != nil {
			b.Fatalf("sync: %v", err)
		}
		n := f.Server.TotalRequests()
		if perSync >= 0 && n != perSync {
			b.Fatalf("sync %d made %d requests, the first made %d: syncs of one world must cost the same", syncCount+1, n, perSync)
		}
		perSync = n
		requests += n
		syncCount++
		conn = c
	}
	routes = f.Server.Counts() // the last sync's
	throttled := f.Server.StatusCounts()[429]
	peakDetail := peakPerPacedMinute(f.Requests(), groupDetailPath)

	// The cache the last sync left: live heap freed by dropping it (SetClock resets the
	// per-sync state).
	cache := cacheBytes(conn, now)

	counts, err := batontest.Count(b, ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	users, groups, projects := counts.Resources["user"], counts.Resources["group"], counts.Resources["project"]
	wantProjects := spec.Projects
	if mode == fg.ModeGitLabCom {
		wantProjects -= personalProjects(world) // personal projects are synced instance-wide only
	}
	if groups != spec.Groups || projects != wantProjects || users == 0 || counts.Grants == 0 {
		b.Fatalf("synced %d groups, %d projects, %d users, %d grants; want %d groups, %d projects",
			groups, projects, users, counts.Grants, spec.Groups, wantProjects)
	}

	// A loose guard, not a target: what the sync's state still holds after the sync. The
	// SDK's Cleanup drops it (SessionStoreDroppingState), so it is about 0 (GC noise); ten
	// times the ~190 B a grant it held before it was dropped is a regression to look at.
	if perGrant := float64(cache) / float64(counts.Grants); perGrant > maxCacheBytesPerGrant {
		b.Fatalf("the per-sync cache holds %.0f B a grant (%d B for %d grants), over %d: what does it keep?",
			perGrant, cache, counts.Grants, maxCacheBytesPerGrant)
	}

	perOp := float64(requests) / float64(syncCount)
	b.ReportMetric(perOp, "requests/op")
	b.ReportMetric(perOp/float64(groups+projects), "requests/resource")
	b.ReportMetric(float64(users)*float64(syncCount)/b.Elapsed().Seconds(), "users/s")
	b.ReportMetric(float64(cache)/float64(users), "cache-B/user")
	b.ReportMetric(float64(cache)/float64(memberships), "cache-B/membership")
	b.ReportMetric(float64(cache)/float64(counts.Grants), "cache-B/grant")
	b.ReportMetric(float64(cache)/(1<<20), "cache-MB")
	b.ReportMetric(float64(peakDetail), "group-detail-peak/min")
	b.ReportMetric(float64(throttled), "429s/op")
	credReqs := 0
	for _, r := range f.Requests() {
		if credentialRoute.MatchString(r.Path) {
			credReqs++
		}
	}
	b.ReportMetric(float64(credReqs), "credential-requests/op")
	b.ReportMetric(100*float64(credReqs)/float64(perSync-credReqs), "credential-%")
	posts := routes["POST /api/graphql"]
	b.ReportMetric(float64(posts), "graphql-posts/op")
	b.ReportMetric(float64(perSync-posts), "rest/op")
	b.ReportMetric(float64(perSync)/float64(groups+projects), "floor-ratio")
	b.ReportMetric(float64(perSync)/2000, "gitlab.com-budget-min")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		// The process's peak (the fake GitLab and its world included): meaningful when
		// one benchmark runs alone in a process.
		b.ReportMetric(float64(ru.Maxrss)/1024, "process-peak-RSS-MB")
	}
	b.Logf("%s %d users/%d groups/%d projects: %d users, %d groups, %d projects, %d entitlements, %d grants, %d direct memberships; %d requests a sync = %.2f min of GitLab.com's 2,000/min (>= %.2f min paced at 1,320/min); per route: %s",
		mode, spec.Users, spec.Groups, spec.Projects, users, groups, projects, counts.Entitlements, counts.Grants, memberships,
		perSync, float64(perSync)/2000, float64(perSync)/1320, routeSummary(routes))
}

// maxCacheBytesPerGrant bounds the per-sync cache: about ten times what it held when the
// benchmarks were written (docs/performance.md).
const maxCacheBytesPerGrant = 2048

// pacedPerMinute is how many requests client-go's limiter lets through in a minute
// against GitLab.com (66% of 2,000/min); the burst of 11 is ignored.
const pacedPerMinute = 1320

// groupDetailPath matches GET /groups/:id (not its sub-resources).
var groupDetailPath = regexp.MustCompile(`^/groups/[^/]+$`)

// peakPerPacedMinute is the most requests matching path among any pacedPerMinute
// consecutive requests of a sync: what a one-minute window would see on GitLab.com,
// where GET /groups/:id is limited to 400 a minute per user
// (https://docs.gitlab.com/administration/settings/rate_limit_on_groups_api/ ;
// fakegitlab.GitLabRouteLimitPreset).
func peakPerPacedMinute(reqs []batontest.Request, path *regexp.Regexp) int {
	hit := make([]bool, len(reqs))
	peak, in := 0, 0
	for i, r := range reqs {
		hit[i] = r.Method == "GET" && path.MatchString(r.Path)
		if hit[i] {
			in++
		}
		if i >= pacedPerMinute && hit[i-pacedPerMinute] {
			in--
		}
		peak = max(peak, in)
	}
	return peak
}

// cacheBytes is the live heap held by c's per-sync cache: the heap after a GC, minus
// the heap after dropping the cache (SetClock drops it) and a GC.
func cacheBytes(c *connector.Connector, now time.Time) uint64 {
	var with, without runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&with)
	c.SetClock(func() time.Time { return now })
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&without)
	runtime.KeepAlive(c)
	if without.HeapAlloc >= with.HeapAlloc {
		return 0
	}
	return with.HeapAlloc - without.HeapAlloc
}

// directMemberships counts the direct group and project memberships of a world.
func directMemberships(w *fg.World) int {
	n := 0
	for _, ms := range w.GroupMembers {
		n += len(ms)
	}
	for _, ms := range w.ProjectMembers {
		n += len(ms)
	}
	return n
}

func personalProjects(w *fg.World) int {
	n := 0
	for _, p := range w.Projects {
		if p.OwnerID != 0 {
			n++
		}
	}
	return n
}

// routeSummary is "GET /groups/:id/members=550 ..." by count, largest first.
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
