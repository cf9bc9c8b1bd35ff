package gitlabapi

import (
	"context"
	"fmt"
)

// Whether a hierarchy's memberships hold custom roles, through GraphQL: GraphQL's members
// have no member_role, so only where no membership holds one are its rows exact.
// Group.memberRoles (EE, Resolvers::MemberRoles::RolesResolver with
// MemberRoles::RolesFinder) lists on GitLab.com the roles of the group's top-level group,
// on self-managed the instance's roles (whatever the group), each with membersCount
// (with_members_count: the member rows, invitations included, holding it). A role defined
// but held by nobody changes no membership, where REST's GET .../member_roles can only say
// that roles are defined. Several groups a POST, by aliases.

// RolesInUse is what a group's memberRoles say.
type RolesInUse struct {
	Defined int // custom roles defined
	Held    int // member rows holding one of them (more than a page of roles: at least 1)
}

// MemberRolesOperation reads the custom roles of several groups, one alias each (g0,
// g1...): group(fullPath:) { memberRoles(first: 100) { pageInfo { hasNextPage } nodes { id
// membersCount } } } — 13 each.
func MemberRolesOperation(paths []string) Operation {
	op := aliasedPages("MemberRoles", len(paths))
	for i, path := range paths {
		p := op.pathVar(i, path)
		conn := Field{Name: "memberRoles", Args: "first: 100", Kind: Connection, Extra: 1, First: 100,
			Children: []Field{plain("pageInfo", plains("hasNextPage")...), plain("nodes", plains("id", "membersCount")...)}}
		op.Fields = append(op.Fields, Field{Alias: fmt.Sprintf("g%d", i), Name: "group", Args: "fullPath: $" + p,
			Kind: Resolver, Extra: 1, Children: []Field{conn}})
	}
	return op.Operation
}

type gqlRolesAnswer map[string]*struct {
	MemberRoles *struct {
		PageInfo gqlPageInfo `json:"pageInfo"`
		Nodes    []struct {
			MembersCount int `json:"membersCount"`
		} `json:"nodes"`
	} `json:"memberRoles"`
}

// ReadMemberRolesInUse reads the custom roles of groups (full paths), as many a POST as
// maxComplexity (GraphQLMaxComplexity when 0) allows. A group GitLab answered nothing for
// (no such field: Community Edition; not allowed to read them; a refusal) is absent from
// the answer; the error ends the reading.
func (c *Client) ReadMemberRolesInUse(ctx context.Context, paths []string, maxComplexity int) (map[string]RolesInUse, error) {
	if maxComplexity <= 0 {
		maxComplexity = GraphQLMaxComplexity
	}
	out := map[string]RolesInUse{}
	if len(paths) == 0 {
		return out, nil
	}
	per := max(1, maxComplexity/MemberRolesOperation(paths[:1]).Complexity())
	for len(paths) > 0 {
		n := min(per, len(paths))
		for n > 1 && len(MemberRolesOperation(paths[:n]).Query().Query) > GraphQLMaxQuerySize {
			n--
		}
		batch := paths[:n]
		paths = paths[n:]
		ans := &GraphQLResponse[gqlRolesAnswer]{}
		if err := c.GraphQL(ctx, []GraphQLQuery{MemberRolesOperation(batch).Query()}, []any{ans}); err != nil {
			if endsReading(err) {
				return out, err
			}
			continue
		}
		if ans.Data == nil {
			continue
		}
		for i, path := range batch {
			g := (*ans.Data)[fmt.Sprintf("g%d", i)]
			if g == nil || g.MemberRoles == nil {
				continue
			}
			r := RolesInUse{Defined: len(g.MemberRoles.Nodes)}
			for _, n := range g.MemberRoles.Nodes {
				r.Held += n.MembersCount
			}
			if g.MemberRoles.PageInfo.HasNextPage {
				r.Held = max(r.Held, 1) // roles past the page: assume held
			}
			out[path] = r
		}
	}
	return out, nil
}
