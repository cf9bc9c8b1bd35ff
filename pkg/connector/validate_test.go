package connector

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

const validateToken = "glpat-validate-test"

// quickRetry keeps failing requests fast in tests.
var quickRetry = gitlabapi.RetryPolicy{MaxRetries: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond, MaxRateLimitWait: time.Second}

// logged returns a context whose zap logger records warnings and above.
func logged() (context.Context, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.WarnLevel)
	return ctxzap.ToContext(context.Background(), zap.New(core)), logs
}

func startFake(t *testing.T, mode fakegitlab.Mode, opts fakegitlab.Options) (*fakegitlab.Server, string) {
	t.Helper()
	opts.Mode = mode
	if opts.Token == "" {
		opts.Token = validateToken
	}
	return fakegitlab.StartForTest(t, fakegitlab.DemoWorld(mode), opts)
}

func newValidateConnector(t *testing.T, url string, deployment gitlabapi.Deployment, change func(*Settings)) *Connector {
	t.Helper()
	s := Settings{BaseURL: url, Deployment: deployment, Retry: quickRetry}
	if change != nil {
		change(&s)
	}
	c, err := New(context.Background(), s, validateToken)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func requireErr(t *testing.T, err error, code codes.Code, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", code)
	}
	if got := status.Code(err); got != code {
		t.Fatalf("code %v, want %v: %v", got, code, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err.Error(), w)
		}
	}
	if strings.Contains(err.Error(), validateToken) {
		t.Errorf("the token leaked into the error: %v", err)
	}
}

func TestValidateSelfManagedAdmin(t *testing.T) {
	_, url := startFake(t, fakegitlab.ModeSelfManaged, fakegitlab.Options{})
	c := newValidateConnector(t, url, gitlabapi.SelfManaged, func(s *Settings) {
		s.AccountCreationGroup = "acme/platform"
		s.Groups = []string{"acme", "acme-contractors"}
	})
	ctx, logs := logged()
	if _, err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Errorf("warnings for an admin api token: %v", logs.All())
	}
	admin, err := c.adminToken(ctx)
	if err != nil || !admin {
		t.Fatalf("admin token not recognised: %v %v", admin, err)
	}
	u, _ := c.tokenUser(ctx)
	if u.ID != fakegitlab.DemoUserAdmin || u.Username != "acme-admin" {
		t.Errorf("token user %d %s", u.ID, u.Username)
	}
}

func TestValidateGitLabComNonAdminIsNotWarnedAbout(t *testing.T) {
	_, url := startFake(t, fakegitlab.ModeGitLabCom, fakegitlab.Options{})
	c := newValidateConnector(t, url, gitlabapi.GitLabCom, nil)
	ctx, logs := logged()
	if _, err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Errorf("GitLab.com has no admins to miss; warnings: %v", logs.All())
	}
	if admin, _ := c.adminToken(ctx); admin {
		t.Error("a GitLab.com token counted as admin")
	}
}

func TestValidateSelfManagedNonAdminWarnsOnce(t *testing.T) {
	srv, url := startFake(t, fakegitlab.ModeSelfManaged, fakegitlab.Options{})
	srv.Write(func(w *fakegitlab.World) { w.TokenUserID = fakegitlab.DemoUserBob })
	c := newValidateConnector(t, url, gitlabapi.SelfManaged, nil)
	ctx, logs := logged()
	if _, err := c.Validate(ctx); err != nil {
		t.Fatalf("a non-admin token must still be valid: %v", err)
	}
	if logs.Len() != 1 {
		t.Fatalf("%d warnings, want exactly one: %v", logs.Len(), logs.All())
	}
	msg := logs.All()[0].Message
	for _, w := range []string{"bob", "not an administrator", "users outside those groups", "email", "last sign-in", "account creation", "administrator's personal access token"} {
		if !strings.Contains(msg, w) {
			t.Errorf("warning %q lacks %q", msg, w)
		}
	}
	if admin, _ := c.adminToken(ctx); admin {
		t.Error("bob counted as admin")
	}
}

func TestValidateRejectedToken(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts fakegitlab.Options
		want string
	}{
		{"wrong token", fakegitlab.Options{Token: "glpat-someone-else"}, "401 Unauthorized"},
		{"expired token", fakegitlab.Options{TokenExpired: true}, "401 invalid_token: Token is expired"},
		{"revoked token", fakegitlab.Options{TokenRevoked: true}, "401 invalid_token: Token was revoked"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, url := startFake(t, fakegitlab.ModeGitLabCom, tt.opts)
			c := newValidateConnector(t, url, gitlabapi.GitLabCom, nil)
			_, err := c.Validate(context.Background())
			requireErr(t, err, codes.Unauthenticated, "GitLab rejected the access token", tt.want,
				"create a new personal access token with the api scope and set --access-token")
		})
	}
}

func TestValidateReadAPITokenWarnsAboutProvisioning(t *testing.T) {
	_, url := startFake(t, fakegitlab.ModeGitLabCom, fakegitlab.Options{TokenScopes: []string{"read_api"}})
	c := newValidateConnector(t, url, gitlabapi.GitLabCom, nil)
	ctx, logs := logged()
	if _, err := c.Validate(ctx); err != nil {
		t.Fatalf("read_api is enough to sync: %v", err)
	}
	if logs.Len() != 1 {
		t.Fatalf("%d warnings, want one: %v", logs.Len(), logs.All())
	}
	msg := logs.All()[0].Message
	for _, w := range []string{"read_api", "provisioning", "api scope", "--access-token"} {
		if !strings.Contains(msg, w) {
			t.Errorf("warning %q lacks %q", msg, w)
		}
	}
}

func TestValidateTokenWithoutAPIScopes(t *testing.T) {
	_, url := startFake(t, fakegitlab.ModeGitLabCom, fakegitlab.Options{TokenScopes: []string{"read_user"}})
	c := newValidateConnector(t, url, gitlabapi.GitLabCom, nil)
	_, err := c.Validate(context.Background())
	requireErr(t, err, codes.PermissionDenied, "[read_user]", "needs the api scope", "--access-token")
}

func TestValidateNotAGitLabInstance(t *testing.T) {
	// The fake answers outside /api/v4 with an HTML 404, as any web server: a base URL
	// with an extra path component lands there.
	_, url := startFake(t, fakegitlab.ModeSelfManaged, fakegitlab.Options{})
	c := newValidateConnector(t, url+"/gitlab", gitlabapi.SelfManaged, nil)
	_, err := c.Validate(context.Background())
	requireErr(t, err, codes.FailedPrecondition, url+"/gitlab is not a GitLab instance",
		"GET /api/v4/user answered 404 text/html", "set --base-url to the URL you open GitLab at")

	// A web site answering every path with 200 and an HTML page.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Welcome</body></html>"))
	}))
	t.Cleanup(site.Close)
	c = newValidateConnector(t, site.URL, gitlabapi.SelfManaged, nil)
	_, err = c.Validate(context.Background())
	requireErr(t, err, codes.FailedPrecondition, site.URL+" is not a GitLab instance", "answered 200 text/html", "--base-url")
}

func TestValidateUnreachableHost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c := newValidateConnector(t, "http://"+addr, gitlabapi.SelfManaged, nil)
	_, err = c.Validate(context.Background())
	// FailedPrecondition, not Unavailable: the SDK would retry Validate for a minute.
	requireErr(t, err, codes.FailedPrecondition, "cannot reach "+addr, "check --base-url")
}

// A TLS handshake that fails on Validate's first request is a wrong URL (an untrusted
// certificate, or an http:// server behind an https:// URL): FailedPrecondition at once.
func TestValidateTLSFailureIsFailedPrecondition(t *testing.T) {
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	defer untrusted.Close()
	c := newValidateConnector(t, untrusted.URL, gitlabapi.SelfManaged, nil)
	_, err := c.Validate(context.Background())
	requireErr(t, err, codes.FailedPrecondition, "cannot reach "+untrusted.Listener.Addr().String(), "certificate", "check --base-url")

	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	c = newValidateConnector(t, strings.Replace(plain.URL, "http://", "https://", 1), gitlabapi.SelfManaged, nil)
	_, err = c.Validate(context.Background())
	requireErr(t, err, codes.FailedPrecondition, "cannot reach "+plain.Listener.Addr().String(), "speaks plain http, not https", "check --base-url")
}

// GitLab answering 5xx to Validate's first request stays Unavailable: the SDK retries it.
func TestValidateServerErrorStaysUnavailable(t *testing.T) {
	srv, url := startFake(t, fakegitlab.ModeSelfManaged, fakegitlab.Options{})
	srv.SetFaults(fakegitlab.Faults{FailNextRequests: 2, FailStatus: 503}) // 1 try + 1 retry
	c := newValidateConnector(t, url, gitlabapi.SelfManaged, nil)
	_, err := c.Validate(context.Background())
	requireErr(t, err, codes.Unavailable, "GET /user", "503")
}

func TestValidateAccountCreationGroupNotFound(t *testing.T) {
	_, url := startFake(t, fakegitlab.ModeGitLabCom, fakegitlab.Options{})
	c := newValidateConnector(t, url, gitlabapi.GitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme/nope" })
	_, err := c.Validate(context.Background())
	requireErr(t, err, codes.InvalidArgument, "--account-creation-group acme/nope: no such group, or the token's user cannot see it")

	// By numeric id too; and a group that exists is accepted.
	c = newValidateConnector(t, url, gitlabapi.GitLabCom, func(s *Settings) { s.AccountCreationGroup = "11" })
	if _, err := c.Validate(context.Background()); err != nil {
		t.Fatalf("--account-creation-group 11 (acme/platform): %v", err)
	}
}

func TestValidateGroupsSetting(t *testing.T) {
	_, url := startFake(t, fakegitlab.ModeGitLabCom, fakegitlab.Options{})
	c := newValidateConnector(t, url, gitlabapi.GitLabCom, func(s *Settings) { s.Groups = []string{"acme", "acme-typo"} })
	_, err := c.Validate(context.Background())
	requireErr(t, err, codes.InvalidArgument, "--groups acme-typo: no such group, or the token's user cannot see it")

	// A numeric id passes the config layer; GitLab says it is a subgroup.
	c = newValidateConnector(t, url, gitlabapi.GitLabCom, func(s *Settings) { s.Groups = []string{"12"} })
	_, err = c.Validate(context.Background())
	requireErr(t, err, codes.InvalidArgument, "--groups 12 is the subgroup acme/platform/infra", "top-level groups only (acme)")
}

// tokenUser is fetched once however many workers ask, and a failure is not remembered.
func TestTokenUserFetchedOnceAcrossWorkers(t *testing.T) {
	srv, url := startFake(t, fakegitlab.ModeSelfManaged, fakegitlab.Options{})
	c := newValidateConnector(t, url, gitlabapi.SelfManaged, nil)

	srv.SetFaults(fakegitlab.Faults{FailNextRequests: 2, FailStatus: 500}) // 1 try + 1 retry
	if _, err := c.tokenUser(context.Background()); status.Code(err) != codes.Unavailable {
		t.Fatalf("want Unavailable while GitLab fails: %v", err)
	}
	srv.SetFaults(fakegitlab.Faults{})

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := c.tokenUser(context.Background())
			if err == nil && u.ID != fakegitlab.DemoUserAdmin {
				t.Errorf("user %d", u.ID)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if calls := srv.Counts()["GET /user"]; calls != 3 { // two failed tries, then exactly one success
		t.Fatalf("GET /user served %d times, want 3", calls)
	}
}

func TestNewMakesNoNetworkCall(t *testing.T) {
	// An address nothing listens on: New must not notice.
	c, err := New(context.Background(), Settings{BaseURL: "http://127.0.0.1:1", Deployment: gitlabapi.SelfManaged}, "t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Metadata(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := New(context.Background(), Settings{BaseURL: "https://gitlab.com"}, ""); err == nil ||
		!strings.Contains(err.Error(), "--access-token") {
		t.Fatalf("empty token: %v", err)
	}
	md, err := NewForCapabilities().Metadata(context.Background())
	if err != nil || md.GetDisplayName() != "GitLab" || md.GetDescription() == "" {
		t.Fatalf("capabilities metadata %v %v", md, err)
	}
}

func TestValidateWarnsAboutASoonExpiringToken(t *testing.T) {
	soon := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
	_, url := startFake(t, fakegitlab.ModeGitLabCom, fakegitlab.Options{TokenExpiresAt: soon})
	c := newValidateConnector(t, url, gitlabapi.GitLabCom, nil)
	ctx, logs := logged()
	if _, err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 1 || !strings.Contains(logs.All()[0].Message, "expires on "+soon) {
		t.Fatalf("want one expiry warning naming %s: %v", soon, logs.All())
	}

	later := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	_, url = startFake(t, fakegitlab.ModeGitLabCom, fakegitlab.Options{TokenExpiresAt: later})
	c = newValidateConnector(t, url, gitlabapi.GitLabCom, nil)
	ctx, logs = logged()
	if _, err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Fatalf("a token valid for months warned: %v", logs.All())
	}
}
