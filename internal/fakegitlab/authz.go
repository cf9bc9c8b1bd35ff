package fakegitlab

import (
	"sync"
)

// Project authorizations, computed per user the way GitLab computes them:
// lib/gitlab/project_authorizations.rb (Gitlab::ProjectAuthorizations#calculate), whose
// rows ProjectAuthorization.select_from_union (app/models/project_authorization.rb)
// reduces to MAX(access_level) per project.
//
// First a recursive CTE, namespaces_cte, collects the groups the user reaches, each with a
// level (recursive_cte):
//
//	(a) groups where the user has a direct membership: User#groups_with_active_memberships
//	    (app/models/user.rb: group_members are requested_at IS NULL and access_level >= GUEST,
//	    then members.state = active), at the membership's level;
//	(b) groups SHARED WITH one of the user's direct groups: group_group_links joined on
//	    shared_with_group_id = members.source_id, the member row again not requested, active
//	    and above Minimal Access (join_members_on_group_group_links), the link's group_access
//	    above Minimal Access too (join_group_group_links), at LEAST(member, group_access);
//	(c) recursively, every subgroup of a group already in the CTE, at GREATEST(the user's
//	    own membership of the subgroup (LEFT JOIN, same filters), the parent's level).
//
// Then the projects (relations), MAX per project:
//
//	projects where the user is a direct member (User#projects_with_active_memberships:
//	requested_at IS NULL, state active), at the membership's level;
//	the user's personal projects, at OWNER (SelectForProjectAuthorization
//	#select_project_owner_for_project_authorization);
//	the projects of every namespace in the CTE, at the namespace's level;
//	the projects shared (project_group_links) with a namespace in the CTE, at
//	LEAST(namespace level, link group_access), unless the project's namespace has
//	share_with_group_lock (WHERE p_ns.share_with_group_lock IS FALSE).
//
// So a project shared with group B reaches the direct members of a group C that B, or an
// ancestor of B, is shared with (B is in C's members' CTE through (b) and (c)), capped by
// both links. The CTE does not look at expires_at: GitLab's RemoveExpiredMembersWorker and
// RemoveExpiredGroupLinksWorker (app/workers/) delete members and links whose expires_at
// has come (Expirable.expired: expires_at <= now), and the fake treats them as gone from
// that date (World.memberExpired).
//
// The result is cached per user in World.authz; the cache checks a fingerprint of every
// input on each use (authzFingerprint), so a write anywhere drops it.

// authzCache holds per-user CTE results for one state of the world.
type authzCache struct {
	mu    sync.Mutex
	fp    [2]uint64
	valid bool
	ix    *authzIndex
	users map[int64]*userAuthz
}

// userAuthz is one user's CTE result (the cache keeps the projects only).
type userAuthz struct {
	namespaces map[int64]AccessLevel // namespaces_cte: group id -> highest level
	projects   map[int64]AccessLevel // project id -> MAX(access_level)
}

// authzIndex is the world's access-relevant rows, indexed for per-user CTEs.
type authzIndex struct {
	children     map[int64][]int64      // parent group id -> subgroup ids
	projectsOfNS map[int64][]int64      // group id -> its projects
	userGroups   map[int64][]groupLevel // user id -> active, unexpired direct group memberships
	userProjects map[int64][]groupLevel // user id -> active, unexpired direct project memberships (id: project)
	personal     map[int64][]int64      // user id -> personal projects
	linksInto    map[int64][]groupLevel // shared_with_group_id -> (shared_group_id, group_access) of unexpired group links
	projectLinks map[int64][]groupLevel // group id -> (project id, group_access) of unexpired project links
}

type groupLevel struct {
	id    int64
	level AccessLevel
}

// buildAuthzIndex reads the rows the CTE reads.
func (w *World) buildAuthzIndex() *authzIndex {
	today := w.today()
	ix := &authzIndex{
		children:     map[int64][]int64{},
		projectsOfNS: map[int64][]int64{},
		userGroups:   map[int64][]groupLevel{},
		userProjects: map[int64][]groupLevel{},
		personal:     map[int64][]int64{},
		linksInto:    map[int64][]groupLevel{},
		projectLinks: map[int64][]groupLevel{},
	}
	for id, g := range w.Groups {
		if g.ParentID != 0 {
			ix.children[g.ParentID] = append(ix.children[g.ParentID], id)
		}
	}
	for id, p := range w.Projects {
		if p.GroupID != 0 {
			ix.projectsOfNS[p.GroupID] = append(ix.projectsOfNS[p.GroupID], id)
		} else if p.OwnerID != 0 {
			ix.personal[p.OwnerID] = append(ix.personal[p.OwnerID], id)
		}
	}
	for gid, ms := range w.GroupMembers {
		if w.Groups[gid] == nil {
			continue
		}
		for uid, m := range ms {
			if rowActiveOn(m, today) {
				ix.userGroups[uid] = append(ix.userGroups[uid], groupLevel{gid, m.AccessLevel})
			}
		}
	}
	for pid, ms := range w.ProjectMembers {
		if w.Projects[pid] == nil {
			continue
		}
		for uid, m := range ms {
			if rowActiveOn(m, today) {
				ix.userProjects[uid] = append(ix.userProjects[uid], groupLevel{pid, m.AccessLevel})
			}
		}
	}
	for gid, shares := range w.GroupShares {
		if w.Groups[gid] == nil {
			continue
		}
		for _, s := range shares {
			if linkActiveOn(s, today) && w.Groups[s.GroupID] != nil {
				ix.linksInto[s.GroupID] = append(ix.linksInto[s.GroupID], groupLevel{gid, s.AccessLevel})
			}
		}
	}
	for pid, shares := range w.ProjectShares {
		if w.Projects[pid] == nil {
			continue
		}
		for _, s := range shares {
			if !expiredOn(s.ExpiresAt, today) && w.Groups[s.GroupID] != nil {
				ix.projectLinks[s.GroupID] = append(ix.projectLinks[s.GroupID], groupLevel{pid, s.AccessLevel})
			}
		}
	}
	return ix
}

// rowGivesAccess: a membership row counts for access when it exists, has not expired
// (the expiry workers delete it) and is active (members.state = active: an "awaiting"
// member, waiting for a seat, has no access). The fake keeps no access requests
// (requested_at) nor invitations among its Member rows.
func (w *World) rowGivesAccess(m *Member) bool { return rowActiveOn(m, w.today()) }

func rowActiveOn(m *Member, today string) bool {
	return m != nil && !expiredOn(m.ExpiresAt, today) && m.MembershipState != "awaiting"
}

// linkActiveOn: a group link counts until it expires (RemoveExpiredGroupLinksWorker),
// and only above Minimal Access: join_group_group_links (project_authorizations.rb)
// excludes minimal-access shares "to prevent LEAST(member_access, 5) = 5 rows from
// leaking". members_with_parents has no such filter; the fake applies it there too (a
// Minimal Access row would only show on a top-level group anyway), so the group and
// project encodings agree.
func linkActiveOn(s Share, today string) bool {
	return !expiredOn(s.ExpiresAt, today) && s.AccessLevel > MinimalAccess
}

// userCTE computes one user's namespaces_cte and project authorizations from the index.
func (w *World) userCTE(ix *authzIndex, userID int64) *userAuthz {
	direct := map[int64]AccessLevel{} // the user's own active rows, by group
	for _, gl := range ix.userGroups[userID] {
		direct[gl.id] = gl.level
	}
	ns := map[int64]AccessLevel{}
	var queue []int64
	reach := func(gid int64, level AccessLevel) {
		if cur, ok := ns[gid]; ok && cur >= level {
			return
		}
		ns[gid] = level
		queue = append(queue, gid)
	}
	// (a) Namespaces the user is a member of (Guest and above: User#group_members).
	for _, gl := range ix.userGroups[userID] {
		if gl.level >= Guest {
			reach(gl.id, gl.level)
		}
	}
	// (b) Namespaces shared with any of those groups: LEAST(member, group_access), both
	// above Minimal Access.
	for _, gl := range ix.userGroups[userID] {
		if gl.level <= MinimalAccess {
			continue
		}
		for _, link := range ix.linksInto[gl.id] {
			reach(link.id, min(gl.level, link.level))
		}
	}
	// (c) Subgroups, recursively: GREATEST(own membership above Minimal Access, parent).
	// Both functions are monotone, so carrying each namespace's highest level to its
	// children gives the same MAX as the CTE's rows.
	for len(queue) > 0 {
		gid := queue[0]
		queue = queue[1:]
		for _, child := range ix.children[gid] {
			level := ns[gid]
			if own := direct[child]; own > MinimalAccess && own > level {
				level = own
			}
			reach(child, level)
		}
	}

	projects := map[int64]AccessLevel{}
	grant := func(pid int64, level AccessLevel) {
		if level > projects[pid] {
			projects[pid] = level
		}
	}
	for _, pl := range ix.userProjects[userID] {
		grant(pl.id, pl.level)
	}
	for _, pid := range ix.personal[userID] {
		grant(pid, Owner)
	}
	for gid, level := range ns {
		for _, pid := range ix.projectsOfNS[gid] {
			grant(pid, level)
		}
		for _, link := range ix.projectLinks[gid] {
			p := w.Projects[link.id]
			if p.GroupID != 0 && w.ShareWithGroupLocked(p.GroupID) {
				continue // WHERE p_ns.share_with_group_lock IS FALSE
			}
			grant(link.id, min(level, link.level))
		}
	}
	return &userAuthz{namespaces: ns, projects: projects}
}

// authzFor returns the user's CTE result, from the cache when the world has not changed.
func (w *World) authzFor(userID int64) *userAuthz {
	return w.authzForUsers(map[int64]bool{userID: true})[userID]
}

// authzForUsers is authzFor for many users at once (one fingerprint check). The results
// are shared with the cache: callers must not change them.
func (w *World) authzForUsers(userIDs map[int64]bool) map[int64]*userAuthz {
	out := make(map[int64]*userAuthz, len(userIDs))
	c := w.authz
	if c == nil {
		ix := w.buildAuthzIndex()
		for uid := range userIDs {
			out[uid] = w.userCTE(ix, uid)
		}
		return out
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if fp := w.authzFingerprint(); !c.valid || c.fp != fp {
		c.fp, c.valid = fp, true
		c.ix = w.buildAuthzIndex()
		c.users = map[int64]*userAuthz{}
	}
	for uid := range userIDs {
		ua := c.users[uid]
		if ua == nil {
			ua = w.userCTE(c.ix, uid)
			ua.namespaces = nil // keep the cache small: callers read the projects
			c.users[uid] = ua
		}
		out[uid] = ua
	}
	return out
}

// ProjectAuthorizations is the user's project_authorizations: project id -> level
// (lib/gitlab/project_authorizations.rb). The map is a copy.
func (w *World) ProjectAuthorizations(userID int64) map[int64]AccessLevel {
	ua := w.authzFor(userID)
	out := make(map[int64]AccessLevel, len(ua.projects))
	for k, v := range ua.projects {
		out[k] = v
	}
	return out
}

// NamespaceAuthorizations is the user's namespaces_cte reduced to the highest level per
// group: every group the user reaches through a membership, a group share or an ancestor
// (the intermediate result of lib/gitlab/project_authorizations.rb). It leaves out
// Minimal Access, as the CTE does. The map is a copy.
func (w *World) NamespaceAuthorizations(userID int64) map[int64]AccessLevel {
	return w.userCTE(w.buildAuthzIndex(), userID).namespaces // not cached: only the project levels are
}

// authzFingerprint hashes everything the CTE reads: the groups' parents and locks, the
// projects' namespaces, every membership row and link with whether it counts today. Two
// independent 64-bit sums of per-row hashes (order does not matter, as maps have none).
func (w *World) authzFingerprint() [2]uint64 {
	var fp fingerprint
	today := w.today()
	fp.add(1, uint64(len(w.Groups)), uint64(len(w.Projects)), 0, 0)
	for id, g := range w.Groups {
		fp.add(2, uint64(id), uint64(g.ParentID), flag(g.ShareWithGroupLock), 0)
	}
	for id, p := range w.Projects {
		fp.add(3, uint64(id), uint64(p.GroupID), uint64(p.OwnerID), 0)
	}
	for gid, ms := range w.GroupMembers {
		for uid, m := range ms {
			if m != nil {
				fp.add(4, uint64(gid), uint64(uid), uint64(m.AccessLevel), flag(rowActiveOn(m, today)))
			}
		}
	}
	for pid, ms := range w.ProjectMembers {
		for uid, m := range ms {
			if m != nil {
				fp.add(5, uint64(pid), uint64(uid), uint64(m.AccessLevel), flag(rowActiveOn(m, today)))
			}
		}
	}
	for gid, shares := range w.GroupShares {
		for _, s := range shares {
			fp.add(6, uint64(gid), uint64(s.GroupID), uint64(s.AccessLevel), flag(expiredOn(s.ExpiresAt, today)))
		}
	}
	for pid, shares := range w.ProjectShares {
		for _, s := range shares {
			fp.add(7, uint64(pid), uint64(s.GroupID), uint64(s.AccessLevel), flag(expiredOn(s.ExpiresAt, today)))
		}
	}
	return [2]uint64{fp.a, fp.b}
}

type fingerprint struct{ a, b uint64 }

// add folds one row (a kind and four values) into both sums.
func (f *fingerprint) add(kind, v1, v2, v3, v4 uint64) {
	h1 := mix64(kind ^ 0x9e3779b97f4a7c15)
	h1 = mix64(h1 ^ v1)
	h1 = mix64(h1 ^ v2)
	h1 = mix64(h1 ^ v3)
	h1 = mix64(h1 ^ v4)
	h2 := kind*0xc2b2ae3d27d4eb4f + v1
	h2 = mix64(h2)*0xff51afd7ed558ccd + v2
	h2 = mix64(h2)*0xff51afd7ed558ccd + v3
	h2 = mix64(h2)*0xff51afd7ed558ccd + v4
	f.a += h1
	f.b += mix64(h2)
}

func flag(ok bool) uint64 {
	if ok {
		return 1
	}
	return 0
}

// mix64 is SplitMix64's finalizer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
