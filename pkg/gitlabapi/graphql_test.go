package gitlabapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type testCurrentUser struct {
	CurrentUser struct {
		Username string `json:"username"`
	} `json:"currentUser"`
}

func graphqlQueryOf(t *testing.T, r *http.Request) []GraphQLQuery {
	t.Helper()
	b, _ := io.ReadAll(r.Body)
	if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
		var ops []GraphQLQuery
		if err := json.Unmarshal(b, &ops); err != nil {
			t.Errorf("multiplex body: %v", err)
		}
		return ops
	}
	var op GraphQLQuery
	if err := json.Unmarshal(b, &op); err != nil {
		t.Errorf("body: %v", err)
	}
	return []GraphQLQuery{op}
}

// One operation: POST <instance>/api/graphql with the token, JSON body, data decoded.
func TestGraphQLPostsToTheInstancesEndpointWithTheToken(t *testing.T) {
	c, calls := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/graphql" {
			t.Errorf("%s %s, want POST /api/graphql", r.Method, r.URL.Path)
		}
		if r.Header.Get("PRIVATE-TOKEN") != "glpat-secret" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", r.Header)
		}
		ops := graphqlQueryOf(t, r)
		if len(ops) != 1 || ops[0].Variables["x"] != "y" {
			t.Errorf("operations %+v", ops)
		}
		reply(200, "application/json", `{"data":{"currentUser":{"username":"root"}}}`)(w, r)
	})
	var out GraphQLResponse[testCurrentUser]
	if err := c.GraphQL(context.Background(), []GraphQLQuery{{Query: "{ currentUser { username } }", Variables: map[string]any{"x": "y"}}}, []any{&out}); err != nil {
		t.Fatal(err)
	}
	if out.Err() != nil || out.Data == nil || out.Data.CurrentUser.Username != "root" {
		t.Errorf("answer %+v", out)
	}
	if *calls != 1 {
		t.Errorf("%d requests", *calls)
	}
}

// An instance under a path (https://host/gitlab) has its endpoint there too, not at the
// host's root (client-go's own GraphQL.Do would post to /api/graphql).
func TestGraphQLEndpointBelowTheInstancePath(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		reply(200, "application/json", `{"data":{}}`)(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(context.Background(), Options{BaseURL: srv.URL + "/gitlab", Token: "t", Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	var out GraphQLResponse[struct{}]
	if err := c.GraphQL(context.Background(), []GraphQLQuery{{Query: "{ x }"}}, []any{&out}); err != nil {
		t.Fatal(err)
	}
	if path != "/gitlab/api/graphql" {
		t.Errorf("posted to %s", path)
	}
}

// A multiplex is one POST of a JSON array; each answer lands in its envelope, with its
// own errors (HTTP 200).
func TestGraphQLMultiplexOnePost(t *testing.T) {
	c, calls := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if ops := graphqlQueryOf(t, r); len(ops) != 2 {
			t.Errorf("%d operations in the POST", len(ops))
		}
		reply(200, "application/json", `[{"data":{"currentUser":{"username":"a"}}},`+
			`{"errors":[{"message":"Query has complexity of 301, which exceeds max complexity of 250"}]}]`)(w, r)
	})
	var a, b GraphQLResponse[testCurrentUser]
	err := c.GraphQL(context.Background(), []GraphQLQuery{{Query: "{a}"}, {Query: "{b}"}}, []any{&a, &b})
	if err != nil {
		t.Fatal(err)
	}
	if a.Err() != nil || a.Data.CurrentUser.Username != "a" {
		t.Errorf("first answer %+v", a)
	}
	var ge *GraphQLErrors
	if !errors.As(b.Err(), &ge) || !ge.TooBig() {
		t.Errorf("second answer's error %v: want a complexity refusal", b.Err())
	}
	if *calls != 1 {
		t.Errorf("%d POSTs for a multiplex, want 1", *calls)
	}
}

// No GraphQL API (an older GitLab, a proxy that does not route it): 404 NotFound, which
// the connector takes as "use REST".
func TestGraphQLUnavailableIsNotFound(t *testing.T) {
	c, _ := newTestClient(t, reply(404, "application/json", `{"message":"404 Not Found"}`))
	var out GraphQLResponse[struct{}]
	err := c.GraphQL(context.Background(), []GraphQLQuery{{Query: "{ x }"}}, []any{&out})
	if !IsNotFound(err) || status.Code(err) != codes.NotFound {
		t.Errorf("error %v (code %v), want NotFound", err, status.Code(err))
	}
}

// A 502 is retried like a REST call's; a POST whose connection broke is resent (a
// GraphQL query is a read) with the same body.
func TestGraphQLRetriedOn5xxAndBrokenConnection(t *testing.T) {
	var n atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		ops := graphqlQueryOf(t, r)
		if len(ops) != 1 || ops[0].Query != "{ currentUser { username } }" {
			t.Errorf("attempt with body %+v", ops)
		}
		switch n.Add(1) {
		case 1:
			reply(502, "text/plain", "bad gateway")(w, r)
		case 2:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		default:
			reply(200, "application/json", `{"data":{"currentUser":{"username":"root"}}}`)(w, r)
		}
	})
	var out GraphQLResponse[testCurrentUser]
	if err := c.GraphQL(context.Background(), []GraphQLQuery{{Query: "{ currentUser { username } }"}}, []any{&out}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 || out.Data == nil || out.Data.CurrentUser.Username != "root" {
		t.Errorf("%d attempts, answer %+v", n.Load(), out)
	}
}

// A redirect to another host is refused: the token does not follow the POST.
func TestGraphQLRedirectElsewhereNotFollowed(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the redirect was followed to another server (token %q)", r.Header.Get("PRIVATE-TOKEN"))
	}))
	t.Cleanup(other.Close)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/graphql", http.StatusTemporaryRedirect)
	})
	var out GraphQLResponse[struct{}]
	err := c.GraphQL(context.Background(), []GraphQLQuery{{Query: "{ x }"}}, []any{&out})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("error %v, want FailedPrecondition", err)
	}
}

// More query text than GitLab accepts in a POST is not sent.
func TestGraphQLQuerySizeLimit(t *testing.T) {
	c, calls := newTestClient(t, reply(200, "application/json", `{"data":{}}`))
	big := GraphQLQuery{Query: strings.Repeat("x", GraphQLMaxQuerySize/2+1)}
	var a, b GraphQLResponse[struct{}]
	if err := c.GraphQL(context.Background(), []GraphQLQuery{big, big}, []any{&a, &b}); err == nil {
		t.Error("a multiplex over 10,000 characters was accepted")
	}
	if *calls != 0 {
		t.Errorf("%d requests sent", *calls)
	}
}
