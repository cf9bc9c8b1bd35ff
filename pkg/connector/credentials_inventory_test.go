package connector_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// GitLab.com's top-level group credentials inventory (Ultimate; generally available in
// GitLab 18.7): GET /groups/:id/manage/personal_access_tokens (enterprise users' and the
// group's service accounts' tokens), /manage/resource_access_tokens, /manage/ssh_keys,
// and the revocations under /manage/. The fake serves them for a world that reports
// fakegitlab.ManageAPIVersion (internal/fakegitlab/credentials_manage.go); alice is
// acme's enterprise user.
func TestCredentialsGitLabComInventory(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeGitLabCom)
	world.Version = fg.ManageAPIVersion
	f := batontest.NewFake(t, fg.ModeGitLabCom, world)
	c := f.Connector
	c1z := batontest.Sync(t, context.Background(), c)
	var reqs []string
	for _, r := range f.Requests() {
		reqs = append(reqs, r.Method+" "+r.Path)
	}

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
	// The group service account's token: acme's inventory lists the service accounts it
	// provisioned with its enterprise users (gitlab-org/gitlab issue 560151).
	if sa := c1z.Resource("personal_access_token", id(fg.DemoPATServiceAccount)); sa == nil ||
		profileOf(sa)["owner"] != "@"+fg.DemoServiceAccountUsername(fg.ModeGitLabCom) ||
		secretTrait(t, sa).GetIdentityId().GetResource() != id(fg.DemoUserServiceAccount) {
		t.Errorf("the service account's token: %v", sa)
	}
	if k := c1z.Resource("ssh_key", fmt.Sprintf("%d:%d", fg.DemoUserAlice, fg.DemoSSHKeyAlice)); k == nil || profileOf(k)["owner"] != "@alice" {
		t.Errorf("alice's SSH key from acme's inventory: %v", k)
	}
	for _, r := range reqs {
		if r == fmt.Sprintf("GET /projects/%d/access_tokens", fg.DemoProjectAPI) || r == fmt.Sprintf("GET /groups/%d/access_tokens", fg.DemoGroupPlatform) {
			t.Errorf("%s: acme's hierarchy listing already gave its access tokens", r)
		}
	}

	// Revoking alice's token: GitLab refuses the group Owner at DELETE
	// /personal_access_tokens/:id (400), acme's credentials inventory revokes it.
	f.ResetRequests()
	srvB := builderOf(t, c)
	if err := revokeCredential(t, srvB, "personal_access_token", id(fg.DemoPATAliceExpiring)); err != nil {
		t.Fatalf("revoking alice's token through acme's inventory: %v", err)
	}
	revoked := false
	f.Server.Read(func(w *fg.World) { revoked = w.Creds.PATs[fg.DemoPATAliceExpiring].Revoked })
	if !revoked {
		t.Error("alice's token is not revoked in GitLab")
	}
	want := fmt.Sprintf("DELETE /groups/%d/manage/personal_access_tokens/%d", fg.DemoGroupAcme, fg.DemoPATAliceExpiring)
	found := false
	for _, r := range f.Requests() {
		found = found || r.Method+" "+r.Path == want
	}
	if !found {
		t.Errorf("no %s among %v", want, f.Requests())
	}
	again := batontest.Sync(t, context.Background(), c)
	if p := profileOf(again.Resource("personal_access_token", id(fg.DemoPATAliceExpiring))); p["state"] != "revoked" {
		t.Errorf("alice's token in the next sync: %v", p)
	}
}

// An administrator's GET /personal_access_tokens has every token of the instance, and
// GitLab does not say whose bot a token belongs to. Without --groups every bot's project
// is the organisation's, and its token is a project access token; with --groups, tokens of
// users outside those groups (this bot of globex's portal) are left out, never passed off
// as personal access tokens.
func TestAdminTokensOutsideTheConfiguredGroups(t *testing.T) {
	t.Parallel()
	build := func() (*fg.World, int64) {
		w := fg.DemoWorld(fg.ModeSelfManaged)
		bot := w.AddUser(&fg.User{Username: fmt.Sprintf("project_%d_bot_5e1f", fg.DemoProjectPortal), Name: "portal bot",
			State: fg.StateActive, Bot: true, CreatedAt: fg.DemoNow})
		w.SetProjectMember(fg.DemoProjectPortal, &fg.Member{UserID: bot.ID, AccessLevel: fg.Maintainer, CreatedAt: fg.DemoNow, MembershipState: "active"})
		tok := w.AddPAT(&fg.PersonalAccessToken{UserID: bot.ID, Name: "portal-deploy", Scopes: []string{"api"}, CreatedAt: fg.DemoNow})
		return w, tok.ID
	}
	w, tokID := build()
	all := batontest.Sync(t, context.Background(), batontest.NewFake(t, fg.ModeSelfManaged, w).Connector)
	if r := all.Resource("project_access_token", fmt.Sprintf("%d:%d", fg.DemoProjectPortal, tokID)); r == nil {
		t.Error("without --groups the portal bot's token should be a project access token of globex/apps/portal")
	}
	w, tokID = build()
	scoped := batontest.Sync(t, context.Background(), batontest.NewFake(t, fg.ModeSelfManaged, w,
		batontest.WithGroups("acme")).Connector)
	for _, r := range scoped.Resources {
		typ := r.GetId().GetResourceType()
		if (typ == "personal_access_token" && r.GetId().GetResource() == id(tokID)) ||
			(typ == "project_access_token" && r.GetId().GetResource() == fmt.Sprintf("%d:%d", fg.DemoProjectPortal, tokID)) {
			t.Errorf("with --groups acme, globex's bot token is synced as %s", typ)
		}
	}
	if scoped.Resource("personal_access_token", id(fg.DemoPATAliceExpiring)) == nil {
		t.Error("with --groups acme, alice's (an acme member's) token is missing")
	}
}
