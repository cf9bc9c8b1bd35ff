package fakegitlab

import (
	"errors"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// billWorld: memWorld plus members all over the hierarchy of top (1).
func billWorld() *World {
	w := memWorld()
	login := time.Date(2026, 10, 30, 8, 0, 0, 0, time.UTC)
	active := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	w.Users[101].CurrentSignInAt = &login
	w.Users[101].LastActivityOn = &active
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer})
	w.SetGroupMember(3, &Member{UserID: 102, AccessLevel: Maintainer})                     // subgroup member
	w.SetProjectMember(10, &Member{UserID: 103, AccessLevel: Reporter})                    // project member
	w.SetGroupMember(2, &Member{UserID: 106, AccessLevel: Developer})                      // blocked below
	w.SetGroupMember(2, &Member{UserID: 107, AccessLevel: Maintainer})                     // bot below
	w.SetGroupMember(4, &Member{UserID: 108, AccessLevel: Developer})                      // invited group member
	w.SetGroupMember(2, &Member{UserID: 109, AccessLevel: Guest, ExpiresAt: "2026-01-01"}) // expired
	w.GroupShares[2] = []Share{{GroupID: 4, AccessLevel: Reporter}}
	w.Users[106].State = StateBlocked
	w.Users[107].Bot = true
	return w
}

func TestBillableMembersAreActiveHumansOfTheHierarchy(t *testing.T) {
	_, cl, _ := memStart(t, billWorld(), ModeGitLabCom)
	bs, _, err := cl.Groups.ListBillableGroupMembers(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]*gitlab.BillableGroupMember{}
	for _, b := range bs {
		got[b.ID] = b
	}
	want := map[int64]string{100: "group_member", 101: "group_member", 102: "group_member", 103: "project_member", 108: "group_invite"}
	if len(got) != len(want) {
		t.Fatalf("billable: %v", keysOfBillable(got))
	}
	for id, typ := range want {
		if got[id] == nil || got[id].MembershipType != typ {
			t.Fatalf("user %d: %+v, want %s", id, got[id], typ)
		}
	}
	b := got[101]
	if b.LastLoginAt == nil || !b.LastLoginAt.Equal(time.Date(2026, 10, 30, 8, 0, 0, 0, time.UTC)) || b.LastActivityOn == nil || b.LastActivityOn.String() != "2026-10-31" {
		t.Fatalf("last_login_at / last_activity_on: %+v", b)
	}
	if got[108].Removable || !got[103].Removable {
		t.Fatalf("removable: invite %v, project member %v", got[108].Removable, got[103].Removable)
	}
	if !got[100].IsLastOwner {
		t.Fatal("is_last_owner")
	}
	bs, _, err = cl.Groups.ListBillableGroupMembers(1, &gitlab.ListBillableGroupMembersOptions{Search: memPtr("user103")})
	if err != nil || len(bs) != 1 || bs[0].ID != 103 {
		t.Fatalf("search: %+v %v", bs, err)
	}
}

func keysOfBillable(m map[int64]*gitlab.BillableGroupMember) []int64 {
	var out []int64
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestBillableMembersSubgroupAndNonOwnerAre400(t *testing.T) {
	w := billWorld()
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, _, err := cl.Groups.ListBillableGroupMembers(2, nil)
	memWantAPIError(t, err, 400, `{"message":"400 Bad request"}`)

	w2 := billWorld()
	w2.TokenUserID = 101 // a Developer of top
	_, cl2, _ := memStart(t, w2, ModeGitLabCom)
	_, _, err = cl2.Groups.ListBillableGroupMembers(1, nil)
	memWantAPIError(t, err, 400, `{"message":"400 Bad request"}`)
	_, err = cl2.Groups.RemoveBillableGroupMember(1, 102)
	memWantAPIError(t, err, 400, `{"message":"400 Bad request"}`)
}

func TestBillableMemberMemberships(t *testing.T) {
	w := billWorld()
	w.SetGroupMember(2, &Member{UserID: 102, AccessLevel: Developer})
	w.SetGroupMember(4, &Member{UserID: 102, AccessLevel: Developer}) // other hierarchy
	_, cl, base := memStart(t, w, ModeGitLabCom)
	ms, _, err := cl.Groups.ListMembershipsForBillableGroupMember(1, 102, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].SourceID != 2 || ms[0].SourceFullName != "Top / Platform" || ms[1].SourceID != 3 ||
		ms[1].AccessLevel.IntegerValue != gitlab.MaintainerPermissions || ms[1].AccessLevel.StringValue != "Maintainer" {
		t.Fatalf("memberships: %+v", ms)
	}
	if _, _, err := cl.Groups.ListMembershipsForBillableGroupMember(1, 106, nil); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("blocked user is not billable: %v", err)
	}
	status, body := memRaw(t, "GET", base+"/api/v4/groups/1/billable_members/106/memberships", "")
	if status != 404 {
		t.Fatalf("%d %s", status, body)
	}
	memWantJSON(t, body, `{"message":"404 User Not Found"}`)
	status, body = memRaw(t, "GET", base+"/api/v4/groups/1/billable_members/99999/memberships", "")
	if status != 404 {
		t.Fatalf("%d %s", status, body)
	}
	memWantJSON(t, body, `{"message":"404 Not found"}`)
}

func TestRemoveBillableMemberRemovesWholeHierarchy(t *testing.T) {
	w := billWorld()
	w.SetGroupMember(2, &Member{UserID: 102, AccessLevel: Developer})
	w.SetProjectMember(10, &Member{UserID: 102, AccessLevel: Maintainer})
	w.SetGroupMember(4, &Member{UserID: 102, AccessLevel: Developer})
	s, cl, _ := memStart(t, w, ModeGitLabCom)
	resp, err := cl.Groups.RemoveBillableGroupMember(1, 102)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("%v", err)
	}
	s.Read(func(w *World) {
		if w.GroupMembers[2][102] != nil || w.GroupMembers[3][102] != nil || w.ProjectMembers[10][102] != nil {
			t.Fatal("memberships left in the hierarchy")
		}
		if w.GroupMembers[4][102] == nil {
			t.Fatal("membership outside the hierarchy removed")
		}
	})
	_, err = cl.Groups.RemoveBillableGroupMember(1, 102)
	memWantAPIError(t, err, 400, `{"message":"400 Bad request - No member found for the given user_id"}`)
	// Invited-group members hold no membership in the hierarchy.
	_, err = cl.Groups.RemoveBillableGroupMember(1, 108)
	memWantAPIError(t, err, 400, "")
}
