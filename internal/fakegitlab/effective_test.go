package fakegitlab

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The oracle's table tests. Each case is named after the GitLab spec (file and context)
// it is taken from; the cases the fake adds for the review's findings (C1, C2, C3, C5) and
// for the fake's own rules say so.

// tw builds small worlds: users are created on first use, groups and projects by id.
type tw struct {
	*World
}

func newTW() tw {
	w := NewWorld()
	w.Now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	return tw{w}
}

func (w tw) user(id int64) {
	if w.Users[id] == nil {
		w.AddUser(&User{ID: id, Username: "u" + strconv.FormatInt(id, 10), Name: "U" + strconv.FormatInt(id, 10)})
	}
}

func (w tw) group(id, parent int64) tw {
	w.AddGroup(&Group{ID: id, ParentID: parent, Name: "G" + strconv.FormatInt(id, 10), Path: "g" + strconv.FormatInt(id, 10)})
	return w
}

func (w tw) project(id, group int64) tw {
	w.AddProject(&Project{ID: id, GroupID: group, Name: "P" + strconv.FormatInt(id, 10), Path: "p" + strconv.FormatInt(id, 10)})
	return w
}

func (w tw) personal(id, owner int64) tw {
	w.user(owner)
	w.AddProject(&Project{ID: id, OwnerID: owner, Name: "P" + strconv.FormatInt(id, 10), Path: "p" + strconv.FormatInt(id, 10)})
	w.SetProjectMember(id, &Member{UserID: owner, AccessLevel: Owner})
	return w
}

func (w tw) gm(group, user int64, level AccessLevel) *Member {
	w.user(user)
	m := &Member{UserID: user, AccessLevel: level}
	w.SetGroupMember(group, m)
	return m
}

func (w tw) pm(project, user int64, level AccessLevel) *Member {
	w.user(user)
	m := &Member{UserID: user, AccessLevel: level}
	w.SetProjectMember(project, m)
	return m
}

// gshare shares group with the invited group at level (group_group_link).
func (w tw) gshare(group, invited int64, level AccessLevel, role int64) {
	w.GroupShares[group] = append(w.GroupShares[group], Share{GroupID: invited, AccessLevel: level, MemberRoleID: role})
}

// pshare shares project with the invited group at level (project_group_link).
func (w tw) pshare(project, invited int64, level AccessLevel, role int64) {
	w.ProjectShares[project] = append(w.ProjectShares[project], Share{GroupID: invited, AccessLevel: level, MemberRoleID: role})
}

func (w tw) role(id int64, base AccessLevel, perms ...string) {
	w.MemberRoles[id] = &MemberRole{ID: id, Name: "role" + strconv.FormatInt(id, 10), BaseAccessLevel: base, Permissions: perms}
}

// perms is the union of the permissions of the custom roles, sorted.
func (w tw) perms(ids []int64) []string {
	set := map[string]bool{}
	for _, id := range ids {
		for _, p := range w.MemberRoles[id].Permissions {
			set[p] = true
		}
	}
	out := []string{}
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// auth is the user's project_authorizations as "project:level" pairs, sorted.
func auth(w *World, user int64) string {
	var parts []string
	for p, l := range w.ProjectAuthorizations(user) {
		parts = append(parts, fmt.Sprintf("%d:%d", p, l))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func wantProject(t *testing.T, w *World, project, user int64, want AccessLevel) {
	t.Helper()
	if got := w.ProjectAuthorizations(user)[project]; got != want {
		t.Errorf("project %d, user %d: project_authorizations level %v, want %v", project, user, got, want)
	}
	if got := w.EffectiveProjectAccess(project, user).Level; got != want {
		t.Errorf("project %d, user %d: EffectiveProjectAccess %v, want %v", project, user, got, want)
	}
	a, listed := w.EffectiveProjectMembers(project)[user]
	if listed != (want > NoAccess) || a.Level != want {
		t.Errorf("project %d, user %d: EffectiveProjectMembers %+v (listed %v), want %v", project, user, a, listed, want)
	}
}

func wantGroup(t *testing.T, w *World, group, user int64, want AccessLevel) {
	t.Helper()
	if got := w.EffectiveGroupAccess(group, user).Level; got != want {
		t.Errorf("group %d, user %d: EffectiveGroupAccess %v, want %v", group, user, got, want)
	}
	a, listed := w.EffectiveGroupMembers(group)[user]
	if listed != (want > NoAccess) || a.Level != want {
		t.Errorf("group %d, user %d: EffectiveGroupMembers %+v (listed %v), want %v", group, user, a, listed, want)
	}
}

// spec/lib/gitlab/project_authorizations_spec.rb
func TestProjectAuthorizationsSpec(t *testing.T) {
	const user = 100
	t.Run("user added to group and project", func(t *testing.T) {
		w := newTW().group(1, 0)
		w.personal(10, 200) // other_project: someone else's
		w.project(11, 1)    // group_project
		w.personal(12, user)
		w.pm(10, user, Reporter)
		w.gm(1, user, Developer)
		// "returns the correct number of authorizations", "includes the correct access levels"
		if got := auth(w.World, user); got != "10:20 11:30 12:50" {
			t.Errorf("authorizations %s", got)
		}
	})
	// "unapproved access request": the fake keeps no access requests (requested_at) among
	// its members, so these cases cannot be built.
	t.Run("user with minimal access to group", func(t *testing.T) {
		for _, ctx := range []string{"group membership", "inherited group membership", "shared group", "shared project"} {
			w := newTW().group(1, 0)
			var project int64
			switch ctx {
			case "group membership":
				w.project(10, 1)
				project = 10
			case "inherited group membership":
				w.group(2, 1).project(10, 2)
				project = 10
			case "shared group":
				w.group(3, 0).project(10, 3)
				w.gshare(3, 1, Developer, 0)
				project = 10
			case "shared project":
				w.group(3, 0).project(10, 3)
				w.pshare(10, 1, Developer, 0)
				project = 10
			}
			w.gm(1, user, MinimalAccess)
			t.Run(ctx, func(t *testing.T) { wantProject(t, w.World, project, user, NoAccess) })
		}
	})
	t.Run("with nested groups", func(t *testing.T) {
		w := newTW().group(1, 0).group(2, 1).project(10, 2)
		w.gm(1, user, Developer)
		t.Run("inherits access levels when the user is not a member of a nested group", func(t *testing.T) {
			wantProject(t, w.World, 10, user, Developer)
		})
		w.gm(2, user, Maintainer)
		t.Run("uses the greatest access level when a user is a member of a nested group", func(t *testing.T) {
			wantProject(t, w.World, 10, user, Maintainer)
		})
	})
	t.Run("with shared projects", func(t *testing.T) {
		w := newTW().group(1, 0).group(2, 0).project(10, 2)
		w.pshare(10, 1, Developer, 0)
		w.gm(1, user, Maintainer)
		wantProject(t, w.World, 10, user, Developer)
		t.Run("when the group containing the project has forbidden group shares for any of its projects", func(t *testing.T) {
			w.SetShareWithGroupLock(2, true)
			wantProject(t, w.World, 10, user, NoAccess)
		})
	})
	t.Run("with shared groups", func(t *testing.T) {
		// group_parent 1 > group 2 > group_child 3; shared_group_parent 4 > shared_group 5 >
		// shared_group_child 6; project_parent 10, project 11, project_child 12. The
		// group_group_link factory's group_access is Developer.
		build := func() tw {
			w := newTW().group(1, 0).group(2, 1).group(3, 2).group(4, 0).group(5, 4).group(6, 5)
			w.project(10, 4).project(11, 5).project(12, 6)
			w.gm(1, 101, Owner) // parent_group_user
			w.gm(2, 102, Owner) // group_user
			w.gm(3, 103, Owner) // child_group_user
			w.gshare(5, 2, Developer, 0)
			return w
		}
		cases := []struct {
			ctx        string
			user       int64
			arrange    func(w tw)
			p10, p, pc AccessLevel
		}{
			{"group user", 102, nil, NoAccess, Developer, Developer},
			{"with lower group access level than max access level for share", 104, func(w tw) { w.gm(2, 104, Reporter) }, NoAccess, Reporter, Reporter},
			{"parent group user", 101, nil, NoAccess, NoAccess, NoAccess},
			{"child group user", 103, nil, NoAccess, NoAccess, NoAccess},
			{"user without accepted access request", 105, func(w tw) { w.gm(2, 105, Developer).MembershipState = "awaiting" }, NoAccess, NoAccess, NoAccess},
		}
		for _, tc := range cases {
			t.Run(tc.ctx, func(t *testing.T) {
				w := build()
				if tc.arrange != nil {
					tc.arrange(w)
				}
				wantProject(t, w.World, 10, tc.user, tc.p10)
				wantProject(t, w.World, 11, tc.user, tc.p)
				wantProject(t, w.World, 12, tc.user, tc.pc)
			})
		}
		t.Run("unrelated project owner", func(t *testing.T) {
			// A group and a personal project with the same id: the project's owner gets
			// nothing in the group's shares.
			w := build()
			w.group(7, 0)
			w.personal(7, 106)
			if got := auth(w.World, 106); got != "7:50" {
				t.Errorf("authorizations %s", got)
			}
		})
	})
	t.Run("with pending memberships", func(t *testing.T) {
		for _, ctx := range []string{"group membership", "inherited group membership", "project membership", "shared group", "shared project"} {
			w := newTW().group(1, 0)
			w.project(10, 1)
			project := int64(10)
			switch ctx {
			case "inherited group membership":
				w.group(2, 1).project(11, 2)
				project = 11
			case "shared group":
				w.group(3, 0).project(12, 3)
				w.gshare(3, 1, Developer, 0)
				project = 12
			case "shared project":
				w.group(3, 0).project(12, 3)
				w.pshare(12, 1, Developer, 0)
				project = 12
			}
			if ctx == "project membership" {
				w.pm(10, user, Developer).MembershipState = "awaiting"
			} else {
				w.gm(1, user, Developer).MembershipState = "awaiting"
			}
			t.Run(ctx, func(t *testing.T) { wantProject(t, w.World, project, user, NoAccess) })
		}
	})
}

// spec/models/members/members/members_with_parents_spec.rb and spec/models/group_spec.rb
// (#members_with_parents, #max_member_access_for_user).
func TestMembersWithParentsSpec(t *testing.T) {
	t.Run("members_with_parents_spec #members", func(t *testing.T) {
		// group (2) is nested under 1: maintainer (101) of the parent, developer (102) of
		// the group, pending (awaiting) maintainer (103) of the parent and developer (104) of
		// the group, a deactivated developer (105), a minimal access member (106).
		w := newTW().group(1, 0).group(2, 1)
		w.gm(1, 101, Maintainer)
		w.gm(2, 102, Developer)
		w.gm(1, 103, Maintainer).MembershipState = "awaiting"
		w.gm(2, 104, Developer).MembershipState = "awaiting"
		w.gm(2, 105, Developer)
		w.Users[105].State = StateDeactivated
		w.gm(2, 106, MinimalAccess)
		got := w.EffectiveGroupMembers(2)
		want := map[int64]AccessLevel{101: Maintainer, 102: Developer, 105: Developer}
		if len(got) != len(want) {
			t.Errorf("members %v", got)
		}
		for uid, l := range want {
			wantGroup(t, w.World, 2, uid, l)
		}
		t.Run("with group sharing", func(t *testing.T) {
			w.group(3, 0)
			w.gm(3, 107, Maintainer)
			w.gm(3, 108, Developer)
			w.gshare(2, 3, Developer, 0)
			wantGroup(t, w.World, 2, 107, Developer)
			wantGroup(t, w.World, 2, 108, Developer)
		})
	})
	t.Run("group_spec #members_with_parents group sharing returns shared with group active members", func(t *testing.T) {
		w := newTW().group(1, 0).group(2, 1).group(3, 0)
		w.gm(2, 102, Developer)
		w.gm(2, 104, Developer).MembershipState = "awaiting"
		w.gshare(3, 2, Developer, 0)
		wantGroup(t, w.World, 3, 102, Developer)
		wantGroup(t, w.World, 3, 104, NoAccess)
	})
	t.Run("group_spec #max_member_access_for_user with shared groups", func(t *testing.T) {
		// group_parent 1 > group 2 > group_child 3; shared_group_parent 4 > shared_group 5 >
		// shared_group_child 6; shared_group shared with group at Developer.
		w := newTW().group(1, 0).group(2, 1).group(3, 2).group(4, 0).group(5, 4).group(6, 5)
		w.gm(1, 101, Owner)
		w.gm(2, 102, Owner)
		w.gm(3, 103, Owner)
		w.gshare(5, 2, Developer, 0)
		for _, tc := range []struct {
			ctx       string
			user      int64
			p, s, sch AccessLevel
		}{
			{"with user in the group", 102, NoAccess, Developer, Developer},
			{"with user in the parent group", 101, NoAccess, NoAccess, NoAccess},
			{"with user in the child group", 103, NoAccess, NoAccess, NoAccess},
		} {
			t.Run(tc.ctx, func(t *testing.T) {
				wantGroup(t, w.World, 4, tc.user, tc.p)
				wantGroup(t, w.World, 5, tc.user, tc.s)
				wantGroup(t, w.World, 6, tc.user, tc.sch)
			})
		}
	})
	t.Run("group_spec #max_member_access_for_user multiple groups shared with group", func(t *testing.T) {
		w := newTW().group(1, 0).group(2, 0).group(3, 2)
		w.gm(1, 101, Owner)
		w.gshare(3, 1, Developer, 0)
		w.gshare(2, 1, Maintainer, 0)
		wantGroup(t, w.World, 3, 101, Maintainer)
	})
}

// Custom roles: the EE preloaders' specs.
// ee/spec/models/preloaders/user_member_roles_in_groups_preloader_spec.rb and
// ee/spec/models/preloaders/user_member_roles_in_projects_preloader_spec.rb, with
// ee/spec/support/shared_contexts/.../member_roles shared context 'with multiple users in
// a group with custom roles' and 'with a user in multiple groups with custom role'.
func TestMemberRolesPreloaderSpec(t *testing.T) {
	const user = 100
	// group 1 > sub_group_1 (2), sub_group_2 (3); project (10) in sub_group_1 stands for
	// the projects preloader's project in sub_group.
	base := func() tw {
		w := newTW().group(1, 0).group(2, 1).group(3, 1).project(10, 2)
		w.role(1, Guest, "read_code")
		w.role(2, Guest, "read_vulnerability")
		return w
	}
	t.Run("groups preloader: when a user is assigned to different custom roles in group and subgroup", func(t *testing.T) {
		w := base()
		w.gm(1, user, Guest).MemberRoleID = 2
		w.gm(2, user, Guest).MemberRoleID = 1
		if got := w.EffectiveGroupAccess(2, user).MemberRoleIDs; !slices.Equal(got, []int64{1, 2}) {
			t.Errorf("sub_group_1 roles %v", got)
		}
		if got := w.EffectiveGroupAccess(3, user).MemberRoleIDs; !slices.Equal(got, []int64{2}) {
			t.Errorf("sub_group_2 roles %v", got)
		}
	})
	t.Run("groups preloader: when group membership has no custom role", func(t *testing.T) {
		w := base()
		w.gm(1, user, Guest)
		if got := w.EffectiveGroupAccess(2, user).MemberRoleIDs; len(got) != 0 {
			t.Errorf("roles %v", got)
		}
	})
	t.Run("groups preloader: ignores custom role outside of group hierarchy", func(t *testing.T) {
		w := base().group(4, 1)
		w.gm(2, user, Guest)
		w.gm(4, user, Guest).MemberRoleID = 1 // sub_group_3
		for _, g := range []int64{2, 3} {
			if got := w.EffectiveGroupAccess(g, user).MemberRoleIDs; len(got) != 0 {
				t.Errorf("group %d roles %v", g, got)
			}
		}
	})
	t.Run("projects preloader: when a user is assigned custom roles in both group and project", func(t *testing.T) {
		w := base()
		w.gm(1, user, Guest).MemberRoleID = 2
		w.pm(10, user, Guest).MemberRoleID = 1
		if got := w.EffectiveProjectAccess(10, user).MemberRoleIDs; !slices.Equal(got, []int64{1, 2}) {
			t.Errorf("roles %v", got)
		}
	})
	t.Run("projects preloader: when a user is assigned custom roles in group, sub_group and project", func(t *testing.T) {
		w := base()
		w.role(3, Guest, "admin_merge_request")
		w.gm(1, user, Guest).MemberRoleID = 1
		w.gm(2, user, Guest).MemberRoleID = 2
		w.pm(10, user, Guest).MemberRoleID = 3
		if got := w.perms(w.EffectiveProjectAccess(10, user).MemberRoleIDs); !slices.Equal(got, []string{"admin_merge_request", "read_code", "read_vulnerability"}) {
			t.Errorf("permissions %v", got)
		}
	})

	// 'returns expected member role abilities': the invited group (5) holds users a..e;
	// the top-level group 1 is shared with it; the preloaders look at sub_group_1 (groups)
	// and the project in it (projects).
	const (
		guestReadRunners          = 11
		guestReadVulnerability    = 12
		developerAdminVulnerabity = 13
	)
	type member struct {
		level AccessLevel
		role  int64
	}
	users := map[string]member{
		"user_a": {Guest, guestReadRunners},
		"user_b": {Guest, guestReadVulnerability},
		"user_c": {Guest, 0},
		"user_d": {Developer, 0},
		"user_e": {Developer, developerAdminVulnerabity},
	}
	rows := []struct {
		access AccessLevel
		role   int64
		member string
		want   []string
	}{
		{Guest, 0, "user_a", nil},
		{Guest, 0, "user_b", nil},
		{Guest, 0, "user_c", nil},
		{Guest, 0, "user_d", nil},
		{Guest, 0, "user_e", nil},
		{Guest, guestReadRunners, "user_a", []string{"read_runners"}},
		{Guest, guestReadRunners, "user_b", []string{"read_vulnerability"}},
		{Guest, guestReadRunners, "user_c", nil},
		{Guest, guestReadRunners, "user_d", []string{"read_runners"}},
		{Guest, guestReadRunners, "user_e", []string{"read_runners"}},
		{Guest, guestReadVulnerability, "user_a", []string{"read_runners"}},
		{Guest, guestReadVulnerability, "user_b", []string{"read_vulnerability"}},
		{Guest, guestReadVulnerability, "user_c", nil},
		{Guest, guestReadVulnerability, "user_d", []string{"read_vulnerability"}},
		{Guest, guestReadVulnerability, "user_e", []string{"read_vulnerability"}},
		{Developer, 0, "user_a", []string{"read_runners"}},
		{Developer, 0, "user_b", []string{"read_vulnerability"}},
		{Developer, 0, "user_c", nil},
		{Developer, 0, "user_d", nil},
		{Developer, 0, "user_e", nil},
		{Developer, developerAdminVulnerabity, "user_a", []string{"read_runners"}},
		{Developer, developerAdminVulnerabity, "user_b", []string{"read_vulnerability"}},
		{Developer, developerAdminVulnerabity, "user_c", nil},
		{Developer, developerAdminVulnerabity, "user_d", nil},
		{Developer, developerAdminVulnerabity, "user_e", []string{"admin_vulnerability", "read_vulnerability"}},
	}
	for _, r := range rows {
		name := fmt.Sprintf("returns expected member role abilities: link %v role %d, %s", r.access, r.role, r.member)
		t.Run(name, func(t *testing.T) {
			w := base().group(5, 0)
			w.role(guestReadRunners, Guest, "read_runners")
			w.role(guestReadVulnerability, Guest, "read_vulnerability")
			w.role(developerAdminVulnerabity, Developer, "admin_vulnerability", "read_vulnerability")
			m := users[r.member]
			w.gm(5, user, m.level).MemberRoleID = m.role
			w.gshare(1, 5, r.access, r.role)
			want := r.want
			if want == nil {
				want = []string{}
			}
			if got := w.perms(w.EffectiveGroupAccess(2, user).MemberRoleIDs); !slices.Equal(got, want) {
				t.Errorf("group: %v, want %v", got, want)
			}
			if got := w.perms(w.EffectiveProjectAccess(10, user).MemberRoleIDs); !slices.Equal(got, want) {
				t.Errorf("project: %v, want %v", got, want)
			}
		})
	}

	// 'returns expected member role abilities for the user': the user is a Reporter of
	// group_a (6) and a Reporter with reporter_member_role of group_b (7); both are invited.
	const reporterMemberRole = 14
	for _, r := range []struct {
		aAccess, bAccess AccessLevel
		bRole            int64
		want             []string
	}{
		{Reporter, Developer, 0, []string{"admin_cicd_variables"}},
		{Reporter, Reporter, 0, []string{}},
		{Reporter, Reporter, reporterMemberRole, []string{"admin_cicd_variables"}},
	} {
		name := fmt.Sprintf("returns expected member role abilities for the user: group_a %v, group_b %v role %d", r.aAccess, r.bAccess, r.bRole)
		t.Run(name, func(t *testing.T) {
			w := base().group(6, 0).group(7, 0)
			w.role(reporterMemberRole, Reporter, "admin_cicd_variables")
			w.gm(6, user, Reporter)
			w.gm(7, user, Reporter).MemberRoleID = reporterMemberRole
			w.gshare(1, 6, r.aAccess, 0)
			w.gshare(1, 7, r.bAccess, r.bRole)
			if got := w.perms(w.EffectiveGroupAccess(2, user).MemberRoleIDs); !slices.Equal(got, r.want) {
				t.Errorf("group: %v, want %v", got, r.want)
			}
			if got := w.perms(w.EffectiveProjectAccess(10, user).MemberRoleIDs); !slices.Equal(got, r.want) {
				t.Errorf("project: %v, want %v", got, r.want)
			}
		})
	}
}

// ee/spec/models/concerns/authz/member_role_in_shared_resource_spec.rb
// (#member_role_id_in_shared_resource): the role a group share shows for the member, both
// through the function and in the group's members/all row.
func TestMemberRoleInSharedResourceSpec(t *testing.T) {
	const userRole, groupRole = 21, 22
	for _, r := range []struct {
		user      AccessLevel
		userRole  bool
		link      AccessLevel
		linkRole  bool
		want      int64
		situation string
	}{
		{10, false, 30, false, 0, "user's access level in invited group < invited group's access_level"},
		{10, true, 30, false, userRole, "user's access level in invited group < invited group's access_level"},
		{10, false, 30, true, 0, "user's access level in invited group < invited group's access_level"},
		{10, true, 30, true, userRole, "user's access level in invited group < invited group's access_level"},
		{30, false, 10, false, 0, "user's access level in invited group > invited group's access_level"},
		{30, true, 10, false, 0, "user's access level in invited group > invited group's access_level"},
		{30, false, 10, true, groupRole, "user's access level in invited group > invited group's access_level"},
		{30, true, 10, true, groupRole, "user's access level in invited group > invited group's access_level"},
		{10, false, 10, false, 0, "user's access level in invited group == invited group's access_level"},
		{10, true, 10, false, 0, "user's access level in invited group == invited group's access_level"},
		{10, false, 10, true, 0, "user's access level in invited group == invited group's access_level"},
		{10, true, 10, true, userRole, "user's access level in invited group == invited group's access_level"},
	} {
		name := fmt.Sprintf("%s: user %v role %v, link %v role %v", r.situation, r.user, r.userRole, r.link, r.linkRole)
		t.Run(name, func(t *testing.T) {
			m := &Member{AccessLevel: r.user}
			s := Share{AccessLevel: r.link}
			if r.userRole {
				m.MemberRoleID = userRole
			}
			if r.linkRole {
				s.MemberRoleID = groupRole
			}
			if got := memberRoleInSharedResource(m, s); got != r.want {
				t.Errorf("member_role_id %d, want %d", got, r.want)
			}
			// "with a shared group": the members/all row of the shared group.
			w := newTW().group(1, 0).group(2, 0)
			w.role(userRole, r.user)
			w.role(groupRole, r.link)
			w.gm(2, 100, r.user).MemberRoleID = m.MemberRoleID
			w.gshare(1, 2, r.link, s.MemberRoleID)
			if a := w.EffectiveGroupAccess(1, 100); a.MemberRoleID != r.want || a.Row == nil || a.Level != min(r.user, r.link) {
				t.Errorf("shared group: %+v, want role %d", a, r.want)
			}
		})
	}
}

// C1 (review): a project shared with group B reaches the direct members of a group C
// that B, or an ancestor of B, is shared with, capped by both links
// (project_authorizations.rb: C's members have B in their CTE through (b), and through (c)
// when the share is on B's ancestor). members/all of the project does not list them
// (MembersFinder does not look at the invited group's shares).
func TestEffectiveC1ProjectShareThroughGroupShare(t *testing.T) {
	// 1 > project 10; 2 (B's parent) > 3 (B); 4 (C), 5 (D).
	w := newTW().group(1, 0).group(2, 0).group(3, 2).group(4, 0).group(5, 0).project(10, 1)
	w.gm(1, 100, Owner)
	w.pshare(10, 3, Developer, 0)
	w.gshare(3, 4, Maintainer, 0) // B shared with C
	w.gshare(2, 5, Reporter, 0)   // B's parent shared with D
	w.gm(4, 101, Owner)
	w.gm(4, 102, Guest)
	w.gm(5, 103, Maintainer)
	wantProject(t, w.World, 10, 101, Developer) // min(Owner, Maintainer, Developer)
	wantProject(t, w.World, 10, 102, Guest)
	wantProject(t, w.World, 10, 103, Reporter) // D reaches B's parent, so B; min(Maintainer, Reporter, Developer)
	for _, uid := range []int64{101, 102, 103} {
		if a := w.EffectiveProjectAccess(10, uid); a.Row != nil {
			t.Errorf("user %d: members/all row %+v, want none", uid, a.Row)
		}
		if _, ok := w.projectListRows(10, listOpts{withAwaiting: true}, nil, nil)[uid]; ok {
			t.Errorf("user %d listed by members/all", uid)
		}
	}
	// The group share alone gives nothing in the project's own group.
	wantGroup(t, w.World, 1, 101, NoAccess)
}

// C2 (review): a share at exactly the member's level drops the member's custom role
// unless the link has one (member_role_in_shared_resource.rb,
// user_member_roles_in_groups_preloader.rb).
func TestEffectiveC2EqualLevelShare(t *testing.T) {
	for _, linkRole := range []int64{0, 8} {
		w := newTW().group(1, 0).group(2, 1).group(3, 0).project(10, 2)
		w.role(7, Reporter, "read_vulnerability")
		w.role(8, Reporter, "read_code")
		w.gm(3, 100, Reporter).MemberRoleID = 7
		w.gshare(1, 3, Reporter, linkRole)
		want := []int64{7}
		if linkRole == 0 {
			want = nil
		}
		for _, a := range []Access{w.EffectiveGroupAccess(2, 100), w.EffectiveProjectAccess(10, 100), w.EffectiveGroupMembers(2)[100], w.EffectiveProjectMembers(10)[100]} {
			if a.Level != Reporter || !slices.Equal(a.MemberRoleIDs, want) {
				t.Errorf("link role %d: %+v, want Reporter with roles %v", linkRole, a, want)
			}
		}
		if a := w.EffectiveGroupAccess(1, 100); a.MemberRoleID != slices.Max(append([]int64{0}, want...)) {
			t.Errorf("link role %d: members/all shows role %d", linkRole, a.MemberRoleID)
		}
	}
}

// C3 (review): custom roles add up over the hierarchy (the preloaders merge every role
// on the traversal ids): Developer on top plus an Auditor role on mid give Developer and
// the Auditor's permissions on leaf.
func TestEffectiveC3StackedCustomRoles(t *testing.T) {
	w := newTW().group(1, 0).group(2, 1).group(3, 2).project(10, 3)
	w.role(7, Reporter, "read_vulnerability")
	w.role(9, Developer, "admin_merge_request")
	w.gm(1, 100, Developer)
	w.gm(2, 100, Reporter).MemberRoleID = 7
	w.gm(3, 100, Developer).MemberRoleID = 9
	for _, a := range []Access{w.EffectiveGroupAccess(3, 100), w.EffectiveProjectAccess(10, 100)} {
		if a.Level != Developer || !slices.Equal(a.MemberRoleIDs, []int64{7, 9}) {
			t.Errorf("%+v, want Developer with roles 7 and 9", a)
		}
	}
	if a := w.EffectiveGroupAccess(2, 100); a.Level != Developer || !slices.Equal(a.MemberRoleIDs, []int64{7}) {
		t.Errorf("mid: %+v", a)
	}
	// The members/all row of leaf is the leaf's own (a tie goes to the group's own row).
	if a := w.EffectiveGroupAccess(3, 100); a.Row != w.GroupMembers[3][100] || a.MemberRoleID != 9 {
		t.Errorf("leaf row %+v", a)
	}
}

// C5 (review): share_with_group_lock. project_authorizations.rb ignores project shares of
// a project whose namespace is locked; Namespace keeps the lock on every descendant.
func TestEffectiveC5ShareWithGroupLock(t *testing.T) {
	w := newTW().group(1, 0).group(2, 1).group(5, 0).project(10, 2)
	w.gm(5, 101, Developer)
	w.pshare(10, 5, Reporter, 0)
	wantProject(t, w.World, 10, 101, Reporter)
	w.SetShareWithGroupLock(1, true) // force_share_with_group_lock_on_descendants
	if !w.Groups[2].ShareWithGroupLock || !w.ShareWithGroupLocked(2) {
		t.Fatal("locking a group did not lock its subgroup")
	}
	wantProject(t, w.World, 10, 101, NoAccess)
	// sync_share_with_group_lock_with_parent: a new subgroup of a locked group is locked.
	w.group(3, 1).project(11, 3)
	if !w.Groups[3].ShareWithGroupLock {
		t.Fatal("new subgroup of a locked group is not locked")
	}
	// MembersFinder still lists the invited members, at access level 0
	// (coerce_to_no_access) when they have no project authorization.
	r, ok := w.projectListRows(10, listOpts{}, nil, nil)[101]
	if !ok || r.level != NoAccess || r.roleID != 0 {
		t.Errorf("members/all row under the lock: %+v %v", r, ok)
	}
	// Unlocking the group alone leaves the subgroup locked.
	w.SetShareWithGroupLock(1, false)
	if !w.ShareWithGroupLocked(2) {
		t.Error("unlocking the parent unlocked the subgroup")
	}
	// Group shares are not affected by the lock.
	w.gshare(2, 5, Guest, 0)
	wantProject(t, w.World, 10, 101, Guest)
}

// Minimal Access: only on the top-level group that holds it (project_authorizations_spec
// 'user with minimal access to group', members_with_parents' non_minimal_access, EE
// minimal_access_role_allowed?: top-level groups only).
func TestEffectiveMinimalAccess(t *testing.T) {
	w := newTW().group(1, 0).group(2, 1).group(3, 0).project(10, 2)
	w.gm(1, 101, MinimalAccess)
	w.gm(3, 102, MinimalAccess)
	w.gshare(2, 3, Developer, 0)
	wantGroup(t, w.World, 1, 101, MinimalAccess)
	wantGroup(t, w.World, 2, 101, NoAccess)
	wantProject(t, w.World, 10, 101, NoAccess)
	wantGroup(t, w.World, 2, 102, NoAccess) // not shared
	wantGroup(t, w.World, 3, 102, MinimalAccess)
	if len(w.NamespaceAuthorizations(101)) != 0 {
		t.Errorf("minimal access in the CTE: %v", w.NamespaceAuthorizations(101))
	}
	if a := w.EffectiveGroupAccess(1, 101); a.Direct == nil || a.Row == nil {
		t.Errorf("minimal access member: %+v", a)
	}
}

// Awaiting members (members.state = awaiting) give nothing: the CTE and
// members_with_parents require state active (project_authorizations_spec 'with pending
// memberships'). Their rows still count where GitLab reads rows: the inherited floor and
// GET /groups?min_access_level; members/all lists them.
func TestAwaitingMemberHasNoAccess(t *testing.T) {
	w := newTW().group(1, 0).group(2, 1).group(3, 2).group(4, 0).project(10, 2)
	w.gm(1, 101, Developer).MembershipState = "awaiting"
	w.gm(2, 102, Maintainer).MembershipState = "awaiting"
	w.gm(1, 102, Guest)
	w.gm(4, 103, Owner).MembershipState = "awaiting"
	w.gshare(2, 4, Reporter, 0)
	w.pm(10, 104, Developer).MembershipState = "awaiting"
	for _, g := range []int64{1, 2, 3} {
		wantGroup(t, w.World, g, 101, NoAccess)
	}
	wantProject(t, w.World, 10, 101, NoAccess)
	wantGroup(t, w.World, 2, 102, Guest)
	wantGroup(t, w.World, 3, 103, NoAccess)
	wantProject(t, w.World, 10, 104, NoAccess)
	if a := w.EffectiveGroupAccess(2, 102); a.Direct != nil || a.Row != w.GroupMembers[1][102] {
		t.Errorf("user 102 on sub: %+v", a)
	}
	if l, g := w.InheritedFloor(3, 0, 102); l != Maintainer || g.ID != 2 {
		t.Errorf("floor with an awaiting Maintainer row on sub = %v %v", l, g)
	}
	// members/all shows the higher awaiting row.
	if r := w.groupListRows(2, listOpts{withAwaiting: true})[102]; r.m != w.GroupMembers[2][102] || r.level != Maintainer {
		t.Errorf("members/all row of 102 on sub: %+v", r)
	}
}

// Expiry: RemoveExpiredMembersWorker / RemoveExpiredGroupLinksWorker delete rows whose
// expires_at has come (Expirable.expired: expires_at <= now); the fake treats them as
// gone on that date.
func TestEffectiveExpiry(t *testing.T) {
	w := newTW().group(1, 0).group(2, 1).group(3, 0).group(4, 0).project(10, 2)
	w.gm(1, 108, Developer).ExpiresAt = "2026-10-31"
	w.gm(1, 109, Developer).ExpiresAt = "2026-11-01" // today: expired
	w.gm(1, 110, Developer).ExpiresAt = "2026-11-02"
	for uid, want := range map[int64]AccessLevel{108: NoAccess, 109: NoAccess, 110: Developer} {
		wantGroup(t, w.World, 2, uid, want)
		wantProject(t, w.World, 10, uid, want)
	}
	w.gm(3, 111, Developer)
	w.GroupShares[2] = []Share{{GroupID: 3, AccessLevel: Reporter, ExpiresAt: "2026-11-01"}}
	w.gm(4, 112, Developer)
	w.ProjectShares[10] = []Share{{GroupID: 4, AccessLevel: Reporter, ExpiresAt: "2026-11-01"}}
	wantGroup(t, w.World, 2, 111, NoAccess)
	wantProject(t, w.World, 10, 112, NoAccess)
	// The clock moves back: the same rows count again (the cache sees the date).
	w.Now = w.Now.AddDate(0, 0, -1)
	wantGroup(t, w.World, 2, 111, Reporter)
	wantProject(t, w.World, 10, 112, Reporter)
	wantProject(t, w.World, 10, 109, Developer)
}

// Planner (15) is a level like the others (Gitlab::Access::PLANNER).
func TestEffectivePlanner(t *testing.T) {
	w := newTW().group(1, 0).group(2, 1).group(3, 0).project(10, 2)
	w.gm(1, 101, Planner)
	w.gm(3, 102, Developer)
	w.gshare(2, 3, Planner, 0)
	wantGroup(t, w.World, 2, 101, Planner)
	wantProject(t, w.World, 10, 101, Planner)
	wantGroup(t, w.World, 2, 102, Planner)
	wantProject(t, w.World, 10, 102, Planner)
}

// A personal project shared with a group gives the group's members access too: the
// CTE's project links are not limited to group projects.
func TestEffectivePersonalProject(t *testing.T) {
	w := newTW().group(1, 0).personal(11, 104)
	w.gm(1, 101, Developer)
	wantProject(t, w.World, 11, 104, Owner)
	wantProject(t, w.World, 11, 101, NoAccess)
	w.pshare(11, 1, Reporter, 0)
	wantProject(t, w.World, 11, 101, Reporter)
}

// The cache of project authorizations follows every write, even one made straight into
// the World's maps.
func TestProjectAuthorizationsCacheFollowsWrites(t *testing.T) {
	w := newTW().group(1, 0).group(2, 0).project(10, 1)
	w.gm(1, 101, Developer)
	wantProject(t, w.World, 10, 101, Developer)
	w.GroupMembers[1][101].AccessLevel = Maintainer
	wantProject(t, w.World, 10, 101, Maintainer)
	delete(w.GroupMembers[1], 101)
	wantProject(t, w.World, 10, 101, NoAccess)
	w.GroupMembers[2] = map[int64]*Member{101: {UserID: 101, AccessLevel: Guest, MembershipState: "active"}}
	w.Projects[10].GroupID = 2
	wantProject(t, w.World, 10, 101, Guest)
	w.Groups[2].ShareWithGroupLock = true // no effect on the project's own namespace
	wantProject(t, w.World, 10, 101, Guest)
}

// Two encodings of GitLab agree on generated worlds: the CTE's namespaces against
// members_with_parents (group levels), each user's project_authorizations against
// EffectiveProjectMembers, single-user calls against the member maps.
func TestEffectiveEncodingsAgree(t *testing.T) {
	worlds := map[string]*World{
		"demo gitlab.com":   DemoWorld(ModeGitLabCom),
		"demo self-managed": DemoWorld(ModeSelfManaged),
		"large":             LargeWorld(LargeSpec{Users: 600, Groups: 60, Projects: 150, Seed: 3}, ModeGitLabCom),
	}
	for name, w := range worlds {
		t.Run(name, func(t *testing.T) {
			groupMembers := map[int64]map[int64]Access{}
			for _, g := range w.SortedGroups() {
				groupMembers[g.ID] = w.EffectiveGroupMembers(g.ID)
			}
			projectMembers := map[int64]map[int64]Access{}
			for _, p := range w.SortedProjects() {
				projectMembers[p.ID] = w.EffectiveProjectMembers(p.ID)
			}
			for _, u := range w.SortedUsers() {
				ns := w.NamespaceAuthorizations(u.ID)
				for gid, members := range groupMembers {
					want := members[u.ID].Level
					if want == MinimalAccess {
						want = NoAccess // the CTE leaves Minimal Access out
					}
					if ns[gid] != want {
						t.Fatalf("user %d group %d: CTE %v, members_with_parents %v", u.ID, gid, ns[gid], members[u.ID].Level)
					}
				}
				pa := w.ProjectAuthorizations(u.ID)
				for pid, members := range projectMembers {
					if pa[pid] != members[u.ID].Level {
						t.Fatalf("user %d project %d: CTE %v, EffectiveProjectMembers %v", u.ID, pid, pa[pid], members[u.ID].Level)
					}
				}
			}
			// Single-user calls agree with the maps (a sample, to keep it fast).
			for i, u := range w.SortedUsers() {
				if i%7 != 0 {
					continue
				}
				for gid, members := range groupMembers {
					if a := w.EffectiveGroupAccess(gid, u.ID); a.Level != members[u.ID].Level || !slices.Equal(a.MemberRoleIDs, members[u.ID].MemberRoleIDs) || a.MemberRoleID != members[u.ID].MemberRoleID {
						t.Fatalf("user %d group %d: %+v against %+v", u.ID, gid, a, members[u.ID])
					}
				}
				for pid, members := range projectMembers {
					a := w.EffectiveProjectAccess(pid, u.ID)
					if a.Level == NoAccess {
						a.Row = nil // listed at access level 0 (a locked project's invited row), not a member
					}
					if a.Level != members[u.ID].Level || !slices.Equal(a.MemberRoleIDs, members[u.ID].MemberRoleIDs) || a.Row != members[u.ID].Row {
						t.Fatalf("user %d project %d: %+v against %+v", u.ID, pid, a, members[u.ID])
					}
				}
			}
		})
	}
}

func TestEffectiveDemoWorld(t *testing.T) {
	w := DemoWorld(ModeGitLabCom)
	cases := []struct {
		name        string
		group, proj int64
		user        int64
		level       AccessLevel
		rowFrom     int64 // the group whose row members/all shows (0: the node's own row or none)
	}{
		{"bob inherits Developer in k8s", DemoGroupK8s, 0, DemoUserBob, Developer, DemoGroupAcme},
		{"erin higher direct in k8s", DemoGroupK8s, 0, DemoUserErin, Maintainer, DemoGroupK8s},
		{"quentin Reporter via the share", DemoGroupInfra, 0, DemoUserQuentin, Reporter, DemoGroupContractors},
		{"quentin Guest in CRM via the project share", 0, DemoProjectCRM, DemoUserQuentin, Guest, DemoGroupContractors},
		{"olivia nothing below acme", DemoGroupPlatform, 0, DemoUserOlivia, NoAccess, 0},
		{"dave Developer of the API project", 0, DemoProjectAPI, DemoUserDave, Developer, 0},
		{"sybil owns dotfiles", 0, DemoProjectDotfiles, DemoUserSybil, Owner, 0},
		{"bob nothing in dotfiles", 0, DemoProjectDotfiles, DemoUserBob, NoAccess, 0},
	}
	for _, tc := range cases {
		var a Access
		if tc.proj != 0 {
			a = w.EffectiveProjectAccess(tc.proj, tc.user)
		} else {
			a = w.EffectiveGroupAccess(tc.group, tc.user)
		}
		if a.Level != tc.level {
			t.Errorf("%s: got %+v", tc.name, a)
		}
		if tc.rowFrom != 0 && (a.Row == nil || w.GroupMembers[tc.rowFrom][tc.user] != a.Row) {
			t.Errorf("%s: row %+v, want the row of group %d", tc.name, a.Row, tc.rowFrom)
		}
	}
	if a := w.EffectiveGroupAccess(DemoGroupPlatform, DemoUserMallory); a.MemberRoleID != DemoMemberRoleSecurityAuditor || !slices.Equal(a.MemberRoleIDs, []int64{DemoMemberRoleSecurityAuditor}) {
		t.Errorf("mallory custom role: %+v", a)
	}
}

func TestInheritedFloorIgnoresShares(t *testing.T) {
	w := newTW().group(1, 0).group(2, 1).group(3, 2).group(4, 0).project(10, 2)
	w.gm(1, 101, Developer)
	w.gm(4, 102, Owner)
	w.gshare(1, 4, Maintainer, 0)
	if l, g := w.InheritedFloor(3, 0, 101); l != Developer || g.ID != 1 {
		t.Fatalf("group floor %v %v", l, g)
	}
	if l, g := w.InheritedFloor(0, 10, 101); l != Developer || g.ID != 1 {
		t.Fatalf("project floor %v %v", l, g)
	}
	if l, _ := w.InheritedFloor(2, 0, 102); l != NoAccess {
		t.Fatalf("share counted in the floor: %v", l)
	}
	if l, _ := w.InheritedFloor(1, 0, 101); l != NoAccess {
		t.Fatalf("top-level group has no floor: %v", l)
	}
}

// The members API lists awaiting members with membership_state "awaiting", and GET
// /groups?min_access_level (rows of User#group_members, whatever their state) counts
// their membership.
func TestAwaitingMemberListedAndMinAccessLevel(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Developer, MembershipState: "awaiting"})
	w.TokenUserID = 101
	_, _, base := memStart(t, w, ModeGitLabCom)
	w2 := memWorld()
	w2.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Developer, MembershipState: "awaiting"})
	_, _, ownerBase := memStart(t, w2, ModeGitLabCom)
	status, body := memRaw(t, "GET", ownerBase+"/api/v4/groups/2/members", "")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var ms []map[string]any
	if err := json.Unmarshal([]byte(body), &ms); err != nil || len(ms) != 1 || ms[0]["membership_state"] != "awaiting" {
		t.Fatalf("direct members of platform: %s %v", body, err)
	}
	status, body = memRaw(t, "GET", base+"/api/v4/groups?min_access_level=10", "")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if got := listedIDs(t, body); got != "2,3" {
		t.Errorf("min_access_level for an awaiting member of platform = %s, want platform and infra", got)
	}
}

// GroupsFinder applies min_access_level to DIRECT memberships and their descendants, and
// top_level_only then drops every group with a parent: a member of a subgroup only gets
// its subtree, and nothing with top_level_only. Minimal Access never matches
// (User#group_members keeps Guest and above).
func TestMinAccessLevelSubgroupMemberAndTopLevelOnly(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Reporter})
	w.SetGroupMember(4, &Member{UserID: 101, AccessLevel: MinimalAccess})
	w.TokenUserID = 101
	_, _, base := memStart(t, w, ModeGitLabCom)
	for q, want := range map[string]string{
		"min_access_level=10":                     "2,3",
		"min_access_level=5":                      "2,3",
		"min_access_level=10&top_level_only=true": "",
		"min_access_level=30":                     "",
	} {
		status, body := memRaw(t, "GET", base+"/api/v4/groups?order_by=id&"+q, "")
		if status != 200 {
			t.Fatalf("%s: %d %s", q, status, body)
		}
		if got := listedIDs(t, body); got != want {
			t.Errorf("GET /groups?%s = [%s], want [%s]", q, got, want)
		}
	}
}

func listedIDs(t *testing.T, body string) string {
	t.Helper()
	var gs []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &gs); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = strconv.FormatInt(g.ID, 10)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// The demo world's access shapes (globex / initech, see DemoWorld), in both modes.
func TestEffectiveDemoAccessShapes(t *testing.T) {
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			w := DemoWorld(mode)
			globexRole, initechRole := DemoMemberRoleGlobexAuditor, DemoMemberRoleInitechReviewer
			if mode == ModeSelfManaged {
				globexRole, initechRole = DemoMemberRoleSecurityAuditor, DemoMemberRoleSecurityAuditor
			}
			cases := []struct {
				name        string
				group, proj int64
				user        int64
				level       AccessLevel
				roles       []int64
				listed      bool // members/all lists the user (a row)
			}{
				{"gina: stacked custom role and a higher level (C3)", DemoGroupGlobexApps, 0, DemoUserGina, Maintainer, []int64{globexRole}, true},
				{"gina on portal", 0, DemoProjectPortal, DemoUserGina, Maintainer, []int64{globexRole}, true},
				{"omar: portal through globex-partners' share with initech/labs (C1)", 0, DemoProjectPortal, DemoUserOmar, Developer, nil, false},
				{"omar: globex-partners through its share", DemoGroupGlobexPartners, 0, DemoUserOmar, Developer, nil, true},
				{"hank: nothing from a share with initech/labs (direct members only)", DemoGroupGlobexPartners, 0, DemoUserHank, NoAccess, nil, false},
				{"hank: portal through globex/apps' share with initech", 0, DemoProjectPortal, DemoUserHank, Reporter, []int64{globexRole}, true},
				{"hank: above the link, the link's role", DemoGroupGlobexApps, 0, DemoUserHank, Reporter, []int64{globexRole}, true},
				{"hank: locked group's share without link role", DemoGroupGlobexLocked, 0, DemoUserHank, Reporter, nil, true},
				{"hank: keys through globex/locked's group share (the lock stops project shares only)", 0, DemoProjectVaultKeys, DemoUserHank, Reporter, nil, true},
				{"ines: equal level, link with a role: her role (C2)", DemoGroupGlobexApps, 0, DemoUserInes, Reporter, []int64{initechRole}, true},
				{"ines: equal level, link without a role: none (C2)", DemoGroupGlobexLocked, 0, DemoUserInes, Reporter, nil, true},
				{"jack: equal level, no role of his own", DemoGroupGlobexApps, 0, DemoUserJack, Reporter, nil, true},
				{"kim: portal through its project share", 0, DemoProjectPortal, DemoUserKim, Developer, nil, true},
				{"kim: keys' project share is locked (C5)", 0, DemoProjectVaultKeys, DemoUserKim, NoAccess, nil, true},
				{"kim inherits in emea", DemoGroupPartnersEMEA, 0, DemoUserKim, Developer, nil, true},
				{"lena: a share from a subgroup into a subgroup", DemoGroupGlobexApps, 0, DemoUserLena, Reporter, nil, true},
				{"lena on portal", 0, DemoProjectPortal, DemoUserLena, Reporter, nil, true},
				{"the token user is not in initech", DemoGroupInitech, 0, DemoUserAdmin, NoAccess, nil, false},
			}
			for _, tc := range cases {
				var a Access
				var listed bool
				if tc.proj != 0 {
					a = w.EffectiveProjectAccess(tc.proj, tc.user)
					_, listed = w.projectListRows(tc.proj, listOpts{withAwaiting: true}, nil, nil)[tc.user]
				} else {
					a = w.EffectiveGroupAccess(tc.group, tc.user)
					_, listed = w.groupListRows(tc.group, listOpts{withAwaiting: true})[tc.user]
				}
				if a.Level != tc.level || !slices.Equal(a.MemberRoleIDs, tc.roles) || listed != tc.listed {
					t.Errorf("%s: %+v listed %v, want %v roles %v listed %v", tc.name, a, listed, tc.level, tc.roles, tc.listed)
				}
			}
			if !w.ShareWithGroupLocked(DemoGroupGlobexVault) || !w.Groups[DemoGroupGlobexVault].ShareWithGroupLock {
				t.Error("globex/locked/vault is not locked")
			}
		})
	}
}
