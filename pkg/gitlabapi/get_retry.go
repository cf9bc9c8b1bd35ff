package gitlabapi

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// getRetry retries an idempotent read (GET or HEAD without a body, or a POST to the
// GraphQL endpoint: a query reads, its body is resent as it was) whose connection
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
	var body []byte
	switch {
	case isGraphQLPost(r):
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				return nil, err
			}
			body = b
		}
	case (r.Method != http.MethodGet && r.Method != http.MethodHead) || (r.Body != nil && r.Body != http.NoBody):
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
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
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
