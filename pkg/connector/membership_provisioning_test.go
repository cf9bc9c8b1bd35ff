package connector

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Tests of grant and revoke on groups and projects against the fake GitLab's demo world.
// Every test asserts the fake's state afterwards (Server.Read), not only the answer.

const provTestToken = "glpat-provisioning-test-token"

var provModes = []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged}

type provEnv struct {
	s        *fakegitlab.Server
	c        *Connector
	groups   *groupSyncer
	projects *projectSyncer
}

// newProvEnv serves the demo world in mode and builds a connector against it. retries
// false disables the client's in-process retries, so the provisioning code itself must
// recover from lost responses.
func newProvEnv(t *testing.T, mode fakegitlab.Mode, retries bool) *provEnv {
	t.Helper()
	s, url := fakegitlab.StartForTest(t, fakegitlab.DemoWorld(mode), fakegitlab.Options{Mode: mode, Token: provTestToken})
	return newProvEnvAt(t, s, url, mode, retries)
}

// newProvEnvAt builds the connector against s served at url (tests that put a handler
// in front of the fake).
func newProvEnvAt(t *testing.T, s *fakegitlab.Server, url string, mode fakegitlab.Mode, retries bool) *provEnv {
	t.Helper()
	dep := gitlabapi.GitLabCom
	if mode == fakegitlab.ModeSelfManaged {
		dep = gitlabapi.SelfManaged
	}
	rp := gitlabapi.RetryPolicy{WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond}
	if !retries {
		rp.MaxRetries = -1
	}
	c, err := New(context.Background(), Settings{BaseURL: url, Deployment: dep, Retry: rp}, provTestToken)
	if err != nil {
		t.Fatal(err)
	}
	return &provEnv{s: s, c: c, groups: &groupSyncer{c: c}, projects: &projectSyncer{c: c}}
}

func provResource(kind string, id int64) *v2.Resource {
	return v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: kind, Resource: strconv.FormatInt(id, 10)}.Build()}.Build()
}

func provEntitlement(kind string, id int64, slug string) *v2.Entitlement {
	return entitlement.NewAssignmentEntitlement(provResource(kind, id), slug)
}

func provUser(id int64, name string) *v2.Resource {
	r := provResource("user", id)
	r.SetDisplayName(name)
	return r
}

func provGrantOf(kind string, id int64, slug string, userID int64) *v2.Grant {
	return grant.NewGrant(provResource(kind, id), slug, provUser(userID, ""))
}

func (e *provEnv) grant(t *testing.T, kind string, id int64, slug string, userID int64) ([]*v2.Grant, annotations.Annotations, error) {
	t.Helper()
	ent := provEntitlement(kind, id, slug)
	if kind == provGroup {
		return e.groups.Grant(context.Background(), provUser(userID, ""), ent)
	}
	return e.projects.Grant(context.Background(), provUser(userID, ""), ent)
}

func (e *provEnv) revoke(t *testing.T, kind string, id int64, slug string, userID int64) (annotations.Annotations, error) {
	t.Helper()
	g := provGrantOf(kind, id, slug, userID)
	if kind == provGroup {
		return e.groups.Revoke(context.Background(), g)
	}
	return e.projects.Revoke(context.Background(), g)
}

// member returns a copy of the direct membership in the fake (nil when none).
func (e *provEnv) member(kind string, id, userID int64) *fakegitlab.Member {
	var out *fakegitlab.Member
	e.s.Read(func(w *fakegitlab.World) {
		var m *fakegitlab.Member
		if kind == provGroup {
			m = w.GroupMembers[id][userID]
		} else {
			m = w.ProjectMembers[id][userID]
		}
		if m != nil {
			cp := *m
			out = &cp
		}
	})
	return out
}

// writes counts the write requests the fake received.
func (e *provEnv) writes() int {
	n := 0
	for route, c := range e.s.Counts() {
		if strings.HasPrefix(route, "POST ") || strings.HasPrefix(route, "PUT ") || strings.HasPrefix(route, "DELETE ") {
			n += c
		}
	}
	return n
}

func alreadyExists(annos annotations.Annotations) bool {
	return annos.Contains(&v2.GrantAlreadyExists{})
}

func alreadyRevoked(annos annotations.Annotations) bool {
	return annos.Contains(&v2.GrantAlreadyRevoked{})
}

func wantCode(t *testing.T, err error, code codes.Code, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got success", code)
	}
	if got := status.Code(err); got != code {
		t.Fatalf("want code %s, got %s: %v", code, got, err)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err.Error(), s)
		}
	}
}

func wantLevel(t *testing.T, m *fakegitlab.Member, level fakegitlab.AccessLevel, roleID int64) {
	t.Helper()
	if m == nil {
		t.Fatalf("want a direct membership at %s, found none", level)
	}
	if m.AccessLevel != level || m.MemberRoleID != roleID {
		t.Fatalf("want %s (member role %d), found %s (member role %d)", level, roleID, m.AccessLevel, m.MemberRoleID)
	}
}

func forModes(t *testing.T, f func(t *testing.T, e *provEnv)) {
	for _, mode := range provModes {
		t.Run(string(mode), func(t *testing.T) { f(t, newProvEnv(t, mode, true)) })
	}
}

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

// ---- Fresh state -------------------------------------------------------------------

func TestDecisionsUseFreshState(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		// Read bob's membership once (grant already exists) ...
		_, annos, err := e.grant(t, provGroup, fakegitlab.DemoGroupAcme, "developer", fakegitlab.DemoUserBob)
		if err != nil || !alreadyExists(annos) {
			t.Fatalf("first grant: %v %v", annos, err)
		}
		// ... then someone removes him in GitLab: the same grant must add him again.
		e.s.Write(func(w *fakegitlab.World) { delete(w.GroupMembers[fakegitlab.DemoGroupAcme], fakegitlab.DemoUserBob) })
		_, annos, err = e.grant(t, provGroup, fakegitlab.DemoGroupAcme, "developer", fakegitlab.DemoUserBob)
		if err != nil {
			t.Fatal(err)
		}
		if alreadyExists(annos) {
			t.Error("grant answered from stale state: GrantAlreadyExists after the member was removed")
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob), fakegitlab.Developer, 0)

		// Someone promotes bob to Maintainer in GitLab: revoking the Developer grant
		// (stale) must not remove his Maintainer membership.
		e.s.Write(func(w *fakegitlab.World) {
			w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserBob].AccessLevel = fakegitlab.Maintainer
		})
		annos, err = e.revoke(t, provGroup, fakegitlab.DemoGroupAcme, "developer", fakegitlab.DemoUserBob)
		if err != nil {
			t.Fatal(err)
		}
		if !alreadyRevoked(annos) {
			t.Error("want GrantAlreadyRevoked")
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob), fakegitlab.Maintainer, 0)

		// Grant, revoke, grant again on one connector: each decision sees the last write.
		for i := 0; i < 2; i++ {
			if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, "reporter", fakegitlab.DemoUserTrent); err != nil {
				t.Fatal(err)
			}
			wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserTrent), fakegitlab.Reporter, 0)
			annos, err := e.revoke(t, provGroup, fakegitlab.DemoGroupSales, "reporter", fakegitlab.DemoUserTrent)
			if err != nil || alreadyRevoked(annos) {
				t.Fatalf("revoke %d: %v %v", i, annos, err)
			}
			if m := e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserTrent); m != nil {
				t.Fatalf("round %d: trent still a member", i)
			}
		}
	})
}

// ---- Lost responses ----------------------------------------------------------------

// With and without the client's own retries: GitLab applies the write, the response is
// lost (502), and the call must still end in exactly the asked state and succeed.
func TestLostResponsesAreIdempotent(t *testing.T) {
	for _, mode := range provModes {
		for _, retries := range []bool{true, false} {
			name := string(mode) + "/client-retries=" + strconv.FormatBool(retries)
			t.Run(name, func(t *testing.T) {
				e := newProvEnv(t, mode, retries)
				lose := func() { e.s.SetFaults(fakegitlab.Faults{LoseNextWrites: 1}) }

				// POST lost (a client retry then meets 409 "Member already exists").
				lose()
				if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserTrent); err != nil {
					t.Fatalf("grant with lost POST response: %v", err)
				}
				wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserTrent), fakegitlab.Developer, 0)

				// PUT lost.
				before := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy)
				lose()
				if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "maintainer", fakegitlab.DemoUserPeggy); err != nil {
					t.Fatalf("grant with lost PUT response: %v", err)
				}
				after := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy)
				wantLevel(t, after, fakegitlab.Maintainer, 0)
				if after.ExpiresAt != before.ExpiresAt {
					t.Errorf("expires_at %q → %q", before.ExpiresAt, after.ExpiresAt)
				}

				// DELETE lost (a client retry then meets 404).
				lose()
				annos, err := e.revoke(t, provProject, fakegitlab.DemoProjectAPI, "developer", fakegitlab.DemoUserDave)
				if err != nil {
					t.Fatalf("revoke with lost DELETE response: %v", err)
				}
				if alreadyRevoked(annos) {
					t.Error("our own removal reported as already revoked")
				}
				if m := e.member(provProject, fakegitlab.DemoProjectAPI, fakegitlab.DemoUserDave); m != nil {
					t.Fatalf("dave still a member: %+v", m)
				}

				// The SDK retrying the whole call after a success changes nothing more.
				e.s.SetFaults(fakegitlab.Faults{})
				_, annos, err = e.grant(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserTrent)
				if err != nil || !alreadyExists(annos) {
					t.Fatalf("repeated grant: %v %v", annos, err)
				}
				annos, err = e.revoke(t, provProject, fakegitlab.DemoProjectAPI, "developer", fakegitlab.DemoUserDave)
				if err != nil || !alreadyRevoked(annos) {
					t.Fatalf("repeated revoke: %v %v", annos, err)
				}
			})
		}
	}
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
