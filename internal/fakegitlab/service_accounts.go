package fakegitlab

// Service accounts. Endpoints and the GitLab source of each rule:
//
//	GET /service_accounts             ee/lib/api/service_accounts.rb: authenticated_as_admin!
//	                                  (403 on GitLab.com and for non-admins); order_by id|username,
//	                                  sort asc|desc, default id desc (doc/api/user_service_accounts.md,
//	                                  17.6-17.8: "Lists all service account users")
//	GET /groups/:id/service_accounts  ee/lib/api/group_service_accounts.rb: authorize!
//	                                  :admin_service_accounts (an administrator on self-managed, the
//	                                  group's Owner on GitLab.com: doc/api/group_service_accounts.md,
//	                                  introduced in GitLab 17.1); the service accounts the group
//	                                  provisioned
//
// A service account is a user with bot: true (user_type service_account) whose
// memberships are plain member rows; its tokens are personal access tokens, listed by
// GET /personal_access_tokens for an administrator. Entity: Entities::UserBasic.

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

func (s *Server) serviceAccountRoutes() {
	s.rt.handle("GET", "/service_accounts", listServiceAccounts)
	s.rt.handle("GET", "/groups/:id/service_accounts", listGroupServiceAccounts)
}

// IsServiceAccount reports whether the user is a service account.
func (w *World) IsServiceAccount(userID int64) bool {
	_, ok := w.creds().ServiceAccounts[userID]
	return ok
}

// serveServiceAccounts orders and paginates service accounts: order_by id or username,
// sort asc or desc, default id desc; other values are Grape's 400.
func serveServiceAccounts(c *call, users []*User) {
	orderBy, dir := "id", "desc"
	if v := c.query.Get("order_by"); v != "" {
		orderBy = v
	}
	if v := c.query.Get("sort"); v != "" {
		dir = v
	}
	if orderBy != "id" && orderBy != "username" {
		c.errorString(http.StatusBadRequest, "order_by does not have a valid value")
		return
	}
	if dir != "asc" && dir != "desc" {
		c.errorString(http.StatusBadRequest, "sort does not have a valid value")
		return
	}
	slices.SortStableFunc(users, func(a, b *User) int {
		r := cmp.Compare(a.ID, b.ID)
		if orderBy == "username" {
			r = cmp.Or(strings.Compare(a.Username, b.Username), r)
		}
		if dir == "desc" {
			r = -r
		}
		return r
	})
	paginateRender(c, users, func(u *User) int64 { return u.ID }, nil, c.userBasicJSON, pageOpts{})
}

func listServiceAccounts(c *call) {
	if !c.requireAdmin() {
		return
	}
	var out []*User
	for _, u := range c.world.SortedUsers() {
		if c.world.IsServiceAccount(u.ID) {
			out = append(out, u)
		}
	}
	serveServiceAccounts(c, out)
}

func listGroupServiceAccounts(c *call) {
	g := c.group("id")
	if g == nil {
		return
	}
	allowed := c.isAdmin()
	if c.s.opts.Mode == ModeGitLabCom {
		allowed = c.world.EffectiveGroupAccess(g.ID, c.me.ID).Level >= Owner
	}
	if !allowed {
		c.forbidden()
		return
	}
	var out []*User
	for _, u := range c.world.SortedUsers() {
		if gid, ok := c.world.creds().ServiceAccounts[u.ID]; ok && gid == g.ID {
			out = append(out, u)
		}
	}
	serveServiceAccounts(c, out)
}
