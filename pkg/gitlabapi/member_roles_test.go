package gitlabapi

import (
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// GitLab.com: custom roles belong to the top-level group.
func TestListGroupMemberRolesOnGitLabCom(t *testing.T) {
	e := newFakeEnv(t, fg.ModeGitLabCom, nil)
	roles, err := e.c.ListGroupMemberRoles(e.ctx, fg.DemoGroupAcme)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 || roles[0].ID != fg.DemoMemberRoleSecurityAuditor || roles[0].Name != "Security Auditor" ||
		roles[0].BaseAccessLevel != gitlab.ReporterPermissions {
		t.Errorf("roles = %+v", roles)
	}
}

// Self-managed: custom roles are instance-wide; the group listing is refused.
func TestListInstanceMemberRolesOnSelfManaged(t *testing.T) {
	e := newFakeEnv(t, fg.ModeSelfManaged, nil)
	roles, err := e.c.ListInstanceMemberRoles(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 || roles[0].ID != fg.DemoMemberRoleSecurityAuditor || roles[0].BaseAccessLevel != gitlab.ReporterPermissions {
		t.Errorf("roles = %+v", roles)
	}
	if _, err := e.c.ListGroupMemberRoles(e.ctx, fg.DemoGroupAcme); !IsBadRequest(err) {
		t.Errorf("group-level roles on self-managed: %v, want GitLab's 400", err)
	}
}
