package connector

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Revoking a credential: the SDK's resource deletion (--delete-resource <id>
// --delete-resource-type <type>). GitLab keeps revoked personal access tokens (the next
// sync shows them revoked). A revoked group or project access token shows revoked from
// GitLab 17.9, which keeps its bot user; up to 17.8 GitLab deletes the bot user and the
// token with it, so the next sync no longer has either. Deploy tokens are deleted
// (GitLab destroys the record), and deploy keys and SSH keys are deleted (a deploy key
// from the one project of the resource id: GitLab deletes the key itself once no
// project uses it).
//
//   - personal access token: DELETE /personal_access_tokens/:id (its owner, or an
//     administrator); on GitLab.com, refused there, DELETE
//     /groups/:id/manage/personal_access_tokens/:id of each top-level group (an
//     enterprise user's token, by a group Owner);
//   - group / project access token: DELETE /groups|projects/:id/access_tokens/:token_id
//     (Owner / Maintainer); on GitLab.com, refused there, DELETE
//     /groups/:root/manage/resource_access_tokens/:token_id;
//   - deploy token: DELETE /groups|projects/:id/deploy_tokens/:token_id (Maintainer);
//   - deploy key: DELETE /projects/:id/deploy_keys/:key_id (Maintainer);
//   - SSH key: DELETE /user/keys/:id (the token user's own), DELETE
//     /users/:user_id/keys/:id (administrator), on GitLab.com DELETE
//     /groups/:id/manage/ssh_keys/:id (an enterprise user's key, by a group Owner).

// Delete revokes (or deletes) the credential.
func (s *credentialSyncer) Delete(ctx context.Context, id *v2.ResourceId, _ *v2.ResourceId) (annotations.Annotations, error) {
	if id.GetResourceType() != s.kind {
		return nil, status.Errorf(codes.InvalidArgument, "resource type %q: this syncer revokes %s only", id.GetResourceType(), s.kind)
	}
	parts, err := credentialIDParts(s.kind, id.GetResource())
	if err != nil {
		return nil, err
	}
	doing := fmt.Sprintf("revoking %s %s", strings.ReplaceAll(s.kind, "_", " "), id.GetResource())
	api := s.c.client.API
	opt := gitlab.WithContext(ctx)
	var revokeErr error
	switch s.kind {
	case personalAccessTokenTypeID:
		_, revokeErr = api.PersonalAccessTokens.RevokePersonalAccessTokenByID(parts[0], opt)
		// GitLab answers 400 when the token's user may not revoke the token
		// (PersonalAccessTokens::RevokeService: "Not permitted to revoke" → bad_request!).
		if (refusedHere(revokeErr) || gitlabapi.IsBadRequest(revokeErr)) && s.c.settings.Deployment == gitlabapi.GitLabCom {
			revokeErr = s.throughInventories(ctx, revokeErr, func(root int64) error {
				_, err := api.GroupCredentials.RevokeGroupPersonalAccessToken(root, parts[0], opt)
				return err
			})
		}
	case groupAccessTokenTypeID, projectAccessTokenTypeID:
		if s.kind == groupAccessTokenTypeID {
			_, revokeErr = api.GroupAccessTokens.RevokeGroupAccessToken(parts[0], parts[1], opt)
		} else {
			_, revokeErr = api.ProjectAccessTokens.RevokeProjectAccessToken(parts[0], parts[1], opt)
		}
		if (refusedHere(revokeErr) || gitlabapi.IsBadRequest(revokeErr) || gitlabapi.HTTPStatus(revokeErr) == http.StatusUnauthorized) &&
			s.c.settings.Deployment == gitlabapi.GitLabCom {
			revokeErr = s.throughInventories(ctx, revokeErr, func(root int64) error {
				return s.c.client.RevokeHierarchyResourceAccessToken(ctx, root, parts[1])
			})
		}
	case deployTokenTypeID:
		switch {
		case strings.HasPrefix(id.GetResource(), "group:"):
			_, revokeErr = api.DeployTokens.DeleteGroupDeployToken(parts[0], parts[1], opt)
		case strings.HasPrefix(id.GetResource(), "project:"):
			_, revokeErr = api.DeployTokens.DeleteProjectDeployToken(parts[0], parts[1], opt)
		default:
			return nil, status.Errorf(codes.FailedPrecondition,
				"%s: GitLab's instance-wide listing does not say which group or project it belongs to, and GitLab revokes a deploy token "+
					"only through it: sync with --deploy-credentials-per-project, then revoke the group:… or project:… id", doing)
		}
	case deployKeyTypeID:
		if parts[0] == 0 {
			return nil, status.Errorf(codes.FailedPrecondition,
				"%s: the key is enabled on no project, so it gives no access; GitLab's API deletes deploy keys per project only", doing)
		}
		_, revokeErr = api.DeployKeys.DeleteDeployKey(parts[0], parts[1], opt)
	case sshKeyTypeID:
		revokeErr = s.deleteSSHKey(ctx, parts[0], parts[1])
	}
	if revokeErr != nil {
		return nil, revocationError(s.kind, revokeErr, doing)
	}
	ctxzap.Extract(ctx).Info("gitlab: credential revoked", zap.String("type", s.kind), zap.String("id", id.GetResource()))
	return nil, nil
}

func (s *credentialSyncer) deleteSSHKey(ctx context.Context, userID, keyID int64) error {
	api := s.c.client.API
	opt := gitlab.WithContext(ctx)
	u, err := s.c.tokenUser(ctx)
	if err != nil {
		return err
	}
	if u.ID == userID {
		_, err = api.Users.DeleteSSHKey(keyID, opt)
		return err
	}
	if s.c.settings.Deployment == gitlabapi.GitLabCom {
		return s.throughInventories(ctx, nil, func(root int64) error {
			_, err := api.GroupCredentials.DeleteGroupSSHKey(root, keyID, opt)
			return err
		})
	}
	_, err = api.Users.DeleteSSHKeyForUser(userID, keyID, opt)
	return err
}

// refusedHere: the direct call was refused (403) or does not find the credential (404):
// on GitLab.com a top-level group's credentials inventory may still revoke it.
func refusedHere(err error) bool {
	return err != nil && (gitlabapi.IsForbidden(err) || gitlabapi.IsNotFound(err))
}

// throughInventories tries revoke through each top-level group of the organisation
// until one succeeds; first is the error to report when none does (nil: the last one's).
func (s *credentialSyncer) throughInventories(ctx context.Context, first error, revoke func(root int64) error) error {
	roots, err := s.c.organisation("").topLevelRoots(ctx)
	if err != nil {
		return err
	}
	last := first
	for _, root := range roots {
		err := revoke(root)
		if err == nil {
			return nil
		}
		if !refusedHere(err) {
			return err
		}
		if last == nil {
			last = err
		}
	}
	if last == nil {
		last = status.Error(codes.NotFound, "no top-level group of the organisation holds it")
	}
	return last
}

// revocationError is GitLab's refusal as one clear line. GitLab refuses a revocation
// the user may not make with 400 (PersonalAccessTokens::RevokeService "Not permitted",
// ResourceAccessTokens::RevokeService "<user> cannot delete <bot>"), 401 (unauthorized!)
// or 403, depending on the endpoint: all say who may.
func revocationError(kind string, err error, doing string) error {
	mapped := gitlabapi.MapError(err, doing)
	code := gitlabapi.HTTPStatus(err)
	switch {
	case strings.Contains(mapped.Error(), "insufficient_scope"):
		return mapped // the token lacks the api scope: MapError says so
	case code == http.StatusForbidden || code == http.StatusUnauthorized ||
		(code == http.StatusBadRequest && kind != deployTokenTypeID && kind != deployKeyTypeID && kind != sshKeyTypeID):
		return status.Errorf(codes.PermissionDenied, "%s: GitLab refused (%d%s): %s", doing, code, gitlabMessageSuffix(err), whoMayRevoke(kind))
	case code == http.StatusNotFound:
		hint := ""
		if kind == sshKeyTypeID {
			// manage/ssh_keys/:key_id answers not_found!('Key') for a key that is not an
			// enterprise user's (ee/lib/api/manage/groups.rb).
			hint = " (on GitLab.com a top-level group's Owner may delete only its enterprise users' and service accounts' keys)"
		}
		return status.Errorf(codes.NotFound, "%s: GitLab answered 404: it is already gone (deleted, or its bot removed) or the "+
			"token's user cannot see it%s; sync again to see its current state", doing, hint)
	case code == http.StatusBadRequest:
		return status.Errorf(codes.FailedPrecondition, "%s: GitLab refused (400%s); sync again to see its current state",
			doing, gitlabMessageSuffix(err))
	}
	return mapped
}

// whoMayRevoke says who GitLab lets revoke a credential of kind.
func whoMayRevoke(kind string) string {
	switch kind {
	case personalAccessTokenTypeID:
		return "only the token's owner or an administrator (self-managed) may revoke it, or on GitLab.com the top-level group's Owner " +
			"through its credentials inventory (enterprise users' tokens, Ultimate)"
	case groupAccessTokenTypeID:
		return "revoking a group access token needs the group's Owner role (or an administrator)"
	case projectAccessTokenTypeID:
		return "revoking a project access token needs the project's Maintainer or Owner role (or an administrator)"
	case deployTokenTypeID:
		return "deleting a deploy token needs the Owner role of its group, or the Maintainer role of its project"
	case deployKeyTypeID:
		return "removing a deploy key from a project needs the project's Maintainer or Owner role"
	}
	return "only the key's user or an administrator (self-managed) may delete it, or on GitLab.com the top-level group's Owner " +
		"for an enterprise user's key (Ultimate)"
}

func gitlabMessageSuffix(err error) string {
	if m := gitlabapi.GitLabMessage(err); m != "" {
		return ": " + m
	}
	return ""
}

// credentialIDParts reads a credential's resource id into its numbers: [token id] for
// a personal access token; [group or project id, token or key id] for the others
// (an "instance:" id gives [0, id]).
func credentialIDParts(kind, id string) ([]int64, error) {
	bad := func() error {
		return status.Errorf(codes.InvalidArgument, "%s id %q is not one this connector syncs (%s); take the id from a synced c1z",
			kind, id, credentialIDShape(kind))
	}
	fields := strings.Split(id, ":")
	if kind == deployTokenTypeID {
		switch {
		case len(fields) == 3 && (fields[0] == "group" || fields[0] == "project"):
			fields = fields[1:]
		case len(fields) == 2 && fields[0] == "instance":
			fields[0] = "0"
		default:
			return nil, bad()
		}
	}
	if kind == deployKeyTypeID && len(fields) == 2 && fields[0] == "instance" {
		fields[0] = "0"
	}
	want := 2
	if kind == personalAccessTokenTypeID {
		want = 1
	}
	if len(fields) != want {
		return nil, bad()
	}
	out := make([]int64, 0, want)
	for _, f := range fields {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return nil, bad()
		}
		out = append(out, n)
	}
	if out[len(out)-1] == 0 {
		return nil, bad()
	}
	return out, nil
}

func credentialIDShape(kind string) string {
	switch kind {
	case personalAccessTokenTypeID:
		return "<token id>"
	case groupAccessTokenTypeID:
		return "<group id>:<token id>"
	case projectAccessTokenTypeID:
		return "<project id>:<token id>"
	case deployTokenTypeID:
		return "group:<group id>:<token id> or project:<project id>:<token id>"
	case deployKeyTypeID:
		return "<project id>:<key id>"
	}
	return "<user id>:<key id>"
}
