// Package fakegitlab is an in-memory GitLab REST API v4 server for tests, the demo and
// benchmarks. It keeps GitLab's state (users, groups, projects, memberships, shares,
// invitations, custom roles) in a World and enforces GitLab's documented rules on it:
// refusals, limits and pagination included. A lenient fake hides the bugs customers hit,
// so every rule here cites the GitLab documentation page it comes from.
//
// The World is plain data: worlds are built by code (see demo.go and large.go), served by a
// Server, and inspected by tests through Server.Read / Server.Write, which hold the lock.
package fakegitlab

import (
	"sort"
	"strings"
	"time"
)

// Mode is the kind of GitLab deployment the fake pretends to be.
type Mode string

const (
	// ModeGitLabCom is GitLab.com (SaaS): the token belongs to a non-admin user, admin
	// endpoints answer 403, /users lists every public user of the site, no emails.
	ModeGitLabCom Mode = "gitlab.com"
	// ModeSelfManaged is a self-managed instance with an administrator's token.
	ModeSelfManaged Mode = "self-managed"
)

// AccessLevel is GitLab's numeric role of a member.
// https://docs.gitlab.com/api/members/#roles
type AccessLevel int

const (
	NoAccess      AccessLevel = 0
	MinimalAccess AccessLevel = 5
	Guest         AccessLevel = 10
	Planner       AccessLevel = 15
	Reporter      AccessLevel = 20
	Developer     AccessLevel = 30
	Maintainer    AccessLevel = 40
	Owner         AccessLevel = 50
)

// ValidAccessLevels are the levels GitLab accepts on a membership.
var ValidAccessLevels = []AccessLevel{MinimalAccess, Guest, Planner, Reporter, Developer, Maintainer, Owner}

// String returns GitLab's English name of the level ("Developer").
func (l AccessLevel) String() string {
	switch l {
	case NoAccess:
		return "No access"
	case MinimalAccess:
		return "Minimal Access"
	case Guest:
		return "Guest"
	case Planner:
		return "Planner"
	case Reporter:
		return "Reporter"
	case Developer:
		return "Developer"
	case Maintainer:
		return "Maintainer"
	case Owner:
		return "Owner"
	}
	return "Unknown"
}

// User states, https://docs.gitlab.com/api/users/
const (
	StateActive                 = "active"
	StateBlocked                = "blocked"
	StateDeactivated            = "deactivated"
	StateBanned                 = "banned"
	StateLDAPBlocked            = "ldap_blocked"
	StateBlockedPendingApproval = "blocked_pending_approval"
)

// User is a GitLab user account.
type User struct {
	ID               int64
	Username         string
	Name             string
	Email            string // admin-only field in responses
	State            string // one of the State* constants
	Locked           bool
	Bot              bool // project/group access token bots and service accounts
	Internal         bool // ghost, support bot, ...: excluded by exclude_internal=true
	External         bool
	IsAdmin          bool
	TwoFactorEnabled bool
	CreatedAt        time.Time
	LastSignInAt     *time.Time
	CurrentSignInAt  *time.Time
	LastActivityOn   *time.Time
	Identities       []Identity
	Note             string
	// Outsider marks a gitlab.com user who is not part of the organisation: a public
	// user of the site that /users lists but no group or project of the world contains.
	Outsider bool
	// EnterpriseGroupID is the top-level group that claimed the account as an ENTERPRISE
	// user (GitLab.com: a verified domain of the group, or SAML/SCIM provisioning), 0 for
	// none. That group's Owners see the user's email in member rows whose source is in
	// the group's hierarchy, in billable members and in GET /groups/:id/enterprise_users.
	// https://docs.gitlab.com/user/enterprise_user/
	EnterpriseGroupID int64
	// Password is set when the account was created with one (never returned).
	Password string
	// ConfirmedAt is nil until the email is confirmed (skip_confirmation confirms at once).
	ConfirmedAt *time.Time
	// Auditor, PrivateProfile: users.auditor and users.private_profile (identities.go).
	Auditor        bool
	PrivateProfile bool
}

// Identity is an external identity (LDAP, SAML) linked to a user.
type Identity struct {
	Provider  string
	ExternUID string
	// SAMLProviderID is the group SAML provider of a "group_saml" identity (GitLab.com),
	// 0 for an instance provider (identities.go).
	SAMLProviderID int64
}

// Group is a GitLab group or subgroup.
type Group struct {
	ID          int64
	Name        string
	Path        string
	ParentID    int64 // 0 for a top-level group
	Visibility  string
	Description string
	CreatedAt   time.Time
	// ShareWithGroupLock is "Prevent sharing a project within <group> with other groups"
	// (namespaces.share_with_group_lock). GitLab keeps it set on every descendant of a
	// locked group: a new subgroup of a locked group is created locked
	// (Namespace#sync_share_with_group_lock_with_parent, before_create), and locking a
	// group locks its whole subtree (Namespace#force_share_with_group_lock_on_descendants,
	// after_update), app/models/namespace.rb. Use World.SetShareWithGroupLock to change it
	// on a built world; World.ShareWithGroupLocked reads it.
	ShareWithGroupLock bool
	// SAMLProviderID is the group's enabled SAML SSO provider (top-level groups on
	// GitLab.com), 0 for none (identities.go).
	SAMLProviderID int64
}

// Project is a GitLab project, in a group or in a user's personal namespace.
type Project struct {
	ID          int64
	Name        string
	Path        string
	GroupID     int64 // owning group; 0 for a personal project
	OwnerID     int64 // the user whose personal namespace holds it; 0 for a group project
	Visibility  string
	Description string
	CreatedAt   time.Time
}

// Member is a DIRECT membership of a user in a group or project.
type Member struct {
	UserID          int64
	AccessLevel     AccessLevel
	ExpiresAt       string // YYYY-MM-DD or ""
	CreatedAt       time.Time
	MemberRoleID    int64  // custom role, 0 when none
	MembershipState string // "active" or "awaiting"
	CreatedByID     int64  // the user who added the member (created_by), 0 when unknown
}

// Share is a group (or project) shared with another group at a maximum level.
type Share struct {
	GroupID      int64 // the invited group whose members get access
	AccessLevel  AccessLevel
	ExpiresAt    string
	MemberRoleID int64
}

// Invitation is a pending email invitation to a group or project.
type Invitation struct {
	ID           int64
	Email        string
	AccessLevel  AccessLevel
	ExpiresAt    string
	CreatedAt    time.Time
	MemberRoleID int64
	CreatedByID  int64
	// MembershipState is the invitation row's members.state: "" or "active", or
	// "awaiting" when it was made past the top-level group's user cap
	// (ee/app/models/ee/member.rb set_membership_activation). GET
	// /groups/:id/pending_members reports it as "approved" (pending_members.go).
	MembershipState string
}

// MemberRole is a custom role: a base access level plus extra permissions.
type MemberRole struct {
	ID              int64
	Name            string
	Description     string
	BaseAccessLevel AccessLevel
	GroupID         int64 // top-level group on gitlab.com; 0 for an instance-wide role
	Permissions     []string
}

// World is the whole state of the fake GitLab. Maps are keyed by GitLab ids.
type World struct {
	Users              map[int64]*User
	Groups             map[int64]*Group
	Projects           map[int64]*Project
	GroupMembers       map[int64]map[int64]*Member // group id -> user id -> direct member
	ProjectMembers     map[int64]map[int64]*Member // project id -> user id -> direct member
	GroupShares        map[int64][]Share           // group id -> groups it is shared with
	ProjectShares      map[int64][]Share           // project id -> groups it is shared with
	GroupInvitations   map[int64][]*Invitation
	ProjectInvitations map[int64][]*Invitation
	MemberRoles        map[int64]*MemberRole
	// SCIMIdentities: top-level group id -> its SCIM identities (identities.go).
	SCIMIdentities map[int64][]SCIMIdentity
	// ExcludeGuestsFromSeats is an Ultimate licence: Guests use no seat (identities.go).
	ExcludeGuestsFromSeats bool
	// Creds are the tokens and keys that can act on GitLab (credentials_model.go).
	Creds *Credentials
	// TokenUserID is the user the API token belongs to.
	TokenUserID int64
	// Version is what GET /version reports.
	Version string
	// Now is the world's clock for created_at and 90-day activity rules; zero means time.Now().
	Now time.Time

	nextID int64
	// authz caches project authorizations per user (authz.go). It checks a fingerprint of
	// the world on every use, so it is never stale after a write. Nil for a World built
	// without NewWorld: nothing is cached then.
	authz *authzCache
}

// NewWorld returns an empty world.
func NewWorld() *World {
	return &World{
		Users:              map[int64]*User{},
		Groups:             map[int64]*Group{},
		Projects:           map[int64]*Project{},
		GroupMembers:       map[int64]map[int64]*Member{},
		ProjectMembers:     map[int64]map[int64]*Member{},
		GroupShares:        map[int64][]Share{},
		ProjectShares:      map[int64][]Share{},
		GroupInvitations:   map[int64][]*Invitation{},
		ProjectInvitations: map[int64][]*Invitation{},
		MemberRoles:        map[int64]*MemberRole{},
		Creds:              newCredentials(),
		Version:            "17.8.0-ee",
		nextID:             1000,
		authz:              &authzCache{},
	}
}

// NextID hands out a fresh id above every id used so far.
func (w *World) NextID() int64 {
	w.nextID++
	return w.nextID
}

// Reserve makes NextID return ids above id (worlds built with fixed ids call it).
func (w *World) Reserve(id int64) {
	if id > w.nextID {
		w.nextID = id
	}
}

// Clock returns the world's current time.
func (w *World) Clock() time.Time {
	if w.Now.IsZero() {
		return time.Now().UTC()
	}
	return w.Now
}

// AddUser stores u, giving it an id when it has none.
func (w *World) AddUser(u *User) *User {
	if u.ID == 0 {
		u.ID = w.NextID()
	}
	w.Reserve(u.ID)
	if u.State == "" {
		u.State = StateActive
	}
	w.Users[u.ID] = u
	return u
}

// AddGroup stores g, giving it an id when it has none.
func (w *World) AddGroup(g *Group) *Group {
	if g.ID == 0 {
		g.ID = w.NextID()
	}
	w.Reserve(g.ID)
	if g.Visibility == "" {
		g.Visibility = "private"
	}
	// A subgroup of a locked group is created locked:
	// Namespace#sync_share_with_group_lock_with_parent (app/models/namespace.rb).
	if p := w.Groups[g.ParentID]; g.ParentID != 0 && p != nil && w.ShareWithGroupLocked(p.ID) {
		g.ShareWithGroupLock = true
	}
	w.Groups[g.ID] = g
	return g
}

// SetShareWithGroupLock sets the group's share_with_group_lock as GitLab's group update
// does: locking also locks every descendant
// (Namespace#force_share_with_group_lock_on_descendants, app/models/namespace.rb);
// unlocking changes the group alone.
func (w *World) SetShareWithGroupLock(groupID int64, locked bool) {
	g := w.Groups[groupID]
	if g == nil {
		return
	}
	g.ShareWithGroupLock = locked
	if locked {
		for _, d := range w.Descendants(groupID) {
			d.ShareWithGroupLock = true
		}
	}
}

// ShareWithGroupLocked is the group's share_with_group_lock as GitLab stores it: its own
// flag, or an ancestor's (GitLab's callbacks copy a lock down the tree, see
// Group.ShareWithGroupLock, so a world whose flags were set by hand still reads as GitLab
// would store it).
func (w *World) ShareWithGroupLocked(groupID int64) bool {
	for g, depth := w.Groups[groupID], 0; g != nil && depth <= maxGroupDepth; g, depth = w.Groups[g.ParentID], depth+1 {
		if g.ShareWithGroupLock {
			return true
		}
		if g.ParentID == 0 {
			break
		}
	}
	return false
}

// AddProject stores p, giving it an id when it has none.
func (w *World) AddProject(p *Project) *Project {
	if p.ID == 0 {
		p.ID = w.NextID()
	}
	w.Reserve(p.ID)
	if p.Visibility == "" {
		p.Visibility = "private"
	}
	w.Projects[p.ID] = p
	return p
}

// SetGroupMember stores a direct group membership (no rule checks: world building).
func (w *World) SetGroupMember(groupID int64, m *Member) {
	if w.GroupMembers[groupID] == nil {
		w.GroupMembers[groupID] = map[int64]*Member{}
	}
	if m.MembershipState == "" {
		m.MembershipState = "active"
	}
	w.GroupMembers[groupID][m.UserID] = m
}

// SetProjectMember stores a direct project membership (no rule checks: world building).
func (w *World) SetProjectMember(projectID int64, m *Member) {
	if w.ProjectMembers[projectID] == nil {
		w.ProjectMembers[projectID] = map[int64]*Member{}
	}
	if m.MembershipState == "" {
		m.MembershipState = "active"
	}
	w.ProjectMembers[projectID][m.UserID] = m
}

// maxGroupDepth bounds walks up the tree (GitLab allows 20 nested levels:
// Group::NUMBER_OF_ANCESTORS_ALLOWED), so a malformed world with a cycle cannot hang.
const maxGroupDepth = 100

// Ancestors returns the group's ancestors, parent first, top-level group last.
func (w *World) Ancestors(groupID int64) []*Group {
	var out []*Group
	g := w.Groups[groupID]
	for g != nil && g.ParentID != 0 {
		g = w.Groups[g.ParentID]
		if g != nil {
			out = append(out, g)
		}
	}
	return out
}

// Root returns the top-level group of the group's hierarchy.
func (w *World) Root(groupID int64) *Group {
	g := w.Groups[groupID]
	for g != nil && g.ParentID != 0 {
		g = w.Groups[g.ParentID]
	}
	return g
}

// FullPath is the group's path from the top-level group: "acme/platform/infra".
func (w *World) FullPath(groupID int64) string {
	g := w.Groups[groupID]
	if g == nil {
		return ""
	}
	parts := []string{g.Path}
	for _, a := range w.Ancestors(groupID) {
		parts = append(parts, a.Path)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// FullName is the group's name path: "Acme / Platform / Infra".
func (w *World) FullName(groupID int64) string {
	g := w.Groups[groupID]
	if g == nil {
		return ""
	}
	names := []string{g.Name}
	for _, a := range w.Ancestors(groupID) {
		names = append([]string{a.Name}, names...)
	}
	return strings.Join(names, " / ")
}

// ProjectPathWithNamespace is "acme/platform/api" or "alice/dotfiles".
func (w *World) ProjectPathWithNamespace(projectID int64) string {
	p := w.Projects[projectID]
	if p == nil {
		return ""
	}
	if p.GroupID != 0 {
		return w.FullPath(p.GroupID) + "/" + p.Path
	}
	if u := w.Users[p.OwnerID]; u != nil {
		return u.Username + "/" + p.Path
	}
	return p.Path
}

// Children returns the direct subgroups of a group, by id.
func (w *World) Children(groupID int64) []*Group {
	var out []*Group
	for _, g := range w.Groups {
		if g.ParentID == groupID {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Descendants returns every group below groupID (not itself), by id.
func (w *World) Descendants(groupID int64) []*Group {
	var out []*Group
	for _, g := range w.Groups {
		if g.ID == groupID {
			continue
		}
		for _, a := range w.Ancestors(g.ID) {
			if a.ID == groupID {
				out = append(out, g)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SortedUsers returns every user ordered by id.
func (w *World) SortedUsers() []*User {
	out := make([]*User, 0, len(w.Users))
	for _, u := range w.Users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SortedGroups returns every group ordered by id.
func (w *World) SortedGroups() []*Group {
	out := make([]*Group, 0, len(w.Groups))
	for _, g := range w.Groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SortedProjects returns every project ordered by id.
func (w *World) SortedProjects() []*Project {
	out := make([]*Project, 0, len(w.Projects))
	for _, p := range w.Projects {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// UserByUsername finds a user by username, case-insensitively as GitLab does.
func (w *World) UserByUsername(username string) *User {
	for _, u := range w.Users {
		if strings.EqualFold(u.Username, username) {
			return u
		}
	}
	return nil
}

// GroupByFullPath finds a group by its full path, case-insensitively as GitLab does.
func (w *World) GroupByFullPath(path string) *Group {
	for id, g := range w.Groups {
		if strings.EqualFold(w.FullPath(id), path) {
			return g
		}
	}
	return nil
}

// ProjectByFullPath finds a project by "namespace/path".
func (w *World) ProjectByFullPath(path string) *Project {
	for id, p := range w.Projects {
		if strings.EqualFold(w.ProjectPathWithNamespace(id), path) {
			return p
		}
	}
	return nil
}

// DropCustomRoles removes every custom role from the world: the roles and every
// membership's, share's and invitation's reference to one (a world whose memberships a
// GraphQL sync reads: custom roles keep them on REST).
func (w *World) DropCustomRoles() *World {
	for _, byUser := range []map[int64]map[int64]*Member{w.GroupMembers, w.ProjectMembers} {
		for _, ms := range byUser {
			for _, m := range ms {
				m.MemberRoleID = 0
			}
		}
	}
	for _, byNode := range []map[int64][]Share{w.GroupShares, w.ProjectShares} {
		for _, shares := range byNode {
			for i := range shares {
				shares[i].MemberRoleID = 0
			}
		}
	}
	for _, byNode := range []map[int64][]*Invitation{w.GroupInvitations, w.ProjectInvitations} {
		for _, invs := range byNode {
			for _, inv := range invs {
				inv.MemberRoleID = 0
			}
		}
	}
	w.MemberRoles = map[int64]*MemberRole{}
	return w
}
