// Package connector implements the baton connector for GitLab: one file per resource
// type (users.go, groups.go, projects.go) plus the shared pieces.
package connector

import (
	"context"
	"errors"
	"sync"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// DeprovisionAction is what deprovisioning an account does on self-managed GitLab
// (GitLab.com has no admin API: there it removes the account's memberships).
type DeprovisionAction string

const (
	// DeprovisionBlock blocks the user (POST /users/:id/block): reversible, keeps data.
	DeprovisionBlock DeprovisionAction = "block"
	// DeprovisionDeactivate deactivates the user (POST /users/:id/deactivate); GitLab
	// refuses it for users active in the last 90 days.
	DeprovisionDeactivate DeprovisionAction = "deactivate"
	// DeprovisionDelete deletes the user (DELETE /users/:id): irreversible.
	DeprovisionDelete DeprovisionAction = "delete"
)

// Settings are the connector's settings after validation (see pkg/config, which
// builds them from the command line / environment).
type Settings struct {
	BaseURL    string               // the instance URL, e.g. https://gitlab.com
	Deployment gitlabapi.Deployment // resolved: never "auto"
	// AccountCreationGroup is the group (full path or numeric id) new accounts are
	// invited to (GitLab.com) or added to; "" when not set.
	AccountCreationGroup string
	// Groups are the top-level group paths that limit the sync; empty = all the token sees.
	Groups []string
	// AccountCreationAccessLevel is the level new accounts get in AccountCreationGroup
	// (default Guest).
	AccountCreationAccessLevel gitlab.AccessLevelValue
	// DeprovisionAction: block (default), deactivate or delete (self-managed).
	DeprovisionAction DeprovisionAction
	// SkipConfirmation: accounts created on self-managed GitLab skip email confirmation.
	SkipConfirmation bool
	// DeployCredentialsPerProject: list every group's and project's deploy tokens and every
	// project's deploy keys (opt-in: 1 request per group, 2 per project; credentials.go).
	DeployCredentialsPerProject bool
	// SSHKeysPerUser: list every synced account's SSH keys (opt-in: 1 request per account).
	SSHKeysPerUser bool
	// GraphQL: a sync reads the direct memberships of the organisation's groups and
	// projects through GitLab's GraphQL API (org_graphql.go) where that is exact, REST
	// elsewhere (--sync-api graphql). False: REST only.
	GraphQL bool

	// Version goes into the User-Agent (baton-gitlab/<Version>).
	Version string
	// Retry tunes the HTTP retries; the zero value is gitlabapi.DefaultRetryPolicy.
	// Tests shorten the waits.
	Retry gitlabapi.RetryPolicy
}

// Connector is the GitLab connector. It is safe for concurrent use (--workers N).
type Connector struct {
	client   *gitlabapi.Client
	settings Settings
	// org caches what one sync has read of the organisation (organisation.go).
	org *organisationCache

	// tokenUsr is GET /user, fetched once per process under tokenMu: read it, and
	// whether the token's user is an administrator, through c.tokenUser(ctx) or
	// c.adminToken(ctx), which fetch it when Validate has not.
	tokenMu   sync.Mutex
	tokenUsr  *gitlab.User
	tokenDone bool
}

// New builds the connector. It makes no network call (so `baton-gitlab capabilities`
// and `config` work offline); Validate checks the token and settings against GitLab.
func New(ctx context.Context, s Settings, token string) (*Connector, error) {
	if token == "" {
		return nil, errors.New("the GitLab access token is required: set --access-token (or BATON_ACCESS_TOKEN)")
	}
	if s.AccountCreationAccessLevel == 0 {
		s.AccountCreationAccessLevel = gitlab.GuestPermissions
	}
	if s.DeprovisionAction == "" {
		s.DeprovisionAction = DeprovisionBlock
	}
	client, err := gitlabapi.New(ctx, gitlabapi.Options{
		BaseURL:    s.BaseURL,
		Token:      token,
		Deployment: s.Deployment,
		Version:    s.Version,
		Retry:      s.Retry,
	})
	if err != nil {
		return nil, err
	}
	s.BaseURL = client.BaseURL
	s.Deployment = client.Deployment
	return &Connector{client: client, settings: s, org: newOrganisationCache()}, nil
}

// NewForCapabilities is a connector that can only describe itself (Metadata and
// resource types) and never talks to GitLab: the builder for `baton-gitlab capabilities`,
// which must work without an access token.
func NewForCapabilities() *Connector {
	return &Connector{
		settings: Settings{
			BaseURL:                    "https://gitlab.com",
			Deployment:                 gitlabapi.GitLabCom,
			AccountCreationAccessLevel: gitlab.GuestPermissions,
			DeprovisionAction:          DeprovisionBlock,
		},
		org: newOrganisationCache(),
	}
}

// Metadata describes the connector. The account creation schema is added by
// accountCreationSchema (accounts.go) when it exists: see metadataExtras.
func (c *Connector) Metadata(ctx context.Context) (*v2.ConnectorMetadata, error) {
	md := v2.ConnectorMetadata_builder{
		DisplayName: "GitLab",
		Description: "Syncs GitLab users, groups (with their subgroups), projects and their members' access levels " +
			"(Guest to Owner, custom roles), the credentials that can act on GitLab (personal, group and project access " +
			"tokens, deploy tokens and keys, SSH keys; never their values), and provisions access: membership grants and " +
			"revokes, account creation (invitations on GitLab.com, real accounts on self-managed GitLab), deprovisioning and " +
			"credential revocation.",
	}.Build()
	for _, extra := range metadataExtras {
		extra(c, md)
	}
	return md, nil
}

// metadataExtras let other files of the package add to Metadata without editing this
// one (e.g. accounts.go: `func init() { metadataExtras = append(metadataExtras,
// func(c *Connector, md *v2.ConnectorMetadata) { md.SetAccountCreationSchema(...) }) }`).
var metadataExtras []func(c *Connector, md *v2.ConnectorMetadata)

// ResourceSyncers returns a syncer per resource type: accounts, groups, projects, and
// the credentials (credentials.go).
func (c *Connector) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncerV2 {
	return append([]connectorbuilder.ResourceSyncerV2{
		newUserSyncer(c),
		newGroupSyncer(c),
		newProjectSyncer(c),
	}, newCredentialSyncers(c)...)
}

// tokenUser is the token's user (GET /user), fetched once per process and shared by
// every goroutine (--workers N). A failure is not remembered: the next call tries again.
func (c *Connector) tokenUser(ctx context.Context) (*gitlab.User, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if c.tokenDone {
		return c.tokenUsr, nil
	}
	if c.client == nil {
		return nil, errors.New("this connector was built without an access token (capabilities only)")
	}
	u, resp, err := c.client.API.Users.CurrentUser(gitlab.WithContext(ctx))
	if err != nil {
		if notGitLab := c.notGitLab(resp, err); notGitLab != nil {
			return nil, notGitLab
		}
		return nil, gitlabapi.MapError(err, "reading the token's user (GET /user)")
	}
	c.tokenUsr, c.tokenDone = u, true
	return u, nil
}

// adminToken reports whether the token's user is an instance administrator (GET /user
// is_admin, which GitLab only sends to administrators). Always false on GitLab.com.
func (c *Connector) adminToken(ctx context.Context) (bool, error) {
	u, err := c.tokenUser(ctx)
	if err != nil {
		return false, err
	}
	return u.IsAdmin && c.settings.Deployment == gitlabapi.SelfManaged, nil
}
