package gitlabapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestBackoffHonoursRetryAfterThenRateLimitReset(t *testing.T) {
	fixed := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	p := RetryPolicy{MaxRateLimitWait: time.Minute, now: func() time.Time { return fixed }}.withDefaults()
	resp := func(h ...string) *http.Response {
		r := &http.Response{StatusCode: 429, Header: http.Header{}}
		for i := 0; i+1 < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
		return r
	}
	tests := []struct {
		name string
		resp *http.Response
		want time.Duration
	}{
		{"Retry-After seconds wins over RateLimit-Reset", resp("Retry-After", "7", "RateLimit-Reset", "1793534430"), 7 * time.Second},
		{"Retry-After as an HTTP date", resp("Retry-After", fixed.Add(9*time.Second).Format(http.TimeFormat)), 9 * time.Second},
		{"RateLimit-Reset when no Retry-After", resp("RateLimit-Reset", "1793534412"), 12 * time.Second}, // fixed is 1793534400
		{"capped at MaxRateLimitWait", resp("Retry-After", "3600"), time.Minute},
		{"no header: exponential from WaitMin", resp(), 2 * p.WaitMin},
	}
	if fixed.Unix() != 1793534400 {
		t.Fatalf("fixture clock moved: %d", fixed.Unix())
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.backoff(p.WaitMin, p.WaitMax, 1, tt.resp); got != tt.want {
				t.Errorf("backoff %v, want %v", got, tt.want)
			}
		})
	}
	if got := p.backoff(p.WaitMin, p.WaitMax, 30, &http.Response{StatusCode: 503}); got != p.WaitMax {
		t.Errorf("5xx backoff not capped: %v", got)
	}
}

func TestCheckRetryHandsLongRateLimitsToTheCaller(t *testing.T) {
	fixed := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	p := RetryPolicy{MaxRateLimitWait: 30 * time.Second, now: func() time.Time { return fixed }}.withDefaults()
	short := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"5"}}}
	long := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"300"}}}
	ctx := context.Background()
	if ok, _ := p.checkRetry(ctx, short, nil); !ok {
		t.Error("a 5s Retry-After is not retried")
	}
	if ok, _ := p.checkRetry(ctx, long, nil); ok {
		t.Error("a 300s Retry-After is retried in-process instead of going back to the SDK")
	}
	for code, want := range map[int]bool{500: true, 502: true, 503: true, 501: false, 400: false, 404: false, 409: false} {
		if ok, _ := p.checkRetry(ctx, &http.Response{StatusCode: code, Header: http.Header{}}, nil); ok != want {
			t.Errorf("status %d: retry %v, want %v", code, ok, want)
		}
	}
}

func TestTransientFailureIsRetriedAndSucceeds(t *testing.T) {
	n := 0
	c, calls := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			reply(503, "text/plain", "unavailable")(w, r)
			return
		}
		reply(200, "application/json", `{"id":1,"username":"root"}`)(w, r)
	})
	if err := getUser(c); err != nil {
		t.Fatal(err)
	}
	if *calls != 2 {
		t.Fatalf("%d requests, want 2", *calls)
	}
}

func TestRetriesCanBeDisabled(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		reply(503, "text/plain", "unavailable")(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(context.Background(), Options{BaseURL: srv.URL, Token: "t", Retry: RetryPolicy{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := getUser(c); err == nil {
		t.Fatal("503 accepted")
	}
	if calls != 1 {
		t.Fatalf("%d requests with retries disabled", calls)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	if _, err := New(ctx, Options{BaseURL: "https://gitlab.com"}); err == nil {
		t.Error("no token accepted")
	}
	for _, u := range []string{"gitlab.com", "ftp://gitlab.com", "https://", "https://gitlab.com/?x=1"} {
		if _, err := New(ctx, Options{BaseURL: u, Token: "t"}); err == nil {
			t.Errorf("base URL %q accepted", u)
		}
	}
	c, err := New(ctx, Options{BaseURL: "https://gitlab.example.com/gitlab/api/v4/", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://gitlab.example.com/gitlab" || c.Deployment != SelfManaged {
		t.Errorf("BaseURL %q deployment %q", c.BaseURL, c.Deployment)
	}
	if got := c.API.BaseURL().String(); got != "https://gitlab.example.com/gitlab/api/v4/" {
		t.Errorf("API base %q", got)
	}
	c, err = New(ctx, Options{BaseURL: "https://GitLab.com/", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Deployment != GitLabCom {
		t.Errorf("gitlab.com detected as %q", c.Deployment)
	}
}
