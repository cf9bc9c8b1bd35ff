package fakegitlab

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults configure how badly the fake behaves: injected latency, GitLab's rate limits and
// transient failures. The zero value is a healthy GitLab. Every random fault draws from a
// generator seeded with Seed, so a sequential client sees the same faults on every run;
// the Next* counters are exact and need no randomness at all.
type Faults struct {
	// Latency is added to every API request before it is served. The server sleeps
	// without holding the world lock, so concurrent requests overlap as on a real server.
	Latency time.Duration

	// RateLimit is the number of API requests each token (each IP address without a
	// token) may make per RateLimitPeriod; 0 means no limit. Over it GitLab answers
	// 429 with a plain-text "Retry later" body, Retry-After and RateLimit-* headers.
	// https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/#response-text
	// https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/#response-headers
	// GitLab.com allows 2,000 authenticated API requests a minute per user:
	// https://docs.gitlab.com/user/gitlab_com/rate_limits/
	RateLimit int
	// RateLimitPeriod is the window of RateLimit; default one minute. Windows are fixed and
	// aligned on the clock, as Rack::Attack's are.
	RateLimitPeriod time.Duration
	// RateLimitNoHeaders makes throttled answers carry no Retry-After and no RateLimit-*
	// headers: just 429 and "Retry later" (GitLab.com's edge and some limiters answer so:
	// https://gitlab.com/gitlab-org/gitlab/-/issues/365728).
	RateLimitNoHeaders bool
	// RouteRateLimits are per-endpoint limits per RateLimitPeriod, keyed by route name
	// ("GET /groups"), like GitLab's 200 GET /groups a minute per user (GitLab.com's,
	// and self-managed's default). Over one, GitLab's application rate limiter answers
	// 429 {"message":{"error":"This endpoint has been requested too many times. Try again
	// later."}}.
	// https://docs.gitlab.com/user/gitlab_com/rate_limits/
	// https://docs.gitlab.com/administration/settings/rate_limit_on_groups_api/
	RouteRateLimits map[string]int
	// GitLabRouteLimits turns on GitLab's documented default per-endpoint limits
	// (GitLabRouteLimitPreset), each with its own interval and scope, as an instance with
	// default settings (and GitLab.com) applies them. A RouteRateLimits entry for the same
	// route replaces the preset's.
	GitLabRouteLimits bool
	// OmitRateLimitHeaders stops the RateLimit-* headers GitLab.com puts on every
	// response. Self-managed instances send them only when a rate limit is enabled
	// (they are off by default there), so in self-managed mode they appear only with
	// RateLimit > 0. In gitlab.com mode they are sent by default, with RateLimit or
	// DefaultRateLimit as the limit.
	OmitRateLimitHeaders bool

	// ErrorRate is the fraction (0..1) of API requests answered, before being served,
	// with a status drawn from ErrorStatuses: nothing is applied.
	ErrorRate float64
	// ErrorStatuses are the statuses of random errors; default 500, 502, 503 and 429.
	ErrorStatuses []int
	// FailNextRequests answers the next N API requests with FailStatus (default 503),
	// before serving them.
	FailNextRequests int
	FailStatus       int

	// LostWriteRate is the fraction (0..1) of successful writes (POST, PUT, PATCH,
	// DELETE) whose response is lost: the change IS applied, then the client gets 502.
	LostWriteRate float64
	// LoseNextWrites loses the responses of the next N successful writes.
	LoseNextWrites int

	// TruncateRate is the fraction (0..1) of successful responses with a JSON body that
	// arrive cut in half (invalid JSON, consistent Content-Length).
	TruncateRate float64
	// TruncateNext truncates the next N successful JSON responses.
	TruncateNext int

	// Seed seeds the random faults.
	Seed int64
	// Clock is the time of the rate-limit windows; default time.Now. Tests inject one
	// to cross a window instantly.
	Clock func() time.Time
}

// GitLabRouteLimit is one of GitLab's documented per-endpoint rate limits.
type GitLabRouteLimit struct {
	Route    string        // the fake's route name: "GET /groups/:id"
	Limit    int           // requests per Interval
	Interval time.Duration // the limit's window
	// PerSource counts requests per group or project (:id) as well as per user.
	PerSource bool
}

// GitLabRouteLimitPreset are GitLab's default limits of the endpoints the fake serves,
// applied per user (per IP address without a token) when Faults.GitLabRouteLimits is set.
// Self-managed administrators can change them (and upgrades to 18.0 set the
// configurable ones to 0); these are the documented defaults.
var GitLabRouteLimitPreset = []GitLabRouteLimit{
	// https://docs.gitlab.com/administration/settings/rate_limit_on_groups_api/
	{Route: "GET /groups", Limit: 200, Interval: time.Minute},
	{Route: "GET /groups/:id", Limit: 400, Interval: time.Minute},
	{Route: "GET /groups/:id/projects", Limit: 600, Interval: time.Minute},
	// Same page, "Rate limit on listing group members": not configurable, 200 a minute
	// for each group and user.
	{Route: "GET /groups/:id/members/all", Limit: 200, Interval: time.Minute, PerSource: true},
	// https://docs.gitlab.com/administration/settings/rate_limit_on_members_api/ :
	// deleting members, 60 a minute per group (or project) and user.
	{Route: "DELETE /groups/:id/members/:user_id", Limit: 60, Interval: time.Minute, PerSource: true},
	{Route: "DELETE /projects/:id/members/:user_id", Limit: 60, Interval: time.Minute, PerSource: true},
	// https://docs.gitlab.com/administration/settings/rate_limit_on_projects_api/
	{Route: "GET /projects", Limit: 2000, Interval: 10 * time.Minute},
	{Route: "GET /projects/:id", Limit: 400, Interval: time.Minute},
	// https://docs.gitlab.com/administration/settings/rate_limit_on_users_api/ :
	// GET /users/:id, 300 per 10 minutes per user.
	{Route: "GET /users/:id", Limit: 300, Interval: 10 * time.Minute},
}

var gitLabRouteLimitByRoute = func() map[string]GitLabRouteLimit {
	m := map[string]GitLabRouteLimit{}
	for _, l := range GitLabRouteLimitPreset {
		m[l.Route] = l
	}
	return m
}()

// DefaultRateLimit is the per-minute limit GitLab.com reports on every response when no
// RateLimit is set: 2,000 authenticated API requests a minute per user.
const DefaultRateLimit = 2000

// rateLimitedText is the body of a throttled request: Rack::Attack's default response.
// https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/#response-text
const rateLimitedText = "Retry later\n"

type window struct {
	start time.Time
	count int
}

type faultState struct {
	mu      sync.Mutex
	cfg     Faults
	rng     *rand.Rand
	windows map[string]*window // "client key" or "client key|route" -> current window
}

func newFaultState(f Faults) *faultState {
	s := &faultState{}
	s.set(f)
	return s
}

// set replaces the configuration, reseeds the generator and forgets the rate-limit windows.
func (f *faultState) set(cfg Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = cfg
	seed := uint64(cfg.Seed)
	f.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f.windows = map[string]*window{}
}

// SetFaults changes the server's faults at run time (counters and windows restart).
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// Faults returns the current faults, with the Next* counters as far as they got.
func (s *Server) Faults() Faults {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.cfg
}

func (f *faultState) now() time.Time {
	if f.cfg.Clock != nil {
		return f.cfg.Clock()
	}
	return time.Now()
}

func (f *faultState) period() time.Duration {
	if f.cfg.RateLimitPeriod > 0 {
		return f.cfg.RateLimitPeriod
	}
	return time.Minute
}

// chance draws from the seeded generator; f.mu must be held.
func (f *faultState) chance(rate float64) bool {
	if rate <= 0 {
		return false
	}
	return f.rng.Float64() < rate
}

// clientKey identifies who a request counts against: the token's user (a hash of the
// token, never the token itself) or, without a token, the client's IP address.
func clientKey(r *http.Request) string {
	tok := r.Header.Get("PRIVATE-TOKEN")
	if tok == "" {
		tok = r.Header.Get("Authorization")
	}
	if tok != "" {
		h := fnv.New64a()
		_, _ = h.Write([]byte(tok))
		return "token:" + strconv.FormatUint(h.Sum64(), 16)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// hit counts a request in key's current window and returns the window's count and reset.
func (f *faultState) hit(key string, now time.Time) (int, time.Time) {
	return f.hitPeriod(key, now, f.period())
}

// hitPeriod is hit with windows of p.
func (f *faultState) hitPeriod(key string, now time.Time, p time.Duration) (int, time.Time) {
	start := now.Truncate(p)
	w := f.windows[key]
	if w == nil || !w.start.Equal(start) {
		w = &window{start: start}
		f.windows[key] = w
	}
	w.count++
	return w.count, start.Add(p)
}

// rateHeaders are GitLab's RateLimit-* headers for a window.
func (f *faultState) rateHeaders(h http.Header, limit, observed int, reset, now time.Time) {
	perMinute := int(math.Round(float64(limit) * float64(time.Minute) / float64(f.period())))
	remaining := limit - observed
	if remaining < 0 {
		remaining = 0
	}
	h.Set("RateLimit-Limit", strconv.Itoa(perMinute))
	h.Set("RateLimit-Observed", strconv.Itoa(observed))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
}

func retryAfter(reset, now time.Time) string {
	secs := int(math.Ceil(reset.Sub(now).Seconds()))
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs)
}

// onLatencySleep, when set by a test, runs while a request sleeps its injected latency
// (with the world lock released).
var onLatencySleep func()

// before runs ahead of a request, with the world locked; true means it already answered.
//
// Injected latency releases the world lock while it sleeps: before is the first thing
// ServeHTTP does under the lock, so nothing read from the world can go stale meanwhile.
func (f *faultState) before(c *call, route string, params map[string]string) bool {
	f.mu.Lock()
	latency := f.cfg.Latency
	f.mu.Unlock()
	if latency > 0 {
		c.s.mu.Unlock()
		if onLatencySleep != nil {
			onLatencySleep()
		}
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-c.r.Context().Done():
			t.Stop()
		}
		c.s.mu.Lock()
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	key := clientKey(c.r)

	// The instance-wide limit per user (Rack::Attack's throttle_authenticated_api).
	limit := f.cfg.RateLimit
	showHeaders := !f.cfg.OmitRateLimitHeaders && (limit > 0 || c.s.opts.Mode == ModeGitLabCom)
	if limit <= 0 && showHeaders {
		limit = DefaultRateLimit
	}
	if limit > 0 {
		observed, reset := f.hit(key, now)
		if showHeaders {
			f.rateHeaders(c.header, limit, observed, reset, now)
		}
		if f.cfg.RateLimit > 0 && observed > f.cfg.RateLimit {
			h := http.Header{}
			if !f.cfg.RateLimitNoHeaders {
				f.rateHeaders(h, limit, observed, reset, now)
				h.Set("RateLimit-Name", "throttle_authenticated_api")
				h.Set("Retry-After", retryAfter(reset, now))
			}
			writeRaw(c, http.StatusTooManyRequests, "text/plain", h, []byte(rateLimitedText))
			return true
		}
	}

	// Per-endpoint limits (GitLab's application rate limiter).
	n, windowKey, period := f.cfg.RouteRateLimits[route], key+"|"+route, f.period()
	if _, set := f.cfg.RouteRateLimits[route]; !set && f.cfg.GitLabRouteLimits {
		if l, ok := gitLabRouteLimitByRoute[route]; ok {
			n, period = l.Limit, l.Interval
			if l.PerSource {
				windowKey += "|" + strings.ToLower(params["id"])
			}
		}
	}
	if n > 0 {
		observed, reset := f.hitPeriod(windowKey, now, period)
		if observed > n {
			h := c.header.Clone()
			if !f.cfg.RateLimitNoHeaders {
				h.Set("Retry-After", retryAfter(reset, now))
			} else {
				for _, k := range []string{"RateLimit-Limit", "RateLimit-Observed", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-ResetTime"} {
					h.Del(k)
				}
			}
			writeRaw(c, http.StatusTooManyRequests, "application/json", h,
				[]byte(`{"message":{"error":"This endpoint has been requested too many times. Try again later."}}`))
			return true
		}
	}

	// Transient failures, before anything is applied.
	if f.cfg.FailNextRequests > 0 {
		f.cfg.FailNextRequests--
		status := f.cfg.FailStatus
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		f.writeFailure(c, status)
		return true
	}
	if f.chance(f.cfg.ErrorRate) {
		statuses := f.cfg.ErrorStatuses
		if len(statuses) == 0 {
			statuses = []int{500, 502, 503, 429}
		}
		f.writeFailure(c, statuses[f.rng.IntN(len(statuses))])
		return true
	}
	return false
}

// writeFailure answers a transient failure in the shape GitLab's layers give it:
// Rails answers 500 with JSON, the proxies in front answer 502/503 with HTML, and the
// throttle answers 429 in plain text.
func (f *faultState) writeFailure(c *call, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		writeRaw(c, status, "text/plain", c.header, []byte(rateLimitedText))
	case status == http.StatusInternalServerError:
		writeRaw(c, status, "application/json", c.header, []byte(`{"message":"500 Internal Server Error"}`))
	default:
		text := strconv.Itoa(status) + " " + http.StatusText(status)
		writeRaw(c, status, "text/html", nil, []byte("<html><body><h1>"+text+"</h1></body></html>\n"))
	}
}

// writeRaw answers directly, bypassing the fault layer.
func writeRaw(c *call, status int, contentType string, h http.Header, body []byte) {
	c.status = status
	for k, vs := range h {
		for _, v := range vs {
			c.w.Header().Add(k, v)
		}
	}
	c.w.Header().Set("Content-Type", contentType)
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// after runs once the handler answered (everything happens in mangleBody).
func (f *faultState) after(c *call, route string) {}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// mangleBody may damage a response: it runs inside writeBody once c.status is set and
// the headers are copied to the ResponseWriter, before the status is written.
//
// A lost write answers 502 itself and swaps c.w for a writer that discards what
// writeBody writes next: the handler already applied the change.
func (f *faultState) mangleBody(c *call, b []byte) []byte {
	if c.status < 200 || c.status > 299 {
		return b
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.route != nil && isWrite(c.r.Method) {
		lose := false
		if f.cfg.LoseNextWrites > 0 {
			f.cfg.LoseNextWrites--
			lose = true
		} else if f.chance(f.cfg.LostWriteRate) {
			lose = true
		}
		if lose {
			for k := range c.w.Header() {
				c.w.Header().Del(k)
			}
			writeRaw(c, http.StatusBadGateway, "text/html", nil,
				[]byte("<html><body><h1>502 Bad Gateway</h1></body></html>\n"))
			c.w = discardWriter{h: http.Header{}}
			return b
		}
	}
	if len(b) >= 2 && (b[0] == '{' || b[0] == '[') {
		cut := false
		if f.cfg.TruncateNext > 0 {
			f.cfg.TruncateNext--
			cut = true
		} else if f.chance(f.cfg.TruncateRate) {
			cut = true
		}
		if cut {
			return b[:len(b)/2]
		}
	}
	return b
}

// discardWriter swallows a response that was already answered by the fault layer.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) WriteHeader(int)             {}
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// FaultsJSON is Faults over HTTP (GET and PUT /-/fake/faults), durations as Go strings
// ("50ms"). The clock stays what it was.
type FaultsJSON struct {
	Latency              string         `json:"latency,omitempty"`
	RateLimit            int            `json:"rate_limit,omitempty"`
	RateLimitPeriod      string         `json:"rate_limit_period,omitempty"`
	RateLimitNoHeaders   bool           `json:"rate_limit_no_headers,omitempty"`
	RouteRateLimits      map[string]int `json:"route_rate_limits,omitempty"`
	GitLabRouteLimits    bool           `json:"gitlab_route_limits,omitempty"`
	OmitRateLimitHeaders bool           `json:"omit_rate_limit_headers,omitempty"`
	ErrorRate            float64        `json:"error_rate,omitempty"`
	ErrorStatuses        []int          `json:"error_statuses,omitempty"`
	FailNextRequests     int            `json:"fail_next_requests,omitempty"`
	FailStatus           int            `json:"fail_status,omitempty"`
	LostWriteRate        float64        `json:"lost_write_rate,omitempty"`
	LoseNextWrites       int            `json:"lose_next_writes,omitempty"`
	TruncateRate         float64        `json:"truncate_rate,omitempty"`
	TruncateNext         int            `json:"truncate_next,omitempty"`
	Seed                 int64          `json:"seed,omitempty"`
}

func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func toFaultsJSON(f Faults) FaultsJSON {
	return FaultsJSON{
		Latency: durationString(f.Latency), RateLimit: f.RateLimit, RateLimitPeriod: durationString(f.RateLimitPeriod),
		RateLimitNoHeaders: f.RateLimitNoHeaders, RouteRateLimits: f.RouteRateLimits, GitLabRouteLimits: f.GitLabRouteLimits, OmitRateLimitHeaders: f.OmitRateLimitHeaders,
		ErrorRate: f.ErrorRate, ErrorStatuses: f.ErrorStatuses, FailNextRequests: f.FailNextRequests, FailStatus: f.FailStatus,
		LostWriteRate: f.LostWriteRate, LoseNextWrites: f.LoseNextWrites, TruncateRate: f.TruncateRate, TruncateNext: f.TruncateNext,
		Seed: f.Seed,
	}
}

func (j FaultsJSON) faults(clock func() time.Time) (Faults, error) {
	f := Faults{
		RateLimit: j.RateLimit, RateLimitNoHeaders: j.RateLimitNoHeaders, RouteRateLimits: j.RouteRateLimits, GitLabRouteLimits: j.GitLabRouteLimits,
		OmitRateLimitHeaders: j.OmitRateLimitHeaders, ErrorRate: j.ErrorRate, ErrorStatuses: j.ErrorStatuses,
		FailNextRequests: j.FailNextRequests, FailStatus: j.FailStatus, LostWriteRate: j.LostWriteRate,
		LoseNextWrites: j.LoseNextWrites, TruncateRate: j.TruncateRate, TruncateNext: j.TruncateNext, Seed: j.Seed,
		Clock: clock,
	}
	var err error
	if j.Latency != "" {
		if f.Latency, err = time.ParseDuration(j.Latency); err != nil {
			return f, err
		}
	}
	if j.RateLimitPeriod != "" {
		if f.RateLimitPeriod, err = time.ParseDuration(j.RateLimitPeriod); err != nil {
			return f, err
		}
	}
	return f, nil
}

// serveFaults answers GET /-/fake/faults (the current faults) and PUT /-/fake/faults
// (replace them, as SetFaults does).
func (s *Server) serveFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		var j FaultsJSON
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			http.Error(w, "invalid faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		f, err := j.faults(s.Faults().Clock)
		if err != nil {
			http.Error(w, "invalid faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.SetFaults(f)
	default:
		w.Header().Set("Allow", "GET, PUT")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	b, _ := json.MarshalIndent(toFaultsJSON(s.Faults()), "", "  ")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}
