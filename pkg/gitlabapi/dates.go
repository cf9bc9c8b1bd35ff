package gitlabapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Date is a date GitLab sends as "YYYY-MM-DD" (date columns such as a membership's or an
// invitation's expires_at), as a timestamp (some endpoints, some versions), or as null.
// It holds "YYYY-MM-DD", or "" for none. client-go reads these columns as time.Time in
// places (PendingInvite.ExpiresAt, BillableUserMembership.ExpiresAt) and fails on the
// plain date GitLab really sends.
type Date string

// UnmarshalJSON reads a date, a timestamp (its date part) or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*d = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date: %w", err)
	}
	date, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = date
	return nil
}

// ParseDate reads "YYYY-MM-DD" or a timestamp starting with it ("2020-11-22T14:13:35Z",
// "2020-11-22T00:00:00.000+01:00", "2020-11-22 00:00:00 UTC"): the date written is the
// date meant, whatever the zone. "" stays "".
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) >= len(time.DateOnly) {
		head, rest := s[:len(time.DateOnly)], s[len(time.DateOnly):]
		if _, err := time.Parse(time.DateOnly, head); err == nil && (rest == "" || rest[0] == 'T' || rest[0] == ' ') {
			return Date(head), nil
		}
	}
	return "", fmt.Errorf("cannot read %q as a date (YYYY-MM-DD)", s)
}

// Time is a timestamp GitLab sends (RFC 3339) or null; a bare date is read as midnight
// UTC. It only feeds display fields, so an unreadable value is left empty rather than
// failing a whole listing.
type Time struct{ t *time.Time }

// NewTime is the Time t (in UTC).
func NewTime(t time.Time) Time {
	t = t.UTC()
	return Time{t: &t}
}

// UnmarshalJSON reads an RFC 3339 timestamp or a date; anything else is no time.
func (a *Time) UnmarshalJSON(b []byte) error {
	a.t = nil
	var s string
	if err := json.Unmarshal(b, &s); err != nil || strings.TrimSpace(s) == "" {
		return nil // null, or not a string
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			*a = NewTime(t)
			return nil
		}
	}
	return nil
}

// Time returns the timestamp, nil when GitLab sent none.
func (a Time) Time() *time.Time { return a.t }
