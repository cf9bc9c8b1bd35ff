package connector

import (
	"context"
	"sort"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// The access engine: a user's effective access to a group or project, computed from
// GitLab's inputs (direct memberships, the group tree, group and project shares with
// their levels, expiry, custom roles and share_with_group_lock). It is the ONE place the
// rules live: the sync computes a node's access when its grants are listed (over the
// sync's cached inputs, organisationState), and provisioning and deprovisioning compute
// one user's access over inputs read fresh from GitLab (freshUserInputs). docs/access-model.md
// explains the model.
//
// GitLab's rules, and where GitLab computes them:
//   - Level on a group = Members::MembersWithParents#members
//     (app/models/members/members/members_with_parents.rb): direct members of the group and
//     its ancestors, plus the DIRECT members of every group the group or an ancestor is
//     shared with, at LEAST(member level, link level); the highest wins. Minimal Access
//     (5) is neither inherited nor shared (non_minimal_access) and exists on top-level
//     groups only.
//   - Level on a project = Gitlab::ProjectAuthorizations (lib/gitlab/project_authorizations.rb):
//     the user's direct project membership; the level on the project's namespace (its
//     group, as above: the recursive CTE's "namespaces the user reaches" are the groups
//     they are a member of, the groups shared with those, and all their descendants);
//     and for each project share (project_group_links) the level on the invited group B
//     (so members of B, of B's ancestors, and of groups B or an ancestor of B is shared
//     with), at LEAST(that, link level) — unless the project's namespace has
//     share_with_group_lock (`where('p_ns.share_with_group_lock IS FALSE')`), in which
//     case project shares give nothing.
//   - Only active memberships count: awaiting members (membership_state "awaiting",
//     waiting for a seat) and access requests give nothing (`state = STATE_ACTIVE`,
//     `requested_at IS NULL` in both files above).
//   - Expiry: GitLab keeps a membership or share until RemoveExpiredMembersWorker /
//     RemoveExpiredGroupLinksWorker deletes it, on its expires_at date; we drop it from
//     that date (expires_at <= today, UTC), so access may show as gone up to a day early.
//   - Planner (15) is a level like the others.
//   - Custom roles (EE): the permissions of every custom role that applies add up
//     (ee/app/models/preloaders/user_member_roles_in_groups_preloader.rb and
//     user_member_roles_in_projects_preloader.rb: `group_permissions.inject(&:merge)`):
//     roles of the user's memberships of the node and of every ancestor, and through a
//     group share the link's role when the member's level is above the link's, the
//     member's own role when it is below, or equal AND the link has a role; equal with
//     no link role gives no role (ee/app/models/concerns/authz/member_role_in_shared_resource.rb).
//     Project shares add no custom-role permissions (the projects preloader joins only
//     group_group_links).

// Where access comes from (grant metadata "source").
const (
	sourceDirect    = "direct"
	sourceInherited = "inherited"
	sourceShared    = "shared"
)

// accessInputs is what the engine reads. organisationState implements it over the sync's
// cached listings; freshUserInputs over one user's memberships read fresh from GitLab.
type accessInputs interface {
	// group returns a group with its parent, full path and share_with_group_lock.
	group(ctx context.Context, id int64) (*orgGroup, error)
	// groupShares returns the groups a group is shared with.
	groupShares(ctx context.Context, id int64) ([]groupShare, error)
	// directGroupMembers / directProjectMembers return direct memberships, expired ones
	// already left out (awaiting ones kept, marked).
	directGroupMembers(ctx context.Context, id int64) ([]*directMember, error)
	directProjectMembers(ctx context.Context, id int64) ([]*directMember, error)
	// hiddenMembers are the members/all rows, on a node, of users who reach it only
	// through shares the token cannot see (org_hidden.go); nil where none are known.
	hiddenMembers(ctx context.Context, n orgNode) ([]*directMember, error)
	// today is the date expiry is compared with (YYYY-MM-DD).
	today() string
}

// accessPath is one way a user reaches a node other than a direct membership of it.
type accessPath struct {
	Level  gitlab.AccessLevelValue
	Source string // sourceInherited or sourceShared
	// SourceGroupID / SourceGroupFullPath: the group whose direct membership gives the
	// access (the ancestor, the invited group, or for a project share possibly a group
	// above or shared with the invited group).
	SourceGroupID       int64
	SourceGroupFullPath string
	// SharedWithGroupID: for shared access, the group the node (or its ancestor) is
	// shared with; SharedFrom the full path of what was shared.
	SharedWithGroupID int64
	SharedFrom        string
	ExpiresAt         string
	// Hidden: shared through a group the token cannot read (its id and path unknown).
	Hidden bool
}

// appliedRole is a custom role whose permissions apply to the user on a node.
type appliedRole struct {
	ID            int64
	Name          string
	Base          gitlab.AccessLevelValue
	Source        string // sourceDirect, sourceInherited or sourceShared
	SourceGroupID int64  // 0 for sourceDirect
	SourcePath    string
}

// userAccess is one user's access to one group or project.
type userAccess struct {
	UserID int64
	// Direct is the user's active direct membership of the node; nil when none.
	Direct *directMember
	// Via is the best way in other than Direct (highest level; at a tie inherited
	// before shared, the nearest first); Level 0 when none.
	Via accessPath
	// Roles are the custom roles that apply, Direct's own first.
	Roles []appliedRole
}

// Level is the user's effective level: the highest of Direct and Via.
func (a *userAccess) Level() gitlab.AccessLevelValue {
	l := a.Via.Level
	if a.Direct != nil && a.Direct.Level > l {
		l = a.Direct.Level
	}
	return l
}

// nodeAccess is every user's access to one node, by user id.
type nodeAccess map[int64]*userAccess

func (n nodeAccess) user(id int64) *userAccess {
	a := n[id]
	if a == nil {
		a = &userAccess{UserID: id}
		n[id] = a
	}
	return a
}

// offer records a way in (the higher level wins; ties keep the earlier offer, except that
// inherited beats shared).
func (n nodeAccess) offer(uid int64, p accessPath) {
	a := n.user(uid)
	cur := a.Via
	if p.Level > cur.Level || (p.Level == cur.Level && cur.Source == sourceShared && p.Source == sourceInherited) {
		a.Via = p
	}
}

func (n nodeAccess) addRole(uid int64, r appliedRole) {
	if r.ID == 0 {
		return
	}
	a := n.user(uid)
	for _, have := range a.Roles {
		if have.ID == r.ID {
			return
		}
	}
	a.Roles = append(a.Roles, r)
}

// sortedUserIDs returns the users with access (level above none), ascending.
func (n nodeAccess) sortedUserIDs() []int64 {
	out := make([]int64, 0, len(n))
	for id, a := range n {
		if a.Level() > gitlab.NoPermissions {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// ancestry returns the group and its ancestors, the group first.
func ancestry(ctx context.Context, in accessInputs, groupID int64) ([]*orgGroup, error) {
	var chain []*orgGroup
	seen := map[int64]bool{}
	for id := groupID; id != 0 && !seen[id]; {
		seen[id] = true
		g, err := in.group(ctx, id)
		if err != nil {
			return nil, err
		}
		chain = append(chain, g)
		id = g.ParentID
	}
	return chain, nil
}

// givesAccess: an unexpired (already filtered), active membership above Minimal Access,
// which is what is inherited and shared (non_minimal_access, STATE_ACTIVE).
func givesAccess(m *directMember) bool {
	return !m.Awaiting && m.Level > gitlab.MinimalAccessPermissions
}

func roleOf(m *directMember, source string, g *orgGroup) appliedRole {
	r := appliedRole{ID: m.MemberRoleID, Name: m.MemberRoleName, Base: m.MemberRoleBase, Source: source}
	if g != nil {
		r.SourceGroupID, r.SourcePath = g.ID, g.FullPath
	}
	return r
}

// computeGroupAccess is every user's access to a group (members_with_parents).
func computeGroupAccess(ctx context.Context, in accessInputs, groupID int64) (nodeAccess, error) {
	chain, err := ancestry(ctx, in, groupID)
	if err != nil {
		return nil, err
	}
	acc := nodeAccess{}
	self := chain[0]
	ms, err := in.directGroupMembers(ctx, groupID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Awaiting || m.Level <= gitlab.NoPermissions {
			continue // awaiting a seat: no access until approved
		}
		if m.Level == gitlab.MinimalAccessPermissions && self.ParentID != 0 {
			continue // Minimal Access exists on top-level groups only
		}
		a := acc.user(m.UserID)
		a.Direct = m
		acc.addRole(m.UserID, roleOf(m, sourceDirect, nil))
	}
	for _, anc := range chain[1:] {
		ms, err := in.directGroupMembers(ctx, anc.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if !givesAccess(m) {
				continue
			}
			acc.offer(m.UserID, accessPath{Level: m.Level, Source: sourceInherited,
				SourceGroupID: anc.ID, SourceGroupFullPath: anc.FullPath, ExpiresAt: m.ExpiresAt})
			acc.addRole(m.UserID, roleOf(m, sourceInherited, anc))
		}
	}
	for _, x := range chain {
		shares, err := in.groupShares(ctx, x.ID)
		if err != nil {
			return nil, err
		}
		for _, sh := range shares {
			if err := offerGroupShare(ctx, in, acc, sh, x.FullPath); err != nil {
				return nil, err
			}
		}
	}
	return acc, offerHidden(ctx, in, acc, orgNode{Kind: "group", ID: groupID, FullPath: self.FullPath})
}

// offerHidden offers the access of users who reach the node only through shares the
// token cannot see, at the level GitLab's members/all shows.
func offerHidden(ctx context.Context, in accessInputs, acc nodeAccess, n orgNode) error {
	rows, err := in.hiddenMembers(ctx, n)
	if err != nil {
		return err
	}
	for _, m := range rows {
		if m.Level > gitlab.NoPermissions {
			acc.offer(m.UserID, accessPath{Level: m.Level, Source: sourceShared, SharedFrom: n.FullPath,
				ExpiresAt: m.ExpiresAt, Hidden: true})
			// members/all shows the custom role Authz::MemberRoleInSharedResource picks.
			acc.addRole(m.UserID, appliedRole{ID: m.MemberRoleID, Name: m.MemberRoleName, Base: m.MemberRoleBase, Source: sourceShared})
		}
	}
	return nil
}

// offerGroupShare offers what a group share gives: the invited group's DIRECT members at
// LEAST(member level, link level), and the custom role MemberRoleInSharedResource picks.
func offerGroupShare(ctx context.Context, in accessInputs, acc nodeAccess, sh groupShare, sharedFrom string) error {
	if !shareActive(in, sh) {
		return nil
	}
	ms, err := in.directGroupMembers(ctx, sh.GroupID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if !givesAccess(m) {
			continue
		}
		acc.offer(m.UserID, accessPath{Level: min(m.Level, sh.Level), Source: sourceShared,
			SourceGroupID: sh.GroupID, SourceGroupFullPath: sh.GroupFullPath,
			SharedWithGroupID: sh.GroupID, SharedFrom: sharedFrom,
			ExpiresAt: earliestDate(m.ExpiresAt, sh.ExpiresAt)})
		role := appliedRole{Source: sourceShared, SourceGroupID: sh.GroupID, SourcePath: sh.GroupFullPath}
		switch {
		case m.Level > sh.Level:
			role.ID, role.Base = sh.MemberRoleID, sh.Level
			role.Name = memberRoleSlug(sh.MemberRoleID)
		case m.Level < sh.Level || sh.MemberRoleID != 0:
			role.ID, role.Name, role.Base = m.MemberRoleID, m.MemberRoleName, m.MemberRoleBase
		}
		acc.addRole(m.UserID, role)
	}
	return nil
}

// shareActive: unexpired and above Minimal Access (join_group_group_links excludes
// group_access <= MINIMAL_ACCESS).
func shareActive(in accessInputs, sh groupShare) bool {
	return sh.Level > gitlab.MinimalAccessPermissions && (sh.ExpiresAt == "" || sh.ExpiresAt > in.today())
}

// computeProjectAccess is every user's access to a project (project_authorizations).
func computeProjectAccess(ctx context.Context, in accessInputs, p *orgProject) (nodeAccess, error) {
	acc := nodeAccess{}
	ms, err := in.directProjectMembers(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Awaiting || m.Level < gitlab.GuestPermissions {
			continue // no Minimal Access on projects; awaiting gives nothing
		}
		acc.user(m.UserID).Direct = m
		acc.addRole(m.UserID, roleOf(m, sourceDirect, nil))
	}
	locked := false
	if p.GroupID != 0 {
		ns, err := in.group(ctx, p.GroupID)
		if err != nil {
			return nil, err
		}
		locked = ns.ShareWithGroupLock
		group, err := computeGroupAccess(ctx, in, p.GroupID)
		if err != nil {
			return nil, err
		}
		for uid, ga := range group {
			if ga.Direct != nil && ga.Direct.Level > gitlab.MinimalAccessPermissions {
				acc.offer(uid, accessPath{Level: ga.Direct.Level, Source: sourceInherited,
					SourceGroupID: ns.ID, SourceGroupFullPath: ns.FullPath, ExpiresAt: ga.Direct.ExpiresAt})
			}
			if ga.Via.Level > gitlab.NoPermissions {
				acc.offer(uid, ga.Via)
			}
			for _, r := range ga.Roles {
				if r.Source == sourceDirect {
					r.Source, r.SourceGroupID, r.SourcePath = sourceInherited, ns.ID, ns.FullPath
				}
				acc.addRole(uid, r)
			}
		}
	}
	if err := offerHidden(ctx, in, acc, orgNode{Kind: "project", ID: p.ID, FullPath: p.PathWithNamespace}); err != nil {
		return nil, err
	}
	if locked {
		return acc, nil // share_with_group_lock: the project's shares give nothing
	}
	for _, sh := range p.Shares {
		if !shareActive(in, sh) {
			continue
		}
		invited, err := computeGroupAccess(ctx, in, sh.GroupID)
		if err != nil {
			return nil, err
		}
		for uid, ia := range invited {
			via := ia.Via
			if d := ia.Direct; d != nil && d.Level > gitlab.MinimalAccessPermissions && d.Level >= via.Level {
				via = accessPath{Level: d.Level, SourceGroupID: sh.GroupID, SourceGroupFullPath: sh.GroupFullPath, ExpiresAt: d.ExpiresAt}
			}
			if via.Level <= gitlab.MinimalAccessPermissions {
				continue
			}
			acc.offer(uid, accessPath{Level: min(via.Level, sh.Level), Source: sourceShared,
				SourceGroupID: via.SourceGroupID, SourceGroupFullPath: via.SourceGroupFullPath,
				SharedWithGroupID: sh.GroupID, SharedFrom: p.PathWithNamespace,
				ExpiresAt: earliestDate(via.ExpiresAt, sh.ExpiresAt)})
		}
	}
	return acc, nil
}

// earliestDate returns the earlier of two YYYY-MM-DD dates ("" means none).
func earliestDate(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case a < b:
		return a
	}
	return b
}
