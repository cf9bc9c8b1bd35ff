package connector_test

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// c1zLines renders every resource, entitlement and grant of a c1z, one line each, sorted;
// the fake's URL (each fake has its own port) is written BASE.
func c1zLines(t *testing.T, c *batontest.C1Z, base string) []string { return c.Lines(t, base) }

// diffLines is what only one side has, a few lines each.
func diffLines(a, b []string) (onlyA, onlyB []string) {
	inB := map[string]int{}
	for _, l := range b {
		inB[l]++
	}
	for _, l := range a {
		if inB[l] > 0 {
			inB[l]--
			continue
		}
		onlyA = append(onlyA, l)
	}
	for _, l := range b {
		if inB[l] > 0 {
			inB[l]--
			onlyB = append(onlyB, l)
		}
	}
	return onlyA, onlyB
}

type syncWorld struct {
	name  string
	mode  fg.Mode
	world func() *fg.World
	// restOnly: custom roles are defined everywhere, so every membership stays REST;
	// saves: GraphQL reads most memberships, the sync needs fewer REST requests.
	restOnly, saves bool
}

// syncBoth syncs a world through REST and through GraphQL and returns both fakes and c1z.
func syncBoth(t *testing.T, w syncWorld, opts ...batontest.FakeOption) (rest, gql *batontest.Fake, restC1Z, gqlC1Z *batontest.C1Z) {
	t.Helper()
	ctx := context.Background()
	rest = batontest.NewFake(t, w.mode, w.world(), opts...)
	restC1Z = batontest.Sync(t, ctx, rest.Connector)
	gql = batontest.NewFake(t, w.mode, w.world(), append(opts,
		batontest.WithSettings(func(s *connector.Settings) { s.GraphQL = true }))...)
	gqlC1Z = batontest.Sync(t, ctx, gql.Connector)
	return rest, gql, restC1Z, gqlC1Z
}

func assertSameC1Z(t *testing.T, rest, gql *batontest.Fake, restC1Z, gqlC1Z *batontest.C1Z) {
	t.Helper()
	a, b := c1zLines(t, restC1Z, rest.URL), c1zLines(t, gqlC1Z, gql.URL)
	onlyREST, onlyGQL := diffLines(a, b)
	if len(onlyREST)+len(onlyGQL) == 0 {
		return
	}
	show := func(ls []string) string {
		if len(ls) > 6 {
			ls = append(ls[:6:6], fmt.Sprintf("... %d more", len(ls)-6))
		}
		return strings.Join(ls, "\n  ")
	}
	t.Errorf("the c1z differ (%d lines): only through REST:\n  %s\nonly through GraphQL:\n  %s",
		len(a), show(onlyREST), show(onlyGQL))
}

// smallLarge is a generated world small enough for a test: every shape of LargeWorld
// (shares, chained shares, locked groups, custom roles, expiries, bots, invitations, a
// private outside group shared in on GitLab.com), some containers over 100 members.
var smallLarge = fg.LargeSpec{Users: 600, Groups: 40, Projects: 120, Seed: 7}

// smallLargeCom is smaller still for GitLab.com, where the private outside group shared
// in makes both syncs read members/all of every node below it (org_hidden.go).
var smallLargeCom = fg.LargeSpec{Users: 300, Groups: 24, Projects: 60, Seed: 7}

// withoutCustomRoles is w with no custom role defined or held: the worlds where GraphQL
// reads the memberships (custom roles are REST's).
func withoutCustomRoles(w *fg.World) *fg.World { return w.DropCustomRoles() }

// at184 makes w a GitLab 18.4, which has Group.sharedGroups.
func at184(w *fg.World) *fg.World {
	w.Version = fg.SharedGroupsGraphQLVersion
	return w
}

// restRoutes counts the REST requests by route, ids written :id.
func restRoutes(f *batontest.Fake) map[string]int {
	out := map[string]int{}
	num := regexp.MustCompile(`/[0-9]+`)
	for _, r := range f.Requests() {
		out[r.Method+" "+num.ReplaceAllString(r.Path, "/:id")]++
	}
	return out
}

// graphQLPosts is how many POST /api/graphql the fake received.
func graphQLPosts(f *batontest.Fake) int { return f.Server.Counts()["POST /api/graphql"] }

// restRequests counts the REST requests the fake received.
func restRequests(f *batontest.Fake) int { return len(f.Requests()) }

// Issue 12 point 4: the c1z from the GraphQL path is the REST path's, in both deployments.
func TestSyncGraphQLSameC1ZAsREST(t *testing.T) {
	t.Parallel()
	for _, w := range []syncWorld{
		{"demo gitlab.com", fg.ModeGitLabCom, func() *fg.World { return fg.DemoWorld(fg.ModeGitLabCom) }, false, false},
		{"demo self-managed", fg.ModeSelfManaged, func() *fg.World { return fg.DemoWorld(fg.ModeSelfManaged) }, true, false},
		{"demo gitlab.com without custom roles", fg.ModeGitLabCom, func() *fg.World { return withoutCustomRoles(fg.DemoWorld(fg.ModeGitLabCom)) }, false, true},
		{"demo self-managed without custom roles", fg.ModeSelfManaged, func() *fg.World { return withoutCustomRoles(fg.DemoWorld(fg.ModeSelfManaged)) }, false, true},
		// GitLab 18.4+: Group.sharedGroups decides which group details are read (the
		// worlds above report 17.8: the field is missing, the probe alone decides).
		{"demo gitlab.com 18.4 without custom roles", fg.ModeGitLabCom, func() *fg.World { return at184(withoutCustomRoles(fg.DemoWorld(fg.ModeGitLabCom))) }, false, true},
		{"demo self-managed 18.4 without custom roles", fg.ModeSelfManaged, func() *fg.World { return at184(withoutCustomRoles(fg.DemoWorld(fg.ModeSelfManaged))) }, false, true},
		{"large gitlab.com", fg.ModeGitLabCom, func() *fg.World { return fg.LargeWorld(smallLargeCom, fg.ModeGitLabCom) }, true, false},
		{"large self-managed", fg.ModeSelfManaged, func() *fg.World { return fg.LargeWorld(smallLarge, fg.ModeSelfManaged) }, true, false},
		{"large gitlab.com 18.4 without custom roles", fg.ModeGitLabCom, func() *fg.World { return at184(withoutCustomRoles(fg.LargeWorld(smallLargeCom, fg.ModeGitLabCom))) }, false, true},
		{"large self-managed without custom roles", fg.ModeSelfManaged, func() *fg.World { return withoutCustomRoles(fg.LargeWorld(smallLarge, fg.ModeSelfManaged)) }, false, true},
	} {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel() // the longest test of the package: its worlds run side by side
			rest, gql, a, b := syncBoth(t, w)
			assertSameC1Z(t, rest, gql, a, b)
			// Custom roles held everywhere: GraphQL lists the groups (an administrator's
			// sync) and asks whether roles are held, and reads no membership.
			members := func(f *batontest.Fake) int {
				return restRoutes(f)["GET /groups/:id/members"] + restRoutes(f)["GET /projects/:id/members"]
			}
			if graphQLPosts(gql) == 0 || (members(gql) == members(rest)) != w.restOnly {
				t.Errorf("the GraphQL sync sent %d GraphQL queries and listed %d containers' members over REST (REST alone: %d)",
					graphQLPosts(gql), members(gql), members(rest))
			}
			if w.saves && restRequests(gql) >= restRequests(rest) {
				t.Errorf("GraphQL saved no REST request: %d, REST alone %d", restRequests(gql), restRequests(rest))
			}
			t.Logf("REST: %d requests; GraphQL: %d POSTs + %d REST %v", restRequests(rest), graphQLPosts(gql), restRequests(gql), restRoutes(gql))
		})
	}
}

// Issue 12 point 3: GraphQL unavailable (404), or timing out on the biggest containers
// (a field error, or the whole POST answering 503): those parts go through REST and the
// c1z is still REST's.
func TestSyncGraphQLFallbackSameC1Z(t *testing.T) {
	t.Parallel()
	w := syncWorld{"demo self-managed without custom roles", fg.ModeSelfManaged,
		func() *fg.World { return withoutCustomRoles(fg.DemoWorld(fg.ModeSelfManaged)) }, false, true}
	for _, c := range []struct {
		name string
		opts fg.GraphQLOptions
	}{
		{"no GraphQL API", fg.GraphQLOptions{Disabled: true}},
		{"timeout on containers over 5 members", fg.GraphQLOptions{TimeoutMembersOver: 5}},
		{"503 on containers over 5 members", fg.GraphQLOptions{TimeoutMembersOver: 5, TimeoutAs503: true}},
		{"complexity limit 100", fg.GraphQLOptions{MaxComplexity: 100}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rest, gql, a, b := syncBoth(t, w, batontest.WithServerOptions(func(o *fg.Options) { o.GraphQL = c.opts }))
			assertSameC1Z(t, rest, gql, a, b)
			if graphQLPosts(gql) == 0 {
				t.Error("no GraphQL query was tried")
			}
			if c.opts.Disabled && graphQLPosts(gql) != 1 {
				t.Errorf("%d POSTs to a GitLab without GraphQL, want 1", graphQLPosts(gql))
			}
			if c.opts.MaxComplexity > 0 {
				// Every query fits under 100 alone: nothing is left to REST but the group
				// where a member awaits a seat.
				if n := restRoutes(gql)["GET /groups/:id/members"] + restRoutes(gql)["GET /projects/:id/members"]; n != 1 {
					t.Errorf("%d members listings over REST after a complexity refusal, want 1", n)
				}
				return
			}
			if restRoutes(gql)["GET /groups/:id/members"]+restRoutes(gql)["GET /projects/:id/members"] == 0 {
				t.Error("no members listing went through REST: the fallback is not tested")
			}
			t.Logf("GraphQL: %d POSTs + %d REST %v", graphQLPosts(gql), restRequests(gql), restRoutes(gql))
		})
	}
}

// Issue 12 point 2: with GraphQL, REST is read only where GraphQL cannot answer. On the
// self-managed demo without custom roles: members listings only for the container where
// a member awaits a seat (acme/sales: GraphQL cannot tell awaiting rows apart) and for
// personal projects (below no group); invitations only for containers that have one; no
// group detail for a group nobody reaches through a share.
func TestSyncGraphQLRESTOnlyWhereNeeded(t *testing.T) {
	t.Parallel()
	world := func() *fg.World { return withoutCustomRoles(fg.DemoWorld(fg.ModeSelfManaged)) }
	w := world()
	_, gql, _, _ := syncBoth(t, syncWorld{"demo self-managed without custom roles", fg.ModeSelfManaged, world, false, true})
	invited, awaiting, personal := map[string]bool{}, map[string]bool{}, map[string]bool{}
	// An invitation's row in GraphQL (user null) is matched to its email by the top-level
	// group's pendingMembers row, which is one per email in the hierarchy (DISTINCT ON):
	// only a container inviting an email invited elsewhere in the same hierarchy may need
	// its invitations listed over REST.
	top := func(gid int64) int64 {
		for w.Groups[gid] != nil && w.Groups[gid].ParentID != 0 {
			gid = w.Groups[gid].ParentID
		}
		return gid
	}
	type topEmail struct {
		top   int64
		email string
	}
	containers := map[topEmail]int{}
	for gid, invs := range w.GroupInvitations {
		for _, inv := range invs {
			containers[topEmail{top(gid), strings.ToLower(inv.Email)}]++
		}
	}
	for pid, invs := range w.ProjectInvitations {
		for _, inv := range invs {
			containers[topEmail{top(w.Projects[pid].GroupID), strings.ToLower(inv.Email)}]++
		}
	}
	for gid, invs := range w.GroupInvitations {
		for _, inv := range invs {
			if containers[topEmail{top(gid), strings.ToLower(inv.Email)}] > 1 {
				invited[fmt.Sprintf("/groups/%d/invitations", gid)] = true
			}
		}
	}
	for pid, invs := range w.ProjectInvitations {
		for _, inv := range invs {
			if containers[topEmail{top(w.Projects[pid].GroupID), strings.ToLower(inv.Email)}] > 1 {
				invited[fmt.Sprintf("/projects/%d/invitations", pid)] = true
			}
		}
	}
	for gid, ms := range w.GroupMembers {
		for _, m := range ms {
			if m.MembershipState == "awaiting" {
				awaiting[fmt.Sprintf("/groups/%d/members", gid)] = true
				awaiting[fmt.Sprintf("/groups/%d/invitations", gid)] = true
			}
		}
	}
	for _, p := range w.Projects {
		if p.GroupID == 0 {
			personal[fmt.Sprintf("/projects/%d/members", p.ID)] = true
			personal[fmt.Sprintf("/projects/%d/invitations", p.ID)] = true
		}
	}
	if len(awaiting) == 0 || len(w.GroupInvitations) == 0 || len(w.ProjectInvitations) == 0 {
		t.Fatal("the demo world lost its awaiting member or its invitations: the test tests nothing")
	}
	sawAwaiting := false
	for _, r := range gql.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/members"):
			if awaiting[r.Path] {
				sawAwaiting = true
			} else if !personal[r.Path] {
				t.Errorf("GET %s: GraphQL read these members", r.Path)
			}
		case strings.HasSuffix(r.Path, "/invitations"):
			if !invited[r.Path] && !personal[r.Path] && !awaiting[r.Path] {
				t.Errorf("GET %s: GraphQL showed no invitation there, or pendingMembers gave its email", r.Path)
			}
		case strings.HasSuffix(r.Path, "/pending_members"):
			t.Errorf("GET %s: the token owns the top-level group: pendingMembers (GraphQL) gives them", r.Path)
		}
	}
	if !sawAwaiting {
		t.Error("the group with a member awaiting a seat was not read over REST")
	}
	if n, groups := restRoutes(gql)["GET /groups/:id"], len(w.Groups); n >= groups {
		t.Errorf("%d group details for %d groups: the shared probe saved none", n, groups)
	}
}

// On GitLab 18.4+ (Group.sharedGroups), an instance-wide sync reads the group detail
// (its shared_with_groups) only of groups that are shared with a group: every group is
// an organisation group there, so the groups each is invited to name them all.
func TestSyncGraphQLGroupDetailsOnlyOfSharedGroups(t *testing.T) {
	t.Parallel()
	world := func() *fg.World { return at184(withoutCustomRoles(fg.DemoWorld(fg.ModeSelfManaged))) }
	w := world()
	_, gql, _, _ := syncBoth(t, syncWorld{"demo self-managed 18.4 without custom roles", fg.ModeSelfManaged, world, false, true})
	shared := map[string]bool{}
	for gid, shares := range w.GroupShares {
		if len(shares) > 0 {
			shared[fmt.Sprintf("/groups/%d", gid)] = true
		}
	}
	read := 0
	for _, r := range gql.Requests() {
		if regexp.MustCompile(`^/groups/[0-9]+$`).MatchString(r.Path) {
			read++
			if !shared[r.Path] {
				t.Errorf("GET %s: no group is shared into it", r.Path)
			}
		}
	}
	if read == 0 || len(shared) == 0 {
		t.Errorf("%d group details read, %d groups shared: the test tests nothing", read, len(shared))
	}
}

// Custom roles defined but held by no membership (Group.memberRoles' membersCount 0)
// change no row: GraphQL reads the memberships there, and the c1z is REST's. Held by one
// membership, the hierarchy's memberships (on self-managed, the instance's) are REST's.
func TestSyncGraphQLCustomRolesDefinedButNotHeld(t *testing.T) {
	t.Parallel()
	for _, mode := range []fg.Mode{fg.ModeGitLabCom, fg.ModeSelfManaged} {
		for _, held := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s held %v", mode, held), func(t *testing.T) {
				t.Parallel()
				world := func() *fg.World {
					w := fg.DemoWorld(mode)
					roles := w.MemberRoles
					w.DropCustomRoles()
					w.MemberRoles = roles // defined, held by nobody
					if held {             // the first member of acme (by id) a role fits, the same in both worlds
						members := w.GroupMembers[fg.DemoGroupAcme]
						for _, uid := range slices.Sorted(maps.Keys(members)) {
							for _, id := range slices.Sorted(maps.Keys(roles)) {
								if roles[id].BaseAccessLevel <= members[uid].AccessLevel {
									members[uid].MemberRoleID = id
									return w
								}
							}
						}
					}
					return w
				}
				if len(world().MemberRoles) == 0 {
					t.Fatal("the demo world defines no custom role: the test tests nothing")
				}
				rest, gql, a, b := syncBoth(t, syncWorld{"demo", mode, world, false, false})
				assertSameC1Z(t, rest, gql, a, b)
				listings := restRoutes(gql)["GET /groups/:id/members"] + restRoutes(gql)["GET /projects/:id/members"]
				containers := restRoutes(rest)["GET /groups/:id/members"] + restRoutes(rest)["GET /projects/:id/members"]
				if !held && listings*4 > containers {
					t.Errorf("roles held by nobody: %d of %d containers' members still listed over REST", listings, containers)
				}
				if held && listings*2 < containers {
					t.Errorf("a role held: only %d of %d containers' members listed over REST", listings, containers)
				}
				if n := restRoutes(gql)["GET /groups/:id/member_roles"] + restRoutes(gql)["GET /member_roles"]; n != 0 {
					t.Errorf("%d REST member role listings: Group.memberRoles answered", n)
				}
			})
		}
	}
}

// With --groups, the organisation is the configured top-level groups (their details
// read by path, their subgroups listed): GraphQL reads their memberships as without it.
func TestSyncGraphQLConfiguredGroupsSameC1Z(t *testing.T) {
	t.Parallel()
	for _, mode := range []fg.Mode{fg.ModeGitLabCom, fg.ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			world := func() *fg.World { return at184(withoutCustomRoles(fg.DemoWorld(mode))) }
			w := syncWorld{"demo --groups acme", mode, world, false, true}
			rest, gql, a, b := syncBoth(t, w, batontest.WithGroups("acme"))
			assertSameC1Z(t, rest, gql, a, b)
			if graphQLPosts(gql) < 2 || len(b.Resources) == 0 {
				t.Errorf("%d GraphQL POSTs, %d resources", graphQLPosts(gql), len(b.Resources))
			}
			t.Logf("REST: %d requests; GraphQL: %d POSTs + %d REST %v", restRequests(rest), graphQLPosts(gql), restRequests(gql), restRoutes(gql))
		})
	}
}
