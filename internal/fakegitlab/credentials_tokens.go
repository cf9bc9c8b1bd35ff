package fakegitlab

// Personal, group and project access tokens. Endpoints and the GitLab source of each rule:
//
//	GET    /personal_access_tokens                       lib/api/personal_access_tokens.rb (get),
//	                                                     lib/api/helpers/personal_access_tokens_helpers.rb
//	                                                     (finder_params, restrict_non_admins!, access_token_params),
//	                                                     app/finders/personal_access_tokens_finder.rb
//	GET    /personal_access_tokens/:id                   lib/api/personal_access_tokens.rb (get ':id')
//	DELETE /personal_access_tokens/:id                   lib/api/personal_access_tokens.rb (delete ':id'),
//	                                                     helpers revoke_token, app/services/personal_access_tokens/revoke_service.rb
//	GET    /groups/:id/access_tokens                     lib/api/resource_access_tokens.rb
//	GET    /projects/:id/access_tokens                   lib/api/resource_access_tokens.rb
//	GET    /groups/:id/access_tokens/:token_id           lib/api/resource_access_tokens.rb
//	GET    /projects/:id/access_tokens/:token_id         lib/api/resource_access_tokens.rb
//	DELETE /groups/:id/access_tokens/:token_id           lib/api/resource_access_tokens.rb,
//	DELETE /projects/:id/access_tokens/:token_id         app/services/resource_access_tokens/revoke_service.rb
//
// Entities: lib/api/entities/personal_access_token.rb (17.x: id, name, revoked,
// created_at, description, scopes, user_id, last_used_at, active, expires_at as a date),
// lib/api/entities/resource_access_token.rb (the same plus access_level, the bot's
// membership level). GET /personal_access_tokens/self stays in users.go (registered
// first, so it wins over /:id).

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) credentialRoutes() {
	s.rt.handle("GET", "/personal_access_tokens", listPATs)
	s.rt.handle("GET", "/personal_access_tokens/:id", getPAT)
	s.rt.handle("DELETE", "/personal_access_tokens/:id", revokePAT)
	for _, kind := range []string{"groups", "projects"} {
		s.rt.handle("GET", "/"+kind+"/:id/access_tokens", listResourceTokens(kind))
		s.rt.handle("GET", "/"+kind+"/:id/access_tokens/:token_id", getResourceToken(kind))
		s.rt.handle("DELETE", "/"+kind+"/:id/access_tokens/:token_id", revokeResourceToken(kind))
	}
	s.serviceAccountRoutes()   // service_accounts.go
	s.deployCredentialRoutes() // credentials_deploy.go
	s.sshKeyRoutes()           // credentials_keys.go
}

// patJSON is Entities::PersonalAccessToken. The token value is never part of it.
func (c *call) patJSON(t *PersonalAccessToken) map[string]any {
	return map[string]any{
		"id":           t.ID,
		"name":         t.Name,
		"revoked":      t.Revoked,
		"created_at":   jsonTime(t.CreatedAt),
		"description":  t.Description,
		"scopes":       nonNil(t.Scopes),
		"user_id":      t.UserID,
		"last_used_at": jsonTimePtr(t.LastUsedAt),
		"active":       c.world.patActive(t),
		"expires_at":   jsonDateString(t.ExpiresAt),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// tokenFilter is the access_token_params of personal_access_tokens_helpers.rb as
// PersonalAccessTokensFinder applies them.
type tokenFilter struct {
	state, search, sort           string
	revoked                       *bool
	createdBefore, createdAfter   *time.Time
	lastUsedBefore, lastUsedAfter *time.Time
	expiresBefore, expiresAfter   string
}

// parseAPITime reads a Grape DateTime or Date parameter.
func parseAPITime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// readTokenFilter parses the filters; on a malformed one it answers Grape's 400
// {"error":"<param> is invalid"} (or "does not have a valid value" for a value outside
// the declared values) and returns false.
func (c *call) readTokenFilter() (tokenFilter, bool) {
	var f tokenFilter
	f.state = c.query.Get("state")
	if f.state != "" && f.state != "active" && f.state != "inactive" {
		c.errorString(http.StatusBadRequest, "state does not have a valid value")
		return f, false
	}
	if v := c.query.Get("revoked"); v != "" {
		switch strings.ToLower(v) {
		case "true", "1":
			b := true
			f.revoked = &b
		case "false", "0":
			b := false
			f.revoked = &b
		default:
			c.errorString(http.StatusBadRequest, "revoked is invalid")
			return f, false
		}
	}
	if !c.readTimeParams([]timeParam{{"created_before", &f.createdBefore}, {"created_after", &f.createdAfter},
		{"last_used_before", &f.lastUsedBefore}, {"last_used_after", &f.lastUsedAfter}}) {
		return f, false
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"expires_before", &f.expiresBefore}, {"expires_after", &f.expiresAfter}} {
		v := c.query.Get(p.name)
		if v == "" {
			continue
		}
		t, ok := parseAPITime(v)
		if !ok {
			c.errorString(http.StatusBadRequest, p.name+" is invalid")
			return f, false
		}
		*p.dst = t.Format(time.DateOnly)
	}
	f.search = strings.ToLower(c.query.Get("search"))
	f.sort = c.query.Get("sort")
	return f, true
}

// timeParam is a DateTime query parameter (Grape's type: DateTime) and where it goes.
type timeParam struct {
	name string
	dst  **time.Time
}

// readTimeParams reads each parameter given; a malformed one is Grape's 400
// {"error":"<param> is invalid"} (written here) and false.
func (c *call) readTimeParams(ps []timeParam) bool {
	for _, p := range ps {
		v := c.query.Get(p.name)
		if v == "" {
			continue
		}
		t, ok := parseAPITime(v)
		if !ok {
			c.errorString(http.StatusBadRequest, p.name+" is invalid")
			return false
		}
		*p.dst = &t
	}
	return true
}

// match applies PersonalAccessTokensFinder's by_state (active / inactive), by_revoked,
// by_created_before/after, by_last_used_before/after, by_expires_before/after and
// by_search (name contains, case-insensitive).
func (f tokenFilter) match(w *World, t *PersonalAccessToken) bool {
	if f.state == "active" && !w.patActive(t) || f.state == "inactive" && w.patActive(t) {
		return false
	}
	if f.revoked != nil && t.Revoked != *f.revoked {
		return false
	}
	if f.createdBefore != nil && t.CreatedAt.After(*f.createdBefore) || f.createdAfter != nil && t.CreatedAt.Before(*f.createdAfter) {
		return false
	}
	if f.lastUsedBefore != nil && (t.LastUsedAt == nil || t.LastUsedAt.After(*f.lastUsedBefore)) {
		return false
	}
	if f.lastUsedAfter != nil && (t.LastUsedAt == nil || t.LastUsedAt.Before(*f.lastUsedAfter)) {
		return false
	}
	if f.expiresBefore != "" && (t.ExpiresAt == "" || t.ExpiresAt >= f.expiresBefore) {
		return false
	}
	if f.expiresAfter != "" && (t.ExpiresAt == "" || t.ExpiresAt <= f.expiresAfter) {
		return false
	}
	return f.search == "" || strings.Contains(strings.ToLower(t.Name), f.search)
}

// sortTokens applies the documented sort values (PersonalAccessToken.order_by via
// SortingHelper): created_*, expires_*, last_used_*, name_*; without one, the offset
// paginator's default order, id ascending (Gitlab::Pagination::OffsetPagination
// #add_default_order).
func sortTokens(ts []*PersonalAccessToken, sort string) {
	key := func(a, b *PersonalAccessToken) int { return 0 }
	desc := strings.HasSuffix(sort, "_desc")
	switch strings.TrimSuffix(strings.TrimSuffix(sort, "_desc"), "_asc") {
	case "created":
		key = func(a, b *PersonalAccessToken) int { return a.CreatedAt.Compare(b.CreatedAt) }
	case "expires":
		key = func(a, b *PersonalAccessToken) int { return strings.Compare(a.ExpiresAt, b.ExpiresAt) }
	case "last_used":
		key = func(a, b *PersonalAccessToken) int {
			return cmp.Compare(timeOrZero(a.LastUsedAt).UnixNano(), timeOrZero(b.LastUsedAt).UnixNano())
		}
	case "name":
		key = func(a, b *PersonalAccessToken) int { return strings.Compare(a.Name, b.Name) }
	}
	slices.SortStableFunc(ts, func(a, b *PersonalAccessToken) int {
		r := key(a, b)
		if desc {
			r = -r
		}
		if r == 0 {
			r = cmp.Compare(a.ID, b.ID)
		}
		return r
	})
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// listPATs: GET /personal_access_tokens. An administrator sees every user's tokens
// (bots' and service accounts' included), or one user's with user_id (404 for an
// unknown user); anyone else sees their own, impersonation tokens excluded, and gets 401
// for another user's user_id (restrict_non_admins!).
func listPATs(c *call) {
	admin := c.isAdmin()
	var only int64
	if v := c.query.Get("user_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			c.errorString(http.StatusBadRequest, "user_id is invalid")
			return
		}
		if !admin && id != c.me.ID {
			c.message(http.StatusUnauthorized, "401 Unauthorized")
			return
		}
		if admin && c.world.Users[id] == nil {
			c.message(http.StatusNotFound, "404 Not Found")
			return
		}
		only = id
	}
	f, ok := c.readTokenFilter()
	if !ok {
		return
	}
	// The filtered, sorted listing is computed once for all its pages (a large instance's
	// every token, page after page, would otherwise be sorted again for each page).
	q := c.r.URL.Query()
	q.Del("page")
	q.Del("per_page")
	key := "personal_access_tokens admin=" + strconv.FormatBool(admin) + " me=" + strconv.FormatInt(c.me.ID, 10) + " " + q.Encode()
	out := cachedListing(c.s, key, func() []*PersonalAccessToken {
		var out []*PersonalAccessToken
		for _, t := range c.world.SortedPATs() {
			if c.world.Users[t.UserID] == nil {
				continue // the user was deleted, and its tokens with it
			}
			if !admin && (t.UserID != c.me.ID || t.Impersonation) {
				continue
			}
			if only != 0 && t.UserID != only {
				continue
			}
			if f.match(c.world, t) {
				out = append(out, t)
			}
		}
		sortTokens(out, f.sort)
		return out
	})
	paginateRender(c, out, func(t *PersonalAccessToken) int64 { return t.ID }, nil, c.patJSON, pageOpts{})
}

// findPAT reads the :id parameter as a token id; nil when it is not a number or unknown.
func (c *call) findPAT() *PersonalAccessToken {
	id, err := strconv.ParseInt(c.param("id"), 10, 64)
	if err != nil {
		return nil
	}
	t := c.world.creds().PATs[id]
	if t == nil || c.world.Users[t.UserID] == nil {
		return nil
	}
	return t
}

// getPAT: GET /personal_access_tokens/:id. read_user_personal_access_tokens is the
// token's owner or an administrator; otherwise 401, and 401 also for a token that does
// not exist, except for administrators, who get 404 ("Only admins should be informed if
// the token doesn't exist").
func getPAT(c *call) {
	if _, err := strconv.ParseInt(c.param("id"), 10, 64); err != nil {
		c.errorString(http.StatusBadRequest, "id is invalid")
		return
	}
	t := c.findPAT()
	if t != nil && (c.isAdmin() || t.UserID == c.me.ID) {
		c.json(http.StatusOK, c.patJSON(t))
		return
	}
	if c.isAdmin() {
		c.message(http.StatusNotFound, "404 Not Found")
		return
	}
	c.message(http.StatusUnauthorized, "401 Unauthorized")
}

// revokePAT: DELETE /personal_access_tokens/:id. An unknown token is 404 (find raises
// RecordNotFound: "404 Not found"); PersonalAccessTokens::RevokeService refuses
// (bad_request!(nil): "400 Bad request") unless the caller may revoke_token: the token's
// owner (not an impersonation token) or an administrator
// (app/policies/personal_access_token_policy.rb). A revoked token stays, revoked.
func revokePAT(c *call) {
	t := c.findPAT()
	if t == nil {
		c.message(http.StatusNotFound, "404 Not found")
		return
	}
	owner := t.UserID == c.me.ID && !t.Impersonation
	if !owner && !c.isAdmin() {
		c.message(http.StatusBadRequest, "400 Bad request")
		return
	}
	t.Revoked = true
	c.noContent()
}

// resource is the group or project of a resource access token route.
type credResource struct {
	group   *Group
	project *Project
}

func (r credResource) members(w *World) map[int64]*Member {
	if r.group != nil {
		return w.GroupMembers[r.group.ID]
	}
	return w.ProjectMembers[r.project.ID]
}

// findCredResource is find_source: 404 "Group Not Found" / "Project Not Found" when the
// caller cannot see it.
func (c *call) findCredResource(kind string) (credResource, bool) {
	if kind == "groups" {
		g := c.group("id")
		return credResource{group: g}, g != nil
	}
	p := c.project("id")
	return credResource{project: p}, p != nil
}

// canManageResourceTokens: read_ and destroy_resource_access_tokens are enabled for
// admin_project (Maintainer) on a project and for the group's Owners
// (app/policies/project_policy.rb, app/policies/group_policy.rb; "You must have at least
// the Maintainer role for the project" / "the Owner role for the group" in
// doc/user/project/settings/project_access_tokens.md and
// doc/user/group/settings/group_access_tokens.md); administrators always.
func (c *call) canManageResourceTokens(r credResource) bool {
	if c.isAdmin() {
		return true
	}
	if r.group != nil {
		return c.world.EffectiveGroupAccess(r.group.ID, c.me.ID).Level >= Owner
	}
	return c.myProjectLevel(r.project.ID) >= Maintainer
}

// resourceTokenJSON is Entities::ResourceAccessToken: a token and its bot's access level
// on the resource (token.user.members.first.access_level).
func (c *call) resourceTokenJSON(r credResource) func(t *PersonalAccessToken) map[string]any {
	ms := r.members(c.world)
	return func(t *PersonalAccessToken) map[string]any {
		m := c.patJSON(t)
		level := NoAccess
		if mem := ms[t.UserID]; mem != nil {
			level = mem.AccessLevel
		}
		m["access_level"] = int(level)
		return m
	}
}

// resourceTokens are the tokens of the resource's bots, impersonation tokens excluded
// (PersonalAccessTokensFinder with user: resource.bots, impersonation: false).
func (c *call) resourceTokens(r credResource) []*PersonalAccessToken {
	bots := c.world.resourceBots(r.members(c.world))
	if len(bots) == 0 {
		return nil
	}
	var out []*PersonalAccessToken
	for _, t := range c.world.creds().PATs {
		if bots[t.UserID] && !t.Impersonation {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *PersonalAccessToken) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// listResourceTokens: GET /groups|projects/:id/access_tokens. 401 without
// read_resource_access_tokens (next unauthorized!).
func listResourceTokens(kind string) handler {
	return func(c *call) {
		r, ok := c.findCredResource(kind)
		if !ok {
			return
		}
		if !c.canManageResourceTokens(r) {
			c.message(http.StatusUnauthorized, "401 Unauthorized")
			return
		}
		f, ok := c.readTokenFilter()
		if !ok {
			return
		}
		var out []*PersonalAccessToken
		for _, t := range c.resourceTokens(r) {
			if f.match(c.world, t) {
				out = append(out, t)
			}
		}
		sortTokens(out, f.sort)
		paginateRender(c, out, func(t *PersonalAccessToken) int64 { return t.ID }, nil, c.resourceTokenJSON(r), pageOpts{})
	}
}

// findResourceToken is find_token: the token among the resource's bots' tokens, or nil.
func (c *call) findResourceToken(r credResource) *PersonalAccessToken {
	id, err := strconv.ParseInt(c.param("token_id"), 10, 64)
	if err != nil {
		return nil
	}
	for _, t := range c.resourceTokens(r) {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// singular is the source_type of the route in GitLab's messages ("project", "group").
func singular(kind string) string { return strings.TrimSuffix(kind, "s") }

// getResourceToken: GET /groups|projects/:id/access_tokens/:token_id: 401 without the
// permission, 404 "<type> Access Token Not Found" for a token that is not the resource's.
func getResourceToken(kind string) handler {
	return func(c *call) {
		r, ok := c.findCredResource(kind)
		if !ok {
			return
		}
		if !c.canManageResourceTokens(r) {
			c.message(http.StatusUnauthorized, "401 Unauthorized")
			return
		}
		t := c.findResourceToken(r)
		if t == nil {
			c.notFound(singular(kind) + " Access Token")
			return
		}
		c.json(http.StatusOK, c.resourceTokenJSON(r)(t))
	}
}

// revokeResourceToken: DELETE /groups|projects/:id/access_tokens/:token_id. The token is
// looked up first (404 "<type> Access Token Not Found"); ResourceAccessTokens::
// RevokeService then refuses without destroy_resource_access_tokens with 400
// "<caller's name> cannot delete <bot's name>", or revokes the token and deletes the bot
// user (see World.revokeResourceToken): 204.
func revokeResourceToken(kind string) handler {
	return func(c *call) {
		r, ok := c.findCredResource(kind)
		if !ok {
			return
		}
		t := c.findResourceToken(r)
		if t == nil {
			c.notFound(singular(kind) + " Access Token")
			return
		}
		if !c.canManageResourceTokens(r) {
			bot := c.world.Users[t.UserID]
			c.badRequest(c.me.Name + " cannot delete " + bot.Name)
			return
		}
		c.world.revokeResourceToken(t)
		c.noContent()
	}
}
