package fakegitlab

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// The Projects API: https://docs.gitlab.com/api/projects/

func (s *Server) projectRoutes() {
	s.rt.handle("GET", "/projects", listProjects)
	s.rt.handle("GET", "/projects/:id", getProject)
}

// projectNamespaceJSON is the project's namespace: its group (kind "group") or its
// owner's personal namespace (kind "user").
func (c *call) projectNamespaceJSON(p *Project) map[string]any {
	if g := c.world.Groups[p.GroupID]; p.GroupID != 0 && g != nil {
		var parent any
		if g.ParentID != 0 {
			parent = g.ParentID
		}
		return map[string]any{
			"id":         g.ID,
			"name":       g.Name,
			"path":       g.Path,
			"kind":       "group",
			"full_path":  c.world.FullPath(g.ID),
			"parent_id":  parent,
			"avatar_url": nil,
			"web_url":    c.groupWebURL(g),
		}
	}
	u := c.world.Users[p.OwnerID]
	if u == nil {
		return nil
	}
	return map[string]any{
		"id":         UserNamespaceID(u.ID),
		"name":       u.Name,
		"path":       u.Username,
		"kind":       "user",
		"full_path":  u.Username,
		"parent_id":  nil,
		"avatar_url": avatarURL(u.Email),
		"web_url":    c.baseURL() + "/" + u.Username,
	}
}

// projectNameWithNamespace is "Acme / Platform / API" or "Sybil Schmidt / dotfiles".
func (c *call) projectNameWithNamespace(p *Project) string {
	if p.GroupID != 0 {
		return c.world.FullName(p.GroupID) + " / " + p.Name
	}
	if u := c.world.Users[p.OwnerID]; u != nil {
		return u.Name + " / " + p.Name
	}
	return p.Name
}

// projectJSON is Entities::Project, or Entities::BasicProjectDetails when simple
// (no visibility, owner, shared_with_groups). https://docs.gitlab.com/api/projects/
func (c *call) projectJSON(p *Project, simple bool) map[string]any {
	full := c.world.ProjectPathWithNamespace(p.ID)
	web := c.baseURL() + "/" + full
	host := c.r.Host
	if i := strings.LastIndex(host, ":"); i >= 0 {
		host = host[:i]
	}
	m := map[string]any{
		"id":                  p.ID,
		"description":         p.Description,
		"name":                p.Name,
		"name_with_namespace": c.projectNameWithNamespace(p),
		"path":                p.Path,
		"path_with_namespace": full,
		"created_at":          jsonTime(p.CreatedAt),
		"default_branch":      "main",
		"tag_list":            []string{},
		"topics":              []string{},
		"ssh_url_to_repo":     "git@" + host + ":" + full + ".git",
		"http_url_to_repo":    web + ".git",
		"web_url":             web,
		"readme_url":          nil,
		"forks_count":         0,
		"avatar_url":          nil,
		"star_count":          0,
		"last_activity_at":    jsonTime(p.CreatedAt),
		"namespace":           c.projectNamespaceJSON(p),
	}
	if simple {
		return m
	}
	m["visibility"] = p.Visibility
	m["archived"] = false
	m["empty_repo"] = false
	m["creator_id"] = p.OwnerID
	m["request_access_enabled"] = true
	m["marked_for_deletion_on"] = nil
	m["shared_with_groups"] = c.sharedWithGroupsJSON(c.world.ProjectShares[p.ID], false)
	if p.GroupID == 0 {
		if u := c.world.Users[p.OwnerID]; u != nil {
			m["owner"] = map[string]any{
				"id": u.ID, "username": u.Username, "name": u.Name, "state": u.State,
				"locked": u.Locked, "avatar_url": avatarURL(u.Email), "web_url": c.baseURL() + "/" + u.Username,
			}
		}
	}
	return m
}

// answerProjects filters, orders and paginates a project listing with the parameters
// common to /projects and /groups/:id/projects (search, owned, membership,
// min_access_level, visibility, archived, simple, order_by, sort). top says it is
// /projects: keyset pagination (order_by=id, id_after/id_before) and the 50,000 offset
// limit apply there.
// https://docs.gitlab.com/api/projects/#list-all-projects
func (c *call) answerProjects(ps []*Project, top bool) {
	orderBy := c.query.Get("order_by")
	if orderBy == "" {
		orderBy = "created_at"
	}
	switch orderBy {
	case "id", "name", "path", "created_at", "updated_at", "last_activity_at", "similarity", "star_count":
	default:
		c.errorString(http.StatusBadRequest, "order_by does not have a valid value")
		return
	}
	sortDir := c.query.Get("sort")
	if sortDir == "" {
		sortDir = "desc"
	}
	if sortDir != "asc" && sortDir != "desc" {
		c.errorString(http.StatusBadRequest, "sort does not have a valid value")
		return
	}
	visibility := c.query.Get("visibility")
	switch visibility {
	case "", "public", "internal", "private":
	default:
		c.errorString(http.StatusBadRequest, "visibility does not have a valid value")
		return
	}
	minLevel, hasMin, err := c.argInt("min_access_level")
	if err != nil || (hasMin && !validLevel(AccessLevel(minLevel))) {
		c.errorString(http.StatusBadRequest, "min_access_level does not have a valid value")
		return
	}
	membership := c.argBool("membership", false)
	owned := c.argBool("owned", false)
	archived, hasArchived := c.arg("archived")
	search := strings.ToLower(c.query.Get("search"))
	searchNamespaces := c.argBool("search_namespaces", false)
	simple := c.argBool("simple", false)

	var out []*Project
	for _, p := range ps {
		access := c.myProjectLevel(p.ID)
		if membership && access <= NoAccess {
			continue
		}
		// owned: the user's personal projects and projects where they are Owner.
		if owned && !(p.GroupID == 0 && p.OwnerID == c.me.ID) && access < Owner {
			continue
		}
		if hasMin && access < AccessLevel(minLevel) {
			continue
		}
		if visibility != "" && p.Visibility != visibility {
			continue
		}
		if hasArchived && (archived == "true" || archived == "1") {
			continue // no project of the fake is archived
		}
		if search != "" {
			hay := strings.ToLower(p.Name) + "\x00" + strings.ToLower(p.Path)
			if searchNamespaces {
				hay += "\x00" + strings.ToLower(c.world.ProjectPathWithNamespace(p.ID))
			}
			if !strings.Contains(hay, search) {
				continue
			}
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b *Project) int {
		r := 0
		switch orderBy {
		case "name", "similarity":
			r = strings.Compare(a.Name, b.Name)
		case "path":
			r = strings.Compare(a.Path, b.Path)
		case "created_at", "updated_at", "last_activity_at":
			r = a.CreatedAt.Compare(b.CreatedAt)
		}
		if r == 0 {
			r = cmp.Compare(a.ID, b.ID)
		}
		if sortDir == "desc" {
			r = -r
		}
		return r
	})
	o := pageOpts{}
	if top {
		o = pageOpts{limitOffset: true, typeName: "Project", keyset: "id_after",
			keysetOrders: []string{"id"}, defaultOrderBy: "created_at", defaultSort: "desc"}
	}
	// Only the page served is rendered.
	paginateRender(c, out, func(p *Project) int64 { return p.ID }, nil,
		func(p *Project) map[string]any { return c.projectJSON(p, simple) }, o)
}

// listProjects: GET /projects. Administrators see every project (personal ones too);
// everyone else the projects they can see: public (and internal) ones and those where
// they have access. membership=true limits to the latter.
// https://docs.gitlab.com/api/projects/#list-all-projects
func listProjects(c *call) {
	var ps []*Project
	for _, p := range c.world.SortedProjects() {
		if c.canSeeProject(p) {
			ps = append(ps, p)
		}
	}
	c.answerProjects(ps, true)
}

// getProject: GET /projects/:id (numeric id or URL-encoded path with namespace).
// https://docs.gitlab.com/api/projects/#get-a-single-project
func getProject(c *call) {
	p := c.project("id")
	if p == nil {
		return
	}
	m := c.projectJSON(p, false)
	// permissions: the token user's direct membership of the project, and their highest
	// direct membership in the project's group or its ancestors.
	var projectAccess, groupAccess any
	if pm := c.world.activeMember(c.world.ProjectMembers[p.ID], c.me.ID); pm != nil {
		projectAccess = map[string]any{"access_level": int(pm.AccessLevel), "notification_level": 3}
	}
	if p.GroupID != 0 {
		best := NoAccess
		for _, gid := range append([]int64{p.GroupID}, groupIDs(c.world.Ancestors(p.GroupID))...) {
			if gm := c.world.activeMember(c.world.GroupMembers[gid], c.me.ID); gm != nil && gm.AccessLevel > best {
				best = gm.AccessLevel
			}
		}
		if best > NoAccess {
			groupAccess = map[string]any{"access_level": int(best), "notification_level": 3}
		}
	}
	m["permissions"] = map[string]any{"project_access": projectAccess, "group_access": groupAccess}
	c.json(http.StatusOK, m)
}
