package connector

// Account creation as a capability: what it hands out and what it reads, and the
// user syncer without it where it cannot work.

import (
	"context"
	"fmt"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/actions"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// CreateAccountCapabilityDetails says which credentials CreateAccount can hand out.
// Self-managed (admin): no password (GitLab emails a link to set one; preferred) or a
// random password returned to the caller. GitLab.com: the invitee chooses their own
// password when accepting, so only "no password". `baton-gitlab capabilities` lists both.
func (s *userSyncer) CreateAccountCapabilityDetails(ctx context.Context) (*v2.CredentialDetailsAccountProvisioning, annotations.Annotations, error) {
	supported := []v2.CapabilityDetailCredentialOption{v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD}
	// The connector built for `baton-gitlab capabilities` (no client) describes every
	// deployment, as it does for the account actions.
	if s.c.client == nil || s.c.settings.Deployment != gitlabapi.GitLabCom {
		supported = append(supported, v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD)
	}
	return v2.CredentialDetailsAccountProvisioning_builder{
		SupportedCredentialOptions: supported,
		PreferredCredentialOption:  v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD,
	}.Build(), nil, nil
}

func init() {
	metadataExtras = append(metadataExtras, func(c *Connector, md *v2.ConnectorMetadata) {
		md.SetAccountCreationSchema(c.accountCreationSchema())
	})
}

// accountCreationSchema describes what CreateAccount reads from the request's profile
// (ConnectorMetadata.AccountCreationSchema). The login is the GitLab username.
func (c *Connector) accountCreationSchema() *v2.ConnectorAccountCreationSchema {
	str := func(name, desc, placeholder string, required bool, order int32) *v2.ConnectorAccountCreationSchema_Field {
		return v2.ConnectorAccountCreationSchema_Field_builder{
			DisplayName: name,
			Description: desc,
			Placeholder: placeholder,
			Required:    required,
			Order:       order,
			StringField: &v2.ConnectorAccountCreationSchema_StringField{},
		}.Build()
	}
	if c.client != nil && c.settings.Deployment == gitlabapi.GitLabCom {
		return v2.ConnectorAccountCreationSchema_builder{FieldMap: map[string]*v2.ConnectorAccountCreationSchema_Field{
			"email": str("Email", "The address GitLab sends the invitation to (--account-creation-group)", "jane@example.com", true, 1),
		}}.Build()
	}
	return v2.ConnectorAccountCreationSchema_builder{FieldMap: map[string]*v2.ConnectorAccountCreationSchema_Field{
		"username": str("Username", "The GitLab username (the login)", "jdoe", true, 1),
		"email":    str("Email", "The account's primary email", "jane@example.com", true, 2),
		"name":     str("Name", "The full name shown in GitLab; the username when empty", "Jane Doe", false, 3),
	}}.Build()
}

// CheckAccountCreationAtStartup refuses, before anything talks to GitLab, a one-shot run
// that asks to create an account the connector cannot create. cmd/baton-gitlab calls it
// with the SDK's --create-account-login, --create-account-email and
// --create-account-profile values when it builds the connector.
//
//   - GitLab.com without --account-creation-group: a new account there is an invitation
//     to a group, so the setting is required; the error says which setting to give.
//   - --create-account-email alone: baton-sdk starts account creation only for
//     --create-account-login or --create-account-profile, and would run a full sync
//     instead; the error says what to add.
//
// Runs that do not create an account (syncs, grants, --provisioning in service mode) are
// not refused: membership provisioning works without the setting. There, and on
// self-managed GitLab with a token that turns out not to be an administrator's (which
// only GitLab can tell), CreateAccount itself refuses with the same advice.
func (c *Connector) CheckAccountCreationAtStartup(login, email, profile string) error {
	creating := strings.TrimSpace(login) != "" || strings.TrimSpace(profile) != ""
	if !creating {
		if strings.TrimSpace(email) != "" {
			return fmt.Errorf("--create-account-email alone does not create an account (baton-sdk would run a sync instead): " +
				"add --create-account-login <username> (self-managed GitLab: the new username) or " +
				`--create-account-profile '{"email":"<address>"}'`)
		}
		return nil
	}
	if c.settings.Deployment == gitlabapi.GitLabCom && strings.TrimSpace(c.settings.AccountCreationGroup) == "" {
		return fmt.Errorf("cannot create an account on GitLab.com without --account-creation-group: " +
			"GitLab.com has no API to create accounts, so a new account is an invitation email to a group; " +
			"set --account-creation-group (or BATON_ACCOUNT_CREATION_GROUP) to the full path of the group to invite " +
			"new accounts to, e.g. --account-creation-group acme (level: --account-creation-access-level, default guest)")
	}
	return nil
}

// canCreateAccounts: whether CreateAccount can work with these settings, as far as can be
// told without asking GitLab. GitLab.com without --account-creation-group cannot (a new
// account there is an invitation to that group). On self-managed GitLab only GitLab can
// tell whether the token is an administrator's (else --account-creation-group is needed
// too), so account creation is advertised and CreateAccount refuses with advice. The
// connector built for `baton-gitlab capabilities` (no client, no settings) describes the
// connector in general: everything it can do on some deployment.
func (c *Connector) canCreateAccounts() bool {
	return c.client == nil || c.settings.Deployment != gitlabapi.GitLabCom || strings.TrimSpace(c.settings.AccountCreationGroup) != ""
}

// userSyncerFor is the `user` syncer: with account creation (AccountManagerV2) only when
// it can work, since baton-sdk advertises CAPABILITY_ACCOUNT_PROVISIONING for any syncer
// that has CreateAccount (connectorbuilder's addAccountManager).
func userSyncerFor(c *Connector) connectorbuilder.ResourceSyncerV2 {
	s := &userSyncer{c: c}
	if c.canCreateAccounts() {
		return s
	}
	return &userSyncerWithoutAccountCreation{s: s}
}

// userSyncerWithoutAccountCreation is the user syncer without CreateAccount: sync,
// deprovisioning (Delete) and the account actions only.
type userSyncerWithoutAccountCreation struct{ s *userSyncer }

func (w *userSyncerWithoutAccountCreation) ResourceType(ctx context.Context) *v2.ResourceType {
	return w.s.ResourceType(ctx)
}

func (w *userSyncerWithoutAccountCreation) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	return w.s.List(ctx, parent, opts)
}

func (w *userSyncerWithoutAccountCreation) Entitlements(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return w.s.Entitlements(ctx, r, opts)
}

func (w *userSyncerWithoutAccountCreation) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return w.s.Grants(ctx, r, opts)
}

func (w *userSyncerWithoutAccountCreation) Delete(ctx context.Context, id *v2.ResourceId, parent *v2.ResourceId) (annotations.Annotations, error) {
	return w.s.Delete(ctx, id, parent)
}

func (w *userSyncerWithoutAccountCreation) ResourceActions(ctx context.Context, registry actions.ActionRegistry) error {
	return w.s.ResourceActions(ctx, registry)
}
