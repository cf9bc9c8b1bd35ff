package fakegitlab

// Deploy tokens and deploy keys. Endpoints and the GitLab source of each rule:
//
//	GET    /deploy_tokens                              lib/api/deploy_tokens.rb (authenticated_as_admin!, active filter)
//	GET    /projects/:id/deploy_tokens                 lib/api/deploy_tokens.rb (authorize! :read_deploy_token)
//	GET    /projects/:id/deploy_tokens/:token_id       lib/api/deploy_tokens.rb
//	DELETE /projects/:id/deploy_tokens/:token_id       lib/api/deploy_tokens.rb (authorize! :destroy_deploy_token),
//	                                                   app/services/projects/deploy_tokens/destroy_service.rb
//	GET    /groups/:id/deploy_tokens                   lib/api/deploy_tokens.rb
//	GET    /groups/:id/deploy_tokens/:token_id         lib/api/deploy_tokens.rb
//	DELETE /groups/:id/deploy_tokens/:token_id         lib/api/deploy_tokens.rb, app/services/groups/deploy_tokens/destroy_service.rb
//	GET    /deploy_keys                                lib/api/deploy_keys.rb (authenticated_as_admin!, public filter,
//	                                                   projects_with_write_access / projects_with_readonly_access)
//	GET    /projects/:id/deploy_keys                   lib/api/deploy_keys.rb (authorize_admin_project), Entities::DeployKeysProject
//	GET    /projects/:id/deploy_keys/:key_id           lib/api/deploy_keys.rb (find_by! -> 404 "Not found")
//	DELETE /projects/:id/deploy_keys/:key_id           lib/api/deploy_keys.rb (404 "Deploy key Not Found"),
//	                                                   app/models/deploy_keys_project.rb (an orphaned key is destroyed)
//
// Permissions: doc/api/deploy_tokens.md ("Project deploy token API endpoints require at
// least the Maintainer role for the project"; group deploy tokens: Maintainer to list and
// read, Owner to delete); authorize_admin_project is admin_project, Maintainer
// (app/policies/project_policy.rb). authorize! answers 403 "403 Forbidden".
// Entities: lib/api/entities/deploy_token.rb (no token, no created_at, no last use),
// lib/api/entities/ssh_key.rb, deploy_key.rb, deploy_keys_project.rb, project_identity.rb.

import (
	"net/http"
	"strconv"
)

func (s *Server) deployCredentialRoutes() {
	s.rt.handle("GET", "/deploy_tokens", listAllDeployTokens)
	for _, kind := range []string{"groups", "projects"} {
		s.rt.handle("GET", "/"+kind+"/:id/deploy_tokens", listDeployTokens(kind))
		s.rt.handle("GET", "/"+kind+"/:id/deploy_tokens/:token_id", getDeployToken(kind))
		s.rt.handle("DELETE", "/"+kind+"/:id/deploy_tokens/:token_id", deleteDeployToken(kind))
	}
	s.rt.handle("GET", "/deploy_keys", listAllDeployKeys)
	s.rt.handle("GET", "/projects/:id/deploy_keys", listProjectDeployKeys)
	s.rt.handle("GET", "/projects/:id/deploy_keys/:key_id", getProjectDeployKey)
	s.rt.handle("DELETE", "/projects/:id/deploy_keys/:key_id", deleteProjectDeployKey)
}

// deployTokenJSON is Entities::DeployToken. expires_at is a datetime, null for a token
// that never expires (DeployToken#expires_at hides DeployToken::FOREVER).
func (c *call) deployTokenJSON(t *DeployToken) map[string]any {
	return map[string]any{
		"id":         t.ID,
		"name":       t.Name,
		"username":   t.Username,
		"expires_at": jsonTimePtr(t.ExpiresAt),
		"scopes":     nonNil(t.Scopes),
		"revoked":    t.Revoked,
		"expired":    c.world.timeExpired(t.ExpiresAt),
	}
}

// deployTokens lists the tokens that belong to the group or project (all of them for
// r == nil), filtered by active (DeployTokens::TokensFinder: active = not revoked, not
// expired), in id order.
func (c *call) deployTokens(r *credResource) []*DeployToken {
	active := c.argBool("active", false)
	var out []*DeployToken
	for _, t := range c.world.SortedDeployTokens() {
		if r != nil && (r.group != nil && t.GroupID != r.group.ID || r.project != nil && t.ProjectID != r.project.ID) {
			continue
		}
		if r == nil && c.world.Groups[t.GroupID] == nil && c.world.Projects[t.ProjectID] == nil {
			continue // its group or project was deleted, and the token with it
		}
		if active && !c.world.deployTokenActive(t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// listAllDeployTokens: GET /deploy_tokens, administrators only (403).
func listAllDeployTokens(c *call) {
	if !c.requireAdmin() {
		return
	}
	paginateRender(c, c.deployTokens(nil), func(t *DeployToken) int64 { return t.ID }, nil, c.deployTokenJSON, pageOpts{})
}

// deployTokenLevel is the caller's role on the resource for deploy tokens' permissions.
func (c *call) credLevel(r credResource) AccessLevel {
	if c.isAdmin() {
		return Owner
	}
	if r.group != nil {
		return c.world.EffectiveGroupAccess(r.group.ID, c.me.ID).Level
	}
	return c.myProjectLevel(r.project.ID)
}

// canReadDeployTokens: read_deploy_token, Maintainer of the group or project.
func (c *call) canReadDeployTokens(r credResource) bool { return c.credLevel(r) >= Maintainer }

// canDestroyDeployTokens: destroy_deploy_token, Maintainer of a project, Owner of a group.
func (c *call) canDestroyDeployTokens(r credResource) bool {
	if r.group != nil {
		return c.credLevel(r) >= Owner
	}
	return c.credLevel(r) >= Maintainer
}

func listDeployTokens(kind string) handler {
	return func(c *call) {
		r, ok := c.findCredResource(kind)
		if !ok {
			return
		}
		if !c.canReadDeployTokens(r) {
			c.forbidden()
			return
		}
		paginateRender(c, c.deployTokens(&r), func(t *DeployToken) int64 { return t.ID }, nil, c.deployTokenJSON, pageOpts{})
	}
}

// findDeployToken is user_project.deploy_tokens.find(token_id) (or the group's): nil when
// the token is not the resource's, which GitLab answers with RecordNotFound, "404 Not found".
func (c *call) findDeployToken(r credResource) *DeployToken {
	id, err := strconv.ParseInt(c.param("token_id"), 10, 64)
	if err != nil {
		return nil
	}
	t := c.world.creds().DeployTokens[id]
	if t == nil || r.group != nil && t.GroupID != r.group.ID || r.project != nil && t.ProjectID != r.project.ID {
		return nil
	}
	return t
}

func getDeployToken(kind string) handler {
	return func(c *call) {
		if t := c.deployTokenFor(kind, c.canReadDeployTokens); t != nil {
			c.json(http.StatusOK, c.deployTokenJSON(t))
		}
	}
}

// deployTokenFor is the deploy token :token_id of the group or project :id, once the
// caller is allowed; nil when an error was answered (404 for the resource or the token,
// 403 without the permission).
func (c *call) deployTokenFor(kind string, allowed func(credResource) bool) *DeployToken {
	r, ok := c.findCredResource(kind)
	if !ok {
		return nil
	}
	if !allowed(r) {
		c.forbidden()
		return nil
	}
	t := c.findDeployToken(r)
	if t == nil {
		c.message(http.StatusNotFound, "404 Not found")
	}
	return t
}

// deleteDeployToken: DELETE /groups|projects/:id/deploy_tokens/:token_id. The
// DestroyService destroys the token (it is gone, not revoked, from the next listing).
func deleteDeployToken(kind string) handler {
	return func(c *call) {
		t := c.deployTokenFor(kind, c.canDestroyDeployTokens)
		if t == nil {
			return
		}
		delete(c.world.creds().DeployTokens, t.ID)
		c.noContent()
	}
}

// deployKeyJSON is Entities::DeployKey: Entities::SSHKey (id, title, created_at,
// expires_at, key, usage_type) with fingerprint_sha256 (the MD5 fingerprint is shown only
// when present; the fake keeps none).
func (c *call) deployKeyJSON(k *DeployKey) map[string]any {
	return map[string]any{
		"id":                 k.ID,
		"title":              k.Title,
		"created_at":         jsonTime(k.CreatedAt),
		"expires_at":         jsonTimePtr(k.ExpiresAt),
		"key":                k.Key,
		"usage_type":         "auth_and_signing", // keys.usage_type default
		"fingerprint_sha256": k.FingerprintSHA256,
	}
}

// projectIdentityJSON is Entities::ProjectIdentity.
func (c *call) projectIdentityJSON(p *Project) map[string]any {
	ns := c.world.FullName(p.GroupID)
	if p.GroupID == 0 {
		if u := c.world.Users[p.OwnerID]; u != nil {
			ns = u.Name
		}
	}
	return map[string]any{
		"id":                  p.ID,
		"description":         p.Description,
		"name":                p.Name,
		"name_with_namespace": ns + " / " + p.Name,
		"path":                p.Path,
		"path_with_namespace": c.world.ProjectPathWithNamespace(p.ID),
		"created_at":          jsonTime(p.CreatedAt),
	}
}

// listAllDeployKeys: GET /deploy_keys, administrators only (403), with the projects each
// key can write to and read from (include_projects_with_write_access /
// include_projects_with_readonly_access); public=true lists public keys only.
func listAllDeployKeys(c *call) {
	if !c.requireAdmin() {
		return
	}
	public := c.argBool("public", false)
	var out []*DeployKey
	for _, k := range c.world.SortedDeployKeys() {
		if public && !k.Public {
			continue
		}
		out = append(out, k)
	}
	render := func(k *DeployKey) map[string]any {
		m := c.deployKeyJSON(k)
		write, read := []map[string]any{}, []map[string]any{}
		for _, p := range c.world.SortedProjects() {
			canPush, ok := k.Projects[p.ID]
			if !ok {
				continue
			}
			if canPush {
				write = append(write, c.projectIdentityJSON(p))
			} else {
				read = append(read, c.projectIdentityJSON(p))
			}
		}
		m["projects_with_write_access"] = write
		m["projects_with_readonly_access"] = read
		return m
	}
	paginateRender(c, out, func(k *DeployKey) int64 { return k.ID }, nil, render, pageOpts{})
}

// projectDeployKeys are the keys enabled on the project, by id.
func (c *call) projectDeployKeys(p *Project) []*DeployKey {
	var out []*DeployKey
	for _, k := range c.world.SortedDeployKeys() {
		if _, ok := k.Projects[p.ID]; ok {
			out = append(out, k)
		}
	}
	return out
}

// adminProject is authorize_admin_project: Maintainer of the project, or 403.
func (c *call) adminProject() *Project {
	p := c.project("id")
	if p == nil {
		return nil
	}
	if !c.isAdmin() && c.myProjectLevel(p.ID) < Maintainer {
		c.forbidden()
		return nil
	}
	return p
}

// listProjectDeployKeys: GET /projects/:id/deploy_keys, Entities::DeployKeysProject: the
// key merged with the project's can_push.
func listProjectDeployKeys(c *call) {
	p := c.adminProject()
	if p == nil {
		return
	}
	render := func(k *DeployKey) map[string]any {
		m := c.deployKeyJSON(k)
		m["can_push"] = k.Projects[p.ID]
		return m
	}
	paginateRender(c, c.projectDeployKeys(p), func(k *DeployKey) int64 { return k.ID }, nil, render, pageOpts{})
}

// projectDeployKey finds the :key_id among the project's keys.
func (c *call) projectDeployKey(p *Project) *DeployKey {
	id, err := strconv.ParseInt(c.param("key_id"), 10, 64)
	if err != nil {
		return nil
	}
	k := c.world.creds().DeployKeys[id]
	if k == nil {
		return nil
	}
	if _, ok := k.Projects[p.ID]; !ok {
		return nil
	}
	return k
}

func getProjectDeployKey(c *call) {
	p := c.adminProject()
	if p == nil {
		return
	}
	k := c.projectDeployKey(p)
	if k == nil {
		c.message(http.StatusNotFound, "404 Not found")
		return
	}
	m := c.deployKeyJSON(k)
	m["can_push"] = k.Projects[p.ID]
	c.json(http.StatusOK, m)
}

// deleteProjectDeployKey: DELETE /projects/:id/deploy_keys/:key_id removes the key from
// the project (204); a key left on no project is destroyed, unless it is a public one
// (DeployKeysProject after_destroy destroy_orphaned_deploy_key,
// DeployKey#destroyed_when_orphaned?).
func deleteProjectDeployKey(c *call) {
	p := c.adminProject()
	if p == nil {
		return
	}
	k := c.projectDeployKey(p)
	if k == nil {
		c.notFound("Deploy key")
		return
	}
	delete(k.Projects, p.ID)
	if len(k.Projects) == 0 && !k.Public {
		delete(c.world.creds().DeployKeys, k.ID)
	}
	c.noContent()
}
