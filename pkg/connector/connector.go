// Package connector implements the baton connector for GitLab: one file per resource
// type (users.go, groups.go, projects.go) plus the shared pieces.
package connector

import (
	"context"

	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Settings are the connector's settings after validation (see pkg/config).
type Settings struct {
	BaseURL              string
	Deployment           gitlabapi.Deployment
	AccountCreationGroup string   // full path or numeric id; "" when not set
	Groups               []string // top-level group paths that limit the sync; empty = all
}

// Connector is the GitLab connector.
type Connector struct {
	client   *gitlabapi.Client
	settings Settings
	// isAdmin: the token's user is an instance administrator (self-managed only).
	isAdmin bool
	// org caches what one sync has read of the organisation (organisation.go).
	org *organisationCache
}

// ResourceSyncers returns a syncer per resource type: accounts, groups, projects.
func (c *Connector) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncerV2 {
	return []connectorbuilder.ResourceSyncerV2{
		newUserSyncer(c),
		newGroupSyncer(c),
		newProjectSyncer(c),
	}
}
