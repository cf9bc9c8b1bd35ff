package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// lastLine is the last non-empty line a run printed on stderr: the SDK's log lines come
// before it.
func lastLine(res batontest.CLIResult) string {
	lines := strings.Split(strings.TrimRight(res.Stderr, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

// Every error a user can cause ends the run with one clean line (what, which setting or
// id, what to do; no "rpc error: code = ... desc =" and no SDK prefixes) and the gRPC
// code's number as exit code, through the real binary. Issue 9 point 6; the README's
// troubleshooting section lists these messages.
func TestCLIErrorsEndWithOneCleanLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs bin/baton-gitlab")
	}
	_, url := fakegitlab.StartForTest(t, fakegitlab.DemoWorld(fakegitlab.ModeSelfManaged),
		fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: batontest.FakeToken})
	closed := closedPortURL(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
	}))
	t.Cleanup(down.Close)
	dir := t.TempDir()
	c1z := filepath.Join(dir, "sync.c1z")
	token := "BATON_ACCESS_TOKEN=" + batontest.FakeToken

	for _, tt := range []struct {
		name string
		env  []string
		args []string
		want []string // substrings of the last line, in order
		code codes.Code
	}{
		{"no token", []string{"BATON_ACCESS_TOKEN="}, nil,
			[]string{"--access-token is required", "BATON_ACCESS_TOKEN"}, codes.InvalidArgument},
		{"base URL without scheme", []string{token}, []string{"--base-url", "gitlab.example.com"},
			[]string{`--base-url "gitlab.example.com" is not an http(s) URL`, "https://gitlab.example.com"}, codes.InvalidArgument},
		{"plain http to another host", []string{token}, []string{"--base-url", "http://gitlab.example.com"},
			[]string{"--base-url http://gitlab.example.com uses plain http", "--allow-insecure-http"}, codes.InvalidArgument},
		{"unknown deployment", []string{token}, []string{"--deployment", "saas"},
			[]string{"--deployment", "saas", "BATON_DEPLOYMENT"}, codes.InvalidArgument},
		{"subgroup in --groups", []string{token}, []string{"--base-url", url, "--groups", "acme/platform"},
			[]string{`--groups "acme/platform" is a subgroup`, `top-level groups only ("acme")`}, codes.InvalidArgument},
		{"missing CA file", []string{token}, []string{"--ca-cert-file", filepath.Join(dir, "nosuch.pem")},
			[]string{"--ca-cert-file " + filepath.Join(dir, "nosuch.pem"), "cannot read it"}, codes.InvalidArgument},
		{"group that does not exist", []string{token}, []string{"--base-url", url, "--groups", "nosuch"},
			[]string{"--groups nosuch: no such group", "check the group's full path"}, codes.InvalidArgument},
		{"GitLab down longer than --outage-timeout", []string{token}, []string{"--base-url", down.URL, "--outage-timeout", "1s"},
			[]string{"has not answered for", "502 Bad Gateway", "raise --outage-timeout"}, codes.Aborted},
		{"wrong token", []string{"BATON_ACCESS_TOKEN=glpat-wrong"}, []string{"--base-url", url},
			[]string{"GitLab rejected the access token", "set --access-token"}, codes.Unauthenticated},
		{"nothing listens at the URL", []string{token}, []string{"--base-url", closed},
			[]string{"cannot reach", "check --base-url"}, codes.FailedPrecondition},
		{"account creation on GitLab.com without a group", []string{token},
			[]string{"--base-url", url, "--deployment", "gitlab.com", "--create-account-profile", `{"email":"jane@example.com"}`},
			[]string{"cannot create an account on GitLab.com without --account-creation-group", "BATON_ACCOUNT_CREATION_GROUP"}, codes.InvalidArgument},
		{"--create-account-email alone", []string{token}, []string{"--base-url", url, "--create-account-email", "jane@example.com"},
			[]string{"--create-account-email alone does not create an account", "--create-account-login"}, codes.InvalidArgument},
		{"unknown flag", []string{token}, []string{"--nosuch=1"},
			[]string{"unknown flag: --nosuch", "--help"}, codes.InvalidArgument},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := batontest.RunCLI(t, dir, tt.env, append(append([]string{}, tt.args...), "-f", c1z)...)
			last := lastLine(res)
			if res.ExitCode != int(tt.code) {
				t.Errorf("exit %d, want %d (%s); last line %q", res.ExitCode, tt.code, tt.code, last)
			}
			rest := last
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("last line lacks %q (in order):\n%s\nstderr:\n%s", w, last, res.Stderr)
					break
				}
				rest = rest[i+len(w):]
			}
			for _, bad := range []string{"rpc error", "desc =", "runner:", "validate failed", `"level"`} {
				if strings.Contains(last, bad) {
					t.Errorf("last line carries %q: %s", bad, last)
				}
			}
			if strings.Contains(res.Stdout+res.Stderr, batontest.FakeToken) {
				t.Error("the output carries the token")
			}
		})
	}
}

// A --base-url that redirects the API to another server (a sign-in front door, a moved
// instance): the binary stops with FailedPrecondition naming where GitLab pointed and
// the setting, and the other server never sees the token. Issue 9 point 1.
func TestCLIRedirectElsewhereKeepsTheToken(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs bin/baton-gitlab")
	}
	var mu sync.Mutex
	var seen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("PRIVATE-TOKEN"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":1,"username":"root"}`)
	}))
	defer other.Close()
	_, port, _ := net.SplitHostPort(other.Listener.Addr().String())
	target := "http://localhost:" + port
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusFound)
	}))
	defer front.Close()

	dir := t.TempDir()
	res := batontest.RunCLI(t, dir, []string{"BATON_ACCESS_TOKEN=" + batontest.FakeToken},
		"--base-url", front.URL, "-f", filepath.Join(dir, "sync.c1z"))
	last := lastLine(res)
	if res.ExitCode != int(codes.FailedPrecondition) {
		t.Errorf("exit %d, want %d; last line %q", res.ExitCode, codes.FailedPrecondition, last)
	}
	for _, w := range []string{"GitLab at " + front.URL + " redirected to " + target + "/api/v4/user", "not followed", "set --base-url"} {
		if !strings.HasPrefix(last, "GitLab at ") || !strings.Contains(last, w) {
			t.Errorf("last line lacks %q: %s", w, last)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the other server got %d requests (tokens %q)", len(seen), seen)
	}
	t.Logf("redirect: %s", last)
}

// closedPortURL is an http://127.0.0.1 URL nothing listens at.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

// A self-managed GitLab behind a private CA, through the binary: refused without
// --ca-cert-file (FailedPrecondition, naming the setting), synced with it. Issue 9 point 3.
func TestCLIPrivateCA(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs bin/baton-gitlab")
	}
	caPEM, leaf := testCAAndLeaf(t)
	srv := httptest.NewUnstartedServer(fakegitlab.New(fakegitlab.DemoWorld(fakegitlab.ModeSelfManaged),
		fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: batontest.FakeToken}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	srv.StartTLS()
	defer srv.Close()

	dir := t.TempDir()
	caFile := filepath.Join(dir, "private-ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"BATON_ACCESS_TOKEN=" + batontest.FakeToken}
	common := []string{"--base-url", srv.URL, "--deployment", "self-managed", "-f", filepath.Join(dir, "sync.c1z")}

	res := batontest.RunCLI(t, dir, env, common...)
	if res.ExitCode != int(codes.FailedPrecondition) || !strings.Contains(lastLine(res), "set --ca-cert-file") {
		t.Fatalf("without the CA: exit %d, last line %q", res.ExitCode, lastLine(res))
	}
	t.Logf("without the CA: %s", lastLine(res))

	res = batontest.RunCLI(t, dir, append(env, "BATON_CA_CERT_FILE="+caFile), common...)
	if res.ExitCode != 0 {
		t.Fatalf("with BATON_CA_CERT_FILE: exit %d\nstderr:\n%s", res.ExitCode, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "sync.c1z")); err != nil {
		t.Fatal(err)
	}
}

// --allow-insecure-http lets a plain http URL to another host through, and says so in a
// warning on every run (once per run: not again from the SDK's connector subprocess).
// The host is reached through HTTP_PROXY, the fake acting as the proxy, so no name is
// resolved and nothing leaves this machine; this also shows HTTP_PROXY is honoured.
func TestCLIAllowInsecureHTTPWarns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs bin/baton-gitlab")
	}
	_, url := fakegitlab.StartForTest(t, fakegitlab.DemoWorld(fakegitlab.ModeSelfManaged),
		fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: batontest.FakeToken})
	dir := t.TempDir()
	env := []string{"BATON_ACCESS_TOKEN=" + batontest.FakeToken,
		"HTTP_PROXY=" + url, "http_proxy=" + url, "NO_PROXY=", "no_proxy="}
	args := []string{"--base-url", "http://gitlab.example.com", "--deployment", "self-managed", "-f", filepath.Join(dir, "sync.c1z")}

	res := batontest.RunCLI(t, dir, env, args...)
	if res.ExitCode != int(codes.InvalidArgument) || !strings.Contains(lastLine(res), "--allow-insecure-http") {
		t.Fatalf("without the setting: exit %d, last line %q", res.ExitCode, lastLine(res))
	}
	for run := 1; run <= 2; run++ {
		res = batontest.RunCLI(t, dir, append(env, "BATON_ALLOW_INSECURE_HTTP=true"), args...)
		if res.ExitCode != 0 {
			t.Fatalf("run %d with the setting: exit %d\nstderr:\n%s", run, res.ExitCode, res.Stderr)
		}
		warning := "--allow-insecure-http is set and --base-url http://gitlab.example.com is plain http"
		if n := strings.Count(res.Stdout+res.Stderr, warning); n != 1 {
			t.Errorf("run %d: the warning appears %d times, want once\nstderr:\n%s", run, n, res.Stderr)
		}
	}
}

// testCAAndLeaf makes up a CA (its PEM) and a server certificate it signed for 127.0.0.1.
func testCAAndLeaf(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "baton-gitlab test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "gitlab"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
