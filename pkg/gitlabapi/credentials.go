package gitlabapi

import (
	"context"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// The credentials that can act on GitLab: personal access tokens (of people, service
// accounts, and the bot users behind group and project access tokens), deploy tokens,
// deploy keys and users' SSH keys, and the service accounts.
//
// These types decode only what the inventory keeps. None has a field for a token's value
// or a key's material: GitLab never sends a token after creating it, and the public
// key (`key`) is left undecoded on purpose, so neither can reach memory, logs or a c1z.
// client-go's types lack fields GitLab sends (last_used_at of keys, resource_type and
// resource_id of the group credentials inventory), hence types of our own.

// AccessToken is a personal, group or project access token
// (Entities::PersonalAccessToken; Entities::ResourceAccessToken adds access_level,
// resource_type and resource_id).
// https://docs.gitlab.com/api/personal_access_tokens/
type AccessToken struct {
	ID           int64                   `json:"id"`
	Name         string                  `json:"name"`
	Description  string                  `json:"description"`
	Revoked      bool                    `json:"revoked"`
	Active       bool                    `json:"active"`
	CreatedAt    Time                    `json:"created_at"`
	LastUsedAt   Time                    `json:"last_used_at"`
	ExpiresAt    Date                    `json:"expires_at"` // "" = never expires
	Scopes       []string                `json:"scopes"`
	UserID       int64                   `json:"user_id"`
	AccessLevel  gitlab.AccessLevelValue `json:"access_level"`  // group and project access tokens
	ResourceType string                  `json:"resource_type"` // "group" or "project" (credentials inventory)
	ResourceID   int64                   `json:"resource_id"`
}

// DeployToken is a group or project deploy token (Entities::DeployToken: no created_at,
// no last use).
// https://docs.gitlab.com/api/deploy_tokens/
type DeployToken struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Username  string   `json:"username"`
	ExpiresAt Time     `json:"expires_at"` // none = never expires
	Scopes    []string `json:"scopes"`
	Revoked   bool     `json:"revoked"`
	Expired   bool     `json:"expired"`
}

// DeployKeyProject is a project a deploy key is enabled on (Entities::ProjectIdentity).
type DeployKeyProject struct {
	ID                int64  `json:"id"`
	PathWithNamespace string `json:"path_with_namespace"`
}

// DeployKey is a deploy key: from a project's listing (can_push: write access there) or
// the instance's (the projects it is enabled on, with and without write access).
// https://docs.gitlab.com/api/deploy_keys/
type DeployKey struct {
	ID                         int64              `json:"id"`
	Title                      string             `json:"title"`
	FingerprintSHA256          string             `json:"fingerprint_sha256"`
	CreatedAt                  Time               `json:"created_at"`
	ExpiresAt                  Time               `json:"expires_at"`
	LastUsedAt                 Time               `json:"last_used_at"`
	UsageType                  string             `json:"usage_type"`
	CanPush                    bool               `json:"can_push"`
	ProjectsWithWriteAccess    []DeployKeyProject `json:"projects_with_write_access"`
	ProjectsWithReadonlyAccess []DeployKeyProject `json:"projects_with_readonly_access"`
}

// SSHKey is a user's SSH key (Entities::SSHKey; the group credentials inventory adds
// user_id).
// https://docs.gitlab.com/api/user_keys/
type SSHKey struct {
	ID                int64  `json:"id"`
	Title             string `json:"title"`
	FingerprintSHA256 string `json:"fingerprint_sha256"`
	CreatedAt         Time   `json:"created_at"`
	ExpiresAt         Time   `json:"expires_at"`
	LastUsedAt        Time   `json:"last_used_at"`
	UsageType         string `json:"usage_type"`
	UserID            int64  `json:"user_id"`
}

// ServiceAccount is a service account user (GET /service_accounts, GET
// /groups/:id/service_accounts).
type ServiceAccount struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

// ListPersonalAccessTokens is GET /personal_access_tokens: every token of the instance
// (bots' and service accounts' included) for an administrator, the token user's own
// otherwise.
func (c *Client) ListPersonalAccessTokens(ctx context.Context) ([]*AccessToken, error) {
	return ListAll(ctx, "listing personal access tokens (GET /personal_access_tokens)",
		offsetFetch[*AccessToken](c, "personal_access_tokens", nil))
}

// ListEnterprisePersonalAccessTokens is GET /groups/:id/manage/personal_access_tokens:
// the personal access tokens of a top-level group's enterprise users (GitLab.com,
// Ultimate, Owner; GitLab 17.8).
// https://docs.gitlab.com/api/groups/#list-all-personal-access-tokens-for-a-group
func (c *Client) ListEnterprisePersonalAccessTokens(ctx context.Context, groupID int64) ([]*AccessToken, error) {
	return ListAll(ctx, fmt.Sprintf("listing the enterprise users' personal access tokens of group %d", groupID),
		offsetFetch[*AccessToken](c, Groups.path(groupID, "manage/personal_access_tokens"), nil))
}

// ListHierarchyResourceAccessTokens is GET /groups/:id/manage/resource_access_tokens:
// every group and project access token of a top-level group's hierarchy, each with
// resource_type and resource_id (GitLab.com, Ultimate, Owner; GitLab 17.10).
func (c *Client) ListHierarchyResourceAccessTokens(ctx context.Context, groupID int64) ([]*AccessToken, error) {
	return ListAll(ctx, fmt.Sprintf("listing the group and project access tokens of group %d's hierarchy", groupID),
		offsetFetch[*AccessToken](c, Groups.path(groupID, "manage/resource_access_tokens"), nil))
}

// ListEnterpriseSSHKeys is GET /groups/:id/manage/ssh_keys: the SSH keys of a top-level
// group's enterprise users (GitLab.com, Ultimate, Owner).
func (c *Client) ListEnterpriseSSHKeys(ctx context.Context, groupID int64) ([]*SSHKey, error) {
	return ListAll(ctx, fmt.Sprintf("listing the enterprise users' SSH keys of group %d", groupID),
		offsetFetch[*SSHKey](c, Groups.path(groupID, "manage/ssh_keys"), nil))
}

// ListResourceAccessTokens is GET /groups/:id/access_tokens or
// /projects/:id/access_tokens: a group's or project's access tokens, revoked and expired
// ones included (state is not filtered). Owner (group) or Maintainer (project).
// https://docs.gitlab.com/api/group_access_tokens/ https://docs.gitlab.com/api/project_access_tokens/
func (c *Client) ListResourceAccessTokens(ctx context.Context, kind SourceKind, id int64) ([]*AccessToken, error) {
	if err := kind.check(); err != nil {
		return nil, err
	}
	return ListAll(ctx, fmt.Sprintf("listing the access tokens of %s %d", kind.Singular(), id),
		offsetFetch[*AccessToken](c, kind.path(id, "access_tokens"), nil))
}

// ListInstanceDeployTokens is GET /deploy_tokens (administrators): every deploy token of
// the instance. GitLab does not say which group or project each belongs to.
func (c *Client) ListInstanceDeployTokens(ctx context.Context) ([]*DeployToken, error) {
	return ListAll(ctx, "listing the instance's deploy tokens (GET /deploy_tokens)",
		offsetFetch[*DeployToken](c, "deploy_tokens", nil))
}

// ListDeployTokens is GET /groups/:id/deploy_tokens or /projects/:id/deploy_tokens
// (Maintainer or Owner).
func (c *Client) ListDeployTokens(ctx context.Context, kind SourceKind, id int64) ([]*DeployToken, error) {
	if err := kind.check(); err != nil {
		return nil, err
	}
	return ListAll(ctx, fmt.Sprintf("listing the deploy tokens of %s %d", kind.Singular(), id),
		offsetFetch[*DeployToken](c, kind.path(id, "deploy_tokens"), nil))
}

// ListInstanceDeployKeys is GET /deploy_keys (administrators): every deploy key with the
// projects it is enabled on.
func (c *Client) ListInstanceDeployKeys(ctx context.Context) ([]*DeployKey, error) {
	return ListAll(ctx, "listing the instance's deploy keys (GET /deploy_keys)",
		offsetFetch[*DeployKey](c, "deploy_keys", nil))
}

// ListProjectDeployKeys is GET /projects/:id/deploy_keys (Maintainer).
func (c *Client) ListProjectDeployKeys(ctx context.Context, projectID int64) ([]*DeployKey, error) {
	return ListAll(ctx, fmt.Sprintf("listing the deploy keys of project %d", projectID),
		offsetFetch[*DeployKey](c, Projects.path(projectID, "deploy_keys"), nil))
}

// ListOwnSSHKeys is GET /user/keys: the token user's SSH keys.
func (c *Client) ListOwnSSHKeys(ctx context.Context) ([]*SSHKey, error) {
	return ListAll(ctx, "listing the token user's SSH keys (GET /user/keys)",
		offsetFetch[*SSHKey](c, "user/keys", nil))
}

// ListUserSSHKeys is GET /users/:id/keys: a user's SSH keys.
func (c *Client) ListUserSSHKeys(ctx context.Context, userID int64) ([]*SSHKey, error) {
	return ListAll(ctx, fmt.Sprintf("listing the SSH keys of user %d", userID),
		offsetFetch[*SSHKey](c, fmt.Sprintf("users/%d/keys", userID), nil))
}

// ListInstanceServiceAccounts is GET /service_accounts (self-managed administrators).
// https://docs.gitlab.com/api/service_accounts/
func (c *Client) ListInstanceServiceAccounts(ctx context.Context) ([]*ServiceAccount, error) {
	return ListAll(ctx, "listing the instance's service accounts (GET /service_accounts)",
		offsetFetch[*ServiceAccount](c, "service_accounts", nil))
}

// ListGroupServiceAccounts is GET /groups/:id/service_accounts: a top-level group's
// service accounts (Owner).
func (c *Client) ListGroupServiceAccounts(ctx context.Context, groupID int64) ([]*ServiceAccount, error) {
	return ListAll(ctx, fmt.Sprintf("listing the service accounts of group %d", groupID),
		offsetFetch[*ServiceAccount](c, Groups.path(groupID, "service_accounts"), nil))
}

// ListServiceAccountTokens is GET /groups/:id/service_accounts/:user_id/personal_access_tokens.
func (c *Client) ListServiceAccountTokens(ctx context.Context, groupID, userID int64) ([]*AccessToken, error) {
	return ListAll(ctx, fmt.Sprintf("listing the personal access tokens of service account %d of group %d", userID, groupID),
		offsetFetch[*AccessToken](c, Groups.path(groupID, fmt.Sprintf("service_accounts/%d/personal_access_tokens", userID)), nil))
}

// RevokeHierarchyResourceAccessToken is DELETE
// /groups/:id/manage/resource_access_tokens/:token_id: a group or project access token
// of a top-level group's hierarchy revoked through its credentials inventory (client-go
// has no call for it). Errors are client-go's, not yet mapped.
func (c *Client) RevokeHierarchyResourceAccessToken(ctx context.Context, groupID, tokenID int64) error {
	_, err := c.do(ctx, http.MethodDelete, Groups.path(groupID, fmt.Sprintf("manage/resource_access_tokens/%d", tokenID)), nil, nil)
	return err
}
