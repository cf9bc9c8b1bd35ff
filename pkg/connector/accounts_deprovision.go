package connector

// Deprovisioning of accounts: Delete on the `user` resource type (the SDK's
// ResourceDeleterV2). Self-managed GitLab with an administrator's token: the instance
// user is blocked, deactivated or deleted (--deprovision-action). Otherwise (GitLab.com,
// a non-admin token): the user is removed from the organisation's groups and projects; a
// pending account's invitations are cancelled.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Delete deprovisions an account. Self-managed with an admin token: --deprovision-action
// (block, the default; deactivate; delete). Otherwise: the user is removed from every
// group and project of the organisation; a pending account's invitations are cancelled.
// An account that no longer exists is reported with v2.ResourceDoesNotExist, not an error.
func (s *userSyncer) Delete(ctx context.Context, id *v2.ResourceId, _ *v2.ResourceId) (annotations.Annotations, error) {
	if id.GetResourceType() != userResourceTypeID {
		return nil, status.Errorf(codes.InvalidArgument, "deleting %s %q: only accounts (user) can be deleted here", id.GetResourceType(), id.GetResource())
	}
	if email, ok := pendingAccountEmailFromID(id.GetResource()); ok {
		return s.cancelInvitations(ctx, strings.ToLower(email))
	}
	userID, err := strconv.ParseInt(id.GetResource(), 10, 64)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "deleting account %q: not a GitLab user id nor invitation:<email>", id.GetResource())
	}
	direct, err := s.c.createsAccountsDirectly(ctx)
	if err != nil {
		return nil, err
	}
	if direct {
		return s.deprovisionInstanceUser(ctx, userID)
	}
	return s.removeFromOrganisation(ctx, userID)
}

// deprovisionInstanceUser applies --deprovision-action to an instance user.
//
// deactivate: GitLab refuses to deactivate a blocked user (blocked, ldap_blocked, banned,
// blocked_pending_approval). Such a user already cannot sign in, which is what
// deprovisioning asks for: it is a success without change, with a log note. (The
// `deactivate` action keeps GitLab's refusal: there the operator asked for that state.)
func (s *userSyncer) deprovisionInstanceUser(ctx context.Context, userID int64) (annotations.Annotations, error) {
	action := s.c.settings.DeprovisionAction
	if action == "" {
		action = DeprovisionBlock
	}
	switch action {
	case DeprovisionBlock, DeprovisionDeactivate:
		err := s.c.changeUserState(ctx, userID, string(action))
		switch {
		case err == nil:
			return nil, nil
		case status.Code(err) == codes.NotFound:
			return annotations.New(&v2.ResourceDoesNotExist{}), nil
		case action == DeprovisionDeactivate && status.Code(err) == codes.FailedPrecondition:
			if u, _, gerr := s.c.client.API.Users.GetUser(userID, gitlab.GetUsersOptions{}, gitlab.WithContext(ctx)); gerr == nil && u != nil && isBlockedUserState(u.State) {
				ctxzap.Extract(ctx).Info("GitLab user is already blocked and cannot sign in: left as it is (GitLab does not deactivate a blocked user)",
					zap.Int64("user_id", userID), zap.String("username", u.Username), zap.String("state", u.State))
				return nil, nil
			}
		}
		return nil, err
	case DeprovisionDelete:
		return s.deleteInstanceUser(ctx, userID)
	}
	return nil, status.Errorf(codes.InvalidArgument, "--deprovision-action %q: use block, deactivate or delete", action)
}

// deleteInstanceUser: DELETE /users/:id, never hard_delete (which would also delete the
// groups the user solely owns and their contributions). GitLab deletes asynchronously.
// 409 when the user is the sole owner of a group.
// https://docs.gitlab.com/api/users/#delete-a-user
func (s *userSyncer) deleteInstanceUser(ctx context.Context, userID int64) (annotations.Annotations, error) {
	_, err := s.c.client.API.Users.DeleteUser(userID, gitlab.WithContext(ctx))
	switch {
	case err == nil:
		return nil, nil
	case gitlabapi.IsNotFound(err):
		return annotations.New(&v2.ResourceDoesNotExist{}), nil
	case gitlabapi.IsConflict(err):
		who := s.c.userLabel(ctx, userID)
		groups := s.soleOwnedGroups(ctx, userID)
		what := "the groups they are the sole Owner of"
		if len(groups) == 1 {
			what = "group " + groups[0]
		} else if len(groups) > 1 {
			what = "groups " + strings.Join(groups, ", ")
		}
		return nil, status.Errorf(codes.FailedPrecondition,
			"GitLab refuses to delete %s: %s (%s): transfer ownership of %s first, or use --deprovision-action block",
			who, "they are the sole Owner of a group", gitlabapi.GitLabMessage(err), what)
	}
	return nil, gitlabapi.MapError(err, "deleting GitLab user "+s.c.userLabel(ctx, userID))
}

// soleOwnedGroups names the groups the user is the last Owner of, for the 409 message:
// the user's direct Owner memberships (GET /users/:id/memberships?type=Namespace, admin,
// every page) for which GitLab's last-Owner rule holds (isLastOwnerOf, prov_owner.go).
// Best effort: nil when GitLab does not tell.
// https://docs.gitlab.com/api/users/#list-projects-and-groups-that-a-user-is-a-member-of
func (s *userSyncer) soleOwnedGroups(ctx context.Context, userID int64) []string {
	ms, err := s.c.client.ListUserMemberships(ctx, userID, gitlabapi.GroupMemberships)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range ms {
		if m.SourceType != gitlabapi.GroupMemberships || m.AccessLevel != gitlab.OwnerPermissions {
			continue
		}
		if last, path, err := s.c.isLastOwnerOf(ctx, m.SourceID, userID); err == nil && last {
			out = append(out, path)
		}
	}
	return out
}

// removal records what a deprovisioning did and what it had to leave, for ONE final
// answer: sources the token cannot manage do not stop the others.
type removal struct {
	who  string
	done []string
	left []string
	// remains: where the user keeps access the organisation cannot remove (a share with
	// a group outside it, an ancestor outside it).
	remains []string
}

// result: anything left → PermissionDenied listing what was left and what was done;
// access that remains through groups outside the organisation → FailedPrecondition
// naming them; nothing found → ResourceDoesNotExist.
func (r *removal) result(ctx context.Context, what string) (annotations.Annotations, error) {
	ctxzap.Extract(ctx).Info(what, zap.String("account", r.who), zap.Strings("done", r.done), zap.Strings("left", r.left))
	if len(r.left) > 0 {
		done := "nothing else"
		if len(r.done) > 0 {
			done = strings.Join(r.done, "; ")
		}
		return nil, status.Errorf(codes.PermissionDenied, "%s of %s is incomplete: left: %s. Done: %s",
			what, r.who, strings.Join(r.left, "; "), done)
	}
	if len(r.remains) > 0 {
		done := "nothing was found to remove"
		if len(r.done) > 0 {
			done = "done: " + strings.Join(r.done, "; ")
		}
		return nil, status.Errorf(codes.FailedPrecondition,
			"%s of %s is incomplete: they keep access through %s, which the organisation cannot remove: remove them from those groups or remove the shares (%s)",
			what, r.who, strings.Join(r.remains, "; "), done)
	}
	if len(r.done) == 0 {
		return annotations.New(&v2.ResourceDoesNotExist{}), nil
	}
	return nil, nil
}

// fail is err (an unexpected failure that stops the deprovisioning), saying what was
// already done.
func (r *removal) fail(err error) error {
	if len(r.done) == 0 {
		return err
	}
	return status.Errorf(status.Code(err), "%s (already done for %s: %s)", status.Convert(err).Message(), r.who, strings.Join(r.done, "; "))
}

// removeFromOrganisation removes a user from every group and project of the
// organisation, where GitLab has no admin API (GitLab.com, or a non-admin token).
//
// The organisation's groups and projects are read fresh (not from a sync's cache: the
// sync may be hours old).
//
//  1. Pre-check: GitLab refuses to remove the last Owner of a top-level group. When the
//     user is a direct Owner of one of the organisation's top-level groups with no other
//     active Owner, nothing is changed and the error names the groups.
//  2. Each top-level group: DELETE /groups/:id/billable_members/:user_id removes the
//     user's direct memberships of the group, its subgroups and its projects in one call
//     (the token's user must be an Owner; GitLab.com Premium/Ultimate and licensed
//     self-managed instances). "No member found" means there is nothing to remove there.
//     https://docs.gitlab.com/api/members/#remove-a-billable-member-from-a-group
//  3. Where GitLab refuses that call (400: not an Owner, or no such feature; 403; 404:
//     CE; and roots that are subgroups), the hierarchy is walked: DELETE
//     /groups/:id/members/:user_id on the root removes a direct member with their direct
//     memberships below; otherwise the subgroups (parents first) and projects are checked
//     one by one with GET .../members/:user_id and the user is removed where found.
//  4. Personal projects (self-managed) the same way.
//
// A group or project the token cannot manage (403) does not stop the rest: the answer is
// ONE PermissionDenied error listing what was left (and the role the token's user needs
// there) and what was done.
// On GitLab.com reads are 2,000/min, member removals 60/min per group or project.
// https://docs.gitlab.com/api/members/#remove-a-member-from-a-group-or-project
func (s *userSyncer) removeFromOrganisation(ctx context.Context, userID int64) (annotations.Annotations, error) {
	o := newOrganisationState(s.c, time.Now())
	tree, err := o.groupTree(ctx)
	if err != nil {
		return nil, err
	}
	projects, err := o.projectSet(ctx)
	if err != nil {
		return nil, err
	}
	who := s.c.userLabel(ctx, userID)

	var lastOwnerOf []string
	for _, root := range tree.roots {
		g := tree.groups[root]
		if g.ParentID != 0 {
			continue // a subgroup has its ancestors' Owners
		}
		last, _, err := s.c.isLastOwnerOf(ctx, g.ID, userID)
		if err != nil {
			return nil, err
		}
		if last {
			lastOwnerOf = append(lastOwnerOf, g.FullPath)
		}
	}
	if len(lastOwnerOf) > 0 {
		return nil, status.Errorf(codes.FailedPrecondition,
			"GitLab refuses to remove %s from the organisation: they are the last Owner of top-level group %s: "+
				"make someone else an Owner there first; nothing was removed",
			who, strings.Join(lastOwnerOf, ", "))
	}

	r := &removal{who: who}
	for _, root := range tree.roots {
		g := tree.groups[root]
		if g.ParentID == 0 {
			handled, err := s.removeBillableMember(ctx, g, userID, r)
			if err != nil {
				return nil, r.fail(err)
			}
			if handled {
				continue
			}
		}
		if err := s.removeFromGroupTree(ctx, tree, projects, root, userID, r); err != nil {
			return nil, r.fail(err)
		}
	}
	for _, pid := range projects.personal {
		if err := s.removeProjectMember(ctx, projects.byID[pid], userID, r); err != nil {
			return nil, r.fail(err)
		}
	}
	// Direct memberships still there: GitLab.com may only schedule a billable member's
	// removal (PruneDeletionsWorker), and drops it silently when it cannot apply it. One
	// GET /groups/:id/billable_members/:user_id/memberships per top-level group tells.
	for _, root := range tree.roots {
		if g := tree.groups[root]; g.ParentID == 0 {
			ms, err := s.c.client.ListBillableMemberMemberships(ctx, g.ID, userID)
			if err != nil {
				continue // not an Owner there, or no such API: the removals above stand
			}
			for _, m := range ms {
				r.remains = append(r.remains, fmt.Sprintf("their direct membership of %s, still there (a removal GitLab scheduled may be pending)", m.SourceFullName))
			}
		}
	}
	remains, err := s.c.accessRemaining(ctx, tree, projects, userID)
	if err != nil {
		return nil, r.fail(err)
	}
	r.remains = append(r.remains, remains...)
	return r.result(ctx, "removing the GitLab user from the organisation")
}

// removeBillableMember: DELETE /groups/:id/billable_members/:user_id on a top-level
// group. handled is true when the hierarchy needs no walk: removed, or GitLab says the
// user has no membership there.
func (s *userSyncer) removeBillableMember(ctx context.Context, g *orgGroup, userID int64, r *removal) (bool, error) {
	removed, err := s.c.client.DeleteBillableMember(ctx, g.ID, userID)
	switch {
	case err == nil && removed:
		r.done = append(r.done, fmt.Sprintf("removed from group %s, its subgroups and projects", g.FullPath))
		return true, nil
	case err == nil:
		return true, nil // GitLab: no membership there
	case gitlabapi.IsBadRequest(err), gitlabapi.IsForbidden(err), gitlabapi.IsNotFound(err):
		ctxzap.Extract(ctx).Debug("GitLab refused the billable member removal; removing membership by membership",
			zap.String("group", g.FullPath), zap.Int("status", gitlabapi.HTTPStatus(err)), zap.String("gitlab_message", gitlabapi.GitLabMessage(err)))
		return false, nil
	}
	return false, gitlabapi.Rephrase(err, fmt.Sprintf("removing %s from group %s (billable members)", r.who, g.FullPath))
}

// removeFromGroupTree removes the user's direct memberships in the subtree of groupID:
// the group (a subgroup is checked first: a blind DELETE costs a removal request), else
// its subgroups and projects.
func (s *userSyncer) removeFromGroupTree(ctx context.Context, tree *groupTree, projects *projectSet, groupID, userID int64, r *removal) error {
	g := tree.groups[groupID]
	member := true
	if g.ParentID != 0 && tree.groups[g.ParentID] != nil {
		m, err := s.c.client.GetDirectMember(ctx, gitlabapi.Groups, groupID, userID)
		if err != nil {
			return gitlabapi.Rephrase(err, fmt.Sprintf("checking %s's membership of group %s", r.who, g.FullPath))
		}
		member = m != nil
	}
	if member {
		removed, err := s.removeGroupMember(ctx, g, userID, r)
		if err != nil {
			return err
		}
		if removed {
			return nil // GitLab removed the user's direct memberships below too
		}
	}
	for _, child := range tree.children[groupID] {
		if err := s.removeFromGroupTree(ctx, tree, projects, child, userID, r); err != nil {
			return err
		}
	}
	for _, pid := range projects.byGroup[groupID] {
		if err := s.removeProjectMember(ctx, projects.byID[pid], userID, r); err != nil {
			return err
		}
	}
	return nil
}

// removeGroupMember: DELETE /groups/:id/members/:user_id. removed is false when the user
// is not a direct member there (404) or the token cannot remove them (noted in r).
func (s *userSyncer) removeGroupMember(ctx context.Context, g *orgGroup, userID int64, r *removal) (bool, error) {
	_, err := s.c.client.API.GroupMembers.RemoveGroupMember(g.ID, userID, nil, gitlab.WithContext(ctx))
	switch {
	case err == nil:
		r.done = append(r.done, "removed from group "+g.FullPath)
		return true, nil
	case gitlabapi.IsNotFound(err):
		return false, nil
	case gitlabapi.IsForbidden(err):
		if last, _, _ := s.c.isLastOwnerOf(ctx, g.ID, userID); last {
			r.left = append(r.left, fmt.Sprintf("group %s: they are its last Owner (make someone else an Owner first)", g.FullPath))
		} else {
			r.left = append(r.left, fmt.Sprintf("group %s: GitLab refused (%s): the token's user needs the Owner role in group %s",
				g.FullPath, gitlabapi.GitLabMessage(err), g.FullPath))
		}
		return false, nil
	}
	return false, gitlabapi.MapError(err, fmt.Sprintf("removing %s from group %s", r.who, g.FullPath))
}

// removeProjectMember removes a direct project member, after checking it is one.
func (s *userSyncer) removeProjectMember(ctx context.Context, p *orgProject, userID int64, r *removal) error {
	m, err := s.c.client.GetDirectMember(ctx, gitlabapi.Projects, p.ID, userID)
	if err != nil {
		return gitlabapi.Rephrase(err, fmt.Sprintf("checking %s's membership of project %s", r.who, p.PathWithNamespace))
	}
	if m == nil {
		return nil
	}
	_, err = s.c.client.API.ProjectMembers.DeleteProjectMember(p.ID, userID, gitlab.WithContext(ctx))
	switch {
	case err == nil:
		r.done = append(r.done, "removed from project "+p.PathWithNamespace)
		return nil
	case gitlabapi.IsNotFound(err):
		return nil
	case gitlabapi.IsForbidden(err):
		role := "Maintainer"
		if m.AccessLevel == gitlab.OwnerPermissions {
			role = "Owner" // only an Owner removes an Owner
		}
		r.left = append(r.left, fmt.Sprintf("project %s: GitLab refused (%s): the token's user needs the %s role in project %s",
			p.PathWithNamespace, gitlabapi.GitLabMessage(err), role, p.PathWithNamespace))
		return nil
	}
	return gitlabapi.MapError(err, fmt.Sprintf("removing %s from project %s", r.who, p.PathWithNamespace))
}

// cancelInvitations cancels every pending invitation of email in the organisation's
// groups and projects. GitLab lists invitations per group or project only (there is no
// search across them, even for an administrator), so each source's invitations are read
// (GET .../invitations, fresh: a sync's copy may be hours old) and DELETE
// .../invitations/:email is sent only where the email is invited, with the email as
// GitLab stored it (GitLab matches it exactly, case included). A source whose invitations
// the token may not read (403) is skipped with a warning, as the sync skips it; an
// invitation the token may not cancel (an Owner invitation needs an Owner) does not stop
// the others: ONE error lists what was left and what was done.
// https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
// https://docs.gitlab.com/api/invitations/#delete-an-invitation-to-a-group-or-project
func (s *userSyncer) cancelInvitations(ctx context.Context, email string) (annotations.Annotations, error) {
	nodes, err := newOrganisationState(s.c, time.Now()).nodes(ctx)
	if err != nil {
		return nil, err
	}
	r := &removal{who: "invitation:" + email}
	var unreadable []string
	cancel := func(kind gitlabapi.SourceKind, id int64, path string) error {
		inv, err := s.findInvitation(ctx, kind, id, path, email)
		switch {
		case gitlabapi.IsForbidden(err):
			unreadable = append(unreadable, path)
			return nil
		case gitlabapi.IsNotFound(err):
			return nil // deleted since the listing
		case err != nil:
			return err
		case inv == nil:
			return nil
		}
		err = s.c.client.DeleteInvitation(ctx, kind, id, inv.InviteEmail)
		what := kind.Singular() + " " + path
		switch {
		case err == nil:
			r.done = append(r.done, "cancelled the invitation to "+what)
			return nil
		case gitlabapi.IsNotFound(err):
			return nil // accepted or cancelled meanwhile
		case gitlabapi.IsForbidden(err):
			role := "Owner"
			if kind == gitlabapi.Projects && inv.AccessLevel < gitlab.OwnerPermissions {
				role = "Maintainer"
			}
			r.left = append(r.left, fmt.Sprintf("the %s invitation to %s: GitLab refused (%s): the token's user needs the %s role there",
				accessLevelName(inv.AccessLevel), what, gitlabapi.GitLabMessage(err), role))
			return nil
		}
		return gitlabapi.Rephrase(err, fmt.Sprintf("cancelling the invitation of %s to %s", email, what))
	}
	for _, n := range nodes {
		if err := cancel(sourceKind(n.Kind), n.ID, n.FullPath); err != nil {
			return nil, r.fail(err)
		}
	}
	if len(unreadable) > 0 {
		ctxzap.Extract(ctx).Warn("the token's user may not list invitations of some groups or projects: invitations there (if any) were not cancelled",
			zap.String("email", email), zap.Strings("skipped", unreadable))
	}
	return r.result(ctx, "cancelling the GitLab invitations")
}

// userLabel names a user in messages: "bob (id 102)", or "user 102" when GitLab does not say.
func (c *Connector) userLabel(ctx context.Context, userID int64) string {
	u, _, err := c.client.API.Users.GetUser(userID, gitlab.GetUsersOptions{}, gitlab.WithContext(ctx))
	if err != nil || u == nil || u.Username == "" {
		return fmt.Sprintf("user %d", userID)
	}
	return fmt.Sprintf("%s (id %d)", u.Username, userID)
}
