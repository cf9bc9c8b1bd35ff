package fakegitlab

import (
	"reflect"
	"slices"
	"testing"
)

func TestLargeWorldIsDeterministic(t *testing.T) {
	spec := LargeSpec{Users: 2000, Groups: 120, Projects: 300, Seed: 42}
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		a, b := LargeWorld(spec, mode), LargeWorld(spec, mode)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the same seed gave two different worlds", mode)
		}
	}
	other := spec
	other.Seed = 43
	if reflect.DeepEqual(LargeWorld(spec, ModeSelfManaged), LargeWorld(other, ModeSelfManaged)) {
		t.Error("seeds 42 and 43 gave the same world")
	}
}

func TestLargeWorldShape(t *testing.T) {
	spec := LargeSpec{Users: 5000, Groups: 200, Projects: 600, Seed: 7}
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			w := LargeWorld(spec, mode)

			// Sizes: people as asked, plus one bot per 50 projects.
			bots, people := 0, 0
			for _, u := range w.Users {
				if u.Bot {
					bots++
				} else {
					people++
				}
			}
			if people != spec.Users || bots != (spec.Projects+49)/50 {
				t.Errorf("%d people and %d bots, want %d and %d", people, bots, spec.Users, (spec.Projects+49)/50)
			}
			// gitlab.com: one more group, outside the organisation.
			wantGroups := spec.Groups
			if mode == ModeGitLabCom {
				wantGroups++
				if g := w.Groups[LargeOutsideGroupID]; g == nil || g.ParentID != 0 || g.Visibility != "private" || w.GroupMembers[LargeOutsideGroupID][w.TokenUserID] != nil {
					t.Errorf("outside group %+v", g)
				}
			}
			if len(w.Groups) != wantGroups || len(w.Projects) != spec.Projects {
				t.Errorf("%d groups, %d projects", len(w.Groups), len(w.Projects))
			}

			// The token's user owns every top-level group; admin on self-managed only.
			admin := w.Users[w.TokenUserID]
			if admin == nil || admin.IsAdmin != (mode == ModeSelfManaged) {
				t.Fatalf("token user %+v", admin)
			}
			tops := 0
			maxDepth := 0
			paths := map[string]bool{}
			for _, g := range w.Groups {
				d := len(w.Ancestors(g.ID)) + 1
				if d > maxDepth {
					maxDepth = d
				}
				if g.ParentID == 0 && g.ID != LargeOutsideGroupID {
					tops++
					if m := w.GroupMembers[g.ID][admin.ID]; m == nil || m.AccessLevel != Owner {
						t.Errorf("token user is not Owner of top-level group %d", g.ID)
					}
					if len(w.GroupInvitations[g.ID]) != 1 {
						t.Errorf("top-level group %d has no pending invitation", g.ID)
					}
				}
				fp := w.FullPath(g.ID)
				if paths[fp] {
					t.Errorf("duplicate full path %s", fp)
				}
				paths[fp] = true
			}
			if tops < 2 {
				t.Errorf("%d top-level groups, want several", tops)
			}
			if maxDepth != 4 {
				t.Errorf("deepest group is %d levels deep, want 4", maxDepth)
			}

			// Memberships: floors, Minimal Access, custom roles, expiry.
			levels := map[AccessLevel]int{}
			inGroup := map[int64]bool{}
			inProject := map[int64]bool{}
			customRoles, expiring := 0, 0
			for gid, members := range w.GroupMembers {
				g := w.Groups[gid]
				for uid, m := range members {
					if gid != LargeOutsideGroupID {
						inGroup[uid] = true // a member of the organisation
					}
					levels[m.AccessLevel]++
					if m.AccessLevel == MinimalAccess && g.ParentID != 0 {
						t.Errorf("Minimal Access in subgroup %d", gid)
					}
					if m.MemberRoleID != 0 {
						customRoles++
						r := w.MemberRoles[m.MemberRoleID]
						if r == nil || r.BaseAccessLevel != m.AccessLevel {
							t.Errorf("member %d of %d: role %d does not match level %s", uid, gid, m.MemberRoleID, m.AccessLevel)
						} else if mode == ModeGitLabCom && r.GroupID != w.Root(gid).ID {
							t.Errorf("member %d of %d holds role %d of another top-level group", uid, gid, r.ID)
						}
					}
					if m.ExpiresAt != "" {
						expiring++
					}
					for _, a := range w.Ancestors(gid) {
						if am := w.GroupMembers[a.ID][uid]; am != nil && am.AccessLevel != MinimalAccess && m.AccessLevel < am.AccessLevel {
							t.Errorf("user %d: %s in %d below %s inherited from %d", uid, m.AccessLevel, gid, am.AccessLevel, a.ID)
						}
					}
				}
			}
			for _, members := range w.ProjectMembers {
				for uid := range members {
					inProject[uid] = true
				}
			}
			for _, l := range ValidAccessLevels {
				if levels[l] == 0 {
					t.Errorf("no group membership at %s", l)
				}
			}
			if customRoles == 0 || expiring == 0 {
				t.Errorf("%d custom-role and %d expiring memberships, want some", customRoles, expiring)
			}
			if len(w.GroupShares) == 0 || len(w.ProjectShares) == 0 {
				t.Errorf("%d group shares, %d project shares", len(w.GroupShares), len(w.ProjectShares))
			}

			// Users in nothing (~5%), project-only members, states, outsiders.
			nothing, projectOnly, outsiders := 0, 0, 0
			states := map[string]int{}
			personal := 0
			for _, p := range w.Projects {
				if p.OwnerID != 0 {
					personal++
				}
			}
			for _, u := range w.Users {
				states[u.State]++
				if u.Outsider {
					outsiders++
					if inGroup[u.ID] || inProject[u.ID] {
						t.Errorf("outsider %d is a member", u.ID)
					}
				}
				switch {
				case !inGroup[u.ID] && !inProject[u.ID]:
					nothing++
					if mode == ModeGitLabCom && !u.Outsider {
						t.Errorf("gitlab.com user %d is in nothing but not an outsider", u.ID)
					}
				case !inGroup[u.ID]:
					projectOnly++
				}
			}
			if frac := float64(nothing) / float64(spec.Users); frac < 0.03 || frac > 0.07 {
				t.Errorf("%d users (%.1f%%) in nothing, want about 5%%", nothing, 100*frac)
			}
			if projectOnly == 0 || personal == 0 {
				t.Errorf("%d project-only users, %d personal projects", projectOnly, personal)
			}
			if (outsiders > 0) != (mode == ModeGitLabCom) {
				t.Errorf("%d outsiders in %s", outsiders, mode)
			}
			for _, st := range []string{StateActive, StateBlocked, StateDeactivated, StateBanned} {
				if states[st] == 0 {
					t.Errorf("no %s user", st)
				}
			}

			// NextID hands out fresh ids.
			id := w.NextID()
			if w.Users[id] != nil || w.Groups[id] != nil || w.Projects[id] != nil {
				t.Errorf("NextID %d is taken", id)
			}
		})
	}
}

// LargeWorld holds every shape that tells effective-access rules apart (review T1), each
// checked through the oracle.
func TestLargeWorldHasEveryAccessShape(t *testing.T) {
	spec := LargeSpec{Users: 1500, Groups: 80, Projects: 200, Seed: 5}
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			w := LargeWorld(spec, mode)
			found := map[string]bool{}
			for gid, shares := range w.GroupShares {
				if w.Groups[gid].ParentID != 0 {
					found["group share into a subgroup"] = true
				}
				for _, s := range shares {
					for uid, m := range w.GroupMembers[s.GroupID] {
						a := w.EffectiveGroupAccess(gid, uid)
						switch {
						case m.AccessLevel == s.AccessLevel && s.MemberRoleID == 0 && m.MemberRoleID != 0 && !slices.Contains(a.MemberRoleIDs, m.MemberRoleID):
							found["equal-level share without a link role drops the member's role"] = true
						case m.AccessLevel == s.AccessLevel && s.MemberRoleID != 0:
							found["equal-level share with a link role"] = true
						case m.AccessLevel > s.AccessLevel && s.MemberRoleID != 0 && slices.Contains(a.MemberRoleIDs, s.MemberRoleID):
							found["share below the member's level with a link role"] = true
						}
					}
				}
			}
			for gid := range w.GroupMembers {
				if w.Groups[gid].ParentID == 0 {
					continue
				}
				for uid := range w.GroupMembers[gid] {
					a := w.EffectiveGroupAccess(gid, uid)
					for _, r := range a.MemberRoleIDs {
						if w.MemberRoles[r].BaseAccessLevel < a.Level {
							found["custom role on an ancestor below a higher level"] = true
						}
					}
					if len(a.MemberRoleIDs) >= 2 {
						found["two custom roles add up"] = true
					}
				}
			}
			for pid, shares := range w.ProjectShares {
				p := w.Projects[pid]
				for _, s := range shares {
					if p.GroupID != 0 && w.ShareWithGroupLocked(p.GroupID) {
						for uid := range w.GroupMembers[s.GroupID] {
							if w.EffectiveProjectAccess(pid, uid).Level == NoAccess {
								found["project share below share_with_group_lock gives nothing"] = true
							}
						}
					}
					if len(w.GroupShares[s.GroupID]) > 0 {
						found["project shared with a group that is shared with another"] = true
					}
				}
				for uid, a := range w.EffectiveProjectMembers(pid) {
					if a.Row == nil {
						found["project access without a members/all row (share of an invited group)"] = true
						_ = uid
					}
				}
			}
			want := []string{
				"group share into a subgroup",
				"equal-level share without a link role drops the member's role",
				"equal-level share with a link role",
				"share below the member's level with a link role",
				"custom role on an ancestor below a higher level",
				"project share below share_with_group_lock gives nothing",
				"project shared with a group that is shared with another",
				"project access without a members/all row (share of an invited group)",
			}
			if mode == ModeSelfManaged {
				want = append(want, "two custom roles add up")
			}
			for _, k := range want {
				if !found[k] {
					t.Errorf("no %s", k)
				}
			}
			if mode == ModeGitLabCom {
				shared := 0
				for _, shares := range w.GroupShares {
					for _, s := range shares {
						if s.GroupID == LargeOutsideGroupID {
							shared++
						}
					}
				}
				if shared == 0 || w.EffectiveGroupAccess(LargeOutsideGroupID, w.TokenUserID).Level != NoAccess {
					t.Errorf("outside group shared %d times, token user access %v", shared, w.EffectiveGroupAccess(LargeOutsideGroupID, w.TokenUserID).Level)
				}
			}
		})
	}
}

func TestLargeWorldIsServed(t *testing.T) {
	w := LargeWorld(LargeSpec{Users: 300, Groups: 30, Projects: 40, Seed: 1}, ModeSelfManaged)
	_, url := StartForTest(t, w, Options{Mode: ModeSelfManaged, Token: fltToken})
	u, _, err := fltClient(t, url).Users.CurrentUser()
	if err != nil || u.ID != LargeTokenUserID || !u.IsAdmin {
		t.Fatalf("GET /user = %+v, %v", u, err)
	}
}

func TestLargeWorld100kIsBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 users")
	}
	w := LargeWorld(LargeSpec{Users: 100_000, Groups: 2_000, Projects: 10_000, Seed: 1}, ModeSelfManaged)
	if len(w.Users) < 100_000 || len(w.Groups) != 2_000 || len(w.Projects) != 10_000 {
		t.Fatalf("%d users, %d groups, %d projects", len(w.Users), len(w.Groups), len(w.Projects))
	}
}

func BenchmarkLargeWorld100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		LargeWorld(LargeSpec{Users: 100_000, Groups: 2_000, Projects: 10_000, Seed: 1}, ModeSelfManaged)
	}
}

// An organisation as GitLab.com has them: one top-level group (LargeSpec.TopLevelGroups),
// a deeper subgroup tree (MaxDepth), shares inside the one hierarchy, and the outside
// group's share where OutsideShares says.
func TestLargeWorldOneOrganisation(t *testing.T) {
	spec := LargeSpec{Users: 2000, Groups: 1000, Projects: 3000, Seed: 1, TopLevelGroups: 1, MaxDepth: 5}
	for _, outside := range []OutsideShares{OutsideDefault, OutsideNone, OutsideSubgroup} {
		spec.OutsideShares = outside
		w := LargeWorld(spec, ModeGitLabCom)
		if !reflect.DeepEqual(w, LargeWorld(spec, ModeGitLabCom)) {
			t.Fatalf("outside %d: the same spec gave two different worlds", outside)
		}
		top := LargeGroupBase + 1
		tops, deepest, shares := 0, 0, 0
		for _, g := range w.Groups {
			if g.ID == LargeOutsideGroupID {
				continue
			}
			d := len(w.Ancestors(g.ID)) + 1
			deepest = max(deepest, d)
			if g.ParentID == 0 {
				tops++
			} else if r := w.Root(g.ID); r == nil || r.ID != top {
				t.Errorf("group %d is under %v, not the one top-level group", g.ID, r)
			}
			for _, s := range w.GroupShares[g.ID] {
				if s.GroupID == LargeOutsideGroupID {
					continue
				}
				shares++
				if s.GroupID == g.ID || w.Root(s.GroupID).ID != top {
					t.Errorf("group %d shared with %d", g.ID, s.GroupID)
				}
				for _, a := range w.Ancestors(g.ID) {
					if a.ID == s.GroupID {
						t.Errorf("group %d shared with its ancestor %d", g.ID, s.GroupID)
					}
				}
				for _, a := range w.Ancestors(s.GroupID) {
					if a.ID == g.ID {
						t.Errorf("group %d shared with its descendant %d", g.ID, s.GroupID)
					}
				}
			}
		}
		if tops != 1 || deepest != spec.MaxDepth || shares < spec.Groups/40 {
			t.Errorf("outside %d: %d top-level groups, depth %d, %d group shares", outside, tops, deepest, shares)
		}
		projectShares := 0
		for _, ss := range w.ProjectShares {
			for _, s := range ss {
				if s.GroupID != LargeOutsideGroupID {
					projectShares++
				}
			}
		}
		if projectShares < spec.Projects/50 {
			t.Errorf("outside %d: %d project shares", outside, projectShares)
		}

		var into []int64
		for gid, ss := range w.GroupShares {
			for _, s := range ss {
				if s.GroupID == LargeOutsideGroupID {
					into = append(into, gid)
				}
			}
		}
		for pid, ss := range w.ProjectShares {
			for _, s := range ss {
				if s.GroupID == LargeOutsideGroupID {
					into = append(into, pid)
				}
			}
		}
		switch outside {
		case OutsideNone:
			if w.Groups[LargeOutsideGroupID] != nil || len(into) != 0 {
				t.Errorf("OutsideNone: outside group %v shared into %v", w.Groups[LargeOutsideGroupID], into)
			}
		case OutsideSubgroup:
			if len(into) != 1 || w.Groups[into[0]] == nil || w.Groups[into[0]].ParentID == 0 {
				t.Errorf("OutsideSubgroup: shared into %v, want one subgroup", into)
			}
		case OutsideDefault:
			if w.Groups[LargeOutsideGroupID] == nil || len(into) != 3 {
				t.Errorf("OutsideDefault: shared into %v, want a top-level group, a subgroup and a project", into)
			}
		}
	}
}
