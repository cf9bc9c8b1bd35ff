package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// GitLab answers the connector decodes itself instead of through client-go's types,
// because those types lose or reject what GitLab really sends:
//
//   - invitations: an invitation is a row of the members table, whose expires_at is a
//     DATE column; Entities::Invitation exposes it as it is ("2020-11-22"), but
//     client-go's PendingInvite.ExpiresAt is a *time.Time and fails to decode it
//     ("parsing time ... as 2006-01-02T15:04:05Z07:00"), which failed whole syncs. Newer
//     GitLab's invitation entity has no id either.
//     https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
//   - members: client-go's GroupMember and ProjectMember drop membership_state
//     ("active" | "awaiting"); an awaiting member waits for a seat (a top-level group's
//     user cap, GitLab.com's free-tier user limit) and has no access until approved.
//     https://docs.gitlab.com/api/members/#list-all-members-of-a-group-or-project
//     https://docs.gitlab.com/user/group/manage/#user-cap-for-groups
//
// Requests still go through client-go (NewRequest + Do: its retries, rate limiting and
// error responses) and pagination through pkg/gitlabapi.

// apiDate is a date GitLab sends as "YYYY-MM-DD" (date columns), or as a timestamp
// (some endpoints, some versions), or null. It holds "YYYY-MM-DD" or "".
type apiDate string

func (d *apiDate) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*d = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date: %w", err)
	}
	date, err := parseAPIDate(s)
	if err != nil {
		return err
	}
	*d = apiDate(date)
	return nil
}

// parseAPIDate reads "YYYY-MM-DD" or a timestamp starting with it ("2020-11-22T14:13:35Z",
// "2020-11-22T00:00:00.000+01:00", "2020-11-22 00:00:00 UTC"): the date written is the
// date meant, whatever the zone. "" stays "".
func parseAPIDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) >= len(time.DateOnly) {
		head, rest := s[:len(time.DateOnly)], s[len(time.DateOnly):]
		if _, err := time.Parse(time.DateOnly, head); err == nil && (rest == "" || rest[0] == 'T' || rest[0] == ' ') {
			return head, nil
		}
	}
	return "", fmt.Errorf("cannot read %q as a date (YYYY-MM-DD)", s)
}

// apiTime is a timestamp GitLab sends (RFC 3339) or null; a bare date is read as
// midnight UTC. It only feeds display fields, so an unreadable value is left empty
// rather than failing a sync.
type apiTime struct{ t *time.Time }

func (a *apiTime) UnmarshalJSON(b []byte) error {
	a.t = nil
	var s string
	if err := json.Unmarshal(b, &s); err != nil || strings.TrimSpace(s) == "" {
		return nil // null, or not a string
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			t = t.UTC()
			a.t = &t
			return nil
		}
	}
	return nil
}

// Time returns the timestamp, nil when GitLab sent none.
func (a apiTime) Time() *time.Time { return a.t }

// apiInvitation is one pending invitation (Entities::Invitation).
type apiInvitation struct {
	InviteEmail string                  `json:"invite_email"`
	AccessLevel gitlab.AccessLevelValue `json:"access_level"`
	CreatedAt   apiTime                 `json:"created_at"`
	ExpiresAt   apiDate                 `json:"expires_at"`
}

// apiMember is one direct membership (Entities::Member): the user's basic fields and
// the membership's.
type apiMember struct {
	ID              int64                   `json:"id"` // the USER's id
	Username        string                  `json:"username"`
	Name            string                  `json:"name"`
	State           string                  `json:"state"` // the user's state
	WebURL          string                  `json:"web_url"`
	Email           string                  `json:"email"`
	AccessLevel     gitlab.AccessLevelValue `json:"access_level"`
	ExpiresAt       apiDate                 `json:"expires_at"`
	MembershipState string                  `json:"membership_state"` // "active" | "awaiting"; absent on old GitLab
	MemberRole      *apiMemberRole          `json:"member_role"`
}

// apiMemberRole is a member's custom role; the key is absent without one.
type apiMemberRole struct {
	ID              int64                   `json:"id"`
	Name            string                  `json:"name"`
	BaseAccessLevel gitlab.AccessLevelValue `json:"base_access_level"`
}

// membershipAwaiting is GitLab's membership_state of a member waiting for a seat.
const membershipAwaiting = "awaiting"

// listGitLab is an offset listing of path (relative to /api/v4, e.g.
// "groups/11/members") decoded into T; query adds parameters beside the page ones
// (nil: none). Use it with gitlabapi.ListAll / ForEachPage.
func listGitLab[T any](api *gitlab.Client, path string, query map[string]string) gitlabapi.OffsetFetch[T] {
	return func(lo gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]T, *gitlab.Response, error) {
		opt := pageQuery{ListOptions: lo}
		req, err := api.NewRequest(http.MethodGet, path, &opt, reqOpts)
		if err != nil {
			return nil, nil, err
		}
		if len(query) > 0 {
			q := req.URL.Query()
			for k, v := range query {
				q.Set(k, v)
			}
			req.URL.RawQuery = q.Encode()
		}
		var out []T
		resp, err := api.Do(req, &out)
		if err != nil {
			return nil, resp, err
		}
		return out, resp, nil
	}
}

// pageQuery carries the page parameters (page, per_page) of a listing.
type pageQuery struct {
	gitlab.ListOptions
}
