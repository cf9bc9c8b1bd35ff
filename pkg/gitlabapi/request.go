package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
)

// The typed methods of this package (members.go, invitations.go, billable_members.go,
// user_state.go, member_roles.go, groups_detail.go) cover endpoints, or fields, that
// client-go lacks or decodes wrongly. Every request goes through client-go (NewRequest
// + Do: its retries, rate limiting and error responses apply) and listings through the
// pagination helpers (pagination.go). GETs send "Cache-Control: no-cache": provisioning
// decides on what they return, and must not get an answer kept by a proxy.
//
// Errors are MapError errors (gRPC codes) describing the call with ids ("listing the
// members of group 11"). They unwrap to client-go's error, so IsNotFound, IsForbidden,
// HTTPStatus and GitLabMessage work on them; Rephrase restates what was being done in
// the caller's words (a path rather than an id).

// SourceKind is what members and invitations belong to: GitLab's path segment.
type SourceKind string

const (
	// Groups are groups and subgroups (groups/:id/...).
	Groups SourceKind = "groups"
	// Projects are projects (projects/:id/...).
	Projects SourceKind = "projects"
)

// Singular is "group" or "project", for messages.
func (k SourceKind) Singular() string {
	switch k {
	case Groups:
		return "group"
	case Projects:
		return "project"
	}
	return string(k)
}

func (k SourceKind) check() error {
	if k == Groups || k == Projects {
		return nil
	}
	return newError(codes.InvalidArgument, nil, "gitlabapi: %q is neither groups nor projects", string(k))
}

// path is "<kind>/<id>/<rest>".
func (k SourceKind) path(id int64, rest string) string {
	return fmt.Sprintf("%s/%d/%s", k, id, rest)
}

// noCache asks every cache between the connector and GitLab for a fresh answer.
func noCache() gitlab.RequestOptionFunc {
	return gitlab.WithHeader("Cache-Control", "no-cache")
}

// do sends one request through client-go and decodes the answer into out (nil: none).
// opt is the query (GET, DELETE) or the JSON body (POST, PUT). The error is client-go's,
// not yet mapped.
func (c *Client) do(ctx context.Context, method, path string, opt, out any, reqOpts ...gitlab.RequestOptionFunc) (*gitlab.Response, error) {
	opts := append([]gitlab.RequestOptionFunc{gitlab.WithContext(ctx)}, reqOpts...)
	if method == http.MethodGet {
		opts = append(opts, noCache())
	}
	req, err := c.API.NewRequest(method, path, opt, opts)
	if err != nil {
		return nil, newError(codes.Internal, nil, "building the request %s %s: %v", method, path, err)
	}
	return c.API.Do(req, out)
}

// offsetFetch is one page of the offset listing at path, decoded into []T; query adds
// parameters beside the page ones (nil: none). For ListAll / ForEachPage.
func offsetFetch[T any](c *Client, path string, query url.Values) OffsetFetch[T] {
	return func(lo gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]T, *gitlab.Response, error) {
		req, err := c.API.NewRequest(http.MethodGet, path, &lo, append(reqOpts, noCache()))
		if err != nil {
			return nil, nil, newError(codes.Internal, nil, "building the request GET %s: %v", path, err)
		}
		if len(query) > 0 {
			q := req.URL.Query()
			for k, vs := range query {
				q[k] = vs
			}
			req.URL.RawQuery = q.Encode()
		}
		var out []T
		resp, err := c.API.Do(req, &out)
		if err != nil {
			return nil, resp, err
		}
		return out, resp, nil
	}
}

// Rephrase is err, a MapError error, mapped again with doing as what was being done
// (the message is rebuilt from the error underneath: GitLab's answer, a transport
// error). Other errors, and errors of this package that carry none, are returned as
// they are.
func Rephrase(err error, doing string) error {
	var e *Error
	if !errors.As(err, &e) || e.cause == nil {
		return err
	}
	return MapError(e.cause, doing)
}

// IsForbidden reports a 403 from GitLab.
func IsForbidden(err error) bool { return HTTPStatus(err) == http.StatusForbidden }

// IsConflict reports a 409 from GitLab ("has already been taken", "already exists").
func IsConflict(err error) bool { return HTTPStatus(err) == http.StatusConflict }

// IsBadRequest reports a 400 from GitLab.
func IsBadRequest(err error) bool { return HTTPStatus(err) == http.StatusBadRequest }
