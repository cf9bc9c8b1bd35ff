package fakegitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"
)

// GitLab's GraphQL API, POST /api/graphql (outside /api/v4), the subset a sync reads:
// graphql_schema.go (schema), graphql_resolvers.go (execution), graphql_members.go
// (member rows), graphql_complexity.go (limits). Parsing and validation are gqlparser's
// (github.com/vektah/gqlparser/v2), which also gives the typed AST the complexity and
// depth analysis walks; execution is graph-gophers/graphql-go's.
//
// The request (app/controllers/graphql_controller.rb):
//   - the same token authentication as REST (PRIVATE-TOKEN or Authorization: Bearer);
//     without a token the caller is anonymous (public data, lower limits); a token that
//     does not authenticate (unknown, revoked, expired, or without the api or read_api
//     scope GraphQL needs) answers 401 {"errors":[{"message":"Invalid token"}]}
//     (authorize_access_api!: current_user nil and a token present);
//   - a JSON object {query, variables, operationName}, or a JSON array of them: a
//     multiplex (multiplex?: params[:_json].is_a?(Array)), answered with an array;
//     variables as Gitlab::Graphql::Variables reads them (an object, a JSON string or
//     null; anything else 422). GET serves a query from the URL parameters too (counted
//     as "GET /api/graphql"); the fake serves no mutations;
//   - the limits and analysers of gitlab_schema.rb (graphql_complexity.go): complexity
//     (200 anonymous, 250, 300 for an administrator) summed over a multiplex, depth (15
//     anonymous, 20), GitLab's RecursionAnalyzer; parse, validation and analysis errors
//     leave the query unexecuted;
//   - limit_query_size: the query texts, summed over a multiplex, may have 10,000
//     characters; over it 422 {"errors":[{"message":"Query too large"}]}
//     (Gitlab::Graphql::Errors::ArgumentError => :unprocessable_entity);
//   - everything else is HTTP 200 with "errors": parse and validation errors (the unknown
//     field and argument ones in graphql-ruby's words), the limits, field errors
//     (authorization refusals, invalid cursors, the timeout fault).
//
// One POST is one request for counting ("POST /api/graphql") and for the fault layer:
// latency, rate limits (GitLab counts /api/graphql as API traffic:
// Gitlab::RateLimit::RequestClassification::API_PATH_REGEX), 5xx and truncation apply as
// for REST. Queries change nothing, so a POST here does not move the world's generation
// and the listings cached for it stay valid.

// GraphQLOptions configure POST /api/graphql. The zero value serves it.
type GraphQLOptions struct {
	// Disabled answers 404 at /api/graphql, as a GitLab without the GraphQL API (an old
	// version, or one where it is switched off or blocked in front).
	Disabled bool
	// TimeoutMembersOver makes a groupMembers or projectMembers field time out when its
	// listing has more rows than this (0: never), as GitLab's 30 s GraphQL timeout does on
	// a huge container (use Gitlab::Graphql::Timeout in gitlab_schema.rb; graphql-ruby's
	// GraphQL::Schema::Timeout answers the field with null and the error
	// "Timeout on <Type>.<field>").
	TimeoutMembersOver int
	// MaxComplexity replaces GitLab's complexity limits (200, 250, 300) when set, so a
	// client's handling of a refusal ("Query has complexity of N, which exceeds max
	// complexity of M") can be tested with its ordinary queries, as after GitLab changes
	// its accounting (the 18.4 change the reference notes).
	MaxComplexity int
	// TimeoutAs503 makes those containers fail the whole POST instead: 503
	// {"errors":[{"message":"Request timed out. Please try a less complex query or a
	// smaller set of records."}]}, GraphqlController's answer to
	// ActiveRecord::QueryCanceled (a statement timeout).
	TimeoutAs503 bool
}

// SetGraphQL changes the GraphQL options at run time.
func (s *Server) SetGraphQL(o GraphQLOptions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.GraphQL = o
}

// GraphQLOptionsJSON is GraphQLOptions over HTTP: GET /-/fake/graphql answers them, PUT
// replaces them (a fake run as a process, cmd/gitlab-fake, is switched so).
type GraphQLOptionsJSON struct {
	Disabled           bool `json:"disabled"`
	TimeoutMembersOver int  `json:"timeout_members_over"`
	MaxComplexity      int  `json:"max_complexity"`
	TimeoutAs503       bool `json:"timeout_as_503"`
}

func (s *Server) serveGraphQLControl(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		var j GraphQLOptionsJSON
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			http.Error(w, "invalid graphql options: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.SetGraphQL(GraphQLOptions(j))
	default:
		w.Header().Set("Allow", "GET, PUT")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	j := GraphQLOptionsJSON(s.opts.GraphQL)
	s.mu.Unlock()
	b, _ := json.MarshalIndent(j, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

const gqlRoute = "POST /api/graphql"

// gqlTimedOut503 is GraphqlController's text for ActiveRecord::QueryCanceled.
const gqlTimedOut503 = "Request timed out. Please try a less complex query or a smaller set of records."

// gqlSchemaVariants holds a value built once per schema variant: without
// Group.sharedGroups, and with it (a world from SharedGroupsGraphQLVersion on,
// graphql_shared_groups.go).
type gqlSchemaVariants[T any] struct {
	v    [2]T
	once [2]sync.Once
}

func (s *gqlSchemaVariants[T]) get(sharedGroups bool, build func(sdl string) T) T {
	i := 0
	if sharedGroups {
		i = 1
	}
	s.once[i].Do(func() { s.v[i] = build(gqlSchemaSDLFor(sharedGroups)) })
	return s.v[i]
}

var gqlExecSchemas gqlSchemaVariants[*graphql.Schema]

// gqlSchema is the executable schema of a variant. MaxParallelism(1): resolvers read the
// world and the server's listing cache, which the request holds locked, one at a time.
func gqlSchema(sharedGroups bool) *graphql.Schema {
	return gqlExecSchemas.get(sharedGroups, func(sdl string) *graphql.Schema {
		return graphql.MustParseSchema(sdl, &gqlRoot{}, graphql.MaxParallelism(1))
	})
}

// gqlRequest is one query of a POST.
type gqlRequest struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	RawVariables  json.RawMessage `json:"variables"`
	Variables     map[string]any  `json:"-"`
}

// decodeVariables reads variables as Gitlab::Graphql::Variables#to_h does
// (lib/gitlab/graphql/variables.rb): an object, a string holding JSON (blank: none), or
// null; anything else, or JSON that does not parse, is Variables::Invalid, which
// GraphqlController answers 422.
func decodeVariables(raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return nil, err
		}
		if strings.TrimSpace(str) == "" {
			return nil, nil
		}
		raw = []byte(str)
	}
	var vars map[string]any
	if err := json.Unmarshal(raw, &vars); err != nil {
		return nil, fmt.Errorf("Unexpected parameter: %s", raw)
	}
	return vars, nil
}

// gqlError is an error in GraphQL's shape.
type gqlError struct {
	Message   string        `json:"message"`
	Locations []gqlLocation `json:"locations,omitempty"`
	Path      []any         `json:"path,omitempty"`
}

type gqlLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// gqlResult is one query's answer.
type gqlResult struct {
	Data   json.RawMessage `json:"data,omitempty"`
	Errors []gqlError      `json:"errors,omitempty"`
}

func gqlErrorsOnly(msg string) map[string]any {
	return map[string]any{"errors": []gqlError{{Message: msg}}}
}

// serveGraphQL serves /api/graphql.
func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &call{s: s, w: w, r: r, query: r.URL.Query(), world: s.world, header: http.Header{}}
	route := gqlRoute
	if r.Method == http.MethodGet {
		route = "GET /api/graphql"
	}
	defer func() { s.counts.add(route, c.status) }()
	if s.faults.before(c, route, nil) {
		return
	}
	if s.opts.GraphQL.Disabled {
		c.writeBody(http.StatusNotFound, "text/html", []byte("<html><body>404 Not Found</body></html>"))
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		c.header.Set("Allow", "GET, POST")
		c.json(http.StatusMethodNotAllowed, gqlErrorsOnly("405 Method Not Allowed"))
		return
	}
	if !s.authenticateGraphQL(c) {
		return
	}
	reqs, multiplex, ok := readGraphQLRequests(c)
	if !ok {
		return
	}
	size := 0
	for _, q := range reqs {
		size += utf8.RuneCountInString(q.Query)
	}
	if size > gqlMaxQuerySize {
		c.json(http.StatusUnprocessableEntity, gqlErrorsOnly("Query too large"))
		return
	}

	results, status := s.runGraphQL(c, reqs)
	if status != http.StatusOK {
		c.json(status, gqlErrorsOnly(gqlTimedOut503))
		return
	}
	if multiplex {
		c.json(http.StatusOK, results)
		return
	}
	c.json(http.StatusOK, results[0])
}

// readGraphQLRequests reads the queries of a POST (a JSON object, or an array: a
// multiplex) or of a GET (query, variables and operationName parameters; GitLab serves
// queries on GET too and refuses mutations there: disallow_mutations_for_get).
func readGraphQLRequests(c *call) ([]gqlRequest, bool, bool) {
	if c.r.Method == http.MethodGet {
		q := gqlRequest{Query: c.query.Get("query"), OperationName: c.query.Get("operationName")}
		if v := c.query.Get("variables"); v != "" {
			b, _ := json.Marshal(v)
			q.RawVariables = b
		}
		reqs := []gqlRequest{q}
		return reqs, false, decodeAll(c, reqs)
	}
	body := new(bytes.Buffer)
	if _, err := body.ReadFrom(c.r.Body); err != nil {
		c.json(http.StatusBadRequest, gqlErrorsOnly("body could not be read"))
		return nil, false, false
	}
	raw := bytes.TrimSpace(body.Bytes())
	multiplex := len(raw) > 0 && raw[0] == '['
	var reqs []gqlRequest
	var err error
	if multiplex {
		err = json.Unmarshal(raw, &reqs)
	} else {
		var one gqlRequest
		err = json.Unmarshal(raw, &one)
		reqs = []gqlRequest{one}
	}
	if err != nil {
		c.json(http.StatusBadRequest, gqlErrorsOnly("body is not valid JSON"))
		return nil, false, false
	}
	return reqs, multiplex, decodeAll(c, reqs)
}

// decodeAll decodes every query's variables, answering 422 on the first invalid ones.
func decodeAll(c *call, reqs []gqlRequest) bool {
	for i := range reqs {
		vars, err := decodeVariables(reqs[i].RawVariables)
		if err != nil {
			c.json(http.StatusUnprocessableEntity, gqlErrorsOnly(err.Error()))
			return false
		}
		reqs[i].Variables = vars
	}
	return true
}

// authenticateGraphQL finds the token's user. No token: anonymous. A token that does not
// authenticate for the GraphQL API: 401 "Invalid token".
func (s *Server) authenticateGraphQL(c *call) bool {
	tok := c.r.Header.Get("PRIVATE-TOKEN")
	if tok == "" {
		if a := c.r.Header.Get("Authorization"); len(a) > 7 && a[:7] == "Bearer " {
			tok = a[7:]
		}
	}
	if tok == "" {
		return true // anonymous
	}
	ok := tok == s.opts.Token && !s.opts.TokenRevoked && !s.opts.TokenExpired && (s.hasScope("api") || s.hasScope("read_api"))
	if ok {
		c.me = s.world.Users[s.world.TokenUserID]
	}
	if c.me == nil {
		c.json(http.StatusUnauthorized, gqlErrorsOnly("Invalid token"))
		return false
	}
	return true
}

// gqlLimits are the caller's limits (gitlab_schema.rb max_query_complexity and
// max_query_depth).
func gqlLimits(c *call) (complexity, depth int) {
	switch {
	case c.me == nil:
		return gqlMaxComplexityAnonymous, gqlMaxDepthAnonymous
	case c.isAdmin():
		return gqlMaxComplexityAdmin, gqlMaxDepthUser
	}
	return gqlMaxComplexityUser, gqlMaxDepthUser
}

// runGraphQL analyses and executes the queries of a POST. The status is 200, or 503
// when a statement timed out (TimeoutAs503).
func (s *Server) runGraphQL(c *call, reqs []gqlRequest) ([]gqlResult, int) {
	maxComplexity, maxDepth := gqlLimits(c)
	if s.opts.GraphQL.MaxComplexity > 0 {
		maxComplexity = s.opts.GraphQL.MaxComplexity
	}
	// The world's version chooses the schema: a GitLab before SharedGroupsGraphQLVersion
	// has no Group.sharedGroups, and validation refuses it as any unknown field.
	shared := versionAtLeast(c.world.Version, SharedGroupsGraphQLVersion)
	analyses := make([]*gqlAnalysis, len(reqs))
	total := 0
	for i, q := range reqs {
		analyses[i] = analyzeQuery(gqlAST(shared), q.Query, q.OperationName, q.Variables)
		if analyses[i].errs == nil {
			total += analyses[i].complexity
		}
	}
	results := make([]gqlResult, len(reqs))
	for i, q := range reqs {
		a := analyses[i]
		if a.errs != nil {
			for _, e := range a.errs {
				ge := gqlError{Message: rubyValidationText(e.Message)}
				for _, l := range e.Locations {
					ge.Locations = append(ge.Locations, gqlLocation{Line: l.Line, Column: l.Column})
				}
				results[i].Errors = append(results[i].Errors, ge)
			}
			continue
		}
		if a.recursion != "" {
			results[i].Errors = append(results[i].Errors, gqlError{Message: a.recursion})
		}
		if a.depth > maxDepth {
			results[i].Errors = append(results[i].Errors, gqlError{Message: depthError(a.depth, maxDepth)})
		}
		if total > maxComplexity {
			results[i].Errors = append(results[i].Errors, gqlError{Message: complexityError(total, maxComplexity)})
		}
		if results[i].Errors != nil {
			continue
		}
		req := &gqlReq{c: c, score: a.complexity, limit: maxComplexity}
		ctx := context.WithValue(c.r.Context(), gqlReqKey{}, req)
		resp := gqlSchema(shared).Exec(ctx, q.Query, q.OperationName, q.Variables)
		if req.timedOut503 {
			return nil, http.StatusServiceUnavailable
		}
		results[i].Data = resp.Data
		for _, e := range resp.Errors {
			results[i].Errors = append(results[i].Errors, fromQueryError(e))
		}
	}
	return results, http.StatusOK
}

var (
	reUnknownField = regexp.MustCompile(`^Cannot query field "(\w+)" on type "(\w+)"\.`)
	reUnknownArg   = regexp.MustCompile(`^Unknown argument "(\w+)" on field "\w+\.(\w+)"\.`)
)

// rubyValidationText gives the two validation errors a client meets most in
// graphql-ruby's words (GitLab's library): an unknown field ("Field 'x' doesn't exist on
// type 'Y'", graphql-ruby's FieldsAreDefinedOnType) and an unknown argument ("Field 'x'
// doesn't accept argument 'y'", ArgumentsAreDefined). Other texts are gqlparser's.
func rubyValidationText(msg string) string {
	if m := reUnknownField.FindStringSubmatch(msg); m != nil {
		return "Field '" + m[1] + "' doesn't exist on type '" + m[2] + "'"
	}
	if m := reUnknownArg.FindStringSubmatch(msg); m != nil {
		return "Field '" + m[2] + "' doesn't accept argument '" + m[1] + "'"
	}
	return msg
}

func fromQueryError(e *gqlerrors.QueryError) gqlError {
	ge := gqlError{Message: e.Message, Path: e.Path}
	for _, l := range e.Locations {
		ge.Locations = append(ge.Locations, gqlLocation{Line: l.Line, Column: l.Column})
	}
	return ge
}

// gqlReqKey carries the *gqlReq of the query being executed.
type gqlReqKey struct{}

// gqlReq is one executing query: the request's call (world, caller) and its analysis.
type gqlReq struct {
	c           *call
	score       int
	limit       int
	timedOut503 bool
	myProjects  map[int64]AccessLevel // projectLevel
}

func reqOf(ctx context.Context) *gqlReq { return ctx.Value(gqlReqKey{}).(*gqlReq) }

func (q *gqlReq) me() *User { return q.c.me }

// readAll: administrators read everything; so do auditors (`rule { auditor }.policy {
// enable :read_group }`, ee/app/policies/ee/group_policy.rb), as in canSeeGroup.
func (q *gqlReq) readAll() bool { return q.c.isAdmin() || (q.c.me != nil && q.c.me.Auditor) }

// viewerKey names the caller in cache keys.
func (q *gqlReq) viewerKey() string {
	if q.c.me == nil {
		return "anon"
	}
	return "me=" + strconv.FormatInt(q.c.me.ID, 10) + " all=" + strconv.FormatBool(q.readAll())
}
