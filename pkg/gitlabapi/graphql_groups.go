package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// The organisation's groups through GraphQL, 100 a page: every group the caller can see
// (Query.groups, all_available: an administrator's is the whole instance), or a group's
// whole subtree (Group.descendantGroups, includeParentDescendants true by default;
// complexity 5 whatever the page size). Each group with what the sync keeps of it, as
// REST's group entity has it. GitLab.com's default discovery (GET /groups?
// min_access_level=10: the groups the token's user is a direct member of, with their
// subtrees) has no GraphQL counterpart (Query.groups has no access-level filter) and
// stays REST.

// groupNodes: the fields of a group the tree keeps — 13.
func groupNodes() Field {
	return plain("nodes", append(plains("id", "name", "path", "fullPath", "fullName", "description", "visibility",
		"webUrl", "createdAt", "shareWithGroupLock"), plain("parent", plains("id")...))...)
}

// AllGroupsOperation is a page of Query.groups (sort's default name_asc:
// resolver_complexity 2) — 36.
func AllGroupsOperation(after string) Operation {
	vars := map[string]any{}
	if after != "" {
		vars["after"] = after
	}
	return Operation{Name: "AllGroups", VarDefs: "$after: String", Variables: vars,
		Fields: []Field{{Name: "groups", Args: "first: 100, after: $after", Kind: Connection, Extra: 2, First: 100,
			Children: []Field{pageInfoField(), groupNodes()}}}}
}

// DescendantGroupsOperation is a page of a group's subtree (Group.descendantGroups,
// complexity 5) — 22.
func DescendantGroupsOperation(root, after string) Operation {
	vars := map[string]any{"root": root}
	if after != "" {
		vars["after"] = after
	}
	return Operation{Name: "DescendantGroups", VarDefs: "$root: ID!, $after: String", Variables: vars,
		Fields: []Field{{Name: "group", Args: "fullPath: $root", Kind: Resolver, Extra: 1, Children: []Field{
			{Name: "descendantGroups", Args: "first: 100, after: $after", Kind: Constant, Extra: 5,
				Children: []Field{pageInfoField(), groupNodes()}}}}}}
}

type gqlGroupNode struct {
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	Path               string  `json:"path"`
	FullPath           string  `json:"fullPath"`
	FullName           string  `json:"fullName"`
	Description        *string `json:"description"`
	Visibility         *string `json:"visibility"`
	WebURL             string  `json:"webUrl"`
	CreatedAt          Time    `json:"createdAt"`
	ShareWithGroupLock *bool   `json:"shareWithGroupLock"`
	Parent             *struct {
		ID string `json:"id"`
	} `json:"parent"`
}

type gqlGroupsPage struct {
	PageInfo gqlPageInfo    `json:"pageInfo"`
	Nodes    []gqlGroupNode `json:"nodes"`
}

// ListGroupsGraphQL lists every group the caller can see (root "") or root's whole
// subtree, as client-go's group type (the fields REST's list entity has that the tree
// keeps). Any error (no GraphQL API, a refusal, a group GitLab answered nothing for)
// ends it: the caller lists over REST.
func (c *Client) ListGroupsGraphQL(ctx context.Context, root string) ([]*gitlab.Group, error) {
	var out []*gitlab.Group
	after := ""
	for {
		op := AllGroupsOperation(after)
		var page *gqlGroupsPage
		if root == "" {
			ans := &GraphQLResponse[struct {
				Groups *gqlGroupsPage `json:"groups"`
			}]{}
			if err := c.GraphQL(ctx, []GraphQLQuery{op.Query()}, []any{ans}); err != nil {
				return nil, err
			}
			if ans.Data != nil {
				page = ans.Data.Groups
			}
			if page == nil {
				return nil, answerless(ans.Err(), "the groups")
			}
		} else {
			op = DescendantGroupsOperation(root, after)
			ans := &GraphQLResponse[struct {
				Group *struct {
					DescendantGroups *gqlGroupsPage `json:"descendantGroups"`
				} `json:"group"`
			}]{}
			if err := c.GraphQL(ctx, []GraphQLQuery{op.Query()}, []any{ans}); err != nil {
				return nil, err
			}
			if ans.Data != nil && ans.Data.Group != nil {
				page = ans.Data.Group.DescendantGroups
			}
			if page == nil {
				return nil, answerless(ans.Err(), "the subgroups of "+root)
			}
		}
		for _, n := range page.Nodes {
			g, err := n.toGroup()
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		if !page.PageInfo.HasNextPage || page.PageInfo.EndCursor == "" {
			return out, nil
		}
		after = page.PageInfo.EndCursor
	}
}

// answerless is the error of a query GitLab gave no data for.
func answerless(err error, what string) error {
	if err == nil {
		err = errors.New("no data")
	}
	return fmt.Errorf("listing %s through GraphQL: %w", what, err)
}

func (n gqlGroupNode) toGroup() (*gitlab.Group, error) {
	id, ok := gidNumber(n.ID)
	if !ok {
		return nil, fmt.Errorf("a group with the id %q", n.ID)
	}
	g := &gitlab.Group{ID: id, Name: n.Name, Path: n.Path, FullPath: n.FullPath, FullName: n.FullName, WebURL: n.WebURL}
	if n.Parent != nil {
		if g.ParentID, ok = gidNumber(n.Parent.ID); !ok {
			return nil, fmt.Errorf("group %d's parent has the id %q", id, n.Parent.ID)
		}
	}
	if n.Description != nil {
		g.Description = *n.Description
	}
	if n.Visibility != nil {
		g.Visibility = gitlab.VisibilityValue(*n.Visibility)
	}
	if t := n.CreatedAt.Time(); t != nil {
		c := t.In(time.UTC)
		g.CreatedAt = &c
	}
	if n.ShareWithGroupLock != nil {
		g.ShareWithGroupLock = *n.ShareWithGroupLock
	}
	return g, nil
}
