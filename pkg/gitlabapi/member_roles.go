package gitlabapi

import (
	"context"
	"fmt"
	"net/http"
)

// Custom roles (member roles). Where they live depends on the deployment:
//   - GitLab.com: on the top-level group, GET groups/:id/member_roles (its Owners may
//     list them);
//   - self-managed: instance-wide (group-level ones are deprecated since GitLab 17.x),
//     GET member_roles (administrators may list them).
//
// Neither listing is paginated. https://docs.gitlab.com/api/member_roles/

// ListGroupMemberRoles is the custom roles of a top-level group (GitLab.com).
func (c *Client) ListGroupMemberRoles(ctx context.Context, groupID int64) ([]*MemberRole, error) {
	var roles []*MemberRole
	if _, err := c.do(ctx, http.MethodGet, Groups.path(groupID, "member_roles"), nil, &roles); err != nil {
		return nil, MapError(err, fmt.Sprintf("listing the custom roles of group %d", groupID))
	}
	return roles, nil
}

// ListInstanceMemberRoles is the instance's custom roles (self-managed).
func (c *Client) ListInstanceMemberRoles(ctx context.Context) ([]*MemberRole, error) {
	var roles []*MemberRole
	if _, err := c.do(ctx, http.MethodGet, "member_roles", nil, &roles); err != nil {
		return nil, MapError(err, "listing the instance's custom roles")
	}
	return roles, nil
}
