package fakegitlab

import (
	"net/http"
	"strconv"
)

// Lookups of path parameters. A ":id" is a numeric id or a URL-encoded full path
// (https://docs.gitlab.com/api/rest/#namespaced-paths). A resource the token user
// cannot see answers 404, exactly like a missing one: GitLab does not reveal private
// groups and projects (https://docs.gitlab.com/api/rest/troubleshooting/).

// group resolves the ":id" (or named) parameter to a group the token user can see,
// or writes 404 {"message":"404 Group Not Found"} and returns nil.
func (c *call) group(param string) *Group {
	v := c.param(param)
	var g *Group
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		g = c.world.Groups[n]
	} else {
		g = c.world.GroupByFullPath(v)
	}
	if g == nil || !c.canSeeGroup(g) {
		c.notFound("Group")
		return nil
	}
	return g
}

// project resolves a project parameter the same way ("404 Project Not Found").
func (c *call) project(param string) *Project {
	v := c.param(param)
	var p *Project
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		p = c.world.Projects[n]
	} else {
		p = c.world.ProjectByFullPath(v)
	}
	if p == nil || !c.canSeeProject(p) {
		c.notFound("Project")
		return nil
	}
	return p
}

// user resolves a numeric user id parameter ("404 User Not Found").
func (c *call) user(param string) *User {
	n, err := strconv.ParseInt(c.param(param), 10, 64)
	if err != nil {
		c.notFound("User")
		return nil
	}
	u := c.world.Users[n]
	if u == nil {
		c.notFound("User")
		return nil
	}
	return u
}

// canSeeGroup: admins see every group; others see public and internal groups and
// groups where they have any effective access (member of it or an ancestor, or of a
// group it is shared with). Internal visibility is for signed-in users of the same
// instance: on gitlab.com there are no internal groups.
// https://docs.gitlab.com/user/public_access/
func (c *call) canSeeGroup(g *Group) bool {
	// Auditors read every group: `rule { auditor }.policy { enable :read_group }`
	// (ee/app/policies/ee/group_policy.rb).
	if c.isAdmin() || (c.me != nil && c.me.Auditor) {
		return true
	}
	if g.Visibility == "public" || g.Visibility == "internal" {
		return true
	}
	if c.me == nil {
		return false
	}
	if c.world.EffectiveGroupAccess(g.ID, c.me.ID).Level > NoAccess {
		return true
	}
	// A member of a descendant group can see the (private) ancestors by name.
	for _, d := range c.world.Descendants(g.ID) {
		if c.world.EffectiveGroupAccess(d.ID, c.me.ID).Level > NoAccess {
			return true
		}
	}
	return false
}

// canSeeProject: admins see every project; others see public/internal projects and
// those where they have effective access.
func (c *call) canSeeProject(p *Project) bool {
	if c.isAdmin() {
		return true
	}
	if p.Visibility == "public" || p.Visibility == "internal" {
		return true
	}
	if c.me == nil {
		return false
	}
	return c.myProjectLevel(p.ID) > NoAccess
}

// myProjectLevel is the token user's project_authorizations level on the project. A GET
// (which changes nothing) reads the user's authorizations once and keeps them for the
// request, as listings ask for every project.
func (c *call) myProjectLevel(projectID int64) AccessLevel {
	if c.me == nil {
		return NoAccess
	}
	if c.r.Method != http.MethodGet {
		return c.world.projectLevel(projectID, c.me.ID)
	}
	if c.myProjects == nil {
		c.myProjects = c.world.authzFor(c.me.ID).projects
	}
	if c.world.Projects[projectID] == nil {
		return NoAccess
	}
	return c.myProjects[projectID]
}
