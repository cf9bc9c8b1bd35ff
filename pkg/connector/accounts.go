package connector

// Account lifecycle on the `user` resource type: CreateAccount (the SDK's AccountManagerV2)
// and Delete (ResourceDeleterV2). Actions on accounts (block, unblock, deactivate,
// activate) are in account_actions.go.
//
// Two ways, chosen by what the token can do (see createsAccountsDirectly):
//   - self-managed GitLab with an administrator's token: accounts are instance users.
//     CreateAccount is POST /users; Delete follows --deprovision-action (block, the
//     default; deactivate; delete).
//   - GitLab.com (and self-managed with a non-admin token): there is no admin API.
//     CreateAccount invites the email to --account-creation-group: the result is a
//     pending account (`invitation:<email>`) until the person accepts. Delete removes the
//     user from the organisation (every group and project membership), or cancels the
//     pending invitations of an `invitation:<email>` account.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/actions"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/crypto"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// createsAccountsDirectly: accounts are instance users the connector can create, block and
// delete — self-managed GitLab with an administrator's token (GET /user is_admin, read
// once). Otherwise accounts are invitations and memberships in the organisation's groups.
func (c *Connector) createsAccountsDirectly(ctx context.Context) (bool, error) {
	if c.settings.Deployment != gitlabapi.SelfManaged {
		return false, nil
	}
	return c.adminToken(ctx)
}

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

// accountRequest is what CreateAccount was asked for.
type accountRequest struct {
	username string
	email    string
	name     string
}

// newAccountRequest reads the SDK's AccountInfo: login = username (or profile "username"),
// the primary email (or the first, or profile "email"), name = profile "name" (or
// "display_name", or first_name + last_name, or the username).
func newAccountRequest(info *v2.AccountInfo) accountRequest {
	profile := info.GetProfile().AsMap()
	str := func(key string) string {
		v, _ := profile[key].(string)
		return strings.TrimSpace(v)
	}
	r := accountRequest{username: strings.TrimSpace(info.GetLogin())}
	if r.username == "" {
		r.username = str("username")
	}
	for _, e := range info.GetEmails() {
		if e.GetIsPrimary() || r.email == "" {
			r.email = strings.TrimSpace(e.GetAddress())
		}
	}
	if r.email == "" {
		r.email = str("email")
	}
	r.name = str("name")
	if r.name == "" {
		r.name = str("display_name")
	}
	if r.name == "" {
		r.name = strings.TrimSpace(str("first_name") + " " + str("last_name"))
	}
	if r.name == "" {
		r.name = r.username
	}
	return r
}

// CreateAccount creates an instance user (self-managed, admin token) or invites the email
// to --account-creation-group (GitLab.com). An email or username already taken is an
// already-exists result carrying the existing account, not an error.
func (s *userSyncer) CreateAccount(ctx context.Context, info *v2.AccountInfo, creds *v2.LocalCredentialOptions) (
	connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	req := newAccountRequest(info)
	if req.email == "" {
		return nil, nil, nil, status.Error(codes.InvalidArgument,
			"creating a GitLab account needs an email (--create-account-email, or \"email\" in the profile)")
	}
	direct, err := s.c.createsAccountsDirectly(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if direct {
		return s.createInstanceAccount(ctx, req, creds)
	}
	if s.c.settings.AccountCreationGroup == "" {
		return nil, nil, nil, errAccountCreationGroupMissing(s.c.settings.Deployment)
	}
	resp, annos, err := s.inviteAccount(ctx, req)
	return resp, nil, annos, err
}

// errAccountCreationGroupMissing: without an admin API a new account is an invitation,
// and an invitation needs a group.
func errAccountCreationGroupMissing(d gitlabapi.Deployment) error {
	where := "On GitLab.com"
	if d != gitlabapi.GitLabCom {
		where = "Without an administrator's token"
	}
	return status.Errorf(codes.FailedPrecondition,
		"%s a new account is an invitation email to a group: set --account-creation-group "+
			"(BATON_ACCOUNT_CREATION_GROUP) to the full path of the group to invite new accounts to, "+
			"e.g. --account-creation-group acme", where)
}

// createInstanceAccount: POST /users. https://docs.gitlab.com/api/users/#create-a-user
// No password: reset_password=true, GitLab emails a link to set one. Random password: the
// connector generates it (crypto/rand, every character class: GitLab's complexity rules)
// and sends it as password=, so it can return it to the caller (encrypted by the SDK).
// force_random_password is never used: GitLab would never tell anyone the password it
// chose. skip_confirmation follows --skip-confirmation.
//
// The username is looked up first (GET /users?username=): taken, it is the existing
// account (see existingInstanceAccount) and nothing is sent. The POST is sent once
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
	case gitlabapi.HTTPStatus(err) == http.StatusConflict:
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

// existingInstanceAccount is the already-exists result for the account holding the
// requested username or email. The result's resource is that account, whoever it
// belongs to: a username taken by an account with another email is still the existing
// account (the rule: "email or username taken → already exists"), and a warning
// names both emails so the operator can check it is the right person.
func (s *userSyncer) existingInstanceAccount(ctx context.Context, req accountRequest, existing *gitlab.User, gitlabMsg string) (
	connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	r, err := s.accountResource(existing)
	if err != nil {
		return nil, nil, nil, err
	}
	l := ctxzap.Extract(ctx)
	fields := []zap.Field{zap.String("username", existing.Username), zap.Int64("user_id", existing.ID)}
	if gitlabMsg != "" {
		fields = append(fields, zap.String("gitlab_message", gitlabMsg))
	}
	switch {
	case !strings.EqualFold(existing.Email, req.email):
		l.Warn(fmt.Sprintf("GitLab username %s is taken by an account with another email (%s, requested %s): "+
			"linking to that existing account, not creating one; check it is the same person",
			existing.Username, existing.Email, req.email), fields...)
	case !strings.EqualFold(existing.Username, req.username):
		l.Warn(fmt.Sprintf("email %s belongs to the existing GitLab account %s (requested username %s): linking to that account, not creating one",
			req.email, existing.Username, req.username), fields...)
	default:
		l.Info("GitLab account already exists", fields...)
	}
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

// invitationResult is the body of POST /groups/:id/invitations: HTTP 201 whatever
// happened, and status/message say what did. message is {"<email>": "reason"} or a string.
// https://docs.gitlab.com/api/invitations/#add-a-member-to-a-group-or-project
type invitationResult struct {
	Status  string          `json:"status"`
	Message json.RawMessage `json:"message"`
}

func (r invitationResult) text() string {
	if len(r.Message) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(r.Message, &s) == nil {
		return s
	}
	var m map[string]any
	if json.Unmarshal(r.Message, &m) == nil {
		parts := make([]string, 0, len(m))
		for k, v := range m {
			parts = append(parts, fmt.Sprintf("%s: %v", k, v))
		}
		return strings.Join(parts, "; ")
	}
	return string(r.Message)
}

// inviteAccount invites req.email to --account-creation-group at
// --account-creation-access-level. The result is the pending account
// (`invitation:<email>`); when GitLab turned the invitation into a membership at once
// (the email belongs to a GitLab user who was not a member of the group) it is that
// user's real account.
//
// GitLab answers 201 whatever happened; the body's "status" says what did: "error" is
// an error carrying GitLab's message. https://docs.gitlab.com/api/invitations/
//
// Before inviting (the pre-check), nothing is sent and an already-exists result is
// returned when:
//   - the email already has a pending invitation to the group: its invitation is left
//     as it is (GitLab would update its level);
//   - a direct member of the group has this email, where the member listing shows
//     emails (administrators; Owners for enterprise users).
//
// Since GitLab 17, inviting a member's email again is not refused: GitLab
// (Members::CreatorService) OVERWRITES that member's access level (it could demote an
// Owner to Guest), expiry and custom role with the invitation's. On GitLab.com the member
// listing hides most emails, so the pre-check cannot always see that the email is a
// member's. The group's direct members are therefore read before and after the
// invitation (see invitationOutcome): the email's account is the member whose state
// after is exactly what the invitation writes and whose state before was different (or
// who was not a member). Exactly one such member that existed before is put back as it
// was and returned as already-exists; exactly one new member is the success. Anything
// else is an error that names the members concerned.
func (s *userSyncer) inviteAccount(ctx context.Context, req accountRequest) (connectorbuilder.CreateAccountResponse, annotations.Annotations, error) {
	group, err := s.c.checkGroupSetting(ctx, "--account-creation-group", s.c.settings.AccountCreationGroup)
	if err != nil {
		return nil, nil, err
	}
	email := strings.ToLower(req.email)
	alreadyExists := func(r *v2.Resource) (connectorbuilder.CreateAccountResponse, annotations.Annotations, error) {
		return v2.CreateAccountResponse_AlreadyExistsResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil
	}
	success := func(r *v2.Resource) (connectorbuilder.CreateAccountResponse, annotations.Annotations, error) {
		return v2.CreateAccountResponse_SuccessResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil
	}

	if r, inv, err := s.invitedAccount(ctx, group, email); err != nil {
		return nil, nil, err
	} else if r != nil {
		ctxzap.Extract(ctx).Info("GitLab invitation already pending; left as it is",
			zap.String("group", group.FullPath), zap.Int("access_level", int(inv.AccessLevel)))
		return alreadyExists(r)
	}

	members, err := s.groupDirectMembers(ctx, group)
	if err != nil {
		return nil, nil, err
	}
	before := make(map[int64]*gitlab.GroupMember, len(members))
	for _, m := range members {
		before[m.ID] = m
		if m.Email != "" && strings.EqualFold(m.Email, email) {
			r, err := s.accountResourceForMember(ctx, m)
			if err != nil {
				return nil, nil, err
			}
			return alreadyExists(r)
		}
	}

	level := s.c.settings.AccountCreationAccessLevel
	if level == 0 {
		level = gitlab.GuestPermissions
	}
	body := map[string]any{"email": req.email, "access_level": int(level)}
	httpReq, err := s.c.client.API.NewRequest(http.MethodPost, fmt.Sprintf("groups/%d/invitations", group.ID), body, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return nil, nil, status.Errorf(codes.Internal, "building the invitation request: %v", err)
	}
	var res invitationResult
	if _, err := s.c.client.API.Do(httpReq, &res); err != nil {
		return nil, nil, gitlabapi.MapError(err, fmt.Sprintf("inviting %s to group %s", req.email, group.FullPath))
	}
	if res.Status != "success" {
		return nil, nil, status.Errorf(codes.FailedPrecondition,
			"inviting %s to group %s as %s: GitLab refused the invitation: %s",
			req.email, group.FullPath, accessLevelName(level), res.text())
	}

	if r, _, err := s.invitedAccount(ctx, group, email); err != nil {
		return nil, nil, err
	} else if r != nil {
		return success(r)
	}

	// No pending invitation: the email is an existing GitLab user's, whom GitLab made a
	// member (new) or whose membership it overwrote with the invitation's.
	after, err := s.groupDirectMembers(ctx, group)
	if err != nil {
		return nil, nil, err
	}
	out := invitationOutcome(before, after, level)
	l := ctxzap.Extract(ctx)
	switch {
	case len(out.added) == 1 && len(out.changed) == 0:
		r, err := s.accountResourceForMember(ctx, out.added[0])
		if err != nil {
			return nil, nil, err
		}
		return success(r)
	case len(out.added) == 0 && len(out.changed) == 1:
		old := before[out.changed[0].ID]
		if err := s.restoreGroupMember(ctx, group, old); err != nil {
			return nil, nil, err
		}
		l.Warn("GitLab applied the invitation to an existing member (the email is theirs); their membership was put back as it was",
			zap.String("group", group.FullPath), zap.Int64("user_id", old.ID), zap.String("username", old.Username),
			zap.String("access_level", accessLevelName(old.AccessLevel)), zap.String("expires_at", isoDate(old.ExpiresAt)))
		r, err := s.accountResourceForMember(ctx, old)
		if err != nil {
			return nil, nil, err
		}
		return alreadyExists(r)
	case len(out.added)+len(out.changed) > 1:
		return nil, nil, s.ambiguousInvitation(ctx, group, req.email, level, before, out)
	case len(out.unchanged) == 1:
		// GitLab changed nothing: the email's account was already a direct member in
		// exactly the invitation's state, and only one member is in that state.
		l.Info("the invited email belongs to an existing member of the group; GitLab changed nothing",
			zap.String("group", group.FullPath), zap.Int64("user_id", out.unchanged[0].ID), zap.String("username", out.unchanged[0].Username))
		r, err := s.accountResourceForMember(ctx, out.unchanged[0])
		if err != nil {
			return nil, nil, err
		}
		return alreadyExists(r)
	}
	return nil, nil, status.Errorf(codes.FailedPrecondition,
		"inviting %s to group %s: the email belongs to an existing member of %s: GitLab neither invited nor changed anyone, "+
			"and GitLab.com does not show members' emails, so the connector cannot tell which member it is "+
			"(%d direct members are %s with no expiry): find the account among the group's members; trying again will not change this",
		req.email, group.FullPath, group.FullPath, len(out.unchanged), accessLevelName(level))
}

// invitationChanges sorts the group's direct members after an invitation that GitLab
// applied to an existing user: only members whose state after is exactly what the
// invitation writes (its level, no expiry, no custom role) can be the email's account.
type invitationChanges struct {
	added     []*gitlab.GroupMember // not a member before
	changed   []*gitlab.GroupMember // a member before, in another state
	unchanged []*gitlab.GroupMember // already in that state before
}

func invitationOutcome(before map[int64]*gitlab.GroupMember, after []*gitlab.GroupMember, level gitlab.AccessLevelValue) invitationChanges {
	var out invitationChanges
	for _, m := range after {
		if m.AccessLevel != level || isoDate(m.ExpiresAt) != "" || memberRoleID(m) != 0 {
			continue // not what the invitation writes: someone else's change, or untouched
		}
		old := before[m.ID]
		switch {
		case old == nil:
			out.added = append(out.added, m)
		case !sameMembership(old, m):
			out.changed = append(out.changed, m)
		default:
			out.unchanged = append(out.unchanged, m)
		}
	}
	return out
}

// ambiguousInvitation: GitLab applied the invitation to an existing user, and several
// members (new or changed) are now exactly in the invitation's state: the email's
// account is one of them, the others were changed by someone else at the same moment.
// Which is which cannot be told, so nothing is put back on a guess, except where putting
// back only takes access away (the member's level before was below the invitation's, or
// the same level with an expiry): undoing someone else's change there grants nothing.
// The error names every member concerned, before and after.
func (s *userSyncer) ambiguousInvitation(ctx context.Context, group *gitlab.Group, email string, level gitlab.AccessLevelValue,
	before map[int64]*gitlab.GroupMember, out invitationChanges) error {
	var lines []string
	for _, m := range out.added {
		lines = append(lines, fmt.Sprintf("%s (id %d) became a %s member", m.Username, m.ID, accessLevelName(level)))
	}
	for _, m := range out.changed {
		old := before[m.ID]
		line := fmt.Sprintf("%s (id %d) changed from %s to %s", m.Username, m.ID, membershipLabel(old), accessLevelName(level))
		if restoringOnlyRemovesAccess(old, level) {
			if err := s.restoreGroupMember(ctx, group, old); err != nil {
				line += " (putting it back failed: set it back by hand)"
			} else {
				line += " (put back: that only removes access)"
			}
		} else {
			line += " (left as it is)"
		}
		lines = append(lines, line)
	}
	return status.Errorf(codes.FailedPrecondition,
		"inviting %s to group %s as %s: GitLab applied the invitation to an existing account, but %d members are now in the invitation's state "+
			"and the connector cannot tell which one the email belongs to (a change made by someone else at the same time): %s. "+
			"Check these memberships in GitLab and set back the one that belongs to %s",
		email, group.FullPath, accessLevelName(level), len(lines), strings.Join(lines, "; "), email)
}

// restoringOnlyRemovesAccess: putting old back lowers the member's access from the
// invitation's level (no custom role before, whose abilities could be more).
func restoringOnlyRemovesAccess(old *gitlab.GroupMember, level gitlab.AccessLevelValue) bool {
	if memberRoleID(old) != 0 {
		return false
	}
	return old.AccessLevel < level || (old.AccessLevel == level && isoDate(old.ExpiresAt) != "")
}

func membershipLabel(m *gitlab.GroupMember) string {
	s := accessLevelName(m.AccessLevel)
	if m.MemberRole != nil {
		s = fmt.Sprintf("custom role %q (%s)", m.MemberRole.Name, s)
	}
	if d := isoDate(m.ExpiresAt); d != "" {
		s += " until " + d
	}
	return s
}

// sameMembership: same access level, expiry and custom role.
func sameMembership(a, b *gitlab.GroupMember) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.AccessLevel == b.AccessLevel && isoDate(a.ExpiresAt) == isoDate(b.ExpiresAt) && memberRoleID(a) == memberRoleID(b)
}

func memberRoleID(m *gitlab.GroupMember) int64 {
	if m.MemberRole == nil {
		return 0
	}
	return m.MemberRole.ID
}

// restoreGroupMember puts a direct membership back as it was (PUT
// /groups/:id/members/:user_id with its level, expiry and custom role).
// https://docs.gitlab.com/api/members/#edit-a-member-of-a-group-or-project
func (s *userSyncer) restoreGroupMember(ctx context.Context, group *gitlab.Group, old *gitlab.GroupMember) error {
	opts := &gitlab.EditGroupMemberOptions{AccessLevel: gitlab.Ptr(old.AccessLevel)}
	if d := isoDate(old.ExpiresAt); d != "" {
		opts.ExpiresAt = gitlab.Ptr(d)
	}
	if id := memberRoleID(old); id != 0 {
		opts.MemberRoleID = gitlab.Ptr(id)
	}
	if _, _, err := s.c.client.API.GroupMembers.EditGroupMember(group.ID, old.ID, opts, gitlab.WithContext(ctx)); err != nil {
		return gitlabapi.MapError(err, fmt.Sprintf(
			"GitLab changed %s's membership of %s when their email was invited, and putting it back (%s) failed: set it back by hand",
			old.Username, group.FullPath, accessLevelName(old.AccessLevel)))
	}
	return nil
}

// findGroupInvitation: the group's pending invitation of exactly that email
// (case-insensitive), or nil. GET /groups/:id/invitations, every page, WITHOUT ?query=:
// GitLab matches query with SQL equality (retrieve_member_invitations:
// where(invite_email: query)), which is case-sensitive, and an invitation may be stored as
// Jane.Doe@Example.com.
// https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
// Decoded by apiInvitation (gitlab_json.go): client-go's PendingInvite cannot read
// GitLab's plain-date expires_at.
func (s *userSyncer) findGroupInvitation(ctx context.Context, group *gitlab.Group, email string) (*apiInvitation, error) {
	return s.findInvitation(ctx, "groups", group.ID, group.FullPath, email)
}

// invitedAccount is the pending account of email when the group has a pending
// invitation of it (findGroupInvitation), with that invitation; nil when it has none.
func (s *userSyncer) invitedAccount(ctx context.Context, group *gitlab.Group, email string) (*v2.Resource, *apiInvitation, error) {
	inv, err := s.findGroupInvitation(ctx, group, email)
	if err != nil || inv == nil {
		return nil, nil, err
	}
	r, err := s.pendingAccount(ctx, email)
	if err != nil {
		return nil, nil, err
	}
	return r, inv, nil
}

// findInvitation looks for email's pending invitation in groups/:id or projects/:id.
func (s *userSyncer) findInvitation(ctx context.Context, kind string, id int64, path, email string) (*apiInvitation, error) {
	invs, err := gitlabapi.ListAll(ctx, fmt.Sprintf("listing invitations of %s %s", strings.TrimSuffix(kind, "s"), path),
		listGitLab[*apiInvitation](s.c.client.API, fmt.Sprintf("%s/%d/invitations", kind, id), nil))
	if err != nil {
		return nil, err
	}
	for _, inv := range invs {
		if strings.EqualFold(inv.InviteEmail, email) {
			return inv, nil
		}
	}
	return nil, nil
}

func (s *userSyncer) groupDirectMembers(ctx context.Context, group *gitlab.Group) ([]*gitlab.GroupMember, error) {
	return gitlabapi.ListAll(ctx, "listing members of group "+group.FullPath,
		func(opt gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]*gitlab.GroupMember, *gitlab.Response, error) {
			return s.c.client.API.Groups.ListGroupMembers(group.ID, &gitlab.ListGroupMembersOptions{ListOptions: opt}, reqOpts...)
		})
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
