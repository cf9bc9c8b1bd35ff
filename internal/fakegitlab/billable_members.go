package fakegitlab

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Billable members (GitLab.com Premium/Ultimate, top-level groups):
// https://docs.gitlab.com/api/members/#list-all-billable-members-of-a-group
//
// Behaviour from the docs and GitLab's ee/spec/requests/api/members_spec.rb:
//   - top-level groups only: a subgroup answers 400 {"message":"400 Bad request"};
//   - the token user must be an Owner (read_billable_member): otherwise 400 as well;
//   - only ACTIVE human users count (no blocked/deactivated users, no bots), from the
//     group, its subgroups, its projects, and the groups invited to any of them;
//   - membership_type: group_member, project_member, group_invite, project_invite;
//   - last_login_at is the user's current_sign_in_at, last_activity_on the user's
//     (ee/lib/ee/api/entities/billable_member.rb); email is the public email (null in the
//     fake) except for enterprise users of the group, whose primary email Owners see
//     (billableEmail);
//   - auditors may list them too (read_billable_member: rule { auditor });
//   - .../:user_id/memberships lists the user's DIRECT memberships in the hierarchy
//     (404 "404 Not found" for an unknown user, 404 "404 User Not Found" for a user who
//     is not billable there);
//   - DELETE .../:user_id removes every direct membership in the hierarchy; a user with
//     none answers 400 "400 Bad request - No member found for the given user_id".
// Served in both modes: the fake does not model licences.

var billableSorts = map[string]bool{
	"access_level_asc": true, "access_level_desc": true, "last_joined": true, "name_asc": true,
	"name_desc": true, "oldest_joined": true, "oldest_sign_in": true, "recent_sign_in": true,
	"last_activity_on_asc": true, "last_activity_on_desc": true,
}

func (s *Server) billingRoutes() {
	s.rt.handle(http.MethodGet, "/groups/:id/billable_members", listBillableMembers)
	s.rt.handle(http.MethodGet, "/groups/:id/billable_members/:user_id/memberships", listBillableMemberships)
	s.rt.handle(http.MethodDelete, "/groups/:id/billable_members/:user_id", removeBillableMember)
}

// billableGroupUser resolves :user_id, then :id as billableGroup does.
func (c *call) billableGroupUser() (*Group, int64, bool) {
	uid, ok := c.userIDParam()
	if !ok {
		return nil, 0, false
	}
	g := c.billableGroup()
	return g, uid, g != nil
}

// billableGroup resolves :id and checks top-level and Owner rights (400 otherwise).
func (c *call) billableGroup() *Group {
	g := c.group("id")
	if g == nil {
		return nil
	}
	// read_billable_member: `rule { admin | owner }` and `rule { auditor }`
	// (ee/app/policies/ee/group_policy.rb).
	if g.ParentID != 0 || !(c.isAdmin() || c.me.Auditor || c.world.EffectiveGroupAccess(g.ID, c.me.ID).Level >= Owner) {
		c.message(http.StatusBadRequest, "400 Bad request")
		return nil
	}
	return g
}

// hierarchy is a top-level group's groups (itself and descendants) and projects.
type hierarchy struct {
	groups   []int64
	projects []int64
}

func (w *World) hierarchyOf(rootID int64) hierarchy {
	h := hierarchy{groups: []int64{rootID}}
	inGroup := map[int64]bool{rootID: true}
	for _, d := range w.Descendants(rootID) {
		h.groups = append(h.groups, d.ID)
		inGroup[d.ID] = true
	}
	for _, p := range w.SortedProjects() {
		if inGroup[p.GroupID] {
			h.projects = append(h.projects, p.ID)
		}
	}
	return h
}

func billableUser(u *User) bool {
	return u != nil && u.State == StateActive && !u.Bot && !u.Internal
}

// billableMembers maps each billable user to its membership type.
func (w *World) billableMembers(rootID int64) map[int64]string {
	h := w.hierarchyOf(rootID)
	types := map[int64]string{}
	rank := map[string]int{"group_member": 4, "project_member": 3, "group_invite": 2, "project_invite": 1}
	note := func(uid int64, m *Member, kind string) {
		if m == nil || w.memberExpired(m.ExpiresAt) || !billableUser(w.Users[uid]) {
			return
		}
		if rank[kind] > rank[types[uid]] {
			types[uid] = kind
		}
	}
	for _, gid := range h.groups {
		for uid, m := range w.GroupMembers[gid] {
			note(uid, m, "group_member")
		}
		for _, s := range w.GroupShares[gid] {
			if w.memberExpired(s.ExpiresAt) {
				continue
			}
			for uid, m := range w.GroupMembers[s.GroupID] {
				note(uid, m, "group_invite")
			}
		}
	}
	for _, pid := range h.projects {
		for uid, m := range w.ProjectMembers[pid] {
			note(uid, m, "project_member")
		}
		for _, s := range w.ProjectShares[pid] {
			if w.memberExpired(s.ExpiresAt) {
				continue
			}
			for _, gid := range append([]int64{s.GroupID}, idsOfGroups(w.Ancestors(s.GroupID))...) {
				for uid, m := range w.GroupMembers[gid] {
					note(uid, m, "project_invite")
				}
			}
		}
	}
	return types
}

// listBillableMembers: GET /groups/:id/billable_members[?search=&sort=].
func listBillableMembers(c *call) {
	sortBy := c.query.Get("sort")
	if sortBy != "" && !billableSorts[sortBy] {
		c.errorString(http.StatusBadRequest, "sort does not have a valid value")
		return
	}
	g := c.billableGroup()
	if g == nil {
		return
	}
	type listing struct {
		types map[int64]string
		users []*User
	}
	search := strings.ToLower(strings.TrimSpace(c.query.Get("search")))
	l := cachedListing(c.s, fmt.Sprintf("billable_members %d %q %q", g.ID, sortBy, search), func() listing {
		types := c.world.billableMembers(g.ID)
		var users []*User
		for uid := range types {
			u := c.world.Users[uid]
			if search != "" && !userMatchesSearch(u, search, false) {
				continue
			}
			users = append(users, u)
		}
		level := func(u *User) AccessLevel { return c.world.EffectiveGroupAccess(g.ID, u.ID).Level }
		sort.SliceStable(users, func(i, j int) bool { return users[i].ID < users[j].ID })
		less := func(a, b *User) int {
			switch sortBy {
			case "name_desc":
				return -strings.Compare(a.Name, b.Name)
			case "access_level_asc":
				return int(level(a)) - int(level(b))
			case "access_level_desc":
				return int(level(b)) - int(level(a))
			case "recent_sign_in", "oldest_sign_in":
				ta, tb := a.CurrentSignInAt, b.CurrentSignInAt
				switch {
				case ta == nil && tb == nil:
					return 0
				case ta == nil:
					return 1 // nulls last
				case tb == nil:
					return -1
				}
				if sortBy == "recent_sign_in" {
					return tb.Compare(*ta)
				}
				return ta.Compare(*tb)
			case "last_activity_on_asc", "last_activity_on_desc":
				ta, tb := a.LastActivityOn, b.LastActivityOn
				switch {
				case ta == nil && tb == nil:
					return 0
				case ta == nil:
					return 1
				case tb == nil:
					return -1
				}
				if sortBy == "last_activity_on_desc" {
					return tb.Compare(*ta)
				}
				return ta.Compare(*tb)
			case "last_joined":
				return b.CreatedAt.Compare(a.CreatedAt)
			case "oldest_joined":
				return a.CreatedAt.Compare(b.CreatedAt)
			}
			return strings.Compare(a.Name, b.Name) // name_asc, the default order
		}
		sort.SliceStable(users, func(i, j int) bool { return less(users[i], users[j]) < 0 })
		return listing{types: types, users: users}
	})
	types, users := l.types, l.users
	// Rendered for the page served only: a 30,000-member group's listing is 300 pages.
	render := func(u *User) map[string]any {
		return map[string]any{
			"id":               u.ID,
			"username":         u.Username,
			"name":             u.Name,
			"state":            u.State,
			"avatar_url":       avatarURL(u.Email),
			"web_url":          c.baseURL() + "/" + u.Username,
			"email":            billableEmail(c, g, u),
			"last_activity_on": jsonDatePtr(u.LastActivityOn),
			"membership_type":  types[u.ID],
			"removable":        types[u.ID] == "group_member" || types[u.ID] == "project_member",
			"created_at":       jsonTime(u.CreatedAt),
			"is_last_owner":    c.world.isLastOwner(g.ID, u.ID),
			"last_login_at":    jsonTimePtr(u.CurrentSignInAt),
		}
	}
	paginateRender(c, users, func(u *User) int64 { return u.ID }, nil, render, pageOpts{})
}

// billableMembershipID is a stable id for a direct membership row (the fake keeps no
// membership ids): source id and user id packed together.
func billableMembershipID(sourceID, userID int64) int64 { return sourceID<<20 | userID }

// listBillableMemberships: GET /groups/:id/billable_members/:user_id/memberships.
// https://docs.gitlab.com/api/members/#list-memberships-for-a-billable-member-of-a-group
func listBillableMemberships(c *call) {
	g, uid, ok := c.billableGroupUser()
	if !ok {
		return
	}
	u := c.world.Users[uid]
	if u == nil {
		c.message(http.StatusNotFound, "404 Not found")
		return
	}
	if _, ok := c.world.billableMembers(g.ID)[uid]; !ok {
		c.notFound("User")
		return
	}
	h := c.world.hierarchyOf(g.ID)
	var out []map[string]any
	row := func(sourceID int64, fullName, membersURL string, m *Member) map[string]any {
		return map[string]any{
			"id":                 billableMembershipID(sourceID, uid),
			"source_id":          sourceID,
			"source_full_name":   fullName,
			"source_members_url": membersURL,
			"created_at":         jsonTime(m.CreatedAt),
			"expires_at":         jsonDateString(m.ExpiresAt), // a date, as the docs show
			"access_level":       map[string]any{"string_value": m.AccessLevel.String(), "integer_value": int(m.AccessLevel)},
		}
	}
	for _, gid := range h.groups {
		if m := c.world.GroupMembers[gid][uid]; m != nil {
			out = append(out, row(gid, c.world.FullName(gid), c.baseURL()+"/groups/"+c.world.FullPath(gid)+"/-/group_members", m))
		}
	}
	for _, pid := range h.projects {
		if m := c.world.ProjectMembers[pid][uid]; m != nil {
			p := c.world.Projects[pid]
			out = append(out, row(pid, c.world.FullName(p.GroupID)+" / "+p.Name, c.baseURL()+"/"+c.world.ProjectPathWithNamespace(pid)+"/-/project_members", m))
		}
	}
	paginate(c, out, func(m map[string]any) int64 { return m["id"].(int64) }, pageOpts{})
}

// removeBillableMember: DELETE /groups/:id/billable_members/:user_id removes the user's
// direct memberships of the group, its subgroups and its projects.
// https://docs.gitlab.com/api/members/#remove-a-billable-member-from-a-group
func removeBillableMember(c *call) {
	g, uid, ok := c.billableGroupUser()
	if !ok {
		return
	}
	h := c.world.hierarchyOf(g.ID)
	found := false
	for _, gid := range h.groups {
		if c.world.GroupMembers[gid][uid] != nil {
			found = true
			if c.world.isLastOwner(gid, uid) {
				c.forbidden() // Members::DestroyService refuses the last owner
				return
			}
		}
	}
	for _, pid := range h.projects {
		if c.world.ProjectMembers[pid][uid] != nil {
			found = true
		}
	}
	if !found {
		c.badRequest("No member found for the given user_id")
		return
	}
	for _, gid := range h.groups {
		delete(c.world.GroupMembers[gid], uid)
	}
	for _, pid := range h.projects {
		delete(c.world.ProjectMembers[pid], uid)
	}
	c.noContent()
}

// billableEmail is ee/lib/ee/api/entities/billable_member.rb's email: `expose
// :public_email, as: :email` (the fake's users have no public email: null), replaced by
// the primary email `if current_user.can_admin_all_resources? ||
// user.managed_by_user?(current_user, group: options[:group])`: the user is an enterprise
// user of this top-level group on GitLab.com and the caller has owner_access there
// (ee/app/models/ee/user.rb). An auditor who is not an Owner sees null.
func billableEmail(c *call, g *Group, u *User) any {
	if c.isAdmin() || (c.s.opts.Mode == ModeGitLabCom && u.EnterpriseGroupID == g.ID && c.ownerAccess(g.ID)) {
		return u.Email
	}
	return nil
}
