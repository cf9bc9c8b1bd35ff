package connector

import (
	"context"
	"errors"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// The membership reads and writes provisioning makes, through pkg/gitlabapi. Nothing
// here is cached: every read is a fresh GET.

// readDirectMember is the user's DIRECT membership of a group or project; nil when none.
func (c *Connector) readDirectMember(ctx context.Context, kind string, id, userID int64) (*directMember, error) {
	m, err := c.client.GetDirectMember(ctx, sourceKind(kind), id, userID)
	if err != nil || m == nil {
		return nil, err
	}
	return toDirectMember(m), nil
}

func (c *Connector) addDirectMember(ctx context.Context, t *provTarget, userID int64, w provWanted) (*directMember, error) {
	m, err := c.client.AddMember(ctx, sourceKind(t.kind), t.id, gitlabapi.AddMemberOptions{
		UserID: userID, AccessLevel: w.level, MemberRoleID: w.memberRoleID,
	})
	if err != nil {
		return nil, err
	}
	return toDirectMember(m), nil
}

// editDirectMember changes a direct membership in place, keeping its expiry date, and
// drops a custom role when the wanted access is a plain level.
func (c *Connector) editDirectMember(ctx context.Context, t *provTarget, userID int64, w provWanted, current *directMember) (*directMember, error) {
	m, err := c.client.EditMember(ctx, sourceKind(t.kind), t.id, userID, gitlabapi.EditMemberOptions{
		AccessLevel:      w.level,
		ExpiresAt:        gitlabapi.Date(current.ExpiresAt),
		MemberRoleID:     w.memberRoleID,
		RemoveMemberRole: w.memberRoleID == 0 && current.MemberRoleID != 0,
	})
	if err != nil {
		return nil, err
	}
	return toDirectMember(m), nil
}

// deleteDirectMember removes the direct membership of the target only: on a group, the
// user's direct memberships of its subgroups and projects are other grants and stay.
func (c *Connector) deleteDirectMember(ctx context.Context, t *provTarget, userID int64) error {
	return c.client.DeleteMember(ctx, sourceKind(t.kind), t.id, userID, gitlabapi.DeleteMemberOptions{SkipSubresources: true})
}

// listMemberRoles lists the custom roles of a top-level group (GitLab.com) or, with
// rootGroupID 0, of the instance (self-managed). GitLab does not paginate this listing.
func (c *Connector) listMemberRoles(ctx context.Context, rootGroupID int64) ([]*gitlabapi.MemberRole, error) {
	if rootGroupID != 0 {
		return c.client.ListGroupMemberRoles(ctx, rootGroupID)
	}
	return c.client.ListInstanceMemberRoles(ctx)
}

func errorsIsContext(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
