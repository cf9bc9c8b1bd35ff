package connector

import (
	"context"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Who the organisation's members are, and which custom roles they hold, read from the
// direct member lists (inputs): no node's access is computed for these.

// memberSources calls visit with every direct member list access to the organisation
// can come from, with whether its rows are the organisation's own (a group or project
// of the organisation) or come from outside it:
//   - the organisation's groups and projects (own);
//   - the ancestors of the organisation's roots (a --groups root or a GitLab.com
//     subgroup root inherits from them);
//   - every group an organisation group (or a root's ancestor) is shared with;
//   - for each project share (where the project's namespace allows it): the invited
//     group's whole access (its and its ancestors' members, and the members of groups it
//     is shared with): visitAccess gets those users.
//
// Each list is visited once.
func (o *organisationState) memberSources(ctx context.Context,
	visit func(ms []*directMember, own bool),
	visitAccess func(acc nodeAccess)) error {
	nodes, err := o.nodes(ctx)
	if err != nil {
		return err
	}
	tree, err := o.groupTree(ctx)
	if err != nil {
		return err
	}
	seenGroup := map[int64]bool{}
	outside := func(id int64) error {
		if seenGroup[id] {
			return nil
		}
		seenGroup[id] = true
		ms, err := o.directGroupMembers(ctx, id)
		if err != nil {
			return err
		}
		visit(ms, false)
		return nil
	}
	shareSources := func(groupID int64) error {
		shares, err := o.groupShares(ctx, groupID)
		if err != nil {
			return err
		}
		for _, sh := range shares {
			if shareActive(o, sh) && tree.groups[sh.GroupID] == nil {
				if err := outside(sh.GroupID); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, n := range nodes {
		ms, err := o.directNodeMembers(ctx, n)
		if err != nil {
			return err
		}
		visit(ms, true)
		if n.Kind == "group" {
			seenGroup[n.ID] = true
			if err := shareSources(n.ID); err != nil {
				return err
			}
		}
	}
	for _, root := range tree.roots {
		chain, err := ancestry(ctx, o, root)
		if err != nil {
			return err
		}
		for _, anc := range chain[1:] {
			if err := outside(anc.ID); err != nil {
				return err
			}
			if err := shareSources(anc.ID); err != nil {
				return err
			}
		}
	}
	if visitAccess == nil {
		return nil
	}
	seenInvited := map[int64]bool{}
	for _, n := range nodes {
		if n.Kind != "project" {
			continue
		}
		p, err := o.project(ctx, n.ID)
		if err != nil {
			return err
		}
		if len(p.Shares) == 0 {
			continue
		}
		if p.GroupID != 0 {
			ns, err := o.group(ctx, p.GroupID)
			if err != nil {
				return err
			}
			if ns.ShareWithGroupLock {
				continue
			}
		}
		for _, sh := range p.Shares {
			if !shareActive(o, sh) || seenInvited[sh.GroupID] {
				continue
			}
			seenInvited[sh.GroupID] = true
			acc, err := computeGroupAccess(ctx, visibleInputs{o}, sh.GroupID)
			if err != nil {
				return err
			}
			visitAccess(acc)
		}
	}
	return nil
}

// visibleInputs are the sync's inputs without the access of hidden shares: what finding
// hidden shares (org_hidden.go) itself reads, so that it never waits for itself.
type visibleInputs struct{ *organisationState }

func (visibleInputs) hiddenMembers(context.Context, orgNode) ([]*directMember, error) {
	return nil, nil
}

// allMembers returns one directMember per user who has access somewhere in the
// organisation, or a direct membership of it (awaiting members included: on GitLab.com
// they are the organisation's users, waiting for a seat). On GitLab.com these are the
// accounts. Members of groups outside the organisation count only where their
// membership gives access (active, above Minimal Access).
func (o *organisationState) allMembers(ctx context.Context) ([]*directMember, error) {
	return o.members.get(func() ([]*directMember, error) {
		explained, err := o.explainedMembers(ctx)
		if err != nil {
			return nil, err
		}
		hidden, err := o.hiddenShareAccess(ctx)
		if err != nil || len(hidden.users) == 0 {
			return explained, err
		}
		byUser := make(map[int64]*directMember, len(explained)+len(hidden.users))
		for _, m := range explained {
			byUser[m.UserID] = m
		}
		for id, m := range hidden.users {
			byUser[id] = m
		}
		out := make([]*directMember, 0, len(byUser))
		for _, id := range sortedKeys(byUser) {
			out = append(out, byUser[id])
		}
		return out, nil
	})
}

// explainedMembers is allMembers without the users reached only through shares the
// token cannot see (org_hidden.go).
func (o *organisationState) explainedMembers(ctx context.Context) ([]*directMember, error) {
	return o.explained.get(func() ([]*directMember, error) {
		byUser := map[int64]*directMember{}
		var needRecord []int64
		err := o.memberSources(ctx, func(ms []*directMember, own bool) {
			for _, m := range ms {
				if _, ok := byUser[m.UserID]; ok || (!own && !givesAccess(m)) {
					continue
				}
				byUser[m.UserID] = m
			}
		}, func(acc nodeAccess) {
			for uid, a := range acc {
				if _, ok := byUser[uid]; !ok && a.Level() > gitlab.MinimalAccessPermissions {
					needRecord = append(needRecord, uid)
				}
			}
		})
		if err != nil {
			return nil, err
		}
		// A project share reaches members of groups the invited group is shared with;
		// their records are in those groups' lists, which memberSources visited only if
		// an organisation group is shared with them too: look them up once.
		if len(needRecord) > 0 {
			if err := o.addRecords(ctx, byUser, needRecord); err != nil {
				return nil, err
			}
		}
		out := make([]*directMember, 0, len(byUser))
		for _, id := range sortedKeys(byUser) {
			out = append(out, byUser[id])
		}
		return out, nil
	})
}

// addRecords finds the member record of each user in want among the direct member lists
// already read in this sync (one pass over each list, by user id).
func (o *organisationState) addRecords(ctx context.Context, byUser map[int64]*directMember, want []int64) error {
	missing := make(map[int64]bool, len(want))
	for _, id := range want {
		if _, ok := byUser[id]; !ok {
			missing[id] = true
		}
	}
	o.groupMembers.each(func(ms []*directMember) {
		for _, m := range ms {
			if missing[m.UserID] {
				byUser[m.UserID] = m
				delete(missing, m.UserID)
			}
		}
	})
	return nil
}

// awaitingMembership is a direct membership of the organisation that is awaiting
// approval (membership_state "awaiting"): it gives no access.
type awaitingMembership struct {
	Kind     string // "group" or "project"
	ID       int64
	FullPath string
	Level    gitlab.AccessLevelValue
}

// awaitingMemberships returns, per user, the organisation's groups and projects where
// their direct membership is awaiting, groups first, by id. It reads the cached member
// lists: no request of its own.
func (o *organisationState) awaitingMemberships(ctx context.Context) (map[int64][]awaitingMembership, error) {
	return o.awaiting.get(func() (map[int64][]awaitingMembership, error) {
		nodes, err := o.nodes(ctx)
		if err != nil {
			return nil, err
		}
		out := map[int64][]awaitingMembership{}
		for _, n := range nodes {
			ms, err := o.directNodeMembers(ctx, n)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.Awaiting {
					out[m.UserID] = append(out[m.UserID], awaitingMembership{Kind: n.Kind, ID: n.ID, FullPath: n.FullPath, Level: m.Level})
				}
			}
		}
		return out, nil
	})
}

// memberRoleInUse is a custom role some member holds in a hierarchy.
type memberRoleInUse struct {
	ID   int64
	Name string
	Base gitlab.AccessLevelValue
}

// memberRolesForGroup returns the custom roles that can apply anywhere in the
// organisation hierarchy of a group: held by a member of one of its groups or projects,
// of an ancestor of its root, or of a group shared into it, or set on such a share. Every
// node of a hierarchy offers the same custom-role entitlements (a superset of the roles
// its grants use).
func (o *organisationState) memberRolesForGroup(ctx context.Context, groupID int64) ([]memberRoleInUse, error) {
	tree, err := o.groupTree(ctx)
	if err != nil {
		return nil, err
	}
	root := tree.rootOf(groupID)
	return o.memberRoles.get(root, func() ([]memberRoleInUse, error) {
		ps, err := o.projectSet(ctx)
		if err != nil {
			return nil, err
		}
		roles := map[int64]memberRoleInUse{}
		addRows := func(ms []*directMember) {
			for _, m := range ms {
				if m.MemberRoleID != 0 {
					roles[m.MemberRoleID] = memberRoleInUse{ID: m.MemberRoleID, Name: m.MemberRoleName, Base: m.MemberRoleBase}
				}
			}
		}
		addGroup := func(id int64) error {
			ms, err := o.directGroupMembers(ctx, id)
			if err != nil {
				return err
			}
			addRows(ms)
			shares, err := o.groupShares(ctx, id)
			if err != nil {
				return err
			}
			for _, sh := range shares {
				if !shareActive(o, sh) {
					continue
				}
				invited, err := o.directGroupMembers(ctx, sh.GroupID)
				if err != nil {
					return err
				}
				addRows(invited)
				if _, known := roles[sh.MemberRoleID]; sh.MemberRoleID != 0 && !known {
					roles[sh.MemberRoleID] = memberRoleInUse{ID: sh.MemberRoleID, Name: memberRoleSlug(sh.MemberRoleID), Base: sh.Level}
				}
			}
			return nil
		}
		chain, err := ancestry(ctx, o, root)
		if err != nil {
			return nil, err
		}
		for _, anc := range chain[1:] {
			if err := addGroup(anc.ID); err != nil {
				return nil, err
			}
		}
		var walk func(id int64) error
		walk = func(id int64) error {
			if err := addGroup(id); err != nil {
				return err
			}
			for _, pid := range ps.byGroup[id] {
				ms, err := o.directProjectMembers(ctx, pid)
				if err != nil {
					return err
				}
				addRows(ms)
			}
			for _, child := range tree.children[id] {
				if err := walk(child); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(root); err != nil {
			return nil, err
		}
		// Roles seen on members/all rows of users reached through hidden shares.
		hidden, err := o.hiddenShareAccess(ctx)
		if err != nil {
			return nil, err
		}
		for n, rows := range hidden.rows {
			gid := n.ID
			if n.Kind == "project" {
				gid = ps.byID[n.ID].GroupID
			}
			if tree.rootOf(gid) == root {
				addRows(rows)
			}
		}
		return sortedRoles(roles), nil
	})
}

// memberRolesForPersonalProject returns the custom roles held on a personal project.
func (o *organisationState) memberRolesForPersonalProject(ctx context.Context, projectID int64) ([]memberRoleInUse, error) {
	return o.memberRoles.get(-projectID, func() ([]memberRoleInUse, error) {
		ms, err := o.directProjectMembers(ctx, projectID)
		if err != nil {
			return nil, err
		}
		roles := map[int64]memberRoleInUse{}
		for _, m := range ms {
			if m.MemberRoleID != 0 {
				roles[m.MemberRoleID] = memberRoleInUse{ID: m.MemberRoleID, Name: m.MemberRoleName, Base: m.MemberRoleBase}
			}
		}
		return sortedRoles(roles), nil
	})
}

func sortedRoles(roles map[int64]memberRoleInUse) []memberRoleInUse {
	out := make([]memberRoleInUse, 0, len(roles))
	for _, id := range sortedKeys(roles) {
		out = append(out, roles[id])
	}
	return out
}
