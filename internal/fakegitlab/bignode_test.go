package fakegitlab

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"
)

func TestBigGroupWorldIsDeterministic(t *testing.T) {
	spec := BigGroupSpec{Members: 3000, Subgroups: 40, Projects: 40, Seed: 3}
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		if !reflect.DeepEqual(BigGroupWorld(spec, mode), BigGroupWorld(spec, mode)) {
			t.Errorf("%s: the same seed gave two different worlds", mode)
		}
	}
	other := spec
	other.Seed = 4
	if reflect.DeepEqual(BigGroupWorld(spec, ModeSelfManaged), BigGroupWorld(other, ModeSelfManaged)) {
		t.Error("seeds 3 and 4 gave the same world")
	}
}

func TestBigGroupWorldShape(t *testing.T) {
	spec := DefaultBigGroupSpec
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			w := BigGroupWorld(spec, mode)
			if len(w.Groups) != 1+spec.Subgroups || len(w.Projects) != spec.Projects {
				t.Fatalf("%d groups, %d projects; want %d and %d", len(w.Groups), len(w.Projects), 1+spec.Subgroups, spec.Projects)
			}
			top := w.Groups[BigGroupID]
			if top == nil || top.ParentID != 0 || w.FullPath(BigGroupID) != BigGroupPath {
				t.Fatalf("top-level group %+v", top)
			}
			owner := w.Users[w.TokenUserID]
			if owner == nil || owner.ID != BigGroupTokenUserID || owner.IsAdmin != (mode == ModeSelfManaged) {
				t.Fatalf("token user %+v", owner)
			}
			if m := w.GroupMembers[BigGroupID][owner.ID]; m == nil || m.AccessLevel != Owner {
				t.Fatalf("the token's user is not an Owner of the top-level group: %+v", m)
			}

			// Every member 1..Members is a direct, active member of the top-level group,
			// with a mix of levels.
			members := w.GroupMembers[BigGroupID]
			if len(members) != spec.Members {
				t.Fatalf("%d direct members of the top-level group, want %d", len(members), spec.Members)
			}
			levels := map[AccessLevel]int{}
			roles, expiring := 0, 0
			for id := int64(1); id <= int64(spec.Members); id++ {
				m, u := members[id], w.Users[id]
				if m == nil || u == nil || u.State != StateActive || m.MembershipState != "active" {
					t.Fatalf("member %d: %+v, user %+v", id, m, u)
				}
				levels[m.AccessLevel]++
				if m.MemberRoleID != 0 {
					roles++
				}
				if m.ExpiresAt != "" {
					expiring++
					if m.ExpiresAt < "2031-01-01" {
						t.Errorf("member %d expires %s: too soon for a binary judging expiry on the wall clock", id, m.ExpiresAt)
					}
				}
			}
			for _, l := range []AccessLevel{MinimalAccess, Guest, Planner, Reporter, Developer, Maintainer, Owner} {
				if levels[l] == 0 {
					t.Errorf("no member at %s: %v", l, levels)
				}
			}
			if roles == 0 || expiring == 0 {
				t.Errorf("%d members with the custom role, %d expiring; want some of each", roles, expiring)
			}
			if r := w.MemberRoles[BigGroupRoleID]; r == nil || (mode == ModeGitLabCom) != (r.GroupID == BigGroupID) {
				t.Errorf("custom role %+v", r)
			}

			// Subgroups: below the top, nested, at most 4 deep; unique paths.
			paths := map[string]bool{}
			maxDepth := 0
			for _, g := range w.Groups {
				if w.Root(g.ID).ID != BigGroupID {
					t.Fatalf("group %d is not below the top-level group", g.ID)
				}
				maxDepth = max(maxDepth, len(w.Ancestors(g.ID))+1)
				if fp := w.FullPath(g.ID); paths[fp] {
					t.Errorf("duplicate full path %s", fp)
				} else {
					paths[fp] = true
				}
			}
			if maxDepth != 4 {
				t.Errorf("deepest group is %d levels deep, want 4", maxDepth)
			}
			for _, p := range w.Projects {
				if w.Groups[p.GroupID] == nil || p.OwnerID != 0 {
					t.Errorf("project %d is not in a group of the world: %+v", p.ID, p)
				}
			}

			// A few direct memberships below the top, never below an inherited level.
			below := 0
			check := func(where string, groupID int64, ms map[int64]*Member) {
				for uid, m := range ms {
					below++
					if w.Users[uid] == nil {
						t.Errorf("%s: member %d is no user", where, uid)
					}
					inherited := NoAccess
					for _, a := range append([]*Group{w.Groups[groupID]}, w.Ancestors(groupID)...) {
						if am := w.GroupMembers[a.ID][uid]; am != nil && am != m && am.AccessLevel != MinimalAccess {
							inherited = max(inherited, am.AccessLevel)
						}
					}
					if m.AccessLevel < inherited {
						t.Errorf("%s: member %d at %s below the inherited %s", where, uid, m.AccessLevel, inherited)
					}
				}
			}
			for _, g := range w.Groups {
				if g.ID != BigGroupID {
					if len(w.GroupMembers[g.ID]) == 0 {
						t.Errorf("subgroup %d has no direct member", g.ID)
					}
					check("subgroup "+strconv.FormatInt(g.ID, 10), g.ParentID, w.GroupMembers[g.ID])
				}
			}
			for _, p := range w.Projects {
				check("project "+strconv.FormatInt(p.ID, 10), p.GroupID, w.ProjectMembers[p.ID])
			}
			if below < spec.Subgroups+spec.Projects || below > 3*spec.Subgroups+2*spec.Projects {
				t.Errorf("%d direct memberships below the top-level group, want a few per subgroup and project", below)
			}
			if len(w.Users) <= spec.Members {
				t.Errorf("%d users: no outside collaborator", len(w.Users))
			}
			if len(w.GroupInvitations[BigGroupID]) != 1 {
				t.Errorf("invitations %v", w.GroupInvitations[BigGroupID])
			}
		})
	}
}

// The fake serves every member a page at a time, past 10,000 (where GitLab stops
// sending totals). 12,000 rather than 30,000: the fake sorts a node's whole member list
// for each page it serves (~20 ms a page at 30,000 members).
func TestBigGroupWorldServesEveryMember(t *testing.T) {
	spec := BigGroupSpec{Members: 12_000, Subgroups: 2, Projects: 2, Seed: 1}
	_, url := StartForTest(t, BigGroupWorld(spec, ModeSelfManaged), Options{Mode: ModeSelfManaged, Token: "t"})
	seen := map[int64]bool{}
	for page := "1"; page != ""; {
		req, _ := http.NewRequest(http.MethodGet, url+"/api/v4/groups/"+strconv.FormatInt(BigGroupID, 10)+"/members?per_page=100&page="+page, nil)
		req.Header.Set("PRIVATE-TOKEN", "t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ms []struct {
			ID int64 `json:"id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&ms)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("page %s: %d %v", page, resp.StatusCode, err)
		}
		for _, m := range ms {
			seen[m.ID] = true
		}
		page = resp.Header.Get("X-Next-Page")
	}
	if len(seen) != spec.Members {
		t.Errorf("the member listing gave %d members, want %d", len(seen), spec.Members)
	}
}
