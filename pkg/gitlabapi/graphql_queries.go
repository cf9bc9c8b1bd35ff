package gitlabapi

import (
	"fmt"
	"strings"
)

// The GraphQL queries the sync sends, built as field trees so that each query's text and
// its complexity by GitLab's rule come from the same description.
//
// GitLab's rule (app/graphql/types/base_field.rb; app/graphql/resolvers/base_resolver.rb):
//   - a plain field costs 1 plus its children;
//   - a field with an explicit complexity (descendantGroups: 5) costs it plus its children;
//   - a resolver-backed field costs its children plus resolver_complexity (1, +1 when a
//     sort argument has a value — defaults count —, +5 with search; the namespace projects
//     resolver adds 10); a connection then adds that × min(first, last, 100) × 0.01,
//     truncated to an integer (connection_complexity_multiplier). An inner connection is
//     not multiplied by the outer page size.

// ComplexityKind is how a field is charged.
type ComplexityKind int

const (
	// Plain: 1 plus the children.
	Plain ComplexityKind = iota
	// Constant: Extra plus the children.
	Constant
	// Resolver: a single object from a resolver: the children plus Extra
	// (resolver_complexity).
	Resolver
	// Connection: a resolver-backed connection: (children + Extra) × (1 + First/100).
	Connection
)

// Field is one selected field.
type Field struct {
	Alias, Name string
	Args        string // between the parentheses; "" for none
	Kind        ComplexityKind
	Extra       int // Constant's value, or resolver_complexity
	First       int // a connection's page size
	Children    []Field
}

// Complexity is the field's complexity by GitLab's rule.
func (f Field) Complexity() int {
	child := 0
	for _, c := range f.Children {
		child += c.Complexity()
	}
	switch f.Kind {
	case Constant, Resolver:
		return f.Extra + child
	case Connection:
		c := child + f.Extra
		n := f.First
		if n <= 0 || n > GraphQLMaxPageSize {
			n = GraphQLMaxPageSize
		}
		return int(float64(c) + float64(c)*float64(n)*0.01)
	}
	return 1 + child
}

// Depth is the field's depth (graphql-ruby's QueryDepth: every field one level).
func (f Field) Depth() int {
	d := 0
	for _, c := range f.Children {
		d = max(d, c.Depth())
	}
	return 1 + d
}

func (f Field) write(sb *strings.Builder) {
	if f.Alias != "" {
		sb.WriteString(f.Alias + ": ")
	}
	sb.WriteString(f.Name)
	if f.Args != "" {
		sb.WriteString("(" + f.Args + ")")
	}
	if len(f.Children) > 0 {
		sb.WriteString(" {")
		for _, c := range f.Children {
			sb.WriteByte(' ')
			c.write(sb)
		}
		sb.WriteString(" }")
	}
}

// Operation is a query: its name, variable definitions and top-level fields.
type Operation struct {
	Name      string
	VarDefs   string // "$ids: [ID!]" ; "" for none
	Fields    []Field
	Variables map[string]any
}

// Complexity sums the top-level fields.
func (o Operation) Complexity() int {
	total := 0
	for _, f := range o.Fields {
		total += f.Complexity()
	}
	return total
}

// Depth is the deepest field.
func (o Operation) Depth() int {
	d := 0
	for _, f := range o.Fields {
		d = max(d, f.Depth())
	}
	return d
}

// Query is the operation's text and variables.
func (o Operation) Query() GraphQLQuery {
	var sb strings.Builder
	sb.WriteString("query " + o.Name)
	if o.VarDefs != "" {
		sb.WriteString("(" + o.VarDefs + ")")
	}
	sb.WriteString(" {")
	for _, f := range o.Fields {
		sb.WriteByte(' ')
		f.write(&sb)
	}
	sb.WriteString(" }")
	return GraphQLQuery{Query: sb.String(), Variables: o.Variables}
}

func plain(name string, children ...Field) Field { return Field{Name: name, Children: children} }

func plains(names ...string) []Field {
	out := make([]Field, len(names))
	for i, n := range names {
		out[i] = Field{Name: n}
	}
	return out
}

// pageInfoField: pageInfo { hasNextPage endCursor } (3).
func pageInfoField() Field { return plain("pageInfo", plains("hasNextPage", "endCursor")...) }

// memberNodes is what the sync reads of a membership (MemberInterface): its global id
// (an email invitation's row, user null, is matched by it to Group.pendingMembers), its
// access level, expiry and user — 11.
func memberNodes() Field {
	return plain("nodes", plain("id"),
		plain("accessLevel", plains("integerValue")...),
		plain("expiresAt"),
		plain("user", plains("id", "username", "name", "state", "webUrl")...))
}

// membersConnection is groupMembers or projectMembers with relations: [DIRECT], a page
// of 100 after cursorVar ("" for the first page) — 30.
func membersConnection(name, cursorVar string) Field {
	args := "first: 100, relations: [DIRECT]"
	if cursorVar != "" {
		args = "first: 100, after: $" + cursorVar + ", relations: [DIRECT]"
	}
	return Field{Name: name, Args: args, Kind: Connection, Extra: 1, First: 100,
		Children: []Field{pageInfoField(), memberNodes()}}
}

// sharedProbe: who reaches the group through a group shared into it or an ancestor,
// and from which groups? groupMembers(relations: [SHARED_FROM_GROUPS], first: 100) { nodes
// { group { id } } } — 12. The rows are the invited groups' direct members, one per user
// (GroupMembersFinder: of_groups(Group.shared_into_ancestors), distinct on the user);
// GraphQL redacts a row whose group the caller cannot read after the page is cut
// (GroupMember authorizes :read_group), so a page can be empty while hasNextPage says
// more rows follow.
func sharedProbe() Field {
	return Field{Alias: "shared", Name: "groupMembers", Args: "first: 100, relations: [SHARED_FROM_GROUPS]",
		Kind: Connection, Extra: 1, First: 100, Children: []Field{plain("pageInfo", plains("hasNextPage")...),
			plain("nodes", plain("group", plains("id")...))}}
}

// sharedGroupsField is Group.sharedGroups (GitLab 18.4+,
// Resolvers::Namespaces::SharedGroupsResolver: the groups this group is invited to,
// visible to the caller; resolver_complexity 1 + 1 for sort's default) — 12.
func sharedGroupsField() Field {
	return Field{Name: "sharedGroups", Args: "first: 100", Kind: Connection, Extra: 2, First: 100,
		Children: []Field{plain("pageInfo", plains("hasNextPage")...), plain("nodes", plains("id")...)}}
}

// GroupsWith says what a chunk of groups brings besides each group's members and shared
// probe: its own projects (Group.projects, subgroups' not included: each subgroup is a
// node of its own) with their first page of direct members, and the groups it is
// invited to (Group.sharedGroups).
type GroupsWith struct {
	Projects, SharedGroups bool
}

// GroupsMembersOperation reads n groups by global id (Query.groups(ids:)), each with
// its first page of direct members and the shared probe, and what with asks. An inner
// connection is not multiplied by the outer page size, so a chunk of groups brings their
// projects for about the complexity of one project page. Query.groups' sort has a
// default (name_asc): resolver_complexity 2. Variables: ids.
func GroupsMembersOperation(ids []int64, with GroupsWith) Operation {
	gids := make([]string, len(ids))
	for i, id := range ids {
		gids[i] = fmt.Sprintf("gid://gitlab/Group/%d", id)
	}
	n := len(ids)
	node := []Field{plain("id"), membersConnection("groupMembers", ""), sharedProbe()}
	if with.Projects {
		node = append(node, projectsConnection(GraphQLMaxPageSize, ""))
	}
	if with.SharedGroups {
		node = append(node, sharedGroupsField())
	}
	return Operation{
		Name:    "GroupsMembers",
		VarDefs: "$ids: [ID!]",
		Fields: []Field{{Name: "groups", Args: fmt.Sprintf("ids: $ids, first: %d", n), Kind: Connection, Extra: 2, First: n,
			Children: []Field{plain("nodes", node...)}}},
		Variables: map[string]any{"ids": gids},
	}
}

// GroupsMembersChunk is the most groups one GroupsMembersOperation may read within
// maxComplexity (at most a page, 100).
func GroupsMembersChunk(with GroupsWith, maxComplexity int) int {
	ids := make([]int64, GraphQLMaxPageSize)
	n := GraphQLMaxPageSize
	for n > 1 && GroupsMembersOperation(ids[:n], with).Complexity() > maxComplexity {
		n--
	}
	return n
}

// projectsConnection is a group's own projects (Group.projects: resolver_complexity
// 1 + 10; its subgroups' projects are not included: each subgroup is read itself), a page
// of first after the cursor variable $afterVar ("" for none), each with its first page of
// direct members.
func projectsConnection(first int, afterVar string) Field {
	args := fmt.Sprintf("first: %d", first)
	if afterVar != "" {
		args += ", after: $" + afterVar
	}
	return Field{Name: "projects", Args: args, Kind: Connection, Extra: 11, First: first,
		Children: []Field{pageInfoField(), plain("nodes", plain("id"), membersConnection("projectMembers", ""))}}
}

// ProjectsMembersOperation reads a further page of a group's own projects, each with its
// first page of direct members. Variables: root, after.
func ProjectsMembersOperation(group string, first int, after string) Operation {
	vars := map[string]any{"root": group}
	if after != "" {
		vars["after"] = after
	}
	return Operation{
		Name:    "ProjectsMembers",
		VarDefs: "$root: ID!, $after: String",
		Fields: []Field{{Name: "group", Args: "fullPath: $root", Kind: Resolver, Extra: 1,
			Children: []Field{projectsConnection(first, "after")}}},
		Variables: vars,
	}
}

// MoreMembers is a container whose members continue after Cursor ("" for the first page).
type MoreMembers struct {
	Kind     SourceKind
	FullPath string
	Cursor   string
}

// MoreMembersOperation reads the next page of members of several containers, one alias
// each (m0, m1...): group(fullPath:) or project(fullPath:) — 31 each.
func MoreMembersOperation(items []MoreMembers) Operation {
	op := aliasedPages("MoreMembers", len(items))
	for i, it := range items {
		p, c := op.pageVars(i, it.FullPath, it.Cursor)
		name, conn := "group", "groupMembers"
		if it.Kind == Projects {
			name, conn = "project", "projectMembers"
		}
		op.Fields = append(op.Fields, Field{Alias: fmt.Sprintf("m%d", i), Name: name, Args: "fullPath: $" + p,
			Kind: Resolver, Extra: 1, Children: []Field{membersConnection(conn, c)}})
	}
	return op.Operation
}

// aliasedOperation builds an operation that reads a page of something of several
// containers, one alias each, with a pair of variables each: $p<i> (the container's full
// path) and $c<i> (the cursor; null for the first page).
type aliasedOperation struct {
	Operation
	defs []string
}

func aliasedPages(name string, n int) *aliasedOperation {
	return &aliasedOperation{Operation: Operation{Name: name, Variables: make(map[string]any, 2*n)}}
}

// pathVar declares the i-th path variable alone (no page after the first) and returns
// its name.
func (a *aliasedOperation) pathVar(i int, fullPath string) string {
	p := fmt.Sprintf("p%d", i)
	a.defs = append(a.defs, "$"+p+": ID!")
	a.Variables[p] = fullPath
	a.VarDefs = strings.Join(a.defs, ", ")
	return p
}

// pageVars declares the i-th pair of variables and returns their names.
func (a *aliasedOperation) pageVars(i int, fullPath, cursor string) (p, c string) {
	p, c = fmt.Sprintf("p%d", i), fmt.Sprintf("c%d", i)
	a.defs = append(a.defs, "$"+p+": ID!", "$"+c+": String")
	a.Variables[p], a.Variables[c] = fullPath, nil
	if cursor != "" {
		a.Variables[c] = cursor
	}
	a.VarDefs = strings.Join(a.defs, ", ")
	return p, c
}
