package connector

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// The organisation: what one sync reads of GitLab's groups, projects, direct members,
// shares and invitations, fetched at most once per sync and shared by the user, group
// and project syncers (which run concurrently with --workers N).
//
// Effective access is computed locally from direct member lists, the group tree and
// shares (effective_access.go; docs/access-model.md): never members/all per node,
// never GET /users/:id per user.

// organisationCache holds the current sync's organisationState. A new sync id drops the
// previous sync's data.
type organisationCache struct {
	mu     sync.Mutex
	syncID string
	state  *organisationState
	// now is the clock used to drop expired memberships; nil means time.Now.
	now func() time.Time
}

func newOrganisationCache() *organisationCache { return &organisationCache{} }

// SetClock sets the clock the connector uses to decide whether a membership, share or
// invitation has expired (tests and replays of a fixed world use it). nil restores the
// wall clock.
func (c *Connector) SetClock(now func() time.Time) {
	c.orgCache().mu.Lock()
	defer c.orgCache().mu.Unlock()
	c.org.now = now
	c.org.state = nil
	c.org.syncID = ""
}

// orgCache returns the connector's cache; connector.New sets it, a zero Connector in
// tests gets one here.
func (c *Connector) orgCache() *organisationCache {
	if c.org == nil {
		c.org = newOrganisationCache()
	}
	return c.org
}

// organisation returns the state of the sync syncID, starting a fresh one when the sync
// changes. An empty sync id (calls outside a sync) gets a state of its own that is not
// kept.
func (c *Connector) organisation(syncID string) *organisationState {
	oc := c.orgCache()
	oc.mu.Lock()
	defer oc.mu.Unlock()
	now := time.Now().UTC()
	if oc.now != nil {
		now = oc.now().UTC()
	}
	if syncID == "" {
		return newOrganisationState(c, now)
	}
	if oc.state == nil || oc.syncID != syncID {
		oc.syncID = syncID
		oc.state = newOrganisationState(c, now)
	}
	return oc.state
}

// instanceWide reports whether the connector sees the whole instance: self-managed
// with an administrator's token. Otherwise (GitLab.com, or a non-admin token) the
// organisation is the token user's groups and accounts are the members found there.
// Decided once per sync (GET /user is fetched once per process).
func (o *organisationState) instanceWide(ctx context.Context) (bool, error) {
	return o.instance.get(func() (bool, error) {
		if o.c.settings.Deployment != gitlabapi.SelfManaged {
			return false, nil
		}
		return o.c.adminToken(ctx)
	})
}

// orgGroup is a group of the organisation (or, for ancestry and shares, a group
// outside it).
type orgGroup struct {
	ID          int64
	ParentID    int64 // GitLab's parent; 0 for a top-level group
	Name        string
	Path        string
	FullPath    string
	FullName    string
	Description string
	Visibility  string
	WebURL      string
	CreatedAt   *time.Time
	// Shares are the groups this group is shared with; nil until known.
	Shares []groupShare
}

// groupShare is a group or project shared with (invited) group GroupID at a maximum level.
type groupShare struct {
	GroupID       int64
	GroupFullPath string
	Level         gitlab.AccessLevelValue
	ExpiresAt     string // YYYY-MM-DD or ""
	MemberRoleID  int64
}

// orgProject is a project of the organisation.
type orgProject struct {
	ID                int64
	GroupID           int64 // owning group; 0 for a personal project
	Name              string
	NameWithNamespace string
	PathWithNamespace string
	Description       string
	Visibility        string
	WebURL            string
	CreatedAt         *time.Time
	Shares            []groupShare
}

// directMember is one direct membership as GitLab's members API returns it, with the
// member's (basic) user fields.
type directMember struct {
	UserID         int64
	Username       string
	Name           string
	State          string
	Email          string // admins, and owners for enterprise users
	WebURL         string
	Level          gitlab.AccessLevelValue
	ExpiresAt      string // YYYY-MM-DD or ""
	MemberRoleID   int64
	MemberRoleName string
	MemberRoleBase gitlab.AccessLevelValue
	// Awaiting: membership_state "awaiting". The member waits for a seat (the top-level
	// group's user cap, or GitLab.com's free-tier user limit) and has NO access until an
	// Owner approves them: no grant comes from this membership. It is still a direct
	// membership for GitLab's writes (POST answers 409, PUT and DELETE work on it).
	// https://docs.gitlab.com/user/group/manage/#user-cap-for-groups
	Awaiting bool
}

// grantsAccess reports whether the membership gives access (it is not awaiting).
func (m *directMember) grantsAccess() bool { return !m.Awaiting }

// groupTree is the organisation's groups.
type groupTree struct {
	groups   map[int64]*orgGroup
	roots    []int64           // groups whose parent is not in the organisation, by id
	children map[int64][]int64 // parent -> subgroups, by id
}

// rootOf returns the organisation root above (or at) id.
func (t *groupTree) rootOf(id int64) int64 {
	for {
		g := t.groups[id]
		if g == nil || g.ParentID == 0 || t.groups[g.ParentID] == nil {
			return id
		}
		id = g.ParentID
	}
}

// projectSet is the organisation's projects.
type projectSet struct {
	byID     map[int64]*orgProject
	byGroup  map[int64][]int64 // owning group -> projects, by id
	personal []int64           // personal projects (self-managed), by id
}

// organisationState is one sync's view of the organisation. Every field loads lazily,
// once, and is safe for concurrent use.
type organisationState struct {
	c   *Connector
	now time.Time

	instance       lazy[bool]
	tree           lazy[*groupTree]
	projects       lazy[*projectSet]
	groupDetails   lazyMap[int64, *orgGroup]
	groupMembers   lazyMap[int64, []*directMember]
	projectMembers lazyMap[int64, []*directMember]
	groupAccess    lazyMap[int64, map[int64]*effectiveAccess]
	projectAccess  lazyMap[int64, map[int64]*effectiveAccess]
	memberRoles    lazyMap[int64, []memberRoleInUse] // org root (or personal project -id) -> roles
	members        lazy[[]*directMember]             // every member found, one per user
	awaiting       lazy[map[int64][]awaitingMembership]
	invitations    lazy[[]*pendingInvitation]

	invitationWarning sync.Once
}

func newOrganisationState(c *Connector, now time.Time) *organisationState {
	return &organisationState{c: c, now: now}
}

// today is the date memberships are compared with: GitLab removes a membership on its
// expires_at date (Member#expired? is expires_at <= Date.current).
func (o *organisationState) today() string { return o.now.Format(time.DateOnly) }

// expired reports whether a YYYY-MM-DD expiry date has been reached.
func (o *organisationState) expired(expiresAt string) bool {
	return expiresAt != "" && expiresAt <= o.today()
}

// ---- loading ----

// groupTree loads the organisation's groups:
//   - --groups set: GET /groups/:path for each (its details, shares included) and
//     GET /groups/:id/descendant_groups;
//   - self-managed admin: GET /groups?all_available=true (every group of the instance);
//   - otherwise: the groups the token's user is a direct member of (Guest or more:
//     Minimal Access members cannot list members) with their whole subtrees, in ONE
//     listing: GET /groups?min_access_level=10 (tokenUserGroups). The organisation's
//     roots are the topmost of them: a member of a subgroup only (or a group access
//     token's bot made on a subgroup) has that subgroup as a root.
//
// https://docs.gitlab.com/api/groups/#list-groups
func (o *organisationState) groupTree(ctx context.Context) (*groupTree, error) {
	return o.tree.get(func() (*groupTree, error) {
		instance, err := o.instanceWide(ctx)
		if err != nil {
			return nil, err
		}
		api := o.c.client.API
		var all []*gitlab.Group
		var roots []*gitlab.Group
		switch {
		case len(o.c.settings.Groups) > 0:
			for _, path := range o.c.settings.Groups {
				g, _, err := api.Groups.GetGroup(path, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}, gitlab.WithContext(ctx))
				if err != nil {
					return nil, gitlabapi.MapError(err, fmt.Sprintf("reading configured group %q", path))
				}
				roots = append(roots, g)
				o.groupDetails.set(g.ID, toOrgGroup(g))
			}
		case instance:
			groups, err := gitlabapi.ListAll(ctx, "listing groups", func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
				return api.Groups.ListGroups(&gitlab.ListGroupsOptions{
					ListOptions:  lo,
					AllAvailable: gitlab.Ptr(true),
					OrderBy:      gitlab.Ptr("id"),
					Sort:         gitlab.Ptr("asc"),
				}, opts...)
			})
			if err != nil {
				return nil, err
			}
			all = groups
		default:
			// Already every group with its subtree: no descendant_groups listings.
			groups, err := o.c.tokenUserGroups(ctx)
			if err != nil {
				return nil, err
			}
			all = groups
		}
		for _, r := range roots {
			all = append(all, r)
			desc, err := gitlabapi.ListAll(ctx, "listing the subgroups of "+r.FullPath, func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
				return api.Groups.ListDescendantGroups(r.ID, &gitlab.ListDescendantGroupsOptions{ListOptions: lo}, opts...)
			})
			if err != nil {
				return nil, err
			}
			all = append(all, desc...)
		}
		t := &groupTree{groups: map[int64]*orgGroup{}, children: map[int64][]int64{}}
		for _, g := range all {
			if _, dup := t.groups[g.ID]; dup {
				continue
			}
			og := toOrgGroup(g)
			if d, ok := o.groupDetails.peek(g.ID); ok && d.Shares != nil {
				og.Shares = d.Shares
			}
			t.groups[g.ID] = og
		}
		for id, g := range t.groups {
			if g.ParentID != 0 && t.groups[g.ParentID] != nil {
				t.children[g.ParentID] = append(t.children[g.ParentID], id)
			} else {
				t.roots = append(t.roots, id)
			}
		}
		sortIDs(t.roots)
		for k := range t.children {
			sortIDs(t.children[k])
		}
		if len(t.groups) == 0 && !instance {
			o.warnEmptyOrganisation(ctx)
		}
		return t, nil
	})
}

// tokenUserGroups is GET /groups?min_access_level=10 (ordered by id): the groups the
// token's user is a DIRECT member of at Guest or more, and all their descendants.
// GitLab's GroupsFinder#groups_with_min_access_level reads the user's direct
// memberships (User#group_members, Guest and above) and adds their descendants
// (self_and_descendants). top_level_only must NOT be added: it keeps only groups without
// a parent, so a member of a subgroup only would get nothing. The topmost of these
// groups (parent not among them) are the organisation's roots.
// https://docs.gitlab.com/api/groups/#list-groups
func (c *Connector) tokenUserGroups(ctx context.Context) ([]*gitlab.Group, error) {
	return gitlabapi.ListAll(ctx, "listing the token user's groups", func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Group, *gitlab.Response, error) {
		return c.client.API.Groups.ListGroups(&gitlab.ListGroupsOptions{
			ListOptions:    lo,
			MinAccessLevel: gitlab.Ptr(gitlab.GuestPermissions),
			OrderBy:        gitlab.Ptr("id"),
			Sort:           gitlab.Ptr("asc"),
		}, opts...)
	})
}

// emptyOrganisationWarning says why a sync found no group at all (GitLab.com, or a
// self-managed token without admin rights, and no --groups).
func emptyOrganisationWarning(username string) string {
	who := "the token's user"
	if username != "" {
		who += " " + username
	}
	return fmt.Sprintf("gitlab: %s is a member of no group (at Guest or more): the organisation is empty, "+
		"so this sync has no groups, projects or memberships and no accounts. "+
		"Add %s to the top-level group(s) to sync (Owner to provision access), use a personal access token of "+
		"a member of those groups or a group access token created on the group, or set --groups", who, who)
}

func (o *organisationState) warnEmptyOrganisation(ctx context.Context) {
	username := ""
	if u, err := o.c.tokenUser(ctx); err == nil && u != nil {
		username = u.Username
	}
	ctxzap.Extract(ctx).Warn(emptyOrganisationWarning(username))
}

// projectSet loads the organisation's projects: GET /projects (keyset by id, every
// project including personal ones) for a self-managed admin without --groups, else
// GET /groups/:id/projects?include_subgroups=true&with_shared=false per organisation
// root (with_shared defaults to true and would bring other groups' projects).
// https://docs.gitlab.com/api/projects/#list-all-projects
// https://docs.gitlab.com/api/groups/#list-projects
func (o *organisationState) projectSet(ctx context.Context) (*projectSet, error) {
	return o.projects.get(func() (*projectSet, error) {
		tree, err := o.groupTree(ctx)
		if err != nil {
			return nil, err
		}
		instance, err := o.instanceWide(ctx)
		if err != nil {
			return nil, err
		}
		allProjects := instance && len(o.c.settings.Groups) == 0
		api := o.c.client.API
		var all []*gitlab.Project
		if allProjects {
			all, err = gitlabapi.ListAllKeyset(ctx, "listing projects", func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Project, *gitlab.Response, error) {
				return api.Projects.ListProjects(&gitlab.ListProjectsOptions{ListOptions: lo}, opts...)
			})
			if err != nil {
				return nil, err
			}
		} else {
			for _, root := range tree.roots {
				ps, err := gitlabapi.ListAll(ctx, "listing the projects of "+tree.groups[root].FullPath, func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.Project, *gitlab.Response, error) {
					return api.Groups.ListGroupProjects(root, &gitlab.ListGroupProjectsOptions{
						ListOptions:      lo,
						IncludeSubGroups: gitlab.Ptr(true),
						WithShared:       gitlab.Ptr(false),
						OrderBy:          gitlab.Ptr("id"),
						Sort:             gitlab.Ptr("asc"),
					}, opts...)
				})
				if err != nil {
					return nil, err
				}
				all = append(all, ps...)
			}
		}
		set := &projectSet{byID: map[int64]*orgProject{}, byGroup: map[int64][]int64{}}
		for _, p := range all {
			if _, dup := set.byID[p.ID]; dup {
				continue
			}
			op := toOrgProject(p)
			switch {
			case p.Namespace != nil && p.Namespace.Kind == "user":
				if !allProjects {
					continue // personal projects are synced only instance-wide
				}
				set.personal = append(set.personal, p.ID)
			case tree.groups[op.GroupID] != nil:
				set.byGroup[op.GroupID] = append(set.byGroup[op.GroupID], p.ID)
			default:
				continue // a project of a group outside the organisation
			}
			set.byID[p.ID] = op
		}
		sortIDs(set.personal)
		for k := range set.byGroup {
			sortIDs(set.byGroup[k])
		}
		return set, nil
	})
}

// group returns any group by id: from the organisation's tree, else GET /groups/:id
// (ancestors of a configured subgroup, groups an organisation group is shared with).
func (o *organisationState) group(ctx context.Context, id int64) (*orgGroup, error) {
	tree, err := o.groupTree(ctx)
	if err != nil {
		return nil, err
	}
	if g := tree.groups[id]; g != nil {
		return g, nil
	}
	return o.groupDetail(ctx, id)
}

// groupDetail is GET /groups/:id (with_projects=false), once per group per sync.
func (o *organisationState) groupDetail(ctx context.Context, id int64) (*orgGroup, error) {
	return o.groupDetails.get(id, func() (*orgGroup, error) {
		g, _, err := o.c.client.API.Groups.GetGroup(id, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}, gitlab.WithContext(ctx))
		if err != nil {
			return nil, gitlabapi.MapError(err, fmt.Sprintf("reading group %d", id))
		}
		og := toOrgGroup(g)
		if og.Shares == nil {
			og.Shares = []groupShare{}
		}
		return og, nil
	})
}

// groupShares returns the groups a group is shared with (shared_with_groups of
// GET /groups/:id; the list endpoints do not return it).
func (o *organisationState) groupShares(ctx context.Context, id int64) ([]groupShare, error) {
	g, err := o.group(ctx, id)
	if err != nil {
		return nil, err
	}
	if g.Shares != nil {
		return g.Shares, nil
	}
	d, err := o.groupDetail(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.Shares, nil
}

// directGroupMembers is GET /groups/:id/members (direct members only), once per sync.
// A group the token cannot see (a group outside the organisation something is shared
// with) has no members we can know: it counts as empty, with a warning. Awaiting members
// are kept (they are direct members; their accounts sync) and give no access.
// https://docs.gitlab.com/api/members/#list-all-members-of-a-group-or-project
func (o *organisationState) directGroupMembers(ctx context.Context, id int64) ([]*directMember, error) {
	return o.groupMembers.get(id, func() ([]*directMember, error) {
		doing := fmt.Sprintf("listing the members of group %d", id)
		ms, err := gitlabapi.ListAll(ctx, doing, listGitLab[*apiMember](o.c.client.API, fmt.Sprintf("groups/%d/members", id), nil))
		if err != nil {
			if gitlabapi.IsNotFound(err) || gitlabapi.HTTPStatus(err) == http.StatusForbidden {
				ctxzap.Extract(ctx).Warn("cannot list the members of a group: its members get no access through it",
					zap.Int64("group_id", id), zap.Error(err))
				return []*directMember{}, nil
			}
			return nil, err
		}
		return o.toDirectMembers(ms), nil
	})
}

// directProjectMembers is GET /projects/:id/members (direct members only), once per sync.
func (o *organisationState) directProjectMembers(ctx context.Context, id int64) ([]*directMember, error) {
	return o.projectMembers.get(id, func() ([]*directMember, error) {
		doing := fmt.Sprintf("listing the members of project %d", id)
		ms, err := gitlabapi.ListAll(ctx, doing, listGitLab[*apiMember](o.c.client.API, fmt.Sprintf("projects/%d/members", id), nil))
		if err != nil {
			return nil, err
		}
		return o.toDirectMembers(ms), nil
	})
}

// toDirectMembers converts a members listing, dropping expired memberships.
func (o *organisationState) toDirectMembers(ms []*apiMember) []*directMember {
	out := make([]*directMember, 0, len(ms))
	for _, m := range ms {
		dm := &directMember{
			UserID: m.ID, Username: m.Username, Name: m.Name, State: m.State,
			Email: m.Email, WebURL: m.WebURL, Level: m.AccessLevel,
			ExpiresAt: string(m.ExpiresAt),
			Awaiting:  m.MembershipState == membershipAwaiting,
		}
		if r := m.MemberRole; r != nil && r.ID != 0 {
			dm.MemberRoleID, dm.MemberRoleName, dm.MemberRoleBase = r.ID, r.Name, r.BaseAccessLevel
			if dm.MemberRoleName == "" {
				dm.MemberRoleName = memberRoleSlug(r.ID)
			}
		}
		if o.expired(dm.ExpiresAt) {
			continue
		}
		out = append(out, dm)
	}
	return out
}

// project returns an organisation project by id.
func (o *organisationState) project(ctx context.Context, id int64) (*orgProject, error) {
	ps, err := o.projectSet(ctx)
	if err != nil {
		return nil, err
	}
	p := ps.byID[id]
	if p == nil {
		return nil, status.Errorf(codes.NotFound, "project %d is not part of the synced organisation", id)
	}
	return p, nil
}

// effectiveGroupAccess is every user's effective access to a group, computed once.
func (o *organisationState) effectiveGroupAccess(ctx context.Context, id int64) (map[int64]*effectiveAccess, error) {
	return o.groupAccess.get(id, func() (map[int64]*effectiveAccess, error) {
		return computeGroupAccess(ctx, o, id, o.today())
	})
}

// effectiveProjectAccess is every user's effective access to a project, computed once.
func (o *organisationState) effectiveProjectAccess(ctx context.Context, id int64) (map[int64]*effectiveAccess, error) {
	return o.projectAccess.get(id, func() (map[int64]*effectiveAccess, error) {
		p, err := o.project(ctx, id)
		if err != nil {
			return nil, err
		}
		return computeProjectAccess(ctx, o, p, o.today())
	})
}

// orgNode is a group or project of the organisation.
type orgNode struct {
	Kind     string // "group" or "project"
	ID       int64
	FullPath string // a group's full path, a project's path with namespace
}

// apiPath is the node's path in GitLab's API: "groups/:id" or "projects/:id".
func (n orgNode) apiPath() string { return fmt.Sprintf("%ss/%d", n.Kind, n.ID) }

// nodes returns the organisation's groups, then its projects, each by id.
func (o *organisationState) nodes(ctx context.Context) ([]orgNode, error) {
	tree, err := o.groupTree(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := o.projectSet(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]orgNode, 0, len(tree.groups)+len(ps.byID))
	for _, id := range sortedKeys(tree.groups) {
		out = append(out, orgNode{Kind: "group", ID: id, FullPath: tree.groups[id].FullPath})
	}
	for _, id := range sortedKeys(ps.byID) {
		out = append(out, orgNode{Kind: "project", ID: id, FullPath: ps.byID[id].PathWithNamespace})
	}
	return out, nil
}

// directNodeMembers is directGroupMembers or directProjectMembers.
func (o *organisationState) directNodeMembers(ctx context.Context, n orgNode) ([]*directMember, error) {
	if n.Kind == "group" {
		return o.directGroupMembers(ctx, n.ID)
	}
	return o.directProjectMembers(ctx, n.ID)
}

// effectiveNodeAccess is effectiveGroupAccess or effectiveProjectAccess.
func (o *organisationState) effectiveNodeAccess(ctx context.Context, n orgNode) (map[int64]*effectiveAccess, error) {
	if n.Kind == "group" {
		return o.effectiveGroupAccess(ctx, n.ID)
	}
	return o.effectiveProjectAccess(ctx, n.ID)
}

// allMembers returns one directMember per user found anywhere access can come from:
// the direct members of every organisation group and project, of the ancestors of the
// organisation's roots, and of every group something is shared with (and, for project
// shares, that group's ancestors). On GitLab.com these are the accounts. Awaiting
// members of the organisation's groups and projects are among them (on GitLab.com they
// are the organisation's users, waiting for a seat) although they have no access;
// awaiting members of groups outside it are not.
func (o *organisationState) allMembers(ctx context.Context) ([]*directMember, error) {
	return o.members.get(func() ([]*directMember, error) {
		nodes, err := o.nodes(ctx)
		if err != nil {
			return nil, err
		}
		byUser := map[int64]*directMember{}
		// Every principal of a grant is a member of one of the sources the access
		// computation reads, so collect from exactly those.
		for _, n := range nodes {
			acc, err := o.effectiveNodeAccess(ctx, n)
			if err != nil {
				return nil, err
			}
			ms, err := o.directNodeMembers(ctx, n)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if _, ok := byUser[m.UserID]; !ok {
					byUser[m.UserID] = m
				}
			}
			if err := o.addSourceMembers(ctx, acc, byUser); err != nil {
				return nil, err
			}
		}
		out := make([]*directMember, 0, len(byUser))
		for _, id := range sortedKeys(byUser) {
			out = append(out, byUser[id])
		}
		return out, nil
	})
}

// awaitingMembership is a direct membership of the organisation that is awaiting
// approval (membership_state "awaiting"): it gives no access.
type awaitingMembership struct {
	Kind     string // "group" or "project"
	ID       int64
	FullPath string
	Level    gitlab.AccessLevelValue
}

// awaitingMemberships returns, per user, the organisation's groups and projects where
// their direct membership is awaiting, groups first, by id. It reads the cached member
// lists: no request of its own.
func (o *organisationState) awaitingMemberships(ctx context.Context) (map[int64][]awaitingMembership, error) {
	return o.awaiting.get(func() (map[int64][]awaitingMembership, error) {
		nodes, err := o.nodes(ctx)
		if err != nil {
			return nil, err
		}
		out := map[int64][]awaitingMembership{}
		for _, n := range nodes {
			ms, err := o.directNodeMembers(ctx, n)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.Awaiting {
					out[m.UserID] = append(out[m.UserID], awaitingMembership{Kind: n.Kind, ID: n.ID, FullPath: n.FullPath, Level: m.Level})
				}
			}
		}
		return out, nil
	})
}

// addSourceMembers adds to byUser, for each non-direct access of a user not in it yet,
// the member record the access came from (the cached member list of the source group).
// Users already found are skipped without scanning a list: a scan per grant made this
// O(grants x members of the source group). Each user's record comes from their own
// source, so the order of acc does not matter.
func (o *organisationState) addSourceMembers(ctx context.Context, acc map[int64]*effectiveAccess, byUser map[int64]*directMember) error {
	for uid, a := range acc {
		if a.Source == sourceDirect {
			continue
		}
		if _, found := byUser[uid]; found {
			continue
		}
		ms, err := o.directGroupMembers(ctx, a.SourceGroupID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.UserID == uid {
				byUser[uid] = m
				break
			}
		}
	}
	return nil
}

// ---- custom roles in use ----

// memberRoleInUse is a custom role some member holds in a hierarchy.
type memberRoleInUse struct {
	ID   int64
	Name string
	Base gitlab.AccessLevelValue
}

// memberRolesForGroup returns the custom roles in use in the organisation hierarchy of
// a group: held, directly or inherited, by someone on any of its groups or projects.
// Every node of a hierarchy offers the same custom-role entitlements.
func (o *organisationState) memberRolesForGroup(ctx context.Context, groupID int64) ([]memberRoleInUse, error) {
	tree, err := o.groupTree(ctx)
	if err != nil {
		return nil, err
	}
	root := tree.rootOf(groupID)
	return o.memberRoles.get(root, func() ([]memberRoleInUse, error) {
		ps, err := o.projectSet(ctx)
		if err != nil {
			return nil, err
		}
		roles := map[int64]memberRoleInUse{}
		var walk func(id int64) error
		walk = func(id int64) error {
			acc, err := o.effectiveGroupAccess(ctx, id)
			if err != nil {
				return err
			}
			addMemberRoles(roles, acc)
			for _, pid := range ps.byGroup[id] {
				pacc, err := o.effectiveProjectAccess(ctx, pid)
				if err != nil {
					return err
				}
				addMemberRoles(roles, pacc)
			}
			for _, child := range tree.children[id] {
				if err := walk(child); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(root); err != nil {
			return nil, err
		}
		return sortedRoles(roles), nil
	})
}

// memberRolesForPersonalProject returns the custom roles held on a personal project.
func (o *organisationState) memberRolesForPersonalProject(ctx context.Context, projectID int64) ([]memberRoleInUse, error) {
	return o.memberRoles.get(-projectID, func() ([]memberRoleInUse, error) {
		acc, err := o.effectiveProjectAccess(ctx, projectID)
		if err != nil {
			return nil, err
		}
		roles := map[int64]memberRoleInUse{}
		addMemberRoles(roles, acc)
		return sortedRoles(roles), nil
	})
}

// addMemberRoles adds the custom roles held in acc to roles, by id.
func addMemberRoles(roles map[int64]memberRoleInUse, acc map[int64]*effectiveAccess) {
	for _, a := range acc {
		if a.MemberRoleID != 0 {
			roles[a.MemberRoleID] = memberRoleInUse{ID: a.MemberRoleID, Name: a.MemberRoleName, Base: a.MemberRoleBase}
		}
	}
}

func sortedRoles(roles map[int64]memberRoleInUse) []memberRoleInUse {
	out := make([]memberRoleInUse, 0, len(roles))
	for _, id := range sortedKeys(roles) {
		out = append(out, roles[id])
	}
	return out
}

// ---- conversions ----

func toOrgGroup(g *gitlab.Group) *orgGroup {
	og := &orgGroup{
		ID: g.ID, ParentID: g.ParentID, Name: g.Name, Path: g.Path, FullPath: g.FullPath,
		FullName: g.FullName, Description: g.Description, Visibility: string(g.Visibility),
		WebURL: g.WebURL, CreatedAt: g.CreatedAt,
	}
	// The list endpoints do not return shared_with_groups: nil means "not known".
	if g.SharedWithGroups != nil {
		og.Shares = make([]groupShare, 0, len(g.SharedWithGroups))
		for _, s := range g.SharedWithGroups {
			og.Shares = append(og.Shares, groupShare{
				GroupID: s.GroupID, GroupFullPath: s.GroupFullPath,
				Level:     gitlab.AccessLevelValue(s.GroupAccessLevel),
				ExpiresAt: isoDate(s.ExpiresAt), MemberRoleID: s.MemberRoleID,
			})
		}
	}
	return og
}

func toOrgProject(p *gitlab.Project) *orgProject {
	op := &orgProject{
		ID: p.ID, Name: p.Name, NameWithNamespace: p.NameWithNamespace,
		PathWithNamespace: p.PathWithNamespace, Description: p.Description,
		Visibility: string(p.Visibility), WebURL: p.WebURL, CreatedAt: p.CreatedAt,
	}
	if p.Namespace != nil && p.Namespace.Kind != "user" {
		op.GroupID = p.Namespace.ID
	}
	for _, s := range p.SharedWithGroups {
		op.Shares = append(op.Shares, groupShare{
			GroupID: s.GroupID, GroupFullPath: s.GroupFullPath,
			Level:     gitlab.AccessLevelValue(s.GroupAccessLevel),
			ExpiresAt: isoDate(s.ExpiresAt),
		})
	}
	return op
}

func isoDate(t *gitlab.ISOTime) string {
	if t == nil {
		return ""
	}
	tt := time.Time(*t)
	if tt.IsZero() {
		return ""
	}
	return tt.Format(time.DateOnly)
}

// ---- small helpers ----

func sortIDs(ids []int64) { sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) }

func sortedKeys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortIDs(out)
	return out
}

// lazy is a value loaded once; a failed load is retried by the next caller (the SDK
// retries calls that fail with Unavailable).
type lazy[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
}

func (l *lazy[T]) get(load func() (T, error)) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return l.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	l.v, l.done = v, true
	return v, nil
}

// lazyMap is a lazy value per key: concurrent callers of one key wait for one load.
type lazyMap[K comparable, T any] struct {
	mu sync.Mutex
	m  map[K]*lazy[T]
}

func (lm *lazyMap[K, T]) entry(k K) *lazy[T] {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if lm.m == nil {
		lm.m = map[K]*lazy[T]{}
	}
	e := lm.m[k]
	if e == nil {
		e = &lazy[T]{}
		lm.m[k] = e
	}
	return e
}

func (lm *lazyMap[K, T]) get(k K, load func() (T, error)) (T, error) {
	return lm.entry(k).get(load)
}

// set stores a value already fetched (GET /groups/:path of a configured group).
func (lm *lazyMap[K, T]) set(k K, v T) {
	e := lm.entry(k)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.v, e.done = v, true
}

// peek returns a loaded value without loading.
func (lm *lazyMap[K, T]) peek(k K) (T, bool) {
	e := lm.entry(k)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.v, e.done
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}
