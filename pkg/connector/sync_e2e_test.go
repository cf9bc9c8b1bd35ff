package connector_test

import (
	"context"
	"fmt"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

var modes = []fg.Mode{fg.ModeGitLabCom, fg.ModeSelfManaged}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// demoSync runs one full sync of the demo world in mode.
func demoSync(t *testing.T, mode fg.Mode, opts ...batontest.Option) (*batontest.Fake, *batontest.C1Z) {
	t.Helper()
	f := batontest.NewDemo(t, mode)
	return f, batontest.Sync(t, context.Background(), f.Connector, opts...)
}

// access is the "slug@source" of each grant a user holds on a resource, sorted and
// joined by ",", "" when none.
func access(t *testing.T, c *batontest.C1Z, user int64, resourceType string, resource int64) string {
	t.Helper()
	var out []string
	for _, g := range c.GrantsOfOn("user", id(user), resourceType, id(resource)) {
		md := batontest.GrantMetadata(g)
		eid := g.GetEntitlement().GetId()
		out = append(out, fmt.Sprintf("%s@%v", eid[strings.LastIndex(eid, ":")+1:], md["source"]))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestSyncDemoEffectiveAccess(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			_, c := demoSync(t, mode)
			type want struct {
				user     int64
				kind     string
				resource int64
				access   string // "" = no grant
			}
			g, p := "group", "project"
			cases := []want{
				// bob: Developer of acme, inherited everywhere below.
				{fg.DemoUserBob, g, fg.DemoGroupAcme, "developer@direct"},
				{fg.DemoUserBob, g, fg.DemoGroupK8s, "developer@inherited"},
				{fg.DemoUserBob, p, fg.DemoProjectClusterConfig, "developer@inherited"},
				{fg.DemoUserBob, g, fg.DemoGroupContractors, ""},
				// carol: Maintainer of infra only.
				{fg.DemoUserCarol, g, fg.DemoGroupInfra, "maintainer@direct"},
				{fg.DemoUserCarol, g, fg.DemoGroupK8s, "maintainer@inherited"},
				{fg.DemoUserCarol, p, fg.DemoProjectClusterConfig, "maintainer@inherited"},
				{fg.DemoUserCarol, g, fg.DemoGroupPlatform, ""},
				{fg.DemoUserCarol, g, fg.DemoGroupAcme, ""},
				{fg.DemoUserCarol, p, fg.DemoProjectAPI, ""},
				// dave: Developer of project api only.
				{fg.DemoUserDave, p, fg.DemoProjectAPI, "developer@direct"},
				{fg.DemoUserDave, g, fg.DemoGroupPlatform, ""},
				// erin: Reporter of acme, Maintainer of k8s.
				{fg.DemoUserErin, g, fg.DemoGroupAcme, "reporter@direct"},
				{fg.DemoUserErin, g, fg.DemoGroupPlatform, "reporter@inherited"},
				{fg.DemoUserErin, g, fg.DemoGroupInfra, "reporter@inherited"},
				{fg.DemoUserErin, g, fg.DemoGroupK8s, "maintainer@direct"},
				{fg.DemoUserErin, p, fg.DemoProjectClusterConfig, "maintainer@inherited"},
				{fg.DemoUserErin, p, fg.DemoProjectAPI, "reporter@inherited"},
				// olivia: Minimal Access of acme only, not inherited.
				{fg.DemoUserOlivia, g, fg.DemoGroupAcme, "minimal_access@direct"},
				{fg.DemoUserOlivia, g, fg.DemoGroupPlatform, ""},
				{fg.DemoUserOlivia, p, fg.DemoProjectAPI, ""},
				// quentin: Developer of acme-contractors; platform shared with it at Reporter,
				// crm shared with it at Guest.
				{fg.DemoUserQuentin, g, fg.DemoGroupContractors, "developer@direct"},
				{fg.DemoUserQuentin, g, fg.DemoGroupPlatform, "reporter@shared"},
				{fg.DemoUserQuentin, g, fg.DemoGroupK8s, "reporter@shared"},
				{fg.DemoUserQuentin, p, fg.DemoProjectAPI, "reporter@shared"},
				{fg.DemoUserQuentin, p, fg.DemoProjectCRM, "guest@shared"},
				{fg.DemoUserQuentin, g, fg.DemoGroupAcme, ""},
				{fg.DemoUserQuentin, g, fg.DemoGroupSales, ""},
				// mallory: custom role (base Reporter) on platform; below it she inherits the
				// level and the role's permissions: two grants.
				{fg.DemoUserMallory, g, fg.DemoGroupPlatform, "member_role_7@direct"},
				{fg.DemoUserMallory, g, fg.DemoGroupInfra, "member_role_7@inherited,reporter@inherited"},
				{fg.DemoUserMallory, p, fg.DemoProjectAPI, "member_role_7@inherited,reporter@inherited"},
				{fg.DemoUserMallory, g, fg.DemoGroupAcme, ""},
				// levels and owners.
				{fg.DemoUserNiaj, g, fg.DemoGroupSales, "planner@direct"},
				{fg.DemoUserNiaj, p, fg.DemoProjectCRM, "planner@inherited"},
				{fg.DemoUserAlice, g, fg.DemoGroupAcme, "owner@direct"},
				{fg.DemoUserAlice, p, fg.DemoProjectPipeline, "owner@inherited"},
				{fg.DemoUserAPIBot, p, fg.DemoProjectAPI, "maintainer@direct"},
				{fg.DemoUserJose, g, fg.DemoGroupEquipeDonnees, "maintainer@direct"},
				{fg.DemoUserJose, p, fg.DemoProjectPipeline, "maintainer@inherited"},
				{fg.DemoUserBigTeamFirst, g, fg.DemoGroupBigTeam, "guest@direct"},
				{fg.DemoUserBigTeamLast, g, fg.DemoGroupBigTeam, "guest@direct"},
				{fg.DemoUserBigTeamLast, g, fg.DemoGroupAcme, ""},
				// disabled accounts keep their memberships.
				{fg.DemoUserFrank, g, fg.DemoGroupSales, "developer@direct"},
				{fg.DemoUserJudy, g, fg.DemoGroupAcme, "guest@direct"},
				{fg.DemoUserJudy, g, fg.DemoGroupPlatform, "guest@inherited"},
				// wendy: Developer of sales awaiting a seat: no access anywhere.
				{fg.DemoUserWendy, g, fg.DemoGroupSales, ""},
				{fg.DemoUserWendy, p, fg.DemoProjectCRM, ""},
			}
			for _, w := range cases {
				if got := access(t, c, w.user, w.kind, w.resource); got != w.access {
					t.Errorf("user %d on %s %d: got %q, want %q", w.user, w.kind, w.resource, got, w.access)
				}
			}

			// olivia holds exactly one grant in the whole organisation.
			if gs := c.GrantsOf("user", id(fg.DemoUserOlivia)); len(gs) != 1 {
				t.Errorf("olivia has %d grants, want 1 (minimal_access on acme)", len(gs))
			}
			// carol: infra, k8s, cluster-config and nothing else.
			if gs := c.GrantsOf("user", id(fg.DemoUserCarol)); len(gs) != 3 {
				t.Errorf("carol has %d grants, want 3", len(gs))
			}
			// wendy: no grant at all (awaiting = no access), though her account is synced.
			if gs := c.GrantsOf("user", id(fg.DemoUserWendy)); len(gs) != 0 {
				t.Errorf("wendy (awaiting) has %d grants, want 0", len(gs))
			}
			// dave: only api.
			if gs := c.GrantsOf("user", id(fg.DemoUserDave)); len(gs) != 1 {
				t.Errorf("dave has %d grants, want 1", len(gs))
			}
			// Per user per resource: at most one direct grant, at most one non-direct level
			// grant and then above the direct one, and custom roles only as extra grants.
			type key struct{ user, res string }
			direct, via := map[key]string{}, map[key]string{}
			for _, gr := range c.Grants {
				k := key{gr.GetPrincipal().GetId().GetResource(), gr.GetEntitlement().GetResource().GetId().GetResourceType() +
					":" + gr.GetEntitlement().GetResource().GetId().GetResource()}
				md := batontest.GrantMetadata(gr)
				_, isLevel := md["access_level"]
				switch {
				case md["source"] == "direct":
					if prev, dup := direct[k]; dup {
						t.Errorf("two direct grants for %v: %s and %s", k, prev, gr.GetId())
					}
					direct[k] = gr.GetId()
				case isLevel:
					if prev, dup := via[k]; dup {
						t.Errorf("two effective-level grants for %v: %s and %s", k, prev, gr.GetId())
					}
					via[k] = gr.GetId()
					if dl, ok := md["direct_access_level"].(float64); ok && dl >= md["access_level"].(float64) {
						t.Errorf("grant %s repeats a level the direct membership already gives", gr.GetId())
					}
				}
			}
		})
	}
}

func TestSyncDemoGrantMetadata(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			_, c := demoSync(t, mode)

			peggy := c.Grant(fmt.Sprintf("group:%d:developer:user:%d", fg.DemoGroupPlatform, fg.DemoUserPeggy))
			if peggy == nil {
				t.Fatal("peggy's developer grant on acme/platform is missing")
			}
			if md := batontest.GrantMetadata(peggy); md["expires_at"] != "2036-01-31" || md["source"] != "direct" || md["access_level"] != float64(30) {
				t.Errorf("peggy's grant metadata = %v", md)
			}
			if batontest.IsImmutable(peggy) {
				t.Error("a direct grant must not be immutable")
			}
			// The expiry is inherited with the membership.
			peggyInfra := c.Grant(fmt.Sprintf("group:%d:developer:user:%d", fg.DemoGroupInfra, fg.DemoUserPeggy))
			if peggyInfra == nil || batontest.GrantMetadata(peggyInfra)["expires_at"] != "2036-01-31" {
				t.Errorf("peggy's inherited grant on infra should carry expires_at: %v", peggyInfra)
			}

			q := c.Grant(fmt.Sprintf("group:%d:reporter:user:%d", fg.DemoGroupK8s, fg.DemoUserQuentin))
			if q == nil {
				t.Fatal("quentin's shared reporter grant on k8s is missing")
			}
			md := batontest.GrantMetadata(q)
			if md["source"] != "shared" || md["source_group_id"] != float64(fg.DemoGroupContractors) ||
				md["source_group_full_path"] != "acme-contractors" || md["shared_from_full_path"] != "acme/platform" {
				t.Errorf("quentin's grant metadata = %v", md)
			}
			if !batontest.IsImmutable(q) {
				t.Error("a shared grant must be immutable")
			}

			bob := c.Grant(fmt.Sprintf("group:%d:developer:user:%d", fg.DemoGroupInfra, fg.DemoUserBob))
			if bob == nil {
				t.Fatal("bob's inherited grant on infra is missing")
			}
			if md := batontest.GrantMetadata(bob); md["source"] != "inherited" || md["source_group_id"] != float64(fg.DemoGroupAcme) || md["source_group_full_path"] != "acme" {
				t.Errorf("bob's inherited metadata = %v", md)
			}
			if !batontest.IsImmutable(bob) {
				t.Error("an inherited grant must be immutable")
			}

			// erin: inherited Reporter on k8s is below her direct Maintainer there: the grant
			// is the direct one.
			erin := c.Grant(fmt.Sprintf("group:%d:maintainer:user:%d", fg.DemoGroupK8s, fg.DemoUserErin))
			if erin == nil || batontest.IsImmutable(erin) || batontest.GrantMetadata(erin)["source"] != "direct" {
				t.Errorf("erin's k8s grant should be direct and mutable: %v", erin)
			}

			// Every non-direct grant is immutable, every direct one is not.
			for _, gr := range c.Grants {
				md := batontest.GrantMetadata(gr)
				if md == nil {
					t.Errorf("grant %s has no metadata", gr.GetId())
					continue
				}
				if (md["source"] != "direct") != batontest.IsImmutable(gr) {
					t.Errorf("grant %s: source %v, immutable %v", gr.GetId(), md["source"], batontest.IsImmutable(gr))
				}
			}
		})
	}
}

func TestSyncDemoEntitlements(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			_, c := demoSync(t, mode)
			levels := []string{"developer", "guest", "maintainer", "owner", "planner", "reporter"}
			withRole := func(extra ...string) []string {
				out := append(append([]string{}, levels...), extra...)
				sort.Strings(out)
				return out
			}
			check := func(kind string, rid int64, want []string) {
				t.Helper()
				if got := c.EntitlementSlugs(kind, id(rid)); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s %d entitlements = %v, want %v", kind, rid, got, want)
				}
			}
			check("group", fg.DemoGroupAcme, withRole("member_role_7", "minimal_access"))
			check("group", fg.DemoGroupPlatform, withRole("member_role_7"))
			check("group", fg.DemoGroupK8s, withRole("member_role_7"))
			check("project", fg.DemoProjectAPI, withRole("member_role_7"))
			check("group", fg.DemoGroupContractors, withRole("minimal_access"))
			role := c.Entitlement(fmt.Sprintf("group:%d:member_role_7", fg.DemoGroupPlatform))
			if role == nil || role.GetDisplayName() != "Security Auditor" || !strings.Contains(role.GetDescription(), "Reporter") {
				t.Errorf("custom role entitlement = %v", role)
			}
			dev := c.Entitlement(fmt.Sprintf("group:%d:developer", fg.DemoGroupPlatform))
			if dev == nil || len(dev.GetGrantableTo()) != 1 || dev.GetGrantableTo()[0].GetId() != "user" {
				t.Errorf("developer entitlement = %v", dev)
			}
		})
	}
}

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
				if bob.GetLastLogin() != nil {
					t.Error("gitlab.com gives no last login")
				}
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

// listRoute matches the list endpoints, which must all ask for 100 per page.
var listRoute = regexp.MustCompile(`^/(users|groups|projects)$|/(members|members/all|invitations|descendant_groups|subgroups|projects|billable_members)$`)

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

// The connector's locally computed access must agree with the fake's oracle, written
// independently from GitLab's source (a per-user fixed point as in
// lib/gitlab/project_authorizations.rb), for every synced group and project.
func TestSyncAgreesWithFakeEffectiveAccess(t *testing.T) {
	t.Parallel()
	worlds := map[string]func(fg.Mode) *fg.World{
		"demo": fg.DemoWorld,
		"large": func(m fg.Mode) *fg.World {
			return fg.LargeWorld(fg.LargeSpec{Users: 600, Groups: 80, Projects: 150, Seed: 7}, m)
		},
	}
	for _, name := range []string{"demo", "large"} {
		for _, mode := range modes {
			t.Run(name+"/"+string(mode), func(t *testing.T) {
				world := worlds[name](mode)
				// Correctness only: without RateLimit-* headers client-go's limiter stays
				// off, so the gitlab.com run is not paced at ~22 requests/s.
				f := batontest.NewFake(t, mode, world, batontest.WithServerOptions(func(o *fg.Options) {
					o.Faults.OmitRateLimitHeaders = true
				}))
				c := batontest.Sync(t, context.Background(), f.Connector)
				agreeWithFake(t, f, c)
				if mode == fg.ModeGitLabCom {
					// Accounts are exactly the people with access somewhere in the organisation.
					f.Server.Read(func(w *fg.World) {
						for _, r := range c.ResourcesOfType("user") {
							uid, err := strconv.ParseInt(r.GetId().GetResource(), 10, 64)
							if err != nil {
								continue // pending invitation
							}
							// An outsider (a member of a private partner group shared into the
							// organisation) is an account only through the access they hold.
							if u := w.Users[uid]; u == nil || (u.Outsider && len(c.GrantsOf("user", r.GetId().GetResource())) == 0) {
								t.Errorf("user %d is not part of the organisation", uid)
							}
							// An account without access is only one whose memberships all
							// await a seat (membership_state "awaiting"): listed, no access.
							if len(c.GrantsOf("user", r.GetId().GetResource())) == 0 &&
								len(batontest.UserTrait(r).GetProfile().GetFields()["awaiting"].GetListValue().GetValues()) == 0 {
								t.Errorf("user %d synced on gitlab.com without any access", uid)
							}
						}
					})
				}
			})
		}
	}
}

// agreeWithFake checks every synced group's and project's grants against the fake's
// oracle (internal/fakegitlab/effective.go: GitLab's project_authorizations CTE, its
// members_with_parents and the custom-role preloaders, written from GitLab's source),
// through the c1z model (docs/access-model.md): the user's direct membership is a grant
// on its level (or custom role); a higher effective level is a grant on that level; every
// other custom role that applies is a grant on its entitlement.
func agreeWithFake(t *testing.T, f *batontest.Fake, c *batontest.C1Z) {
	t.Helper()
	slugs := map[fg.AccessLevel]string{fg.MinimalAccess: "minimal_access", fg.Guest: "guest", fg.Planner: "planner",
		fg.Reporter: "reporter", fg.Developer: "developer", fg.Maintainer: "maintainer", fg.Owner: "owner"}
	expected := func(a fg.Access) []string {
		var out []string
		direct, directRole := fg.NoAccess, int64(0)
		if d := a.Direct; d != nil {
			direct, directRole = d.AccessLevel, d.MemberRoleID
			if d.MemberRoleID != 0 {
				out = append(out, "member_role_"+id(d.MemberRoleID))
			} else {
				out = append(out, slugs[d.AccessLevel])
			}
		}
		if a.Level > direct {
			out = append(out, slugs[a.Level])
		}
		for _, r := range a.MemberRoleIDs {
			if r != directRole {
				out = append(out, "member_role_"+id(r))
			}
		}
		sort.Strings(out)
		return out
	}
	check := func(kind, rid string, want map[int64]fg.Access) {
		t.Helper()
		got := map[string][]string{}
		for _, gr := range c.GrantsOn(kind, rid) {
			eid := gr.GetEntitlement().GetId()
			uid := gr.GetPrincipal().GetId().GetResource()
			got[uid] = append(got[uid], eid[strings.LastIndex(eid, ":")+1:])
		}
		for uid := range got {
			sort.Strings(got[uid])
		}
		exp := map[string][]string{}
		for uid, a := range want {
			exp[id(uid)] = expected(a)
		}
		for uid := range got {
			if fmt.Sprint(got[uid]) != fmt.Sprint(exp[uid]) {
				t.Errorf("%s %s user %s: connector %v, GitLab's rules %v", kind, rid, uid, got[uid], exp[uid])
			}
		}
		for uid := range exp {
			if _, ok := got[uid]; !ok {
				t.Errorf("%s %s user %s: connector nothing, GitLab's rules %v", kind, rid, uid, exp[uid])
			}
		}
	}
	f.Server.Read(func(w *fg.World) {
		for _, r := range c.ResourcesOfType("group") {
			gid, _ := strconv.ParseInt(r.GetId().GetResource(), 10, 64)
			check("group", r.GetId().GetResource(), w.EffectiveGroupMembers(gid))
		}
		for _, r := range c.ResourcesOfType("project") {
			pid, _ := strconv.ParseInt(r.GetId().GetResource(), 10, 64)
			check("project", r.GetId().GetResource(), w.EffectiveProjectMembers(pid))
		}
	})
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

// The sync's state (the organisation's listings) is dropped when the SDK cleans up at the
// end of the sync: nothing of it stays in memory between syncs.
func TestSyncStateDroppedAtCleanup(t *testing.T) {
	t.Parallel()
	f, _ := demoSync(t, fg.ModeSelfManaged)
	if connector.HoldsSyncState(f.Connector) {
		t.Error("the sync's state is still held after the sync")
	}
}
