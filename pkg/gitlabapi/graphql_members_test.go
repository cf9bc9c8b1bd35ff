package gitlabapi

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// membersRead reads every group and the projects of every top-level group of the fake's
// world through GraphQL.
type membersRead struct {
	groups   map[int64][]GraphQLMember
	shared   map[int64]bool
	projects map[int64][]GraphQLMember
	sum      DirectMembersSummary
	err      error
}

func readAllThroughGraphQL(t *testing.T, e *fakeEnv, maxComplexity int) *membersRead {
	t.Helper()
	var groups []int64
	gpath, ppath := map[int64]string{}, map[int64]string{}
	e.s.Read(func(w *fg.World) {
		for _, g := range w.SortedGroups() {
			groups = append(groups, g.ID)
			gpath[g.ID] = w.FullPath(g.ID)
		}
		for _, p := range w.SortedProjects() {
			ppath[p.ID] = w.ProjectPathWithNamespace(p.ID)
		}
	})
	out := &membersRead{groups: map[int64][]GraphQLMember{}, shared: map[int64]bool{}, projects: map[int64][]GraphQLMember{}}
	out.sum, out.err = e.c.ReadDirectMembers(e.ctx, DirectMembersRead{
		Groups: groups, With: GroupsWith{Projects: true}, MaxComplexity: maxComplexity,
		OnGroup: func(id int64, rows []GraphQLMember, shares GroupShareSignals) {
			if _, dup := out.groups[id]; dup {
				t.Errorf("group %d delivered twice", id)
			}
			out.groups[id], out.shared[id] = rows, shares.Reached
		},
		OnProject: func(id int64, rows []GraphQLMember) {
			if _, dup := out.projects[id]; dup {
				t.Errorf("project %d delivered twice", id)
			}
			out.projects[id] = rows
		},
		GroupPath:   func(id int64) string { return gpath[id] },
		ProjectPath: func(id int64) string { return ppath[id] },
	})
	return out
}

// memberKey renders what REST and GraphQL both say of a direct membership.
func memberKey(uid int64, username, state string, level int, expires Date) string {
	return fmt.Sprintf("%d %s %s %d %s", uid, username, state, level, expires)
}

func sortedKeys(rows []GraphQLMember) []string {
	var out []string
	for _, m := range rows {
		if m.UserID != 0 {
			out = append(out, memberKey(m.UserID, m.Username, m.State, int(m.AccessLevel), m.ExpiresAt))
		}
	}
	sort.Strings(out)
	return out
}

func restKeys(t *testing.T, e *fakeEnv, kind SourceKind, id int64) []string {
	t.Helper()
	ms, err := e.c.ListDirectMembers(e.ctx, kind, id)
	if err != nil {
		t.Fatalf("REST members of %s %d: %v", kind, id, err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, memberKey(m.ID, m.Username, m.State, int(m.AccessLevel), m.ExpiresAt))
	}
	sort.Strings(out)
	return out
}

// Every group's and project's direct members read through GraphQL are REST's direct
// members (user, state, level, expiry), in both deployments, in a few POSTs.
func TestReadDirectMembersMatchesREST(t *testing.T) {
	for _, mode := range []fg.Mode{fg.ModeGitLabCom, fg.ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			e := newFakeEnv(t, mode, nil)
			got := readAllThroughGraphQL(t, e, 0)
			if got.err != nil {
				t.Fatal(got.err)
			}
			if len(got.groups) == 0 || len(got.projects) == 0 {
				t.Fatalf("%d groups, %d projects read", len(got.groups), len(got.projects))
			}
			for id, rows := range got.groups {
				if a, b := fmt.Sprint(sortedKeys(rows)), fmt.Sprint(restKeys(t, e, Groups, id)); a != b {
					t.Errorf("group %d:\nGraphQL %s\nREST    %s", id, a, b)
				}
			}
			for id, rows := range got.projects {
				if a, b := fmt.Sprint(sortedKeys(rows)), fmt.Sprint(restKeys(t, e, Projects, id)); a != b {
					t.Errorf("project %d:\nGraphQL %s\nREST    %s", id, a, b)
				}
			}
			var skipped []string
			for _, s := range got.sum.Skipped {
				if !strings.Contains(s, "no such group") { // a top-level group the token cannot read
					skipped = append(skipped, s)
				}
			}
			if got.sum.Posts > 3 || len(skipped) > 0 {
				t.Errorf("%d POSTs, skipped %v", got.sum.Posts, skipped)
			}
		})
	}
}

// A group of 250 members: its first page comes with the chunk, the rest by follow-ups.
func TestReadDirectMembersFollowsPages(t *testing.T) {
	w := fg.BigGroupWorld(fg.BigGroupSpec{Members: 250, Subgroups: 3, Projects: 2, Seed: 1}, fg.ModeGitLabCom)
	e := newFakeEnv(t, fg.ModeGitLabCom, w)
	got := readAllThroughGraphQL(t, e, 0)
	if got.err != nil {
		t.Fatal(got.err)
	}
	rows := got.groups[fg.BigGroupID]
	if a, b := fmt.Sprint(sortedKeys(rows)), fmt.Sprint(restKeys(t, e, Groups, fg.BigGroupID)); a != b || len(rows) < 250 {
		t.Errorf("%d rows; GraphQL and REST differ: %v", len(rows), a != b)
	}
	// chunk + projects page in one POST, then 2 follow-up pages of the big group.
	if got.sum.Posts != 3 {
		t.Errorf("%d POSTs, want 3", got.sum.Posts)
	}
}

// GitLab's 30 s timeout on a big container's members ("Timeout on ...", the field null):
// the chunk's other groups are delivered, the containers that timed out are left to
// REST (in Skipped), and what is delivered is unchanged.
func TestReadDirectMembersTimeoutsLeftToREST(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	whole := readAllThroughGraphQL(t, e, 0)
	e.s.SetGraphQL(fg.GraphQLOptions{TimeoutMembersOver: 3})
	small := readAllThroughGraphQL(t, e, 0)
	if small.err != nil {
		t.Fatal(small.err)
	}
	if len(small.sum.Skipped) == 0 {
		t.Fatal("no container timed out: the test does not test the fallback")
	}
	for id, rows := range small.groups {
		if fmt.Sprint(sortedKeys(rows)) != fmt.Sprint(sortedKeys(whole.groups[id])) {
			t.Errorf("group %d differs after a timeout elsewhere", id)
		}
		if len(rows) > 3 {
			t.Errorf("group %d with %d rows delivered although its field timed out", id, len(rows))
		}
	}
	if len(small.groups)+len(small.projects)+len(small.sum.Skipped) < len(whole.groups)+len(whole.projects) {
		t.Errorf("containers lost: %d+%d read, %d skipped, of %d+%d", len(small.groups), len(small.projects),
			len(small.sum.Skipped), len(whole.groups), len(whole.projects))
	}
}

// No GraphQL API: the reading ends with NotFound and nothing delivered.
func TestReadDirectMembersWithoutGraphQL(t *testing.T) {
	e := newFakeEnv(t, fg.ModeSelfManaged, nil)
	e.s.SetGraphQL(fg.GraphQLOptions{Disabled: true})
	got := readAllThroughGraphQL(t, e, 0)
	if !IsNotFound(got.err) || len(got.groups)+len(got.projects) != 0 {
		t.Errorf("error %v, %d groups delivered", got.err, len(got.groups))
	}
}

// A multiplex over GitLab's summed complexity limit is refused as a whole ("Query has
// complexity of N, which exceeds max complexity of 250"): the same queries are sent
// again under the limit GitLab named, and the answer is the same.
func TestReadDirectMembersComplexityRefusal(t *testing.T) {
	// 200 groups: two chunks of 100 (258 each) in the first POST under a wrong limit of 1000.
	e := newFakeEnv(t, fg.ModeGitLabCom, fg.LargeWorld(fg.LargeSpec{Users: 300, Groups: 200, Projects: 60, Seed: 3}, fg.ModeGitLabCom))
	want := readAllThroughGraphQL(t, e, 0)
	got := readAllThroughGraphQL(t, e, 1000)
	if got.err != nil {
		t.Fatal(got.err)
	}
	if len(got.groups) != len(want.groups) || len(got.projects) != len(want.projects) {
		t.Errorf("%d groups and %d projects read, want %d and %d (skipped %v)", len(got.groups), len(got.projects),
			len(want.groups), len(want.projects), got.sum.Skipped)
	}
	for id, rows := range want.groups {
		if fmt.Sprint(sortedKeys(got.groups[id])) != fmt.Sprint(sortedKeys(rows)) {
			t.Errorf("group %d differs", id)
		}
	}
	// The refused POST, then the same queries under the limit GitLab named (a single query
	// still over it is split in two), and nothing left to REST.
	if got.sum.Posts <= want.sum.Posts || len(got.sum.Skipped) != len(want.sum.Skipped) {
		t.Errorf("%d POSTs (%d under the right limit), skipped %v", got.sum.Posts, want.sum.Posts, got.sum.Skipped)
	}
}

// GraphQL redacts a shared row whose group the caller cannot read (GroupMember
// authorizes :read_group): the probe of org-1, into which the private outside group and
// org-2/team-3/team-4/team-9 (which the token reads) are both shared, shows team-9's rows
// only, and says where they come from.
func TestReadDirectMembersSharedProbeLeavesOutRedactedRows(t *testing.T) {
	w := fg.LargeWorld(fg.LargeSpec{Users: 300, Groups: 24, Projects: 60, Seed: 7}, fg.ModeGitLabCom)
	const org1, team9 = fg.LargeGroupBase + 1, fg.LargeGroupBase + 9
	shares := w.GroupShares[org1]
	if len(shares) != 2 || shares[0].GroupID != team9 || shares[1].GroupID != fg.LargeOutsideGroupID ||
		len(w.GroupMembers[fg.LargeOutsideGroupID]) == 0 {
		t.Fatalf("the world changed: shares into org-1 %v", shares)
	}
	e := newFakeEnv(t, fg.ModeGitLabCom, w)
	var groups []int64
	paths := map[int64]string{}
	for _, g := range w.SortedGroups() {
		groups = append(groups, g.ID)
		paths[g.ID] = w.FullPath(g.ID)
	}
	got := map[int64]GroupShareSignals{}
	if _, err := e.c.ReadDirectMembers(e.ctx, DirectMembersRead{
		Groups: groups, With: GroupsWith{Projects: true},
		OnGroup:   func(id int64, _ []GraphQLMember, s GroupShareSignals) { got[id] = s },
		OnProject: func(int64, []GraphQLMember) {},
		GroupPath: func(id int64) string { return paths[id] }, ProjectPath: func(int64) string { return "" },
	}); err != nil {
		t.Fatal(err)
	}
	s := got[org1]
	if !s.Reached || !s.Complete || !slices.Equal(s.From, []int64{team9}) {
		t.Errorf("org-1's probe: %+v, want reached, complete, from team-9 only", s)
	}
}

// Group.sharedGroups (GitLab 18.4+) names the groups each group is invited to; a GitLab
// without the field answers that it does not exist, and the groups are read again
// without it (Listed false), nothing lost.
func TestReadDirectMembersSharedGroups(t *testing.T) {
	for _, c := range []struct {
		version string
		listed  bool
	}{{"17.8.0-ee", false}, {fg.SharedGroupsGraphQLVersion, true}} {
		t.Run(c.version, func(t *testing.T) {
			w := fg.DemoWorld(fg.ModeSelfManaged)
			w.Version = c.version
			want := map[int64][]int64{} // invited group -> the groups it is shared into
			var groups []int64
			paths := map[int64]string{}
			for _, g := range w.SortedGroups() {
				groups = append(groups, g.ID)
				paths[g.ID] = w.FullPath(g.ID)
			}
			for shared, shares := range w.GroupShares {
				for _, s := range shares {
					want[s.GroupID] = append(want[s.GroupID], shared)
				}
			}
			e := newFakeEnv(t, fg.ModeSelfManaged, w)
			got := map[int64]GroupShareSignals{}
			sum, err := e.c.ReadDirectMembers(e.ctx, DirectMembersRead{
				Groups: groups, With: GroupsWith{Projects: true, SharedGroups: true},
				OnGroup:   func(id int64, _ []GraphQLMember, s GroupShareSignals) { got[id] = s },
				OnProject: func(int64, []GraphQLMember) {},
				GroupPath: func(id int64) string { return paths[id] }, ProjectPath: func(int64) string { return "" },
			})
			if err != nil || len(sum.Skipped) > 0 {
				t.Fatalf("%v, skipped %v", err, sum.Skipped)
			}
			if len(got) != len(groups) {
				t.Fatalf("%d groups delivered of %d", len(got), len(groups))
			}
			for id, s := range got {
				if s.Listed != c.listed {
					t.Errorf("group %d: listed %v", id, s.Listed)
				}
				if !c.listed {
					continue
				}
				a, b := append([]int64(nil), s.InvitedTo...), append([]int64(nil), want[id]...)
				slices.Sort(a)
				slices.Sort(b)
				if !slices.Equal(a, b) {
					t.Errorf("group %d invited to %v, the world says %v", id, a, b)
				}
			}
			if len(want) == 0 {
				t.Fatal("the demo world has no group share: the test tests nothing")
			}
		})
	}
}

// shareSignals reads the probe as GitLab pages it: rows of groups the caller cannot read
// are cut after the page is (a page can be empty while more rows follow); a row whose
// group is not given cannot be placed.
func TestShareSignals(t *testing.T) {
	row := func(gid string) gqlProbeRow {
		r := gqlProbeRow{}
		if gid != "" {
			r.Group = &struct {
				ID string `json:"id"`
			}{gid}
		}
		return r
	}
	probe := func(next bool, gids ...string) *gqlSharedProbe {
		p := &gqlSharedProbe{PageInfo: gqlPageInfo{HasNextPage: next}}
		for _, g := range gids {
			p.Nodes = append(p.Nodes, row(g))
		}
		return p
	}
	for _, c := range []struct {
		name  string
		probe *gqlSharedProbe
		want  string
	}{
		{"no probe answer", nil, "reached=true complete=false from=[]"},
		{"no row", probe(false), "reached=false complete=true from=[]"},
		{"only redacted rows, more to come", probe(true), "reached=true complete=false from=[]"},
		{"rows of two groups, one twice", probe(false, "gid://gitlab/Group/5", "gid://gitlab/Group/7", "gid://gitlab/Group/5"), "reached=true complete=true from=[5 7]"},
		{"a row without its group", probe(false, "gid://gitlab/Group/5", ""), "reached=true complete=false from=[5]"},
	} {
		s := shareSignals(c.probe, nil)
		if got := fmt.Sprintf("reached=%v complete=%v from=%v", s.Reached, s.Complete, s.From); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
