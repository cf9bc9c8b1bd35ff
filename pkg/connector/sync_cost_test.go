package connector_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// listRoute matches the list endpoints, which must all ask for 100 per page.
var listRoute = regexp.MustCompile(`^/(users|groups|projects)$|/(members|members/all|invitations|descendant_groups|subgroups|projects|billable_members|saml/identities|scim/identities|enterprise_users)$`)

// hiddenShareNodes are the demo's nodes below globex and globex-partners, which are shared
// with initech and initech/labs, private groups the token's user cannot read: on
// GitLab.com the sync reads their members/all (org_hidden.go), and nowhere else.
var hiddenShareNodes = map[string]bool{}

func init() {
	for _, g := range []int64{fg.DemoGroupGlobex, fg.DemoGroupGlobexApps, fg.DemoGroupGlobexLocked, fg.DemoGroupGlobexVault,
		fg.DemoGroupGlobexPartners, fg.DemoGroupPartnersEMEA} {
		hiddenShareNodes[fmt.Sprintf("/groups/%d/members/all", g)] = true
	}
	for _, p := range []int64{fg.DemoProjectPortal, fg.DemoProjectVaultKeys} {
		hiddenShareNodes[fmt.Sprintf("/projects/%d/members/all", p)] = true
	}
}

func TestSyncAPICost(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			f, _ := demoSync(t, mode)
			counts := f.Server.Counts()
			if mode == fg.ModeGitLabCom && counts["GET /users"] != 0 {
				t.Errorf("GET /users called %d times on gitlab.com", counts["GET /users"])
			}
			for route, n := range counts {
				if strings.HasPrefix(route, "GET /users/:id") {
					t.Errorf("%s called %d times", route, n)
				}
			}
			for _, r := range f.Requests() {
				if strings.HasSuffix(r.Path, "/members/all") && (mode != fg.ModeGitLabCom || !hiddenShareNodes[r.Path]) {
					t.Errorf("%s: members/all is read only where shares hidden from the token give access", r.Path)
				}
			}
			firstPages := map[string]int{}
			for _, r := range f.Requests() {
				if r.Method != "GET" {
					t.Errorf("a sync must only read: %s %s", r.Method, r.Path)
				}
				if listRoute.MatchString(r.Path) {
					if r.Query.Get("per_page") != "100" {
						t.Errorf("%s %s?%s: per_page should be 100", r.Method, r.Path, r.Query.Encode())
					}
					if r.Query.Get("page") == "1" || (r.Query.Get("page") == "" && r.Query.Get("cursor") == "" && r.Query.Get("id_after") == "") {
						firstPages[r.Path]++
					}
				} else {
					firstPages[r.Path]++ // single-object reads: once each too
				}
			}
			for path, n := range firstPages {
				if n != 1 {
					t.Errorf("%s fetched %d times in one sync, want once", path, n)
				}
			}
			if mode == fg.ModeSelfManaged {
				var users []batontest.Request
				for _, r := range f.Requests() {
					if r.Path == "/users" {
						users = append(users, r)
					}
				}
				if len(users) != 2 {
					t.Fatalf("GET /users called %d times, want 2 (keyset pages of 100)", len(users))
				}
				q := users[0].Query
				if q.Get("pagination") != "keyset" || q.Get("order_by") != "id" || q.Get("sort") != "asc" || q.Get("exclude_internal") != "true" {
					t.Errorf("GET /users query = %s", q.Encode())
				}
			}
		})
	}
}

// A second sync on the same connector reads GitLab again (the cache is per sync) and
// sees changes.
func TestSyncCacheIsPerSync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := batontest.NewDemo(t, fg.ModeGitLabCom)
	first := batontest.Sync(t, ctx, f.Connector)
	if access(t, first, fg.DemoUserCarol, "group", fg.DemoGroupPlatform) != "" {
		t.Fatal("carol should have nothing on platform yet")
	}
	before := f.Server.Counts()["GET /groups/:id/members"]
	f.Server.Write(func(w *fg.World) {
		w.SetGroupMember(fg.DemoGroupPlatform, &fg.Member{UserID: fg.DemoUserCarol, AccessLevel: fg.Developer})
	})
	second := batontest.Sync(t, ctx, f.Connector)
	if got := access(t, second, fg.DemoUserCarol, "group", fg.DemoGroupPlatform); got != "developer@direct" {
		t.Errorf("after adding carol to platform: %q", got)
	}
	if got := access(t, second, fg.DemoUserCarol, "group", fg.DemoGroupInfra); got != "maintainer@direct" {
		t.Errorf("carol keeps her higher direct role on infra: %q", got)
	}
	if after := f.Server.Counts()["GET /groups/:id/members"]; after != 2*before {
		t.Errorf("members listings: %d after the first sync, %d after the second; want double", before, after)
	}
}

// --workers N: concurrent List/Entitlements/Grants give the same c1z and still fetch
// every listing once.
func TestSyncWithWorkers(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			_, serial := demoSync(t, mode)
			f, parallel := demoSync(t, mode, batontest.WithWorkers(4))
			ids := func(c *batontest.C1Z) string {
				var out []string
				for _, g := range c.Grants {
					out = append(out, g.GetId())
				}
				sort.Strings(out)
				return strings.Join(out, "\n")
			}
			if ids(serial) != ids(parallel) {
				t.Error("a sync with 4 workers gives different grants than with 1")
			}
			if len(serial.Resources) != len(parallel.Resources) || len(serial.Entitlements) != len(parallel.Entitlements) {
				t.Error("a sync with 4 workers gives different resources or entitlements")
			}
			seen := map[string]bool{}
			for _, r := range f.Requests() {
				if strings.HasSuffix(r.Path, "/members") && r.Query.Get("page") == "1" {
					if seen[r.Path] {
						t.Errorf("%s fetched twice with 4 workers", r.Path)
					}
					seen[r.Path] = true
				}
			}
		})
	}
}

// The sync's state (the organisation's listings) is dropped when the SDK cleans up at the
// end of the sync: nothing of it stays in memory between syncs.
func TestSyncStateDroppedAtCleanup(t *testing.T) {
	t.Parallel()
	f, _ := demoSync(t, fg.ModeSelfManaged)
	if connector.HoldsSyncState(f.Connector) {
		t.Error("the sync's state is still held after the sync")
	}
}
