package connector

import (
	"context"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Shares with groups the token cannot read. GitLab hides such a share from the shared
// group's (or project's) shared_with_groups (Group#shared_with_group_links_visible_to_user,
// app/models/group.rb; Project#visible_group_links) and answers 404 for the invited
// group's members, so the access it gives cannot be computed from the inputs. It still
// shows: GET .../members/all lists the invited group's members to a member of the shared
// group (GroupMembersFinder: shared_into_ancestors when group.member?(user);
// MembersFinder#project_invited_groups when project.member?(user); only created_by is
// redacted, Members::InvitedPrivateGroupAccessibilityAssigner), and the top-level group's
// billable members list them (membership_type group_invite or project_invite).
//
// So, where the token cannot see the whole instance (GitLab.com, or a self-managed
// non-administrator): one billable-members listing per top-level organisation root tells
// whether anyone is billable there whom the visible inputs do not explain. Only then are
// that root's groups and projects read with members/all (one listing each), and those
// users' rows become shared access from "a group the token cannot read" — their level is
// right, their source group unknown. A user who reaches the organisation both visibly and
// through a hidden share is not detected (their hidden access may be higher): the
// limitation is in docs/access-model.md. Without Owner rights on the top-level group (the
// billable members listing is for Owners) one warning says what is missing.

// hiddenAccess is what the hidden shares give, per node, and the users they reach.
type hiddenAccess struct {
	users map[int64]*directMember     // users reached only through hidden shares
	rows  map[orgNode][]*directMember // members/all rows of those users, per node
}

var noHidden = &hiddenAccess{}

// hiddenShareAccess finds access given through shares the token cannot see (once per sync).
func (o *organisationState) hiddenShareAccess(ctx context.Context) (*hiddenAccess, error) {
	return o.hidden.get(func() (*hiddenAccess, error) {
		instance, err := o.instanceWide(ctx)
		if err != nil || instance {
			return noHidden, err // an administrator reads every group: nothing is hidden
		}
		explained, err := o.explainedMembers(ctx)
		if err != nil {
			return nil, err
		}
		known := make(map[int64]bool, len(explained))
		for _, m := range explained {
			known[m.UserID] = true
		}
		tree, err := o.groupTree(ctx)
		if err != nil {
			return nil, err
		}
		ps, err := o.projectSet(ctx)
		if err != nil {
			return nil, err
		}
		out := &hiddenAccess{users: map[int64]*directMember{}, rows: map[orgNode][]*directMember{}}
		var unchecked []string
		for _, root := range tree.roots {
			g := tree.groups[root]
			if g.ParentID != 0 {
				unchecked = append(unchecked, g.FullPath)
				continue // billable members exist on top-level groups only
			}
			billable, err := o.billableMembers(ctx, root)
			if err != nil {
				return nil, err
			}
			if !billable.ok {
				unchecked = append(unchecked, g.FullPath)
				continue
			}
			found := map[int64]*directMember{}
			for _, b := range billable.members {
				if !known[b.ID] {
					found[b.ID] = &directMember{UserID: b.ID, Username: b.Username, Name: b.Name, State: b.State, WebURL: b.WebURL}
				}
			}
			if len(found) == 0 {
				continue
			}
			ctxzap.Extract(ctx).Info("gitlab: some billable members of a top-level group reach it only through shares with groups the token cannot read: reading its groups' and projects' members/all to find their access",
				zap.String("group", g.FullPath), zap.Int("users", len(found)))
			for id, m := range found {
				out.users[id] = m
			}
			if err := o.readHiddenRows(ctx, tree, ps, root, found, out); err != nil {
				return nil, err
			}
		}
		if len(unchecked) > 0 {
			o.warnUncheckedHidden(ctx, unchecked)
		}
		return out, nil
	})
}

// readHiddenRows reads members/all of every group and project under root and keeps the
// rows of the users in found.
func (o *organisationState) readHiddenRows(ctx context.Context, tree *groupTree, ps *projectSet, root int64,
	found map[int64]*directMember, out *hiddenAccess) error {
	var walk func(id int64) error
	keep := func(n orgNode, kind gitlabapi.SourceKind) error {
		ms, err := o.c.client.ListAllMembers(ctx, kind, n.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if found[m.ID] != nil && m.MembershipState != gitlabapi.MembershipAwaiting {
				out.rows[n] = append(out.rows[n], toDirectMember(m))
			}
		}
		return nil
	}
	walk = func(id int64) error {
		if err := keep(orgNode{Kind: "group", ID: id}, gitlabapi.Groups); err != nil {
			return err
		}
		for _, pid := range ps.byGroup[id] {
			if err := keep(orgNode{Kind: "project", ID: pid}, gitlabapi.Projects); err != nil {
				return err
			}
		}
		for _, child := range tree.children[id] {
			if err := walk(child); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

func (o *organisationState) warnUncheckedHidden(ctx context.Context, roots []string) {
	o.hiddenWarning.Do(func() {
		ctxzap.Extract(ctx).Warn("gitlab: cannot check these groups for shares with groups the token cannot read "+
			"(GitLab hides such shares and their members): access given only through them is missing from this sync. "+
			"Use the token of an Owner of the top-level group (its billable members show that access), or sync as an administrator on self-managed GitLab",
			zap.Strings("groups", roots))
	})
}

// hiddenMembers are the rows of users reached through hidden shares on a node.
func (o *organisationState) hiddenMembers(ctx context.Context, n orgNode) ([]*directMember, error) {
	h, err := o.hiddenShareAccess(ctx)
	if err != nil {
		return nil, err
	}
	return h.rows[orgNode{Kind: n.Kind, ID: n.ID}], nil
}
