package connector

// Account creation without an admin API (GitLab.com, a non-admin token): an
// invitation of the email to --account-creation-group.

import (
	"context"
	"fmt"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// inviteAccount invites req.email to --account-creation-group at
// --account-creation-access-level. The result is the pending account
// (`invitation:<email>`); when GitLab turned the invitation into a membership at once
// (the email belongs to a GitLab user who was not a member of the group) it is that
// user's real account.
//
// GitLab answers 201 whatever happened; the body's "status" says what did (see
// gitlabapi.InvitationResult): "error" is an error carrying GitLab's message.
// https://docs.gitlab.com/api/invitations/
//
// Before inviting (the pre-check), nothing is sent and an already-exists result is
// returned when:
//   - the email already has a pending invitation to the group: its invitation is left
//     as it is (GitLab would update its level);
//   - a direct member of the group has this email, where the member listing shows
//     emails (administrators; Owners for enterprise users).
//
// Since GitLab 17, inviting a member's email again is not refused: GitLab
// (Members::CreatorService) OVERWRITES that member's access level (it could demote an
// Owner to Guest), expiry and custom role with the invitation's. On GitLab.com the member
// listing hides most emails, so the pre-check cannot always see that the email is a
// member's. The group's direct members are therefore read before and after the
// invitation (see invitationOutcome): the email's account is the member whose state
// after is exactly what the invitation writes and whose state before was different (or
// who was not a member). Exactly one such member that existed before is put back as it
// was and returned as already-exists; exactly one new member is the success. Anything
// else is an error that names the members concerned.
func (s *userSyncer) inviteAccount(ctx context.Context, req accountRequest) (connectorbuilder.CreateAccountResponse, annotations.Annotations, error) {
	group, err := s.c.checkGroupSetting(ctx, "--account-creation-group", s.c.settings.AccountCreationGroup)
	if err != nil {
		return nil, nil, err
	}
	email := strings.ToLower(req.email)
	alreadyExists := func(r *v2.Resource) (connectorbuilder.CreateAccountResponse, annotations.Annotations, error) {
		return v2.CreateAccountResponse_AlreadyExistsResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil
	}
	success := func(r *v2.Resource) (connectorbuilder.CreateAccountResponse, annotations.Annotations, error) {
		return v2.CreateAccountResponse_SuccessResult_builder{Resource: r, IsCreateAccountResult: true}.Build(), nil, nil
	}

	if r, inv, err := s.invitedAccount(ctx, group, email); err != nil {
		return nil, nil, err
	} else if r != nil {
		ctxzap.Extract(ctx).Info("GitLab invitation already pending; left as it is",
			zap.String("group", group.FullPath), zap.Int("access_level", int(inv.AccessLevel)))
		return alreadyExists(r)
	}

	members, err := s.groupDirectMembers(ctx, group)
	if err != nil {
		return nil, nil, err
	}
	before := make(map[int64]*gitlabapi.Member, len(members))
	for _, m := range members {
		before[m.ID] = m
		if m.Email != "" && strings.EqualFold(m.Email, email) {
			r, err := s.accountResourceForMember(ctx, m)
			if err != nil {
				return nil, nil, err
			}
			return alreadyExists(r)
		}
	}

	level := s.c.settings.AccountCreationAccessLevel
	if level == 0 {
		level = gitlab.GuestPermissions
	}
	res, err := s.c.client.CreateGroupInvitation(ctx, group.ID, gitlabapi.InvitationOptions{Email: req.email, AccessLevel: level})
	if err != nil {
		return nil, nil, gitlabapi.Rephrase(err, fmt.Sprintf("inviting %s to group %s", req.email, group.FullPath))
	}
	if !res.Succeeded() {
		return nil, nil, status.Errorf(codes.FailedPrecondition,
			"inviting %s to group %s as %s: GitLab refused the invitation: %s",
			req.email, group.FullPath, accessLevelName(level), res.Text())
	}

	if r, _, err := s.invitedAccount(ctx, group, email); err != nil {
		return nil, nil, err
	} else if r != nil {
		return success(r)
	}

	// No pending invitation: the email is an existing GitLab user's, whom GitLab made a
	// member (new) or whose membership it overwrote with the invitation's.
	after, err := s.groupDirectMembers(ctx, group)
	if err != nil {
		return nil, nil, err
	}
	out := invitationOutcome(before, after, level)
	l := ctxzap.Extract(ctx)
	switch {
	case len(out.added) == 1 && len(out.changed) == 0:
		r, err := s.accountResourceForMember(ctx, out.added[0])
		if err != nil {
			return nil, nil, err
		}
		return success(r)
	case len(out.added) == 0 && len(out.changed) == 1:
		old := before[out.changed[0].ID]
		if err := s.restoreGroupMember(ctx, group, old); err != nil {
			return nil, nil, err
		}
		l.Warn("GitLab applied the invitation to an existing member (the email is theirs); their membership was put back as it was",
			zap.String("group", group.FullPath), zap.Int64("user_id", old.ID), zap.String("username", old.Username),
			zap.String("access_level", accessLevelName(old.AccessLevel)), zap.String("expires_at", string(old.ExpiresAt)))
		r, err := s.accountResourceForMember(ctx, old)
		if err != nil {
			return nil, nil, err
		}
		return alreadyExists(r)
	case len(out.added)+len(out.changed) > 1:
		return nil, nil, s.ambiguousInvitation(ctx, group, req.email, level, before, out)
	case len(out.unchanged) == 1:
		// GitLab changed nothing: the email's account was already a direct member in
		// exactly the invitation's state, and only one member is in that state.
		l.Info("the invited email belongs to an existing member of the group; GitLab changed nothing",
			zap.String("group", group.FullPath), zap.Int64("user_id", out.unchanged[0].ID), zap.String("username", out.unchanged[0].Username))
		r, err := s.accountResourceForMember(ctx, out.unchanged[0])
		if err != nil {
			return nil, nil, err
		}
		return alreadyExists(r)
	}
	return nil, nil, status.Errorf(codes.FailedPrecondition,
		"inviting %s to group %s: the email belongs to an existing member of %s: GitLab neither invited nor changed anyone, "+
			"and GitLab.com does not show members' emails, so the connector cannot tell which member it is "+
			"(%d direct members are %s with no expiry): find the account among the group's members; trying again will not change this",
		req.email, group.FullPath, group.FullPath, len(out.unchanged), accessLevelName(level))
}

// invitationChanges sorts the group's direct members after an invitation that GitLab
// applied to an existing user: only members whose state after is exactly what the
// invitation writes (its level, no expiry, no custom role) can be the email's account.
type invitationChanges struct {
	added     []*gitlabapi.Member // not a member before
	changed   []*gitlabapi.Member // a member before, in another state
	unchanged []*gitlabapi.Member // already in that state before
}

func invitationOutcome(before map[int64]*gitlabapi.Member, after []*gitlabapi.Member, level gitlab.AccessLevelValue) invitationChanges {
	var out invitationChanges
	for _, m := range after {
		if m.AccessLevel != level || m.ExpiresAt != "" || m.MemberRoleID() != 0 {
			continue // not what the invitation writes: someone else's change, or untouched
		}
		old := before[m.ID]
		switch {
		case old == nil:
			out.added = append(out.added, m)
		case !sameMembership(old, m):
			out.changed = append(out.changed, m)
		default:
			out.unchanged = append(out.unchanged, m)
		}
	}
	return out
}

// ambiguousInvitation: GitLab applied the invitation to an existing user, and several
// members (new or changed) are now exactly in the invitation's state: the email's
// account is one of them, the others were changed by someone else at the same moment.
// Which is which cannot be told, so nothing is put back on a guess, except where putting
// back only takes access away (the member's level before was below the invitation's, or
// the same level with an expiry): undoing someone else's change there grants nothing.
// The error names every member concerned, before and after.
func (s *userSyncer) ambiguousInvitation(ctx context.Context, group *gitlab.Group, email string, level gitlab.AccessLevelValue,
	before map[int64]*gitlabapi.Member, out invitationChanges) error {
	var lines []string
	for _, m := range out.added {
		lines = append(lines, fmt.Sprintf("%s (id %d) became a %s member", m.Username, m.ID, accessLevelName(level)))
	}
	for _, m := range out.changed {
		old := before[m.ID]
		line := fmt.Sprintf("%s (id %d) changed from %s to %s", m.Username, m.ID, membershipLabel(old), accessLevelName(level))
		if restoringOnlyRemovesAccess(old, level) {
			if err := s.restoreGroupMember(ctx, group, old); err != nil {
				line += " (putting it back failed: set it back by hand)"
			} else {
				line += " (put back: that only removes access)"
			}
		} else {
			line += " (left as it is)"
		}
		lines = append(lines, line)
	}
	return status.Errorf(codes.FailedPrecondition,
		"inviting %s to group %s as %s: GitLab applied the invitation to an existing account, but %d members are now in the invitation's state "+
			"and the connector cannot tell which one the email belongs to (a change made by someone else at the same time): %s. "+
			"Check these memberships in GitLab and set back the one that belongs to %s",
		email, group.FullPath, accessLevelName(level), len(lines), strings.Join(lines, "; "), email)
}

// restoringOnlyRemovesAccess: putting old back lowers the member's access from the
// invitation's level (no custom role before, whose abilities could be more).
func restoringOnlyRemovesAccess(old *gitlabapi.Member, level gitlab.AccessLevelValue) bool {
	if old.MemberRoleID() != 0 {
		return false
	}
	return old.AccessLevel < level || (old.AccessLevel == level && old.ExpiresAt != "")
}

func membershipLabel(m *gitlabapi.Member) string {
	s := accessLevelName(m.AccessLevel)
	if m.MemberRole != nil {
		s = fmt.Sprintf("custom role %q (%s)", m.MemberRole.Name, s)
	}
	if m.ExpiresAt != "" {
		s += " until " + string(m.ExpiresAt)
	}
	return s
}

// sameMembership: same access level, expiry and custom role.
func sameMembership(a, b *gitlabapi.Member) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.AccessLevel == b.AccessLevel && a.ExpiresAt == b.ExpiresAt && a.MemberRoleID() == b.MemberRoleID()
}

// restoreGroupMember puts a direct membership back as it was (PUT
// /groups/:id/members/:user_id with its level, expiry and custom role).
// https://docs.gitlab.com/api/members/#edit-a-member-of-a-group-or-project
func (s *userSyncer) restoreGroupMember(ctx context.Context, group *gitlab.Group, old *gitlabapi.Member) error {
	_, err := s.c.client.EditMember(ctx, gitlabapi.Groups, group.ID, old.ID, gitlabapi.EditMemberOptions{
		AccessLevel: old.AccessLevel, ExpiresAt: old.ExpiresAt, MemberRoleID: old.MemberRoleID(),
	})
	if err != nil {
		return gitlabapi.Rephrase(err, fmt.Sprintf(
			"GitLab changed %s's membership of %s when their email was invited, and putting it back (%s) failed: set it back by hand",
			old.Username, group.FullPath, accessLevelName(old.AccessLevel)))
	}
	return nil
}

// findGroupInvitation: the group's pending invitation of exactly that email
// (case-insensitive), or nil. GET /groups/:id/invitations, every page, WITHOUT ?query=:
// GitLab matches query with SQL equality (retrieve_member_invitations:
// where(invite_email: query)), which is case-sensitive, and an invitation may be stored as
// Jane.Doe@Example.com.
// https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
func (s *userSyncer) findGroupInvitation(ctx context.Context, group *gitlab.Group, email string) (*gitlabapi.Invitation, error) {
	return s.findInvitation(ctx, gitlabapi.Groups, group.ID, group.FullPath, email)
}

// invitedAccount is the pending account of email when the group has a pending
// invitation of it (findGroupInvitation), with that invitation; nil when it has none.
func (s *userSyncer) invitedAccount(ctx context.Context, group *gitlab.Group, email string) (*v2.Resource, *gitlabapi.Invitation, error) {
	inv, err := s.findGroupInvitation(ctx, group, email)
	if err != nil || inv == nil {
		return nil, nil, err
	}
	r, err := s.pendingAccount(ctx, email)
	if err != nil {
		return nil, nil, err
	}
	return r, inv, nil
}

// findInvitation looks for email's pending invitation in a group or project (path names
// it in messages).
func (s *userSyncer) findInvitation(ctx context.Context, kind gitlabapi.SourceKind, id int64, path, email string) (*gitlabapi.Invitation, error) {
	invs, err := s.c.client.ListInvitations(ctx, kind, id)
	if err != nil {
		return nil, gitlabapi.Rephrase(err, fmt.Sprintf("listing invitations of %s %s", kind.Singular(), path))
	}
	for _, inv := range invs {
		if strings.EqualFold(inv.InviteEmail, email) {
			return inv, nil
		}
	}
	return nil, nil
}

func (s *userSyncer) groupDirectMembers(ctx context.Context, group *gitlab.Group) ([]*gitlabapi.Member, error) {
	ms, err := s.c.client.ListDirectMembers(ctx, gitlabapi.Groups, group.ID)
	if err != nil {
		return nil, gitlabapi.Rephrase(err, "listing members of group "+group.FullPath)
	}
	return ms, nil
}
