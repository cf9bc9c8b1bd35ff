package gitlabapi

import (
	"context"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
)

// UserStateAction is one of GitLab's admin state changes of a user: POST
// users/:id/<action>. https://docs.gitlab.com/api/users/#block-access-to-a-user (and
// the sections after it)
type UserStateAction string

const (
	BlockUser      UserStateAction = "block"
	UnblockUser    UserStateAction = "unblock"
	DeactivateUser UserStateAction = "deactivate"
	ActivateUser   UserStateAction = "activate"
	BanUser        UserStateAction = "ban"
	UnbanUser      UserStateAction = "unban"
)

func (a UserStateAction) valid() bool {
	switch a {
	case BlockUser, UnblockUser, DeactivateUser, ActivateUser, BanUser, UnbanUser:
		return true
	}
	return false
}

// ChangeUserState applies action to a user (administrators only). GitLab refuses with
// 403 and a message saying why (a user blocked by LDAP, a deactivation of a user active
// in the past 90 days, the token's own user...): GitLabMessage(err) keeps it. The
// request is made directly, not with client-go's BlockUser & co., which replace
// GitLab's message with their own guess.
func (c *Client) ChangeUserState(ctx context.Context, userID int64, action UserStateAction) error {
	if !action.valid() {
		return newError(codes.InvalidArgument, nil, "gitlabapi: %q is not a user state action", string(action))
	}
	if _, err := c.do(ctx, http.MethodPost, fmt.Sprintf("users/%d/%s", userID, action), nil, nil); err != nil {
		return MapError(err, fmt.Sprintf("%s GitLab user %d", action, userID))
	}
	return nil
}

// Membership types of ListUserMemberships (GitLab's source_type).
const (
	GroupMemberships   = "Namespace"
	ProjectMemberships = "Project"
)

// ListUserMemberships is the user's DIRECT memberships (GET users/:id/memberships,
// administrators only): of groups (typ GroupMemberships), of projects
// (ProjectMemberships), or both ("").
// https://docs.gitlab.com/api/users/#list-projects-and-groups-that-a-user-is-a-member-of
func (c *Client) ListUserMemberships(ctx context.Context, userID int64, typ string) ([]*gitlab.UserMembership, error) {
	opt := &gitlab.GetUserMembershipOptions{}
	if typ != "" {
		opt.Type = gitlab.Ptr(typ)
	}
	return ListAll(ctx, fmt.Sprintf("listing user %d's memberships", userID),
		func(lo gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]*gitlab.UserMembership, *gitlab.Response, error) {
			o := *opt
			o.ListOptions = lo
			return c.API.Users.GetUserMemberships(userID, &o, append(reqOpts, noCache())...)
		})
}
