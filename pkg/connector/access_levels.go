package connector

import (
	"fmt"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// GitLab's access levels (roles) and the entitlement slugs they map to.
// https://docs.gitlab.com/api/members/#roles
//
// Entitlement slugs are GitLab's level names in snake case ("minimal_access",
// "developer"); custom roles are "member_role_<id>". Provisioning code resolves a slug
// back to a level with accessLevelForSlug / memberRoleIDForSlug.

// accessLevelInfo describes one of GitLab's built-in access levels.
type accessLevelInfo struct {
	Level gitlab.AccessLevelValue
	Slug  string // entitlement slug
	Name  string // GitLab's English name ("Minimal Access")
}

// accessLevels are GitLab's levels from lowest to highest. No access (0) is not an
// entitlement.
var accessLevels = []accessLevelInfo{
	{gitlab.MinimalAccessPermissions, "minimal_access", "Minimal Access"},
	{gitlab.GuestPermissions, "guest", "Guest"},
	{gitlab.PlannerPermissions, "planner", "Planner"},
	{gitlab.ReporterPermissions, "reporter", "Reporter"},
	{gitlab.DeveloperPermissions, "developer", "Developer"},
	{gitlab.MaintainerPermissions, "maintainer", "Maintainer"},
	{gitlab.OwnerPermissions, "owner", "Owner"},
}

// memberRoleSlugPrefix starts the slug of a custom-role entitlement: member_role_<id>.
const memberRoleSlugPrefix = "member_role_"

// accessLevelSlug returns the entitlement slug of a level ("developer"); ok is false
// for 0 and for values GitLab does not define.
func accessLevelSlug(level gitlab.AccessLevelValue) (string, bool) {
	for _, l := range accessLevels {
		if l.Level == level {
			return l.Slug, true
		}
	}
	return "", false
}

// accessLevelName returns GitLab's name of a level ("Developer"), or "access level N"
// for a value GitLab does not define.
func accessLevelName(level gitlab.AccessLevelValue) string {
	for _, l := range accessLevels {
		if l.Level == level {
			return l.Name
		}
	}
	if level == gitlab.NoPermissions {
		return "No access"
	}
	return fmt.Sprintf("access level %d", level)
}

// accessLevelForSlug resolves a built-in level slug; ok is false for anything else
// (including member_role_<id> slugs).
func accessLevelForSlug(slug string) (gitlab.AccessLevelValue, bool) {
	for _, l := range accessLevels {
		if l.Slug == slug {
			return l.Level, true
		}
	}
	return 0, false
}

// memberRoleSlug is the entitlement slug of a custom role.
func memberRoleSlug(memberRoleID int64) string {
	return memberRoleSlugPrefix + strconv.FormatInt(memberRoleID, 10)
}

// memberRoleIDForSlug parses a member_role_<id> slug.
func memberRoleIDForSlug(slug string) (int64, bool) {
	rest, ok := strings.CutPrefix(slug, memberRoleSlugPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// slugFromEntitlementID returns the slug part of an SDK entitlement id
// ("group:11:developer" -> "developer").
func slugFromEntitlementID(entitlementID string) string {
	if i := strings.LastIndexByte(entitlementID, ':'); i >= 0 {
		return entitlementID[i+1:]
	}
	return entitlementID
}
