package gitlabapi

import (
	"strings"
	"testing"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// Each query's complexity by GitLab's rule, worked out by hand (see graphql_queries.go):
//
//	member nodes      1 + id 1 + accessLevel{integerValue} 2 + expiresAt 1 + user{5 fields} 6 = 11
//	pageInfo          1 + 2 = 3
//	members (DIRECT)  (3 + 11 + 1) × (1 + 100 × 0.01) = 30
//	shared probe      (pageInfo{hasNextPage} 2 + nodes{group{id}} 3 + 1) × (1 + 100 × 0.01) = 12
//	groups(ids: n)    (nodes[1 + id 1 + 30 + 12 = 44] + 1 + 1 sort default) × (1 + n/100)
//	projects(first n) (pageInfo 3 + nodes[1 + id 1 + 30 = 32] + 1 + 10) × (1 + n/100), + 1 group
//	                  (a further page of a group's own projects)
//	more members      1 group/project + 30 = 31 an alias
//	with projects     each group node + the projects of one group (pageInfo 3 + nodes[32] + 11) × 2
//	                  = 92: (44 + 92 + 2) × (1 + n/100), 249 for 81 groups (a user's POST), 276
//	                  for 100 (an administrator's)
//	shared groups     (pageInfo{hasNextPage} 2 + nodes{id} 2 + 1 + 1 sort default) × 2 = 12 more a
//	                  group node: 250 for 67 groups with their projects
//	member roles      1 group + (pageInfo{hasNextPage} 2 + nodes{id membersCount} 3 + 1) × 2 = 13
//	                  an alias
//	all groups        (pageInfo 3 + nodes[1 + 10 fields + parent{id} 2 = 13] + 1 + 1 sort default) × 2 = 36
//	descendant groups 1 group + 5 (an explicit complexity, no page multiplier) + 3 + 13 = 22
//	pending members   1 group + (pageInfo 3 + nodes[1 + 5 fields + accessLevel{integerValue} 2
//	                  + expiresAt 1 + createdAt 1 = 10] + 1) × (1 + 100 × 0.01) = 29 an alias
func TestGraphQLQueryComplexityPinned(t *testing.T) {
	ids := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i + 1)
		}
		return out
	}
	more := func(n int) []MoreMembers {
		out := make([]MoreMembers, n)
		for i := range out {
			out[i] = MoreMembers{Kind: Groups, FullPath: "a/b", Cursor: "x"}
			if i%2 == 1 {
				out[i].Kind = Projects
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		op   Operation
		want int
	}{
		{"GroupsMembers 100", GroupsMembersOperation(ids(100), GroupsWith{}), 92},
		{"GroupsMembers 50", GroupsMembersOperation(ids(50), GroupsWith{}), 69},
		{"GroupsMembers 1", GroupsMembersOperation(ids(1), GroupsWith{}), 46},
		{"GroupsMembers with projects 81", GroupsMembersOperation(ids(81), GroupsWith{Projects: true}), 249},
		{"GroupsMembers with projects and shared groups 67", GroupsMembersOperation(ids(67), GroupsWith{Projects: true, SharedGroups: true}), 250},
		{"GroupsMembers with projects 100", GroupsMembersOperation(ids(100), GroupsWith{Projects: true}), 276},
		{"ProjectsMembers of one group 100", ProjectsMembersOperation("acme/a", 100, "c"), 93},
		{"ProjectsMembers 100", ProjectsMembersOperation("acme", 100, ""), 93},
		{"ProjectsMembers 50", ProjectsMembersOperation("acme", 50, "c"), 70},
		{"ProjectsMembers 10", ProjectsMembersOperation("acme", 10, ""), 51},
		{"MoreMembers 1", MoreMembersOperation(more(1)), 31},
		{"MoreMembers 8", MoreMembersOperation(more(8)), 248},
		{"PendingMembers 1", PendingMembersOperation([]PendingMembersPage{{FullPath: "acme"}}), 29},
		{"MemberRoles 2", MemberRolesOperation([]string{"acme", "globex"}), 26},
		{"AllGroups", AllGroupsOperation("c"), 36},
		{"DescendantGroups", DescendantGroupsOperation("acme", "c"), 22},
		{"PendingMembers 8", PendingMembersOperation(make([]PendingMembersPage, 8)), 232},
	} {
		if got := c.op.Complexity(); got != c.want {
			t.Errorf("%s: complexity %d, want %d", c.name, got, c.want)
		}
		if d := c.op.Depth(); d > GraphQLMaxDepth {
			t.Errorf("%s: depth %d over %d", c.name, d, GraphQLMaxDepth)
		}
		if n := len(c.op.Query().Query); n > GraphQLMaxQuerySize/4 {
			t.Errorf("%s: %d characters of query text", c.name, n)
		}
	}
	if n := GroupsMembersChunk(GroupsWith{Projects: true}, GraphQLMaxComplexity); n != 81 {
		t.Errorf("a user's chunk of groups with their projects: %d, want 81", n)
	}
	if n := GroupsMembersChunk(GroupsWith{Projects: true, SharedGroups: true}, GraphQLMaxComplexity); n != 67 {
		t.Errorf("a user's chunk of groups with their projects and shared groups: %d, want 67", n)
	}
	if n := GroupsMembersChunk(GroupsWith{Projects: true}, GraphQLAdminMaxComplexity); n != 100 {
		t.Errorf("an administrator's chunk of groups with their projects: %d, want 100", n)
	}
}

type complexityAnswer struct {
	QueryComplexity struct {
		Score int `json:"score"`
		Limit int `json:"limit"`
	} `json:"queryComplexity"`
}

// The fake GitLab (which computes GitLab's rule over the parsed query) scores each query
// as the connector does: the query plus queryComplexity { score limit } (a plain field
// with two children: 3 more).
func TestGraphQLQueryComplexityMatchesGitLabsRule(t *testing.T) {
	w := fg.DemoWorld(fg.ModeGitLabCom)
	w.Version = fg.SharedGroupsGraphQLVersion // Group.sharedGroups
	e := newFakeEnv(t, fg.ModeGitLabCom, w)
	for _, op := range []Operation{
		GroupsMembersOperation([]int64{fg.DemoGroupAcme, 2, 3}, GroupsWith{}),
		GroupsMembersOperation([]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, GroupsWith{}),
		ProjectsMembersOperation("acme", 100, ""),
		ProjectsMembersOperation("acme", 37, ""),
		MoreMembersOperation([]MoreMembers{{Kind: Groups, FullPath: "acme"}, {Kind: Projects, FullPath: "acme/x"}}),
		GroupsMembersOperation([]int64{fg.DemoGroupAcme, 2, 3}, GroupsWith{Projects: true}),
		GroupsMembersOperation([]int64{fg.DemoGroupAcme, 2, 3}, GroupsWith{Projects: true, SharedGroups: true}),
		ProjectsMembersOperation("acme", 20, ""),
		PendingMembersOperation([]PendingMembersPage{{FullPath: "acme"}, {FullPath: "globex", Cursor: "MQ"}}),
		MemberRolesOperation([]string{"acme", "globex"}),
		AllGroupsOperation(""),
		DescendantGroupsOperation("acme", ""),
	} {
		op.Fields = append(op.Fields, plain("queryComplexity", plains("score", "limit")...))
		q := op.Query()
		var out GraphQLResponse[complexityAnswer]
		if err := e.c.GraphQL(e.ctx, []GraphQLQuery{q}, []any{&out}); err != nil {
			t.Fatal(err)
		}
		if out.Data == nil {
			t.Fatalf("%s: %v", op.Name, out.Err())
		}
		if got, want := out.Data.QueryComplexity.Score, op.Complexity(); got != want {
			t.Errorf("%s: GitLab's rule scores %d, the connector computed %d\n%s", op.Name, got, want, q.Query)
		}
		if out.Data.QueryComplexity.Limit != GraphQLMaxComplexity {
			t.Errorf("limit %d", out.Data.QueryComplexity.Limit)
		}
	}
}

func TestGraphQLQueryText(t *testing.T) {
	q := MoreMembersOperation([]MoreMembers{{Kind: Groups, FullPath: "a", Cursor: "c1"}, {Kind: Projects, FullPath: "a/p"}}).Query()
	for _, want := range []string{
		"query MoreMembers($p0: ID!, $c0: String, $p1: ID!, $c1: String)",
		"m0: group(fullPath: $p0) { groupMembers(first: 100, after: $c0, relations: [DIRECT])",
		"m1: project(fullPath: $p1) { projectMembers(first: 100, after: $c1, relations: [DIRECT])",
		"user { id username name state webUrl }",
	} {
		if !strings.Contains(q.Query, want) {
			t.Errorf("query lacks %q:\n%s", want, q.Query)
		}
	}
	if q.Variables["p1"] != "a/p" || q.Variables["c0"] != "c1" {
		t.Errorf("variables %v", q.Variables)
	}
}
