package connector

import (
	"fmt"
	"testing"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Which groups' GET /groups/:id a GraphQL sync skips, from the shared probe and
// Group.sharedGroups (org_graphql_shares.go). The organisation: a (1) with b (2) and c
// (3) below it, d (4) below b; e (5) another root. 99 is a group outside the
// organisation.
func TestGraphQLGroupsWithoutOwnShares(t *testing.T) {
	tree := &groupTree{groups: map[int64]*orgGroup{
		1: {ID: 1}, 2: {ID: 2, ParentID: 1}, 3: {ID: 3, ParentID: 1}, 4: {ID: 4, ParentID: 2}, 5: {ID: 5},
	}}
	listed := func(invitedTo ...int64) gitlabapi.GroupShareSignals {
		return gitlabapi.GroupShareSignals{Listed: true, InvitedTo: invitedTo}
	}
	reached := func(s gitlabapi.GroupShareSignals, from ...int64) gitlabapi.GroupShareSignals {
		s.Reached, s.From, s.Complete = true, from, true
		return s
	}
	truncated := func(s gitlabapi.GroupShareSignals) gitlabapi.GroupShareSignals {
		s.Complete = false
		return s
	}
	for _, c := range []struct {
		name    string
		signals map[int64]gitlabapi.GroupShareSignals
		skipped string // groups whose GET /groups/:id is skipped
	}{
		{"nobody reached through a share anywhere", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: listed(), 3: listed(), 4: listed(), 5: listed()}, "1 2 3 4 5"},
		{"e shared into b: b has its own share, d below it only inherits it", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: reached(listed(), 5), 3: listed(), 4: reached(listed(), 5), 5: listed(2)}, "1 3 4 5"},
		{"below b, a row of d's from a group outside the organisation: d may have its own share", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: reached(listed(), 5), 3: listed(), 4: reached(listed(), 5, 99), 5: listed(2)}, "1 3 5"},
		{"below b, d's rows all redacted (a group the token cannot read) with more to come", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: reached(listed(), 5), 3: listed(), 4: truncated(reached(listed())), 5: listed(2)}, "1 3 5"},
		{"below b, more than a page of d's rows: where the others come from is unknown", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: reached(listed(), 5), 3: listed(), 4: truncated(reached(listed(), 5)), 5: listed(2)}, "1 3 5"},
		{"e shared into b and into d: both read", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: reached(listed(), 5), 3: listed(), 4: reached(listed(), 5), 5: listed(2, 4)}, "1 3 5"},
		{"c reached although no organisation group is shared into its chain: an outside group is", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: listed(), 3: reached(listed(), 5), 4: listed(), 5: listed()}, "1 2 4 5"},
		{"a group's sharedGroups unknown (GitLab before 18.4): the probe alone decides", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: reached(listed(), 5), 3: listed(), 4: reached(listed(), 5), 5: {}}, "1 3 5"},
		{"a group not read through GraphQL (its hierarchy over REST): the probe alone decides", map[int64]gitlabapi.GroupShareSignals{
			1: listed(), 2: reached(listed(), 5), 3: listed(), 4: reached(listed(), 5)}, "1 3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := groupsWithoutOwnShares(tree, c.signals)
			s := ""
			for _, id := range sortedKeys(got) {
				if got[id] {
					s += fmt.Sprintf(" %d", id)
				}
			}
			if s != " "+c.skipped {
				t.Errorf("skipped%s, want %s", s, c.skipped)
			}
		})
	}
}
