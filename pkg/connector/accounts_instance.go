package connector

// Account creation on self-managed GitLab with an administrator's token: POST /users.

import (
	"context"
	"fmt"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/crypto"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// createInstanceAccount: POST /users. https://docs.gitlab.com/api/users/#create-a-user
// No password: reset_password=true, GitLab emails a link to set one. Random password: the
// connector generates it (crypto/rand, every character class: GitLab's complexity rules)
// and sends it as password=, so it can return it to the caller (encrypted by the SDK).
// force_random_password is never used: GitLab would never tell anyone the password it
// chose. skip_confirmation follows --skip-confirmation.
//
// The username is looked up first (GET /users?username=): taken, nothing is sent, and
// the answer is already-exists when the account has the requested email too, otherwise
// a refusal (see existingInstanceAccount). The POST is sent once
// (gitlabapi.WithoutRetryOnceSent): a retry after a lost answer would come back as 409
// for the account the first try created, whose password nobody would receive. When the
// answer is lost (5xx, timeout), the username is read again: an account with this
// username AND email created since the call started is ours (success, with the
// password); otherwise GitLab did not create it and the error says so.
func (s *userSyncer) createInstanceAccount(ctx context.Context, req accountRequest, creds *v2.LocalCredentialOptions) (
	connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	if req.username == "" {
		return nil, nil, nil, status.Error(codes.InvalidArgument,
			"creating a GitLab account needs a username (--create-account-login, or \"username\" in the profile)")
	}
	opts := &gitlab.CreateUserOptions{
		Username: gitlab.Ptr(req.username),
		Email:    gitlab.Ptr(req.email),
		Name:     gitlab.Ptr(req.name),
	}
	if s.c.settings.SkipConfirmation {
		opts.SkipConfirmation = gitlab.Ptr(true)
	}
	var plaintexts []*v2.PlaintextData
	switch {
	case creds == nil || creds.GetNoPassword() != nil:
		opts.ResetPassword = gitlab.Ptr(true)
	case creds.GetRandomPassword() != nil:
		password, err := crypto.GeneratePassword(ctx, creds)
		if err != nil {
			return nil, nil, nil, status.Errorf(codes.InvalidArgument, "generating a password for %s: %v (GitLab needs at least 8 characters)", req.username, err)
		}
		opts.Password = gitlab.Ptr(password)
		plaintexts = append(plaintexts, v2.PlaintextData_builder{
			Name:        "password",
			Description: fmt.Sprintf("Initial GitLab password of %s (GitLab asks for a new one at first sign-in)", req.username),
			Bytes:       []byte(password),
		}.Build())
	default:
		return nil, nil, nil, status.Error(codes.InvalidArgument,
			"GitLab accounts can be created with no password (GitLab emails a link to set one) or a random password; other credential options are not supported")
	}

	taken, err := s.findUserByUsername(ctx, req.username)
	if err != nil {
		return nil, nil, nil, err
	}
	if taken != nil {
		return s.existingInstanceAccount(ctx, req, taken, "")
	}

	started := time.Now()
	u, _, err := s.c.client.API.Users.CreateUser(opts, gitlab.WithContext(ctx), gitlabapi.WithoutRetryOnceSent())
	switch {
	case err == nil:
		r, err := s.accountResource(u)
		if err != nil {
			return nil, nil, nil, err
		}
		return v2.CreateAccountResponse_SuccessResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), plaintexts, nil, nil
	case gitlabapi.IsConflict(err):
		// 409 "Email has already been taken" (or a username taken since the look-up).
		existing, ferr := s.findInstanceUser(ctx, req)
		if ferr != nil {
			return nil, nil, nil, ferr
		}
		if existing == nil {
			return nil, nil, nil, status.Errorf(codes.AlreadyExists,
				"creating GitLab account %s <%s>: GitLab answered 409 (%s) but no user with that username or email could be found",
				req.username, req.email, gitlabapi.GitLabMessage(err))
		}
		return s.existingInstanceAccount(ctx, req, existing, gitlabapi.GitLabMessage(err))
	case createOutcomeUnknown(ctx, err):
		return s.afterLostCreation(ctx, req, started, err, plaintexts)
	}
	return nil, nil, nil, gitlabapi.MapError(err, fmt.Sprintf("creating GitLab account %s <%s>", req.username, req.email))
}

// createClockSkew is how far GitLab's clock (created_at) may be behind ours when telling
// whether an account was created by this call.
const createClockSkew = 2 * time.Minute

// createOutcomeUnknown: GitLab may have created the account although the answer says
// otherwise: a 5xx (a proxy's 502 after GitLab answered) or no answer at all (timeout,
// reset connection). Not a 429 (refused before being processed) nor a cancelled call.
func createOutcomeUnknown(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	st := gitlabapi.HTTPStatus(err)
	return st >= 500 || st == 0
}

// afterLostCreation reads the username again after POST /users lost its answer (cause).
func (s *userSyncer) afterLostCreation(ctx context.Context, req accountRequest, started time.Time, cause error, plaintexts []*v2.PlaintextData) (
	connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	l := ctxzap.Extract(ctx)
	u, err := s.findUserByUsername(ctx, req.username)
	if err != nil {
		return nil, nil, nil, status.Errorf(codes.Unavailable,
			"creating GitLab account %s <%s>: GitLab's answer was lost (%v) and reading the account back failed (%v): "+
				"it may have been created; check GitLab before trying again (with a random password, reset it: nobody received it)",
			req.username, req.email, cause, err)
	}
	if u == nil {
		return nil, nil, nil, gitlabapi.MapError(cause, fmt.Sprintf(
			"creating GitLab account %s <%s> (GitLab did not create it: no user %s exists; try again)", req.username, req.email, req.username))
	}
	ours := strings.EqualFold(u.Username, req.username) && strings.EqualFold(u.Email, req.email) &&
		u.CreatedAt != nil && !u.CreatedAt.Before(started.Add(-createClockSkew))
	if !ours {
		return s.existingInstanceAccount(ctx, req, u, "")
	}
	l.Warn("GitLab's answer to creating the account was lost, but GitLab created it: reporting it as created",
		zap.String("username", u.Username), zap.Int64("user_id", u.ID), zap.Error(cause))
	r, err := s.accountResource(u)
	if err != nil {
		return nil, nil, nil, err
	}
	return v2.CreateAccountResponse_SuccessResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), plaintexts, nil, nil
}

// existingInstanceAccount answers a request whose username or email an account already
// holds. Only an account with BOTH the requested username and email (case-insensitive)
// is the requested account: already-exists, carrying it. An account with the username
// and another email, or with the email and another username, is someone else's:
// FailedPrecondition naming what to change; the message never shows that account's
// email.
func (s *userSyncer) existingInstanceAccount(ctx context.Context, req accountRequest, existing *gitlab.User, gitlabMsg string) (
	connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	creating := fmt.Sprintf("creating GitLab account %s <%s>", req.username, req.email)
	said := ""
	if gitlabMsg != "" {
		said = fmt.Sprintf(" (GitLab: %s)", gitlabMsg)
	}
	sameUsername := strings.EqualFold(existing.Username, req.username)
	sameEmail := strings.EqualFold(existing.Email, req.email)
	switch {
	case sameUsername && !sameEmail:
		return nil, nil, nil, status.Errorf(codes.FailedPrecondition,
			"%s: the username %s is already taken by another GitLab account (user id %d) whose email is not %s%s: "+
				"choose another username (--create-account-login, or \"username\" in the profile)",
			creating, req.username, existing.ID, req.email, said)
	case sameEmail && !sameUsername:
		return nil, nil, nil, status.Errorf(codes.FailedPrecondition,
			"%s: the email %s already belongs to another GitLab account, @%s (user id %d)%s: "+
				"use another email, or ask for username %s if that account is the one meant",
			creating, req.email, existing.Username, existing.ID, said, existing.Username)
	case !sameUsername:
		return nil, nil, nil, status.Errorf(codes.FailedPrecondition,
			"%s: the username or the email is already taken by another GitLab account%s: choose another username or email",
			creating, said)
	}
	r, err := s.accountResource(existing)
	if err != nil {
		return nil, nil, nil, err
	}
	fields := []zap.Field{zap.String("username", existing.Username), zap.Int64("user_id", existing.ID)}
	if gitlabMsg != "" {
		fields = append(fields, zap.String("gitlab_message", gitlabMsg))
	}
	ctxzap.Extract(ctx).Info("GitLab account already exists", fields...)
	return v2.CreateAccountResponse_AlreadyExistsResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil, nil
}

// findUserByUsername: GET /users?username= (exact, case-insensitive); nil when nobody has it.
// https://docs.gitlab.com/api/users/#list-users
func (s *userSyncer) findUserByUsername(ctx context.Context, username string) (*gitlab.User, error) {
	users, _, err := s.c.client.API.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr(username)}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, gitlabapi.MapError(err, "looking up GitLab user "+username)
	}
	for _, u := range users {
		if strings.EqualFold(u.Username, username) {
			return u, nil
		}
	}
	return nil, nil
}

// findInstanceUser finds the user who holds req's username or email, after a 409:
// the username, then GET /users?search=<email> (an administrator's search matches a full
// email). nil when neither finds one.
// https://docs.gitlab.com/api/users/#list-users
func (s *userSyncer) findInstanceUser(ctx context.Context, req accountRequest) (*gitlab.User, error) {
	if req.username != "" {
		if u, err := s.findUserByUsername(ctx, req.username); err != nil || u != nil {
			return u, err
		}
	}
	users, _, err := s.c.client.API.Users.ListUsers(&gitlab.ListUsersOptions{Search: gitlab.Ptr(req.email)}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, gitlabapi.MapError(err, "looking up the GitLab user with email "+req.email)
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, req.email) {
			return u, nil
		}
	}
	return nil, nil
}
