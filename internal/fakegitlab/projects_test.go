package fakegitlab_test

import (
	"errors"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func listProjects(t *testing.T, c *gitlab.Client, opt *gitlab.ListProjectsOptions) []int64 {
	t.Helper()
	if opt == nil {
		opt = &gitlab.ListProjectsOptions{}
	}
	opt.PerPage = 100
	ps, _, err := c.Projects.ListProjects(opt)
	if err != nil {
		t.Fatal(err)
	}
	return projectIDs(ps)
}

func TestProjectsAdminSeesAllIncludingPersonal(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	eqIDs(t, "admin", listProjects(t, c, nil), pAPI, pCRM, pDotfiles, pOther, pInfra)
}

func TestProjectsNonAdminSeesOnlyWhatTheyCan(t *testing.T) {
	_, _, c := start(t, fakegitlab.ModeSelfManaged, false)
	// Not sybil's personal project, not the "other" group's project.
	eqIDs(t, "non-admin", listProjects(t, c, nil), pAPI, pCRM, pInfra)
	if _, _, err := c.Projects.GetProject(pDotfiles, nil); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("personal project of another user: %v", err)
	}
}

func TestProjectsMembershipLimitsToAccess(t *testing.T) {
	w := testWorld(false)
	w.TokenUserID = uDave // Developer of project api only
	w.Projects[pOther].Visibility = "public"
	_, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeGitLabCom, Token: testToken})
	c := newClient(t, u)
	eqIDs(t, "all visible", listProjects(t, c, nil), pAPI, pOther)
	eqIDs(t, "membership", listProjects(t, c, &gitlab.ListProjectsOptions{Membership: gitlab.Ptr(true)}), pAPI)
}

func TestProjectsMembershipCountsShares(t *testing.T) {
	w := testWorld(false)
	w.TokenUserID = uCarol
	w.SetGroupMember(gContractors, &fakegitlab.Member{UserID: uCarol, AccessLevel: fakegitlab.Developer})
	_, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeGitLabCom, Token: testToken})
	c := newClient(t, u)
	// infra (member), api (platform is shared with contractors), crm (shared with contractors).
	eqIDs(t, "membership", listProjects(t, c, &gitlab.ListProjectsOptions{Membership: gitlab.Ptr(true)}), pAPI, pCRM, pInfra)
}

func TestProjectsOwnedAndSearch(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	eqIDs(t, "owned", listProjects(t, c, &gitlab.ListProjectsOptions{Owned: gitlab.Ptr(true)}), pAPI, pCRM, pInfra)
	eqIDs(t, "search", listProjects(t, c, &gitlab.ListProjectsOptions{Search: gitlab.Ptr("CLUSTER")}), pInfra)
	eqIDs(t, "search_namespaces", listProjects(t, c, &gitlab.ListProjectsOptions{Search: gitlab.Ptr("sales/"), SearchNamespaces: gitlab.Ptr(true)}), pCRM)
}

func TestProjectsSimpleOmitsVisibility(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	_, _, body := raw(t, "GET", u+"/api/v4/projects?simple=true", testToken, "")
	for _, row := range body.([]any) {
		m := row.(map[string]any)
		if _, ok := m["visibility"]; ok {
			t.Fatalf("simple has visibility: %v", m)
		}
		if _, ok := m["shared_with_groups"]; ok {
			t.Fatalf("simple has shared_with_groups: %v", m)
		}
		if m["path_with_namespace"] == nil || m["namespace"] == nil {
			t.Fatalf("simple lacks path_with_namespace or namespace: %v", m)
		}
	}
}

func TestGetProjectSharedWithGroups(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	p, _, err := c.Projects.GetProject("acme/sales/crm", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != pCRM || p.PathWithNamespace != "acme/sales/crm" || p.NameWithNamespace != "Acme / Sales / CRM" || p.Visibility != gitlab.PrivateVisibility {
		t.Fatalf("project %+v", p)
	}
	if len(p.SharedWithGroups) != 1 || p.SharedWithGroups[0].GroupID != gContractors ||
		p.SharedWithGroups[0].GroupAccessLevel != int64(gitlab.GuestPermissions) || p.SharedWithGroups[0].GroupFullPath != "acme-contractors" {
		t.Fatalf("shared_with_groups %+v", p.SharedWithGroups)
	}
	if p.Permissions == nil || p.Permissions.GroupAccess == nil || p.Permissions.GroupAccess.AccessLevel != gitlab.OwnerPermissions {
		t.Fatalf("permissions %+v", p.Permissions)
	}
}

func TestPersonalProjectNamespaceKindUser(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	p, _, err := c.Projects.GetProject("sybil/dotfiles", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Namespace == nil || p.Namespace.Kind != "user" || p.Namespace.FullPath != "sybil" || p.Namespace.ID == uSybil ||
		p.Owner == nil || p.Owner.ID != uSybil {
		t.Fatalf("personal project %+v namespace %+v owner %+v", p, p.Namespace, p.Owner)
	}
	// The personal namespace id never collides with a group id.
	if _, _, err := c.Groups.GetGroup(p.Namespace.ID, nil); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("user namespace id resolves to a group: %v", err)
	}
}

func TestProjectsDefaultOrderIsCreatedAtDesc(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	ps, _, err := c.Projects.ListProjects(&gitlab.ListProjectsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i-1].CreatedAt.Before(*ps[i].CreatedAt) {
			t.Fatalf("not created_at desc: %v", projectIDs(ps))
		}
	}
}
