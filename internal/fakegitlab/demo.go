package fakegitlab

import (
	"fmt"
	"time"
)

// DemoNow is the demo world's fixed clock (World.Now).
var DemoNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Ids of the demo world, so tests can name what they assert on.
const (
	// Users.
	DemoUserAdmin   int64 = 1   // acme-admin: the token's user; admin only in self-managed mode
	DemoUserAlice   int64 = 101 // second Owner of acme
	DemoUserBob     int64 = 102 // Developer of acme, inherited everywhere below
	DemoUserCarol   int64 = 103 // Maintainer of acme/platform/infra only
	DemoUserDave    int64 = 104 // Developer of project acme/platform/api only
	DemoUserErin    int64 = 105 // Reporter of acme, Maintainer of acme/platform/infra/k8s
	DemoUserFrank   int64 = 106 // blocked
	DemoUserGrace   int64 = 107 // deactivated
	DemoUserHeidi   int64 = 108 // banned
	DemoUserIvan    int64 = 109 // ldap_blocked, LDAP identity
	DemoUserJudy    int64 = 110 // blocked_pending_approval
	DemoUserAPIBot  int64 = 111 // project_50_bot_1, bot
	DemoUserMallory int64 = 112 // custom role Security Auditor on acme/platform
	DemoUserNiaj    int64 = 113 // Planner of acme/sales
	DemoUserOlivia  int64 = 114 // Minimal Access of acme
	DemoUserPeggy   int64 = 115 // expiring membership
	DemoUserQuentin int64 = 116 // member of acme-contractors: access through shares
	DemoUserJose    int64 = 117 // jose.muller "José Müller"
	DemoUserSybil   int64 = 118 // personal project only
	DemoUserTrent   int64 = 119 // member of nothing, never signed in
	DemoUserVictor  int64 = 120 // external, two-factor
	DemoUserWendy   int64 = 121 // awaiting member of acme/sales: waiting for a seat, no access

	// Users of the access shapes (globex, initech: see DemoWorld).
	DemoUserGina int64 = 130 // Reporter + custom role on globex, Maintainer of globex/apps: stacked roles
	DemoUserHank int64 = 131 // Owner of initech (outside): the link's role on globex/apps, nothing from initech/labs' share
	DemoUserInes int64 = 132 // Reporter + custom role of initech: kept through a link with a role, dropped through one without
	DemoUserJack int64 = 133 // Reporter of initech, no custom role
	DemoUserKim  int64 = 134 // Developer of globex-partners: the portal project through its share
	DemoUserLena int64 = 135 // Developer of globex-partners/emea: globex/apps through a share into a subgroup
	DemoUserOmar int64 = 136 // Developer of initech/labs: the portal project through two shares, no members/all row

	DemoUserBigTeamFirst  int64 = 200 // bigteam-001
	DemoUserBigTeamLast   int64 = 319 // bigteam-120
	DemoBigTeamSize             = 120
	DemoUserStrangerFirst int64 = 500 // stranger-01 (gitlab.com mode only)
	DemoUserStrangerLast  int64 = 529 // stranger-30
	DemoStrangerCount           = 30
	// DemoPublicOSSDevelopers are the strangers 500..504 who are Developers of public-oss.
	DemoPublicOSSDevelopers = 5

	// Groups.
	DemoGroupAcme          int64 = 10  // acme
	DemoGroupPlatform      int64 = 11  // acme/platform, shared with acme-contractors at Reporter
	DemoGroupInfra         int64 = 12  // acme/platform/infra
	DemoGroupK8s           int64 = 13  // acme/platform/infra/k8s (4 levels deep)
	DemoGroupSales         int64 = 14  // acme/sales
	DemoGroupBigTeam       int64 = 15  // acme/big-team (120 members)
	DemoGroupEquipeDonnees int64 = 16  // acme/equipe-donnees "Équipe Données"
	DemoGroupContractors   int64 = 20  // acme-contractors
	DemoGroupPublicOSS     int64 = 900 // public-oss (gitlab.com mode only)

	DemoGroupGlobex         int64 = 30 // globex (owned by the token's user)
	DemoGroupGlobexApps     int64 = 31 // globex/apps, shared with initech (Reporter, link role) and globex-partners/emea
	DemoGroupGlobexLocked   int64 = 32 // globex/locked: share_with_group_lock; shared with initech (Reporter, no link role)
	DemoGroupGlobexVault    int64 = 33 // globex/locked/vault, locked as its parent
	DemoGroupGlobexPartners int64 = 34 // globex-partners (owned by the token's user), shared with initech/labs at Maintainer
	DemoGroupInitech        int64 = 35 // initech: PRIVATE, outside the organisation (the token's user is not a member)
	DemoGroupPartnersEMEA   int64 = 36 // globex-partners/emea
	DemoGroupInitechLabs    int64 = 37 // initech/labs

	// Projects.
	DemoProjectAPI           int64 = 50 // acme/platform/api
	DemoProjectClusterConfig int64 = 51 // acme/platform/infra/k8s/cluster-config
	DemoProjectCRM           int64 = 52 // acme/sales/crm, shared with acme-contractors at Guest
	DemoProjectDotfiles      int64 = 53 // sybil/dotfiles (personal)
	DemoProjectPipeline      int64 = 54 // acme/equipe-donnees/pipeline "Pipeline ✓"
	DemoProjectPortal        int64 = 60 // globex/apps/portal, shared with globex-partners at Developer
	DemoProjectVaultKeys     int64 = 61 // globex/locked/vault/keys, shared with globex-partners and initech: locked, no access through them

	// Custom roles and invitations.
	DemoMemberRoleSecurityAuditor int64 = 7
	// gitlab.com only (custom roles belong to a top-level group there): Reporter-based
	// roles of globex and of initech. On self-managed the shapes use the instance-wide
	// DemoMemberRoleSecurityAuditor instead, so the instance's role list is unchanged.
	DemoMemberRoleGlobexAuditor   int64 = 8
	DemoMemberRoleInitechReviewer int64 = 9
	DemoInvitationNewHire         int64 = 1
	DemoInvitationEmail                 = "newhire@acme.example"
	// DemoInvitationContractor invites DemoInvitationContractorEmail to project
	// acme/platform/api as Reporter until DemoInvitationContractorExpiresAt.
	DemoInvitationContractor          int64 = 2
	DemoInvitationContractorEmail           = "contractor@partner.example"
	DemoInvitationContractorExpiresAt       = "2036-03-01"
)

// DemoWorld builds the demo organisation "Acme". It is deterministic: the same mode always gives the same world, with the
// clock fixed at DemoNow. The token's user is acme-admin (id 1), an instance
// administrator in self-managed mode and a plain user on gitlab.com.
//
// The awkward cases it contains, each on purpose:
//   - a 4-level group tree: acme / platform / infra / k8s;
//   - two top-level groups (acme, acme-contractors) owned by the token user;
//   - a second Owner (alice) of acme;
//   - inherited access: bob is a Developer of acme only, so of everything below;
//   - a subgroup-only member (carol, Maintainer of acme/platform/infra only);
//   - a project-only member (dave, Developer of acme/platform/api only);
//   - a higher direct role in a subgroup than the inherited one (erin: Reporter of acme,
//     Maintainer of acme/platform/infra/k8s);
//   - every non-active user state: blocked (frank), deactivated (grace), banned (heidi),
//     ldap_blocked with an ldapmain identity (ivan), blocked_pending_approval (judy);
//   - a project access-token bot (project_50_bot_1, bot=true) as Maintainer of a project;
//   - a custom role "Security Auditor" (member_role 7, base Reporter) held by mallory on
//     acme/platform: on gitlab.com it belongs to the top-level group acme; on
//     self-managed it is instance-wide (GroupID 0), as custom roles are there since
//     GitLab 17.x (group-level ones are deprecated on self-managed);
//   - the Planner level (niaj on acme/sales) and Minimal Access (olivia on acme, top-level
//     only and not inherited);
//   - an expiring membership (peggy, Developer of acme/platform until 2036-01-31);
//   - a group share: acme/platform is shared with acme-contractors at Reporter, so quentin
//     (Developer of acme-contractors) gets Reporter in acme/platform and below;
//   - a project share: acme/sales/crm is shared with acme-contractors at Guest;
//   - non-ASCII names: "José Müller" (username jose.muller, with a dot), group
//     "Équipe Données", project "Pipeline ✓";
//   - a personal project (sybil/dotfiles) whose owner is in no group;
//   - a user in nothing at all (trent), who never signed in (so he may be deactivated);
//   - an external user with two-factor authentication (victor);
//   - a group with 120 direct members (acme/big-team): more than one page of 100;
//   - a pending email invitation (newhire@acme.example to acme as Developer) and one
//     with an expiry (contractor@partner.example to project acme/platform/api as
//     Reporter, expires_at 2036-03-01);
//   - an AWAITING member (wendy, Developer of acme/sales with membership_state
//     "awaiting": waiting for a seat under the user cap, so no access);
//   - bob's current_sign_in_at is later than his last_sign_in_at;
//   - grace (deactivated) was last active 200 days ago;
//   - gitlab.com mode only: alice and bob are ENTERPRISE users of acme (their accounts
//     belong to acme's verified domain), so acme's Owners see their email in members
//     answers;
//   - gitlab.com mode only: 30 outsiders (stranger-01..30, User.Outsider) and a PUBLIC
//     top-level group public-oss, outside the organisation (the token user is not a
//     member), with strangers 01..05 as Developers.
//
// The access shapes (both modes, ids 30-37, 60-61, 130-136; the effective levels follow
// GitLab's project_authorizations CTE, members_with_parents and the EE custom-role
// preloaders, see effective.go):
//   - globex (30) > apps (31) > project portal (60); globex > locked (32) > vault (33) >
//     project keys (61); globex-partners (34) > emea (36); all owned by the token's user.
//     initech (35) > labs (37) is a PRIVATE top-level group outside the organisation:
//     the token's user is not a member;
//   - stacked custom roles: gina is a Reporter with the Globex Auditor role on globex and
//     a Maintainer of globex/apps: Maintainer there, with the role's permissions;
//   - chained shares: portal is shared with globex-partners at Developer, and
//     globex-partners with initech/labs at Maintainer, so omar (Developer of labs) has
//     Developer on portal, and no row in the project's members/all; hank, Owner of labs'
//     parent initech, gets nothing from that share (a group share reaches the invited
//     group's direct members only);
//   - shares with the outside group, at exactly a member's level: globex/apps with
//     initech at Reporter WITH the link role Globex Auditor (ines, Reporter with the
//     Initech Reviewer role, keeps hers; jack, Reporter without one, gets none; hank,
//     above the link, gets the link's role), globex/locked with initech at Reporter
//     WITHOUT a link role (ines's role does not apply there);
//   - a share into a subgroup from a subgroup: globex/apps with globex-partners/emea at
//     Reporter (lena, Developer of emea, is a Reporter of apps and portal);
//   - share_with_group_lock on globex/locked (so on vault): keys is shared with
//     globex-partners and initech at Developer, which gives nothing (kim has no access
//     to keys; initech's members reach it through globex/locked's group share only).
//     On self-managed the shapes use DemoMemberRoleSecurityAuditor for both roles.
func DemoWorld(mode Mode) *World {
	w := NewWorld()
	w.Now = DemoNow
	now := DemoNow
	day := 24 * time.Hour

	// user adds a user with deterministic admin fields derived from the id: created in
	// 2024, signed in 1..30 days before DemoNow (per-user exceptions below).
	user := func(id int64, username, name string) *User {
		u := &User{
			ID:        id,
			Username:  username,
			Name:      name,
			Email:     username + "@acme.example",
			CreatedAt: time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(id) * 7 * time.Hour),
		}
		cur := now.Add(-time.Duration(id%30+1) * day)
		last := cur
		act := cur.Truncate(day)
		u.CurrentSignInAt = &cur
		u.LastSignInAt = &last
		u.LastActivityOn = &act
		confirmed := u.CreatedAt
		u.ConfirmedAt = &confirmed
		return w.AddUser(u)
	}
	memberSince := func(id int64) time.Time {
		return time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Hour)
	}
	groupMember := func(groupID, userID int64, level AccessLevel) *Member {
		m := &Member{UserID: userID, AccessLevel: level, CreatedAt: memberSince(userID)}
		w.SetGroupMember(groupID, m)
		return m
	}
	projectMember := func(projectID, userID int64, level AccessLevel) *Member {
		m := &Member{UserID: userID, AccessLevel: level, CreatedAt: memberSince(userID)}
		w.SetProjectMember(projectID, m)
		return m
	}
	group := func(id, parent int64, path, name, visibility string) {
		w.AddGroup(&Group{
			ID: id, ParentID: parent, Path: path, Name: name, Visibility: visibility,
			Description: name + " group",
			CreatedAt:   time.Date(2023, 6, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(id) * day),
		})
	}
	project := func(id, groupID, ownerID int64, path, name string) {
		w.AddProject(&Project{
			ID: id, GroupID: groupID, OwnerID: ownerID, Path: path, Name: name,
			Visibility:  "private",
			Description: name + " project",
			CreatedAt:   time.Date(2023, 9, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(id) * day),
		})
	}

	// The token's user.
	admin := user(DemoUserAdmin, "acme-admin", "Acme Admin")
	admin.Email = "admin@acme.example"
	admin.IsAdmin = mode == ModeSelfManaged
	admin.TwoFactorEnabled = true
	w.TokenUserID = DemoUserAdmin

	// Groups.
	group(DemoGroupAcme, 0, "acme", "Acme", "private")
	group(DemoGroupPlatform, DemoGroupAcme, "platform", "Platform", "private")
	group(DemoGroupInfra, DemoGroupPlatform, "infra", "Infra", "private")
	group(DemoGroupK8s, DemoGroupInfra, "k8s", "Kubernetes", "private")
	group(DemoGroupSales, DemoGroupAcme, "sales", "Sales", "private")
	group(DemoGroupBigTeam, DemoGroupAcme, "big-team", "Big Team", "private")
	group(DemoGroupEquipeDonnees, DemoGroupAcme, "equipe-donnees", "Équipe Données", "private")
	group(DemoGroupContractors, 0, "acme-contractors", "Acme Contractors", "private")
	w.GroupShares[DemoGroupPlatform] = []Share{{GroupID: DemoGroupContractors, AccessLevel: Reporter}}

	// Projects.
	project(DemoProjectAPI, DemoGroupPlatform, 0, "api", "API")
	project(DemoProjectClusterConfig, DemoGroupK8s, 0, "cluster-config", "Cluster Config")
	project(DemoProjectCRM, DemoGroupSales, 0, "crm", "CRM")
	project(DemoProjectDotfiles, 0, DemoUserSybil, "dotfiles", "dotfiles")
	project(DemoProjectPipeline, DemoGroupEquipeDonnees, 0, "pipeline", "Pipeline ✓")
	w.ProjectShares[DemoProjectCRM] = []Share{{GroupID: DemoGroupContractors, AccessLevel: Guest}}

	// Custom role.
	w.MemberRoles[DemoMemberRoleSecurityAuditor] = &MemberRole{
		ID:              DemoMemberRoleSecurityAuditor,
		Name:            "Security Auditor",
		Description:     "Reads vulnerabilities and code",
		BaseAccessLevel: Reporter,
		GroupID:         DemoGroupAcme,
		Permissions:     []string{"read_vulnerability", "read_code"},
	}
	if mode == ModeSelfManaged {
		// Instance-wide custom roles on self-managed (GitLab 17.x):
		// https://docs.gitlab.com/user/custom_roles/
		w.MemberRoles[DemoMemberRoleSecurityAuditor].GroupID = 0
	}

	// Named users and their direct memberships.
	groupMember(DemoGroupAcme, DemoUserAdmin, Owner)
	groupMember(DemoGroupContractors, DemoUserAdmin, Owner)

	user(DemoUserAlice, "alice", "Alice Anders").TwoFactorEnabled = true
	groupMember(DemoGroupAcme, DemoUserAlice, Owner)

	bob := user(DemoUserBob, "bob", "Bob Brown")
	bobLast := bob.CurrentSignInAt.Add(-5 * day)
	bob.LastSignInAt = &bobLast
	groupMember(DemoGroupAcme, DemoUserBob, Developer)

	user(DemoUserCarol, "carol", "Carol Chen")
	groupMember(DemoGroupInfra, DemoUserCarol, Maintainer)

	user(DemoUserDave, "dave", "Dave Diaz")
	projectMember(DemoProjectAPI, DemoUserDave, Developer)

	user(DemoUserErin, "erin", "Erin Evans")
	groupMember(DemoGroupAcme, DemoUserErin, Reporter)
	groupMember(DemoGroupK8s, DemoUserErin, Maintainer)

	user(DemoUserFrank, "frank", "Frank Fischer").State = StateBlocked
	groupMember(DemoGroupSales, DemoUserFrank, Developer)

	grace := user(DemoUserGrace, "grace", "Grace Green")
	grace.State = StateDeactivated
	graceSeen := now.Add(-200 * day)
	graceAct := graceSeen.Truncate(day)
	grace.CurrentSignInAt, grace.LastSignInAt, grace.LastActivityOn = &graceSeen, &graceSeen, &graceAct
	groupMember(DemoGroupPlatform, DemoUserGrace, Reporter)

	user(DemoUserHeidi, "heidi", "Heidi Hall").State = StateBanned
	groupMember(DemoGroupSales, DemoUserHeidi, Guest)

	ivan := user(DemoUserIvan, "ivan", "Ivan Ivanov")
	ivan.State = StateLDAPBlocked
	ivan.Identities = []Identity{{Provider: "ldapmain", ExternUID: "uid=ivan,ou=people,dc=acme,dc=example"}}
	groupMember(DemoGroupPlatform, DemoUserIvan, Developer)

	judy := user(DemoUserJudy, "judy", "Judy Jones")
	judy.State = StateBlockedPendingApproval
	judy.CurrentSignInAt, judy.LastSignInAt, judy.LastActivityOn, judy.ConfirmedAt = nil, nil, nil, nil
	groupMember(DemoGroupAcme, DemoUserJudy, Guest)

	bot := user(DemoUserAPIBot, "project_50_bot_1", "API Deploy Bot")
	bot.Bot = true
	bot.CurrentSignInAt, bot.LastSignInAt = nil, nil
	projectMember(DemoProjectAPI, DemoUserAPIBot, Maintainer)

	user(DemoUserMallory, "mallory", "Mallory Moore")
	groupMember(DemoGroupPlatform, DemoUserMallory, Reporter).MemberRoleID = DemoMemberRoleSecurityAuditor

	user(DemoUserNiaj, "niaj", "Niaj Nakamura")
	groupMember(DemoGroupSales, DemoUserNiaj, Planner)

	user(DemoUserOlivia, "olivia", "Olivia Ortiz")
	groupMember(DemoGroupAcme, DemoUserOlivia, MinimalAccess)

	user(DemoUserPeggy, "peggy", "Peggy Park")
	groupMember(DemoGroupPlatform, DemoUserPeggy, Developer).ExpiresAt = "2036-01-31"

	user(DemoUserQuentin, "quentin", "Quentin Quinn")
	groupMember(DemoGroupContractors, DemoUserQuentin, Developer)

	user(DemoUserJose, "jose.muller", "José Müller")
	groupMember(DemoGroupEquipeDonnees, DemoUserJose, Maintainer)

	user(DemoUserSybil, "sybil", "Sybil Schmidt")
	projectMember(DemoProjectDotfiles, DemoUserSybil, Owner)

	trent := user(DemoUserTrent, "trent", "Trent Turner")
	trent.CurrentSignInAt, trent.LastSignInAt, trent.LastActivityOn = nil, nil, nil

	victor := user(DemoUserVictor, "victor", "Victor Vance")
	victor.External = true
	victor.TwoFactorEnabled = true
	groupMember(DemoGroupSales, DemoUserVictor, Reporter)

	// wendy: added to acme/sales while the top-level group's user cap was reached, so
	// her membership awaits an Owner's approval and gives no access meanwhile.
	// https://docs.gitlab.com/user/group/manage/#user-cap-for-groups
	user(DemoUserWendy, "wendy", "Wendy Walker")
	groupMember(DemoGroupSales, DemoUserWendy, Developer).MembershipState = "awaiting"

	// acme/big-team: 120 Guests, more than a page of 100.
	for i := 0; i < DemoBigTeamSize; i++ {
		id := DemoUserBigTeamFirst + int64(i)
		user(id, fmt.Sprintf("bigteam-%03d", i+1), fmt.Sprintf("Big Team Member %03d", i+1))
		groupMember(DemoGroupBigTeam, id, Guest)
	}

	// Pending invitation.
	w.GroupInvitations[DemoGroupAcme] = []*Invitation{{
		ID:          DemoInvitationNewHire,
		Email:       DemoInvitationEmail,
		AccessLevel: Developer,
		CreatedAt:   now.Add(-3 * day),
		CreatedByID: DemoUserAdmin,
	}}
	w.ProjectInvitations[DemoProjectAPI] = []*Invitation{{
		ID:          DemoInvitationContractor,
		Email:       DemoInvitationContractorEmail,
		AccessLevel: Reporter,
		ExpiresAt:   DemoInvitationContractorExpiresAt,
		CreatedAt:   now.Add(-2 * day),
		CreatedByID: DemoUserAdmin,
	}}

	addDemoAccessShapes(w, mode, user, group, project, groupMember)
	addDemoIdentities(w, mode) // demo_identities.go

	if mode == ModeGitLabCom {
		// Enterprise users exist on GitLab.com only: https://docs.gitlab.com/user/enterprise_user/
		w.Users[DemoUserAlice].EnterpriseGroupID = DemoGroupAcme
		w.Users[DemoUserBob].EnterpriseGroupID = DemoGroupAcme

		group(DemoGroupPublicOSS, 0, "public-oss", "Public OSS", "public")
		for i := 0; i < DemoStrangerCount; i++ {
			id := DemoUserStrangerFirst + int64(i)
			u := user(id, fmt.Sprintf("stranger-%02d", i+1), fmt.Sprintf("Stranger %02d", i+1))
			u.Email = u.Username + "@example.net"
			u.Outsider = true
			if i < DemoPublicOSSDevelopers {
				groupMember(DemoGroupPublicOSS, id, Developer)
			}
		}
	}
	addDemoCredentials(w, mode) // credentials_demo.go
	return w
}

// addDemoAccessShapes adds the globex / initech shapes (see DemoWorld).
func addDemoAccessShapes(w *World, mode Mode,
	user func(id int64, username, name string) *User,
	group func(id, parent int64, path, name, visibility string),
	project func(id, groupID, ownerID int64, path, name string),
	groupMember func(groupID, userID int64, level AccessLevel) *Member,
) {
	group(DemoGroupGlobex, 0, "globex", "Globex", "private")
	group(DemoGroupGlobexApps, DemoGroupGlobex, "apps", "Apps", "private")
	group(DemoGroupGlobexLocked, DemoGroupGlobex, "locked", "Locked", "private")
	w.SetShareWithGroupLock(DemoGroupGlobexLocked, true)
	group(DemoGroupGlobexVault, DemoGroupGlobexLocked, "vault", "Vault", "private") // locked as its parent
	group(DemoGroupGlobexPartners, 0, "globex-partners", "Globex Partners", "private")
	group(DemoGroupPartnersEMEA, DemoGroupGlobexPartners, "emea", "EMEA", "private")
	group(DemoGroupInitech, 0, "initech", "Initech", "private")
	project(DemoProjectPortal, DemoGroupGlobexApps, 0, "portal", "Portal")
	project(DemoProjectVaultKeys, DemoGroupGlobexVault, 0, "keys", "Keys")

	globexRole, initechRole := DemoMemberRoleGlobexAuditor, DemoMemberRoleInitechReviewer
	if mode == ModeGitLabCom {
		w.MemberRoles[globexRole] = &MemberRole{
			ID: globexRole, Name: "Globex Auditor", Description: "Reads Globex's vulnerabilities",
			BaseAccessLevel: Reporter, GroupID: DemoGroupGlobex, Permissions: []string{"read_vulnerability"},
		}
		w.MemberRoles[initechRole] = &MemberRole{
			ID: initechRole, Name: "Initech Reviewer", Description: "Reads code and dependencies",
			BaseAccessLevel: Reporter, GroupID: DemoGroupInitech, Permissions: []string{"read_code", "read_dependency"},
		}
	} else {
		globexRole, initechRole = DemoMemberRoleSecurityAuditor, DemoMemberRoleSecurityAuditor
	}

	groupMember(DemoGroupGlobex, DemoUserAdmin, Owner)
	groupMember(DemoGroupGlobexPartners, DemoUserAdmin, Owner)

	user(DemoUserGina, "gina", "Gina Garcia")
	groupMember(DemoGroupGlobex, DemoUserGina, Reporter).MemberRoleID = globexRole
	groupMember(DemoGroupGlobexApps, DemoUserGina, Maintainer)

	user(DemoUserHank, "hank", "Hank Hill")
	groupMember(DemoGroupInitech, DemoUserHank, Owner)
	user(DemoUserInes, "ines", "Inès Ibarra")
	groupMember(DemoGroupInitech, DemoUserInes, Reporter).MemberRoleID = initechRole
	user(DemoUserJack, "jack", "Jack Jensen")
	groupMember(DemoGroupInitech, DemoUserJack, Reporter)

	group(DemoGroupInitechLabs, DemoGroupInitech, "labs", "Labs", "private")
	user(DemoUserOmar, "omar", "Omar Okafor")
	groupMember(DemoGroupInitechLabs, DemoUserOmar, Developer)

	user(DemoUserKim, "kim", "Kim Kowalski")
	groupMember(DemoGroupGlobexPartners, DemoUserKim, Developer)
	user(DemoUserLena, "lena", "Lena Lindqvist")
	groupMember(DemoGroupPartnersEMEA, DemoUserLena, Developer)

	w.GroupShares[DemoGroupGlobexApps] = []Share{
		{GroupID: DemoGroupInitech, AccessLevel: Reporter, MemberRoleID: globexRole},
		{GroupID: DemoGroupPartnersEMEA, AccessLevel: Reporter},
	}
	w.GroupShares[DemoGroupGlobexLocked] = []Share{{GroupID: DemoGroupInitech, AccessLevel: Reporter}}
	w.GroupShares[DemoGroupGlobexPartners] = []Share{{GroupID: DemoGroupInitechLabs, AccessLevel: Maintainer}}
	w.ProjectShares[DemoProjectPortal] = []Share{{GroupID: DemoGroupGlobexPartners, AccessLevel: Developer}}
	w.ProjectShares[DemoProjectVaultKeys] = []Share{
		{GroupID: DemoGroupGlobexPartners, AccessLevel: Developer},
		{GroupID: DemoGroupInitech, AccessLevel: Developer},
	}
}
