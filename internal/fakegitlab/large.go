package fakegitlab

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// LargeSpec sizes a generated world.
type LargeSpec struct {
	Users    int // people, the token's user included (at least 1); bots come on top
	Groups   int // groups and subgroups (at least 1)
	Projects int
	Seed     int64

	// The fields below are optional: their zero values give the worlds generated before
	// they existed, unchanged.

	// TopLevelGroups is how many of the groups are top-level (at most Groups); 0: about
	// one group in ten, at least one. Set, with one top-level group, the group and project
	// shares (about 5% of groups, 3% of projects) are between groups of that one
	// hierarchy (never with the shared group itself, an ancestor or a descendant), as in
	// a GitLab.com organisation: one top-level group with a subgroup tree.
	TopLevelGroups int
	// MaxDepth is the deepest level of a group, 1 being top-level (GitLab allows 20);
	// 0: 4.
	MaxDepth int
	// OutsideShares (gitlab.com mode): where LargeOutsideGroupID, a private group outside
	// the organisation, is shared into it.
	OutsideShares OutsideShares
}

// OutsideShares says where a gitlab.com-mode large world shares LargeOutsideGroupID, the
// private group outside the organisation the token's user cannot read (a "hidden share":
// its members' access shows only in members/all and the billable members).
type OutsideShares int

const (
	// OutsideDefault: into the first top-level group, a subgroup of another hierarchy
	// (the same one when there is only one) and a project.
	OutsideDefault OutsideShares = iota
	// OutsideNone: no outside group, no hidden share.
	OutsideNone
	// OutsideSubgroup: into one subgroup only (a top-level group when there is none).
	OutsideSubgroup
)

// Id ranges of large worlds: users are 1..Users (1 is the token's user), groups start
// at LargeGroupBase+1 and projects at LargeProjectBase+1, custom roles are 1..3.
const (
	LargeTokenUserID int64 = 1
	LargeGroupBase   int64 = 10_000_000
	LargeProjectBase int64 = 20_000_000
	// LargeOutsideGroupID is the private top-level group outside the organisation that a
	// gitlab.com-mode large world shares into it (the token's user is not a member).
	LargeOutsideGroupID int64 = LargeProjectBase - 1
)

// LargeWorld generates a big, deterministic world: the same spec and mode always give
// the same world (math/rand/v2 seeded with spec.Seed). It builds 100,000 users in well
// under a few seconds (see BenchmarkLargeWorld100k).
//
// Its shape:
//   - the token's user (id 1, "large-admin") is a direct Owner of every top-level group
//     and an instance administrator in self-managed mode;
//   - several top-level groups (about one group in ten, at least one; exactly
//     spec.TopLevelGroups when set) and subgroups under random parents, at most 4 levels
//     deep (spec.MaxDepth when set);
//   - projects spread over the groups, plus about 1% personal projects;
//   - about 5% of users belong to nothing of the organisation (in gitlab.com mode they
//     are Outsiders: public users of the site outside the organisation, a few of them
//     members of LargeOutsideGroupID); about 3% are members of
//     projects only; the others hold 1 to 3 group memberships;
//   - every access level (Minimal Access on top-level groups only), never below a level
//     inherited from an ancestor group (GitLab refuses that);
//   - three custom roles (ids 1..3) held by about 1% of the memberships;
//   - about 3% of memberships expire; group shares (about 5% of groups) and project
//     shares (about 3% of projects) with other top-level groups (with one explicit
//     top-level group, spec.TopLevelGroups 1: with unrelated groups of its hierarchy);
//   - blocked (2%), deactivated (1%), banned (0.5%) and external (1%) users, and one
//     access-token bot per 50 projects, Maintainer of its project;
//   - a pending invitation on each top-level group;
//   - credentials (addLargeCredentials, its own random source): the bots' access
//     tokens, people's personal access tokens and SSH keys, deploy keys and tokens;
//   - the shapes that tell effective-access rules apart (addLargeShapes, with its own
//     random source so the rest of the world does not change): group shares into
//     subgroups; chained shares (a project shared with group B, B shared with group C,
//     and B's parent shared with group D); a share_with_group_lock'd group with project
//     shares below it; stacked custom roles (a custom role on a top-level group and a
//     higher level, or on self-managed another role, in a subgroup); group shares at
//     exactly a member's level, with and without a link member_role_id, and above a
//     member's level with one; in gitlab.com mode one more group, LargeOutsideGroupID, a
//     PRIVATE top-level group outside the organisation (the token's user is not a
//     member, its members are outsiders) shared into a top-level group, a subgroup and a
//     project (spec.OutsideShares: into one subgroup only, or no outside group at all).
func LargeWorld(spec LargeSpec, mode Mode) *World {
	if spec.Users < 1 {
		spec.Users = 1
	}
	if spec.Groups < 1 {
		spec.Groups = 1
	}
	seed := uint64(spec.Seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	w := NewWorld()
	w.Now = DemoNow
	now := w.Now
	w.Users = make(map[int64]*User, spec.Users)
	w.Groups = make(map[int64]*Group, spec.Groups)
	w.Projects = make(map[int64]*Project, spec.Projects)
	w.GroupMembers = make(map[int64]map[int64]*Member, spec.Groups)
	w.ProjectMembers = make(map[int64]map[int64]*Member, spec.Projects/2+1)

	day := 24 * time.Hour
	epoch := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	randTime := func(from time.Time, to time.Time) time.Time {
		span := int64(to.Sub(from) / time.Second)
		if span <= 0 {
			return from
		}
		return from.Add(time.Duration(rng.Int64N(span)) * time.Second)
	}

	// Custom roles.
	roles := []*MemberRole{
		{ID: 1, Name: "Security Auditor", BaseAccessLevel: Reporter, Permissions: []string{"read_vulnerability", "read_code"}},
		{ID: 2, Name: "Release Manager", BaseAccessLevel: Developer, Permissions: []string{"admin_merge_request", "admin_push_rules"}},
		{ID: 3, Name: "Triage", BaseAccessLevel: Guest, Permissions: []string{"read_code"}},
	}

	// Groups: the first tops are top-level, the rest hang under a random group that is
	// less than maxDepth levels deep.
	tops := spec.Groups / 10
	if spec.TopLevelGroups > 0 {
		tops = spec.TopLevelGroups
	}
	if tops < 1 {
		tops = 1
	}
	maxDepth := int8(4)
	if spec.MaxDepth > 0 {
		maxDepth = int8(min(spec.MaxDepth, 20))
	}
	if tops > spec.Groups {
		tops = spec.Groups
	}
	groupIDs := make([]int64, spec.Groups)
	depth := make([]int8, spec.Groups)    // 1 for top-level
	parentIdx := make([]int, spec.Groups) // index into groupIDs, -1 for top-level
	var shallow []int                     // indexes of groups with depth < maxDepth
	for i := 0; i < spec.Groups; i++ {
		id := LargeGroupBase + int64(i+1)
		groupIDs[i] = id
		g := &Group{
			ID:          id,
			Visibility:  "private",
			CreatedAt:   randTime(epoch, now.Add(-365*day)),
			Description: "Generated group",
		}
		if i < tops {
			parentIdx[i] = -1
			depth[i] = 1
			g.Path = "org-" + strconv.Itoa(i+1)
			g.Name = "Org " + strconv.Itoa(i+1)
		} else {
			p := shallow[rng.IntN(len(shallow))]
			parentIdx[i] = p
			depth[i] = depth[p] + 1
			g.ParentID = groupIDs[p]
			g.Path = "team-" + strconv.Itoa(i+1)
			g.Name = "Team " + strconv.Itoa(i+1)
		}
		if i%97 == 5 {
			g.Name += " Équipe" // some non-ASCII names
		}
		if depth[i] < maxDepth {
			shallow = append(shallow, i)
		}
		w.Groups[id] = g
	}
	w.Reserve(LargeGroupBase + int64(spec.Groups))
	for i, r := range roles {
		if mode == ModeGitLabCom {
			r.GroupID = groupIDs[i%tops] // custom roles belong to a top-level group on gitlab.com
		}
		w.MemberRoles[r.ID] = r
	}
	rootIdx := func(i int) int {
		for parentIdx[i] >= 0 {
			i = parentIdx[i]
		}
		return i
	}

	// Users.
	type membership struct {
		group int // index into groupIDs
		level AccessLevel
	}
	memberships := make([][]membership, spec.Users+1) // by user id; only while building
	levels := []AccessLevel{Guest, Guest, Planner, Reporter, Reporter, Developer, Developer, Developer, Maintainer, Maintainer, Owner}
	pickLevel := func() AccessLevel { return levels[rng.IntN(len(levels))] }
	// member makes a direct membership; root is the top-level group it is under (-1 for
	// a personal project), since on gitlab.com a custom role belongs to one top-level group.
	member := func(userID int64, level AccessLevel, root int) *Member {
		m := &Member{UserID: userID, AccessLevel: level, MembershipState: "active", CreatedAt: randTime(epoch, now.Add(-day))}
		if rng.IntN(100) < 3 {
			m.ExpiresAt = now.AddDate(0, 0, 1+rng.IntN(365)).Format("2006-01-02")
		}
		if rng.IntN(100) < 1 && level != MinimalAccess {
			r := roles[rng.IntN(len(roles))]
			if mode == ModeSelfManaged || (root >= 0 && r.GroupID == groupIDs[root]) {
				m.MemberRoleID, m.AccessLevel = r.ID, r.BaseAccessLevel
			}
		}
		return m
	}
	setGroupMember := func(gi int, m *Member) {
		gid := groupIDs[gi]
		mm := w.GroupMembers[gid]
		if mm == nil {
			mm = map[int64]*Member{}
			w.GroupMembers[gid] = mm
		}
		mm[m.UserID] = m
	}
	// inherited is the highest level the user holds in an ancestor of group gi.
	inherited := func(userID int64, gi int) AccessLevel {
		best := NoAccess
		for _, ms := range memberships[userID] {
			for a := parentIdx[gi]; a >= 0; a = parentIdx[a] {
				if a == ms.group && ms.level > best && ms.level != MinimalAccess {
					best = ms.level
				}
			}
		}
		return best
	}

	admin := &User{
		ID: LargeTokenUserID, Username: "large-admin", Name: "Large Admin",
		Email: "large-admin@large.example", State: StateActive, IsAdmin: mode == ModeSelfManaged,
		TwoFactorEnabled: true, CreatedAt: epoch,
	}
	signIn := now.Add(-time.Hour)
	admin.CurrentSignInAt, admin.LastSignInAt = &signIn, &signIn
	w.Users[admin.ID] = admin
	w.TokenUserID = admin.ID
	for gi := 0; gi < tops; gi++ {
		setGroupMember(gi, &Member{UserID: admin.ID, AccessLevel: Owner, MembershipState: "active", CreatedAt: epoch})
		memberships[admin.ID] = append(memberships[admin.ID], membership{gi, Owner})
	}

	var projectOnly []int64 // users who will get project memberships only
	var affiliated []int64  // users in some group or project (owners of personal projects)
	for id := int64(2); id <= int64(spec.Users); id++ {
		n := strconv.FormatInt(id, 10)
		u := &User{
			ID:        id,
			Username:  "user-" + n,
			Name:      "User " + n,
			Email:     "user-" + n + "@large.example",
			State:     StateActive,
			CreatedAt: randTime(epoch, now.Add(-30*day)),
		}
		if id%211 == 7 {
			u.Name = "Zoë Łukasiewicz " + n
		}
		switch r := rng.IntN(1000); {
		case r < 20:
			u.State = StateBlocked
		case r < 30:
			u.State = StateDeactivated
		case r < 35:
			u.State = StateBanned
		}
		u.External = rng.IntN(100) == 0
		u.TwoFactorEnabled = rng.IntN(3) == 0
		if rng.IntN(10) != 0 { // 10% never signed in
			last := randTime(u.CreatedAt, now)
			cur := randTime(last, now)
			act := cur.Truncate(day)
			u.LastSignInAt, u.CurrentSignInAt, u.LastActivityOn = &last, &cur, &act
		}
		w.Users[id] = u

		switch r := rng.IntN(100); {
		case r < 5: // in nothing
			if mode == ModeGitLabCom {
				u.Outsider = true
				u.Email = "user-" + n + "@example.net"
			}
			continue
		case r < 8:
			projectOnly = append(projectOnly, id)
			affiliated = append(affiliated, id)
			continue
		}
		affiliated = append(affiliated, id)
		// Ancestors first, so that a subgroup membership never goes below an inherited level.
		picks := make([]int, 1+rng.IntN(3))
		for k := range picks {
			picks[k] = rng.IntN(spec.Groups)
		}
		slices.SortStableFunc(picks, func(a, b int) int { return int(depth[a]) - int(depth[b]) })
		for _, gi := range picks {
			level := pickLevel()
			if depth[gi] == 1 && rng.IntN(100) == 0 {
				level = MinimalAccess // top-level groups only
			}
			m := member(id, level, rootIdx(gi))
			if floor := inherited(id, gi); m.AccessLevel < floor {
				m.AccessLevel, m.MemberRoleID = floor, 0
			}
			setGroupMember(gi, m)
			memberships[id] = append(memberships[id], membership{gi, m.AccessLevel})
		}
	}
	w.Reserve(int64(spec.Users))

	// related: group a is group b, an ancestor or a descendant of it.
	related := func(a, b int) bool {
		for i := b; i >= 0; i = parentIdx[i] {
			if i == a {
				return true
			}
		}
		for i := a; i >= 0; i = parentIdx[i] {
			if i == b {
				return true
			}
		}
		return false
	}
	// One explicit hierarchy: its shares are between its own groups.
	within := spec.TopLevelGroups > 0 && tops == 1 && spec.Groups > 1

	// Group shares with another top-level hierarchy (with another group of the hierarchy
	// when within).
	if within {
		for gi := 0; gi < spec.Groups; gi++ {
			if rng.IntN(100) >= 5 {
				continue
			}
			with := rng.IntN(spec.Groups)
			if related(gi, with) {
				continue
			}
			lvl := []AccessLevel{Guest, Reporter, Developer}[rng.IntN(3)]
			w.GroupShares[groupIDs[gi]] = append(w.GroupShares[groupIDs[gi]], Share{GroupID: groupIDs[with], AccessLevel: lvl})
		}
	}
	if tops > 1 {
		for gi := 0; gi < spec.Groups; gi++ {
			if rng.IntN(100) >= 5 {
				continue
			}
			with := rng.IntN(tops)
			if with == rootIdx(gi) {
				continue
			}
			lvl := []AccessLevel{Guest, Reporter, Developer}[rng.IntN(3)]
			w.GroupShares[groupIDs[gi]] = append(w.GroupShares[groupIDs[gi]], Share{GroupID: groupIDs[with], AccessLevel: lvl})
		}
	}

	// Projects.
	var projectIDs []int64
	for i := 0; i < spec.Projects; i++ {
		id := LargeProjectBase + int64(i+1)
		p := &Project{
			ID: id, Path: "project-" + strconv.Itoa(i+1), Name: "Project " + strconv.Itoa(i+1),
			Visibility: "private", CreatedAt: randTime(epoch, now.Add(-day)), Description: "Generated project",
		}
		if rng.IntN(100) == 0 && len(affiliated) > 0 {
			owner := affiliated[rng.IntN(len(affiliated))]
			p.OwnerID = owner
			w.Projects[id] = p
			w.SetProjectMember(id, &Member{UserID: owner, AccessLevel: Owner, CreatedAt: p.CreatedAt})
		} else {
			gi := rng.IntN(spec.Groups)
			p.GroupID = groupIDs[gi]
			w.Projects[id] = p
			if tops > 1 && rng.IntN(100) < 3 {
				if with := rng.IntN(tops); with != rootIdx(gi) {
					w.ProjectShares[id] = append(w.ProjectShares[id], Share{GroupID: groupIDs[with], AccessLevel: Reporter})
				}
			}
			if within && rng.IntN(100) < 3 {
				if with := rng.IntN(spec.Groups); !related(with, gi) {
					w.ProjectShares[id] = append(w.ProjectShares[id], Share{GroupID: groupIDs[with], AccessLevel: Reporter})
				}
			}
		}
		projectIDs = append(projectIDs, id)
	}
	w.Reserve(LargeProjectBase + int64(spec.Projects))

	// Project-only members, then one bot per 50 projects.
	if len(projectIDs) > 0 {
		for _, uid := range projectOnly {
			for k, count := 0, 1+rng.IntN(2); k < count; k++ {
				pid := projectIDs[rng.IntN(len(projectIDs))]
				root := -1
				if g := w.Projects[pid].GroupID; g != 0 {
					root = rootIdx(int(g - LargeGroupBase - 1))
				}
				m := member(uid, pickLevel(), root)
				if m.AccessLevel == Owner {
					m.AccessLevel = Maintainer
				}
				w.SetProjectMember(pid, m)
			}
		}
		nextBot := int64(spec.Users) + 1
		for i := 0; i < len(projectIDs); i += 50 {
			pid := projectIDs[i]
			bot := &User{
				ID: nextBot, Username: "project_" + strconv.FormatInt(pid, 10) + "_bot_1", Name: "Deploy bot",
				Email: "project_" + strconv.FormatInt(pid, 10) + "_bot_1@noreply.large.example",
				State: StateActive, Bot: true, CreatedAt: randTime(epoch, now),
			}
			w.Users[bot.ID] = bot
			w.SetProjectMember(pid, &Member{UserID: bot.ID, AccessLevel: Maintainer, CreatedAt: bot.CreatedAt})
			nextBot++
		}
		w.Reserve(nextBot)
	}

	addLargeShapes(w, largeShapesIn{
		seed: seed, mode: mode, groupIDs: groupIDs, parentIdx: parentIdx, tops: tops,
		projectIDs: projectIDs, roles: roles, epoch: epoch, within: within, outside: spec.OutsideShares,
	})

	// A pending invitation on each top-level group.
	for gi := 0; gi < tops; gi++ {
		w.GroupInvitations[groupIDs[gi]] = []*Invitation{{
			ID: int64(gi + 1), Email: "invitee-" + strconv.Itoa(gi+1) + "@large.example",
			AccessLevel: Developer, CreatedAt: now.Add(-day), CreatedByID: admin.ID,
		}}
	}
	addLargeIdentities(w, mode)                               // large_identities.go
	addLargeCredentials(w, seed, groupIDs[:tops], projectIDs) // credentials_large.go
	return w
}

// largeShapesIn is what addLargeShapes needs from LargeWorld's generation.
type largeShapesIn struct {
	seed       uint64
	mode       Mode
	groupIDs   []int64
	parentIdx  []int // index into groupIDs, -1 for top-level
	tops       int
	projectIDs []int64
	roles      []*MemberRole
	epoch      time.Time
	within     bool          // one explicit hierarchy (LargeSpec.TopLevelGroups 1)
	outside    OutsideShares // LargeSpec.OutsideShares
}

// addLargeShapes adds the shapes that tell effective-access rules apart (see LargeWorld).
// It draws from its own random source, so the world LargeWorld built before does not
// change. New memberships go to users who have none in the hierarchy they join, so no
// membership is ever below an inherited one.
func addLargeShapes(w *World, in largeShapesIn) {
	if len(in.groupIDs) < 2 {
		return
	}
	rng := rand.New(rand.NewPCG(in.seed^0x2545f4914f6cdd1d, in.seed+0x9e3779b97f4a7c15))
	created := in.epoch.AddDate(5, 0, 0)
	idx := map[int64]int{}
	for i, id := range in.groupIDs {
		idx[id] = i
	}
	root := func(i int) int {
		for in.parentIdx[i] >= 0 {
			i = in.parentIdx[i]
		}
		return i
	}
	// subgroupsOf lists the groups below top-level group t (indexes, generation order).
	subgroupsOf := func(t int) []int {
		var out []int
		for i := range in.groupIDs {
			if i != t && root(i) == t {
				out = append(out, i)
			}
		}
		return out
	}
	isAncestor := func(a, b int) bool { // a is b or an ancestor of b
		for i := b; i >= 0; i = in.parentIdx[i] {
			if i == a {
				return true
			}
		}
		return false
	}
	// Users with group memberships, and the hierarchies they are in.
	inRoot := map[int64]map[int]bool{}
	for gid, ms := range w.GroupMembers {
		i, ok := idx[gid]
		if !ok {
			continue
		}
		for uid := range ms {
			if inRoot[uid] == nil {
				inRoot[uid] = map[int]bool{}
			}
			inRoot[uid][root(i)] = true
		}
	}
	var people []int64
	for uid := range inRoot {
		if u := w.Users[uid]; uid != LargeTokenUserID && u != nil && !u.Bot {
			people = append(people, uid)
		}
	}
	slices.Sort(people)
	used := map[int64]bool{}
	// pickUser: a group member with no membership in hierarchy t, not picked before.
	pickUser := func(t int) int64 {
		if len(people) == 0 {
			return 0
		}
		start := rng.IntN(len(people))
		for k := range people {
			uid := people[(start+k)%len(people)]
			if !used[uid] && !inRoot[uid][t] {
				used[uid] = true
				return uid
			}
		}
		return 0
	}
	join := func(gi int, uid int64, level AccessLevel, role int64) {
		if uid == 0 {
			return
		}
		w.SetGroupMember(in.groupIDs[gi], &Member{UserID: uid, AccessLevel: level, MemberRoleID: role, CreatedAt: created, CreatedByID: LargeTokenUserID})
		if inRoot[uid] == nil {
			inRoot[uid] = map[int]bool{}
		}
		inRoot[uid][root(gi)] = true
	}
	share := func(gi, with int, level AccessLevel, role int64) {
		gid := in.groupIDs[gi]
		w.GroupShares[gid] = append(w.GroupShares[gid], Share{GroupID: in.groupIDs[with], AccessLevel: level, MemberRoleID: role})
	}
	// roleOf is custom role r's top-level group index (gitlab.com), -1 on self-managed.
	roleOf := func(r *MemberRole) int {
		if in.mode == ModeSelfManaged {
			return -1
		}
		return idx[r.GroupID]
	}
	// deepIn picks a subgroup of top-level group t (the group itself when it has none).
	deepIn := func(t int) int {
		subs := subgroupsOf(t)
		if len(subs) == 0 {
			return t
		}
		return subs[rng.IntN(len(subs))]
	}
	other := func(t int) int { // another top-level group than t (t itself when alone)
		if in.tops < 2 {
			return t
		}
		return (t + 1 + rng.IntN(in.tops-1)) % in.tops
	}

	auditor := in.roles[0] // Security Auditor, base Reporter
	t0 := max(roleOf(auditor), 0)

	// An equal-level share WITHOUT a link role (the member's custom role does not apply,
	// Authz::MemberRoleInSharedResource), into a subgroup of another hierarchy.
	x := deepIn(t0)
	g := deepIn(other(t0))
	for try := 0; in.within && try < 100 && (isAncestor(g, x) || isAncestor(x, g)); try++ {
		g = deepIn(t0) // not x itself, an ancestor or a descendant of it
	}
	join(x, pickUser(t0), Reporter, auditor.ID)
	join(x, pickUser(t0), Developer, 0)
	share(g, x, Reporter, 0)

	// An equal-level share WITH a link role, and a member above the link: the link's role
	// must belong to the shared group's hierarchy (gitlab.com), so both groups are in t0's.
	subs := subgroupsOf(t0)
	var g2, x2 = -1, -1
	for _, a := range subs {
		for _, b := range subs {
			if a != b && !isAncestor(a, b) && !isAncestor(b, a) {
				g2, x2 = a, b
				break
			}
		}
		if g2 >= 0 {
			break
		}
	}
	if g2 < 0 && in.mode == ModeSelfManaged {
		g2, x2 = deepIn(other(t0)), x
	}
	if g2 >= 0 {
		join(x2, pickUser(t0), Reporter, auditor.ID)
		join(x2, pickUser(t0), Reporter, 0)
		join(x2, pickUser(t0), Maintainer, 0)
		share(g2, x2, Reporter, auditor.ID)
	}

	// Stacked custom roles: a role on a top-level group and a higher plain level in a
	// subgroup (each role on its own hierarchy on gitlab.com); on self-managed also a
	// second role below the first (Triage on top, Release Manager below).
	for _, r := range in.roles {
		t := roleOf(r)
		if t < 0 {
			t = 0
		}
		sub := deepIn(t)
		if sub == t {
			continue
		}
		uid := pickUser(t)
		join(t, uid, r.BaseAccessLevel, r.ID)
		join(sub, uid, Maintainer, 0)
	}
	if in.mode == ModeSelfManaged && len(in.roles) >= 3 {
		if sub := deepIn(0); sub != 0 {
			uid := pickUser(0)
			join(0, uid, in.roles[2].BaseAccessLevel, in.roles[2].ID)   // Triage (Guest)
			join(sub, uid, in.roles[1].BaseAccessLevel, in.roles[1].ID) // Release Manager (Developer)
		}
	}

	// Chained shares: project P shared with B; B shared with C; B's parent shared with D.
	if in.tops >= 2 && len(in.projectIDs) > 0 {
		for k := 0; k < 3; k++ {
			p := w.Projects[in.projectIDs[rng.IntN(len(in.projectIDs))]]
			pt := -1
			if p.GroupID != 0 {
				pt = root(idx[p.GroupID])
			}
			bt := other(max(pt, 0))
			b := deepIn(bt)
			c := deepIn(other(bt))
			w.ProjectShares[p.ID] = append(w.ProjectShares[p.ID], Share{GroupID: in.groupIDs[b], AccessLevel: Developer})
			share(b, c, Maintainer, 0)
			join(c, pickUser(root(c)), Owner, 0)
			if parent := in.parentIdx[b]; parent >= 0 {
				d := deepIn(other(bt))
				share(parent, d, Reporter, 0)
				join(d, pickUser(root(d)), Maintainer, 0)
			}
		}
	}

	// A share_with_group_lock'd subgroup with project shares below it (they give nothing).
	if in.tops >= 2 {
		lockT := in.tops - 1
		lock := deepIn(lockT)
		w.SetShareWithGroupLock(in.groupIDs[lock], true)
		var below []int64
		for _, pid := range in.projectIDs {
			if p := w.Projects[pid]; p.GroupID != 0 && isAncestor(lock, idx[p.GroupID]) {
				below = append(below, pid)
			}
		}
		if len(below) > 0 {
			pid := below[rng.IntN(len(below))]
			w.ProjectShares[pid] = append(w.ProjectShares[pid], Share{GroupID: in.groupIDs[deepIn(other(lockT))], AccessLevel: Developer})
		}
	}

	// gitlab.com: a private group outside the organisation, shared into it.
	if in.mode == ModeGitLabCom && in.outside != OutsideNone {
		var outsiders []int64
		for _, u := range w.SortedUsers() {
			if u.Outsider {
				outsiders = append(outsiders, u.ID)
			}
		}
		if len(outsiders) > 10 {
			outsiders = outsiders[:10]
		}
		w.Groups[LargeOutsideGroupID] = &Group{
			ID: LargeOutsideGroupID, Name: "Outside Vendor", Path: "outside-vendor",
			Visibility: "private", Description: "A partner's group, outside the organisation",
			CreatedAt: in.epoch,
		}
		w.Reserve(LargeOutsideGroupID)
		for k, uid := range outsiders {
			level := Developer
			switch k {
			case 0:
				level = Owner
			case 1:
				level = Maintainer
			case 2:
				level = Guest
			}
			w.SetGroupMember(LargeOutsideGroupID, &Member{UserID: uid, AccessLevel: level, CreatedAt: created})
		}
		outside := Share{GroupID: LargeOutsideGroupID, AccessLevel: Reporter}
		if in.outside == OutsideSubgroup {
			sub := deepIn(0)
			outside.AccessLevel = Developer
			w.GroupShares[in.groupIDs[sub]] = append(w.GroupShares[in.groupIDs[sub]], outside)
			return
		}
		w.GroupShares[in.groupIDs[0]] = append(w.GroupShares[in.groupIDs[0]], outside)
		sub := deepIn(other(0))
		outside.AccessLevel = Developer
		w.GroupShares[in.groupIDs[sub]] = append(w.GroupShares[in.groupIDs[sub]], outside)
		if len(in.projectIDs) > 0 {
			pid := in.projectIDs[rng.IntN(len(in.projectIDs))]
			w.ProjectShares[pid] = append(w.ProjectShares[pid], outside)
		}
	}
}
