package fakegitlab

import (
	"net/http"
	"sort"
)

// GET /groups/:id/pending_members (EE; the docs mark it Premium and Ultimate):
// https://docs.gitlab.com/api/members/#list-pending-members-of-a-group-and-its-subgroups-and-projects
//
// From GitLab's source:
//   - ee/lib/ee/api/members.rb, get ":id/pending_members": find_group! (404 "404 Group
//     Not Found" for a group the caller cannot see), then `bad_request! unless
//     group.root?`, then `bad_request! unless can?(current_user, :admin_group_member,
//     group)`: a subgroup, and a caller who cannot administer the group's members (an
//     Owner, or an administrator), both answer 400 {"message":"400 Bad request"};
//     `present paginate(members)`: offset pagination (page, per_page, X-Total...).
//   - ee/app/models/ee/member.rb, scope distinct_awaiting_or_invited_for_group:
//     `awaiting.or(::Member.invite).in_hierarchy(group)`, DISTINCT ON (members.user_id,
//     members.invite_email), ORDER BY user_id, invite_email. So:
//       * listed: awaiting memberships, and email invitations whatever their state
//         (Member.invite is invite_token IS NOT NULL), of the group, its subgroups and
//         their projects (app/models/member.rb scope in_hierarchy: root_ancestor's
//         self_and_descendants and all_projects);
//       * one row per user (however many awaiting memberships) and one per invited
//         email (however many sources invite it): ee/spec/models/ee/member_spec.rb
//         "does not return additional results for duplicates";
//       * ordered by user_id, then invite_email: PostgreSQL sorts NULL last, so the
//         users first by id, then the invitations by email.
//   - ee/spec/requests/api/members_spec.rb "GET /groups/:id/pending_members": a
//     non-Owner and a subgroup are bad requests; "returns only pending members" (an
//     active member is left out); "includes activated invited members"; "returns only
//     one membership per user" (and one per invited email); "paginates the response".
//   - ee/lib/api/entities/pending_member.rb: id (the members row's id), name, username
//     and web_url only when the row has a user, email (invite_email, else the user's
//     PRIMARY email), avatar_url (the user's, else the Gravatar of the email), invited
//     (invite?), approved (state active: false for every awaiting row; true for an
//     invitation that is not waiting for a seat).
//
// The fake keeps no membership ids: a user row's id is billableMembershipID of the row
// DISTINCT ON kept (pendingMembers says which), an invitation row's the invitation's id.
// An invited row accepted by a user keeps its invite_email in GitLab (a row of its own
// for DISTINCT ON); the fake does not keep accepted invitations' emails.
// Expired rows are left out: the expiry worker deletes them (effective.go memberExpired).
// Served in both modes: the fake does not model licences.

func (s *Server) pendingMemberRoutes() {
	s.rt.handle(http.MethodGet, "/groups/:id/pending_members", listPendingMembers)
}

// pendingRow is one row of Member.distinct_awaiting_or_invited_for_group: the
// membership row DISTINCT ON kept for a user with awaiting memberships, or for an
// invited email. GET /groups/:id/pending_members renders it (listPendingMembers) and so
// does GraphQL's Group.pendingMembers (graphql_pending_members.go).
type pendingRow struct {
	user     *User // nil for an email invitation
	email    string
	invited  bool
	approved bool
	// The kept row: a GroupMember row of group, or a ProjectMember row of project; member
	// for a user's awaiting row, invite for an email invitation.
	group   int64
	project int64
	member  *Member
	invite  *Invitation
}

// source is the kept row's group or project id.
func (r pendingRow) source() int64 {
	if r.group != 0 {
		return r.group
	}
	return r.project
}

// restID is the REST entity's id: the fake keeps no members.id, so a user row has
// billableMembershipID of its source and user, an invitation row the invitation's id.
func (r pendingRow) restID() int64 {
	if r.invite != nil {
		return r.invite.ID
	}
	return billableMembershipID(r.source(), r.user.ID)
}

// pendingMembers is distinct_awaiting_or_invited_for_group for the top-level group rootID.
//
// Which of a user's (or an email's) rows DISTINCT ON keeps: GitLab's ORDER BY is only
// (user_id, invite_email), the DISTINCT ON key itself, so PostgreSQL keeps whichever row
// of the set its plan meets first ("unpredictable unless ORDER BY is used to ensure that
// the desired row appears first", SELECT DISTINCT ON in the PostgreSQL manual). The fake
// keeps the first in in_hierarchy's UNION order (app/models/member.rb: group_members,
// then project_members): the top-level group, its descendants (w.Descendants order),
// then the projects by id; within a source, users by id and invitations as stored.
func (w *World) pendingMembers(rootID int64) []pendingRow {
	h := w.hierarchyOf(rootID)
	byUser := map[int64]*pendingRow{}
	byEmail := map[string]*pendingRow{}
	var users []*pendingRow
	var invites []*pendingRow
	noteMember := func(group, project int64, uid int64, m *Member) {
		if m == nil || m.MembershipState != "awaiting" || w.memberExpired(m.ExpiresAt) || byUser[uid] != nil {
			return
		}
		u := w.Users[uid]
		if u == nil {
			return
		}
		r := &pendingRow{user: u, email: u.Email, group: group, project: project, member: m}
		byUser[uid] = r
		users = append(users, r)
	}
	noteInvites := func(group, project int64, list []*Invitation) {
		for _, inv := range list {
			// DISTINCT ON compares invite_email as stored. An expired invitation is gone,
			// as an expired membership is: RemoveExpiredMembersWorker destroys every
			// Member.expired row, invitations included (and groupMembers leaves them out).
			if inv == nil || w.memberExpired(inv.ExpiresAt) || byEmail[inv.Email] != nil {
				continue
			}
			r := &pendingRow{email: inv.Email, invited: true, approved: inv.MembershipState != "awaiting",
				group: group, project: project, invite: inv}
			byEmail[inv.Email] = r
			invites = append(invites, r)
		}
	}
	sortedUIDs := func(ms map[int64]*Member) []int64 {
		ids := make([]int64, 0, len(ms))
		for uid := range ms {
			ids = append(ids, uid)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		return ids
	}
	for _, gid := range h.groups {
		for _, uid := range sortedUIDs(w.GroupMembers[gid]) {
			noteMember(gid, 0, uid, w.GroupMembers[gid][uid])
		}
		noteInvites(gid, 0, w.GroupInvitations[gid])
	}
	for _, pid := range h.projects {
		for _, uid := range sortedUIDs(w.ProjectMembers[pid]) {
			noteMember(0, pid, uid, w.ProjectMembers[pid][uid])
		}
		noteInvites(0, pid, w.ProjectInvitations[pid])
	}
	// ORDER BY user_id, invite_email: PostgreSQL sorts NULL last, so the users by id,
	// then the invitations by email.
	sort.SliceStable(users, func(i, j int) bool { return users[i].user.ID < users[j].user.ID })
	sort.SliceStable(invites, func(i, j int) bool { return invites[i].email < invites[j].email })
	out := make([]pendingRow, 0, len(users)+len(invites))
	for _, r := range append(users, invites...) {
		out = append(out, *r)
	}
	return out
}

// listPendingMembers: GET /groups/:id/pending_members[?page=&per_page=].
func listPendingMembers(c *call) {
	g := c.group("id") // find_group!: 404 "404 Group Not Found"
	if g == nil {
		return
	}
	// bad_request! unless group.root? (ee/lib/ee/api/members.rb)
	if g.ParentID != 0 {
		c.message(http.StatusBadRequest, "400 Bad request")
		return
	}
	// bad_request! unless can?(current_user, :admin_group_member, group): Owners and
	// administrators (canManageMembers).
	if !c.canManageMembers(memberSource{group: g}) {
		c.message(http.StatusBadRequest, "400 Bad request")
		return
	}
	rows := c.world.pendingMembers(g.ID)
	render := func(r pendingRow) map[string]any {
		out := map[string]any{
			"id":       r.restID(),
			"email":    r.email,
			"invited":  r.invited,
			"approved": r.approved,
		}
		if r.user != nil {
			out["name"] = r.user.Name
			out["username"] = r.user.Username
			out["web_url"] = c.baseURL() + "/" + r.user.Username
			out["avatar_url"] = avatarURL(r.user.Email)
		} else {
			out["avatar_url"] = avatarURL(r.email)
		}
		return out
	}
	paginateRender(c, rows, pendingRow.restID, nil, render, pageOpts{})
}
