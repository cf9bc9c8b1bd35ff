package connector

import (
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func TestLastOwnerOfTopLevelGroupKept(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		// acme-admin is the only Owner of acme-contractors.
		e.s.ResetCounts()
		_, err := e.revoke(t, provGroup, fakegitlab.DemoGroupContractors, "owner", fakegitlab.DemoUserAdmin)
		wantCode(t, err, codes.FailedPrecondition, "last Owner", "acme-contractors", "add another Owner first")
		if n := e.writes(); n != 0 {
			t.Errorf("refused changes made %d writes", n)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupContractors, fakegitlab.DemoUserAdmin), fakegitlab.Owner, 0)

		// acme has two Owners (acme-admin and alice): alice's Owner grant can be revoked,
		// then not the admin's.
		if _, err := e.revoke(t, provGroup, fakegitlab.DemoGroupAcme, "owner", fakegitlab.DemoUserAlice); err != nil {
			t.Fatal(err)
		}
		if m := e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserAlice); m != nil {
			t.Errorf("alice is still a direct member of acme: %+v", m)
		}
		_, err = e.revoke(t, provGroup, fakegitlab.DemoGroupAcme, "owner", fakegitlab.DemoUserAdmin)
		wantCode(t, err, codes.FailedPrecondition, "last Owner", "acme")
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserAdmin), fakegitlab.Owner, 0)
	})
}

// GitLab counts a blocked Owner as an Owner (Group#member_owners_excluding_project_bots
// has no state filter): with frank, blocked, a second Owner of acme-contractors, the
// admin's Owner membership can be revoked, as GitLab allows it.
func TestLastOwnerCountsBlockedOwnersAsGitLabDoes(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.Write(func(w *fakegitlab.World) {
			w.SetGroupMember(fakegitlab.DemoGroupContractors, &fakegitlab.Member{UserID: fakegitlab.DemoUserFrank, AccessLevel: fakegitlab.Owner})
		})
		if _, err := e.revoke(t, provGroup, fakegitlab.DemoGroupContractors, "owner", fakegitlab.DemoUserAdmin); err != nil {
			t.Fatal(err)
		}
		if m := e.member(provGroup, fakegitlab.DemoGroupContractors, fakegitlab.DemoUserAdmin); m != nil {
			t.Errorf("the admin is still a member: %+v", m)
		}
	})
}

func TestPersonalProjectOwnerKept(t *testing.T) {
	e := newProvEnv(t, fakegitlab.ModeSelfManaged, true)
	_, err := e.revoke(t, provProject, fakegitlab.DemoProjectDotfiles, "owner", fakegitlab.DemoUserSybil)
	wantCode(t, err, codes.FailedPrecondition, "personal project")
	wantLevel(t, e.member(provProject, fakegitlab.DemoProjectDotfiles, fakegitlab.DemoUserSybil), fakegitlab.Owner, 0)
}

// An Owner membership awaiting a seat manages nothing: the admin stays the last Owner
// of acme-contractors.
func TestLastOwnerIgnoresAwaitingOwners(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.Write(func(w *fakegitlab.World) {
			w.SetGroupMember(fakegitlab.DemoGroupContractors, &fakegitlab.Member{UserID: fakegitlab.DemoUserTrent, AccessLevel: fakegitlab.Owner, MembershipState: "awaiting"})
		})
		e.s.ResetCounts()
		_, err := e.revoke(t, provGroup, fakegitlab.DemoGroupContractors, "owner", fakegitlab.DemoUserAdmin)
		wantCode(t, err, codes.FailedPrecondition, "last Owner")
		if n := e.writes(); n != 0 {
			t.Errorf("refused revoke made %d writes", n)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupContractors, fakegitlab.DemoUserAdmin), fakegitlab.Owner, 0)
	})
}
