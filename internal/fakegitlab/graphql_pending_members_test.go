package fakegitlab_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// Group.pendingMembers (graphql_pending_members.go cites GitLab's sources): one test per
// rule, each named after it.

const pendingFields = `__typename id name username email webUrl avatarUrl approved invited
	accessLevel { integerValue } createdAt expiresAt createdBy { username } user { id username }`

const pendingQuery = `query($path: ID!, $first: Int, $after: String) { group(fullPath: $path) {
	pendingMembers(first: $first, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor startCursor } nodes { ` + pendingFields + ` } } } }`

// pendingWorld is testWorld with the cases of ee/spec/models/ee/member_spec.rb
// ".distinct_awaiting_or_invited_for_group" spread over acme's hierarchy: bob is an
// active member (not pending); sybil awaits in acme and again in acme/sales (the
// "duplicates" case); trent awaits in acme/platform/infra; carol awaits in project
// acme/sales/crm; amy's invitation awaits, zoe's is active and invited again in
// acme/sales (the same invite_email); kai is invited to project acme/platform/api; and
// the "other" hierarchy has an awaiting row (dave) and an invitation of its own.
func pendingWorld() *fakegitlab.World {
	w := testWorld(false)
	awaiting := func(l fakegitlab.AccessLevel, uid int64) *fakegitlab.Member {
		return &fakegitlab.Member{UserID: uid, AccessLevel: l, MembershipState: "awaiting", CreatedAt: clock, CreatedByID: uToken}
	}
	w.SetGroupMember(gAcme, awaiting(fakegitlab.Developer, uSybil))
	w.SetGroupMember(gSales, awaiting(fakegitlab.Reporter, uSybil))
	w.SetGroupMember(gInfra, awaiting(fakegitlab.Guest, uTrent))
	w.SetProjectMember(pCRM, awaiting(fakegitlab.Developer, uCarol))
	w.SetGroupMember(gOther, awaiting(fakegitlab.Developer, uDave))
	w.GroupInvitations[gAcme] = []*fakegitlab.Invitation{
		{ID: 9001, Email: "zoe@partner.example", AccessLevel: fakegitlab.Developer, CreatedAt: clock, CreatedByID: uAlice},
		{ID: 9002, Email: "amy@partner.example", AccessLevel: fakegitlab.Guest, MembershipState: "awaiting", CreatedAt: clock},
	}
	w.GroupInvitations[gSales] = []*fakegitlab.Invitation{{ID: 9003, Email: "zoe@partner.example", AccessLevel: fakegitlab.Reporter, CreatedAt: clock}}
	w.ProjectInvitations[pAPI] = []*fakegitlab.Invitation{{ID: 9004, Email: "kai@partner.example", AccessLevel: fakegitlab.Reporter, ExpiresAt: "2036-01-01", CreatedAt: clock}}
	w.GroupInvitations[gOther] = []*fakegitlab.Invitation{{ID: 9005, Email: "out@partner.example", AccessLevel: fakegitlab.Guest}}
	return w
}

func pendingNodes(t *testing.T, base, path string, vars map[string]any) ([]map[string]any, map[string]any) {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["path"] = path
	d := gqlOK(t, base, pendingQuery, vars)
	return nodes(d, "group", "pendingMembers", "nodes"), dig(d, "group", "pendingMembers", "pageInfo").(map[string]any)
}

// EE::Resolvers::PendingGroupMembersResolver: `return unless group.root?`: a subgroup's
// field is null, without an error, even for its Owner.
func TestGraphQLPendingMembersOnlyRootGroup(t *testing.T) {
	_, u := startGQL(t, pendingWorld(), fakegitlab.ModeGitLabCom)
	rows, _ := pendingNodes(t, u, "acme", nil)
	if len(rows) == 0 {
		t.Fatal("no rows for the top-level group")
	}
	for _, path := range []string{"acme/sales", "acme/platform", "acme/platform/infra"} {
		r := gql(t, u, pendingQuery, map[string]any{"path": path})
		if len(r.Errors) != 0 || r.Data["group"] == nil {
			t.Fatalf("%s: %+v", path, r)
		}
		if v, ok := r.Data["group"].(map[string]any)["pendingMembers"]; !ok || v != nil {
			t.Errorf("%s: pendingMembers = %v, want null", path, v)
		}
	}
}

// authorizes_object! + authorize :admin_group_member: an Owner or an administrator gets
// the rows; anyone else gets null and NO error (Types::BaseField#authorized? false,
// GitlabSchema.unauthorized_field leaves it to graphql-ruby's unauthorized_object: nil),
// HTTP 200, the rest of the query answered.
func TestGraphQLPendingMembersOwnerOnly(t *testing.T) {
	const q = `query($path: ID!) { group(fullPath: $path) { fullPath pendingMembers { nodes { id } } } }`
	cases := []struct {
		name  string
		mode  fakegitlab.Mode
		token int64
		admin bool
		rows  bool
	}{
		{"Owner", fakegitlab.ModeGitLabCom, uToken, false, true},
		{"second Owner", fakegitlab.ModeGitLabCom, uAlice, false, true},
		{"Developer", fakegitlab.ModeGitLabCom, uBob, false, false},
		{"Maintainer of a subgroup", fakegitlab.ModeGitLabCom, uCarol, false, false},
		{"administrator, not a member", fakegitlab.ModeSelfManaged, uTrent, true, true},
		{"administrator flag on gitlab.com (no admin there)", fakegitlab.ModeGitLabCom, uTrent, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := pendingWorld()
			w.TokenUserID = c.token
			w.Users[c.token].IsAdmin = c.admin
			w.Groups[gAcme].Visibility = "internal" // every signed-in caller reads the group
			_, u := startGQL(t, w, c.mode)
			r := gql(t, u, q, map[string]any{"path": "acme"})
			if len(r.Errors) != 0 || dig(r.Data, "group", "fullPath") != "acme" {
				t.Fatalf("%+v", r)
			}
			pm := dig(r.Data, "group", "pendingMembers")
			if got := pm != nil; got != c.rows {
				t.Fatalf("pendingMembers = %v, want rows: %v", pm, c.rows)
			}
		})
	}
	// Anonymous: no rows either (the group is public here so the field is reached).
	w := pendingWorld()
	w.Groups[gAcme].Visibility = "public"
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	status, b := gqlPost(t, u, "", gqlBody(t, q, map[string]any{"path": "acme"}))
	if status != 200 || string(b) != `{"data":{"group":{"fullPath":"acme","pendingMembers":null}}}` {
		t.Fatalf("anonymous: %d %s", status, b)
	}
}

// ee/app/models/ee/member.rb distinct_awaiting_or_invited_for_group: awaiting rows and
// email invitations (whatever their state) of the group, its subgroups and their
// projects; DISTINCT ON (user_id, invite_email) ORDER BY user_id, invite_email: one row
// per user and per email, users by id, then emails; active rows and other hierarchies
// left out (ee/spec/models/ee/member_spec.rb "returns the correct members", "does not
// return additional results for duplicates").
func TestGraphQLPendingMembersDistinctPerUserAndEmail(t *testing.T) {
	_, u := startGQL(t, pendingWorld(), fakegitlab.ModeGitLabCom)
	rows, _ := pendingNodes(t, u, "acme", nil)
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%v/%v/%v/%v", r["__typename"], r["email"], r["invited"], r["approved"]))
	}
	want := []string{
		"PendingProjectMember/carol@acme.example/false/false",
		"PendingGroupMember/sybil@acme.example/false/false",
		"PendingGroupMember/trent@acme.example/false/false",
		"PendingGroupMember/amy@partner.example/true/false",
		"PendingProjectMember/kai@partner.example/true/true",
		"PendingGroupMember/zoe@partner.example/true/true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Which duplicate is kept: GitLab's ORDER BY does not decide between sybil's acme and
	// acme/sales rows (nor zoe's), so the fake keeps the first of in_hierarchy's UNION
	// order: the top-level group's row (Developer; invited by alice).
	sybil, zoe := rows[1], rows[5]
	if dig(sybil, "accessLevel", "integerValue") != float64(30) || dig(zoe, "accessLevel", "integerValue") != float64(30) ||
		dig(zoe, "createdBy", "username") != "alice" {
		t.Fatalf("kept rows: %v / %v", sybil, zoe)
	}
	// The user rows: PendingMemberInterface's fields from the user; the invitations: no user.
	if sybil["name"] != "Sybil Schmidt" || sybil["username"] != "sybil" || sybil["webUrl"] != u+"/sybil" ||
		dig(sybil, "user", "username") != "sybil" || !strings.HasPrefix(sybil["avatarUrl"].(string), "https://www.gravatar.com/avatar/") {
		t.Fatalf("sybil: %v", sybil)
	}
	for _, k := range []string{"name", "username", "webUrl", "user"} {
		if v, ok := zoe[k]; !ok || v != nil {
			t.Fatalf("zoe %s = %v", k, v)
		}
	}
	if rows[4]["expiresAt"] != "2036-01-01T00:00:00Z" {
		t.Fatalf("kai: %v", rows[4])
	}
}

// The row's id is the membership's global id, the same string groupMembers and
// projectMembers (relations DIRECT) give for that row: gid://gitlab/GroupMember/<id> for a
// group's row, gid://gitlab/ProjectMember/<id> for a project's, invitations included.
func TestGraphQLPendingMembersIDsMatchGroupMembersRows(t *testing.T) {
	_, u := startGQL(t, pendingWorld(), fakegitlab.ModeGitLabCom)
	direct := func(kind, path string) map[string]bool {
		field := "groupMembers"
		if kind == "project" {
			field = "projectMembers"
		}
		q := fmt.Sprintf(`{ %s(fullPath: %q) { %s(relations: [DIRECT]) { nodes { id } } } }`, kind, path, field)
		out := map[string]bool{}
		for _, n := range nodes(gqlOK(t, u, q, nil), kind, field, "nodes") {
			out[n["id"].(string)] = true
		}
		return out
	}
	rows, _ := pendingNodes(t, u, "acme", nil)
	byEmail := map[string]string{}
	for _, r := range rows {
		byEmail[r["email"].(string)] = r["id"].(string)
	}
	where := map[string][2]string{ // the kept row's source
		"carol@acme.example":  {"project", "acme/sales/crm"},
		"sybil@acme.example":  {"group", "acme"},
		"trent@acme.example":  {"group", "acme/platform/infra"},
		"amy@partner.example": {"group", "acme"},
		"kai@partner.example": {"project", "acme/platform/api"},
		"zoe@partner.example": {"group", "acme"},
	}
	for email, src := range where {
		id := byEmail[email]
		prefix := "gid://gitlab/GroupMember/"
		if src[0] == "project" {
			prefix = "gid://gitlab/ProjectMember/"
		}
		if !strings.HasPrefix(id, prefix) || !direct(src[0], src[1])[id] {
			t.Errorf("%s: id %q is not a DIRECT row of %s %s", email, id, src[0], src[1])
		}
	}
	// sybil's acme/sales row is another membership: another id.
	if direct("group", "acme/sales")[byEmail["sybil@acme.example"]] {
		t.Error("sybil's kept row has the id of her acme/sales row")
	}
}

// PendingMemberInterface.resolve_type: GroupMember => PendingGroupMember, ProjectMember
// => PendingProjectMember; both implement MemberInterface too, so fragments on either
// interface and on the concrete types apply.
func TestGraphQLPendingMembersConcreteTypes(t *testing.T) {
	_, u := startGQL(t, pendingWorld(), fakegitlab.ModeGitLabCom)
	const q = `{ group(fullPath: "acme") { pendingMembers { nodes { __typename
		... on PendingGroupMember { g: email }
		... on PendingProjectMember { p: email }
		... on MemberInterface { accessLevel { stringValue } } } } } }`
	for _, n := range nodes(gqlOK(t, u, q, nil), "group", "pendingMembers", "nodes") {
		_, g := n["g"]
		_, p := n["p"]
		switch {
		case n["__typename"] == "PendingGroupMember" && g && !p, n["__typename"] == "PendingProjectMember" && p && !g:
		default:
			t.Errorf("node %v", n)
		}
		if dig(n, "accessLevel", "stringValue") == nil {
			t.Errorf("MemberInterface fragment: %v", n)
		}
	}
	// A field of GroupMember is not one of PendingGroupMember (a BaseObject, not a
	// subclass of GroupMemberType): graphql-ruby's validation text.
	r := gql(t, u, `{ group(fullPath: "acme") { pendingMembers { nodes { ... on PendingGroupMember { group { id } } } } } }`, nil)
	if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].Message != "Field 'group' doesn't exist on type 'PendingGroupMember'" {
		t.Fatalf("%+v", r)
	}
}

// offset_pagination: graphql-ruby's RelationConnection with GitLab's max page size 100:
// offset cursors (base64 of the row's position), first capped at 100 and 100 without it,
// hasNextPage / hasPreviousPage, after continuing the listing, an undecodable cursor a
// field error.
func TestGraphQLPendingMembersPagination(t *testing.T) {
	w := pendingWorld()
	for i := 0; i < 110; i++ {
		w.GroupInvitations[gPlatform] = append(w.GroupInvitations[gPlatform], &fakegitlab.Invitation{
			ID: int64(20000 + i), Email: fmt.Sprintf("bulk%03d@partner.example", i), AccessLevel: fakegitlab.Guest, CreatedAt: clock})
	}
	_, u := startGQL(t, w, fakegitlab.ModeGitLabCom)
	const total = 6 + 110
	var all []string
	var after any
	for page := 0; ; page++ {
		rows, info := pendingNodes(t, u, "acme", map[string]any{"first": 50, "after": after})
		for _, r := range rows {
			all = append(all, r["id"].(string))
		}
		if (page > 0) != info["hasPreviousPage"] {
			t.Fatalf("page %d: %v", page, info)
		}
		if info["hasNextPage"] == false {
			if len(rows) != total-100 {
				t.Fatalf("last page has %d rows", len(rows))
			}
			break
		}
		if len(rows) != 50 || page > 2 {
			t.Fatalf("page %d: %d rows %v", page, len(rows), info)
		}
		after = info["endCursor"]
	}
	seen := map[string]bool{}
	for _, id := range all {
		seen[id] = true
	}
	if len(all) != total || len(seen) != total {
		t.Fatalf("%d rows, %d distinct", len(all), len(seen))
	}
	// Offset cursors: the n-th row's cursor is base64("n").
	rows, info := pendingNodes(t, u, "acme", map[string]any{"first": 2})
	if len(rows) != 2 || info["startCursor"] != base64.RawURLEncoding.EncodeToString([]byte("1")) ||
		info["endCursor"] != base64.RawURLEncoding.EncodeToString([]byte("2")) {
		t.Fatalf("cursors: %v", info)
	}
	// Without first, and with first above the limit: 100.
	for _, first := range []any{nil, 500} {
		rows, info := pendingNodes(t, u, "acme", map[string]any{"first": first})
		if len(rows) != 100 || info["hasNextPage"] != true {
			t.Fatalf("first %v: %d rows %v", first, len(rows), info)
		}
	}
	r := gql(t, u, pendingQuery, map[string]any{"path": "acme", "after": "!!not base64"})
	if len(r.Errors) != 1 || r.Errors[0].Message != `Invalid input: "!!not base64"` ||
		fmt.Sprint(r.Errors[0].Path) != "[group pendingMembers]" || dig(r.Data, "group", "pendingMembers") != nil {
		t.Fatalf("%+v", r)
	}
}

// GitLab's complexity rule for a resolver-backed connection (base_field.rb
// field_resolver_complexity): children + resolver_complexity 1, then × (1 + min(first,
// 100) × 0.01), cast to_i; Query.group adds 1.
func TestGraphQLPendingMembersComplexityPinned(t *testing.T) {
	_, u := startGQL(t, pendingWorld(), fakegitlab.ModeGitLabCom)
	// pageInfo 1+2, nodes 1+2 (id, email on either Pending type): children 6, +1 = 7;
	// first 20: 7 + 7×0.2 = 8.4 → 8; group: 9. Without first: 7 + 7×1 = 14; group: 15.
	q20 := `{ group(fullPath: "acme") { pendingMembers(first: 20) { pageInfo { hasNextPage endCursor } nodes { id email } } } }`
	q := `{ group(fullPath: "acme") { pendingMembers { pageInfo { hasNextPage endCursor } nodes { id email } } } }`
	if got := score(t, u, q20, nil); got != 9 {
		t.Errorf("first 20: %d, want 9", got)
	}
	if got := score(t, u, q, nil); got != 15 {
		t.Errorf("no first: %d, want 15", got)
	}
}

// The demo world's pending rows (the example the connector side can read): wendy awaiting
// in acme/sales, the acme invitation and the acme/platform/api one; wendy's id is her
// acme/sales groupMembers row's.
func TestGraphQLPendingMembersDemoWorld(t *testing.T) {
	_, u := startGQL(t, fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom), fakegitlab.ModeGitLabCom)
	const q = `query PendingMembers($root: ID!, $after: String) {
  group(fullPath: $root) {
    pendingMembers(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { __typename id email username invited approved accessLevel { integerValue } user { id } }
    }
  }
}`
	d := gqlOK(t, u, q, map[string]any{"root": "acme"})
	b, _ := json.Marshal(d)
	rows := nodes(d, "group", "pendingMembers", "nodes")
	if len(rows) != 3 || rows[0]["username"] != "wendy" || rows[1]["email"] != fakegitlab.DemoInvitationContractorEmail ||
		rows[2]["email"] != fakegitlab.DemoInvitationEmail {
		t.Fatalf("%s", b)
	}
	t.Logf("%s", b)
	wendy := rows[0]["id"]
	found := false
	for _, n := range nodes(gqlOK(t, u, `{ group(fullPath: "acme/sales") { groupMembers(relations: [DIRECT]) { nodes { id user { username } } } } }`, nil), "group", "groupMembers", "nodes") {
		if dig(n, "user", "username") == "wendy" {
			found = n["id"] == wendy
		}
	}
	if !found {
		t.Fatalf("wendy's id %v is not her acme/sales row's", wendy)
	}
}
