package fakegitlab

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Group.sharedGroups (GraphQL) and GET /groups/:id/groups/shared (REST): the groups a
// group has been INVITED TO, the groups shared with it (World.GroupShares[shared] holds a
// Share whose GroupID is the invited group). Both are one finder, sharedGroupsOf, as in
// GitLab, where both call Namespaces::Groups::SharedGroupsFinder.
//
// From GitLab's source (gitlabhq/gitlabhq):
//   - app/finders/namespaces/groups/shared_groups_finder.rb: `return Group.none unless
//     can?(current_user, :read_group, group)`; then `group.shared_groups
//     .public_or_visible_to_user(current_user)`, filtered by visibility, skip_groups,
//     search and min_access_level (by_visibility, skip_groups, by_search,
//     by_min_access_level of app/finders/concerns/namespaces/groups_filter.rb), then
//     `sort(groups)` (groups_filter.rb: no sort: order_id_desc; :similarity: by similarity
//     with a search, else order_id_desc; otherwise sort_by_attribute).
//   - app/models/group.rb: `has_many :shared_group_links, foreign_key:
//     :shared_with_group_id` (GroupGroupLink, no scope) and `has_many :shared_groups,
//     through: :shared_group_links, source: :shared_group`. No expiry condition: an
//     EXPIRED link is listed (until GitLab's daily worker deletes it), so the fake lists
//     expired shares too.
//   - app/models/group.rb public_or_visible_to_user(user): public_to_user without a
//     user; else visibility_level in Gitlab::VisibilityLevel.levels_for_user(user)
//     (lib/gitlab/visibility_level.rb: [PUBLIC] anonymous; every level for
//     can_read_all_resources? (administrators, EE auditors); [PUBLIC] for an external
//     user; else [INTERNAL, PUBLIC]) OR the group is in user.authorized_groups
//     (visible_to_user_arel). No administrator bypass beyond levels_for_user.
//   - User#authorized_groups (app/models/user.rb; its shape read from the SQL of MR
//     !128733): the user's groups (memberships of Guest and above) and their
//     descendants, the namespaces of the user's authorized projects, and the groups
//     shared with the user's groups. The fake reads it as effective access of Guest or
//     more (World.EffectiveGroupAccess: a membership of the group or an ancestor, or a
//     share) or a project of the group the user is authorized for.
//   - app/graphql/resolvers/namespaces/shared_groups_resolver.rb:
//     `include ResolvesGroups`, `type Types::GroupType, null: true`, arguments `search`
//     (String) and `sort` (Types::Namespaces::GroupSortEnum, default_value: :name_asc);
//     resolve_groups returns Group.none unless parent.present?, else the finder with
//     args.merge(allow_similarity_sort: true). The field has no complexity: and no
//     experiment: mark (the declaration given in issue gitlab-org/gitlab#562256, which
//     MR !201708 implemented): `field :shared_groups, Types::GroupType.connection_type,
//     null: true, description: 'List of shared groups this group was invited to.',
//     resolver: Resolvers::Namespaces::SharedGroupsResolver` in
//     app/graphql/types/group_type.rb (the stored copy of group_type.rb predates it).
//   - app/graphql/types/namespaces/group_sort_enum.rb: graphql_name 'GroupSort',
//     values SIMILARITY, CREATED_AT_ASC/DESC, UPDATED_AT_ASC/DESC, NAME_ASC/DESC,
//     PATH_ASC/DESC, ID_ASC/DESC.
//   - app/graphql/types/group_type.rb: `authorize :read_group`: a node the caller cannot
//     read is redacted from the page (gqlPage's render), the finder's visibility rule
//     being wider in places (an administrator sees every group either way).
//   - spec/requests/api/graphql/group/shared_groups_spec.rb: the three links listed,
//     search, every sort, SIMILARITY without a search ordered by id descending, no
//     groups when the caller cannot read the group.
//   - lib/api/groups.rb `get ":id/groups/shared"`: find_group! (404), the finder with
//     the declared params (skip_groups, visibility, search, min_access_level, order_by
//     name|path|id|similarity default name, sort asc|desc default asc), then
//     order_groups, present_groups (paginated).
//
// Not modelled: similarity ranking (SIMILARITY with a search is served as NAME_ASC);
// UPDATED_AT_* are served as CREATED_AT_* (the fake keeps no updated_at). Ties are
// broken by id in the sort's direction, as the fake's other group listings do (GitLab's
// keyset tie-breaker was not confirmed in the source).

// SharedGroupsGraphQLVersion is the first GitLab version whose GraphQL schema has
// Group.sharedGroups: MR gitlab-org/gitlab!201708 ("Add GraphQL query for shared
// groups", screenshots of 2025-08-19, after the 18.3 cut), so GitLab 18.4; the MR's
// milestone itself was not in the stored source. A world whose Version is older is
// served the schema without the field:
//
//	w := fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom)
//	w.Version = fakegitlab.SharedGroupsGraphQLVersion
const SharedGroupsGraphQLVersion = "18.4.0-ee"

// gqlSharedGroupsSDL is the field and its enum, added to gqlSchemaSDL from
// SharedGroupsGraphQLVersion on.
const (
	gqlSharedGroupsField = `  sharedGroups(
    search: String, sort: GroupSort = NAME_ASC,
    after: String, before: String, first: Int, last: Int
  ): GroupConnection
`
	gqlGroupSortEnum = `
enum GroupSort {
  SIMILARITY CREATED_AT_ASC CREATED_AT_DESC UPDATED_AT_ASC UPDATED_AT_DESC
  NAME_ASC NAME_DESC PATH_ASC PATH_DESC ID_ASC ID_DESC
}
`
)

// gqlSchemaSDLFor is the schema served: gqlSchemaSDL, with Group.sharedGroups when
// sharedGroups.
func gqlSchemaSDLFor(sharedGroups bool) string {
	if !sharedGroups {
		return gqlSchemaSDL
	}
	const at = "type Group {\n"
	if !strings.Contains(gqlSchemaSDL, at) {
		panic("fakegitlab: GraphQL schema has no type Group")
	}
	return strings.Replace(gqlSchemaSDL, at, at+gqlSharedGroupsField, 1) + gqlGroupSortEnum
}

// sharedGroupsParams are the finder's filters (groups_filter.rb).
type sharedGroupsParams struct {
	search     string
	skip       map[int64]bool
	visibility string      // "" for any
	minLevel   AccessLevel // 0 for none
}

// sharedGroupsIndex maps an invited group to the groups shared with it (every link,
// expired ones too), by id.
func (c *call) sharedGroupsIndex() map[int64][]int64 {
	return cachedListing(c.s, "shared groups index", func() map[int64][]int64 {
		out := map[int64][]int64{}
		for shared, links := range c.world.GroupShares {
			if c.world.Groups[shared] == nil {
				continue
			}
			for _, l := range links {
				if !slices.Contains(out[l.GroupID], shared) {
					out[l.GroupID] = append(out[l.GroupID], shared)
				}
			}
		}
		for _, ids := range out {
			slices.Sort(ids)
		}
		return out
	})
}

// sharedGroupsOf is SharedGroupsFinder#execute before sorting: the groups g was invited
// to that the caller may see, filtered by p, by id. The caller must be able to read g
// (the finder's read_group check; both callers ensure it).
func (c *call) sharedGroupsOf(g *Group, p sharedGroupsParams) []*Group {
	var out []*Group
	for _, id := range c.sharedGroupsIndex()[g.ID] {
		sg := c.world.Groups[id]
		if p.skip[id] || !c.publicOrVisibleToUser(sg) {
			continue
		}
		if p.visibility != "" && sg.Visibility != p.visibility {
			continue
		}
		if p.search != "" && !groupMatches(c.world, sg, p.search) {
			continue
		}
		if p.minLevel > 0 && c.me != nil {
			// Group.by_min_access_level: joins(:group_members) of the user, a DIRECT row at
			// that level or above.
			m := c.world.memberRow(c.world.GroupMembers[id], c.me.ID)
			if m == nil || m.AccessLevel < p.minLevel || m.AccessLevel < Guest {
				continue
			}
		}
		out = append(out, sg)
	}
	return out
}

// publicOrVisibleToUser is Group.public_or_visible_to_user for the caller.
func (c *call) publicOrVisibleToUser(g *Group) bool {
	switch {
	case c.me == nil:
		return g.Visibility == "public"
	case c.isAdmin() || c.me.Auditor: // can_read_all_resources?
		return true
	case g.Visibility == "public", g.Visibility == "internal" && !c.me.External:
		return true
	}
	return c.userAuthorizedGroup(g.ID)
}

// userAuthorizedGroup: the group is in User#authorized_groups (see above).
func (c *call) userAuthorizedGroup(gid int64) bool {
	if c.world.EffectiveGroupAccess(gid, c.me.ID).Level >= Guest {
		return true
	}
	for _, pid := range c.projectsOfGroup()[gid] {
		if c.myProjectLevel(pid) > NoAccess {
			return true
		}
	}
	return false
}

// projectsOfGroup maps a group to its own projects.
func (c *call) projectsOfGroup() map[int64][]int64 {
	return cachedListing(c.s, "projects of group", func() map[int64][]int64 {
		out := map[int64][]int64{}
		for id, p := range c.world.Projects {
			if p.GroupID != 0 {
				out[p.GroupID] = append(out[p.GroupID], id)
			}
		}
		return out
	})
}

// sharedGroupsOrder is a sort: the key compared first (by string), then the id, all
// reversed when desc.
type sharedGroupsOrder struct {
	key  func(*Group) string
	desc bool
}

func (o sharedGroupsOrder) cmp(g *Group, key string, id int64) int {
	r := cmp.Compare(o.key(g), key)
	if r == 0 {
		r = cmp.Compare(g.ID, id)
	}
	if o.desc {
		r = -r
	}
	return r
}

// gqlSharedGroupsOrder is GroupSort's value as groups_filter.rb#sort applies it.
func gqlSharedGroupsOrder(sort, search string) sharedGroupsOrder {
	byName := func(g *Group) string { return g.Name }
	byPath := func(g *Group) string { return g.Path }
	byNone := func(*Group) string { return "" }
	byCreated := func(g *Group) string { return g.CreatedAt.UTC().Format(time.RFC3339Nano) }
	switch sort {
	case "NAME_DESC":
		return sharedGroupsOrder{byName, true}
	case "PATH_ASC", "PATH_DESC":
		return sharedGroupsOrder{byPath, sort == "PATH_DESC"}
	case "ID_ASC", "ID_DESC":
		return sharedGroupsOrder{byNone, sort == "ID_DESC"}
	case "CREATED_AT_ASC", "CREATED_AT_DESC", "UPDATED_AT_ASC", "UPDATED_AT_DESC":
		return sharedGroupsOrder{byCreated, strings.HasSuffix(sort, "_DESC")}
	case "SIMILARITY":
		if strings.TrimSpace(search) == "" {
			return sharedGroupsOrder{byNone, true} // order_id_desc
		}
	}
	return sharedGroupsOrder{byName, false} // NAME_ASC, the default
}

type gqlSharedGroupsArgs struct {
	Search *string
	Sort   gqlGroupSort
	gqlPageArgs
}

// gqlGroupSort reads the GroupSort argument. graph-gophers packs an argument with a
// default as non-null, yet passes null for a variable left unset, where GraphQL (and
// graphql-ruby) apply the default: a nullable unmarshaler takes both, null as "".
type gqlGroupSort struct{ value string }

func (*gqlGroupSort) ImplementsGraphQLType(name string) bool { return name == "GroupSort" }
func (*gqlGroupSort) Nullable()                              {}
func (s *gqlGroupSort) UnmarshalGraphQL(input any) error {
	s.value, _ = input.(string)
	return nil
}

// SharedGroups is Group.sharedGroups: the finder's groups in the chosen order, one
// keyset page (at most 100 rows), nodes the caller cannot read_group redacted.
func (r *gqlGroup) SharedGroups(args gqlSharedGroupsArgs) (*gqlConn[*gqlGroup], error) {
	q := r.q
	var p sharedGroupsParams
	if args.Search != nil {
		p.search = strings.TrimSpace(*args.Search)
	}
	sort := args.Sort.value
	if sort == "" {
		sort = "NAME_ASC" // default_value: :name_asc (also for a null variable)
	}
	var gs []*Group
	if q.groupReadable(r.g.ID) {
		gs = q.c.sharedGroupsOf(r.g, p)
	}
	o := gqlSharedGroupsOrder(sort, p.search)
	slices.SortFunc(gs, func(a, b *Group) int { return o.cmp(a, o.key(b), b.ID) })
	return gqlPage(gs, args.gqlPageArgs,
		func(g *Group) gqlCursorKey { k := byID(g.ID); k.Name = o.key(g); return k },
		func(g *Group, k gqlCursorKey, id int64) int { return o.cmp(g, k.Name, id) },
		func(g *Group) (*gqlGroup, bool) { return &gqlGroup{q: q, g: g}, q.groupReadable(g.ID) })
}

// listSharedGroups: GET /groups/:id/groups/shared (lib/api/groups.rb).
// https://docs.gitlab.com/api/groups/#list-shared-groups
func listSharedGroups(c *call) {
	g := c.group("id")
	if g == nil {
		return
	}
	p := sharedGroupsParams{search: strings.TrimSpace(c.query.Get("search")), skip: map[int64]bool{}}
	orderBy := c.query.Get("order_by")
	if orderBy == "" {
		orderBy = "name"
	}
	if !slices.Contains([]string{"name", "path", "id", "similarity"}, orderBy) {
		c.errorString(http.StatusBadRequest, "order_by does not have a valid value")
		return
	}
	sortDir := c.query.Get("sort")
	if sortDir == "" {
		sortDir = "asc"
	}
	if sortDir != "asc" && sortDir != "desc" {
		c.errorString(http.StatusBadRequest, "sort does not have a valid value")
		return
	}
	p.visibility = c.query.Get("visibility")
	if !slices.Contains([]string{"", "public", "internal", "private"}, p.visibility) {
		c.errorString(http.StatusBadRequest, "visibility does not have a valid value")
		return
	}
	minLevel, hasMin, err := c.argInt("min_access_level")
	if err != nil || (hasMin && !validLevel(AccessLevel(minLevel))) {
		c.errorString(http.StatusBadRequest, "min_access_level does not have a valid value")
		return
	}
	if hasMin {
		p.minLevel = AccessLevel(minLevel)
	}
	for _, v := range append(c.query["skip_groups[]"], c.query["skip_groups"]...) {
		for _, part := range strings.Split(v, ",") {
			if n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64); err == nil {
				p.skip[n] = true
			}
		}
	}
	gs := c.sharedGroupsOf(g, p)
	// order_groups: order_by and sort, the id breaking ties (groupSortKey).
	o := sharedGroupsOrder{key: c.groupSortKey(orderBy), desc: sortDir == "desc"}
	slices.SortFunc(gs, func(a, b *Group) int { return o.cmp(a, o.key(b), b.ID) })
	c.answerGroups(gs)
}
