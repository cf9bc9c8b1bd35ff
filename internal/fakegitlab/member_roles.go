package fakegitlab

import (
	"net/http"
	"sort"
)

// Custom roles (member roles): https://docs.gitlab.com/api/member_roles/
//   - GET /groups/:id/member_roles: GitLab.com only, the group's Owner; roles live on
//     the top-level group. On self-managed GitLab's ee/lib/api/member_roles.rb answers
//     400 "Group-level custom roles are deprecated on self-managed instances".
//   - GET /member_roles: self-managed (and Dedicated) only, administrators; GitLab.com
//     answers 400 {"message":"400 Bad request"}.

func (s *Server) memberRoleRoutes() {
	s.rt.handle(http.MethodGet, "/groups/:id/member_roles", listGroupMemberRoles)
	s.rt.handle(http.MethodGet, "/member_roles", listInstanceMemberRoles)
}

func sortedMemberRoles(w *World, keep func(r *MemberRole) bool) []map[string]any {
	var roles []*MemberRole
	for _, r := range w.MemberRoles {
		if keep(r) {
			roles = append(roles, r)
		}
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i].ID < roles[j].ID })
	out := make([]map[string]any, 0, len(roles))
	for _, r := range roles {
		out = append(out, memberRoleJSON(r))
	}
	return out
}

// listGroupMemberRoles: GET /groups/:id/member_roles (not paginated).
func listGroupMemberRoles(c *call) {
	if c.s.opts.Mode != ModeGitLabCom {
		c.badRequest("Group-level custom roles are deprecated on self-managed instances. See " +
			c.baseURL() + "/help/update/deprecations.md#deprecate-custom-role-creation-for-group-owners-on-self-managed")
		return
	}
	g := c.group("id")
	if g == nil {
		return
	}
	if !c.isAdmin() && c.world.EffectiveGroupAccess(g.ID, c.me.ID).Level < Owner {
		c.forbidden()
		return
	}
	root := c.world.Root(g.ID)
	c.json(http.StatusOK, sortedMemberRoles(c.world, func(r *MemberRole) bool { return root != nil && r.GroupID == root.ID }))
}

// listInstanceMemberRoles: GET /member_roles (not paginated).
func listInstanceMemberRoles(c *call) {
	if c.s.opts.Mode == ModeGitLabCom {
		c.message(http.StatusBadRequest, "400 Bad request")
		return
	}
	if !c.isAdmin() {
		c.forbidden()
		return
	}
	c.json(http.StatusOK, sortedMemberRoles(c.world, func(r *MemberRole) bool { return r.GroupID == 0 }))
}
