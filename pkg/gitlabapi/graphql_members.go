package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Reading the direct members of many groups and projects through GraphQL: chunks of
// groups by id (81 a user's POST; 67 with their shared groups), each with its first 100 direct members and its own
// projects (100, each with its first 100 direct members), further pages of a group's
// projects, then follow-up pages (8 containers a query, by aliases) for those with
// more; as many of these queries in one POST (a multiplex) as GitLab's complexity limit
// (250, summed over the multiplex) and query size allow. A query GitLab refuses or
// fails is split (groups), or asks a smaller page (projects); what still fails is left
// out of the answer, and the caller reads it over REST.

// GraphQLMember is one direct membership read through GraphQL.
type GraphQLMember struct {
	MemberGID   string // the membership's global id (gid://gitlab/GroupMember/N)
	UserID      int64  // 0: an email invitation (GraphQL shows it with user null, no email)
	Username    string
	Name        string
	State       string
	WebURL      string
	AccessLevel gitlab.AccessLevelValue
	ExpiresAt   Date // YYYY-MM-DD or ""
}

// DirectMembersRead says what to read and where the answers go. A container is given
// to OnGroup/OnProject once, with all its direct members, or not at all.
type DirectMembersRead struct {
	Groups []int64 // groups to read, by id
	// With: what each group of Groups is read with (nested in the same query): its own
	// projects, the groups it is invited to. A GitLab without Group.sharedGroups (before
	// 18.4) answers that the field does not exist: the groups are read again without it.
	With GroupsWith
	// Projects are further projects read one by one (by aliases, 8 a query): those below
	// no group (personal projects).
	Projects []int64
	// OnGroup gets a group's direct members and what GraphQL told of its shares.
	OnGroup   func(id int64, rows []GraphQLMember, shares GroupShareSignals)
	OnProject func(id int64, rows []GraphQLMember)
	// GroupPath and ProjectPath give the full path of a container to read follow-up pages.
	GroupPath   func(id int64) string
	ProjectPath func(id int64) string
	// MaxComplexity of one POST; GraphQLMaxComplexity when 0.
	MaxComplexity int
}

// GroupShareSignals is what a group's GraphQL answer tells of the shares that may give
// access to it.
type GroupShareSignals struct {
	// Reached: someone reaches the group through a group shared into it or an ancestor
	// (the shared probe found a row, or could not tell).
	Reached bool
	// From are the groups the probe's rows come from (GitLab leaves out the rows of a
	// group the token cannot read), all of them when Complete (one page held every row).
	From     []int64
	Complete bool
	// InvitedTo are the groups this group is invited to (Group.sharedGroups), complete
	// when Listed (the field answered, on one page).
	InvitedTo []int64
	Listed    bool
}

// DirectMembersSummary is how the reading went.
type DirectMembersSummary struct {
	Posts   int
	Skipped []string // what was left to REST, and why
}

// ReadDirectMembers runs r. The error is one that ends the reading: no GraphQL API
// (NotFound), refused credentials, a rate limit to wait for, an outage, a cancellation.
// Everything read until then has been delivered.
func (c *Client) ReadDirectMembers(ctx context.Context, r DirectMembersRead) (DirectMembersSummary, error) {
	rd := &membersReader{c: c, r: r, partial: map[containerKey][]GraphQLMember{}}
	if rd.r.MaxComplexity <= 0 {
		rd.r.MaxComplexity = GraphQLMaxComplexity
	}
	chunk := GroupsMembersChunk(r.With, rd.r.MaxComplexity)
	for i := 0; i < len(r.Groups); i += chunk {
		rd.queue = append(rd.queue, rd.groupsItem(r.Groups[i:min(i+chunk, len(r.Groups))], r.With))
	}
	for _, id := range r.Projects {
		rd.more = append(rd.more, moreState{key: containerKey{Projects, id}})
	}
	err := rd.run(ctx)
	return rd.sum, err
}

type containerKey struct {
	kind SourceKind
	id   int64
}

type membersReader struct {
	c       *Client
	r       DirectMembersRead
	queue   []*gqlItem
	more    []moreState
	partial map[containerKey][]GraphQLMember
	shared  map[int64]GroupShareSignals
	sum     DirectMembersSummary
}

type moreState struct {
	key    containerKey
	cursor string
}

// gqlItem is one query of a POST: its operation, its answer and what to do with it.
type gqlItem struct {
	op Operation
	// groups and with: a chunk of groups' ids and what it reads with them (nil for the
	// other queries).
	groups []int64
	with   GroupsWith
	out    any
	done   func()          // the answer arrived (possibly with errors beside data)
	fail   func(err error) // no usable answer
}

func (rd *membersReader) skip(what string, err error) {
	rd.sum.Skipped = append(rd.sum.Skipped, fmt.Sprintf("%s: %v", what, err))
}

func (rd *membersReader) run(ctx context.Context) error {
	for len(rd.queue) > 0 || len(rd.more) > 0 {
		for len(rd.more) > 0 {
			n := min(8, len(rd.more))
			rd.queue = append(rd.queue, rd.moreItem(rd.more[:n]))
			rd.more = rd.more[n:]
		}
		batch, size, cost := []*gqlItem{}, 0, 0
		for len(rd.queue) > 0 {
			it := rd.queue[0]
			q := it.op.Query()
			if len(batch) > 0 && (cost+it.op.Complexity() > rd.r.MaxComplexity || size+len(q.Query) > GraphQLMaxQuerySize) {
				break
			}
			batch, cost, size = append(batch, it), cost+it.op.Complexity(), size+len(q.Query)
			rd.queue = rd.queue[1:]
		}
		ops, outs := make([]GraphQLQuery, len(batch)), make([]any, len(batch))
		for i, it := range batch {
			ops[i], outs[i] = it.op.Query(), it.out
			if r, ok := it.out.(interface{ reset() }); ok {
				r.reset()
			}
		}
		rd.sum.Posts++
		if err := rd.c.GraphQL(ctx, ops, outs); err != nil {
			if endsReading(err) {
				return err
			}
			for _, it := range batch {
				it.fail(err)
			}
			continue
		}
		if limit, ok := complexityLimit(outs); ok && limit < rd.r.MaxComplexity && len(batch) > 1 {
			// The whole multiplex was refused for its summed complexity: send the same
			// queries again under GitLab's limit (it names it).
			rd.r.MaxComplexity = limit
			rd.queue = append(batch, rd.queue...)
			continue
		}
		for _, it := range batch {
			it.done()
		}
	}
	return nil
}

// maxComplexityRe reads graphql-ruby's "Query has complexity of N, which exceeds max
// complexity of M".
var maxComplexityRe = regexp.MustCompile(`exceeds max complexity of ([0-9]+)`)

// complexityLimit is the limit a refused multiplex names, if every answer is that refusal.
func complexityLimit(outs []any) (int, bool) {
	limit := 0
	for _, o := range outs {
		e, ok := o.(interface{ Err() error })
		if !ok {
			return 0, false
		}
		var ge *GraphQLErrors
		if !errors.As(e.Err(), &ge) {
			return 0, false
		}
		m := maxComplexityRe.FindStringSubmatch(ge.Error())
		if m == nil {
			return 0, false
		}
		limit, _ = strconv.Atoi(m[1])
	}
	return limit, limit > 0
}

// endsReading: errors after which no other query would fare better.
func endsReading(err error) bool {
	switch status.Code(err) {
	case codes.NotFound, codes.Unauthenticated, codes.PermissionDenied, codes.Aborted, codes.Canceled, codes.DeadlineExceeded:
		return true
	}
	return HTTPStatus(err) == http.StatusTooManyRequests || errors.Is(err, context.Canceled)
}

// ---- the answers ----

type gqlPageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

type gqlMemberNode struct {
	ID          string `json:"id"`
	AccessLevel *struct {
		IntegerValue int `json:"integerValue"`
	} `json:"accessLevel"`
	ExpiresAt string `json:"expiresAt"`
	User      *struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		State    string `json:"state"`
		WebURL   string `json:"webUrl"`
	} `json:"user"`
}

type gqlMembersConn struct {
	PageInfo gqlPageInfo     `json:"pageInfo"`
	Nodes    []gqlMemberNode `json:"nodes"`
}

type gqlGroupsAnswer struct {
	Groups *struct {
		Nodes []struct {
			ID           string           `json:"id"`
			GroupMembers *gqlMembersConn  `json:"groupMembers"`
			Shared       *gqlSharedProbe  `json:"shared"`
			Projects     *gqlProjectsConn `json:"projects"`
			SharedGroups *gqlGroupIDsConn `json:"sharedGroups"`
		} `json:"nodes"`
	} `json:"groups"`
}

type gqlSharedProbe struct {
	PageInfo gqlPageInfo   `json:"pageInfo"`
	Nodes    []gqlProbeRow `json:"nodes"`
}

// gqlProbeRow is a shared probe's row: the group the membership is of.
type gqlProbeRow struct {
	Group *struct {
		ID string `json:"id"`
	} `json:"group"`
}

type gqlGroupIDsConn struct {
	PageInfo gqlPageInfo `json:"pageInfo"`
	Nodes    []struct {
		ID string `json:"id"`
	} `json:"nodes"`
}

func withoutSharedGroups(w GroupsWith) GroupsWith {
	w.SharedGroups = false
	return w
}

// shareSignals reads a group's shared probe and sharedGroups. A probe GitLab did not
// answer counts as "someone may be reached".
func shareSignals(probe *gqlSharedProbe, invited *gqlGroupIDsConn) GroupShareSignals {
	s := GroupShareSignals{Reached: true}
	if probe != nil {
		s.Reached = len(probe.Nodes) > 0 || probe.PageInfo.HasNextPage
		s.Complete = !probe.PageInfo.HasNextPage
		seen := map[int64]bool{}
		for _, n := range probe.Nodes {
			id, ok := int64(0), false
			if n.Group != nil {
				id, ok = gidNumber(n.Group.ID)
			}
			if !ok {
				s.Complete = false // a row without its group: it cannot be told where it comes from
				continue
			}
			if !seen[id] {
				seen[id] = true
				s.From = append(s.From, id)
			}
		}
	}
	if invited != nil && !invited.PageInfo.HasNextPage {
		s.Listed = true
		for _, n := range invited.Nodes {
			if id, ok := gidNumber(n.ID); ok {
				s.InvitedTo = append(s.InvitedTo, id)
			}
		}
	}
	return s
}

type gqlProjectsConn struct {
	PageInfo gqlPageInfo `json:"pageInfo"`
	Nodes    []struct {
		ID             string          `json:"id"`
		ProjectMembers *gqlMembersConn `json:"projectMembers"`
	} `json:"nodes"`
}

type gqlProjectsAnswer struct {
	Group *struct {
		Projects *gqlProjectsConn `json:"projects"`
	} `json:"group"`
}

type gqlMoreAnswer map[string]*struct {
	GroupMembers   *gqlMembersConn `json:"groupMembers"`
	ProjectMembers *gqlMembersConn `json:"projectMembers"`
}

// retryable: a failure a smaller query may avoid (a refusal, a timeout, a POST that
// failed after its retries), not one every query would meet.
func retryable(err error) bool {
	var ge *GraphQLErrors
	if errors.As(err, &ge) {
		return ge.TooBig()
	}
	return err != nil
}

// gidNumber is the number of a global id ("gid://gitlab/Group/12" → 12).
func gidNumber(gid string) (int64, bool) {
	i := strings.LastIndexByte(gid, '/')
	n, err := strconv.ParseInt(gid[i+1:], 10, 64)
	return n, err == nil && n > 0
}

func toGraphQLMembers(nodes []gqlMemberNode) []GraphQLMember {
	out := make([]GraphQLMember, 0, len(nodes))
	for _, n := range nodes {
		m := GraphQLMember{MemberGID: n.ID}
		if n.AccessLevel != nil {
			m.AccessLevel = gitlab.AccessLevelValue(n.AccessLevel.IntegerValue)
		}
		if len(n.ExpiresAt) >= 10 {
			m.ExpiresAt = Date(n.ExpiresAt[:10])
		}
		if u := n.User; u != nil {
			id, ok := gidNumber(u.ID)
			if !ok {
				continue
			}
			m.UserID, m.Username, m.Name, m.State, m.WebURL = id, u.Username, u.Name, u.State, u.WebURL
		}
		out = append(out, m)
	}
	return out
}

// page takes one page of a container's members: delivered when complete, else queued
// for a follow-up.
func (rd *membersReader) page(k containerKey, conn *gqlMembersConn) {
	rows := append(rd.partial[k], toGraphQLMembers(conn.Nodes)...)
	if conn.PageInfo.HasNextPage && conn.PageInfo.EndCursor != "" {
		rd.partial[k] = rows
		rd.more = append(rd.more, moreState{key: k, cursor: conn.PageInfo.EndCursor})
		return
	}
	delete(rd.partial, k)
	if k.kind == Groups {
		rd.r.OnGroup(k.id, rows, rd.shared[k.id])
		delete(rd.shared, k.id)
	} else {
		rd.r.OnProject(k.id, rows)
	}
}

func (rd *membersReader) groupsItem(ids []int64, with GroupsWith) *gqlItem {
	out := &GraphQLResponse[gqlGroupsAnswer]{}
	it := &gqlItem{op: GroupsMembersOperation(ids, with), out: out, groups: ids, with: with}
	it.fail = func(err error) {
		var ge *GraphQLErrors
		switch {
		case with.SharedGroups && errors.As(err, &ge) && ge.any("'sharedGroups' doesn't exist"):
			// A GitLab before 18.4: no Group.sharedGroups; the shared probe alone then,
			// for these groups and for the chunks still queued.
			rd.r.With.SharedGroups = false
			for i, q := range rd.queue {
				if q.groups != nil && q.with.SharedGroups {
					rd.queue[i] = rd.groupsItem(q.groups, withoutSharedGroups(q.with))
				}
			}
			rd.queue = append(rd.queue, rd.groupsItem(ids, withoutSharedGroups(with)))
		case len(ids) > 1 && retryable(err):
			h := len(ids) / 2
			rd.queue = append(rd.queue, rd.groupsItem(ids[:h], with), rd.groupsItem(ids[h:], with))
		case with.Projects && retryable(err):
			// One group with its projects is still too much: the group, then its projects
			// in pages of their own (which shrink further if they must).
			alone := with
			alone.Projects = false
			rd.queue = append(rd.queue, rd.groupsItem(ids, alone), rd.projectsItem(rd.r.GroupPath(ids[0]), GraphQLMaxPageSize, ""))
		default:
			rd.skip(fmt.Sprintf("the members of group %d", ids[0]), err)
			if with.Projects {
				rd.skip(fmt.Sprintf("the projects of group %d", ids[0]), err)
			}
		}
	}
	it.done = func() {
		if out.Data == nil || out.Data.Groups == nil {
			it.fail(out.Err())
			return
		}
		for _, g := range out.Data.Groups.Nodes {
			id, ok := gidNumber(g.ID)
			if !ok {
				continue
			}
			if g.GroupMembers == nil {
				rd.skip(fmt.Sprintf("the members of group %d", id), out.Err())
			} else {
				if rd.shared == nil {
					rd.shared = map[int64]GroupShareSignals{}
				}
				rd.shared[id] = shareSignals(g.Shared, g.SharedGroups)
				rd.page(containerKey{Groups, id}, g.GroupMembers)
			}
			if !with.Projects {
				continue
			}
			if g.Projects == nil {
				rd.skip(fmt.Sprintf("the projects of group %d", id), out.Err())
				continue
			}
			rd.projectsPage(g.Projects, out.Err)
			if pi := g.Projects.PageInfo; pi.HasNextPage && pi.EndCursor != "" {
				rd.queue = append(rd.queue, rd.projectsItem(rd.r.GroupPath(id), GraphQLMaxPageSize, pi.EndCursor))
			}
		}
	}
	return it
}

// projectsPage takes a page of projects, each with its first page of members.
func (rd *membersReader) projectsPage(ps *gqlProjectsConn, errs func() error) {
	for _, p := range ps.Nodes {
		id, ok := gidNumber(p.ID)
		if !ok {
			continue
		}
		if p.ProjectMembers == nil {
			rd.skip(fmt.Sprintf("the members of project %d", id), errs())
			continue
		}
		rd.page(containerKey{Projects, id}, p.ProjectMembers)
	}
}

func (rd *membersReader) projectsItem(root string, first int, after string) *gqlItem {
	out := &GraphQLResponse[gqlProjectsAnswer]{}
	it := &gqlItem{op: ProjectsMembersOperation(root, first, after), out: out}
	it.fail = func(err error) {
		if err == nil {
			rd.skip("the projects of "+root, errors.New("GitLab answered no such group"))
			return
		}
		if first > 10 && retryable(err) {
			rd.queue = append(rd.queue, rd.projectsItem(root, first/2, after))
			return
		}
		rd.skip("the members of the projects of "+root, err)
	}
	it.done = func() {
		if out.Data == nil || out.Data.Group == nil || out.Data.Group.Projects == nil {
			it.fail(out.Err())
			return
		}
		ps := out.Data.Group.Projects
		rd.projectsPage(ps, out.Err)
		if ps.PageInfo.HasNextPage && ps.PageInfo.EndCursor != "" {
			rd.queue = append(rd.queue, rd.projectsItem(root, first, ps.PageInfo.EndCursor))
		}
	}
	return it
}

func (rd *membersReader) moreItem(states []moreState) *gqlItem {
	states = append([]moreState(nil), states...)
	items := make([]MoreMembers, len(states))
	for i, s := range states {
		path := ""
		if s.key.kind == Groups {
			path = rd.r.GroupPath(s.key.id)
		} else {
			path = rd.r.ProjectPath(s.key.id)
		}
		items[i] = MoreMembers{Kind: s.key.kind, FullPath: path, Cursor: s.cursor}
	}
	out := &GraphQLResponse[gqlMoreAnswer]{}
	it := &gqlItem{op: MoreMembersOperation(items), out: out}
	it.fail = func(err error) {
		if len(states) > 1 && retryable(err) {
			h := len(states) / 2
			rd.queue = append(rd.queue, rd.moreItem(states[:h]), rd.moreItem(states[h:]))
			return
		}
		delete(rd.partial, states[0].key)
		rd.skip(fmt.Sprintf("the members of %s %d", states[0].key.kind.Singular(), states[0].key.id), err)
	}
	it.done = func() {
		if out.Data == nil {
			it.fail(out.Err())
			return
		}
		for i, s := range states {
			a := (*out.Data)[fmt.Sprintf("m%d", i)]
			var conn *gqlMembersConn
			if a != nil {
				conn = a.GroupMembers
				if s.key.kind == Projects {
					conn = a.ProjectMembers
				}
			}
			if conn == nil {
				delete(rd.partial, s.key)
				rd.skip(fmt.Sprintf("the members of %s %d", s.key.kind.Singular(), s.key.id), out.Err())
				continue
			}
			rd.page(s.key, conn)
		}
	}
	return it
}
