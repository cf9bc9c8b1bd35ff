package connector

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// ---- Grant -------------------------------------------------------------------------

func TestGrantAddsDirectMember(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		// trent is a member of nothing.
		grants, annos, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserTrent)
		if err != nil {
			t.Fatal(err)
		}
		if alreadyExists(annos) {
			t.Error("a new membership must not be reported as already existing")
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserTrent), fakegitlab.Developer, 0)
		if len(grants) != 1 || grants[0].GetId() != "group:14:developer:user:119" {
			t.Fatalf("grants = %v, want one with id group:14:developer:user:119", grants)
		}

		_, _, err = e.grant(t, provProject, fakegitlab.DemoProjectAPI, "reporter", fakegitlab.DemoUserTrent)
		if err != nil {
			t.Fatal(err)
		}
		wantLevel(t, e.member(provProject, fakegitlab.DemoProjectAPI, fakegitlab.DemoUserTrent), fakegitlab.Reporter, 0)
	})
}

func TestGrantChangesLevelInPlaceKeepingExpiry(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		// peggy: Developer of acme/platform, expiring 2036-01-31.
		before := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy)
		if before == nil || before.ExpiresAt == "" {
			t.Fatal("demo world: peggy should have an expiring membership of acme/platform")
		}
		_, annos, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "maintainer", fakegitlab.DemoUserPeggy)
		if err != nil {
			t.Fatal(err)
		}
		if alreadyExists(annos) {
			t.Error("a changed level must not be reported as already existing")
		}
		after := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy)
		wantLevel(t, after, fakegitlab.Maintainer, 0)
		if after.ExpiresAt != before.ExpiresAt {
			t.Errorf("expires_at changed from %q to %q", before.ExpiresAt, after.ExpiresAt)
		}
		if !after.CreatedAt.Equal(before.CreatedAt) {
			t.Errorf("membership was recreated (created_at %v → %v), not changed in place", before.CreatedAt, after.CreatedAt)
		}
		if n := e.s.Counts()["PUT /groups/:id/members/:user_id"]; n != 1 {
			t.Errorf("want exactly one PUT, got %d (counts %v)", n, e.s.Counts())
		}

		// dave: Developer of project acme/platform/api only.
		if _, _, err := e.grant(t, provProject, fakegitlab.DemoProjectAPI, "maintainer", fakegitlab.DemoUserDave); err != nil {
			t.Fatal(err)
		}
		wantLevel(t, e.member(provProject, fakegitlab.DemoProjectAPI, fakegitlab.DemoUserDave), fakegitlab.Maintainer, 0)
	})
}

// A grant never lowers a direct membership: "grant Guest" to a direct Maintainer (an
// access request for a lower role) is refused, naming the grant to revoke first, and
// nothing is written.
func TestGrantBelowDirectLevelRefused(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		// dave: Developer of project acme/platform/api.
		e.s.ResetCounts()
		_, _, err := e.grant(t, provProject, fakegitlab.DemoProjectAPI, "guest", fakegitlab.DemoUserDave)
		wantCode(t, err, codes.FailedPrecondition, "direct member at Developer", "never lowers", "revoke the Developer grant first")
		if n := e.writes(); n != 0 {
			t.Errorf("a refused grant made %d writes", n)
		}
		wantLevel(t, e.member(provProject, fakegitlab.DemoProjectAPI, fakegitlab.DemoUserDave), fakegitlab.Developer, 0)
		// A custom role whose base is below the direct level is a demotion too: peggy is a
		// direct Developer of acme/platform; Security Auditor's base is Reporter.
		_, _, err = e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "member_role_7", fakegitlab.DemoUserPeggy)
		wantCode(t, err, codes.FailedPrecondition, "never lowers")
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy), fakegitlab.Developer, 0)
	})
}

func TestGrantAlreadyAtLevel(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.ResetCounts()
		grants, annos, err := e.grant(t, provGroup, fakegitlab.DemoGroupAcme, "developer", fakegitlab.DemoUserBob)
		if err != nil {
			t.Fatal(err)
		}
		if !alreadyExists(annos) {
			t.Error("want GrantAlreadyExists")
		}
		if len(grants) != 1 || grants[0].GetId() != "group:10:developer:user:102" {
			t.Errorf("grants = %v", grants)
		}
		if n := e.writes(); n != 0 {
			t.Errorf("an existing grant made %d writes", n)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob), fakegitlab.Developer, 0)

		// A custom role already held.
		_, annos, err = e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "member_role_7", fakegitlab.DemoUserMallory)
		if err != nil {
			t.Fatal(err)
		}
		if !alreadyExists(annos) {
			t.Error("want GrantAlreadyExists for mallory's custom role")
		}
		if n := e.writes(); n != 0 {
			t.Errorf("existing grants made %d writes", n)
		}
	})
}

func TestGrantBelowInheritedLevelRefused(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		// bob is Developer of acme: Reporter on acme/platform would be below it.
		e.s.ResetCounts()
		_, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "reporter", fakegitlab.DemoUserBob)
		wantCode(t, err, codes.FailedPrecondition, "acme", "Developer", "inherited")
		if m := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserBob); m != nil {
			t.Errorf("refused grant left a membership: %+v", m)
		}
		// Four levels down, on a project of a subgroup.
		_, _, err = e.grant(t, provProject, fakegitlab.DemoProjectClusterConfig, "guest", fakegitlab.DemoUserBob)
		wantCode(t, err, codes.FailedPrecondition, "acme (id 10)")
		if m := e.member(provProject, fakegitlab.DemoProjectClusterConfig, fakegitlab.DemoUserBob); m != nil {
			t.Errorf("refused grant left a membership: %+v", m)
		}
		// erin: Reporter of acme, Maintainer of k8s: Guest on k8s would go below acme's Reporter.
		_, _, err = e.grant(t, provGroup, fakegitlab.DemoGroupK8s, "guest", fakegitlab.DemoUserErin)
		wantCode(t, err, codes.FailedPrecondition, "acme")
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupK8s, fakegitlab.DemoUserErin), fakegitlab.Maintainer, 0)
		if n := e.writes(); n != 0 {
			t.Errorf("refused grants made %d writes", n)
		}

		// Equal to the inherited level is allowed (GitLab: "greater than or equal to").
		if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "developer", fakegitlab.DemoUserBob); err != nil {
			t.Fatal(err)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserBob), fakegitlab.Developer, 0)
	})
}

func TestGrantCustomRole(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		// Add trent with the Security Auditor custom role (base Reporter). The base level is
		// read from GitLab's custom role listing of the deployment: GET /groups/10/member_roles
		// on GitLab.com (roles of the top-level group), GET /member_roles on self-managed
		// (instance-wide roles). The entitlement's description plays no part.
		e.s.ResetCounts()
		ent := provEntitlement(provGroup, fakegitlab.DemoGroupPlatform, "member_role_7")
		if _, _, err := e.groups.Grant(context.Background(), provUser(fakegitlab.DemoUserTrent, "trent"), ent); err != nil {
			t.Fatal(err)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserTrent), fakegitlab.Reporter, fakegitlab.DemoMemberRoleSecurityAuditor)
		counts := e.s.Counts()
		want, other := "GET /groups/:id/member_roles", "GET /member_roles"
		if e.s.Mode() == fakegitlab.ModeSelfManaged {
			want, other = other, want
		}
		if counts[want] != 1 || counts[other] != 0 {
			t.Errorf("custom role read with %d %s and %d %s, want 1 and 0", counts[want], want, counts[other], other)
		}

		// mallory moves from the custom role to plain Developer: the custom role goes.
		if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "developer", fakegitlab.DemoUserMallory); err != nil {
			t.Fatal(err)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserMallory), fakegitlab.Developer, 0)

		if _, _, err := e.grant(t, provProject, fakegitlab.DemoProjectCRM, "member_role_7", fakegitlab.DemoUserTrent); err != nil {
			t.Fatal(err)
		}
		wantLevel(t, e.member(provProject, fakegitlab.DemoProjectCRM, fakegitlab.DemoUserTrent), fakegitlab.Reporter, fakegitlab.DemoMemberRoleSecurityAuditor)

		// An unknown custom role is refused, nothing written.
		e.s.ResetCounts()
		_, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, "member_role_999", fakegitlab.DemoUserTrent)
		wantCode(t, err, codes.NotFound, "custom role 999")
		if n := e.writes(); n != 0 {
			t.Errorf("unknown role made %d writes", n)
		}
	})
}

// A role GitLab's listing does not hold is NotFound naming the role, whatever the
// entitlement's description says: on self-managed a legacy group-level role (GET
// /member_roles lists instance roles only); on GitLab.com a role of another top-level
// group. Nothing is written.
func TestGrantCustomRoleGitLabDoesNotListIsNotFound(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.Write(func(w *fakegitlab.World) {
			if e.s.Mode() == fakegitlab.ModeSelfManaged {
				w.MemberRoles[fakegitlab.DemoMemberRoleSecurityAuditor].GroupID = fakegitlab.DemoGroupAcme
			} else {
				w.MemberRoles[fakegitlab.DemoMemberRoleSecurityAuditor].GroupID = fakegitlab.DemoGroupContractors
			}
		})
		e.s.ResetCounts()
		ent := provEntitlement(provGroup, fakegitlab.DemoGroupPlatform, "member_role_7")
		ent.SetDescription(`Custom role "Security Auditor" (id 7, base access level Reporter) in group acme/platform`)
		_, _, err := e.groups.Grant(context.Background(), provUser(fakegitlab.DemoUserTrent, "trent"), ent)
		wantCode(t, err, codes.NotFound, "custom role 7", "member_roles")
		if n := e.writes(); n != 0 {
			t.Errorf("unlisted role made %d writes", n)
		}
		if m := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserTrent); m != nil {
			t.Errorf("trent became a member: %+v", m)
		}
	})
}

// A self-managed token that may not list the instance's custom roles (not an
// administrator) gets PermissionDenied, not a guess.
func TestGrantCustomRoleUnlistableIsPermissionDenied(t *testing.T) {
	e := newProvEnv(t, fakegitlab.ModeSelfManaged, true)
	e.s.Write(func(w *fakegitlab.World) { w.Users[fakegitlab.DemoUserAdmin].IsAdmin = false })
	_, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "member_role_7", fakegitlab.DemoUserTrent)
	wantCode(t, err, codes.PermissionDenied, "custom role 7", "GET /member_roles")
	if n := e.writes(); n != 0 {
		t.Errorf("made %d writes", n)
	}
}

func TestGrantRefusesWhatGitLabCannotHold(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		_, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "minimal_access", fakegitlab.DemoUserTrent)
		wantCode(t, err, codes.InvalidArgument, "top-level")
		_, _, err = e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "superuser", fakegitlab.DemoUserTrent)
		wantCode(t, err, codes.InvalidArgument)

		inv := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: "user", Resource: "invitation:" + fakegitlab.DemoInvitationEmail}.Build()}.Build()
		_, _, err = e.groups.Grant(context.Background(), inv, provEntitlement(provGroup, fakegitlab.DemoGroupAcme, "developer"))
		wantCode(t, err, codes.FailedPrecondition, "invitation")

		// Minimal Access on a top-level group is fine.
		if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupAcme, "minimal_access", fakegitlab.DemoUserTrent); err != nil {
			t.Fatal(err)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserTrent), fakegitlab.MinimalAccess, 0)
	})
}

// GitLab's own 400 for a level below the inherited one (the fallback when the state
// changed between our check and the write) becomes an actionable FailedPrecondition.
func TestGrantErrorMapsGitLabInheritedRefusal(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "https://gitlab.example.com/api/v4/groups/11/members", nil)
	er := &gitlab.ErrorResponse{
		Response: &http.Response{StatusCode: http.StatusBadRequest, Request: req},
		Body:     []byte(`{"message":{"access_level":["should be greater than or equal to Developer inherited membership from group Acme"]}}`),
	}
	tgt := &provTarget{kind: provGroup, id: fakegitlab.DemoGroupPlatform, path: "acme/platform"}
	err := provGrantError(tgt, "bob (user 102)", provWanted{slug: "reporter", level: 20}, nil, er)
	wantCode(t, err, codes.FailedPrecondition, "inherited membership from group Acme", "acme/platform", "parent group")
}

// ---- Awaiting memberships (user cap) -----------------------------------------------

// Demo wendy (121) is a Developer of acme/sales whose membership awaits a seat: she has
// no access there. A grant must not answer "already exists" (nor change the level of a
// membership that still gives nothing): it is refused, saying what to do in GitLab.
func TestGrantToAwaitingMemberRefused(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.ResetCounts()
		for _, slug := range []string{"developer", "maintainer", "guest"} {
			grants, annos, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, slug, fakegitlab.DemoUserWendy)
			wantCode(t, err, codes.FailedPrecondition, "awaiting a seat", "acme/sales", "user cap", "approve", "pending approvals")
			if len(grants) != 0 || alreadyExists(annos) {
				t.Errorf("%s: refused grant answered grants %v annotations %v", slug, grants, annos)
			}
		}
		if n := e.writes(); n != 0 {
			t.Errorf("refused grants made %d writes", n)
		}
		m := e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserWendy)
		wantLevel(t, m, fakegitlab.Developer, 0)
		if m.MembershipState != "awaiting" {
			t.Errorf("wendy's membership state %q, want awaiting kept", m.MembershipState)
		}

		// Once an Owner approves it in GitLab, the same grant is the existing access.
		e.s.Write(func(w *fakegitlab.World) {
			w.GroupMembers[fakegitlab.DemoGroupSales][fakegitlab.DemoUserWendy].MembershipState = "active"
		})
		_, annos, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserWendy)
		if err != nil || !alreadyExists(annos) {
			t.Fatalf("grant after approval: %v %v, want GrantAlreadyExists", annos, err)
		}
	})
}

// GitLab counts an awaiting membership of an ancestor group for its inherited floor
// (Member#highest_group_member does not look at the state): a level below it on a
// project of acme/sales is refused before any write, naming the awaiting membership.
func TestGrantBelowAwaitingAncestorMembershipRefused(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.ResetCounts()
		_, _, err := e.grant(t, provProject, fakegitlab.DemoProjectCRM, "reporter", fakegitlab.DemoUserWendy)
		wantCode(t, err, codes.FailedPrecondition, "awaiting a seat", "acme/sales", "acme/sales/crm")
		if n := e.writes(); n != 0 {
			t.Errorf("refused grant made %d writes", n)
		}
		if m := e.member(provProject, fakegitlab.DemoProjectCRM, fakegitlab.DemoUserWendy); m != nil {
			t.Errorf("refused grant left a membership: %+v", m)
		}
	})
}

// awaitingOnAdd serves the fake with one difference: a member added to group groupID is
// put in the awaiting state, as GitLab does once the top-level group's user cap is
// reached (https://docs.gitlab.com/user/group/manage/#user-cap-for-groups).
func awaitingOnAdd(s *fakegitlab.Server, groupID int64) http.Handler {
	path := "/api/v4/groups/" + strconv.FormatInt(groupID, 10) + "/members"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != path {
			s.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var m map[string]any
		if rec.Code == http.StatusCreated && json.Unmarshal(body, &m) == nil {
			if id, ok := m["id"].(float64); ok {
				s.Write(func(w *fakegitlab.World) {
					w.GroupMembers[groupID][int64(id)].MembershipState = "awaiting"
				})
				m["membership_state"] = "awaiting"
				body, _ = json.Marshal(m)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// A grant GitLab accepts but puts in the awaiting state is not reported as done; the
// same grant again finds the awaiting membership and is refused without writing.
func TestGrantAnsweredAwaitingRefused(t *testing.T) {
	for _, mode := range provModes {
		t.Run(string(mode), func(t *testing.T) {
			s := fakegitlab.New(fakegitlab.DemoWorld(mode), fakegitlab.Options{Mode: mode, Token: provTestToken})
			ts := httptest.NewServer(awaitingOnAdd(s, fakegitlab.DemoGroupSales))
			t.Cleanup(ts.Close)
			e := newProvEnvAt(t, s, ts.URL, mode, true)

			_, annos, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserTrent)
			wantCode(t, err, codes.FailedPrecondition, "accepted the membership", "awaiting", "acme/sales", "user cap")
			if alreadyExists(annos) {
				t.Error("GrantAlreadyExists on a refused grant")
			}
			m := e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserTrent)
			wantLevel(t, m, fakegitlab.Developer, 0)
			if m.MembershipState != "awaiting" {
				t.Fatalf("trent's membership state %q, want awaiting", m.MembershipState)
			}

			e.s.ResetCounts()
			_, _, err = e.grant(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserTrent)
			wantCode(t, err, codes.FailedPrecondition, "is awaiting a seat")
			if n := e.writes(); n != 0 {
				t.Errorf("repeated grant made %d writes", n)
			}
		})
	}
}

// Review: a plain level granted to a direct member holding a custom role at that base
// level would drop the role's extra permissions: that lowers access, so it is refused.
func TestGrantPlainLevelOverCustomRoleRefused(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		e.s.ResetCounts()
		_, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "reporter", fakegitlab.DemoUserMallory)
		wantCode(t, err, codes.FailedPrecondition, "never lowers")
		if n := e.writes(); n != 0 {
			t.Errorf("a refused grant made %d writes", n)
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserMallory), fakegitlab.Reporter, fakegitlab.DemoMemberRoleSecurityAuditor)
	})
}
