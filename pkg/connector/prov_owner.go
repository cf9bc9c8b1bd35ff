package connector

import (
	"context"
	"regexp"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// provCheckNotLastOwner refuses to remove (or demote) a group's last Owner, as GitLab
// does (it answers 403; we check first so the message says what to do). GitLab's rule
// (GroupMemberPolicy prevents update/destroy_group_member when
// GroupMember#last_owner_of_the_group?, app/models/members/group_member.rb): the Owners of
// Group#member_owners_excluding_project_bots (app/models/group.rb), without the member's
// own row, must not be empty. Those Owners are:
//   - top-level group: its direct members at Owner (not Minimal Access, not invitations,
//     not access requests, not awaiting: without_invites_and_requests);
//   - subgroup: members_with_parents: direct Owners of the group and its ancestors, and
//     members of groups shared into it (or an ancestor) whose level capped by the share is
//     Owner.
//
// Project bots (the users of project and group access tokens: user_type project_bot) do
// not count, service accounts do; blocked users DO (GitLab does not look at the user's
// state).
// Every list is read fresh.
func (c *Connector) provCheckNotLastOwner(ctx context.Context, t *provTarget, userID int64, who, verb string) error {
	if t.kind != provGroup {
		return nil
	}
	n, err := c.otherOwners(ctx, t, userID)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return status.Errorf(codes.FailedPrecondition,
		"cannot %s %s: they are the last Owner of group %s, and GitLab requires every group to keep an Owner; add another Owner first",
		verb, who, t.path)
}

// otherOwners counts the group's Owners other than the user's own row (stopping at the
// first), by GitLab's rule above.
func (c *Connector) otherOwners(ctx context.Context, t *provTarget, userID int64) (int, error) {
	all := c.freshInputs(0) // every member, read fresh
	isOwner := func(m *directMember) bool {
		return m.Level == gitlab.OwnerPermissions && !m.Awaiting && !accessTokenBot.MatchString(m.Username)
	}
	chain := []int64{t.id}
	if !t.topLevel {
		for _, g := range t.chain {
			chain = append(chain, g.ID)
		}
	}
	for i, gid := range chain {
		ms, err := all.directGroupMembers(ctx, gid)
		if err != nil {
			return 0, err
		}
		for _, m := range ms {
			if isOwner(m) && !(i == 0 && m.UserID == userID) {
				return 1, nil
			}
		}
	}
	if t.topLevel {
		return 0, nil
	}
	for _, gid := range chain {
		shares, err := all.groupShares(ctx, gid)
		if err != nil {
			return 0, err
		}
		for _, sh := range shares {
			if sh.Level != gitlab.OwnerPermissions {
				continue
			}
			ms, err := all.directGroupMembers(ctx, sh.GroupID)
			if err != nil {
				return 0, err
			}
			for _, m := range ms {
				if isOwner(m) {
					return 1, nil
				}
			}
		}
	}
	return 0, nil
}

// isLastOwnerOf reports whether the user is a group's last Owner by GitLab's rule above
// (a direct, active Owner with no other Owner), reading fresh; path is the group's full path.
func (c *Connector) isLastOwnerOf(ctx context.Context, groupID, userID int64) (bool, string, error) {
	t, err := provLoadTarget(ctx, c.freshInputs(userID), provGroup, groupID)
	if err != nil {
		return false, "", err
	}
	m, err := c.readDirectMember(ctx, provGroup, groupID, userID)
	if err != nil || m == nil || m.Level != gitlab.OwnerPermissions || m.Awaiting {
		return false, t.path, err
	}
	n, err := c.otherOwners(ctx, t, userID)
	return n == 0 && err == nil, t.path, err
}

// accessTokenBot matches the usernames GitLab gives project and group access tokens'
// bot users (project_<id>_bot_<n>, group_<id>_bot_<n>): User#project_bot?.
var accessTokenBot = regexp.MustCompile(`^(project|group)_\d+_bot(_[0-9a-z]+)?$`)
