package connector

import (
	"strconv"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Fuzz tests of the id parsing (issue 9 point 7): resource ids (parseID), entitlement
// ids and their slugs (slugFromEntitlementID, accessLevelForSlug, memberRoleIDForSlug).
// `go test` runs the seeds; `make test` fuzzes each briefly, `make fuzz` longer.

// FuzzParseID: a GitLab id is a positive decimal int64; anything else is InvalidArgument
// naming the value; an accepted id prints back to a string that parses to the same id.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "42", "0", "-1", "+7", "007", "9223372036854775807", "9223372036854775808",
		"", " 1", "1e3", "0x10", "١٢", "invitation:jane@example.com", "group:11"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseID(s)
		if err != nil {
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("%q: %v, want InvalidArgument quoting the value", s, err)
			}
			if _, perr := strconv.ParseInt(s, 10, 64); perr == nil && id != 0 {
				t.Fatalf("%q refused but returned %d", s, id)
			}
			return
		}
		if id <= 0 {
			t.Fatalf("%q accepted as %d", s, id)
		}
		if again, err := parseID(strconv.FormatInt(id, 10)); err != nil || again != id {
			t.Fatalf("%q → %d → %d %v", s, id, again, err)
		}
		for _, r := range s {
			if (r < '0' || r > '9') && r != '+' {
				t.Fatalf("%q accepted with %q in it", s, r)
			}
		}
	})
}

// FuzzEntitlementSlug: an entitlement id "<type>:<id>:<slug>" gives back its slug; a slug
// is a built-in level, a custom role (member_role_<positive id>) or neither, never both;
// built-in slugs and member_role_<id> round-trip through their level or role id.
func FuzzEntitlementSlug(f *testing.F) {
	for _, s := range []string{"developer", "minimal_access", "owner", "Developer", "member_role_7", "member_role_0",
		"member_role_-3", "member_role_", "member_role_+5", "member_role_007", "guest:user:102", "", "reporter\x00"} {
		f.Add("group", int64(11), s)
	}
	f.Add("project", int64(50), "maintainer")
	f.Add("", int64(-1), "owner")
	f.Fuzz(func(t *testing.T, kind string, id int64, slug string) {
		entID := kind + ":" + strconv.FormatInt(id, 10) + ":" + slug
		got := slugFromEntitlementID(entID)
		if !strings.Contains(slug, ":") && got != slug {
			t.Fatalf("%q → slug %q, want %q", entID, got, slug)
		}
		if strings.Contains(got, ":") || !strings.HasSuffix(entID, got) {
			t.Fatalf("%q → slug %q", entID, got)
		}
		if slugFromEntitlementID(got) != got {
			t.Fatalf("slug %q is not its own slug", got)
		}

		level, isLevel := accessLevelForSlug(slug)
		role, isRole := memberRoleIDForSlug(slug)
		if isLevel && isRole {
			t.Fatalf("%q is both level %d and custom role %d", slug, level, role)
		}
		if isLevel {
			back, ok := accessLevelSlug(level)
			if !ok || back != slug || level <= gitlab.NoPermissions || level > gitlab.OwnerPermissions {
				t.Fatalf("%q → level %d → %q %v", slug, level, back, ok)
			}
			if name := accessLevelName(level); strings.HasPrefix(name, "access level") {
				t.Fatalf("level %d has no name", level)
			}
		}
		if isRole {
			if role <= 0 || !strings.HasPrefix(slug, memberRoleSlugPrefix) {
				t.Fatalf("%q → custom role %d", slug, role)
			}
			if again, ok := memberRoleIDForSlug(memberRoleSlug(role)); !ok || again != role {
				t.Fatalf("custom role %d → %q → %d %v", role, memberRoleSlug(role), again, ok)
			}
		}
		if id > 0 {
			if again, ok := memberRoleIDForSlug(memberRoleSlug(id)); !ok || again != id {
				t.Fatalf("custom role %d → %q → %d %v", id, memberRoleSlug(id), again, ok)
			}
			if _, ok := accessLevelForSlug(memberRoleSlug(id)); ok {
				t.Fatalf("%q read as a built-in level", memberRoleSlug(id))
			}
		}
	})
}
