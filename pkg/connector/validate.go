package connector

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Validate checks the token and the settings against GitLab, before a sync starts
// (the SDK's syncer calls it first) and when the connector is configured:
//
//  1. GET /user: the token works (401 → "create a new personal access token…"), the URL
//     is a GitLab API (a 404 or a non-JSON answer → "… is not a GitLab instance"), the
//     host answers ("cannot reach …"). The user and its is_admin are kept (tokenUser).
//     This first request failing because nothing answers at --base-url (connection
//     refused, no route to the host, a failed TLS handshake: gitlabapi.HostUnreachable)
//     is FailedPrecondition, not MapError's Unavailable, with the same message: it is
//     almost always a wrong URL, port or scheme, and the SDK retries a Validate that
//     returns Unavailable for about a minute (six tries, each with the client's own
//     retries) before a one-shot sync shows the error. The client's in-process retries
//     still cover a blip of a few seconds. 429 and 5xx stay Unavailable (GitLab is
//     there, and busy), as do timeouts, and later requests that fail the same way (the
//     host answered a moment before).
//  2. GET /personal_access_tokens/self: the token's scopes. api: everything works.
//     read_api without api: a WARNING, not an error — a sync works with read_api, and
//     the connector cannot know whether provisioning will be asked for (the SDK does not
//     tell it; in service mode requests come later). A grant or an account change then
//     fails with GitLab's 403 insufficient_scope, which MapError explains. Neither api
//     nor read_api: an error, nothing can be read. A 404 here (GitLab before 15.5, or a
//     token that is not a personal/group/project access token) skips the check.
//  3. --account-creation-group and each --groups entry exist and are visible to the
//     token's user (GET /groups/:id); --groups entries must be top-level groups.
//  4. Self-managed with a token whose user is not an administrator: still valid, but
//     ONE warning lists what the sync will lack.
func (c *Connector) Validate(ctx context.Context) (annotations.Annotations, error) {
	if c.client == nil {
		return nil, status.Error(codes.FailedPrecondition, "the connector has no access token: set --access-token")
	}
	l := ctxzap.Extract(ctx)

	u, err := c.tokenUser(ctx)
	if err != nil {
		if gitlabapi.HostUnreachable(err) {
			return nil, gitlabapi.WithCode(err, codes.FailedPrecondition)
		}
		return nil, err
	}
	l.Debug("gitlab: token user", zap.Int64("user_id", u.ID), zap.String("username", u.Username),
		zap.Bool("is_admin", u.IsAdmin), zap.String("deployment", string(c.settings.Deployment)))

	if err := c.checkTokenScopes(ctx); err != nil {
		return nil, err
	}

	if ref := c.settings.AccountCreationGroup; ref != "" {
		if _, err := c.checkGroupSetting(ctx, "--account-creation-group", ref); err != nil {
			return nil, err
		}
	}
	for _, ref := range c.settings.Groups {
		g, err := c.checkGroupSetting(ctx, "--groups", ref)
		if err != nil {
			return nil, err
		}
		if g.ParentID != 0 {
			return nil, status.Errorf(codes.InvalidArgument,
				"--groups %s is the subgroup %s: list top-level groups only (%s); their subgroups and projects are synced with them",
				ref, g.FullPath, topLevelOf(g.FullPath))
		}
	}

	if c.settings.Deployment == gitlabapi.SelfManaged && !u.IsAdmin {
		l.Warn(nonAdminWarning(u.Username))
	}
	return nil, nil
}

// nonAdminWarning is the one warning for a self-managed instance and a token whose user
// is not an administrator.
func nonAdminWarning(username string) string {
	return fmt.Sprintf("gitlab: the token's user %s is not an administrator of this self-managed instance: "+
		"the sync covers only the groups and projects %s is a member of and their members; it will lack "+
		"users outside those groups, email addresses, last sign-in times, two-factor status and bot/external flags, "+
		"and account creation and deprovisioning (which need the admin API) will fail. "+
		"Use an administrator's personal access token (api scope) for a full sync.", username, username)
}

// tokenExpiryWarning: Validate warns when the token expires sooner than this.
const tokenExpiryWarning = 7 * 24 * time.Hour

// checkTokenScopes reads the token's scopes (GET /personal_access_tokens/self).
// https://docs.gitlab.com/api/personal_access_tokens/#get-details-on-a-personal-access-token
func (c *Connector) checkTokenScopes(ctx context.Context) error {
	l := ctxzap.Extract(ctx)
	tok, _, err := c.client.API.PersonalAccessTokens.GetSinglePersonalAccessToken(gitlab.WithContext(ctx))
	if err != nil {
		switch gitlabapi.HTTPStatus(err) {
		case http.StatusNotFound, http.StatusForbidden:
			l.Debug("gitlab: cannot read the token's scopes; skipping the scope check", zap.Error(err))
			return nil
		}
		return gitlabapi.MapError(err, "reading the access token's scopes (GET /personal_access_tokens/self)")
	}
	if tok.ExpiresAt != nil {
		expires := time.Time(*tok.ExpiresAt)
		if left := time.Until(expires); left < tokenExpiryWarning {
			l.Warn(fmt.Sprintf("gitlab: the access token expires on %s: create a new personal access token with the api scope "+
				"and set --access-token before then, or syncs will fail with 401", expires.Format("2006-01-02")))
		}
	}
	has := map[string]bool{}
	for _, s := range tok.Scopes {
		has[s] = true
	}
	switch {
	case has["api"]:
		return nil
	case has["read_api"]:
		l.Warn("gitlab: the access token has the read_api scope but not api: a sync works, but provisioning " +
			"(granting and revoking access, creating and deprovisioning accounts) will be refused by GitLab. " +
			"Create a personal access token with the api scope and set --access-token to provision.")
		return nil
	default:
		return status.Errorf(codes.PermissionDenied,
			"the access token's scopes are [%s]: the connector needs the api scope (read_api to only sync): "+
				"create a personal access token with the api scope and set --access-token",
			strings.Join(tok.Scopes, " "))
	}
}

// checkGroupSetting reads the group a setting names (GET /groups/:id, the setting a
// full path or a numeric id): Validate and account creation (inviteAccount) resolve
// --groups and --account-creation-group with it, with the same errors.
func (c *Connector) checkGroupSetting(ctx context.Context, setting, ref string) (*gitlab.Group, error) {
	var id any = ref
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		id = n
	}
	g, _, err := c.client.API.Groups.GetGroup(id, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}, gitlab.WithContext(ctx))
	if err != nil {
		if gitlabapi.IsNotFound(err) {
			return nil, status.Errorf(codes.InvalidArgument,
				"%s %s: no such group, or the token's user cannot see it: check the group's full path (as in its URL) or numeric id",
				setting, ref)
		}
		return nil, gitlabapi.MapError(err, fmt.Sprintf("reading group %s (%s)", ref, setting))
	}
	return g, nil
}

func topLevelOf(fullPath string) string {
	if i := strings.IndexByte(fullPath, '/'); i >= 0 {
		return fullPath[:i]
	}
	return fullPath
}

// notGitLab recognises answers to GET /api/v4/user that no GitLab gives: GitLab answers
// 200 with JSON or 401 (bad token), never 404, and never a body that is not JSON. Such
// an answer means --base-url points at something else (a web site, a proxy, a path
// without GitLab's relative URL root).
func (c *Connector) notGitLab(resp *gitlab.Response, err error) error {
	if resp == nil || resp.Response == nil {
		return nil
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "" {
		mt = "no content type"
	}
	// A 200 whose body did not decode: an HTML page (a sign-in page, a web site).
	decodeFailed := resp.StatusCode == http.StatusOK && err != nil && !errors.Is(err, context.Canceled)
	if resp.StatusCode != http.StatusNotFound && !decodeFailed {
		return nil
	}
	return status.Errorf(codes.FailedPrecondition,
		"%s is not a GitLab instance: GET /api/v4/user answered %d %s; set --base-url to the URL you open GitLab at (e.g. https://gitlab.com or https://gitlab.example.com)",
		c.client.BaseURL, resp.StatusCode, mt)
}
