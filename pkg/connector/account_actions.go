package connector

// Actions on accounts (self-managed GitLab with an administrator's token): block,
// unblock, deactivate, activate. They are resource actions of the `user` type
// (connectorbuilder.ResourceActionProvider): listed by --list-action-schemas and run by
// --invoke-action NAME --invoke-action-resource-type user
// --invoke-action-args '{"resource_id":{"resource_type_id":"user","resource_id":"102"}}'.
// GitLab's refusals come back as FailedPrecondition errors that say what to do.
// https://docs.gitlab.com/api/users/#block-access-to-a-user (and the sections after it)

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	config "github.com/conductorone/baton-sdk/pb/c1/config/v1"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/actions"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// accountActionArg is the argument every account action takes: the account's resource id.
const accountActionArg = "resource_id"

// accountAction is one of GitLab's admin state changes of a user.
type accountAction struct {
	name        string // action name and GitLab's endpoint: POST /users/:id/<name>
	displayName string
	description string
	actionType  v2.ActionType
}

var accountActions = []accountAction{
	{"block", "Block account",
		"Block the GitLab user: they can no longer sign in or use Git or the API; memberships are kept. (POST /users/:id/block)",
		v2.ActionType_ACTION_TYPE_ACCOUNT_DISABLE},
	{"unblock", "Unblock account",
		"Unblock a blocked GitLab user. GitLab refuses LDAP-blocked users (change them in the directory) and deactivated users (use activate). (POST /users/:id/unblock)",
		v2.ActionType_ACTION_TYPE_ACCOUNT_ENABLE},
	{"deactivate", "Deactivate account",
		"Deactivate a dormant GitLab user: no seat used; they are reactivated by signing in again. GitLab refuses users active in the past 90 days and blocked users. (POST /users/:id/deactivate)",
		v2.ActionType_ACTION_TYPE_DYNAMIC},
	{"activate", "Activate account",
		"Activate a deactivated GitLab user. GitLab refuses blocked users (use unblock). (POST /users/:id/activate)",
		v2.ActionType_ACTION_TYPE_DYNAMIC},
}

// accountActionsAvailable: the actions need GitLab's admin API, which GitLab.com does not
// offer. They are registered on self-managed GitLab (where a non-admin token gets a clear
// refusal when invoking one: registration happens before the token is checked), and by the
// connector built without a token to describe its capabilities (NewForCapabilities), whose
// output lists everything the connector can do on some deployment.
func (c *Connector) accountActionsAvailable() bool {
	return c.client == nil || c.settings.Deployment != gitlabapi.GitLabCom
}

// ResourceActions registers the account actions (connectorbuilder.ResourceActionProvider).
func (s *userSyncer) ResourceActions(ctx context.Context, registry actions.ActionRegistry) error {
	if !s.c.accountActionsAvailable() {
		return nil
	}
	for _, a := range accountActions {
		if err := registry.Register(ctx, a.schema(), s.accountActionHandler(a.name)); err != nil {
			return fmt.Errorf("registering account action %s: %w", a.name, err)
		}
	}
	return nil
}

func (a accountAction) schema() *v2.BatonActionSchema {
	return v2.BatonActionSchema_builder{
		Name:        a.name,
		DisplayName: a.displayName,
		Description: a.description,
		ActionType:  []v2.ActionType{a.actionType},
		Arguments: []*config.Field{config.Field_builder{
			Name:        accountActionArg,
			DisplayName: "Account",
			Description: "The GitLab account (user resource id: the user's numeric id)",
			IsRequired:  true,
			ResourceIdField: config.ResourceIdField_builder{
				Rules: config.ResourceIDRules_builder{AllowedResourceTypeIds: []string{userResourceTypeID}}.Build(),
			}.Build(),
		}.Build()},
		ReturnTypes: []*config.Field{
			config.Field_builder{Name: "success", DisplayName: "Success", BoolField: &config.BoolField{}}.Build(),
			config.Field_builder{Name: "state", DisplayName: "Account state", Description: "The user's state in GitLab afterwards", StringField: &config.StringField{}}.Build(),
		},
	}.Build()
}

func (s *userSyncer) accountActionHandler(action string) actions.ActionHandler {
	return func(ctx context.Context, args *structpb.Struct) (*structpb.Struct, annotations.Annotations, error) {
		userID, err := accountActionUserID(args)
		if err != nil {
			return nil, nil, err
		}
		if err := s.c.changeUserState(ctx, userID, action); err != nil {
			return nil, nil, err
		}
		state := ""
		if u, _, err := s.c.client.API.Users.GetUser(userID, gitlab.GetUsersOptions{}, gitlab.WithContext(ctx)); err == nil {
			state = u.State
		}
		return actions.NewReturnValues(true, actions.NewStringReturnField("state", state)), nil, nil
	}
}

// accountActionUserID reads the resource_id argument: a ResourceId struct
// {"resource_type_id":"user","resource_id":"102"}, or for convenience a plain "102".
func accountActionUserID(args *structpb.Struct) (int64, error) {
	var raw string
	if rid, ok := actions.GetResourceIDArg(args, accountActionArg); ok {
		if rid.GetResourceType() != "" && rid.GetResourceType() != userResourceTypeID {
			return 0, status.Errorf(codes.InvalidArgument, "%s: expected a user, got a %s", accountActionArg, rid.GetResourceType())
		}
		raw = rid.GetResource()
	} else if sv, ok := actions.GetStringArg(args, accountActionArg); ok {
		raw = sv
	} else {
		return 0, status.Errorf(codes.InvalidArgument,
			`missing %s: pass --invoke-action-args '{"%s":{"resource_type_id":"user","resource_id":"<GitLab user id>"}}'`, accountActionArg, accountActionArg)
	}
	if _, ok := pendingAccountEmailFromID(raw); ok {
		return 0, status.Errorf(codes.InvalidArgument,
			"%s is a pending invitation, not a GitLab account: there is nothing to block or activate; delete it to cancel the invitation", raw)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || id <= 0 {
		return 0, status.Errorf(codes.InvalidArgument, "%s %q is not a GitLab user id", accountActionArg, raw)
	}
	return id, nil
}

// changeUserState applies a state change (block, unblock, deactivate, activate) with
// gitlabapi's ChangeUserState and turns GitLab's refusals into FailedPrecondition errors
// that say what to do. GitLab's own message is kept; the user's state (read after a
// refusal) explains it.
func (c *Connector) changeUserState(ctx context.Context, userID int64, action string) error {
	direct, err := c.createsAccountsDirectly(ctx)
	if err != nil {
		return err
	}
	if !direct {
		return status.Errorf(codes.FailedPrecondition,
			"%s needs GitLab's admin API: self-managed GitLab and an administrator's access token", action)
	}
	err = c.client.ChangeUserState(ctx, userID, gitlabapi.UserStateAction(action))
	if err == nil || !gitlabapi.IsForbidden(err) {
		return err
	}
	msg := gitlabapi.GitLabMessage(err)
	u, _, uerr := c.client.API.Users.GetUser(userID, gitlab.GetUsersOptions{}, gitlab.WithContext(ctx))
	if uerr != nil || u == nil {
		// A 403 without a readable user: the token is not allowed to do this.
		return err
	}
	return userStateRefusal(u, action, msg)
}

// userStateRefusal explains GitLab's 403 for a state change of u.
func userStateRefusal(u *gitlab.User, action, gitlabMsg string) error {
	who := fmt.Sprintf("%s (id %d)", u.Username, u.ID)
	lower := strings.ToLower(gitlabMsg)
	var why string
	switch {
	case u.State == "ldap_blocked":
		why = "user is blocked by LDAP: change it in your directory (GitLab follows LDAP and refuses API changes)"
	case action == "block" && strings.Contains(lower, "initiating user"):
		why = "this is the access token's own user: GitLab does not let a token block its own user"
	case action == "unblock" && u.State == "deactivated":
		why = "the user is deactivated, not blocked: use the activate action"
	case action == "deactivate" && strings.Contains(lower, "90 days"):
		why = "the user was active in the past 90 days and GitLab only deactivates dormant users: block the user instead (the block action, or --deprovision-action block)"
	case action == "deactivate" && isBlockedUserState(u.State):
		why = fmt.Sprintf("the user is %s and GitLab cannot deactivate a blocked user: it already cannot sign in (unblock it first to deactivate it)", u.State)
	case action == "activate" && isBlockedUserState(u.State):
		why = fmt.Sprintf("the user is %s, not deactivated: use the unblock action", u.State)
	default:
		why = fmt.Sprintf("the user's state is %s", u.State)
	}
	return status.Errorf(codes.FailedPrecondition, "GitLab refuses to %s %s: %s (GitLab: %s)", action, who, why, gitlabMsg)
}

// isBlockedUserState is GitLab's User#blocked?: blocked, ldap_blocked,
// blocked_pending_approval and banned.
func isBlockedUserState(state string) bool {
	switch state {
	case "blocked", "ldap_blocked", "blocked_pending_approval", "banned":
		return true
	}
	return false
}
