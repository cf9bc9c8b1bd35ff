package fakegitlab

import (
	"encoding/json"
	"strconv"
	"testing"
)

// HTTP answers that follow the oracle: members/all rows (members_all.go), the group's
// share_with_group_lock and the shape of shared_with_groups.

type allRow struct {
	ID          int64          `json:"id"`
	AccessLevel int            `json:"access_level"`
	State       string         `json:"membership_state"`
	MemberRole  map[string]any `json:"member_role"`
}

func getAllRows(t *testing.T, base, path string) map[int64]allRow {
	t.Helper()
	status, body := memRaw(t, "GET", base+"/api/v4/"+path+"?per_page=100", "")
	if status != 200 {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	var rows []allRow
	if err := json.Unmarshal([]byte(body), &rows); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	out := map[int64]allRow{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

// shareWorld: acme 1 > platform 2 > project 10, acme-locked 5 > project 11; partner 3
// (invited into platform, project 10 and project 11) shared with vendor 4.
func shareWorld() *World {
	w := newTW().group(1, 0).group(2, 1).group(3, 0).group(4, 0).group(5, 0).project(10, 2).project(11, 5)
	w.gm(1, 100, Owner)
	w.gm(5, 100, Owner)
	w.gm(3, 101, Developer)
	w.gm(4, 102, Maintainer)
	w.gm(3, 103, Reporter).MembershipState = "awaiting"
	w.gshare(2, 3, Reporter, 0)
	w.pshare(10, 3, Developer, 0)
	w.gshare(3, 4, Developer, 0)
	w.pshare(11, 3, Developer, 0)
	w.SetShareWithGroupLock(5, true)
	w.TokenUserID = 100
	return w.World
}

func TestMembersAllProjectFollowsMembersFinder(t *testing.T) {
	w := shareWorld()
	_, _, base := memStart(t, w, ModeGitLabCom)
	rows := getAllRows(t, base, "projects/10/members/all")
	// 101: the invited group's row, shown at its project authorization (Developer through
	// the project share beats Reporter through platform's share).
	if r := rows[101]; r.AccessLevel != int(Developer) {
		t.Errorf("invited member: %+v", r)
	}
	// 102 (vendor, shared with the invited group) has access but no row (C1).
	if _, ok := rows[102]; ok {
		t.Error("a member of a group shared with the invited group is listed")
	}
	if l := w.EffectiveProjectAccess(10, 102).Level; l != Developer {
		t.Errorf("vendor member's access %v", l)
	}
	// 103 awaiting: listed with the row's level (no authorization to COALESCE with).
	if r := rows[103]; r.State != "awaiting" || r.AccessLevel != int(Reporter) {
		t.Errorf("awaiting invited member: %+v", r)
	}
	// Locked namespace: invited members are listed at access level 0.
	rows = getAllRows(t, base, "projects/11/members/all")
	if r, ok := rows[101]; !ok || r.AccessLevel != 0 {
		t.Errorf("invited member of a project in a locked group: %+v %v", r, ok)
	}
	status, body := memRaw(t, "GET", base+"/api/v4/projects/11/members/all/101", "")
	if status != 200 {
		t.Errorf("GET members/all/101: %d %s", status, body)
	}
	status, _ = memRaw(t, "GET", base+"/api/v4/projects/10/members/all/102", "")
	if status != 404 {
		t.Errorf("GET members/all/102 (no row): %d", status)
	}
}

// GroupMembersFinder lists the members of invited groups the current user cannot see
// only when the current user is a member of the group (group.member?(user)).
func TestMembersAllGroupHidesInvisibleInvitedGroupsFromNonMembers(t *testing.T) {
	w := newTW().group(1, 0).group(3, 0)
	w.Groups[1].Visibility = "public"
	w.gm(1, 101, Owner)
	w.gm(3, 102, Developer) // 3 is private
	w.gshare(1, 3, Reporter, 0)
	w.user(100)
	w.TokenUserID = 100 // a member of nothing
	_, _, base := memStart(t, w.World, ModeGitLabCom)
	rows := getAllRows(t, base, "groups/1/members/all")
	if _, ok := rows[102]; ok || len(rows) != 1 {
		t.Errorf("non-member sees the private invited group's members: %v", rows)
	}
	w2 := newTW().group(1, 0).group(3, 0)
	w2.gm(1, 101, Owner)
	w2.gm(3, 102, Developer)
	w2.gshare(1, 3, Reporter, 0)
	w2.gm(1, 100, Guest)
	w2.TokenUserID = 100 // a member of the group, not of the private invited group
	_, _, base2 := memStart(t, w2.World, ModeGitLabCom)
	rows = getAllRows(t, base2, "groups/1/members/all")
	if r, ok := rows[102]; !ok || r.AccessLevel != int(Reporter) {
		t.Errorf("member does not see the private invited group's members: %v", rows)
	}
}

// members/all of a group shows the custom role Authz::MemberRoleInSharedResource picks
// for a shared row, and the highest row per user.
func TestMembersAllGroupSharedRowRole(t *testing.T) {
	w := newTW().group(1, 0).group(3, 0)
	w.role(7, Reporter, "read_code")
	w.role(8, Guest, "read_vulnerability")
	w.gm(1, 100, Owner)
	w.gm(3, 101, Reporter).MemberRoleID = 7 // equal level, link without role: none
	w.gm(3, 102, Developer)                 // above the link: the link's role
	w.gshare(1, 3, Reporter, 0)
	w.TokenUserID = 100
	_, _, base := memStart(t, w.World, ModeGitLabCom)
	rows := getAllRows(t, base, "groups/1/members/all")
	if r := rows[101]; r.AccessLevel != int(Reporter) || r.MemberRole != nil {
		t.Errorf("equal-level share without a link role: %+v", r)
	}
	w2 := newTW().group(1, 0).group(3, 0)
	w2.role(8, Guest, "read_vulnerability")
	w2.gm(1, 100, Owner)
	w2.gm(3, 102, Developer)
	w2.gshare(1, 3, Guest, 8)
	w2.TokenUserID = 100
	_, _, base2 := memStart(t, w2.World, ModeGitLabCom)
	rows = getAllRows(t, base2, "groups/1/members/all")
	if r := rows[102]; r.AccessLevel != int(Guest) || r.MemberRole == nil || r.MemberRole["id"] != float64(8) {
		t.Errorf("member above the link: %+v", r)
	}
}

// share_with_group_lock is served from the world in every group answer (Entities::Group),
// and a project's shared_with_groups has no member_role_id (Entities::SharedGroupWithProject)
// while a group's has (EE SharedGroupWithGroup).
func TestShareWithGroupLockAndSharedWithGroupsShape(t *testing.T) {
	w := shareWorld()
	w.AddGroup(&Group{ID: 6, ParentID: 5, Name: "Locked sub", Path: "locked-sub"})
	w.Groups[3].Visibility = "public" // shared_with_groups hides invited groups the user cannot see
	_, _, base := memStart(t, w, ModeGitLabCom)
	for id, want := range map[int64]bool{1: false, 2: false, 5: true, 6: true} {
		status, body := memRaw(t, "GET", base+"/api/v4/groups/"+strconv.FormatInt(id, 10)+"?with_projects=false", "")
		var g map[string]any
		if status != 200 || json.Unmarshal([]byte(body), &g) != nil {
			t.Fatalf("group %d: %d %s", id, status, body)
		}
		if g["share_with_group_lock"] != want {
			t.Errorf("group %d share_with_group_lock = %v, want %v", id, g["share_with_group_lock"], want)
		}
	}
	status, body := memRaw(t, "GET", base+"/api/v4/groups?order_by=id", "")
	var gs []map[string]any
	if status != 200 || json.Unmarshal([]byte(body), &gs) != nil {
		t.Fatalf("groups: %d %s", status, body)
	}
	for _, g := range gs {
		if g["id"] == float64(5) && g["share_with_group_lock"] != true {
			t.Errorf("listed locked group: %v", g["share_with_group_lock"])
		}
	}
	status, body = memRaw(t, "GET", base+"/api/v4/projects/10", "")
	var p struct {
		Shared []map[string]any `json:"shared_with_groups"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &p) != nil || len(p.Shared) != 1 {
		t.Fatalf("project: %d %s", status, body)
	}
	if _, ok := p.Shared[0]["member_role_id"]; ok {
		t.Errorf("project shared_with_groups carries member_role_id: %v", p.Shared[0])
	}
	status, body = memRaw(t, "GET", base+"/api/v4/groups/2?with_projects=false", "")
	var g struct {
		Shared []map[string]any `json:"shared_with_groups"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &g) != nil || len(g.Shared) != 1 {
		t.Fatalf("group: %d %s", status, body)
	}
	if _, ok := g.Shared[0]["member_role_id"]; !ok {
		t.Errorf("group shared_with_groups lacks member_role_id: %v", g.Shared[0])
	}
}
