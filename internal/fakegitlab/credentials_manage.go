package fakegitlab

// The group credentials inventory API of GitLab.com (its Owners' view of a top-level
// group's credentials). Endpoints and the GitLab source of each rule
// (ee/lib/api/manage/groups.rb, class API::Manage::Groups; tests in
// ee/spec/requests/api/manage/groups_spec.rb; documented in doc/api/groups.md,
// "Credentials inventory management"):
//
//	GET    /groups/:id/manage/personal_access_tokens          the PATs of the group's enterprise users and
//	                                                          of the service accounts it provisioned
//	DELETE /groups/:id/manage/personal_access_tokens/:pat_id  revoke one of them (204)
//	GET    /groups/:id/manage/resource_access_tokens          the group and project access tokens of the hierarchy
//	DELETE /groups/:id/manage/resource_access_tokens/:prat_id revoke one (ResourceAccessTokens::RevokeService, 204)
//	GET    /groups/:id/manage/ssh_keys                        the SSH keys of the same users
//	DELETE /groups/:id/manage/ssh_keys/:key_id                delete one (Keys::DestroyService, 204)
//
// (doc/api/groups.md once printed the SSH key deletion as DELETE /groups/:id/manage/keys/:key_id;
// the route is `resources :ssh_keys { delete ':key_id' }`, and later docs print
// /manage/ssh_keys/:key_id.) The rotate endpoints (POST .../:id/rotate) are not served:
// the fake keeps no token values.
//
// Versions: the GETs were added behind the feature flag manage_pat_by_group_owners_ready,
// disabled by default (PATs in 17.8, SSH keys in 17.9, resource tokens in 17.10: the
// `detail` of each route); doc/api/groups.md: "Introduced in GitLab 18.6 with a flag ...
// Disabled by default. Generally available in GitLab 18.7. Feature flag removed" (issue
// 578133). The fake therefore serves them only for a world whose Version is 18.7 or later
// (ManageAPIVersion); the default worlds report 17.8.0-ee, so they answer 404 there, as
// GitLab 17.8 with the flag off does.
//
// Every route starts with the same `before` block:
//   - not_found! unless ::Gitlab::Saas.feature_available?(:group_credentials_inventory):
//     GitLab.com only; self-managed answers 404 "404 Not Found";
//   - authenticate!, then authorize! :admin_group, user_group: the group (find_group!,
//     404 "404 Group Not Found" when unknown or hidden), and its Owner (inherited too), or
//     403 "403 Forbidden". There is no top-level check: an Owner of a subgroup passes, but
//     enterprise users and provisioned service accounts belong to top-level groups and a
//     token bot's resource has the top-level group as root_ancestor, so a subgroup's
//     listings are empty and its revocations refused.
//
// Grape runs the `before` block before validating the parameters, so a non-numeric
// :pat_id / :prat_id / :key_id (`requires ..., type: Integer`) is a 400
// {"error":"<name> is invalid"} only for an Owner.
//
// Not modelled: the group setting require_dpop_for_manage_api_endpoints (DPoP-bound
// tokens; default true in 17.10, false since the 18.0 migration
// UpdateRequireDpopForManageApiEndpointsToFalse), the Premium/Ultimate tier, and the
// rotate endpoints.

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ManageAPIVersion is the GitLab version whose GitLab.com serves the credentials
// inventory API (GA in 18.7). A world reporting it or a later Version gets the routes:
//
//	w := fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom)
//	w.Version = fakegitlab.ManageAPIVersion
const ManageAPIVersion = "18.7.0-ee"

func (s *Server) manageRoutes() {
	s.rt.handle("GET", "/groups/:id/manage/personal_access_tokens", manageListPATs)
	s.rt.handle("DELETE", "/groups/:id/manage/personal_access_tokens/:pat_id", manageRevokePAT)
	s.rt.handle("GET", "/groups/:id/manage/resource_access_tokens", manageListResourceTokens)
	s.rt.handle("DELETE", "/groups/:id/manage/resource_access_tokens/:prat_id", manageRevokeResourceToken)
	s.rt.handle("GET", "/groups/:id/manage/ssh_keys", manageListSSHKeys)
	s.rt.handle("DELETE", "/groups/:id/manage/ssh_keys/:key_id", manageDeleteSSHKey)
}

// versionAtLeast compares the major.minor of a version such as "17.8.0-ee".
func versionAtLeast(v, min string) bool {
	parse := func(s string) (int, int) {
		parts := strings.SplitN(s, ".", 3)
		if len(parts) < 2 {
			return 0, 0
		}
		ma, _ := strconv.Atoi(parts[0])
		mi, _ := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
		return ma, mi
	}
	vMa, vMi := parse(v)
	mMa, mMi := parse(min)
	return vMa > mMa || vMa == mMa && vMi >= mMi
}

// manageGroup is the routes' `before` block: GitLab.com (and a GitLab that has the API),
// the group, and admin_group on it. It writes the refusal and returns nil.
func (c *call) manageGroup() *Group {
	if c.s.opts.Mode != ModeGitLabCom || !versionAtLeast(c.world.Version, ManageAPIVersion) {
		c.message(http.StatusNotFound, "404 Not Found")
		return nil
	}
	g := c.group("id")
	if g == nil {
		return nil
	}
	// admin_group: the group's Owners, direct or inherited (app/policies/group_policy.rb
	// rule { owner }.enable :admin_group); administrators in admin mode.
	if !c.isAdmin() && c.world.EffectiveGroupAccess(g.ID, c.me.ID).Level < Owner {
		c.forbidden()
		return nil
	}
	return g
}

// manageUser is the helper `users`: user_group.enterprise_users.or(user_group.service_accounts),
// the users whose enterprise group is the group and the service accounts it provisioned
// (users.provisioned_by_group_id). Issue 560151 added the service accounts; both are
// there in 18.7.
func (w *World) manageUser(g *Group, uid int64) bool {
	u := w.Users[uid]
	if u == nil {
		return false
	}
	if u.EnterpriseGroupID == g.ID {
		return true
	}
	by, sa := w.creds().ServiceAccounts[uid]
	return sa && by == g.ID
}

// manageSort is sort_order (params[:sort] || 'created_asc') as
// PersonalAccessTokensFinder#sort applies it: a value among PersonalAccessToken.simple_sorts
// orders the tokens; created_at_* is the same as created_*; id_* orders by id.
func manageSort(ts []*PersonalAccessToken, sortParam string) {
	switch sortParam {
	case "":
		sortParam = "created_asc"
	case "created_at_asc":
		sortParam = "created_asc"
	case "created_at_desc":
		sortParam = "created_desc"
	case "id_desc":
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].ID > ts[j].ID })
		return
	}
	sortTokens(ts, sortParam)
}

// manageListPATs: GET /groups/:id/manage/personal_access_tokens. PersonalAccessTokensFinder
// with the access_token_params (state, revoked, created_*, last_used_*, expires_*,
// search, sort; lib/api/helpers/personal_access_tokens_helpers.rb), user_types human and
// service_account, impersonation: false; paginate(..., skip_default_order: true) after
// the sort; Entities::PersonalAccessToken.
func manageListPATs(c *call) {
	g := c.manageGroup()
	if g == nil {
		return
	}
	f, ok := c.readTokenFilter()
	if !ok {
		return
	}
	var out []*PersonalAccessToken
	for _, t := range c.world.SortedPATs() {
		if t.Impersonation || !c.world.manageUser(g, t.UserID) {
			continue
		}
		if f.match(c.world, t) {
			out = append(out, t)
		}
	}
	manageSort(out, f.sort)
	paginateRender(c, out, func(t *PersonalAccessToken) int64 { return t.ID }, nil, c.patJSON, pageOpts{})
}

// manageTokenID reads a `requires :<name>, type: Integer` path parameter; a value that is
// not an integer is Grape's 400 {"error":"<name> is invalid"}.
func (c *call) manageTokenID(name string) (int64, bool) {
	id, err := strconv.ParseInt(c.param(name), 10, 64)
	if err != nil {
		c.errorString(http.StatusBadRequest, name+" is invalid")
		return 0, false
	}
	return id, true
}

// manageFindToken is find_token: PersonalAccessToken.find raises RecordNotFound,
// 404 "404 Not found" (the rotate spec's '404 Not found'). A deleted user's tokens went
// with the user.
func (c *call) manageFindToken(id int64) *PersonalAccessToken {
	t := c.world.creds().PATs[id]
	if t == nil || c.world.Users[t.UserID] == nil {
		c.message(http.StatusNotFound, "404 Not found")
		return nil
	}
	return t
}

// manageRevokePAT: DELETE /groups/:id/manage/personal_access_tokens/:pat_id.
// find_token (404), `forbidden! unless users.include? token.user` (403 "403 Forbidden"
// for anyone else's token, e.g. a non-enterprise member's or another group's enterprise
// user's), then revoke_token(token, group: user_group): PersonalAccessTokens::RevokeService
// permits it (EE revocation_permitted?: managed_user_revocation_allowed? for the group's
// enterprise users, managed_service_account_revocation_allowed? for its service accounts)
// and sets revoked, as DELETE /personal_access_tokens/:id does: 204. The token stays,
// revoked, in GET /personal_access_tokens and in this listing.
func manageRevokePAT(c *call) {
	g := c.manageGroup()
	if g == nil {
		return
	}
	id, ok := c.manageTokenID("pat_id")
	if !ok {
		return
	}
	t := c.manageFindToken(id)
	if t == nil {
		return
	}
	if !c.world.manageUser(g, t.UserID) {
		c.forbidden()
		return
	}
	t.Revoked = true
	c.noContent()
}

// botResource is `token.user.members.first.source`: the group or project whose member
// the token bot is (a bot is a member of its one resource), or false.
func (w *World) botResource(uid int64) (credResource, bool) {
	var groups []int64
	for gid, ms := range w.GroupMembers {
		if ms[uid] != nil && w.Groups[gid] != nil {
			groups = append(groups, gid)
		}
	}
	if len(groups) > 0 {
		sort.Slice(groups, func(i, j int) bool { return groups[i] < groups[j] })
		return credResource{group: w.Groups[groups[0]]}, true
	}
	var projects []int64
	for pid, ms := range w.ProjectMembers {
		if ms[uid] != nil && w.Projects[pid] != nil {
			projects = append(projects, pid)
		}
	}
	if len(projects) > 0 {
		sort.Slice(projects, func(i, j int) bool { return projects[i] < projects[j] })
		return credResource{project: w.Projects[projects[0]]}, true
	}
	return credResource{}, false
}

// rootGroupID is resource.root_ancestor: the top-level group of a group, or of a
// project's group; 0 for a personal project (its root is a user namespace).
func (w *World) rootGroupID(r credResource) int64 {
	gid := int64(0)
	if r.group != nil {
		gid = r.group.ID
	} else if r.project != nil {
		gid = r.project.GroupID
	}
	if gid == 0 {
		return 0
	}
	if root := w.Root(gid); root != nil {
		return root.ID
	}
	return 0
}

// manageResourceTokenJSON is Entities::ResourceAccessToken as this route presents it:
// the token, access_level (the bot's membership level), and resource_type ("group" or
// "project") and resource_id, the bot's resource (doc/api/groups.md example;
// groups_spec.rb "returns the expected response for group tokens / project tokens").
func (c *call) manageResourceTokenJSON(t *PersonalAccessToken) map[string]any {
	m := c.patJSON(t)
	level, rtype, rid := NoAccess, any(nil), any(nil)
	if r, ok := c.world.botResource(t.UserID); ok {
		if mem := r.members(c.world)[t.UserID]; mem != nil {
			level = mem.AccessLevel
		}
		if r.group != nil {
			rtype, rid = "group", r.group.ID
		} else {
			rtype, rid = "project", r.project.ID
		}
	}
	m["access_level"] = int(level)
	m["resource_type"] = rtype
	m["resource_id"] = rid
	return m
}

// manageListResourceTokens: GET /groups/:id/manage/resource_access_tokens.
// PersonalAccessTokensFinder with group: user_group, user_types: [:project_bot],
// impersonation: false and the access_token_params: the tokens of the token bots (not
// service accounts, not people) whose group or project is in the group's hierarchy;
// sort created_asc unless given; Entities::ResourceAccessToken.
func manageListResourceTokens(c *call) {
	g := c.manageGroup()
	if g == nil {
		return
	}
	f, ok := c.readTokenFilter()
	if !ok {
		return
	}
	inHierarchy := map[int64]bool{}
	var out []*PersonalAccessToken
	for _, t := range c.world.SortedPATs() {
		u := c.world.Users[t.UserID]
		if u == nil || t.Impersonation || !c.world.isTokenBot(u) {
			continue
		}
		in, seen := inHierarchy[u.ID]
		if !seen {
			r, ok := c.world.botResource(u.ID)
			in = ok && c.world.rootGroupID(r) == g.ID
			inHierarchy[u.ID] = in
		}
		if in && f.match(c.world, t) {
			out = append(out, t)
		}
	}
	manageSort(out, f.sort)
	paginateRender(c, out, func(t *PersonalAccessToken) int64 { return t.ID }, nil, c.manageResourceTokenJSON, pageOpts{})
}

// manageRevokeResourceToken: DELETE /groups/:id/manage/resource_access_tokens/:prat_id.
// find_token (404 "404 Not found"); validate_bot_tokens: a token that is not a token
// bot's is 403 "403 Forbidden - Cannot revoke resource access token: Token does not
// belong to bot user", one whose resource (the bot's membership) is missing or outside
// the group's hierarchy is 403 "403 Forbidden - Cannot access resource access token:
// Token belongs to a resource outside group's hierarchy"; then
// ResourceAccessTokens::RevokeService.new(current_user, bot_resource, token): 400
// "<caller> cannot delete <bot>" without destroy_resource_access_tokens on the resource,
// else the same revocation as DELETE /groups|projects/:id/access_tokens/:token_id
// (World.revokeResourceToken): 204.
func manageRevokeResourceToken(c *call) {
	g := c.manageGroup()
	if g == nil {
		return
	}
	id, ok := c.manageTokenID("prat_id")
	if !ok {
		return
	}
	t := c.manageFindToken(id)
	if t == nil {
		return
	}
	bot := c.world.Users[t.UserID]
	if !c.world.isTokenBot(bot) {
		c.message(http.StatusForbidden, "403 Forbidden - Cannot revoke resource access token: Token does not belong to bot user")
		return
	}
	r, ok := c.world.botResource(bot.ID)
	if !ok || c.world.rootGroupID(r) != g.ID {
		c.message(http.StatusForbidden, "403 Forbidden - Cannot access resource access token: Token belongs to a resource outside group's hierarchy")
		return
	}
	if !c.canManageResourceTokens(r) {
		c.badRequest(c.me.Name + " cannot delete " + bot.Name)
		return
	}
	c.world.revokeResourceToken(t)
	c.noContent()
}

// manageSSHKeyJSON is Entities::SshKeyWithUserId: Entities::SSHKey's fields without the
// key itself, plus last_used_at and user_id. The fake keeps no last use of keys
// (credentials_model.go), so last_used_at is null.
func (c *call) manageSSHKeyJSON(k *SSHKey) map[string]any {
	return map[string]any{
		"id":           k.ID,
		"title":        k.Title,
		"created_at":   jsonTime(k.CreatedAt),
		"expires_at":   jsonTimePtr(k.ExpiresAt),
		"last_used_at": nil,
		"usage_type":   k.UsageType,
		"user_id":      k.UserID,
	}
}

// sshKeyFilter is the route's created_before / created_after / expires_before /
// expires_after (type: DateTime) as KeysFinder applies them: inclusive bounds
// (groups_spec.rb "returns keys filtered with created_before the params value" keeps the
// key created exactly then); a key that never expires matches no expires_* filter.
type sshKeyFilter struct {
	createdBefore, createdAfter, expiresBefore, expiresAfter *time.Time
}

func (c *call) readSSHKeyFilter() (sshKeyFilter, bool) {
	var f sshKeyFilter
	ok := c.readTimeParams([]timeParam{{"created_before", &f.createdBefore}, {"created_after", &f.createdAfter},
		{"expires_before", &f.expiresBefore}, {"expires_after", &f.expiresAfter}})
	return f, ok
}

func (f sshKeyFilter) match(k *SSHKey) bool {
	if f.createdBefore != nil && k.CreatedAt.After(*f.createdBefore) || f.createdAfter != nil && k.CreatedAt.Before(*f.createdAfter) {
		return false
	}
	if f.expiresBefore != nil && (k.ExpiresAt == nil || k.ExpiresAt.After(*f.expiresBefore)) {
		return false
	}
	if f.expiresAfter != nil && (k.ExpiresAt == nil || k.ExpiresAt.Before(*f.expiresAfter)) {
		return false
	}
	return true
}

// manageSSHKeys are KeysFinder.new(users: users, key_type: 'ssh'): the SSH keys of the
// group's enterprise users and provisioned service accounts, by id (the offset
// paginator's default order).
func (c *call) manageSSHKeys(g *Group) []*SSHKey {
	var out []*SSHKey
	for _, k := range c.world.creds().SSHKeys {
		if c.world.manageUser(g, k.UserID) {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// manageListSSHKeys: GET /groups/:id/manage/ssh_keys.
func manageListSSHKeys(c *call) {
	g := c.manageGroup()
	if g == nil {
		return
	}
	f, ok := c.readSSHKeyFilter()
	if !ok {
		return
	}
	var out []*SSHKey
	for _, k := range c.manageSSHKeys(g) {
		if f.match(k) {
			out = append(out, k)
		}
	}
	paginateRender(c, out, func(k *SSHKey) int64 { return k.ID }, nil, c.manageSSHKeyJSON, pageOpts{})
}

// manageDeleteSSHKey: DELETE /groups/:id/manage/ssh_keys/:key_id. KeysFinder(...).find_by_id
// among the same users' keys, or 404 "404 Key Not Found" (also for a key of someone
// else: groups_spec.rb "when key does not belong to enterprise user"); then
// Keys::DestroyService, as DELETE /users/:id/keys/:key_id: the key is gone. 204.
func manageDeleteSSHKey(c *call) {
	g := c.manageGroup()
	if g == nil {
		return
	}
	id, ok := c.manageTokenID("key_id")
	if !ok {
		return
	}
	k := c.world.creds().SSHKeys[id]
	if k == nil || !c.world.manageUser(g, k.UserID) {
		c.notFound("Key")
		return
	}
	delete(c.world.creds().SSHKeys, k.ID)
	c.noContent()
}
