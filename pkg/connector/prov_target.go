package connector

// Granting and revoking roles on groups and projects (ResourceProvisionerV2): the
// target, what an entitlement stands for, and the shared helpers. Every decision is
// taken on state read from GitLab right before the write (freshUserInputs, never the
// sync's cache), through the same access engine the sync uses. prov_grant.go,
// prov_revoke.go and prov_owner.go hold the decisions; docs/access-model.md the model.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Grant gives the principal the entitlement's access level (or custom role) on the group.
func (s *groupSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return s.c.provGrantMembership(ctx, provGroup, principal, ent)
}

// Revoke removes the principal's direct membership of the group when it is at the grant's level.
func (s *groupSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	return s.c.provRevokeMembership(ctx, provGroup, g)
}

// Grant gives the principal the entitlement's access level (or custom role) on the project.
func (s *projectSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return s.c.provGrantMembership(ctx, provProject, principal, ent)
}

// Revoke removes the principal's direct membership of the project when it is at the grant's level.
func (s *projectSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	return s.c.provRevokeMembership(ctx, provProject, g)
}

// Resource type ids of the membership targets.
const (
	provGroup   = "group"
	provProject = "project"
)

// provMaxRounds bounds read → decide → write rounds when a write's outcome is unknown.
const provMaxRounds = 4

// provTarget is the group or project whose direct members change.
type provTarget struct {
	kind string // provGroup or provProject
	id   int64
	path string // full path (group) or path_with_namespace (project), for messages
	// topLevel: a group without a parent (Minimal Access applies).
	topLevel bool
	// personal: a project in a user's namespace (no group: direct members only).
	personal bool
	// chain: the groups whose direct members the user inherits from, nearest first: for a
	// group its ancestors, for a project its group and that group's ancestors.
	chain []*orgGroup
}

func (t *provTarget) apiPath() string { return t.kind + "s/" + strconv.FormatInt(t.id, 10) }

func (t *provTarget) describe() string {
	if t.path == "" {
		return t.kind + " " + strconv.FormatInt(t.id, 10)
	}
	return t.kind + " " + t.path
}

// rootGroupID is the top-level group of the target's hierarchy; 0 for a personal project.
func (t *provTarget) rootGroupID() int64 {
	if t.kind == provGroup && t.topLevel {
		return t.id
	}
	if len(t.chain) == 0 {
		return 0
	}
	return t.chain[len(t.chain)-1].ID
}

// provLoadTarget reads the group or project and its ancestor chain, fresh.
func provLoadTarget(ctx context.Context, in *freshUserInputs, kind string, id int64) (*provTarget, error) {
	t := &provTarget{kind: kind, id: id}
	switch kind {
	case provGroup:
		chain, err := ancestry(ctx, in, id)
		if err != nil {
			return nil, err
		}
		t.path, t.topLevel, t.chain = chain[0].FullPath, chain[0].ParentID == 0, chain[1:]
	case provProject:
		p, err := in.project(ctx, id)
		if err != nil {
			return nil, err
		}
		t.path, t.personal = p.PathWithNamespace, p.GroupID == 0
		if p.GroupID != 0 {
			if t.chain, err = ancestry(ctx, in, p.GroupID); err != nil {
				return nil, err
			}
		}
	default:
		return nil, status.Errorf(codes.InvalidArgument, "resource type %q has no members", kind)
	}
	return t, nil
}

// provWanted is what an entitlement stands for.
type provWanted struct {
	slug         string
	level        gitlab.AccessLevelValue // for a custom role its base level (0 until provResolveMemberRole)
	memberRoleID int64                   // custom role id; 0 for a plain access level
	roleName     string
}

func (w provWanted) describe() string {
	if w.memberRoleID != 0 {
		if w.level == 0 {
			return "custom role " + strconv.FormatInt(w.memberRoleID, 10)
		}
		if w.roleName == "" {
			return fmt.Sprintf("custom role %d (base %s)", w.memberRoleID, accessLevelName(w.level))
		}
		return fmt.Sprintf("%s (custom role %d, base %s)", w.roleName, w.memberRoleID, accessLevelName(w.level))
	}
	return accessLevelName(w.level)
}

// holds reports whether a direct membership is exactly the wanted level or custom role.
func (w provWanted) heldBy(m *directMember) bool {
	if m == nil {
		return false
	}
	if w.memberRoleID != 0 {
		return m.MemberRoleID == w.memberRoleID
	}
	return m.MemberRoleID == 0 && m.Level == w.level
}

// describeMembership names a membership's level or custom role for messages.
func describeMembership(m *directMember) string {
	if m.MemberRoleID != 0 {
		return fmt.Sprintf("%s (custom role, base %s)", m.MemberRoleName, accessLevelName(m.Level))
	}
	return accessLevelName(m.Level)
}

// provResolveWanted maps an entitlement slug to an access level or a custom role. A
// custom role's base level is not known yet: provResolveMemberRole reads it when a grant
// needs it (a revoke only compares role ids).
func provResolveWanted(t *provTarget, slug string) (provWanted, error) {
	if level, ok := accessLevelForSlug(slug); ok {
		return provWanted{slug: slug, level: level}, nil
	}
	roleID, ok := memberRoleIDForSlug(slug)
	if !ok {
		return provWanted{}, status.Errorf(codes.InvalidArgument,
			"unknown entitlement %q on %s: expected an access level (guest, reporter, developer, ...) or member_role_<id>", slug, t.describe())
	}
	return provWanted{slug: slug, memberRoleID: roleID}, nil
}

// provParseEntitlement reads the target id and slug from an entitlement id such as
// "group:11:developer" or "project:50:member_role_7".
func provParseEntitlement(kind string, ent *v2.Entitlement) (int64, string, error) {
	rid := ent.GetResource().GetId()
	if rid.GetResourceType() != kind {
		return 0, "", status.Errorf(codes.InvalidArgument, "entitlement %q is not on a %s", ent.GetId(), kind)
	}
	id, err := strconv.ParseInt(rid.GetResource(), 10, 64)
	if err != nil {
		return 0, "", status.Errorf(codes.InvalidArgument, "entitlement %q: %s id %q is not numeric", ent.GetId(), kind, rid.GetResource())
	}
	prefix := kind + ":" + rid.GetResource() + ":"
	slug := ""
	if strings.HasPrefix(ent.GetId(), prefix) {
		slug = strings.TrimPrefix(ent.GetId(), prefix)
	}
	if slug == "" {
		slug = ent.GetSlug()
	}
	if slug == "" {
		return 0, "", status.Errorf(codes.InvalidArgument, "entitlement %q names no access level", ent.GetId())
	}
	return id, slug, nil
}

// provParsePrincipal accepts a GitLab user (numeric id); invitations and other types are refused.
func provParsePrincipal(pid *v2.ResourceId, displayName string) (int64, string, error) {
	if pid.GetResourceType() != "user" {
		return 0, "", status.Errorf(codes.InvalidArgument, "only users can be members of GitLab groups and projects, not %q", pid.GetResourceType())
	}
	if strings.HasPrefix(pid.GetResource(), "invitation:") {
		return 0, "", status.Errorf(codes.FailedPrecondition,
			"%s is a pending invitation, not a GitLab account: its access changes once the person accepts it (or through the invitation in GitLab)", pid.GetResource())
	}
	id, err := strconv.ParseInt(pid.GetResource(), 10, 64)
	if err != nil || id <= 0 {
		return 0, "", status.Errorf(codes.InvalidArgument, "user id %q is not a GitLab user id", pid.GetResource())
	}
	return id, displayName, nil
}

func provWho(userID int64, name string) string {
	if name == "" {
		return "user " + strconv.FormatInt(userID, 10)
	}
	return fmt.Sprintf("%s (user %d)", name, userID)
}

// provGrant builds the grant as the sync reports a direct membership.
func provGrant(ent *v2.Entitlement, kind string, targetID int64, slug string, principal *v2.Resource, m *directMember) *v2.Grant {
	rid := ent.GetResource().GetId()
	if rid == nil {
		rid = v2.ResourceId_builder{ResourceType: kind, Resource: strconv.FormatInt(targetID, 10)}.Build()
	}
	return directGrant(v2.Resource_builder{Id: rid}.Build(), slug, principal.GetId(), m)
}

// describeSource names where a non-direct access comes from, for messages.
func describeSource(p accessPath) string {
	switch {
	case p.Hidden:
		return fmt.Sprintf("access shared into %s through a group the token cannot read", p.SharedFrom)
	case p.Source == sourceInherited:
		return fmt.Sprintf("access inherited from their membership of group %s (id %d)", p.SourceGroupFullPath, p.SourceGroupID)
	case p.SharedWithGroupID != 0 && p.SourceGroupID != p.SharedWithGroupID:
		return fmt.Sprintf("access shared: %s is shared with group %d, which their membership of group %s (id %d) reaches",
			p.SharedFrom, p.SharedWithGroupID, p.SourceGroupFullPath, p.SourceGroupID)
	default:
		return fmt.Sprintf("access shared: %s is shared with group %s (id %d), of which they are a member",
			p.SharedFrom, p.SourceGroupFullPath, p.SourceGroupID)
	}
}

// describeRoleSource names where a custom role that applies comes from.
func describeRoleSource(r appliedRole) string {
	if r.Source == sourceShared {
		return fmt.Sprintf("a share with group %s (id %d)", r.SourcePath, r.SourceGroupID)
	}
	return fmt.Sprintf("their membership of group %s (id %d), inherited", r.SourcePath, r.SourceGroupID)
}
