package connector_test

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// credentialRoute matches the requests of the credentials inventory.
var credentialRoute = regexp.MustCompile(`^/personal_access_tokens$|/manage/|/access_tokens$|/deploy_tokens$|/deploy_keys$|^/user/keys$|^/users/\d+/keys$|/service_accounts`)

// credentialCost syncs world in mode and returns the sync's requests and the inventory's
// share of them, by route.
func credentialCost(t *testing.T, mode fg.Mode, world *fg.World, opts ...batontest.FakeOption) (total, creds int, routes map[string]int) {
	t.Helper()
	f := batontest.NewFake(t, mode, world, append(opts, batontest.Unthrottled())...)
	batontest.Sync(t, context.Background(), f.Connector)
	routes = map[string]int{}
	for _, r := range f.Requests() {
		total++
		if credentialRoute.MatchString(r.Path) {
			creds++
			routes[r.Method+" "+routeShape(r.Path)]++
			if r.Method != "GET" {
				t.Errorf("the inventory must only read: %s %s", r.Method, r.Path)
			}
			if r.Query.Get("per_page") != "100" {
				t.Errorf("GET %s?%s: per_page should be 100", r.Path, r.Query.Encode())
			}
		}
	}
	return total, creds, routes
}

var idSegment = regexp.MustCompile(`/\d+`)

func routeShape(p string) string { return idSegment.ReplaceAllString(p, "/:id") }

func describeRoutes(routes map[string]int) string {
	var out []string
	for r, n := range routes {
		out = append(out, r+"="+itoa(n))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func itoa(n int) string { return id(int64(n)) }

// Issue 10 point 3: by default the inventory adds at most 10% to a full sync's requests
// on the benchmark worlds (the small one here; docs/performance.md has the large one's
// figures, from the same function through TestCredentialCostLarge).
func TestCredentialCostDefault(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			total, creds, routes := credentialCost(t, mode, fg.LargeWorld(benchSmall, mode))
			base := total - creds
			t.Logf("%s small world: %d requests, of which %d for the credentials inventory (+%.1f%%): %s",
				mode, total, creds, 100*float64(creds)/float64(base), describeRoutes(routes))
			if creds == 0 {
				t.Error("the inventory made no request")
			}
			if float64(creds) > 0.10*float64(base) {
				t.Errorf("the inventory adds %d requests to %d (%.1f%%), over 10%%", creds, base, 100*float64(creds)/float64(base))
			}
			for r := range routes {
				if strings.Contains(r, "/users/:id/keys") || strings.Contains(r, "/projects/:id/deploy") || strings.Contains(r, "/groups/:id/deploy_tokens") {
					t.Errorf("%s is opt-in, called by default", r)
				}
			}
		})
	}
}

// The opt-in listings cost what the README says: one request per group and two per
// project (--deploy-credentials-per-project), one per account (--ssh-keys-per-user).
func TestCredentialCostOptIn(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			world := fg.LargeWorld(benchSmall, mode)
			total, creds, routes := credentialCost(t, mode, world, batontest.WithSettings(func(s *connector.Settings) {
				s.DeployCredentialsPerProject = true
				s.SSHKeysPerUser = true
			}))
			t.Logf("%s small world, both opt-ins: %d requests, %d for the inventory: %s", mode, total, creds, describeRoutes(routes))
			if got := routes["GET /groups/:id/deploy_tokens"]; got != benchSmall.Groups {
				t.Errorf("GET /groups/:id/deploy_tokens: %d requests, want one per group (%d)", got, benchSmall.Groups)
			}
			if routes["GET /projects/:id/deploy_tokens"] == 0 || routes["GET /users/:id/keys"] == 0 {
				t.Errorf("the opt-in listings were not made: %s", describeRoutes(routes))
			}
			if mode == fg.ModeGitLabCom && routes["GET /projects/:id/deploy_keys"] != routes["GET /projects/:id/deploy_tokens"] {
				t.Errorf("GitLab.com: one deploy key listing per project: %s", describeRoutes(routes))
			}
		})
	}
}
