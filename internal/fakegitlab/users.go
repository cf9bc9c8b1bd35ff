package fakegitlab

import (
	"cmp"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The Users API: https://docs.gitlab.com/api/users/ (behaviour and messages checked
// against GitLab's lib/api/users.rb and app/services/users/*).

func (s *Server) userRoutes() {
	s.rt.handle("GET", "/user", getCurrentUser)
	s.rt.handle("GET", "/personal_access_tokens/self", getTokenSelf)
	s.rt.handle("GET", "/version", getVersion)

	s.rt.handle("GET", "/users", listUsers)
	s.rt.handle("POST", "/users", createUser)
	s.rt.handle("GET", "/users/:id", getUser)
	s.rt.handle("DELETE", "/users/:id", deleteUser)
	for _, action := range []string{"block", "unblock", "deactivate", "activate", "ban", "unban"} {
		s.rt.handle("POST", "/users/:id/"+action, userStateAction(action))
	}
}

// userNamespaceIDBase offsets user ids into the ids of their personal namespaces, so that
// they never collide with group ids (in GitLab both live in the namespaces table).
const userNamespaceIDBase = 1_000_000_000

// UserNamespaceID is the id of the user's personal namespace.
func UserNamespaceID(userID int64) int64 { return userNamespaceIDBase + userID }

// Time formats of GitLab's JSON.
const (
	gitlabTime = "2006-01-02T15:04:05.000Z"
	gitlabDate = "2006-01-02"
)

func jsonTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(gitlabTime)
}

func jsonTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return jsonTime(*t)
}

func jsonDatePtr(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC().Format(gitlabDate)
}

func jsonDateString(d string) any {
	if d == "" {
		return nil
	}
	return d
}

// baseURL is the instance URL as the client reached it ("http://127.0.0.1:1234").
func (c *call) baseURL() string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

func avatarURL(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(email)))
	return "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=80&d=identicon"
}

// userBasicJSON is Entities::UserBasic: what a non-admin sees of other users in lists.
func (c *call) userBasicJSON(u *User) map[string]any {
	return map[string]any{
		"id":         u.ID,
		"username":   u.Username,
		"name":       u.Name,
		"state":      u.State,
		"locked":     u.Locked,
		"avatar_url": avatarURL(u.Email),
		"web_url":    c.baseURL() + "/" + u.Username,
	}
}

// userJSON is Entities::User: GET /users/:id for a non-admin (public profile fields).
func (c *call) userJSON(u *User) map[string]any {
	m := c.userBasicJSON(u)
	m["created_at"] = jsonTime(u.CreatedAt)
	m["bio"] = ""
	m["location"] = ""
	m["public_email"] = nil
	m["linkedin"] = ""
	m["twitter"] = ""
	m["discord"] = ""
	m["website_url"] = ""
	m["organization"] = ""
	m["job_title"] = ""
	m["pronouns"] = nil
	m["bot"] = u.Bot
	m["work_information"] = nil
	m["local_time"] = nil
	return m
}

// userPublicJSON is Entities::UserPublic: GET /user of a non-admin (the token user's own
// account, private fields included).
func (c *call) userPublicJSON(u *User) map[string]any {
	m := c.userJSON(u)
	m["last_sign_in_at"] = jsonTimePtr(u.LastSignInAt)
	m["confirmed_at"] = jsonTimePtr(u.ConfirmedAt)
	m["last_activity_on"] = jsonDatePtr(u.LastActivityOn)
	m["email"] = u.Email
	m["theme_id"] = 1
	m["color_scheme_id"] = 1
	m["projects_limit"] = 100000
	m["current_sign_in_at"] = jsonTimePtr(u.CurrentSignInAt)
	ids := []map[string]any{}
	for _, id := range u.Identities {
		ids = append(ids, identityJSON(id)) // identities.go
	}
	m["identities"] = ids
	m["scim_identities"] = c.world.scimIdentitiesJSON(u.ID) // EE, identities.go
	m["can_create_group"] = true
	m["can_create_project"] = true
	m["two_factor_enabled"] = u.TwoFactorEnabled
	m["external"] = u.External
	m["private_profile"] = u.PrivateProfile
	m["commit_email"] = u.Email
	return m
}

// userWithAdminJSON is Entities::UserWithAdmin: what administrators see (lists, create,
// GET /user of an admin). is_admin exists only here.
func (c *call) userWithAdminJSON(u *User) map[string]any {
	m := c.userPublicJSON(u)
	m["is_admin"] = u.IsAdmin
	m["note"] = u.Note
	m["namespace_id"] = UserNamespaceID(u.ID)
	m["created_by"] = nil
	// EE (ee/lib/ee/api/entities/user_with_admin.rb), rules in identities.go.
	m["is_auditor"] = u.Auditor
	m["using_license_seat"] = c.usingLicenseSeat(u)
	m["provisioned_by_group_id"] = nil
	m["enterprise_group_id"] = nil
	m["enterprise_group_associated_at"] = nil
	if u.EnterpriseGroupID != 0 {
		m["enterprise_group_id"] = u.EnterpriseGroupID
	}
	return m
}

// --- /user, /personal_access_tokens/self, /version ---

// getCurrentUser: GET /user. https://docs.gitlab.com/api/users/#get-the-current-user
func getCurrentUser(c *call) {
	if c.isAdmin() {
		c.json(http.StatusOK, c.userWithAdminJSON(c.me))
		return
	}
	c.json(http.StatusOK, c.userPublicJSON(c.me))
}

// getTokenSelf: GET /personal_access_tokens/self.
// https://docs.gitlab.com/api/personal_access_tokens/#get-details-on-a-personal-access-token
func getTokenSelf(c *call) {
	now := c.world.Clock()
	lastUsed := now
	c.json(http.StatusOK, map[string]any{
		"id":           1,
		"name":         "baton-gitlab",
		"revoked":      c.s.opts.TokenRevoked,
		"created_at":   jsonTime(now.AddDate(0, 0, -30)),
		"description":  "",
		"scopes":       c.s.opts.TokenScopes,
		"user_id":      c.me.ID,
		"last_used_at": jsonTime(lastUsed),
		"active":       !c.s.opts.TokenRevoked && !c.s.opts.TokenExpired,
		"expires_at":   jsonDateString(c.s.opts.TokenExpiresAt),
	})
}

// getVersion: GET /version. https://docs.gitlab.com/api/version/
func getVersion(c *call) {
	c.json(http.StatusOK, map[string]any{"version": c.world.Version, "revision": "6b0c3a2f1d4"})
}

// --- /users ---

// forbiddenSearchStates are hidden from non-admins' user listings
// (User::FORBIDDEN_SEARCH_STATES in GitLab; UsersFinder#base_scope).
var forbiddenSearchStates = map[string]bool{StateBlocked: true, StateBanned: true, StateLDAPBlocked: true}

// isProjectBot: project and group access token bots (user_type project_bot). Service
// accounts are bots too but not project bots.
func isProjectBot(u *User) bool {
	return u.Bot && !strings.HasPrefix(u.Username, "service_account")
}

// listUsers: GET /users. https://docs.gitlab.com/api/users/#list-users
// Admins (self-managed) get UserWithAdmin and may order; everyone else gets UserBasic,
// id desc, without blocked/banned/ldap_blocked users. On GitLab.com the list is every
// public user of the site, organisation or not.
func listUsers(c *call) {
	admin := c.isAdmin()
	orderBy, sortDir := "id", "desc"
	if admin {
		if v := c.query.Get("order_by"); v != "" {
			orderBy = v
		}
		if v := c.query.Get("sort"); v != "" {
			sortDir = v
		}
		switch orderBy {
		case "id", "name", "username", "created_at", "updated_at":
		default:
			c.errorString(http.StatusBadRequest, "order_by does not have a valid value")
			return
		}
		if sortDir != "asc" && sortDir != "desc" {
			c.errorString(http.StatusBadRequest, "sort does not have a valid value")
			return
		}
	}
	username := c.query.Get("username")
	search := strings.ToLower(c.query.Get("search"))
	active := c.argBool("active", false)
	blocked := c.argBool("blocked", false)
	humans := c.argBool("humans", false)
	excludeInternal := c.argBool("exclude_internal", false)
	withoutBots := c.argBool("without_project_bots", false)
	external := c.argBool("external", false)
	excludeExternal := c.argBool("exclude_external", false)
	admins := admin && c.argBool("admins", false)

	var out []*User
	for _, u := range c.world.SortedUsers() {
		if !admin && forbiddenSearchStates[u.State] {
			continue
		}
		if username != "" && !strings.EqualFold(u.Username, username) {
			continue
		}
		if search != "" && !userMatchesSearch(u, search, admin) {
			continue
		}
		if active && u.State != StateActive {
			continue
		}
		// UsersFinder#by_blocked: User.blocked = with_states(:blocked, :ldap_blocked).
		if blocked && u.State != StateBlocked && u.State != StateLDAPBlocked {
			continue
		}
		if humans && (u.Bot || u.Internal) {
			continue
		}
		if excludeInternal && u.Internal {
			continue
		}
		if withoutBots && isProjectBot(u) {
			continue
		}
		if external && !u.External {
			continue
		}
		if excludeExternal && u.External {
			continue
		}
		if admins && !u.IsAdmin {
			continue
		}
		out = append(out, u)
	}
	sortUsers(out, orderBy, sortDir == "asc")

	entity := c.userBasicJSON
	if admin {
		entity = c.userWithAdminJSON
	}
	// Only the page served is rendered.
	paginateRender(c, out, func(u *User) int64 { return u.ID }, nil, entity, pageOpts{
		limitOffset: true, typeName: "User", keyset: "cursor",
		keysetOrders: []string{"id"}, defaultOrderBy: "id", defaultSort: "desc",
	})
}

// userMatchesSearch: GitLab's User.search matches name and username by substring and an
// email only in full (admins only: emails are private).
// https://docs.gitlab.com/api/users/#list-users
func userMatchesSearch(u *User, q string, admin bool) bool {
	if strings.Contains(strings.ToLower(u.Username), q) || strings.Contains(strings.ToLower(u.Name), q) {
		return true
	}
	return admin && strings.EqualFold(u.Email, q)
}

func sortUsers(us []*User, orderBy string, asc bool) {
	slices.SortStableFunc(us, func(a, b *User) int {
		r := 0
		switch orderBy {
		case "name":
			r = strings.Compare(a.Name, b.Name)
		case "username":
			r = strings.Compare(a.Username, b.Username)
		case "created_at", "updated_at":
			r = a.CreatedAt.Compare(b.CreatedAt)
		}
		if r == 0 {
			r = cmp.Compare(a.ID, b.ID)
		}
		if !asc {
			r = -r
		}
		return r
	})
}

// getUser: GET /users/:id. Admins get UserDetailsWithAdmin, others Entities::User.
func getUser(c *call) {
	u := c.user("id")
	if u == nil {
		return
	}
	if c.isAdmin() {
		m := c.userWithAdminJSON(u)
		m["highest_role"] = int(c.highestRole(u.ID))
		m["current_sign_in_ip"] = nil
		m["last_sign_in_ip"] = nil
		m["sign_in_count"] = 0
		c.json(http.StatusOK, m)
		return
	}
	c.json(http.StatusOK, c.userJSON(u))
}

// highestRole is the highest direct access level the user holds anywhere.
func (c *call) highestRole(userID int64) AccessLevel {
	best := NoAccess
	for _, ms := range c.world.GroupMembers {
		if m := ms[userID]; m != nil && m.AccessLevel > best {
			best = m.AccessLevel
		}
	}
	for _, ms := range c.world.ProjectMembers {
		if m := ms[userID]; m != nil && m.AccessLevel > best {
			best = m.AccessLevel
		}
	}
	return best
}

// requireAdmin answers 403 {"message":"403 Forbidden"} unless the token user is an
// instance administrator (authenticated_as_admin!). Never true on GitLab.com.
func (c *call) requireAdmin() bool {
	if !c.isAdmin() {
		c.forbidden()
		return false
	}
	return true
}

// usernameRe is GitLab's namespace path format for usernames
// (Gitlab::PathRegex.namespace_format_regex): letters, digits, '_', '-', '.'; not starting
// with '-' and not ending in '.', '.git' or '.atom'.
var usernameRe = regexp.MustCompile(`^[a-zA-Z0-9_.][a-zA-Z0-9_\-.]*$`)

const usernameFormatMessage = "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'."

var emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

func validUsername(u string) bool {
	l := strings.ToLower(u)
	return usernameRe.MatchString(u) && !strings.HasSuffix(l, ".") &&
		!strings.HasSuffix(l, ".git") && !strings.HasSuffix(l, ".atom")
}

// createUser: POST /users (admins only). https://docs.gitlab.com/api/users/#create-a-user
// Grape validates parameters first (400 {"error": "email is missing, ..."}), then the
// admin check, then the model: a taken email or username is 409, other invalid values 400.
func createUser(c *call) {
	var missing []string
	email, hasEmail := c.arg("email")
	if !hasEmail {
		missing = append(missing, "email is missing")
	}
	password, hasPassword := c.arg("password")
	_, hasReset := c.arg("reset_password")
	_, hasRandom := c.arg("force_random_password")
	if !hasPassword && !hasReset && !hasRandom {
		missing = append(missing, "password, reset_password, force_random_password are missing, at least one parameter must be provided")
	}
	name, hasName := c.arg("name")
	if !hasName {
		missing = append(missing, "name is missing")
	}
	username, hasUsername := c.arg("username")
	if !hasUsername {
		missing = append(missing, "username is missing")
	}
	if len(missing) > 0 {
		c.errorString(http.StatusBadRequest, strings.Join(missing, ", "))
		return
	}
	if !c.requireAdmin() {
		return
	}
	reset := c.argBool("reset_password", false)
	random := c.argBool("force_random_password", false)

	// A taken email or username is a 409 whatever else is wrong (lib/api/users.rb).
	for _, u := range c.world.Users {
		if strings.EqualFold(u.Email, email) {
			c.message(http.StatusConflict, "Email has already been taken")
			return
		}
	}
	if c.world.UserByUsername(username) != nil {
		c.message(http.StatusConflict, "Username has already been taken")
		return
	}
	errs := map[string][]string{}
	if strings.TrimSpace(email) == "" {
		errs["email"] = append(errs["email"], "can't be blank")
	} else if !emailRe.MatchString(email) {
		errs["email"] = append(errs["email"], "is invalid")
	}
	if strings.TrimSpace(name) == "" {
		errs["name"] = append(errs["name"], "can't be blank")
	}
	switch {
	case username == "":
		errs["username"] = append(errs["username"], "can't be blank")
	case len(username) < 2:
		errs["username"] = append(errs["username"], "is too short (minimum is 2 characters)")
	case len(username) > 255:
		errs["username"] = append(errs["username"], "is too long (maximum is 255 characters)")
	case !validUsername(username):
		errs["username"] = append(errs["username"], usernameFormatMessage)
	}
	if !reset && !random {
		switch {
		case password == "":
			errs["password"] = append(errs["password"], "can't be blank")
		case len(password) < 8:
			errs["password"] = append(errs["password"], "is too short (minimum is 8 characters)")
		}
	}
	// A username is a namespace path: it may not take a top-level group's path.
	for _, g := range c.world.Groups {
		if g.ParentID == 0 && strings.EqualFold(g.Path, username) {
			errs["namespace.path"] = append(errs["namespace.path"], "has already been taken")
		}
	}
	if len(errs) > 0 {
		c.fieldErrors(http.StatusBadRequest, errs)
		return
	}
	now := c.world.Clock()
	u := &User{
		Username:  username,
		Name:      name,
		Email:     email,
		State:     StateActive,
		External:  c.argBool("external", false),
		IsAdmin:   c.argBool("admin", false),
		CreatedAt: now,
		Password:  password,
	}
	u.Note, _ = c.arg("note")
	if c.argBool("skip_confirmation", false) {
		t := now
		u.ConfirmedAt = &t
	}
	if uid, ok := c.arg("extern_uid"); ok {
		prov, _ := c.arg("provider")
		u.Identities = []Identity{{Provider: prov, ExternUID: uid}}
	}
	c.world.AddUser(u)
	c.json(http.StatusCreated, c.userWithAdminJSON(u))
}

// soleOwnedGroups are the groups where the user is a direct Owner and no one else is an
// owner (a subgroup also counts owners inherited from its ancestors): User#solo_owned_groups.
func (w *World) soleOwnedGroups(userID int64) []*Group {
	var out []*Group
	for _, g := range w.SortedGroups() {
		m := w.GroupMembers[g.ID][userID]
		if m == nil || m.AccessLevel != Owner {
			continue
		}
		others := false
		for _, gid := range append([]int64{g.ID}, groupIDs(w.Ancestors(g.ID))...) {
			for uid, om := range w.GroupMembers[gid] {
				if uid != userID && om.AccessLevel == Owner && om.MembershipState != "awaiting" {
					others = true
				}
			}
		}
		if !others {
			out = append(out, g)
		}
	}
	return out
}

func groupIDs(gs []*Group) []int64 {
	ids := make([]int64, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids
}

// RemoveGroup deletes a group with its subgroups, their projects, memberships, shares
// and invitations (GitLab's group deletion).
func (w *World) RemoveGroup(groupID int64) {
	ids := append([]int64{groupID}, groupIDs(w.Descendants(groupID))...)
	for _, id := range ids {
		for _, p := range w.SortedProjects() {
			if p.GroupID == id {
				w.RemoveProject(p.ID)
			}
		}
		delete(w.Groups, id)
		delete(w.GroupMembers, id)
		delete(w.GroupShares, id)
		delete(w.GroupInvitations, id)
	}
	// Shares of other groups and projects with the removed groups go too.
	for gid, shares := range w.GroupShares {
		w.GroupShares[gid] = removeShares(shares, ids)
	}
	for pid, shares := range w.ProjectShares {
		w.ProjectShares[pid] = removeShares(shares, ids)
	}
}

func removeShares(shares []Share, groupIDs []int64) []Share {
	var out []Share
	for _, s := range shares {
		keep := true
		for _, id := range groupIDs {
			if s.GroupID == id {
				keep = false
			}
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

// RemoveProject deletes a project with its memberships, shares and invitations.
func (w *World) RemoveProject(projectID int64) {
	delete(w.Projects, projectID)
	delete(w.ProjectMembers, projectID)
	delete(w.ProjectShares, projectID)
	delete(w.ProjectInvitations, projectID)
}

// RemoveUser deletes a user, their memberships and their personal projects.
func (w *World) RemoveUser(userID int64) {
	for _, ms := range w.GroupMembers {
		delete(ms, userID)
	}
	for _, ms := range w.ProjectMembers {
		delete(ms, userID)
	}
	for _, p := range w.SortedProjects() {
		if p.GroupID == 0 && p.OwnerID == userID {
			w.RemoveProject(p.ID)
		}
	}
	delete(w.Users, userID)
}

// deleteUser: DELETE /users/:id[?hard_delete=true] (admins only).
// https://docs.gitlab.com/api/users/#delete-a-user : 204 (GitLab deletes asynchronously;
// the fake at once); 409 when the user is the sole owner of a group, unless hard_delete,
// which also deletes the groups the user solely owns.
func deleteUser(c *call) {
	if !c.requireAdmin() {
		return
	}
	u := c.user("id")
	if u == nil {
		return
	}
	solo := c.world.soleOwnedGroups(u.ID)
	hard := c.argBool("hard_delete", false)
	if len(solo) > 0 && !hard {
		c.message(http.StatusConflict, "User cannot be removed while is the sole-owner of a group")
		return
	}
	for _, g := range solo {
		if c.world.Groups[g.ID] != nil {
			c.world.RemoveGroup(g.ID)
		}
	}
	c.world.RemoveUser(u.ID)
	c.noContent()
}

// isBlockedState is User#blocked?: true for blocked, ldap_blocked,
// blocked_pending_approval and banned.
func isBlockedState(state string) bool {
	switch state {
	case StateBlocked, StateLDAPBlocked, StateBlockedPendingApproval, StateBanned:
		return true
	}
	return false
}

// dormantDays is GitLab's default deactivate_dormant_users_period.
const dormantDays = 90

// lastActiveAt is User#last_active_at: the later of last_activity_on and current_sign_in_at.
func lastActiveAt(u *User) time.Time {
	var t time.Time
	if u.LastActivityOn != nil {
		t = *u.LastActivityOn
	}
	if u.CurrentSignInAt != nil && u.CurrentSignInAt.After(t) {
		t = *u.CurrentSignInAt
	}
	return t
}

// userStateAction serves POST /users/:id/<action> (admins only): 201 with `true` when the
// state changed; GitLab's refusals otherwise. Messages from lib/api/users.rb and
// app/services/users/{deactivate,ban,unban}_service.rb.
// https://docs.gitlab.com/api/users/#block-access-to-a-user (and the sections after it)
func userStateAction(action string) handler {
	return func(c *call) {
		if !c.requireAdmin() {
			return
		}
		u := c.user("id")
		if u == nil {
			return
		}
		forbidden := func(reason string) { c.message(http.StatusForbidden, "403 Forbidden - "+reason) }
		done := func(v any) { c.json(http.StatusCreated, v) }
		switch action {
		case "block":
			if u.State == StateLDAPBlocked {
				forbidden("LDAP blocked users cannot be modified by the API")
				return
			}
			if u.ID == c.me.ID {
				forbidden("The API initiating user cannot be blocked by the API")
				return
			}
			if isBlockedState(u.State) {
				done(nil) // `break if user.blocked?`: 201 with an empty (null) body
				return
			}
			u.State = StateBlocked
			done(true)
		case "unblock":
			switch u.State {
			case StateLDAPBlocked:
				forbidden("LDAP blocked users cannot be unblocked by the API")
			case StateDeactivated:
				forbidden("Deactivated users cannot be unblocked by the API")
			case StateActive:
				done(false) // the activate transition does not apply
			default:
				u.State = StateActive
				done(true)
			}
		case "deactivate":
			switch {
			case u.State == StateDeactivated:
				done(nil)
			case isBlockedState(u.State):
				c.message(http.StatusForbidden, "Error occurred. A blocked user cannot be deactivated")
			case u.Internal:
				c.message(http.StatusForbidden, "Internal users cannot be deactivated")
			case lastActiveAt(u).After(c.world.Clock().AddDate(0, 0, -dormantDays)):
				c.message(http.StatusForbidden, fmt.Sprintf(
					"The user you are trying to deactivate has been active in the past %d days and cannot be deactivated", dormantDays))
			default:
				u.State = StateDeactivated
				done(true)
			}
		case "activate":
			if isBlockedState(u.State) {
				forbidden("A blocked user must be unblocked to be activated")
				return
			}
			if u.State == StateDeactivated {
				u.State = StateActive
				done(true)
				return
			}
			done(false)
		case "ban", "unban":
			// Only an active user can be banned, only a banned one unbanned.
			from, to := StateActive, StateBanned
			if action == "unban" {
				from, to = StateBanned, StateActive
			}
			if u.State != from {
				c.message(http.StatusForbidden, fmt.Sprintf("You cannot %s %s users.", action, u.State))
				return
			}
			u.State = to
			done(true)
		}
	}
}
