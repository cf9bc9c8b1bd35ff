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
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
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
