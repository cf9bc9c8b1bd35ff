package gitlabapi

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// resetFirst answers the first n requests by closing the connection without a reply
// (what a reset or a proxy dropping the connection looks like), then as ok says.
func resetFirst(n int32, ok http.HandlerFunc) (http.HandlerFunc, *atomic.Int32) {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		ok(w, r)
	}, &seen
}

// Issue 9 point 5: an idempotent GET whose connection breaks before the answer is
// retried (resending a read changes nothing in GitLab).
func TestGetRetriedOnABrokenConnection(t *testing.T) {
	h, seen := resetFirst(1, reply(200, "application/json", `{"id":1,"username":"root"}`))
	c, _ := newTestClient(t, h)
	if err := getUser(c); err != nil {
		t.Fatalf("a GET whose connection broke once: %v", err)
	}
	if n := seen.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// A write whose connection breaks is NOT resent by the transport: GitLab may have applied
// it (provisioning reads the state back instead).
func TestWriteNotRetriedOnABrokenConnection(t *testing.T) {
	h, seen := resetFirst(1, reply(201, "application/json", `{"id":7}`))
	c, _ := newTestClient(t, h)
	err := c.API.Users.BlockUser(7, gitlab.WithContext(context.Background()))
	if err == nil {
		t.Fatal("a POST whose connection broke reported success")
	}
	if n := seen.Load(); n != 1 {
		t.Errorf("the POST was sent %d times, want once", n)
	}
}

// A connection that keeps breaking ends in an error after a bounded number of tries.
func TestGetRetryIsBounded(t *testing.T) {
	h, seen := resetFirst(1000, reply(200, "application/json", `{}`))
	c, _ := newTestClient(t, h)
	if err := getUser(c); err == nil {
		t.Fatal("want an error")
	}
	if n := seen.Load(); n > 3*int32(fastRetry.MaxRetries+1) {
		t.Errorf("%d requests: the retries are not bounded", n)
	}
}
