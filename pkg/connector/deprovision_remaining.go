package connector

import (
	"context"
	"fmt"
	"sort"
)

// accessRemaining computes, after a user was removed from every group and project of the
// organisation, the access they still have there and names where it comes from: a share
// with a group outside the organisation (the user is a member of it, or of a group shared
// with it), or an ancestor outside the organisation (GitLab.com, a subgroup root). GitLab
// removes such access only there ("groups are invited as a whole"), so deprovisioning
// cannot, and must say so rather than answer "done" or "does not exist".
//
// It runs the access engine over fresh reads (freshUserInputs): the organisation's own
// groups and projects hold no membership of the user any more (removed, or reported as
// left), so their rows are not read again; each organisation group's detail (its shares)
// is read once, and the user's membership of each group outside it that access could come
// through. Projects come from the listing just read, shares included.
func (c *Connector) accessRemaining(ctx context.Context, tree *groupTree, projects *projectSet, userID int64) ([]string, error) {
	in := c.freshInputs(userID)
	for id := range tree.groups {
		in.gRows[id] = nil
	}
	for id, p := range projects.byID {
		in.pRows[id] = nil
		in.projects[id] = p
	}
	sources := map[string]bool{}
	note := func(kind string, id int64, path string) error {
		a, err := in.access(ctx, kind, id)
		if err != nil {
			return err
		}
		if a.Level() > 0 {
			sources[fmt.Sprintf("%s on %s %s", accessLevelName(a.Level()), kind, path)+" ("+describeSource(a.Via)+")"] = true
		}
		return nil
	}
	for _, id := range sortedKeys(tree.groups) {
		if err := note(provGroup, id, tree.groups[id].FullPath); err != nil {
			return nil, err
		}
	}
	for _, id := range sortedKeys(projects.byID) {
		if err := note(provProject, id, projects.byID[id].PathWithNamespace); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(sources))
	for s := range sources {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}
