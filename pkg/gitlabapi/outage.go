package gitlabapi

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultOutageTimeout is how long GitLab may fail every request before a sync gives up
// (TransportOptions.OutageTimeout, --outage-timeout).
const DefaultOutageTimeout = 15 * time.Minute

// OutageError ends a run when GitLab has not answered any request for longer than the
// outage timeout: the SDK retries Unavailable errors without limit, so without it a sync
// against a GitLab that is down would never end (and never report its c1z as failed).
// MapError makes it codes.Aborted, which the SDK does not retry. Issue 9 point 5.
type OutageError struct {
	Host    string
	Since   time.Duration // how long every request has failed
	Timeout time.Duration
	Last    string // the last failure: a status line or a transport error
}

func (e *OutageError) Error() string {
	return fmt.Sprintf("GitLab at %s has not answered for %s (last: %s): the run stops instead of retrying without end; "+
		"check that GitLab and the network are up, or raise --outage-timeout (now %s)",
		e.Host, e.Since.Round(time.Second), e.Last, e.Timeout)
}

// outageGuard watches every attempt: an answer below 500 (429 included: GitLab is up)
// ends an outage; a transport error or a 5xx starts or continues one. A failure after
// the outage has lasted longer than timeout becomes an OutageError (the request is still
// sent: GitLab may be back).
type outageGuard struct {
	next    http.RoundTripper
	timeout time.Duration
	now     func() time.Time

	mu        sync.Mutex
	failSince time.Time // zero while GitLab answers
}

func newOutageGuard(next http.RoundTripper, timeout time.Duration) *outageGuard {
	if timeout <= 0 {
		timeout = DefaultOutageTimeout
	}
	return &outageGuard{next: next, timeout: timeout, now: time.Now}
}

func (g *outageGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(r)
	if err == nil && resp.StatusCode < 500 {
		g.mu.Lock()
		g.failSince = time.Time{}
		g.mu.Unlock()
		return resp, nil
	}
	if r.Context().Err() != nil {
		return resp, err // our own cancellation is no outage
	}
	now := g.now()
	g.mu.Lock()
	if g.failSince.IsZero() {
		g.failSince = now
	}
	since := now.Sub(g.failSince)
	g.mu.Unlock()
	if since <= g.timeout {
		return resp, err
	}
	last := ""
	if err != nil {
		last = err.Error()
	} else {
		last = resp.Status
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}
	return nil, &OutageError{Host: r.URL.Host, Since: since, Timeout: g.timeout, Last: last}
}

func (g *outageGuard) CloseIdleConnections() {
	if c, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
