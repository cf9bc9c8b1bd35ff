package fakegitlab

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The Groups API: https://docs.gitlab.com/api/groups/ (list rules from GitLab's
// GroupsFinder and lib/api/groups.rb).

func (s *Server) groupRoutes() {
	s.rt.handle("GET", "/groups", listGroups)
	s.rt.handle("GET", "/groups/:id", getGroup)
	s.rt.handle("GET", "/groups/:id/subgroups", listSubgroups)
	s.rt.handle("GET", "/groups/:id/descendant_groups", listDescendantGroups)
	s.rt.handle("GET", "/groups/:id/projects", listGroupProjects)
	s.rt.handle("GET", "/groups/:id/groups/shared", listSharedGroups) // graphql_shared_groups.go
}

// groupWebURL is the group's page: <instance>/groups/<full path>.
func (c *call) groupWebURL(g *Group) string {
	return c.baseURL() + "/groups/" + c.world.FullPath(g.ID)
}

// groupJSON is Entities::Group: what lists of groups return.
func (c *call) groupJSON(g *Group) map[string]any {
	var parent any
	if g.ParentID != 0 {
		parent = g.ParentID
	}
	return map[string]any{
		"id":                                g.ID,
		"web_url":                           c.groupWebURL(g),
		"name":                              g.Name,
		"path":                              g.Path,
		"description":                       g.Description,
		"visibility":                        g.Visibility,
		"share_with_group_lock":             c.world.ShareWithGroupLocked(g.ID), // Entities::Group (lib/api/entities/group.rb), so every group answer
		"require_two_factor_authentication": false,
		"two_factor_grace_period":           48,
		"project_creation_level":            "developer",
		"auto_devops_enabled":               nil,
		"subgroup_creation_level":           "maintainer",
		"emails_disabled":                   false,
		"emails_enabled":                    true,
		"mentions_disabled":                 nil,
		"lfs_enabled":                       true,
		"default_branch":                    nil,
		"default_branch_protection":         2,
		"avatar_url":                        nil,
		"request_access_enabled":            true,
		"full_name":                         c.world.FullName(g.ID),
		"full_path":                         c.world.FullPath(g.ID),
		"created_at":                        jsonTime(g.CreatedAt),
		"parent_id":                         parent,
		"organization_id":                   1,
		"shared_runners_setting":            "enabled",
		"ldap_cn":                           nil,
		"ldap_access":                       nil,
		"marked_for_deletion_on":            nil,
		"wiki_access_level":                 "enabled",
	}
}

// sharedWithGroupsJSON lists the groups a group or project is shared with, as
// shared_with_groups, hiding invited groups the token user cannot see (GitLab filters them
// with public_or_visible_to_user). withMemberRole adds member_role_id: a group's links are
// Entities::SharedGroupWithGroup, which EE extends with member_role_id
// (ee/lib/ee/api/entities/shared_group_with_group.rb); a project's are
// Entities::SharedGroupWithProject (lib/api/entities/shared_group_with_project.rb:
// group_id, group_name, group_full_path, group_access_level, expires_at), which no EE
// module extends, so a project's shared_with_groups has no member_role_id.
func (c *call) sharedWithGroupsJSON(shares []Share, withMemberRole bool) []map[string]any {
	out := []map[string]any{}
	for _, s := range shares {
		g := c.world.Groups[s.GroupID]
		if g == nil || !c.canSeeGroup(g) {
			continue
		}
		m := map[string]any{
			"group_id":           g.ID,
			"group_name":         g.Name,
			"group_full_path":    c.world.FullPath(g.ID),
			"group_access_level": int(s.AccessLevel),
			"expires_at":         jsonDateString(s.ExpiresAt),
		}
		if withMemberRole {
			var mr any
			if s.MemberRoleID != 0 {
				mr = s.MemberRoleID
			}
			m["member_role_id"] = mr
		}
		out = append(out, m)
	}
	return out
}

// authorizedGroups is what a user sees of the group tree without all_available
// (GroupsFinder#authorized_groups with include_ancestors): every group where they have
// effective access (membership of it or of an ancestor, or through a share), plus the
// ancestors of those groups.
func (c *call) authorizedGroups() map[int64]bool {
	out := map[int64]bool{}
	for _, g := range c.world.SortedGroups() {
		if out[g.ID] {
			continue
		}
		if c.world.EffectiveGroupAccess(g.ID, c.me.ID).Level > NoAccess {
			out[g.ID] = true
			for _, a := range c.world.Ancestors(g.ID) {
				out[a.ID] = true
			}
		}
	}
	return out
}

// findGroups applies GroupsFinder's rules and the list parameters shared by /groups,
// /groups/:id/subgroups and /groups/:id/descendant_groups to candidates. It writes a 400
// and returns ok=false on an invalid parameter.
// https://docs.gitlab.com/api/groups/#list-groups
func (c *call) findGroups(candidates []*Group) ([]*Group, bool) {
	admin := c.isAdmin()
	// all_available defaults to true for administrators and false for everyone else.
	allAvailable := c.argBool("all_available", admin)
	orderBy := c.query.Get("order_by")
	if orderBy == "" {
		orderBy = "name"
	}
	switch orderBy {
	case "name", "path", "id", "similarity":
	default:
		c.errorString(http.StatusBadRequest, "order_by does not have a valid value")
		return nil, false
	}
	sortDir := c.query.Get("sort")
	if sortDir == "" {
		sortDir = "asc"
	}
	if sortDir != "asc" && sortDir != "desc" {
		c.errorString(http.StatusBadRequest, "sort does not have a valid value")
		return nil, false
	}
	visibility := c.query.Get("visibility")
	switch visibility {
	case "", "public", "internal", "private":
	default:
		c.errorString(http.StatusBadRequest, "visibility does not have a valid value")
		return nil, false
	}
	minLevel, hasMin, err := c.argInt("min_access_level")
	if err != nil || (hasMin && !validLevel(AccessLevel(minLevel))) {
		c.errorString(http.StatusBadRequest, "min_access_level does not have a valid value")
		return nil, false
	}
	owned := c.argBool("owned", false)
	topLevelOnly := c.argBool("top_level_only", false)
	search := strings.ToLower(c.query.Get("search"))
	skip := map[int64]bool{}
	for _, v := range append(c.query["skip_groups[]"], c.query["skip_groups"]...) {
		for _, part := range strings.Split(v, ",") {
			if n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64); err == nil {
				skip[n] = true
			}
		}
	}

	var allowed func(g *Group) bool
	switch {
	case owned:
		// owned: groups where the user is a direct Owner ("explicitly owned"). Both this
		// and min_access_level read User#group_members, which does not filter
		// membership_state: an awaiting row counts.
		allowed = func(g *Group) bool {
			m := c.world.memberRow(c.world.GroupMembers[g.ID], c.me.ID)
			return m != nil && m.AccessLevel == Owner
		}
	case hasMin:
		// min_access_level: groups where the user has a DIRECT membership at that level
		// or above, and their descendants (GroupsFinder#groups_with_min_access_level:
		// current_user.groups.where(access_level >= min).self_and_descendants). A member
		// of a subgroup only gets that subgroup's subtree, never its ancestors, so with
		// top_level_only=true they get nothing. User#group_members keeps Guest and above
		// only: a Minimal Access membership never matches.
		allowed = func(g *Group) bool {
			for _, gid := range append([]int64{g.ID}, groupIDs(c.world.Ancestors(g.ID))...) {
				m := c.world.memberRow(c.world.GroupMembers[gid], c.me.ID)
				if m != nil && m.AccessLevel >= AccessLevel(minLevel) && m.AccessLevel >= Guest {
					return true
				}
			}
			return false
		}
	case admin && allAvailable:
		allowed = func(*Group) bool { return true }
	default:
		auth := c.authorizedGroups()
		allowed = func(g *Group) bool {
			if auth[g.ID] {
				return true
			}
			// all_available adds the groups visible to every signed-in user. Internal
			// visibility does not exist on GitLab.com.
			return allAvailable && (g.Visibility == "public" ||
				(g.Visibility == "internal" && c.s.opts.Mode == ModeSelfManaged))
		}
	}

	var out []*Group
	for _, g := range candidates {
		if skip[g.ID] || !allowed(g) {
			continue
		}
		if topLevelOnly && g.ParentID != 0 {
			continue
		}
		if visibility != "" && g.Visibility != visibility {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(g.Name), search) &&
			!strings.Contains(strings.ToLower(g.Path), search) {
			continue
		}
		out = append(out, g)
	}
	key := c.groupSortKey(orderBy)
	slices.SortStableFunc(out, func(a, b *Group) int {
		r := cmp.Compare(key(a), key(b))
		if r == 0 {
			r = cmp.Compare(a.ID, b.ID)
		}
		if sortDir == "desc" {
			r = -r
		}
		return r
	})
	return out, true
}

// groupSortKey is the key of order_by (name, path; "" for id). The id breaks ties.
func (c *call) groupSortKey(orderBy string) func(*Group) string {
	switch orderBy {
	case "name", "similarity":
		return func(g *Group) string { return g.Name }
	case "path":
		return func(g *Group) string { return g.Path }
	}
	return func(*Group) string { return "" }
}

func validLevel(l AccessLevel) bool {
	return slices.Contains(ValidAccessLevels, l)
}

// answerGroups paginates a group listing: the 50,000-record offset limit applies and
// keyset pagination works with order_by=name (GitLab's only keyset order for groups).
// https://docs.gitlab.com/api/rest/#keyset-based-pagination
func (c *call) answerGroups(gs []*Group) {
	orderBy := c.query.Get("order_by")
	if orderBy == "" {
		orderBy = "name"
	}
	key := c.groupSortKey(orderBy)
	// Only the page served is rendered.
	paginateRender(c, gs, func(g *Group) int64 { return g.ID }, key, c.groupJSON, pageOpts{
		limitOffset: true, typeName: "Group", keyset: "cursor",
		keysetOrders: []string{"name"}, defaultOrderBy: "name", defaultSort: "asc",
	})
}

// listGroups: GET /groups. https://docs.gitlab.com/api/groups/#list-groups
func listGroups(c *call) {
	gs, ok := c.findGroups(c.world.SortedGroups())
	if !ok {
		return
	}
	c.answerGroups(gs)
}

// listSubgroups: GET /groups/:id/subgroups (direct children).
// https://docs.gitlab.com/api/groups/#list-subgroups
func listSubgroups(c *call) {
	g := c.group("id")
	if g == nil {
		return
	}
	gs, ok := c.findGroups(c.world.Children(g.ID))
	if !ok {
		return
	}
	c.answerGroups(gs)
}

// listDescendantGroups: GET /groups/:id/descendant_groups (the whole subtree).
// https://docs.gitlab.com/api/groups/#list-descendant-groups
func listDescendantGroups(c *call) {
	g := c.group("id")
	if g == nil {
		return
	}
	gs, ok := c.findGroups(c.world.Descendants(g.ID))
	if !ok {
		return
	}
	c.answerGroups(gs)
}

// getGroup: GET /groups/:id (numeric id or URL-encoded full path). GroupDetail adds
// shared_with_groups, the group's projects and the projects shared with it.
// https://docs.gitlab.com/api/groups/#get-a-single-group
func getGroup(c *call) {
	g := c.group("id")
	if g == nil {
		return
	}
	m := c.groupJSON(g)
	m["shared_with_groups"] = c.sharedWithGroupsJSON(c.world.GroupShares[g.ID], true)
	m["prevent_sharing_groups_outside_hierarchy"] = false
	m["prevent_forking_outside_group"] = nil
	m["membership_lock"] = false
	m["ip_restriction_ranges"] = nil
	projects, shared := []map[string]any{}, []map[string]any{}
	if c.argBool("with_projects", true) {
		for _, p := range c.world.SortedProjects() {
			if !c.canSeeProject(p) {
				continue
			}
			if p.GroupID == g.ID {
				projects = append(projects, c.projectJSON(p, false))
			} else if sharesInclude(c.world.ProjectShares[p.ID], g.ID) {
				shared = append(shared, c.projectJSON(p, false))
			}
		}
	}
	m["projects"] = projects
	m["shared_projects"] = shared
	c.json(http.StatusOK, m)
}

func sharesInclude(shares []Share, groupID int64) bool {
	for _, s := range shares {
		if s.GroupID == groupID {
			return true
		}
	}
	return false
}

// listGroupProjects: GET /groups/:id/projects. include_subgroups defaults to false and
// with_shared to TRUE: projects shared with the group are listed beside its own (their
// namespace is another group).
// https://docs.gitlab.com/api/groups/#list-projects
func listGroupProjects(c *call) {
	g := c.group("id")
	if g == nil {
		return
	}
	// A set: a listing of a top-level group with include_subgroups is asked for every
	// page, and a slice made each page cost projects × groups.
	groups := map[int64]bool{g.ID: true}
	if c.argBool("include_subgroups", false) {
		for _, d := range c.world.Descendants(g.ID) {
			groups[d.ID] = true
		}
	}
	withShared := c.argBool("with_shared", true)
	var ps []*Project
	for _, p := range c.world.SortedProjects() {
		in := p.GroupID != 0 && groups[p.GroupID]
		if !in && withShared {
			for _, s := range c.world.ProjectShares[p.ID] {
				if groups[s.GroupID] {
					in = true
					break
				}
			}
		}
		if in && c.canSeeProject(p) {
			ps = append(ps, p)
		}
	}
	c.answerProjects(ps, false)
}
