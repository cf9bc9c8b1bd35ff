package fakegitlab

// Users' SSH keys. Endpoints and the GitLab source of each rule (lib/api/users.rb):
//
//	GET    /users/:id/keys           anyone who may read_user the user (404 "User Not Found"
//	                                 otherwise); :id is an id or a username; paginated
//	GET    /user/keys                the token user's keys; paginated
//	DELETE /users/:id/keys/:key_id   authenticated_as_admin! (403); 404 "User Not Found",
//	                                 "Key Not Found"; 204 (destroy_conditionally!, Keys::DestroyService)
//	DELETE /user/keys/:key_id        the token user's key; 404 "Key Not Found"; 204
//
// Entity: lib/api/entities/ssh_key.rb (id, title, created_at, expires_at, key,
// usage_type; no last use). A deleted key is gone from the next listing.

import (
	"strconv"
)

func (s *Server) sshKeyRoutes() {
	s.rt.handle("GET", "/users/:id/keys", listUserSSHKeys)
	s.rt.handle("GET", "/user/keys", listMySSHKeys)
	s.rt.handle("DELETE", "/users/:id/keys/:key_id", deleteUserSSHKey)
	s.rt.handle("DELETE", "/user/keys/:key_id", deleteMySSHKey)
}

// sshKeyJSON is Entities::SSHKey.
func (c *call) sshKeyJSON(k *SSHKey) map[string]any {
	return map[string]any{
		"id":         k.ID,
		"title":      k.Title,
		"created_at": jsonTime(k.CreatedAt),
		"expires_at": jsonTimePtr(k.ExpiresAt),
		"key":        k.Key,
		"usage_type": k.UsageType,
	}
}

// keysUser is find_user(params[:user_id]): a numeric id or a username.
func (c *call) keysUser() *User {
	v := c.param("id")
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return c.world.Users[n]
	}
	return c.world.UserByUsername(v)
}

func listUserSSHKeys(c *call) {
	u := c.keysUser()
	// read_user: everyone may read a user's public profile; blocked and banned users are
	// hidden from non-admins as in /users (UserPolicy, User::FORBIDDEN_SEARCH_STATES).
	if u == nil || !c.isAdmin() && forbiddenSearchStates[u.State] {
		c.notFound("User")
		return
	}
	paginateRender(c, c.world.UserSSHKeys(u.ID), func(k *SSHKey) int64 { return k.ID }, nil, c.sshKeyJSON, pageOpts{})
}

func listMySSHKeys(c *call) {
	paginateRender(c, c.world.UserSSHKeys(c.me.ID), func(k *SSHKey) int64 { return k.ID }, nil, c.sshKeyJSON, pageOpts{})
}

// userKey finds the :key_id among the user's keys.
func (c *call) userKey(userID int64) *SSHKey {
	id, err := strconv.ParseInt(c.param("key_id"), 10, 64)
	if err != nil {
		return nil
	}
	k := c.world.creds().SSHKeys[id]
	if k == nil || k.UserID != userID {
		return nil
	}
	return k
}

func deleteUserSSHKey(c *call) {
	if !c.requireAdmin() {
		return
	}
	u := c.user("id")
	if u == nil {
		return
	}
	k := c.userKey(u.ID)
	if k == nil {
		c.notFound("Key")
		return
	}
	delete(c.world.creds().SSHKeys, k.ID)
	c.noContent()
}

func deleteMySSHKey(c *call) {
	k := c.userKey(c.me.ID)
	if k == nil {
		c.notFound("Key")
		return
	}
	delete(c.world.creds().SSHKeys, k.ID)
	c.noContent()
}
