package connector

import (
	"context"
	"fmt"
	"net/http"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Revoke of a grant on a group or project:
//   - a direct membership at the grant's level (or custom role) is deleted
//     (skip_subresources on groups: the user's memberships below are other grants) —
//     unless the user would keep the same or a higher level (or the same custom role)
//     through an ancestor group or a share: then nothing is removed and the answer is
//     FailedPrecondition naming where that access comes from, since the revoke would
//     change nothing the user can do;
//   - the last Owner of a group (GitLab's rule, prov_owner.go) is not removed;
//   - a grant that exists only through an ancestor or a share is refused, naming the
//     group to change instead;
//   - a user who no longer holds the grant at all is GrantAlreadyRevoked (a stale revoke
//     never removes other access).
func (c *Connector) provRevokeMembership(ctx context.Context, kind string, g *v2.Grant) (annotations.Annotations, error) {
	targetID, slug, err := provParseEntitlement(kind, g.GetEntitlement())
	if err != nil {
		return nil, err
	}
	userID, userName, err := provParsePrincipal(g.GetPrincipal().GetId(), g.GetPrincipal().GetDisplayName())
	if err != nil {
		return nil, err
	}
	in := c.freshInputs(userID)
	t, err := provLoadTarget(ctx, in, kind, targetID)
	if err != nil {
		return nil, err
	}
	w, err := provResolveWanted(t, slug)
	if err != nil {
		return nil, err
	}
	who := provWho(userID, userName)

	wrote := false
	for round := 0; round < provMaxRounds; round++ {
		direct, err := c.readDirectMember(ctx, t.kind, t.id, userID)
		if err != nil {
			return nil, err
		}
		if w.heldBy(direct) {
			// An awaiting membership gives no access: removing it is what was asked, and it
			// keeps no group managed.
			if !direct.Awaiting && !wrote {
				if err := provCheckAccessRemains(ctx, in, t, who, w); err != nil {
					return nil, err
				}
				if t.kind == provGroup && direct.Level == gitlab.OwnerPermissions {
					if err := c.provCheckNotLastOwner(ctx, t, userID, who, "remove"); err != nil {
						return nil, err
					}
				}
			}
			err := c.deleteDirectMember(ctx, t, userID)
			wrote = true
			if err == nil {
				return nil, nil
			}
			if provOutcomeUnknown(err, http.MethodDelete) {
				continue // read again: a 404 or a lost response may mean our DELETE landed
			}
			if gitlabapi.HTTPStatus(err) == http.StatusForbidden && direct.Level == gitlab.OwnerPermissions {
				if t.personal {
					return nil, provPersonalOwnerError(t, who, "remove")
				}
				if lerr := c.provCheckNotLastOwner(ctx, t, userID, who, "remove"); lerr != nil {
					return nil, lerr
				}
			}
			return nil, gitlabapi.Rephrase(err, fmt.Sprintf("removing %s's %s membership of %s", who, w.describe(), t.describe()))
		}
		if wrote {
			// Our DELETE landed (its response was lost) or the membership changed under us:
			// either way the direct membership at the grant's level is gone.
			return nil, nil
		}
		// No direct membership at that level. Does the grant exist another way?
		in.forget(t.kind, t.id)
		a, err := in.access(ctx, t.kind, t.id)
		if err != nil {
			return nil, err
		}
		if src := nonDirectSource(a, w); src != "" {
			return nil, status.Errorf(codes.FailedPrecondition,
				"cannot revoke %s on %s from %s: it is not a direct membership but comes from %s; remove or change it there instead",
				w.describe(), t.describe(), who, src)
		}
		var annos annotations.Annotations
		annos.Append(&v2.GrantAlreadyRevoked{})
		return annos, nil
	}
	return nil, status.Errorf(codes.Unavailable,
		"revoking %s on %s from %s: GitLab did not confirm the change after %d attempts; retry the revoke",
		w.describe(), t.describe(), who, provMaxRounds)
}

// provCheckAccessRemains refuses to delete a direct membership when the user would keep
// the same or a higher level (or, for a custom-role grant, the same custom role) through
// an ancestor group or a share: nothing the user can do would change.
func provCheckAccessRemains(ctx context.Context, in *freshUserInputs, t *provTarget, who string, w provWanted) error {
	a, err := in.access(ctx, t.kind, t.id)
	if err != nil {
		return err
	}
	if w.memberRoleID != 0 {
		for _, r := range a.Roles {
			if r.ID == w.memberRoleID && r.Source != sourceDirect {
				return status.Errorf(codes.FailedPrecondition,
					"cannot revoke %s on %s from %s: they would keep that custom role through %s; remove it there first",
					w.describe(), t.describe(), who, describeRoleSource(r))
			}
		}
		return nil
	}
	if a.Via.Level >= w.level {
		return status.Errorf(codes.FailedPrecondition,
			"cannot revoke %s on %s from %s: they would keep %s there through %s; remove that access first (then revoke this grant if it is still there)",
			w.describe(), t.describe(), who, accessLevelName(a.Via.Level), describeSource(a.Via))
	}
	return nil
}

// nonDirectSource says where a grant comes from when it is not the user's direct
// membership ("" when the user does not hold it at all): the effective level when an
// ancestor or a share gives more than the direct membership, or a custom role that
// applies through one.
func nonDirectSource(a *userAccess, w provWanted) string {
	if w.memberRoleID != 0 {
		for _, r := range a.Roles {
			if r.ID == w.memberRoleID && r.Source != sourceDirect {
				return describeRoleSource(r)
			}
		}
		return ""
	}
	directLevel := gitlab.NoPermissions
	if a.Direct != nil {
		directLevel = a.Direct.Level
	}
	if a.Via.Level == w.level && a.Via.Level > directLevel {
		return describeSource(a.Via)
	}
	return ""
}
