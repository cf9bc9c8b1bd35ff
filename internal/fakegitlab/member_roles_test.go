package fakegitlab

import (
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func roleWorld() *World {
	w := memWorld()
	w.MemberRoles[7] = &MemberRole{ID: 7, Name: "Security Auditor", Description: "reads", BaseAccessLevel: Reporter, GroupID: 1, Permissions: []string{"read_vulnerability", "read_code"}}
	w.MemberRoles[8] = &MemberRole{ID: 8, Name: "Other", BaseAccessLevel: Guest, GroupID: 4}
	w.MemberRoles[9] = &MemberRole{ID: 9, Name: "Instance", BaseAccessLevel: Developer}
	return w
}

func TestGroupMemberRolesOnGitLabComForOwners(t *testing.T) {
	_, cl, _ := memStart(t, roleWorld(), ModeGitLabCom)
	for _, gid := range []int64{1, 3} { // a subgroup lists its top-level group's roles
		rs, _, err := cl.MemberRolesService.ListMemberRoles(gid)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].ID != 7 || rs[0].GroupID != 1 || rs[0].BaseAccessLevel != gitlab.ReporterPermissions || !rs[0].ReadCode || !rs[0].ReadVulnerability || rs[0].AdminMergeRequests {
			t.Fatalf("group %d roles: %+v", gid, rs)
		}
	}
	_, _, err := cl.MemberRolesService.ListInstanceMemberRoles()
	memWantAPIError(t, err, 400, `{"message":"400 Bad request"}`)

	w := roleWorld()
	w.TokenUserID = 101
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Maintainer})
	_, cl2, _ := memStart(t, w, ModeGitLabCom)
	_, _, err = cl2.MemberRolesService.ListMemberRoles(1)
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
}

func TestInstanceMemberRolesOnSelfManagedForAdmins(t *testing.T) {
	w := roleWorld()
	w.Users[100].IsAdmin = true
	_, cl, _ := memStart(t, w, ModeSelfManaged)
	rs, _, err := cl.MemberRolesService.ListInstanceMemberRoles()
	if err != nil || len(rs) != 1 || rs[0].ID != 9 || rs[0].GroupID != 0 {
		t.Fatalf("%+v %v", rs, err)
	}
	_, _, err = cl.MemberRolesService.ListMemberRoles(1)
	memWantAPIError(t, err, 400, "")

	w2 := roleWorld()
	_, cl2, _ := memStart(t, w2, ModeSelfManaged)
	_, _, err = cl2.MemberRolesService.ListInstanceMemberRoles()
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
}
