package connector

import (
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// ---- Revoke ------------------------------------------------------------------------

func TestRevokeRemovesDirectMembershipAtGrantLevel(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		annos, err := e.revoke(t, provProject, fakegitlab.DemoProjectAPI, "developer", fakegitlab.DemoUserDave)
		if err != nil {
			t.Fatal(err)
		}
		if alreadyRevoked(annos) {
			t.Error("a real removal must not be reported as already revoked")
		}
		if m := e.member(provProject, fakegitlab.DemoProjectAPI, fakegitlab.DemoUserDave); m != nil {
			t.Fatalf("dave is still a member: %+v", m)
		}

		if _, err := e.revoke(t, provGroup, fakegitlab.DemoGroupSales, "planner", fakegitlab.DemoUserNiaj); err != nil {
			t.Fatal(err)
		}
		if m := e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserNiaj); m != nil {
			t.Fatalf("niaj is still a member: %+v", m)
		}

		// erin: Reporter of acme and Maintainer of acme/platform/infra/k8s. Revoking the
		// acme grant removes that membership only; the k8s one is another grant.
		if _, err := e.revoke(t, provGroup, fakegitlab.DemoGroupAcme, "reporter", fakegitlab.DemoUserErin); err != nil {
			t.Fatal(err)
		}
		if m := e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserErin); m != nil {
			t.Fatalf("erin is still a member of acme: %+v", m)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupK8s, fakegitlab.DemoUserErin), fakegitlab.Maintainer, 0)

		// A custom role grant.
		if _, err := e.revoke(t, provGroup, fakegitlab.DemoGroupPlatform, "member_role_7", fakegitlab.DemoUserMallory); err != nil {
			t.Fatal(err)
		}
		if m := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserMallory); m != nil {
			t.Fatalf("mallory is still a member: %+v", m)
		}
	})
}

func TestRevokeStaleGrantChangesNothing(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.ResetCounts()
		// bob is Developer of acme, not Maintainer: the Maintainer grant is stale.
		annos, err := e.revoke(t, provGroup, fakegitlab.DemoGroupAcme, "maintainer", fakegitlab.DemoUserBob)
		if err != nil {
			t.Fatal(err)
		}
		if !alreadyRevoked(annos) {
			t.Error("want GrantAlreadyRevoked")
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob), fakegitlab.Developer, 0)

		// mallory holds the custom role, not plain Reporter (its base level).
		annos, err = e.revoke(t, provGroup, fakegitlab.DemoGroupPlatform, "reporter", fakegitlab.DemoUserMallory)
		if err != nil {
			t.Fatal(err)
		}
		if !alreadyRevoked(annos) {
			t.Error("want GrantAlreadyRevoked for a plain level over a custom role")
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserMallory), fakegitlab.Reporter, fakegitlab.DemoMemberRoleSecurityAuditor)

		// trent is a member of nothing.
		annos, err = e.revoke(t, provProject, fakegitlab.DemoProjectAPI, "developer", fakegitlab.DemoUserTrent)
		if err != nil {
			t.Fatal(err)
		}
		if !alreadyRevoked(annos) {
			t.Error("want GrantAlreadyRevoked for a non-member")
		}
		if n := e.writes(); n != 0 {
			t.Errorf("stale revokes made %d writes", n)
		}
	})
}

func TestRevokeInheritedOrSharedRefused(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.ResetCounts()
		// bob's Developer on acme/platform comes from acme.
		_, err := e.revoke(t, provGroup, fakegitlab.DemoGroupPlatform, "developer", fakegitlab.DemoUserBob)
		wantCode(t, err, codes.FailedPrecondition, "inherited", "acme (id 10)")
		// bob's Developer on project acme/platform/api comes from acme too.
		_, err = e.revoke(t, provProject, fakegitlab.DemoProjectAPI, "developer", fakegitlab.DemoUserBob)
		wantCode(t, err, codes.FailedPrecondition, "acme (id 10)")
		// quentin's Reporter on acme/platform comes from the share with acme-contractors.
		_, err = e.revoke(t, provGroup, fakegitlab.DemoGroupPlatform, "reporter", fakegitlab.DemoUserQuentin)
		wantCode(t, err, codes.FailedPrecondition, "share", "acme-contractors")
		// ... and below it, on acme/platform/infra.
		_, err = e.revoke(t, provGroup, fakegitlab.DemoGroupInfra, "reporter", fakegitlab.DemoUserQuentin)
		wantCode(t, err, codes.FailedPrecondition, "acme-contractors")
		// quentin's Guest on project acme/sales/crm comes from its share with acme-contractors.
		_, err = e.revoke(t, provProject, fakegitlab.DemoProjectCRM, "guest", fakegitlab.DemoUserQuentin)
		wantCode(t, err, codes.FailedPrecondition, "acme-contractors")
		if n := e.writes(); n != 0 {
			t.Errorf("refused revokes made %d writes", n)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob), fakegitlab.Developer, 0)
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupContractors, fakegitlab.DemoUserQuentin), fakegitlab.Developer, 0)

		// A stale inherited grant: quentin's access to acme/platform is Reporter, not Developer.
		annos, err := e.revoke(t, provGroup, fakegitlab.DemoGroupPlatform, "developer", fakegitlab.DemoUserQuentin)
		if err != nil {
			t.Fatal(err)
		}
		if !alreadyRevoked(annos) {
			t.Error("want GrantAlreadyRevoked for a level the user no longer has")
		}
	})
}

// ---- Awaiting memberships (user cap) -----------------------------------------------

// Revoke and awaiting memberships: at the grant's level the awaiting membership is
// removed (harmless, and what was asked); at another level nothing changes; and an
// awaiting membership of an ancestor group is no inherited access to refuse over.
func TestRevokeAwaitingMembership(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.ResetCounts()
		annos, err := e.revoke(t, provGroup, fakegitlab.DemoGroupSales, "maintainer", fakegitlab.DemoUserWendy)
		if err != nil || !alreadyRevoked(annos) {
			t.Fatalf("revoke at another level: %v %v, want GrantAlreadyRevoked", annos, err)
		}
		annos, err = e.revoke(t, provProject, fakegitlab.DemoProjectCRM, "developer", fakegitlab.DemoUserWendy)
		if err != nil || !alreadyRevoked(annos) {
			t.Fatalf("revoke on acme/sales/crm (only an awaiting membership of acme/sales): %v %v, want GrantAlreadyRevoked", annos, err)
		}
		if n := e.writes(); n != 0 {
			t.Errorf("revokes of grants that do not exist made %d writes", n)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserWendy), fakegitlab.Developer, 0)

		annos, err = e.revoke(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserWendy)
		if err != nil {
			t.Fatalf("revoke of the awaiting membership: %v", err)
		}
		if alreadyRevoked(annos) {
			t.Error("removal reported as already revoked")
		}
		if m := e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserWendy); m != nil {
			t.Fatalf("wendy still a member of acme/sales: %+v", m)
		}
	})
}

// An awaiting direct membership gives no access, so it does not hide the access a user
// inherits: bob's inherited Developer on acme/platform stays a grant to refuse to revoke.
func TestRevokeInheritedNotHiddenByAwaitingDirect(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.Write(func(w *fakegitlab.World) {
			w.SetGroupMember(fakegitlab.DemoGroupPlatform, &fakegitlab.Member{UserID: fakegitlab.DemoUserBob, AccessLevel: fakegitlab.Maintainer, MembershipState: "awaiting"})
		})
		e.s.ResetCounts()
		_, err := e.revoke(t, provGroup, fakegitlab.DemoGroupPlatform, "developer", fakegitlab.DemoUserBob)
		wantCode(t, err, codes.FailedPrecondition, "inherited", "acme")
		if n := e.writes(); n != 0 {
			t.Errorf("refused revoke made %d writes", n)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob), fakegitlab.Developer, 0)
	})
}

// Issue 8 point 5: a revoke that would leave the same or a higher level through a share
// (or a parent group) is refused, naming the source: quentin holds Reporter on
// acme/platform through acme-contractors' share; his direct Guest there is granted and
// shows as its own grant, but revoking it would leave him Reporter, so it is refused.
func TestRevokeRefusedWhileAShareGivesAsMuch(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "guest", fakegitlab.DemoUserQuentin); err != nil {
			t.Fatal(err)
		}
		e.s.ResetCounts()
		_, err := e.revoke(t, provGroup, fakegitlab.DemoGroupPlatform, "guest", fakegitlab.DemoUserQuentin)
		wantCode(t, err, codes.FailedPrecondition, "would keep Reporter", "acme-contractors")
		if n := e.writes(); n != 0 {
			t.Errorf("a refused revoke made %d writes", n)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserQuentin), fakegitlab.Guest, 0)
		// bob: Developer of acme; a direct Developer on acme/platform equals it.
		e.s.Write(func(w *fakegitlab.World) {
			w.SetGroupMember(fakegitlab.DemoGroupPlatform, &fakegitlab.Member{UserID: fakegitlab.DemoUserBob, AccessLevel: fakegitlab.Developer, CreatedAt: w.Clock()})
		})
		_, err = e.revoke(t, provGroup, fakegitlab.DemoGroupPlatform, "developer", fakegitlab.DemoUserBob)
		wantCode(t, err, codes.FailedPrecondition, "would keep Developer", "inherited", "acme")
	})
}
