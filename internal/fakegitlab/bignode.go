package fakegitlab

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// BigGroupSpec sizes a BigGroupWorld: one top-level group with many direct members.
type BigGroupSpec struct {
	Members   int // direct members of the top-level group, the token's user included (at least 1)
	Subgroups int // subgroups below it, some nested (at least 0)
	Projects  int // projects below it, in the group or its subgroups (at least 0)
	Seed      int64
}

// DefaultBigGroupSpec is the customer shape the benchmarks measure: a top-level group of
// 30,000 members with 250 subgroups and 250 projects below it.
var DefaultBigGroupSpec = BigGroupSpec{Members: 30_000, Subgroups: 250, Projects: 250, Seed: 1}

// Ids of a BigGroupWorld: members are users 1..Members (1 is the token's user), the
// outside collaborators follow them; the top-level group is BigGroupID, its subgroups
// BigGroupID+1..BigGroupID+Subgroups; projects are BigProjectBase+1..BigProjectBase+Projects;
// the custom role is BigGroupRoleID.
const (
	BigGroupTokenUserID int64 = 1
	BigGroupID          int64 = LargeGroupBase + 1
	BigProjectBase      int64 = LargeProjectBase
	BigGroupRoleID      int64 = 1
	// BigGroupPath is the top-level group's full path.
	BigGroupPath = "bignode"
)

// BigGroupWorld generates one top-level group ("bignode") with spec.Members direct members
// and spec.Subgroups subgroups and spec.Projects projects below it: the shape of a company
// that keeps everyone in one group. Every member of the top-level group has access to
// every subgroup and project by inheritance, so a sync holds about
// Members × (1 + Subgroups + Projects) grants. The same spec and mode always give the
// same world (math/rand/v2 seeded with spec.Seed); 30,000 members build in milliseconds.
//
// Its shape:
//   - the token's user (id 1, "bignode-owner") is a direct Owner of the top-level group
//     (and an instance administrator in self-managed mode);
//   - the members (ids 1..Members) hold a mix of levels: Guest, Planner, Reporter,
//     Developer, Maintainer, Owner, Minimal Access (about 1%), and the custom role
//     BigGroupRoleID (about 0.5%); about 2% of the memberships expire, years after the
//     world's clock (so a binary judging expiry on the wall clock keeps them);
//     every member is active and none awaits a seat: each of them holds exactly one
//     grant on the top-level group;
//   - a fifth of the subgroups (at least one) sit directly under the top-level group,
//     the others under a random earlier subgroup, at most 4 levels deep in all;
//   - projects in the top-level group or a random subgroup;
//   - a few direct memberships below the top: on each subgroup 1-3 and on each project
//     1-2, each either a member of the top-level group raised to Maintainer there
//     (GitLab refuses a level below the inherited one; each such member gets at most one
//     raise, so nothing else is inherited) or an outside collaborator (a user in no
//     other group, ids after the members) at Developer;
//   - one pending invitation on the top-level group.
func BigGroupWorld(spec BigGroupSpec, mode Mode) *World {
	spec.Members = max(spec.Members, 1)
	spec.Subgroups = max(spec.Subgroups, 0)
	spec.Projects = max(spec.Projects, 0)
	seed := uint64(spec.Seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	w := NewWorld()
	w.Now = DemoNow
	now := w.Now
	w.Users = make(map[int64]*User, spec.Members+spec.Subgroups+spec.Projects)
	w.Groups = make(map[int64]*Group, 1+spec.Subgroups)
	w.Projects = make(map[int64]*Project, spec.Projects)

	day := 24 * time.Hour
	epoch := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	randTime := func(from, to time.Time) time.Time {
		span := int64(to.Sub(from) / time.Second)
		if span <= 0 {
			return from
		}
		return from.Add(time.Duration(rng.Int64N(span)) * time.Second)
	}

	top := w.AddGroup(&Group{
		ID: BigGroupID, Path: BigGroupPath, Name: "Big Node", Visibility: "private",
		Description: "One top-level group with every employee in it", CreatedAt: epoch,
	})
	role := &MemberRole{
		ID: BigGroupRoleID, Name: "Security Auditor", BaseAccessLevel: Reporter,
		Permissions: []string{"read_vulnerability", "read_code"},
	}
	if mode == ModeGitLabCom {
		role.GroupID = top.ID // custom roles belong to a top-level group on gitlab.com
	}
	w.MemberRoles[role.ID] = role

	// Members of the top-level group.
	owner := &User{
		ID: BigGroupTokenUserID, Username: "bignode-owner", Name: "Big Node Owner",
		Email: "bignode-owner@bignode.example", IsAdmin: mode == ModeSelfManaged,
		TwoFactorEnabled: true, CreatedAt: epoch,
	}
	signIn := now.Add(-time.Hour)
	owner.CurrentSignInAt, owner.LastSignInAt = &signIn, &signIn
	w.AddUser(owner)
	w.TokenUserID = owner.ID
	w.SetGroupMember(top.ID, &Member{UserID: owner.ID, AccessLevel: Owner, CreatedAt: epoch})

	levels := []AccessLevel{Guest, Guest, Guest, Planner, Reporter, Reporter, Reporter,
		Developer, Developer, Developer, Developer, Maintainer, Maintainer, Owner}
	topLevel := make([]AccessLevel, spec.Members+1) // by member id
	topLevel[owner.ID] = Owner
	for id := int64(2); id <= int64(spec.Members); id++ {
		n := strconv.FormatInt(id, 10)
		u := &User{
			ID: id, Username: "member-" + n, Name: "Member " + n, Email: "member-" + n + "@bignode.example",
			CreatedAt: randTime(epoch, now.Add(-30*day)), TwoFactorEnabled: rng.IntN(3) == 0,
		}
		if id%211 == 7 {
			u.Name = "Zoë Łukasiewicz " + n
		}
		if rng.IntN(10) != 0 { // 10% never signed in
			last := randTime(u.CreatedAt, now)
			u.LastSignInAt, u.CurrentSignInAt = &last, &last
		}
		w.AddUser(u)
		m := &Member{UserID: id, AccessLevel: levels[rng.IntN(len(levels))], CreatedAt: randTime(u.CreatedAt, now.Add(-day)), CreatedByID: owner.ID}
		switch r := rng.IntN(1000); {
		case r < 10:
			m.AccessLevel = MinimalAccess
		case r < 15:
			m.AccessLevel, m.MemberRoleID = role.BaseAccessLevel, role.ID
		}
		if rng.IntN(100) < 2 {
			m.ExpiresAt = now.AddDate(5, 0, rng.IntN(365)).Format(time.DateOnly)
		}
		w.SetGroupMember(top.ID, m)
		topLevel[id] = m.AccessLevel
	}

	// Subgroups: a fifth directly under the top-level group, the rest under an earlier
	// subgroup less than 4 levels deep.
	type node struct {
		id    int64
		depth int // 1 for the top-level group
	}
	groups := []node{{top.ID, 1}}
	var shallow []int // indexes into groups of groups less than 4 deep
	shallow = append(shallow, 0)
	direct := max(spec.Subgroups/5, 1)
	for i := 1; i <= spec.Subgroups; i++ {
		parent := 0
		if i > direct {
			parent = shallow[1+rng.IntN(len(shallow)-1)] // a subgroup, never the top
		}
		g := w.AddGroup(&Group{
			ID: BigGroupID + int64(i), ParentID: groups[parent].id, Visibility: "private",
			Path: "team-" + strconv.Itoa(i), Name: "Team " + strconv.Itoa(i),
			Description: "Generated subgroup", CreatedAt: randTime(epoch, now.Add(-365*day)),
		})
		groups = append(groups, node{g.ID, groups[parent].depth + 1})
		if groups[len(groups)-1].depth < 4 {
			shallow = append(shallow, len(groups)-1)
		}
	}

	// Projects, in the top-level group or any subgroup.
	projects := make([]int64, 0, spec.Projects)
	for i := 1; i <= spec.Projects; i++ {
		p := w.AddProject(&Project{
			ID: BigProjectBase + int64(i), GroupID: groups[rng.IntN(len(groups))].id, Visibility: "private",
			Path: "project-" + strconv.Itoa(i), Name: "Project " + strconv.Itoa(i),
			Description: "Generated project", CreatedAt: randTime(epoch, now.Add(-day)),
		})
		projects = append(projects, p.ID)
	}

	// A few direct memberships below the top: a member raised to Maintainer (at most one
	// raise per member, from Developer or below, so the raise is above anything
	// inherited) or an outside collaborator at Developer.
	raised := map[int64]bool{}
	nextOutsider := int64(spec.Members) + 1
	extra := func(set func(*Member)) {
		if rng.IntN(2) == 0 && spec.Members > 1 {
			for range 20 { // a member who can be raised; give up quietly when unlucky
				id := 2 + rng.Int64N(int64(spec.Members-1))
				if raised[id] || topLevel[id] > Developer || topLevel[id] == MinimalAccess {
					continue
				}
				raised[id] = true
				set(&Member{UserID: id, AccessLevel: Maintainer, CreatedAt: randTime(epoch, now.Add(-day)), CreatedByID: owner.ID})
				return
			}
		}
		n := strconv.FormatInt(nextOutsider, 10)
		w.AddUser(&User{
			ID: nextOutsider, Username: "collaborator-" + n, Name: "Collaborator " + n,
			Email: "collaborator-" + n + "@partner.example", External: true,
			CreatedAt: randTime(epoch, now.Add(-30*day)),
		})
		set(&Member{UserID: nextOutsider, AccessLevel: Developer, CreatedAt: randTime(epoch, now.Add(-day)), CreatedByID: owner.ID})
		nextOutsider++
	}
	for _, g := range groups[1:] {
		for range 1 + rng.IntN(3) {
			extra(func(m *Member) { w.SetGroupMember(g.id, m) })
		}
	}
	for _, pid := range projects {
		for range 1 + rng.IntN(2) {
			extra(func(m *Member) { w.SetProjectMember(pid, m) })
		}
	}

	w.GroupInvitations[top.ID] = []*Invitation{{
		ID: 1, Email: "new-hire@bignode.example", AccessLevel: Developer,
		CreatedAt: now.Add(-day), CreatedByID: owner.ID,
	}}
	w.Reserve(BigProjectBase + int64(spec.Projects))
	return w
}
