package gitlabapi

import (
	"context"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Members of groups and projects (Entities::Member).
// https://docs.gitlab.com/api/members/
//
// client-go's GroupMember and ProjectMember drop membership_state: an "awaiting" member
// waits for a seat (a top-level group's user cap, GitLab.com's free-tier user limit) and
// has no access until an Owner approves it.
// https://docs.gitlab.com/user/group/manage/#user-cap-for-groups

// Membership states (membership_state; absent on GitLab versions before it existed,
// which means active).
const (
	MembershipActive   = "active"
	MembershipAwaiting = "awaiting"
)

// Member is one membership of a group or project: the user's basic fields and the
// membership's.
type Member struct {
	ID              int64                   `json:"id"` // the USER's id
	Username        string                  `json:"username"`
	Name            string                  `json:"name"`
	State           string                  `json:"state"` // the user's state
	WebURL          string                  `json:"web_url"`
	Email           string                  `json:"email"` // only for administrators, and Owners of an enterprise user's group
	AccessLevel     gitlab.AccessLevelValue `json:"access_level"`
	ExpiresAt       Date                    `json:"expires_at"`
	CreatedAt       Time                    `json:"created_at"`
	MembershipState string                  `json:"membership_state"` // MembershipActive or MembershipAwaiting
	MemberRole      *MemberRole             `json:"member_role"`      // nil without a custom role
	// GroupSAMLIdentity is the user's identity with the top-level group's SAML provider:
	// GitLab shows it on group member rows to the group's Owners when the group has SAML
	// SSO (EE Member entity, `if: read_group_saml_identity`; EE GroupPolicy
	// `owner & group_saml_enabled`), never on project member rows. nil otherwise.
	// https://docs.gitlab.com/api/members/#known-issues
	GroupSAMLIdentity *Identity `json:"group_saml_identity"`
}

// Identity is an account's identity with an external identity provider: provider
// ("group_saml", "ldapmain", "saml", "openid_connect"...), its user id there
// (extern_uid: a SAML NameID, an LDAP DN, an OIDC subject) and, for group SAML, the
// group's SAML provider.
type Identity struct {
	Provider       string `json:"provider"`
	ExternUID      string `json:"extern_uid"`
	SAMLProviderID int64  `json:"saml_provider_id,omitempty"`
}

// MemberRole is a custom role (a member's member_role, or an entry of the custom role
// listings). Its abilities are its base access level's plus its own.
type MemberRole struct {
	ID              int64                   `json:"id"`
	Name            string                  `json:"name"`
	BaseAccessLevel gitlab.AccessLevelValue `json:"base_access_level"`
}

// Awaiting reports a membership waiting for a seat: it gives no access.
func (m *Member) Awaiting() bool { return m != nil && m.MembershipState == MembershipAwaiting }

// MemberRoleID is the membership's custom role id, 0 without one.
func (m *Member) MemberRoleID() int64 {
	if m == nil || m.MemberRole == nil {
		return 0
	}
	return m.MemberRole.ID
}

// ListDirectMembers is every direct member of a group or project (GET
// :kind/:id/members, 100 per page): no inherited or shared members.
// https://docs.gitlab.com/api/members/#list-all-members-of-a-group-or-project
func (c *Client) ListDirectMembers(ctx context.Context, kind SourceKind, id int64) ([]*Member, error) {
	if err := kind.check(); err != nil {
		return nil, err
	}
	return ListAll(ctx, fmt.Sprintf("listing the members of %s %d", kind.Singular(), id),
		offsetFetch[*Member](c, kind.path(id, "members"), nil))
}

// ListAllMembers is every member of a group or project, direct, inherited from ancestor
// groups and through groups it is shared with (GET :kind/:id/members/all): one row per
// user, with the highest access level.
// https://docs.gitlab.com/api/members/#list-all-members-of-a-group-or-project-including-inherited-and-invited-members
func (c *Client) ListAllMembers(ctx context.Context, kind SourceKind, id int64) ([]*Member, error) {
	if err := kind.check(); err != nil {
		return nil, err
	}
	return ListAll(ctx, fmt.Sprintf("listing all the members of %s %d", kind.Singular(), id),
		offsetFetch[*Member](c, kind.path(id, "members/all"), nil))
}

// GetDirectMember is the user's direct membership of a group or project (GET
// :kind/:id/members/:user_id); nil, nil when there is none (404, which GitLab also
// answers for a group or project that is gone or hidden from the token's user).
// https://docs.gitlab.com/api/members/#get-a-member-of-a-group-or-project
func (c *Client) GetDirectMember(ctx context.Context, kind SourceKind, id, userID int64) (*Member, error) {
	if err := kind.check(); err != nil {
		return nil, err
	}
	var m Member
	_, err := c.do(ctx, http.MethodGet, kind.path(id, fmt.Sprintf("members/%d", userID)), nil, &m)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, MapError(err, fmt.Sprintf("reading user %d's membership of %s %d", userID, kind.Singular(), id))
	}
	return &m, nil
}

// AddMemberOptions are the fields of a new membership.
type AddMemberOptions struct {
	UserID      int64
	AccessLevel gitlab.AccessLevelValue // a custom role's base access level with MemberRoleID
	// MemberRoleID is a custom role; 0 for none.
	MemberRoleID int64
	// ExpiresAt is the membership's expiry date; "" for none.
	ExpiresAt Date
}

type addMemberBody struct {
	UserID       int64                   `json:"user_id"`
	AccessLevel  gitlab.AccessLevelValue `json:"access_level"`
	MemberRoleID int64                   `json:"member_role_id,omitempty"`
	ExpiresAt    Date                    `json:"expires_at,omitempty"`
}

// AddMember makes a user a direct member (POST :kind/:id/members); GitLab answers 409
// when they already are one.
// https://docs.gitlab.com/api/members/#add-a-member-to-a-group-or-project
func (c *Client) AddMember(ctx context.Context, kind SourceKind, id int64, opt AddMemberOptions) (*Member, error) {
	if err := kind.check(); err != nil {
		return nil, err
	}
	body := addMemberBody(opt)
	var m Member
	if _, err := c.do(ctx, http.MethodPost, kind.path(id, "members"), &body, &m); err != nil {
		return nil, MapError(err, fmt.Sprintf("adding user %d to %s %d", opt.UserID, kind.Singular(), id))
	}
	return &m, nil
}

// EditMemberOptions change a direct membership in place.
type EditMemberOptions struct {
	AccessLevel gitlab.AccessLevelValue
	// ExpiresAt is sent when set. Not sent, GitLab keeps the membership's expiry.
	ExpiresAt Date
	// MemberRoleID sets a custom role when not 0.
	MemberRoleID int64
	// RemoveMemberRole sends member_role_id null: back to a plain access level.
	RemoveMemberRole bool
}

// EditMember changes a direct membership (PUT :kind/:id/members/:user_id).
// https://docs.gitlab.com/api/members/#edit-a-member-of-a-group-or-project
func (c *Client) EditMember(ctx context.Context, kind SourceKind, id, userID int64, opt EditMemberOptions) (*Member, error) {
	if err := kind.check(); err != nil {
		return nil, err
	}
	body := map[string]any{"access_level": opt.AccessLevel}
	if opt.ExpiresAt != "" {
		body["expires_at"] = opt.ExpiresAt
	}
	switch {
	case opt.MemberRoleID != 0:
		body["member_role_id"] = opt.MemberRoleID
	case opt.RemoveMemberRole:
		body["member_role_id"] = nil
	}
	var m Member
	if _, err := c.do(ctx, http.MethodPut, kind.path(id, fmt.Sprintf("members/%d", userID)), body, &m); err != nil {
		return nil, MapError(err, fmt.Sprintf("changing user %d's membership of %s %d", userID, kind.Singular(), id))
	}
	return &m, nil
}

// DeleteMemberOptions tune DeleteMember.
type DeleteMemberOptions struct {
	// SkipSubresources (groups only): remove the membership of the group only. Without it
	// GitLab also removes the user's direct memberships of the group's subgroups and
	// projects.
	SkipSubresources bool
}

type deleteMemberQuery struct {
	SkipSubresources *bool `url:"skip_subresources,omitempty"`
}

// DeleteMember removes a direct membership (DELETE :kind/:id/members/:user_id); 404
// when the user is not a direct member.
// https://docs.gitlab.com/api/members/#remove-a-member-from-a-group-or-project
func (c *Client) DeleteMember(ctx context.Context, kind SourceKind, id, userID int64, opt DeleteMemberOptions) error {
	if err := kind.check(); err != nil {
		return err
	}
	var q any
	if kind == Groups && opt.SkipSubresources {
		q = &deleteMemberQuery{SkipSubresources: gitlab.Ptr(true)}
	}
	if _, err := c.do(ctx, http.MethodDelete, kind.path(id, fmt.Sprintf("members/%d", userID)), q, nil); err != nil {
		return MapError(err, fmt.Sprintf("removing user %d from %s %d", userID, kind.Singular(), id))
	}
	return nil
}

// PendingMember is a row of a top-level group's pending members: a member awaiting a
// seat (Approved false) or an email invitation (Invited), anywhere in its hierarchy, one
// row per user or invited email.
type PendingMember struct {
	ID       int64  `json:"id"`       // the membership's id (or the invitation's): not the user's
	Username string `json:"username"` // the user's (absent on an invitation's row)
	Approved bool   `json:"approved"`
	Invited  bool   `json:"invited"`
}

// ListPendingMembers is GET groups/:id/pending_members (a top-level group's Owners;
// EE): the members awaiting a seat and the invitations in the group's hierarchy.
// https://docs.gitlab.com/api/members/#list-pending-members-of-a-group-and-its-subgroups-and-projects
func (c *Client) ListPendingMembers(ctx context.Context, groupID int64) ([]*PendingMember, error) {
	return ListAll(ctx, fmt.Sprintf("listing the pending members of group %d", groupID),
		offsetFetch[*PendingMember](c, Groups.path(groupID, "pending_members"), nil))
}
