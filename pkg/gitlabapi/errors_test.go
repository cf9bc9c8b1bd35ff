package gitlabapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fastRetry keeps retried tests quick: 2 retries, 1ms waits, 1s cap on 429 waits.
var fastRetry = RetryPolicy{MaxRetries: 2, WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond, MaxRateLimitWait: time.Second}

func newTestClient(t *testing.T, h http.HandlerFunc) (*Client, *int) {
	t.Helper()
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(context.Background(), Options{BaseURL: srv.URL, Token: "glpat-secret", Retry: fastRetry, Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	return c, &calls
}

func reply(status int, contentType, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// getUser is a typical call: GET /user, mapped.
func getUser(c *Client) error {
	_, _, err := c.API.Users.CurrentUser(gitlab.WithContext(context.Background()))
	return MapError(err, "reading the token's user")
}

func TestMapErrorStatuses(t *testing.T) {
	tests := []struct {
		name      string
		h         http.HandlerFunc
		code      codes.Code
		want      []string // substrings of the message
		httpCode  int
		wantCalls int
	}{
		{
			name: "401 invalid_token keeps GitLab's description and says what to do",
			h: reply(401, "application/json", `{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}`,
				"WWW-Authenticate", `Bearer realm="GitLab", error="invalid_token"`),
			code:     codes.Unauthenticated,
			want:     []string{"reading the token's user", "GitLab rejected the access token (401 invalid_token: Token is expired", "create a new personal access token with the api scope and set --access-token"},
			httpCode: 401, wantCalls: 1,
		},
		{
			name:     "401 plain",
			h:        reply(401, "application/json", `{"message":"401 Unauthorized"}`),
			code:     codes.Unauthenticated,
			want:     []string{"GitLab rejected the access token (401 Unauthorized)", "--access-token"},
			httpCode: 401, wantCalls: 1,
		},
		{
			name: "403 insufficient_scope names the scopes GitLab accepts",
			h: reply(403, "application/json", `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api"}`,
				"WWW-Authenticate", `Bearer realm="GitLab", error="insufficient_scope", error_description="x", scope="api read_api"`),
			code:     codes.PermissionDenied,
			want:     []string{"lacks the scope", "insufficient_scope", "api read_api", "--access-token"},
			httpCode: 403, wantCalls: 1,
		},
		{
			name:     "403 forbidden",
			h:        reply(403, "application/json", `{"message":"403 Forbidden"}`),
			code:     codes.PermissionDenied,
			want:     []string{"403: 403 Forbidden", "lacks the permission"},
			httpCode: 403, wantCalls: 1,
		},
		{
			name:     "404",
			h:        reply(404, "application/json", `{"message":"404 User Not Found"}`),
			code:     codes.NotFound,
			want:     []string{"404 Not Found", "cannot see it"},
			httpCode: 404, wantCalls: 1,
		},
		{
			name:     "409 keeps the message",
			h:        reply(409, "application/json", `{"message":"Member already exists"}`),
			code:     codes.AlreadyExists,
			want:     []string{"409: Member already exists"},
			httpCode: 409, wantCalls: 1,
		},
		{
			name:     "400 with field errors",
			h:        reply(400, "application/json", `{"message":{"access_level":["should be greater than or equal to Developer inherited membership from group Acme"]}}`),
			code:     codes.InvalidArgument,
			want:     []string{"access_level should be greater than or equal to Developer inherited membership from group Acme"},
			httpCode: 400, wantCalls: 1,
		},
		{
			name:     "400 with error string",
			h:        reply(400, "application/json", `{"error":"email contains an invalid email address"}`),
			code:     codes.InvalidArgument,
			want:     []string{"400: email contains an invalid email address"},
			httpCode: 400, wantCalls: 1,
		},
		{
			name:     "500 is retried then Unavailable",
			h:        reply(500, "application/json", `{"message":"500 Internal Server Error"}`),
			code:     codes.Unavailable,
			want:     []string{"500: 500 Internal Server Error", "temporary"},
			httpCode: 500, wantCalls: 3,
		},
		{
			name:     "501 is not retried",
			h:        reply(501, "text/plain", `not implemented`),
			code:     codes.Unavailable,
			httpCode: 501, wantCalls: 1,
		},
		{
			name:      "truncated JSON is Unavailable",
			h:         reply(200, "application/json", `{"id":1,"username":"acme-ad`),
			code:      codes.Unavailable,
			want:      []string{"could not be read", "truncated or not JSON"},
			wantCalls: 1,
		},
		{
			name:      "an HTML page where JSON was expected is Unavailable",
			h:         reply(200, "text/html", `<!DOCTYPE html><html><body>Sign in</body></html>`),
			code:      codes.Unavailable,
			want:      []string{"not JSON"},
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, calls := newTestClient(t, tt.h)
			err := getUser(c)
			if err == nil {
				t.Fatal("no error")
			}
			if got := status.Code(err); got != tt.code {
				t.Fatalf("code %v, want %v (%v)", got, tt.code, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err.Error(), w)
				}
			}
			if tt.httpCode != 0 && HTTPStatus(err) != tt.httpCode {
				t.Errorf("HTTPStatus %d, want %d", HTTPStatus(err), tt.httpCode)
			}
			if *calls != tt.wantCalls {
				t.Errorf("%d requests, want %d", *calls, tt.wantCalls)
			}
			if strings.Contains(err.Error(), "glpat-secret") {
				t.Errorf("the token leaked into the error: %v", err)
			}
		})
	}
}

func TestMapErrorNotFoundStillUnwraps(t *testing.T) {
	c, _ := newTestClient(t, reply(404, "application/json", `{"message":"404 Group Not Found"}`))
	_, _, err := c.API.Groups.GetGroup("acme/nope", nil)
	mapped := MapError(err, "reading group acme/nope")
	if !errors.Is(mapped, gitlab.ErrNotFound) || !IsNotFound(mapped) {
		t.Fatalf("mapped 404 does not unwrap to gitlab.ErrNotFound: %v", mapped)
	}
	if MapError(mapped, "again") != mapped {
		t.Fatal("mapping twice changed the error")
	}
}

func TestMapErrorRateLimitCarriesResetAt(t *testing.T) {
	fixed := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	now = func() time.Time { return fixed }
	t.Cleanup(func() { now = time.Now })

	// Retry-After beyond MaxRateLimitWait (1s here): not retried in-process, handed to the SDK.
	c, calls := newTestClient(t, reply(429, "text/plain", "Retry later\n",
		"Retry-After", "120", "RateLimit-Limit", "2000", "RateLimit-Remaining", "0"))
	err := getUser(c)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("code %v: %v", status.Code(err), err)
	}
	if *calls != 1 {
		t.Fatalf("a 429 asking for 120s was retried in-process: %d requests", *calls)
	}
	st, _ := status.FromError(err)
	var rl *v2.RateLimitDescription
	for _, d := range st.Details() {
		if x, ok := d.(*v2.RateLimitDescription); ok {
			rl = x
		}
	}
	if rl == nil {
		t.Fatalf("no RateLimitDescription in %v", st.Details())
	}
	if got, want := rl.GetResetAt().AsTime(), fixed.Add(120*time.Second); !got.Equal(want) {
		t.Errorf("ResetAt %v, want %v", got, want)
	}
	if rl.GetLimit() != 2000 || rl.GetStatus() != v2.RateLimitDescription_STATUS_OVERLIMIT {
		t.Errorf("limit %d status %v", rl.GetLimit(), rl.GetStatus())
	}
	for _, w := range []string{"rate-limited", "Retry later", "2026-11-01T12:02:00Z"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err.Error(), w)
		}
	}
}

func TestMapErrorRateLimitWithoutHeaders(t *testing.T) {
	c, calls := newTestClient(t, reply(429, "text/plain", "Retry later\n"))
	err := getUser(c)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("code %v: %v", status.Code(err), err)
	}
	if *calls != 3 {
		t.Errorf("a 429 without timing headers should be retried with backoff: %d requests", *calls)
	}
	st, _ := status.FromError(err)
	if len(st.Details()) != 0 {
		t.Errorf("no reset time is known, yet details %v", st.Details())
	}
}

func TestMapErrorUnreachableHost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now: connection refused
	c, err := New(context.Background(), Options{BaseURL: "http://" + addr, Token: "t", Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	err = getUser(c)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("code %v: %v", status.Code(err), err)
	}
	for _, w := range []string{"cannot reach " + addr, "check --base-url"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err.Error(), w)
		}
	}
}

func TestMapErrorPassesThroughStatusAndNil(t *testing.T) {
	if MapError(nil, "x") != nil {
		t.Fatal("nil mapped to an error")
	}
	in := status.Error(codes.FailedPrecondition, "already mapped")
	if MapError(in, "x") != in {
		t.Fatal("a status error was rewrapped")
	}
	if status.Code(MapError(context.Canceled, "x")) != codes.Canceled {
		t.Fatal("context.Canceled not Canceled")
	}
}

func TestUserAgentAndTokenHeader(t *testing.T) {
	var ua, tok string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		ua, tok = r.Header.Get("User-Agent"), r.Header.Get("PRIVATE-TOKEN")
		reply(200, "application/json", `{"id":1,"username":"root"}`)(w, r)
	})
	if err := getUser(c); err != nil {
		t.Fatal(err)
	}
	if ua != "baton-gitlab/1.2.3" {
		t.Errorf("User-Agent %q", ua)
	}
	if tok != "glpat-secret" {
		t.Errorf("PRIVATE-TOKEN %q", tok)
	}
}

func TestWithCodeKeepsMessageAndCause(t *testing.T) {
	cause := &url.Error{Op: "Get", URL: "https://gitlab.example.com/api/v4/user", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	mapped := MapError(cause, "reading the token's user")
	if !HostUnreachable(mapped) {
		t.Fatalf("connection refused is not HostUnreachable: %v", mapped)
	}
	got := WithCode(mapped, codes.FailedPrecondition)
	if status.Code(got) != codes.FailedPrecondition || got.Error() != mapped.Error() {
		t.Fatalf("WithCode: %v %q, want FailedPrecondition %q", status.Code(got), got.Error(), mapped.Error())
	}
	if !errors.Is(got, syscall.ECONNREFUSED) {
		t.Fatalf("WithCode lost the cause: %v", got)
	}
	plain := errors.New("x")
	if WithCode(plain, codes.Internal) != plain {
		t.Fatal("WithCode changed an error MapError did not make")
	}
	timeout := &url.Error{Op: "Get", URL: "https://gitlab.example.com", Err: context.DeadlineExceeded}
	if HostUnreachable(timeout) || HostUnreachable(nil) {
		t.Fatal("a timeout or nil is not HostUnreachable")
	}
}
