package fakegitlab

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The rows of Group.groupMembers and Project.projectMembers, as GitLab's finders select
// them for GraphQL (members_resolver.rb: finder_class.new(object, current_user, params:
// args).execute(include_relations: relations)).
//
// Groups, GroupMembersFinder (app/finders/group_members_finder.rb; EE
// ee/app/finders/ee/group_members_finder.rb), relations RELATIONS = direct inherited
// descendants shared_from_groups, DEFAULT_RELATIONS = direct inherited:
//   - GroupMember.non_request.of_groups(the relation's groups): access requests are not
//     rows (the fake keeps none); email invitations ARE rows (nothing filters invite_token
//     unless params[:non_invite], which the resolver never passes), shown with user null;
//     "awaiting" rows are included (nothing filters members.state);
//   - non_minimal_access unless EE's minimal_access_role_allowed? (licensed and
//     !has_parent?, ee/app/models/ee/group.rb): Minimal Access rows only when the queried
//     group is top-level;
//   - shared_from_groups: the members of the groups shared into the group or an ancestor
//     (Group.shared_into_ancestors), capped at the link's access; only public or visible
//     ones (public_or_visible_to_user) when the caller is not a member of the group;
//   - distinct_on_user_with_max_access_level (app/models/member.rb): one row per
//     (user_id, invite_email), highest access, the group's own row winning a tie.
//
// Projects, MembersFinder (app/finders/members_finder.rb), RELATIONS = direct inherited
// descendants invited_groups shared_into_ancestors:
//   - project.namespace_members (requests excluded), non_invite unless the caller can
//     admin_project (Maintainer and above): invitations only for Maintainers;
//   - include_relations == [:direct]: those rows as they are;
//   - otherwise a union of GroupMembersFinder(project.group) with [inherited, direct]
//     (+ descendants, + shared_from_groups for shared_into_ancestors), non_invite,
//     non_minimal_access; invited groups and their ancestors (invited_groups), visible ones
//     only unless the caller is a project member, coerced to no access when the project's
//     namespace has share_with_group_lock; the project rows when :direct is asked; then
//     DISTINCT ON (user_id, invite_email) preferring ProjectMember rows, access level
//     COALESCE(project_authorizations.access_level, member access level).
//
// Then the connection's node type authorizes each row (GroupMemberType authorize
// :read_group on the row's own group, ProjectMemberType :read_project): rows whose source
// the caller cannot read are redacted from the page (unlike REST members/all, which
// renders every row the finder returns).
//
// Rows are sorted by member id; a listing is computed once per world state, caller and
// relations (cachedListing) and paged by binary search.

// gqlMemberRow is one row of a members connection.
type gqlMemberRow struct {
	id        int64 // the member's id (the fake keeps none: derived from source and user)
	user      *User // nil for an email invitation
	level     AccessLevel
	createdAt time.Time
	expiresAt string
	createdBy int64
	group     int64 // the row's group (a GroupMember row), or
	project   int64 // the row's project (a ProjectMember row)
}

// gqlMemberID derives a stable member id from the row's kind, source and user or
// invitation: GitLab's members.id, which the fake's World does not keep.
func gqlMemberID(kind string, source, who int64) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(kind + ":" + strconv.FormatInt(source, 10) + ":" + strconv.FormatInt(who, 10)))
	return int64(h.Sum64()&(1<<40-1)) + 1
}

// gqlRelations is a set of relation names, lower case ("direct", "shared_from_groups").
type gqlRelations map[string]bool

func newRelations(names []string) gqlRelations {
	out := gqlRelations{}
	for _, n := range names {
		out[strings.ToLower(n)] = true
	}
	return out
}

func (r gqlRelations) key() string {
	var ks []string
	for k := range r {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ",")
}

func (r gqlRelations) onlyDirect() bool { return len(r) == 1 && r["direct"] }

// cand is a candidate row with the facts distinct_on_user_with_max_access_level orders by.
type gqlCand struct {
	row  gqlMemberRow
	lr   listRow // for groupRowBefore
	pref int     // projects: 1 ProjectMember, 2 GroupMember, 3 invited group member
}

func memberFromInvitation(inv *Invitation) *Member {
	return &Member{AccessLevel: inv.AccessLevel, ExpiresAt: inv.ExpiresAt, CreatedAt: inv.CreatedAt, CreatedByID: inv.CreatedByID}
}

// gqlGroupCands are GroupMembersFinder's rows of a group for the relations, before
// DISTINCT ON: users by id, invitations by lower-case email. withInvites adds the email
// invitations of the relation's groups; sharedVisible filters the invited groups (nil: all).
func (w *World) gqlGroupCands(groupID int64, rels gqlRelations, withInvites bool, sharedVisible func(int64) bool) (map[int64]gqlCand, map[string]gqlCand) {
	users, invites := map[int64]gqlCand{}, map[string]gqlCand{}
	g := w.Groups[groupID]
	if g == nil {
		return users, invites
	}
	today := w.today()
	topLevel := g.ParentID == 0
	offer := func(uid int64, c gqlCand) {
		if cur, ok := users[uid]; !ok || groupRowBefore(c.lr, cur.lr) {
			users[uid] = c
		}
	}
	offerInvite := func(email string, c gqlCand) {
		k := strings.ToLower(email)
		if cur, ok := invites[k]; !ok || groupRowBefore(c.lr, cur.lr) {
			invites[k] = c
		}
	}
	var groups []int64
	if rels["direct"] {
		groups = append(groups, groupID)
	}
	if rels["inherited"] {
		groups = append(groups, idsOfGroups(w.Ancestors(groupID))...)
	}
	if rels["descendants"] {
		groups = append(groups, idsOfGroups(w.Descendants(groupID))...)
	}
	for _, gid := range groups {
		own := gid == groupID
		for uid, m := range w.GroupMembers[gid] {
			if !rowListedOn(m, today, true) || w.Users[uid] == nil {
				continue
			}
			if m.AccessLevel <= MinimalAccess && !topLevel {
				continue
			}
			row := gqlMemberRow{id: gqlMemberID("g", gid, uid), user: w.Users[uid], level: m.AccessLevel,
				createdAt: m.CreatedAt, expiresAt: m.ExpiresAt, createdBy: m.CreatedByID, group: gid}
			offer(uid, gqlCand{row: row, lr: listRow{m: m, level: m.AccessLevel, source: gid, own: own}, pref: 2})
		}
		if !withInvites {
			continue
		}
		for _, inv := range w.GroupInvitations[gid] {
			if inv == nil || expiredOn(inv.ExpiresAt, today) || (inv.AccessLevel <= MinimalAccess && !topLevel) {
				continue
			}
			m := memberFromInvitation(inv)
			row := gqlMemberRow{id: gqlMemberID("gi", gid, inv.ID), level: inv.AccessLevel, createdAt: inv.CreatedAt,
				expiresAt: inv.ExpiresAt, createdBy: inv.CreatedByID, group: gid}
			offerInvite(inv.Email, gqlCand{row: row, lr: listRow{m: m, level: inv.AccessLevel, source: gid, own: own}, pref: 2})
		}
	}
	if rels["shared_from_groups"] {
		for _, gid := range w.groupChain(groupID) {
			for _, s := range w.GroupShares[gid] {
				if !linkActiveOn(s, today) || w.Groups[s.GroupID] == nil {
					continue
				}
				if sharedVisible != nil && !sharedVisible(s.GroupID) {
					continue
				}
				for uid, m := range w.GroupMembers[s.GroupID] {
					if !rowListedOn(m, today, true) || m.AccessLevel <= MinimalAccess || w.Users[uid] == nil {
						continue
					}
					level := min(m.AccessLevel, s.AccessLevel)
					row := gqlMemberRow{id: gqlMemberID("g", s.GroupID, uid), user: w.Users[uid], level: level,
						createdAt: m.CreatedAt, expiresAt: m.ExpiresAt, createdBy: m.CreatedByID, group: s.GroupID}
					offer(uid, gqlCand{row: row, lr: listRow{m: m, level: level, source: s.GroupID}, pref: 2})
				}
			}
		}
	}
	return users, invites
}

// sortedRows turns candidates into rows ordered by member id.
func sortedRows(users map[int64]gqlCand, invites map[string]gqlCand) []gqlMemberRow {
	out := make([]gqlMemberRow, 0, len(users)+len(invites))
	for _, c := range users {
		out = append(out, c.row)
	}
	for _, c := range invites {
		out = append(out, c.row)
	}
	slices.SortFunc(out, func(a, b gqlMemberRow) int { return cmpInt64(a.id, b.id) })
	// Derived ids may collide (about once in thousands of 30,000-row listings); the
	// cursors need them unique within a listing.
	for i := 1; i < len(out); i++ {
		if out[i].id <= out[i-1].id {
			out[i].id = out[i-1].id + 1
		}
	}
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// gqlListingRowsCap bounds the member rows the listing cache keeps: a sync reads each
// container's first page once and pages on through the few big ones, so the most recent
// listings are the ones asked again. Without a bound, the default relations of every
// project of a 30,000-member group would keep 30,000 rows each.
const gqlListingRowsCap = 1_000_000

// gqlListingCache keeps the most recently used member listings of one world state, up to
// gqlListingRowsCap rows in all: over it, the least recently used are dropped until a
// quarter of the room is free.
type gqlListingCache struct {
	entries map[string]*gqlListing
	tick    uint64
	total   int
}

type gqlListing struct {
	rows []gqlMemberRow
	used uint64
}

// memberListing returns the listing for key from the cache (which lives in the server's
// per-generation cache, so a change of the world drops it), computing it when absent.
func (q *gqlReq) memberListing(key string, compute func() []gqlMemberRow) []gqlMemberRow {
	c := cachedListing(q.c.s, "gql member listings", func() *gqlListingCache {
		return &gqlListingCache{entries: map[string]*gqlListing{}}
	})
	c.tick++
	if e, ok := c.entries[key]; ok {
		e.used = c.tick
		return e.rows
	}
	rows := compute()
	c.entries[key] = &gqlListing{rows: rows, used: c.tick}
	c.total += len(rows)
	if c.total > gqlListingRowsCap {
		keys := make([]string, 0, len(c.entries))
		for k := range c.entries {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return cmpInt64(int64(c.entries[a].used), int64(c.entries[b].used)) })
		for _, k := range keys {
			if c.total <= gqlListingRowsCap*3/4 || k == key {
				break
			}
			c.total -= len(c.entries[k].rows)
			delete(c.entries, k)
		}
	}
	return rows
}

// gqlGroupMemberRows is Group.groupMembers' listing for the caller.
func (q *gqlReq) gqlGroupMemberRows(g *Group, rels gqlRelations) []gqlMemberRow {
	w := q.c.world
	var sharedVisible func(int64) bool
	// GroupMembersFinder: every group shared into the group's hierarchy when the caller is
	// a member of the group, public_or_visible_to_user ones otherwise.
	if rels["shared_from_groups"] && !q.readAll() && (q.me() == nil || w.membersWithParents(g.ID, q.me().ID)[q.me().ID] == NoAccess) {
		sharedVisible = q.groupReadable
	}
	key := "gql groupMembers " + strconv.FormatInt(g.ID, 10) + " " + rels.key() + " " + q.viewerKey()
	return q.memberListing(key, func() []gqlMemberRow {
		return sortedRows(w.gqlGroupCands(g.ID, rels, true, sharedVisible))
	})
}

// gqlProjectMemberRows is Project.projectMembers' listing for the caller.
func (q *gqlReq) gqlProjectMemberRows(p *Project, rels gqlRelations) []gqlMemberRow {
	key := "gql projectMembers " + strconv.FormatInt(p.ID, 10) + " " + rels.key() + " " + q.viewerKey()
	return q.memberListing(key, func() []gqlMemberRow { return q.computeProjectMemberRows(p, rels) })
}

func (q *gqlReq) computeProjectMemberRows(p *Project, rels gqlRelations) []gqlMemberRow {
	w := q.c.world
	today := w.today()
	// project_members.non_invite unless can?(current_user, :admin_project, project).
	withInvites := q.readAll() || q.projectLevel(p.ID) >= Maintainer
	projUsers, projInvites := map[int64]gqlCand{}, map[string]gqlCand{}
	for uid, m := range w.ProjectMembers[p.ID] {
		if !rowListedOn(m, today, true) || w.Users[uid] == nil {
			continue
		}
		row := gqlMemberRow{id: gqlMemberID("p", p.ID, uid), user: w.Users[uid], level: m.AccessLevel,
			createdAt: m.CreatedAt, expiresAt: m.ExpiresAt, createdBy: m.CreatedByID, project: p.ID}
		projUsers[uid] = gqlCand{row: row, pref: 1}
	}
	if withInvites {
		for _, inv := range w.ProjectInvitations[p.ID] {
			if inv == nil || expiredOn(inv.ExpiresAt, today) {
				continue
			}
			row := gqlMemberRow{id: gqlMemberID("pi", p.ID, inv.ID), level: inv.AccessLevel, createdAt: inv.CreatedAt,
				expiresAt: inv.ExpiresAt, createdBy: inv.CreatedByID, project: p.ID}
			projInvites[strings.ToLower(inv.Email)] = gqlCand{row: row, pref: 1}
		}
	}
	if rels.onlyDirect() {
		return sortedRows(projUsers, projInvites)
	}
	// union_members: the group finder's rows (when the project has a group), the invited
	// groups' (invited_groups) and the project's own (direct); none of them: the project
	// rows as they are (return project_members unless union_members.any?).
	if p.GroupID == 0 && !rels["invited_groups"] && !rels["direct"] {
		return sortedRows(projUsers, projInvites)
	}
	users := map[int64]gqlCand{}
	offer := func(uid int64, c gqlCand) {
		cur, ok := users[uid]
		if !ok || c.pref < cur.pref || (c.pref == cur.pref && c.pref != 1 && groupRowBefore(c.lr, cur.lr)) {
			users[uid] = c
		}
	}
	invites := map[string]gqlCand{}
	if rels["direct"] {
		for uid, c := range projUsers {
			offer(uid, c)
		}
		invites = projInvites
	}
	if p.GroupID != 0 {
		grels := gqlRelations{"direct": true, "inherited": true}
		if rels["descendants"] {
			grels["descendants"] = true
		}
		var sharedVisible func(int64) bool
		if rels["shared_into_ancestors"] {
			grels["shared_from_groups"] = true
			if !q.readAll() && (q.me() == nil || w.membersWithParents(p.GroupID, q.me().ID)[q.me().ID] == NoAccess) {
				sharedVisible = q.groupReadable
			}
		}
		gu, _ := w.gqlGroupCands(p.GroupID, grels, false, sharedVisible) // .non_invite
		for uid, c := range gu {
			if c.row.level <= MinimalAccess { // .non_minimal_access
				continue
			}
			offer(uid, c)
		}
	}
	if rels["invited_groups"] {
		locked := p.GroupID != 0 && w.ShareWithGroupLocked(p.GroupID)
		member := q.readAll() || q.projectLevel(p.ID) > NoAccess
		invited := map[int64]bool{}
		for _, s := range w.ProjectShares[p.ID] {
			if expiredOn(s.ExpiresAt, today) {
				continue
			}
			for _, gid := range w.groupChain(s.GroupID) {
				invited[gid] = true
			}
		}
		for gid := range invited {
			if !member && !q.groupReadable(gid) {
				continue
			}
			for uid, m := range w.GroupMembers[gid] {
				if !rowListedOn(m, today, true) || m.AccessLevel <= MinimalAccess || w.Users[uid] == nil {
					continue
				}
				level := m.AccessLevel
				if locked {
					level = NoAccess // coerce_to_no_access
				}
				row := gqlMemberRow{id: gqlMemberID("g", gid, uid), user: w.Users[uid], level: level,
					createdAt: m.CreatedAt, expiresAt: m.ExpiresAt, createdBy: m.CreatedByID, group: gid}
				offer(uid, gqlCand{row: row, lr: listRow{m: m, level: level, source: gid}, pref: 3})
			}
		}
	}
	// COALESCE(project_authorizations.access_level, member_union.access_level).
	for uid, c := range users {
		if level := q.userProjects(uid)[p.ID]; level > NoAccess {
			c.row.level = level
			users[uid] = c
		}
	}
	return sortedRows(users, invites)
}
