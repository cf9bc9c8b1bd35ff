package fakegitlab

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
)

// GitLab's GraphQL limits and its complexity rule, computed over gqlparser's validated
// AST before the query is executed.
//
// Limits, app/graphql/gitlab_schema.rb: DEFAULT_MAX_COMPLEXITY = 200 (anonymous),
// AUTHENTICATED_MAX_COMPLEXITY = 250, ADMIN_MAX_COMPLEXITY = 300 (current_user&.admin),
// DEFAULT_MAX_DEPTH = 15 (anonymous), AUTHENTICATED_MAX_DEPTH = 20; default_max_page_size
// 100. GitlabSchema.multiplex sets the complexity limit on the whole multiplex, whose
// complexity graphql-ruby sums over its queries (lib/graphql/analysis/query_complexity.rb,
// max_possible_complexity), and the depth limit on each query. Error texts are
// graphql-ruby's (lib/graphql/analysis/max_query_complexity.rb, max_query_depth.rb).
const (
	gqlMaxComplexityAnonymous = 200
	gqlMaxComplexityUser      = 250
	gqlMaxComplexityAdmin     = 300
	gqlMaxDepthAnonymous      = 15
	gqlMaxDepthUser           = 20
	gqlMaxPageSize            = 100
	// gqlMaxQuerySize is GraphqlController::MAX_QUERY_SIZE: limit_query_size sums the
	// query texts of a multiplex (app/controllers/graphql_controller.rb).
	gqlMaxQuerySize = 10_000
)

var gqlParsedSchemas gqlSchemaVariants[*ast.Schema]

// gqlAST is the schema of a variant as gqlparser reads it (for validation and analysis).
func gqlAST(sharedGroups bool) *ast.Schema {
	return gqlParsedSchemas.get(sharedGroups, func(sdl string) *ast.Schema {
		s, err := gqlparser.LoadSchema(&ast.Source{Name: "gitlab.graphql", Input: sdl})
		if err != nil {
			panic("fakegitlab: GraphQL schema: " + err.Error())
		}
		return s
	})
}

// gqlAnalysis is what the analysis found out about one query of a request.
type gqlAnalysis struct {
	schema     *ast.Schema
	op         *ast.OperationDefinition
	vars       map[string]any
	complexity int
	depth      int
	recursion  string        // Gitlab's RecursionAnalyzer error, "" when none
	errs       gqlerror.List // parse, validation or variable errors: not executed
}

// analyzeQuery parses and validates a query against schema and computes its depth and
// complexity.
func analyzeQuery(schema *ast.Schema, query, operationName string, vars map[string]any) *gqlAnalysis {
	a := &gqlAnalysis{schema: schema}
	if strings.TrimSpace(query) == "" {
		a.errs = gqlerror.List{gqlerror.Errorf("No query string was present")} // graphql-ruby's GraphQL::Query
		return a
	}
	doc, errs := gqlparser.LoadQuery(a.schema, query)
	if len(errs) > 0 {
		// validate_max_errors 5 (gitlab_schema.rb): validation stops at five errors.
		a.errs = errs[:min(len(errs), 5)]
		return a
	}
	a.op = doc.Operations.ForName(operationName)
	if a.op == nil {
		// graph-gophers reports "no operation" errors in GraphQL's shape.
		return a
	}
	coerced, err := validator.VariableValues(a.schema, a.op, vars)
	if err != nil {
		if ge, ok := err.(*gqlerror.Error); ok {
			a.errs = gqlerror.List{ge}
		} else {
			a.errs = gqlerror.List{gqlerror.Errorf("%s", err.Error())}
		}
		return a
	}
	a.vars = coerced
	root := a.schema.Query
	a.complexity = a.selectionComplexity(a.op.SelectionSet, root)
	a.depth = a.selectionDepth(a.op.SelectionSet)
	a.recursion = recursionError(a.op.SelectionSet)
	return a
}

// recursionError is GitLab's RecursionAnalyzer
// (lib/gitlab/graphql/query_analyzers/ast/recursion_analyzer.rb): a field with selections
// met more than RECURSION_THRESHOLD = 2 times in one branch of the query (node, edges,
// nodes and ofType excepted). As its skip_node? returns false for skipped fields and
// fragment definitions, every field with selections counts, @skip and @include
// notwithstanding. The text is its heredoc, the stray `")` included, with the fields as
// Ruby prints a Hash ({"parent"=>3}), the last count recorded for each.
func recursionError(ss ast.SelectionSet) string {
	visits := map[string]int{}
	recurring := map[string]int{}
	var order []string
	var walk func(ss ast.SelectionSet)
	walk = func(ss ast.SelectionSet) {
		for _, sel := range ss {
			switch s := sel.(type) {
			case *ast.Field:
				counted := len(s.SelectionSet) > 0
				if counted {
					visits[s.Name]++
					if n := visits[s.Name]; n > 2 && !ignoredRecursionField(s.Name) {
						if _, ok := recurring[s.Name]; !ok {
							order = append(order, s.Name)
						}
						recurring[s.Name] = n
					}
				}
				walk(s.SelectionSet)
				if counted {
					visits[s.Name]--
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil {
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(ss)
	if len(order) == 0 {
		return ""
	}
	parts := make([]string, len(order))
	for i, name := range order {
		parts[i] = fmt.Sprintf("%q=>%d", name, recurring[name])
	}
	return "Recursive query - too many of fields '{" + strings.Join(parts, ", ") + "}' detected\nin single branch of the query\")\n"
}

func ignoredRecursionField(name string) bool {
	switch name {
	case "node", "edges", "nodes", "ofType":
		return true
	}
	return false
}

// skipped applies @skip and @include: graphql-ruby's analysers do not visit skipped
// fields (visitor.skipping?).
func (a *gqlAnalysis) skipped(ds ast.DirectiveList) bool {
	for _, d := range ds {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		v, _ := d.ArgumentMap(a.vars)["if"].(bool)
		if d.Name == "skip" && v {
			return true
		}
		if d.Name == "include" && !v {
			return true
		}
	}
	return false
}

// selectionDepth is graphql-ruby's QueryDepth: every field one level, fragments inlined.
func (a *gqlAnalysis) selectionDepth(ss ast.SelectionSet) int {
	best := 0
	for _, sel := range ss {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if a.skipped(s.Directives) {
				continue
			}
			d = 1 + a.selectionDepth(s.SelectionSet)
		case *ast.InlineFragment:
			if a.skipped(s.Directives) {
				continue
			}
			d = a.selectionDepth(s.SelectionSet)
		case *ast.FragmentSpread:
			if a.skipped(s.Directives) || s.Definition == nil {
				continue
			}
			d = a.selectionDepth(s.Definition.SelectionSet)
		}
		best = max(best, d)
	}
	return best
}

// applies says whether a fragment with type condition cond applies to the object type t.
func (a *gqlAnalysis) applies(cond string, t *ast.Definition) bool {
	if cond == "" || cond == t.Name {
		return true
	}
	for _, pt := range a.schema.GetPossibleTypes(a.schema.Types[cond]) {
		if pt.Name == t.Name {
			return true
		}
	}
	return false
}

// collect gathers the fields selected on the object type t by response key, in order,
// merging repeated keys and fragments as GraphQL's CollectFields does.
func (a *gqlAnalysis) collect(ss ast.SelectionSet, t *ast.Definition, keys *[]string, by map[string][]*ast.Field) {
	for _, sel := range ss {
		switch s := sel.(type) {
		case *ast.Field:
			if a.skipped(s.Directives) {
				continue
			}
			k := s.Alias
			if k == "" {
				k = s.Name
			}
			if _, ok := by[k]; !ok {
				*keys = append(*keys, k)
			}
			by[k] = append(by[k], s)
		case *ast.InlineFragment:
			if !a.skipped(s.Directives) && a.applies(s.TypeCondition, t) {
				a.collect(s.SelectionSet, t, keys, by)
			}
		case *ast.FragmentSpread:
			if !a.skipped(s.Directives) && s.Definition != nil && a.applies(s.Definition.TypeCondition, t) {
				a.collect(s.Definition.SelectionSet, t, keys, by)
			}
		}
	}
}

// selectionComplexity is the complexity of a selection on type t: for an interface, the
// highest over its possible types (graphql-ruby's QueryComplexity takes the maximum over
// the possible types of a selection).
func (a *gqlAnalysis) selectionComplexity(ss ast.SelectionSet, t *ast.Definition) int {
	if t == nil || len(ss) == 0 {
		return 0
	}
	if t.Kind == ast.Interface || t.Kind == ast.Union {
		best := 0
		for _, pt := range a.schema.GetPossibleTypes(t) {
			best = max(best, a.objectComplexity(ss, pt))
		}
		return best
	}
	return a.objectComplexity(ss, t)
}

func (a *gqlAnalysis) objectComplexity(ss ast.SelectionSet, t *ast.Definition) int {
	var keys []string
	by := map[string][]*ast.Field{}
	a.collect(ss, t, &keys, by)
	total := 0
	for _, k := range keys {
		fs := by[k]
		var children ast.SelectionSet
		for _, f := range fs {
			children = append(children, f.SelectionSet...)
		}
		f := fs[0]
		child := 0
		if f.Definition != nil && len(children) > 0 {
			child = a.selectionComplexity(children, a.schema.Types[f.Definition.Type.Name()])
		}
		total += a.fieldComplexity(t.Name, f, child)
	}
	return total
}

// gqlResolverConnections are the connection fields backed by a GitLab resolver (the
// resolver's extra complexity): app/graphql/resolvers/base_resolver.rb
// resolver_complexity is 1; NamespaceProjectsResolver adds 10.
var gqlResolverConnections = map[string]int{
	"Query.groups":           1, // Resolvers::GroupsResolver
	"Group.groupMembers":     1, // Resolvers::GroupMembersResolver
	"Project.projectMembers": 1, // Resolvers::ProjectMembersResolver
	"Group.projects":         11,
	"Group.memberRoles":      1, // Resolvers::MemberRoles::RolesResolver
	"Group.pendingMembers":   1, // EE::Resolvers::PendingGroupMembersResolver (no sort, no search)
	// Resolvers::Namespaces::SharedGroupsResolver (graphql_shared_groups.go): no
	// complexity: in the field, so the resolver rule; sort has a default (:name_asc), so
	// it always adds 1.
	"Group.sharedGroups": 1,
}

// gqlConstantComplexity are fields declared with an explicit complexity (group_type.rb:
// descendant_groups complexity: 5): the constant plus the children, no page-size factor.
var gqlConstantComplexity = map[string]int{
	"Group.descendantGroups": 5,
}

// gqlResolverFields are single-object fields backed by a resolver (query_type.rb: group
// with Resolvers::GroupResolver, project with Resolvers::ProjectResolver): the proc of
// base_field.rb field_resolver_complexity, children + resolver_complexity, and no
// multiplier as they are not connections.
var gqlResolverFields = map[string]bool{"Query.group": true, "Query.project": true}

// fieldComplexity is GitLab's rule, app/graphql/types/base_field.rb:
//   - a plain field: DEFAULT_COMPLEXITY 1 plus its children;
//   - an explicit constant (field_complexity returns it): the constant plus its children;
//   - a resolver-backed field (field_resolver_complexity): c = children +
//     resolver_complexity(args) (1, +1 with sort, +5 with search; the arguments come with
//     their defaults applied), then for a connection c += c × min(first, last, 100) × 0.01
//     (connection_complexity_multiplier, BaseResolver.complexity_multiplier), cast to_i.
func (a *gqlAnalysis) fieldComplexity(parent string, f *ast.Field, child int) int {
	key := parent + "." + f.Name
	if c, ok := gqlConstantComplexity[key]; ok {
		return c + child
	}
	extra, conn := gqlResolverConnections[key]
	if !conn && !gqlResolverFields[key] {
		return 1 + child
	}
	args := f.ArgumentMap(a.vars)
	c := child + 1
	if conn {
		c = child + extra
	}
	if args["sort"] != nil {
		c++
	}
	if args["search"] != nil {
		c += 5
	}
	if !conn {
		return c
	}
	limit := gqlMaxPageSize
	for _, name := range []string{"first", "last"} {
		if n, ok := argInt(args[name]); ok && n < limit {
			limit = n
		}
	}
	total := float64(c) + float64(c)*(float64(limit)*0.01)
	return int(total)
}

// argInt reads an Int argument as gqlparser coerces it.
func argInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	}
	return 0, false
}

// complexityError and depthError are graphql-ruby's texts.
func complexityError(score, limit int) string {
	return fmt.Sprintf("Query has complexity of %d, which exceeds max complexity of %d", score, limit)
}

func depthError(depth, limit int) string {
	return fmt.Sprintf("Query has depth of %d, which exceeds max depth of %d", depth, limit)
}
