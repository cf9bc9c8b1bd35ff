package fakegitlab_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// The group credentials inventory API (credentials_manage.go), through HTTP, one test per
// rule. The gitlab.com demo world: acme (10) is owned by the token's user (acme-admin) and
// alice; alice and bob are acme's enterprise users; the service account (141) was
// provisioned by acme; the token bots are project_50_bot_1 (project acme/platform/api) and
// the group bot of acme/platform (11).

// manageWorld is the gitlab.com demo world on a GitLab that has the API.
func manageWorld() *fakegitlab.World {
	w := fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom)
	w.Version = fakegitlab.ManageAPIVersion
	return w
}

func manageServe(t *testing.T, w *fakegitlab.World, asUser int64) (*fakegitlab.Server, string) {
	t.Helper()
	if asUser != 0 {
		w.TokenUserID = asUser
	}
	return fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeGitLabCom, Token: testToken})
}

func managePath(group int64, rest string) string {
	return fmt.Sprintf("/groups/%d/manage/%s", group, rest)
}

func manageGetOK(t *testing.T, base, path string) any {
	t.Helper()
	status, _, body := credCall(t, "GET", base, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, status, body)
	}
	return body
}

func wantManageStatus(t *testing.T, what string, got, want int, body any) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d %v, want %d", what, got, body, want)
	}
}

var manageRoutes = []struct{ method, rest string }{
	{"GET", "personal_access_tokens"},
	{"DELETE", fmt.Sprintf("personal_access_tokens/%d", fakegitlab.DemoPATAliceExpiring)},
	{"GET", "resource_access_tokens"},
	{"DELETE", fmt.Sprintf("resource_access_tokens/%d", fakegitlab.DemoPATAPIBot)},
	{"GET", "ssh_keys"},
	{"DELETE", fmt.Sprintf("ssh_keys/%d", fakegitlab.DemoSSHKeyAlice)},
}

// not_found! unless ::Gitlab::Saas.feature_available?(:group_credentials_inventory).
func TestManageRoutesAreGitLabComOnly(t *testing.T) {
	w := fakegitlab.DemoWorld(fakegitlab.ModeSelfManaged)
	w.Version = fakegitlab.ManageAPIVersion
	_, u := fakegitlab.StartForTest(t, w, fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: testToken})
	for _, r := range manageRoutes {
		status, _, body := credCall(t, r.method, u, managePath(fakegitlab.DemoGroupAcme, r.rest))
		wantMessage(t, status, body, 404, "404 Not Found")
	}
}

// GA in 18.7 (before: manage_pat_by_group_owners_ready, off by default): a world that
// reports 17.8.0-ee (the default) has no such routes.
func TestManageRoutesNeedGitLab18_7(t *testing.T) {
	_, u := manageServe(t, fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom), 0)
	for _, r := range manageRoutes {
		status, _, body := credCall(t, r.method, u, managePath(fakegitlab.DemoGroupAcme, r.rest))
		wantMessage(t, status, body, 404, "404 Not Found")
	}
	w := fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom)
	w.Version = "18.6.3-ee"
	_, u = manageServe(t, w, 0)
	status, _, body := credCall(t, "GET", u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens"))
	wantMessage(t, status, body, 404, "404 Not Found")
	w = fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom)
	w.Version = "18.10.0-ee"
	_, u = manageServe(t, w, 0)
	manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens"))
}

// user_group is find_group!: an unknown group (or one the caller cannot see) is 404.
func TestManageUnknownGroupIs404(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	for _, r := range manageRoutes {
		status, _, body := credCall(t, r.method, u, managePath(999999, r.rest))
		wantMessage(t, status, body, 404, "404 Group Not Found")
	}
	// The group's full path works as its id.
	manageGetOK(t, u, "/groups/acme/manage/personal_access_tokens")
}

// authorize! :admin_group, user_group: a Developer (bob) or a Maintainer is refused 403,
// and nothing is revoked.
func TestManageRequiresOwner(t *testing.T) {
	for _, who := range []int64{fakegitlab.DemoUserBob, fakegitlab.DemoUserCarol} {
		w := manageWorld()
		// carol: Maintainer of acme (she is Maintainer of acme/platform/infra only in the demo).
		w.SetGroupMember(fakegitlab.DemoGroupAcme, &fakegitlab.Member{UserID: fakegitlab.DemoUserCarol, AccessLevel: fakegitlab.Maintainer, CreatedAt: fakegitlab.DemoNow})
		s, u := manageServe(t, w, who)
		for _, r := range manageRoutes {
			status, _, body := credCall(t, r.method, u, managePath(fakegitlab.DemoGroupAcme, r.rest))
			wantMessage(t, status, body, 403, "403 Forbidden")
		}
		s.Read(func(w *fakegitlab.World) {
			if w.Creds.PATs[fakegitlab.DemoPATAliceExpiring].Revoked || w.Creds.PATs[fakegitlab.DemoPATAPIBot].Revoked || w.Creds.SSHKeys[fakegitlab.DemoSSHKeyAlice] == nil {
				t.Fatalf("user %d changed credentials without admin_group", who)
			}
		})
	}
}

// The Owner check is admin_group (inherited Owners too), with no top-level check; but
// enterprise users and service accounts belong to the top-level group and a bot's
// resource has it as root_ancestor, so an Owner of a subgroup sees nothing there and
// revokes nothing through it.
func TestManageSubgroupOwnerSeesNoCredentials(t *testing.T) {
	w := manageWorld()
	w.SetGroupMember(fakegitlab.DemoGroupPlatform, &fakegitlab.Member{UserID: fakegitlab.DemoUserDave, AccessLevel: fakegitlab.Owner, CreatedAt: fakegitlab.DemoNow})
	_, u := manageServe(t, w, fakegitlab.DemoUserDave)
	for _, rest := range []string{"personal_access_tokens", "resource_access_tokens", "ssh_keys"} {
		body := manageGetOK(t, u, managePath(fakegitlab.DemoGroupPlatform, rest))
		wantIDs(t, "subgroup "+rest, rowIDs(t, body))
	}
	status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupPlatform, fmt.Sprintf("personal_access_tokens/%d", fakegitlab.DemoPATAliceExpiring)))
	wantMessage(t, status, body, 403, "403 Forbidden")
	// The platform group's own bot: its resource's root_ancestor is acme, not platform.
	status, _, body = credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupPlatform, fmt.Sprintf("resource_access_tokens/%d", fakegitlab.DemoPATPlatformBotOld)))
	wantMessage(t, status, body, 403, "403 Forbidden - Cannot access resource access token: Token belongs to a resource outside group's hierarchy")
	status, _, body = credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupPlatform, fmt.Sprintf("ssh_keys/%d", fakegitlab.DemoSSHKeyAlice)))
	wantMessage(t, status, body, 404, "404 Key Not Found")

	// An inherited Owner (acme's) passes admin_group on the subgroup, and sees the same nothing.
	_, u = manageServe(t, manageWorld(), 0)
	body = manageGetOK(t, u, managePath(fakegitlab.DemoGroupPlatform, "personal_access_tokens"))
	wantIDs(t, "inherited owner on the subgroup", rowIDs(t, body))
}

// users = enterprise_users.or(service_accounts): alice's and bob's tokens and the acme
// service account's; not the Owner's own (not an enterprise user), not carol's, not the
// token bots'. Default order created_asc.
func TestManagePersonalAccessTokensOnlyEnterpriseUsersAndServiceAccounts(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	body := manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens"))
	// created 500, 340, 300 and 90 days before DemoNow.
	wantIDs(t, "acme PATs", rowIDs(t, body),
		fakegitlab.DemoPATBobExpired, fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATServiceAccount, fakegitlab.DemoPATBobRevoked)
	r := byID(t, body, fakegitlab.DemoPATBobRevoked)
	if r["revoked"] != true || r["active"] != false || int64(r["user_id"].(float64)) != fakegitlab.DemoUserBob || r["expires_at"] != "2027-01-01" {
		t.Fatalf("Entities::PersonalAccessToken: %v", r)
	}
	if _, ok := r["token"]; ok {
		t.Fatalf("a listing shows a token value: %v", r)
	}
}

// impersonation: false: an enterprise user's impersonation token is not listed.
func TestManagePersonalAccessTokensExcludeImpersonationTokens(t *testing.T) {
	w := manageWorld()
	imp := w.AddPAT(&fakegitlab.PersonalAccessToken{UserID: fakegitlab.DemoUserAlice, Name: "impersonation", Scopes: []string{"api"},
		CreatedAt: fakegitlab.DemoNow, Impersonation: true})
	_, u := manageServe(t, w, 0)
	body := manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens?per_page=100"))
	for _, id := range rowIDs(t, body) {
		if id == imp.ID {
			t.Fatalf("impersonation token %d listed", id)
		}
	}
}

// Another top-level group's enterprise users and service accounts are not acme's.
func TestManagePersonalAccessTokensOtherGroupsEnterpriseUsersExcluded(t *testing.T) {
	w := manageWorld()
	w.Users[fakegitlab.DemoUserBob].EnterpriseGroupID = fakegitlab.DemoGroupGlobex
	_, u := manageServe(t, w, 0)
	body := manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens"))
	wantIDs(t, "acme without bob", rowIDs(t, body), fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATServiceAccount)
	body = manageGetOK(t, u, managePath(fakegitlab.DemoGroupGlobex, "personal_access_tokens"))
	wantIDs(t, "globex: bob", rowIDs(t, body), fakegitlab.DemoPATBobExpired, fakegitlab.DemoPATBobRevoked)
}

// access_token_params: state, revoked, search, created_*, last_used_*, expires_*, as
// PersonalAccessTokensFinder applies them; a bad value is Grape's 400.
func TestManagePersonalAccessTokensFilters(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	list := func(q string) []int64 {
		return rowIDs(t, manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens?"+q)))
	}
	wantIDs(t, "state=active", list("state=active"), fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATServiceAccount)
	wantIDs(t, "state=inactive", list("state=inactive"), fakegitlab.DemoPATBobExpired, fakegitlab.DemoPATBobRevoked)
	wantIDs(t, "revoked=true", list("revoked=true"), fakegitlab.DemoPATBobRevoked)
	wantIDs(t, "search", list("search=LEAK"), fakegitlab.DemoPATBobRevoked)
	wantIDs(t, "expires_before", list("expires_before=2026-12-01"), fakegitlab.DemoPATBobExpired, fakegitlab.DemoPATAliceExpiring)
	wantIDs(t, "last_used_after", list("last_used_after=2026-10-01T00:00:00Z"), fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATServiceAccount)
	wantIDs(t, "created_after", list("created_after=2026-01-01"), fakegitlab.DemoPATServiceAccount, fakegitlab.DemoPATBobRevoked)
	status, _, body := credCall(t, "GET", u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens?state=gone"))
	wantMessage(t, status, body, 400, "state does not have a valid value")
	status, _, body = credCall(t, "GET", u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens?created_before=yesterday"))
	wantMessage(t, status, body, 400, "created_before is invalid")
}

// sort_order is params[:sort] || 'created_asc'; the documented sorts apply.
func TestManagePersonalAccessTokensSort(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	list := func(q string) []int64 {
		return rowIDs(t, manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens?"+q)))
	}
	wantIDs(t, "created_desc", list("sort=created_desc"),
		fakegitlab.DemoPATBobRevoked, fakegitlab.DemoPATServiceAccount, fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATBobExpired)
	// backup, ci-deploy, leaked-token, old-laptop
	wantIDs(t, "name_asc", list("sort=name_asc"),
		fakegitlab.DemoPATServiceAccount, fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATBobRevoked, fakegitlab.DemoPATBobExpired)
}

// Offset pagination with GitLab's headers.
func TestManagePersonalAccessTokensPaginated(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	status, h, body := credCall(t, "GET", u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens?per_page=3&page=2"))
	wantManageStatus(t, "page 2", status, 200, body)
	wantIDs(t, "page 2", rowIDs(t, body), fakegitlab.DemoPATBobRevoked)
	if h.Get("X-Total") != "4" || h.Get("X-Page") != "2" || h.Get("X-Per-Page") != "3" {
		t.Fatalf("pagination headers %v", h)
	}
}

// revoke_token(token, group:): an enterprise user's token is revoked (204) and shows
// revoked in GET /personal_access_tokens (the owner's own listing) and in the inventory.
func TestManageRevokePersonalAccessTokenShowsRevoked(t *testing.T) {
	s, u := manageServe(t, manageWorld(), 0)
	status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("personal_access_tokens/%d", fakegitlab.DemoPATAliceExpiring)))
	wantManageStatus(t, "revoke", status, 204, body)
	r := byID(t, manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens")), fakegitlab.DemoPATAliceExpiring)
	if r["revoked"] != true || r["active"] != false {
		t.Fatalf("inventory after revoke: %v", r)
	}
	s.Write(func(w *fakegitlab.World) { w.TokenUserID = fakegitlab.DemoUserAlice })
	r = byID(t, manageGetOK(t, u, "/personal_access_tokens"), fakegitlab.DemoPATAliceExpiring)
	if r["revoked"] != true || r["active"] != false {
		t.Fatalf("GET /personal_access_tokens after revoke: %v", r)
	}
}

// managed_service_account_revocation_allowed?: the group's service account's token too.
func TestManageRevokeServiceAccountPersonalAccessToken(t *testing.T) {
	s, u := manageServe(t, manageWorld(), 0)
	status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("personal_access_tokens/%d", fakegitlab.DemoPATServiceAccount)))
	wantManageStatus(t, "revoke", status, 204, body)
	s.Read(func(w *fakegitlab.World) {
		if !w.Creds.PATs[fakegitlab.DemoPATServiceAccount].Revoked {
			t.Fatal("service account token not revoked")
		}
	})
}

// forbidden! unless users.include? token.user: the Owner's own token, a non-enterprise
// member's, a token bot's: 403, not revoked.
func TestManageRevokePersonalAccessTokenOfOtherUsersIs403(t *testing.T) {
	s, u := manageServe(t, manageWorld(), 0)
	for _, id := range []int64{fakegitlab.DemoPATAdminSync, fakegitlab.DemoPATCarolNoExpiry, fakegitlab.DemoPATAPIBot} {
		status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("personal_access_tokens/%d", id)))
		wantMessage(t, status, body, 403, "403 Forbidden")
	}
	s.Read(func(w *fakegitlab.World) {
		for _, id := range []int64{fakegitlab.DemoPATAdminSync, fakegitlab.DemoPATCarolNoExpiry, fakegitlab.DemoPATAPIBot} {
			if w.Creds.PATs[id].Revoked {
				t.Fatalf("token %d revoked", id)
			}
		}
	})
}

// find_token: PersonalAccessToken.find, 404 "404 Not found"; requires :pat_id, type: Integer.
func TestManageRevokeUnknownPersonalAccessTokenIs404(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens/999999"))
	wantMessage(t, status, body, 404, "404 Not found")
	status, _, body = credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, "personal_access_tokens/self"))
	wantMessage(t, status, body, 400, "pat_id is invalid")
	status, _, body = credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, "resource_access_tokens/999999"))
	wantMessage(t, status, body, 404, "404 Not found")
	status, _, body = credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, "resource_access_tokens/x"))
	wantMessage(t, status, body, 400, "prat_id is invalid")
}

// user_types: [:project_bot] in the group's hierarchy: the group bot's and the project
// bot's tokens (revoked and expired included), with access_level, resource_type and
// resource_id; not the service account's, not people's.
func TestManageResourceAccessTokensOfHierarchy(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	body := manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "resource_access_tokens"))
	// created 400, 200 and 30 days before DemoNow.
	wantIDs(t, "acme resource tokens", rowIDs(t, body), fakegitlab.DemoPATPlatformBotOld, fakegitlab.DemoPATAPIBotRotated, fakegitlab.DemoPATAPIBot)
	g := byID(t, body, fakegitlab.DemoPATPlatformBotOld)
	if g["resource_type"] != "group" || int64(g["resource_id"].(float64)) != fakegitlab.DemoGroupPlatform || g["access_level"] != float64(30) {
		t.Fatalf("group token: %v", g)
	}
	p := byID(t, body, fakegitlab.DemoPATAPIBot)
	if p["resource_type"] != "project" || int64(p["resource_id"].(float64)) != fakegitlab.DemoProjectAPI || p["access_level"] != float64(40) || p["active"] != true {
		t.Fatalf("project token: %v", p)
	}
	wantIDs(t, "state=active", rowIDs(t, manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "resource_access_tokens?state=active"))), fakegitlab.DemoPATAPIBot)
}

// A bot of another top-level group is outside acme's hierarchy: not listed, and its
// token cannot be revoked through acme (403).
func TestManageResourceAccessTokensOutsideHierarchyExcluded(t *testing.T) {
	w := manageWorld()
	bot := w.AddUser(&fakegitlab.User{Username: "group_30_bot_0a1b2c3d4e5f6a7b", Name: "Globex CI", Bot: true, CreatedAt: fakegitlab.DemoNow})
	w.SetGroupMember(fakegitlab.DemoGroupGlobex, &fakegitlab.Member{UserID: bot.ID, AccessLevel: fakegitlab.Developer, CreatedAt: fakegitlab.DemoNow})
	tok := w.AddPAT(&fakegitlab.PersonalAccessToken{UserID: bot.ID, Name: "globex-ci", Scopes: []string{"api"}, CreatedAt: fakegitlab.DemoNow})
	s, u := manageServe(t, w, 0)
	wantIDs(t, "acme", rowIDs(t, manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "resource_access_tokens"))),
		fakegitlab.DemoPATPlatformBotOld, fakegitlab.DemoPATAPIBotRotated, fakegitlab.DemoPATAPIBot)
	wantIDs(t, "globex", rowIDs(t, manageGetOK(t, u, managePath(fakegitlab.DemoGroupGlobex, "resource_access_tokens"))), tok.ID)
	status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("resource_access_tokens/%d", tok.ID)))
	wantMessage(t, status, body, 403, "403 Forbidden - Cannot access resource access token: Token belongs to a resource outside group's hierarchy")
	s.Read(func(w *fakegitlab.World) {
		if w.Creds.PATs[tok.ID].Revoked {
			t.Fatal("revoked through another group")
		}
	})
}

// validate_bot_tokens: a person's or a service account's token is not a resource token.
func TestManageRevokeResourceAccessTokenOfNonBotIs403(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	for _, id := range []int64{fakegitlab.DemoPATAliceExpiring, fakegitlab.DemoPATServiceAccount} {
		status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("resource_access_tokens/%d", id)))
		wantMessage(t, status, body, 403, "403 Forbidden - Cannot revoke resource access token: Token does not belong to bot user")
	}
}

// A resource access token revoked through the inventory: from GitLab 17.9 (and so on the
// 18.7 worlds the inventory needs) ResourceAccessTokens::RevokeService keeps the bot
// user and its membership, and the token shows as revoked.
func TestManageRevokeResourceAccessTokenKeepsBotAndShowsRevoked(t *testing.T) {
	s, u := manageServe(t, manageWorld(), 0)
	status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("resource_access_tokens/%d", fakegitlab.DemoPATAPIBot)))
	wantManageStatus(t, "revoke", status, 204, body)
	s.Read(func(w *fakegitlab.World) {
		if w.Users[fakegitlab.DemoUserAPIBot] == nil || w.ProjectMembers[fakegitlab.DemoProjectAPI][fakegitlab.DemoUserAPIBot] == nil {
			t.Fatal("the bot user or its membership was deleted: GitLab 17.9+ keeps them")
		}
		if !w.Creds.PATs[fakegitlab.DemoPATAPIBot].Revoked {
			t.Fatal("the token is not revoked")
		}
	})
	inv := manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "resource_access_tokens"))
	if r := byID(t, inv, fakegitlab.DemoPATAPIBot); r["revoked"] != true || r["active"] != false {
		t.Fatalf("the revoked token in the inventory: %v", r)
	}
}

// users' SSH keys (KeysFinder users:, key_type 'ssh'): alice's, bob's and the acme
// service account's, by id, as Entities::SshKeyWithUserId (user_id and last_used_at, no
// key); not carol's.
func TestManageSSHKeysOnlyEnterpriseUsersAndServiceAccounts(t *testing.T) {
	w := manageWorld()
	saKey := w.AddSSHKey(&fakegitlab.SSHKey{UserID: fakegitlab.DemoUserServiceAccount, Title: "backup", CreatedAt: fakegitlab.DemoNow,
		Key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIManageBackupKey backup"})
	_, u := manageServe(t, w, 0)
	body := manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "ssh_keys"))
	wantIDs(t, "acme keys", rowIDs(t, body), fakegitlab.DemoSSHKeyAlice, fakegitlab.DemoSSHKeyBobOld, saKey.ID)
	r := byID(t, body, fakegitlab.DemoSSHKeyBobOld)
	if int64(r["user_id"].(float64)) != fakegitlab.DemoUserBob || r["usage_type"] != "auth" || r["title"] != "bob-old-desktop" {
		t.Fatalf("Entities::SshKeyWithUserId: %v", r)
	}
	if _, ok := r["key"]; ok {
		t.Fatalf("SshKeyWithUserId has no key: %v", r)
	}
	if v, ok := r["last_used_at"]; !ok || v != nil {
		t.Fatalf("last_used_at: %v", r)
	}
}

// created_before/after, expires_before/after: inclusive; a key without expiry matches no
// expires_* filter; a bad date is 400.
func TestManageSSHKeysFilters(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	list := func(q string) []int64 {
		return rowIDs(t, manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "ssh_keys?"+q)))
	}
	aliceCreated := fakegitlab.DemoNow.Add(-365 * 24 * time.Hour).Format(time.RFC3339)
	wantIDs(t, "created_after (inclusive)", list("created_after="+aliceCreated), fakegitlab.DemoSSHKeyAlice)
	wantIDs(t, "created_before (inclusive)", list("created_before="+aliceCreated), fakegitlab.DemoSSHKeyAlice, fakegitlab.DemoSSHKeyBobOld)
	wantIDs(t, "expires_before", list("expires_before=2026-05-01"), fakegitlab.DemoSSHKeyBobOld)
	wantIDs(t, "expires_after", list("expires_after=2026-05-02"))
	status, _, body := credCall(t, "GET", u, managePath(fakegitlab.DemoGroupAcme, "ssh_keys?expires_after=soon"))
	wantMessage(t, status, body, 400, "expires_after is invalid")
}

// Keys::DestroyService: the key is gone from the user's keys and from the inventory.
func TestManageDeleteSSHKeyIsGone(t *testing.T) {
	_, u := manageServe(t, manageWorld(), 0)
	status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("ssh_keys/%d", fakegitlab.DemoSSHKeyAlice)))
	wantManageStatus(t, "delete", status, 204, body)
	wantIDs(t, "alice's keys", rowIDs(t, manageGetOK(t, u, fmt.Sprintf("/users/%d/keys", fakegitlab.DemoUserAlice))))
	wantIDs(t, "inventory", rowIDs(t, manageGetOK(t, u, managePath(fakegitlab.DemoGroupAcme, "ssh_keys"))), fakegitlab.DemoSSHKeyBobOld)
	status, _, body = credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("ssh_keys/%d", fakegitlab.DemoSSHKeyAlice)))
	wantMessage(t, status, body, 404, "404 Key Not Found")
}

// KeysFinder(users: ...).find_by_id: a key of someone who is not the group's enterprise
// user is "404 Key Not Found", and stays; requires :key_id, type: Integer.
func TestManageDeleteSSHKeyOfOtherUserIs404(t *testing.T) {
	s, u := manageServe(t, manageWorld(), 0)
	status, _, body := credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, fmt.Sprintf("ssh_keys/%d", fakegitlab.DemoSSHKeyCarol)))
	wantMessage(t, status, body, 404, "404 Key Not Found")
	s.Read(func(w *fakegitlab.World) {
		if w.Creds.SSHKeys[fakegitlab.DemoSSHKeyCarol] == nil {
			t.Fatal("carol's key deleted")
		}
	})
	status, _, body = credCall(t, "DELETE", u, managePath(fakegitlab.DemoGroupAcme, "ssh_keys/abc"))
	wantMessage(t, status, body, 400, "key_id is invalid")
}
