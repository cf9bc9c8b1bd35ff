package gitlabapi

import (
	"context"
	"net/http"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// WithoutRetryOnceSent is a per-request option for writes that must not be sent twice,
// such as POST /users: client-go's retry loop (see the package doc) would repeat the
// request after a 5xx or a lost response, although GitLab may already have applied it,
// and the repeat answers 409 "has already been taken" for what the first try created.
//
// With it the request is retried only when GitLab surely did not apply it: a transport
// error before anything was sent (dial errors, connection refused), and a 429 whose wait
// is short (GitLab's rate limiters answer before the request is processed). A 5xx, a
// timeout or a reset connection come back to the caller, who must find out what happened
// (read the state again) instead of resending.
func WithoutRetryOnceSent() gitlab.RequestOptionFunc {
	return gitlab.WithRequestRetry(checkRetryOnceSent)
}

func checkRetryOnceSent(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return neverReachedServer(err), nil
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		wait, known := rateLimitWait(resp.Header, time.Now())
		return !known || wait <= DefaultRetryPolicy.MaxRateLimitWait, nil
	}
	return false, nil
}
