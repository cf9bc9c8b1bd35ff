package connector_test

import (
	"context"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func TestSyncDemoResources(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			_, c := demoSync(t, mode)

			// Group tree and project parents.
			parent := func(kind string, rid int64) string {
				r := c.Resource(kind, id(rid))
				if r == nil {
					t.Fatalf("%s %d missing", kind, rid)
				}
				return r.GetParentResourceId().GetResourceType() + ":" + r.GetParentResourceId().GetResource()
			}
			for _, tc := range []struct {
				kind        string
				rid, parent int64
			}{
				{"group", fg.DemoGroupPlatform, fg.DemoGroupAcme},
				{"group", fg.DemoGroupInfra, fg.DemoGroupPlatform},
				{"group", fg.DemoGroupK8s, fg.DemoGroupInfra},
				{"group", fg.DemoGroupEquipeDonnees, fg.DemoGroupAcme},
				{"project", fg.DemoProjectAPI, fg.DemoGroupPlatform},
				{"project", fg.DemoProjectClusterConfig, fg.DemoGroupK8s},
				{"project", fg.DemoProjectPipeline, fg.DemoGroupEquipeDonnees},
			} {
				if got := parent(tc.kind, tc.rid); got != "group:"+id(tc.parent) {
					t.Errorf("%s %d parent = %s, want group:%d", tc.kind, tc.rid, got, tc.parent)
				}
			}
			if got := parent("group", fg.DemoGroupAcme); got != ":" {
				t.Errorf("acme should have no parent, got %s", got)
			}
			if r := c.Resource("group", id(fg.DemoGroupEquipeDonnees)); r.GetDisplayName() != "Acme / Équipe Données" {
				t.Errorf("non-ASCII group name = %q", r.GetDisplayName())
			}
			if r := c.Resource("project", id(fg.DemoProjectPipeline)); !strings.Contains(r.GetDisplayName(), "Pipeline ✓") {
				t.Errorf("non-ASCII project name = %q", r.GetDisplayName())
			}

			// Accounts.
			user := func(uid int64) *v2.UserTrait {
				r := c.Resource("user", id(uid))
				if r == nil {
					t.Fatalf("user %d missing", uid)
				}
				return batontest.UserTrait(r)
			}
			bob := user(fg.DemoUserBob)
			if bob.GetLogin() != "bob" || bob.GetStatus().GetStatus() != v2.UserTrait_Status_STATUS_ENABLED {
				t.Errorf("bob = %v", bob)
			}
			if c.Resource("user", id(fg.DemoUserBob)).GetDisplayName() != "Bob Brown" {
				t.Error("bob's display name")
			}
			for uid, state := range map[int64]string{
				fg.DemoUserFrank: "blocked", fg.DemoUserGrace: "deactivated", fg.DemoUserHeidi: "banned",
				fg.DemoUserIvan: "ldap_blocked", fg.DemoUserJudy: "blocked_pending_approval",
			} {
				st := user(uid).GetStatus()
				if st.GetStatus() != v2.UserTrait_Status_STATUS_DISABLED || st.GetDetails() != state {
					t.Errorf("user %d status = %v, want disabled (%s)", uid, st, state)
				}
				if user(uid).GetProfile().GetFields()["state"].GetStringValue() != state {
					t.Errorf("user %d profile state", uid)
				}
			}
			if user(fg.DemoUserAPIBot).GetAccountType() != v2.UserTrait_ACCOUNT_TYPE_SERVICE {
				t.Error("the project bot should be a service account")
			}
			if user(fg.DemoUserBob).GetAccountType() != v2.UserTrait_ACCOUNT_TYPE_HUMAN {
				t.Error("bob should be a human account")
			}
			if got := user(fg.DemoUserJose).GetLogin(); got != "jose.muller" {
				t.Errorf("jose login = %q", got)
			}
			if link := batontest.ExternalLink(c.Resource("user", id(fg.DemoUserBob))); !strings.HasSuffix(link, "/bob") {
				t.Errorf("bob's web_url link = %q", link)
			}
			// 120 big-team members, beyond one page of 100.
			for uid := fg.DemoUserBigTeamFirst; uid <= fg.DemoUserBigTeamLast; uid++ {
				if c.Resource("user", id(uid)) == nil {
					t.Fatalf("big-team member %d missing", uid)
				}
			}

			// Pending invitation.
			inv := c.Resource("user", "invitation:"+fg.DemoInvitationEmail)
			if inv == nil {
				t.Fatal("pending account for the invitation is missing")
			}
			it := batontest.UserTrait(inv)
			if it.GetStatus().GetStatus() != v2.UserTrait_Status_STATUS_DISABLED ||
				!it.GetProfile().GetFields()["pending_invitation"].GetBoolValue() ||
				!strings.HasPrefix(inv.GetDescription(), "Invitation pending since ") ||
				!strings.Contains(inv.GetDescription(), "acme as Developer") {
				t.Errorf("pending account = %v / %q", it, inv.GetDescription())
			}
			if gs := c.GrantsOf("user", "invitation:"+fg.DemoInvitationEmail); len(gs) != 0 {
				t.Errorf("a pending account has grants: %v", gs)
			}
			// The project invitation with an expiry: its pending account carries the date.
			ctr := c.Resource("user", "invitation:"+fg.DemoInvitationContractorEmail)
			if ctr == nil {
				t.Fatal("pending account for contractor@partner.example is missing")
			}
			invs := batontest.UserTrait(ctr).GetProfile().GetFields()["invitations"].GetListValue().GetValues()
			if len(invs) != 1 {
				t.Fatalf("contractor's invitations = %v", invs)
			}
			ci := invs[0].GetStructValue().GetFields()
			if ci["kind"].GetStringValue() != "project" || ci["full_path"].GetStringValue() != "acme/platform/api" ||
				ci["role"].GetStringValue() != "reporter" || ci["expires_at"].GetStringValue() != fg.DemoInvitationContractorExpiresAt {
				t.Errorf("contractor's invitation = %v", ci)
			}
			if gs := c.GrantsOf("user", "invitation:"+fg.DemoInvitationContractorEmail); len(gs) != 0 {
				t.Errorf("the contractor's pending account has grants: %v", gs)
			}
			// wendy, awaiting a seat, is an account of the organisation all the same.
			if w := user(fg.DemoUserWendy); w.GetLogin() != "wendy" {
				t.Errorf("wendy = %v", w)
			}

			switch mode {
			case fg.ModeGitLabCom:
				for uid := fg.DemoUserStrangerFirst; uid <= fg.DemoUserStrangerLast; uid++ {
					if c.Resource("user", id(uid)) != nil {
						t.Errorf("stranger %d synced on gitlab.com", uid)
					}
				}
				for _, absent := range []struct {
					kind string
					rid  int64
				}{{"group", fg.DemoGroupPublicOSS}, {"user", fg.DemoUserTrent}, {"user", fg.DemoUserSybil}, {"project", fg.DemoProjectDotfiles}} {
					if c.Resource(absent.kind, id(absent.rid)) != nil {
						t.Errorf("%s %d is outside the organisation but was synced", absent.kind, absent.rid)
					}
				}
				// Last login on GitLab.com comes from acme's billable members (the token
				// user owns acme): sync_account_identities_test.go checks it.
				// Enterprise users of acme: its Owner (the token user) sees their email in
				// member listings; nobody else's email is visible on GitLab.com.
				for uid, want := range map[int64]string{fg.DemoUserAlice: "alice@acme.example", fg.DemoUserBob: "bob@acme.example"} {
					if es := user(uid).GetEmails(); len(es) != 1 || es[0].GetAddress() != want {
						t.Errorf("user %d emails = %v, want %s", uid, es, want)
					}
				}
				for _, uid := range []int64{fg.DemoUserCarol, fg.DemoUserErin, fg.DemoUserQuentin} {
					if es := user(uid).GetEmails(); len(es) != 0 {
						t.Errorf("user %d (not an enterprise user) has emails %v on gitlab.com", uid, es)
					}
				}
			case fg.ModeSelfManaged:
				if c.Resource("user", id(fg.DemoUserTrent)) == nil || c.Resource("user", id(fg.DemoUserSybil)) == nil {
					t.Error("self-managed: every instance user must be synced (trent, sybil)")
				}
				dot := c.Resource("project", id(fg.DemoProjectDotfiles))
				if dot == nil || dot.GetParentResourceId() != nil {
					t.Fatalf("personal project dotfiles should be synced without a parent: %v", dot)
				}
				if got := access(t, c, fg.DemoUserSybil, "project", fg.DemoProjectDotfiles); got != "owner@direct" {
					t.Errorf("sybil on dotfiles = %q", got)
				}
				// Last login: the later of last_sign_in_at and current_sign_in_at.
				want := fg.DemoNow.AddDate(0, 0, -int(fg.DemoUserBob%30+1))
				if got := bob.GetLastLogin().AsTime(); !got.Equal(want) {
					t.Errorf("bob last login = %v, want %v", got, want)
				}
				if !user(fg.DemoUserVictor).GetMfaStatus().GetMfaEnabled() || user(fg.DemoUserBob).GetMfaStatus().GetMfaEnabled() {
					t.Error("MFA status should follow two_factor_enabled")
				}
				if user(fg.DemoUserBob).GetEmails()[0].GetAddress() != "bob@acme.example" {
					t.Error("bob's email")
				}
				if !user(fg.DemoUserVictor).GetProfile().GetFields()["external"].GetBoolValue() {
					t.Error("victor is external")
				}
				if !user(fg.DemoUserAdmin).GetProfile().GetFields()["is_admin"].GetBoolValue() {
					t.Error("acme-admin is an administrator")
				}
				if user(fg.DemoUserBob).GetCreatedAt() == nil {
					t.Error("created date")
				}
			}
		})
	}
}

// --groups limits the organisation; access from outside it still counts.
func TestSyncConfiguredGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("top-level acme only", func(t *testing.T) {
		f := batontest.NewDemo(t, fg.ModeGitLabCom, batontest.WithGroups("acme"))
		c := batontest.Sync(t, ctx, f.Connector)
		if c.Resource("group", id(fg.DemoGroupContractors)) != nil {
			t.Error("acme-contractors is outside --groups acme")
		}
		// quentin's access comes from acme-contractors' membership through the share.
		if got := access(t, c, fg.DemoUserQuentin, "group", fg.DemoGroupPlatform); got != "reporter@shared" {
			t.Errorf("quentin on platform = %q", got)
		}
		if c.Resource("user", id(fg.DemoUserQuentin)) == nil {
			t.Error("quentin has access, so he is an account")
		}
		if n := f.Server.Counts()["GET /groups"]; n != 0 {
			t.Errorf("with --groups the token user's groups are not listed: GET /groups called %d times", n)
		}
	})
	t.Run("self-managed acme-contractors", func(t *testing.T) {
		f := batontest.NewDemo(t, fg.ModeSelfManaged, batontest.WithGroups("acme-contractors"))
		c := batontest.Sync(t, ctx, f.Connector)
		if got := strings.Join(c.ResourceIDs("group"), ","); got != "20" {
			t.Errorf("groups = %s, want acme-contractors only", got)
		}
		// crm is shared INTO acme-contractors but belongs to acme/sales; personal
		// projects are outside --groups.
		if got := c.ResourceIDs("project"); len(got) != 0 {
			t.Errorf("projects = %v, want none", got)
		}
		if c.Resource("user", id(fg.DemoUserTrent)) == nil {
			t.Error("with an admin token every instance user is still an account")
		}
		if n := f.Server.Counts()["GET /projects"]; n != 0 {
			t.Errorf("with --groups, projects come from the groups: GET /projects called %d times", n)
		}
	})
}

// A self-managed token without admin rights syncs like GitLab.com: members only.
func TestSyncSelfManagedNonAdmin(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeSelfManaged)
	world.Users[fg.DemoUserAdmin].IsAdmin = false
	f := batontest.NewFake(t, fg.ModeSelfManaged, world)
	c := batontest.Sync(t, context.Background(), f.Connector)
	if n := f.Server.Counts()["GET /users"]; n != 0 {
		t.Errorf("GET /users called %d times with a non-admin token", n)
	}
	if c.Resource("user", id(fg.DemoUserTrent)) != nil || c.Resource("project", id(fg.DemoProjectDotfiles)) != nil {
		t.Error("a non-admin token syncs only the organisation")
	}
	if got := access(t, c, fg.DemoUserCarol, "group", fg.DemoGroupK8s); got != "maintainer@inherited" {
		t.Errorf("carol on k8s = %q", got)
	}
}
