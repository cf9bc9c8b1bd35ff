package fakegitlab

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// effWorld: top (1) > sub (2) > leaf (3); other top-level group (4) > otherSub (5);
// project 10 in sub, project 11 personal of user 104. Clock fixed.
func effWorld() *World {
	w := NewWorld()
	w.Now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for id := int64(100); id <= 110; id++ {
		w.AddUser(&User{ID: id, Username: "u" + string(rune('a'+id-100)), Name: "U"})
	}
	w.TokenUserID = 100
	w.AddGroup(&Group{ID: 1, Name: "Top", Path: "top"})
	w.AddGroup(&Group{ID: 2, Name: "Sub", Path: "sub", ParentID: 1})
	w.AddGroup(&Group{ID: 3, Name: "Leaf", Path: "leaf", ParentID: 2})
	w.AddGroup(&Group{ID: 4, Name: "Other", Path: "other"})
	w.AddGroup(&Group{ID: 5, Name: "OtherSub", Path: "othersub", ParentID: 4})
	w.AddProject(&Project{ID: 10, Name: "P", Path: "p", GroupID: 2})
	w.AddProject(&Project{ID: 11, Name: "Dot", Path: "dot", OwnerID: 104})
	w.SetGroupMember(1, &Member{UserID: 100, AccessLevel: Owner})
	return w
}

func TestEffectiveHighestLevelWinsAndInherits(t *testing.T) {
	w := effWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Reporter})
	w.SetGroupMember(3, &Member{UserID: 101, AccessLevel: Maintainer})
	w.SetGroupMember(2, &Member{UserID: 102, AccessLevel: Developer})
	w.SetGroupMember(3, &Member{UserID: 102, AccessLevel: Guest}) // lower direct, inherited wins

	if a := w.EffectiveGroupAccess(2, 101); a.Level != Reporter || a.Source != SourceInherited || a.SourceGroupID != 1 {
		t.Fatalf("sub: %+v", a)
	}
	if a := w.EffectiveGroupAccess(3, 101); a.Level != Maintainer || a.Source != SourceDirect {
		t.Fatalf("leaf: %+v", a)
	}
	if a := w.EffectiveGroupAccess(3, 102); a.Level != Developer || a.Source != SourceInherited || a.SourceGroupID != 2 {
		t.Fatalf("leaf 102: %+v", a)
	}
	if a := w.EffectiveGroupAccess(1, 102); a.Level != NoAccess {
		t.Fatalf("a subgroup member has no access to the parent: %+v", a)
	}
	if a := w.EffectiveProjectAccess(10, 102); a.Level != Developer || a.Source != SourceInherited || a.SourceGroupID != 2 {
		t.Fatalf("project from its group: %+v", a)
	}
	if a := w.EffectiveProjectAccess(10, 101); a.Level != Reporter || a.SourceGroupID != 1 {
		t.Fatalf("project from the top: %+v", a)
	}
}

func TestEffectiveMinimalAccessIsNotInherited(t *testing.T) {
	w := effWorld()
	w.SetGroupMember(1, &Member{UserID: 103, AccessLevel: MinimalAccess})
	if a := w.EffectiveGroupAccess(1, 103); a.Level != MinimalAccess || a.Source != SourceDirect {
		t.Fatalf("top: %+v", a)
	}
	if a := w.EffectiveGroupAccess(2, 103); a.Level != NoAccess {
		t.Fatalf("sub: %+v", a)
	}
	if a := w.EffectiveProjectAccess(10, 103); a.Level != NoAccess {
		t.Fatalf("project: %+v", a)
	}
	if _, ok := w.EffectiveGroupMembers(2)[103]; ok {
		t.Fatal("minimal access listed below the top")
	}
	if _, ok := w.EffectiveGroupMembers(1)[103]; !ok {
		t.Fatal("minimal access missing on the top-level group")
	}
}

func TestEffectiveGroupShareCapsLevelForDirectMembersOnly(t *testing.T) {
	w := effWorld()
	w.SetGroupMember(4, &Member{UserID: 105, AccessLevel: Maintainer})
	w.SetGroupMember(5, &Member{UserID: 106, AccessLevel: Guest})
	w.SetGroupMember(4, &Member{UserID: 107, AccessLevel: Guest})
	w.GroupShares[2] = []Share{{GroupID: 4, AccessLevel: Reporter}}

	if a := w.EffectiveGroupAccess(2, 105); a.Level != Reporter || a.Source != SourceShared || a.SourceGroupID != 4 {
		t.Fatalf("capped: %+v", a)
	}
	if a := w.EffectiveGroupAccess(3, 105); a.Level != Reporter || a.Source != SourceShared {
		t.Fatalf("descendant of the shared group: %+v", a)
	}
	if a := w.EffectiveProjectAccess(10, 105); a.Level != Reporter || a.Source != SourceShared {
		t.Fatalf("project of the shared group: %+v", a)
	}
	if a := w.EffectiveGroupAccess(2, 107); a.Level != Guest {
		t.Fatalf("lower member level kept: %+v", a)
	}
	if a := w.EffectiveGroupAccess(1, 105); a.Level != NoAccess {
		t.Fatalf("share does not reach the parent: %+v", a)
	}
	if a := w.EffectiveGroupAccess(2, 106); a.Level != NoAccess {
		t.Fatalf("a group share gives the invited group's DIRECT members only: %+v", a)
	}
}

func TestEffectiveProjectShareIncludesInvitedGroupAncestors(t *testing.T) {
	w := effWorld()
	w.SetGroupMember(4, &Member{UserID: 105, AccessLevel: Owner})
	w.SetGroupMember(5, &Member{UserID: 106, AccessLevel: Developer})
	w.ProjectShares[10] = []Share{{GroupID: 5, AccessLevel: Guest}}
	for _, uid := range []int64{105, 106} {
		if a := w.EffectiveProjectAccess(10, uid); a.Level != Guest || a.Source != SourceShared || a.SourceGroupID != 5 {
			t.Fatalf("user %d: %+v", uid, a)
		}
	}
	if a := w.EffectiveGroupAccess(2, 106); a.Level != NoAccess {
		t.Fatalf("a project share gives nothing in the project's group: %+v", a)
	}
}

func TestEffectivePersonalProjectHasDirectMembersOnly(t *testing.T) {
	w := effWorld()
	w.SetProjectMember(11, &Member{UserID: 104, AccessLevel: Owner})
	if a := w.EffectiveProjectAccess(11, 104); a.Level != Owner || a.Source != SourceDirect {
		t.Fatalf("%+v", a)
	}
	if got := w.EffectiveProjectMembers(11); len(got) != 1 {
		t.Fatalf("members: %+v", got)
	}
}

func TestEffectiveExpiredMembershipGivesNoAccess(t *testing.T) {
	w := effWorld()
	w.SetGroupMember(1, &Member{UserID: 108, AccessLevel: Developer, ExpiresAt: "2026-10-31"})
	w.SetGroupMember(1, &Member{UserID: 109, AccessLevel: Developer, ExpiresAt: "2026-11-01"}) // today: expired
	w.SetGroupMember(1, &Member{UserID: 110, AccessLevel: Developer, ExpiresAt: "2026-11-02"})
	for uid, want := range map[int64]AccessLevel{108: NoAccess, 109: NoAccess, 110: Developer} {
		if a := w.EffectiveGroupAccess(2, uid); a.Level != want {
			t.Fatalf("user %d: %+v, want %v", uid, a, want)
		}
	}
}

func TestEffectiveCustomRoleFollowsWinningMembership(t *testing.T) {
	w := effWorld()
	w.MemberRoles[7] = &MemberRole{ID: 7, Name: "Auditor", BaseAccessLevel: Reporter, GroupID: 1}
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Reporter, MemberRoleID: 7})
	if a := w.EffectiveGroupAccess(3, 101); a.MemberRoleID != 7 || a.Level != Reporter {
		t.Fatalf("%+v", a)
	}
	w.SetGroupMember(3, &Member{UserID: 101, AccessLevel: Maintainer})
	if a := w.EffectiveGroupAccess(3, 101); a.MemberRoleID != 0 || a.Level != Maintainer {
		t.Fatalf("higher direct membership without a custom role wins: %+v", a)
	}
}

func TestEffectiveDemoWorld(t *testing.T) {
	w := DemoWorld(ModeGitLabCom)
	cases := []struct {
		name          string
		group, proj   int64
		user          int64
		level         AccessLevel
		source        string
		sourceGroupID int64
	}{
		{"bob inherits Developer in k8s", DemoGroupK8s, 0, DemoUserBob, Developer, SourceInherited, DemoGroupAcme},
		{"erin higher direct in k8s", DemoGroupK8s, 0, DemoUserErin, Maintainer, SourceDirect, 0},
		{"quentin Reporter via the share", DemoGroupInfra, 0, DemoUserQuentin, Reporter, SourceShared, DemoGroupContractors},
		{"quentin Guest in CRM via the project share", 0, DemoProjectCRM, DemoUserQuentin, Guest, SourceShared, DemoGroupContractors},
		{"olivia nothing below acme", DemoGroupPlatform, 0, DemoUserOlivia, NoAccess, "", 0},
		{"dave Developer of the API project", 0, DemoProjectAPI, DemoUserDave, Developer, SourceDirect, 0},
		{"sybil owns dotfiles", 0, DemoProjectDotfiles, DemoUserSybil, Owner, SourceDirect, 0},
		{"bob nothing in dotfiles", 0, DemoProjectDotfiles, DemoUserBob, NoAccess, "", 0},
	}
	for _, tc := range cases {
		var a Access
		if tc.proj != 0 {
			a = w.EffectiveProjectAccess(tc.proj, tc.user)
		} else {
			a = w.EffectiveGroupAccess(tc.group, tc.user)
		}
		if a.Level != tc.level || a.Source != tc.source || a.SourceGroupID != tc.sourceGroupID {
			t.Errorf("%s: got %+v", tc.name, a)
		}
	}
	if a := w.EffectiveGroupAccess(DemoGroupPlatform, DemoUserMallory); a.MemberRoleID != DemoMemberRoleSecurityAuditor {
		t.Errorf("mallory custom role: %+v", a)
	}
}

func TestInheritedFloorIgnoresShares(t *testing.T) {
	w := effWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer})
	w.SetGroupMember(4, &Member{UserID: 102, AccessLevel: Owner})
	w.GroupShares[1] = []Share{{GroupID: 4, AccessLevel: Maintainer}}
	if l, g := w.InheritedFloor(3, 0, 101); l != Developer || g.ID != 1 {
		t.Fatalf("group floor %v %v", l, g)
	}
	if l, g := w.InheritedFloor(0, 10, 101); l != Developer || g.ID != 1 {
		t.Fatalf("project floor %v %v", l, g)
	}
	if l, _ := w.InheritedFloor(2, 0, 102); l != NoAccess {
		t.Fatalf("share counted in the floor: %v", l)
	}
	if l, _ := w.InheritedFloor(1, 0, 101); l != NoAccess {
		t.Fatalf("top-level group has no floor: %v", l)
	}
}

// An awaiting member (membership_state "awaiting": waiting for a seat under a user cap)
// is listed by the members API but has no access, directly, inherited or through a
// share, until approved. Their row still counts where GitLab's rules read rows: the
// inherited floor and GET /groups?min_access_level.
func TestAwaitingMemberHasNoAccess(t *testing.T) {
	w := effWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer, MembershipState: "awaiting"})
	w.SetGroupMember(2, &Member{UserID: 102, AccessLevel: Maintainer, MembershipState: "awaiting"})
	w.SetGroupMember(1, &Member{UserID: 102, AccessLevel: Guest}) // active elsewhere
	w.SetGroupMember(4, &Member{UserID: 103, AccessLevel: Owner, MembershipState: "awaiting"})
	w.GroupShares[2] = []Share{{GroupID: 4, AccessLevel: Reporter}}
	w.SetProjectMember(10, &Member{UserID: 104, AccessLevel: Developer, MembershipState: "awaiting"})

	for _, g := range []int64{1, 2, 3} {
		if a := w.EffectiveGroupAccess(g, 101); a.Level != NoAccess {
			t.Errorf("awaiting member of top has access to group %d: %+v", g, a)
		}
	}
	if a := w.EffectiveProjectAccess(10, 101); a.Level != NoAccess {
		t.Errorf("awaiting member of top has access to the project: %+v", a)
	}
	// The awaiting Maintainer row on sub gives nothing; the active Guest row on top does.
	if a := w.EffectiveGroupAccess(2, 102); a.Level != Guest || a.Source != SourceInherited {
		t.Errorf("user 102 on sub = %+v, want Guest inherited from top", a)
	}
	if a := w.EffectiveGroupAccess(3, 103); a.Level != NoAccess {
		t.Errorf("awaiting member of a group shared with sub has access: %+v", a)
	}
	if a := w.EffectiveProjectAccess(10, 104); a.Level != NoAccess {
		t.Errorf("awaiting project member has access: %+v", a)
	}
	for _, uid := range []int64{101, 103} {
		if _, ok := w.EffectiveGroupMembers(2)[uid]; ok {
			t.Errorf("user %d among the effective members of sub", uid)
		}
	}
	if _, ok := w.EffectiveProjectMembers(10)[104]; ok {
		t.Error("awaiting project member among the project's effective members")
	}
	// Member#highest_group_member reads rows whatever their state.
	if l, g := w.InheritedFloor(3, 0, 102); l != Maintainer || g.ID != 2 {
		t.Errorf("floor with an awaiting Maintainer row on sub = %v %v", l, g)
	}
}

// The members API lists awaiting members with membership_state "awaiting", and GET
// /groups?min_access_level (rows of User#group_members, whatever their state) counts
// their membership.
func TestAwaitingMemberListedAndMinAccessLevel(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Developer, MembershipState: "awaiting"})
	w.TokenUserID = 101
	_, _, base := memStart(t, w, ModeGitLabCom)
	w2 := memWorld()
	w2.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Developer, MembershipState: "awaiting"})
	_, _, ownerBase := memStart(t, w2, ModeGitLabCom)
	status, body := memRaw(t, "GET", ownerBase+"/api/v4/groups/2/members", "")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var ms []map[string]any
	if err := json.Unmarshal([]byte(body), &ms); err != nil || len(ms) != 1 || ms[0]["membership_state"] != "awaiting" {
		t.Fatalf("direct members of platform: %s %v", body, err)
	}
	status, body = memRaw(t, "GET", base+"/api/v4/groups?min_access_level=10", "")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if got := listedIDs(t, body); got != "2,3" {
		t.Errorf("min_access_level for an awaiting member of platform = %s, want platform and infra", got)
	}
}

// GroupsFinder applies min_access_level to DIRECT memberships and their descendants, and
// top_level_only then drops every group with a parent: a member of a subgroup only gets
// its subtree, and nothing with top_level_only. Minimal Access never matches
// (User#group_members keeps Guest and above).
func TestMinAccessLevelSubgroupMemberAndTopLevelOnly(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Reporter})
	w.SetGroupMember(4, &Member{UserID: 101, AccessLevel: MinimalAccess})
	w.TokenUserID = 101
	_, _, base := memStart(t, w, ModeGitLabCom)
	for q, want := range map[string]string{
		"min_access_level=10":                     "2,3",
		"min_access_level=5":                      "2,3",
		"min_access_level=10&top_level_only=true": "",
		"min_access_level=30":                     "",
	} {
		status, body := memRaw(t, "GET", base+"/api/v4/groups?order_by=id&"+q, "")
		if status != 200 {
			t.Fatalf("%s: %d %s", q, status, body)
		}
		if got := listedIDs(t, body); got != want {
			t.Errorf("GET /groups?%s = [%s], want [%s]", q, got, want)
		}
	}
}

func listedIDs(t *testing.T, body string) string {
	t.Helper()
	var gs []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &gs); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = strconv.FormatInt(g.ID, 10)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}
