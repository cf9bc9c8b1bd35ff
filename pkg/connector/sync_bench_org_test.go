package connector_test

import (
	"flag"
	"strings"
	"testing"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// A GitLab.com organisation at issue 12's size: ONE top-level group (on GitLab.com the
// subscription, SAML, SCIM, enterprise users and the credentials inventory are per
// top-level group) with 10,000 groups and 50,000 projects below it, synced with
// --sync-api graphql. The question these answer: how many requests, i.e. how many minutes
// of GitLab.com's 2,000 authenticated requests a minute (the gitlab.com-budget-min metric;
// the client paces itself to 1,320 a minute, so the wall time there is at least
// requests/1,320 minutes). Results: docs/performance.md.
//
// The world (fakegitlab.LargeWorld, seed 1):
//   - 20,000 people (plus one project bot per 50 projects): the members of a large
//     company's GitLab.com organisation, about 5% of them outside it;
//   - one top-level group and a subgroup tree at most 5 levels deep (GitLab allows 20):
//     24 divisions, 253 departments, 1,697 teams, 8,025 sub-teams; projects spread over
//     every level;
//   - group shares (about 5% of groups) and project shares (about 3% of projects) between
//     unrelated groups of the organisation;
//   - no custom roles (they keep a hierarchy's memberships on REST: a different, larger
//     figure);
//   - GitLab 18.7 or later (fakegitlab.ManageAPIVersion), as GitLab.com: the top-level
//     group's credentials inventory lists every group and project access token of the
//     hierarchy in one listing. Before it (the other benchmarks' worlds report 17.8), the
//     connector lists GET /projects/:id/access_tokens on each project with a token bot
//     (one project in 50 here: about 1,000 requests more); ...Pre18_7 measures that;
//   - no hidden share: no private group outside the organisation shared into it. A
//     hidden share shows in the top-level group's billable members, and then the
//     connector reads members/all of every group and project of the hierarchy to find
//     who it reaches (pkg/connector/org_hidden.go): about one request per node, 60,000
//     here. The ...HiddenShare benchmark measures that: one outside group shared into
//     one subgroup.
//
// They run only when named: `make bench-org`, or -bench with "Org" in its pattern
// (`make bench`'s BENCH=. skips them: one sync takes minutes), and never under -short.
var (
	orgSpec = fg.LargeSpec{Users: 20_000, Groups: 10_000, Projects: 50_000, Seed: 1,
		TopLevelGroups: 1, MaxDepth: 5, OutsideShares: fg.OutsideNone}
	// orgSmallSpec is the same shape at a tenth of the size, where a REST sync (about
	// three requests a group and two a project) still runs in reasonable time.
	orgSmallSpec = fg.LargeSpec{Users: 2_000, Groups: 1_000, Projects: 5_000, Seed: 1,
		TopLevelGroups: 1, MaxDepth: 5, OutsideShares: fg.OutsideNone}
)

func BenchmarkSyncGraphQLGitLabComOrg10kGroups50kProjects(b *testing.B) {
	skipUnlessOrgSelected(b)
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: orgSpec, graphql: true, noRoles: true, world: withManageAPI})
}

// The same organisation on a GitLab without the credentials inventory API (before 18.7).
func BenchmarkSyncGraphQLGitLabComOrg10kGroups50kProjectsPre18_7(b *testing.B) {
	skipUnlessOrgSelected(b)
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: orgSpec, graphql: true, noRoles: true})
}

// One private group outside the organisation shared into one subgroup.
func BenchmarkSyncGraphQLGitLabComOrg10kGroups50kProjectsHiddenShare(b *testing.B) {
	skipUnlessOrgSelected(b)
	spec := orgSpec
	spec.OutsideShares = fg.OutsideSubgroup
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: spec, graphql: true, noRoles: true, world: withManageAPI})
}

// A tenth of the organisation, over GraphQL and over REST: what GraphQL saves.
func BenchmarkSyncGraphQLGitLabComOrg1kGroups5kProjects(b *testing.B) {
	skipUnlessOrgSelected(b)
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: orgSmallSpec, graphql: true, noRoles: true, world: withManageAPI})
}
func BenchmarkSyncRESTGitLabComOrg1kGroups5kProjects(b *testing.B) {
	skipUnlessOrgSelected(b)
	benchSyncWith(b, benchCase{mode: fg.ModeGitLabCom, spec: orgSmallSpec, noRoles: true, world: withManageAPI})
}

// withManageAPI makes the world a GitLab with the credentials inventory API (18.7).
func withManageAPI(w *fg.World) { w.Version = fg.ManageAPIVersion }

// skipUnlessOrgSelected skips an organisation benchmark under -short and unless the
// -bench pattern names it ("Org" in it): `make bench` (BENCH=.) does not run them.
func skipUnlessOrgSelected(b *testing.B) {
	b.Helper()
	if testing.Short() {
		b.Skip("an organisation sync takes minutes: not with -short")
	}
	if f := flag.Lookup("test.bench"); f == nil || !strings.Contains(f.Value.String(), "Org") {
		b.Skip(`an organisation sync takes minutes: runs when -bench names it ("Org"), e.g. make bench-org`)
	}
}
