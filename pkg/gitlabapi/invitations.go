package gitlabapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Invitations of emails to groups and projects (Entities::Invitation).
// https://docs.gitlab.com/api/invitations/
//
// An invitation is a row of the members table, whose expires_at is a DATE column:
// GitLab sends "2020-11-22", which client-go's PendingInvite (a time.Time) cannot
// decode. The entity has no id in current GitLab.

// Invitation is one pending invitation.
type Invitation struct {
	InviteEmail string                  `json:"invite_email"` // as GitLab stored it (case kept)
	AccessLevel gitlab.AccessLevelValue `json:"access_level"`
	CreatedAt   Time                    `json:"created_at"`
	ExpiresAt   Date                    `json:"expires_at"` // of the membership, once accepted
	// MemberRoleID is the invitation's custom role when GitLab says (0: none, or not
	// exposed: GitLab's invitation entity does not always carry it).
	MemberRoleID  int64  `json:"member_role_id"`
	CreatedByName string `json:"created_by_name"`
}

// ListInvitations is every pending invitation of a group or project (GET
// :kind/:id/invitations, 100 per page). Filtering with ?query= is not offered: GitLab
// matches it with SQL equality, case-sensitively, and an invitation may be stored as
// Jane.Doe@Example.com; compare the emails case-insensitively instead.
// https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
func (c *Client) ListInvitations(ctx context.Context, kind SourceKind, id int64) ([]*Invitation, error) {
	if err := kind.check(); err != nil {
		return nil, err
	}
	return ListAll(ctx, fmt.Sprintf("listing the pending invitations of %s %d", kind.Singular(), id),
		offsetFetch[*Invitation](c, kind.path(id, "invitations"), nil))
}

// InvitationOptions are the fields of an invitation.
type InvitationOptions struct {
	Email       string
	AccessLevel gitlab.AccessLevelValue
	// ExpiresAt is the membership's expiry date once accepted; "" for none.
	ExpiresAt Date
	// MemberRoleID is a custom role; 0 for none.
	MemberRoleID int64
}

type invitationBody struct {
	Email        string                  `json:"email"`
	AccessLevel  gitlab.AccessLevelValue `json:"access_level"`
	ExpiresAt    Date                    `json:"expires_at,omitempty"`
	MemberRoleID int64                   `json:"member_role_id,omitempty"`
}

// InvitationResult is GitLab's answer to an invitation: HTTP 201 whatever happened;
// Status says what did ("success" or "error"), Message why, per email:
// {"<email>": "<reason>"}, or a plain string.
type InvitationResult struct {
	Status  string          `json:"status"`
	Message json.RawMessage `json:"message"`
}

// Succeeded reports {"status":"success"}.
func (r *InvitationResult) Succeeded() bool { return r != nil && r.Status == "success" }

// Reasons are the refusal reasons by email (or username), when GitLab sent them so.
func (r *InvitationResult) Reasons() map[string]string {
	if r == nil || len(r.Message) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(r.Message, &m) != nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		} else {
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// Text is GitLab's message in one line: "<email>: <reason>; ..." (sorted), or the plain
// string.
func (r *InvitationResult) Text() string {
	if r == nil || len(r.Message) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(r.Message, &s) == nil {
		return s
	}
	reasons := r.Reasons()
	if reasons == nil {
		return string(r.Message)
	}
	parts := make([]string, 0, len(reasons))
	for k, v := range reasons {
		parts = append(parts, k+": "+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// CreateGroupInvitation invites an email to a group (POST groups/:id/invitations). An
// email that belongs to a GitLab user makes that user a member at once; an email already
// invited, or a member's, is UPDATED with these fields (GitLab 17+). The error is for
// failed requests only: a refusal comes back as a result that did not succeed.
// https://docs.gitlab.com/api/invitations/#add-a-member-to-a-group-or-project
func (c *Client) CreateGroupInvitation(ctx context.Context, groupID int64, opt InvitationOptions) (*InvitationResult, error) {
	body := invitationBody(opt)
	var res InvitationResult
	if _, err := c.do(ctx, http.MethodPost, Groups.path(groupID, "invitations"), &body, &res); err != nil {
		return nil, MapError(err, fmt.Sprintf("inviting %s to group %d", opt.Email, groupID))
	}
	return &res, nil
}

// DeleteInvitation cancels the invitation of email (DELETE :kind/:id/invitations/:email,
// the email path-escaped). GitLab matches the email exactly, case included: pass it as
// ListInvitations gave it. 404 when there is none.
// https://docs.gitlab.com/api/invitations/#delete-an-invitation-to-a-group-or-project
func (c *Client) DeleteInvitation(ctx context.Context, kind SourceKind, id int64, email string) error {
	if err := kind.check(); err != nil {
		return err
	}
	if _, err := c.do(ctx, http.MethodDelete, kind.path(id, "invitations/"+url.PathEscape(email)), nil, nil); err != nil {
		return MapError(err, fmt.Sprintf("cancelling the invitation of %s to %s %d", email, kind.Singular(), id))
	}
	return nil
}
