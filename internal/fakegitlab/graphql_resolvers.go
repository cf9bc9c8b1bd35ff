package fakegitlab

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

// Execution of the schema (graphql_schema.go) by graph-gophers/graphql-go: one resolver
// type per GraphQL type. Every resolver reads the world through the request's call, which
// holds the server locked.

// gqlResourceError is Gitlab::Graphql::Authorize::AuthorizeResource::RESOURCE_ACCESS_ERROR
// (lib/gitlab/graphql/authorize/authorize_resource.rb): a resolver's authorize! refusing.
const gqlResourceError = "The resource that you are attempting to access does not exist or you don't have permission to perform this action"

// gqlInvalidCursor is the keyset connection's answer to a cursor it cannot decode
// (lib/gitlab/graphql/pagination/keyset/..., ordering_from_encoded_json).
const gqlInvalidCursor = "Please provide a valid cursor"

// ---- cursors and pages ----

// gqlCursorKey is what a cursor holds: the sort key of the row it points at, as GitLab's
// keyset cursors are base64 of JSON with the order's columns ({"id":"42"}).
type gqlCursorKey struct {
	Name string `json:"name,omitempty"`
	ID   string `json:"id"`
}

// encodeCursor encodes as graphql-ruby's cursor encoder: URL-safe base64 without padding.
func encodeCursor(k gqlCursorKey) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (gqlCursorKey, int64, error) {
	var k gqlCursorKey
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return k, 0, errors.New(gqlInvalidCursor)
	}
	if err := json.Unmarshal(b, &k); err != nil {
		return k, 0, errors.New(gqlInvalidCursor)
	}
	id, err := strconv.ParseInt(k.ID, 10, 64)
	if err != nil {
		return k, 0, errors.New(gqlInvalidCursor)
	}
	return k, id, nil
}

// gqlPageArgs are a connection's arguments.
type gqlPageArgs struct {
	After, Before *string
	First, Last   *int32
}

type gqlPageInfo struct {
	start, end    *string
	next, previus bool
}

func (p *gqlPageInfo) EndCursor() *string    { return p.end }
func (p *gqlPageInfo) StartCursor() *string  { return p.start }
func (p *gqlPageInfo) HasNextPage() bool     { return p.next }
func (p *gqlPageInfo) HasPreviousPage() bool { return p.previus }

// gqlConn is a connection: the authorized nodes of one page and their edges.
type gqlConn[T any] struct {
	nodes []T
	edges []*gqlEdge[T]
	info  *gqlPageInfo
}

func (c *gqlConn[T]) Nodes() *[]T            { return &c.nodes }
func (c *gqlConn[T]) Edges() *[]*gqlEdge[T]  { return &c.edges }
func (c *gqlConn[T]) PageInfo() *gqlPageInfo { return c.info }
func (e *gqlEdge[T]) Cursor() string         { return e.cursor }
func (e *gqlEdge[T]) Node() T                { return e.node }
func (c *gqlConn[T]) add(cursor string, node T) {
	c.nodes = append(c.nodes, node)
	c.edges = append(c.edges, &gqlEdge[T]{cursor, node})
}

type gqlEdge[T any] struct {
	cursor string
	node   T
}

// gqlPage cuts one page out of a sorted listing as GitLab's keyset connection does
// (lib/gitlab/graphql/pagination/keyset/connection.rb): limit_value = min(first, last,
// max_page_size 100), so first above 100 is served 100 (and without first or last a page
// has 100); first and last together are refused; hasPreviousPage is true whenever after
// is given (or last cut items off), hasNextPage whenever before is given (or first cut
// items off). keyOf gives an item's cursor key; cmp compares an item with a decoded cursor
// in the listing's order. render turns the items into nodes, false for one the caller may
// not read: ConnectionRedaction (prepended to the connection) removes it from the page,
// and the cursors still advance over it.
func gqlPage[I, N any](items []I, a gqlPageArgs, keyOf func(I) gqlCursorKey, cmp func(I, gqlCursorKey, int64) int, render func(I) (N, bool)) (*gqlConn[N], error) {
	if a.First != nil && a.Last != nil {
		return nil, errors.New("Can only provide either `first` or `last`, not both")
	}
	for _, n := range []*int32{a.First, a.Last} {
		if n != nil && *n < 0 {
			return nil, errors.New("first and last must be greater than or equal to 0")
		}
	}
	start, end := 0, len(items)
	if a.After != nil {
		k, id, err := decodeCursor(*a.After)
		if err != nil {
			return nil, err
		}
		start, _ = slices.BinarySearchFunc(items, k, func(it I, k gqlCursorKey) int {
			if cmp(it, k, id) <= 0 {
				return -1
			}
			return 1
		})
	}
	if a.Before != nil {
		k, id, err := decodeCursor(*a.Before)
		if err != nil {
			return nil, err
		}
		end, _ = slices.BinarySearchFunc(items, k, func(it I, k gqlCursorKey) int {
			if cmp(it, k, id) < 0 {
				return -1
			}
			return 1
		})
	}
	end = max(end, start)
	info := &gqlPageInfo{previus: a.After != nil, next: a.Before != nil}
	if a.Last != nil {
		if last := min(int(*a.Last), gqlMaxPageSize); end-start > last {
			start = end - last
			info.previus = true
		}
	} else {
		limit := gqlMaxPageSize
		if a.First != nil {
			limit = min(int(*a.First), gqlMaxPageSize)
		}
		if end-start > limit {
			end = start + limit
			info.next = true
		}
	}
	conn := &gqlConn[N]{info: info}
	for i := start; i < end; i++ {
		cur := encodeCursor(keyOf(items[i]))
		if i == start {
			info.start = &cur
		}
		if i == end-1 {
			info.end = &cur
		}
		if n, ok := render(items[i]); ok {
			conn.add(cur, n)
		}
	}
	return conn, nil
}

func byID(id int64) gqlCursorKey { return gqlCursorKey{ID: strconv.FormatInt(id, 10)} }

func cmpByID(itemID, id int64) int { return cmpInt64(itemID, id) }

// ---- the caller's view of the world ----

// groupReadable is GroupPolicy's read_group as the fake's REST canSeeGroup has it:
// administrators and auditors read every group; others public and internal ones (internal
// only when signed in), groups where they have access (a membership of it or an ancestor,
// or a share), and the ancestors of those. Computed once per world state and caller.
func (q *gqlReq) groupReadable(gid int64) bool {
	return cachedListing(q.c.s, "gql readable groups "+q.viewerKey(), func() map[int64]bool {
		w := q.c.world
		out := map[int64]bool{}
		me := q.me()
		for id, g := range w.Groups {
			if q.readAll() || g.Visibility == "public" || (g.Visibility == "internal" && me != nil) {
				out[id] = true
			}
		}
		if me == nil || q.readAll() {
			return out
		}
		for id := range w.Groups {
			if w.membersWithParents(id, me.ID)[me.ID] > NoAccess {
				out[id] = true
				for _, a := range w.Ancestors(id) {
					out[a.ID] = true
				}
			}
		}
		return out
	})[gid]
}

// projectReadable is ProjectPolicy's read_project as canSeeProject has it.
func (q *gqlReq) projectReadable(p *Project) bool {
	switch {
	case q.c.isAdmin(), p.Visibility == "public":
		return true
	case q.me() == nil:
		return false
	case p.Visibility == "internal":
		return true
	}
	return q.projectLevel(p.ID) > NoAccess
}

// projectLevel is the caller's project_authorizations level.
func (q *gqlReq) projectLevel(pid int64) AccessLevel {
	if q.me() == nil {
		return NoAccess
	}
	if q.myProjects == nil {
		q.myProjects = q.userProjects(q.me().ID)
	}
	return q.myProjects[pid]
}

// gqlAuthz is the world's project authorizations (authz.go's per-user CTE over its index)
// for one world state: the world's own cache checks a fingerprint of every membership on
// each use, which costs milliseconds per call in a world of 50,000 projects.
type gqlAuthz struct {
	ix    *authzIndex
	users map[int64]map[int64]AccessLevel
}

// userProjects is the user's project_authorizations: project id -> level (shared: do not
// change it).
func (q *gqlReq) userProjects(uid int64) map[int64]AccessLevel {
	w := q.c.world
	a := cachedListing(q.c.s, "gql authz", func() *gqlAuthz {
		return &gqlAuthz{ix: w.buildAuthzIndex(), users: map[int64]map[int64]AccessLevel{}}
	})
	m, ok := a.users[uid]
	if !ok {
		m = w.userCTE(a.ix, uid).projects
		a.users[uid] = m
	}
	return m
}

// groupLevel is Group#max_member_access_for_user: OWNER for an administrator.
func (q *gqlReq) groupLevel(g *Group) AccessLevel {
	if q.c.isAdmin() {
		return Owner
	}
	if q.me() == nil {
		return NoAccess
	}
	return q.c.world.membersWithParents(g.ID, q.me().ID)[q.me().ID]
}

// canReadGroupMembers is read_group_member (app/policies/group_policy.rb): enabled with
// read_group, prevented by ~can_read_group_member, i.e. a private group where the caller's
// access level is NO_ACCESS.
func (q *gqlReq) canReadGroupMembers(g *Group) bool {
	if q.readAll() {
		return true
	}
	if !q.groupReadable(g.ID) {
		return false
	}
	return !(g.Visibility == "private" && q.groupLevel(g) == NoAccess)
}

// gqlIndex is the world's lookups GraphQL needs, built once per world state.
type gqlIndex struct {
	groupByPath   map[string]int64
	projectByPath map[string]int64
	children      map[int64][]int64 // by id
	projectsOf    map[int64][]int64 // by id
}

func (q *gqlReq) index() *gqlIndex {
	return cachedListing(q.c.s, "gql index", func() *gqlIndex {
		w := q.c.world
		ix := &gqlIndex{groupByPath: map[string]int64{}, projectByPath: map[string]int64{}, children: map[int64][]int64{}, projectsOf: map[int64][]int64{}}
		for id, g := range w.Groups {
			ix.groupByPath[strings.ToLower(w.FullPath(id))] = id
			if g.ParentID != 0 {
				ix.children[g.ParentID] = append(ix.children[g.ParentID], id)
			}
		}
		for id, p := range w.Projects {
			ix.projectByPath[strings.ToLower(w.ProjectPathWithNamespace(id))] = id
			if p.GroupID != 0 {
				ix.projectsOf[p.GroupID] = append(ix.projectsOf[p.GroupID], id)
			}
		}
		for _, ids := range ix.children {
			slices.Sort(ids)
		}
		for _, ids := range ix.projectsOf {
			slices.Sort(ids)
		}
		return ix
	})
}

// descendants are the group's subgroups (all levels, or only the children).
func (q *gqlReq) descendants(gid int64, all bool) []int64 {
	ix := q.index()
	var out []int64
	queue := []int64{gid}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, ch := range ix.children[cur] {
			out = append(out, ch)
			if all {
				queue = append(queue, ch)
			}
		}
	}
	return out
}

// timeout applies GraphQLOptions.TimeoutMembersOver to a members listing of n rows.
func (q *gqlReq) timeout(n int, field string) error {
	o := q.c.s.opts.GraphQL
	if o.TimeoutMembersOver <= 0 || n <= o.TimeoutMembersOver {
		return nil
	}
	if o.TimeoutAs503 {
		q.timedOut503 = true
		return errors.New(gqlTimedOut503)
	}
	return errors.New("Timeout on " + field)
}

// ---- Query ----

type gqlRoot struct{}

func (*gqlRoot) CurrentUser(ctx context.Context) *gqlUser {
	q := reqOf(ctx)
	if q.me() == nil {
		return nil
	}
	return &gqlUser{q: q, u: q.me()}
}

func (*gqlRoot) Group(ctx context.Context, args struct{ FullPath graphql.ID }) *gqlGroup {
	q := reqOf(ctx)
	id, ok := q.index().groupByPath[strings.ToLower(string(args.FullPath))]
	if !ok || !q.groupReadable(id) {
		return nil
	}
	return &gqlGroup{q: q, g: q.c.world.Groups[id]}
}

func (*gqlRoot) Project(ctx context.Context, args struct{ FullPath graphql.ID }) *gqlProject {
	q := reqOf(ctx)
	id, ok := q.index().projectByPath[strings.ToLower(string(args.FullPath))]
	if !ok {
		return nil
	}
	p := q.c.world.Projects[id]
	if !q.projectReadable(p) {
		return nil
	}
	return &gqlProject{q: q, p: p}
}

type gqlQC struct{ score, limit int32 }

func (c *gqlQC) Score() *int32 { return &c.score }
func (c *gqlQC) Limit() *int32 { return &c.limit }

// QueryComplexity is query_type.rb's query_complexity (context.query): this query's score
// by GitLab's rule and its limit.
func (*gqlRoot) QueryComplexity(ctx context.Context) *gqlQC {
	q := reqOf(ctx)
	return &gqlQC{score: int32(q.score), limit: int32(q.limit)}
}

// orDefault reads a Boolean argument with a default: graph-gophers applies the schema's
// default when the argument is left out but passes null for a variable that is not
// provided, where GraphQL (and graphql-ruby) apply the argument's default; null and
// unset both read as the default here (allAvailable has replace_null_with_default; for
// the others null reads as false in Ruby, which is their default).
func orDefault(b graphql.NullBool, def bool) bool {
	if b.Value == nil {
		return def
	}
	return *b.Value
}

type gqlGroupsArgs struct {
	Ids              *[]graphql.ID
	TopLevelOnly     graphql.NullBool
	OwnedOnly        graphql.NullBool
	Search           *string
	Sort             graphql.NullString
	ParentPath       *graphql.ID
	IncludeSubgroups graphql.NullBool
	AllAvailable     graphql.NullBool
	gqlPageArgs
}

// Groups is Query.groups: GroupsFinder with BaseGroupsResolver's arguments. Served sorts:
// name_asc (the default), name_desc, id_asc, id_desc; others are served as name_asc.
func (*gqlRoot) Groups(ctx context.Context, args gqlGroupsArgs) (*gqlConn[*gqlGroup], error) {
	q := reqOf(ctx)
	w := q.c.world
	var cands []int64
	if args.ParentPath != nil {
		pid, ok := q.index().groupByPath[strings.ToLower(string(*args.ParentPath))]
		if !ok || !q.groupReadable(pid) {
			return nil, fmt.Errorf("Could not find parent group with path %s", string(*args.ParentPath))
		}
		cands = q.descendants(pid, orDefault(args.IncludeSubgroups, false))
	} else {
		for id := range w.Groups {
			cands = append(cands, id)
		}
	}
	ids := gidSet(args.Ids, "Group")
	var gs []*Group
	for _, id := range cands {
		g := w.Groups[id]
		if !q.groupReadable(id) || (ids != nil && !ids[id]) {
			continue
		}
		if orDefault(args.TopLevelOnly, false) && g.ParentID != 0 {
			continue
		}
		if orDefault(args.OwnedOnly, false) && q.groupLevel(g) < Owner {
			continue
		}
		if !orDefault(args.AllAvailable, true) && q.groupLevel(g) == NoAccess {
			continue
		}
		if args.Search != nil && !groupMatches(w, g, *args.Search) {
			continue
		}
		gs = append(gs, g)
	}
	sortKey := "name_asc"
	if args.Sort.Value != nil {
		sortKey = *args.Sort.Value
	}
	return q.groupPage(gs, sortKey, args.gqlPageArgs)
}

func groupMatches(w *World, g *Group, search string) bool {
	s := strings.ToLower(search)
	return strings.Contains(strings.ToLower(g.Name), s) || strings.Contains(strings.ToLower(w.FullPath(g.ID)), s)
}

// gidSet reads global ids of a model ("gid://gitlab/Group/12"); nil when absent.
func gidSet(ids *[]graphql.ID, model string) map[int64]bool {
	if ids == nil {
		return nil
	}
	out := map[int64]bool{}
	for _, id := range *ids {
		if n, err := strconv.ParseInt(strings.TrimPrefix(string(id), "gid://gitlab/"+model+"/"), 10, 64); err == nil {
			out[n] = true
		}
	}
	return out
}

// groupPage sorts groups and serves a page (the listing is small: groups, not members).
func (q *gqlReq) groupPage(gs []*Group, sortKey string, a gqlPageArgs) (*gqlConn[*gqlGroup], error) {
	byName := sortKey != "id_asc" && sortKey != "id_desc"
	desc := sortKey == "name_desc" || sortKey == "id_desc"
	cmp := func(g *Group, name string, id int64) int {
		c := 0
		if byName {
			c = strings.Compare(g.Name, name)
		}
		if c == 0 {
			c = cmpInt64(g.ID, id)
		}
		if desc {
			c = -c
		}
		return c
	}
	slices.SortFunc(gs, func(a, b *Group) int { return cmp(a, b.Name, b.ID) })
	return gqlPage(gs, a,
		func(g *Group) gqlCursorKey {
			k := byID(g.ID)
			if byName {
				k.Name = g.Name
			}
			return k
		},
		func(g *Group, k gqlCursorKey, id int64) int { return cmp(g, k.Name, id) },
		func(g *Group) (*gqlGroup, bool) { return &gqlGroup{q: q, g: g}, q.groupReadable(g.ID) })
}

// ---- Group ----

type gqlGroup struct {
	q *gqlReq
	g *Group
}

func (r *gqlGroup) ID() graphql.ID {
	return graphql.ID("gid://gitlab/Group/" + strconv.FormatInt(r.g.ID, 10))
}
func (r *gqlGroup) Name() string             { return r.g.Name }
func (r *gqlGroup) Path() string             { return r.g.Path }
func (r *gqlGroup) FullName() string         { return r.q.c.world.FullName(r.g.ID) }
func (r *gqlGroup) FullPath() graphql.ID     { return graphql.ID(r.q.c.world.FullPath(r.g.ID)) }
func (r *gqlGroup) Description() *string     { return &r.g.Description }
func (r *gqlGroup) Visibility() *string      { return &r.g.Visibility }
func (r *gqlGroup) WebURL() string           { return r.q.c.groupWebURL(r.g) }
func (r *gqlGroup) CreatedAt() *graphql.Time { return gqlTime(r.g.CreatedAt) }

func (r *gqlGroup) ShareWithGroupLock() *bool {
	v := r.q.c.world.ShareWithGroupLocked(r.g.ID)
	return &v
}

// Parent is group_type.rb's parent, authorized by read_group (null when unreadable).
func (r *gqlGroup) Parent() *gqlGroup {
	p := r.q.c.world.Groups[r.g.ParentID]
	if p == nil || !r.q.groupReadable(p.ID) {
		return nil
	}
	return &gqlGroup{q: r.q, g: p}
}

// MaxAccessLevel is the caller's max_member_access_for_group_ids (NO_ACCESS anonymous).
func (r *gqlGroup) MaxAccessLevel() *gqlAccess {
	if r.q.me() == nil {
		return &gqlAccess{NoAccess}
	}
	return &gqlAccess{r.q.c.world.membersWithParents(r.g.ID, r.q.me().ID)[r.q.me().ID]}
}

// DescendantGroupsCount: "Count of direct descendant groups of the group."
func (r *gqlGroup) DescendantGroupsCount() int32 { return int32(len(r.q.index().children[r.g.ID])) }

// GroupMembersCount: "Count of direct members of the group.": Group.group_members_counts
// counts the group_members association (app/models/group.rb), where(requested_at: nil):
// every direct row, invitations, awaiting and Minimal Access rows included (expired
// rows are gone).
func (r *gqlGroup) GroupMembersCount() int32 {
	w := r.q.c.world
	today := w.today()
	n := 0
	for _, m := range w.GroupMembers[r.g.ID] {
		if rowListedOn(m, today, true) {
			n++
		}
	}
	for _, inv := range w.GroupInvitations[r.g.ID] {
		if inv != nil && !expiredOn(inv.ExpiresAt, today) {
			n++
		}
	}
	return int32(n)
}

// ProjectsCount: "Count of direct projects in the group." (projects_counts: its
// non-archived projects; the fake has no archived ones).
func (r *gqlGroup) ProjectsCount() int32 { return int32(len(r.q.index().projectsOf[r.g.ID])) }

type gqlDescendantArgs struct {
	IncludeParentDescendants graphql.NullBool
	Owned                    *bool
	Search                   *string
	Ids                      *[]graphql.ID
	gqlPageArgs
}

// DescendantGroups is NestedGroupsResolver: GroupsFinder(parent:,
// include_parent_descendants: default true), the groups the caller can read, sorted
// name_asc (its default sort).
func (r *gqlGroup) DescendantGroups(args gqlDescendantArgs) (*gqlConn[*gqlGroup], error) {
	q := r.q
	all := orDefault(args.IncludeParentDescendants, true)
	key := fmt.Sprintf("gql descendantGroups %d all=%v %s", r.g.ID, all, q.viewerKey())
	gs := cachedListing(q.c.s, key, func() []*Group {
		var out []*Group
		for _, id := range q.descendants(r.g.ID, all) {
			if q.groupReadable(id) {
				out = append(out, q.c.world.Groups[id])
			}
		}
		slices.SortFunc(out, func(a, b *Group) int {
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return cmpInt64(a.ID, b.ID)
		})
		return out
	})
	ids := gidSet(args.Ids, "Group")
	if ids != nil || (args.Owned != nil && *args.Owned) || args.Search != nil {
		var kept []*Group
		for _, g := range gs {
			if (ids != nil && !ids[g.ID]) || (args.Owned != nil && *args.Owned && q.groupLevel(g) < Owner) ||
				(args.Search != nil && !groupMatches(q.c.world, g, *args.Search)) {
				continue
			}
			kept = append(kept, g)
		}
		gs = kept
	}
	return gqlPage(gs, args.gqlPageArgs,
		func(g *Group) gqlCursorKey { k := byID(g.ID); k.Name = g.Name; return k },
		func(g *Group, k gqlCursorKey, id int64) int {
			if c := strings.Compare(g.Name, k.Name); c != 0 {
				return c
			}
			return cmpInt64(g.ID, id)
		},
		func(g *Group) (*gqlGroup, bool) { return &gqlGroup{q: q, g: g}, true })
}

type gqlProjectsArgs struct {
	IncludeSubgroups graphql.NullBool
	IncludeArchived  graphql.NullBool
	Search           *string
	Ids              *[]graphql.ID
	gqlPageArgs
}

// Projects is NamespaceProjectsResolver (Namespaces::ProjectsFinder): the group's projects,
// with includeSubgroups its descendants' too, by id; ProjectType's read_project redacts
// the ones the caller cannot read. The fake has no archived projects.
func (r *gqlGroup) Projects(args gqlProjectsArgs) (*gqlConn[*gqlProject], error) {
	q := r.q
	sub := orDefault(args.IncludeSubgroups, false)
	key := fmt.Sprintf("gql projects %d sub=%v", r.g.ID, sub)
	ps := cachedListing(q.c.s, key, func() []int64 {
		ix := q.index()
		out := slices.Clone(ix.projectsOf[r.g.ID])
		if sub {
			for _, d := range q.descendants(r.g.ID, true) {
				out = append(out, ix.projectsOf[d]...)
			}
		}
		slices.Sort(out)
		return out
	})
	ids := gidSet(args.Ids, "Project")
	if ids != nil || args.Search != nil {
		var kept []int64
		for _, id := range ps {
			p := q.c.world.Projects[id]
			if ids != nil && !ids[id] {
				continue
			}
			if args.Search != nil {
				s := strings.ToLower(*args.Search)
				if !strings.Contains(strings.ToLower(p.Name), s) && !strings.Contains(strings.ToLower(p.Path), s) {
					continue
				}
			}
			kept = append(kept, id)
		}
		ps = kept
	}
	return gqlPage(ps, args.gqlPageArgs, byID,
		func(id int64, _ gqlCursorKey, cid int64) int { return cmpByID(id, cid) },
		func(id int64) (*gqlProject, bool) {
			p := q.c.world.Projects[id]
			return &gqlProject{q: q, p: p}, q.projectReadable(p)
		})
}

type gqlMembersArgs struct {
	Relations    []string
	AccessLevels *[]string
	Search       *string
	gqlPageArgs
}

// GroupMembers is GroupMembersResolver: authorize :read_group_member, then
// GroupMembersFinder's rows (graphql_members.go), each redacted unless the caller can
// read its group (GroupMemberType authorize :read_group).
func (r *gqlGroup) GroupMembers(args gqlMembersArgs) (*gqlConn[*gqlMember], error) {
	q := r.q
	if !q.canReadGroupMembers(r.g) {
		return nil, errors.New(gqlResourceError)
	}
	rels := gqlRelations{"direct": true, "inherited": true}
	if args.Relations != nil {
		rels = newRelations(args.Relations)
	}
	rows := q.gqlGroupMemberRows(r.g, rels)
	if err := q.timeout(len(rows), "Group.groupMembers"); err != nil {
		return nil, err
	}
	return q.memberPage(rows, args)
}

// memberPage filters (accessLevels, search) and pages a members listing.
func (q *gqlReq) memberPage(rows []gqlMemberRow, args gqlMembersArgs) (*gqlConn[*gqlMember], error) {
	if args.AccessLevels != nil || args.Search != nil {
		levels := map[AccessLevel]bool{}
		if args.AccessLevels != nil {
			for _, l := range *args.AccessLevels {
				levels[accessLevelFromEnum(l)] = true
			}
		}
		var kept []gqlMemberRow
		for _, m := range rows {
			// Member.by_access_level is active.where(access_level:): active keeps email
			// invitations and active users, above Minimal Access (app/models/member.rb).
			if args.AccessLevels != nil && (!levels[m.level] || m.level <= MinimalAccess || (m.user != nil && m.user.State != StateActive)) {
				continue
			}
			// Member.search joins users: invitations never match.
			if args.Search != nil && (m.user == nil || !userMatchesSearch(m.user, strings.ToLower(*args.Search), q.c.isAdmin())) {
				continue
			}
			kept = append(kept, m)
		}
		rows = kept
	}
	return gqlPage(rows, args.gqlPageArgs,
		func(m gqlMemberRow) gqlCursorKey { return byID(m.id) },
		func(m gqlMemberRow, _ gqlCursorKey, id int64) int { return cmpByID(m.id, id) },
		func(m gqlMemberRow) (*gqlMember, bool) {
			ok := true
			if m.group != 0 {
				ok = q.groupReadable(m.group)
			} else if p := q.c.world.Projects[m.project]; p != nil {
				ok = q.projectReadable(p)
			}
			return &gqlMember{q: q, m: m}, ok
		})
}

// ---- Project ----

type gqlProject struct {
	q *gqlReq
	p *Project
}

func (r *gqlProject) ID() graphql.ID {
	return graphql.ID("gid://gitlab/Project/" + strconv.FormatInt(r.p.ID, 10))
}
func (r *gqlProject) Name() string { return r.p.Name }
func (r *gqlProject) Path() string { return r.p.Path }
func (r *gqlProject) FullPath() graphql.ID {
	return graphql.ID(r.q.c.world.ProjectPathWithNamespace(r.p.ID))
}
func (r *gqlProject) NameWithNamespace() string { return r.q.c.projectNameWithNamespace(r.p) }
func (r *gqlProject) Description() *string      { return &r.p.Description }
func (r *gqlProject) Visibility() *string       { return &r.p.Visibility }
func (r *gqlProject) WebURL() *string {
	u := r.q.c.baseURL() + "/" + r.q.c.world.ProjectPathWithNamespace(r.p.ID)
	return &u
}
func (r *gqlProject) CreatedAt() *graphql.Time { return gqlTime(r.p.CreatedAt) }
func (r *gqlProject) Archived() *bool          { f := false; return &f }

func (r *gqlProject) Group() *gqlGroup {
	g := r.q.c.world.Groups[r.p.GroupID]
	if g == nil || !r.q.groupReadable(g.ID) {
		return nil
	}
	return &gqlGroup{q: r.q, g: g}
}

// ProjectMembers is ProjectMembersResolver: authorize :read_project_member (the fake:
// read_project), then MembersFinder's rows (graphql_members.go).
func (r *gqlProject) ProjectMembers(args gqlMembersArgs) (*gqlConn[*gqlMember], error) {
	q := r.q
	if !q.projectReadable(r.p) {
		return nil, errors.New(gqlResourceError)
	}
	rels := gqlRelations{"direct": true, "inherited": true}
	if args.Relations != nil {
		rels = newRelations(args.Relations)
	}
	rows := q.gqlProjectMemberRows(r.p, rels)
	if err := q.timeout(len(rows), "Project.projectMembers"); err != nil {
		return nil, err
	}
	return q.memberPage(rows, args)
}

// ---- members ----

type gqlMember struct {
	q *gqlReq
	m gqlMemberRow
}

// ID is the member's global id (Types::BaseObject#id: GitlabSchema.id_from_object, the
// STI class GroupMember or ProjectMember).
func (r *gqlMember) ID() graphql.ID {
	kind := "GroupMember"
	if r.m.group == 0 {
		kind = "ProjectMember"
	}
	return graphql.ID("gid://gitlab/" + kind + "/" + strconv.FormatInt(r.m.id, 10))
}
func (r *gqlMember) AccessLevel() *gqlAccess             { return &gqlAccess{r.m.level} }
func (r *gqlMember) CreatedAt() *graphql.Time            { return gqlTime(r.m.createdAt) }
func (r *gqlMember) UpdatedAt() *graphql.Time            { return gqlTime(r.m.createdAt) }
func (r *gqlMember) ExpiresAt() *graphql.Time            { return gqlDate(r.m.expiresAt) }
func (r *gqlMember) User() *gqlUser                      { return userOrNil(r.q, r.m.user) }
func (r *gqlMember) CreatedBy() *gqlUser                 { return userOrNil(r.q, r.q.c.world.Users[r.m.createdBy]) }
func (r *gqlMember) ToGroupMember() (*gqlMember, bool)   { return r, r.m.group != 0 }
func (r *gqlMember) ToProjectMember() (*gqlMember, bool) { return r, r.m.group == 0 }

func (r *gqlMember) Group() *gqlGroup {
	g := r.q.c.world.Groups[r.m.group]
	if g == nil || !r.q.groupReadable(g.ID) {
		return nil
	}
	return &gqlGroup{q: r.q, g: g}
}

func (r *gqlMember) Project() *gqlProject {
	p := r.q.c.world.Projects[r.m.project]
	if p == nil || !r.q.projectReadable(p) {
		return nil
	}
	return &gqlProject{q: r.q, p: p}
}

// ---- AccessLevel ----

type gqlAccess struct{ l AccessLevel }

var accessEnum = map[AccessLevel]string{
	NoAccess: "NO_ACCESS", MinimalAccess: "MINIMAL_ACCESS", Guest: "GUEST", Planner: "PLANNER",
	Reporter: "REPORTER", Developer: "DEVELOPER", Maintainer: "MAINTAINER", Owner: "OWNER",
}

func accessLevelFromEnum(s string) AccessLevel {
	for l, name := range accessEnum {
		if name == s {
			return l
		}
	}
	return -1
}

func (a *gqlAccess) IntegerValue() *int32 { n := int32(a.l); return &n }
func (a *gqlAccess) StringValue() *string {
	s, ok := accessEnum[a.l]
	if !ok {
		return nil
	}
	return &s
}

// HumanAccess is Gitlab::Access.human_access_with_none.
func (a *gqlAccess) HumanAccess() *string { s := a.l.String(); return &s }

// ---- users ----

// gqlUserID is the UserID scalar (Types::GlobalIDType[::User]): "gid://gitlab/User/5".
type gqlUserID string

func (gqlUserID) ImplementsGraphQLType(name string) bool { return name == "UserID" }
func (id *gqlUserID) UnmarshalGraphQL(input any) error {
	s, ok := input.(string)
	if !ok {
		return fmt.Errorf("%v is not a valid GitLab ID.", input)
	}
	*id = gqlUserID(s)
	return nil
}
func (id gqlUserID) MarshalJSON() ([]byte, error) { return json.Marshal(string(id)) }

type gqlUser struct {
	q *gqlReq
	u *User
}

func userOrNil(q *gqlReq, u *User) *gqlUser {
	if u == nil {
		return nil
	}
	return &gqlUser{q: q, u: u}
}

func (r *gqlUser) ID() gqlUserID {
	return gqlUserID("gid://gitlab/User/" + strconv.FormatInt(r.u.ID, 10))
}
func (r *gqlUser) Username() string     { return r.u.Username }
func (r *gqlUser) Name() string         { return r.u.Name }
func (r *gqlUser) State() string        { return r.u.State }
func (r *gqlUser) WebURL() string       { return r.q.c.baseURL() + "/" + r.u.Username }
func (r *gqlUser) AvatarURL() *string   { s := avatarURL(r.u.Email); return &s }
func (r *gqlUser) PublicEmail() *string { return nil }
func (r *gqlUser) Bot() bool            { return r.u.Bot }
func (r *gqlUser) Active() *bool        { v := r.u.State == StateActive; return &v }
func (r *gqlUser) Human() *bool         { v := !r.u.Bot; return &v }
func (r *gqlUser) CreatedAt() *graphql.Time {
	return gqlTime(r.u.CreatedAt)
}

// ---- scalars ----

func gqlTime(t time.Time) *graphql.Time {
	if t.IsZero() {
		return nil
	}
	return &graphql.Time{Time: t.UTC()}
}

// gqlDate renders a DATE column (members.expires_at) as Types::TimeType does: midnight UTC.
func gqlDate(d string) *graphql.Time {
	if d == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return nil
	}
	return &graphql.Time{Time: t}
}
