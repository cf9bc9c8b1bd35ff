package fakegitlab

import "sort"

// The rows GET /groups/:id/members/all and /projects/:id/members/all list, one per user,
// as GitLab's finders select them (lib/api/helpers/members_helpers.rb: retrieve_members
// with deep: true, then non_invite.non_request):
//
// Groups: GroupMembersFinder#execute(include_relations: [:inherited, :direct,
// :shared_from_groups]) (app/finders/group_members_finder.rb):
//   - GroupMember.non_request.of_groups(the group and its ancestors), whatever their
//     membership_state, above Minimal Access (all_group_members: non_minimal_access),
//     except that EE keeps Minimal Access rows on a top-level group
//     (ee/app/finders/ee/group_members_finder.rb: all_group_members when
//     minimal_access_role_allowed?);
//   - the members of Group.shared_into_ancestors(group), the groups the group or an
//     ancestor is shared with, capped at the link's group_access, with the custom role
//     Authz::MemberRoleInSharedResource picks. When the current user is not a member of
//     the group, only the invited groups they can see (public_or_visible_to_user);
//   - then distinct_on_user_with_max_access_level(group) (app/models/member.rb): per user
//     the highest access_level, a row of the group itself winning a tie (access_level + 1),
//     then member_role_id ASC (NULLs last), expires_at DESC (NULLs first), created_at ASC.
//
// Projects: MembersFinder#execute(include_relations: [:inherited, :direct,
// :invited_groups, :shared_into_ancestors]) (app/finders/members_finder.rb):
//   - the project's own members (namespace_members);
//   - GroupMembersFinder of the project's group as above (direct, inherited,
//     shared_from_groups), non_invite.non_minimal_access;
//   - project_invited_groups: the direct members of every group the project is shared
//     with AND of their ancestors (invited_groups.self_and_ancestors, filtered by
//     public_or_visible_to_user unless the current user is a project member),
//     non_minimal_access, with member_role_id NULL (member_columns_for_invited_members)
//     and access_level 0 when the project's namespace forbids sharing
//     (coerce_to_no_access unless share_with_group_enabled?);
//   - DISTINCT ON user_id preferring ProjectMember rows, and access_level
//     COALESCE(project_authorizations.access_level, row's access_level): the user's real
//     project access when they have one.
//
// Members of a group shared with an invited group (project -> B, B shared with C: C's
// members) have a project authorization but no row here: MembersFinder does not look
// at the invited group's own shares.

// listOpts selects rows.
type listOpts struct {
	only         int64                // one user (0: everyone)
	withAwaiting bool                 // list awaiting rows too (the API does; access does not)
	visible      func(gid int64) bool // nil: every invited group; else only those it accepts
}

// listRow is one user's row in members/all.
type listRow struct {
	m      *Member
	level  AccessLevel // the access_level shown
	roleID int64       // the member_role shown (0: none)
	source int64       // the group (or, for a project's own rows, the project) of the row
	own    bool        // a row of the requested group or project itself
	kind   int         // projects: 1 project row, 2 group finder row, 3 invited group row
}

// rowListedOn: members/all lists unexpired rows (the worker deletes expired ones), and
// awaiting rows when asked.
func rowListedOn(m *Member, today string, withAwaiting bool) bool {
	if m == nil || expiredOn(m.ExpiresAt, today) {
		return false
	}
	return withAwaiting || m.MembershipState != "awaiting"
}

// groupRowBefore is distinct_on_user_with_max_access_level's order; the source id breaks
// the ties GitLab leaves to the database.
func groupRowBefore(a, b listRow) bool {
	ka, kb := a.level, b.level
	if a.own {
		ka++
	}
	if b.own {
		kb++
	}
	if ka != kb {
		return ka > kb
	}
	if (a.roleID == 0) != (b.roleID == 0) {
		return a.roleID != 0 // ASC puts NULLs last
	}
	if a.roleID != b.roleID {
		return a.roleID < b.roleID
	}
	ea, eb := a.m.ExpiresAt, b.m.ExpiresAt
	if (ea == "") != (eb == "") {
		return ea == "" // DESC puts NULLs first
	}
	if ea != eb {
		return ea > eb
	}
	if !a.m.CreatedAt.Equal(b.m.CreatedAt) {
		return a.m.CreatedAt.Before(b.m.CreatedAt)
	}
	return a.source < b.source
}

// groupListRows is GroupMembersFinder's answer for members/all of a group.
func (w *World) groupListRows(groupID int64, o listOpts) map[int64]listRow {
	g := w.Groups[groupID]
	out := map[int64]listRow{}
	if g == nil {
		return out
	}
	today := w.today()
	offer := func(uid int64, r listRow) {
		if cur, ok := out[uid]; !ok || groupRowBefore(r, cur) {
			out[uid] = r
		}
	}
	chain := w.groupChain(groupID)
	for _, gid := range chain {
		eachRow(w.GroupMembers[gid], o.only, func(uid int64, m *Member) {
			if !rowListedOn(m, today, o.withAwaiting) {
				return
			}
			if m.AccessLevel <= MinimalAccess && !(gid == groupID && g.ParentID == 0) {
				return
			}
			offer(uid, listRow{m: m, level: m.AccessLevel, roleID: m.MemberRoleID, source: gid, own: gid == groupID})
		})
	}
	for _, gid := range chain {
		for _, s := range w.GroupShares[gid] {
			if !linkActiveOn(s, today) || w.Groups[s.GroupID] == nil {
				continue
			}
			if o.visible != nil && !o.visible(s.GroupID) {
				continue
			}
			eachRow(w.GroupMembers[s.GroupID], o.only, func(uid int64, m *Member) {
				if !rowListedOn(m, today, o.withAwaiting) || m.AccessLevel <= MinimalAccess {
					return
				}
				offer(uid, listRow{m: m, level: min(m.AccessLevel, s.AccessLevel), roleID: memberRoleInSharedResource(m, s), source: s.GroupID})
			})
		}
	}
	return out
}

// projectListRows is MembersFinder's answer for members/all of a project, before the
// COALESCE with project_authorizations (coalesceProjectLevels). groupVisible
// filters the invited groups of the project's group (GroupMembersFinder), invitedVisible
// the project's invited groups and their ancestors; nil accepts all.
func (w *World) projectListRows(projectID int64, o listOpts, groupVisible, invitedVisible func(int64) bool) map[int64]listRow {
	p := w.Projects[projectID]
	out := map[int64]listRow{}
	if p == nil {
		return out
	}
	today := w.today()
	eachRow(w.ProjectMembers[projectID], o.only, func(uid int64, m *Member) {
		if rowListedOn(m, today, o.withAwaiting) {
			out[uid] = listRow{m: m, level: m.AccessLevel, roleID: m.MemberRoleID, source: projectID, own: true, kind: 1}
		}
	})
	if p.GroupID != 0 {
		rows := w.groupListRows(p.GroupID, listOpts{only: o.only, withAwaiting: o.withAwaiting, visible: groupVisible})
		for uid, r := range rows {
			if _, ok := out[uid]; ok || r.level <= MinimalAccess {
				continue
			}
			r.own, r.kind = false, 2
			out[uid] = r
		}
	}
	// project_invited_groups. Both these rows and the group finder's are GroupMember rows,
	// between which GitLab's DISTINCT ON does not choose; the fake prefers the group
	// finder's, then the invited rows in distinct_on_user_with_max_access_level's order.
	locked := p.GroupID != 0 && w.ShareWithGroupLocked(p.GroupID)
	invited := map[int64]bool{}
	for _, s := range w.ProjectShares[projectID] {
		if expiredOn(s.ExpiresAt, today) {
			continue
		}
		for _, gid := range w.groupChain(s.GroupID) {
			invited[gid] = true
		}
	}
	gids := make([]int64, 0, len(invited))
	for gid := range invited {
		gids = append(gids, gid)
	}
	sort.Slice(gids, func(i, j int) bool { return gids[i] < gids[j] })
	for _, gid := range gids {
		if invitedVisible != nil && !invitedVisible(gid) {
			continue
		}
		eachRow(w.GroupMembers[gid], o.only, func(uid int64, m *Member) {
			if !rowListedOn(m, today, o.withAwaiting) || m.AccessLevel <= MinimalAccess {
				return
			}
			level := m.AccessLevel
			if locked {
				level = NoAccess
			}
			r := listRow{m: m, level: level, source: gid, kind: 3}
			if cur, ok := out[uid]; !ok || (cur.kind == 3 && groupRowBefore(r, cur)) {
				out[uid] = r
			}
		})
	}
	return out
}

// coalesceProjectLevels applies MembersFinder's COALESCE(project_authorizations.access_level,
// member_union.access_level): a listed user with a project authorization shows its level.
func (w *World) coalesceProjectLevels(projectID int64, rows map[int64]listRow) {
	if len(rows) == 0 {
		return
	}
	users := make(map[int64]bool, len(rows))
	for uid := range rows {
		users[uid] = true
	}
	for uid, ua := range w.authzForUsers(users) {
		if level := ua.projects[projectID]; level > NoAccess {
			r := rows[uid]
			r.level = level
			rows[uid] = r
		}
	}
}
