package fakegitlab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Options configure a Server. The zero value (plus a token) is a well-behaved gitlab.com.
type Options struct {
	Mode  Mode
	Token string // the personal access token every request must carry
	// TokenScopes are the token's scopes; default ["api"]. GET /personal_access_tokens/self
	// reports them and every request is checked against them (see checkScope).
	TokenScopes []string
	// TokenExpired makes every request answer 401 invalid_token "Token is expired".
	TokenExpired bool
	// TokenRevoked makes every request answer 401 invalid_token "Token was revoked".
	TokenRevoked bool
	// TokenExpiresAt is the token's expiry date (YYYY-MM-DD) reported by
	// /personal_access_tokens/self; "" reports null (no expiry).
	TokenExpiresAt string
	// Faults and costs: see faults.go.
	Faults  Faults
	GraphQL GraphQLOptions // POST /api/graphql: graphql.go
}

// Server serves a World over GitLab's REST API v4. It is safe for concurrent use.
type Server struct {
	mu    sync.Mutex
	world *World
	opts  Options
	rt    router

	faults *faultState // faults.go
	counts *counter    // counts.go

	// gen counts the changes the world may have had: every Write, Read and request other
	// than GET. Listings that are costly to compute and served page by page (billable
	// members) are cached for one gen (listingCache).
	gen     uint64
	listing map[string]any
	listGen uint64
}

// cachedListing returns the listing computed for key in the current gen, computing it
// once: a 30,000-member group's billable members are 300 pages, and recomputing them for
// every page made the listing quadratic.
func cachedListing[T any](s *Server, key string, compute func() T) T {
	if s.listGen != s.gen || s.listing == nil {
		s.listing, s.listGen = map[string]any{}, s.gen
	}
	if v, ok := s.listing[key]; ok {
		return v.(T)
	}
	v := compute()
	s.listing[key] = v
	return v
}

// New returns a server for w. The server owns w from now on: read and change it only
// through Read and Write.
func New(w *World, opts Options) *Server {
	if opts.Mode == "" {
		opts.Mode = ModeGitLabCom
	}
	if len(opts.TokenScopes) == 0 {
		opts.TokenScopes = []string{"api"}
	}
	s := &Server{world: w, opts: opts}
	s.faults = newFaultState(opts.Faults)
	s.counts = newCounter()
	s.routes()
	return s
}

// Mode is the deployment the server pretends to be.
func (s *Server) Mode() Mode { return s.opts.Mode }

// Read runs f with the world locked, for tests that assert on state.
func (s *Server) Read(f func(w *World)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++ // f may change the world though it should not
	f(s.world)
}

// Write runs f with the world locked, for tests that arrange state.
func (s *Server) Write(f func(w *World)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	f(s.world)
}

// handler serves one route. It runs with the world locked.
type handler func(c *call)

type route struct {
	method string
	parts  []string // literal segments, or ":name" for a parameter
	name   string   // the pattern, used as the route's name in request counts
	h      handler
}

type router struct{ routes []route }

// handle registers pattern (relative to /api/v4, e.g. "/groups/:id/members/:user_id").
func (r *router) handle(method, pattern string, h handler) {
	r.routes = append(r.routes, route{
		method: method,
		parts:  strings.Split(strings.Trim(pattern, "/"), "/"),
		name:   method + " " + pattern,
		h:      h,
	})
}

// match finds the route for an escaped path (relative to /api/v4). Parameters are
// unescaped, so ":id" may be "acme/platform" for a URL-encoded full path.
// It reports whether the path exists under another method (for 405).
func (r *router) match(method, escapedPath string) (*route, map[string]string, bool) {
	segs := strings.Split(strings.Trim(escapedPath, "/"), "/")
	pathExists := false
	for i := range r.routes {
		rt := &r.routes[i]
		if len(rt.parts) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for j, p := range rt.parts {
			seg, err := url.PathUnescape(segs[j])
			if err != nil {
				ok = false
				break
			}
			if strings.HasPrefix(p, ":") {
				params[p[1:]] = seg
			} else if p != seg {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if rt.method != method {
			pathExists = true
			continue
		}
		return rt, params, true
	}
	return nil, nil, pathExists
}

// call is one request being served.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	route  *route
	params map[string]string
	query  url.Values
	body   map[string]any // JSON or form body of POST/PUT, merged with the query
	world  *World
	me     *User // the token's user
	status int   // status written, for counts and faults
	header http.Header
	// myProjects is the token user's project authorizations, read once by a GET
	// (myProjectLevel, lookup.go).
	myProjects map[int64]AccessLevel
}

// param returns a path parameter.
func (c *call) param(name string) string { return c.params[name] }

// arg returns a request argument from the body (JSON or form) or the query string.
func (c *call) arg(name string) (string, bool) {
	if v, ok := c.body[name]; ok && v != nil {
		switch t := v.(type) {
		case string:
			return t, true
		case float64:
			return strconv.FormatInt(int64(t), 10), true
		case bool:
			return strconv.FormatBool(t), true
		default:
			b, _ := json.Marshal(t)
			return string(b), true
		}
	}
	if vs, ok := c.query[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// argBool reads a boolean argument the way GitLab's Grape does (true/false/1/0).
func (c *call) argBool(name string, def bool) bool {
	v, ok := c.arg(name)
	if !ok || v == "" {
		return def
	}
	switch strings.ToLower(v) {
	case "true", "1", "yes", "t":
		return true
	}
	return false
}

// argInt reads an integer argument; ok is false when absent, err when malformed.
func (c *call) argInt(name string) (int64, bool, error) {
	v, ok := c.arg(name)
	if !ok || v == "" || v == "null" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("%s is invalid", name)
	}
	return n, true, nil
}

// isAdmin reports whether the token user is an instance administrator.
func (c *call) isAdmin() bool {
	return c.s.opts.Mode == ModeSelfManaged && c.me != nil && c.me.IsAdmin
}

// json writes v as JSON with status.
func (c *call) json(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.status = http.StatusInternalServerError
		http.Error(c.w, `{"message":"500 Internal Server Error"}`, c.status)
		return
	}
	c.writeBody(status, "application/json", b)
}

// writeBody writes a response through the fault layer (truncation, lost responses).
func (c *call) writeBody(status int, contentType string, b []byte) {
	c.status = status
	for k, vs := range c.header {
		for _, v := range vs {
			c.w.Header().Add(k, v)
		}
	}
	b = c.s.faults.mangleBody(c, b)
	if contentType != "" {
		c.w.Header().Set("Content-Type", contentType)
	}
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b)
}

// noContent answers 204.
func (c *call) noContent() { c.writeBody(http.StatusNoContent, "", nil) }

// Error bodies, in GitLab's shapes. https://docs.gitlab.com/api/rest/troubleshooting/

// message answers {"message": msg}.
func (c *call) message(status int, msg string) {
	c.json(status, map[string]any{"message": msg})
}

// fieldErrors answers {"message": {field: [msgs...]}} (validation errors).
func (c *call) fieldErrors(status int, fields map[string][]string) {
	c.json(status, map[string]any{"message": fields})
}

// errorString answers {"error": msg} (parameter errors from Grape).
func (c *call) errorString(status int, msg string) {
	c.json(status, map[string]any{"error": msg})
}

// notFound answers GitLab's 404 {"message":"404 <What> Not Found"}.
func (c *call) notFound(what string) { c.message(http.StatusNotFound, "404 "+what+" Not Found") }

// forbidden answers GitLab's {"message":"403 Forbidden"}.
func (c *call) forbidden() { c.message(http.StatusForbidden, "403 Forbidden") }

// badRequest answers {"message":"400 Bad request - <msg>"}.
func (c *call) badRequest(msg string) { c.message(http.StatusBadRequest, "400 Bad request - "+msg) }

// ServeHTTP implements http.Handler.
//
// The fault layer (faults.go) sees every API response: faults.before runs first for
// every request (it may answer by itself, e.g. 429, and it may put headers such as
// RateLimit-* into c.header, which writeBody sends with EVERY response, 401/404/405
// included), mangleBody sees every body, and faults.after runs once the answer is written.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/graphql" {
		s.serveGraphQL(w, r) // graphql.go: GitLab's GraphQL API, outside /api/v4
		return
	}
	if strings.HasPrefix(r.URL.Path, "/-/fake/") {
		s.serveControl(w, r) // counts.go: request counts and other test controls
		return
	}
	const prefix = "/api/v4"
	escaped := r.URL.EscapedPath()
	if !strings.HasPrefix(escaped, prefix+"/") {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body>404 Not Found</body></html>"))
		return
	}
	rel := strings.TrimPrefix(escaped, prefix)

	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodGet {
		s.gen++
	}

	c := &call{s: s, w: w, r: r, query: r.URL.Query(), world: s.world, header: http.Header{}}
	rt, params, pathExists := s.rt.match(r.Method, rel)
	name := "unknown"
	if rt != nil {
		name = rt.name
	}
	defer func() { s.counts.add(name, c.status) }()

	// Rate limits, injected latency and random faults come before anything else.
	if s.faults.before(c, name, params) {
		return
	}
	defer s.faults.after(c, name)
	if !s.authenticate(c) {
		return
	}
	if rt == nil {
		if pathExists {
			c.message(http.StatusMethodNotAllowed, "405 Method Not Allowed")
			return
		}
		c.message(http.StatusNotFound, "404 Not Found")
		return
	}
	if !s.checkScope(c, rel) {
		return
	}
	c.route, c.params = rt, params
	if err := c.readBody(); err != nil {
		c.errorString(http.StatusBadRequest, err.Error())
		return
	}
	rt.h(c)
	if c.status == 0 {
		c.message(http.StatusInternalServerError, "500 Internal Server Error")
	}
}

// authenticate checks the token (PRIVATE-TOKEN header or Bearer) and finds its user.
// https://docs.gitlab.com/api/rest/authentication/ and
// https://docs.gitlab.com/api/rest/troubleshooting/ (invalid_token bodies).
func (s *Server) authenticate(c *call) bool {
	tok := c.r.Header.Get("PRIVATE-TOKEN")
	if tok == "" {
		if a := c.r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
			tok = strings.TrimPrefix(a, "Bearer ")
		}
	}
	if tok == "" || tok != s.opts.Token {
		c.json(http.StatusUnauthorized, map[string]any{"message": "401 Unauthorized"})
		return false
	}
	if s.opts.TokenRevoked || s.opts.TokenExpired {
		desc := "Token is expired. You can either do re-authorization or token refresh."
		if s.opts.TokenRevoked {
			desc = "Token was revoked. You have to re-authorize from the user."
		}
		c.header.Set("WWW-Authenticate", `Bearer realm="GitLab", error="invalid_token", error_description="`+desc+`"`)
		c.json(http.StatusUnauthorized, map[string]any{"error": "invalid_token", "error_description": desc})
		return false
	}
	c.me = s.world.Users[s.world.TokenUserID]
	if c.me == nil {
		c.json(http.StatusUnauthorized, map[string]any{"message": "401 Unauthorized"})
		return false
	}
	return true
}

// hasScope reports whether the token carries scope.
func (s *Server) hasScope(scope string) bool {
	for _, sc := range s.opts.TokenScopes {
		if sc == scope {
			return true
		}
	}
	return false
}

// userScopePaths are the endpoints a read_user token may GET: GitLab's Users API
// (allow_access_with_scope :read_user for GET), the token's self information and /version.
// https://docs.gitlab.com/user/profile/personal_access_tokens/#personal-access-token-scopes
func userScopePath(rel string) bool {
	for _, p := range []string{"/user", "/users", "/personal_access_tokens/self", "/version"} {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// checkScope enforces the token's scopes: api allows everything; read_api allows reads;
// read_user allows reads of the Users API only. Anything else answers 403 insufficient_scope
// with the scopes that would be enough, as GitLab's API guard does.
// https://docs.gitlab.com/user/profile/personal_access_tokens/#personal-access-token-scopes
func (s *Server) checkScope(c *call, rel string) bool {
	if s.hasScope("api") {
		return true
	}
	read := c.r.Method == http.MethodGet || c.r.Method == http.MethodHead
	needed := "api"
	if read {
		if s.hasScope("read_api") {
			return true
		}
		if userScopePath(rel) {
			if s.hasScope("read_user") {
				return true
			}
			needed = "api read_api read_user"
		} else {
			needed = "api read_api"
		}
	}
	const desc = "The request requires higher privileges than provided by the access token."
	c.header.Set("WWW-Authenticate", `Bearer realm="GitLab", error="insufficient_scope", error_description="`+desc+`", scope="`+needed+`"`)
	c.json(http.StatusForbidden, map[string]any{"error": "insufficient_scope", "error_description": desc, "scope": needed})
	return false
}

// readBody parses a JSON or form body into c.body.
func (c *call) readBody() error {
	c.body = map[string]any{}
	if c.r.Body == nil || (c.r.Method != http.MethodPost && c.r.Method != http.MethodPut && c.r.Method != http.MethodDelete) {
		return nil
	}
	ct := c.r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") {
		dec := json.NewDecoder(c.r.Body)
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return fmt.Errorf("body is not valid JSON")
		}
		for k, v := range m {
			if n, ok := v.(json.Number); ok {
				f, _ := n.Float64()
				c.body[k] = f
				continue
			}
			c.body[k] = v
		}
		return nil
	}
	if err := c.r.ParseForm(); err != nil {
		return fmt.Errorf("body is not a valid form")
	}
	for k, vs := range c.r.PostForm {
		if len(vs) > 0 {
			c.body[k] = vs[0]
		}
	}
	return nil
}
