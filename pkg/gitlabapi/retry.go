package gitlabapi

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds the in-process retries of one request (see the package doc).
// Zero fields take DefaultRetryPolicy's values; tests shorten the waits.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first try; negative disables retries.
	MaxRetries int
	// WaitMin and WaitMax bound the exponential backoff for 5xx and transport errors
	// (and a 429 without any timing header).
	WaitMin, WaitMax time.Duration
	// MaxRateLimitWait is the longest a 429 is waited for in-process. A longer
	// Retry-After / RateLimit-Reset goes back to the caller as codes.Unavailable with
	// the reset time, and the SDK waits instead of holding a request open.
	MaxRateLimitWait time.Duration
	// now is the clock for RateLimit-Reset (tests).
	now func() time.Time
}

// DefaultRetryPolicy: 4 retries (5 tries, as client-go), 500ms..8s backoff, up to one
// minute of in-process waiting on a 429.
var DefaultRetryPolicy = RetryPolicy{
	MaxRetries:       4,
	WaitMin:          500 * time.Millisecond,
	WaitMax:          8 * time.Second,
	MaxRateLimitWait: time.Minute,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	switch {
	case p.MaxRetries < 0:
		p.MaxRetries = 0
	case p.MaxRetries == 0:
		p.MaxRetries = d.MaxRetries
	}
	if p.WaitMin <= 0 {
		p.WaitMin = d.WaitMin
	}
	if p.WaitMax <= 0 {
		p.WaitMax = d.WaitMax
	}
	if p.WaitMax < p.WaitMin {
		p.WaitMax = p.WaitMin
	}
	if p.MaxRateLimitWait <= 0 {
		p.MaxRateLimitWait = d.MaxRateLimitWait
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p
}

// checkRetry decides whether retryablehttp tries again.
func (p RetryPolicy) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return neverReachedServer(err), nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait, known := rateLimitWait(resp.Header, p.now())
		if known && wait > p.MaxRateLimitWait {
			return false, nil // the caller (the SDK) waits; see MapError
		}
		return true, nil
	case resp.StatusCode == 0, resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

// backoff is how long to wait before retry number attempt+1.
func (p RetryPolicy) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		if wait, known := rateLimitWait(resp.Header, p.now()); known {
			if wait > p.MaxRateLimitWait {
				wait = p.MaxRateLimitWait
			}
			if wait < minWait {
				wait = minWait
			}
			return wait
		}
	}
	wait := time.Duration(float64(minWait) * math.Pow(2, float64(attempt)))
	if wait > maxWait || wait <= 0 {
		wait = maxWait
	}
	return wait
}

// rateLimitWait reads how long GitLab asks to wait: Retry-After (seconds or an HTTP
// date), else RateLimit-Reset (Unix time). known is false when neither is there (some
// 429s carry only "Retry later").
// https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/#response-headers
func rateLimitWait(h http.Header, now time.Time) (time.Duration, bool) {
	if at, ok := RateLimitResetAt(h, now); ok {
		wait := at.Sub(now)
		if wait < 0 {
			wait = 0
		}
		return wait, true
	}
	return 0, false
}

// RateLimitResetAt is when GitLab says requests may resume: Retry-After first, then
// RateLimit-Reset.
func RateLimitResetAt(h http.Header, now time.Time) (time.Time, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			// Capped (at ~68 years) so that the Duration cannot overflow into the past.
			return now.Add(time.Duration(min(secs, math.MaxInt32)) * time.Second), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return t, true
		}
	}
	if v := strings.TrimSpace(h.Get("RateLimit-Reset")); v != "" {
		if epoch, err := strconv.ParseInt(v, 10, 64); err == nil && epoch > 0 {
			return time.Unix(epoch, 0), true
		}
	}
	return time.Time{}, false
}

// neverReachedServer reports transport errors after which the request surely was not
// sent: retrying them is safe even for writes. Anything else (a reset connection, a
// timeout while reading) may have reached GitLab and is not retried here.
func neverReachedServer(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound // NXDOMAIN will not change in a second
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		// A dial that timed out already took the dial timeout; the caller (the SDK on
		// codes.Unavailable) decides whether to try again later.
		return !opErr.Timeout()
	}
	return strings.Contains(err.Error(), "connection refused")
}
