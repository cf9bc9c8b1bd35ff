// Package gitlabapi is the thin layer between the connector and GitLab's REST API:
// building the official client-go client (retries, rate limits, no response cache),
// pagination helpers and the mapping of GitLab's errors to gRPC codes. Nothing here
// knows about users, groups or projects as baton resources.
//
// Decisions taken here, deliberately:
//
//   - No response cache. uhttp's in-memory GET cache is not used: provisioning reads
//     membership state right after changing it and must see GitLab's answer, not an
//     hour-old copy. Caching what one sync reads is the connector's job (per sync id).
//   - Retries: client-go's go-retryablehttp loop is kept, with our own CheckRetry and
//     Backoff (see retry.go): 429 and 5xx (not 501) are retried up to RetryPolicy.MaxRetries
//     times; a 429 waits for Retry-After (GitLab sends it on throttled answers), else
//     RateLimit-Reset, else an exponential backoff, and is NOT retried in-process when the
//     wait would exceed RetryPolicy.MaxRateLimitWait: the 429 is then returned and MapError
//     turns it into codes.Unavailable with a v2.RateLimitDescription, so the SDK waits.
//     Transport errors are retried only when the request surely never reached GitLab
//     (dial errors, connection refused, temporary DNS failures).
//   - Writes are retried too on 429/5xx (retryablehttp rewinds the body). A POST whose
//     response was lost (a 502 from a proxy after GitLab applied it) can therefore come
//     back as 409 "Member already exists" / "has already been taken" on the retry: the
//     provisioning code treats that 409 as "already done" after checking the state.
//   - Rate limiting: client-go's self-tuning limiter is kept. It configures itself ONCE
//     from the first response carrying RateLimit-Limit (66% of the limit per second,
//     burst 33%); on GitLab.com that is ~22 requests/s for 2,000/min. Self-managed
//     instances send no RateLimit-* headers unless an admin enabled limits, so there is
//     no client-side limit there. The connector's first request is GET /user (Validate,
//     tokenUser), whose limit is the general authenticated-API limit, not an
//     endpoint-specific one such as GET /groups' 200/min.
//   - Per-endpoint limits (GET /groups/:id 400/min on GitLab.com...): client-go does not
//     know them; the transport paces each limited endpoint to 90% of its documented
//     limit on GitLab.com, and on self-managed once GitLab answered that endpoint's 429
//     (see endpoint_limits.go).
//   - Timeouts: dial 10s, TLS handshake 10s, response headers 60s, a whole attempt 2 min.
//   - Transport security (transport.go): the token goes only to the configured instance
//     (a redirect elsewhere, or from https to http, is refused, not followed); plain
//     http only to loopback unless allowed; TLS always verified (system roots plus an
//     optional CA bundle); HTTPS_PROXY / NO_PROXY honoured.
//   - User-Agent: "baton-gitlab/<version>".
//   - The token: sent by client-go in the PRIVATE-TOKEN header. No logger is given to
//     retryablehttp (client-go sets none), so requests are never logged; errors carry
//     method and URL only, never headers. Nothing in this package logs.
package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Deployment is the kind of GitLab the connector talks to; they behave differently.
type Deployment string

const (
	// GitLabCom is the SaaS at gitlab.com: no admin API for customers.
	GitLabCom Deployment = "gitlab.com"
	// SelfManaged is a self-managed (or Dedicated) instance, usually with an admin token.
	SelfManaged Deployment = "self-managed"
)

// DetectDeployment is the deployment for an instance URL when the user chose "auto":
// the host gitlab.com (or www.gitlab.com) is GitLab.com, anything else is self-managed.
func DetectDeployment(instanceURL *url.URL) Deployment {
	host := strings.ToLower(instanceURL.Hostname())
	if host == "gitlab.com" || host == "www.gitlab.com" {
		return GitLabCom
	}
	return SelfManaged
}

// Client is a configured GitLab API client. It is safe for concurrent use.
type Client struct {
	API        *gitlab.Client
	Deployment Deployment
	BaseURL    string // the instance URL the user configured, e.g. https://gitlab.com
}

// Host is the instance's host (with port when not the default), for messages.
func (c *Client) Host() string {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Host == "" {
		return c.BaseURL
	}
	return u.Host
}

// Options configure New.
type Options struct {
	// BaseURL is the instance URL (https://gitlab.com, https://gitlab.example.com/gitlab);
	// client-go appends /api/v4 itself. Required.
	BaseURL string
	// Token is the personal (or group/project) access token. Required.
	Token string
	// Deployment is gitlab.com or self-managed (already resolved from "auto").
	Deployment Deployment
	// HTTPClient replaces the default client (timeouts above) and its transport (so
	// Transport's CA bundle and the proxy settings do not apply to it). Tests may pass
	// one. The redirect policy (transport.go) applies to it all the same.
	HTTPClient *http.Client
	// Transport: plain http to non-loopback hosts, extra CA certificates. The zero
	// value takes what WithTransportOptions put into New's context, if anything.
	Transport TransportOptions
	// Version goes into the User-Agent: "baton-gitlab/<Version>"; default "dev".
	Version string
	// Retry tunes the retries; the zero value is DefaultRetryPolicy.
	Retry RetryPolicy
	// Pacing tunes the per-endpoint pacing (endpoint_limits.go); the zero value paces
	// GitLab's documented endpoint limits on GitLab.com.
	Pacing EndpointPacing
}

// New builds the client. It makes no network call.
func New(ctx context.Context, opts Options) (*Client, error) {
	if opts.Token == "" {
		return nil, errors.New("gitlabapi: an access token is required (--access-token)")
	}
	u, err := ParseInstanceURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if opts.Transport.isZero() {
		opts.Transport = transportOptionsFrom(ctx)
	}
	if err := CheckInsecureHTTP(u, opts.Transport.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	if opts.Deployment == "" {
		opts.Deployment = DetectDeployment(u)
	}
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient, err = defaultHTTPClient(opts.Transport)
		if err != nil {
			return nil, err
		}
	}
	// Every attempt (retries included) goes through the per-endpoint pacer and has its
	// Link header made safe for client-go (linkGuard), and no redirect takes the token
	// to another server.
	paced := *httpClient
	paced.Transport = linkGuard{next: getRetry{next: newOutageGuard(newPacer(httpClient.Transport, opts.Pacing, opts.Deployment), opts.Transport.OutageTimeout)}}
	paced.CheckRedirect = redirectPolicy(u, httpClient.CheckRedirect)
	httpClient = &paced
	rp := opts.Retry.withDefaults()

	api, err := gitlab.NewClient(opts.Token,
		// Before WithBaseURL: client-go would otherwise warn on slog.Default about URLs;
		// ParseInstanceURL has already checked it.
		gitlab.WithURLWarningLogger(slog.New(slog.DiscardHandler)),
		gitlab.WithBaseURL(u.String()),
		gitlab.WithHTTPClient(httpClient),
		gitlab.WithUserAgent("baton-gitlab/"+version),
		gitlab.WithCustomRetry(rp.checkRetry),
		gitlab.WithCustomBackoff(rp.backoff),
		gitlab.WithCustomRetryMax(rp.MaxRetries),
		gitlab.WithCustomRetryWaitMinMax(rp.WaitMin, rp.WaitMax),
	)
	if err != nil {
		return nil, fmt.Errorf("gitlabapi: building the GitLab client for %s: %w", u.Host, err)
	}
	return &Client{API: api, Deployment: opts.Deployment, BaseURL: u.String()}, nil
}

// ParseInstanceURL checks that s is an http(s) URL with a host and returns it without a
// trailing slash and without /api/v4 (users sometimes paste the API URL).
func ParseInstanceURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--base-url %q is not an http(s) URL: set it to the URL you open GitLab at, e.g. https://gitlab.com or https://gitlab.example.com", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--base-url %q must not carry a query, fragment or credentials: set it to the URL you open GitLab at, e.g. https://gitlab.example.com", s)
	}
	// Trailing slashes and /api/v4 (repeated: a pasted ".../api/v4/api/v4/" too), so that
	// parsing the result again gives the same URL.
	for {
		p := strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v4")
		if p == u.Path {
			break
		}
		u.Path = p
	}
	u.RawPath = ""
	u.ForceQuery = false // "https://gitlab.example.com?"
	return u, nil
}

// defaultHTTPClient: newTransport's transport (timeouts, TLS, proxy), advice on
// certificate errors, and a bound on a whole attempt.
func defaultHTTPClient(o TransportOptions) (*http.Client, error) {
	t, err := newTransport(o)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: certAdvice{next: t, caFile: o.CACertFile}, Timeout: 2 * time.Minute}, nil
}
