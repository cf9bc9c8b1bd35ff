package connector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// GitLab.com's top-level group credentials inventory (Ultimate; GitLab 17.8 / 17.10):
// GET /groups/:id/manage/personal_access_tokens, /manage/resource_access_tokens,
// /manage/ssh_keys and DELETE /groups/:id/manage/personal_access_tokens/:id. The fake
// GitLab does not serve them (yet), so this test puts a handler in front of it that
// answers them for acme (10) from the fake's world, in GitLab's documented shapes
// (ee/spec/requests/api/manage/groups_spec.rb; doc/api/groups.md "Credentials inventory
// management": Entities::PersonalAccessToken, plus resource_type and resource_id for
// resource access tokens, user_id for SSH keys). alice is acme's enterprise user. It
// also serves GET /groups/:id/service_accounts/:user_id/personal_access_tokens (doc/api/
// group_service_accounts.md), which the fake lacks too.

type inventoryFront struct {
	srv     *fg.Server
	mu      sync.Mutex
	deletes []string
}

func (h *inventoryFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	acme := fmt.Sprintf("/api/v4/groups/%d/manage/", fg.DemoGroupAcme)
	saTokens := fmt.Sprintf("/api/v4/groups/%d/service_accounts/%d/personal_access_tokens", fg.DemoGroupAcme, fg.DemoUserServiceAccount)
	if r.URL.Path == saTokens {
		r.URL.Path = acme + "service_account_tokens"
	}
	if !strings.HasPrefix(r.URL.Path, acme) {
		h.srv.ServeHTTP(w, r)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, acme)
	if r.Method == http.MethodDelete {
		h.mu.Lock()
		h.deletes = append(h.deletes, rest)
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.URL.Query().Get("per_page") != "100" {
		http.Error(w, `{"message":"per_page must be 100 in this test"}`, http.StatusBadRequest)
		return
	}
	var out []map[string]any
	h.srv.Read(func(world *fg.World) {
		pat := func(t *fg.PersonalAccessToken) map[string]any {
			m := map[string]any{
				"id": t.ID, "name": t.Name, "revoked": t.Revoked, "created_at": t.CreatedAt.Format(time.RFC3339),
				"description": t.Description, "scopes": t.Scopes, "user_id": t.UserID,
				"active": !t.Revoked && (t.ExpiresAt == "" || t.ExpiresAt > fg.DemoNow.Format(time.DateOnly)), "expires_at": nil, "last_used_at": nil,
			}
			if t.ExpiresAt != "" {
				m["expires_at"] = t.ExpiresAt
			}
			if t.LastUsedAt != nil {
				m["last_used_at"] = t.LastUsedAt.Format(time.RFC3339)
			}
			return m
		}
		switch rest {
		case "service_account_tokens": // GET /groups/:id/service_accounts/:user_id/personal_access_tokens
			out = append(out, pat(world.Creds.PATs[fg.DemoPATServiceAccount]))
		case "personal_access_tokens":
			out = append(out, pat(world.Creds.PATs[fg.DemoPATAliceExpiring]))
		case "resource_access_tokens":
			t := pat(world.Creds.PATs[fg.DemoPATAPIBot])
			t["resource_type"], t["resource_id"], t["access_level"] = "project", fg.DemoProjectAPI, 40
			g := pat(world.Creds.PATs[fg.DemoPATPlatformBotOld])
			g["resource_type"], g["resource_id"], g["access_level"] = "group", fg.DemoGroupPlatform, 30
			out = append(out, t, g)
		case "ssh_keys":
			k := world.Creds.SSHKeys[fg.DemoSSHKeyAlice]
			out = append(out, map[string]any{
				"id": k.ID, "title": k.Title, "created_at": k.CreatedAt.Format(time.RFC3339), "expires_at": nil,
				"last_used_at": nil, "usage_type": k.UsageType, "user_id": k.UserID,
			})
		}
	})
	if out == nil {
		http.Error(w, `{"message":"404 Not found"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func TestCredentialsGitLabComInventory(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeGitLabCom)
	srv := fg.New(world, fg.Options{Mode: fg.ModeGitLabCom, Token: batontest.FakeToken})
	front := &inventoryFront{srv: srv}
	var reqMu sync.Mutex
	var reqs []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqMu.Lock()
		reqs = append(reqs, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/api/v4"))
		reqMu.Unlock()
		front.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := connector.New(context.Background(), connector.Settings{
		BaseURL: ts.URL, Deployment: gitlabapi.GitLabCom, Retry: batontest.FastRetry,
	}, batontest.FakeToken)
	if err != nil {
		t.Fatal(err)
	}
	c.SetClock(func() time.Time { return fg.DemoNow })
	c1z := batontest.Sync(t, context.Background(), c)

	// alice's token comes from acme's inventory, with acme as the group to revoke it through.
	pat := c1z.Resource("personal_access_token", id(fg.DemoPATAliceExpiring))
	if pat == nil {
		t.Fatal("alice's token (an enterprise user's, from acme's credentials inventory) is not synced")
	}
	p := profileOf(pat)
	if p["owner"] != "@alice" || p["state"] != "active" || p["source"] != "GET /groups/:id/manage/personal_access_tokens" ||
		p["inventory_group_id"] != float64(fg.DemoGroupAcme) {
		t.Errorf("alice's token: %v", p)
	}
	if st := secretTrait(t, pat); st.GetIdentityId().GetResource() != id(fg.DemoUserAlice) ||
		st.GetExpiresAt().AsTime().Format(time.DateOnly) != "2026-11-21" {
		t.Errorf("alice's token's trait: %v", st)
	}
	// The access tokens of acme's hierarchy come from its one listing: no per-project one.
	for _, w := range []struct{ typ, id, owner, role string }{
		{"project_access_token", fmt.Sprintf("%d:%d", fg.DemoProjectAPI, fg.DemoPATAPIBot), "acme/platform/api", "maintainer"},
		{"group_access_token", fmt.Sprintf("%d:%d", fg.DemoGroupPlatform, fg.DemoPATPlatformBotOld), "acme/platform", "developer"},
	} {
		r := c1z.Resource(w.typ, w.id)
		if r == nil {
			t.Errorf("%s %s not synced", w.typ, w.id)
			continue
		}
		if p := profileOf(r); p["owner"] != w.owner || p["role"] != w.role || p["source"] != "GET /groups/:id/manage/resource_access_tokens" {
			t.Errorf("%s %s: %v", w.typ, w.id, p)
		}
	}
	if r := c1z.Resource("group_access_token", fmt.Sprintf("%d:%d", fg.DemoGroupPlatform, fg.DemoPATPlatformBotOld)); r != nil &&
		r.GetStatus().GetStatus() != v2.Status_RESOURCE_STATUS_DISABLED {
		t.Error("the expired group access token is not disabled")
	}
	// The group service account's token, from GET /groups/:id/service_accounts/:id/personal_access_tokens.
	if sa := c1z.Resource("personal_access_token", id(fg.DemoPATServiceAccount)); sa == nil ||
		profileOf(sa)["owner"] != "@"+fg.DemoServiceAccountUsername(fg.ModeGitLabCom) ||
		profileOf(sa)["source"] != "GET /groups/:id/service_accounts/:user_id/personal_access_tokens" ||
		secretTrait(t, sa).GetIdentityId().GetResource() != id(fg.DemoUserServiceAccount) {
		t.Errorf("the service account's token: %v", sa)
	}
	if k := c1z.Resource("ssh_key", fmt.Sprintf("%d:%d", fg.DemoUserAlice, fg.DemoSSHKeyAlice)); k == nil || profileOf(k)["owner"] != "@alice" {
		t.Errorf("alice's SSH key from acme's inventory: %v", k)
	}
	reqMu.Lock()
	for _, r := range reqs {
		if r == fmt.Sprintf("GET /projects/%d/access_tokens", fg.DemoProjectAPI) || r == fmt.Sprintf("GET /groups/%d/access_tokens", fg.DemoGroupPlatform) {
			t.Errorf("%s: acme's hierarchy listing already gave its access tokens", r)
		}
	}
	reqMu.Unlock()

	// Revoking alice's token: GitLab refuses the group Owner at DELETE
	// /personal_access_tokens/:id (400), acme's credentials inventory revokes it.
	srvB := builderOf(t, c)
	if err := revokeCredential(t, srvB, "personal_access_token", id(fg.DemoPATAliceExpiring)); err != nil {
		t.Fatalf("revoking alice's token through acme's inventory: %v", err)
	}
	front.mu.Lock()
	defer front.mu.Unlock()
	if want := fmt.Sprintf("personal_access_tokens/%d", fg.DemoPATAliceExpiring); len(front.deletes) != 1 || front.deletes[0] != want {
		t.Errorf("inventory deletes %v, want [%s]", front.deletes, want)
	}
}
