package connector

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// The organisation: what one sync reads of GitLab's groups, projects, direct members,
// shares and invitations — the access engine's INPUTS — fetched at most once per sync and
// shared by the user, group and project syncers (which run concurrently with --workers N).
// Outputs (a node's access) are computed when a node's grants are listed and not kept
// (nodeAccessCache keeps the last few nodes, so paging through one node's grants does
// not recompute it for every page). The state is dropped when the SDK clears the sync's
// session (Cleanup, at the end of a sync: sessionStoreDroppingState) or a new sync starts.

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

// clock is the time expiry is decided on (UTC): the wall clock unless SetClock set one.
func (c *Connector) clock() time.Time {
	oc := c.orgCache()
	oc.mu.Lock()
	defer oc.mu.Unlock()
	if oc.now != nil {
		return oc.now().UTC()
	}
	return time.Now().UTC()
}

// dropSyncState forgets what the current sync read (the SDK's Cleanup at the end of a
// sync, through sessionStoreDroppingState).
func (c *Connector) dropSyncState() {
	oc := c.orgCache()
	oc.mu.Lock()
	defer oc.mu.Unlock()
	oc.state, oc.syncID = nil, ""
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
	now := c.clock()
	oc := c.orgCache()
	oc.mu.Lock()
	defer oc.mu.Unlock()
	if syncID == "" {
		return newOrganisationState(c, now)
	}
	if oc.state == nil || oc.syncID != syncID {
		oc.syncID = syncID
		oc.state = newOrganisationState(c, now)
		oc.state.wholeSync = true
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
	// ShareWithGroupLock: "Prevent sharing a project within this group with other
	// groups"; when set, the group's projects' shares give no access.
	ShareWithGroupLock bool
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
	memberRoles    lazyMap[int64, []memberRoleInUse] // org root (or personal project -id) -> roles
	members        lazy[[]*directMember]             // every member found, one per user
	explained      lazy[[]*directMember]             // members found through the visible inputs
	hidden         lazy[*hiddenAccess]               // access through shares the token cannot see
	hiddenWarning  sync.Once
	recent         nodeAccessCache
	gone           sync.Map // orgNode → true: answered 404 after the sync listed it
	awaiting       lazy[map[int64][]awaitingMembership]
	invitations    lazy[[]*pendingInvitation]
	billable       lazyMap[int64, billableListing] // top-level group -> its billable members
	facts          lazy[*accountFacts]             // what the top-level groups tell of accounts
	saml           samlIdentities                  // group_saml_identity of the member rows read

	gql lazy[*graphqlInputs] // what GraphQL read (org_graphql.go)
	// noGraphQLAPI: POST /api/graphql answered 404 (an older GitLab, or GraphQL turned
	// off): nothing more is asked of it this sync.
	noGraphQLAPI atomic.Bool
	// wholeSync: the state of a sync (kept for its length), not of one call outside a
	// sync: only a sync reads the whole organisation through GraphQL up front.
	wholeSync bool
	// Top-level groups' listings read both by the account facts and by the GraphQL
	// reading's guards: once per sync, the error kept with the answer.
	enterpriseList lazyMap[int64, listingOf[*gitlab.User]]
	samlList       lazyMap[int64, listingOf[*gitlabapi.SAMLIdentity]]

	invitationWarning sync.Once
	creds             credentialLoads // the credentials inventory (credentials_inventory.go)
}

// listingOf is a listing's answer, error included (kept, not retried, within a sync).
type listingOf[T any] struct {
	items []T
	err   error
}

// enterpriseUsers is GET /groups/:id/enterprise_users, once per sync.
func (o *organisationState) enterpriseUsers(ctx context.Context, groupID int64) ([]*gitlab.User, error) {
	l, _ := o.enterpriseList.get(groupID, func() (listingOf[*gitlab.User], error) {
		us, err := o.c.client.ListEnterpriseUsers(ctx, groupID)
		return listingOf[*gitlab.User]{us, err}, nil
	})
	return l.items, l.err
}

// samlIdentities is GET /groups/:id/saml/identities, once per sync.
func (o *organisationState) samlIdentities(ctx context.Context, groupID int64) ([]*gitlabapi.SAMLIdentity, error) {
	l, _ := o.samlList.get(groupID, func() (listingOf[*gitlabapi.SAMLIdentity], error) {
		ids, err := o.c.client.ListSAMLIdentities(ctx, groupID)
		return listingOf[*gitlabapi.SAMLIdentity]{ids, err}, nil
	})
	return l.items, l.err
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
		if gitlabapi.IsNotFound(err) {
			return o.goneGroup(ctx, id), nil
		}
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

func (o *organisationState) isGone(kind string, id int64) bool {
	_, gone := o.gone.Load(orgNode{Kind: kind, ID: id})
	return gone
}

// goneGroup is a group that answered 404 after the sync listed it (deleted meanwhile,
// or moved out of the token's sight): one warning naming it; it has no shares (and no
// members: directGroupMembers answers the same), so it gives no access.
func (o *organisationState) goneGroup(ctx context.Context, id int64) *orgGroup {
	g := &orgGroup{ID: id, FullPath: fmt.Sprintf("group %d", id)}
	if tree, err := o.groupTree(ctx); err == nil && tree.groups[id] != nil {
		cp := *tree.groups[id]
		g = &cp
	}
	g.Shares = []groupShare{}
	o.gone.Store(orgNode{Kind: "group", ID: id}, true)
	ctxzap.Extract(ctx).Warn("gitlab: a group is gone (404) since the sync listed it or found it through a share: its shares and members are skipped",
		zap.Int64("group_id", id), zap.String("full_path", g.FullPath))
	return g
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
	gql, err := o.graphqlLoaded(ctx)
	if err != nil {
		return nil, err
	}
	if gql.noOwnShare[id] {
		// No share of its own gives access (org_graphql_shares.go).
		return []groupShare{}, nil
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
	if _, err := o.graphqlLoaded(ctx); err != nil {
		return nil, err
	}
	return o.groupMembers.get(id, func() ([]*directMember, error) {
		ms, err := o.c.client.ListDirectMembers(ctx, gitlabapi.Groups, id)
		if err != nil {
			if gitlabapi.IsNotFound(err) || gitlabapi.HTTPStatus(err) == http.StatusForbidden {
				ctxzap.Extract(ctx).Warn("cannot list the members of a group: its members get no access through it",
					zap.Int64("group_id", id), zap.Error(err))
				return []*directMember{}, nil
			}
			return nil, err
		}
		o.saml.noteRows(id, ms)
		return o.toDirectMembers(ms), nil
	})
}

// directProjectMembers is GET /projects/:id/members (direct members only), once per sync.
func (o *organisationState) directProjectMembers(ctx context.Context, id int64) ([]*directMember, error) {
	if _, err := o.graphqlLoaded(ctx); err != nil {
		return nil, err
	}
	return o.projectMembers.get(id, func() ([]*directMember, error) {
		ms, err := o.c.client.ListDirectMembers(ctx, gitlabapi.Projects, id)
		if gitlabapi.IsNotFound(err) {
			// Deleted (or moved out of the token's sight) since it was listed.
			ctxzap.Extract(ctx).Warn("gitlab: a project listed in this sync is gone (404): it is synced without access",
				zap.Int64("project_id", id), zap.Error(err))
			o.gone.Store(orgNode{Kind: "project", ID: id}, true)
			return []*directMember{}, nil
		}
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
		if dm := toDirectMember(m); !o.expired(dm.ExpiresAt) {
			out = append(out, dm)
		}
	}
	return out
}

// toDirectMember converts one member of GitLab's members API.
func toDirectMember(m *apiMember) *directMember {
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
	return dm
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

// groupAccess is every user's access to a group, computed now from the sync's inputs.
func (o *organisationState) groupAccess(ctx context.Context, id int64) (nodeAccess, error) {
	return o.recent.get(orgNode{Kind: "group", ID: id}, func() (nodeAccess, error) {
		acc, err := computeGroupAccess(ctx, o, id)
		if o.isGone("group", id) {
			return nodeAccess{}, nil // deleted during the sync: no access to report
		}
		return acc, err
	})
}

// projectAccess is every user's access to a project, computed now from the sync's inputs.
func (o *organisationState) projectAccess(ctx context.Context, id int64) (nodeAccess, error) {
	return o.recent.get(orgNode{Kind: "project", ID: id}, func() (nodeAccess, error) {
		p, err := o.project(ctx, id)
		if err != nil {
			return nil, err
		}
		acc, err := computeProjectAccess(ctx, o, p)
		if o.isGone("project", id) {
			return nodeAccess{}, nil // deleted during the sync: no access to report
		}
		return acc, err
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

// nodeAccess is groupAccess or projectAccess.
func (o *organisationState) nodeAccess(ctx context.Context, n orgNode) (nodeAccess, error) {
	if n.Kind == "group" {
		return o.groupAccess(ctx, n.ID)
	}
	return o.projectAccess(ctx, n.ID)
}
