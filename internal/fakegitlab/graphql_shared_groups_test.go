package fakegitlab_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// Group.sharedGroups and GET /groups/:id/groups/shared (graphql_shared_groups.go cites
// GitLab's source for each rule).

// sharedWorld: the token's user (not an administrator) is Owner of "inv"; inv is invited
// to the groups named by links (name -> visibility, "!" in front for an expired link).
// Group ids are 100, 101, ... in the order given. The world reports
// SharedGroupsGraphQLVersion.
func sharedWorld(invVisibility string, links ...string) *fakegitlab.World {
	w := fakegitlab.NewWorld()
	w.Now = clock
	w.Version = fakegitlab.SharedGroupsGraphQLVersion
	w.TokenUserID = uToken
	w.AddUser(&fakegitlab.User{ID: uToken, Username: "acme-admin", Name: "Acme Admin"})
	w.AddUser(&fakegitlab.User{ID: uAlice, Username: "alice", Name: "Alice"})
	w.AddGroup(&fakegitlab.Group{ID: 10, Path: "inv", Name: "Invited", Visibility: invVisibility, CreatedAt: clock})
	w.SetGroupMember(10, &fakegitlab.Member{UserID: uToken, AccessLevel: fakegitlab.Owner})
	for i, l := range links {
		id := int64(100 + i)
		expired := strings.HasPrefix(l, "!")
		name, vis, _ := strings.Cut(strings.TrimPrefix(l, "!"), ":")
		w.AddGroup(&fakegitlab.Group{ID: id, Path: fmt.Sprintf("g%d", id), Name: name, Visibility: vis, CreatedAt: clock.AddDate(0, 0, -i)})
		s := fakegitlab.Share{GroupID: 10, AccessLevel: fakegitlab.Developer}
		if expired {
			s.ExpiresAt = "2026-10-01" // before the world's clock
		}
		w.GroupShares[id] = append(w.GroupShares[id], s)
	}
	return w
}

const sharedQuery = `query($path: ID!, $sort: GroupSort, $search: String, $first: Int, $after: String) {
  group(fullPath: $path) {
    sharedGroups(sort: $sort, search: $search, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id name fullPath } } } }`

// sharedNames runs sharedQuery and gives the nodes' names and the page info.
func sharedNames(t *testing.T, base, path string, vars map[string]any) ([]string, bool, string) {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["path"] = path
	d := gqlOK(t, base, sharedQuery, vars)
	var names []string
	for _, n := range nodes(d, "group", "sharedGroups", "nodes") {
		names = append(names, n["name"].(string))
	}
	next, _ := dig(d, "group", "sharedGroups", "pageInfo", "hasNextPage").(bool)
	end, _ := dig(d, "group", "sharedGroups", "pageInfo", "endCursor").(string)
	return names, next, end
}

// restShared reads GET /groups/:id/groups/shared (one page of 100) as names.
func restShared(t *testing.T, base, token, id, query string) (int, []string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v4/groups/"+id+"/groups/shared?per_page=100&"+query, nil)
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	var rows []struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, r := range rows {
		names = append(names, r.Name)
	}
	return resp.StatusCode, names
}

// SharedGroupsFinder: group.shared_groups, the groups the group was INVITED to (not the
// groups invited to it), default order NAME_ASC (ties by id); the REST route lists the
// same groups.
func TestGraphQLSharedGroupsListsGroupsInvitedTo(t *testing.T) {
	w := fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom)
	w.Version = fakegitlab.SharedGroupsGraphQLVersion
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	// acme-contractors is invited to acme/platform.
	if got, next, _ := sharedNames(t, u, "acme-contractors", nil); !slices.Equal(got, []string{"Platform"}) || next {
		t.Errorf("acme-contractors: %v next=%v", got, next)
	}
	// acme/platform was invited nowhere: the relation is not symmetric.
	if got, _, _ := sharedNames(t, u, "acme/platform", nil); len(got) != 0 {
		t.Errorf("acme/platform: %v", got)
	}
	if st, got := restShared(t, u, testToken, "20", ""); st != 200 || !slices.Equal(got, []string{"Platform"}) {
		t.Errorf("REST: %d %v", st, got)
	}

	w = sharedWorld("private", "Bravo:private", "alpha:private", "Charlie:private", "Bravo:private")
	_, u = startGQL(t, w, fakegitlab.ModeGitLabCom)
	want := []string{"Bravo", "Bravo", "Charlie", "alpha"} // byte order, ids 100 < 103 for the tie
	got, _, _ := sharedNames(t, u, "inv", nil)
	if !slices.Equal(got, want) {
		t.Errorf("default order: %v, want %v", got, want)
	}
	d := gqlOK(t, u, `{ group(fullPath: "inv") { sharedGroups { nodes { id } } } }`, nil)
	if ids := nodes(d, "group", "sharedGroups", "nodes"); len(ids) != 4 || ids[0]["id"] != "gid://gitlab/Group/100" || ids[1]["id"] != "gid://gitlab/Group/103" {
		t.Errorf("ties by id: %v", ids)
	}
	if st, rest := restShared(t, u, testToken, "inv", ""); st != 200 || !slices.Equal(rest, want) {
		t.Errorf("REST: %d %v", st, rest)
	}
	for sort, want := range map[string][]string{
		"NAME_DESC":  {"alpha", "Charlie", "Bravo", "Bravo"},
		"ID_DESC":    {"Bravo", "Charlie", "alpha", "Bravo"},
		"ID_ASC":     {"Bravo", "alpha", "Charlie", "Bravo"},
		"SIMILARITY": {"Bravo", "Charlie", "alpha", "Bravo"}, // no search: order_id_desc
	} {
		if got, _, _ := sharedNames(t, u, "inv", map[string]any{"sort": sort}); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", sort, got, want)
		}
	}
	d = gqlOK(t, u, `{ group(fullPath: "inv") { sharedGroups(sort: PATH_DESC, first: 1) { nodes { name path } } } }`, nil)
	if ns := nodes(d, "group", "sharedGroups", "nodes"); len(ns) != 1 || ns[0]["path"] != "g103" {
		t.Errorf("literal PATH_DESC: %v", ns)
	}
	if got, _, _ := sharedNames(t, u, "inv", map[string]any{"search": "char"}); !slices.Equal(got, []string{"Charlie"}) {
		t.Errorf("search: %v", got)
	}
	if st, rest := restShared(t, u, testToken, "inv", "order_by=id&sort=desc"); st != 200 || !slices.Equal(rest, []string{"Bravo", "Charlie", "alpha", "Bravo"}) {
		t.Errorf("REST id desc: %d %v", st, rest)
	}
}

// The finder reads group.shared_groups through shared_group_links, which has no expiry
// condition: an expired link is still listed (until GitLab's worker deletes it).
func TestGraphQLSharedGroupsKeepsExpiredLinks(t *testing.T) {
	w := sharedWorld("private", "Current:public", "!Expired:public")
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	if got, _, _ := sharedNames(t, u, "inv", nil); !slices.Equal(got, []string{"Current", "Expired"}) {
		t.Errorf("GraphQL: %v", got)
	}
	if st, got := restShared(t, u, testToken, "inv", ""); st != 200 || !slices.Equal(got, []string{"Current", "Expired"}) {
		t.Errorf("REST: %d %v", st, got)
	}
	// An administrator sees every group, so the expired link to a private group too.
	w = sharedWorld("private", "Current:private", "!Expired:private")
	w.Users[uToken].IsAdmin = true
	_, u = startGQL(t, w, fakegitlab.ModeSelfManaged)
	if got, _, _ := sharedNames(t, u, "inv", nil); !slices.Equal(got, []string{"Current", "Expired"}) {
		t.Errorf("administrator: %v", got)
	}
}

// public_or_visible_to_user: public groups, internal ones for a signed-in user, and the
// user's authorized groups; GroupType authorize :read_group. The caller who cannot read
// the group gets nothing (group null in GraphQL, 404 over REST).
func TestGraphQLSharedGroupsOnlyVisibleGroups(t *testing.T) {
	// The caller reads the public "inv" without being its member (alice is), so the
	// shares give the caller nothing.
	w := sharedWorld("public", "Pub:public", "Int:internal", "Priv:private", "Mine:private")
	w.Groups[10].Visibility = "public"
	delete(w.GroupMembers[10], uToken)
	w.SetGroupMember(10, &fakegitlab.Member{UserID: uAlice, AccessLevel: fakegitlab.Owner})
	w.SetGroupMember(103, &fakegitlab.Member{UserID: uToken, AccessLevel: fakegitlab.Guest})
	_, u := startGQL(t, w, fakegitlab.ModeSelfManaged)
	want := []string{"Int", "Mine", "Pub"}
	if got, _, _ := sharedNames(t, u, "inv", nil); !slices.Equal(got, want) {
		t.Errorf("signed in: %v, want %v", got, want)
	}
	if st, got := restShared(t, u, testToken, "10", ""); st != 200 || !slices.Equal(got, want) {
		t.Errorf("REST signed in: %d %v", st, got)
	}
	// Anonymous: public groups only.
	status, b := gqlPost(t, u, "", gqlBody(t, sharedQuery, map[string]any{"path": "inv"}))
	var r gqlResp
	_ = json.Unmarshal(b, &r)
	if ns := nodes(r.Data, "group", "sharedGroups", "nodes"); status != 200 || len(ns) != 1 || ns[0]["name"] != "Pub" {
		t.Errorf("anonymous: %d %s", status, b)
	}
	// (The fake's REST API asks every caller for a token: no anonymous REST here.)
	// A member of the invited group reads every group shared with it.
	w = sharedWorld("private", "Pub:public", "Priv:private")
	_, u = startGQL(t, w, fakegitlab.ModeGitLabCom)
	if got, _, _ := sharedNames(t, u, "inv", nil); !slices.Equal(got, []string{"Priv", "Pub"}) {
		t.Errorf("member of inv: %v", got)
	}
	// A private group the caller cannot read: no group, and 404 over REST.
	w = sharedWorld("private", "Pub:public")
	delete(w.GroupMembers[10], uToken)
	_, u = startGQL(t, w, fakegitlab.ModeGitLabCom)
	if d := gqlOK(t, u, sharedQuery, map[string]any{"path": "inv"}); d["group"] != nil {
		t.Errorf("unreadable group: %v", d)
	}
	if st, _ := restShared(t, u, testToken, "10", ""); st != 404 {
		t.Errorf("REST unreadable group: %d", st)
	}
}

// Before GitLab 18.4 the field does not exist: validation refuses it as any unknown
// field (HTTP 200, errors only, no data); the default worlds report 17.8.
func TestGraphQLSharedGroupsAbsentBeforeVersion(t *testing.T) {
	w := fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom)
	if w.Version != "17.8.0-ee" {
		t.Fatalf("demo version %q", w.Version)
	}
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	q := "{ group(fullPath: \"acme-contractors\") {\n  id\n  sharedGroups { nodes { id } } } }"
	status, b := gqlPost(t, u, testToken, gqlBody(t, q, nil))
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	if _, ok := raw["data"]; ok {
		t.Errorf("data present: %s", b)
	}
	want := `[{"message":"Field 'sharedGroups' doesn't exist on type 'Group'","locations":[{"line":3,"column":3}]}]`
	if string(raw["errors"]) != want {
		t.Errorf("errors %s, want %s", raw["errors"], want)
	}
	// 18.3 still has no field; 18.4 has it.
	w.Version = "18.3.2-ee"
	_, u = startGQL(t, w, fakegitlab.ModeGitLabCom)
	if r := gql(t, u, q, nil); r.Data != nil || len(r.Errors) != 1 {
		t.Errorf("18.3: %+v", r)
	}
	w = fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom)
	w.Version = "18.4.0-ee"
	_, u = startGQL(t, w, fakegitlab.ModeGitLabCom)
	gqlOK(t, u, q, nil)
}

// The keyset connection: at most 100 a page (first above 100 is served 100), cursors
// continue in the sort order, hasNextPage on a cut page.
func TestGraphQLSharedGroupsPagination(t *testing.T) {
	var links []string
	for i := range 105 {
		links = append(links, fmt.Sprintf("Group %03d:private", 104-i)) // ids ascend as names descend
	}
	w := sharedWorld("private", links...)
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	got, next, _ := sharedNames(t, u, "inv", map[string]any{"first": 500})
	if len(got) != 100 || !next || got[0] != "Group 000" || got[99] != "Group 099" {
		t.Fatalf("first 500: %d next=%v %v…", len(got), next, got[:1])
	}
	var all []string
	after := any(nil)
	for pages := 0; ; pages++ {
		names, next, end := sharedNames(t, u, "inv", map[string]any{"first": 40, "after": after})
		all = append(all, names...)
		if !next {
			if pages != 2 {
				t.Errorf("pages: %d", pages+1)
			}
			break
		}
		after = end
	}
	if len(all) != 105 || !slices.IsSorted(all) || all[104] != "Group 104" {
		t.Errorf("walk: %d %v…", len(all), all[:3])
	}
	// The same walk sorted NAME_DESC.
	names, _, end := sharedNames(t, u, "inv", map[string]any{"first": 2, "sort": "NAME_DESC"})
	more, _, _ := sharedNames(t, u, "inv", map[string]any{"first": 2, "sort": "NAME_DESC", "after": end})
	if !slices.Equal(append(names, more...), []string{"Group 104", "Group 103", "Group 102", "Group 101"}) {
		t.Errorf("NAME_DESC pages: %v %v", names, more)
	}
	if r := gql(t, u, sharedQuery, map[string]any{"path": "inv", "after": "not-a-cursor"}); len(r.Errors) != 1 || r.Errors[0].Message != "Please provide a valid cursor" {
		t.Errorf("bad cursor: %+v", r.Errors)
	}
}

// GitLab's rule for a resolver-backed connection: children + resolver complexity 1, +1
// for sort (it has a default, so always), +5 with a search, times (1 + page/100); the
// group field adds 1 to its children.
func TestGraphQLSharedGroupsComplexityPinned(t *testing.T) {
	_, u := startGQL(t, sharedWorld("private", "A:private"), fakegitlab.ModeGitLabCom)
	for q, want := range map[string]int{
		// nodes{id name} = 3; 3+1+1 = 5; 5 + 5×0.10 = 5.5 → 5; group 6.
		`{ group(fullPath: "inv") { sharedGroups(first: 10) { nodes { id name } } } }`: 6,
		// no first: page 100: 5 + 5 = 10; group 11.
		`{ group(fullPath: "inv") { sharedGroups { nodes { id name } } } }`: 11,
		// search: 3+1+1+5 = 10; 10 + 10×0.10 = 11; group 12.
		`{ group(fullPath: "inv") { sharedGroups(first: 10, search: "a") { nodes { id name } } } }`: 12,
	} {
		if got := score(t, u, q, nil); got != want {
			t.Errorf("%s: %d, want %d", q, got, want)
		}
	}
}
