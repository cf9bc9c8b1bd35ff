package connector

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func isImmutable(g *v2.Grant) bool {
	annos := annotations.Annotations(g.GetAnnotations())
	return annos.Contains(&v2.GrantImmutable{})
}

// mapInputs is accessInputs over maps, for unit tests of the rules.
type mapInputs struct {
	groups         map[int64]*orgGroup
	groupMembers   map[int64][]*directMember
	projectMembers map[int64][]*directMember
	date           string
}

func (m *mapInputs) today() string { return m.date }

func (m *mapInputs) group(_ context.Context, id int64) (*orgGroup, error) {
	g := m.groups[id]
	if g == nil {
		return nil, fmt.Errorf("no group %d", id)
	}
	return g, nil
}

func (m *mapInputs) groupShares(_ context.Context, id int64) ([]groupShare, error) {
	return m.groups[id].Shares, nil
}

func (m *mapInputs) directGroupMembers(_ context.Context, id int64) ([]*directMember, error) {
	return m.groupMembers[id], nil
}

func (m *mapInputs) hiddenMembers(context.Context, orgNode) ([]*directMember, error) {
	return nil, nil
}

func (m *mapInputs) directProjectMembers(_ context.Context, id int64) ([]*directMember, error) {
	return m.projectMembers[id], nil
}

func newMapInputs() *mapInputs {
	return &mapInputs{groups: map[int64]*orgGroup{}, groupMembers: map[int64][]*directMember{},
		projectMembers: map[int64][]*directMember{}, date: "2026-01-01"}
}

func (m *mapInputs) addGroup(id, parent int64) *orgGroup {
	g := &orgGroup{ID: id, ParentID: parent, FullPath: fmt.Sprintf("g%d", id), Shares: []groupShare{}}
	m.groups[id] = g
	return g
}

// share shares group (or, with project != nil, the project) with invited at level.
func (m *mapInputs) share(shared int64, invited int64, level gitlab.AccessLevelValue, roleID int64) {
	m.groups[shared].Shares = append(m.groups[shared].Shares,
		groupShare{GroupID: invited, GroupFullPath: fmt.Sprintf("g%d", invited), Level: level, MemberRoleID: roleID})
}

func (m *mapInputs) member(groupID, uid int64, level gitlab.AccessLevelValue) *directMember {
	dm := &directMember{UserID: uid, Username: fmt.Sprintf("u%d", uid), Level: level}
	m.groupMembers[groupID] = append(m.groupMembers[groupID], dm)
	return dm
}

func (m *mapInputs) projectMember(projectID, uid int64, level gitlab.AccessLevelValue) *directMember {
	dm := &directMember{UserID: uid, Username: fmt.Sprintf("u%d", uid), Level: level}
	m.projectMembers[projectID] = append(m.projectMembers[projectID], dm)
	return dm
}

func withRole(m *directMember, roleID int64) *directMember {
	m.MemberRoleID, m.MemberRoleName, m.MemberRoleBase = roleID, memberRoleSlug(roleID), m.Level
	return m
}

var testResource = v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: "group", Resource: "1"}.Build()}.Build()

// grantsOf renders a user's grants on a node as "slug@source" sorted and joined by ",".
func grantsOf(t *testing.T, acc nodeAccess, uid int64) string {
	t.Helper()
	a := acc[uid]
	if a == nil || a.Level() == gitlab.NoPermissions {
		return ""
	}
	var out []string
	for _, g := range userGrants(testResource, a) {
		eid := g.GetEntitlement().GetId()
		out = append(out, eid[strings.LastIndex(eid, ":")+1:])
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func groupAcc(t *testing.T, in *mapInputs, id int64) nodeAccess {
	t.Helper()
	acc, err := computeGroupAccess(context.Background(), in, id)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func projectAcc(t *testing.T, in *mapInputs, p *orgProject) nodeAccess {
	t.Helper()
	acc, err := computeProjectAccess(context.Background(), in, p)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

// spec/lib/gitlab/project_authorizations_spec.rb "with nested groups": a group member
// inherits on nested groups and their projects; a nested membership that is higher wins.
func TestAccessNestedGroupsInheritAndGreatestWins(t *testing.T) {
	in := newMapInputs()
	in.addGroup(1, 0)
	in.addGroup(2, 1)
	in.member(1, 7, gitlab.DeveloperPermissions)
	p := &orgProject{ID: 100, GroupID: 2, PathWithNamespace: "g1/g2/p"}
	if got := grantsOf(t, projectAcc(t, in, p), 7); got != "developer" {
		t.Errorf("inherited: %q", got)
	}
	in.member(2, 7, gitlab.MaintainerPermissions)
	if got := grantsOf(t, projectAcc(t, in, p), 7); got != "maintainer" {
		t.Errorf("nested maintainer: %q (the direct-on-group membership is inherited by the project)", got)
	}
	if got := grantsOf(t, groupAcc(t, in, 2), 7); got != "maintainer" {
		t.Errorf("group 2: %q (direct maintainer above inherited developer: one grant)", got)
	}
}

// spec/lib/gitlab/project_authorizations_spec.rb "with shared groups": shared_group
// (under shared_group_parent) is shared with group (under group_parent) at Developer.
// The invited group's DIRECT members get LEAST(level, Developer) on shared_group, its
// child and their projects, not on shared_group_parent; members of the invited group's
// parent or child get nothing.
func TestAccessGroupShareReachesOnlyDirectMembersOfInvitedGroup(t *testing.T) {
	in := newMapInputs()
	in.addGroup(1, 0) // group_parent
	in.addGroup(2, 1) // group
	in.addGroup(3, 2) // group_child
	in.addGroup(11, 0)
	in.addGroup(12, 11) // shared_group
	in.addGroup(13, 12)
	in.share(12, 2, gitlab.DeveloperPermissions, 0)
	in.member(1, 101, gitlab.OwnerPermissions)    // parent_group_user
	in.member(2, 102, gitlab.OwnerPermissions)    // group_user
	in.member(3, 103, gitlab.OwnerPermissions)    // child_group_user
	in.member(2, 104, gitlab.ReporterPermissions) // lower than the share's level
	projParent := &orgProject{ID: 200, GroupID: 11}
	proj := &orgProject{ID: 201, GroupID: 12}
	projChild := &orgProject{ID: 202, GroupID: 13}
	for _, c := range []struct {
		p    *orgProject
		user int64
		want string
	}{
		{projParent, 102, ""}, {proj, 102, "developer"}, {projChild, 102, "developer"},
		{projParent, 104, ""}, {proj, 104, "reporter"}, {projChild, 104, "reporter"},
		{proj, 101, ""}, {projChild, 101, ""},
		{proj, 103, ""}, {projChild, 103, ""},
	} {
		if got := grantsOf(t, projectAcc(t, in, c.p), c.user); got != c.want {
			t.Errorf("project %d user %d: %q, want %q", c.p.ID, c.user, got, c.want)
		}
	}
}

// lib/gitlab/project_authorizations.rb projects_shared_with_namespaces_user_has_access_to:
// a project shared with group B reaches everyone whose "namespaces reached" include B:
// B's members, members of B's ancestors, and the direct members of a group C that B (or
// an ancestor of B) is shared with, capped by both links (review C1).
func TestAccessProjectShareThroughGroupShare(t *testing.T) {
	in := newMapInputs()
	in.addGroup(1, 0)  // the project's group
	in.addGroup(20, 0) // A, ancestor of B
	in.addGroup(21, 20)
	in.addGroup(30, 0) // C
	in.share(20, 30, gitlab.MaintainerPermissions, 0)
	in.member(21, 201, gitlab.OwnerPermissions)
	in.member(20, 202, gitlab.ReporterPermissions)
	in.member(30, 301, gitlab.OwnerPermissions)
	in.member(30, 302, gitlab.GuestPermissions)
	p := &orgProject{ID: 100, GroupID: 1, PathWithNamespace: "g1/p",
		Shares: []groupShare{{GroupID: 21, GroupFullPath: "g20/g21", Level: gitlab.DeveloperPermissions}}}
	acc := projectAcc(t, in, p)
	for uid, want := range map[int64]string{201: "developer", 202: "reporter", 301: "developer", 302: "guest"} {
		if got := grantsOf(t, acc, uid); got != want {
			t.Errorf("user %d: %q, want %q", uid, got, want)
		}
	}
	if v := acc[301].Via; v.SourceGroupID != 30 || v.SharedWithGroupID != 21 || v.Source != sourceShared {
		t.Errorf("user 301's source: %+v, want group 30 through the share with 21", v)
	}
	// share_with_group_lock on the project's namespace: project shares give nothing
	// (`where('p_ns.share_with_group_lock IS FALSE')`); the links stay.
	in.groups[1].ShareWithGroupLock = true
	acc = projectAcc(t, in, p)
	for _, uid := range []int64{201, 202, 301, 302} {
		if got := grantsOf(t, acc, uid); got != "" {
			t.Errorf("locked: user %d: %q, want none", uid, got)
		}
	}
}

// ee/app/models/preloaders/user_member_roles_in_groups_preloader.rb and
// ee/app/models/concerns/authz/member_role_in_shared_resource.rb: through a group share the
// link's role applies when the member's level is above the link's; the member's own role
// when below, or equal AND the link has a role; equal with no link role: no role (C2).
func TestAccessCustomRoleThroughShare(t *testing.T) {
	cases := []struct {
		name       string
		member     gitlab.AccessLevelValue
		link       gitlab.AccessLevelValue
		linkRole   int64
		wantGrants string
	}{
		{"member above link, link role", gitlab.DeveloperPermissions, gitlab.ReporterPermissions, 9, "member_role_9,reporter"},
		{"member above link, no link role", gitlab.DeveloperPermissions, gitlab.ReporterPermissions, 0, "reporter"},
		{"member below link", gitlab.ReporterPermissions, gitlab.DeveloperPermissions, 9, "member_role_5,reporter"},
		{"equal, link role", gitlab.ReporterPermissions, gitlab.ReporterPermissions, 9, "member_role_5,reporter"},
		{"equal, no link role", gitlab.ReporterPermissions, gitlab.ReporterPermissions, 0, "reporter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := newMapInputs()
			in.addGroup(1, 0)
			in.addGroup(2, 0)
			in.share(1, 2, c.link, c.linkRole)
			withRole(in.member(2, 50, c.member), 5)
			if got := grantsOf(t, groupAcc(t, in, 1), 50); got != c.wantGrants {
				t.Errorf("got %q, want %q", got, c.wantGrants)
			}
		})
	}
}

// user_member_roles_in_groups_preloader.rb merges the permissions of every custom role
// held on the group and its ancestors (`group_permissions.inject(&:merge)`): a role held
// on an ancestor still applies where a higher plain level wins (C3).
func TestAccessCustomRolesStackUpTheHierarchy(t *testing.T) {
	in := newMapInputs()
	in.addGroup(1, 0)
	in.addGroup(2, 1)
	in.addGroup(3, 2)
	in.member(1, 13, gitlab.DeveloperPermissions)
	withRole(in.member(2, 13, gitlab.ReporterPermissions), 7)
	acc := groupAcc(t, in, 3)
	if got := grantsOf(t, acc, 13); got != "developer,member_role_7" {
		t.Errorf("leaf: %q, want developer and the Auditor role's grant", got)
	}
	if got := grantsOf(t, groupAcc(t, in, 2), 13); got != "developer,member_role_7" {
		t.Errorf("mid (direct custom role below an inherited Developer): %q", got)
	}
}

// Minimal Access (5) exists on top-level groups only and is neither inherited nor shared
// (non_minimal_access in members_with_parents.rb; access_level > MINIMAL_ACCESS in
// project_authorizations.rb); awaiting members (membership_state awaiting) and expired
// memberships or shares give nothing; Planner (15) is a level like the others.
func TestAccessMinimalAwaitingExpiryPlanner(t *testing.T) {
	in := newMapInputs()
	in.addGroup(1, 0)
	in.addGroup(2, 1)
	in.addGroup(9, 0)
	in.share(2, 9, gitlab.DeveloperPermissions, 0)
	in.member(1, 1, gitlab.MinimalAccessPermissions)
	in.member(9, 2, gitlab.MinimalAccessPermissions)
	aw := in.member(1, 3, gitlab.DeveloperPermissions)
	aw.Awaiting = true
	in.member(1, 4, gitlab.PlannerPermissions)
	in.member(9, 4, gitlab.GuestPermissions)
	in.member(9, 5, gitlab.MaintainerPermissions) // Developer through the share; Maintainer only through the expired one
	in.groups[2].Shares = append(in.groups[2].Shares, groupShare{GroupID: 9, Level: gitlab.OwnerPermissions, ExpiresAt: "2026-01-01"})
	top, sub := groupAcc(t, in, 1), groupAcc(t, in, 2)
	for _, c := range []struct {
		acc  nodeAccess
		user int64
		want string
	}{
		{top, 1, "minimal_access"}, {sub, 1, ""}, {sub, 2, ""},
		{top, 3, ""}, {sub, 3, ""},
		{top, 4, "planner"}, {sub, 4, "planner"},
		{sub, 5, "developer"}, {top, 5, ""},
	} {
		if got := grantsOf(t, c.acc, c.user); got != c.want {
			t.Errorf("user %d: %q, want %q", c.user, got, c.want)
		}
	}
}

// The c1z model: a direct membership is a grant at its own level even where a share
// gives more, and the higher level is a second grant (so a grant provisioned below a
// shared level shows up in the next sync).
func TestAccessDirectBelowSharedLevelIsTwoGrants(t *testing.T) {
	in := newMapInputs()
	in.addGroup(1, 0)
	in.addGroup(2, 0)
	in.share(1, 2, gitlab.MaintainerPermissions, 0)
	in.member(2, 8, gitlab.OwnerPermissions)
	in.member(1, 8, gitlab.DeveloperPermissions)
	acc := groupAcc(t, in, 1)
	if got := grantsOf(t, acc, 8); got != "developer,maintainer" {
		t.Errorf("got %q", got)
	}
	gs := userGrants(testResource, acc[8])
	if len(gs) != 2 || isImmutable(gs[0]) || !isImmutable(gs[1]) {
		t.Errorf("want the direct grant mutable and the shared one immutable: %v", gs)
	}
}

// A membership expires on its expires_at date (Expirable#expired?: expires_at <= today;
// RemoveExpiredMembersWorker deletes it): the inputs leave it out from that date on.
func TestExpiredMembershipsLeaveTheInputsOnTheirDate(t *testing.T) {
	rows := []*apiMember{
		{ID: 1, AccessLevel: gitlab.DeveloperPermissions, ExpiresAt: "2026-06-30"},
		{ID: 2, AccessLevel: gitlab.DeveloperPermissions, ExpiresAt: "2026-07-01"},
		{ID: 3, AccessLevel: gitlab.DeveloperPermissions},
	}
	o := newOrganisationState(&Connector{}, time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC))
	var got []int64
	for _, m := range o.toDirectMembers(rows) {
		got = append(got, m.UserID)
	}
	if fmt.Sprint(got) != "[2 3]" {
		t.Errorf("kept %v on 2026-06-30, want [2 3] (user 1's membership expires that day)", got)
	}
}
