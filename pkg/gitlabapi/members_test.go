package gitlabapi

import (
	"net/http"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func membersByID(ms []*Member) map[int64]*Member {
	out := make(map[int64]*Member, len(ms))
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}

// client-go's member types drop membership_state; an awaiting member has no access.
func TestListDirectMembersKeepsMembershipStateCustomRoleAndExpiry(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	sales, err := e.c.ListDirectMembers(e.ctx, Groups, fg.DemoGroupSales)
	if err != nil {
		t.Fatal(err)
	}
	byID := membersByID(sales)
	if w := byID[fg.DemoUserWendy]; w == nil || !w.Awaiting() || w.MembershipState != MembershipAwaiting {
		t.Errorf("wendy = %+v, want an awaiting membership", w)
	}
	if n := byID[fg.DemoUserNiaj]; n == nil || n.Awaiting() || n.MembershipState != MembershipActive {
		t.Errorf("niaj = %+v, want an active membership", n)
	}
	platform, err := e.c.ListDirectMembers(e.ctx, Groups, fg.DemoGroupPlatform)
	if err != nil {
		t.Fatal(err)
	}
	byID = membersByID(platform)
	m := byID[fg.DemoUserMallory]
	if m == nil || m.MemberRoleID() != fg.DemoMemberRoleSecurityAuditor || m.MemberRole.Name != "Security Auditor" ||
		m.MemberRole.BaseAccessLevel != gitlab.ReporterPermissions {
		t.Errorf("mallory = %+v, want custom role 7 (Security Auditor, base Reporter)", m)
	}
	if p := byID[fg.DemoUserPeggy]; p == nil || p.ExpiresAt != "2036-01-31" || p.MemberRoleID() != 0 || p.CreatedAt.Time() == nil {
		t.Errorf("peggy = %+v, want expires_at 2036-01-31 and a created_at", p)
	}
	if _, inherited := byID[fg.DemoUserBob]; inherited {
		t.Error("bob (inherited from acme) listed as a direct member of acme/platform")
	}
}

func TestListDirectMembersFollowsEveryPage(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	ms, err := e.c.ListDirectMembers(e.ctx, Groups, fg.DemoGroupBigTeam)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != fg.DemoBigTeamSize {
		t.Fatalf("%d members, want %d", len(ms), fg.DemoBigTeamSize)
	}
	reqs := e.rec.sent()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 pages of 100", len(reqs))
	}
	for _, r := range reqs {
		if r.URL.Query().Get("per_page") != "100" {
			t.Errorf("%s: per_page %q, want 100", r.URL, r.URL.Query().Get("per_page"))
		}
	}
}

func TestListAllMembersIncludesInheritedAndSharedMembers(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	ms, err := e.c.ListAllMembers(e.ctx, Groups, fg.DemoGroupPlatform)
	if err != nil {
		t.Fatal(err)
	}
	byID := membersByID(ms)
	if b := byID[fg.DemoUserBob]; b == nil || b.AccessLevel != gitlab.DeveloperPermissions {
		t.Errorf("bob (Developer of acme) = %+v, want inherited Developer", b)
	}
	if q := byID[fg.DemoUserQuentin]; q == nil {
		t.Error("quentin (acme-contractors, which acme/platform is shared with) is missing")
	}
	if reqs := e.rec.sent(); len(reqs) == 0 || !strings.HasSuffix(reqs[0].URL.Path, "/groups/11/members/all") {
		t.Errorf("requests %v, want GET groups/11/members/all", reqs)
	}
}

func TestGetDirectMemberIsNilWithoutADirectMembership(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	m, err := e.c.GetDirectMember(e.ctx, Groups, fg.DemoGroupPlatform, fg.DemoUserBob) // inherited only
	if err != nil || m != nil {
		t.Fatalf("bob's direct membership of acme/platform = %+v, %v; want nil, nil", m, err)
	}
	m, err = e.c.GetDirectMember(e.ctx, Projects, fg.DemoProjectAPI, fg.DemoUserDave)
	if err != nil || m == nil || m.AccessLevel != gitlab.DeveloperPermissions || m.Username != "dave" {
		t.Fatalf("dave's membership of project api = %+v, %v", m, err)
	}
}

// Provisioning decides on what these GETs return: no cache in between may answer them.
func TestReadsSendCacheControlNoCache(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	if _, err := e.c.GetDirectMember(e.ctx, Groups, fg.DemoGroupAcme, fg.DemoUserBob); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.ListDirectMembers(e.ctx, Projects, fg.DemoProjectAPI); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.ListInvitations(e.ctx, Groups, fg.DemoGroupAcme); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.GetGroupDetail(e.ctx, fg.DemoGroupPlatform); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.GetProjectDetail(e.ctx, fg.DemoProjectCRM); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.ListGroupMemberRoles(e.ctx, fg.DemoGroupAcme); err != nil {
		t.Fatal(err)
	}
	reqs := e.rec.sent()
	if len(reqs) != 6 {
		t.Fatalf("%d requests, want 6", len(reqs))
	}
	for _, r := range reqs {
		if r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s %s: Cache-Control %q, want no-cache", r.Method, r.URL.Path, r.Header.Get("Cache-Control"))
		}
	}
}

func TestAddMemberWithCustomRoleAndExpiry(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	m, err := e.c.AddMember(e.ctx, Groups, fg.DemoGroupPlatform, AddMemberOptions{
		UserID: fg.DemoUserTrent, AccessLevel: gitlab.ReporterPermissions,
		MemberRoleID: fg.DemoMemberRoleSecurityAuditor, ExpiresAt: "2036-05-01",
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != fg.DemoUserTrent || m.MemberRoleID() != fg.DemoMemberRoleSecurityAuditor || m.ExpiresAt != "2036-05-01" {
		t.Errorf("answer = %+v", m)
	}
	got := e.groupMember(fg.DemoGroupPlatform, fg.DemoUserTrent)
	if got == nil || got.AccessLevel != fg.Reporter || got.MemberRoleID != fg.DemoMemberRoleSecurityAuditor || got.ExpiresAt != "2036-05-01" {
		t.Errorf("GitLab's membership = %+v", got)
	}
}

func TestAddMemberOfAnExistingMemberIsConflict(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	_, err := e.c.AddMember(e.ctx, Groups, fg.DemoGroupAcme, AddMemberOptions{UserID: fg.DemoUserBob, AccessLevel: gitlab.GuestPermissions})
	if !IsConflict(err) {
		t.Fatalf("error %v, want GitLab's 409", err)
	}
	wantCode(t, err, codes.AlreadyExists)
	if m := e.groupMember(fg.DemoGroupAcme, fg.DemoUserBob); m.AccessLevel != fg.Developer {
		t.Errorf("bob's level changed to %v", m.AccessLevel)
	}
}

// An edit that does not send expires_at keeps the membership's expiry.
func TestEditMemberKeepsTheExpiryItDoesNotSend(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	m, err := e.c.EditMember(e.ctx, Groups, fg.DemoGroupPlatform, fg.DemoUserPeggy, EditMemberOptions{AccessLevel: gitlab.MaintainerPermissions})
	if err != nil {
		t.Fatal(err)
	}
	if m.AccessLevel != gitlab.MaintainerPermissions || m.ExpiresAt != "2036-01-31" {
		t.Errorf("answer = %+v", m)
	}
	if got := e.groupMember(fg.DemoGroupPlatform, fg.DemoUserPeggy); got.AccessLevel != fg.Maintainer || got.ExpiresAt != "2036-01-31" {
		t.Errorf("GitLab's membership = %+v", got)
	}
}

// RemoveMemberRole sends member_role_id null: back to a plain access level.
func TestEditMemberRemoveMemberRoleSendsNull(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	m, err := e.c.EditMember(e.ctx, Groups, fg.DemoGroupPlatform, fg.DemoUserMallory,
		EditMemberOptions{AccessLevel: gitlab.DeveloperPermissions, RemoveMemberRole: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.MemberRole != nil || m.AccessLevel != gitlab.DeveloperPermissions {
		t.Errorf("answer = %+v, want Developer without a custom role", m)
	}
	if got := e.groupMember(fg.DemoGroupPlatform, fg.DemoUserMallory); got.MemberRoleID != 0 || got.AccessLevel != fg.Developer {
		t.Errorf("GitLab's membership = %+v", got)
	}
	reqs := e.rec.sent()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPut {
		t.Fatalf("requests %v", reqs)
	}
}

// Without a custom role to set or drop, member_role_id is not sent: a custom role's
// membership keeps it (and GitLab refuses a level that does not match its base).
func TestEditMemberLeavesTheCustomRoleUnlessAsked(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	_, err := e.c.EditMember(e.ctx, Groups, fg.DemoGroupPlatform, fg.DemoUserMallory,
		EditMemberOptions{AccessLevel: gitlab.ReporterPermissions, ExpiresAt: "2036-02-01"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.groupMember(fg.DemoGroupPlatform, fg.DemoUserMallory); got.MemberRoleID != fg.DemoMemberRoleSecurityAuditor || got.ExpiresAt != "2036-02-01" {
		t.Errorf("GitLab's membership = %+v", got)
	}
}

// On a group, SkipSubresources removes the membership of the group only; without it
// GitLab removes the user's direct memberships below too.
func TestDeleteMemberSkipSubresourcesKeepsSubgroupMemberships(t *testing.T) {
	for _, skip := range []bool{true, false} {
		e := newFakeEnv(t, fg.ModeGitLabCom, nil)
		// erin: Reporter of acme, Maintainer of acme/platform/infra/k8s.
		if err := e.c.DeleteMember(e.ctx, Groups, fg.DemoGroupAcme, fg.DemoUserErin, DeleteMemberOptions{SkipSubresources: skip}); err != nil {
			t.Fatal(err)
		}
		if e.groupMember(fg.DemoGroupAcme, fg.DemoUserErin) != nil {
			t.Errorf("skip %v: erin is still a member of acme", skip)
		}
		kept := e.groupMember(fg.DemoGroupK8s, fg.DemoUserErin) != nil
		if kept != skip {
			t.Errorf("skip_subresources %v: erin's membership of k8s kept = %v", skip, kept)
		}
		q := e.rec.sent()[0].URL.Query()
		if skip != (q.Get("skip_subresources") == "true") {
			t.Errorf("skip %v: query %v", skip, q)
		}
	}
}

func TestDeleteMemberOfANonMemberIsNotFound(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	err := e.c.DeleteMember(e.ctx, Projects, fg.DemoProjectAPI, fg.DemoUserTrent, DeleteMemberOptions{SkipSubresources: true})
	if !IsNotFound(err) {
		t.Fatalf("error %v, want 404", err)
	}
	if q := e.rec.sent()[0].URL.RawQuery; q != "" {
		t.Errorf("a project member removal sent %q: skip_subresources is for groups", q)
	}
}

func TestUnknownSourceKindIsInvalidArgument(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	_, err := e.c.ListDirectMembers(e.ctx, SourceKind("users"), 1)
	wantCode(t, err, codes.InvalidArgument)
	if len(e.rec.sent()) != 0 {
		t.Error("a request was sent")
	}
}
