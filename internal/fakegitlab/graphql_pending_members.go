package fakegitlab

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

// Group.pendingMembers (EE): the awaiting memberships and the email invitations of a
// top-level group's hierarchy, the scope GET /groups/:id/pending_members lists
// (pending_members.go: World.pendingMembers is the one implementation of both).
//
// From GitLab's source (gitlab-org/gitlab; the EE files read from the public mirrors
// pavankalisetti009/gitlab and ashierj/superdemo):
//   - ee/app/graphql/ee/types/group_type.rb: `field :pending_members,
//     ::Types::Members::PendingMemberInterface.connection_type, null: true, resolver:
//     Resolvers::PendingGroupMembersResolver, experiment: { milestone: '16.6' }`. The
//     resolver declares no arguments: the connection's after, before, first, last only.
//   - EE::Resolvers::PendingGroupMembersResolver (ee/app/graphql/ee/resolvers/
//     pending_group_members_resolver.rb, by its module name): `authorizes_object!`,
//     `authorize :admin_group_member`, then `return unless group.root?`, then
//     `offset_pagination(::Member.distinct_awaiting_or_invited_for_group(group))`.
//   - authorizes_object! does not raise: Types::BaseField#authorized?
//     (app/graphql/types/base_field.rb) asks resolver_authorized?, i.e.
//     Resolvers::BaseResolver.authorized? (app/graphql/resolvers/base_resolver.rb:
//     authorization.ok?, true or false); on false graphql-ruby's Schema::Field#resolve
//     raises UnauthorizedFieldError and rescues it with schema.unauthorized_field, which
//     GitlabSchema (app/graphql/gitlab_schema.rb) leaves to graphql-ruby's default,
//     unauthorized_object: nil. So a caller who may not admin_group_member (an Owner of
//     the group, or an administrator: GroupPolicy) gets pendingMembers null and NO
//     error, unlike groupMembers, whose resolver calls authorize! and raises
//     RESOURCE_ACCESS_ERROR. A subgroup gives null as well (resolve returns nil).
//   - ee/app/graphql/types/members/pending_member_interface.rb: PendingMemberInterface
//     `implements MemberInterface` (app/graphql/types/member_interface.rb: id,
//     accessLevel, createdBy, createdAt, updatedAt, expiresAt, user), with name and
//     username (object.user&.name / &.username), email (object.invite_email ||
//     object.user.email: the PRIMARY email), webUrl (user_url(object.user), null without
//     a user), avatarUrl (the user's, else GravatarService for the email), approved
//     (active?), invited (invite?); resolve_type: GroupMember => PendingGroupMember,
//     ProjectMember => PendingProjectMember (orphan_types).
//   - PendingGroupMemberType (graphql_name 'PendingGroupMember', authorize
//     :admin_group_member) and PendingProjectMemberType ('PendingProjectMember',
//     authorize :admin_project_member) are BaseObjects implementing the interface only
//     (no group or project field; an older version subclassed GroupMemberType). A caller
//     past the field's check passes both on every row: GroupMemberPolicy `delegate
//     :group` and ProjectMemberPolicy `delegate { @subject.project }` ask the row's group
//     or project, where the top-level group's Owner is Owner (and an administrator
//     everything), so no node is redacted.
//   - id is Types::BaseObject#id, the row's global id: gid://gitlab/GroupMember/<id> or
//     gid://gitlab/ProjectMember/<id>. The fake derives members.id as groupMembers and
//     projectMembers do (gqlMemberID, graphql_members.go), so a pending row and the same
//     membership row in those connections carry the same id. (sortedRows moves an id by
//     one when two derived ids collide within a listing, about once in thousands of
//     30,000-row listings; such a row would then differ.)
//   - offset_pagination: Gitlab::Graphql::Pagination::OffsetPaginatedRelation, served by
//     OffsetActiveRecordRelationConnection (lib/gitlab/graphql/pagination/connections.rb),
//     graphql-ruby's ActiveRecordRelationConnection (lib/graphql/pagination/
//     relation_connection.rb): offset cursors, the cursor of the n-th row (from 1) the
//     schema's cursor encoder (Base64Encoder: URL-safe base64 without padding) of "n";
//     max page size 100 (gitlab_schema.rb default_max_page_size), also the size without
//     first and last.
//   - complexity: the resolver-backed connection rule (graphql_complexity.go), resolver
//     complexity 1 (no sort or search argument).
//
// The fake models no Community Edition (the schema is EE's: memberRoles is served too;
// World.Version is only reported), so the field is always there.

// gqlPending is one row of Group.pendingMembers: a PendingGroupMember or a
// PendingProjectMember.
type gqlPending struct {
	q *gqlReq
	r pendingRow
}

// PendingMembers is Group.pendingMembers.
func (r *gqlGroup) PendingMembers(args gqlPageArgs) (*gqlConn[*gqlPending], error) {
	q := r.q
	// authorize :admin_group_member on the group (authorizes_object!): null, no error.
	// canManageMembers is the REST route's check of the same ability.
	if q.me() == nil || !q.c.canManageMembers(memberSource{group: r.g}) {
		return nil, nil
	}
	// return unless group.root?
	if r.g.ParentID != 0 {
		return nil, nil
	}
	key := "gql pendingMembers " + strconv.FormatInt(r.g.ID, 10)
	rows := cachedListing(q.c.s, key, func() []pendingRow { return q.c.world.pendingMembers(r.g.ID) })
	return offsetPage(rows, args, func(row pendingRow) *gqlPending { return &gqlPending{q: q, r: row} })
}

// offsetPage cuts a page as graphql-ruby's RelationConnection does
// (lib/graphql/pagination/relation_connection.rb and connection.rb):
//   - first and last are clamped to 0..max_page_size; with neither, first is
//     max_page_size (GitLab sets no default_page_size);
//   - after and before are offsets: the rows after the after-th, before the before-th;
//     first then keeps the first rows of that slice, last the last ones (both may be
//     given: the offset connection, unlike the keyset one, does not refuse it);
//   - hasPreviousPage: after's offset is above 0, or last cut rows off the front;
//     hasNextPage: before's offset is above 0, or rows of the slice follow the page.
func offsetPage[I, N any](items []I, a gqlPageArgs, render func(I) N) (*gqlConn[N], error) {
	clamp := func(n *int32) *int {
		if n == nil {
			return nil
		}
		v := min(max(int(*n), 0), gqlMaxPageSize)
		return &v
	}
	first, last := clamp(a.First), clamp(a.Last)
	if first == nil && last == nil {
		v := gqlMaxPageSize
		first = &v
	}
	after, err := offsetFromCursor(a.After)
	if err != nil {
		return nil, err
	}
	before, err := offsetFromCursor(a.Before)
	if err != nil {
		return nil, err
	}
	total := len(items)
	// sliced_nodes: after and before. A negative limit is no limit (set_limit), 0 none.
	off, limit, empty := 0, -1, false
	if after != nil {
		off = *after
	}
	switch {
	case after != nil && before != nil:
		if *after < *before {
			limit = *before - *after - 1
		} else {
			empty = true
		}
	case before != nil:
		limit = *before - 1
	}
	off = max(off, 0)
	sStart, sEnd := min(off, total), total
	if empty || limit == 0 {
		sEnd = sStart
	} else if limit > 0 {
		sEnd = min(total, sStart+limit)
	}
	// limited_nodes: first and last within the slice.
	start, end := sStart, sEnd
	if !empty {
		pOff, pLimit := off, limit
		if first != nil && (pLimit < 0 || pLimit > *first) {
			pLimit = *first
		}
		if last != nil {
			if pLimit >= 0 {
				if *last <= pLimit {
					pOff += pLimit - *last
					pLimit = *last
				}
			} else {
				n := sEnd - sStart
				pOff += n - min(*last, n)
				pLimit = *last
			}
		}
		start = min(max(pOff, 0), total)
		end = total
		if pLimit >= 0 {
			end = min(total, start+pLimit)
		}
	}
	info := &gqlPageInfo{
		previus: (after != nil && *after > 0) || (last != nil && start > 0),
		next:    (before != nil && *before > 0) || end < sEnd,
	}
	conn := &gqlConn[N]{info: info}
	for i := start; i < end; i++ {
		cur := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(i + 1)))
		if i == start {
			info.start = &cur
		}
		if i == end-1 {
			info.end = &cur
		}
		conn.add(cur, render(items[i]))
	}
	return conn, nil
}

var leadingInt = regexp.MustCompile(`^\s*[+-]?\d+`)

// offsetFromCursor is RelationConnection#offset_from_cursor: decode(cursor).to_i. The
// Base64Encoder raises "Invalid input: <cursor inspected>" for what is not base64; to_i
// reads the leading integer (0 when there is none). "" is no cursor (Connection#after).
func offsetFromCursor(c *string) (*int, error) {
	if c == nil || *c == "" {
		return nil, nil
	}
	s := strings.TrimRight(*c, "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("Invalid input: %q", *c)
	}
	n := 0
	if m := leadingInt.Find(b); m != nil {
		n, _ = strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(string(m)), "+"))
	}
	return &n, nil
}

// ID is the membership row's global id, as groupMembers and projectMembers give it.
func (p *gqlPending) ID() graphql.ID {
	r := p.r
	kind, model := "g", "GroupMember"
	if r.project != 0 {
		kind, model = "p", "ProjectMember"
	}
	who := int64(0)
	if r.invite != nil {
		kind += "i"
		who = r.invite.ID
	} else {
		who = r.user.ID
	}
	return graphql.ID("gid://gitlab/" + model + "/" + strconv.FormatInt(gqlMemberID(kind, r.source(), who), 10))
}

// row gives the kept row's member fields.
func (p *gqlPending) row() *Member {
	if p.r.invite != nil {
		return memberFromInvitation(p.r.invite)
	}
	return p.r.member
}

func (p *gqlPending) AccessLevel() *gqlAccess  { return &gqlAccess{p.row().AccessLevel} }
func (p *gqlPending) CreatedAt() *graphql.Time { return gqlTime(p.row().CreatedAt) }
func (p *gqlPending) UpdatedAt() *graphql.Time { return gqlTime(p.row().CreatedAt) }
func (p *gqlPending) ExpiresAt() *graphql.Time { return gqlDate(p.row().ExpiresAt) }
func (p *gqlPending) CreatedBy() *gqlUser {
	return userOrNil(p.q, p.q.c.world.Users[p.row().CreatedByID])
}
func (p *gqlPending) User() *gqlUser { return userOrNil(p.q, p.r.user) }

func (p *gqlPending) Name() *string {
	if p.r.user == nil {
		return nil
	}
	return &p.r.user.Name
}

func (p *gqlPending) Username() *string {
	if p.r.user == nil {
		return nil
	}
	return &p.r.user.Username
}

// Email is invite_email || user.email (the primary email: pendingRow.email).
func (p *gqlPending) Email() *string { s := p.r.email; return &s }

func (p *gqlPending) WebURL() *string {
	if p.r.user == nil {
		return nil
	}
	s := p.q.c.baseURL() + "/" + p.r.user.Username
	return &s
}

// AvatarURL: the user's avatar (the fake's users have their Gravatar), else the Gravatar
// of the invited email.
func (p *gqlPending) AvatarURL() *string {
	email := p.r.email
	if p.r.user != nil {
		email = p.r.user.Email
	}
	s := avatarURL(email)
	return &s
}

func (p *gqlPending) Approved() *bool { v := p.r.approved; return &v }
func (p *gqlPending) Invited() *bool  { v := p.r.invited; return &v }

// resolve_type: GroupMember => PendingGroupMember, ProjectMember => PendingProjectMember.
func (p *gqlPending) ToPendingGroupMember() (*gqlPending, bool)   { return p, p.r.group != 0 }
func (p *gqlPending) ToPendingProjectMember() (*gqlPending, bool) { return p, p.r.project != 0 }

// The Pending types implement MemberInterface too: a members connection's rows are never
// of them.
func (r *gqlMember) ToPendingGroupMember() (*gqlPending, bool)   { return nil, false }
func (r *gqlMember) ToPendingProjectMember() (*gqlPending, bool) { return nil, false }
