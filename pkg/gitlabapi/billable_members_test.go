package gitlabapi

import (
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func TestListBillableMembersCarriesLoginActivityAndMembershipType(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	ms, err := e.c.ListBillableMembers(e.ctx, fg.DemoGroupAcme)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*BillableMember{}
	for _, m := range ms {
		byID[m.ID] = m
	}
	bob := byID[fg.DemoUserBob]
	if bob == nil || bob.Username != "bob" || bob.MembershipType != "group_member" || !bob.Removable ||
		bob.LastLoginAt.Time() == nil || bob.LastActivityOn == "" || bob.CreatedAt.Time() == nil {
		t.Errorf("bob = %+v", bob)
	}
	if q := byID[fg.DemoUserQuentin]; q == nil || q.MembershipType != "group_invite" || q.Removable {
		t.Errorf("quentin (through the share with acme-contractors) = %+v", q)
	}
	if _, ok := byID[fg.DemoUserFrank]; ok {
		t.Error("frank (blocked) is billable")
	}
}

// client-go's BillableUserMembership cannot read the plain-date expires_at.
func TestListBillableMemberMembershipsReadsPlainDates(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	ms, err := e.c.ListBillableMemberMemberships(e.ctx, fg.DemoGroupAcme, fg.DemoUserPeggy)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("%d memberships, want peggy's one of acme/platform", len(ms))
	}
	m := ms[0]
	if m.SourceID != fg.DemoGroupPlatform || m.ExpiresAt != "2036-01-31" ||
		m.AccessLevel.IntegerValue != gitlab.DeveloperPermissions || m.CreatedAt.Time() == nil {
		t.Errorf("membership = %+v", m)
	}
}

// "No member found" is nothing to remove, not an error; anything else removable is
// removed in the whole hierarchy.
func TestDeleteBillableMemberWithoutMembershipRemovesNothing(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	removed, err := e.c.DeleteBillableMember(e.ctx, fg.DemoGroupAcme, fg.DemoUserTrent)
	if err != nil || removed {
		t.Fatalf("trent (member of nothing): removed %v, %v; want false, nil", removed, err)
	}
	removed, err = e.c.DeleteBillableMember(e.ctx, fg.DemoGroupAcme, fg.DemoUserErin)
	if err != nil || !removed {
		t.Fatalf("erin: removed %v, %v", removed, err)
	}
	if e.groupMember(fg.DemoGroupAcme, fg.DemoUserErin) != nil || e.groupMember(fg.DemoGroupK8s, fg.DemoUserErin) != nil {
		t.Error("erin still has a membership in acme's hierarchy")
	}
}

// A subgroup (or a token that is not an Owner) gets GitLab's 400: the caller falls
// back to removing membership by membership.
func TestDeleteBillableMemberOfASubgroupIsBadRequest(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	removed, err := e.c.DeleteBillableMember(e.ctx, fg.DemoGroupPlatform, fg.DemoUserPeggy)
	if removed || !IsBadRequest(err) {
		t.Fatalf("removed %v, %v; want GitLab's 400", removed, err)
	}
	if e.groupMember(fg.DemoGroupPlatform, fg.DemoUserPeggy) == nil {
		t.Error("peggy was removed")
	}
}
