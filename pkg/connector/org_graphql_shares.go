package connector

import "github.com/conductorone/baton-gitlab/pkg/gitlabapi"

// Which groups' share links a GraphQL sync reads (GET /groups/:id: GraphQL has no field
// for a link's access level or expiry). A group's shared_with_groups is needed only where
// it has a share of its own that gives access. GraphQL tells, per group read:
//   - the shared probe (groupMembers relations SHARED_FROM_GROUPS, first 1): whether
//     anyone reaches the group through a group shared into it OR AN ANCESTOR (GitLab's
//     Group.shared_into_ancestors), and from which group the first row comes;
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
//   - the probe's first row is not from an organisation group (or was redacted).
//
// What this leaves out: a group outside the organisation, visible to the token, shared
// into a group whose ancestor (or itself) is also shared with an organisation group,
// when the probe's first row is from an organisation group. Its members' access through
// that share is then missing; a share from a group the token cannot read is found by the
// billable members instead (org_hidden.go). On a self-managed instance-wide sync every
// group is an organisation group, so nothing is left out there.

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
	for id, s := range signals {
		switch {
		case !s.Reached:
			out[id] = true // nobody reaches it through a share: none of its own gives access
		case !listed, sharedInto[id], !explained(id):
		case s.FirstFrom != 0 && tree.groups[s.FirstFrom] != nil:
			out[id] = true
		}
	}
	return out
}
