package fakegitlab

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Pagination as GitLab documents it: https://docs.gitlab.com/api/rest/#pagination
const (
	defaultPerPage = 20
	maxPerPage     = 100
	// Over this many results GitLab omits X-Total, X-Total-Pages and rel="last".
	// https://docs.gitlab.com/api/rest/#pagination-response-headers
	countLimit = 10000
	// Offset pagination past this many records answers 405 on /users and /groups.
	// https://docs.gitlab.com/api/rest/#offset-based-pagination (max offset)
	maxOffset = 50000
)

// pageOpts says how a listing may be paginated.
type pageOpts struct {
	// limitOffset applies the 50,000-record offset limit (users and groups).
	limitOffset bool
	// typeName is GitLab's class name of the listed objects ("User", "Group"), used in
	// the 405 message of the offset limit.
	typeName string
	// keyset is the keyset parameter this listing supports: "cursor" (opaque cursor,
	// /users and /groups) or "id_after" (/projects). "" = the endpoint paginates with
	// plain `paginate` (members, invitations, group projects...): GitLab ignores
	// pagination=keyset there and serves offset pages. Endpoints that do support keyset
	// answer 405 for an order they cannot serve.
	keyset string
	// keysetOrders are the order_by values keyset pagination supports; nil means {"id"}.
	keysetOrders []string
	// defaultOrderBy is the listing's order_by when the request has none.
	defaultOrderBy string
	// defaultSort is the listing's sort when the request has none ("asc" or "desc").
	defaultSort string
}

// perPage reads per_page: default 20, at most 100, as GitLab clamps it.
func (c *call) perPage() int {
	n, err := strconv.Atoi(c.query.Get("per_page"))
	if err != nil || n < 1 {
		return defaultPerPage
	}
	if n > maxPerPage {
		return maxPerPage
	}
	return n
}

// linkURL is the request URL with some query parameters replaced (nil value deletes).
func (c *call) linkURL(set map[string]string) string {
	q := url.Values{}
	for k, vs := range c.query {
		q[k] = append([]string(nil), vs...)
	}
	for k, v := range set {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host + c.r.URL.EscapedPath() + "?" + q.Encode()
}

// paginate answers a listing: items must already be filtered and in the listing's order.
// It writes the JSON response itself, with the headers of offset or keyset pagination.
func paginate[T any](c *call, items []T, id func(T) int64, o pageOpts) {
	paginateOrdered(c, items, id, nil, o)
}

// paginateOrdered is paginate for listings whose keyset order is not the id: key gives
// the sort key (e.g. the name) that, with the id as tie-breaker, orders items.
func paginateOrdered[T any](c *call, items []T, id func(T) int64, key func(T) string, o pageOpts) {
	paginateRender(c, items, id, key, func(t T) T { return t }, o)
}

// paginateRender is paginateOrdered for listings of model objects: render turns an
// item into its JSON entity and runs only for the items of the page served, so a
// listing costs one page of rendering, not the whole list per page (GET /users of a
// 10,000-user instance renders 100 users a page, not 10,000).
func paginateRender[T, R any](c *call, items []T, id func(T) int64, key func(T) string, render func(T) R, o pageOpts) {
	if c.query.Get("pagination") == "keyset" && o.keyset != "" && !(keysetAnonymousOnly[o.typeName] && c.me != nil) {
		paginateKeyset(c, items, id, key, render, o)
		return
	}
	per := c.perPage()
	page, err := strconv.Atoi(c.query.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	if o.limitOffset && page*per > maxOffset {
		// https://docs.gitlab.com/api/rest/#offset-based-pagination : GitLab answers 405
		// with {"error": ...} (spec/requests/api/groups_spec.rb "pagination strategies").
		typ := o.typeName
		if typ == "" {
			typ = "Object"
		}
		c.errorString(http.StatusMethodNotAllowed, fmt.Sprintf(
			"Offset pagination has a maximum allowed offset of %d for requests that return objects of type %s. Remaining records can be retrieved using keyset pagination.",
			maxOffset, typ))
		return
	}
	total := len(items)
	start := (page - 1) * per
	end := start + per
	if start > total {
		start = total
	}
	if end > total {
		end = total
	}
	pageItems := items[start:end]
	totalPages := (total + per - 1) / per
	if totalPages == 0 {
		totalPages = 1
	}
	h := c.header
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	next, prev := "", ""
	if end < total {
		next = strconv.Itoa(page + 1)
	}
	if page > 1 {
		prev = strconv.Itoa(page - 1)
	}
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)
	var links []string
	if prev != "" {
		links = append(links, fmt.Sprintf("<%s>; rel=\"prev\"", c.linkURL(map[string]string{"page": prev, "per_page": strconv.Itoa(per)})))
	}
	if next != "" {
		links = append(links, fmt.Sprintf("<%s>; rel=\"next\"", c.linkURL(map[string]string{"page": next, "per_page": strconv.Itoa(per)})))
	}
	links = append(links, fmt.Sprintf("<%s>; rel=\"first\"", c.linkURL(map[string]string{"page": "1", "per_page": strconv.Itoa(per)})))
	if total <= countLimit {
		h.Set("X-Total", strconv.Itoa(total))
		h.Set("X-Total-Pages", strconv.Itoa(totalPages))
		links = append(links, fmt.Sprintf("<%s>; rel=\"last\"", c.linkURL(map[string]string{"page": strconv.Itoa(totalPages), "per_page": strconv.Itoa(per)})))
	}
	h.Set("Link", strings.Join(links, ", "))
	c.json(http.StatusOK, renderAll(pageItems, render))
}

// renderAll renders the items of one page; never nil, so an empty page is [].
func renderAll[T, R any](items []T, render func(T) R) []R {
	out := make([]R, len(items))
	for i, it := range items {
		out[i] = render(it)
	}
	return out
}

// keysetAnonymousOnly are the object types whose listings serve keyset pagination to
// unauthenticated requests only; authenticated ones get offset pages whatever they ask.
// Groups: "Unauthenticated users only" in the supported resources of
// https://docs.gitlab.com/api/rest/#supported-resources ; lib/api/groups.rb
// present_groups_with_pagination_strategies returns plain offset pagination when
// current_user is present (GitLab MR !68346 introduced it for anonymous users).
// The fake authenticates every request, so its group listings are always offset pages.
var keysetAnonymousOnly = map[string]bool{"Group": true}

// keysetCursor is the opaque cursor of /users and /groups keyset pagination: the sort
// key and id of the last record of the page.
type keysetCursor struct {
	ID  int64  `json:"id"`
	Key string `json:"key,omitempty"`
}

// keysetUnavailable is GitLab's answer to a keyset request it cannot serve.
// https://docs.gitlab.com/api/rest/#keyset-based-pagination
func keysetUnavailable(c *call) {
	c.errorString(http.StatusMethodNotAllowed, "Keyset pagination is not yet available for this type of request")
}

// paginateKeyset serves pagination=keyset&order_by=<supported>&sort=asc|desc.
// https://docs.gitlab.com/api/rest/#keyset-based-pagination
func paginateKeyset[T, R any](c *call, items []T, id func(T) int64, key func(T) string, render func(T) R, o pageOpts) {
	orderBy := c.query.Get("order_by")
	if orderBy == "" {
		orderBy = o.defaultOrderBy
	}
	sortDir := c.query.Get("sort")
	if sortDir == "" {
		sortDir = o.defaultSort
	}
	if sortDir == "" {
		sortDir = "desc"
	}
	orders := o.keysetOrders
	if orders == nil {
		orders = []string{"id"}
	}
	if o.keyset == "" || !slices.Contains(orders, orderBy) || (sortDir != "asc" && sortDir != "desc") {
		keysetUnavailable(c)
		return
	}
	if orderBy == "id" || key == nil {
		key = func(T) string { return "" }
	}
	per := c.perPage()
	asc := sortDir == "asc"
	var after keysetCursor
	hasAfter := false
	switch o.keyset {
	case "cursor":
		if cur := c.query.Get("cursor"); cur != "" {
			raw, err := base64.RawURLEncoding.DecodeString(cur)
			if err != nil || json.Unmarshal(raw, &after) != nil {
				c.errorString(http.StatusBadRequest, "cursor is invalid")
				return
			}
			hasAfter = true
		}
	case "id_after":
		k := "id_after"
		if !asc {
			k = "id_before"
		}
		if v := c.query.Get(k); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				c.errorString(http.StatusBadRequest, k+" is invalid")
				return
			}
			after, hasAfter = keysetCursor{ID: n}, true
		}
	}
	// compare orders (key, id) in the asked direction.
	compare := func(ak string, aid int64, bk string, bid int64) int {
		r := cmp.Compare(ak, bk)
		if r == 0 {
			r = cmp.Compare(aid, bid)
		}
		if !asc {
			r = -r
		}
		return r
	}
	sorted := append([]T(nil), items...)
	slices.SortStableFunc(sorted, func(a, b T) int { return compare(key(a), id(a), key(b), id(b)) })
	var pageItems []T
	more := false
	for _, it := range sorted {
		if hasAfter && compare(key(it), id(it), after.Key, after.ID) <= 0 {
			continue
		}
		if len(pageItems) == per {
			more = true
			break
		}
		pageItems = append(pageItems, it)
	}
	c.header.Set("X-Per-Page", strconv.Itoa(per))
	if more {
		last := pageItems[len(pageItems)-1]
		set := map[string]string{"per_page": strconv.Itoa(per), "pagination": "keyset", "order_by": orderBy, "sort": sortDir}
		switch o.keyset {
		case "cursor":
			b, _ := json.Marshal(keysetCursor{ID: id(last), Key: key(last)})
			set["cursor"] = base64.RawURLEncoding.EncodeToString(b)
		case "id_after":
			if asc {
				set["id_after"] = strconv.FormatInt(id(last), 10)
			} else {
				set["id_before"] = strconv.FormatInt(id(last), 10)
			}
		}
		c.header.Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", c.linkURL(set)))
	}
	c.json(http.StatusOK, renderAll(pageItems, render))
}
