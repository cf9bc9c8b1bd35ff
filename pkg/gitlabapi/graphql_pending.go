package gitlabapi

import (
	"context"
	"fmt"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Group.pendingMembers (EE; ee/app/graphql/resolvers/pending_group_members_resolver.rb):
// the members awaiting a seat and the email invitations of a top-level group's whole
// hierarchy (Member.distinct_awaiting_or_invited_for_group: one row per user and one per
// invited email), for the group's Owners and administrators; null for a subgroup. The
// same rows as REST GET /groups/:id/pending_members, with what REST's invitation
// listings give (email, access level, expiry, creation), and each row's id is its
// membership's global id — the id groupMembers and projectMembers show on the same
// row — so an invitation row there (user null) is matched to its email without a REST
// listing per group and project. Many top-level groups a POST, by aliases.

// GraphQLPendingMember is one row of Group.pendingMembers.
type GraphQLPendingMember struct {
	MemberGID   string // gid://gitlab/GroupMember/N or gid://gitlab/ProjectMember/N
	Username    string // "" on an invitation's row
	Email       string // the invitation's email (case kept); a user's primary email
	Invited     bool
	Approved    bool // false: awaiting a seat
	AccessLevel gitlab.AccessLevelValue
	ExpiresAt   Date
	CreatedAt   Time
}

// PendingMembersPage is a top-level group's page of pending members after Cursor
// ("" for the first page).
type PendingMembersPage struct {
	FullPath string
	Cursor   string
}

// pendingMemberNodes — 10: nodes { id username email invited approved accessLevel {
// integerValue } expiresAt createdAt }.
func pendingMemberNodes() Field {
	return plain("nodes", append(plains("id", "username", "email", "invited", "approved"),
		plain("accessLevel", plains("integerValue")...), plain("expiresAt"), plain("createdAt"))...)
}

// PendingMembersOperation reads a page of several top-level groups' pending members, one
// alias each (g0, g1...): group(fullPath:) { pendingMembers(first: 100, after:) } — 29 each.
func PendingMembersOperation(pages []PendingMembersPage) Operation {
	op := aliasedPages("PendingMembers", len(pages))
	for i, pg := range pages {
		p, c := op.pageVars(i, pg.FullPath, pg.Cursor)
		conn := Field{Name: "pendingMembers", Args: "first: 100, after: $" + c, Kind: Connection, Extra: 1, First: 100,
			Children: []Field{pageInfoField(), pendingMemberNodes()}}
		op.Fields = append(op.Fields, Field{Alias: fmt.Sprintf("g%d", i), Name: "group", Args: "fullPath: $" + p,
			Kind: Resolver, Extra: 1, Children: []Field{conn}})
	}
	return op.Operation
}

type gqlPendingNode struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Email       string `json:"email"`
	Invited     bool   `json:"invited"`
	Approved    bool   `json:"approved"`
	AccessLevel *struct {
		IntegerValue int `json:"integerValue"`
	} `json:"accessLevel"`
	ExpiresAt Date `json:"expiresAt"`
	CreatedAt Time `json:"createdAt"`
}

type gqlPendingGroup struct {
	PendingMembers *struct {
		PageInfo gqlPageInfo      `json:"pageInfo"`
		Nodes    []gqlPendingNode `json:"nodes"`
	} `json:"pendingMembers"`
}

type gqlPendingAnswer map[string]*gqlPendingGroup

// PendingMembersRead is the answer of ReadPendingMembers: each top-level group's rows
// (all its pages), or why they could not be read (the token is not an Owner there, a
// GitLab without the field — Community Edition —, a refusal).
type PendingMembersRead struct {
	Rows   map[string][]GraphQLPendingMember // by full path
	Failed map[string]error
	Posts  int
}

// ReadPendingMembers reads the pending members of top-level groups (full paths), as many
// a POST as GitLab's complexity limit (maxComplexity; GraphQLMaxComplexity when 0) and
// query size allow. The error ends the reading (no GraphQL API, refused credentials, a
// rate limit, a cancellation); a group GitLab refused is in Failed.
func (c *Client) ReadPendingMembers(ctx context.Context, roots []string, maxComplexity int) (PendingMembersRead, error) {
	if maxComplexity <= 0 {
		maxComplexity = GraphQLMaxComplexity
	}
	res := PendingMembersRead{Rows: map[string][]GraphQLPendingMember{}, Failed: map[string]error{}}
	if len(roots) == 0 {
		return res, nil
	}
	queue := make([]PendingMembersPage, 0, len(roots))
	for _, r := range roots {
		queue = append(queue, PendingMembersPage{FullPath: r})
	}
	per := max(1, maxComplexity/PendingMembersOperation(queue[:min(1, len(queue))]).Complexity())
	for len(queue) > 0 {
		n := min(per, len(queue))
		for n > 1 && len(PendingMembersOperation(queue[:n]).Query().Query) > GraphQLMaxQuerySize {
			n--
		}
		batch := queue[:n]
		queue = queue[n:]
		out := &GraphQLResponse[gqlPendingAnswer]{}
		res.Posts++
		if err := c.GraphQL(ctx, []GraphQLQuery{PendingMembersOperation(batch).Query()}, []any{out}); err != nil {
			if endsReading(err) {
				return res, err
			}
			for _, pg := range batch {
				res.Failed[pg.FullPath] = err
				delete(res.Rows, pg.FullPath) // a later page failed: its earlier pages are not the whole list
			}
			continue
		}
		for i, pg := range batch {
			var a *gqlPendingGroup
			if out.Data != nil {
				a = (*out.Data)[fmt.Sprintf("g%d", i)]
			}
			if a == nil || a.PendingMembers == nil {
				err := out.Err()
				if err == nil {
					err = fmt.Errorf("GitLab answered no pending members for %s (not a top-level group, or the token is not its Owner)", pg.FullPath)
				}
				res.Failed[pg.FullPath] = err
				delete(res.Rows, pg.FullPath)
				continue
			}
			if _, failed := res.Failed[pg.FullPath]; failed {
				continue
			}
			for _, nd := range a.PendingMembers.Nodes {
				m := GraphQLPendingMember{MemberGID: nd.ID, Username: nd.Username, Email: nd.Email,
					Invited: nd.Invited, Approved: nd.Approved, ExpiresAt: nd.ExpiresAt, CreatedAt: nd.CreatedAt}
				if nd.AccessLevel != nil {
					m.AccessLevel = gitlab.AccessLevelValue(nd.AccessLevel.IntegerValue)
				}
				res.Rows[pg.FullPath] = append(res.Rows[pg.FullPath], m)
			}
			if _, ok := res.Rows[pg.FullPath]; !ok {
				res.Rows[pg.FullPath] = []GraphQLPendingMember{}
			}
			if pi := a.PendingMembers.PageInfo; pi.HasNextPage && pi.EndCursor != "" {
				queue = append(queue, PendingMembersPage{FullPath: pg.FullPath, Cursor: pi.EndCursor})
			}
		}
	}
	return res, nil
}
