package connector

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Grant of a level (or custom role) on a group or project, on the user's DIRECT
// membership of it:
//   - no direct membership → POST .../members;
//   - already exactly that → GrantAlreadyExists;
//   - a direct membership at a lower level, or at the same level with another custom
//     role (or none) → PUT in place, keeping its expires_at;
//   - a direct membership at a HIGHER level, or at the same level with a custom role when
//     a plain level is asked (the role's permissions would go) → refused
//     (FailedPrecondition): a grant never takes access away; an access request for a lower
//     role would otherwise silently demote someone. Revoke the higher grant first, then
//     grant the lower one;
//   - below what the user holds through a direct membership of an ancestor group →
//     refused, naming that group (GitLab refuses it: Member#higher_access_level_than_group);
//   - an awaiting membership → refused (provAwaitingError).
//
// A grant below a level the user holds through a SHARE is allowed (shares do not count
// for GitLab's floor) and shows in the next sync as its own direct grant, beside the
// shared one.
func (c *Connector) provGrantMembership(ctx context.Context, kind string, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	targetID, slug, err := provParseEntitlement(kind, ent)
	if err != nil {
		return nil, nil, err
	}
	userID, userName, err := provParsePrincipal(principal.GetId(), principal.GetDisplayName())
	if err != nil {
		return nil, nil, err
	}
	in := c.freshInputs(userID)
	t, err := provLoadTarget(ctx, in, kind, targetID)
	if err != nil {
		return nil, nil, err
	}
	w, err := provResolveWanted(t, slug)
	if err != nil {
		return nil, nil, err
	}
	if w.level == gitlab.MinimalAccessPermissions && w.memberRoleID == 0 && !(t.kind == provGroup && t.topLevel) {
		return nil, nil, status.Errorf(codes.InvalidArgument,
			"cannot grant Minimal Access on %s: GitLab has Minimal Access only on top-level groups", t.describe())
	}
	who := provWho(userID, userName)

	floorChecked, wrote := false, false
	for round := 0; round < provMaxRounds; round++ {
		direct, err := c.readDirectMember(ctx, t.kind, t.id, userID)
		if err != nil {
			return nil, nil, err
		}
		if direct != nil && direct.Awaiting {
			// At the wanted level or another: either way the user has no access here until
			// the membership is approved, and changing its level would not give them any.
			return nil, nil, provAwaitingError(t, who, w, direct, wrote)
		}
		if w.heldBy(direct) {
			var annos annotations.Annotations
			if !wrote {
				annos.Append(&v2.GrantAlreadyExists{})
			}
			return []*v2.Grant{provGrant(ent, kind, targetID, slug, principal, direct)}, annos, nil
		}
		if err := c.provResolveMemberRole(ctx, t, &w); err != nil {
			return nil, nil, err
		}
		// Lower: a lower level, or the same level without the custom role (its extra
		// permissions would go).
		if direct != nil && (direct.Level > w.level || (direct.Level == w.level && direct.MemberRoleID != 0 && w.memberRoleID == 0)) {
			return nil, nil, status.Errorf(codes.FailedPrecondition,
				"cannot grant %s on %s to %s: they are a direct member at %s, and a grant never lowers access; revoke the %s grant first, then grant %s",
				w.describe(), t.describe(), who, describeMembership(direct), describeMembership(direct), w.describe())
		}
		if !floorChecked {
			if err := c.provCheckInheritedFloor(ctx, t, userID, who, w); err != nil {
				return nil, nil, err
			}
			floorChecked = true
		}
		var member *directMember
		if direct == nil {
			member, err = c.addDirectMember(ctx, t, userID, w)
		} else {
			member, err = c.editDirectMember(ctx, t, userID, w, direct)
		}
		wrote = true
		if err == nil {
			if member == nil || member.UserID != userID {
				continue // no usable body: read it back
			}
			if member.Awaiting {
				// GitLab took the membership but put it in the queue for a seat.
				return nil, nil, provAwaitingError(t, who, w, member, true)
			}
			return []*v2.Grant{provGrant(ent, kind, targetID, slug, principal, member)}, nil, nil
		}
		method := http.MethodPost
		if direct != nil {
			method = http.MethodPut
		}
		if provOutcomeUnknown(err, method) {
			// The write may have landed (lost response, or client-go retried a POST that
			// had already been applied and got 409): read the state again and decide again.
			continue
		}
		return nil, nil, provGrantError(t, who, w, direct, err)
	}
	return nil, nil, status.Errorf(codes.Unavailable,
		"granting %s on %s to %s: GitLab did not confirm the change after %d attempts; the membership may be in an intermediate state, retry the grant",
		w.describe(), t.describe(), who, provMaxRounds)
}

// provCheckInheritedFloor refuses a level below what the user holds through a direct
// membership of an ancestor group. GitLab refuses it with 400 (Member#higher_access_level_than_group,
// app/models/member.rb, which reads highest_group_member: any row, awaiting ones too;
// shares do not count); we say which group.
func (c *Connector) provCheckInheritedFloor(ctx context.Context, t *provTarget, userID int64, who string, w provWanted) error {
	for _, g := range t.chain {
		m, err := c.readDirectMember(ctx, provGroup, g.ID, userID)
		if err != nil {
			return err
		}
		if m == nil || m.Level <= w.level {
			continue
		}
		relation := "parent group"
		if t.kind == provProject {
			relation = "group"
		}
		if m.Awaiting {
			return status.Errorf(codes.FailedPrecondition,
				"cannot grant %s on %s to %s: they have a %s membership of %s %s (id %d) that is awaiting a seat (user cap), and GitLab does not allow a direct membership below a membership of a %s even while it awaits approval; approve or change the membership in %s instead",
				w.describe(), t.describe(), who, describeMembership(m), relation, g.FullPath, g.ID, relation, g.FullPath)
		}
		return status.Errorf(codes.FailedPrecondition,
			"cannot grant %s on %s to %s: they already have %s there through their membership of %s %s (id %d), and GitLab does not allow a direct membership below an inherited one; change or remove the membership in %s instead",
			w.describe(), t.describe(), who, describeMembership(m), relation, g.FullPath, g.ID, g.FullPath)
	}
	return nil
}

// provGrantError turns a refused grant write into an actionable gRPC error.
func provGrantError(t *provTarget, who string, w provWanted, direct *directMember, err error) error {
	code, msg := gitlabapi.HTTPStatus(err), gitlabapi.GitLabMessage(err)
	switch {
	case code == http.StatusBadRequest && strings.Contains(msg, "inherited membership"):
		return status.Errorf(codes.FailedPrecondition,
			"cannot grant %s on %s to %s: GitLab refused a level below the user's inherited membership (%s); change the membership in the parent group instead: %v",
			w.describe(), t.describe(), who, msg, err)
	case code == http.StatusForbidden && direct != nil && direct.Level == gitlab.OwnerPermissions && t.personal:
		return provPersonalOwnerError(t, who, "change")
	case code == http.StatusNotFound && direct == nil:
		return status.Errorf(codes.NotFound,
			"cannot grant %s on %s: GitLab does not know user %s (or the token cannot see the %s): %v",
			w.describe(), t.describe(), who, t.kind, err)
	}
	return gitlabapi.Rephrase(err, fmt.Sprintf("granting %s on %s to %s", w.describe(), t.describe(), who))
}

// provAwaitingError refuses a grant whose user has (or, when added, GitLab just gave
// them) a direct membership of the target in the awaiting state: it waits for a seat
// under the top-level group's user cap (or GitLab.com's free user limit) and gives no
// access until an Owner of the top-level group approves it
// (https://docs.gitlab.com/user/group/manage/#user-cap-for-groups). Reporting the grant
// as done would claim access the user does not have. We do not approve it ourselves:
// approving takes a paid seat, which is the top-level group's Owners' decision, not an
// access request's (and the approve calls exist only on GitLab.com top-level groups).
func provAwaitingError(t *provTarget, who string, w provWanted, m *directMember, added bool) error {
	what := fmt.Sprintf("their membership of %s (%s) is awaiting a seat", t.describe(), describeMembership(m))
	if added {
		what = fmt.Sprintf("GitLab accepted the membership (%s) but put it in the awaiting state, waiting for a seat", describeMembership(m))
	}
	return status.Errorf(codes.FailedPrecondition,
		"cannot grant %s on %s to %s: %s (the top-level group's user cap, or GitLab.com's free user limit, is reached), so it gives no access until an Owner of the top-level group approves it: approve it in GitLab (top-level group > Settings > Usage quotas > Seats > View pending approvals) or raise the user cap, then grant again",
		w.describe(), t.describe(), who, what)
}

// provPersonalOwnerError explains GitLab's 403 when the change would remove or demote the
// owner of a personal project (the namespace's user is always its Owner).
func provPersonalOwnerError(t *provTarget, who, verb string) error {
	return status.Errorf(codes.FailedPrecondition,
		"cannot %s %s on %s: they own this personal project (it lives in their namespace) and GitLab keeps its owner an Owner; transfer the project to a group first",
		verb, who, t.describe())
}

// provResolveMemberRole fills in a custom role's name and base access level from
// GitLab's custom role listing of the deployment (https://docs.gitlab.com/api/member_roles/):
// on GitLab.com roles belong to the top-level group (GET /groups/:id/member_roles, for its
// Owners); on self-managed they are instance-wide (GET /member_roles, administrators).
func (c *Connector) provResolveMemberRole(ctx context.Context, t *provTarget, w *provWanted) error {
	if w.memberRoleID == 0 || w.level != 0 {
		return nil
	}
	root := int64(0)
	if c.settings.Deployment == gitlabapi.GitLabCom {
		if root = t.rootGroupID(); root == 0 {
			return status.Errorf(codes.NotFound,
				"custom role %d cannot be used on %s: on GitLab.com custom roles belong to a top-level group", w.memberRoleID, t.describe())
		}
	}
	where := "the instance's custom roles (GET /member_roles)"
	if root != 0 {
		where = fmt.Sprintf("the custom roles of top-level group %d (GET /groups/%d/member_roles)", root, root)
	}
	roles, err := c.listMemberRoles(ctx, root)
	if err != nil {
		return gitlabapi.Rephrase(err, fmt.Sprintf("reading custom role %d from %s", w.memberRoleID, where))
	}
	for _, r := range roles {
		if r.ID == w.memberRoleID {
			w.level, w.roleName = r.BaseAccessLevel, r.Name
			return nil
		}
	}
	return status.Errorf(codes.NotFound, "custom role %d is not among %s, so it cannot be granted on %s",
		w.memberRoleID, where, t.describe())
}

// provOutcomeUnknown reports whether a failed write may have been applied (or already was
// by an earlier try), so the state must be read again before deciding.
func provOutcomeUnknown(err error, method string) bool {
	if errorsIsContext(err) {
		return false
	}
	code := gitlabapi.HTTPStatus(err)
	switch {
	case code == 0:
		return true // no answer: connection broken after the request was sent
	case code >= 500:
		return true // lost response: GitLab may have applied it
	case code == http.StatusConflict && method == http.MethodPost:
		return true // "Member already exists": an earlier try (or someone) added the member
	case code == http.StatusNotFound && (method == http.MethodPut || method == http.MethodDelete):
		return true // the direct membership went away meanwhile (or our DELETE landed)
	}
	return false
}

var _ = strconv.Itoa
