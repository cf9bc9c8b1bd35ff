package gitlabapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/grpc/codes"
)

// GitLab's GraphQL API (POST /api/graphql). Requests go through client-go's
// NewRequestToURL + Do like every REST call, so the same things apply: the token only to
// the configured instance (the redirect policy), the retries of 429 and 5xx, the
// self-tuning rate limiter, the outage guard, and getRetry (a GraphQL POST is a read:
// resending it after a broken connection changes nothing in GitLab).
//
// Limits (app/graphql/gitlab_schema.rb, app/controllers/graphql_controller.rb): query
// complexity 250 for a user, 300 for an administrator, summed over a multiplex (a JSON
// array of queries in one POST); depth 20; 10,000 characters of query text, summed over
// a multiplex (variables do not count); 100 nodes a page; 30 s per query. An error of the
// query itself comes back as HTTP 200 with "errors" (GraphQLErrors).
// https://docs.gitlab.com/api/graphql/#limits

// GraphQL limits.
const (
	GraphQLMaxComplexity      = 250 // AUTHENTICATED_MAX_COMPLEXITY
	GraphQLAdminMaxComplexity = 300 // ADMIN_MAX_COMPLEXITY
	GraphQLMaxDepth           = 20  // AUTHENTICATED_MAX_DEPTH
	GraphQLMaxQuerySize       = 10_000
	GraphQLMaxPageSize        = 100
)

// graphqlPath is the GraphQL endpoint below the instance URL.
const graphqlPath = "/api/graphql"

// GraphQLQuery is one operation: its text and variables.
type GraphQLQuery struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

// GraphQLError is one entry of a response's "errors".
type GraphQLError struct {
	Message string `json:"message"`
	Path    []any  `json:"path,omitempty"`
}

// GraphQLErrors is an operation's "errors" when it has no usable data: GitLab refused
// the query (complexity, depth, size, a parse or validation error) or it failed.
type GraphQLErrors struct {
	Errors []GraphQLError
}

func (e *GraphQLErrors) Error() string {
	msgs := make([]string, 0, len(e.Errors))
	for _, m := range e.Errors {
		msgs = append(msgs, m.Message)
	}
	return "GitLab's GraphQL API answered: " + strings.Join(msgs, "; ")
}

func (e *GraphQLErrors) any(substrings ...string) bool {
	for _, m := range e.Errors {
		for _, s := range substrings {
			if strings.Contains(m.Message, s) {
				return true
			}
		}
	}
	return false
}

// TooBig reports a refusal a smaller query may avoid: complexity ("Query has complexity
// of N, which exceeds max complexity of M"), depth ("Query has depth of"), size ("Query
// too large") or a timeout ("Timeout on", "Request timed out").
func (e *GraphQLErrors) TooBig() bool {
	return e.any("exceeds max complexity", "Query has depth of", "Query too large", "Timeout on", "timed out")
}

// GraphQLResponse is the envelope of one operation's answer; Data is the caller's type.
type GraphQLResponse[T any] struct {
	Data   *T             `json:"data"`
	Errors []GraphQLError `json:"errors"`
}

// reset empties the envelope before it is decoded into again.
func (r *GraphQLResponse[T]) reset() { *r = GraphQLResponse[T]{} }

// Err is the operation's errors as an error (nil without errors).
func (r *GraphQLResponse[T]) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	return &GraphQLErrors{Errors: r.Errors}
}

// GraphQL sends one operation (len(ops) == 1) or a multiplex (several, as a JSON array
// in one POST) and decodes the i-th answer into outs[i] (a *GraphQLResponse[T]). The
// error is about the POST (transport, HTTP status: MapError codes; a 404 means there is
// no GraphQL API); each operation's own errors are in its envelope.
func (c *Client) GraphQL(ctx context.Context, ops []GraphQLQuery, outs []any) error {
	if len(ops) == 0 || len(ops) != len(outs) {
		return newError(codes.Internal, nil, "gitlabapi: %d GraphQL operations for %d answers", len(ops), len(outs))
	}
	size := 0
	for _, op := range ops {
		size += len(op.Query)
	}
	if size > GraphQLMaxQuerySize {
		return newError(codes.Internal, nil, "gitlabapi: %d characters of GraphQL query text, GitLab accepts %d a POST", size, GraphQLMaxQuerySize)
	}
	u, err := url.Parse(c.BaseURL + graphqlPath)
	if err != nil {
		return newError(codes.Internal, err, "gitlabapi: GraphQL URL of %s: %v", c.BaseURL, err)
	}
	var body any = ops[0]
	if len(ops) > 1 {
		body = ops
	}
	req, err := c.API.NewRequestToURL(http.MethodPost, u, body, nil)
	if err != nil {
		return newError(codes.Internal, err, "building the GraphQL request: %v", err)
	}
	req = req.WithContext(ctx)
	ans := &graphqlAnswer{outs: outs, multiplex: len(ops) > 1}
	if _, err := c.API.Do(req, ans); err != nil {
		return MapError(err, "querying GitLab's GraphQL API")
	}
	return nil
}

// graphqlAnswer decodes a single answer or a multiplex's array into outs.
type graphqlAnswer struct {
	outs      []any
	multiplex bool
}

func (a *graphqlAnswer) UnmarshalJSON(b []byte) error {
	if !a.multiplex {
		return json.Unmarshal(b, a.outs[0])
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return errors.New("gitlabapi: a GraphQL multiplex answer is not an array")
	}
	for i := 0; dec.More(); i++ {
		if i >= len(a.outs) {
			return fmt.Errorf("gitlabapi: a GraphQL multiplex answered more than the %d operations sent", len(a.outs))
		}
		if err := dec.Decode(a.outs[i]); err != nil {
			return err
		}
	}
	return nil
}

// isGraphQLPost reports a POST to the GraphQL endpoint: a read, safe to resend.
func isGraphQLPost(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, graphqlPath)
}
