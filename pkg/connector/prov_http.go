package connector

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// The membership reads and writes provisioning makes. Nothing here is cached: every read
// is a fresh GET.

// provDo sends one request through client-go (its retries and rate limiting apply).
func (c *Connector) provDo(ctx context.Context, method, path string, opt any, out any) (*gitlab.Response, error) {
	req, err := c.client.API.NewRequest(method, path, opt, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return nil, err
	}
	if method == http.MethodGet {
		req.Header.Set("Cache-Control", "no-cache")
	}
	return c.client.API.Do(req, out)
}

// getDirectMember reads the user's DIRECT membership of a group or project ("groups" or
// "projects"); nil when there is none (404).
func (c *Connector) getDirectMember(ctx context.Context, kind string, id, userID int64) (*apiMember, error) {
	var m apiMember
	_, err := c.provDo(ctx, http.MethodGet, fmt.Sprintf("%s/%d/members/%d", kind, id, userID), nil, &m)
	if errors.Is(err, gitlab.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, gitlabapi.MapError(err, fmt.Sprintf("reading user %d's membership of %s %d", userID, kind, id))
	}
	return &m, nil
}

// listDirectMembers reads every direct member of a group or project, fresh.
func (c *Connector) listDirectMembers(ctx context.Context, kind string, id int64) ([]*apiMember, error) {
	return gitlabapi.ListAll(ctx, fmt.Sprintf("listing the members of %s %d", kind, id),
		listGitLab[*apiMember](c.client.API, fmt.Sprintf("%s/%d/members", kind, id), nil))
}

// readDirectMember is getDirectMember for a provTarget kind (provGroup, provProject).
func (c *Connector) readDirectMember(ctx context.Context, kind string, id, userID int64) (*directMember, error) {
	m, err := c.getDirectMember(ctx, kind+"s", id, userID)
	if err != nil || m == nil {
		return nil, err
	}
	return toDirectMember(m), nil
}

func (c *Connector) addDirectMember(ctx context.Context, t *provTarget, userID int64, w provWanted) (*directMember, error) {
	body := map[string]any{"user_id": userID, "access_level": int(w.level)}
	if w.memberRoleID != 0 {
		body["member_role_id"] = w.memberRoleID
	}
	var m apiMember
	if _, err := c.provDo(ctx, http.MethodPost, t.apiPath()+"/members", body, &m); err != nil {
		return nil, err
	}
	return toDirectMember(&m), nil
}

// editDirectMember changes a direct membership in place, keeping its expiry date.
func (c *Connector) editDirectMember(ctx context.Context, t *provTarget, userID int64, w provWanted, current *directMember) (*directMember, error) {
	body := map[string]any{"access_level": int(w.level)}
	if current.ExpiresAt != "" {
		body["expires_at"] = current.ExpiresAt
	}
	switch {
	case w.memberRoleID != 0:
		body["member_role_id"] = w.memberRoleID
	case current.MemberRoleID != 0:
		body["member_role_id"] = nil // back to a plain access level: drop the custom role
	}
	var m apiMember
	if _, err := c.provDo(ctx, http.MethodPut, fmt.Sprintf("%s/members/%d", t.apiPath(), userID), body, &m); err != nil {
		return nil, err
	}
	return toDirectMember(&m), nil
}

type provDeleteOptions struct {
	SkipSubresources *bool `url:"skip_subresources,omitempty"`
}

// deleteDirectMember removes the direct membership of the target only: on a group, the
// user's direct memberships of its subgroups and projects are other grants and stay.
func (c *Connector) deleteDirectMember(ctx context.Context, t *provTarget, userID int64) error {
	var opt any
	if t.kind == provGroup {
		opt = &provDeleteOptions{SkipSubresources: gitlab.Ptr(true)}
	}
	_, err := c.provDo(ctx, http.MethodDelete, fmt.Sprintf("%s/members/%d", t.apiPath(), userID), opt, nil)
	return err
}

type memberRole struct {
	ID              int64                   `json:"id"`
	Name            string                  `json:"name"`
	BaseAccessLevel gitlab.AccessLevelValue `json:"base_access_level"`
}

// listMemberRoles lists the custom roles of a top-level group (GitLab.com) or, with
// rootGroupID 0, of the instance (self-managed). GitLab does not paginate this listing.
func (c *Connector) listMemberRoles(ctx context.Context, rootGroupID int64) ([]memberRole, error) {
	path := "member_roles"
	if rootGroupID != 0 {
		path = fmt.Sprintf("groups/%d/member_roles", rootGroupID)
	}
	var roles []memberRole
	_, err := c.provDo(ctx, http.MethodGet, path, nil, &roles)
	return roles, err
}

func errorsIsContext(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
