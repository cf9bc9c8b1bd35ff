package gitlabapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Error is what MapError returns: a gRPC status (for the SDK: status.Code, retries,
// rate-limit waits) that still unwraps to the client-go error underneath, so callers
// can use errors.Is(err, gitlab.ErrNotFound) or HTTPStatus(err).
type Error struct {
	st    *status.Status
	cause error
}

func (e *Error) Error() string              { return e.st.Message() }
func (e *Error) GRPCStatus() *status.Status { return e.st }
func (e *Error) Unwrap() error              { return e.cause }

// Code is the error's gRPC code.
func (e *Error) Code() codes.Code { return e.st.Code() }

func newError(code codes.Code, cause error, format string, args ...any) *Error {
	return &Error{st: status.New(code, fmt.Sprintf(format, args...)), cause: cause}
}

// now is the clock for rate-limit reset times (tests replace it).
var now = time.Now

// MapError turns an error from client-go into a gRPC status error with a message
// saying what was being done, what GitLab answered (its own message text kept) and,
// where there is one, what the user can do. doing reads like "listing members of
// group acme/platform". A nil error stays nil; an error that already carries a gRPC
// code is returned as is.
//
// Codes: 401 → Unauthenticated; 403 → PermissionDenied; 404 → NotFound; 409 →
// AlreadyExists; 400/422 → InvalidArgument; 405 → FailedPrecondition; 429 → Unavailable
// with a v2.RateLimitDescription (ResetAt when GitLab said when); 5xx, truncated or
// invalid JSON and unreachable hosts → Unavailable (the SDK retries those).
func MapError(err error, doing string) error {
	if err == nil {
		return nil
	}
	var mapped *Error
	if errors.As(err, &mapped) {
		return err
	}
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown {
		return err
	}
	if doing == "" {
		doing = "calling GitLab"
	}

	var outage *OutageError
	if errors.As(err, &outage) {
		return newError(codes.Aborted, err, "%s: %s", doing, outage.Error())
	}
	switch {
	case errors.Is(err, context.Canceled):
		return newError(codes.Canceled, err, "%s: canceled", doing)
	case errors.Is(err, context.DeadlineExceeded):
		return newError(codes.DeadlineExceeded, err, "%s: timed out: %v", doing, err)
	case errors.Is(err, gitlab.ErrNotFound):
		return newError(codes.NotFound, err,
			"%s: GitLab answered 404 Not Found: it does not exist, or the token's user cannot see it", doing)
	}

	var er *gitlab.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return mapErrorResponse(err, er, doing)
	}

	if isDecodeError(err) {
		return newError(codes.Unavailable, err,
			"%s: GitLab's answer could not be read (truncated or not JSON: %v); retrying usually helps", doing, err)
	}

	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		host := urlErr.URL
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			host = u.Host
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return newError(codes.FailedPrecondition, err,
				"%s: cannot reach %s: the host name does not resolve: check --base-url", doing, host)
		}
		return newError(codes.Unavailable, err,
			"%s: cannot reach %s: %v: check --base-url and that GitLab is up", doing, host, urlErr.Err)
	}

	return newError(codes.Unknown, err, "%s: %v", doing, err)
}

func mapErrorResponse(err error, er *gitlab.ErrorResponse, doing string) error {
	code := er.Response.StatusCode
	msg := GitLabMessage(err)
	answered := fmt.Sprintf("%d %s", code, http.StatusText(code))
	if msg != "" {
		answered = fmt.Sprintf("%d: %s", code, msg)
	}

	switch {
	case code == http.StatusUnauthorized:
		kind := "401 Unauthorized"
		if e, desc := oauthError(er.Body); e != "" {
			kind = "401 " + e
			if desc != "" {
				kind += ": " + desc
			}
		}
		return newError(codes.Unauthenticated, err,
			"%s: GitLab rejected the access token (%s): create a new personal access token with the api scope and set --access-token",
			doing, kind)

	case code == http.StatusForbidden:
		if e, _ := oauthError(er.Body); e == "insufficient_scope" {
			needed := wwwAuthenticateParam(er.Response.Header.Get("WWW-Authenticate"), "scope")
			if needed == "" {
				needed = "api"
			}
			return newError(codes.PermissionDenied, err,
				"%s: the access token lacks the scope this needs (403 insufficient_scope; GitLab accepts: %s): create a personal access token with the api scope and set --access-token",
				doing, needed)
		}
		return newError(codes.PermissionDenied, err,
			"%s: GitLab refused (%s): the token's user lacks the permission (an Owner of the group or project, or an administrator on self-managed GitLab, can do this)",
			doing, answered)

	case code == http.StatusConflict:
		return newError(codes.AlreadyExists, err, "%s: GitLab answered %s", doing, answered)

	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		return newError(codes.InvalidArgument, err, "%s: GitLab refused the request (%s)", doing, answered)

	case code == http.StatusMethodNotAllowed:
		return newError(codes.FailedPrecondition, err,
			"%s: GitLab answered %s (an unsupported listing order or offset pagination past its limit)", doing, answered)

	case code == http.StatusTooManyRequests:
		return rateLimited(err, er, doing, answered)

	case code >= 500 || code == 0:
		return newError(codes.Unavailable, err,
			"%s: GitLab answered %s: a temporary GitLab problem; it will be retried", doing, answered)
	}
	return newError(codes.FailedPrecondition, err, "%s: GitLab answered %s", doing, answered)
}

func rateLimited(err error, er *gitlab.ErrorResponse, doing, answered string) error {
	t := now()
	resetAt, known := RateLimitResetAt(er.Response.Header, t)
	when := "later"
	if known {
		when = "after " + resetAt.UTC().Format(time.RFC3339)
	}
	st := status.New(codes.Unavailable, fmt.Sprintf(
		"%s: GitLab rate-limited the token (%s): retry %s; on GitLab.com a token may make 2,000 API requests a minute",
		doing, answered, when))
	if known {
		limit, _ := strconv.ParseInt(er.Response.Header.Get("RateLimit-Limit"), 10, 64)
		desc := v2.RateLimitDescription_builder{
			Status:    v2.RateLimitDescription_STATUS_OVERLIMIT,
			Limit:     limit,
			Remaining: 0,
			ResetAt:   timestamppb.New(resetAt),
		}.Build()
		if withDetails, derr := st.WithDetails(desc); derr == nil {
			st = withDetails
		}
	}
	return &Error{st: st, cause: err}
}

// WithCode is err, a MapError error, with another gRPC code: same message and cause
// (errors.Is/As still reach client-go's error), no status details. Any other error is
// returned as it is.
func WithCode(err error, code codes.Code) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return &Error{st: status.New(code, e.st.Message()), cause: e.cause}
}

// HostUnreachable reports a transport error after which nothing at the URL answered as
// an HTTP(S) server: connection refused, no route to the host or its network, or a TLS
// handshake that failed (a certificate the system does not trust or made out for another
// host, or a server that does not speak TLS). These usually mean a wrong --base-url, not
// a passing outage. Timeouts and failed DNS look-ups are not included (MapError already
// treats a host name that does not resolve as FailedPrecondition).
func HostUnreachable(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var certErr *tls.CertificateVerificationError
	var authorityErr x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	if errors.As(err, &certErr) || errors.As(err, &authorityErr) || errors.As(err, &hostnameErr) ||
		errors.As(err, &invalidErr) || errors.As(err, &recordErr) || errors.As(err, &alertErr) {
		return true
	}
	// net/http replaces the tls.RecordHeaderError of an http:// server behind an
	// https:// URL with this plain error.
	return err != nil && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

// HTTPStatus is the HTTP status GitLab answered with, or 0 when err is not an HTTP answer.
func HTTPStatus(err error) int {
	if errors.Is(err, gitlab.ErrNotFound) {
		return http.StatusNotFound
	}
	var er *gitlab.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// IsNotFound reports a 404 from GitLab.
func IsNotFound(err error) bool { return errors.Is(err, gitlab.ErrNotFound) }

// GitLabMessage is GitLab's error text from the response body, in a readable form:
// {"message":"..."} → the text; {"message":{"field":["a","b"]}} → "field a, b";
// {"error":"x","error_description":"y"} → "x: y"; a plain-text body → the text;
// an HTML page → "an HTML page". "" when err is not an answer with a body.
func GitLabMessage(err error) string {
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) {
		return ""
	}
	return bodyMessage(er.Body)
}

func bodyMessage(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	var raw map[string]any
	if json.Unmarshal(body, &raw) != nil {
		if looksLikeHTML(text) {
			return "an HTML page"
		}
		return truncate(text, 300)
	}
	if m, ok := raw["message"]; ok {
		return truncate(flatten(m), 500)
	}
	if e, ok := raw["error"].(string); ok {
		if d, ok := raw["error_description"].(string); ok && d != "" {
			return e + ": " + d
		}
		return e
	}
	return truncate(text, 300)
}

// flatten renders GitLab's message value: a string, a list, or a map of field → messages.
func flatten(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		parts := make([]string, 0, len(t))
		for _, x := range t {
			parts = append(parts, flatten(x))
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			if k == "base" || k == "error" {
				parts = append(parts, flatten(t[k]))
				continue
			}
			parts = append(parts, k+" "+flatten(t[k]))
		}
		return strings.Join(parts, "; ")
	case nil:
		return ""
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

// oauthError reads {"error":"invalid_token","error_description":"..."}.
func oauthError(body []byte) (string, string) {
	var b struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &b) != nil {
		return "", ""
	}
	return b.Error, b.ErrorDescription
}

// wwwAuthenticateParam reads one parameter of a Bearer challenge.
func wwwAuthenticateParam(h, name string) string {
	i := strings.Index(h, name+`="`)
	if i < 0 {
		return ""
	}
	rest := h[i+len(name)+2:]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}

func isDecodeError(err error) bool {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	return errors.As(err, &syntaxErr) || errors.As(err, &typeErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

func looksLikeHTML(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "<!doctype html") || strings.HasPrefix(l, "<html") || strings.Contains(l, "<body")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
