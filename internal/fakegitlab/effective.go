package fakegitlab

import (
	"sort"
	"time"
)

// Effective access: what a user may do in a group or project once inheritance and
// sharing are applied, computed from GitLab's own code (not from its documentation, and
// not from the connector). Each rule names the GitLab file it follows; "EE" files are
// from GitLab's ee/ directory (public mirror pavankalisetti009/gitlab).
//
// Levels:
//   - a project: the user's row of project_authorizations, i.e. the per-user recursive
//     CTE of lib/gitlab/project_authorizations.rb (authz.go);
//   - a group: Group#max_member_access (app/models/group.rb), the highest access_level
//     of members_with_parents: app/models/members/members/members_with_parents.rb
//     (membersWithParents below). It agrees with the CTE's namespaces (the tests check it
//     on generated worlds);
//   - Minimal Access (5) only on a top-level group that holds it directly: both the CTE
//     and members_with_parents keep access_level > MINIMAL_ACCESS, except EE's
//     members_with_parents(minimal_access: true) where Group#minimal_access_role_allowed?,
//     which is false for a subgroup (ee/app/models/ee/group.rb: !has_parent?). It is never
//     inherited nor shared;
//   - an awaiting membership (members.state = awaiting: waiting for a seat) gives nothing:
//     the CTE and members_with_parents both require members.state = active;
//   - an expired membership or link gives nothing from its expires_at date on:
//     RemoveExpiredMembersWorker and RemoveExpiredGroupLinksWorker delete them
//     (app/workers/, Expirable.expired: expires_at <= now);
//   - Planner (15) is a level like the others (Gitlab::Access).
//
// The user's account state is not looked at: project_authorizations rows exist for
// blocked users too, and the fake leaves "blocked users cannot act" to the rest of it.
//
// Custom roles (rule of the EE preloaders, customRolesOn below).

// Access is a user's effective access to a group or project.
type Access struct {
	// Level is the effective level on the node (NoAccess: none). Minimal Access only on
	// the top-level group that holds it directly.
	Level AccessLevel
	// MemberRoleIDs are the custom roles whose permissions apply to the user on this node
	// (EE Preloaders::UserMemberRolesIn{Groups,Projects}Preloader), sorted, no duplicates.
	MemberRoleIDs []int64
	// Direct is the user's own active, unexpired direct membership of this node; nil if none.
	Direct *Member
	// Row is the membership row GET .../members/all shows for the user (the user's own,
	// an ancestor group's, or an invited group's row), nil when members/all does not list
	// the user although they have access (a project reached through a share of the
	// invited group: MembersFinder does not look there).
	Row *Member
	// MemberRoleID is the custom role members/all shows with Row: the row's own, or for a
	// row reached through a group share Authz::MemberRoleInSharedResource's choice; none
	// for a project's invited-group rows (MembersFinder#member_columns_for_invited_members).
	MemberRoleID int64
}

// today is the world's date, YYYY-MM-DD.
func (w *World) today() string { return w.Clock().UTC().Format(time.DateOnly) }

// expiredOn: expires_at <= today (Expirable.expired, app/models/concerns/expirable.rb).
func expiredOn(expiresAt, today string) bool { return expiresAt != "" && expiresAt <= today }

// memberExpired reports whether a membership or share with this expiry date is over.
// https://docs.gitlab.com/user/project/members/#set-an-expiration-date-for-a-member
func (w *World) memberExpired(expiresAt string) bool { return expiredOn(expiresAt, w.today()) }

// memberRow returns the user's direct membership row in the map if it exists and has not
// expired, whatever its membership_state: GitLab's rules about membership ROWS (the
// inherited floor of Member#highest_group_member, GroupsFinder's min_access_level and
// owned through User#group_members) do not look at the state.
func (w *World) memberRow(members map[int64]*Member, userID int64) *Member {
	m := members[userID]
	if m == nil || w.memberExpired(m.ExpiresAt) {
		return nil
	}
	return m
}

// activeMember returns the user's direct membership in the map if it exists, has not
// expired and is not awaiting. An "awaiting" member (membership_state awaiting: waiting
// for a seat under the top-level group's user cap, or GitLab.com's free-tier user limit)
// is listed by the members API but has no access until an Owner approves them:
// https://docs.gitlab.com/user/group/manage/#user-cap-for-groups
// https://docs.gitlab.com/user/free_user_limit/
func (w *World) activeMember(members map[int64]*Member, userID int64) *Member {
	if m := members[userID]; w.rowGivesAccess(m) {
		return m
	}
	return nil
}

// groupChain is the group and its ancestors, the group first: its traversal ids, reversed.
func (w *World) groupChain(groupID int64) []int64 {
	if w.Groups[groupID] == nil {
		return nil
	}
	return append([]int64{groupID}, idsOfGroups(w.Ancestors(groupID))...)
}

func idsOfGroups(gs []*Group) []int64 {
	out := make([]int64, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

// membersWithParents is members_with_parents(group) reduced to the highest level per user
// (Group#max_member_access): app/models/members/members/members_with_parents.rb.
//   - members_from_self_and_ancestors, filtered by without_invites_and_requests: active
//     state, no requests, no invites, above Minimal Access; EE keeps Minimal Access rows
//     where minimal_access_role_allowed? (a top-level group, which has no ancestors: so
//     only the group's own rows);
//   - members_from_self_and_ancestor_group_shares: the direct members of every group that
//     the group or an ancestor is shared with (group_group_links.shared_group_id IN
//     self_and_ancestors), requested_at IS NULL, state active, non_minimal_access, at
//     LEAST(group_access, access_level). The invited group's ancestors and descendants do
//     not count.
//
// only != 0 limits it to that user.
func (w *World) membersWithParents(groupID, only int64) map[int64]AccessLevel {
	g := w.Groups[groupID]
	out := map[int64]AccessLevel{}
	if g == nil {
		return out
	}
	today := w.today()
	raise := func(uid int64, level AccessLevel) {
		if level > out[uid] {
			out[uid] = level
		}
	}
	chain := w.groupChain(groupID)
	for _, gid := range chain {
		eachRow(w.GroupMembers[gid], only, func(uid int64, m *Member) {
			if !rowActiveOn(m, today) {
				return
			}
			if m.AccessLevel > MinimalAccess || (gid == groupID && g.ParentID == 0) {
				raise(uid, m.AccessLevel)
			}
		})
	}
	for _, gid := range chain {
		for _, s := range w.GroupShares[gid] {
			if !linkActiveOn(s, today) {
				continue
			}
			eachRow(w.GroupMembers[s.GroupID], only, func(uid int64, m *Member) {
				if rowActiveOn(m, today) && m.AccessLevel > MinimalAccess {
					raise(uid, min(m.AccessLevel, s.AccessLevel))
				}
			})
		}
	}
	return out
}

// eachRow calls f for every row of the map, or only for the user's when only != 0.
func eachRow(members map[int64]*Member, only int64, f func(uid int64, m *Member)) {
	if only != 0 {
		if m := members[only]; m != nil {
			f(only, m)
		}
		return
	}
	for uid, m := range members {
		if m != nil {
			f(uid, m)
		}
	}
}

// memberRoleInSharedResource is the custom role a member m of an invited group holds in
// the shared group or project through link s:
// ee/app/models/concerns/authz/member_role_in_shared_resource.rb
//
//	member level > link level        -> the link's member_role_id
//	member level < link level        -> the member's member_role_id
//	equal, link has no member_role   -> none
//	equal, link has a member_role    -> the member's member_role_id
func memberRoleInSharedResource(m *Member, s Share) int64 {
	switch {
	case m.AccessLevel > s.AccessLevel:
		return s.MemberRoleID
	case m.AccessLevel < s.AccessLevel:
		return m.MemberRoleID
	case s.MemberRoleID == 0:
		return 0
	}
	return m.MemberRoleID
}

// customRolesOn is the set of custom roles whose permissions apply to the user on a node,
// as EE's preloaders compute it (newest versions found:
// ee/app/models/preloaders/user_member_roles_in_groups_preloader.rb and
// user_member_roles_in_projects_preloader.rb). Their permissions are merged
// (group_permissions.inject(&:merge)), so the roles ADD UP:
//   - the member_role of the user's membership of every namespace in the node's
//     traversal_ids (the group and its ancestors; for a project its namespace's), whatever
//     the membership's level, and for a project of the project membership too;
//   - for every group link whose shared_group_id is in those traversal_ids, with the
//     user's DIRECT membership of the invited group (members.source_id =
//     shared_with_group_id): the link's role when access_level > group_access; the
//     member's role when access_level < group_access, or when equal AND the link has a
//     member_role_id; nothing when equal and the link has none (the same rule as
//     memberRoleInSharedResource);
//   - project_group_links are NOT read: neither preloader joins them, so a project share's
//     member_role_id gives no permissions there.
//
// The preloaders select members whatever their state or expiry (Member.with_user); the
// fake counts only rows that give access (rowActiveOn): an awaiting member has no access
// at all, and an expired row or link is deleted by GitLab's workers. Roles that do not
// exist are skipped (the preloaders JOIN member_roles).
func (w *World) customRolesOn(chain []int64, projectMember *Member, userID int64) []int64 {
	today := w.today()
	set := map[int64]bool{}
	add := func(id int64) {
		if id != 0 && w.MemberRoles[id] != nil {
			set[id] = true
		}
	}
	if rowActiveOn(projectMember, today) {
		add(projectMember.MemberRoleID)
	}
	for _, gid := range chain {
		if m := w.GroupMembers[gid][userID]; rowActiveOn(m, today) {
			add(m.MemberRoleID)
		}
	}
	for _, gid := range chain {
		for _, s := range w.GroupShares[gid] {
			if expiredOn(s.ExpiresAt, today) {
				continue
			}
			if m := w.GroupMembers[s.GroupID][userID]; rowActiveOn(m, today) {
				add(memberRoleInSharedResource(m, s))
			}
		}
	}
	if len(set) == 0 {
		return nil
	}
	out := make([]int64, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// EffectiveGroupAccess is the user's effective access to the group (zero Access: none).
func (w *World) EffectiveGroupAccess(groupID, userID int64) Access {
	if w.Groups[groupID] == nil {
		return Access{}
	}
	a := Access{
		Level:         w.membersWithParents(groupID, userID)[userID],
		Direct:        w.activeMember(w.GroupMembers[groupID], userID),
		MemberRoleIDs: w.customRolesOn(w.groupChain(groupID), nil, userID),
	}
	if r, ok := w.groupListRows(groupID, listOpts{only: userID})[userID]; ok {
		a.Row, a.MemberRoleID = r.m, r.roleID
	}
	return a
}

// EffectiveGroupMembers is every user with effective access to the group (Level > 0), by
// user id: members_with_parents. Minimal Access shows only on the top-level group that
// holds it.
func (w *World) EffectiveGroupMembers(groupID int64) map[int64]Access {
	out := map[int64]Access{}
	if w.Groups[groupID] == nil {
		return out
	}
	chain := w.groupChain(groupID)
	rows := w.groupListRows(groupID, listOpts{})
	for uid, level := range w.membersWithParents(groupID, 0) {
		if level <= NoAccess {
			continue
		}
		a := Access{
			Level:         level,
			Direct:        w.activeMember(w.GroupMembers[groupID], uid),
			MemberRoleIDs: w.customRolesOn(chain, nil, uid),
		}
		if r, ok := rows[uid]; ok {
			a.Row, a.MemberRoleID = r.m, r.roleID
		}
		out[uid] = a
	}
	return out
}

// projectCustomRoles is customRolesOn for a project: its membership, then its namespace's
// traversal ids (none for a personal project: a user namespace holds no group members).
func (w *World) projectCustomRoles(p *Project, userID int64) []int64 {
	var chain []int64
	if p.GroupID != 0 {
		chain = w.groupChain(p.GroupID)
	}
	return w.customRolesOn(chain, w.ProjectMembers[p.ID][userID], userID)
}

// projectLevel is the user's project_authorizations level on the project.
func (w *World) projectLevel(projectID, userID int64) AccessLevel {
	if w.Projects[projectID] == nil {
		return NoAccess
	}
	return w.authzFor(userID).projects[projectID]
}

// EffectiveProjectAccess is the user's effective access to the project (zero Access: none).
func (w *World) EffectiveProjectAccess(projectID, userID int64) Access {
	p := w.Projects[projectID]
	if p == nil {
		return Access{}
	}
	a := Access{
		Level:         w.projectLevel(projectID, userID),
		Direct:        w.activeMember(w.ProjectMembers[projectID], userID),
		MemberRoleIDs: w.projectCustomRoles(p, userID),
	}
	if r, ok := w.projectListRows(projectID, listOpts{only: userID}, nil, nil)[userID]; ok {
		a.Row, a.MemberRoleID = r.m, r.roleID
	}
	return a
}

// EffectiveProjectMembers is every user with a project authorization on the project, by
// user id. The users come from each one's own CTE (authz.go); the candidates are every
// user with a row the CTE could start from: direct members, the owner of a personal
// project, and for the project's namespace and every group it is shared with, the direct
// members of that group and its ancestors and of every group one of those is shared with.
func (w *World) EffectiveProjectMembers(projectID int64) map[int64]Access {
	p := w.Projects[projectID]
	out := map[int64]Access{}
	if p == nil {
		return out
	}
	cands := map[int64]bool{}
	addRows := func(ms map[int64]*Member) {
		for uid := range ms {
			cands[uid] = true
		}
	}
	reachers := func(gid int64) {
		for _, g := range w.groupChain(gid) {
			addRows(w.GroupMembers[g])
			for _, s := range w.GroupShares[g] {
				addRows(w.GroupMembers[s.GroupID])
			}
		}
	}
	addRows(w.ProjectMembers[projectID])
	if p.GroupID == 0 && p.OwnerID != 0 {
		cands[p.OwnerID] = true
	}
	if p.GroupID != 0 {
		reachers(p.GroupID)
	}
	for _, s := range w.ProjectShares[projectID] {
		reachers(s.GroupID)
	}
	auths := w.authzForUsers(cands)
	rows := w.projectListRows(projectID, listOpts{}, nil, nil)
	for uid, ua := range auths {
		level := ua.projects[projectID]
		if level <= NoAccess {
			continue
		}
		a := Access{
			Level:         level,
			Direct:        w.activeMember(w.ProjectMembers[projectID], uid),
			MemberRoleIDs: w.projectCustomRoles(p, uid),
		}
		if r, ok := rows[uid]; ok {
			a.Row, a.MemberRoleID = r.m, r.roleID
		}
		out[uid] = a
	}
	return out
}

// InheritedFloor is the highest level the user holds through a DIRECT, unexpired
// membership of an ancestor of the group (for a project: of its group or the group's
// ancestors), with that ancestor. Shares do not count. GitLab refuses a direct membership
// below it: "should be greater than or equal to Developer inherited membership from group X"
// (Member#higher_access_level_than_group, https://docs.gitlab.com/user/project/members/#membership-and-visibility-rights).
func (w *World) InheritedFloor(groupID, projectID, userID int64) (AccessLevel, *Group) {
	var chain []*Group
	if projectID != 0 {
		p := w.Projects[projectID]
		if p == nil || p.GroupID == 0 {
			return NoAccess, nil
		}
		if g := w.Groups[p.GroupID]; g != nil {
			chain = append(chain, g)
		}
		chain = append(chain, w.Ancestors(p.GroupID)...)
	} else {
		chain = w.Ancestors(groupID)
	}
	best, from := NoAccess, (*Group)(nil)
	for _, g := range chain {
		// Any row counts, awaiting ones too (highest_group_member does not filter the state).
		if m := w.memberRow(w.GroupMembers[g.ID], userID); m != nil && m.AccessLevel > best {
			best, from = m.AccessLevel, g
		}
	}
	return best, from
}
