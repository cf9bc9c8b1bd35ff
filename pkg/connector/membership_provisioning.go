package connector

// Granting and revoking roles on groups and projects (ResourceProvisionerV2).
//
// Access changes are where a connector can do harm, so every decision here is taken on
// state read from GitLab right before the write (never from the sync's cache), and a
// grant or revoke does exactly what it names or fails with a message that says why:
//
//   - Grant of a level (or custom role) on a group or project: no direct membership →
//     POST .../members; a direct membership at another level → PUT in place, keeping its
//     expires_at; already at that level → GrantAlreadyExists; below what the user inherits
//     from an ancestor group → FailedPrecondition naming that group, nothing written.
//   - Revoke deletes the direct membership only when it is at the grant's level (or
//     custom role). A user who now holds another level, or nothing, is "already revoked":
//     a stale revoke never removes other access. A grant that exists only through an
//     ancestor group or a group share is refused, naming the group to change instead.
//   - The last Owner of a top-level group is neither removed nor demoted.
//   - Awaiting memberships (membership_state "awaiting": waiting for a seat under the
//     top-level group's user cap or GitLab.com's free user limit) give no access until
//     an Owner of the top-level group approves them. A grant never reports one as access:
//     a user with an awaiting direct membership of the target is refused with
//     FailedPrecondition (nothing written), and a write GitLab answers with an awaiting
//     membership (the cap was reached) is reported the same way. We do not approve
//     memberships: see provAwaitingError for why. A revoke at the awaiting membership's
//     level removes it (that is harmless and is what was asked); awaiting memberships of
//     ancestor or invited groups give no access a revoke would have to refuse.
//   - Lost responses (GitLab applied the write, the client saw a 5xx or a broken
//     connection; client-go's retry then sees 409 or 404): the state is read again and the
//     decision taken again, so a retried call ends in exactly the state asked for.
//
// GitLab rules relied on (https://docs.gitlab.com/api/members/):
//   - GET /groups/:id/members/:user_id and /projects/:id/members/:user_id return the DIRECT
//     membership only; 404 when the user is not a direct member (even with inherited access).
//   - POST .../members answers 409 "Member already exists" for a direct member; PUT changes a
//     direct membership in place; DELETE answers 404 for a user who is not a direct member.
//   - A direct membership below the level the user holds through a direct membership of an
//     ancestor group is refused with 400 "should be greater than or equal to <Level>
//     inherited membership from group <name>" (shares do not count for this floor).
//   - Removing or demoting the last Owner of a top-level group answers 403.
//   - DELETE on a group also removes the user's direct memberships of its subgroups and
//     projects unless skip_subresources=true; those are other grants, so we skip them.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
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

// GitLab access levels (https://docs.gitlab.com/api/members/#roles).
const (
	provMinimalAccess = 5
	provOwner         = 50
)

// provLevelName is GitLab's English name of an access level (access_levels.go).
func provLevelName(level int) string {
	return accessLevelName(gitlab.AccessLevelValue(level))
}

// provTarget is the group or project whose direct members change.
type provTarget struct {
	kind string // provGroup or provProject
	id   int64
	path string // full path (group) or path_with_namespace (project), for messages
	// topLevel: a group without a parent (Minimal Access and the last-Owner rule apply).
	topLevel bool
	// personal: a project in a user's namespace (no group: direct members only).
	personal bool
	// chain: the groups whose direct members the user inherits from, nearest first: for a
	// group its ancestors, for a project its group and that group's ancestors.
	chain []provGroupInfo
	// shares reach the target through a group share: the shares of the group and of its
	// ancestors (for a project: of its group chain), whose invited groups' direct members
	// get access.
	shares []provShare
	// projectShares are a project's own shares: members of the invited group AND of its
	// ancestors get access.
	projectShares []provShare
}

func (t *provTarget) apiPath() string {
	if t.kind == provGroup {
		return "groups/" + strconv.FormatInt(t.id, 10)
	}
	return "projects/" + strconv.FormatInt(t.id, 10)
}

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

// provWanted is what an entitlement stands for.
type provWanted struct {
	slug         string
	level        int   // access level; for a custom role its base level (0 until provResolveMemberRole)
	memberRoleID int64 // custom role id; 0 for a plain access level
	roleName     string
}

func (w provWanted) describe() string {
	if w.memberRoleID != 0 {
		if w.level == 0 {
			return "custom role " + strconv.FormatInt(w.memberRoleID, 10)
		}
		if w.roleName == "" {
			return fmt.Sprintf("custom role %d (base %s)", w.memberRoleID, provLevelName(w.level))
		}
		return fmt.Sprintf("%s (custom role %d, base %s)", w.roleName, w.memberRoleID, provLevelName(w.level))
	}
	return provLevelName(w.level)
}

// provMember is a direct membership as GitLab returns it (the id is the USER's id),
// decoded as the sync decodes member listings (apiMember, gitlab_json.go: client-go's
// member types drop membership_state).
type provMember apiMember

// awaiting reports whether the membership waits for a seat (no access until approved).
func (m *provMember) awaiting() bool {
	return m != nil && m.MembershipState == membershipAwaiting
}

// level is the membership's access level (a custom role's base level).
func (m *provMember) level() int {
	if m == nil {
		return 0
	}
	return int(m.AccessLevel)
}

func (m *provMember) memberRoleID() int64 {
	if m == nil || m.MemberRole == nil {
		return 0
	}
	return m.MemberRole.ID
}

func (m *provMember) expiresAt() string {
	if m == nil {
		return ""
	}
	return string(m.ExpiresAt)
}

// holds reports whether the membership is exactly the wanted level or custom role.
func (m *provMember) holds(w provWanted) bool {
	if m == nil {
		return false
	}
	if w.memberRoleID != 0 {
		return m.memberRoleID() == w.memberRoleID
	}
	return m.memberRoleID() == 0 && m.level() == w.level
}

func (m *provMember) describe() string {
	if m.MemberRole != nil {
		return fmt.Sprintf("%s (custom role, base %s)", m.MemberRole.Name, provLevelName(m.level()))
	}
	return provLevelName(m.level())
}

type provGroupInfo struct {
	ID               int64       `json:"id"`
	FullPath         string      `json:"full_path"`
	ParentID         *int64      `json:"parent_id"`
	SharedWithGroups []provShare `json:"shared_with_groups"`
}

type provShare struct {
	GroupID          int64  `json:"group_id"`
	GroupFullPath    string `json:"group_full_path"`
	GroupAccessLevel int    `json:"group_access_level"`
	MemberRoleID     *int64 `json:"member_role_id"`
}

type provProjectInfo struct {
	ID                int64  `json:"id"`
	PathWithNamespace string `json:"path_with_namespace"`
	Namespace         struct {
		ID       int64  `json:"id"`
		Kind     string `json:"kind"`
		FullPath string `json:"full_path"`
	} `json:"namespace"`
	SharedWithGroups []provShare `json:"shared_with_groups"`
}

type provMemberRole struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	BaseAccessLevel int    `json:"base_access_level"`
}

// provIndirect is access a user has to the target through something else than a
// direct membership of it: a direct membership of an ancestor group, or a group share.
type provIndirect struct {
	level        int
	memberRoleID int64
	source       string // "inherited" or "shared"
	groupID      int64
	groupPath    string
}

func (a provIndirect) holds(w provWanted) bool {
	if w.memberRoleID != 0 {
		return a.memberRoleID == w.memberRoleID
	}
	return a.memberRoleID == 0 && a.level == w.level
}

// ---- Grant -------------------------------------------------------------------------

func (c *Connector) provGrantMembership(ctx context.Context, kind string, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	targetID, slug, err := provParseEntitlement(kind, ent)
	if err != nil {
		return nil, nil, err
	}
	userID, userName, err := provParsePrincipal(principal.GetId(), principal.GetDisplayName())
	if err != nil {
		return nil, nil, err
	}
	t, err := c.provLoadTarget(ctx, kind, targetID)
	if err != nil {
		return nil, nil, err
	}
	w, err := provResolveWanted(t, slug)
	if err != nil {
		return nil, nil, err
	}
	if w.level == provMinimalAccess && w.memberRoleID == 0 && !(t.kind == provGroup && t.topLevel) {
		return nil, nil, status.Errorf(codes.InvalidArgument,
			"cannot grant Minimal Access on %s: GitLab has Minimal Access only on top-level groups", t.describe())
	}
	who := provWho(userID, userName)

	floorChecked := false
	wrote := false
	for round := 0; round < provMaxRounds; round++ {
		direct, err := c.provGetDirectMember(ctx, t, userID)
		if err != nil {
			return nil, nil, err
		}
		if direct.awaiting() {
			// At the wanted level or another: either way the user has no access here until
			// the membership is approved, and changing its level would not give them any.
			return nil, nil, provAwaitingError(t, who, w, direct, wrote)
		}
		if direct.holds(w) {
			var annos annotations.Annotations
			if !wrote {
				annos.Append(&v2.GrantAlreadyExists{})
			}
			return []*v2.Grant{provGrant(ent, kind, targetID, slug, principal, direct)}, annos, nil
		}
		if err := c.provResolveMemberRole(ctx, t, &w); err != nil {
			return nil, nil, err
		}
		if !floorChecked {
			if err := c.provCheckInheritedFloor(ctx, t, userID, who, w); err != nil {
				return nil, nil, err
			}
			floorChecked = true
		}

		var member *provMember
		if direct == nil {
			member, err = c.provAddDirectMember(ctx, t, userID, w)
		} else {
			if direct.AccessLevel == provOwner && w.level < provOwner {
				if err := c.provCheckNotLastOwner(ctx, t, userID, who, "demote"); err != nil {
					return nil, nil, err
				}
			}
			member, err = c.provEditDirectMember(ctx, t, userID, w, direct)
		}
		wrote = true
		if err == nil {
			if member == nil || member.ID != userID {
				continue // no usable body: read it back
			}
			if member.awaiting() {
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
		return nil, nil, c.provGrantError(ctx, t, userID, who, w, direct, err)
	}
	return nil, nil, status.Errorf(codes.Unavailable,
		"granting %s on %s to %s: GitLab did not confirm the change after %d attempts; the membership may be in an intermediate state, retry the grant",
		w.describe(), t.describe(), who, provMaxRounds)
}

// provCheckInheritedFloor refuses a level below what the user holds through a direct
// membership of an ancestor group (GitLab refuses it with 400; we say which group).
func (c *Connector) provCheckInheritedFloor(ctx context.Context, t *provTarget, userID int64, who string, w provWanted) error {
	for _, g := range t.chain {
		m, err := c.provGetDirectMember(ctx, &provTarget{kind: provGroup, id: g.ID, path: g.FullPath}, userID)
		if err != nil {
			return err
		}
		if m == nil || m.level() <= w.level {
			continue
		}
		relation := "parent group"
		if t.kind == provProject {
			relation = "group"
		}
		if m.awaiting() {
			// GitLab's floor (Member#highest_group_member) counts the row whatever its state.
			return status.Errorf(codes.FailedPrecondition,
				"cannot grant %s on %s to %s: they have a %s membership of %s %s (id %d) that is awaiting a seat (user cap), and GitLab does not allow a direct membership below a membership of a %s even while it awaits approval; approve or change the membership in %s instead",
				w.describe(), t.describe(), who, m.describe(), relation, g.FullPath, g.ID, relation, g.FullPath)
		}
		return status.Errorf(codes.FailedPrecondition,
			"cannot grant %s on %s to %s: they already have %s there through their membership of %s %s (id %d), and GitLab does not allow a direct membership below an inherited one; change or remove the membership in %s instead",
			w.describe(), t.describe(), who, m.describe(), relation, g.FullPath, g.ID, g.FullPath)
	}
	return nil
}

// provGrantError turns a refused grant write into an actionable gRPC error.
func (c *Connector) provGrantError(ctx context.Context, t *provTarget, userID int64, who string, w provWanted, direct *provMember, err error) error {
	code, msg := provHTTPStatus(err)
	switch {
	case code == http.StatusBadRequest && strings.Contains(msg, "inherited membership"):
		return status.Errorf(codes.FailedPrecondition,
			"cannot grant %s on %s to %s: GitLab refused a level below the user's inherited membership (%s); change the membership in the parent group instead: %v",
			w.describe(), t.describe(), who, msg, err)
	case code == http.StatusForbidden && direct != nil && direct.AccessLevel == provOwner && t.personal:
		return provPersonalOwnerError(t, who, "demote")
	case code == http.StatusForbidden && direct != nil && direct.AccessLevel == provOwner:
		if lerr := c.provCheckNotLastOwner(ctx, t, userID, who, "demote"); lerr != nil {
			return lerr
		}
	case code == http.StatusNotFound && direct == nil:
		return status.Errorf(codes.NotFound,
			"cannot grant %s on %s: GitLab does not know user %s (or the token cannot see the %s): %v",
			w.describe(), t.describe(), who, t.kind, err)
	}
	return provMapError(err, fmt.Sprintf("granting %s on %s to %s", w.describe(), t.describe(), who))
}

// provAwaitingError refuses a grant whose user has (or, when added, GitLab just gave
// them) a direct membership of the target in the awaiting state: a membership waiting
// for a seat under the top-level group's user cap (or GitLab.com's free user limit)
// gives no access until an Owner of the top-level group approves it
// (https://docs.gitlab.com/user/group/manage/#user-cap-for-groups,
// https://docs.gitlab.com/api/members/ membership_state). Reporting the grant as done,
// or as already there, would claim access the user does not have.
//
// We do not approve it ourselves, although GitLab documents PUT
// /groups/:id/members/:member_id/approve (and POST /groups/:id/members/approve_all):
//   - approving takes a paid seat: the user cap exists so that the top-level group's
//     Owners decide that, and an access request for one role is not that decision;
//   - the call exists only on the top-level group, for its Owners, and documents
//     member_id as "the ID of the member" while the members API shows only user ids;
//     GitLab's own tracker reports the documented pending-member calls answering 400/404
//     on GitLab.com and self-managed (gitlab-org/gitlab#521998);
//   - self-managed has no group user cap (its instance user cap holds accounts in
//     blocked_pending_approval, which administrators approve), so it would be a
//     GitLab.com-only path.
//
// So the answer is FailedPrecondition saying what to do in GitLab. A retry after the
// approval (or once a seat is free and approved) then finds the membership active.
func provAwaitingError(t *provTarget, who string, w provWanted, m *provMember, added bool) error {
	what := fmt.Sprintf("their membership of %s (%s) is awaiting a seat", t.describe(), m.describe())
	if added {
		what = fmt.Sprintf("GitLab accepted the membership (%s) but put it in the awaiting state, waiting for a seat", m.describe())
	}
	return status.Errorf(codes.FailedPrecondition,
		"cannot grant %s on %s to %s: %s (the top-level group's user cap, or GitLab.com's free user limit, is reached), so it gives no access until an Owner of the top-level group approves it: approve it in GitLab (top-level group > Settings > Usage quotas > Seats > View pending approvals) or raise the user cap, then grant again",
		w.describe(), t.describe(), who, what)
}

// ---- Revoke ------------------------------------------------------------------------

func (c *Connector) provRevokeMembership(ctx context.Context, kind string, g *v2.Grant) (annotations.Annotations, error) {
	ent := g.GetEntitlement()
	targetID, slug, err := provParseEntitlement(kind, ent)
	if err != nil {
		return nil, err
	}
	userID, userName, err := provParsePrincipal(g.GetPrincipal().GetId(), g.GetPrincipal().GetDisplayName())
	if err != nil {
		return nil, err
	}
	t, err := c.provLoadTarget(ctx, kind, targetID)
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
		direct, err := c.provGetDirectMember(ctx, t, userID)
		if err != nil {
			return nil, err
		}
		if direct.holds(w) {
			// An awaiting membership at the grant's level is removed too: it gives no access
			// yet, and removing it is what was asked (and an awaiting Owner keeps no group
			// managed, so the last-Owner rule does not concern it).
			if t.kind == provGroup && t.topLevel && direct.AccessLevel == provOwner && !direct.awaiting() {
				if err := c.provCheckNotLastOwner(ctx, t, userID, who, "remove"); err != nil {
					return nil, err
				}
			}
			err := c.provDeleteDirectMember(ctx, t, userID)
			wrote = true
			if err == nil {
				return nil, nil
			}
			if provOutcomeUnknown(err, http.MethodDelete) {
				continue // read again: a 404 or a lost response may mean our DELETE landed
			}
			code, _ := provHTTPStatus(err)
			if code == http.StatusForbidden && direct.AccessLevel == provOwner && t.personal {
				return nil, provPersonalOwnerError(t, who, "remove")
			}
			if code == http.StatusForbidden && direct.AccessLevel == provOwner {
				if lerr := c.provCheckNotLastOwner(ctx, t, userID, who, "remove"); lerr != nil {
					return nil, lerr
				}
			}
			return nil, provMapError(err, fmt.Sprintf("removing %s's %s membership of %s", who, w.describe(), t.describe()))
		}
		if wrote {
			// Our DELETE landed (its response was lost) or the membership changed under us:
			// either way the direct membership at the grant's level is gone.
			return nil, nil
		}
		// No direct membership at that level. Does the grant still exist another way?
		src, err := c.provIndirectSourceOf(ctx, t, userID, w, direct)
		if err != nil {
			return nil, err
		}
		if src != nil {
			how := "inherited from their membership of group"
			if src.source == "shared" {
				how = "given by a share with group"
			}
			return nil, status.Errorf(codes.FailedPrecondition,
				"cannot revoke %s on %s from %s: it is not a direct membership but %s %s (id %d); remove or change it in %s instead",
				w.describe(), t.describe(), who, how, src.groupPath, src.groupID, src.groupPath)
		}
		var annos annotations.Annotations
		annos.Append(&v2.GrantAlreadyRevoked{})
		return annos, nil
	}
	return nil, status.Errorf(codes.Unavailable,
		"revoking %s on %s from %s: GitLab did not confirm the change after %d attempts; retry the revoke",
		w.describe(), t.describe(), who, provMaxRounds)
}

// provIndirectSourceOf returns where the user's access to the target comes from when that
// access is exactly w and does not come from the direct membership; nil when the grant
// does not exist (no access, or the effective access is another level).
func (c *Connector) provIndirectSourceOf(ctx context.Context, t *provTarget, userID int64, w provWanted, direct *provMember) (*provIndirect, error) {
	all, err := c.provIndirectAccessOf(ctx, t, userID)
	if err != nil {
		return nil, err
	}
	var best *provIndirect
	for i := range all {
		a := &all[i]
		if best == nil || a.level > best.level || (a.level == best.level && a.source == "inherited" && best.source == "shared") {
			best = a
		}
	}
	if best == nil {
		return nil, nil
	}
	// The effective access is the highest; a tie goes to the direct membership (an
	// awaiting one gives nothing, so it decides nothing).
	if direct != nil && !direct.awaiting() && direct.level() >= best.level {
		return nil, nil
	}
	for i := range all {
		if all[i].level == best.level && all[i].holds(w) {
			return &all[i], nil
		}
	}
	return nil, nil
}

// provIndirect reads, fresh, every way the user reaches the target other than a direct
// membership of it: direct memberships of ancestor groups (Minimal Access is not
// inherited) and group shares, capped at the share's level. Awaiting memberships give
// no access, so they are no way in.
func (c *Connector) provIndirectAccessOf(ctx context.Context, t *provTarget, userID int64) ([]provIndirect, error) {
	var out []provIndirect
	for _, g := range t.chain {
		m, err := c.provGetDirectMember(ctx, &provTarget{kind: provGroup, id: g.ID}, userID)
		if err != nil {
			return nil, err
		}
		if m != nil && !m.awaiting() && m.AccessLevel > provMinimalAccess {
			out = append(out, provIndirect{level: m.level(), memberRoleID: m.memberRoleID(), source: "inherited", groupID: g.ID, groupPath: g.FullPath})
		}
	}
	shared := func(s provShare, memberGroups []int64) error {
		for _, gid := range memberGroups {
			m, err := c.provGetDirectMember(ctx, &provTarget{kind: provGroup, id: gid}, userID)
			if err != nil {
				return err
			}
			if m == nil || m.awaiting() || m.AccessLevel <= provMinimalAccess {
				continue
			}
			a := provIndirect{level: m.level(), memberRoleID: m.memberRoleID(), source: "shared", groupID: s.GroupID, groupPath: s.GroupFullPath}
			if s.GroupAccessLevel < a.level {
				a.level = s.GroupAccessLevel
				a.memberRoleID = 0
				if s.MemberRoleID != nil {
					a.memberRoleID = *s.MemberRoleID
				}
			}
			out = append(out, a)
		}
		return nil
	}
	for _, s := range t.shares {
		if err := shared(s, []int64{s.GroupID}); err != nil {
			return nil, err
		}
	}
	for _, s := range t.projectShares {
		// A project shared with a group reaches the members of that group's ancestors too.
		chain, err := c.provGroupChain(ctx, s.GroupID)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, 0, len(chain))
		for _, g := range chain {
			ids = append(ids, g.ID)
		}
		if err := shared(s, ids); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ---- Last owner --------------------------------------------------------------------

// provPersonalOwnerError explains GitLab's 403 when the change would remove or demote the
// owner of a personal project (the namespace's user is always its Owner).
func provPersonalOwnerError(t *provTarget, who, verb string) error {
	return status.Errorf(codes.FailedPrecondition,
		"cannot %s %s on %s: they own this personal project (it lives in their namespace) and GitLab keeps its owner an Owner; transfer the project to a group first",
		verb, who, t.describe())
}

// provCheckNotLastOwner refuses to remove or demote the only Owner of a top-level group.
// GitLab answers 403 for it; we check first so the message says what to do.
func (c *Connector) provCheckNotLastOwner(ctx context.Context, t *provTarget, userID int64, who, verb string) error {
	if t.kind != provGroup || !t.topLevel {
		return nil
	}
	others := 0
	opt := &gitlab.ListOptions{PerPage: 100, Page: 1}
	for {
		var members []*provMember
		resp, err := c.provDo(ctx, http.MethodGet, t.apiPath()+"/members", opt, &members)
		if err != nil {
			return provMapError(err, "listing the Owners of "+t.describe())
		}
		for _, m := range members {
			// GitLab counts Owners whose account is active (Member.owners uses `active`);
			// an Owner membership awaiting a seat gives no access, so it manages nothing.
			if m.ID != userID && m.AccessLevel == provOwner && (m.State == "" || m.State == "active") && !m.awaiting() {
				others++
			}
		}
		if others > 0 || resp == nil || resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if others > 0 {
		return nil
	}
	return status.Errorf(codes.FailedPrecondition,
		"cannot %s %s: they are the last Owner of top-level group %s (no other active Owner), and GitLab requires every top-level group to keep an Owner; add another Owner first",
		verb, who, t.path)
}

// ---- GitLab reads and writes -------------------------------------------------------

// provDo sends one request through client-go (its retries and rate limiting apply).
// Nothing here is cached: every read is a fresh GET.
func (c *Connector) provDo(ctx context.Context, method, path string, opt any, out any) (*gitlab.Response, error) {
	req, err := c.client.API.NewRequest(method, path, opt, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return nil, err
	}
	if method == http.MethodGet {
		// Belt and braces against any HTTP cache between us and GitLab.
		req.Header.Set("Cache-Control", "no-cache")
	}
	return c.client.API.Do(req, out)
}

// provGetDirectMember reads the user's DIRECT membership of the target; nil when there is none.
func (c *Connector) provGetDirectMember(ctx context.Context, t *provTarget, userID int64) (*provMember, error) {
	var m provMember
	_, err := c.provDo(ctx, http.MethodGet, fmt.Sprintf("%s/members/%d", t.apiPath(), userID), nil, &m)
	if errors.Is(err, gitlab.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, provMapError(err, fmt.Sprintf("reading user %d's membership of %s", userID, t.describe()))
	}
	return &m, nil
}

func (c *Connector) provAddDirectMember(ctx context.Context, t *provTarget, userID int64, w provWanted) (*provMember, error) {
	body := map[string]any{"user_id": userID, "access_level": w.level}
	if w.memberRoleID != 0 {
		body["member_role_id"] = w.memberRoleID
	}
	var m provMember
	_, err := c.provDo(ctx, http.MethodPost, t.apiPath()+"/members", body, &m)
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// provEditDirectMember changes a direct membership in place, keeping its expiry date.
func (c *Connector) provEditDirectMember(ctx context.Context, t *provTarget, userID int64, w provWanted, current *provMember) (*provMember, error) {
	body := map[string]any{"access_level": w.level}
	if exp := current.expiresAt(); exp != "" {
		body["expires_at"] = exp
	}
	switch {
	case w.memberRoleID != 0:
		body["member_role_id"] = w.memberRoleID
	case current.memberRoleID() != 0:
		body["member_role_id"] = nil // back to a plain access level: drop the custom role
	}
	var m provMember
	_, err := c.provDo(ctx, http.MethodPut, fmt.Sprintf("%s/members/%d", t.apiPath(), userID), body, &m)
	if err != nil {
		return nil, err
	}
	return &m, nil
}

type provDeleteOptions struct {
	SkipSubresources *bool `url:"skip_subresources,omitempty"`
}

// provDeleteDirectMember removes the direct membership of the target only: on a group, the
// user's direct memberships of its subgroups and projects are other grants and stay.
func (c *Connector) provDeleteDirectMember(ctx context.Context, t *provTarget, userID int64) error {
	var opt any
	if t.kind == provGroup {
		skip := true
		opt = &provDeleteOptions{SkipSubresources: &skip}
	}
	_, err := c.provDo(ctx, http.MethodDelete, fmt.Sprintf("%s/members/%d", t.apiPath(), userID), opt, nil)
	return err
}

// provLoadTarget reads the group or project, its ancestor chain and the shares
// that reach it, fresh from GitLab.
func (c *Connector) provLoadTarget(ctx context.Context, kind string, id int64) (*provTarget, error) {
	t := &provTarget{kind: kind, id: id}
	switch kind {
	case provGroup:
		chain, err := c.provGroupChain(ctx, id)
		if err != nil {
			return nil, err
		}
		self := chain[0]
		t.path = self.FullPath
		t.topLevel = self.ParentID == nil || *self.ParentID == 0
		t.chain = chain[1:]
		for _, g := range chain {
			t.shares = append(t.shares, g.SharedWithGroups...)
		}
	case provProject:
		var p provProjectInfo
		if _, err := c.provDo(ctx, http.MethodGet, "projects/"+strconv.FormatInt(id, 10), nil, &p); err != nil {
			return nil, provMapError(err, "reading project "+strconv.FormatInt(id, 10))
		}
		t.path = p.PathWithNamespace
		t.projectShares = p.SharedWithGroups
		t.personal = p.Namespace.Kind == "user"
		if p.Namespace.Kind == "group" {
			chain, err := c.provGroupChain(ctx, p.Namespace.ID)
			if err != nil {
				return nil, err
			}
			t.chain = chain
			for _, g := range chain {
				t.shares = append(t.shares, g.SharedWithGroups...)
			}
		}
	default:
		return nil, status.Errorf(codes.InvalidArgument, "resource type %q has no members", kind)
	}
	return t, nil
}

// provGroupChain reads a group and its ancestors, the group first, the top-level group last.
func (c *Connector) provGroupChain(ctx context.Context, id int64) ([]provGroupInfo, error) {
	var chain []provGroupInfo
	next := id
	for depth := 0; next != 0; depth++ {
		if depth > 25 { // GitLab allows 20 levels of subgroups
			return nil, status.Errorf(codes.Internal, "group %d: ancestor chain longer than GitLab allows", id)
		}
		var g provGroupInfo
		if _, err := c.provDo(ctx, http.MethodGet, "groups/"+strconv.FormatInt(next, 10), nil, &g); err != nil {
			return nil, provMapError(err, "reading group "+strconv.FormatInt(next, 10))
		}
		chain = append(chain, g)
		next = 0
		if g.ParentID != nil {
			next = *g.ParentID
		}
	}
	return chain, nil
}

// provResolveWanted maps an entitlement slug to an access level or a custom role. A
// custom role's base level is not known yet: provResolveMemberRole reads it when a grant
// needs it (a revoke only compares role ids).
func provResolveWanted(t *provTarget, slug string) (provWanted, error) {
	if level, ok := accessLevelForSlug(slug); ok {
		return provWanted{slug: slug, level: int(level)}, nil
	}
	roleID, ok := memberRoleIDForSlug(slug)
	if !ok {
		return provWanted{}, status.Errorf(codes.InvalidArgument,
			"unknown entitlement %q on %s: expected an access level (guest, reporter, developer, ...) or member_role_<id>", slug, t.describe())
	}
	return provWanted{slug: slug, memberRoleID: roleID}, nil
}

// provResolveMemberRole fills in a custom role's name and base access level, as GitLab's
// custom role listing tells them (provFindMemberRole).
func (c *Connector) provResolveMemberRole(ctx context.Context, t *provTarget, w *provWanted) error {
	if w.memberRoleID == 0 || w.level != 0 {
		return nil
	}
	role, err := c.provFindMemberRole(ctx, t, w.memberRoleID)
	if err != nil {
		return err
	}
	w.level, w.roleName = role.BaseAccessLevel, role.Name
	return nil
}

// provFindMemberRole reads a custom role from GitLab's custom role listing of the
// deployment (https://docs.gitlab.com/api/member_roles/):
//   - GitLab.com: roles belong to the top-level group: GET /groups/:id/member_roles
//     (the group's Owners may list them);
//   - self-managed: roles are instance-wide (group-level ones are deprecated since
//     GitLab 17.x): GET /member_roles (administrators may list them).
//
// A role the listing does not hold is NotFound naming the role id; a token that may not
// list the roles is PermissionDenied.
func (c *Connector) provFindMemberRole(ctx context.Context, t *provTarget, roleID int64) (*provMemberRole, error) {
	path, where := "member_roles", "the instance's custom roles (GET /member_roles)"
	if c.settings.Deployment == gitlabapi.GitLabCom {
		root := t.rootGroupID()
		if root == 0 {
			return nil, status.Errorf(codes.NotFound,
				"custom role %d cannot be used on %s: on GitLab.com custom roles belong to a top-level group", roleID, t.describe())
		}
		path = "groups/" + strconv.FormatInt(root, 10) + "/member_roles"
		where = fmt.Sprintf("the custom roles of top-level group %d (GET /groups/%d/member_roles)", root, root)
	}
	var roles []provMemberRole
	if _, err := c.provDo(ctx, http.MethodGet, path, nil, &roles); err != nil {
		return nil, provMapError(err, fmt.Sprintf("reading custom role %d from %s", roleID, where))
	}
	for i := range roles {
		if roles[i].ID == roleID {
			return &roles[i], nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "custom role %d is not among %s, so it cannot be granted on %s", roleID, where, t.describe())
}

// ---- Helpers -----------------------------------------------------------------------

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

// provGrant builds the grant as sync reports a direct membership.
func provGrant(ent *v2.Entitlement, kind string, targetID int64, slug string, principal *v2.Resource, m *provMember) *v2.Grant {
	res := ent.GetResource()
	if res == nil {
		res = v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: kind, Resource: strconv.FormatInt(targetID, 10)}.Build()}.Build()
	}
	md := map[string]interface{}{
		"source":       "direct",
		"access_level": m.level(),
	}
	if exp := m.expiresAt(); exp != "" {
		md["expires_at"] = exp
	}
	return grant.NewGrant(res, slug, principal.GetId(), grant.WithGrantMetadata(md))
}

// provHTTPStatus is the HTTP status and GitLab's message of a client-go error (0 when
// the request got no HTTP answer).
func provHTTPStatus(err error) (int, string) {
	return gitlabapi.HTTPStatus(err), gitlabapi.GitLabMessage(err)
}

// provOutcomeUnknown reports whether a failed write may have been applied (or already was
// by an earlier try), so the state must be read again before deciding.
func provOutcomeUnknown(err error, method string) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	code, _ := provHTTPStatus(err)
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

// provMapError maps a GitLab error to a gRPC status (gitlabapi.MapError).
func provMapError(err error, doing string) error {
	return gitlabapi.MapError(err, doing)
}
