package connector

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// GraphQL-first inputs (--sync-api graphql, issue 12). Once per sync, before the first
// direct member list is read, the organisation's groups (100 a query, by id) and the
// projects of each organisation root (a page a query), each with its direct members, are
// read through GitLab's GraphQL API and stored in the same caches REST fills
// (groupMembers, projectMembers): the access engine and the grants do not change. What is
// not stored — a container GraphQL failed on, or one GraphQL cannot give exactly — is
// read over REST when it is asked for, as without GraphQL. The group tree and the
// projects stay REST listings (projects carry their share links there; GraphQL has none).
//
// What GraphQL's members lack, and how the sync stays exact:
//   - custom roles (member_role): a hierarchy where memberships may hold one
//     (Group.memberRoles' membersCount, customRolesHeld) keeps REST for its members;
//   - membership_state (awaiting): the top-level group's pendingMembers (GraphQL, after
//     the members; GET groups/:id/pending_members where GraphQL cannot give them) names
//     the members awaiting a seat; a container where one of them has a row is read over
//     REST; a hierarchy whose pending members cannot be read keeps REST (readPending);
//   - group_saml_identity (GitLab.com, shown to Owners on the rows of a group with its own
//     SAML provider: Member#group_saml_identity reads the row's group's saml_provider,
//     which only top-level groups have): where GET groups/:id/saml/identities lists
//     anyone, the top-level group's own members are read over REST;
//   - email (GitLab.com: enterprise users, shown to the top-level group's Owners): taken
//     from GET groups/:id/enterprise_users (an administrator's rows carry every email,
//     but an instance-wide sync takes accounts from GET /users, not from member rows);
//   - share links: GET /groups/:id only for groups that may have a share of their own
//     that gives access (org_graphql_shares.go);
//   - invitations: a row with user null is an invitation without its email; the
//     pendingMembers row with the same membership id gives the email. GET .../invitations
//     only for containers with an invitation row that matches none (one email invited to
//     several containers has one pendingMembers row: DISTINCT ON), and those GraphQL did
//     not read.

// graphqlInputs is what the GraphQL reading found.
type graphqlInputs struct {
	groups   map[int64]bool // groups whose direct members GraphQL gave (stored)
	projects map[int64]bool
	// noOwnShare: groups known to have no share of their own that gives access, whose
	// GET /groups/:id (for shared_with_groups) is not read (org_graphql_shares.go).
	noOwnShare map[int64]bool
	// invitations: the invitations of the containers whose GraphQL rows showed none, or
	// only invitations (user null) matched by membership id to their top-level group's
	// pendingMembers rows; the other containers' invitations are listed over REST.
	invitations map[orgNode][]*gitlabapi.Invitation
}

// noGraphQL: nothing read through GraphQL (REST only).
var noGraphQL = &graphqlInputs{}

// readByGraphQL reports whether GraphQL read the node's direct members.
func (g *graphqlInputs) readByGraphQL(n orgNode) bool {
	if n.Kind == "group" {
		return g.groups[n.ID]
	}
	return g.projects[n.ID]
}

// graphqlLoaded reads the organisation's direct members through GraphQL once per sync
// (with --sync-api graphql; otherwise it reads nothing).
func (o *organisationState) graphqlLoaded(ctx context.Context) (*graphqlInputs, error) {
	if !o.c.settings.GraphQL || !o.wholeSync || o.noGraphQLAPI.Load() {
		return noGraphQL, nil
	}
	return o.gql.get(func() (*graphqlInputs, error) {
		in, err := o.readGraphQL(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			ctxzap.Extract(ctx).Info("gitlab: reading memberships through GraphQL failed: the rest is read over REST", zap.Error(err))
		}
		return in, nil
	})
}

// hierarchyGuards is what decides, per top-level group, where GraphQL is exact.
type hierarchyGuards struct {
	path     string           // the top-level group's full path
	rest     bool             // members over REST (custom roles)
	restTop  bool             // the top-level group's own members over REST (SAML identities on rows)
	emails   map[int64]string // enterprise users' emails, shown on their rows
	why      string
	pending  *hierarchyPending // read after the members (readPending)
	readSome bool              // GraphQL read some of its containers
}

// hierarchyPending is what a top-level group's pending members say.
type hierarchyPending struct {
	known    bool                                      // pendingMembers (or REST pending_members) answered
	awaiting map[string]bool                           // usernames (lower case) awaiting a seat
	invites  map[string]gitlabapi.GraphQLPendingMember // invitation rows by membership global id
}

// graphqlNode is a container GraphQL read, until the pending members are known.
type graphqlNode struct {
	n        orgNode
	g        *hierarchyGuards
	rows     []*directMember
	invites  []string // membership global ids of its invitation rows
	restRows bool     // its member rows are read over REST (only its invitations are kept)
}

func (o *organisationState) readGraphQL(ctx context.Context) (*graphqlInputs, error) {
	tree, err := o.groupTree(ctx)
	if err != nil {
		return noGraphQL, err
	}
	ps, err := o.projectSet(ctx)
	if err != nil {
		return noGraphQL, err
	}
	instance, err := o.instanceWide(ctx)
	if err != nil {
		return noGraphQL, err
	}
	maxComplexity := gitlabapi.GraphQLMaxComplexity
	if instance {
		maxComplexity = gitlabapi.GraphQLAdminMaxComplexity
	}
	roles, err := o.customRolesHeld(ctx, tree, maxComplexity)
	if gitlabapi.IsNotFound(err) {
		ctxzap.Extract(ctx).Info("gitlab: this GitLab has no GraphQL API (POST /api/graphql answered 404): memberships are read over REST")
		return noGraphQL, nil
	}
	if err != nil {
		return noGraphQL, err
	}
	guards := map[int64]*hierarchyGuards{} // top-level group id -> guards
	guardOf := func(groupID int64) *hierarchyGuards {
		top, path := o.topLevelOf(ctx, tree, groupID)
		if g := guards[top]; g != nil {
			return g
		}
		g := o.hierarchyGuards(ctx, top, roles.held(top))
		g.path = path
		guards[top] = g
		return g
	}
	in := &graphqlInputs{groups: map[int64]bool{}, projects: map[int64]bool{}, noOwnShare: map[int64]bool{},
		invitations: map[orgNode][]*gitlabapi.Invitation{}}
	// Each group with its own projects (nested in the same query). A top-level group
	// whose own member rows need REST (SAML identities) is read too, for its projects and
	// its invitation rows; its member rows are left to REST.
	read := gitlabapi.DirectMembersRead{
		With:        gitlabapi.GroupsWith{Projects: true, SharedGroups: true},
		GroupPath:   func(id int64) string { return tree.groups[id].FullPath },
		ProjectPath: func(id int64) string { return ps.byID[id].PathWithNamespace },
	}
	for _, id := range sortedKeys(tree.groups) {
		if !guardOf(id).rest {
			read.Groups = append(read.Groups, id)
		}
	}
	// Personal projects: no group, no pending members, no custom role but the instance's.
	personal := &hierarchyGuards{pending: &hierarchyPending{known: true}}
	if o.c.settings.Deployment == gitlabapi.SelfManaged && !roles.held(0) {
		read.Projects = append(read.Projects, ps.personal...)
	}
	var got []*graphqlNode
	keep := func(n orgNode, g *hierarchyGuards, rows []gitlabapi.GraphQLMember) {
		gn := &graphqlNode{n: n, g: g, rows: make([]*directMember, 0, len(rows)),
			restRows: n.Kind == "group" && g.restTop && tree.groups[n.ID].ParentID == 0}
		for _, r := range rows {
			if r.UserID == 0 {
				gn.invites = append(gn.invites, r.MemberGID)
				continue
			}
			m := &directMember{UserID: r.UserID, Username: r.Username, Name: r.Name, State: r.State,
				Email: g.emails[r.UserID], WebURL: r.WebURL, Level: r.AccessLevel, ExpiresAt: string(r.ExpiresAt)}
			if !o.expired(m.ExpiresAt) {
				gn.rows = append(gn.rows, m)
			}
		}
		g.readSome = true
		got = append(got, gn)
	}
	signals := map[int64]gitlabapi.GroupShareSignals{}
	read.OnGroup = func(id int64, rows []gitlabapi.GraphQLMember, shares gitlabapi.GroupShareSignals) {
		if tree.groups[id] == nil {
			return
		}
		signals[id] = shares
		keep(orgNode{Kind: "group", ID: id}, guardOf(id), rows)
	}
	read.OnProject = func(id int64, rows []gitlabapi.GraphQLMember) {
		p := ps.byID[id]
		g := personal
		switch {
		case p == nil:
			return
		case p.GroupID != 0 && tree.groups[p.GroupID] != nil:
			g = guardOf(p.GroupID)
		case p.GroupID != 0:
			return
		}
		keep(orgNode{Kind: "project", ID: id}, g, rows)
	}
	if len(read.Groups) == 0 && len(read.Projects) == 0 {
		o.logGraphQLGuards(ctx, tree, guards)
		return in, nil
	}
	read.MaxComplexity = maxComplexity
	sum, err := o.c.client.ReadDirectMembers(ctx, read)
	if len(sum.Skipped) > 0 {
		ctxzap.Extract(ctx).Info("gitlab: some memberships are read over REST: GraphQL refused or failed them",
			zap.Int("parts", len(sum.Skipped)), zap.String("first", sum.Skipped[0]))
	}
	if gitlabapi.IsNotFound(err) {
		ctxzap.Extract(ctx).Info("gitlab: this GitLab has no GraphQL API (POST /api/graphql answered 404): memberships are read over REST")
		return in, nil
	}
	// The pending members are read even after an error ended the members' reading (a
	// rate limit, an outage): what was read is kept if they can be; if they cannot, it
	// is read over REST.
	if ctx.Err() == nil {
		if perr := o.readPending(ctx, guards, read.MaxComplexity); err == nil {
			err = perr
		}
	}
	in.noOwnShare = groupsWithoutOwnShares(tree, signals)
	o.logGraphQLGuards(ctx, tree, guards)
	for _, gn := range got {
		o.storeGraphQLNode(in, gn)
	}
	return in, err
}

// topLevelOf is the top-level group above a group of the organisation, and its full
// path (an organisation root may be a subgroup: its ancestors are read by id).
func (o *organisationState) topLevelOf(ctx context.Context, tree *groupTree, id int64) (int64, string) {
	root := tree.rootOf(id)
	chain, err := ancestry(ctx, o, root)
	if err != nil || len(chain) == 0 {
		return root, tree.groups[root].FullPath
	}
	top := chain[len(chain)-1]
	return top.ID, top.FullPath
}

// hierarchyGuards reads, before the members, what tells where GraphQL's rows are exact
// in a top-level group's hierarchy (its pending members are read after: readPending).
func (o *organisationState) hierarchyGuards(ctx context.Context, top int64, rolesHeld bool) *hierarchyGuards {
	g := &hierarchyGuards{}
	if rolesHeld {
		g.rest, g.why = true, "custom roles are held by members (or cannot be read)"
		return g
	}
	if o.c.settings.Deployment == gitlabapi.SelfManaged {
		return g
	}
	if ids, err := o.samlIdentities(ctx, top); (err != nil && !ownerOnlyRefusal(err)) || len(ids) > 0 {
		g.restTop, g.why = true, "its own member rows carry SAML identities"
	}
	if us, err := o.enterpriseUsers(ctx, top); err == nil {
		g.emails = map[int64]string{}
		for _, u := range us {
			g.emails[u.ID] = u.Email
		}
	} else if !ownerOnlyRefusal(err) {
		g.rest, g.why = true, "its enterprise users cannot be listed"
	}
	return g
}

// readPending reads, after the members, the pending members of the top-level groups
// GraphQL read something of, through GraphQL (Group.pendingMembers, several groups a
// POST). GraphQL's rows have no membership_state, and a member awaiting a seat has no
// access: a top-level group's user cap or the free user limit (GitLab.com), or an Owner's
// PUT /groups/:id/members/:user_id/state (EE, either deployment) makes one. Where
// pendingMembers cannot be read (not an Owner, Community Edition...),
// GET /groups/:id/pending_members is asked instead, and where that fails too the
// hierarchy is read over REST. The rows also carry the email of each invitation with the
// membership id groupMembers and projectMembers show on its row (user null), so no
// invitations listing is needed for the containers whose invitation rows all match.
func (o *organisationState) readPending(ctx context.Context, guards map[int64]*hierarchyGuards, maxComplexity int) error {
	var paths []string
	byPath := map[string]*hierarchyGuards{}
	for _, top := range sortedKeys(guards) {
		g := guards[top]
		if !g.readSome {
			continue
		}
		g.pending = &hierarchyPending{}
		paths = append(paths, g.path)
		byPath[g.path] = g
	}
	if len(paths) == 0 {
		return nil
	}
	res, err := o.c.client.ReadPendingMembers(ctx, paths, maxComplexity)
	if err != nil {
		return err
	}
	for path, rows := range res.Rows {
		p := byPath[path].pending
		p.known, p.awaiting, p.invites = true, map[string]bool{}, map[string]gitlabapi.GraphQLPendingMember{}
		for _, r := range rows {
			switch {
			case r.Invited:
				p.invites[r.MemberGID] = r
			case !r.Approved && r.Username != "":
				p.awaiting[strings.ToLower(r.Username)] = true
			}
		}
	}
	if len(res.Failed) > 0 {
		ctxzap.Extract(ctx).Info("gitlab: the pending members of some top-level groups cannot be read through GraphQL (pendingMembers)",
			zap.Int("groups", len(res.Failed)), zap.String("first", firstFailure(res.Failed)))
	}
	for _, top := range sortedKeys(guards) {
		g := guards[top]
		if _, failed := res.Failed[g.path]; !failed {
			continue
		}
		pending, err := o.c.client.ListPendingMembers(ctx, top)
		if err != nil {
			g.why = "its members awaiting a seat cannot be listed (pending_members)"
			continue
		}
		g.pending.known, g.pending.awaiting = true, map[string]bool{}
		for _, p := range pending {
			// By username: a row's id is its MEMBERSHIP's (ee/lib/api/entities/pending_member.rb
			// exposes the member record), not the user's; usernames are unique, case-insensitively.
			if !p.Invited && !p.Approved && p.Username != "" {
				g.pending.awaiting[strings.ToLower(p.Username)] = true
			}
		}
	}
	return nil
}

// firstFailure names one of the failures (the first path in order).
func firstFailure(failed map[string]error) string {
	paths := make([]string, 0, len(failed))
	for p := range failed {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths[0] + ": " + failed[paths[0]].Error()
}

// storeGraphQLNode keeps a container's GraphQL rows as its direct members, unless its
// hierarchy's pending members are unknown or one of its rows is a member awaiting a seat
// (REST's membership_state tells) or its rows need REST anyway (SAML identities): then
// they are read over REST. Its invitations are known when its rows show none, or only
// invitations that each match a pendingMembers row.
func (o *organisationState) storeGraphQLNode(in *graphqlInputs, gn *graphqlNode) {
	p := gn.g.pending
	if p == nil || !p.known {
		return
	}
	invs := []*gitlabapi.Invitation{}
	for _, gid := range gn.invites {
		r, ok := p.invites[gid]
		if !ok {
			invs = nil
			break
		}
		invs = append(invs, &gitlabapi.Invitation{InviteEmail: r.Email, AccessLevel: r.AccessLevel,
			CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt})
	}
	if invs != nil {
		in.invitations[gn.n] = invs
	}
	if gn.restRows {
		return
	}
	for _, m := range gn.rows {
		if p.awaiting[strings.ToLower(m.Username)] {
			return
		}
	}
	if gn.n.Kind == "group" {
		o.groupMembers.set(gn.n.ID, gn.rows)
		in.groups[gn.n.ID] = true
	} else {
		o.projectMembers.set(gn.n.ID, gn.rows)
		in.projects[gn.n.ID] = true
	}
}

// customRoles says, per top-level group, whether memberships hold custom roles.
type customRoles struct {
	selfManaged bool
	byTop       map[int64]bool // GitLab.com: per top-level group
	instance    bool           // self-managed: the instance's roles
}

// held reports whether memberships in top's hierarchy (self-managed: anywhere; top 0:
// outside any group) may hold a custom role.
func (r *customRoles) held(top int64) bool {
	if r.selfManaged {
		return r.instance
	}
	held, known := r.byTop[top]
	return held || !known
}

// customRolesHeld reads whether memberships hold custom roles: GraphQL's Group.memberRoles
// with membersCount (gitlabapi.ReadMemberRolesInUse), for each top-level group on
// GitLab.com (roles are a top-level group's there) or through any group for the instance
// on self-managed, several groups a POST. Where GraphQL gives no answer (Community
// Edition, a refusal), REST's list of the roles (GET groups/:id/member_roles, GET
// member_roles) stands in: defined roles count as held, and a list that cannot be read
// too.
func (o *organisationState) customRolesHeld(ctx context.Context, tree *groupTree, maxComplexity int) (*customRoles, error) {
	r := &customRoles{selfManaged: o.c.settings.Deployment == gitlabapi.SelfManaged, byTop: map[int64]bool{}}
	tops := map[int64]string{}
	for _, root := range tree.roots {
		top, path := o.topLevelOf(ctx, tree, root)
		tops[top] = path
	}
	var paths []string
	for _, top := range sortedKeys(tops) {
		paths = append(paths, tops[top])
		if r.selfManaged {
			break // any group answers with the instance's roles
		}
	}
	inUse, err := o.c.client.ReadMemberRolesInUse(ctx, paths, maxComplexity)
	if err != nil {
		return nil, err // no GraphQL API (NotFound), or what ends any reading
	}
	api := o.c.client
	if r.selfManaged {
		if len(paths) > 0 {
			if u, ok := inUse[paths[0]]; ok {
				r.instance = u.Held > 0
				return r, nil
			}
		}
		roles, err := api.ListInstanceMemberRoles(ctx)
		r.instance = err != nil || len(roles) > 0
		return r, nil
	}
	for top, path := range tops {
		if u, ok := inUse[path]; ok {
			r.byTop[top] = u.Held > 0
			continue
		}
		roles, err := api.ListGroupMemberRoles(ctx, top)
		r.byTop[top] = err != nil || len(roles) > 0
	}
	return r, nil
}

func (o *organisationState) logGraphQLGuards(ctx context.Context, tree *groupTree, guards map[int64]*hierarchyGuards) {
	var rest []string
	for top, g := range guards {
		if g.why != "" {
			path := "group " + tree.groupLabel(top)
			rest = append(rest, path+": "+g.why)
		}
	}
	if len(rest) > 0 {
		ctxzap.Extract(ctx).Info("gitlab: memberships read over REST where GraphQL cannot give them exactly",
			zap.String("where", strings.Join(rest, "; ")))
	}
}

// groupLabel is a group's full path when the tree has it, else its id.
func (t *groupTree) groupLabel(id int64) string {
	if g := t.groups[id]; g != nil {
		return g.FullPath
	}
	return fmt.Sprintf("%d", id)
}
