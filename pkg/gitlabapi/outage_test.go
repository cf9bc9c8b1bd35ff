package gitlabapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Issue 9 point 5: a sustained outage (every request failing) ends the run with a clear,
// non-retried error after the configured time; until then failures stay Unavailable
// (the SDK retries them), and one answer from GitLab starts the count again.
func TestSustainedOutageEndsTheRun(t *testing.T) {
	var up atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if up.Load() {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":1,"username":"root"}`))
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	c, err := New(context.Background(), Options{BaseURL: srv.URL, Token: "glpat-secret", Retry: fastRetry,
		Transport: TransportOptions{OutageTimeout: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	mapped := func() error { return MapError(getUser(c), "reading the token's user") }

	if err := mapped(); status.Code(err) != codes.Unavailable {
		t.Fatalf("first failures: %v, want Unavailable (retried by the SDK)", err)
	}
	time.Sleep(150 * time.Millisecond)
	err = mapped()
	if status.Code(err) != codes.Aborted || !strings.Contains(err.Error(), "has not answered for") ||
		!strings.Contains(err.Error(), "--outage-timeout") {
		t.Fatalf("after the outage timeout: %v, want Aborted naming --outage-timeout", err)
	}
	// GitLab is back: the next request succeeds and the outage count starts again.
	up.Store(true)
	if err := getUser(c); err != nil {
		t.Fatalf("GitLab back: %v", err)
	}
	up.Store(false)
	if err := mapped(); status.Code(err) != codes.Unavailable {
		t.Fatalf("a new failure after an answer: %v, want Unavailable", err)
	}
}
