package connector_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

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
