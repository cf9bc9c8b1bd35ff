package gitlabapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
	"google.golang.org/grpc/codes"
)

// How the client reaches GitLab, and what it refuses (issue 9):
//
//   - The access token goes only to the configured instance. A redirect to another
//     scheme, host or port is not followed (Go's http.Client forwards every header but
//     Authorization, Cookie and a few others to the new host, PRIVATE-TOKEN included):
//     the request fails with FailedPrecondition naming where GitLab pointed and what to
//     set. A redirect within the instance (same scheme, host and port) is followed.
//   - Plain http:// is refused for anything but a loopback address (127.0.0.0/8, ::1,
//     localhost) unless TransportOptions.AllowInsecureHTTP (--allow-insecure-http).
//   - TLS is always verified, against the system's roots plus, optionally, a PEM bundle
//     (--ca-cert-file) for a self-managed GitLab behind a private CA. There is no way
//     to turn verification off. SSL_CERT_FILE / SSL_CERT_DIR still work (Go's system pool).
//   - HTTPS_PROXY, HTTP_PROXY and NO_PROXY (and lower-case forms) are honoured, read
//     when the client is built. As in net/http, requests to localhost and loopback
//     addresses never go through a proxy.

// Setting names the messages of this file refer to (pkg/config defines the settings).
const (
	baseURLSetting           = "--base-url"
	allowInsecureHTTPSetting = "--allow-insecure-http"
	allowInsecureHTTPEnv     = "BATON_ALLOW_INSECURE_HTTP"
	caCertFileSetting        = "--ca-cert-file"
)

// maxRedirects is how many same-instance redirects one request follows (net/http's default).
const maxRedirects = 10

// TransportOptions configure how the client reaches GitLab. The zero value: https (or
// loopback http) only, the system's CA roots, proxies from the environment.
type TransportOptions struct {
	// AllowInsecureHTTP permits an http:// base URL to a host that is not a loopback
	// address: the token then travels unencrypted.
	AllowInsecureHTTP bool
	// CACertPEM holds CA certificates (PEM) trusted in addition to the system's roots;
	// ReadCACertFile reads and checks them.
	CACertPEM []byte
	// CACertFile is where CACertPEM was read from, for messages.
	CACertFile string
	// OutageTimeout: how long every request may fail (transport errors, 5xx) before the
	// run stops with an OutageError; DefaultOutageTimeout when 0.
	OutageTimeout time.Duration
}

type transportOptionsKey struct{}

// WithTransportOptions returns ctx carrying o. New uses them when its Options.Transport
// is the zero value: for callers that build the client through a layer that does not
// pass these settings on (the connector's New is given the context).
func WithTransportOptions(ctx context.Context, o TransportOptions) context.Context {
	return context.WithValue(ctx, transportOptionsKey{}, o)
}

// transportOptionsFrom is what WithTransportOptions put into ctx (the zero value if none).
func transportOptionsFrom(ctx context.Context) TransportOptions {
	if ctx == nil {
		return TransportOptions{}
	}
	o, _ := ctx.Value(transportOptionsKey{}).(TransportOptions)
	return o
}

func (o TransportOptions) isZero() bool {
	return !o.AllowInsecureHTTP && len(o.CACertPEM) == 0 && o.CACertFile == "" && o.OutageTimeout == 0
}

// IsLoopbackHost reports a host name that can only be this machine: localhost (and
// names under .localhost), or an IP address in 127.0.0.0/8 or ::1. host has no port;
// IPv6 addresses may keep their brackets.
func IsLoopbackHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if i := strings.IndexByte(h, '%'); i >= 0 { // fe80::1%eth0
		h = h[:i]
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// CheckInsecureHTTP refuses an http:// instance URL to a host that is not a loopback
// address, unless allow is set.
func CheckInsecureHTTP(u *url.URL, allow bool) error {
	if !strings.EqualFold(u.Scheme, "http") || allow || IsLoopbackHost(u.Hostname()) {
		return nil
	}
	secure := *u
	secure.Scheme = "https"
	if secure.Port() == "80" {
		secure.Host = secure.Hostname()
	}
	return fmt.Errorf("%s %s uses plain http: the access token would travel unencrypted; "+
		"set %s to %s (GitLab's https URL), or set %s (%s=true) to accept plain http to this host",
		baseURLSetting, u.String(), baseURLSetting, secure.String(), allowInsecureHTTPSetting, allowInsecureHTTPEnv)
}

// ReadCACertFile reads a PEM bundle of CA certificates (--ca-cert-file) and checks that
// every CERTIFICATE block in it parses and that there is at least one.
func ReadCACertFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: cannot read it (%v): set it to a PEM file of the CA certificates that signed GitLab's certificate",
			caCertFileSetting, path, unwrapPathError(err))
	}
	if err := checkCAPEM(b); err != nil {
		return nil, fmt.Errorf("%s %s: %v: set it to a PEM file of the CA certificates that signed GitLab's certificate "+
			"(-----BEGIN CERTIFICATE----- blocks)", caCertFileSetting, path, err)
	}
	return b, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkCAPEM: at least one CERTIFICATE block, and each one a parsable certificate.
func checkCAPEM(b []byte) error {
	n := 0
	rest := b
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("certificate %d does not parse (%v)", n+1, err)
		}
		n++
	}
	if n == 0 {
		return errors.New("it holds no PEM certificate")
	}
	return nil
}

// rootCAs is the system's roots plus the certificates in extra (nil extra: nil, which
// makes crypto/tls use the system's roots).
func rootCAs(extra []byte, file string) (*x509.CertPool, error) {
	if len(extra) == 0 {
		return nil, nil
	}
	if err := checkCAPEM(extra); err != nil {
		return nil, fmt.Errorf("%s %s: %v", caCertFileSetting, file, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	pool.AppendCertsFromPEM(extra)
	return pool, nil
}

// proxyFromEnvironment is net/http's ProxyFromEnvironment, but reading the environment
// now rather than once per process (net/http caches it), so each client, and each
// test, sees the environment it was built in. Same rules: HTTPS_PROXY for https URLs,
// HTTP_PROXY for http, NO_PROXY exceptions, never a proxy for localhost and loopback
// addresses.
func proxyFromEnvironment() func(*http.Request) (*url.URL, error) {
	f := httpproxy.FromEnvironment().ProxyFunc()
	return func(r *http.Request) (*url.URL, error) { return f(r.URL) }
}

// newTransport is the default transport: bounded timeouts, TLS 1.2 or later verified
// against the system's roots plus o's CA bundle, proxies from the environment, enough
// idle connections per host for --workers N.
func newTransport(o TransportOptions) (*http.Transport, error) {
	roots, err := rootCAs(o.CACertPEM, o.CACertFile)
	if err != nil {
		return nil, err
	}
	return &http.Transport{
		Proxy: proxyFromEnvironment(),
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			RootCAs:    roots,
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}, nil
}

// origin is scheme://host:port with the default port made explicit, lower-cased, and
// without a trailing dot on the host: two URLs with the same origin reach the same server.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// displayURL is u without its query, fragment and credentials (a sign-in redirect's
// query can carry state or tokens of its own).
func displayURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.RawFragment, c.ForceQuery = nil, "", "", "", false
	return c.String()
}

// redirectPolicy is the http.Client's CheckRedirect: follow redirects within the
// instance (same origin as base) only, at most maxRedirects, then next's policy if any.
// Anything else is a FailedPrecondition error naming where GitLab pointed.
func redirectPolicy(base *url.URL, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	instance := displayURL(base)
	return func(req *http.Request, via []*http.Request) error {
		if err := RedirectAllowed(base, req.URL); err != nil {
			return err
		}
		if len(via) >= maxRedirects {
			return newError(codes.FailedPrecondition, nil,
				"GitLab at %s redirected %d times in a row (last to %s): set %s to the URL GitLab is served at",
				instance, len(via), displayURL(req.URL), baseURLSetting)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// RedirectAllowed is nil when a redirect from the instance at base to target stays on
// the instance (same scheme, host and port), else the FailedPrecondition error the client
// returns instead of following it: the access token would go to target.
func RedirectAllowed(base, target *url.URL) error {
	if origin(target) == origin(base) {
		return nil
	}
	instance := displayURL(base)
	to := displayURL(target)
	if strings.EqualFold(base.Scheme, "https") && !strings.EqualFold(target.Scheme, "https") {
		return newError(codes.FailedPrecondition, nil,
			"GitLab at %s redirected to %s, from https to plain %s: not followed, the access token would travel unencrypted; "+
				"check %s (it must be the https URL GitLab is served at) and the proxy or load balancer in front of GitLab",
			instance, to, strings.ToLower(target.Scheme), baseURLSetting)
	}
	suggest := *target
	suggest.Path, suggest.RawPath = "", ""
	if strings.EqualFold(strings.TrimSuffix(base.Hostname(), "."), strings.TrimSuffix(target.Hostname(), ".")) {
		return newError(codes.FailedPrecondition, nil,
			"GitLab at %s redirected to %s (another scheme or port): not followed, the access token is sent only to %s; "+
				"set %s to %s if GitLab is served there",
			instance, to, origin(base), baseURLSetting, displayURL(&suggest))
	}
	return newError(codes.FailedPrecondition, nil,
		"GitLab at %s redirected to %s, another host: not followed, the access token is sent only to %s; "+
			"set %s to the URL GitLab is served at (%s if that is GitLab)",
		instance, to, origin(base), baseURLSetting, displayURL(&suggest))
}

// certAdvice adds to a failed TLS handshake what the user can do about it: GitLab's
// certificate signed by a CA the system does not trust (--ca-cert-file), made out for
// another name (--base-url), expired, or a server that does not speak TLS at all. The
// error keeps its chain (HostUnreachable, errors.As still see the TLS error).
type certAdvice struct {
	next   http.RoundTripper
	caFile string
}

func (a certAdvice) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	if err != nil {
		if advice := a.advice(err, r.URL); advice != "" {
			err = &advisedError{err: err, advice: advice}
		}
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (a certAdvice) CloseIdleConnections() {
	if c, ok := a.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (a certAdvice) advice(err error, u *url.URL) string {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &unknown):
		if a.caFile != "" {
			return fmt.Sprintf("GitLab's certificate is signed by none of the CAs in %s %s nor the system's: "+
				"set %s to the PEM file of the CA that signed it", caCertFileSetting, a.caFile, caCertFileSetting)
		}
		return fmt.Sprintf("GitLab's certificate is signed by a CA this system does not trust: if GitLab uses a private CA, "+
			"set %s to a PEM file of that CA's certificate", caCertFileSetting)
	case errors.As(err, &hostname):
		return fmt.Sprintf("GitLab's certificate is not made out for %s: set %s to a host name on the certificate", u.Hostname(), baseURLSetting)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "GitLab's certificate has expired or is not valid yet: renew it, or check this machine's clock"
	case errors.As(err, &record) && string(record.RecordHeader[:]) == "HTTP/",
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("the server at %s speaks plain http, not https: check %s", u.Host, baseURLSetting)
	}
	return ""
}

// advisedError is a transport error with advice appended; it unwraps to the error.
type advisedError struct {
	err    error
	advice string
}

func (e *advisedError) Error() string { return e.err.Error() + " (" + e.advice + ")" }
func (e *advisedError) Unwrap() error { return e.err }

// linkGuard drops from a response's Link header the link-values client-go v1.46.0 would
// crash on: it reads a value's first parameter as `name=value` without checking for the
// '=' (Response.populateLinkValues: strings.Split(parts[1], "=")[1]), so a server or
// proxy answering `Link: <...>; rel` panics the connector. Found by FuzzLinkHeader.
type linkGuard struct{ next http.RoundTripper }

func (g linkGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(r)
	if resp != nil && resp.Header != nil {
		if values := resp.Header.Values("Link"); len(values) > 0 {
			safe := make([]string, len(values))
			changed := false
			for i, v := range values {
				safe[i] = safeLinkHeader(v)
				changed = changed || safe[i] != v
			}
			if changed {
				resp.Header["Link"] = safe
			}
		}
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (g linkGuard) CloseIdleConnections() {
	if c, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// safeLinkHeader is v without the comma-separated link-values whose first parameter has
// no '=' (kept as is when there are none).
func safeLinkHeader(v string) string {
	segments := strings.Split(v, ",")
	kept := segments[:0:0]
	for _, seg := range segments {
		parts := strings.Split(seg, ";")
		if len(parts) >= 2 && !strings.Contains(parts[1], "=") {
			continue
		}
		kept = append(kept, seg)
	}
	if len(kept) == len(segments) {
		return v
	}
	return strings.Join(kept, ",")
}
