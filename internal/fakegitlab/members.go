package fakegitlab

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Group and project members API: https://docs.gitlab.com/api/members/
//
// Status codes and bodies follow GitLab's lib/api/members.rb and its helpers:
//   - GET/PUT/DELETE of a user who is not a DIRECT member: `find_by!` raises
//     RecordNotFound, which lib/api/api.rb renders as 404 {"message":"404 Not found"};
//   - POST: unknown user 404 {"message":"404 User Not Found"}, then a direct member 409
//     {"message":"Member already exists"}, then authorization 403, then model
//     validations 400 {"message":{"field":["..."]}} (Member, GroupMember, EE::Member);
//   - Grape parameter errors 400 {"error":"access_level is missing"} and the like;
//   - the last owner is protected by GroupMemberPolicy (403 {"message":"403 Forbidden"}).

// memberSource is the group or project whose members a request is about.
type memberSource struct {
	group   *Group
	project *Project
}

func (s memberSource) isGroup() bool { return s.group != nil }

func (s memberSource) id() int64 {
	if s.group != nil {
		return s.group.ID
	}
	return s.project.ID
}

// members is the source's direct members map (created on demand when writing).
func (s memberSource) members(w *World, create bool) map[int64]*Member {
	if s.group != nil {
		if w.GroupMembers[s.group.ID] == nil && create {
			w.GroupMembers[s.group.ID] = map[int64]*Member{}
		}
		return w.GroupMembers[s.group.ID]
	}
	if w.ProjectMembers[s.project.ID] == nil && create {
		w.ProjectMembers[s.project.ID] = map[int64]*Member{}
	}
	return w.ProjectMembers[s.project.ID]
}

// rootGroupID is the top-level group of the source's hierarchy (0 for a personal project).
func (s memberSource) rootGroupID(w *World) int64 {
	gid := int64(0)
	if s.group != nil {
		gid = s.group.ID
	} else {
		gid = s.project.GroupID
	}
	if gid == 0 {
		return 0
	}
	if r := w.Root(gid); r != nil {
		return r.ID
	}
	return 0
}

// effective is the user's effective access to the source.
func (s memberSource) effective(w *World, userID int64) Access {
	if s.group != nil {
		return w.EffectiveGroupAccess(s.group.ID, userID)
	}
	return w.EffectiveProjectAccess(s.project.ID, userID)
}

// floor is the inherited floor for a direct membership of the user in the source.
func (s memberSource) floor(w *World, userID int64) (AccessLevel, *Group) {
	if s.group != nil {
		return w.InheritedFloor(s.group.ID, 0, userID)
	}
	return w.InheritedFloor(0, s.project.ID, userID)
}

// resolveMemberSource looks up ":id" as a group or project (404 when unseen).
func (c *call) resolveMemberSource(kind string) (memberSource, bool) {
	if kind == "groups" {
		g := c.group("id")
		return memberSource{group: g}, g != nil
	}
	p := c.project("id")
	return memberSource{project: p}, p != nil
}

// directMemberParam resolves ":id" (404 when unseen) and the user's direct membership
// there (404 "Not found" when there is none): what PUT and DELETE .../members/:user_id
// look up first.
func (c *call) directMemberParam(kind string, uid int64) (memberSource, *Member, bool) {
	src, ok := c.resolveMemberSource(kind)
	if !ok {
		return src, nil, false
	}
	m := src.members(c.world, false)[uid]
	if m == nil {
		c.message(http.StatusNotFound, "404 Not found")
		return src, nil, false
	}
	return src, m, true
}

// canManageMembers: managing members needs the Owner role in a group and Maintainer (or
// Owner) in a project; administrators can always.
// https://docs.gitlab.com/user/permissions/#group-members-permissions
// https://docs.gitlab.com/user/permissions/#project-members-permissions
func (c *call) canManageMembers(src memberSource) bool {
	if c.isAdmin() {
		return true
	}
	lvl := src.effective(c.world, c.me.ID).Level
	if src.isGroup() {
		return lvl >= Owner
	}
	return lvl >= Maintainer
}

// canManageOwners: only Owners may grant, change or remove the Owner role of a project
// ("Project Owner can only be set by an Owner", https://docs.gitlab.com/user/permissions/).
func (c *call) canManageOwners(src memberSource) bool {
	return c.isAdmin() || src.effective(c.world, c.me.ID).Level >= Owner
}

// isLastOwner: GroupMemberPolicy prevents update_group_member and destroy_group_member
// when GroupMember#last_owner_of_the_group? (app/models/members/group_member.rb): the
// member is an Owner and Group#member_owners_excluding_project_bots (app/models/group.rb),
// without this member's own row, is empty. Those owners are:
//   - on a top-level group, its direct members at Owner
//     (members.non_minimal_access.without_invites_and_requests: active_state, so not
//     awaiting);
//   - on a subgroup, members_with_parents(only_active_users: false).all_owners: direct
//     Owners of the group and its ancestors, and members of groups shared into the group
//     or an ancestor whose level capped by the share is Owner
//     (members_from_self_and_ancestor_group_shares, state active, non_minimal_access);
//
// project bots excluded (`user.project_bot?`), and the user's state NOT looked at: a
// blocked Owner counts. Expired rows are gone here, as RemoveExpiredMembersWorker removes
// them.
func (w *World) isLastOwner(groupID, userID int64) bool {
	m := w.GroupMembers[groupID][userID]
	if m == nil || m.AccessLevel != Owner || w.memberExpired(m.ExpiresAt) {
		return false
	}
	owner := func(uid int64, o *Member) bool {
		if o.AccessLevel != Owner || w.memberExpired(o.ExpiresAt) || o.MembershipState == "awaiting" {
			return false
		}
		u := w.Users[uid]
		return u != nil && !(u.Bot && strings.HasPrefix(u.Username, "project_"))
	}
	chain := []int64{groupID}
	if g := w.Groups[groupID]; g != nil && g.ParentID != 0 {
		chain = append(chain, idsOfGroups(w.Ancestors(groupID))...)
	}
	for i, gid := range chain {
		for uid, o := range w.GroupMembers[gid] {
			if (i != 0 || uid != userID) && owner(uid, o) {
				return false
			}
		}
	}
	if len(chain) == 1 {
		return true // a top-level group counts its direct Owners only
	}
	for _, gid := range chain {
		for _, s := range w.GroupShares[gid] {
			if s.AccessLevel != Owner || w.memberExpired(s.ExpiresAt) {
				continue
			}
			for uid, o := range w.GroupMembers[s.GroupID] {
				if owner(uid, o) {
					return false
				}
			}
		}
	}
	return true
}

// isProtectedOwner: the user is the last owner of a group source (isLastOwner) or the
// owner of a personal project source, whose membership cannot be updated or removed.
func (w *World) isProtectedOwner(src memberSource, userID int64) bool {
	return (src.isGroup() && w.isLastOwner(src.id(), userID)) || w.isPersonalProjectOwner(src, userID)
}

// isPersonalProjectOwner: the owner of a personal project cannot be removed or demoted.
func (w *World) isPersonalProjectOwner(src memberSource, userID int64) bool {
	return src.project != nil && src.project.GroupID == 0 && src.project.OwnerID == userID
}

// customPermissions are the member role abilities GitLab's MemberRole entity exposes
// (https://docs.gitlab.com/api/member_roles/), every one a boolean.
var customPermissions = []string{
	"admin_cicd_variables", "admin_compliance_framework", "admin_group_member",
	"admin_merge_request", "admin_push_rules", "admin_terraform_state",
	"admin_vulnerability", "admin_web_hook", "archive_project", "manage_deploy_tokens",
	"manage_group_access_tokens", "manage_merge_request_settings",
	"manage_project_access_tokens", "manage_security_policy_link", "read_code",
	"read_runners", "read_dependency", "read_vulnerability", "remove_group", "remove_project",
}

// memberRoleJSON is EE::API::Entities::MemberRole.
func memberRoleJSON(r *MemberRole) map[string]any {
	m := map[string]any{
		"id":                r.ID,
		"name":              r.Name,
		"description":       nil,
		"group_id":          nil,
		"base_access_level": int(r.BaseAccessLevel),
	}
	if r.Description != "" {
		m["description"] = r.Description
	}
	if r.GroupID != 0 {
		m["group_id"] = r.GroupID
	}
	for _, p := range customPermissions {
		m[p] = false
	}
	for _, p := range r.Permissions {
		m[p] = true
	}
	return m
}

// memberJSON is Entities::Member for a direct membership row of src shown at level
// (members/all may show a level capped by a share) with the given custom role.
// https://docs.gitlab.com/api/members/#list-all-members-of-a-group-or-project
func (c *call) memberJSON(src memberSource, u *User, m *Member, level AccessLevel, roleID int64) map[string]any {
	r := memberRow{user: u, member: m, level: level, roleID: roleID}
	r.srcGroup, r.srcProject = src.sourceIDs()
	return c.memberJSONWith(c.newMemberViewer(), r)
}

// sourceIDs is the source as (group id, project id), one of them 0.
func (s memberSource) sourceIDs() (int64, int64) {
	if s.group != nil {
		return s.group.ID, 0
	}
	return 0, s.project.ID
}

// memberJSONWith renders a row with a viewer shared by the rows of one listing. The EE
// fields (group_saml_identity, email) depend on the row's own source: identities.go.
func (c *call) memberJSONWith(v *memberViewer, r memberRow) map[string]any {
	u, m := r.user, r.member
	out := c.userBasicJSON(u)
	out["access_level"] = int(r.level)
	out["created_at"] = jsonTime(m.CreatedAt)
	if by := c.world.Users[m.CreatedByID]; by != nil {
		out["created_by"] = c.userBasicJSON(by) // exposed only when known (expose_nil: false)
	}
	out["expires_at"] = jsonDateString(m.ExpiresAt)
	state := m.MembershipState
	if state == "" {
		state = "active"
	}
	out["membership_state"] = state
	if rl := c.world.MemberRoles[r.roleID]; rl != nil && r.roleID != 0 {
		out["member_role"] = memberRoleJSON(rl) // the key is absent without a custom role
	}
	v.memberEEFields(out, u, r.srcGroup, r.srcProject)
	return out
}

func (s *Server) memberRoutes() {
	for _, kind := range []string{"groups", "projects"} {
		s.rt.handle(http.MethodGet, "/"+kind+"/:id/members/all", listMembersHandler(kind, true))
		s.rt.handle(http.MethodGet, "/"+kind+"/:id/members/all/:user_id", getMemberHandler(kind, true))
		s.rt.handle(http.MethodGet, "/"+kind+"/:id/members", listMembersHandler(kind, false))
		s.rt.handle(http.MethodGet, "/"+kind+"/:id/members/:user_id", getMemberHandler(kind, false))
		s.rt.handle(http.MethodPost, "/"+kind+"/:id/members", addMemberHandler(kind))
		s.rt.handle(http.MethodPut, "/"+kind+"/:id/members/:user_id", editMemberHandler(kind))
		s.rt.handle(http.MethodDelete, "/"+kind+"/:id/members/:user_id", removeMemberHandler(kind))
	}
}

// userIDsFilter reads user_ids (comma-separated or user_ids[]=...); nil when absent.
func (c *call) userIDsFilter() (map[int64]bool, bool) {
	var raw []string
	raw = append(raw, c.query["user_ids[]"]...)
	raw = append(raw, c.query["user_ids"]...)
	if len(raw) == 0 {
		return nil, true
	}
	out := map[int64]bool{}
	for _, r := range raw {
		for _, p := range strings.Split(r, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				c.errorString(http.StatusBadRequest, "user_ids is invalid")
				return nil, false
			}
			out[n] = true
		}
	}
	return out, true
}

type memberRow struct {
	user   *User
	member *Member
	level  AccessLevel
	roleID int64
	// the row's own source: a group (srcGroup) or a project (srcProject)
	srcGroup, srcProject int64
}

// rowFromList turns a members/all row into a memberRow (kind 1: a project's own row).
func rowFromList(u *User, r listRow) memberRow {
	mr := memberRow{user: u, member: r.m, level: r.level, roleID: r.roleID, srcGroup: r.source}
	if r.kind == 1 {
		mr.srcGroup, mr.srcProject = 0, r.source
	}
	return mr
}

// listMembersHandler: GET .../members (direct members only) and .../members/all
// (one row per user over the direct, inherited and shared relations: members_all.go).
// https://docs.gitlab.com/api/members/#list-all-members-of-a-group-or-project-including-inherited-and-invited-members
func listMembersHandler(kind string, all bool) handler {
	return func(c *call) {
		ids, ok := c.userIDsFilter()
		if !ok {
			return
		}
		// state (EE): awaiting or active, on /members and /members/all alike:
		// EE::API::Helpers::MembersHelpers#retrieve_members filters both.
		// https://docs.gitlab.com/api/members/#list-all-members-of-a-group-or-project
		state := c.query.Get("state")
		if state != "" && state != "awaiting" && state != "active" {
			c.errorString(http.StatusBadRequest, "state does not have a valid value")
			return
		}
		src, ok := c.resolveMemberSource(kind)
		if !ok {
			return
		}
		// Computed once per listing (cachedListing): a 30,000-member group is 300 pages.
		meID := int64(0)
		if c.me != nil {
			meID = c.me.ID
		}
		rows := cachedListing(c.s, fmt.Sprintf("members %s %d all=%v me=%d", kind, src.id(), all, meID), func() []memberRow {
			var rows []memberRow
			if all {
				for uid, r := range c.membersAllRows(src, 0) {
					if u := c.world.Users[uid]; u != nil {
						rows = append(rows, rowFromList(u, r))
					}
				}
			} else {
				sg, sp := src.sourceIDs()
				for _, m := range src.members(c.world, false) {
					if u := c.world.Users[m.UserID]; u != nil {
						rows = append(rows, memberRow{user: u, member: m, level: m.AccessLevel, roleID: m.MemberRoleID, srcGroup: sg, srcProject: sp})
					}
				}
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i].user.ID < rows[j].user.ID })
			return rows
		})
		q := strings.ToLower(strings.TrimSpace(c.query.Get("query")))
		viewer := c.newMemberViewer()
		var out []memberRow
		for _, r := range rows {
			if q != "" && !userMatchesSearch(r.user, q, c.isAdmin()) {
				continue
			}
			if ids != nil && !ids[r.user.ID] {
				continue
			}
			if state != "" && r.member.MembershipState != state && !(state == "active" && r.member.MembershipState == "") {
				continue
			}
			out = append(out, r)
		}
		// lib/api/members.rb answers with plain `paginate`: pagination=keyset is ignored
		// and offset pages are served (pageOpts without keyset). Only the page served is
		// rendered.
		paginateRender(c, out, func(r memberRow) int64 { return r.user.ID }, nil, func(r memberRow) map[string]any {
			return c.memberJSONWith(viewer, r)
		}, pageOpts{})
	}
}

// membersAllRows is members/all's rows for src as the token user sees them (members_all.go):
// invited groups the token user cannot see are left out unless they are a member of the
// source (GroupMembersFinder: group.member?(user), MembersFinder: project.member?(user));
// public_or_visible_to_user lets administrators see every group.
func (c *call) membersAllRows(src memberSource, only int64) map[int64]listRow {
	w := c.world
	visible := func(gid int64) bool { g := w.Groups[gid]; return g != nil && c.canSeeGroup(g) }
	o := listOpts{only: only, withAwaiting: true}
	if src.isGroup() {
		if !c.isAdmin() && w.EffectiveGroupAccess(src.id(), c.me.ID).Level == NoAccess {
			o.visible = visible
		}
		return w.groupListRows(src.id(), o)
	}
	p := src.project
	var groupVisible, invitedVisible func(int64) bool
	if !c.isAdmin() {
		if p.GroupID != 0 && w.EffectiveGroupAccess(p.GroupID, c.me.ID).Level == NoAccess {
			groupVisible = visible
		}
		if w.projectLevel(p.ID, c.me.ID) == NoAccess {
			invitedVisible = visible
		}
	}
	rows := w.projectListRows(p.ID, o, groupVisible, invitedVisible)
	w.coalesceProjectLevels(p.ID, rows)
	return rows
}

// userIDParam reads the :user_id path parameter as Grape's Integer type does.
func (c *call) userIDParam() (int64, bool) {
	n, err := strconv.ParseInt(c.param("user_id"), 10, 64)
	if err != nil {
		c.errorString(http.StatusBadRequest, "user_id is invalid")
		return 0, false
	}
	return n, true
}

// getMemberHandler: GET .../members/:user_id (direct) and .../members/all/:user_id.
func getMemberHandler(kind string, all bool) handler {
	return func(c *call) {
		uid, ok := c.userIDParam()
		if !ok {
			return
		}
		src, ok := c.resolveMemberSource(kind)
		if !ok {
			return
		}
		u := c.world.Users[uid]
		if all {
			r, ok := c.membersAllRows(src, uid)[uid]
			if !ok || u == nil {
				c.message(http.StatusNotFound, "404 Not found")
				return
			}
			c.json(http.StatusOK, c.memberJSONWith(c.newMemberViewer(), rowFromList(u, r)))
			return
		}
		m := src.members(c.world, false)[uid]
		if m == nil || u == nil {
			c.message(http.StatusNotFound, "404 Not found")
			return
		}
		c.json(http.StatusOK, c.memberJSON(src, u, m, m.AccessLevel, m.MemberRoleID))
	}
}

// memberParams are the validated arguments of a POST or PUT.
type memberParams struct {
	level        AccessLevel
	levelSet     bool
	expiresAt    string // YYYY-MM-DD, "" for none
	expiresSet   bool   // the key was sent (null clears it on PUT)
	memberRoleID int64
	roleSet      bool // the key was sent (null clears it on PUT)
}

// parseDateArg reads a Grape DateTime argument and keeps its date.
func parseDateArg(v string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05.000Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

// readMemberParams parses access_level, expires_at and member_role_id, answering Grape's
// 400 {"error": "..."} when one is malformed.
func (c *call) readMemberParams(requireLevel bool) (memberParams, bool) {
	var p memberParams
	lv, set, err := c.argInt("access_level")
	if err != nil {
		c.errorString(http.StatusBadRequest, "access_level is invalid")
		return p, false
	}
	if !set && requireLevel {
		c.errorString(http.StatusBadRequest, "access_level is missing")
		return p, false
	}
	p.level, p.levelSet = AccessLevel(lv), set
	if _, sent := c.body["expires_at"]; sent || c.query.Has("expires_at") {
		p.expiresSet = true
		if v, ok := c.arg("expires_at"); ok && v != "" {
			d, ok := parseDateArg(v)
			if !ok {
				c.errorString(http.StatusBadRequest, "expires_at is invalid")
				return p, false
			}
			p.expiresAt = d
		}
	}
	if _, sent := c.body["member_role_id"]; sent || c.query.Has("member_role_id") {
		p.roleSet = true
		rid, _, err := c.argInt("member_role_id")
		if err != nil {
			c.errorString(http.StatusBadRequest, "member_role_id is invalid")
			return p, false
		}
		p.memberRoleID = rid
	}
	return p, true
}

// fieldErrs keeps validation errors in the order they were found.
type fieldErrs struct {
	keys []string
	msgs map[string][]string
}

func (f *fieldErrs) add(field, msg string) {
	if f.msgs == nil {
		f.msgs = map[string][]string{}
	}
	if _, ok := f.msgs[field]; !ok {
		f.keys = append(f.keys, field)
	}
	f.msgs[field] = append(f.msgs[field], msg)
}

func (f *fieldErrs) empty() bool { return len(f.keys) == 0 }

// fullMessages is ActiveModel's errors.full_messages.to_sentence ("Access level should ...").
func (f *fieldErrs) fullMessages() string {
	var parts []string
	for _, k := range f.keys {
		human := strings.ReplaceAll(k, "_", " ")
		human = strings.TrimSuffix(human, " id")
		human = strings.ToUpper(human[:1]) + human[1:]
		for _, m := range f.msgs[k] {
			parts = append(parts, human+" "+m)
		}
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// validateMembership runs GitLab's model validations for a direct membership of userID
// in src at level, expiring on expiresAt, with custom role roleID.
//   - access_level inclusion (Member#access_level_inclusion), Minimal Access only on
//     top-level groups (EE GroupMember: "supported on top level groups only");
//   - expires_at not in the past (FutureDateValidator: "cannot be a date in the past");
//   - not below a direct membership of an ancestor group
//     (Member#higher_access_level_than_group); shares do not count;
//   - a custom role must belong to the source's top-level group (or the instance on
//     self-managed) and have the membership's access level as its base
//     (https://docs.gitlab.com/user/custom_roles/).
func (c *call) validateMembership(src memberSource, userID int64, level AccessLevel, expiresAt string, roleID int64) *fieldErrs {
	errs := &fieldErrs{}
	valid := false
	for _, v := range ValidAccessLevels {
		if v == level {
			valid = true
		}
	}
	switch {
	case level == MinimalAccess && src.isGroup() && src.group.ParentID != 0:
		errs.add("access_level", "is not included in the list")
		errs.add("access_level", "supported on top level groups only")
	case level == MinimalAccess && !src.isGroup():
		errs.add("access_level", "is not included in the list")
	case !valid:
		errs.add("access_level", "is not included in the list")
	}
	if expiresAt != "" && expiresAt < c.world.Clock().UTC().Format("2006-01-02") {
		errs.add("expires_at", "cannot be a date in the past")
	}
	if valid {
		if floor, from := src.floor(c.world, userID); from != nil && floor > level {
			errs.add("access_level", "should be greater than or equal to "+floor.String()+" inherited membership from group "+from.Name)
		}
	}
	if roleID != 0 {
		r := c.world.MemberRoles[roleID]
		root := src.rootGroupID(c.world)
		belongs := r != nil && ((r.GroupID != 0 && r.GroupID == root) || (r.GroupID == 0 && c.s.opts.Mode == ModeSelfManaged))
		if !belongs {
			errs.add("member_role", "not found")
		} else if r.BaseAccessLevel != level {
			errs.add("member_role_id", "role's base access level does not match the access level of the membership")
		}
	}
	return errs
}

// findUserArg resolves user_id or username of a POST.
func (c *call) findUserArg(idOrName string, byName bool) *User {
	if byName {
		return c.world.UserByUsername(idOrName)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(idOrName), 10, 64)
	if err != nil {
		return nil
	}
	return c.world.Users[n]
}

// addMemberHandler: POST .../members. https://docs.gitlab.com/api/members/#add-a-member-to-a-group-or-project
func addMemberHandler(kind string) handler {
	return func(c *call) {
		p, ok := c.readMemberParams(true)
		if !ok {
			return
		}
		userArg, hasID := c.arg("user_id")
		nameArg, hasName := c.arg("username")
		hasID, hasName = hasID && userArg != "", hasName && nameArg != ""
		switch {
		case hasID && hasName:
			c.errorString(http.StatusBadRequest, "user_id, username are mutually exclusive")
			return
		case !hasID && !hasName:
			c.errorString(http.StatusBadRequest, "user_id, username are missing, at least one parameter must be provided")
			return
		}
		src, ok := c.resolveMemberSource(kind)
		if !ok {
			return
		}
		arg, byName := userArg, false
		if hasName {
			arg, byName = nameArg, true
		}
		if strings.Contains(arg, ",") {
			c.addMembers(src, strings.Split(arg, ","), byName, p)
			return
		}
		u := c.findUserArg(arg, byName)
		if u == nil {
			c.notFound("User")
			return
		}
		if src.members(c.world, false)[u.ID] != nil {
			c.message(http.StatusConflict, "Member already exists")
			return
		}
		if !c.canManageMembers(src) || (p.level == Owner && !c.canManageOwners(src)) {
			c.forbidden()
			return
		}
		if errs := c.validateMembership(src, u.ID, p.level, p.expiresAt, p.memberRoleID); !errs.empty() {
			c.fieldErrors(http.StatusBadRequest, errs.msgs)
			return
		}
		m := c.createMember(src, u.ID, p)
		c.json(http.StatusCreated, c.memberJSON(src, u, m, m.AccessLevel, m.MemberRoleID))
	}
}

func (c *call) createMember(src memberSource, userID int64, p memberParams) *Member {
	m := &Member{
		UserID:          userID,
		AccessLevel:     p.level,
		ExpiresAt:       p.expiresAt,
		CreatedAt:       c.world.Clock(),
		MemberRoleID:    p.memberRoleID,
		MembershipState: "active",
		CreatedByID:     c.me.ID,
	}
	src.members(c.world, true)[userID] = m
	return m
}

// addMembers is POST with comma-separated user_id/username: Members::CreateService
// answers {"status":"success"} or {"status":"error","message":{username: sentence}}.
func (c *call) addMembers(src memberSource, args []string, byName bool, p memberParams) {
	if !c.canManageMembers(src) || (p.level == Owner && !c.canManageOwners(src)) {
		c.forbidden()
		return
	}
	errs := map[string]string{}
	for _, a := range args {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		u := c.findUserArg(a, byName)
		if u == nil {
			continue // unknown ids are skipped, as User.id_in finds nothing
		}
		if existing := src.members(c.world, false)[u.ID]; existing != nil {
			continue
		}
		if fe := c.validateMembership(src, u.ID, p.level, p.expiresAt, p.memberRoleID); !fe.empty() {
			errs[u.Username] = fe.fullMessages()
			continue
		}
		c.createMember(src, u.ID, p)
	}
	if len(errs) > 0 {
		c.json(http.StatusCreated, map[string]any{"status": "error", "message": errs})
		return
	}
	c.json(http.StatusCreated, map[string]any{"status": "success"})
}

// editMemberHandler: PUT .../members/:user_id. https://docs.gitlab.com/api/members/#edit-a-member-of-a-group-or-project
func editMemberHandler(kind string) handler {
	return func(c *call) {
		uid, ok := c.userIDParam()
		if !ok {
			return
		}
		p, ok := c.readMemberParams(true)
		if !ok {
			return
		}
		src, m, ok := c.directMemberParam(kind, uid)
		if !ok {
			return
		}
		u := c.world.Users[uid]
		if u == nil {
			c.message(http.StatusNotFound, "404 Not found")
			return
		}
		if !c.canManageMembers(src) {
			c.forbidden()
			return
		}
		if !src.isGroup() && (m.AccessLevel == Owner || p.level == Owner) && !c.canManageOwners(src) {
			c.forbidden()
			return
		}
		if c.world.isProtectedOwner(src, uid) {
			c.forbidden() // GroupMemberPolicy: the last owner cannot be updated
			return
		}
		roleID := m.MemberRoleID
		if p.roleSet {
			roleID = p.memberRoleID
		} else if roleID != 0 && p.level != m.AccessLevel {
			// EE::Member#validate_access_level_locked_for_member_role
			c.fieldErrors(http.StatusBadRequest, map[string][]string{
				"access_level": {"cannot be changed because of an existing association with a custom role"},
			})
			return
		}
		expires := m.ExpiresAt
		if p.expiresSet {
			expires = p.expiresAt
		}
		checkExpiry := expires
		if !p.expiresSet {
			checkExpiry = "" // an unchanged date is not validated again
		}
		if errs := c.validateMembership(src, uid, p.level, checkExpiry, roleID); !errs.empty() {
			c.fieldErrors(http.StatusBadRequest, errs.msgs)
			return
		}
		m.AccessLevel, m.ExpiresAt, m.MemberRoleID = p.level, expires, roleID
		c.json(http.StatusOK, c.memberJSON(src, u, m, m.AccessLevel, m.MemberRoleID))
	}
}

// removeMemberHandler: DELETE .../members/:user_id.
// https://docs.gitlab.com/api/members/#remove-a-member-from-a-group-or-project
// On a group it also removes the user's direct memberships of its subgroups and projects
// unless skip_subresources=true.
func removeMemberHandler(kind string) handler {
	return func(c *call) {
		uid, ok := c.userIDParam()
		if !ok {
			return
		}
		src, m, ok := c.directMemberParam(kind, uid)
		if !ok {
			return
		}
		self := uid == c.me.ID
		if !c.canManageMembers(src) && !self {
			c.forbidden()
			return
		}
		if !src.isGroup() && m.AccessLevel == Owner && !self && !c.canManageOwners(src) {
			c.forbidden()
			return
		}
		if c.world.isProtectedOwner(src, uid) {
			c.forbidden() // GroupMemberPolicy: the last owner cannot be removed
			return
		}
		delete(src.members(c.world, false), uid)
		if src.isGroup() && !c.argBool("skip_subresources", false) {
			c.world.removeSubresourceMemberships(src.id(), uid)
		}
		c.noContent()
	}
}

// removeSubresourceMemberships deletes the user's direct memberships of the group's
// descendant groups and of the projects of the group and its descendants.
func (w *World) removeSubresourceMemberships(groupID, userID int64) {
	groups := map[int64]bool{groupID: true}
	for _, d := range w.Descendants(groupID) {
		groups[d.ID] = true
		delete(w.GroupMembers[d.ID], userID)
	}
	for _, p := range w.Projects {
		if groups[p.GroupID] {
			delete(w.ProjectMembers[p.ID], userID)
		}
	}
}
