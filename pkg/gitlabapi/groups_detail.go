package gitlabapi

import (
	"context"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// The fields of GET groups/:id and GET projects/:id that access decisions need. Only
// the single-item endpoints return shared_with_groups. client-go's
// ProjectSharedWithGroup has no member_role_id, and its SharedWithGroup reads a null
// member_role_id as 0 without telling "none" from "not sent".

// SharedWithGroup is a group a group or project is shared with ("invited group").
type SharedWithGroup struct {
	GroupID          int64                   `json:"group_id"`
	GroupFullPath    string                  `json:"group_full_path"`
	GroupAccessLevel gitlab.AccessLevelValue `json:"group_access_level"` // the most the share gives
	ExpiresAt        Date                    `json:"expires_at"`
	// MemberRoleID is the share's custom role; nil without one (null, or not sent).
	MemberRoleID *int64 `json:"member_role_id"`
}

// GroupDetail is a group as GET groups/:id describes it.
type GroupDetail struct {
	ID       int64  `json:"id"`
	FullPath string `json:"full_path"`
	ParentID int64  `json:"parent_id"` // 0 for a top-level group
	// ShareWithGroupLock: the group's projects (and subgroups') cannot be shared with
	// groups outside the hierarchy.
	ShareWithGroupLock bool              `json:"share_with_group_lock"`
	SharedWithGroups   []SharedWithGroup `json:"shared_with_groups"`
}

// TopLevel reports a group without a parent.
func (g *GroupDetail) TopLevel() bool { return g.ParentID == 0 }

// GetGroupDetail reads a group (GET groups/:id?with_projects=false).
// https://docs.gitlab.com/api/groups/#get-a-single-group
func (c *Client) GetGroupDetail(ctx context.Context, groupID int64) (*GroupDetail, error) {
	var g GroupDetail
	q := &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}
	if _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("groups/%d", groupID), q, &g); err != nil {
		return nil, MapError(err, fmt.Sprintf("reading group %d", groupID))
	}
	return &g, nil
}

// ProjectNamespace is where a project lives: a group, or a user (a personal project).
type ProjectNamespace struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"` // "group" or "user"
	FullPath string `json:"full_path"`
}

// ProjectDetail is a project as GET projects/:id describes it.
type ProjectDetail struct {
	ID                int64             `json:"id"`
	PathWithNamespace string            `json:"path_with_namespace"`
	Namespace         ProjectNamespace  `json:"namespace"`
	SharedWithGroups  []SharedWithGroup `json:"shared_with_groups"`
}

// Personal reports a project in a user's namespace.
func (p *ProjectDetail) Personal() bool { return p.Namespace.Kind == "user" }

// GetProjectDetail reads a project (GET projects/:id).
// https://docs.gitlab.com/api/projects/#get-a-single-project
func (c *Client) GetProjectDetail(ctx context.Context, projectID int64) (*ProjectDetail, error) {
	var p ProjectDetail
	if _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("projects/%d", projectID), nil, &p); err != nil {
		return nil, MapError(err, fmt.Sprintf("reading project %d", projectID))
	}
	return &p, nil
}
