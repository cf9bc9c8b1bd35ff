package gitlabapi

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const transportToken = "glpat-SECRET-transport-test"

// tokenRecorder is a server that answers GET /api/v4/user and records every
// PRIVATE-TOKEN it receives.
type tokenRecorder struct {
	mu     sync.Mutex
	tokens []string
	hits   atomic.Int64
}

func (r *tokenRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.hits.Add(1)
	r.mu.Lock()
	r.tokens = append(r.tokens, req.Header.Get("PRIVATE-TOKEN"))
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":1,"username":"root"}`)
}

func (r *tokenRecorder) sawToken() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.tokens {
		if t != "" {
			return true
		}
	}
	return false
}

// redirector answers every request with a 302 to target + the request's path.
func redirector(target string, hits *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, target+r.URL.Path, http.StatusFound)
	})
}

func transportClient(t *testing.T, base string, o TransportOptions) *Client {
	t.Helper()
	c, err := New(context.Background(), Options{BaseURL: base, Token: transportToken, Transport: o,
		Retry: RetryPolicy{WaitMin: time.Millisecond, WaitMax: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The token is sent only to the configured instance: a redirect to another port, host
// or scheme is refused, the second server never sees the token, and the error says
// where GitLab pointed and which setting to change. Issue 9 point 1.
func TestRedirectToAnotherServerIsNotFollowedWithTheToken(t *testing.T) {
	second := &tokenRecorder{}
	other := httptest.NewServer(second)
	defer other.Close()
	_, otherPort, _ := net.SplitHostPort(strings.TrimPrefix(other.URL, "http://"))

	for _, tt := range []struct{ name, target string }{
		{"another port", other.URL},                          // http://127.0.0.1:<other>
		{"another host", "http://localhost:" + otherPort},    // same listener, another name
		{"another scheme", "https://127.0.0.1:" + otherPort}, // never reached: refused first
	} {
		t.Run(tt.name, func(t *testing.T) {
			var firstHits atomic.Int64
			first := httptest.NewServer(redirector(tt.target, &firstHits))
			defer first.Close()
			before := second.hits.Load()

			c := transportClient(t, first.URL, TransportOptions{})
			_, _, err := c.API.Users.CurrentUser()
			if err == nil {
				t.Fatal("the redirect was followed")
			}
			if second.hits.Load() != before || second.sawToken() {
				t.Fatalf("the second server was contacted (%d requests, token seen: %v)", second.hits.Load()-before, second.sawToken())
			}
			if firstHits.Load() != 1 {
				t.Errorf("the refused redirect was retried: %d requests to the instance", firstHits.Load())
			}
			mapped := MapError(err, "reading the token's user (GET /user)")
			if status.Code(mapped) != codes.FailedPrecondition {
				t.Errorf("code %v, want FailedPrecondition: %v", status.Code(mapped), mapped)
			}
			msg := mapped.Error()
			for _, want := range []string{"GitLab at " + first.URL, "redirected to " + tt.target + "/api/v4/user", "--base-url", "not followed"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, transportToken) {
				t.Errorf("the message carries the token: %s", msg)
			}
		})
	}
}

// A redirect within the instance (same scheme, host and port) is followed, with the token.
func TestRedirectWithinTheInstanceIsFollowed(t *testing.T) {
	rec := &tokenRecorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v4/user", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved/api/v4/user", http.StatusMovedPermanently)
	})
	mux.Handle("/moved/", rec)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := transportClient(t, srv.URL, TransportOptions{})
	u, _, err := c.API.Users.CurrentUser()
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "root" || !rec.sawToken() {
		t.Errorf("user %+v, token at the new path: %v", u, rec.sawToken())
	}
}

// An https instance redirecting to plain http is refused: the token would travel in
// clear, even to the same host.
func TestHTTPSDowngradeIsRefused(t *testing.T) {
	plain := &tokenRecorder{}
	plainSrv := httptest.NewServer(plain)
	defer plainSrv.Close()
	var hits atomic.Int64
	tlsSrv := httptest.NewTLSServer(redirector(plainSrv.URL, &hits))
	defer tlsSrv.Close()

	c := transportClient(t, tlsSrv.URL, TransportOptions{CACertPEM: serverCertPEM(t, tlsSrv), CACertFile: "httptest.pem"})
	_, _, err := c.API.Users.CurrentUser()
	if err == nil {
		t.Fatal("the downgrade was followed")
	}
	if plain.hits.Load() != 0 {
		t.Fatalf("the http server was contacted %d times (token seen: %v)", plain.hits.Load(), plain.sawToken())
	}
	msg := MapError(err, "reading the token's user").Error()
	for _, want := range []string{"from https to plain http", plainSrv.URL, "--base-url", "unencrypted"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestRedirectAllowed(t *testing.T) {
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, tt := range []struct {
		base, target string
		ok           bool
	}{
		{"https://gitlab.example.com", "https://gitlab.example.com/users/sign_in", true},
		{"https://gitlab.example.com", "https://GITLAB.example.com:443/x", true},
		{"https://gitlab.example.com", "https://gitlab.example.com./x", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v4/user", true},
		{"https://gitlab.example.com", "http://gitlab.example.com/x", false},
		{"https://gitlab.example.com", "https://gitlab.example.com:8443/x", false},
		{"https://gitlab.example.com", "https://sso.example.com/login?state=abc", false},
		{"http://gitlab.example.com", "https://gitlab.example.com/x", false},
		{"http://127.0.0.1:8080", "http://localhost:8080/x", false},
		{"https://[::1]:8443", "https://[::1]:8443/x", true},
	} {
		err := RedirectAllowed(mustURL(tt.base), mustURL(tt.target))
		if (err == nil) != tt.ok {
			t.Errorf("%s → %s: %v, want allowed %v", tt.base, tt.target, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "state=abc") {
			t.Errorf("the message repeats the redirect's query: %v", err)
		}
	}
}

// Plain http is refused for anything but loopback unless allowed; the message names the
// setting that allows it. Issue 9 point 2.
func TestPlainHTTPOnlyToLoopbackUnlessAllowed(t *testing.T) {
	ctx := context.Background()
	for _, base := range []string{"http://127.0.0.1:8080", "http://127.1.2.3", "http://[::1]:8080", "http://localhost:3000", "http://LOCALHOST", "http://gitlab.localhost"} {
		if _, err := New(ctx, Options{BaseURL: base, Token: "t"}); err != nil {
			t.Errorf("%s refused: %v", base, err)
		}
	}
	for _, base := range []string{"http://gitlab.example.com", "http://10.0.0.5:8080", "http://[2001:db8::1]", "http://localhost.example.com", "http://0.0.0.0"} {
		_, err := New(ctx, Options{BaseURL: base, Token: "t"})
		if err == nil {
			t.Errorf("%s accepted", base)
			continue
		}
		for _, want := range []string{"--base-url", "plain http", "--allow-insecure-http", "BATON_ALLOW_INSECURE_HTTP=true", "https://"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: message lacks %q: %v", base, want, err)
			}
		}
		if _, err := New(ctx, Options{BaseURL: base, Token: "t", Transport: TransportOptions{AllowInsecureHTTP: true}}); err != nil {
			t.Errorf("%s refused although allowed: %v", base, err)
		}
		if _, err := New(WithTransportOptions(ctx, TransportOptions{AllowInsecureHTTP: true}), Options{BaseURL: base, Token: "t"}); err != nil {
			t.Errorf("%s refused although allowed through the context: %v", base, err)
		}
	}
	if err := CheckInsecureHTTP(&url.URL{Scheme: "http", Host: "gitlab.example.com:80"}, false); err == nil ||
		!strings.Contains(err.Error(), "set --base-url to https://gitlab.example.com ") {
		t.Errorf("suggested URL: %v", err)
	}
}

// testCA is a certificate authority made up by a test, and the PEM of its certificate.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "baton-gitlab test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf is a server certificate signed by the CA for 127.0.0.1 and the given names.
func (ca *testCA) leaf(t testing.TB, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "gitlab test server"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsServer serves h over TLS with a certificate of ca.
func (ca *testCA) tlsServer(t testing.TB, h http.Handler, names ...string) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are what some tests expect
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, names...)}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func serverCertPEM(t testing.TB, srv *httptest.Server) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

// A self-managed GitLab behind a private CA: refused without the CA (TLS is verified),
// accepted with it. Issue 9 point 3.
func TestPrivateCABundle(t *testing.T) {
	ca := newTestCA(t)
	rec := &tokenRecorder{}
	srv := ca.tlsServer(t, rec)

	_, _, err := transportClient(t, srv.URL, TransportOptions{}).API.Users.CurrentUser()
	if err == nil || !HostUnreachable(err) {
		t.Fatalf("a certificate of an unknown CA was accepted or not recognised: %v", err)
	}
	if msg := MapError(err, "reading the token's user").Error(); !strings.Contains(msg, "set --ca-cert-file to a PEM file") {
		t.Errorf("the message does not say what to set: %s", msg)
	}
	if rec.sawToken() {
		t.Fatal("the token was sent before the certificate was verified")
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, append([]byte("# private CA\n"), ca.pem...), 0o600); err != nil {
		t.Fatal(err)
	}
	bundle, err := ReadCACertFile(file)
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := transportClient(t, srv.URL, TransportOptions{CACertPEM: bundle, CACertFile: file}).API.Users.CurrentUser()
	if err != nil || u.Username != "root" || !rec.sawToken() {
		t.Fatalf("with the CA bundle: user %+v err %v", u, err)
	}

	// Another CA's bundle does not help: verification stays on.
	other := newTestCA(t)
	_, _, err = transportClient(t, srv.URL, TransportOptions{CACertPEM: other.pem, CACertFile: "other.pem"}).API.Users.CurrentUser()
	if err == nil || !HostUnreachable(err) {
		t.Fatalf("another CA's bundle was accepted: %v", err)
	}
	if !strings.Contains(err.Error(), "none of the CAs in --ca-cert-file other.pem") {
		t.Errorf("the message does not name the bundle: %v", err)
	}

	// A certificate for another name: the advice names --base-url.
	named := ca.tlsServer(t, rec, "gitlab.example.com")
	_, port, _ := net.SplitHostPort(named.Listener.Addr().String())
	_, _, err = transportClient(t, "https://localhost:"+port, TransportOptions{CACertPEM: ca.pem, CACertFile: "ca.pem"}).API.Users.CurrentUser()
	if err == nil || !strings.Contains(err.Error(), "not made out for localhost: set --base-url") {
		t.Errorf("certificate for another name: %v", err)
	}

	// A plain http server behind an https URL.
	plain := httptest.NewServer(rec)
	defer plain.Close()
	_, _, err = transportClient(t, strings.Replace(plain.URL, "http://", "https://", 1), TransportOptions{}).API.Users.CurrentUser()
	if err == nil || !HostUnreachable(err) || !strings.Contains(err.Error(), "speaks plain http, not https") {
		t.Errorf("http server behind an https URL: %v", err)
	}
}

func TestReadCACertFileErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	_ = os.WriteFile(garbage, []byte("not a certificate"), 0o600)
	badBlock := filepath.Join(dir, "bad.pem")
	_ = os.WriteFile(badBlock, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}), 0o600)
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.pem"): "cannot read it",
		garbage:                           "holds no PEM certificate",
		badBlock:                          "certificate 1 does not parse",
	} {
		_, err := ReadCACertFile(file)
		if err == nil {
			t.Errorf("%s accepted", file)
			continue
		}
		for _, w := range []string{"--ca-cert-file " + file, want, "PEM"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: message lacks %q: %v", file, w, err)
			}
		}
	}
	if _, err := New(context.Background(), Options{BaseURL: "https://gitlab.example.com", Token: "t",
		Transport: TransportOptions{CACertPEM: []byte("junk"), CACertFile: "x.pem"}}); err == nil {
		t.Error("New accepted a bundle without certificates")
	}
}

// The transport reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY when the client is built, and
// never proxies loopback addresses (net/http's rule).
func TestProxyFromTheEnvironment(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:3129")
	t.Setenv("NO_PROXY", "direct.example.com,.internal.example")
	for _, k := range []string{"https_proxy", "http_proxy", "no_proxy"} {
		t.Setenv(k, "") // the upper-case ones above decide
	}
	tr, err := newTransport(TransportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]string{
		"https://gitlab.example.com/api/v4/user": "http://127.0.0.1:3128",
		"http://gitlab.example.com/api/v4/user":  "http://127.0.0.1:3129",
		"https://direct.example.com/api/v4/user": "",
		"https://git.internal.example/api/v4":    "",
		"https://127.0.0.1:8443/api/v4/user":     "",
		"http://localhost:8080/api/v4/user":      "",
	} {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		p, err := tr.Proxy(req)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if p != nil {
			got = p.String()
		}
		if got != want {
			t.Errorf("%s: proxy %q, want %q", target, got, want)
		}
	}
}

// connectProxy is an HTTP CONNECT proxy on 127.0.0.1 that sends every tunnel to
// upstream (whatever host was asked for) and records the targets it was asked for.
type connectProxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	targets  []string
}

func startConnectProxy(t *testing.T, upstream string) *connectProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{ln: ln, upstream: upstream}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(conn)
		}
	}()
	return p
}

func (p *connectProxy) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.targets = append(p.targets, req.Method+" "+req.Host)
	p.mu.Unlock()
	if req.Method != http.MethodConnect {
		_, _ = io.WriteString(conn, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		_, _ = io.WriteString(conn, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	_, _ = io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, up); done <- struct{}{} }()
	<-done
}

func (p *connectProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}

// End to end through a local CONNECT proxy to a local TLS server of a private CA: the
// instance's name (not a loopback one, which net/http never proxies) goes to the proxy
// in the CONNECT line and is never resolved here; TLS is verified for that name.
func TestHTTPSProxyConnectEndToEnd(t *testing.T) {
	ca := newTestCA(t)
	rec := &tokenRecorder{}
	srv := ca.tlsServer(t, rec, "gitlab.internal.test")
	proxy := startConnectProxy(t, srv.Listener.Addr().String())
	t.Setenv("HTTPS_PROXY", "http://"+proxy.ln.Addr().String())
	t.Setenv("NO_PROXY", "")
	t.Setenv("https_proxy", "")
	t.Setenv("no_proxy", "")

	c := transportClient(t, "https://gitlab.internal.test", TransportOptions{CACertPEM: ca.pem, CACertFile: "ca.pem"})
	u, _, err := c.API.Users.CurrentUser()
	if err != nil {
		t.Fatalf("through the proxy: %v (proxy saw %v)", err, proxy.seen())
	}
	if u.Username != "root" || !rec.sawToken() {
		t.Errorf("user %+v token seen %v", u, rec.sawToken())
	}
	if got := proxy.seen(); len(got) == 0 || got[0] != "CONNECT gitlab.internal.test:443" {
		t.Errorf("proxy requests %v, want CONNECT gitlab.internal.test:443", got)
	}

	// The tunnel does not weaken TLS: without the CA the same path fails verification.
	_, _, err = transportClient(t, "https://gitlab.internal.test", TransportOptions{}).API.Users.CurrentUser()
	var unknown x509.UnknownAuthorityError
	if err == nil || !errors.As(err, &unknown) {
		t.Errorf("without the CA through the proxy: %v, want an unknown-authority error", err)
	}
}

// client-go v1.46.0 indexes past the end of a Link parameter without '=' (a panic in the
// connector); the client drops such link-values and keeps the others. Found by FuzzLinkHeader.
func TestLinkHeaderClientGoWouldPanicOn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<https://x/api/v4/users?cursor=bad>; rel, <`+"http://"+r.Host+`/api/v4/users?cursor=good>; rel="next"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	}))
	defer srv.Close()
	c := transportClient(t, srv.URL, TransportOptions{})
	_, resp, err := c.API.Users.ListUsers(&gitlab.ListUsersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(resp.NextLink, "cursor=good") {
		t.Errorf("next link %q", resp.NextLink)
	}
	if got := safeLinkHeader(`<a>; rel="next"`); got != `<a>; rel="next"` {
		t.Errorf("a good header was changed: %q", got)
	}
}
