package fakegitlab

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Invitations API: https://docs.gitlab.com/api/invitations/
//
// Behaviour from GitLab's lib/api/invitations.rb and Members::InviteService:
//   - POST answers 201 whenever the request is well formed; the BODY says what happened:
//     {"status":"success"} or {"status":"error","message":{"<email or username>":"<sentence>"}}
//     (members that could be added are added even when others fail);
//   - Grape parameter errors first: {"error":"access_level is missing"},
//     {"error":"access_level does not have a valid value"},
//     {"error":"email contains an invalid email address"}; then 400
//     {"message":"400 Bad request - Must provide either email or user_id as a parameter"};
//     then the source (404) and the inviter's rights (403);
//   - an email that belongs to an existing user becomes a direct membership at once; an
//     email already invited, or a user already a member, is updated ("updates an already
//     existing active member");
//   - GET/PUT/DELETE need the rights to manage members (Owner of a group, Maintainer of a
//     project); PUT/DELETE of an unknown email: 404 {"message":"404 Not Found"}.

// inviteEmailRe is Devise's email_regexp: /\A[^@\s]+@[^@\s]+\z/.
var inviteEmailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

// invitationLevels are Gitlab::Access.all_values plus Minimal Access, the values the
// invitations endpoints accept (https://docs.gitlab.com/api/invitations/).
func invitationLevelValid(l AccessLevel) bool {
	for _, v := range ValidAccessLevels {
		if v == l {
			return true
		}
	}
	return false
}

func (s *Server) invitationRoutes() {
	for _, kind := range []string{"groups", "projects"} {
		s.rt.handle(http.MethodPost, "/"+kind+"/:id/invitations", inviteHandler(kind))
		s.rt.handle(http.MethodGet, "/"+kind+"/:id/invitations", listInvitationsHandler(kind))
		s.rt.handle(http.MethodPut, "/"+kind+"/:id/invitations/:email", updateInvitationHandler(kind))
		s.rt.handle(http.MethodDelete, "/"+kind+"/:id/invitations/:email", deleteInvitationHandler(kind))
	}
}

// findInvitation returns the pending invitation for email (case-insensitive) and its index.
func (w *World) findInvitation(src memberSource, email string) (*Invitation, int) {
	for i, inv := range w.listInvitations(src) {
		if strings.EqualFold(inv.Email, email) {
			return inv, i
		}
	}
	return nil, -1
}

func (w *World) setInvitations(src memberSource, list []*Invitation) {
	if src.group != nil {
		w.GroupInvitations[src.group.ID] = list
	} else {
		w.ProjectInvitations[src.project.ID] = list
	}
}

func (w *World) listInvitations(src memberSource) []*Invitation {
	if src.group != nil {
		return w.GroupInvitations[src.group.ID]
	}
	return w.ProjectInvitations[src.project.ID]
}

// removeInvitation removes the source's i-th invitation (an index findInvitation gave).
func (w *World) removeInvitation(src memberSource, i int) {
	list := w.listInvitations(src)
	w.setInvitations(src, append(list[:i:i], list[i+1:]...))
}

// managedInvitationSource resolves ":id" (404 when unseen) and checks the rights to
// manage its members (403): what GET, PUT and DELETE of invitations need.
func (c *call) managedInvitationSource(kind string) (memberSource, bool) {
	src, ok := c.resolveMemberSource(kind)
	if !ok {
		return src, false
	}
	if !c.canManageMembers(src) {
		c.forbidden()
		return src, false
	}
	return src, true
}

// pendingInvitationParam finds the source's invitation of ":email" (404 when none), with
// its index.
func (c *call) pendingInvitationParam(src memberSource) (*Invitation, int, bool) {
	inv, i := c.world.findInvitation(src, c.param("email"))
	if inv == nil {
		c.message(http.StatusNotFound, "404 Not Found")
		return nil, -1, false
	}
	return inv, i, true
}

// userByEmail finds the user owning a (confirmed) email, case-insensitively.
func (w *World) userByEmail(email string) *User {
	for _, u := range w.SortedUsers() {
		if u.Email != "" && strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

// invitationJSON is Entities::Invitation (lib/api/entities/invitation.rb): access_level,
// created_at, expires_at, invite_email, user_name (only for an invitation of an existing
// user) and created_by_name. There is no id. An invitation is a row of the members
// table, whose expires_at is a DATE column exposed as it is: "2020-11-22", not a
// timestamp (the docs' example shows a timestamp, which GitLab does not send; client-go's
// PendingInvite.ExpiresAt is a time.Time and cannot decode the real answer).
// https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
func (c *call) invitationJSON(inv *Invitation) map[string]any {
	out := map[string]any{
		"invite_email":    inv.Email,
		"created_at":      jsonTime(inv.CreatedAt),
		"access_level":    int(inv.AccessLevel),
		"expires_at":      jsonDateString(inv.ExpiresAt),
		"created_by_name": nil,
	}
	if by := c.world.Users[inv.CreatedByID]; by != nil {
		out["created_by_name"] = by.Name
	}
	return out
}

// invitationRow is a listed invitation: it marshals as its JSON; the id (not in the
// JSON) keeps the listing's order.
type invitationRow struct {
	id   int64
	json map[string]any
}

func (r invitationRow) MarshalJSON() ([]byte, error) { return json.Marshal(r.json) }

// splitList splits a comma-separated argument (or a JSON array) into trimmed items.
func (c *call) splitList(name string) []string {
	var items []string
	if v, ok := c.body[name].([]any); ok {
		for _, it := range v {
			switch t := it.(type) {
			case string:
				items = append(items, t)
			case float64:
				items = append(items, strconv.FormatInt(int64(t), 10))
			}
		}
	} else if v, ok := c.arg(name); ok {
		items = strings.Split(v, ",")
	}
	var out []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// inviteHandler: POST .../invitations.
// https://docs.gitlab.com/api/invitations/#add-a-member-to-a-group-or-project
func inviteHandler(kind string) handler {
	return func(c *call) {
		lv, set, err := c.argInt("access_level")
		switch {
		case err != nil:
			c.errorString(http.StatusBadRequest, "access_level is invalid")
			return
		case !set:
			c.errorString(http.StatusBadRequest, "access_level is missing")
			return
		case !invitationLevelValid(AccessLevel(lv)):
			c.errorString(http.StatusBadRequest, "access_level does not have a valid value")
			return
		}
		level := AccessLevel(lv)
		emails := c.splitList("email")
		for _, e := range emails {
			if !inviteEmailRe.MatchString(e) {
				c.errorString(http.StatusBadRequest, "email contains an invalid email address")
				return
			}
		}
		p, ok := c.readMemberParams(false)
		if !ok {
			return
		}
		p.level = level
		userIDs := c.splitList("user_id")
		if len(emails) == 0 && len(userIDs) == 0 {
			c.badRequest("Must provide either email or user_id as a parameter")
			return
		}
		src, ok := c.resolveMemberSource(kind)
		if !ok {
			return
		}
		if !c.canManageMembers(src) || (level == Owner && !c.canManageOwners(src)) {
			c.forbidden()
			return
		}
		errs := map[string]string{}
		for _, e := range emails {
			if u := c.world.userByEmail(e); u != nil {
				if msg := c.inviteUser(src, u, p); msg != "" {
					errs[e] = msg
				}
				continue
			}
			if msg := c.inviteEmail(src, e, p); msg != "" {
				errs[e] = msg
			}
		}
		for _, id := range userIDs {
			n, err := strconv.ParseInt(id, 10, 64)
			u := c.world.Users[n]
			if err != nil || u == nil {
				continue // Members::CreateService finds no such user and skips it
			}
			if msg := c.inviteUser(src, u, p); msg != "" {
				errs[u.Username] = msg
			}
		}
		if len(errs) > 0 {
			c.json(http.StatusCreated, map[string]any{"status": "error", "message": errs})
			return
		}
		c.json(http.StatusCreated, map[string]any{"status": "success"})
	}
}

// inviteUser adds (or updates) the user's direct membership; "" on success, otherwise the
// sentence GitLab puts in the error body.
func (c *call) inviteUser(src memberSource, u *User, p memberParams) string {
	if fe := c.validateMembership(src, u.ID, p.level, p.expiresAt, p.memberRoleID); !fe.empty() {
		return fe.fullMessages()
	}
	if m := src.members(c.world, false)[u.ID]; m != nil {
		if c.world.isLastOwner(src.id(), u.ID) && src.isGroup() && p.level != Owner {
			return "Access level cannot be changed for the last owner" // GroupMemberPolicy refuses
		}
		m.AccessLevel, m.ExpiresAt, m.MemberRoleID = p.level, p.expiresAt, p.memberRoleID
		return ""
	}
	c.createMember(src, u.ID, p)
	// A pending invitation of the same email is fulfilled by the membership.
	if inv, i := c.world.findInvitation(src, u.Email); inv != nil {
		c.world.removeInvitation(src, i)
	}
	return ""
}

// inviteEmail creates or updates a pending invitation.
func (c *call) inviteEmail(src memberSource, email string, p memberParams) string {
	fe := &fieldErrs{}
	if p.expiresAt != "" && p.expiresAt < c.world.Clock().UTC().Format("2006-01-02") {
		fe.add("expires_at", "cannot be a date in the past")
	}
	if p.level == MinimalAccess && !(src.isGroup() && src.group.ParentID == 0) {
		fe.add("access_level", "is not included in the list")
	}
	if !fe.empty() {
		return fe.fullMessages()
	}
	if inv, _ := c.world.findInvitation(src, email); inv != nil {
		inv.AccessLevel, inv.ExpiresAt, inv.MemberRoleID = p.level, p.expiresAt, p.memberRoleID
		return ""
	}
	inv := &Invitation{
		ID:           c.world.NextID(),
		Email:        email,
		AccessLevel:  p.level,
		ExpiresAt:    p.expiresAt,
		CreatedAt:    c.world.Clock(),
		MemberRoleID: p.memberRoleID,
		CreatedByID:  c.me.ID,
	}
	c.world.setInvitations(src, append(c.world.listInvitations(src), inv))
	return ""
}

// listInvitationsHandler: GET .../invitations[?query=email] (exact email match).
// https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
func listInvitationsHandler(kind string) handler {
	return func(c *call) {
		src, ok := c.managedInvitationSource(kind)
		if !ok {
			return
		}
		q := strings.TrimSpace(c.query.Get("query"))
		list := append([]*Invitation(nil), c.world.listInvitations(src)...)
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
		var out []invitationRow
		for _, inv := range list {
			if q != "" && !strings.EqualFold(inv.Email, q) {
				continue
			}
			out = append(out, invitationRow{id: inv.ID, json: c.invitationJSON(inv)})
		}
		paginate(c, out, func(r invitationRow) int64 { return r.id }, pageOpts{})
	}
}

// updateInvitationHandler: PUT .../invitations/:email {access_level, expires_at}.
// https://docs.gitlab.com/api/invitations/#update-an-invitation-to-a-group-or-project
func updateInvitationHandler(kind string) handler {
	return func(c *call) {
		lv, set, err := c.argInt("access_level")
		if err != nil {
			c.errorString(http.StatusBadRequest, "access_level is invalid")
			return
		}
		if set && !invitationLevelValid(AccessLevel(lv)) {
			c.errorString(http.StatusBadRequest, "access_level does not have a valid value")
			return
		}
		p, ok := c.readMemberParams(false)
		if !ok {
			return
		}
		src, ok := c.managedInvitationSource(kind)
		if !ok {
			return
		}
		inv, _, ok := c.pendingInvitationParam(src)
		if !ok {
			return
		}
		if !set && !p.expiresSet && !p.roleSet {
			c.message(http.StatusBadRequest, "400 Bad request")
			return
		}
		if (AccessLevel(lv) == Owner || inv.AccessLevel == Owner) && !c.canManageOwners(src) {
			c.forbidden()
			return
		}
		if p.expiresSet && p.expiresAt != "" && p.expiresAt < c.world.Clock().UTC().Format("2006-01-02") {
			c.fieldErrors(http.StatusBadRequest, map[string][]string{"expires_at": {"cannot be a date in the past"}})
			return
		}
		if set {
			inv.AccessLevel = AccessLevel(lv)
		}
		if p.expiresSet {
			inv.ExpiresAt = p.expiresAt
		}
		if p.roleSet {
			inv.MemberRoleID = p.memberRoleID
		}
		c.json(http.StatusOK, c.invitationJSON(inv))
	}
}

// deleteInvitationHandler: DELETE .../invitations/:email → 204.
// https://docs.gitlab.com/api/invitations/#delete-an-invitation-to-a-group-or-project
func deleteInvitationHandler(kind string) handler {
	return func(c *call) {
		src, ok := c.managedInvitationSource(kind)
		if !ok {
			return
		}
		inv, i, ok := c.pendingInvitationParam(src)
		if !ok {
			return
		}
		if inv.AccessLevel == Owner && !c.canManageOwners(src) {
			c.forbidden()
			return
		}
		c.world.removeInvitation(src, i)
		c.noContent()
	}
}
