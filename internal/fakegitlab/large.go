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
}

// Id ranges of large worlds: users are 1..Users (1 is the token's user), groups start
// at LargeGroupBase+1 and projects at LargeProjectBase+1, custom roles are 1..3.
const (
	LargeTokenUserID int64 = 1
	LargeGroupBase   int64 = 10_000_000
	LargeProjectBase int64 = 20_000_000
)

// LargeWorld generates a big, deterministic world: the same spec and mode always give
// the same world (math/rand/v2 seeded with spec.Seed). It builds 100,000 users in well
// under a few seconds (see BenchmarkLargeWorld100k).
//
// Its shape:
//   - the token's user (id 1, "large-admin") is a direct Owner of every top-level group
//     and an instance administrator in self-managed mode;
//   - several top-level groups (about one group in ten, at least one) and subgroups
//     under random parents, at most 4 levels deep;
//   - projects spread over the groups, plus about 1% personal projects;
//   - about 5% of users belong to nothing (in gitlab.com mode they are Outsiders:
//     public users of the site outside the organisation); about 3% are members of
//     projects only; the others hold 1 to 3 group memberships;
//   - every access level (Minimal Access on top-level groups only), never below a level
//     inherited from an ancestor group (GitLab refuses that);
//   - three custom roles (ids 1..3) held by about 1% of the memberships;
//   - about 3% of memberships expire; group shares (about 5% of groups) and project
//     shares (about 3% of projects) with other top-level groups;
//   - blocked (2%), deactivated (1%), banned (0.5%) and external (1%) users, and one
//     access-token bot per 50 projects, Maintainer of its project;
//   - a pending invitation on each top-level group.
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
	// less than 4 levels deep.
	tops := spec.Groups / 10
	if tops < 1 {
		tops = 1
	}
	if tops > spec.Groups {
		tops = spec.Groups
	}
	groupIDs := make([]int64, spec.Groups)
	depth := make([]int8, spec.Groups)    // 1 for top-level
	parentIdx := make([]int, spec.Groups) // index into groupIDs, -1 for top-level
	var shallow []int                     // indexes of groups with depth < 4
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
		if depth[i] < 4 {
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

	// Group shares with another top-level hierarchy.
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

	// A pending invitation on each top-level group.
	for gi := 0; gi < tops; gi++ {
		w.GroupInvitations[groupIDs[gi]] = []*Invitation{{
			ID: int64(gi + 1), Email: "invitee-" + strconv.Itoa(gi+1) + "@large.example",
			AccessLevel: Developer, CreatedAt: now.Add(-day), CreatedByID: admin.ID,
		}}
	}
	return w
}
