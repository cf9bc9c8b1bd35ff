package connector

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// The credentials inventory: every token and key that can act on GitLab, as secrets
// (the SDK's secret trait). Their values are never read: GitLab's listings do not send
// them and the gitlabapi types have no field for them. What each one is, whose it is,
// what it can reach, when it was created, last used and expires, and its state
// (active, revoked, expired) are in the trait, the resource status and the profile.
// Listing: credentials_inventory.go; revocation: credentials_revoke.go.

// Credential resource types, in GitLab's words.
const (
	personalAccessTokenTypeID = "personal_access_token"
	groupAccessTokenTypeID    = "group_access_token"
	projectAccessTokenTypeID  = "project_access_token"
	deployTokenTypeID         = "deploy_token"
	deployKeyTypeID           = "deploy_key"
	sshKeyTypeID              = "ssh_key"
)

// credentialKinds are the credential types in the order they are synced.
var credentialKinds = []struct {
	id, name, description string
	credType              v2.SecretTrait_CredentialType
}{
	{personalAccessTokenTypeID, "Personal access token",
		"A user's (or service account's) personal access token: acts as that user, within its scopes",
		v2.SecretTrait_CREDENTIAL_TYPE_STATIC_SECRET},
	{groupAccessTokenTypeID, "Group access token",
		"A group access token: acts as the group's token bot, at its access level, in the group and everything below it",
		v2.SecretTrait_CREDENTIAL_TYPE_STATIC_SECRET},
	{projectAccessTokenTypeID, "Project access token",
		"A project access token: acts as the project's token bot, at its access level, in the project",
		v2.SecretTrait_CREDENTIAL_TYPE_STATIC_SECRET},
	{deployTokenTypeID, "Deploy token",
		"A group or project deploy token: reads (or writes) repositories, registries and packages within its scopes",
		v2.SecretTrait_CREDENTIAL_TYPE_STATIC_SECRET},
	{deployKeyTypeID, "Deploy key",
		"A deploy key enabled on a project: Git over SSH to that project, read-only or with write access",
		v2.SecretTrait_CREDENTIAL_TYPE_ASYMMETRIC_KEY},
	{sshKeyTypeID, "SSH key",
		"A user's SSH key: Git over SSH (and commit signing) as that user",
		v2.SecretTrait_CREDENTIAL_TYPE_ASYMMETRIC_KEY},
}

func credentialResourceType(id string) *v2.ResourceType {
	for _, k := range credentialKinds {
		if k.id == id {
			return v2.ResourceType_builder{
				Id:          k.id,
				DisplayName: k.name,
				Description: k.description,
				Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_SECRET},
				Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}),
			}.Build()
		}
	}
	panic("unknown credential type " + id)
}

// Credential states, GitLab's words.
const (
	credentialActive  = "active"
	credentialRevoked = "revoked"
	credentialExpired = "expired"
)

// credential is one token or key as the inventory found it.
type credential struct {
	Kind     string // resource type id
	ID       string // resource id (credentialID)
	GitLabID int64  // the token's or key's id in GitLab
	Name     string // a token's name, a key's title

	// Owner: the user (personal access tokens, SSH keys) or the group or project
	// (access tokens, deploy tokens and keys); OwnerKind "instance" when GitLab does not
	// say (GET /deploy_tokens).
	OwnerKind string // "user", "group", "project", "instance"
	OwnerID   int64
	Owner     string // username, or full path
	// UserID is the account the credential acts as (a token's user, an access token's
	// bot); 0 for deploy tokens and keys.
	UserID int64

	Scopes      []string
	AccessLevel gitlab.AccessLevelValue // access tokens (their bot's level)
	CanPush     bool                    // deploy keys: write access
	UsageType   string                  // SSH keys: auth, signing, auth_and_signing
	Fingerprint string                  // keys: SHA256 fingerprint (public)
	Description string

	CreatedAt  *time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time // nil: never expires
	State      string
	// Source is the GitLab listing it came from (for the profile and the README's costs).
	Source string
	// InventoryGroup is the top-level group whose credentials inventory listed it
	// (GitLab.com): revocation goes through it when the direct call is refused.
	InventoryGroup int64
}

// reach is what the credential can act on, in words.
func (c *credential) reach() string {
	scopes := ""
	if len(c.Scopes) > 0 {
		scopes = " (scopes: " + strings.Join(c.Scopes, ", ") + ")"
	}
	switch c.Kind {
	case personalAccessTokenTypeID:
		return fmt.Sprintf("everything %s can access%s", c.Owner, scopes)
	case groupAccessTokenTypeID:
		return fmt.Sprintf("group %s and its subgroups and projects as %s%s", c.Owner, accessLevelName(c.AccessLevel), scopes)
	case projectAccessTokenTypeID:
		return fmt.Sprintf("project %s as %s%s", c.Owner, accessLevelName(c.AccessLevel), scopes)
	case deployTokenTypeID:
		switch c.OwnerKind {
		case "group":
			return fmt.Sprintf("the projects of group %s and its subgroups%s", c.Owner, scopes)
		case "project":
			return fmt.Sprintf("project %s%s", c.Owner, scopes)
		}
		return "its group's or project's repositories, registries and packages (GET /deploy_tokens does not say which)" + scopes
	case deployKeyTypeID:
		if c.OwnerKind != "project" {
			return "no project (enabled nowhere)"
		}
		if c.CanPush {
			return fmt.Sprintf("project %s, Git read and write", c.Owner)
		}
		return fmt.Sprintf("project %s, Git read-only", c.Owner)
	case sshKeyTypeID:
		return fmt.Sprintf("Git over SSH as %s (usage: %s)", c.Owner, c.UsageType)
	}
	return ""
}

// ownerPhrase is the owner in words: "@bob", "group acme/platform", "project acme/api".
func (c *credential) ownerPhrase() string {
	switch c.OwnerKind {
	case "user":
		return c.Owner
	case "instance":
		if c.Kind == deployKeyTypeID {
			return "no project"
		}
		return "a group or project GitLab's instance listing does not name"
	}
	return c.OwnerKind + " " + c.Owner
}

// credentialState is revoked, expired or active: GitLab's PersonalAccessToken#active?
// (not revoked, not expired), DeployToken.active, Key#expired?. An expiry at or before
// now has passed (Expirable#expired?: expires_at <= Time.current; a date column reads as
// midnight UTC, so a token expiring today is expired).
func credentialState(revoked bool, expiresAt *time.Time, now time.Time) string {
	switch {
	case revoked:
		return credentialRevoked
	case expiresAt != nil && !expiresAt.After(now):
		return credentialExpired
	}
	return credentialActive
}

// credentialSyncer syncs one credential type from the sync's inventory, and revokes
// (Delete) one of that type.
type credentialSyncer struct {
	c    *Connector
	kind string
}

func newCredentialSyncers(c *Connector) []connectorbuilder.ResourceSyncerV2 {
	out := make([]connectorbuilder.ResourceSyncerV2, 0, len(credentialKinds))
	for _, k := range credentialKinds {
		out = append(out, &credentialSyncer{c: c, kind: k.id})
	}
	return out
}

func (s *credentialSyncer) ResourceType(context.Context) *v2.ResourceType {
	return credentialResourceType(s.kind)
}

// credentialsPerPage: credentials of one SDK page (from the per-sync inventory).
const credentialsPerPage = 100

// List lists the credentials of this type; the inventory is read once per sync.
func (s *credentialSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, &rs.SyncOpResults{}, nil
	}
	off := 0
	if t := opts.PageToken.Token; t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return nil, nil, status.Errorf(codes.InvalidArgument, "invalid page token %q for %s", t, s.kind)
		}
		off = n
	}
	org := s.c.organisation(opts.SyncID)
	inv, err := org.credentialInventory(ctx)
	if err != nil {
		return nil, nil, err
	}
	synced, err := org.syncedAccounts(ctx)
	if err != nil {
		return nil, nil, err
	}
	page, next := pageOf(inv.byKind[s.kind], off, credentialsPerPage)
	out, err := buildResources(page, func(c *credential) (*v2.Resource, error) {
		return credentialResource(c, synced)
	})
	if err != nil {
		return nil, nil, err
	}
	nextToken := ""
	if next > 0 {
		nextToken = strconv.Itoa(next)
	}
	return out, &rs.SyncOpResults{NextPageToken: nextToken}, nil
}

// Entitlements: credentials have none.
func (s *credentialSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

// Grants: credentials have none (an access token's bot holds its membership as a grant).
func (s *credentialSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

// credentialResource builds a credential's resource: the secret trait (created, last
// used, expiry, the account it acts as when that account is synced), the status
// (enabled while active; disabled with "revoked" or "expired"), and the profile
// (owner, reach, scopes, access level, state, dates). Never a value.
func credentialResource(c *credential, synced func(userID int64) bool) (*v2.Resource, error) {
	var credType v2.SecretTrait_CredentialType
	for _, k := range credentialKinds {
		if k.id == c.Kind {
			credType = k.credType
		}
	}
	profile := map[string]interface{}{
		"gitlab_id":  c.GitLabID,
		"state":      c.State,
		"owner_type": c.OwnerKind,
		"owner":      c.Owner,
		"reach":      c.reach(),
		"source":     c.Source,
	}
	if c.OwnerID != 0 {
		profile["owner_id"] = c.OwnerID
	}
	if c.UserID != 0 {
		profile["user_id"] = c.UserID
	}
	if len(c.Scopes) > 0 {
		scopes := make([]interface{}, 0, len(c.Scopes))
		for _, sc := range c.Scopes {
			scopes = append(scopes, sc)
		}
		profile["scopes"] = scopes
	}
	if c.AccessLevel != 0 {
		slug, _ := accessLevelSlug(c.AccessLevel)
		profile["access_level"] = int64(c.AccessLevel)
		profile["role"] = slug
	}
	if c.Kind == deployKeyTypeID {
		profile["can_push"] = c.CanPush
	}
	if c.UsageType != "" {
		profile["usage_type"] = c.UsageType
	}
	if c.Fingerprint != "" {
		profile["fingerprint_sha256"] = c.Fingerprint
	}
	if c.Description != "" {
		profile["description"] = c.Description
	}
	if c.InventoryGroup != 0 {
		profile["inventory_group_id"] = c.InventoryGroup
	}
	traits := []rs.SecretTraitOption{rs.WithSecretType(credType), rs.WithSecretDetail(c.Kind)}
	opts := []rs.ResourceOption{rs.WithResourceProfile(profile)}
	if c.CreatedAt != nil {
		profile["created_at"] = c.CreatedAt.UTC().Format(time.RFC3339)
		opts = append(opts, rs.WithResourceCreatedAt(*c.CreatedAt))
	}
	if c.LastUsedAt != nil {
		profile["last_used_at"] = c.LastUsedAt.UTC().Format(time.RFC3339)
		traits = append(traits, rs.WithSecretLastUsedAt(*c.LastUsedAt))
	}
	if c.ExpiresAt != nil {
		profile["expires_at"] = c.ExpiresAt.UTC().Format(time.RFC3339)
		traits = append(traits, rs.WithSecretExpiresAt(*c.ExpiresAt))
	} else {
		profile["never_expires"] = true
	}
	if c.UserID != 0 && synced(c.UserID) {
		traits = append(traits, rs.WithSecretIdentityID(userResourceID(c.UserID)))
	}
	if c.State == credentialActive {
		opts = append(opts, rs.WithResourceStatus(v2.Status_RESOURCE_STATUS_ENABLED, credentialActive))
	} else {
		opts = append(opts, rs.WithResourceStatus(v2.Status_RESOURCE_STATUS_DISABLED, c.State))
	}
	name := c.Name
	if strings.TrimSpace(name) == "" {
		name = fmt.Sprintf("%s %d", c.Kind, c.GitLabID)
	}
	opts = append(opts, rs.WithDescription(fmt.Sprintf("%s of %s (%s): %s",
		credentialResourceType(c.Kind).GetDisplayName(), c.ownerPhrase(), c.State, c.reach())))
	return rs.NewSecretResource(name, credentialResourceType(c.Kind), c.ID, traits, opts...)
}
