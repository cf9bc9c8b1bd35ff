package connector

import "github.com/conductorone/baton-gitlab/pkg/gitlabapi"

// Which groups' share links a GraphQL sync reads (GET /groups/:id: GraphQL has no field
// for a link's access level or expiry). A group's shared_with_groups is needed only where
// it has a share of its own that gives access. GraphQL tells, per group read:
//   - the shared probe (groupMembers relations SHARED_FROM_GROUPS, first 100): the users
//     who reach the group through a group shared into it OR AN ANCESTOR (GitLab's
//     Group.shared_into_ancestors; the invited groups' direct members, one row per user)
//     and the group each row comes from;
//   - Group.sharedGroups (GitLab 18.4+, Namespaces::Groups::SharedGroupsFinder): the
//     groups this group is invited to. Every group of the organisation is read, so
//     together they name every group of the organisation that an organisation group is
//     shared into.
//
// A group needs its GET /groups/:id when the probe found someone and
//   - an organisation group is shared into it (sharedGroups named it), or
//   - sharedGroups could not be read for every organisation group (an older GitLab, a
//     hierarchy read over REST, a group invited to more than a page of groups): the
//     probe alone decides, as before 18.4, or
//   - no organisation group is shared into it or an ancestor in the organisation: the
//     rows come from a group outside the organisation shared into it or an ancestor,
//     which only GET /groups/:id can name, or
//   - a row of the probe comes from a group outside the organisation, or the probe has
//     more than a page of rows (it cannot tell where they all come from).
//
// So a group is skipped only when every user reached through shares into its chain is
// reached through an organisation group shared into an ancestor. What this can leave out:
// a group outside the organisation, visible to the token, shared into the group itself,
// all of whose members also reach it through an organisation group at the same or a
// higher level (a row is the user's highest): their access levels are unchanged, only
// which share a tie is credited to may differ from REST's. A share from a group the token
// cannot read is not in shared_with_groups either; the billable members find it
// (org_hidden.go).

// groupsWithoutOwnShares is the set of groups whose GET /groups/:id a GraphQL sync skips.
func groupsWithoutOwnShares(tree *groupTree, signals map[int64]gitlabapi.GroupShareSignals) map[int64]bool {
	out := map[int64]bool{}
	listed := len(signals) == len(tree.groups)
	sharedInto := map[int64]bool{} // organisation groups an organisation group is shared into
	for id, s := range signals {
		if tree.groups[id] == nil {
			continue
		}
		listed = listed && s.Listed
		for _, g := range s.InvitedTo {
			sharedInto[g] = true
		}
	}
	explained := func(id int64) bool {
		for seen := map[int64]bool{}; id != 0 && tree.groups[id] != nil && !seen[id]; id = tree.groups[id].ParentID {
			if sharedInto[id] {
				return true
			}
			seen[id] = true
		}
		return false
	}
	fromOrganisation := func(s gitlabapi.GroupShareSignals) bool {
		if !s.Complete || len(s.From) == 0 {
			return false
		}
		for _, g := range s.From {
			if tree.groups[g] == nil {
				return false
			}
		}
		return true
	}
	for id, s := range signals {
		switch {
		case !s.Reached:
			out[id] = true // nobody reaches it through a share: none of its own gives access
		case !listed, sharedInto[id], !explained(id):
		case fromOrganisation(s):
			out[id] = true
		}
	}
	return out
}
