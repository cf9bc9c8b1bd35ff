package gitlabapi

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
)

// PerPage is the page size of every listing: GitLab's maximum.
// https://docs.gitlab.com/api/rest/#pagination
const PerPage = 100

// OffsetFetch fetches one page of an offset-paginated listing. It must put opt into
// the listing's options (their embedded ListOptions) and pass reqOpts on to client-go
// (they carry the context). Example:
//
//	func(opt gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]*gitlab.GroupMember, *gitlab.Response, error) {
//		return c.API.Groups.ListGroupMembers(id, &gitlab.ListGroupMembersOptions{ListOptions: opt}, reqOpts...)
//	}
type OffsetFetch[T any] func(opt gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]T, *gitlab.Response, error)

// FetchPage fetches page `page` (1-based; 0 means 1) of an offset listing, 100 per page.
// next is the page to fetch after it, 0 at the end. It follows X-Next-Page (empty on
// the last page) and never X-Total / X-Total-Pages, which GitLab omits over 10,000
// results. Errors are mapped with MapError(err, doing).
func FetchPage[T any](ctx context.Context, doing string, page int64, fetch OffsetFetch[T]) (items []T, next int64, err error) {
	if page < 1 {
		page = 1
	}
	items, resp, err := fetch(gitlab.ListOptions{Page: page, PerPage: PerPage}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, 0, MapError(err, fmt.Sprintf("%s (page %d)", doing, page))
	}
	if resp == nil || resp.NextPage == 0 {
		return items, 0, nil
	}
	if resp.NextPage <= page {
		// A next page that does not move forward would loop for ever.
		return nil, 0, newError(codes.Internal, nil,
			"%s: GitLab answered page %d with X-Next-Page %d; stopping to avoid a loop", doing, page, resp.NextPage)
	}
	return items, resp.NextPage, nil
}

// ForEachPage calls fn with every page of an offset listing, in order, until the last
// page or fn's error (returned as is).
func ForEachPage[T any](ctx context.Context, doing string, fetch OffsetFetch[T], fn func(items []T) error) error {
	var page int64 = 1
	for {
		items, next, err := FetchPage(ctx, doing, page, fetch)
		if err != nil {
			return err
		}
		if err := fn(items); err != nil {
			return err
		}
		if next == 0 {
			return nil
		}
		page = next
	}
}

// ListAll returns every item of an offset listing.
func ListAll[T any](ctx context.Context, doing string, fetch OffsetFetch[T]) ([]T, error) {
	var all []T
	err := ForEachPage(ctx, doing, fetch, func(items []T) error {
		all = append(all, items...)
		return nil
	})
	return all, err
}

// KeysetFetch fetches one page of a keyset-paginated listing. It must put opt into the
// listing's options (opt has Pagination "keyset", OrderBy "id", Sort "asc", PerPage 100)
// and pass reqOpts on to client-go: on later pages they replace the query with the one
// of GitLab's Link rel="next".
type KeysetFetch[T any] func(opt gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]T, *gitlab.Response, error)

// KeysetOptions are the list options of the first keyset page: ordered by id ascending.
// https://docs.gitlab.com/api/rest/#keyset-based-pagination
func KeysetOptions() gitlab.ListOptions {
	return gitlab.ListOptions{Pagination: "keyset", OrderBy: "id", Sort: "asc", PerPage: PerPage}
}

// FetchKeysetPage fetches the page after nextLink ("" for the first page). It returns
// GitLab's Link rel="next" URL, to be passed back verbatim (it carries cursor= or
// id_after=), or "" on the last page (no rel="next").
func FetchKeysetPage[T any](ctx context.Context, doing, nextLink string, fetch KeysetFetch[T]) ([]T, string, error) {
	reqOpts := []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)}
	if nextLink != "" {
		reqOpts = append(reqOpts, gitlab.WithKeysetPaginationParameters(nextLink))
	}
	items, resp, err := fetch(KeysetOptions(), reqOpts...)
	if err != nil {
		return nil, "", MapError(err, doing)
	}
	if resp == nil || resp.NextLink == "" {
		return items, "", nil
	}
	if resp.NextLink == nextLink {
		return nil, "", newError(codes.Internal, nil,
			"%s: GitLab's next-page link did not move forward; stopping to avoid a loop", doing)
	}
	if _, perr := url.Parse(resp.NextLink); perr != nil {
		// Found by FuzzLinkHeader: following it would fail as "cannot reach" the link.
		return nil, "", newError(codes.Internal, perr,
			"%s: GitLab's next-page link %q is not a URL; stopping", doing, truncate(resp.NextLink, 200))
	}
	return items, resp.NextLink, nil
}

// ForEachKeysetPage calls fn with every page of a keyset listing, in order.
func ForEachKeysetPage[T any](ctx context.Context, doing string, fetch KeysetFetch[T], fn func(items []T) error) error {
	link := ""
	for {
		items, next, err := FetchKeysetPage(ctx, doing, link, fetch)
		if err != nil {
			return err
		}
		if err := fn(items); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		link = next
	}
}

// ListAllKeyset returns every item of a keyset listing.
func ListAllKeyset[T any](ctx context.Context, doing string, fetch KeysetFetch[T]) ([]T, error) {
	var all []T
	err := ForEachKeysetPage(ctx, doing, fetch, func(items []T) error {
		all = append(all, items...)
		return nil
	})
	return all, err
}

// PageToken renders an offset page number for a baton page token ("" for none).
func PageToken(page int64) string {
	if page == 0 {
		return ""
	}
	return strconv.FormatInt(page, 10)
}

// ParsePageToken reads a token written by PageToken; "" is page 1.
func ParsePageToken(token string) (int64, error) {
	if token == "" {
		return 1, nil
	}
	p, err := strconv.ParseInt(token, 10, 64)
	if err != nil || p < 1 {
		return 0, newError(codes.InvalidArgument, err, "invalid page token %q", token)
	}
	return p, nil
}
