package gitlabapi

import (
	"errors"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func TestGetGroupDetailReadsParentAndShares(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	g, err := e.c.GetGroupDetail(e.ctx, fg.DemoGroupPlatform)
	if err != nil {
		t.Fatal(err)
	}
	if g.ID != fg.DemoGroupPlatform || g.FullPath != "acme/platform" || g.ParentID != fg.DemoGroupAcme || g.TopLevel() || g.ShareWithGroupLock {
		t.Errorf("group = %+v", g)
	}
	if len(g.SharedWithGroups) != 1 {
		t.Fatalf("shares = %+v", g.SharedWithGroups)
	}
	s := g.SharedWithGroups[0]
	if s.GroupID != fg.DemoGroupContractors || s.GroupFullPath != "acme-contractors" ||
		s.GroupAccessLevel != gitlab.ReporterPermissions || s.ExpiresAt != "" || s.MemberRoleID != nil {
		t.Errorf("share = %+v (member_role_id %v)", s, s.MemberRoleID)
	}
	top, err := e.c.GetGroupDetail(e.ctx, fg.DemoGroupAcme)
	if err != nil || !top.TopLevel() || len(top.SharedWithGroups) != 0 {
		t.Errorf("acme = %+v, %v", top, err)
	}
}

// A share's custom role is a number, or null for none (never confused with role 0).
func TestGetGroupDetailShareMemberRole(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	e.s.Write(func(w *fg.World) {
		w.GroupShares[fg.DemoGroupPlatform][0].MemberRoleID = fg.DemoMemberRoleSecurityAuditor
		w.GroupShares[fg.DemoGroupPlatform][0].ExpiresAt = "2036-07-01"
	})
	g, err := e.c.GetGroupDetail(e.ctx, fg.DemoGroupPlatform)
	if err != nil {
		t.Fatal(err)
	}
	s := g.SharedWithGroups[0]
	if s.MemberRoleID == nil || *s.MemberRoleID != fg.DemoMemberRoleSecurityAuditor || s.ExpiresAt != "2036-07-01" {
		t.Errorf("share = %+v", s)
	}
}

func TestGetProjectDetailReadsNamespaceAndShares(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	p, err := e.c.GetProjectDetail(e.ctx, fg.DemoProjectCRM)
	if err != nil {
		t.Fatal(err)
	}
	if p.PathWithNamespace != "acme/sales/crm" || p.Namespace.ID != fg.DemoGroupSales || p.Namespace.Kind != "group" ||
		p.Namespace.FullPath != "acme/sales" || p.Personal() {
		t.Errorf("project = %+v", p)
	}
	if len(p.SharedWithGroups) != 1 || p.SharedWithGroups[0].GroupID != fg.DemoGroupContractors ||
		p.SharedWithGroups[0].GroupAccessLevel != gitlab.GuestPermissions || p.SharedWithGroups[0].MemberRoleID != nil {
		t.Errorf("shares = %+v", p.SharedWithGroups)
	}
	e2 := newFakeEnv(t, fg.ModeSelfManaged, nil) // the admin sees personal projects
	dot, err := e2.c.GetProjectDetail(e2.ctx, fg.DemoProjectDotfiles)
	if err != nil {
		t.Fatal(err)
	}
	if !dot.Personal() || dot.PathWithNamespace != "sybil/dotfiles" {
		t.Errorf("personal project = %+v", dot)
	}
}

// Errors name the call with ids; Rephrase restates it in the caller's words.
func TestRephraseRestatesWhatWasBeingDone(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	_, err := e.c.GetGroupDetail(e.ctx, 987654)
	wantCode(t, err, codes.NotFound)
	if got := err.Error(); !strings.HasPrefix(got, "reading group 987654: ") {
		t.Errorf("message %q", got)
	}
	re := Rephrase(err, "reading group acme/gone")
	wantCode(t, re, codes.NotFound)
	if got := re.Error(); !strings.HasPrefix(got, "reading group acme/gone: ") || !IsNotFound(re) {
		t.Errorf("rephrased %q", got)
	}
	plain := errors.New("not from GitLab")
	if Rephrase(plain, "x") != plain {
		t.Error("Rephrase changed an error that is not a MapError error")
	}
}
