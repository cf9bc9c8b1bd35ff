package gitlabapi

import (
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// getRetry retries an idempotent read (GET or HEAD without a body) whose connection
// broke before GitLab's answer arrived: a reset, a connection closed mid-answer, a read
// timeout. Resending a read changes nothing in GitLab. Writes are not retried here:
// they may have been applied (checkRetry retries them only when they surely were not
// sent, and provisioning reads the state back instead). Issue 9 point 5.
type getRetry struct {
	next  http.RoundTripper
	tries int           // attempts in all; 3 when 0
	wait  time.Duration // before the second attempt, doubled after; 200 ms when 0
}

func (g getRetry) RoundTrip(r *http.Request) (*http.Response, error) {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || (r.Body != nil && r.Body != http.NoBody) {
		return g.next.RoundTrip(r)
	}
	tries, wait := g.tries, g.wait
	if tries <= 0 {
		tries = 3
	}
	if wait <= 0 {
		wait = 200 * time.Millisecond
	}
	for attempt := 1; ; attempt++ {
		resp, err := g.next.RoundTrip(r)
		if err == nil || attempt >= tries || !brokenRead(err) || r.Context().Err() != nil {
			return resp, err
		}
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (g getRetry) CloseIdleConnections() {
	if c, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// brokenRead: the connection broke or timed out while the answer was awaited.
func brokenRead(err error) bool {
	var ne net.Error
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) || (errors.As(err, &ne) && ne.Timeout())
}
