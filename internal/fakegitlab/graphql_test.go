package fakegitlab_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// GraphQL tests: each is named after the GitLab rule it checks (graphql*.go cite the
// sources).

type gqlErr struct {
	Message string `json:"message"`
	Path    []any  `json:"path"`
}

type gqlResp struct {
	Data   map[string]any `json:"data"`
	Errors []gqlErr       `json:"errors"`
}

// gqlPost posts a raw body to /api/graphql with the test token (token "" sends none).
func gqlPost(t *testing.T, base, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/graphql", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func gqlBody(t *testing.T, query string, vars map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gql runs one query with the test token and expects HTTP 200.
func gql(t *testing.T, base, query string, vars map[string]any) gqlResp {
	t.Helper()
	status, b := gqlPost(t, base, testToken, gqlBody(t, query, vars))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, b)
	}
	var r gqlResp
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return r
}

// gqlOK is gql expecting no errors.
func gqlOK(t *testing.T, base, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := gql(t, base, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	return r.Data
}

// dig walks a decoded JSON value by keys.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func nodes(v any, keys ...string) []map[string]any {
	var out []map[string]any
	list, _ := dig(v, keys...).([]any)
	for _, n := range list {
		m, _ := n.(map[string]any)
		out = append(out, m)
	}
	return out
}

// memberLevels maps a members connection's nodes to "username: level" ("(invite)" for a
// row with a null user).
func memberLevels(ns []map[string]any) map[string]int {
	out := map[string]int{}
	for _, n := range ns {
		name := "(invite)"
		if u, ok := n["user"].(map[string]any); ok {
			name = u["username"].(string)
		}
		out[name] = int(dig(n, "accessLevel", "integerValue").(float64))
	}
	return out
}

func startGQL(t *testing.T, w *fakegitlab.World, mode fakegitlab.Mode, opts ...func(*fakegitlab.Options)) (*fakegitlab.Server, string) {
	t.Helper()
	o := fakegitlab.Options{Mode: mode, Token: testToken}
	for _, f := range opts {
		f(&o)
	}
	return fakegitlab.StartForTest(t, w, o)
}

const memberFields = `id accessLevel { integerValue stringValue } expiresAt createdAt user { id username state }`

// score asks GitLab's queryComplexity for the query's own score: the query with
// queryComplexity { score } added, which costs 2 (a plain field and its child).
func score(t *testing.T, base, query string, vars map[string]any) int {
	t.Helper()
	i := strings.Index(query, "{")
	q := query[:i+1] + " queryComplexity { score } " + query[i+1:]
	d := gqlOK(t, base, q, vars)
	return int(dig(d, "queryComplexity", "score").(float64)) - 2
}

// The reference's queries (../shared/reference/gitlab-graphql.md §9), hand-scored there
// by GitLab's rule: the fake must give the same numbers.
const (
	fragM = `fragment M on MemberInterface { id accessLevel { integerValue } expiresAt createdAt user { id username state } }`

	queryA = `query Tree($root: ID!, $after: String) {
  group(fullPath: $root) { id fullPath
    descendantGroups(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id fullPath parent { id } groupMembersCount projectsCount } } } }`

	queryB = `query GroupMembersPage($root: ID!, $after: String, $n: Int!, $withRoot: Boolean!) {
  group(fullPath: $root) { id fullPath
    groupMembers(first: 100, relations: [DIRECT]) @include(if: $withRoot) { pageInfo { hasNextPage endCursor } nodes { ...M } }
    descendantGroups(first: $n, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id fullPath parent { id } groupMembersCount projectsCount
        groupMembers(first: 100, relations: [DIRECT]) { pageInfo { hasNextPage endCursor } nodes { ...M } } } } } } ` + fragM

	queryC = `query ProjectMembersPage($root: ID!, $after: String, $n: Int!) {
  group(fullPath: $root) {
    projects(first: $n, after: $after, includeSubgroups: true) {
      pageInfo { hasNextPage endCursor }
      nodes { id fullPath archived group { id }
        projectMembers(first: 100, relations: [DIRECT]) { pageInfo { hasNextPage endCursor } nodes { ...M } } } } } } ` + fragM
)

func TestGraphQLComplexityFollowsGitLabRule(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	root := map[string]any{"root": "acme"}
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		want  int
	}{
		// A resolver-backed single field: children + 1.
		{"group resolver", `{ group(fullPath: "acme") { id fullPath } }`, nil, 3},
		// descendantGroups: complexity 5 + children, no page-size factor.
		{"query A (descendantGroups constant)", queryA, root, 18},
		// Members connection (3 + 10 + 1) × 2 = 28, nested additively; @include(false) skipped.
		{"query B first page", queryB, map[string]any{"root": "acme", "n": 50, "withRoot": true}, 74},
		{"query B later pages", queryB, map[string]any{"root": "acme", "n": 50, "withRoot": false}, 46},
		// projects: NamespaceProjectsResolver +10: (37 + 11) × 1.2 = 57.6 -> 57, + group 1.
		{"query C p=20", queryC, map[string]any{"root": "acme", "n": 20}, 58},
		{"query C p=50", queryC, map[string]any{"root": "acme", "n": 50}, 73},
		{"query C p=100", queryC, map[string]any{"root": "acme", "n": 100}, 97},
		// first above the max page size counts as 100.
		{"query C p=500 counts 100", queryC, map[string]any{"root": "acme", "n": 500}, 97},
		// search adds 5: (2 + 11 + 5) × 1.1 = 19.8 -> 19, + group 1.
		{"search +5", `{ group(fullPath: "acme") { projects(search: "a", first: 10) { nodes { id } } } }`, nil, 20},
		// Query.groups' sort defaults to name_asc, so it always pays +1: (2 + 1 + 1) × 2.
		{"default sort +1", `{ groups(first: 100) { nodes { id } } }`, nil, 8},
		// An argument given by a variable that is not provided takes its default; an
		// explicit null does not.
		{"unprovided variable takes the default", `query($s: String) { groups(sort: $s, first: 100) { nodes { id } } }`, nil, 8},
		{"explicit null", `query($s: String) { groups(sort: $s, first: 100) { nodes { id } } }`, map[string]any{"s": nil}, 6},
		// memberRoles is a resolver-backed connection too: (3 + 1) × 2 + group 1.
		{"memberRoles", `{ group(fullPath: "acme") { memberRoles { nodes { id membersCount } } } }`, nil, 9},
		// No first: the default page of 100 counts.
		{"default page size", `{ group(fullPath: "acme") { groupMembers { nodes { id } } } }`, nil, 1 + (2+1)*2},
		// An interface selection costs its most expensive possible type: nodes 1 + group
		// { id fullPath name } 4 = 5 (ProjectMember's would be 3); (5 + 1) × 1.1 = 6.6 -> 6, + 1.
		{"interface max over types", `{ project(fullPath: "acme/platform/api") { projectMembers(first: 10) { nodes {
			... on GroupMember { group { id fullPath name } } ... on ProjectMember { project { id } } } } } }`, nil, 7},
	}
	for _, c := range cases {
		if got := score(t, u, c.query, c.vars); got != c.want {
			t.Errorf("%s: complexity %d, want %d", c.name, got, c.want)
		}
	}
	// queryComplexity reports the caller's limit.
	d := gqlOK(t, u, `{ queryComplexity { score limit } }`, nil)
	if dig(d, "queryComplexity", "limit") != float64(250) || dig(d, "queryComplexity", "score") != float64(3) {
		t.Errorf("queryComplexity = %v, want score 3 limit 250", d["queryComplexity"])
	}
}

// queryD is the reference's follow-up query: n aliases of one group's members page.
func queryD(n int) string {
	var b strings.Builder
	b.WriteString("query MoreMembers {")
	for i := range n {
		fmt.Fprintf(&b, ` g%d: group(fullPath: "acme") { fullPath groupMembers(first: 100, relations: [DIRECT]) { pageInfo { hasNextPage endCursor } nodes { ...M } } }`, i)
	}
	b.WriteString(" } " + fragM)
	return b.String()
}

func TestGraphQLComplexityLimitsAndErrorText(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	if got := score(t, u, queryD(8), nil); got != 240 {
		t.Fatalf("8 aliases: complexity %d, want 240 (30 each)", got)
	}
	r := gql(t, u, queryD(9), nil)
	if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Message != "Query has complexity of 270, which exceeds max complexity of 250" {
		t.Fatalf("9 aliases: %+v", r)
	}

	// An administrator (self-managed) may spend 300.
	_, ua := startGQL(t, testWorld(true), fakegitlab.ModeSelfManaged)
	d := gqlOK(t, ua, `{ queryComplexity { limit } }`, nil)
	if dig(d, "queryComplexity", "limit") != float64(300) {
		t.Fatalf("admin limit %v, want 300", d["queryComplexity"])
	}
	if r := gql(t, ua, queryD(9), nil); len(r.Errors) != 0 {
		t.Fatalf("admin, 270: %+v", r.Errors)
	}
	r = gql(t, ua, queryD(11), nil)
	if len(r.Errors) != 1 || r.Errors[0].Message != "Query has complexity of 330, which exceeds max complexity of 300" {
		t.Fatalf("admin, 330: %+v", r.Errors)
	}
}

// The MaxComplexity option lowers the limit for tests of a client's fallback.
func TestGraphQLMaxComplexityOption(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom, func(o *fakegitlab.Options) { o.GraphQL.MaxComplexity = 50 })
	r := gql(t, u, queryB, map[string]any{"root": "acme", "n": 50, "withRoot": true})
	if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Message != "Query has complexity of 74, which exceeds max complexity of 50" {
		t.Fatalf("%+v", r)
	}
	if d := gqlOK(t, u, `{ queryComplexity { limit } }`, nil); dig(d, "queryComplexity", "limit") != float64(50) {
		t.Fatalf("limit: %v", d)
	}
}

func TestGraphQLMultiplexComplexityIsSummed(t *testing.T) {
	s, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	q5 := queryD(5) // 150: alone it passes
	one := map[string]any{"query": q5}
	body, _ := json.Marshal([]any{one, one})
	status, b := gqlPost(t, u, testToken, string(body))
	var rs []gqlResp
	if err := json.Unmarshal(b, &rs); err != nil || status != http.StatusOK {
		t.Fatalf("status %d: %s", status, b)
	}
	if len(rs) != 2 {
		t.Fatalf("want an array of 2 answers: %s", b)
	}
	for i, r := range rs {
		if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Message != "Query has complexity of 300, which exceeds max complexity of 250" {
			t.Errorf("query %d: %+v", i, r)
		}
	}
	// Two that fit together are both answered, in order, in one request.
	s.ResetCounts()
	small := map[string]any{"query": `query($p: ID!) { group(fullPath: $p) { fullPath } }`}
	body, _ = json.Marshal([]any{
		map[string]any{"query": small["query"], "variables": map[string]any{"p": "acme"}},
		map[string]any{"query": small["query"], "variables": map[string]any{"p": "acme/platform"}},
	})
	_, b = gqlPost(t, u, testToken, string(body))
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if len(rs) != 2 || dig(rs[0].Data, "group", "fullPath") != "acme" || dig(rs[1].Data, "group", "fullPath") != "acme/platform" {
		t.Fatalf("multiplex answers: %s", b)
	}
	if n := s.Counts()["POST /api/graphql"]; n != 1 || s.TotalRequests() != 1 {
		t.Fatalf("a multiplex is one request: counts %v", s.Counts())
	}
}

// deepQuery nests fields to depth 20 (21 with a user), each named field with selections
// at most twice in the branch, so that GitLab's RecursionAnalyzer lets it through.
func deepQuery(extra bool) string {
	leaf := "id"
	if extra {
		leaf = "user { id }"
	}
	q := `{ group(fullPath: "acme") { parent { parent { descendantGroups { nodes { projects { nodes { group {
		descendantGroups { edges { node { projects { nodes { projectMembers { nodes { ... on ProjectMember { project {
		projectMembers { edges { node { ` + leaf
	return q + strings.Repeat(" }", strings.Count(q, "{")-strings.Count(q, "}"))
}

func TestGraphQLDepthLimit(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	if r := gql(t, u, deepQuery(false), nil); len(r.Errors) != 0 {
		t.Fatalf("depth 20: %+v", r.Errors)
	}
	r := gql(t, u, deepQuery(true), nil)
	if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Message != "Query has depth of 21, which exceeds max depth of 20" {
		t.Fatalf("depth 21: %+v", r)
	}
	// Anonymous callers get 15 (DEFAULT_MAX_DEPTH).
	status, b := gqlPost(t, u, "", gqlBody(t, deepQuery(false), nil))
	if status != http.StatusOK || !strings.Contains(string(b), "Query has depth of 20, which exceeds max depth of 15") {
		t.Fatalf("anonymous depth 20: %d %s", status, b)
	}
}

func TestGraphQLRecursionLimit(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	// Twice in a branch is fine, and ignored names (nodes, edges, node) never count.
	if r := gql(t, u, `{ group(fullPath: "acme/platform/infra") { parent { parent { id } } } }`, nil); len(r.Errors) != 0 {
		t.Fatalf("parent twice: %+v", r.Errors)
	}
	r := gql(t, u, `{ group(fullPath: "acme/platform/infra") { parent { parent { parent { id } } } } }`, nil)
	want := "Recursive query - too many of fields '{\"parent\"=>3}' detected\nin single branch of the query\")\n"
	if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Message != want {
		t.Fatalf("parent three times: %+v", r)
	}
}

func TestGraphQLQueryTooLarge(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	pad := func(n int) string { // a query of exactly n characters
		q := `{ currentUser { username } }`
		return q + strings.Repeat(" ", n-len(q))
	}
	if status, b := gqlPost(t, u, testToken, gqlBody(t, pad(10_000), nil)); status != http.StatusOK {
		t.Fatalf("10,000 characters: %d %s", status, b)
	}
	status, b := gqlPost(t, u, testToken, gqlBody(t, pad(10_001), nil))
	if status != http.StatusUnprocessableEntity || string(b) != `{"errors":[{"message":"Query too large"}]}` {
		t.Fatalf("10,001 characters: %d %s", status, b)
	}
	// Summed over a multiplex: two of 6,000 are too large together.
	body, _ := json.Marshal([]any{map[string]any{"query": pad(6000)}, map[string]any{"query": pad(6000)}})
	if status, b := gqlPost(t, u, testToken, string(body)); status != http.StatusUnprocessableEntity {
		t.Fatalf("multiplex of 12,000: %d %s", status, b)
	}
}

func TestGraphQLIDsAreGlobalIDs(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	d := gqlOK(t, u, `{ currentUser { id username } group(fullPath: "acme") { id groupMembers(relations: [DIRECT]) { nodes { id user { id } } } }
		project(fullPath: "acme/platform/api") { id projectMembers(relations: [DIRECT]) { nodes { id } } } }`, nil)
	if dig(d, "currentUser", "id") != "gid://gitlab/User/1" || dig(d, "group", "id") != "gid://gitlab/Group/10" || dig(d, "project", "id") != "gid://gitlab/Project/50" {
		t.Fatalf("ids: %v", d)
	}
	for _, n := range nodes(d, "group", "groupMembers", "nodes") {
		if !strings.HasPrefix(n["id"].(string), "gid://gitlab/GroupMember/") || !strings.HasPrefix(dig(n, "user", "id").(string), "gid://gitlab/User/") {
			t.Errorf("group member ids: %v", n)
		}
	}
	for _, n := range nodes(d, "project", "projectMembers", "nodes") {
		if !strings.HasPrefix(n["id"].(string), "gid://gitlab/ProjectMember/") {
			t.Errorf("project member id: %v", n)
		}
	}
}

// pagedWorld is the test world with n extra direct members of acme/sales.
func pagedWorld(n int) *fakegitlab.World {
	w := testWorld(false)
	for i := range n {
		id := int64(10_000 + i)
		w.AddUser(&fakegitlab.User{ID: id, Username: fmt.Sprintf("user%05d", i), Name: fmt.Sprintf("User %d", i)})
		w.SetGroupMember(gSales, &fakegitlab.Member{UserID: id, AccessLevel: fakegitlab.Reporter})
	}
	return w
}

func TestGraphQLCursorsAreOpaqueAndContinue(t *testing.T) {
	_, u := startGQL(t, pagedWorld(249), fakegitlab.ModeGitLabCom) // + frank: 250 direct rows
	const q = `query($after: String, $n: Int) { group(fullPath: "acme/sales") {
		groupMembers(relations: [DIRECT], first: $n, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { user { username } } } } } }`
	seen := map[string]bool{}
	var after any
	var sizes []int
	for range 10 {
		d := gqlOK(t, u, q, map[string]any{"after": after, "n": 500}) // capped at 100
		edges := nodes(d, "group", "groupMembers", "edges")
		sizes = append(sizes, len(edges))
		for _, e := range edges {
			name := dig(e, "node", "user", "username").(string)
			if seen[name] {
				t.Fatalf("%s twice", name)
			}
			seen[name] = true
			raw, err := base64.RawURLEncoding.DecodeString(e["cursor"].(string))
			if err != nil || !json.Valid(raw) {
				t.Fatalf("cursor %q is not base64 of JSON", e["cursor"])
			}
		}
		info := dig(d, "group", "groupMembers", "pageInfo")
		if dig(info, "hasNextPage") != true {
			break
		}
		after = dig(info, "endCursor")
	}
	if fmt.Sprint(sizes) != "[100 100 50]" || len(seen) != 250 {
		t.Fatalf("pages %v, %d members", sizes, len(seen))
	}
	// GitLab's keyset connection: hasPreviousPage whenever after is given; last and before
	// page backwards; first and last together are refused.
	const q2 = `query($after: String, $before: String, $first: Int, $last: Int) { group(fullPath: "acme/sales") {
		groupMembers(relations: [DIRECT], first: $first, last: $last, after: $after, before: $before) {
			pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } } }`
	p1 := dig(gqlOK(t, u, q2, map[string]any{"first": 10}), "group", "groupMembers")
	if dig(p1, "pageInfo", "hasPreviousPage") != false || dig(p1, "pageInfo", "hasNextPage") != true {
		t.Errorf("first page: %v", p1)
	}
	p2 := dig(gqlOK(t, u, q2, map[string]any{"first": 10, "after": dig(p1, "pageInfo", "endCursor")}), "group", "groupMembers")
	if dig(p2, "pageInfo", "hasPreviousPage") != true {
		t.Errorf("second page: %v", p2)
	}
	back := dig(gqlOK(t, u, q2, map[string]any{"last": 10, "before": dig(p2, "pageInfo", "startCursor")}), "group", "groupMembers")
	if fmt.Sprint(nodes(back, "nodes")) != fmt.Sprint(nodes(p1, "nodes")) || dig(back, "pageInfo", "hasNextPage") != true {
		t.Errorf("last 10 before the second page: %v, want the first page %v", back, p1)
	}
	r := gql(t, u, q2, map[string]any{"first": 1, "last": 1})
	if len(r.Errors) != 1 || r.Errors[0].Message != "Can only provide either `first` or `last`, not both" {
		t.Errorf("first and last: %+v", r.Errors)
	}
	r = gql(t, u, q, map[string]any{"after": "not-a-cursor"})
	if len(r.Errors) != 1 || r.Errors[0].Message != "Please provide a valid cursor" {
		t.Fatalf("invalid cursor: %+v", r.Errors)
	}
}

func TestGraphQLRelationsDirectVersusDeduplicated(t *testing.T) {
	w := testWorld(false)
	// alice: Owner of acme; also a direct Developer of acme/platform (a lower row).
	w.SetGroupMember(gPlatform, &fakegitlab.Member{UserID: uAlice, AccessLevel: fakegitlab.Developer})
	// dave: Developer of the api project, Maintainer of acme/platform.
	w.SetGroupMember(gPlatform, &fakegitlab.Member{UserID: uDave, AccessLevel: fakegitlab.Maintainer})
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)

	q := `query($rel: [GroupMemberRelation!]) { group(fullPath: "acme/platform") { groupMembers(relations: $rel) { nodes { ` + memberFields + ` } } } }`
	direct := memberLevels(nodes(gqlOK(t, u, q, map[string]any{"rel": []string{"DIRECT"}}), "group", "groupMembers", "nodes"))
	if fmt.Sprint(direct) != "map[alice:30 dave:40]" {
		t.Errorf("DIRECT: %v", direct)
	}
	def := `{ group(fullPath: "acme/platform") { groupMembers { nodes { ` + memberFields + ` } } } }`
	all := memberLevels(nodes(gqlOK(t, u, def, nil), "group", "groupMembers", "nodes"))
	// One row per user, the highest access: alice's Owner row of acme wins.
	if fmt.Sprint(all) != "map[acme-admin:50 alice:50 bob:30 dave:40]" {
		t.Errorf("default relations: %v", all)
	}

	// DESCENDANTS: the subgroups' rows, one per user.
	desc := memberLevels(nodes(gqlOK(t, u, `{ group(fullPath: "acme") { groupMembers(relations: [DESCENDANTS]) { nodes { `+memberFields+` } } } }`, nil), "group", "groupMembers", "nodes"))
	if fmt.Sprint(desc) != "map[alice:30 carol:40 dave:40 frank:30]" {
		t.Errorf("DESCENDANTS: %v", desc)
	}

	// Projects: DIRECT shows the project row's own level; the default relations show the
	// effective project access (project_authorizations).
	pq := `query($rel: [ProjectMemberRelation!]) { project(fullPath: "acme/platform/api") { projectMembers(relations: $rel) { nodes { __typename ` + memberFields + ` } } } }`
	pd := memberLevels(nodes(gqlOK(t, u, pq, map[string]any{"rel": []string{"DIRECT"}}), "project", "projectMembers", "nodes"))
	if pd["dave"] != 30 || len(pd) != 2 {
		t.Errorf("project DIRECT: %v", pd)
	}
	pdef := `{ project(fullPath: "acme/platform/api") { projectMembers { nodes { __typename ` + memberFields + ` } } } }`
	rows := nodes(gqlOK(t, u, pdef, nil), "project", "projectMembers", "nodes")
	pa := memberLevels(rows)
	if fmt.Sprint(pa) != "map[acme-admin:50 alice:50 bob:30 dave:40 project_50_bot_1:40]" {
		t.Errorf("project default relations: %v", pa)
	}
	for _, n := range rows {
		name := dig(n, "user", "username")
		want := "GroupMember"
		if name == "dave" || name == "project_50_bot_1" {
			want = "ProjectMember" // DISTINCT ON prefers the project's own row
		}
		if n["__typename"] != want {
			t.Errorf("%v is a %v, want %s", name, n["__typename"], want)
		}
	}
}

func TestGraphQLEmailInvitationsAreRowsWithNullUser(t *testing.T) {
	build := func(token int64) *fakegitlab.World {
		w := testWorld(false)
		w.TokenUserID = token
		w.GroupInvitations[gPlatform] = []*fakegitlab.Invitation{{ID: 9001, Email: "new@example.com", AccessLevel: fakegitlab.Developer, CreatedAt: clock}}
		w.ProjectInvitations[pAPI] = []*fakegitlab.Invitation{{ID: 9002, Email: "pi@example.com", AccessLevel: fakegitlab.Reporter, CreatedAt: clock}}
		return w
	}
	const q = `{ group(fullPath: "acme/platform") { groupMembers(relations: [DIRECT]) { nodes { ` + memberFields + ` } } }
		project(fullPath: "acme/platform/api") { projectMembers(relations: [DIRECT]) { nodes { ` + memberFields + ` } } } }`
	// bob is a Developer: he sees the group's invitation, not the project's.
	_, u := startGQL(t, build(uBob), fakegitlab.ModeGitLabCom)
	d := gqlOK(t, u, q, nil)
	if g := memberLevels(nodes(d, "group", "groupMembers", "nodes")); g["(invite)"] != 30 {
		t.Errorf("group invitation for a Developer: %v", g)
	}
	if p := memberLevels(nodes(d, "project", "projectMembers", "nodes")); len(p) != 2 || p["(invite)"] != 0 {
		t.Errorf("project invitation hidden from a Developer: %v", p)
	}
	// The Owner sees both, with user null.
	_, u = startGQL(t, build(uToken), fakegitlab.ModeGitLabCom)
	d = gqlOK(t, u, q, nil)
	if p := memberLevels(nodes(d, "project", "projectMembers", "nodes")); p["(invite)"] != 20 {
		t.Errorf("project invitation for an Owner: %v", p)
	}
	for _, n := range nodes(d, "project", "projectMembers", "nodes") {
		if v, ok := n["user"]; ok && v == nil && !strings.HasPrefix(n["id"].(string), "gid://gitlab/ProjectMember/") {
			t.Errorf("invitation row: %v", n)
		}
	}
}

func TestGraphQLMinimalAccessOnlyOnTopLevelGroups(t *testing.T) {
	w := testWorld(false)
	w.SetGroupMember(gAcme, &fakegitlab.Member{UserID: uSybil, AccessLevel: fakegitlab.MinimalAccess})
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	top := memberLevels(nodes(gqlOK(t, u, `{ group(fullPath: "acme") { groupMembers { nodes { `+memberFields+` } } } }`, nil), "group", "groupMembers", "nodes"))
	if top["sybil"] != 5 {
		t.Errorf("top-level group: %v", top)
	}
	sub := memberLevels(nodes(gqlOK(t, u, `{ group(fullPath: "acme/platform") { groupMembers(relations: [DIRECT, INHERITED]) { nodes { `+memberFields+` } } } }`, nil), "group", "groupMembers", "nodes"))
	if _, ok := sub["sybil"]; ok || sub["alice"] != 50 {
		t.Errorf("subgroup lists the inherited Minimal Access row: %v", sub)
	}
}

func TestGraphQLAwaitingMembersIncludedAndNotToldApart(t *testing.T) {
	w := testWorld(false)
	w.SetGroupMember(gSales, &fakegitlab.Member{UserID: uSybil, AccessLevel: fakegitlab.Developer, MembershipState: "awaiting"})
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	got := memberLevels(nodes(gqlOK(t, u, `{ group(fullPath: "acme/sales") { groupMembers(relations: [DIRECT]) { nodes { `+memberFields+` } } } }`, nil), "group", "groupMembers", "nodes"))
	if got["sybil"] != 30 {
		t.Errorf("awaiting member missing: %v", got)
	}
	// No field tells the state of the membership (graphql-ruby's validation text).
	r := gql(t, u, `{ group(fullPath: "acme/sales") { groupMembers { nodes { membershipState } } } }`, nil)
	if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Message != "Field 'membershipState' doesn't exist on type 'GroupMember'" {
		t.Errorf("membershipState accepted: %+v", r)
	}
	r = gql(t, u, `{ group(fullPath: "acme/sales") { groupMembers(state: AWAITING) { nodes { id } } } }`, nil)
	if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Message != "Field 'groupMembers' doesn't accept argument 'state'" {
		t.Errorf("state argument accepted: %+v", r)
	}
}

func TestGraphQLNoCustomRoleOnMembers(t *testing.T) {
	w := testWorld(false)
	w.MemberRoles[7] = &fakegitlab.MemberRole{ID: 7, Name: "Auditor+", BaseAccessLevel: fakegitlab.Reporter}
	w.SetGroupMember(gSales, &fakegitlab.Member{UserID: uSybil, AccessLevel: fakegitlab.Reporter, MemberRoleID: 7})
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	got := memberLevels(nodes(gqlOK(t, u, `{ group(fullPath: "acme/sales") { groupMembers(relations: [DIRECT]) { nodes { `+memberFields+` } } } }`, nil), "group", "groupMembers", "nodes"))
	if got["sybil"] != 20 {
		t.Errorf("custom role member: %v", got)
	}
	for _, f := range []string{"memberRole { id }", "accessLevel { memberRole { id } }"} {
		r := gql(t, u, `{ group(fullPath: "acme/sales") { groupMembers { nodes { `+f+` } } } }`, nil)
		if r.Data != nil || len(r.Errors) == 0 {
			t.Errorf("%s accepted: %+v", f, r)
		}
	}
}

// The reference's addendum: a private partner group shared into the organisation. REST
// members/all renders its members; GraphQL redacts the rows of groups the caller cannot read.
func TestGraphQLRowsOfUnreadableGroupsAreLeftOut(t *testing.T) {
	w := testWorld(false)
	w.GroupShares[gAcme] = []fakegitlab.Share{{GroupID: gOther, AccessLevel: fakegitlab.Developer}}
	s, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	// REST lists trent (Owner of the private "other" group) through the share.
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v4/groups/%d/members/all?per_page=100", u, gAcme), nil)
	req.Header.Set("PRIVATE-TOKEN", testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var all []struct{ Username string }
	err = json.NewDecoder(resp.Body).Decode(&all)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	rest := map[string]bool{}
	for _, m := range all {
		rest[m.Username] = true
	}
	if !rest["trent"] {
		t.Fatalf("REST members/all: %v", rest)
	}
	q := `{ group(fullPath: "acme") { groupMembers(relations: [DIRECT, INHERITED, SHARED_FROM_GROUPS]) { nodes { ` + memberFields + ` } } } }`
	got := memberLevels(nodes(gqlOK(t, u, q, nil), "group", "groupMembers", "nodes"))
	if _, ok := got["trent"]; ok || got["alice"] != 50 {
		t.Errorf("GraphQL: %v", got)
	}
	// A share from a group the caller reads (contractors, where the token user is Owner)
	// does show its members, capped at the link.
	s.Write(func(w *fakegitlab.World) {
		w.SetGroupMember(gContractors, &fakegitlab.Member{UserID: uCarol, AccessLevel: fakegitlab.Owner})
	})
	q = `{ group(fullPath: "acme/platform") { groupMembers(relations: [SHARED_FROM_GROUPS]) { nodes { ` + memberFields + ` group { fullPath } } } } }`
	got = memberLevels(nodes(gqlOK(t, u, q, nil), "group", "groupMembers", "nodes"))
	if got["carol"] != 20 {
		t.Errorf("readable shared group: %v", got)
	}
	// A private group the caller cannot read is null.
	if d := gqlOK(t, u, `{ group(fullPath: "other") { id } }`, nil); d["group"] != nil {
		t.Errorf("private group: %v", d)
	}
}

func TestGraphQLRequestShapes(t *testing.T) {
	s, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	// Variables as a JSON string, as Gitlab::Graphql::Variables accepts them.
	body := `{"query":"query($p: ID!) { group(fullPath: $p) { fullPath } }","variables":"{\"p\":\"acme\"}"}`
	if status, b := gqlPost(t, u, testToken, body); status != http.StatusOK || !strings.Contains(string(b), `"fullPath":"acme"`) {
		t.Errorf("string variables: %d %s", status, b)
	}
	if status, _ := gqlPost(t, u, testToken, `{"query":"{ currentUser { id } }","variables":42}`); status != http.StatusUnprocessableEntity {
		t.Errorf("invalid variables: %d", status)
	}
	if status, b := gqlPost(t, u, testToken, `{"query":""}`); status != http.StatusOK || string(b) != `{"errors":[{"message":"No query string was present"}]}` {
		t.Errorf("no query: %d %s", status, b)
	}
	// GET serves queries too, counted under its own name.
	req, _ := http.NewRequest(http.MethodGet, u+"/api/graphql?query="+strings.ReplaceAll("{ currentUser { username } }", " ", "%20"), nil)
	req.Header.Set("PRIVATE-TOKEN", testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != `{"data":{"currentUser":{"username":"acme-admin"}}}` || s.Counts()["GET /api/graphql"] != 1 {
		t.Errorf("GET: %s, counts %v", b, s.Counts())
	}
}

func TestGraphQLAuthentication(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	status, b := gqlPost(t, u, "wrong-token", gqlBody(t, `{ currentUser { id } }`, nil))
	if status != http.StatusUnauthorized || string(b) != `{"errors":[{"message":"Invalid token"}]}` {
		t.Errorf("wrong token: %d %s", status, b)
	}
	// Bearer works like PRIVATE-TOKEN.
	req, _ := http.NewRequest(http.MethodPost, u+"/api/graphql", strings.NewReader(gqlBody(t, `{ currentUser { username } }`, nil)))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte(`"username":"acme-admin"`)) {
		t.Errorf("bearer: %s", b)
	}
	// Anonymous: public data only, limit 200.
	status, b = gqlPost(t, u, "", gqlBody(t, `{ currentUser { id } queryComplexity { limit } a: group(fullPath: "public-oss") { fullPath } b: group(fullPath: "acme") { fullPath } }`, nil))
	if status != http.StatusOK || string(b) != `{"data":{"currentUser":null,"queryComplexity":{"limit":200},"a":{"fullPath":"public-oss"},"b":null}}` {
		t.Errorf("anonymous: %d %s", status, b)
	}
	// A read_user token does not authenticate for GraphQL.
	_, u2 := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom, func(o *fakegitlab.Options) { o.TokenScopes = []string{"read_user"} })
	if status, _ := gqlPost(t, u2, testToken, gqlBody(t, `{ currentUser { id } }`, nil)); status != http.StatusUnauthorized {
		t.Errorf("read_user token: %d", status)
	}
}

func TestGraphQLDisabledAnswers404(t *testing.T) {
	s, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom, func(o *fakegitlab.Options) { o.GraphQL.Disabled = true })
	status, _ := gqlPost(t, u, testToken, gqlBody(t, `{ currentUser { id } }`, nil))
	if status != http.StatusNotFound || s.Counts()["POST /api/graphql"] != 1 {
		t.Fatalf("disabled: %d, counts %v", status, s.Counts())
	}
	// Switched back on over the fake's control endpoint (as for a fake run as a process).
	req, _ := http.NewRequest(http.MethodPut, u+"/-/fake/graphql", strings.NewReader(`{"disabled":false}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"disabled": false`) {
		t.Fatalf("PUT /-/fake/graphql: %d %s", resp.StatusCode, b)
	}
	if status, b := gqlPost(t, u, testToken, gqlBody(t, `{ currentUser { id } }`, nil)); status != http.StatusOK {
		t.Fatalf("enabled again: %d %s", status, b)
	}
}

func TestGraphQLTimeoutOnHugeContainers(t *testing.T) {
	s, u := startGQL(t, pagedWorld(10), fakegitlab.ModeGitLabCom, func(o *fakegitlab.Options) { o.GraphQL.TimeoutMembersOver = 5 })
	const q = `{ big: group(fullPath: "acme/sales") { fullPath groupMembers(relations: [DIRECT]) { nodes { id } } }
		small: group(fullPath: "acme/platform") { groupMembers(relations: [DIRECT]) { nodes { id } } } }`
	r := gql(t, u, q, nil)
	if len(r.Errors) != 1 || r.Errors[0].Message != "Timeout on Group.groupMembers" || fmt.Sprint(r.Errors[0].Path) != "[big groupMembers]" {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if dig(r.Data, "big", "fullPath") != "acme/sales" || dig(r.Data, "big", "groupMembers") != nil || dig(r.Data, "small", "groupMembers") == nil {
		t.Fatalf("data: %v", r.Data)
	}
	s.SetGraphQL(fakegitlab.GraphQLOptions{TimeoutMembersOver: 5, TimeoutAs503: true})
	status, b := gqlPost(t, u, testToken, gqlBody(t, q, nil))
	if status != http.StatusServiceUnavailable || !strings.Contains(string(b), "Request timed out. Please try a less complex query or a smaller set of records.") {
		t.Fatalf("503: %d %s", status, b)
	}
}

func TestGraphQLFaultsApplyAsToREST(t *testing.T) {
	s, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	body := gqlBody(t, `{ currentUser { username } }`, nil)

	s.SetFaults(fakegitlab.Faults{FailNextRequests: 1, FailStatus: http.StatusBadGateway})
	if status, _ := gqlPost(t, u, testToken, body); status != http.StatusBadGateway {
		t.Errorf("injected 502: %d", status)
	}
	s.SetFaults(fakegitlab.Faults{TruncateNext: 1})
	if status, b := gqlPost(t, u, testToken, body); status != http.StatusOK || json.Valid(b) {
		t.Errorf("truncated answer: %d %s", status, b)
	}
	s.SetFaults(fakegitlab.Faults{RateLimit: 1})
	if status, _ := gqlPost(t, u, testToken, body); status != http.StatusOK {
		t.Errorf("first request under the limit: %d", status)
	}
	if status, b := gqlPost(t, u, testToken, body); status != http.StatusTooManyRequests || string(b) != "Retry later\n" {
		t.Errorf("over the limit: %d %s", status, b)
	}
	s.SetFaults(fakegitlab.Faults{RouteRateLimits: map[string]int{"POST /api/graphql": 1}})
	gqlPost(t, u, testToken, body)
	if status, _ := gqlPost(t, u, testToken, body); status != http.StatusTooManyRequests {
		t.Errorf("route limit: %d", status)
	}
	if n := s.Counts()["POST /api/graphql"]; n != 6 {
		t.Errorf("every POST counts, faults included: %d", n)
	}
}

// The big world (30,000 direct members in one group) is read page by page from one
// listing computed once: 300 pages of 100.
func TestGraphQLBigGroupPagesThroughPrecomputedListing(t *testing.T) {
	w := fakegitlab.BigGroupWorld(fakegitlab.DefaultBigGroupSpec, fakegitlab.ModeGitLabCom)
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	const q = `query($after: String) { group(fullPath: "bignode") { groupMembers(relations: [DIRECT], first: 100, after: $after) {
		pageInfo { hasNextPage endCursor } nodes { user { id } } } } }`
	seen := map[string]bool{}
	invites := 0
	var after any
	for pages := 0; ; pages++ {
		if pages > 400 {
			t.Fatal("no end")
		}
		d := gqlOK(t, u, q, map[string]any{"after": after})
		for _, n := range nodes(d, "group", "groupMembers", "nodes") {
			if n["user"] == nil {
				invites++
				continue
			}
			seen[dig(n, "user", "id").(string)] = true
		}
		info := dig(d, "group", "groupMembers", "pageInfo")
		if dig(info, "hasNextPage") != true {
			break
		}
		after = dig(info, "endCursor")
	}
	if len(seen) != 30_000 || invites != 1 {
		t.Fatalf("%d members, %d invitations", len(seen), invites)
	}
	ids := make([]string, 0, 3)
	for id := range seen {
		ids = append(ids, id)
		if len(ids) == 3 {
			break
		}
	}
	sort.Strings(ids)
	if !strings.HasPrefix(ids[0], "gid://gitlab/User/") {
		t.Fatalf("ids %v", ids)
	}
}

// restRows reads every page of a REST members listing: user id -> access level.
func restRows(t *testing.T, base, path string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for page := "1"; page != ""; {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v4/"+path+"?per_page=100&page="+page, nil)
		req.Header.Set("PRIVATE-TOKEN", testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			ID          int64 `json:"id"`
			AccessLevel int   `json:"access_level"`
		}
		err = json.NewDecoder(resp.Body).Decode(&rows)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		for _, r := range rows {
			out[fmt.Sprintf("gid://gitlab/User/%d", r.ID)] = r.AccessLevel
		}
		page = resp.Header.Get("X-Next-Page")
	}
	return out
}

// gqlRows reads every page of a members connection: user gid -> level, and the number of
// rows with a null user (invitations).
func gqlRows(t *testing.T, base, kind, fullPath, relations string) (map[string]int, int) {
	t.Helper()
	field, typ := "groupMembers", "group"
	if kind == "projects" {
		field, typ = "projectMembers", "project"
	}
	q := fmt.Sprintf(`query($p: ID!, $after: String) { %s(fullPath: $p) { %s(relations: %s, first: 100, after: $after) {
		pageInfo { hasNextPage endCursor } nodes { accessLevel { integerValue } user { id } } } } }`, typ, field, relations)
	out, invites := map[string]int{}, 0
	var after any
	for {
		d := gqlOK(t, base, q, map[string]any{"p": fullPath, "after": after})
		for _, n := range nodes(d, typ, field, "nodes") {
			if n["user"] == nil {
				invites++
				continue
			}
			out[dig(n, "user", "id").(string)] = int(dig(n, "accessLevel", "integerValue").(float64))
		}
		if dig(d, typ, field, "pageInfo", "hasNextPage") != true {
			return out, invites
		}
		after = dig(d, typ, field, "pageInfo", "endCursor")
	}
}

// GraphQL's rows agree with the fake's REST oracle on a generated world: DIRECT is REST's
// /members (the direct rows, awaiting ones included); the invitations are REST's; the
// relations REST's members/all reads give members/all's rows and levels, except the rows
// GraphQL redacts because their group is unreadable (the private outside group shared
// into the organisation on gitlab.com).
func TestGraphQLRowsAgreeWithRESTOracle(t *testing.T) {
	for _, mode := range []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged} {
		w := fakegitlab.LargeWorld(fakegitlab.LargeSpec{Users: 300, Groups: 30, Projects: 60, Seed: 5}, mode)
		outside := map[string]bool{}
		for uid := range w.GroupMembers[fakegitlab.LargeOutsideGroupID] {
			outside[fmt.Sprintf("gid://gitlab/User/%d", uid)] = true
		}
		type node struct {
			kind, path string
			id         int64
			invites    int
		}
		var ns []node
		for _, g := range w.SortedGroups() {
			if g.ID != fakegitlab.LargeOutsideGroupID {
				ns = append(ns, node{"groups", w.FullPath(g.ID), g.ID, len(w.GroupInvitations[g.ID])})
			}
		}
		for _, p := range w.SortedProjects() {
			if p.GroupID != 0 && p.GroupID != fakegitlab.LargeOutsideGroupID {
				ns = append(ns, node{"projects", w.ProjectPathWithNamespace(p.ID), p.ID, len(w.ProjectInvitations[p.ID])})
			}
		}
		_, u := startGQL(t, w, mode)
		redacted := 0
		for _, n := range ns {
			id := fmt.Sprint(n.id)
			direct, invites := gqlRows(t, u, n.kind, n.path, "[DIRECT]")
			if rest := restRows(t, u, n.kind+"/"+id+"/members"); fmt.Sprint(direct) != fmt.Sprint(rest) {
				t.Fatalf("%s %s DIRECT:\n graphql %v\n rest    %v", mode, n.path, direct, rest)
			}
			if invites != n.invites {
				t.Fatalf("%s %s: %d invitation rows, want %d", mode, n.path, invites, n.invites)
			}
			rels := "[DIRECT, INHERITED, SHARED_FROM_GROUPS]"
			if n.kind == "projects" {
				rels = "[DIRECT, INHERITED, INVITED_GROUPS, SHARED_INTO_ANCESTORS]"
			}
			all, _ := gqlRows(t, u, n.kind, n.path, rels)
			rest := restRows(t, u, n.kind+"/"+id+"/members/all")
			for uid, level := range all {
				if rest[uid] != level {
					t.Fatalf("%s %s %s: graphql level %d, members/all %d", mode, n.path, uid, level, rest[uid])
				}
			}
			for uid := range rest {
				if _, ok := all[uid]; !ok {
					if !outside[uid] {
						t.Fatalf("%s %s: %s in members/all only", mode, n.path, uid)
					}
					redacted++
				}
			}
		}
		if (mode == fakegitlab.ModeGitLabCom) != (redacted > 0) {
			t.Errorf("%s: %d rows redacted", mode, redacted)
		}
	}
}

// Group's counts are direct ones (group_type.rb): children, projects, and the group's own
// member rows, invitations included (Group.group_members_counts).
func TestGraphQLGroupCountsAreDirect(t *testing.T) {
	w := testWorld(false)
	w.GroupInvitations[gAcme] = []*fakegitlab.Invitation{{ID: 9001, Email: "new@example.com", AccessLevel: fakegitlab.Guest, CreatedAt: clock}}
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	d := gqlOK(t, u, `{ a: group(fullPath: "acme") { descendantGroupsCount projectsCount groupMembersCount }
		p: group(fullPath: "acme/platform") { descendantGroupsCount projectsCount groupMembersCount } }`, nil)
	if fmt.Sprint(d["a"]) != "map[descendantGroupsCount:2 groupMembersCount:4 projectsCount:0]" ||
		fmt.Sprint(d["p"]) != "map[descendantGroupsCount:1 groupMembersCount:0 projectsCount:1]" {
		t.Errorf("counts: %v", d)
	}
}

// A personal project has no group: MembersFinder unions its own rows when DIRECT is asked
// (so their levels become project_authorizations'), and with no relation to union it
// answers the project rows as they are.
func TestGraphQLPersonalProjectMembersFollowMembersFinder(t *testing.T) {
	w := testWorld(true)
	w.SetProjectMember(pDotfiles, &fakegitlab.Member{UserID: uSybil, AccessLevel: fakegitlab.Developer}) // the owner's row, below the owner's Owner
	_, u := startGQL(t, w, fakegitlab.ModeSelfManaged)
	q := `query($rel: [ProjectMemberRelation!]) { project(fullPath: "sybil/dotfiles") { projectMembers(relations: $rel) { nodes { ` + memberFields + ` } } } }`
	for rel, want := range map[string]int{"DIRECT": 30, "DIRECT,INHERITED": 50, "INHERITED": 30} {
		got := memberLevels(nodes(gqlOK(t, u, q, map[string]any{"rel": strings.Split(rel, ",")}), "project", "projectMembers", "nodes"))
		if got["sybil"] != want || len(got) != 1 {
			t.Errorf("%s: %v, want sybil %d", rel, got, want)
		}
	}
}

// accessLevels filters with Member.by_access_level, which is active.where(access_level:):
// blocked users' rows go, email invitations stay (app/models/member.rb); search joins the
// users, so invitations never match.
func TestGraphQLAccessLevelsFilterIsActiveScope(t *testing.T) {
	w := testWorld(false)
	w.GroupInvitations[gSales] = []*fakegitlab.Invitation{{ID: 9001, Email: "new@example.com", AccessLevel: fakegitlab.Developer, CreatedAt: clock}}
	w.SetGroupMember(gSales, &fakegitlab.Member{UserID: uDave, AccessLevel: fakegitlab.Developer})
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	q := `query($l: [AccessLevelEnum!], $s: String) { group(fullPath: "acme/sales") { groupMembers(relations: [DIRECT], accessLevels: $l, search: $s) { nodes { ` + memberFields + ` } } } }`
	all := memberLevels(nodes(gqlOK(t, u, q, nil), "group", "groupMembers", "nodes"))
	if fmt.Sprint(all) != "map[(invite):30 dave:30 frank:30]" {
		t.Errorf("unfiltered: %v", all)
	}
	dev := memberLevels(nodes(gqlOK(t, u, q, map[string]any{"l": []string{"DEVELOPER"}}), "group", "groupMembers", "nodes"))
	if fmt.Sprint(dev) != "map[(invite):30 dave:30]" {
		t.Errorf("accessLevels [DEVELOPER]: %v (frank is blocked)", dev)
	}
	found := memberLevels(nodes(gqlOK(t, u, q, map[string]any{"s": "Da"}), "group", "groupMembers", "nodes"))
	if fmt.Sprint(found) != "map[dave:30]" {
		t.Errorf("search: %v", found)
	}
}

// read_group_member is refused on a private group the caller reads only because they
// belong to a subgroup (GroupPolicy: ~can_read_group_member when private and the access
// level is NO_ACCESS): the field is null with AuthorizeResource's error.
func TestGraphQLMembersOfAGroupSeenOnlyFromBelowAreRefused(t *testing.T) {
	w := testWorld(false)
	w.TokenUserID = uCarol // Maintainer of acme/platform/infra only
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	r := gql(t, u, `{ group(fullPath: "acme") { fullPath groupMembers { nodes { id } } } }`, nil)
	if dig(r.Data, "group", "fullPath") != "acme" || dig(r.Data, "group", "groupMembers") != nil ||
		len(r.Errors) != 1 || r.Errors[0].Message != "The resource that you are attempting to access does not exist or you don't have permission to perform this action" {
		t.Fatalf("%+v", r)
	}
	// Her own group's members she reads, inherited rows included.
	got := memberLevels(nodes(gqlOK(t, u, `{ group(fullPath: "acme/platform/infra") { groupMembers { nodes { `+memberFields+` } } } }`, nil), "group", "groupMembers", "nodes"))
	if got["carol"] != 40 || got["alice"] != 50 {
		t.Errorf("infra: %v", got)
	}
}

// Query.groups is GroupsFinder with BaseGroupsResolver's defaults: every group the caller
// can read (allAvailable true), sorted name_asc.
func TestGraphQLGroupsListsReadableGroups(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	names := func(vars map[string]any) string {
		d := gqlOK(t, u, `query($top: Boolean, $all: Boolean, $sort: String, $first: Int) {
			groups(topLevelOnly: $top, allAvailable: $all, sort: $sort, first: $first) { nodes { name } } }`, vars)
		var out []string
		for _, n := range nodes(d, "groups", "nodes") {
			out = append(out, n["name"].(string))
		}
		return strings.Join(out, ", ")
	}
	if got := names(nil); got != "Acme, Acme Contractors, Infra, Platform, Public OSS, Sales" {
		t.Errorf("default: %s", got)
	}
	if got := names(map[string]any{"top": true}); got != "Acme, Acme Contractors, Public OSS" {
		t.Errorf("topLevelOnly: %s", got)
	}
	if got := names(map[string]any{"all": false}); got != "Acme, Acme Contractors, Infra, Platform, Sales" {
		t.Errorf("allAvailable false: %s", got)
	}
	if got := names(map[string]any{"sort": "id_desc", "first": 2}); got != "Public OSS, Acme Contractors" {
		t.Errorf("id_desc, first 2: %s", got)
	}
}

// Group.memberRoles (RolesFinder): on GitLab.com the top-level group's roles, for a caller
// with Guest or more on the group; on self-managed the instance's roles. membersCount
// counts the member rows holding the role, invitations included; usersCount the users.
func TestGraphQLMemberRolesCountTheirAssignments(t *testing.T) {
	const q = `query($p: ID!) { group(fullPath: $p) { memberRoles { nodes { id name baseAccessLevel { integerValue } membersCount usersCount } } } }`
	w := testWorld(false)
	w.MemberRoles[7] = &fakegitlab.MemberRole{ID: 7, Name: "Security reviewer", BaseAccessLevel: fakegitlab.Reporter, GroupID: gAcme}
	w.MemberRoles[8] = &fakegitlab.MemberRole{ID: 8, Name: "Auditor", BaseAccessLevel: fakegitlab.Guest, GroupID: gAcme}
	w.MemberRoles[9] = &fakegitlab.MemberRole{ID: 9, Name: "Elsewhere", BaseAccessLevel: fakegitlab.Guest, GroupID: gOther}
	w.SetGroupMember(gSales, &fakegitlab.Member{UserID: uSybil, AccessLevel: fakegitlab.Reporter, MemberRoleID: 7})
	w.SetProjectMember(pAPI, &fakegitlab.Member{UserID: uSybil, AccessLevel: fakegitlab.Reporter, MemberRoleID: 7})
	w.ProjectInvitations[pAPI] = []*fakegitlab.Invitation{{ID: 9002, Email: "pi@example.com", AccessLevel: fakegitlab.Reporter, MemberRoleID: 7, CreatedAt: clock}}
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	d := gqlOK(t, u, q, map[string]any{"p": "acme/platform"})
	got := fmt.Sprint(nodes(d, "group", "memberRoles", "nodes"))
	want := "[map[baseAccessLevel:map[integerValue:10] id:gid://gitlab/MemberRole/8 membersCount:0 name:Auditor usersCount:0]" +
		" map[baseAccessLevel:map[integerValue:20] id:gid://gitlab/MemberRole/7 membersCount:3 name:Security reviewer usersCount:1]]"
	if got != want {
		t.Errorf("gitlab.com:\n got %s\nwant %s", got, want)
	}
	// A public group the caller has no role in: the field is null.
	if d := gqlOK(t, u, q, map[string]any{"p": "public-oss"}); dig(d, "group", "memberRoles") != nil {
		t.Errorf("public group without access: %v", d)
	}

	sm := testWorld(true)
	sm.MemberRoles[5] = &fakegitlab.MemberRole{ID: 5, Name: "Instance role", BaseAccessLevel: fakegitlab.Developer}
	_, u = startGQL(t, sm, fakegitlab.ModeSelfManaged)
	d = gqlOK(t, u, q, map[string]any{"p": "acme/platform"})
	if got := fmt.Sprint(nodes(d, "group", "memberRoles", "nodes")); got != "[map[baseAccessLevel:map[integerValue:30] id:gid://gitlab/MemberRole/5 membersCount:0 name:Instance role usersCount:0]]" {
		t.Errorf("self-managed: %s", got)
	}
}

// Validation stops at five errors (validate_max_errors 5, gitlab_schema.rb).
func TestGraphQLValidationStopsAtFiveErrors(t *testing.T) {
	_, u := startGQL(t, testWorld(false), fakegitlab.ModeGitLabCom)
	r := gql(t, u, `{ group(fullPath: "acme/sales") { a b c d e f g } }`, nil)
	if r.Data != nil || len(r.Errors) != 5 || r.Errors[0].Message != "Field 'a' doesn't exist on type 'Group'" {
		t.Errorf("seven unknown fields: %+v", r)
	}
}
