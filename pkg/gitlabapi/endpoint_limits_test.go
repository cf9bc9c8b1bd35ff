package gitlabapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// fakeClock is the pacer's and the fake GitLab's clock: sleeping advances it, so paced
// requests cross GitLab's rate-limit windows instantly and deterministically.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps int
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.sleeps++
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) pacing(p EndpointPacing) EndpointPacing {
	p.now, p.sleep = c.now, c.sleep
	return p
}

const pacingToken = "glpat-pacing-test-0123456789"

// pacedFake serves the demo world with faults on clock, and a client for it.
func pacedFake(t *testing.T, mode fg.Mode, faults fg.Faults, pacing EndpointPacing) (*fg.Server, *Client) {
	t.Helper()
	srv := fg.New(fg.DemoWorld(mode), fg.Options{Mode: mode, Token: pacingToken, Faults: faults})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	d := GitLabCom
	if mode == fg.ModeSelfManaged {
		d = SelfManaged
	}
	c, err := New(context.Background(), Options{
		BaseURL: ts.URL, Token: pacingToken, Deployment: d,
		Retry:  RetryPolicy{MaxRetries: -1}, // a 429 comes back at once: the test counts them
		Pacing: pacing,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// getGroups calls GET /groups/:id n times and returns how many failed.
func getGroups(t *testing.T, c *Client, n int) int {
	t.Helper()
	failed := 0
	for i := 0; i < n; i++ {
		_, _, err := c.API.Groups.GetGroup(fg.DemoGroupPlatform, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)})
		if err != nil {
			failed++
		}
	}
	return failed
}

// On GitLab.com (RateLimit-* headers on every response) with GitLab's documented
// endpoint limits on, the client paces GET /groups/:id (400/min), GET /groups (200/min)
// and GET /projects/:id (400/min) so that none answers 429; without the pacing the same
// calls in the same minute are refused past each limit.
func TestPacingKeepsGitLabComEndpointLimits(t *testing.T) {
	const details, lists, projects = 450, 230, 420
	run := func(t *testing.T, mode PacingMode, omitHeaders bool) (*fg.Server, *fakeClock, int) {
		clock := newFakeClock()
		srv, c := pacedFake(t, fg.ModeGitLabCom, fg.Faults{
			GitLabRouteLimits: true,
			// A huge instance-wide limit: the RateLimit-* headers are sent (as GitLab.com
			// does) but client-go's own limiter (66% of it) never waits in real time.
			RateLimit:            10_000_000,
			OmitRateLimitHeaders: omitHeaders,
			Clock:                clock.now,
		}, clock.pacing(EndpointPacing{Mode: mode}))
		failed := getGroups(t, c, details)
		for i := 0; i < lists; i++ {
			if _, _, err := c.API.Groups.ListGroups(&gitlab.ListGroupsOptions{ListOptions: gitlab.ListOptions{PerPage: 2}}); err != nil {
				failed++
			}
		}
		for i := 0; i < projects; i++ {
			if _, _, err := c.API.Projects.GetProject(fg.DemoProjectAPI, nil); err != nil {
				failed++
			}
		}
		return srv, clock, failed
	}

	t.Run("paced", func(t *testing.T) {
		srv, clock, failed := run(t, PacingAuto, false)
		if got := srv.StatusCounts()[http.StatusTooManyRequests]; got != 0 || failed != 0 {
			t.Fatalf("%d answers 429 (%d calls failed), want none; statuses %v", got, failed, srv.StatusCounts())
		}
		counts := srv.Counts()
		if counts["GET /groups/:id"] != details || counts["GET /groups"] != lists || counts["GET /projects/:id"] != projects {
			t.Fatalf("requests per route %v, want %d, %d and %d", counts, details, lists, projects)
		}
		// 450 details at 360 a minute after a burst of 20 take at least 71 s of the clock.
		if elapsed := clock.now().Sub(newFakeClock().t); elapsed < 71*time.Second {
			t.Fatalf("the clock moved %v: the calls were not paced", elapsed)
		}
	})
	t.Run("unpaced", func(t *testing.T) {
		srv, clock, failed := run(t, PacingOff, false)
		want := (details - 400) + (lists - 200) + (projects - 400)
		if got := srv.StatusCounts()[http.StatusTooManyRequests]; got != want || failed != want {
			t.Fatalf("%d answers 429 (%d calls failed), want %d: the test no longer shows what pacing avoids", got, failed, want)
		}
		if clock.sleeps != 0 {
			t.Fatalf("paced %d times with pacing off", clock.sleeps)
		}
	})
	// Without RateLimit-* headers nothing is paced up front, so each endpoint is refused
	// past its limit as unpaced; each 429 then arms its endpoint (paced from then on, the
	// clock still within GitLab's minute, so the rest are refused too).
	t.Run("no RateLimit headers: paced only once limited", func(t *testing.T) {
		srv, clock, _ := run(t, PacingAuto, true)
		want := (details - 400) + (lists - 200) + (projects - 400)
		if got := srv.StatusCounts()[http.StatusTooManyRequests]; got != want {
			t.Fatalf("%d answers 429, want %d as unpaced", got, want)
		}
		if clock.sleeps == 0 {
			t.Fatal("never paced after GitLab's 429s")
		}
	})
}

// A tiny limit on the fake and the same limit in the client's options: every call is
// done, none is refused, and the clock shows the pacing (4.5 a minute).
func TestPacingFollowsConfiguredLimits(t *testing.T) {
	clock := newFakeClock()
	srv, c := pacedFake(t, fg.ModeSelfManaged, fg.Faults{
		RouteRateLimits: map[string]int{"GET /groups/:id": 5},
		Clock:           clock.now,
	}, clock.pacing(EndpointPacing{
		Mode:   PacingOn,
		Limits: []EndpointLimit{{Method: "GET", Path: "/groups/:id", Limit: 5, Interval: time.Minute}},
	}))
	const n = 30
	if failed := getGroups(t, c, n); failed != 0 || srv.StatusCounts()[http.StatusTooManyRequests] != 0 {
		t.Fatalf("%d calls failed, statuses %v; want every call done without a 429", failed, srv.StatusCounts())
	}
	if got := srv.Counts()["GET /groups/:id"]; got != n {
		t.Fatalf("GET /groups/:id served %d times, want %d", got, n)
	}
	// 29 waits of 60/4.5 s after the first.
	if elapsed, want := clock.now().Sub(newFakeClock().t), 29*time.Minute/45*10; elapsed < want {
		t.Fatalf("the clock moved %v, want at least %v", elapsed, want)
	}
}

// Self-managed instances are not paced until GitLab answers an endpoint's 429 with its
// application rate limiter's message; that endpoint is paced from then on (at GitLab's
// documented default), the others still are not.
func TestSelfManagedPacesAnEndpointOnceGitLabLimitsIt(t *testing.T) {
	clock := newFakeClock()
	srv, c := pacedFake(t, fg.ModeSelfManaged, fg.Faults{GitLabRouteLimits: true, Clock: clock.now},
		clock.pacing(EndpointPacing{}))
	if failed := getGroups(t, c, 401); failed != 1 || clock.sleeps != 0 {
		t.Fatalf("%d of 401 GET /groups/:id failed after %d waits; want only the 401st refused, unpaced", failed, clock.sleeps)
	}
	var er *gitlab.ErrorResponse
	_, _, err := c.API.Groups.GetGroup(fg.DemoGroupPlatform, nil)
	if !errors.As(err, &er) || er.Response.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("GET /groups/:id over the limit: %v, want a 429", err)
	}
	// Another endpoint GitLab did not limit yet is still unpaced.
	before := clock.sleeps
	for i := 0; i < 50; i++ {
		if _, _, err := c.API.Projects.GetProject(fg.DemoProjectAPI, nil); err != nil {
			t.Fatal(err)
		}
	}
	if clock.sleeps != before {
		t.Fatalf("GET /projects/:id was paced before GitLab limited it")
	}

	clock.advance(time.Minute) // GitLab's next window
	srv.ResetCounts()
	if failed := getGroups(t, c, 450); failed != 0 || srv.StatusCounts()[http.StatusTooManyRequests] != 0 {
		t.Fatalf("%d calls failed after GitLab announced the limit; statuses %v", failed, srv.StatusCounts())
	}
	if clock.sleeps == before {
		t.Fatal("GET /groups/:id is not paced after its 429")
	}
}

type stubTransport struct {
	mu       sync.Mutex
	requests int
	header   http.Header
}

func (s *stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	h := http.Header{}
	for k, v := range s.header {
		h[k] = v
	}
	return &http.Response{StatusCode: http.StatusNoContent, Header: h, Body: http.NoBody, Request: r}, nil
}

func TestPacerMatchesEndpoints(t *testing.T) {
	p := newPacer(&stubTransport{}, EndpointPacing{}, GitLabCom)
	tests := []struct {
		method, url, want, source string
	}{
		{"GET", "https://gitlab.com/api/v4/groups", "GET /groups", ""},
		{"GET", "https://gitlab.com/api/v4/groups?per_page=100&page=3", "GET /groups", ""},
		{"GET", "https://gitlab.com/api/v4/groups/11", "GET /groups/:id", "11"},
		{"GET", "https://gitlab.com/api/v4/groups/acme%2Fplatform", "GET /groups/:id", "acme%2fplatform"},
		{"GET", "https://gitlab.example.com/gitlab/api/v4/groups/11", "GET /groups/:id", "11"},
		{"GET", "https://gitlab.com/api/v4/groups/11/projects?include_subgroups=true", "GET /groups/:id/projects", "11"},
		{"GET", "https://gitlab.com/api/v4/groups/11/members", "", ""},
		{"GET", "https://gitlab.com/api/v4/groups/11/invitations", "", ""},
		{"GET", "https://gitlab.com/api/v4/groups/11/members/all", "GET /groups/:id/members/all", "11"},
		{"DELETE", "https://gitlab.com/api/v4/groups/11/members/102", "DELETE /groups/:id/members/:user_id", "11"},
		{"DELETE", "https://gitlab.com/api/v4/projects/50/members/102", "DELETE /projects/:id/members/:user_id", "50"},
		{"PUT", "https://gitlab.com/api/v4/groups/11/members/102", "", ""},
		{"POST", "https://gitlab.com/api/v4/groups", "", ""},
		{"GET", "https://gitlab.com/api/v4/projects", "GET /projects", ""},
		{"GET", "https://gitlab.com/api/v4/projects/50", "GET /projects/:id", "50"},
		{"GET", "https://gitlab.com/api/v4/users", "", ""},
		{"GET", "https://gitlab.com/api/v4/users/102", "GET /users/:id", "102"},
		{"GET", "https://gitlab.com/api/v4/user", "", ""},
	}
	for _, tt := range tests {
		r, err := http.NewRequest(tt.method, tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		l, source := p.match(r)
		got := ""
		if l != nil {
			got = l.key
		}
		if got != tt.want || (l != nil && source != tt.source) {
			t.Errorf("%s %s: matched %q (source %q), want %q (%q)", tt.method, tt.url, got, source, tt.want, tt.source)
		}
	}
}

// Member deletion is limited per group or project: each source has its own bucket of
// 54 a minute with a burst of 3, so 10 deletions in one group wait 7 times, and the
// next group starts with a full bucket.
func TestPacerBucketsPerSource(t *testing.T) {
	clock := newFakeClock()
	p := newPacer(&stubTransport{}, clock.pacing(EndpointPacing{Mode: PacingOn}), SelfManaged)
	del := func(url string) {
		r, _ := http.NewRequest(http.MethodDelete, url, nil)
		if _, err := p.RoundTrip(r); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		del("https://gitlab.example.com/api/v4/groups/11/members/102")
	}
	if clock.sleeps != 7 {
		t.Fatalf("10 deletions in one group waited %d times, want 7", clock.sleeps)
	}
	for i := 0; i < 10; i++ {
		del("https://gitlab.example.com/api/v4/projects/50/members/102")
	}
	if clock.sleeps != 14 {
		t.Fatalf("10 more deletions in another source waited %d times in all, want 14", clock.sleeps)
	}
}

// A request whose context ends while it waits is not sent.
func TestPacerWaitHonoursContext(t *testing.T) {
	stub := &stubTransport{}
	p := newPacer(stub, EndpointPacing{Mode: PacingOn, Limits: []EndpointLimit{
		{Method: "GET", Path: "/groups/:id", Limit: 1, Interval: time.Hour},
	}}, GitLabCom)
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://gitlab.com/api/v4/groups/11", nil)
	if _, err := p.RoundTrip(r); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := p.RoundTrip(r); !errors.Is(err, context.Canceled) {
		t.Fatalf("second request: %v, want context.Canceled", err)
	}
	if stub.requests != 1 {
		t.Fatalf("%d requests sent, want 1", stub.requests)
	}
}
