package fakegitlab_test

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// credDemo serves the demo world; asUser, when not 0, makes that user the token's user.
func credDemo(t *testing.T, mode fakegitlab.Mode, asUser int64) (*fakegitlab.Server, string) {
	t.Helper()
	w := fakegitlab.DemoWorld(mode)
	if asUser != 0 {
		w.TokenUserID = asUser
	}
	return fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: mode, Token: testToken})
}

// credGet GETs an API path and returns the status and decoded body.
func credCall(t *testing.T, method, base, path string) (int, http.Header, any) {
	t.Helper()
	return raw(t, method, base+"/api/v4"+path, testToken, "")
}

// rows decodes a JSON array of objects.
func rows(t *testing.T, body any) []map[string]any {
	t.Helper()
	arr, ok := body.([]any)
	if !ok {
		t.Fatalf("want a JSON array, got %v", body)
	}
	out := make([]map[string]any, len(arr))
	for i, r := range arr {
		out[i] = r.(map[string]any)
	}
	return out
}

func rowIDs(t *testing.T, body any) []int64 {
	t.Helper()
	var out []int64
	for _, r := range rows(t, body) {
		out = append(out, int64(r["id"].(float64)))
	}
	return out
}

func wantIDs(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: ids %v, want %v", what, got, want)
	}
}

func wantMessage(t *testing.T, status int, body any, wantStatus int, want string) {
	t.Helper()
	m, _ := body.(map[string]any)
	got := fmt.Sprint(m["message"])
	if m["message"] == nil {
		got = fmt.Sprint(m["error"])
	}
	if status != wantStatus || got != want {
		t.Fatalf("got %d %v, want %d %q", status, body, wantStatus, want)
	}
}

// byID finds the row with the id.
func byID(t *testing.T, body any, id int64) map[string]any {
	t.Helper()
	for _, r := range rows(t, body) {
		if int64(r["id"].(float64)) == id {
			return r
		}
	}
	t.Fatalf("no row %d in %v", id, body)
	return nil
}

func TestPersonalAccessTokensAdminSeesEveryUsersIncludingBots(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	status, _, body := credCall(t, "GET", u, "/personal_access_tokens?per_page=100")
	if status != 200 {
		t.Fatalf("status %d %v", status, body)
	}
	wantIDs(t, "admin listing", rowIDs(t, body),
		fakegitlab.DemoPATAdminSync, fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATBobExpired,
		fakegitlab.DemoPATBobRevoked, fakegitlab.DemoPATCarolNoExpiry, fakegitlab.DemoPATDaveNeverUsed,
		fakegitlab.DemoPATAPIBotRotated, fakegitlab.DemoPATAPIBot, fakegitlab.DemoPATPlatformBotOld,
		fakegitlab.DemoPATServiceAccount)
	for _, r := range rows(t, body) {
		if _, ok := r["token"]; ok {
			t.Fatalf("a listing shows a token value: %v", r)
		}
	}
	// user_id narrows the listing to one user.
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/personal_access_tokens?user_id=%d", fakegitlab.DemoUserBob))
	wantIDs(t, "user_id=bob", rowIDs(t, body), fakegitlab.DemoPATBobExpired, fakegitlab.DemoPATBobRevoked)
}

func TestPersonalAccessTokensNonAdminSeesOnlyOwn(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	_, _, body := credCall(t, "GET", u, "/personal_access_tokens")
	wantIDs(t, "gitlab.com token user", rowIDs(t, body), fakegitlab.DemoPATAdminSync)

	_, u = credDemo(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoUserBob)
	_, _, body = credCall(t, "GET", u, "/personal_access_tokens")
	wantIDs(t, "bob", rowIDs(t, body), fakegitlab.DemoPATBobExpired, fakegitlab.DemoPATBobRevoked)
}

func TestPersonalAccessTokensNonAdminOtherUserIDIs401(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	status, _, body := credCall(t, "GET", u, fmt.Sprintf("/personal_access_tokens?user_id=%d", fakegitlab.DemoUserAlice))
	wantMessage(t, status, body, 401, "401 Unauthorized")
	// Their own user_id is allowed.
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/personal_access_tokens?user_id=%d", fakegitlab.DemoUserAdmin))
	wantIDs(t, "own user_id", rowIDs(t, body), fakegitlab.DemoPATAdminSync)
}

func TestPersonalAccessTokensAdminUnknownUserIDIs404(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	status, _, body := credCall(t, "GET", u, "/personal_access_tokens?user_id=999999")
	wantMessage(t, status, body, 404, "404 Not Found")
}

func TestPersonalAccessTokensStateRevokedAndDateFilters(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	_, _, body := credCall(t, "GET", u, "/personal_access_tokens?state=active")
	wantIDs(t, "state=active", rowIDs(t, body),
		fakegitlab.DemoPATAdminSync, fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATCarolNoExpiry,
		fakegitlab.DemoPATDaveNeverUsed, fakegitlab.DemoPATAPIBot, fakegitlab.DemoPATServiceAccount)
	_, _, body = credCall(t, "GET", u, "/personal_access_tokens?state=inactive")
	wantIDs(t, "state=inactive", rowIDs(t, body),
		fakegitlab.DemoPATBobExpired, fakegitlab.DemoPATBobRevoked, fakegitlab.DemoPATAPIBotRotated, fakegitlab.DemoPATPlatformBotOld)
	_, _, body = credCall(t, "GET", u, "/personal_access_tokens?revoked=true")
	wantIDs(t, "revoked=true", rowIDs(t, body), fakegitlab.DemoPATBobRevoked, fakegitlab.DemoPATAPIBotRotated)
	// Used before 90 days before the demo clock: bob's old laptop and carol's token.
	_, _, body = credCall(t, "GET", u, "/personal_access_tokens?last_used_before=2026-08-03T12:00:00Z")
	wantIDs(t, "last_used_before", rowIDs(t, body), fakegitlab.DemoPATBobExpired, fakegitlab.DemoPATCarolNoExpiry)
	_, _, body = credCall(t, "GET", u, "/personal_access_tokens?expires_before=2026-12-01&state=active")
	wantIDs(t, "expiring soon", rowIDs(t, body), fakegitlab.DemoPATAliceExpiring)
	status, _, body := credCall(t, "GET", u, "/personal_access_tokens?state=expired")
	wantMessage(t, status, body, 400, "state does not have a valid value")
	status, _, body = credCall(t, "GET", u, "/personal_access_tokens?created_after=yesterday")
	wantMessage(t, status, body, 400, "created_after is invalid")
}

func TestPersonalAccessTokenEntityStatesAndDates(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	_, _, body := credCall(t, "GET", u, "/personal_access_tokens?per_page=100")
	expired := byID(t, body, fakegitlab.DemoPATBobExpired)
	if expired["active"] != false || expired["revoked"] != false || expired["expires_at"] != "2026-06-30" ||
		expired["last_used_at"] != "2026-06-15T00:00:00.000Z" || expired["user_id"] != float64(fakegitlab.DemoUserBob) {
		t.Fatalf("expired token %v", expired)
	}
	if r := byID(t, body, fakegitlab.DemoPATBobRevoked); r["active"] != false || r["revoked"] != true {
		t.Fatalf("revoked token %v", r)
	}
	if r := byID(t, body, fakegitlab.DemoPATCarolNoExpiry); r["expires_at"] != nil || r["active"] != true {
		t.Fatalf("never-expiring token %v", r)
	}
	if r := byID(t, body, fakegitlab.DemoPATDaveNeverUsed); r["last_used_at"] != nil {
		t.Fatalf("never-used token %v", r)
	}
	r := byID(t, body, fakegitlab.DemoPATAliceExpiring)
	for _, k := range []string{"id", "name", "revoked", "created_at", "description", "scopes", "user_id", "last_used_at", "active", "expires_at"} {
		if _, ok := r[k]; !ok {
			t.Fatalf("entity lacks %q: %v", k, r)
		}
	}
	if !reflect.DeepEqual(r["scopes"], []any{"read_api"}) || r["description"] != "CI deployments" {
		t.Fatalf("alice's token %v", r)
	}
}

func TestPersonalAccessTokensPaginate(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	status, h, body := credCall(t, "GET", u, "/personal_access_tokens?per_page=3&page=2")
	if status != 200 || h.Get("X-Total") != "10" || h.Get("X-Total-Pages") != "4" || h.Get("X-Next-Page") != "3" {
		t.Fatalf("status %d headers %v", status, h)
	}
	wantIDs(t, "page 2", rowIDs(t, body), fakegitlab.DemoPATBobRevoked, fakegitlab.DemoPATCarolNoExpiry, fakegitlab.DemoPATDaveNeverUsed)
	_, _, body = credCall(t, "GET", u, "/personal_access_tokens?sort=created_desc&per_page=2")
	wantIDs(t, "sort=created_desc", rowIDs(t, body), fakegitlab.DemoPATDaveNeverUsed, fakegitlab.DemoPATAPIBot)
}

func TestPersonalAccessTokenGetIs401ForOthersAnd404ForAdmins(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	status, _, body := credCall(t, "GET", u, fmt.Sprintf("/personal_access_tokens/%d", fakegitlab.DemoPATAdminSync))
	if status != 200 || byIDMap(body)["name"] != "baton-sync" {
		t.Fatalf("own token: %d %v", status, body)
	}
	status, _, body = credCall(t, "GET", u, fmt.Sprintf("/personal_access_tokens/%d", fakegitlab.DemoPATAliceExpiring))
	wantMessage(t, status, body, 401, "401 Unauthorized")
	status, _, body = credCall(t, "GET", u, "/personal_access_tokens/424242")
	wantMessage(t, status, body, 401, "401 Unauthorized")

	_, u = credDemo(t, fakegitlab.ModeSelfManaged, 0)
	status, _, body = credCall(t, "GET", u, fmt.Sprintf("/personal_access_tokens/%d", fakegitlab.DemoPATAliceExpiring))
	if status != 200 {
		t.Fatalf("admin reads alice's token: %d %v", status, body)
	}
	status, _, body = credCall(t, "GET", u, "/personal_access_tokens/424242")
	wantMessage(t, status, body, 404, "404 Not Found")
	// /self stays the token's own information.
	status, _, body = credCall(t, "GET", u, "/personal_access_tokens/self")
	if status != 200 || byIDMap(body)["name"] != "baton-gitlab" {
		t.Fatalf("self: %d %v", status, body)
	}
}

func byIDMap(body any) map[string]any { m, _ := body.(map[string]any); return m }

func TestPersonalAccessTokenRevokeShowsRevokedInNextListing(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	// An administrator revokes anyone's token.
	status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/personal_access_tokens/%d", fakegitlab.DemoPATCarolNoExpiry))
	if status != 204 {
		t.Fatalf("revoke: %d %v", status, body)
	}
	_, _, body = credCall(t, "GET", u, "/personal_access_tokens?per_page=100")
	if r := byID(t, body, fakegitlab.DemoPATCarolNoExpiry); r["revoked"] != true || r["active"] != false {
		t.Fatalf("after revoke %v", r)
	}
	// The owner revokes their own.
	_, u = credDemo(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoUserAlice)
	if status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/personal_access_tokens/%d", fakegitlab.DemoPATAliceExpiring)); status != 204 {
		t.Fatalf("own revoke: %d %v", status, body)
	}
	_, _, body = credCall(t, "GET", u, "/personal_access_tokens?revoked=true")
	wantIDs(t, "alice revoked", rowIDs(t, body), fakegitlab.DemoPATAliceExpiring)
}

func TestPersonalAccessTokenRevokeRefusals(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	// Another user's token: RevokeService "Not permitted to revoke", bad_request!(nil).
	status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/personal_access_tokens/%d", fakegitlab.DemoPATAliceExpiring))
	wantMessage(t, status, body, 400, "400 Bad request")
	status, _, body = credCall(t, "DELETE", u, "/personal_access_tokens/424242")
	wantMessage(t, status, body, 404, "404 Not found")
}

func TestProjectAndGroupAccessTokensCarryTheBotsAccessLevel(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	status, _, body := credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens", fakegitlab.DemoProjectAPI))
	if status != 200 {
		t.Fatalf("project tokens: %d %v", status, body)
	}
	wantIDs(t, "project 50", rowIDs(t, body), fakegitlab.DemoPATAPIBotRotated, fakegitlab.DemoPATAPIBot)
	for _, r := range rows(t, body) {
		if r["access_level"] != float64(fakegitlab.Maintainer) || r["user_id"] != float64(fakegitlab.DemoUserAPIBot) {
			t.Fatalf("project token %v", r)
		}
	}
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/groups/%d/access_tokens", fakegitlab.DemoGroupPlatform))
	wantIDs(t, "group 11", rowIDs(t, body), fakegitlab.DemoPATPlatformBotOld)
	if r := byID(t, body, fakegitlab.DemoPATPlatformBotOld); r["access_level"] != float64(fakegitlab.Developer) || r["active"] != false {
		t.Fatalf("group token %v", r)
	}
	// The service account is a member of acme but not a token bot: acme lists none.
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/groups/%d/access_tokens", fakegitlab.DemoGroupAcme))
	if len(rows(t, body)) != 0 {
		t.Fatalf("acme tokens %v", body)
	}
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens?state=active", fakegitlab.DemoProjectAPI))
	wantIDs(t, "state=active", rowIDs(t, body), fakegitlab.DemoPATAPIBot)
	status, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoPATAPIBot))
	if status != 200 || byIDMap(body)["access_level"] != float64(fakegitlab.Maintainer) {
		t.Fatalf("single token %d %v", status, body)
	}
	status, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoPATAdminSync))
	wantMessage(t, status, body, 404, "404 project Access Token Not Found")
}

func TestResourceAccessTokensNeedMaintainerOrGroupOwner(t *testing.T) {
	// bob is a Developer of acme (so of project 50): 401 (next unauthorized!).
	s, u := credDemo(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoUserBob)
	status, _, body := credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens", fakegitlab.DemoProjectAPI))
	wantMessage(t, status, body, 401, "401 Unauthorized")
	// A Maintainer of the group is not enough for group access tokens: Owner only.
	s.Write(func(w *fakegitlab.World) {
		w.SetGroupMember(fakegitlab.DemoGroupPlatform, &fakegitlab.Member{UserID: fakegitlab.DemoUserBob, AccessLevel: fakegitlab.Maintainer})
	})
	status, _, body = credCall(t, "GET", u, fmt.Sprintf("/groups/%d/access_tokens", fakegitlab.DemoGroupPlatform))
	wantMessage(t, status, body, 401, "401 Unauthorized")
	// ...but it is for the projects below it.
	status, _, _ = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens", fakegitlab.DemoProjectAPI))
	if status != 200 {
		t.Fatalf("maintainer of the project's group: %d", status)
	}
	// A project the token user cannot see is 404.
	status, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens", fakegitlab.DemoProjectVaultKeys))
	wantMessage(t, status, body, 404, "404 Project Not Found")
}

// From GitLab 17.9 revoking keeps the bot user and its membership; the token is listed
// as revoked (inactive). doc/user/project/settings/project_access_tokens.md, "Revoke or rotate".
func TestProjectAccessTokenRevokeKeepsTheBotFrom17_9(t *testing.T) {
	w := fakegitlab.DemoWorld(fakegitlab.ModeSelfManaged)
	w.Version = fakegitlab.RetainBotAfterRevokeVersion
	s, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: testToken})
	status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/projects/%d/access_tokens/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoPATAPIBot))
	if status != 204 {
		t.Fatalf("revoke: %d %v", status, body)
	}
	s.Read(func(w *fakegitlab.World) {
		if w.Users[fakegitlab.DemoUserAPIBot] == nil || w.ProjectMembers[fakegitlab.DemoProjectAPI][fakegitlab.DemoUserAPIBot] == nil {
			t.Fatal("the bot user or its membership is gone")
		}
	})
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens", fakegitlab.DemoProjectAPI))
	found := false
	for _, r := range rows(t, body) {
		if int64(r["id"].(float64)) == fakegitlab.DemoPATAPIBot {
			found = r["revoked"] == true && r["active"] == false
		}
	}
	if !found {
		t.Fatalf("the revoked token should be listed as revoked: %v", body)
	}
}

func TestProjectAccessTokenRevokeDeletesTheBot(t *testing.T) {
	s, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/projects/%d/access_tokens/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoPATAPIBot))
	if status != 204 {
		t.Fatalf("revoke: %d %v", status, body)
	}
	// ResourceAccessTokens::RevokeService deletes the bot user: no member row, no tokens.
	s.Read(func(w *fakegitlab.World) {
		if w.Users[fakegitlab.DemoUserAPIBot] != nil || w.ProjectMembers[fakegitlab.DemoProjectAPI][fakegitlab.DemoUserAPIBot] != nil {
			t.Fatal("the bot user or its membership is still there")
		}
	})
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/access_tokens", fakegitlab.DemoProjectAPI))
	if len(rows(t, body)) != 0 {
		t.Fatalf("tokens after revoke %v", body)
	}
	status, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/members/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoUserAPIBot))
	if status != 404 {
		t.Fatalf("bot member after revoke: %d %v", status, body)
	}
}

func TestResourceAccessTokenRevokeRefusals(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoUserBob)
	status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/projects/%d/access_tokens/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoPATAPIBot))
	wantMessage(t, status, body, 400, "400 Bad request - Bob Brown cannot delete API Deploy Bot")
	status, _, body = credCall(t, "DELETE", u, fmt.Sprintf("/groups/%d/access_tokens/424242", fakegitlab.DemoGroupPlatform))
	wantMessage(t, status, body, 404, "404 group Access Token Not Found")
}

func TestDeployTokensInstanceListIsAdminOnly(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	_, _, body := credCall(t, "GET", u, "/deploy_tokens")
	wantIDs(t, "all deploy tokens", rowIDs(t, body), fakegitlab.DemoDeployTokenRegistry, fakegitlab.DemoDeployTokenMirror,
		fakegitlab.DemoDeployTokenPackages, fakegitlab.DemoDeployTokenRelease)
	_, _, body = credCall(t, "GET", u, "/deploy_tokens?active=true")
	wantIDs(t, "active", rowIDs(t, body), fakegitlab.DemoDeployTokenRegistry, fakegitlab.DemoDeployTokenRelease)
	r := byID(t, body, fakegitlab.DemoDeployTokenRegistry)
	if r["expires_at"] != nil || r["username"] != fmt.Sprintf("gitlab+deploy-token-%d", fakegitlab.DemoDeployTokenRegistry) || r["expired"] != false {
		t.Fatalf("registry token %v", r)
	}
	_, _, body = credCall(t, "GET", u, "/deploy_tokens")
	if r := byID(t, body, fakegitlab.DemoDeployTokenMirror); r["expired"] != true || r["expires_at"] != "2026-01-01T00:00:00.000Z" {
		t.Fatalf("expired deploy token %v", r)
	}
	if r := byID(t, body, fakegitlab.DemoDeployTokenPackages); r["revoked"] != true {
		t.Fatalf("revoked deploy token %v", r)
	}
	_, u = credDemo(t, fakegitlab.ModeGitLabCom, 0)
	status, _, body := credCall(t, "GET", u, "/deploy_tokens")
	wantMessage(t, status, body, 403, "403 Forbidden")
}

func TestDeployTokensNeedMaintainerAndGroupDeleteNeedsOwner(t *testing.T) {
	s, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	_, _, body := credCall(t, "GET", u, fmt.Sprintf("/projects/%d/deploy_tokens", fakegitlab.DemoProjectAPI))
	wantIDs(t, "project", rowIDs(t, body), fakegitlab.DemoDeployTokenRegistry, fakegitlab.DemoDeployTokenMirror)
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/groups/%d/deploy_tokens", fakegitlab.DemoGroupAcme))
	wantIDs(t, "group acme", rowIDs(t, body), fakegitlab.DemoDeployTokenRelease)

	_, ub := credDemo(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoUserBob) // Developer
	status, _, body := credCall(t, "GET", ub, fmt.Sprintf("/projects/%d/deploy_tokens", fakegitlab.DemoProjectAPI))
	wantMessage(t, status, body, 403, "403 Forbidden")

	// A Maintainer of a group lists its deploy tokens but may not delete one.
	s.Write(func(w *fakegitlab.World) {
		w.TokenUserID = fakegitlab.DemoUserCarol
		w.SetGroupMember(fakegitlab.DemoGroupPlatform, &fakegitlab.Member{UserID: fakegitlab.DemoUserCarol, AccessLevel: fakegitlab.Maintainer})
	})
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/groups/%d/deploy_tokens", fakegitlab.DemoGroupPlatform))
	wantIDs(t, "maintainer lists", rowIDs(t, body), fakegitlab.DemoDeployTokenPackages)
	status, _, body = credCall(t, "DELETE", u, fmt.Sprintf("/groups/%d/deploy_tokens/%d", fakegitlab.DemoGroupPlatform, fakegitlab.DemoDeployTokenPackages))
	wantMessage(t, status, body, 403, "403 Forbidden")
}

func TestDeployTokenDeleteRemovesIt(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	path := fmt.Sprintf("/projects/%d/deploy_tokens/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoDeployTokenRegistry)
	if status, _, body := credCall(t, "DELETE", u, path); status != 204 {
		t.Fatalf("delete: %d %v", status, body)
	}
	_, _, body := credCall(t, "GET", u, fmt.Sprintf("/projects/%d/deploy_tokens", fakegitlab.DemoProjectAPI))
	wantIDs(t, "after delete", rowIDs(t, body), fakegitlab.DemoDeployTokenMirror)
	status, _, body := credCall(t, "DELETE", u, path)
	wantMessage(t, status, body, 404, "404 Not found")
	// A token of another resource is not found through this one.
	status, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/deploy_tokens/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoDeployTokenRelease))
	wantMessage(t, status, body, 404, "404 Not found")
}

func TestDeployKeysInstanceListHasProjectsAndWriteAccess(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	_, _, body := credCall(t, "GET", u, "/deploy_keys")
	wantIDs(t, "deploy keys", rowIDs(t, body), fakegitlab.DemoDeployKeyCI, fakegitlab.DemoDeployKeyLegacy)
	ci := byID(t, body, fakegitlab.DemoDeployKeyCI)
	projIDs := func(v any) []int64 {
		var out []int64
		for _, p := range v.([]any) {
			out = append(out, int64(p.(map[string]any)["id"].(float64)))
		}
		return out
	}
	wantIDs(t, "write", projIDs(ci["projects_with_write_access"]), fakegitlab.DemoProjectAPI)
	wantIDs(t, "read-only", projIDs(ci["projects_with_readonly_access"]), fakegitlab.DemoProjectClusterConfig)
	if ci["fingerprint_sha256"] == "" || ci["expires_at"] != nil || !strings.HasPrefix(ci["key"].(string), "ssh-ed25519 ") {
		t.Fatalf("ci key %v", ci)
	}
	if r := byID(t, body, fakegitlab.DemoDeployKeyLegacy); r["expires_at"] != "2026-03-01T00:00:00.000Z" {
		t.Fatalf("legacy key %v", r)
	}
	_, u = credDemo(t, fakegitlab.ModeGitLabCom, 0)
	status, _, body := credCall(t, "GET", u, "/deploy_keys")
	wantMessage(t, status, body, 403, "403 Forbidden")
}

func TestProjectDeployKeysShowCanPushToMaintainers(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	_, _, body := credCall(t, "GET", u, fmt.Sprintf("/projects/%d/deploy_keys", fakegitlab.DemoProjectAPI))
	if r := byID(t, body, fakegitlab.DemoDeployKeyCI); r["can_push"] != true {
		t.Fatalf("api project key %v", r)
	}
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/projects/%d/deploy_keys", fakegitlab.DemoProjectClusterConfig))
	if r := byID(t, body, fakegitlab.DemoDeployKeyCI); r["can_push"] != false {
		t.Fatalf("cluster-config key %v", r)
	}
	status, _, body := credCall(t, "GET", u, fmt.Sprintf("/projects/%d/deploy_keys/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoDeployKeyLegacy))
	wantMessage(t, status, body, 404, "404 Not found")

	_, ub := credDemo(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoUserBob)
	status, _, body = credCall(t, "GET", ub, fmt.Sprintf("/projects/%d/deploy_keys", fakegitlab.DemoProjectAPI))
	wantMessage(t, status, body, 403, "403 Forbidden")
}

func TestProjectDeployKeyDeleteDestroysAnOrphanedKey(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	// ci-pusher is on two projects: removed from one, it stays on the other.
	if status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/projects/%d/deploy_keys/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoDeployKeyCI)); status != 204 {
		t.Fatalf("delete: %d %v", status, body)
	}
	// legacy-read is on one project only: removing it destroys the key.
	if status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/projects/%d/deploy_keys/%d", fakegitlab.DemoProjectCRM, fakegitlab.DemoDeployKeyLegacy)); status != 204 {
		t.Fatalf("delete: %d %v", status, body)
	}
	_, _, body := credCall(t, "GET", u, "/deploy_keys")
	wantIDs(t, "after deletes", rowIDs(t, body), fakegitlab.DemoDeployKeyCI)
	if got := byID(t, body, fakegitlab.DemoDeployKeyCI)["projects_with_write_access"].([]any); len(got) != 0 {
		t.Fatalf("write access left %v", got)
	}
	status, _, body := credCall(t, "DELETE", u, fmt.Sprintf("/projects/%d/deploy_keys/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoDeployKeyCI))
	wantMessage(t, status, body, 404, "404 Deploy key Not Found")
}

func TestSSHKeysListedByIDOrUsernameAndDeletedByAdminOrOwner(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0)
	_, _, body := credCall(t, "GET", u, fmt.Sprintf("/users/%d/keys", fakegitlab.DemoUserAlice))
	wantIDs(t, "alice by id", rowIDs(t, body), fakegitlab.DemoSSHKeyAlice)
	_, _, body = credCall(t, "GET", u, "/users/carol/keys")
	wantIDs(t, "carol by username", rowIDs(t, body), fakegitlab.DemoSSHKeyCarol)
	if r := byID(t, body, fakegitlab.DemoSSHKeyCarol); r["usage_type"] != "signing" || r["expires_at"] != "2026-11-11T12:00:00.000Z" {
		t.Fatalf("carol's key %v", r)
	}
	status, _, body := credCall(t, "GET", u, "/users/999999/keys")
	wantMessage(t, status, body, 404, "404 User Not Found")
	// Only administrators delete another user's key.
	status, _, body = credCall(t, "DELETE", u, fmt.Sprintf("/users/%d/keys/%d", fakegitlab.DemoUserAlice, fakegitlab.DemoSSHKeyAlice))
	wantMessage(t, status, body, 403, "403 Forbidden")

	_, ua := credDemo(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoUserAlice)
	_, _, body = credCall(t, "GET", ua, "/user/keys")
	wantIDs(t, "own keys", rowIDs(t, body), fakegitlab.DemoSSHKeyAlice)
	status, _, body = credCall(t, "DELETE", ua, fmt.Sprintf("/user/keys/%d", fakegitlab.DemoSSHKeyBobOld))
	wantMessage(t, status, body, 404, "404 Key Not Found")
	if status, _, body := credCall(t, "DELETE", ua, fmt.Sprintf("/user/keys/%d", fakegitlab.DemoSSHKeyAlice)); status != 204 {
		t.Fatalf("own delete: %d %v", status, body)
	}
	_, _, body = credCall(t, "GET", ua, "/user/keys")
	if len(rows(t, body)) != 0 {
		t.Fatalf("keys after delete %v", body)
	}

	_, us := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	if status, _, body := credCall(t, "DELETE", us, fmt.Sprintf("/users/%d/keys/%d", fakegitlab.DemoUserBob, fakegitlab.DemoSSHKeyBobOld)); status != 204 {
		t.Fatalf("admin delete: %d %v", status, body)
	}
	status, _, body = credCall(t, "DELETE", us, fmt.Sprintf("/users/%d/keys/%d", fakegitlab.DemoUserBob, fakegitlab.DemoSSHKeyBobOld))
	wantMessage(t, status, body, 404, "404 Key Not Found")
}

func TestServiceAccountsInstanceListIsAdminOnly(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	status, _, body := credCall(t, "GET", u, "/service_accounts")
	if status != 200 {
		t.Fatalf("status %d %v", status, body)
	}
	wantIDs(t, "service accounts", rowIDs(t, body), fakegitlab.DemoUserServiceAccount)
	if r := byID(t, body, fakegitlab.DemoUserServiceAccount); r["username"] != fakegitlab.DemoServiceAccountUsername(fakegitlab.ModeSelfManaged) {
		t.Fatalf("service account %v", r)
	}
	status, _, body = credCall(t, "GET", u, "/service_accounts?order_by=name")
	wantMessage(t, status, body, 400, "order_by does not have a valid value")
	// Its token is a personal access token an administrator lists.
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/personal_access_tokens?user_id=%d", fakegitlab.DemoUserServiceAccount))
	wantIDs(t, "service account's tokens", rowIDs(t, body), fakegitlab.DemoPATServiceAccount)

	_, u = credDemo(t, fakegitlab.ModeGitLabCom, 0)
	status, _, body = credCall(t, "GET", u, "/service_accounts")
	wantMessage(t, status, body, 403, "403 Forbidden")
}

func TestGroupServiceAccountsAreForTheGroupsOwnersOnGitLabCom(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeGitLabCom, 0) // acme-admin owns acme
	_, _, body := credCall(t, "GET", u, fmt.Sprintf("/groups/%d/service_accounts", fakegitlab.DemoGroupAcme))
	wantIDs(t, "acme", rowIDs(t, body), fakegitlab.DemoUserServiceAccount)
	_, _, body = credCall(t, "GET", u, fmt.Sprintf("/groups/%d/service_accounts", fakegitlab.DemoGroupGlobex))
	wantIDs(t, "globex", rowIDs(t, body))

	_, ub := credDemo(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoUserBob)
	status, _, body := credCall(t, "GET", ub, fmt.Sprintf("/groups/%d/service_accounts", fakegitlab.DemoGroupAcme))
	wantMessage(t, status, body, 403, "403 Forbidden")
}

func TestUsersListShowsEveryBotAsBot(t *testing.T) {
	_, u := credDemo(t, fakegitlab.ModeSelfManaged, 0)
	_, _, body := credCall(t, "GET", u, "/users?per_page=100&order_by=id&sort=asc&page=1")
	var bots []int64
	for _, r := range rows(t, body) {
		if r["bot"] == true {
			bots = append(bots, int64(r["id"].(float64)))
		}
	}
	slices.Sort(bots)
	wantIDs(t, "bots", bots, fakegitlab.DemoUserAPIBot, fakegitlab.DemoUserPlatformBot, fakegitlab.DemoUserServiceAccount)
}

func TestLargeWorldHasEveryKindOfCredential(t *testing.T) {
	spec := fakegitlab.LargeSpec{Users: 600, Groups: 40, Projects: 200, Seed: 7}
	w := fakegitlab.LargeWorld(spec, fakegitlab.ModeSelfManaged)
	again := fakegitlab.LargeWorld(spec, fakegitlab.ModeSelfManaged)
	if !reflect.DeepEqual(w.Creds, again.Creds) {
		t.Fatal("the large world's credentials are not deterministic")
	}
	bots, people := 0, 0
	for _, tok := range w.Creds.PATs {
		if w.Users[tok.UserID].Bot {
			bots++
		} else {
			people++
		}
	}
	// One bot per 50 projects (4), each with a token; people's tokens average 1.5 each.
	if bots < 4 || people < spec.Users || len(w.Creds.DeployKeys) < 5 || len(w.Creds.DeployTokens) < 7 || len(w.Creds.SSHKeys) < spec.Users/4 {
		t.Fatalf("bots' tokens %d, people's %d, deploy keys %d, deploy tokens %d, SSH keys %d",
			bots, people, len(w.Creds.DeployKeys), len(w.Creds.DeployTokens), len(w.Creds.SSHKeys))
	}
	// The admin's listing serves them all, page by page.
	_, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: testToken})
	_, h, _ := credCall(t, "GET", u, "/personal_access_tokens?per_page=100")
	if h.Get("X-Total") != fmt.Sprint(bots+people) {
		t.Fatalf("X-Total %s, want %d", h.Get("X-Total"), bots+people)
	}
}

func TestTokenBotsAndServiceAccountsAreMembersLikeAnyone(t *testing.T) {
	for _, mode := range []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged} {
		_, u := credDemo(t, mode, 0)
		for _, c := range []struct {
			path  string
			user  int64
			level fakegitlab.AccessLevel
		}{
			{fmt.Sprintf("/projects/%d/members/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoUserAPIBot), fakegitlab.DemoUserAPIBot, fakegitlab.Maintainer},
			{fmt.Sprintf("/groups/%d/members/%d", fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPlatformBot), fakegitlab.DemoUserPlatformBot, fakegitlab.Developer},
			{fmt.Sprintf("/groups/%d/members/%d", fakegitlab.DemoGroupAcme, fakegitlab.DemoUserServiceAccount), fakegitlab.DemoUserServiceAccount, fakegitlab.Reporter},
			// Inherited like anyone's: the platform bot is a Developer of the projects below.
			{fmt.Sprintf("/projects/%d/members/all/%d", fakegitlab.DemoProjectAPI, fakegitlab.DemoUserPlatformBot), fakegitlab.DemoUserPlatformBot, fakegitlab.Developer},
		} {
			status, _, body := credCall(t, "GET", u, c.path)
			m := byIDMap(body)
			if status != 200 || m["access_level"] != float64(c.level) || m["id"] != float64(c.user) {
				t.Fatalf("%s %s: %d %v", mode, c.path, status, body)
			}
		}
	}
}

func TestRevokingNeedsTheAPIScope(t *testing.T) {
	w := fakegitlab.DemoWorld(fakegitlab.ModeSelfManaged)
	_, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: testToken, TokenScopes: []string{"read_api"}})
	if status, _, _ := credCall(t, "GET", u, "/personal_access_tokens"); status != 200 {
		t.Fatalf("read_api listing: %d", status)
	}
	status, _, _ := credCall(t, "DELETE", u, fmt.Sprintf("/personal_access_tokens/%d", fakegitlab.DemoPATBobExpired))
	if status != http.StatusForbidden {
		t.Fatalf("read_api revoke: %d, want 403 insufficient_scope", status)
	}
}
