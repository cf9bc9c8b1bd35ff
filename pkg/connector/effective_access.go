package connector

import (
	"context"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Effective access: GitLab's rules, computed from direct member lists, the group tree
// and shares instead of asking GitLab for members/all on every group and project.
//
// A user's access to a group or project is the HIGHEST of:
//   - a direct membership there;
//   - a direct membership in any ancestor group, except Minimal Access, which exists on
//     top-level groups only and is not inherited;
//   - a group share: a group X (the node itself or an ancestor) shared with group B at
//     level L gives B's DIRECT members min(their level in B, L) in X and everything below;
//   - a project share: a project shared with group B at level L gives the members of B
//     and of B's ancestors min(their level, L).
//
// Expired memberships and shares (expires_at on or before today) give nothing: GitLab
// removes them. Awaiting memberships (membership_state "awaiting": waiting for a seat
// under a user cap or GitLab.com's free-tier limit) give nothing until approved, here,
// to descendants and through shares. https://docs.gitlab.com/user/project/members/sharing_projects_groups/
// https://docs.gitlab.com/user/group/subgroups/#subgroup-membership
// https://docs.gitlab.com/user/project/members/#membership-and-visibility-rights

// Where a grant's access comes from (GrantMetadata "source").
const (
	sourceDirect    = "direct"
	sourceInherited = "inherited"
	sourceShared    = "shared"
)

// effectiveAccess is one user's effective access to one group or project.
type effectiveAccess struct {
	UserID         int64
	Level          gitlab.AccessLevelValue
	MemberRoleID   int64 // custom role (its base level is Level); 0 when none
	MemberRoleName string
	MemberRoleBase gitlab.AccessLevelValue
	Source         string // sourceDirect, sourceInherited or sourceShared
	// SourceGroupID is the group whose direct membership gives the access: the
	// ancestor (inherited) or the invited group (shared). 0 for direct access.
	SourceGroupID       int64
	SourceGroupFullPath string
	// SharedFrom is, for shared access, the group or project (full path) that was shared.
	SharedFrom string
	ExpiresAt  string // YYYY-MM-DD or ""
	// DirectLevel is the user's direct membership level here when the effective access
	// comes from elsewhere (higher); 0 when there is no direct membership.
	DirectLevel gitlab.AccessLevelValue
}

// accessGraph is what the computation reads; organisationState implements it (and unit
// tests implement it with maps).
type accessGraph interface {
	group(ctx context.Context, id int64) (*orgGroup, error)
	groupShares(ctx context.Context, id int64) ([]groupShare, error)
	directGroupMembers(ctx context.Context, id int64) ([]*directMember, error)
	directProjectMembers(ctx context.Context, id int64) ([]*directMember, error)
}

// accessSet collects candidate accesses and keeps the best per user.
type accessSet struct {
	today string
	best  map[int64]*effectiveAccess
	// direct levels seen, for DirectLevel.
	direct map[int64]gitlab.AccessLevelValue
}

func newAccessSet(today string) *accessSet {
	return &accessSet{today: today, best: map[int64]*effectiveAccess{}, direct: map[int64]gitlab.AccessLevelValue{}}
}

func (s *accessSet) expired(date string) bool { return date != "" && date <= s.today }

// offer considers one candidate access.
func (s *accessSet) offer(a *effectiveAccess) {
	if a.Level <= gitlab.NoPermissions || s.expired(a.ExpiresAt) {
		return
	}
	if a.Source == sourceDirect {
		s.direct[a.UserID] = a.Level
	}
	cur := s.best[a.UserID]
	if cur == nil || betterAccess(a, cur) {
		s.best[a.UserID] = a
	}
}

func (s *accessSet) result() map[int64]*effectiveAccess {
	for uid, a := range s.best {
		if a.Source != sourceDirect {
			a.DirectLevel = s.direct[uid]
		}
	}
	return s.best
}

// betterAccess orders two accesses of one user: the higher level wins; at the same
// level direct beats inherited beats shared (GitLab prefers the membership of the
// object itself, and it is the one that can be changed here). Among equals the first
// offered (the nearest source) stays.
func betterAccess(a, b *effectiveAccess) bool {
	if a.Level != b.Level {
		return a.Level > b.Level
	}
	return sourceRank(a.Source) < sourceRank(b.Source)
}

func sourceRank(s string) int {
	switch s {
	case sourceDirect:
		return 0
	case sourceInherited:
		return 1
	}
	return 2
}

func fromMember(m *directMember, source string) *effectiveAccess {
	return &effectiveAccess{
		UserID: m.UserID, Level: m.Level, MemberRoleID: m.MemberRoleID,
		MemberRoleName: m.MemberRoleName, MemberRoleBase: m.MemberRoleBase,
		Source: source, ExpiresAt: m.ExpiresAt,
	}
}

// ancestry returns the group and its ancestors, the group first.
func ancestry(ctx context.Context, g accessGraph, groupID int64) ([]*orgGroup, error) {
	var chain []*orgGroup
	seen := map[int64]bool{}
	for id := groupID; id != 0 && !seen[id]; {
		seen[id] = true
		grp, err := g.group(ctx, id)
		if err != nil {
			return nil, err
		}
		chain = append(chain, grp)
		id = grp.ParentID
	}
	return chain, nil
}

// offerInherited offers the direct members of each group of chain as inherited access
// (Minimal Access is not inherited).
func offerInherited(ctx context.Context, g accessGraph, s *accessSet, chain []*orgGroup) error {
	for _, anc := range chain {
		ms, err := g.directGroupMembers(ctx, anc.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Level < gitlab.GuestPermissions || !m.grantsAccess() {
				continue
			}
			a := fromMember(m, sourceInherited)
			a.SourceGroupID, a.SourceGroupFullPath = anc.ID, anc.FullPath
			s.offer(a)
		}
	}
	return nil
}

// offerShare offers the members of the invited groups (their direct members, plus the
// members of their ancestors for a project share) capped at the share's level.
func offerShare(ctx context.Context, g accessGraph, s *accessSet, sh groupShare, sharedFrom string, withAncestors bool) error {
	if s.expired(sh.ExpiresAt) || sh.Level < gitlab.GuestPermissions {
		return nil
	}
	invited := []*orgGroup{{ID: sh.GroupID, FullPath: sh.GroupFullPath}}
	if withAncestors {
		chain, err := ancestry(ctx, g, sh.GroupID)
		if err != nil {
			return err
		}
		invited = chain
	}
	for _, b := range invited {
		ms, err := g.directGroupMembers(ctx, b.ID)
		if err != nil {
			return err
		}
		path := b.FullPath
		if path == "" {
			path = sh.GroupFullPath
		}
		for _, m := range ms {
			if m.Level < gitlab.GuestPermissions || !m.grantsAccess() {
				continue
			}
			a := fromMember(m, sourceShared)
			if a.Level > sh.Level {
				// Capped by the share: the user gets the share's level and the share's
				// custom role (member_role_id of the share, usually none) instead of
				// their own. Uncapped, their own membership (custom role included)
				// applies. GitLab's custom-role preloader picks the role the same way:
				// ee/app/models/preloaders/user_member_roles_in_projects_preloader.rb
				a.Level = sh.Level
				a.MemberRoleID, a.MemberRoleName, a.MemberRoleBase = sh.MemberRoleID, "", 0
				if sh.MemberRoleID != 0 {
					a.MemberRoleName, a.MemberRoleBase = memberRoleSlug(sh.MemberRoleID), sh.Level
				}
			}
			a.SourceGroupID, a.SourceGroupFullPath, a.SharedFrom = b.ID, path, sharedFrom
			a.ExpiresAt = earliestDate(m.ExpiresAt, sh.ExpiresAt)
			s.offer(a)
		}
	}
	return nil
}

// offerGroupShares offers the shares of every group of chain (they reach descendants).
func offerGroupShares(ctx context.Context, g accessGraph, s *accessSet, chain []*orgGroup) error {
	for _, x := range chain {
		shares, err := g.groupShares(ctx, x.ID)
		if err != nil {
			return err
		}
		for _, sh := range shares {
			if err := offerShare(ctx, g, s, sh, x.FullPath, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// computeGroupAccess returns every user's effective access to a group.
func computeGroupAccess(ctx context.Context, g accessGraph, groupID int64, today string) (map[int64]*effectiveAccess, error) {
	s := newAccessSet(today)
	chain, err := ancestry(ctx, g, groupID)
	if err != nil {
		return nil, err
	}
	self := chain[0]
	ms, err := g.directGroupMembers(ctx, groupID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if !m.grantsAccess() {
			continue // awaiting a seat: no access until approved
		}
		if m.Level == gitlab.MinimalAccessPermissions && self.ParentID != 0 {
			continue // Minimal Access exists on top-level groups only
		}
		s.offer(fromMember(m, sourceDirect))
	}
	if err := offerInherited(ctx, g, s, chain[1:]); err != nil {
		return nil, err
	}
	if err := offerGroupShares(ctx, g, s, chain); err != nil {
		return nil, err
	}
	return s.result(), nil
}

// computeProjectAccess returns every user's effective access to a project.
func computeProjectAccess(ctx context.Context, g accessGraph, p *orgProject, today string) (map[int64]*effectiveAccess, error) {
	s := newAccessSet(today)
	ms, err := g.directProjectMembers(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Level < gitlab.GuestPermissions || !m.grantsAccess() {
			continue // Minimal Access does not exist on projects; awaiting gives nothing
		}
		s.offer(fromMember(m, sourceDirect))
	}
	if p.GroupID != 0 {
		chain, err := ancestry(ctx, g, p.GroupID)
		if err != nil {
			return nil, err
		}
		if err := offerInherited(ctx, g, s, chain); err != nil {
			return nil, err
		}
		if err := offerGroupShares(ctx, g, s, chain); err != nil {
			return nil, err
		}
	}
	for _, sh := range p.Shares {
		if err := offerShare(ctx, g, s, sh, p.PathWithNamespace, true); err != nil {
			return nil, err
		}
	}
	return s.result(), nil
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
