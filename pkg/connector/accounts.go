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
	"net/url"
	"strconv"
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
// No password: reset_password=true, GitLab emails a link to set one. Random password:
// password=<generated>, returned to the caller (encrypted by the SDK). skip_confirmation
// follows --skip-confirmation.
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

	u, _, err := s.c.client.API.Users.CreateUser(opts, gitlab.WithContext(ctx))
	if err != nil {
		if gitlabapi.HTTPStatus(err) == http.StatusConflict {
			// 409 "Email has already been taken" / "Username has already been taken".
			existing, ferr := s.findInstanceUser(ctx, req)
			if ferr != nil {
				return nil, nil, nil, ferr
			}
			if existing == nil {
				return nil, nil, nil, status.Errorf(codes.AlreadyExists,
					"creating GitLab account %s <%s>: GitLab answered 409 (%s) but no user with that username or email could be found",
					req.username, req.email, gitlabapi.GitLabMessage(err))
			}
			r, rerr := s.accountResource(existing)
			if rerr != nil {
				return nil, nil, nil, rerr
			}
			ctxzap.Extract(ctx).Info("GitLab account already exists",
				zap.String("username", existing.Username), zap.Int64("user_id", existing.ID), zap.String("gitlab_message", gitlabapi.GitLabMessage(err)))
			return v2.CreateAccountResponse_AlreadyExistsResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil, nil
		}
		return nil, nil, nil, gitlabapi.MapError(err, fmt.Sprintf("creating GitLab account %s <%s>", req.username, req.email))
	}
	r, err := s.accountResource(u)
	if err != nil {
		return nil, nil, nil, err
	}
	return v2.CreateAccountResponse_SuccessResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), plaintexts, nil, nil
}

// findInstanceUser finds the user who holds req's username or email, after a 409:
// GET /users?username= (exact, case-insensitive), then GET /users?search=<email> (an
// administrator's search matches a full email). nil when neither finds one.
// https://docs.gitlab.com/api/users/#list-users
func (s *userSyncer) findInstanceUser(ctx context.Context, req accountRequest) (*gitlab.User, error) {
	if req.username != "" {
		users, _, err := s.c.client.API.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr(req.username)}, gitlab.WithContext(ctx))
		if err != nil {
			return nil, gitlabapi.MapError(err, "looking up GitLab user "+req.username)
		}
		for _, u := range users {
			if strings.EqualFold(u.Username, req.username) {
				return u, nil
			}
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
// Since GitLab 17, inviting a member's email again is not refused: GitLab updates that
// member's access level (it could demote an Owner to Guest) and expiry. On GitLab.com
// the member listing hides emails, so the pre-check cannot always see that the email is
// a member's. The group's direct members (level, expiry, custom role) are therefore
// read before the invitation and compared after it: a member that GitLab changed is the
// email's owner; their membership is put back as it was and the result is
// already-exists with their account. (The change lasts the few milliseconds between the
// two requests.)
func (s *userSyncer) inviteAccount(ctx context.Context, req accountRequest) (connectorbuilder.CreateAccountResponse, annotations.Annotations, error) {
	groupRef := s.c.settings.AccountCreationGroup
	var gid any = groupRef
	if n, err := strconv.ParseInt(groupRef, 10, 64); err == nil {
		gid = n
	}
	group, _, err := s.c.client.API.Groups.GetGroup(gid, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}, gitlab.WithContext(ctx))
	if err != nil {
		if gitlabapi.IsNotFound(err) {
			return nil, nil, status.Errorf(codes.InvalidArgument,
				"--account-creation-group %s: no such group, or the token's user cannot see it: give the group's full path (as in its URL) or numeric id", groupRef)
		}
		return nil, nil, gitlabapi.MapError(err, fmt.Sprintf("reading --account-creation-group %s", groupRef))
	}
	email := strings.ToLower(req.email)
	alreadyExists := func(r *v2.Resource) (connectorbuilder.CreateAccountResponse, annotations.Annotations, error) {
		return v2.CreateAccountResponse_AlreadyExistsResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil
	}

	if inv, err := s.findGroupInvitation(ctx, group, email); err != nil {
		return nil, nil, err
	} else if inv != nil {
		r, err := s.pendingAccount(ctx, email)
		if err != nil {
			return nil, nil, err
		}
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

	if inv, err := s.findGroupInvitation(ctx, group, email); err != nil {
		return nil, nil, err
	} else if inv != nil {
		r, err := s.pendingAccount(ctx, email)
		if err != nil {
			return nil, nil, err
		}
		return v2.CreateAccountResponse_SuccessResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil
	}

	// No pending invitation: the email is an existing GitLab user's. Either a new direct
	// member (success: their real account), or a member GitLab just changed.
	after, err := s.groupDirectMembers(ctx, group)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range after {
		if before[m.ID] == nil {
			r, err := s.accountResourceForMember(ctx, m)
			if err != nil {
				return nil, nil, err
			}
			return v2.CreateAccountResponse_SuccessResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil
		}
	}
	for _, m := range after {
		old := before[m.ID]
		if sameMembership(old, m) && !(m.Email != "" && strings.EqualFold(m.Email, email)) {
			continue
		}
		if !sameMembership(old, m) {
			if err := s.restoreGroupMember(ctx, group, old); err != nil {
				return nil, nil, err
			}
			ctxzap.Extract(ctx).Warn("GitLab changed an existing member's access when inviting their email; put back as it was",
				zap.String("group", group.FullPath), zap.Int64("user_id", m.ID), zap.String("username", m.Username),
				zap.Int("access_level", int(old.AccessLevel)))
		}
		r, err := s.accountResourceForMember(ctx, old)
		if err != nil {
			return nil, nil, err
		}
		return alreadyExists(r)
	}
	return nil, nil, status.Errorf(codes.AlreadyExists,
		"inviting %s to group %s: GitLab accepted it but made neither a pending invitation nor a new member: "+
			"the email belongs to a GitLab account that is already a member of %s at that access level",
		req.email, group.FullPath, group.FullPath)
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

// findGroupInvitation: GET /groups/:id/invitations?query=<email>; the invitation of
// exactly that email (case-insensitive), or nil.
// https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
// Decoded by apiInvitation (gitlab_json.go): client-go's PendingInvite cannot read
// GitLab's plain-date expires_at.
func (s *userSyncer) findGroupInvitation(ctx context.Context, group *gitlab.Group, email string) (*apiInvitation, error) {
	invs, err := gitlabapi.ListAll(ctx, "listing invitations of group "+group.FullPath,
		listGitLab[*apiInvitation](s.c.client.API, fmt.Sprintf("groups/%d/invitations", group.ID), map[string]string{"query": email}))
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

// Delete deprovisions an account. Self-managed with an admin token: --deprovision-action
// (block, the default; deactivate; delete). Otherwise: the user is removed from every
// group and project of the organisation; a pending account's invitations are cancelled.
// An account that no longer exists is reported with v2.ResourceDoesNotExist, not an error.
func (s *userSyncer) Delete(ctx context.Context, id *v2.ResourceId, _ *v2.ResourceId) (annotations.Annotations, error) {
	if id.GetResourceType() != userResourceTypeID {
		return nil, status.Errorf(codes.InvalidArgument, "deleting %s %q: only accounts (user) can be deleted here", id.GetResourceType(), id.GetResource())
	}
	if email, ok := pendingAccountEmailFromID(id.GetResource()); ok {
		return s.cancelInvitations(ctx, strings.ToLower(email))
	}
	userID, err := strconv.ParseInt(id.GetResource(), 10, 64)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "deleting account %q: not a GitLab user id nor invitation:<email>", id.GetResource())
	}
	direct, err := s.c.createsAccountsDirectly(ctx)
	if err != nil {
		return nil, err
	}
	if direct {
		return s.deprovisionInstanceUser(ctx, userID)
	}
	return s.removeFromOrganisation(ctx, userID)
}

// deprovisionInstanceUser applies --deprovision-action to an instance user.
func (s *userSyncer) deprovisionInstanceUser(ctx context.Context, userID int64) (annotations.Annotations, error) {
	action := s.c.settings.DeprovisionAction
	if action == "" {
		action = DeprovisionBlock
	}
	switch action {
	case DeprovisionBlock, DeprovisionDeactivate:
		err := s.c.changeUserState(ctx, userID, string(action))
		if status.Code(err) == codes.NotFound {
			return annotations.New(&v2.ResourceDoesNotExist{}), nil
		}
		return nil, err
	case DeprovisionDelete:
		return s.deleteInstanceUser(ctx, userID)
	}
	return nil, status.Errorf(codes.InvalidArgument, "--deprovision-action %q: use block, deactivate or delete", action)
}

// deleteInstanceUser: DELETE /users/:id, never hard_delete (which would also delete the
// groups the user solely owns and their contributions). GitLab deletes asynchronously.
// 409 when the user is the sole owner of a group.
// https://docs.gitlab.com/api/users/#delete-a-user
func (s *userSyncer) deleteInstanceUser(ctx context.Context, userID int64) (annotations.Annotations, error) {
	_, err := s.c.client.API.Users.DeleteUser(userID, gitlab.WithContext(ctx))
	switch {
	case err == nil:
		return nil, nil
	case gitlabapi.IsNotFound(err):
		return annotations.New(&v2.ResourceDoesNotExist{}), nil
	case gitlabapi.HTTPStatus(err) == http.StatusConflict:
		who := s.c.userLabel(ctx, userID)
		groups := s.soleOwnedGroups(ctx, userID)
		what := "the groups they are the sole Owner of"
		if len(groups) == 1 {
			what = "group " + groups[0]
		} else if len(groups) > 1 {
			what = "groups " + strings.Join(groups, ", ")
		}
		return nil, status.Errorf(codes.FailedPrecondition,
			"GitLab refuses to delete %s: %s (%s): transfer ownership of %s first, or use --deprovision-action block",
			who, "they are the sole Owner of a group", gitlabapi.GitLabMessage(err), what)
	}
	return nil, gitlabapi.MapError(err, "deleting GitLab user "+s.c.userLabel(ctx, userID))
}

// soleOwnedGroups names the groups the user is the only Owner of, for the 409 message:
// the user's direct Owner memberships (GET /users/:id/memberships?type=Namespace, admin)
// whose group has no other Owner (GET /groups/:id/members/all counts inherited owners of
// a subgroup too). Best effort: nil when GitLab does not tell.
func (s *userSyncer) soleOwnedGroups(ctx context.Context, userID int64) []string {
	type membership struct {
		SourceID    int64  `json:"source_id"`
		SourceName  string `json:"source_name"`
		SourceType  string `json:"source_type"`
		AccessLevel int    `json:"access_level"`
	}
	req, err := s.c.client.API.NewRequest(http.MethodGet, fmt.Sprintf("users/%d/memberships", userID),
		&struct {
			Type    string `url:"type"`
			PerPage int    `url:"per_page"`
		}{"Namespace", gitlabapi.PerPage}, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return nil
	}
	var ms []membership
	if _, err := s.c.client.API.Do(req, &ms); err != nil {
		return nil
	}
	var out []string
	for _, m := range ms {
		if m.SourceType != "Namespace" || m.AccessLevel != int(gitlab.OwnerPermissions) {
			continue
		}
		all, _, err := s.c.client.API.Groups.ListAllGroupMembers(m.SourceID,
			&gitlab.ListGroupMembersOptions{ListOptions: gitlab.ListOptions{PerPage: gitlabapi.PerPage}}, gitlab.WithContext(ctx))
		if err != nil {
			continue
		}
		others := false
		for _, om := range all {
			if om.ID != userID && om.AccessLevel == gitlab.OwnerPermissions {
				others = true
			}
		}
		if !others {
			name := m.SourceName
			if g, _, err := s.c.client.API.Groups.GetGroup(m.SourceID, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}, gitlab.WithContext(ctx)); err == nil {
				name = g.FullPath
			}
			out = append(out, name)
		}
	}
	return out
}

// removeFromOrganisation removes a user from every group and project of the
// organisation, where GitLab has no admin API (GitLab.com, or a non-admin token).
//
// The organisation's groups and projects are read fresh (not from a sync's cache: the
// sync may be hours old). For each top-level group: DELETE /groups/:id/members/:user_id
// removes a direct member and, with them, their direct memberships in its subgroups and
// projects. GitLab answers 404 when the user is not a direct member there — a user who is
// only a member of a subgroup or a project keeps those. So where the removal found
// nothing, the subgroups (parents first) and then the projects are checked one by one with
// GET .../members/:user_id (direct membership only: one cheap read per group or project,
// instead of listing every member) and the user is removed where found; a subtree already
// cleaned by removing the user from its group is skipped.
// On GitLab.com reads are 2,000/min, member removals 60/min: removals are few.
// https://docs.gitlab.com/api/members/#remove-a-member-from-a-group-or-project
func (s *userSyncer) removeFromOrganisation(ctx context.Context, userID int64) (annotations.Annotations, error) {
	o := newOrganisationState(s.c, time.Now())
	tree, err := o.groupTree(ctx)
	if err != nil {
		return nil, err
	}
	projects, err := o.projectSet(ctx)
	if err != nil {
		return nil, err
	}
	who := s.c.userLabel(ctx, userID)
	removed := 0
	var visit func(groupID int64) error
	visit = func(groupID int64) error {
		g := tree.groups[groupID]
		member := true
		if g.ParentID != 0 && tree.groups[g.ParentID] != nil {
			// A subgroup: check before removing (a blind DELETE costs a removal request).
			if _, _, err := s.c.client.API.GroupMembers.GetGroupMember(groupID, userID, gitlab.WithContext(ctx)); err != nil {
				if !gitlabapi.IsNotFound(err) {
					return gitlabapi.MapError(err, fmt.Sprintf("checking %s's membership of group %s", who, g.FullPath))
				}
				member = false
			}
		}
		if member {
			ok, err := s.removeGroupMember(ctx, g, userID, who)
			if err != nil {
				return err
			}
			if ok {
				removed++
				return nil // GitLab removed the user's direct memberships below too
			}
		}
		for _, child := range tree.children[groupID] {
			if err := visit(child); err != nil {
				return err
			}
		}
		for _, pid := range projects.byGroup[groupID] {
			if err := s.removeProjectMember(ctx, projects.byID[pid], userID, who, &removed); err != nil {
				return err
			}
		}
		return nil
	}
	for _, root := range tree.roots {
		if err := visit(root); err != nil {
			return nil, err
		}
	}
	for _, pid := range projects.personal {
		if err := s.removeProjectMember(ctx, projects.byID[pid], userID, who, &removed); err != nil {
			return nil, err
		}
	}
	ctxzap.Extract(ctx).Info("removed GitLab user from the organisation",
		zap.Int64("user_id", userID), zap.Int("memberships_removed", removed))
	if removed == 0 {
		return annotations.New(&v2.ResourceDoesNotExist{}), nil
	}
	return nil, nil
}

// removeProjectMember removes a direct project member, after checking it is one.
func (s *userSyncer) removeProjectMember(ctx context.Context, p *orgProject, userID int64, who string, removed *int) error {
	if _, _, err := s.c.client.API.ProjectMembers.GetProjectMember(p.ID, userID, gitlab.WithContext(ctx)); err != nil {
		if gitlabapi.IsNotFound(err) {
			return nil
		}
		return gitlabapi.MapError(err, fmt.Sprintf("checking %s's membership of project %s", who, p.PathWithNamespace))
	}
	_, err := s.c.client.API.ProjectMembers.DeleteProjectMember(p.ID, userID, gitlab.WithContext(ctx))
	switch {
	case err == nil:
		*removed++
		return nil
	case gitlabapi.IsNotFound(err):
		return nil
	}
	return s.memberRemovalError(err, who, "project "+p.PathWithNamespace)
}

// removeGroupMember: DELETE /groups/:id/members/:user_id. false when the user is not a
// direct member there (404).
func (s *userSyncer) removeGroupMember(ctx context.Context, g *orgGroup, userID int64, who string) (bool, error) {
	_, err := s.c.client.API.GroupMembers.RemoveGroupMember(g.ID, userID, nil, gitlab.WithContext(ctx))
	switch {
	case err == nil:
		return true, nil
	case gitlabapi.IsNotFound(err):
		return false, nil
	}
	return false, s.memberRemovalError(err, who, "group "+g.FullPath)
}

// memberRemovalError: 403 is GitLab protecting the last Owner of a top-level group.
func (s *userSyncer) memberRemovalError(err error, who, where string) error {
	if gitlabapi.HTTPStatus(err) == http.StatusForbidden {
		return status.Errorf(codes.FailedPrecondition,
			"GitLab refuses to remove %s from %s (%s): they are probably its last Owner: make someone else an Owner first",
			who, where, gitlabapi.GitLabMessage(err))
	}
	return gitlabapi.MapError(err, fmt.Sprintf("removing %s from %s", who, where))
}

// cancelInvitations cancels every pending invitation of email in the organisation's
// groups and projects: DELETE /groups/:id/invitations/:email and
// /projects/:id/invitations/:email, 404 meaning "not invited there". One request per
// group and project of a fresh read of the organisation: GitLab lists invitations per
// group or project only, so a search would cost as much.
// https://docs.gitlab.com/api/invitations/#delete-an-invitation-to-a-group-or-project
func (s *userSyncer) cancelInvitations(ctx context.Context, email string) (annotations.Annotations, error) {
	o := newOrganisationState(s.c, time.Now())
	tree, err := o.groupTree(ctx)
	if err != nil {
		return nil, err
	}
	projects, err := o.projectSet(ctx)
	if err != nil {
		return nil, err
	}
	cancelled := 0
	del := func(kind string, id int64, path string) error {
		req, err := s.c.client.API.NewRequest(http.MethodDelete,
			fmt.Sprintf("%s/%d/invitations/%s", kind, id, url.PathEscape(email)), nil, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
		if err != nil {
			return status.Errorf(codes.Internal, "building the request: %v", err)
		}
		_, err = s.c.client.API.Do(req, nil)
		switch {
		case err == nil:
			cancelled++
			return nil
		case gitlabapi.IsNotFound(err):
			return nil
		}
		return gitlabapi.MapError(err, fmt.Sprintf("cancelling the invitation of %s to %s", email, path))
	}
	for _, id := range sortedKeys(tree.groups) {
		if err := del("groups", id, tree.groups[id].FullPath); err != nil {
			return nil, err
		}
	}
	for _, id := range sortedKeys(projects.byID) {
		if err := del("projects", id, projects.byID[id].PathWithNamespace); err != nil {
			return nil, err
		}
	}
	ctxzap.Extract(ctx).Info("cancelled GitLab invitations", zap.String("email", email), zap.Int("invitations_cancelled", cancelled))
	if cancelled == 0 {
		return annotations.New(&v2.ResourceDoesNotExist{}), nil
	}
	return nil, nil
}

// userLabel names a user in messages: "bob (id 102)", or "user 102" when GitLab does not say.
func (c *Connector) userLabel(ctx context.Context, userID int64) string {
	u, _, err := c.client.API.Users.GetUser(userID, gitlab.GetUsersOptions{}, gitlab.WithContext(ctx))
	if err != nil || u == nil || u.Username == "" {
		return fmt.Sprintf("user %d", userID)
	}
	return fmt.Sprintf("%s (id %d)", u.Username, userID)
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
