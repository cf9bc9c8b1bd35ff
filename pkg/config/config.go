// Package config is the connector's settings schema (baton-sdk field package) and
// their checks. conf.gen.go (the typed Gitlab struct) is generated from it:
// `go generate ./pkg/config`.
package config

import (
	"github.com/conductorone/baton-sdk/pkg/field"
)

// Setting names: flags --<name>, environment variables BATON_<NAME> (dashes → underscores).
// access-token, base-url and account-creation-group keep the names of the earlier
// baton-gitlab connector so existing configurations keep working.
const (
	AccessTokenName                 = "access-token"
	BaseURLName                     = "base-url"
	AccountCreationGroupName        = "account-creation-group"
	DeploymentName                  = "deployment"
	GroupsName                      = "groups"
	AccountCreationAccessLevelName  = "account-creation-access-level"
	DeprovisionActionName           = "deprovision-action"
	SkipConfirmationName            = "skip-confirmation"
	AllowInsecureHTTPName           = "allow-insecure-http"
	CACertFileName                  = "ca-cert-file"
	OutageTimeoutName               = "outage-timeout"
	DeployCredentialsPerProjectName = "deploy-credentials-per-project"
	SSHKeysPerUserName              = "ssh-keys-per-user"
	SyncAPIName                     = "sync-api"
)

// Sync API choices: how a sync reads direct memberships.
const (
	SyncAPIREST    = "rest"
	SyncAPIGraphQL = "graphql"
)

// DefaultBaseURL is GitLab.com.
const DefaultBaseURL = "https://gitlab.com"

// Deployment choices.
const (
	DeploymentAuto        = "auto"
	DeploymentGitLabCom   = "gitlab.com"
	DeploymentSelfManaged = "self-managed"
)

// AccessLevelChoices are the levels new accounts may get in the account-creation group.
var AccessLevelChoices = []string{"guest", "planner", "reporter", "developer", "maintainer"}

// DeprovisionChoices are what deprovisioning does on self-managed GitLab.
var DeprovisionChoices = []string{"block", "deactivate", "delete"}

var (
	AccessToken = field.StringField(
		AccessTokenName,
		field.WithDisplayName("Personal access token"),
		field.WithDescription("GitLab personal access token with the api scope (read_api is enough to sync, not to provision). "+
			"Self-managed: an administrator's token to see every user."),
		field.WithRequired(true),
		field.WithIsSecret(true),
	)
	BaseURL = field.StringField(
		BaseURLName,
		field.WithDisplayName("GitLab URL"),
		field.WithDescription("The URL you open GitLab at: https://gitlab.com or your self-managed instance's URL"),
		field.WithDefaultValue(DefaultBaseURL),
	)
	AccountCreationGroup = field.StringField(
		AccountCreationGroupName,
		field.WithDisplayName("Group for new accounts"),
		field.WithDescription("Full path (acme/engineering) or numeric id of the group new accounts are invited to when there is no admin API (GitLab.com, or a non-admin token); required there for account creation"),
	)
	Deployment = field.SelectField(
		DeploymentName,
		[]string{DeploymentAuto, DeploymentGitLabCom, DeploymentSelfManaged},
		field.WithDisplayName("Deployment"),
		field.WithDescription("auto (host gitlab.com is GitLab.com, anything else self-managed), gitlab.com or self-managed"),
		field.WithDefaultValue(DeploymentAuto),
	)
	Groups = field.StringSliceField(
		GroupsName,
		field.WithDisplayName("Top-level groups"),
		field.WithDescription("Full paths of the top-level groups to sync (with their subgroups and projects); empty: every group the token sees"),
	)
	AccountCreationAccessLevel = field.SelectField(
		AccountCreationAccessLevelName,
		AccessLevelChoices,
		field.WithDisplayName("Access level of new accounts"),
		field.WithDescription("Access level new accounts get in the account-creation group: guest, planner, reporter, developer or maintainer"),
		field.WithDefaultValue("guest"),
	)
	DeprovisionAction = field.SelectField(
		DeprovisionActionName,
		DeprovisionChoices,
		field.WithDisplayName("Deprovisioning action"),
		field.WithDescription("What deprovisioning an account does on self-managed GitLab: block (reversible), deactivate or delete"),
		field.WithDefaultValue("block"),
	)
	SkipConfirmation = field.BoolField(
		SkipConfirmationName,
		field.WithDisplayName("Skip email confirmation"),
		field.WithDescription("Accounts created on self-managed GitLab skip the email confirmation step"),
	)
	AllowInsecureHTTP = field.BoolField(
		AllowInsecureHTTPName,
		field.WithDisplayName("Allow plain http"),
		field.WithDescription("Accept an http:// GitLab URL to a host other than this machine (loopback): the access token then travels unencrypted. "+
			"Off by default; a warning is logged on every run while it is on"),
	)
	CACertFile = field.StringField(
		CACertFileName,
		field.WithDisplayName("CA certificates file"),
		field.WithDescription("Path of a PEM file of CA certificates trusted in addition to the system's, for a self-managed GitLab "+
			"whose certificate a private CA signed. TLS is always verified"),
	)
	OutageTimeout = field.StringField(
		OutageTimeoutName,
		field.WithDisplayName("Outage timeout"),
		field.WithDescription("How long GitLab may fail every request (no answer, or 5xx) before a run stops with an error "+
			"instead of retrying without end, as a Go duration (30s, 15m, 1h)"),
		field.WithDefaultValue("15m"),
	)
	DeployCredentialsPerProject = field.BoolField(
		DeployCredentialsPerProjectName,
		field.WithDisplayName("Deploy tokens and keys of every project"),
		field.WithDescription("List the deploy tokens of every group and project and the deploy keys of every project "+
			"(1 request per group and 2 per project). Off: self-managed administrators still get every deploy key and "+
			"deploy token from the instance-wide listings (deploy tokens then without their group or project); "+
			"other tokens get none"),
	)
	SSHKeysPerUser = field.BoolField(
		SSHKeysPerUserName,
		field.WithDisplayName("SSH keys of every account"),
		field.WithDescription("List the SSH keys of every synced account (1 request per account). Off: the token user's own keys, "+
			"and on GitLab.com the enterprise users' keys from the top-level groups' credentials inventory"),
	)
	SyncAPI = field.SelectField(
		SyncAPIName,
		[]string{SyncAPIREST, SyncAPIGraphQL},
		field.WithDisplayName("Sync API"),
		field.WithDescription("How a sync reads the groups' and projects' direct memberships: rest (one members listing per group and project) "+
			"or graphql (GitLab's GraphQL API: a few hundred requests for thousands of groups and projects; what GraphQL cannot tell "+
			"exactly, and any part it fails on, is read over REST)"),
		field.WithDefaultValue(SyncAPIREST),
	)

	// ConfigurationFields are the connector's settings.
	ConfigurationFields = []field.SchemaField{
		AccessToken,
		BaseURL,
		AccountCreationGroup,
		Deployment,
		Groups,
		AccountCreationAccessLevel,
		DeprovisionAction,
		SkipConfirmation,
		AllowInsecureHTTP,
		CACertFile,
		OutageTimeout,
		DeployCredentialsPerProject,
		SSHKeysPerUser,
		SyncAPI,
	}
)

//go:generate go run ./gen
//go:generate gofmt -w conf.gen.go
var Config = field.NewConfiguration(
	ConfigurationFields,
	field.WithConnectorDisplayName("GitLab"),
	field.WithHelpUrl("/docs/baton/gitlab"),
	field.WithIconUrl("/static/app-icons/gitlab.svg"),
)
