package fakegitlab

import "sort"

// Effective access: what a user may do in a group or project once inheritance and
// sharing are applied. GitLab's rules, from
//   - https://docs.gitlab.com/user/group/#group-hierarchy ("inherited members")
//   - https://docs.gitlab.com/user/project/members/sharing_projects_groups/
//   - https://docs.gitlab.com/user/group/manage/#share-a-group-with-another-group
//   - https://docs.gitlab.com/api/members/#list-all-members-of-a-group-or-project-including-inherited-and-invited-members
//
// are:
//   - a member of a group has at least that level in every descendant group and project;
//   - Minimal Access (5) exists only on top-level groups and is not inherited, nor shared;
//   - group A shared with group B at level L gives B's direct members min(level, L) in A
//     and A's descendants (and A's projects);
//   - a project shared with group B gives B's members and the members of B's ancestors
//     min(level, L) in the project;
//   - a personal project has only its direct members;
//   - the highest level wins (a tie goes to the direct membership, then inherited, then
//     shared, as GitLab prefers the membership of the object itself);
//   - an expired membership (or share) gives nothing: GitLab's Expirable concern treats
//     expires_at <= today as expired and a daily worker deletes the row;
//   - an awaiting membership (membership_state "awaiting") gives nothing until approved.

// Where an effective access comes from.
const (
	SourceDirect    = "direct"    // a direct membership of the group or project itself
	SourceInherited = "inherited" // a direct membership of an ancestor group (SourceGroupID)
	SourceShared    = "shared"    // membership of a group the source is shared with (SourceGroupID)
)

// Access is a user's effective access to a group or project: the highest level over a
// direct membership, memberships of ancestor groups, and group shares (capped).
type Access struct {
	Level        AccessLevel
	MemberRoleID int64 // custom role carried by the winning membership (or share)
	// Source is SourceDirect, SourceInherited or SourceShared ("" when no access).
	Source string
	// SourceGroupID is the ancestor group (inherited) or the invited group (shared)
	// whose membership gives the access; 0 for a direct membership.
	SourceGroupID int64
	// Member is the direct membership row that wins (in the group or project itself, in
	// the ancestor, or in the invited group). Its AccessLevel may be above Level when a
	// share caps it. Nil when no access.
	Member *Member
}

// memberExpired reports whether a membership or share with this expiry date is over.
// https://docs.gitlab.com/user/project/members/#set-an-expiration-date-for-a-member
func (w *World) memberExpired(expiresAt string) bool {
	if expiresAt == "" {
		return false
	}
	return expiresAt <= w.Clock().UTC().Format("2006-01-02")
}

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
	m := w.memberRow(members, userID)
	if m == nil || m.MembershipState == "awaiting" {
		return nil
	}
	return m
}

// sourceRank orders sources for ties: direct beats inherited beats shared.
func sourceRank(s string) int {
	switch s {
	case SourceDirect:
		return 3
	case SourceInherited:
		return 2
	case SourceShared:
		return 1
	}
	return 0
}

// better reports whether candidate a beats the current best b.
func betterAccess(a, b Access) bool {
	if a.Level != b.Level {
		return a.Level > b.Level
	}
	return sourceRank(a.Source) > sourceRank(b.Source)
}

// sharedAccess is what member m of an invited group gets through share s.
func sharedAccess(m *Member, s Share, viaGroup int64) Access {
	a := Access{Level: m.AccessLevel, MemberRoleID: m.MemberRoleID, Source: SourceShared, SourceGroupID: viaGroup, Member: m}
	if s.AccessLevel < a.Level {
		a.Level = s.AccessLevel
		a.MemberRoleID = s.MemberRoleID
	}
	return a
}

// groupAccessCandidates lists every way the user reaches the group.
func (w *World) groupAccessCandidates(groupID, userID int64) []Access {
	var out []Access
	if m := w.activeMember(w.GroupMembers[groupID], userID); m != nil {
		out = append(out, Access{Level: m.AccessLevel, MemberRoleID: m.MemberRoleID, Source: SourceDirect, Member: m})
	}
	chain := []int64{groupID}
	for _, a := range w.Ancestors(groupID) {
		chain = append(chain, a.ID)
		if m := w.activeMember(w.GroupMembers[a.ID], userID); m != nil && m.AccessLevel > MinimalAccess {
			out = append(out, Access{Level: m.AccessLevel, MemberRoleID: m.MemberRoleID, Source: SourceInherited, SourceGroupID: a.ID, Member: m})
		}
	}
	// A share on the group or on any ancestor reaches the group.
	for _, gid := range chain {
		for _, s := range w.GroupShares[gid] {
			if w.memberExpired(s.ExpiresAt) {
				continue
			}
			if m := w.activeMember(w.GroupMembers[s.GroupID], userID); m != nil && m.AccessLevel > MinimalAccess {
				out = append(out, sharedAccess(m, s, s.GroupID))
			}
		}
	}
	return out
}

// projectAccessCandidates lists every way the user reaches the project.
func (w *World) projectAccessCandidates(projectID, userID int64) []Access {
	p := w.Projects[projectID]
	if p == nil {
		return nil
	}
	var out []Access
	if m := w.activeMember(w.ProjectMembers[projectID], userID); m != nil {
		out = append(out, Access{Level: m.AccessLevel, MemberRoleID: m.MemberRoleID, Source: SourceDirect, Member: m})
	}
	if p.GroupID == 0 {
		return out // personal project: direct members only
	}
	// The project's group and its ancestors: the group's own members are "inherited" for
	// the project, as are its shares.
	for _, a := range w.groupAccessCandidates(p.GroupID, userID) {
		if a.Source == SourceDirect {
			a.Source, a.SourceGroupID = SourceInherited, p.GroupID
		}
		if a.Level <= MinimalAccess {
			continue
		}
		out = append(out, a)
	}
	for _, s := range w.ProjectShares[projectID] {
		if w.memberExpired(s.ExpiresAt) {
			continue
		}
		invited := append([]int64{s.GroupID}, idsOfGroups(w.Ancestors(s.GroupID))...)
		for _, gid := range invited {
			if m := w.activeMember(w.GroupMembers[gid], userID); m != nil && m.AccessLevel > MinimalAccess {
				out = append(out, sharedAccess(m, s, s.GroupID))
			}
		}
	}
	return out
}

func idsOfGroups(gs []*Group) []int64 {
	out := make([]int64, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

func bestAccess(cands []Access) Access {
	var best Access
	for _, a := range cands {
		if best.Source == "" || betterAccess(a, best) {
			best = a
		}
	}
	return best
}

// EffectiveGroupAccess is the user's effective access to the group (zero Access: none).
func (w *World) EffectiveGroupAccess(groupID, userID int64) Access {
	return bestAccess(w.groupAccessCandidates(groupID, userID))
}

// EffectiveProjectAccess is the user's effective access to the project (zero Access: none).
func (w *World) EffectiveProjectAccess(projectID, userID int64) Access {
	return bestAccess(w.projectAccessCandidates(projectID, userID))
}

// groupCandidateUsers is every user who might reach the group.
func (w *World) groupCandidateUsers(groupID int64) map[int64]bool {
	users := map[int64]bool{}
	chain := append([]int64{groupID}, idsOfGroups(w.Ancestors(groupID))...)
	for _, gid := range chain {
		for uid := range w.GroupMembers[gid] {
			users[uid] = true
		}
		for _, s := range w.GroupShares[gid] {
			for uid := range w.GroupMembers[s.GroupID] {
				users[uid] = true
			}
		}
	}
	return users
}

// EffectiveGroupMembers is every user with effective access to the group, by user id.
// Minimal Access shows only on the top-level group that holds it, as members/all does.
func (w *World) EffectiveGroupMembers(groupID int64) map[int64]Access {
	out := map[int64]Access{}
	for uid := range w.groupCandidateUsers(groupID) {
		if a := w.EffectiveGroupAccess(groupID, uid); a.Level > NoAccess {
			out[uid] = a
		}
	}
	return out
}

// EffectiveProjectMembers is every user with effective access to the project, by user id.
func (w *World) EffectiveProjectMembers(projectID int64) map[int64]Access {
	p := w.Projects[projectID]
	out := map[int64]Access{}
	if p == nil {
		return out
	}
	users := map[int64]bool{}
	for uid := range w.ProjectMembers[projectID] {
		users[uid] = true
	}
	if p.GroupID != 0 {
		for uid := range w.groupCandidateUsers(p.GroupID) {
			users[uid] = true
		}
		for _, s := range w.ProjectShares[projectID] {
			for _, gid := range append([]int64{s.GroupID}, idsOfGroups(w.Ancestors(s.GroupID))...) {
				for uid := range w.GroupMembers[gid] {
					users[uid] = true
				}
			}
		}
	}
	for uid := range users {
		if a := w.EffectiveProjectAccess(projectID, uid); a.Level > NoAccess {
			out[uid] = a
		}
	}
	return out
}

// sortedAccessUserIDs returns the map's user ids in ascending order.
func sortedAccessUserIDs(m map[int64]Access) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
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
