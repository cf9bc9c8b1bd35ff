package gitlabapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// members serves 250 members of group 11 over offset pages, with X-Next-Page and
// without X-Total (as GitLab over 10,000 results).
func offsetMembers(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if page < 1 {
		page = 1
	}
	if perPage != 100 {
		http.Error(w, `{"message":"per_page must be 100 in this test"}`, 400)
		return
	}
	const total = 250
	var out []map[string]any
	for i := (page-1)*perPage + 1; i <= total && i <= page*perPage; i++ {
		out = append(out, map[string]any{"id": i, "username": fmt.Sprintf("u%d", i), "access_level": 10})
	}
	next := ""
	if page*perPage < total {
		next = strconv.Itoa(page + 1)
	}
	w.Header().Set("X-Next-Page", next)
	w.Header().Set("X-Page", strconv.Itoa(page))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func groupMembers(c *Client, id int64) OffsetFetch[*gitlab.GroupMember] {
	return func(opt gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]*gitlab.GroupMember, *gitlab.Response, error) {
		return c.API.Groups.ListGroupMembers(id, &gitlab.ListGroupMembersOptions{ListOptions: opt}, reqOpts...)
	}
}

func TestListAllFollowsXNextPage(t *testing.T) {
	c, calls := newTestClient(t, offsetMembers)
	all, err := ListAll(context.Background(), "listing members of group 11", groupMembers(c, 11))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 250 || all[0].ID != 1 || all[249].ID != 250 {
		t.Fatalf("got %d members (first %d)", len(all), all[0].ID)
	}
	if *calls != 3 {
		t.Fatalf("%d requests, want 3", *calls)
	}
}

func TestFetchPageOneAtATime(t *testing.T) {
	c, _ := newTestClient(t, offsetMembers)
	ctx := context.Background()
	items, next, err := FetchPage(ctx, "listing", 0, groupMembers(c, 11))
	if err != nil || len(items) != 100 || next != 2 {
		t.Fatalf("page 1: %d items next %d err %v", len(items), next, err)
	}
	items, next, err = FetchPage(ctx, "listing", 3, groupMembers(c, 11))
	if err != nil || len(items) != 50 || next != 0 {
		t.Fatalf("page 3: %d items next %d err %v", len(items), next, err)
	}
	if tok := PageToken(next); tok != "" {
		t.Fatalf("end token %q", tok)
	}
	if p, err := ParsePageToken(PageToken(2)); err != nil || p != 2 {
		t.Fatalf("token round trip %d %v", p, err)
	}
	if _, err := ParsePageToken("x"); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad token: %v", err)
	}
}

func TestFetchPageStopsOnANextPageThatDoesNotMove(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Next-Page", "1")
		reply(200, "application/json", `[]`)(w, r)
	})
	_, err := ListAll(context.Background(), "listing", groupMembers(c, 11))
	if status.Code(err) != codes.Internal {
		t.Fatalf("looping pagination not stopped: %v", err)
	}
}

func TestForEachPageMapsErrors(t *testing.T) {
	c, _ := newTestClient(t, reply(403, "application/json", `{"message":"403 Forbidden"}`))
	err := ForEachPage(context.Background(), "listing members of group 11", groupMembers(c, 11),
		func([]*gitlab.GroupMember) error { return nil })
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("code %v: %v", status.Code(err), err)
	}
}

// keysetUsers serves users 1..205 with GitLab's keyset pagination: a Link rel="next"
// carrying id_after, and no Link on the last page. The test checks the client sends
// the link's query back unchanged.
func TestKeysetFollowsLinkVerbatim(t *testing.T) {
	var seen []string
	var base string
	c, calls := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		seen = append(seen, r.URL.RawQuery)
		if q.Get("pagination") != "keyset" || q.Get("order_by") != "id" || q.Get("sort") != "asc" || q.Get("per_page") != "100" {
			http.Error(w, `{"message":"keyset options missing"}`, 400)
			return
		}
		after, _ := strconv.Atoi(q.Get("id_after"))
		var out []map[string]any
		last := 0
		for id := after + 1; id <= 205 && len(out) < 100; id++ {
			out = append(out, map[string]any{"id": id, "username": fmt.Sprintf("u%d", id)})
			last = id
		}
		if last < 205 {
			w.Header().Set("Link", fmt.Sprintf(`<%s/api/v4/users?id_after=%d&order_by=id&pagination=keyset&per_page=100&sort=asc&exclude_internal=true>; rel="next"`, base, last))
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	base = c.BaseURL
	fetch := func(opt gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]*gitlab.User, *gitlab.Response, error) {
		return c.API.Users.ListUsers(&gitlab.ListUsersOptions{ListOptions: opt, ExcludeInternal: gitlab.Ptr(true)}, reqOpts...)
	}
	all, err := ListAllKeyset(context.Background(), "listing users", fetch)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 205 || all[204].ID != 205 {
		t.Fatalf("got %d users", len(all))
	}
	if *calls != 3 {
		t.Fatalf("%d requests, want 3", *calls)
	}
	if seen[1] != "exclude_internal=true&id_after=100&order_by=id&pagination=keyset&per_page=100&sort=asc" {
		t.Errorf("second request query %q", seen[1])
	}
}
