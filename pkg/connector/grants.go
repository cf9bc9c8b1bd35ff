package connector

import (
	"context"
	"fmt"
	"strconv"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	grant "github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Entitlements and grants of groups and projects. The model (docs/access-model.md):
//   - every direct membership is a grant at its own level (or on its custom role's
//     entitlement), mutable: provisioning changes it;
//   - where the user's effective level is higher (inherited from an ancestor group, or
//     given by a share), that level is a grant too, immutable, naming its source group;
//   - every other custom role whose permissions apply (held on an ancestor, or through
//     a share) is a grant on that role's entitlement, immutable, naming its source.
//
// So a revoke or a grant of a direct membership shows up in the next sync as exactly
// that grant, whatever else the user reaches the node through.

// usersPerGrantPage bounds one Grants answer: at most 1 + 1 + roles grants per user,
// each a few hundred bytes (grants carry only the resource's id), far below gRPC's
// 4 MiB message limit.
const usersPerGrantPage = 1000

// nodeGrants is Grants of a group or project: the node's access is computed (access) and
// one page of its users, in user id order, becomes grants. The page token is the offset
// into that order.
func nodeGrants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs,
	access func(context.Context, int64) (nodeAccess, error)) ([]*v2.Grant, *rs.SyncOpResults, error) {
	id, err := parseID(r.GetId().GetResource())
	if err != nil {
		return nil, nil, err
	}
	off := 0
	if tok := opts.PageToken.Token; tok != "" {
		if off, err = parseOffset(tok, ""); err != nil {
			return nil, nil, err
		}
	}
	acc, err := access(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	page, next := pageOf(acc.sortedUserIDs(), off, usersPerGrantPage)
	// A resource with only its id: the SDK needs nothing else to store a grant, and the
	// whole resource in every grant made a group of 5,000 members exceed 4 MiB.
	res := v2.Resource_builder{Id: r.GetId()}.Build()
	out := make([]*v2.Grant, 0, len(page))
	for _, uid := range page {
		out = append(out, userGrants(res, acc[uid])...)
	}
	return out, &rs.SyncOpResults{NextPageToken: nextOffsetToken(next)}, nil
}

// userGrants builds one user's grants on a node (see the model above).
func userGrants(res *v2.Resource, a *userAccess) []*v2.Grant {
	var out []*v2.Grant
	principal := userResourceID(a.UserID)
	directLevel, directRole := gitlab.NoPermissions, int64(0)
	if d := a.Direct; d != nil {
		directLevel, directRole = d.Level, d.MemberRoleID
		if slug, ok := grantSlug(d.Level, d.MemberRoleID); ok {
			out = append(out, directGrant(res, slug, principal, d))
		}
	}
	if v := a.Via; v.Level > directLevel {
		if slug, ok := accessLevelSlug(v.Level); ok {
			md := map[string]interface{}{
				"source":                 v.Source,
				"access_level":           int64(v.Level),
				"source_group_id":        v.SourceGroupID,
				"source_group_full_path": v.SourceGroupFullPath,
			}
			if v.Hidden {
				md["source_group_hidden"] = true
				md["shared_from_full_path"] = v.SharedFrom
			}
			if v.SharedWithGroupID != 0 {
				md["shared_with_group_id"] = v.SharedWithGroupID
				md["shared_from_full_path"] = v.SharedFrom
			}
			if v.ExpiresAt != "" {
				md["expires_at"] = v.ExpiresAt
			}
			if directLevel != gitlab.NoPermissions {
				md["direct_access_level"] = int64(directLevel)
			}
			out = append(out, grant.NewGrant(res, slug, principal, grant.WithGrantMetadata(md), immutableFrom(v.SourceGroupID)))
		}
	}
	for _, role := range a.Roles {
		if role.ID == directRole || role.Source == sourceDirect {
			continue
		}
		md := map[string]interface{}{
			"source":                 role.Source,
			"member_role_id":         role.ID,
			"member_role_name":       role.Name,
			"source_group_id":        role.SourceGroupID,
			"source_group_full_path": role.SourcePath,
		}
		out = append(out, grant.NewGrant(res, memberRoleSlug(role.ID), principal, grant.WithGrantMetadata(md), immutableFrom(role.SourceGroupID)))
	}
	return out
}

// directGrant is the grant of a direct membership: mutable, with its level, expiry and
// custom role. The sync and provisioning (provGrant) report it alike.
func directGrant(res *v2.Resource, slug string, principal *v2.ResourceId, m *directMember) *v2.Grant {
	md := map[string]interface{}{"source": sourceDirect, "access_level": int64(m.Level)}
	if m.ExpiresAt != "" {
		md["expires_at"] = m.ExpiresAt
	}
	if m.MemberRoleID != 0 {
		md["member_role_id"] = m.MemberRoleID
		md["member_role_name"] = m.MemberRoleName
	}
	return grant.NewGrant(res, slug, principal, grant.WithGrantMetadata(md))
}

// grantSlug is the entitlement of a membership: its custom role's, else its level's.
func grantSlug(level gitlab.AccessLevelValue, memberRoleID int64) (string, bool) {
	if memberRoleID != 0 {
		return memberRoleSlug(memberRoleID), true
	}
	return accessLevelSlug(level)
}

// immutableFrom marks a grant that comes from another group's membership: it is changed
// there, not here.
func immutableFrom(groupID int64) grant.GrantOption {
	if groupID == 0 {
		return grant.WithAnnotation(v2.GrantImmutable_builder{}.Build()) // a group the token cannot read
	}
	return grant.WithAnnotation(v2.GrantImmutable_builder{
		SourceId: groupResourceTypeID + ":" + strconv.FormatInt(groupID, 10),
	}.Build())
}

// accessEntitlements builds the entitlements of a group or project: one per access level
// (Minimal Access on top-level groups only) and one per custom role in use.
func accessEntitlements(r *v2.Resource, kind, fullPath string, topLevel bool, roles []memberRoleInUse) []*v2.Entitlement {
	out := make([]*v2.Entitlement, 0, len(accessLevels)+len(roles))
	for _, l := range accessLevels {
		if l.Level == gitlab.MinimalAccessPermissions && (kind != "group" || !topLevel) {
			continue // Minimal Access exists on top-level groups only
		}
		out = append(out, ent.NewAssignmentEntitlement(r, l.Slug,
			ent.WithGrantableTo(userResourceType),
			ent.WithDisplayName(fmt.Sprintf("%s %s", r.GetDisplayName(), l.Name)),
			ent.WithDescription(fmt.Sprintf("%s access (access level %d) to %s %s", l.Name, l.Level, kind, fullPath)),
		))
	}
	for _, role := range roles {
		out = append(out, ent.NewAssignmentEntitlement(r, memberRoleSlug(role.ID),
			ent.WithGrantableTo(userResourceType),
			ent.WithDisplayName(role.Name),
			ent.WithDescription(fmt.Sprintf("Custom role %q (id %d, base access level %s) in %s %s",
				role.Name, role.ID, accessLevelName(role.Base), kind, fullPath)),
		))
	}
	return out
}
