package fakegitlab_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// manyUsers is the test world with n more active users (ids 10001...).
func manyUsers(t *testing.T, n int) (*gitlab.Client, string) {
	t.Helper()
	w := testWorld(true)
	for i := 1; i <= n; i++ {
		w.AddUser(&fakegitlab.User{ID: int64(10000 + i), Username: fmt.Sprintf("user-%05d", i), Name: fmt.Sprintf("User %d", i),
			Email: fmt.Sprintf("user-%05d@acme.example", i), CreatedAt: clock})
	}
	_, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: testToken})
	return newClient(t, u), u
}

func TestPerPageMaxIs100(t *testing.T) {
	c, _ := manyUsers(t, 150)
	us, resp, err := c.Users.ListUsers(&gitlab.ListUsersOptions{ListOptions: gitlab.ListOptions{PerPage: 500}})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 100 || resp.ItemsPerPage != 100 || resp.NextPage != 2 {
		t.Fatalf("got %d items, per page %d, next %d", len(us), resp.ItemsPerPage, resp.NextPage)
	}
}

func TestDefaultPerPageIs20AndLastPageHasNoNext(t *testing.T) {
	c, _ := manyUsers(t, 30)
	us, resp, err := c.Users.ListUsers(&gitlab.ListUsersOptions{})
	if err != nil || len(us) != 20 || resp.TotalItems != int64(30+14) || resp.TotalPages != 3 {
		t.Fatalf("got %d items, total %d pages %d, err %v", len(us), resp.TotalItems, resp.TotalPages, err)
	}
	_, resp, err = c.Users.ListUsers(&gitlab.ListUsersOptions{ListOptions: gitlab.ListOptions{Page: 3}})
	if err != nil || resp.NextPage != 0 || resp.PreviousPage != 2 {
		t.Fatalf("last page next %d prev %d err %v", resp.NextPage, resp.PreviousPage, err)
	}
}

func TestUsersListOmitsTotalOver10000(t *testing.T) {
	c, u := manyUsers(t, 10001)
	_, resp, err := c.Users.ListUsers(&gitlab.ListUsersOptions{ListOptions: gitlab.ListOptions{PerPage: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Total") != "" || resp.Header.Get("X-Total-Pages") != "" || strings.Contains(resp.Header.Get("Link"), `rel="last"`) {
		t.Fatalf("totals present over 10,000: %v", resp.Header)
	}
	if resp.NextPage != 2 {
		t.Fatalf("next page %d", resp.NextPage)
	}
	// At 10,000 or fewer they are there.
	_, h, _ := raw(t, "GET", u+"/api/v4/groups", testToken, "")
	if h.Get("X-Total") == "" || !strings.Contains(h.Get("Link"), `rel="last"`) {
		t.Fatalf("small listing lacks totals: %v", h)
	}
}

func TestOffsetPaginationPast50000Is405ForUsers(t *testing.T) {
	_, u, c := selfManagedAdmin(t)
	status, _, body := raw(t, "GET", u+"/api/v4/users?page=501&per_page=100", testToken, "")
	want := "Offset pagination has a maximum allowed offset of 50000 for requests that return objects of type User. Remaining records can be retrieved using keyset pagination."
	if status != 405 || body.(map[string]any)["error"] != want {
		t.Fatalf("got %d %v", status, body)
	}
	// page*per_page == 50,000 is still allowed.
	if _, resp, err := c.Users.ListUsers(&gitlab.ListUsersOptions{ListOptions: gitlab.ListOptions{Page: 500, PerPage: 100}}); err != nil || resp.StatusCode != 200 {
		t.Fatalf("page 500: %v", err)
	}
}

func TestOffsetPaginationPast50000Is405ForGroups(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	_, resp, err := c.Groups.ListGroups(&gitlab.ListGroupsOptions{ListOptions: gitlab.ListOptions{Page: 2501, PerPage: 20}})
	wantStatus(t, resp, err, 405)
	if !strings.Contains(err.Error(), "objects of type Group") {
		t.Fatalf("error %v", err)
	}
}

func TestKeysetLinkCarriesCursor(t *testing.T) {
	c, _ := manyUsers(t, 250)
	opt := &gitlab.ListUsersOptions{ListOptions: gitlab.ListOptions{Pagination: "keyset", OrderBy: "id", Sort: "asc", PerPage: 100}}
	var opts []gitlab.RequestOptionFunc
	seen := map[int64]bool{}
	var last int64
	pages := 0
	for {
		us, resp, err := c.Users.ListUsers(opt, opts...)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range us {
			if seen[u.ID] || u.ID <= last {
				t.Fatalf("user %d repeated or out of order", u.ID)
			}
			seen[u.ID], last = true, u.ID
		}
		if resp.NextLink == "" {
			break
		}
		next, _ := url.Parse(resp.NextLink)
		if next.Query().Get("cursor") == "" || next.Query().Get("pagination") != "keyset" {
			t.Fatalf("next link without cursor: %s", resp.NextLink)
		}
		opts = []gitlab.RequestOptionFunc{gitlab.WithKeysetPaginationParameters(resp.NextLink)}
	}
	if len(seen) != 250+14 || pages != 3 {
		t.Fatalf("saw %d users in %d pages", len(seen), pages)
	}
}

func TestKeysetProjectsLinkCarriesIDAfter(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	opt := &gitlab.ListProjectsOptions{ListOptions: gitlab.ListOptions{Pagination: "keyset", OrderBy: "id", Sort: "asc", PerPage: 2}}
	ps, resp, err := c.Projects.ListProjects(opt)
	if err != nil || len(ps) != 2 || ps[0].ID != pAPI || ps[1].ID != pCRM {
		t.Fatalf("first page %v %v", ps, err)
	}
	if !strings.Contains(resp.NextLink, fmt.Sprintf("id_after=%d", pCRM)) {
		t.Fatalf("next link %q", resp.NextLink)
	}
	var all []int64
	for p, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Project, *gitlab.Response, error) {
		return c.Projects.ListProjects(opt, p)
	}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.ID)
	}
	if fmt.Sprint(all) != fmt.Sprint([]int64{pAPI, pCRM, pDotfiles, pOther, pInfra}) {
		t.Fatalf("scan %v", all)
	}
}

func TestKeysetUnsupportedOrderIs405(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	for _, q := range []string{"/projects?pagination=keyset&order_by=name", "/projects?pagination=keyset", "/users?pagination=keyset&order_by=name"} {
		status, _, body := raw(t, "GET", u+"/api/v4"+q, testToken, "")
		if status != 405 || body.(map[string]any)["error"] != "Keyset pagination is not yet available for this type of request" {
			t.Fatalf("%s: %d %v", q, status, body)
		}
	}
}

// Endpoints GitLab paginates with plain `paginate` (members, group projects,
// invitations) ignore pagination=keyset and serve offset pages: no 405.
func TestKeysetIgnoredWhereGitLabPaginatesPlainly(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	for _, path := range []string{
		"/groups/10/members", "/groups/10/members/all", "/projects/50/members",
		"/groups/10/projects", "/groups/10/invitations", "/projects/50/invitations",
		"/groups/10/subgroups", "/groups/10/descendant_groups",
	} {
		status, h, body := raw(t, "GET", u+"/api/v4"+path+"?pagination=keyset&order_by=id&sort=asc&per_page=1", testToken, "")
		if status != 200 {
			t.Fatalf("%s: %d %v", path, status, body)
		}
		if h.Get("X-Page") != "1" || h.Get("X-Total") == "" {
			t.Fatalf("%s: not offset headers: %v", path, h)
		}
	}
	// A second offset page of members is there too.
	status, h, body := raw(t, "GET", u+"/api/v4/groups/10/members?pagination=keyset&per_page=1&page=2", testToken, "")
	if status != 200 || len(body.([]any)) != 1 || h.Get("X-Page") != "2" {
		t.Fatalf("members page 2: %d %v %v", status, h, body)
	}
}
