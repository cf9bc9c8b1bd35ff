package fakegitlab_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func groupIDs(gs []*gitlab.Group) []int64 {
	out := make([]int64, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	slices.Sort(out)
	return out
}

func listGroups(t *testing.T, c *gitlab.Client, opt *gitlab.ListGroupsOptions) []int64 {
	t.Helper()
	if opt == nil {
		opt = &gitlab.ListGroupsOptions{}
	}
	opt.PerPage = 100
	gs, _, err := c.Groups.ListGroups(opt)
	if err != nil {
		t.Fatal(err)
	}
	return groupIDs(gs)
}

func eqIDs(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: got %v want %v", what, got, want)
	}
}

func TestGroupsNonAdminListsOnlyAccessibleGroups(t *testing.T) {
	_, _, c := start(t, fakegitlab.ModeGitLabCom, false)
	// Owner of acme (and so of its subgroups) and of acme-contractors; not of "other" nor
	// of the public group.
	eqIDs(t, "token user", listGroups(t, c, nil), gAcme, gPlatform, gInfra, gSales, gContractors)
}

func TestGroupsSubgroupMemberSeesAncestors(t *testing.T) {
	w := testWorld(false)
	w.TokenUserID = uCarol // Maintainer of acme/platform/infra only
	_, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeGitLabCom, Token: testToken})
	c := newClient(t, u)
	eqIDs(t, "carol", listGroups(t, c, nil), gAcme, gPlatform, gInfra)
	// The private parent is visible by id, its other private subgroups are not.
	if _, _, err := c.Groups.GetGroup(gAcme, nil); err != nil {
		t.Fatalf("ancestor: %v", err)
	}
	if _, _, err := c.Groups.GetGroup(gSales, nil); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("sibling: %v", err)
	}
	subs, _, err := c.Groups.ListSubGroups(gAcme, nil)
	if err != nil {
		t.Fatal(err)
	}
	eqIDs(t, "carol's subgroups of acme", groupIDs(subs), gPlatform)
}

func TestGroupsAllAvailableAddsPublicGroups(t *testing.T) {
	_, _, c := start(t, fakegitlab.ModeGitLabCom, false)
	eqIDs(t, "all_available", listGroups(t, c, &gitlab.ListGroupsOptions{AllAvailable: gitlab.Ptr(true)}),
		gAcme, gPlatform, gInfra, gSales, gContractors, gPublic)
}

func TestGroupsAdminSeesAllByDefault(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	eqIDs(t, "admin", listGroups(t, c, nil), gAcme, gPlatform, gInfra, gSales, gContractors, gOther, gPublic)
	eqIDs(t, "admin all_available=false", listGroups(t, c, &gitlab.ListGroupsOptions{AllAvailable: gitlab.Ptr(false)}),
		gAcme, gPlatform, gInfra, gSales, gContractors)
}

func TestGroupsFilters(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	eqIDs(t, "top_level_only", listGroups(t, c, &gitlab.ListGroupsOptions{TopLevelOnly: gitlab.Ptr(true)}), gAcme, gContractors, gOther, gPublic)
	eqIDs(t, "search", listGroups(t, c, &gitlab.ListGroupsOptions{Search: gitlab.Ptr("INFR")}), gInfra)
	eqIDs(t, "owned", listGroups(t, c, &gitlab.ListGroupsOptions{Owned: gitlab.Ptr(true)}), gAcme, gContractors)
	eqIDs(t, "min_access_level", listGroups(t, c, &gitlab.ListGroupsOptions{MinAccessLevel: gitlab.Ptr(gitlab.OwnerPermissions)}),
		gAcme, gPlatform, gInfra, gSales, gContractors)
}

func TestGroupsMinAccessLevelCountsInheritance(t *testing.T) {
	w := testWorld(false)
	w.TokenUserID = uBob // Developer of acme
	_, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeGitLabCom, Token: testToken})
	c := newClient(t, u)
	eqIDs(t, "developer", listGroups(t, c, &gitlab.ListGroupsOptions{MinAccessLevel: gitlab.Ptr(gitlab.DeveloperPermissions)}),
		gAcme, gPlatform, gInfra, gSales)
	eqIDs(t, "maintainer", listGroups(t, c, &gitlab.ListGroupsOptions{MinAccessLevel: gitlab.Ptr(gitlab.MaintainerPermissions)}))
}

func TestGroupsDefaultOrderIsName(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	gs, _, err := c.Groups.ListGroups(&gitlab.ListGroupsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	if !slices.IsSorted(names) {
		t.Fatalf("not by name: %v", names)
	}
	byID, _, err := c.Groups.ListGroups(&gitlab.ListGroupsOptions{ListOptions: gitlab.ListOptions{OrderBy: "id", Sort: "desc"}})
	if err != nil || byID[0].ID != gPublic {
		t.Fatalf("order_by=id desc: %v %v", groupIDs(byID), err)
	}
}

func TestGroupJSONShape(t *testing.T) {
	_, u, c := selfManagedAdmin(t)
	g, _, err := c.Groups.GetGroup("acme/platform/infra", nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.ID != gInfra || g.FullPath != "acme/platform/infra" || g.FullName != "Acme / Platform / Infra" ||
		g.ParentID != gPlatform || g.Visibility != gitlab.PrivateVisibility || g.WebURL != u+"/groups/acme/platform/infra" || g.CreatedAt == nil {
		t.Fatalf("group %+v", g)
	}
	_, _, body := raw(t, "GET", u+"/api/v4/groups/10", testToken, "")
	if v, ok := body.(map[string]any)["parent_id"]; !ok || v != nil {
		t.Fatalf("top-level parent_id must be null: %v", v)
	}
}

func TestGetGroupSharedWithGroups(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	g, _, err := c.Groups.GetGroup("acme/platform", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.SharedWithGroups) != 1 {
		t.Fatalf("shared_with_groups %+v", g.SharedWithGroups)
	}
	s := g.SharedWithGroups[0]
	if s.GroupID != gContractors || s.GroupName != "Acme Contractors" || s.GroupFullPath != "acme-contractors" ||
		s.GroupAccessLevel != int64(gitlab.ReporterPermissions) || s.ExpiresAt != nil {
		t.Fatalf("share %+v", s)
	}
	if len(g.Projects) != 1 || g.Projects[0].ID != pAPI {
		t.Fatalf("projects %v", g.Projects)
	}
	contractors, _, err := c.Groups.GetGroup(gContractors, nil)
	if err != nil || len(contractors.SharedProjects) != 1 || contractors.SharedProjects[0].ID != pCRM {
		t.Fatalf("shared_projects %+v %v", contractors, err)
	}
}

func TestGetPrivateGroupOfOthersIs404(t *testing.T) {
	_, _, c := start(t, fakegitlab.ModeGitLabCom, false)
	for _, id := range []any{gOther, "other", "nope/nothing"} {
		if _, _, err := c.Groups.GetGroup(id, nil); !errors.Is(err, gitlab.ErrNotFound) {
			t.Fatalf("%v: %v", id, err)
		}
	}
	// A public group is visible to anyone.
	if _, _, err := c.Groups.GetGroup("public-oss", nil); err != nil {
		t.Fatal(err)
	}
}

func TestSubgroupsAndDescendantGroups(t *testing.T) {
	_, _, c := start(t, fakegitlab.ModeGitLabCom, false)
	subs, _, err := c.Groups.ListSubGroups("acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	eqIDs(t, "subgroups", groupIDs(subs), gPlatform, gSales)
	desc, _, err := c.Groups.ListDescendantGroups(gAcme, nil)
	if err != nil {
		t.Fatal(err)
	}
	eqIDs(t, "descendants", groupIDs(desc), gPlatform, gInfra, gSales)
}

func projectIDs(ps []*gitlab.Project) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	slices.Sort(out)
	return out
}

func TestGroupProjectsWithSharedDefaultTrue(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	ps, _, err := c.Groups.ListGroupProjects(gContractors, &gitlab.ListGroupProjectsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eqIDs(t, "contractors projects (shared)", projectIDs(ps), pCRM)
	if ps[0].Namespace == nil || ps[0].Namespace.ID != gSales || ps[0].Namespace.Kind != "group" || ps[0].Namespace.FullPath != "acme/sales" {
		t.Fatalf("namespace %+v", ps[0].Namespace)
	}
	ps, _, err = c.Groups.ListGroupProjects(gContractors, &gitlab.ListGroupProjectsOptions{WithShared: gitlab.Ptr(false)})
	if err != nil || len(ps) != 0 {
		t.Fatalf("with_shared=false %v %v", projectIDs(ps), err)
	}
}

func TestGroupProjectsIncludeSubgroupsDefaultFalse(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	ps, _, err := c.Groups.ListGroupProjects("acme/platform", nil)
	if err != nil {
		t.Fatal(err)
	}
	eqIDs(t, "platform", projectIDs(ps), pAPI)
	ps, _, err = c.Groups.ListGroupProjects("acme", &gitlab.ListGroupProjectsOptions{IncludeSubGroups: gitlab.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	eqIDs(t, "acme with subgroups", projectIDs(ps), pAPI, pCRM, pInfra)
}

// GitLab serves /groups keyset pagination to unauthenticated users only
// (https://docs.gitlab.com/api/rest/#supported-resources); an authenticated
// pagination=keyset gets offset pages (lib/api/groups.rb
// present_groups_with_pagination_strategies), in the asked order, whatever the order.
func TestGroupsKeysetServesOffsetPagesToAuthenticatedUsers(t *testing.T) {
	_, u, c := selfManagedAdmin(t)
	for _, q := range []string{"order_by=name&sort=asc", "order_by=id&sort=asc", "order_by=path&sort=desc"} {
		status, h, body := raw(t, "GET", u+"/api/v4/groups?pagination=keyset&per_page=2&"+q, testToken, "")
		if status != 200 || len(body.([]any)) != 2 {
			t.Fatalf("%s: %d %v", q, status, body)
		}
		if h.Get("X-Page") != "1" || h.Get("X-Total") != "7" || h.Get("X-Next-Page") != "2" {
			t.Fatalf("%s: not offset headers: %v", q, h)
		}
		if strings.Contains(h.Get("Link"), "cursor=") || !strings.Contains(h.Get("Link"), "page=2") {
			t.Fatalf("%s: link %q", q, h.Get("Link"))
		}
	}
	// Walking the pages as client-go does gives every group once, by name.
	opt := &gitlab.ListGroupsOptions{ListOptions: gitlab.ListOptions{Pagination: "keyset", OrderBy: "name", Sort: "asc", PerPage: 2}}
	var names []string
	for g, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
		return c.Groups.ListGroups(opt, p)
	}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, g.Name)
	}
	if len(names) != 7 || !slices.IsSorted(names) {
		t.Fatalf("walk %v", names)
	}
}
