package fakegitlab_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

const testToken = "glpat-test-token"

// noWait is a client-go limiter that never waits: tests must be fast.
type noWait struct{}

func (noWait) Wait(context.Context) error { return nil }

// newClient is the official client against the fake, without retries or rate limiting.
func newClient(t *testing.T, baseURL string) *gitlab.Client {
	t.Helper()
	c, err := gitlab.NewClient(testToken, gitlab.WithBaseURL(baseURL), gitlab.WithoutRetries(), gitlab.WithCustomLimiter(noWait{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Ids of the small test world.
const (
	uToken    = 1
	uAlice    = 101
	uBob      = 102
	uCarol    = 103
	uDave     = 104
	uFrank    = 106 // blocked
	uGrace    = 107 // deactivated
	uHeidi    = 108 // banned
	uIvan     = 109 // ldap_blocked
	uBot      = 111 // project bot
	uSybil    = 118
	uTrent    = 119 // member of nothing
	uGhost    = 150 // internal
	uStranger = 500 // gitlab.com outsider

	gAcme        = 10
	gPlatform    = 11
	gInfra       = 12
	gSales       = 14
	gContractors = 20
	gOther       = 30 // private, token user not a member
	gPublic      = 40 // public, token user not a member

	pAPI      = 50
	pCRM      = 52 // in sales, shared with contractors
	pDotfiles = 53 // sybil's personal project
	pOther    = 60 // in the "other" group
	pInfra    = 61 // in infra
)

var clock = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func ago(days int) *time.Time {
	t := clock.AddDate(0, 0, -days)
	return &t
}

// testWorld builds a small organisation. tokenAdmin makes the token user an instance
// administrator (meaningful in self-managed mode only).
func testWorld(tokenAdmin bool) *fakegitlab.World {
	w := fakegitlab.NewWorld()
	w.Now = clock
	w.TokenUserID = uToken
	add := func(id int64, username, name, state string) *fakegitlab.User {
		return w.AddUser(&fakegitlab.User{ID: id, Username: username, Name: name, State: state,
			Email: username + "@acme.example", CreatedAt: clock.AddDate(-1, 0, int(id)), LastActivityOn: ago(200)})
	}
	add(uToken, "acme-admin", "Acme Admin", "").IsAdmin = tokenAdmin
	add(uAlice, "alice", "Alice Anders", "")
	bob := add(uBob, "bob", "Bob Brown", "")
	bob.LastActivityOn = ago(3)
	add(uCarol, "carol", "Carol Chen", "")
	add(uDave, "dave", "Dave Diaz", "")
	add(uFrank, "frank", "Frank Fischer", fakegitlab.StateBlocked)
	add(uGrace, "grace", "Grace Green", fakegitlab.StateDeactivated)
	add(uHeidi, "heidi", "Heidi Hall", fakegitlab.StateBanned)
	ivan := add(uIvan, "ivan", "Ivan Ivanov", fakegitlab.StateLDAPBlocked)
	ivan.Identities = []fakegitlab.Identity{{Provider: "ldapmain", ExternUID: "uid=ivan,ou=people"}}
	add(uBot, "project_50_bot_1", "API Deploy Bot", "").Bot = true
	add(uSybil, "sybil", "Sybil Schmidt", "")
	add(uTrent, "trent", "Trent Turner", "")
	add(uGhost, "ghost", "Ghost User", "").Internal = true
	add(uStranger, "stranger-01", "Stranger One", "").Outsider = true

	group := func(id, parent int64, path, name, vis string) {
		w.AddGroup(&fakegitlab.Group{ID: id, ParentID: parent, Path: path, Name: name, Visibility: vis, CreatedAt: clock.AddDate(0, -1, int(id))})
	}
	group(gAcme, 0, "acme", "Acme", "")
	group(gPlatform, gAcme, "platform", "Platform", "")
	group(gInfra, gPlatform, "infra", "Infra", "")
	group(gSales, gAcme, "sales", "Sales", "")
	group(gContractors, 0, "acme-contractors", "Acme Contractors", "")
	group(gOther, 0, "other", "Other Org", "")
	group(gPublic, 0, "public-oss", "Public OSS", "public")

	member := func(g, u int64, l fakegitlab.AccessLevel) {
		w.SetGroupMember(g, &fakegitlab.Member{UserID: u, AccessLevel: l})
	}
	member(gAcme, uToken, fakegitlab.Owner)
	member(gContractors, uToken, fakegitlab.Owner)
	member(gAcme, uAlice, fakegitlab.Owner)
	member(gAcme, uBob, fakegitlab.Developer)
	member(gInfra, uCarol, fakegitlab.Maintainer)
	member(gSales, uFrank, fakegitlab.Developer)
	member(gOther, uTrent, fakegitlab.Owner)
	member(gPublic, uStranger, fakegitlab.Owner)
	w.GroupShares[gPlatform] = []fakegitlab.Share{{GroupID: gContractors, AccessLevel: fakegitlab.Reporter}}

	project := func(id, group, owner int64, path, name string) {
		w.AddProject(&fakegitlab.Project{ID: id, GroupID: group, OwnerID: owner, Path: path, Name: name, CreatedAt: clock.AddDate(0, 0, -int(id))})
	}
	project(pAPI, gPlatform, 0, "api", "API")
	project(pCRM, gSales, 0, "crm", "CRM")
	project(pDotfiles, 0, uSybil, "dotfiles", "dotfiles")
	project(pOther, gOther, 0, "secret", "Secret")
	project(pInfra, gInfra, 0, "cluster-config", "Cluster Config")
	w.SetProjectMember(pAPI, &fakegitlab.Member{UserID: uDave, AccessLevel: fakegitlab.Developer})
	w.SetProjectMember(pAPI, &fakegitlab.Member{UserID: uBot, AccessLevel: fakegitlab.Maintainer})
	w.SetProjectMember(pDotfiles, &fakegitlab.Member{UserID: uSybil, AccessLevel: fakegitlab.Owner})
	w.ProjectShares[pCRM] = []fakegitlab.Share{{GroupID: gContractors, AccessLevel: fakegitlab.Guest}}
	return w
}

// start serves the test world: self-managed with an admin token, or gitlab.com.
func start(t *testing.T, mode fakegitlab.Mode, tokenAdmin bool, opts ...func(*fakegitlab.Options)) (*fakegitlab.Server, string, *gitlab.Client) {
	t.Helper()
	o := fakegitlab.Options{Mode: mode, Token: testToken}
	for _, f := range opts {
		f(&o)
	}
	s, u := fakegitlab.StartForTest(t, testWorld(tokenAdmin), o)
	return s, u, newClient(t, u)
}

func selfManagedAdmin(t *testing.T) (*fakegitlab.Server, string, *gitlab.Client) {
	return start(t, fakegitlab.ModeSelfManaged, true)
}

// raw sends a request without client-go and returns status, headers and decoded body.
func raw(t *testing.T, method, url, token string, body string) (int, http.Header, any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &v); err != nil {
			v = string(b)
		}
	}
	return resp.StatusCode, resp.Header, v
}

func errResponse(t *testing.T, err error) *gitlab.ErrorResponse {
	t.Helper()
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("want *gitlab.ErrorResponse, got %v", err)
	}
	return er
}

func wantStatus(t *testing.T, resp *gitlab.Response, err error, status int) {
	t.Helper()
	if resp == nil {
		t.Fatalf("no response (err %v), want %d", err, status)
	}
	if resp.StatusCode != status {
		t.Fatalf("status %d (err %v), want %d", resp.StatusCode, err, status)
	}
}

func TestUnknownTokenIs401(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	status, _, body := raw(t, "GET", u+"/api/v4/user", "wrong", "")
	if status != 401 || body.(map[string]any)["message"] != "401 Unauthorized" {
		t.Fatalf("got %d %v", status, body)
	}
	status, _, _ = raw(t, "GET", u+"/api/v4/user", "", "")
	if status != 401 {
		t.Fatalf("no token: got %d", status)
	}
}

func TestExpiredTokenIs401InvalidToken(t *testing.T) {
	_, u, c := start(t, fakegitlab.ModeSelfManaged, true, func(o *fakegitlab.Options) { o.TokenExpired = true })
	status, h, body := raw(t, "GET", u+"/api/v4/groups", testToken, "")
	m := body.(map[string]any)
	if status != 401 || m["error"] != "invalid_token" ||
		m["error_description"] != "Token is expired. You can either do re-authorization or token refresh." {
		t.Fatalf("got %d %v", status, body)
	}
	if !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("WWW-Authenticate %q", h.Get("WWW-Authenticate"))
	}
	_, resp, err := c.Users.CurrentUser()
	wantStatus(t, resp, err, 401)
}

func TestRevokedTokenIs401InvalidToken(t *testing.T) {
	_, u, _ := start(t, fakegitlab.ModeSelfManaged, true, func(o *fakegitlab.Options) { o.TokenRevoked = true })
	status, _, body := raw(t, "GET", u+"/api/v4/user", testToken, "")
	if m := body.(map[string]any); status != 401 || m["error"] != "invalid_token" || !strings.Contains(m["error_description"].(string), "revoked") {
		t.Fatalf("got %d %v", status, body)
	}
}

func TestReadAPITokenCannotWrite(t *testing.T) {
	_, u, c := start(t, fakegitlab.ModeSelfManaged, true, func(o *fakegitlab.Options) { o.TokenScopes = []string{"read_api"} })
	if _, _, err := c.Groups.ListGroups(nil); err != nil {
		t.Fatalf("read_api must read: %v", err)
	}
	status, _, body := raw(t, "POST", u+"/api/v4/users/102/block", testToken, "")
	m := body.(map[string]any)
	if status != 403 || m["error"] != "insufficient_scope" || m["scope"] != "api" ||
		m["error_description"] != "The request requires higher privileges than provided by the access token." {
		t.Fatalf("got %d %v", status, body)
	}
	_, resp, err := c.Users.CreateUser(&gitlab.CreateUserOptions{Email: gitlab.Ptr("x@y.z"), Name: gitlab.Ptr("X"), Username: gitlab.Ptr("xx"), Password: gitlab.Ptr("password123")})
	wantStatus(t, resp, err, 403)
}

func TestReadUserTokenCanReadUsersOnly(t *testing.T) {
	_, u, c := start(t, fakegitlab.ModeSelfManaged, true, func(o *fakegitlab.Options) { o.TokenScopes = []string{"read_user"} })
	if _, _, err := c.Users.ListUsers(nil); err != nil {
		t.Fatalf("read_user must list users: %v", err)
	}
	if _, _, err := c.Users.CurrentUser(); err != nil {
		t.Fatalf("read_user must read /user: %v", err)
	}
	status, _, body := raw(t, "GET", u+"/api/v4/groups", testToken, "")
	if m := body.(map[string]any); status != 403 || m["error"] != "insufficient_scope" || m["scope"] != "api read_api" {
		t.Fatalf("groups with read_user: %d %v", status, body)
	}
	status, _, _ = raw(t, "DELETE", u+"/api/v4/users/119", testToken, "")
	if status != 403 {
		t.Fatalf("delete with read_user: %d", status)
	}
}

func TestTokenSelfReportsScopes(t *testing.T) {
	_, _, c := start(t, fakegitlab.ModeGitLabCom, false, func(o *fakegitlab.Options) {
		o.TokenScopes = []string{"read_api", "read_user"}
		o.TokenExpiresAt = "2036-03-01"
	})
	pat, _, err := c.PersonalAccessTokens.GetSinglePersonalAccessToken()
	if err != nil {
		t.Fatal(err)
	}
	if pat.UserID != uToken || !pat.Active || pat.Revoked || strings.Join(pat.Scopes, ",") != "read_api,read_user" {
		t.Fatalf("token %+v", pat)
	}
	if pat.ExpiresAt == nil || time.Time(*pat.ExpiresAt).Format("2006-01-02") != "2036-03-01" {
		t.Fatalf("expires_at %v", pat.ExpiresAt)
	}
}

func TestVersion(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	v, _, err := c.Version.GetVersion()
	if err != nil || v.Version == "" || v.Revision == "" {
		t.Fatalf("version %+v %v", v, err)
	}
}

func TestCurrentUserIsAdminOnlyForAdmins(t *testing.T) {
	_, u, c := selfManagedAdmin(t)
	me, _, err := c.Users.CurrentUser()
	if err != nil || me.ID != uToken || !me.IsAdmin || me.Email != "acme-admin@acme.example" {
		t.Fatalf("admin /user %+v %v", me, err)
	}
	_, _, body := raw(t, "GET", u+"/api/v4/user", testToken, "")
	if _, ok := body.(map[string]any)["is_admin"]; !ok {
		t.Fatal("admin /user lacks is_admin")
	}
	_, u2, _ := start(t, fakegitlab.ModeGitLabCom, false)
	_, _, body = raw(t, "GET", u2+"/api/v4/user", testToken, "")
	if _, ok := body.(map[string]any)["is_admin"]; ok {
		t.Fatal("non-admin /user has is_admin")
	}
	// An admin user on GitLab.com is still not an instance admin of gitlab.com.
	_, u3, _ := start(t, fakegitlab.ModeGitLabCom, true)
	_, _, body = raw(t, "GET", u3+"/api/v4/user", testToken, "")
	if _, ok := body.(map[string]any)["is_admin"]; ok {
		t.Fatal("gitlab.com /user has is_admin")
	}
}

func TestUnknownRouteIs404AndWrongMethodIs405(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	if status, _, body := raw(t, "GET", u+"/api/v4/nothing/here", testToken, ""); status != 404 || body.(map[string]any)["message"] != "404 Not Found" {
		t.Fatalf("got %d %v", status, body)
	}
	if status, _, _ := raw(t, "PATCH", u+"/api/v4/users", testToken, ""); status != 405 {
		t.Fatalf("got %d", status)
	}
}

func TestRateLimitHeadersOnEveryResponse(t *testing.T) {
	_, u, _ := start(t, fakegitlab.ModeGitLabCom, false)
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/api/v4/user", testToken, 200},
		{"/api/v4/user", "bad", 401},
		{"/api/v4/groups/999", testToken, 404},
		{"/api/v4/users?page=5000&per_page=100", testToken, 405},
	} {
		status, h, _ := raw(t, "GET", u+tc.path, tc.token, "")
		if status != tc.status {
			t.Fatalf("%s: status %d want %d", tc.path, status, tc.status)
		}
		if h.Get("RateLimit-Limit") == "" || h.Get("RateLimit-Remaining") == "" {
			t.Fatalf("%s (%d): no RateLimit headers: %v", tc.path, status, h)
		}
	}
}
