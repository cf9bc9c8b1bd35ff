package connector

import (
	"context"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// projectResourceTypeID is the baton resource type of GitLab projects.
const projectResourceTypeID = "project"

// projectResourceType: GitLab projects, children of their group; personal projects
// (self-managed, instance-wide sync only) have no parent.
var projectResourceType = v2.ResourceType_builder{
	Id:          projectResourceTypeID,
	DisplayName: "Project",
	Description: "A GitLab project; its entitlements are the access levels (roles) of its members",
}.Build()

// projectSyncer syncs projects; grant/revoke live in membership_provisioning.go.
type projectSyncer struct{ c *Connector }

func newProjectSyncer(c *Connector) connectorbuilder.ResourceSyncerV2 { return &projectSyncer{c: c} }

func (s *projectSyncer) ResourceType(context.Context) *v2.ResourceType { return projectResourceType }

// List lists the projects of a group (parent = the group), or with a nil parent the
// personal projects (self-managed with an admin token and no --groups; none otherwise).
func (s *projectSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	ps, err := s.c.organisation(opts.SyncID).projectSet(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	switch {
	case parent == nil:
		ids = ps.personal
	case parent.GetResourceType() == groupResourceTypeID:
		gid, err := parseID(parent.GetResource())
		if err != nil {
			return nil, nil, err
		}
		ids = ps.byGroup[gid]
	default:
		return nil, &rs.SyncOpResults{}, nil
	}
	return resourcePage(ids, opts.PageToken.Token, func(id int64) (*v2.Resource, error) {
		return projectResource(ps.byID[id], parent)
	})
}

// projectResource builds a project's resource; parent is its group (nil for a personal
// project).
func projectResource(p *orgProject, parent *v2.ResourceId) (*v2.Resource, error) {
	profile := map[string]interface{}{
		"project_id":          p.ID,
		"name":                p.Name,
		"path_with_namespace": p.PathWithNamespace,
		"visibility":          p.Visibility,
		"web_url":             p.WebURL,
		"personal":            p.GroupID == 0,
	}
	if p.GroupID != 0 {
		profile["group_id"] = p.GroupID
	}
	opts := []rs.ResourceOption{
		rs.WithResourceProfile(profile),
		rs.WithDescription(joinNonEmpty(": ", p.PathWithNamespace, p.Description)),
	}
	opts = append(opts, nodeResourceOptions(p.WebURL, parent, p.CreatedAt)...)
	name := p.NameWithNamespace
	if name == "" {
		name = p.PathWithNamespace
	}
	return rs.NewResource(name, projectResourceType, p.ID, opts...)
}

// Entitlements: one per access level (no Minimal Access on projects) and one per custom
// role in use in the project's hierarchy.
func (s *projectSyncer) Entitlements(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	id, err := parseID(r.GetId().GetResource())
	if err != nil {
		return nil, nil, err
	}
	org := s.c.organisation(opts.SyncID)
	p, err := org.project(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var roles []memberRoleInUse
	if p.GroupID != 0 {
		roles, err = org.memberRolesForGroup(ctx, p.GroupID)
	} else {
		roles, err = org.memberRolesForPersonalProject(ctx, p.ID)
	}
	if err != nil {
		return nil, nil, err
	}
	return accessEntitlements(r, "project", p.PathWithNamespace, false, roles), &rs.SyncOpResults{}, nil
}

// Grants: the access of every user to the project (grants.go).
func (s *projectSyncer) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nodeGrants(ctx, r, opts, s.c.organisation(opts.SyncID).projectAccess)
}
