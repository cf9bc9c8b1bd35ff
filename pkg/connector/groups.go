package connector

import (
	"context"
	"strconv"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// groupResourceTypeID is the baton resource type of GitLab groups and subgroups.
const groupResourceTypeID = "group"

// groupResourceType: GitLab groups. Subgroups are children of their parent group and
// projects children of their group (ChildResourceType on every group).
var groupResourceType = v2.ResourceType_builder{
	Id:          groupResourceTypeID,
	DisplayName: "Group",
	Description: "A GitLab group or subgroup; its entitlements are the access levels (roles) of its members",
	Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP},
}.Build()

// groupSyncer syncs groups; grant/revoke live in membership_provisioning.go.
type groupSyncer struct{ c *Connector }

func newGroupSyncer(c *Connector) connectorbuilder.ResourceSyncerV2 { return &groupSyncer{c: c} }

func (s *groupSyncer) ResourceType(context.Context) *v2.ResourceType { return groupResourceType }

// resourcesPerPage is how many groups or projects one SDK page carries (they come from
// the per-sync cache).
const resourcesPerPage = 100

// List lists the organisation's top-level groups (parent nil) or the subgroups of a
// group. The SDK lists child resource types once with a nil parent too: that call
// returns the roots.
func (s *groupSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	org := s.c.organisation(opts.SyncID)
	tree, err := org.groupTree(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	var parentID *v2.ResourceId
	switch {
	case parent == nil:
		ids = tree.roots
	case parent.GetResourceType() == groupResourceTypeID:
		pid, err := parseID(parent.GetResource())
		if err != nil {
			return nil, nil, err
		}
		ids = tree.children[pid]
		parentID = parent
	default:
		return nil, &rs.SyncOpResults{}, nil
	}
	return resourcePage(ids, opts.PageToken.Token, func(id int64) (*v2.Resource, error) {
		return groupResource(tree.groups[id], parentID)
	})
}

// resourcePage builds one SDK page of the resources of a cached id list (groups or
// projects): the page token is the offset into ids, "" for the first page.
func resourcePage(ids []int64, token string, build func(id int64) (*v2.Resource, error)) ([]*v2.Resource, *rs.SyncOpResults, error) {
	off := 0
	if token != "" {
		var err error
		if off, err = parseOffset(token, ""); err != nil {
			return nil, nil, err
		}
	}
	page, next := pageOf(ids, off, resourcesPerPage)
	out, err := buildResources(page, build)
	if err != nil {
		return nil, nil, err
	}
	return out, &rs.SyncOpResults{NextPageToken: nextOffsetToken(next)}, nil
}

func nextOffsetToken(next int) string {
	if next <= 0 {
		return ""
	}
	return strconv.Itoa(next)
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, status.Errorf(codes.InvalidArgument, "invalid GitLab id %q", s)
	}
	return id, nil
}

// groupResource builds a group's resource; parent is its parent group's id (nil for an
// organisation root).
func groupResource(g *orgGroup, parent *v2.ResourceId) (*v2.Resource, error) {
	profile := map[string]interface{}{
		"group_id":   g.ID,
		"name":       g.Name,
		"path":       g.Path,
		"full_path":  g.FullPath,
		"full_name":  g.FullName,
		"visibility": g.Visibility,
		"web_url":    g.WebURL,
		"top_level":  g.ParentID == 0,
	}
	if g.ParentID != 0 {
		profile["parent_id"] = g.ParentID
	}
	annos := []rs.ResourceOption{
		rs.WithAnnotation(
			v2.ChildResourceType_builder{ResourceTypeId: groupResourceTypeID}.Build(),
			v2.ChildResourceType_builder{ResourceTypeId: projectResourceTypeID}.Build(),
		),
		rs.WithDescription(joinNonEmpty(": ", g.FullPath, g.Description)),
	}
	annos = append(annos, nodeResourceOptions(g.WebURL, parent, g.CreatedAt)...)
	name := g.FullName
	if name == "" {
		name = g.FullPath
	}
	return rs.NewGroupResource(name, groupResourceType, g.ID, []rs.GroupTraitOption{rs.WithGroupProfile(profile)}, annos...)
}

// nodeResourceOptions are the options a group's and a project's resource share: the
// web link (when GitLab gave one), the parent (when it has one) and the creation time
// (when known).
func nodeResourceOptions(webURL string, parent *v2.ResourceId, createdAt *time.Time) []rs.ResourceOption {
	var out []rs.ResourceOption
	if webURL != "" {
		out = append(out, rs.WithAnnotation(v2.ExternalLink_builder{Url: webURL}.Build()))
	}
	if parent != nil {
		out = append(out, rs.WithParentResourceID(parent))
	}
	if createdAt != nil {
		out = append(out, rs.WithResourceCreatedAt(*createdAt))
	}
	return out
}

// Entitlements: one per access level (Minimal Access on top-level groups only) and one
// per custom role in use in the group's hierarchy.
func (s *groupSyncer) Entitlements(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	id, err := parseID(r.GetId().GetResource())
	if err != nil {
		return nil, nil, err
	}
	org := s.c.organisation(opts.SyncID)
	g, err := org.group(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	roles, err := org.memberRolesForGroup(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return accessEntitlements(r, "group", g.FullPath, g.ParentID == 0, roles), &rs.SyncOpResults{}, nil
}

// Grants: the access of every user to the group (grants.go).
func (s *groupSyncer) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nodeGrants(ctx, r, opts, s.c.organisation(opts.SyncID).groupAccess)
}
