package fakegitlab

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Group.memberRoles: the custom roles a sync needs to know whether any membership holds
// one (membersCount), before it asks REST for the memberships' roles.
//
// RolesResolver (ee/app/graphql/resolvers/member_roles/roles_resolver.rb) runs
// MemberRoles::RolesFinder (ee/app/finders/member_roles/roles_finder.rb) with the group as
// parent, ordered by name (order_by NAME, ID or CREATED_AT, which orders by id; sort ASC
// by default), offset-paginated:
//   - GitLab.com: the roles of the group's top-level group (root_ancestor.member_roles),
//     none unless the caller may read_member_role on the group: `rule {
//     custom_roles_allowed & guest }` (ee/app/policies/ee/group_policy.rb), Guest or above;
//   - self-managed: the instance's roles (for_instance), for any signed-in caller
//     (`rule { ~anonymous & custom_roles_allowed }`, ee/app/policies/ee/global_policy.rb),
//     whatever the group.
//
// The field itself is authorized with read_member_role on the group (null otherwise).
// membersCount is with_members_count: the member rows (group and project members and
// invitations) holding the role; usersCount counts distinct users. The fake's worlds are
// licensed for custom roles.

// gqlMemberRoleID is the MemberRoleID scalar: "gid://gitlab/MemberRole/3".
type gqlMemberRoleID string

func (gqlMemberRoleID) ImplementsGraphQLType(name string) bool { return name == "MemberRoleID" }
func (id *gqlMemberRoleID) UnmarshalGraphQL(input any) error {
	s, ok := input.(string)
	if !ok {
		return fmt.Errorf("%v is not a valid GitLab ID.", input)
	}
	*id = gqlMemberRoleID(s)
	return nil
}
func (id gqlMemberRoleID) MarshalJSON() ([]byte, error) { return json.Marshal(string(id)) }

type gqlMemberRolesArgs struct {
	ID      *gqlMemberRoleID
	OrderBy *string
	Sort    *string
	gqlPageArgs
}

// gqlRoleCounts are members_count and users_count per role, once per world state.
type gqlRoleCounts struct{ members, users map[int64]int }

func (q *gqlReq) roleCounts() *gqlRoleCounts {
	return cachedListing(q.c.s, "gql member role counts", func() *gqlRoleCounts {
		w := q.c.world
		today := w.today()
		out := &gqlRoleCounts{members: map[int64]int{}, users: map[int64]int{}}
		users := map[int64]map[int64]bool{}
		row := func(role, uid int64) {
			if role == 0 {
				return
			}
			out.members[role]++
			if uid != 0 {
				if users[role] == nil {
					users[role] = map[int64]bool{}
				}
				users[role][uid] = true
			}
		}
		for _, source := range []map[int64]map[int64]*Member{w.GroupMembers, w.ProjectMembers} {
			for _, ms := range source {
				for uid, m := range ms {
					if m != nil && !expiredOn(m.ExpiresAt, today) {
						row(m.MemberRoleID, uid)
					}
				}
			}
		}
		for _, source := range []map[int64][]*Invitation{w.GroupInvitations, w.ProjectInvitations} {
			for _, invs := range source {
				for _, inv := range invs {
					if inv != nil && !expiredOn(inv.ExpiresAt, today) {
						row(inv.MemberRoleID, 0)
					}
				}
			}
		}
		for role, us := range users {
			out.users[role] = len(us)
		}
		return out
	})
}

// MemberRoles is Group.memberRoles.
func (r *gqlGroup) MemberRoles(args gqlMemberRolesArgs) (*gqlConn[*gqlMemberRole], error) {
	q := r.q
	if q.me() == nil || (!q.c.isAdmin() && q.groupLevel(r.g) < Guest) {
		return nil, nil // authorize: :read_member_role on the field
	}
	w := q.c.world
	var roles []*MemberRole
	gitlabCom := q.c.s.opts.Mode == ModeGitLabCom
	root := w.Root(r.g.ID)
	for _, role := range w.MemberRoles {
		if (gitlabCom && root != nil && role.GroupID == root.ID) || (!gitlabCom && role.GroupID == 0) {
			roles = append(roles, role)
		}
	}
	if args.ID != nil {
		want := strings.TrimPrefix(string(*args.ID), "gid://gitlab/MemberRole/")
		roles = slices.DeleteFunc(roles, func(role *MemberRole) bool { return strconv.FormatInt(role.ID, 10) != want })
	}
	byName := args.OrderBy == nil || *args.OrderBy == "NAME"
	desc := args.Sort != nil && *args.Sort == "DESC"
	cmp := func(role *MemberRole, name string, id int64) int {
		c := 0
		if byName {
			c = strings.Compare(role.Name, name)
		}
		if c == 0 {
			c = cmpInt64(role.ID, id)
		}
		if desc {
			c = -c
		}
		return c
	}
	slices.SortFunc(roles, func(a, b *MemberRole) int { return cmp(a, b.Name, b.ID) })
	counts := q.roleCounts()
	return gqlPage(roles, args.gqlPageArgs,
		func(role *MemberRole) gqlCursorKey {
			k := byID(role.ID)
			if byName {
				k.Name = role.Name
			}
			return k
		},
		func(role *MemberRole, k gqlCursorKey, id int64) int { return cmp(role, k.Name, id) },
		func(role *MemberRole) (*gqlMemberRole, bool) { return &gqlMemberRole{role: role, counts: counts}, true })
}

type gqlMemberRole struct {
	role   *MemberRole
	counts *gqlRoleCounts
}

func (r *gqlMemberRole) ID() gqlMemberRoleID {
	return gqlMemberRoleID("gid://gitlab/MemberRole/" + strconv.FormatInt(r.role.ID, 10))
}
func (r *gqlMemberRole) Name() string { return r.role.Name }
func (r *gqlMemberRole) Description() *string {
	if r.role.Description == "" {
		return nil
	}
	return &r.role.Description
}
func (r *gqlMemberRole) BaseAccessLevel() *gqlAccess { return &gqlAccess{r.role.BaseAccessLevel} }
func (r *gqlMemberRole) MembersCount() int32         { return int32(r.counts.members[r.role.ID]) }
func (r *gqlMemberRole) UsersCount() int32           { return int32(r.counts.users[r.role.ID]) }
