package fakegitlab

import "net/http"

// GET /users/:id/memberships[?type=Project|Namespace] (administrators only): the user's
// DIRECT memberships of groups ("Namespace") and projects, as Entities::Membership
// (source_id, source_name, source_type, access_level).
// https://docs.gitlab.com/api/users/#list-projects-and-groups-that-a-user-is-a-member-of
func (s *Server) userMembershipRoutes() {
	s.rt.handle(http.MethodGet, "/users/:id/memberships", listUserMemberships)
}

func listUserMemberships(c *call) {
	if !c.requireAdmin() {
		return
	}
	u := c.user("id")
	if u == nil {
		return
	}
	typ := c.query.Get("type")
	if typ != "" && typ != "Project" && typ != "Namespace" {
		c.errorString(http.StatusBadRequest, "type does not have a valid value")
		return
	}
	type row struct {
		id   int64
		json map[string]any
	}
	var out []row
	if typ != "Project" {
		for _, g := range c.world.SortedGroups() {
			if m := c.world.GroupMembers[g.ID][u.ID]; m != nil {
				out = append(out, row{g.ID << 1, map[string]any{"source_id": g.ID, "source_name": g.Name, "source_type": "Namespace", "access_level": int(m.AccessLevel)}})
			}
		}
	}
	if typ != "Namespace" {
		for _, p := range c.world.SortedProjects() {
			if m := c.world.ProjectMembers[p.ID][u.ID]; m != nil {
				out = append(out, row{p.ID<<1 | 1, map[string]any{"source_id": p.ID, "source_name": p.Name, "source_type": "Project", "access_level": int(m.AccessLevel)}})
			}
		}
	}
	paginateRender(c, out, func(r row) int64 { return r.id }, nil, func(r row) map[string]any { return r.json }, pageOpts{})
}
