package gitlabapi

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Per-endpoint pacing.
//
// Besides its instance-wide limit (GitLab.com: 2,000 authenticated API requests a minute
// per user, which client-go's own limiter paces to 66%), GitLab limits some endpoints on
// their own ("application rate limits"), per user and, for some, per group or project.
// client-go knows nothing of them: at its ~22 requests/s a sync that reads one group
// detail (GET /groups/:id, for shared_with_groups) after each group's member listing
// sends ~660 GET /groups/:id a minute, over GitLab.com's 400, and from ~400 groups waits
// on 429s for up to a minute each. The pacer below waits, per endpoint, on a token
// bucket set a little under GitLab's limit, so such an endpoint is never the one that
// stops a sync.
//
// When it paces (decided here, see EndpointPacing):
//
//   - GitLab.com: the documented limits (GitLabEndpointLimits) are GitLab.com's, enabled
//     there since March/April 2025
//     (https://about.gitlab.com/blog/2024/05/14/rate-limitations-announced-for-projects-groups-and-users-apis/).
//     They are paced from the first response that carries RateLimit-Limit: GitLab.com
//     sends it on every API response, the same signal client-go's own limiter configures
//     itself from, so in practice from the second request. A GitLab.com stand-in that
//     sends no RateLimit-* header at all (the test suite's fake, unthrottled) is not
//     paced, exactly as client-go's limiter is not.
//   - Self-managed: not paced by default. The Groups and Projects API limits are off
//     unless an administrator turns them on (upgrades to 18.0 set them to 0), and any of
//     them can be changed; GitLab does not announce an endpoint's limit (RateLimit-*
//     headers, when sent, describe the instance-wide user limit, not the endpoint's), so
//     guessing would only slow syncs down. Instead an endpoint that answers 429 with the
//     application rate limiter's message ("This endpoint has been requested too many
//     times") is paced from then on, at its documented default: GitLab announced that it
//     limits it. (That 429 itself is retried as usual: see retry.go.)
//   - Anywhere: EndpointPacing.Mode "on" paces from the first request, "off" never.
//
// Each limit is paced at Fraction (default 90%) of its rate with a burst of half the
// rest: a token bucket allows at most burst + rate × T requests in any window of length
// T, so at most 95% of the limit in any of GitLab's fixed windows, leaving 5% for
// network jitter and for the request that armed the pacer.

// EndpointLimit is one of GitLab's per-endpoint rate limits.
type EndpointLimit struct {
	// Method is the HTTP method ("GET").
	Method string
	// Path is the route after /api/v4, with ":name" for a parameter that matches one
	// path segment (a numeric id or a URL-encoded full path): "/groups/:id".
	Path string
	// Limit is the number of requests allowed per Interval.
	Limit int
	// Interval is the limit's window.
	Interval time.Duration
	// PerSource: GitLab counts the requests per group or project (the first parameter)
	// as well as per user, so each one gets its own bucket.
	PerSource bool
}

// GitLabEndpointLimits are GitLab's documented per-endpoint limits (the GitLab.com values,
// which are also the self-managed defaults) of the endpoints the connector calls or may
// call. Each one is per user.
var GitLabEndpointLimits = []EndpointLimit{
	// https://docs.gitlab.com/administration/settings/rate_limit_on_groups_api/ :
	// GET /groups 200, GET /groups/:id 400, GET /groups/:id/projects 600,
	// GET /groups/:id/invited_groups 60, each a minute per user.
	{Method: "GET", Path: "/groups", Limit: 200, Interval: time.Minute},
	{Method: "GET", Path: "/groups/:id", Limit: 400, Interval: time.Minute},
	{Method: "GET", Path: "/groups/:id/projects", Limit: 600, Interval: time.Minute},
	{Method: "GET", Path: "/groups/:id/invited_groups", Limit: 60, Interval: time.Minute},
	// Same page, "Rate limit on listing group members": not configurable, 200 a minute
	// for each group and user.
	{Method: "GET", Path: "/groups/:id/members/all", Limit: 200, Interval: time.Minute, PerSource: true},
	// https://docs.gitlab.com/administration/settings/rate_limit_on_projects_api/ :
	// authenticated GET /projects 2,000 per 10 minutes, GET /projects/:id 400 a minute,
	// GET /users/:user_id/projects 300 a minute.
	{Method: "GET", Path: "/projects", Limit: 2000, Interval: 10 * time.Minute},
	{Method: "GET", Path: "/projects/:id", Limit: 400, Interval: time.Minute},
	{Method: "GET", Path: "/users/:id/projects", Limit: 300, Interval: time.Minute},
	// https://docs.gitlab.com/administration/settings/rate_limit_on_members_api/ :
	// deleting members, 60 a minute per group (or project) and user.
	{Method: "DELETE", Path: "/groups/:id/members/:user_id", Limit: 60, Interval: time.Minute, PerSource: true},
	{Method: "DELETE", Path: "/projects/:id/members/:user_id", Limit: 60, Interval: time.Minute, PerSource: true},
	// https://docs.gitlab.com/administration/settings/rate_limit_on_users_api/ :
	// GET /users/:id, 300 per 10 minutes per user.
	{Method: "GET", Path: "/users/:id", Limit: 300, Interval: 10 * time.Minute},
}

// PacingMode says when EndpointPacing applies.
type PacingMode string

const (
	// PacingAuto (the default): GitLab.com from the first response carrying
	// RateLimit-Limit; any deployment for an endpoint once it answered GitLab's
	// "requested too many times" 429. See the comment at the top of endpoint_limits.go.
	PacingAuto PacingMode = ""
	// PacingOn paces every limit from the first request, on any deployment.
	PacingOn PacingMode = "on"
	// PacingOff never paces (GitLab's 429s are still retried, see retry.go).
	PacingOff PacingMode = "off"
)

// DefaultPacingFraction is the share of each limit the client paces to.
const DefaultPacingFraction = 0.9

// EndpointPacing configures the per-endpoint pacing. The zero value is the default.
type EndpointPacing struct {
	// Mode: PacingAuto (default), PacingOn or PacingOff.
	Mode PacingMode
	// Limits replaces GitLabEndpointLimits (e.g. an instance's own values).
	Limits []EndpointLimit
	// Fraction of each limit to pace to, in (0, 1]; default DefaultPacingFraction.
	Fraction float64

	// now and sleep are the pacer's clock (tests use a fake one; default real time).
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// applicationRateLimitedText is the error GitLab's application rate limiter answers an
// endpoint's 429 with: {"message":{"error":"This endpoint has been requested too many
// times. Try again later."}} (Gitlab::ApplicationRateLimiter, lib/api/helpers).
const applicationRateLimitedText = "requested too many times"

// compiledLimit is an EndpointLimit with its path split for matching.
type compiledLimit struct {
	EndpointLimit
	parts []string
	key   string // "GET /groups/:id"
}

// pacer is the http.RoundTripper that paces requests per endpoint.
type pacer struct {
	next     http.RoundTripper
	limits   []compiledLimit
	fraction float64
	mode     PacingMode
	gitlab   bool // the deployment is GitLab.com
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	armed atomic.Bool // GitLab.com announced rate limiting (RateLimit-Limit seen)

	mu       sync.Mutex
	buckets  map[string]*rate.Limiter // route key (+ "|" + source) -> bucket
	announce map[string]bool          // route key -> GitLab answered its endpoint 429
}

func newPacer(next http.RoundTripper, p EndpointPacing, d Deployment) *pacer {
	if next == nil {
		next = http.DefaultTransport
	}
	limits := p.Limits
	if limits == nil {
		limits = GitLabEndpointLimits
	}
	f := p.Fraction
	if f <= 0 || f > 1 {
		f = DefaultPacingFraction
	}
	pc := &pacer{
		next: next, fraction: f, mode: p.Mode, gitlab: d == GitLabCom,
		now: p.now, sleep: p.sleep,
		buckets: map[string]*rate.Limiter{}, announce: map[string]bool{},
	}
	if pc.now == nil {
		pc.now = time.Now
	}
	if pc.sleep == nil {
		pc.sleep = sleepContext
	}
	for _, l := range limits {
		if l.Limit <= 0 || l.Interval <= 0 {
			continue
		}
		pc.limits = append(pc.limits, compiledLimit{
			EndpointLimit: l,
			parts:         strings.Split(strings.Trim(l.Path, "/"), "/"),
			key:           strings.ToUpper(l.Method) + " " + l.Path,
		})
	}
	return pc
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// match finds the limit of a request and the source (first parameter) it counts for.
func (p *pacer) match(r *http.Request) (*compiledLimit, string) {
	path := r.URL.EscapedPath()
	i := strings.Index(path, "/api/v4/")
	if i < 0 {
		return nil, ""
	}
	segs := strings.Split(strings.Trim(path[i+len("/api/v4/"):], "/"), "/")
	for k := range p.limits {
		l := &p.limits[k]
		if !strings.EqualFold(l.Method, r.Method) || len(l.parts) != len(segs) {
			continue
		}
		source, ok := "", true
		for j, part := range l.parts {
			if strings.HasPrefix(part, ":") {
				if segs[j] == "" {
					ok = false
					break
				}
				if source == "" {
					source = strings.ToLower(segs[j])
				}
				continue
			}
			if part != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return l, source
		}
	}
	return nil, ""
}

// active reports whether l is paced now.
func (p *pacer) active(l *compiledLimit) bool {
	switch p.mode {
	case PacingOff:
		return false
	case PacingOn:
		return true
	}
	if p.gitlab && p.armed.Load() {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.announce[l.key]
}

// bucket is the token bucket of l (and source, for per-source limits).
func (p *pacer) bucket(l *compiledLimit, source string) *rate.Limiter {
	key := l.key
	if l.PerSource {
		key += "|" + source
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.buckets[key]
	if b == nil {
		perSecond := p.fraction * float64(l.Limit) / l.Interval.Seconds()
		burst := int(math.Floor(float64(l.Limit)*(1-p.fraction)/2 + 1e-9)) // 60 × 0.1 / 2 is 3, not 2.99…
		if burst < 1 {
			burst = 1
		}
		b = rate.NewLimiter(rate.Limit(perSecond), burst) // full; only p.now() is used
		p.buckets[key] = b
	}
	return b
}

// wait takes a token from b, sleeping (on the pacer's clock) until there is one.
func (p *pacer) wait(ctx context.Context, b *rate.Limiter) error {
	now := p.now()
	res := b.ReserveN(now, 1)
	if !res.OK() {
		return nil // burst >= 1: cannot happen
	}
	d := res.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := p.sleep(ctx, d); err != nil {
		res.CancelAt(p.now())
		return err
	}
	return nil
}

// RoundTrip paces the request if its endpoint is limited and paced, then sends it.
func (p *pacer) RoundTrip(r *http.Request) (*http.Response, error) {
	l, source := p.match(r)
	paced := l != nil && p.active(l)
	if paced {
		if err := p.wait(r.Context(), p.bucket(l, source)); err != nil {
			return nil, err
		}
	}
	resp, err := p.next.RoundTrip(r)
	if err != nil || p.mode != PacingAuto {
		return resp, err
	}
	if p.gitlab && resp.Header.Get("RateLimit-Limit") != "" && !p.armed.Load() {
		p.armed.Store(true)
	}
	if l == nil || paced {
		return resp, nil
	}
	switch {
	case p.gitlab && p.armed.Load():
		// This request armed the pacer: count it in its endpoint's bucket.
		p.bucket(l, source).ReserveN(p.now(), 1)
	case resp.StatusCode == http.StatusTooManyRequests && endpointLimited(resp):
		p.mu.Lock()
		p.announce[l.key] = true
		p.mu.Unlock()
	}
	return resp, nil
}

// endpointLimited reports whether a 429 is the application rate limiter's (an endpoint's
// limit) rather than the instance-wide one ("Retry later"). It peeks at the body and
// puts it back.
func endpointLimited(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), Closer: resp.Body}
	if err != nil {
		return false
	}
	return bytes.Contains(head, []byte(applicationRateLimitedText))
}

type readCloser struct {
	io.Reader
	io.Closer
}
