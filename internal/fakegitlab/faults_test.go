package fakegitlab

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"golang.org/x/time/rate"
)

const fltToken = "glpat-test-token"

// fltClock is a settable clock for rate-limit windows.
type fltClock struct {
	mu sync.Mutex
	t  time.Time
}

func (k *fltClock) Now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.t
}

func (k *fltClock) Advance(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.t = k.t.Add(d)
}

// fltClient is the official client without retries, so each call is one request,
// and without its rate limiter: left alone, it tunes itself to 66% of the first
// RateLimit-Limit it sees and would make these tests wait minutes.
func fltClient(t *testing.T, url string) *gitlab.Client {
	t.Helper()
	c, err := gitlab.NewClient(fltToken, gitlab.WithBaseURL(url), gitlab.WithoutRetries(),
		gitlab.WithCustomLimiter(rate.NewLimiter(rate.Inf, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fltBlockUser sends POST /users/:id/block through the official client and returns the
// response, which BlockUser itself does not.
func fltBlockUser(t *testing.T, client *gitlab.Client, id int64) (*gitlab.Response, error) {
	t.Helper()
	req, err := client.NewRequest(http.MethodPost, "users/"+strconv.FormatInt(id, 10)+"/block", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return client.Do(req, nil)
}

// fltGet sends one GET with the test token and returns the status, headers and body.
func fltGet(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", fltToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	clock := &fltClock{t: time.Date(2026, 11, 1, 12, 0, 10, 0, time.UTC)}
	_, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{
		Mode: ModeGitLabCom, Token: fltToken,
		Faults: Faults{RateLimit: 3, Clock: clock.Now},
	})
	client := fltClient(t, url)
	reset := time.Date(2026, 11, 1, 12, 1, 0, 0, time.UTC)

	for i := 1; i <= 3; i++ {
		_, resp, err := client.Version.GetVersion()
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got := resp.Header.Get("RateLimit-Remaining"); got != strconv.Itoa(3-i) {
			t.Errorf("request %d: RateLimit-Remaining = %q, want %d", i, got, 3-i)
		}
		if got := resp.Header.Get("RateLimit-Observed"); got != strconv.Itoa(i) {
			t.Errorf("request %d: RateLimit-Observed = %q, want %d", i, got, i)
		}
	}
	_, resp, err := client.Version.GetVersion()
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th request: want 429, got resp=%v err=%v", resp, err)
	}
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("want *gitlab.ErrorResponse, got %T", err)
	}
	want := map[string]string{
		"Retry-After":         "50",
		"RateLimit-Limit":     "3",
		"RateLimit-Observed":  "4",
		"RateLimit-Remaining": "0",
		"RateLimit-Reset":     strconv.FormatInt(reset.Unix(), 10),
		"RateLimit-ResetTime": "Sun, 01 Nov 2026 12:01:00 GMT",
		"RateLimit-Name":      "throttle_authenticated_api",
		"Content-Type":        "text/plain",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if string(er.Body) != "Retry later\n" {
		t.Errorf("body = %q, want Rack::Attack's %q", er.Body, "Retry later\n")
	}

	// The next window starts afresh.
	clock.Advance(50 * time.Second)
	_, resp, err = client.Version.GetVersion()
	if err != nil {
		t.Fatalf("after the reset: %v", err)
	}
	if got := resp.Header.Get("RateLimit-Remaining"); got != "2" {
		t.Errorf("after the reset: RateLimit-Remaining = %q, want 2", got)
	}
}

func TestRateLimitWithoutHeadersIsPlainText(t *testing.T) {
	clock := &fltClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	_, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{
		Mode: ModeGitLabCom, Token: fltToken,
		Faults: Faults{RateLimit: 1, RateLimitNoHeaders: true, Clock: clock.Now},
	})
	if st, _, _ := fltGet(t, url+"/api/v4/version"); st != http.StatusOK {
		t.Fatalf("first request: %d", st)
	}
	st, h, body := fltGet(t, url+"/api/v4/version")
	if st != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", st)
	}
	if body != "Retry later\n" {
		t.Errorf("body = %q", body)
	}
	if ct := h.Get("Content-Type"); ct != "text/plain" {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	for _, k := range []string{"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Observed", "RateLimit-ResetTime"} {
		if v := h.Get(k); v != "" {
			t.Errorf("%s = %q, want no header", k, v)
		}
	}
	// The official client sees an error carrying the plain-text body.
	_, resp, err := fltClient(t, url).Version.GetVersion()
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) || resp.StatusCode != http.StatusTooManyRequests || string(er.Body) != "Retry later\n" {
		t.Fatalf("client: resp=%v err=%v", resp, err)
	}
}

func TestRateLimitHeadersOnEveryResponseOnGitLabCom(t *testing.T) {
	_, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{Mode: ModeGitLabCom, Token: fltToken})
	for _, path := range []string{"/api/v4/version", "/api/v4/no/such/route"} {
		_, h, _ := fltGet(t, url+path)
		if got := h.Get("RateLimit-Limit"); got != strconv.Itoa(DefaultRateLimit) {
			t.Errorf("%s: RateLimit-Limit = %q, want %d", path, got, DefaultRateLimit)
		}
		for _, k := range []string{"RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Observed", "RateLimit-ResetTime"} {
			if h.Get(k) == "" {
				t.Errorf("%s: no %s header", path, k)
			}
		}
	}
}

func TestRateLimitHeadersOnlyWhenEnabledOnSelfManaged(t *testing.T) {
	_, url := StartForTest(t, DemoWorld(ModeSelfManaged), Options{Mode: ModeSelfManaged, Token: fltToken})
	if _, h, _ := fltGet(t, url+"/api/v4/version"); h.Get("RateLimit-Limit") != "" {
		t.Errorf("self-managed without a limit sent RateLimit-Limit %q", h.Get("RateLimit-Limit"))
	}
	_, url = StartForTest(t, DemoWorld(ModeSelfManaged), Options{Mode: ModeSelfManaged, Token: fltToken, Faults: Faults{RateLimit: 600}})
	if _, h, _ := fltGet(t, url+"/api/v4/version"); h.Get("RateLimit-Limit") != "600" || h.Get("RateLimit-Remaining") != "599" {
		t.Errorf("self-managed with a limit: RateLimit-Limit=%q Remaining=%q", h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"))
	}
	_, url = StartForTest(t, DemoWorld(ModeGitLabCom), Options{Mode: ModeGitLabCom, Token: fltToken, Faults: Faults{OmitRateLimitHeaders: true}})
	if _, h, _ := fltGet(t, url+"/api/v4/version"); h.Get("RateLimit-Limit") != "" {
		t.Errorf("OmitRateLimitHeaders still sent RateLimit-Limit %q", h.Get("RateLimit-Limit"))
	}
}

func TestRateLimitIsPerToken(t *testing.T) {
	clock := &fltClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	_, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{
		Mode: ModeGitLabCom, Token: fltToken,
		Faults: Faults{RateLimit: 2, Clock: clock.Now},
	})
	// Requests with another token count against that token, not ours.
	for i := 0; i < 5; i++ {
		req, _ := http.NewRequest(http.MethodGet, url+"/api/v4/version", nil)
		req.Header.Set("PRIVATE-TOKEN", "someone-else")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for i := 0; i < 2; i++ {
		if st, _, body := fltGet(t, url+"/api/v4/version"); st != http.StatusOK {
			t.Fatalf("request %d with our token: %d %s", i, st, body)
		}
	}
	if st, _, _ := fltGet(t, url+"/api/v4/version"); st != http.StatusTooManyRequests {
		t.Fatalf("3rd request with our token: %d, want 429", st)
	}
}

func TestRouteRateLimitAnswersJSON429(t *testing.T) {
	clock := &fltClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	_, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{
		Mode: ModeGitLabCom, Token: fltToken,
		Faults: Faults{RouteRateLimits: map[string]int{"GET /version": 1}, Clock: clock.Now},
	})
	client := fltClient(t, url)
	if _, _, err := client.Version.GetVersion(); err != nil {
		t.Fatal(err)
	}
	_, resp, err := client.Version.GetVersion()
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("want 429, got %v %v", resp, err)
	}
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) || er.Message != "{message: {error: This endpoint has been requested too many times. Try again later.}}" {
		t.Errorf("message = %q", er.Message)
	}
	if resp.Header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After = %q, want 60", resp.Header.Get("Retry-After"))
	}
	// Other routes are not limited.
	if _, _, err := client.Users.CurrentUser(); err != nil {
		t.Errorf("GET /user: %v", err)
	}
}

func TestLostWriteIsAppliedThenAnswers502(t *testing.T) {
	s, url := StartForTest(t, DemoWorld(ModeSelfManaged), Options{
		Mode: ModeSelfManaged, Token: fltToken,
		Faults: Faults{LoseNextWrites: 1},
	})
	client := fltClient(t, url)
	// A read is not a write: it is answered normally.
	if _, _, err := client.Users.GetUser(DemoUserTrent, gitlab.GetUsersOptions{}); err != nil {
		t.Fatal(err)
	}
	resp, err := fltBlockUser(t, client, DemoUserTrent)
	if resp == nil || resp.StatusCode != http.StatusBadGateway || err == nil {
		t.Fatalf("want 502, got resp=%v err=%v", resp, err)
	}
	s.Read(func(w *World) {
		if got := w.Users[DemoUserTrent].State; got != StateBlocked {
			t.Errorf("the lost write was not applied: state %q", got)
		}
	})
	if got := s.StatusCounts()[http.StatusBadGateway]; got != 1 {
		t.Errorf("502s counted = %d, want 1", got)
	}
	// Only the next write was lost.
	if _, err := fltBlockUser(t, client, DemoUserBob); err != nil {
		t.Fatalf("second write: %v", err)
	}
	if got := s.Faults().LoseNextWrites; got != 0 {
		t.Errorf("LoseNextWrites left = %d", got)
	}
}

func TestLostWriteOnlyForSuccessfulWrites(t *testing.T) {
	s, url := StartForTest(t, DemoWorld(ModeSelfManaged), Options{
		Mode: ModeSelfManaged, Token: fltToken,
		Faults: Faults{LoseNextWrites: 1},
	})
	client := fltClient(t, url)
	// A refused write (unknown user: 404) is answered as is and does not use up the fault.
	if resp, _ := fltBlockUser(t, client, 999999); resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("want 404, got %v", resp)
	}
	if got := s.Faults().LoseNextWrites; got != 1 {
		t.Errorf("LoseNextWrites = %d, want 1", got)
	}
}

func TestTruncatedBodyIsInvalidJSON(t *testing.T) {
	_, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{
		Mode: ModeGitLabCom, Token: fltToken,
		Faults: Faults{TruncateNext: 1},
	})
	st, _, body := fltGet(t, url+"/api/v4/user")
	if st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] == '}' {
		t.Errorf("body is not a cut JSON object: %q", body)
	}
	// The official client fails to decode it; the next response is whole.
	s2, url2 := StartForTest(t, DemoWorld(ModeGitLabCom), Options{Mode: ModeGitLabCom, Token: fltToken, Faults: Faults{TruncateNext: 1}})
	client := fltClient(t, url2)
	if _, _, err := client.Users.CurrentUser(); err == nil {
		t.Fatal("client decoded a truncated body")
	}
	u, _, err := client.Users.CurrentUser()
	if err != nil || u.Username != "acme-admin" {
		t.Fatalf("second call: %v %v", u, err)
	}
	if s2.Faults().TruncateNext != 0 {
		t.Error("TruncateNext not used up")
	}
}

func TestFailNextRequestsAnswersBeforeApplying(t *testing.T) {
	s, url := StartForTest(t, DemoWorld(ModeSelfManaged), Options{
		Mode: ModeSelfManaged, Token: fltToken,
		Faults: Faults{FailNextRequests: 1, FailStatus: http.StatusServiceUnavailable},
	})
	client := fltClient(t, url)
	resp, err := fltBlockUser(t, client, DemoUserTrent)
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || err == nil {
		t.Fatalf("want 503, got %v %v", resp, err)
	}
	s.Read(func(w *World) {
		if got := w.Users[DemoUserTrent].State; got != StateActive {
			t.Errorf("a failed request was applied: state %q", got)
		}
	})
	if _, err := fltBlockUser(t, client, DemoUserTrent); err != nil {
		t.Fatalf("retry: %v", err)
	}
}

func TestRandomFaultsAreSeeded(t *testing.T) {
	run := func() []int {
		_, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{
			Mode: ModeGitLabCom, Token: fltToken,
			Faults: Faults{ErrorRate: 0.3, Seed: 42},
		})
		var out []int
		for i := 0; i < 60; i++ {
			st, _, _ := fltGet(t, url+"/api/v4/version")
			out = append(out, st)
		}
		return out
	}
	a, b := run(), run()
	seen := map[int]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d: %d then %d: faults are not deterministic", i, a[i], b[i])
		}
		seen[a[i]]++
	}
	if seen[http.StatusOK] == 0 || seen[http.StatusOK] == len(a) {
		t.Errorf("want a mix of successes and faults, got %v", seen)
	}
	for st := range seen {
		switch st {
		case 200, 429, 500, 502, 503:
		default:
			t.Errorf("unexpected status %d", st)
		}
	}
}

func TestLostWriteRateIsSeeded(t *testing.T) {
	run := func() []int {
		_, url := StartForTest(t, DemoWorld(ModeSelfManaged), Options{
			Mode: ModeSelfManaged, Token: fltToken,
			Faults: Faults{LostWriteRate: 0.5, Seed: 7},
		})
		client := fltClient(t, url)
		var out []int
		for id := DemoUserBigTeamFirst; id < DemoUserBigTeamFirst+30; id++ {
			resp, _ := fltBlockUser(t, client, id)
			out = append(out, resp.StatusCode)
		}
		return out
	}
	a, b := run(), run()
	lost := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("write %d: %d then %d", i, a[i], b[i])
		}
		if a[i] == http.StatusBadGateway {
			lost++
		}
	}
	if lost == 0 || lost == len(a) {
		t.Errorf("lost %d of %d writes, want some", lost, len(a))
	}
}

func TestLatencyReleasesTheWorldLock(t *testing.T) {
	sleeping := make(chan struct{}, 1)
	onLatencySleep = func() { sleeping <- struct{}{} }
	t.Cleanup(func() { onLatencySleep = nil })

	s, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{
		Mode: ModeGitLabCom, Token: fltToken,
		Faults: Faults{Latency: time.Hour},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v4/version", nil)
		req.Header.Set("PRIVATE-TOKEN", fltToken)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	// Bounded: a request that never reaches the injected latency must fail the test,
	// not hang it until go test's -timeout.
	select {
	case <-sleeping:
	case err := <-done:
		t.Fatalf("the request ended before sleeping its latency: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the injected latency")
	}
	// The request is asleep: the world must be free.
	locked := make(chan struct{})
	go func() {
		s.Write(func(w *World) { w.Version = "changed" })
		close(locked)
	}()
	select {
	case <-locked:
	case <-time.After(10 * time.Second):
		t.Fatal("the world lock is held during injected latency")
	}
	cancel()
	<-done

	// Latency can be switched off at run time.
	s.SetFaults(Faults{})
	if st, _, _ := fltGet(t, url+"/api/v4/version"); st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
}

func TestFaultsOverHTTP(t *testing.T) {
	s, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{Mode: ModeGitLabCom, Token: fltToken})
	req, _ := http.NewRequest(http.MethodPut, url+"/-/fake/faults",
		strings.NewReader(`{"latency":"1ms","fail_next_requests":1,"fail_status":500,"route_rate_limits":{"GET /groups":50}}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	f := s.Faults()
	if f.Latency != time.Millisecond || f.FailNextRequests != 1 || f.FailStatus != 500 || f.RouteRateLimits["GET /groups"] != 50 {
		t.Errorf("faults after PUT = %+v", f)
	}
	if st, _, body := fltGet(t, url+"/api/v4/version"); st != http.StatusInternalServerError || body != `{"message":"500 Internal Server Error"}` {
		t.Errorf("after PUT: %d %s", st, body)
	}
	// GET reports what is left.
	st, _, body := fltGet(t, url+"/-/fake/faults")
	if st != http.StatusOK || !strings.Contains(body, `"latency": "1ms"`) || strings.Contains(body, "fail_next_requests") {
		t.Errorf("GET: %d %s", st, body)
	}
	// Unknown fields are refused.
	req, _ = http.NewRequest(http.MethodPut, url+"/-/fake/faults", strings.NewReader(`{"latencyy":"1ms"}`))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown field: %d", resp.StatusCode)
	}
}

// fltStatuses sends n GETs of url and returns their statuses.
func fltStatuses(t *testing.T, url string, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		out[i], _, _ = fltGet(t, url)
	}
	return out
}

func TestGitLabRouteLimitsPreset(t *testing.T) {
	clock := &fltClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	s, url := StartForTest(t, DemoWorld(ModeSelfManaged), Options{
		Mode: ModeSelfManaged, Token: fltToken,
		Faults: Faults{GitLabRouteLimits: true, Clock: clock.Now,
			RouteRateLimits: map[string]int{"GET /groups/:id/projects": 2}}, // replaces the preset's 600
	})
	api := url + "/api/v4"
	last := func(path string, n int) int {
		st := fltStatuses(t, api+path, n)
		for i, s := range st[:n-1] {
			if s != http.StatusOK {
				t.Fatalf("%s request %d: %d", path, i+1, s)
			}
		}
		return st[n-1]
	}
	// GET /groups: 200 a minute.
	if st := last("/groups", 200); st != http.StatusOK {
		t.Fatalf("200th GET /groups: %d", st)
	}
	st, h, body := fltGet(t, api+"/groups")
	if st != http.StatusTooManyRequests || !strings.Contains(body, "This endpoint has been requested too many times") || h.Get("Retry-After") != "60" {
		t.Fatalf("201st GET /groups: %d %q %v", st, body, h)
	}
	// Other routes have their own counts: GET /groups/:id is at 400, GET /version unlimited.
	if st := last("/groups/10", 400); st != http.StatusOK {
		t.Fatalf("400th GET /groups/:id: %d", st)
	}
	if st, _, _ := fltGet(t, api+"/groups/11"); st != http.StatusTooManyRequests {
		t.Fatalf("401st GET /groups/:id (any group): %d", st)
	}
	if st := last("/version", 5); st != http.StatusOK {
		t.Fatalf("GET /version: %d", st)
	}
	// The explicit RouteRateLimits entry wins over the preset.
	if st := last("/groups/10/projects", 3); st != http.StatusTooManyRequests {
		t.Fatalf("3rd GET /groups/:id/projects with an explicit limit of 2: %d", st)
	}
	// members/all is counted per group: 200 on acme does not touch acme/sales.
	if st := last("/groups/10/members/all", 201); st != http.StatusTooManyRequests {
		t.Fatalf("201st GET /groups/10/members/all: %d", st)
	}
	if st, _, _ := fltGet(t, api+"/groups/14/members/all"); st != http.StatusOK {
		t.Fatalf("first GET /groups/14/members/all: %d", st)
	}
	// GET /projects: 2000 per 10 minutes; the window is 10 minutes long.
	if st := last("/projects", 2001); st != http.StatusTooManyRequests {
		t.Fatalf("2001st GET /projects: %d", st)
	}
	clock.Advance(time.Minute)
	if st, _, _ := fltGet(t, api+"/projects"); st != http.StatusTooManyRequests {
		t.Fatalf("GET /projects a minute later: %d (the window is 10 minutes)", st)
	}
	if st, _, _ := fltGet(t, api+"/groups"); st != http.StatusOK {
		t.Fatalf("GET /groups a minute later: %d (the window is 1 minute)", st)
	}
	clock.Advance(10 * time.Minute)
	if st, _, _ := fltGet(t, api+"/projects"); st != http.StatusOK {
		t.Fatalf("GET /projects 11 minutes later: %d", st)
	}
	// Over HTTP the preset is a switch.
	if !s.Faults().GitLabRouteLimits || !toFaultsJSON(s.Faults()).GitLabRouteLimits {
		t.Fatal("GitLabRouteLimits lost in Faults/FaultsJSON")
	}
}

func TestGitLabRouteLimitsOffByDefault(t *testing.T) {
	_, url := StartForTest(t, DemoWorld(ModeSelfManaged), Options{Mode: ModeSelfManaged, Token: fltToken})
	for i, st := range fltStatuses(t, url+"/api/v4/groups", 201) {
		if st != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, st)
		}
	}
}
