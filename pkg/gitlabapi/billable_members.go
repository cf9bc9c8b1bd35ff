package gitlabapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Billable members of a top-level group (GitLab.com Premium/Ultimate, licensed
// self-managed instances). The token's user must be an Owner of the group; GitLab
// answers 400 for a subgroup or a token without the right, and 404 where the feature
// does not exist (CE). client-go's BillableUserMembership reads the plain-date
// expires_at as a time.Time and fails.
// https://docs.gitlab.com/api/members/#list-all-billable-members-of-a-group

// BillableMember is a user who takes a seat in a top-level group's hierarchy.
type BillableMember struct {
	ID             int64  `json:"id"`
	Username       string `json:"username"`
	Name           string `json:"name"`
	State          string `json:"state"`
	WebURL         string `json:"web_url"`
	Email          string `json:"email"` // the public email, or the enterprise user's
	LastActivityOn Date   `json:"last_activity_on"`
	LastLoginAt    Time   `json:"last_login_at"`
	CreatedAt      Time   `json:"created_at"`
	// MembershipType is how the user is billable: group_member, project_member,
	// group_invite or project_invite.
	MembershipType string `json:"membership_type"`
	Removable      bool   `json:"removable"`
	IsLastOwner    bool   `json:"is_last_owner"`
}

// BillableMembership is one direct membership of a billable member in the hierarchy.
type BillableMembership struct {
	ID               int64                     `json:"id"`
	SourceID         int64                     `json:"source_id"`
	SourceFullName   string                    `json:"source_full_name"`
	SourceMembersURL string                    `json:"source_members_url"`
	CreatedAt        Time                      `json:"created_at"`
	ExpiresAt        Date                      `json:"expires_at"`
	AccessLevel      gitlab.AccessLevelDetails `json:"access_level"`
}

// ListBillableMembers is every billable member of a top-level group (GET
// groups/:id/billable_members, 100 per page).
func (c *Client) ListBillableMembers(ctx context.Context, groupID int64) ([]*BillableMember, error) {
	return ListAll(ctx, fmt.Sprintf("listing the billable members of group %d", groupID),
		offsetFetch[*BillableMember](c, Groups.path(groupID, "billable_members"), nil))
}

// ListBillableMemberMemberships is a billable member's direct memberships of the group,
// its subgroups and projects (GET groups/:id/billable_members/:user_id/memberships).
// https://docs.gitlab.com/api/members/#list-memberships-for-a-billable-member-of-a-group
func (c *Client) ListBillableMemberMemberships(ctx context.Context, groupID, userID int64) ([]*BillableMembership, error) {
	return ListAll(ctx, fmt.Sprintf("listing user %d's memberships in group %d (billable members)", userID, groupID),
		offsetFetch[*BillableMembership](c, Groups.path(groupID, fmt.Sprintf("billable_members/%d/memberships", userID)), nil))
}

// DeleteBillableMember removes the user's direct memberships of a top-level group, its
// subgroups and its projects in one call (DELETE groups/:id/billable_members/:user_id).
// removed is false, with no error, when GitLab says the user has no membership there
// (400 "No member found for the given user_id").
// https://docs.gitlab.com/api/members/#remove-a-billable-member-from-a-group
func (c *Client) DeleteBillableMember(ctx context.Context, groupID, userID int64) (removed bool, err error) {
	_, err = c.do(ctx, http.MethodDelete, Groups.path(groupID, fmt.Sprintf("billable_members/%d", userID)), nil, nil)
	switch {
	case err == nil:
		return true, nil
	case IsBadRequest(err) && strings.Contains(GitLabMessage(err), "No member found"):
		return false, nil
	}
	return false, MapError(err, fmt.Sprintf("removing user %d from group %d (billable members)", userID, groupID))
}
