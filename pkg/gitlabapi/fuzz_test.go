package gitlabapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Fuzz tests (issue 9 point 7). `go test` runs each on its seeds (f.Add and
// testdata/fuzz/<Name>/); `make test` fuzzes each for a few seconds and `make fuzz`
// longer. Each asserts properties, not only "no panic".

// FuzzParseInstanceURL: an accepted --base-url is an http(s) URL with a host, without
// query, fragment, credentials, trailing slash or /api/v4; parsing it again gives the
// same URL; the plain-http check agrees with IsLoopbackHost; New accepts it.
func FuzzParseInstanceURL(f *testing.F) {
	for _, s := range []string{
		"https://gitlab.com", "https://gitlab.com/", "https://gitlab.example.com/gitlab/api/v4/",
		"http://127.0.0.1:8080/api/v4", "gitlab.example.com", "ftp://x", "https://", "https://x/?a=b",
		"https://user:pw@x", "https://x#frag", "https://x?", " https://GitLab.com ", "https://x/api/v4/api/v4//",
		"http://[::1]:3000", "https://x/a%2Fb/", "http://localhost.", "https://x:99999", "https://x:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseInstanceURL(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--base-url ") {
				t.Fatalf("error does not name the setting: %v", err)
			}
			return
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("%q accepted as %q", s, u)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.ForceQuery {
			t.Fatalf("%q: query, fragment or credentials kept: %q", s, u)
		}
		if strings.HasSuffix(u.Path, "/") || strings.HasSuffix(u.Path, "/api/v4") {
			t.Fatalf("%q: path %q keeps a trailing slash or /api/v4", s, u.Path)
		}
		again, err := ParseInstanceURL(u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("%q → %q → %v %v: not idempotent", s, u, again, err)
		}
		insecure := CheckInsecureHTTP(u, false)
		if wantRefused := u.Scheme == "http" && !IsLoopbackHost(u.Hostname()); (insecure != nil) != wantRefused {
			t.Fatalf("%q: plain-http check %v, want refused %v", u, insecure, wantRefused)
		}
		if CheckInsecureHTTP(u, true) != nil {
			t.Fatalf("%q refused although plain http is allowed", u)
		}
		c, err := New(context.Background(), Options{BaseURL: s, Token: "t", Transport: TransportOptions{AllowInsecureHTTP: true}})
		if err != nil {
			t.Fatalf("New refused %q, which ParseInstanceURL accepts: %v", s, err)
		}
		if c.BaseURL != u.String() {
			t.Fatalf("New's BaseURL %q, ParseInstanceURL's %q", c.BaseURL, u)
		}
	})
}

// FuzzRedirectAllowed: a redirect is followed exactly when it stays on the instance's
// scheme, host and port; a refusal names --base-url and never repeats the target's query.
func FuzzRedirectAllowed(f *testing.F) {
	for _, p := range [][2]string{
		{"https://gitlab.example.com", "https://gitlab.example.com/users/sign_in"},
		{"https://gitlab.example.com", "http://gitlab.example.com/"},
		{"https://gitlab.example.com", "https://gitlab.example.com:443/x"},
		{"https://gitlab.example.com", "https://evil.example.com/?token=secret-query-value"},
		{"http://127.0.0.1:8080", "http://localhost:8080/"},
		{"https://[::1]:8443", "https://[::1]:8443/x"},
		{"https://Gitlab.Example.com.", "https://gitlab.example.com/x"},
		{"https://gitlab.example.com", "//evil.example.com/x"},
		{"https://gitlab.example.com", "/relative"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, baseS, targetS string) {
		base, err := ParseInstanceURL(baseS)
		if err != nil {
			return
		}
		target, err := url.Parse(targetS)
		if err != nil {
			return
		}
		target = base.ResolveReference(target) // what net/http does with Location
		err = RedirectAllowed(base, target)
		same := strings.EqualFold(base.Scheme, target.Scheme) &&
			strings.EqualFold(strings.TrimSuffix(base.Hostname(), "."), strings.TrimSuffix(target.Hostname(), ".")) &&
			effectivePort(base) == effectivePort(target)
		if (err == nil) != same {
			t.Fatalf("%s → %s: allowed %v, same instance %v", base, target, err == nil, same)
		}
		if err != nil {
			if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "--base-url") {
				t.Fatalf("refusal %v: want FailedPrecondition naming --base-url", err)
			}
			if q := target.RawQuery; len(q) >= 8 && !strings.Contains(base.String()+target.Host+target.Path, q) &&
				strings.Contains(err.Error(), q) {
				t.Fatalf("the refusal repeats the target's query %q: %v", q, err)
			}
		}
	})
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// FuzzRateLimitHeaders: Retry-After (seconds or an HTTP date) and RateLimit-Reset (Unix
// time) never make the client wait a negative time or longer than its policy allows,
// a numeric Retry-After is honoured to the second, and a 429 whose wait exceeds
// MaxRateLimitWait goes back to the caller instead of being retried in-process.
func FuzzRateLimitHeaders(f *testing.F) {
	f.Add("30", "", int64(1772442000), 429)
	f.Add("", "1772442060", int64(1772442000), 429)
	f.Add("Mon, 02 Mar 2026 09:01:00 GMT", "", int64(1772442000), 429)
	f.Add("3600", "", int64(1772442000), 429)
	f.Add("-5", "0", int64(1772442000), 429)
	f.Add("99999999999999", "", int64(1772442000), 429)
	f.Add("9223372036854775807", "9223372036854775807", int64(1772442000), 429)
	f.Add(" 7 ", "abc", int64(0), 503)
	f.Add("", "", int64(1772442000), 500)
	f.Fuzz(func(t *testing.T, retryAfter, reset string, nowUnix int64, code int) {
		now := time.Unix(nowUnix%(1<<40), 0).UTC() // keep "now" within years 0..36000
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		if reset != "" {
			h.Set("RateLimit-Reset", reset)
		}
		at, known := RateLimitResetAt(h, now)
		if secs, err := strconv.ParseInt(strings.TrimSpace(retryAfter), 10, 64); err == nil && secs >= 0 {
			if !known {
				t.Fatalf("Retry-After %q not understood", retryAfter)
			}
			if secs < 1<<32 && !at.Equal(now.Add(time.Duration(secs)*time.Second)) {
				t.Fatalf("Retry-After %q: resume at %v, want now+%ds", retryAfter, at, secs)
			}
			if at.Before(now) {
				t.Fatalf("Retry-After %q: resume at %v, before now %v", retryAfter, at, now)
			}
		}
		wait, knownWait := rateLimitWait(h, now)
		if knownWait != known || wait < 0 {
			t.Fatalf("wait %v (known %v), reset known %v", wait, knownWait, known)
		}

		p := RetryPolicy{now: func() time.Time { return now }}.withDefaults()
		resp := &http.Response{StatusCode: code%1000 + 100, Header: h}
		if code < 0 {
			resp.StatusCode = 429
		}
		retry, err := p.checkRetry(context.Background(), resp, nil)
		if err != nil {
			t.Fatalf("checkRetry: %v", err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && known && wait > p.MaxRateLimitWait && retry {
			t.Fatalf("a %v wait (over %v) is retried in-process", wait, p.MaxRateLimitWait)
		}
		for attempt := 0; attempt < 70; attempt += 7 {
			b := p.backoff(p.WaitMin, p.WaitMax, attempt, resp)
			if b < 0 || b > max(p.WaitMax, p.MaxRateLimitWait) {
				t.Fatalf("backoff %v at attempt %d outside [0, %v]", b, attempt, max(p.WaitMax, p.MaxRateLimitWait))
			}
		}
	})
}

// fakeRoundTripper answers every request with 200 "[]" and the headers of header(),
// recording the requests; nothing goes on the network.
type fakeRoundTripper struct {
	mu     sync.Mutex
	header http.Header
	urls   []*url.URL
	tokens []string
}

func (f *fakeRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.urls = append(f.urls, r.URL)
	f.tokens = append(f.tokens, r.Header.Get("PRIVATE-TOKEN"))
	h := f.header.Clone()
	f.mu.Unlock()
	h.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: h, Body: io.NopCloser(strings.NewReader("[]")),
		Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
}

func fakeClient(t *testing.T, rt *fakeRoundTripper) *Client {
	t.Helper()
	c, err := New(context.Background(), Options{BaseURL: "https://gitlab.example.com", Token: "glpat-fuzz",
		Deployment: SelfManaged, HTTPClient: &http.Client{Transport: rt}, Retry: RetryPolicy{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func listUsers(c *Client) KeysetFetch[*gitlab.User] {
	return func(opt gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]*gitlab.User, *gitlab.Response, error) {
		return c.API.Users.ListUsers(&gitlab.ListUsersOptions{ListOptions: opt}, reqOpts...)
	}
}

// FuzzLinkHeader: whatever Link header GitLab sends, the keyset pagination returns either
// no next page or a link taken from the header; following it sends the next request to
// the configured instance only (the link's host and path are never used: only its query),
// with the token; a well-formed rel="next" link round-trips its cursor exactly.
func FuzzLinkHeader(f *testing.F) {
	f.Add(`<https://gitlab.example.com/api/v4/users?cursor=eyJpZCI6IjQyIn0%3D&order_by=id&per_page=100&sort=asc>; rel="next"`, "eyJpZCI6IjQyIn0=")
	f.Add(`<https://evil.example.com/steal?cursor=abc>; rel="next", <https://gitlab.example.com/api/v4/users?page=1>; rel="first"`, "abc")
	f.Add(`<https://gitlab.example.com/api/v4/users?id_after=100>; rel="last"`, "")
	f.Add(`garbage; rel="next"`, "a b&c=d")
	f.Add(`<>; rel="next"`, "")
	f.Add(`<%zz>; rel="next"`, "%")
	f.Add(`, ; ; rel=next ,,`, "🦊")
	f.Add(`<https://gitlab.example.com/api/v4/users?cursor=x>; rel`, "x") // client-go v1.46.0 panicked on this
	f.Add(`<https://gitlab.example.com/api/v4/users?cursor=x>;`, "")
	f.Fuzz(func(t *testing.T, link, cursor string) {
		rt := &fakeRoundTripper{header: http.Header{"Link": []string{link}}}
		c := fakeClient(t, rt)
		ctx := context.Background()
		_, next, err := FetchKeysetPage(ctx, "listing users", "", listUsers(c))
		if err != nil {
			if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "is not a URL") {
				t.Fatalf("first page: %v", err)
			}
			return
		}
		if next != "" && !strings.Contains(link, next) {
			t.Fatalf("next link %q is not in the Link header %q", next, link)
		}
		if _, err := url.Parse(next); err != nil {
			t.Fatalf("next link %q does not parse: %v", next, err)
		}
		if next != "" {
			// The fake answers the same Link again: the second page's own next link does not
			// move forward, which is refused (Internal); the request it sent is what matters.
			_, _, err := FetchKeysetPage(ctx, "listing users", next, listUsers(c))
			if err != nil && status.Code(err) != codes.Internal {
				t.Fatalf("following %q: %v", next, err)
			}
			if len(rt.urls) == 2 {
				last := rt.urls[1]
				if last.Host != "gitlab.example.com" || last.Path != "/api/v4/users" || rt.tokens[1] != "glpat-fuzz" {
					t.Fatalf("following %q requested %s (token %q)", next, last, rt.tokens[1])
				}
			}
		}

		// A well-formed link carrying cursor: followed verbatim, cursor intact.
		want := "https://gitlab.example.com/api/v4/users?cursor=" + url.QueryEscape(cursor) + "&order_by=id&pagination=keyset&per_page=100&sort=asc"
		rt2 := &fakeRoundTripper{header: http.Header{"Link": []string{"<" + want + `>; rel="next"`}}}
		c2 := fakeClient(t, rt2)
		_, next, err = FetchKeysetPage(ctx, "listing users", "", listUsers(c2))
		if err != nil || next != want {
			t.Fatalf("well-formed link: next %q err %v, want %q", next, err, want)
		}
		if _, _, err := FetchKeysetPage(ctx, "listing users", next, listUsers(c2)); status.Code(err) != codes.Internal {
			t.Fatalf("the same link again: %v, want the loop refused", err)
		}
		if len(rt2.urls) != 2 {
			t.Fatalf("%d requests, want 2", len(rt2.urls))
		}
		if got := rt2.urls[1].Query().Get("cursor"); got != cursor {
			t.Fatalf("cursor %q came back as %q", cursor, got)
		}
	})
}

// FuzzNextPageHeader: offset pagination moves forward or stops; a next page that does
// not move forward is an error (a loop otherwise), never a page to fetch.
func FuzzNextPageHeader(f *testing.F) {
	f.Add("2", int64(1))
	f.Add("", int64(3))
	f.Add("1", int64(1))
	f.Add("-4", int64(2))
	f.Add("abc", int64(1))
	f.Add("9223372036854775807", int64(9223372036854775806))
	f.Add(" 5 ", int64(0))
	f.Fuzz(func(t *testing.T, nextPage string, page int64) {
		rt := &fakeRoundTripper{header: http.Header{"X-Next-Page": []string{nextPage}}}
		c := fakeClient(t, rt)
		fetch := func(opt gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]*gitlab.User, *gitlab.Response, error) {
			return c.API.Users.ListUsers(&gitlab.ListUsersOptions{ListOptions: opt}, reqOpts...)
		}
		_, next, err := FetchPage(context.Background(), "listing users", page, fetch)
		asked := max(page, 1)
		if err != nil {
			if status.Code(err) != codes.Internal || next != 0 {
				t.Fatalf("X-Next-Page %q on page %d: %v (next %d)", nextPage, asked, err, next)
			}
			return
		}
		if next != 0 && next <= asked {
			t.Fatalf("X-Next-Page %q on page %d: next %d does not move forward", nextPage, asked, next)
		}
		if got := rt.urls[0].Query().Get("page"); got != strconv.FormatInt(asked, 10) {
			t.Fatalf("asked page %s, want %d", got, asked)
		}
	})
}

// FuzzDates: GitLab's date fields. ParseDate accepts exactly a valid YYYY-MM-DD alone or
// followed by a time ('T' or ' '), returns that date, and is idempotent; Date's JSON
// reading agrees with it; Time never fails a listing and round-trips what it read.
func FuzzDates(f *testing.F) {
	for _, s := range []string{
		"2026-03-02", "2026-03-02T09:00:00Z", "2026-03-02T00:00:00.000+01:00", "2026-03-02 00:00:00 UTC",
		"", " 2026-03-02 ", "2026-02-30", "2026-3-2", "02/03/2026", "2026-03-02X", "null", "0000-01-01", "9999-12-31T23:59:59.999999999-23:59",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		trimmed := strings.TrimSpace(s)
		if err == nil && d != "" {
			if len(d) != len(time.DateOnly) || !strings.HasPrefix(trimmed, string(d)) {
				t.Fatalf("%q → %q", s, d)
			}
			if _, perr := time.Parse(time.DateOnly, string(d)); perr != nil {
				t.Fatalf("%q → %q, not a date: %v", s, d, perr)
			}
			if again, err := ParseDate(string(d)); err != nil || again != d {
				t.Fatalf("%q → %q → %q %v", s, d, again, err)
			}
		}
		if err == nil && d == "" && trimmed != "" {
			t.Fatalf("%q read as no date", s)
		}
		if err != nil && !strings.Contains(err.Error(), "YYYY-MM-DD") {
			t.Fatalf("error does not say the expected form: %v", err)
		}

		b, _ := json.Marshal(s)
		var jd Date
		jerr := json.Unmarshal(b, &jd)
		if (jerr == nil) != (err == nil) || (jerr == nil && jd != d) {
			t.Fatalf("JSON %s → %q %v; ParseDate → %q %v", b, jd, jerr, d, err)
		}
		var null Date = "x"
		if err := json.Unmarshal([]byte("null"), &null); err != nil || null != "" {
			t.Fatalf("null → %q %v", null, err)
		}

		var tm Time
		if err := json.Unmarshal(b, &tm); err != nil {
			t.Fatalf("Time failed on %s: %v", b, err)
		}
		if p := tm.Time(); p != nil && p.Location() != time.UTC {
			t.Fatalf("%q read in %v, not UTC", s, p.Location())
		}
		if p := tm.Time(); p != nil && p.Year() >= 0 && p.Year() <= 9999 { // RFC 3339 has 4-digit years
			out, err := json.Marshal(p.Format(time.RFC3339Nano))
			if err != nil {
				t.Fatal(err)
			}
			var back Time
			if err := json.Unmarshal(out, &back); err != nil || back.Time() == nil || !back.Time().Equal(*p) {
				t.Fatalf("%q → %v → %s → %v", s, p, out, back.Time())
			}
		}
	})
}
