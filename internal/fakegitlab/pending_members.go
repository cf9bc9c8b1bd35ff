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
// The fake keeps no membership ids: a user row's id is billableMembershipID of the first
// of its awaiting rows in the order groups (the top-level group, then its descendants)
// then projects. GitLab's DISTINCT ON picks one of them unspecified.
// An invited row accepted by a user keeps its invite_email in GitLab (a row of its own
// for DISTINCT ON); the fake does not keep accepted invitations' emails.
// Expired rows are left out: the expiry worker deletes them (effective.go memberExpired).
// Served in both modes: the fake does not model licences.

func (s *Server) pendingMemberRoutes() {
	s.rt.handle(http.MethodGet, "/groups/:id/pending_members", listPendingMembers)
}

// pendingRow is one row of the listing: a user with awaiting memberships, or an
// invited email.
type pendingRow struct {
	id       int64
	user     *User
	email    string
	invited  bool
	approved bool
}

// pendingMembers is distinct_awaiting_or_invited_for_group for the top-level group rootID.
func (w *World) pendingMembers(rootID int64) []pendingRow {
	h := w.hierarchyOf(rootID)
	byUser := map[int64]*pendingRow{}
	byEmail := map[string]*pendingRow{}
	var users []*pendingRow
	var invites []*pendingRow
	noteMember := func(sourceID int64, uid int64, m *Member) {
		if m == nil || m.MembershipState != "awaiting" || w.memberExpired(m.ExpiresAt) || byUser[uid] != nil {
			return
		}
		u := w.Users[uid]
		if u == nil {
			return
		}
		r := &pendingRow{id: billableMembershipID(sourceID, uid), user: u, email: u.Email}
		byUser[uid] = r
		users = append(users, r)
	}
	noteInvites := func(list []*Invitation) {
		for _, inv := range list {
			// DISTINCT ON compares invite_email as stored.
			if byEmail[inv.Email] != nil {
				continue
			}
			r := &pendingRow{id: inv.ID, email: inv.Email, invited: true, approved: inv.MembershipState != "awaiting"}
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
			noteMember(gid, uid, w.GroupMembers[gid][uid])
		}
		noteInvites(w.GroupInvitations[gid])
	}
	for _, pid := range h.projects {
		for _, uid := range sortedUIDs(w.ProjectMembers[pid]) {
			noteMember(pid, uid, w.ProjectMembers[pid][uid])
		}
		noteInvites(w.ProjectInvitations[pid])
	}
	sort.Slice(users, func(i, j int) bool { return users[i].user.ID < users[j].user.ID })
	sort.Slice(invites, func(i, j int) bool { return invites[i].email < invites[j].email })
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
			"id":       r.id,
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
	paginateRender(c, rows, func(r pendingRow) int64 { return r.id }, nil, render, pageOpts{})
}
