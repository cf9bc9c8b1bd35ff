package gitlabapi

import (
	"testing"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// Group.memberRoles with membersCount: how many custom roles a top-level group defines
// (GitLab.com) or the instance does (self-managed, through any group), and how many
// member rows hold one, as the world says.
func TestReadMemberRolesInUse(t *testing.T) {
	for _, mode := range []fg.Mode{fg.ModeGitLabCom, fg.ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			w := fg.DemoWorld(mode)
			defined, held := map[int64]int{}, map[int64]int{} // by the role's group (0: instance)
			roleGroup := map[int64]int64{}
			for id, r := range w.MemberRoles {
				defined[r.GroupID]++
				roleGroup[id] = r.GroupID
			}
			count := func(role int64) {
				if g, ok := roleGroup[role]; ok {
					held[g]++
				}
			}
			for _, byUser := range []map[int64]map[int64]*fg.Member{w.GroupMembers, w.ProjectMembers} {
				for _, ms := range byUser {
					for _, m := range ms {
						count(m.MemberRoleID)
					}
				}
			}
			for _, byNode := range []map[int64][]*fg.Invitation{w.GroupInvitations, w.ProjectInvitations} {
				for _, invs := range byNode {
					for _, inv := range invs {
						count(inv.MemberRoleID)
					}
				}
			}
			var paths []string
			pathOf := map[string]int64{}
			for _, g := range w.SortedGroups() {
				if g.ParentID == 0 {
					paths = append(paths, w.FullPath(g.ID))
					pathOf[w.FullPath(g.ID)] = g.ID
				}
			}
			e := newFakeEnv(t, mode, w)
			got, err := e.c.ReadMemberRolesInUse(e.ctx, paths, 0)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for path, r := range got {
				key := pathOf[path]
				if mode == fg.ModeSelfManaged {
					key = 0
				}
				if r.Defined != defined[key] || (r.Held > 0) != (held[key] > 0) {
					t.Errorf("%s: %d defined, %d held; the world: %d defined, %d held", path, r.Defined, r.Held, defined[key], held[key])
				}
				checked++
			}
			if checked == 0 || len(w.MemberRoles) == 0 {
				t.Fatalf("%d groups answered, %d roles in the world: the test tests nothing", checked, len(w.MemberRoles))
			}
		})
	}
}
