package connector

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// The organisation's shape: its groups (the tree) and its projects, listed once per sync.

// groupTree is the organisation's groups.
type groupTree struct {
	groups   map[int64]*orgGroup
	roots    []int64           // groups whose parent is not in the organisation, by id
	children map[int64][]int64 // parent -> subgroups, by id
}

// rootOf returns the organisation root above (or at) id.
func (t *groupTree) rootOf(id int64) int64 {
	for {
		g := t.groups[id]
		if g == nil || g.ParentID == 0 || t.groups[g.ParentID] == nil {
			return id
		}
		id = g.ParentID
	}
}

// projectSet is the organisation's projects.
type projectSet struct {
	byID     map[int64]*orgProject
	byGroup  map[int64][]int64 // owning group -> projects, by id
	personal []int64           // personal projects (self-managed), by id
}

// groupTree loads the organisation's groups:
//   - --groups set: GET /groups/:path for each (its details, shares included) and
//     GET /groups/:id/descendant_groups;
//   - self-managed admin: GET /groups?all_available=true (every group of the instance);
//   - otherwise: the groups the token's user is a direct member of (Guest or more:
//     Minimal Access members cannot list members) with their whole subtrees, in ONE
//     listing: GET /groups?min_access_level=10 (tokenUserGroups). The organisation's
//     roots are the topmost of them: a member of a subgroup only (or a group access
//     token's bot made on a subgroup) has that subgroup as a root.
//
// https://docs.gitlab.com/api/groups/#list-groups
func (o *organisationState) groupTree(ctx context.Context) (*groupTree, error) {
	return o.tree.get(func() (*groupTree, error) {
		instance, err := o.instanceWide(ctx)
		if err != nil {
			return nil, err
		}
		api := o.c.client.API
		var all []*gitlab.Group
		var roots []*gitlab.Group
		switch {
		case len(o.c.settings.Groups) > 0:
			for _, path := range o.c.settings.Groups {
				g, _, err := api.Groups.GetGroup(path, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}, gitlab.WithContext(ctx))
				if err != nil {
					return nil, gitlabapi.MapError(err, fmt.Sprintf("reading configured group %q", path))
				}
				roots = append(roots, g)
				o.groupDetails.set(g.ID, toOrgGroup(g))
			}
		case instance && o.groupsFromGraphQL(ctx, "", &all):
		case instance:
			groups, err := gitlabapi.ListAll(ctx, "listing groups", func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
				return api.Groups.ListGroups(&gitlab.ListGroupsOptions{
					ListOptions:  lo,
					AllAvailable: gitlab.Ptr(true),
					OrderBy:      gitlab.Ptr("id"),
					Sort:         gitlab.Ptr("asc"),
				}, opts...)
			})
			if err != nil {
				return nil, err
			}
			all = groups
		default:
			// Already every group with its subtree: no descendant_groups listings.
			groups, err := o.c.tokenUserGroups(ctx)
			if err != nil {
				return nil, err
			}
			all = groups
		}
		for _, r := range roots {
			all = append(all, r)
			if o.groupsFromGraphQL(ctx, r.FullPath, &all) {
				continue
			}
			desc, err := gitlabapi.ListAll(ctx, "listing the subgroups of "+r.FullPath, func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
				return api.Groups.ListDescendantGroups(r.ID, &gitlab.ListDescendantGroupsOptions{ListOptions: lo}, opts...)
			})
			if err != nil {
				return nil, err
			}
			all = append(all, desc...)
		}
		t := &groupTree{groups: map[int64]*orgGroup{}, children: map[int64][]int64{}}
		for _, g := range all {
			if _, dup := t.groups[g.ID]; dup {
				continue
			}
			og := toOrgGroup(g)
			if d, ok := o.groupDetails.peek(g.ID); ok && d.Shares != nil {
				og.Shares = d.Shares
			}
			t.groups[g.ID] = og
		}
		for id, g := range t.groups {
			if g.ParentID != 0 && t.groups[g.ParentID] != nil {
				t.children[g.ParentID] = append(t.children[g.ParentID], id)
			} else {
				t.roots = append(t.roots, id)
			}
		}
		sortIDs(t.roots)
		for k := range t.children {
			sortIDs(t.children[k])
		}
		if len(t.groups) == 0 && !instance {
			o.warnEmptyOrganisation(ctx)
		}
		return t, nil
	})
}

// groupsFromGraphQL lists, in a GraphQL sync (--sync-api graphql), every group the
// token can see (root "": an administrator's instance-wide sync) or root's subtree
// (--groups) through GraphQL, appending them to all; false (nothing appended) when it is
// not a GraphQL sync or GraphQL gave no answer (logged once at info): REST lists them.
func (o *organisationState) groupsFromGraphQL(ctx context.Context, root string, all *[]*gitlab.Group) bool {
	if !o.c.settings.GraphQL || !o.wholeSync || o.noGraphQLAPI.Load() {
		return false
	}
	gs, err := o.c.client.ListGroupsGraphQL(ctx, root)
	if gitlabapi.IsNotFound(err) {
		o.noGraphQLAPI.Store(true)
		ctxzap.Extract(ctx).Info("gitlab: this GitLab has no GraphQL API (POST /api/graphql answered 404): the sync reads REST only")
		return false
	}
	if err != nil {
		ctxzap.Extract(ctx).Info("gitlab: listing the groups through GraphQL failed: they are listed over REST", zap.Error(err))
		return false
	}
	*all = append(*all, gs...)
	return true
}

// tokenUserGroups is GET /groups?min_access_level=10 (ordered by id): the groups the
// token's user is a DIRECT member of at Guest or more, and all their descendants.
// GitLab's GroupsFinder#groups_with_min_access_level reads the user's direct
// memberships (User#group_members, Guest and above) and adds their descendants
// (self_and_descendants). top_level_only must NOT be added: it keeps only groups without
// a parent, so a member of a subgroup only would get nothing. The topmost of these
// groups (parent not among them) are the organisation's roots.
// https://docs.gitlab.com/api/groups/#list-groups
func (c *Connector) tokenUserGroups(ctx context.Context) ([]*gitlab.Group, error) {
	return gitlabapi.ListAll(ctx, "listing the token user's groups", func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
		return c.client.API.Groups.ListGroups(&gitlab.ListGroupsOptions{
			ListOptions:    lo,
			MinAccessLevel: gitlab.Ptr(gitlab.GuestPermissions),
			OrderBy:        gitlab.Ptr("id"),
			Sort:           gitlab.Ptr("asc"),
		}, opts...)
	})
}

// emptyOrganisationWarning says why a sync found no group at all (GitLab.com, or a
// self-managed token without admin rights, and no --groups).
func emptyOrganisationWarning(username string) string {
	who := "the token's user"
	if username != "" {
		who += " " + username
	}
	return fmt.Sprintf("gitlab: %s is a member of no group (at Guest or more): the organisation is empty, "+
		"so this sync has no groups, projects or memberships and no accounts. "+
		"Add %s to the top-level group(s) to sync (Owner to provision access), use a personal access token of "+
		"a member of those groups or a group access token created on the group, or set --groups", who, who)
}

func (o *organisationState) warnEmptyOrganisation(ctx context.Context) {
	username := ""
	if u, err := o.c.tokenUser(ctx); err == nil && u != nil {
		username = u.Username
	}
	ctxzap.Extract(ctx).Warn(emptyOrganisationWarning(username))
}

// projectSet loads the organisation's projects: GET /projects (keyset by id, every
// project including personal ones) for a self-managed admin without --groups, else
// GET /groups/:id/projects?include_subgroups=true&with_shared=false per organisation
// root (with_shared defaults to true and would bring other groups' projects).
// https://docs.gitlab.com/api/projects/#list-all-projects
// https://docs.gitlab.com/api/groups/#list-projects
func (o *organisationState) projectSet(ctx context.Context) (*projectSet, error) {
	return o.projects.get(func() (*projectSet, error) {
		tree, err := o.groupTree(ctx)
		if err != nil {
			return nil, err
		}
		instance, err := o.instanceWide(ctx)
		if err != nil {
			return nil, err
		}
		allProjects := instance && len(o.c.settings.Groups) == 0
		api := o.c.client.API
		var all []*gitlab.Project
		if allProjects {
			all, err = gitlabapi.ListAllKeyset(ctx, "listing projects", func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Project, *gitlab.Response, error) {
				return api.Projects.ListProjects(&gitlab.ListProjectsOptions{ListOptions: lo}, opts...)
			})
			if err != nil {
				return nil, err
			}
		} else {
			for _, root := range tree.roots {
				ps, err := gitlabapi.ListAll(ctx, "listing the projects of "+tree.groups[root].FullPath, func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Project, *gitlab.Response, error) {
					return api.Groups.ListGroupProjects(root, &gitlab.ListGroupProjectsOptions{
						ListOptions:      lo,
						IncludeSubGroups: gitlab.Ptr(true),
						WithShared:       gitlab.Ptr(false),
						OrderBy:          gitlab.Ptr("id"),
						Sort:             gitlab.Ptr("asc"),
					}, opts...)
				})
				if err != nil {
					return nil, err
				}
				all = append(all, ps...)
			}
		}
		set := &projectSet{byID: map[int64]*orgProject{}, byGroup: map[int64][]int64{}}
		for _, p := range all {
			if _, dup := set.byID[p.ID]; dup {
				continue
			}
			op := toOrgProject(p)
			switch {
			case p.Namespace != nil && p.Namespace.Kind == "user":
				if !allProjects {
					continue // personal projects are synced only instance-wide
				}
				set.personal = append(set.personal, p.ID)
			case tree.groups[op.GroupID] != nil:
				set.byGroup[op.GroupID] = append(set.byGroup[op.GroupID], p.ID)
			default:
				continue // a project of a group outside the organisation
			}
			set.byID[p.ID] = op
		}
		sortIDs(set.personal)
		for k := range set.byGroup {
			sortIDs(set.byGroup[k])
		}
		return set, nil
	})
}

// ---- conversions ----

func toOrgGroup(g *gitlab.Group) *orgGroup {
	og := &orgGroup{
		ID: g.ID, ParentID: g.ParentID, Name: g.Name, Path: g.Path, FullPath: g.FullPath,
		FullName: g.FullName, Description: g.Description, Visibility: string(g.Visibility),
		WebURL: g.WebURL, CreatedAt: g.CreatedAt, ShareWithGroupLock: g.ShareWithGroupLock,
	}
	// The list endpoints do not return shared_with_groups: nil means "not known".
	if g.SharedWithGroups != nil {
		og.Shares = make([]groupShare, 0, len(g.SharedWithGroups))
		for _, s := range g.SharedWithGroups {
			og.Shares = append(og.Shares, groupShare{
				GroupID: s.GroupID, GroupFullPath: s.GroupFullPath,
				Level:     gitlab.AccessLevelValue(s.GroupAccessLevel),
				ExpiresAt: isoDate(s.ExpiresAt), MemberRoleID: s.MemberRoleID,
			})
		}
	}
	return og
}

func toOrgProject(p *gitlab.Project) *orgProject {
	op := &orgProject{
		ID: p.ID, Name: p.Name, NameWithNamespace: p.NameWithNamespace,
		PathWithNamespace: p.PathWithNamespace, Description: p.Description,
		Visibility: string(p.Visibility), WebURL: p.WebURL, CreatedAt: p.CreatedAt,
	}
	if p.Namespace != nil && p.Namespace.Kind != "user" {
		op.GroupID = p.Namespace.ID
	}
	for _, s := range p.SharedWithGroups {
		op.Shares = append(op.Shares, groupShare{
			GroupID: s.GroupID, GroupFullPath: s.GroupFullPath,
			Level:     gitlab.AccessLevelValue(s.GroupAccessLevel),
			ExpiresAt: isoDate(s.ExpiresAt),
		})
	}
	return op
}

func isoDate(t *gitlab.ISOTime) string {
	if t == nil {
		return ""
	}
	tt := time.Time(*t)
	if tt.IsZero() {
		return ""
	}
	return tt.Format(time.DateOnly)
}

// ---- small helpers ----

func sortIDs(ids []int64) { sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) }

func sortedKeys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortIDs(out)
	return out
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}
