package gitlabapi

import (
	"fmt"
	"sort"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// The groups through GraphQL are REST's, field by field: an administrator's every group
// (Query.groups) and a group's subtree (Group.descendantGroups), over several pages.
func TestListGroupsGraphQLMatchesREST(t *testing.T) {
	w := fg.LargeWorld(fg.LargeSpec{Users: 200, Groups: 230, Projects: 10, Seed: 5}, fg.ModeSelfManaged)
	e := newFakeEnv(t, fg.ModeSelfManaged, w)
	key := func(g *gitlab.Group) string {
		created := ""
		if g.CreatedAt != nil {
			created = g.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		return fmt.Sprintf("%d %d %q %q %q %q %q %q %q %s %v", g.ID, g.ParentID, g.Name, g.Path, g.FullPath, g.FullName,
			g.Description, g.Visibility, g.WebURL, created, g.ShareWithGroupLock)
	}
	keys := func(gs []*gitlab.Group) []string {
		out := make([]string, len(gs))
		for i, g := range gs {
			out[i] = key(g)
		}
		sort.Strings(out)
		return out
	}
	all, err := e.c.ListGroupsGraphQL(e.ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	rest, err := ListAll(e.ctx, "groups", func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
		return e.c.API.Groups.ListGroups(&gitlab.ListGroupsOptions{ListOptions: lo, AllAvailable: gitlab.Ptr(true)}, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := keys(all), keys(rest); fmt.Sprint(a) != fmt.Sprint(b) || len(a) < 200 {
		t.Errorf("%d groups through GraphQL, %d over REST; they differ: %v", len(a), len(b), fmt.Sprint(a) != fmt.Sprint(b))
	}
	root := w.SortedGroups()[0]
	sub, err := e.c.ListGroupsGraphQL(e.ctx, w.FullPath(root.ID))
	if err != nil {
		t.Fatal(err)
	}
	restSub, err := ListAll(e.ctx, "subgroups", func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
		return e.c.API.Groups.ListDescendantGroups(root.ID, &gitlab.ListDescendantGroupsOptions{ListOptions: lo}, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := keys(sub), keys(restSub); fmt.Sprint(a) != fmt.Sprint(b) || len(a) == 0 {
		t.Errorf("%d subgroups of %s through GraphQL, %d over REST; they differ: %v", len(a), root.Path, len(b), fmt.Sprint(a) != fmt.Sprint(b))
	}
}
