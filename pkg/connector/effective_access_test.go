package connector

import (
	"context"
	"fmt"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// mapGraph is an accessGraph over maps, for unit tests of the rules.
type mapGraph struct {
	groups         map[int64]*orgGroup
	groupMembers   map[int64][]*directMember
	projectMembers map[int64][]*directMember
}

func (m *mapGraph) group(_ context.Context, id int64) (*orgGroup, error) {
	g := m.groups[id]
	if g == nil {
		return nil, fmt.Errorf("no group %d", id)
	}
	return g, nil
}

func (m *mapGraph) groupShares(_ context.Context, id int64) ([]groupShare, error) {
	return m.groups[id].Shares, nil
}

func (m *mapGraph) directGroupMembers(_ context.Context, id int64) ([]*directMember, error) {
	return m.groupMembers[id], nil
}

func (m *mapGraph) directProjectMembers(_ context.Context, id int64) ([]*directMember, error) {
	return m.projectMembers[id], nil
}

func mem(uid int64, level gitlab.AccessLevelValue) *directMember {
	return &directMember{UserID: uid, Username: fmt.Sprintf("u%d", uid), Level: level}
}

// world: top (1) > mid (2) > leaf (3); other (9) top-level, child (10) under other.
// mid is shared with other at Reporter; project 100 in leaf is shared with child at
// Developer; project 200 is personal.
func testGraph() *mapGraph {
	return &mapGraph{
		groups: map[int64]*orgGroup{
			1:  {ID: 1, FullPath: "top", Shares: []groupShare{}},
			2:  {ID: 2, ParentID: 1, FullPath: "top/mid", Shares: []groupShare{{GroupID: 9, GroupFullPath: "other", Level: gitlab.ReporterPermissions}}},
			3:  {ID: 3, ParentID: 2, FullPath: "top/mid/leaf", Shares: []groupShare{}},
			9:  {ID: 9, FullPath: "other", Shares: []groupShare{}},
			10: {ID: 10, ParentID: 9, FullPath: "other/child", Shares: []groupShare{}},
		},
		groupMembers: map[int64][]*directMember{
			1:  {mem(1, gitlab.DeveloperPermissions), mem(2, gitlab.MinimalAccessPermissions), mem(3, gitlab.GuestPermissions)},
			2:  {mem(3, gitlab.MaintainerPermissions)},
			3:  {},
			9:  {mem(4, gitlab.OwnerPermissions), mem(5, gitlab.GuestPermissions), mem(6, gitlab.MinimalAccessPermissions)},
			10: {mem(7, gitlab.MaintainerPermissions)},
		},
		projectMembers: map[int64][]*directMember{
			100: {mem(8, gitlab.DeveloperPermissions)},
			200: {mem(8, gitlab.OwnerPermissions)},
		},
	}
}

func levelOf(acc map[int64]*effectiveAccess, uid int64) string {
	a := acc[uid]
	if a == nil {
		return ""
	}
	slug, _ := accessLevelSlug(a.Level)
	if a.MemberRoleID != 0 {
		slug = memberRoleSlug(a.MemberRoleID)
	}
	return slug + "@" + a.Source
}

func TestComputeGroupAccessRules(t *testing.T) {
	ctx := context.Background()
	g := testGraph()
	top, err := computeGroupAccess(ctx, g, 1, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := computeGroupAccess(ctx, g, 3, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		acc  map[int64]*effectiveAccess
		name string
		uid  int64
		want string
	}{
		{top, "top", 1, "developer@direct"},
		{top, "top", 2, "minimal_access@direct"},
		{leaf, "leaf", 1, "developer@inherited"},
		{leaf, "leaf", 2, ""}, // Minimal Access is not inherited
		{leaf, "leaf", 3, "maintainer@inherited"},
		{leaf, "leaf", 4, "reporter@shared"}, // Owner of other, capped at the share's Reporter
		{leaf, "leaf", 5, "guest@shared"},    // Guest stays Guest (min)
		{leaf, "leaf", 6, ""},                // Minimal Access members get nothing through a share
		{leaf, "leaf", 7, ""},                // group shares reach the invited group's DIRECT members only
		{top, "top", 4, ""},                  // the share is on mid: nothing above it
	} {
		if got := levelOf(tc.acc, tc.uid); got != tc.want {
			t.Errorf("%s user %d: got %q, want %q", tc.name, tc.uid, got, tc.want)
		}
	}
	if a := leaf[3]; a.SourceGroupID != 2 || a.SourceGroupFullPath != "top/mid" {
		t.Errorf("user 3's inherited source = %d %s, want the nearest group with the highest level (mid)", a.SourceGroupID, a.SourceGroupFullPath)
	}
	if a := leaf[4]; a.SourceGroupID != 9 || a.SharedFrom != "top/mid" {
		t.Errorf("user 4's share source = %d from %s", a.SourceGroupID, a.SharedFrom)
	}
}

func TestComputeProjectAccessRules(t *testing.T) {
	ctx := context.Background()
	g := testGraph()
	p := &orgProject{ID: 100, GroupID: 3, PathWithNamespace: "top/mid/leaf/app",
		Shares: []groupShare{{GroupID: 10, GroupFullPath: "other/child", Level: gitlab.DeveloperPermissions}}}
	acc, err := computeProjectAccess(ctx, g, p, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	for uid, want := range map[int64]string{
		1: "developer@inherited",
		2: "",
		3: "maintainer@inherited",
		4: "developer@shared", // project share reaches the invited group's ANCESTORS' members: Owner of other, capped at Developer
		5: "guest@shared",     // Guest of other: min(Guest, share level) either way
		7: "developer@shared", // Maintainer of other/child, capped at Developer
		8: "developer@direct",
	} {
		if got := levelOf(acc, uid); got != want {
			t.Errorf("user %d: got %q, want %q", uid, got, want)
		}
	}
	personal, err := computeProjectAccess(ctx, g, &orgProject{ID: 200, PathWithNamespace: "u8/dotfiles"}, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(personal) != 1 || levelOf(personal, 8) != "owner@direct" {
		t.Errorf("personal project access = %v", personal)
	}
}

func TestComputeAccessExpiryAndDirectLevel(t *testing.T) {
	ctx := context.Background()
	g := testGraph()
	// user 1: Developer of top expiring 2026-06-30; Guest of leaf directly.
	g.groupMembers[1][0].ExpiresAt = "2026-06-30"
	g.groupMembers[3] = []*directMember{mem(1, gitlab.GuestPermissions)}
	acc, err := computeGroupAccess(ctx, g, 3, "2026-06-29")
	if err != nil {
		t.Fatal(err)
	}
	a := acc[1]
	if levelOf(acc, 1) != "developer@inherited" || a.ExpiresAt != "2026-06-30" || a.DirectLevel != gitlab.GuestPermissions {
		t.Errorf("before expiry: %+v", a)
	}
	// On the expiry date GitLab has removed the membership: the direct Guest remains.
	acc, err = computeGroupAccess(ctx, g, 3, "2026-06-30")
	if err != nil {
		t.Fatal(err)
	}
	if got := levelOf(acc, 1); got != "guest@direct" || acc[1].DirectLevel != 0 {
		t.Errorf("after expiry: %q %+v", got, acc[1])
	}
	// An expired share gives nothing.
	g.groups[2].Shares[0].ExpiresAt = "2026-01-01"
	acc, err = computeGroupAccess(ctx, g, 3, "2026-06-30")
	if err != nil {
		t.Fatal(err)
	}
	if levelOf(acc, 4) != "" {
		t.Errorf("expired share still gives access: %+v", acc[4])
	}
	// Shared access expires with the earlier of the share and the membership.
	g.groups[2].Shares[0].ExpiresAt = "2036-03-01"
	g.groupMembers[9][0].ExpiresAt = "2027-02-01"
	acc, err = computeGroupAccess(ctx, g, 3, "2026-06-30")
	if err != nil {
		t.Fatal(err)
	}
	if acc[4] == nil || acc[4].ExpiresAt != "2027-02-01" {
		t.Errorf("shared expiry = %+v", acc[4])
	}
}

func TestComputeAccessCustomRoles(t *testing.T) {
	ctx := context.Background()
	g := testGraph()
	auditor := &directMember{UserID: 11, Level: gitlab.ReporterPermissions, MemberRoleID: 7, MemberRoleName: "Auditor", MemberRoleBase: gitlab.ReporterPermissions}
	g.groupMembers[2] = append(g.groupMembers[2], auditor)
	// user 12: custom role (Reporter base) on mid and plain Reporter on top: same level,
	// both inherited: the nearest (mid) wins.
	g.groupMembers[1] = append(g.groupMembers[1], mem(12, gitlab.ReporterPermissions))
	g.groupMembers[2] = append(g.groupMembers[2], &directMember{UserID: 12, Level: gitlab.ReporterPermissions, MemberRoleID: 7, MemberRoleName: "Auditor"})
	// user 13: custom role on mid but Developer on top: the higher level wins.
	g.groupMembers[1] = append(g.groupMembers[1], mem(13, gitlab.DeveloperPermissions))
	g.groupMembers[2] = append(g.groupMembers[2], &directMember{UserID: 13, Level: gitlab.ReporterPermissions, MemberRoleID: 7})
	acc, err := computeGroupAccess(ctx, g, 3, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	for uid, want := range map[int64]string{11: "member_role_7@inherited", 12: "member_role_7@inherited", 13: "developer@inherited"} {
		if got := levelOf(acc, uid); got != want {
			t.Errorf("user %d: got %q, want %q", uid, got, want)
		}
	}
	// Through a share: capped, the share's level and the share's custom role (none
	// here); not capped, the member's own custom role.
	g.groupMembers[9] = append(g.groupMembers[9],
		&directMember{UserID: 14, Level: gitlab.DeveloperPermissions, MemberRoleID: 8},
		&directMember{UserID: 15, Level: gitlab.GuestPermissions, MemberRoleID: 9})
	acc, err = computeGroupAccess(ctx, g, 3, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if got := levelOf(acc, 14); got != "reporter@shared" {
		t.Errorf("capped custom role through a share: %q", got)
	}
	if got := levelOf(acc, 15); got != "member_role_9@shared" {
		t.Errorf("uncapped custom role through a share: %q", got)
	}
	g.groups[2].Shares[0].MemberRoleID = 20
	acc, err = computeGroupAccess(ctx, g, 3, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if got := levelOf(acc, 14); got != "member_role_20@shared" {
		t.Errorf("share with a custom role: %q", got)
	}
}

func TestAccessLevelSlugs(t *testing.T) {
	for _, l := range accessLevels {
		slug, ok := accessLevelSlug(l.Level)
		back, ok2 := accessLevelForSlug(slug)
		if !ok || !ok2 || back != l.Level {
			t.Errorf("level %d: slug %q round-trips to %d", l.Level, slug, back)
		}
	}
	if _, ok := accessLevelSlug(0); ok {
		t.Error("no access has no slug")
	}
	if id, ok := memberRoleIDForSlug(memberRoleSlug(7)); !ok || id != 7 {
		t.Error("member role slug round trip")
	}
	for _, bad := range []string{"member_role_", "member_role_x", "member_role_-1", "developer"} {
		if _, ok := memberRoleIDForSlug(bad); ok {
			t.Errorf("%q parsed as a member role", bad)
		}
	}
	if slugFromEntitlementID("group:11:member_role_7") != "member_role_7" {
		t.Error("slugFromEntitlementID")
	}
}

// Awaiting memberships (membership_state "awaiting") give nothing: not here, not to
// descendants, not through a group share or a project share; other sources still count.
func TestComputeAccessIgnoresAwaitingMembers(t *testing.T) {
	ctx := context.Background()
	g := testGraph()
	awaiting := func(uid int64, l gitlab.AccessLevelValue) *directMember {
		m := mem(uid, l)
		m.Awaiting = true
		return m
	}
	g.groupMembers[1] = append(g.groupMembers[1], awaiting(20, gitlab.OwnerPermissions))
	g.groupMembers[2] = append(g.groupMembers[2], awaiting(1, gitlab.MaintainerPermissions)) // user 1: Developer of top
	g.groupMembers[9] = append(g.groupMembers[9], awaiting(21, gitlab.DeveloperPermissions)) // other: shared with mid
	g.groupMembers[10] = append(g.groupMembers[10], awaiting(22, gitlab.DeveloperPermissions))
	g.projectMembers[100] = append(g.projectMembers[100], awaiting(23, gitlab.MaintainerPermissions))
	p := &orgProject{ID: 100, GroupID: 3, PathWithNamespace: "top/mid/leaf/p", Shares: []groupShare{{GroupID: 10, GroupFullPath: "other/child", Level: gitlab.DeveloperPermissions}}}

	for _, gid := range []int64{1, 2, 3} {
		acc, err := computeGroupAccess(ctx, g, gid, "2026-01-01")
		if err != nil {
			t.Fatal(err)
		}
		for _, uid := range []int64{20, 21, 22, 23} {
			if got := levelOf(acc, uid); got != "" {
				t.Errorf("group %d: awaiting user %d has %s", gid, uid, got)
			}
		}
		if gid == 2 {
			if got := levelOf(acc, 1); got != "developer@inherited" {
				t.Errorf("mid: user 1 = %s, want the active Developer of top, not the awaiting Maintainer", got)
			}
			if acc[1].DirectLevel != 0 {
				t.Errorf("mid: an awaiting membership shown as a direct level %v", acc[1].DirectLevel)
			}
		}
	}
	acc, err := computeProjectAccess(ctx, g, p, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	for _, uid := range []int64{20, 21, 22, 23} {
		if got := levelOf(acc, uid); got != "" {
			t.Errorf("project: awaiting user %d has %s", uid, got)
		}
	}
	if got := levelOf(acc, 7); got != "developer@shared" {
		t.Errorf("project: active member of the invited group = %s", got)
	}
}
