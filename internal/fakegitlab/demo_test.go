package fakegitlab

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// demoGroupMember asserts a direct group membership of the demo world.
func demoGroupMember(t *testing.T, w *World, groupID, userID int64, level AccessLevel) *Member {
	t.Helper()
	m := w.GroupMembers[groupID][userID]
	if m == nil {
		t.Errorf("user %d is not a direct member of group %d", userID, groupID)
		return &Member{}
	}
	if m.AccessLevel != level {
		t.Errorf("user %d in group %d: %s, want %s", userID, groupID, m.AccessLevel, level)
	}
	return m
}

func demoProjectMember(t *testing.T, w *World, projectID, userID int64, level AccessLevel) {
	t.Helper()
	m := w.ProjectMembers[projectID][userID]
	if m == nil {
		t.Errorf("user %d is not a direct member of project %d", userID, projectID)
		return
	}
	if m.AccessLevel != level {
		t.Errorf("user %d in project %d: %s, want %s", userID, projectID, m.AccessLevel, level)
	}
}

// directGroups lists the groups where the user is a direct member.
func directGroups(w *World, userID int64) []int64 {
	var out []int64
	for _, g := range w.SortedGroups() {
		if w.GroupMembers[g.ID][userID] != nil {
			out = append(out, g.ID)
		}
	}
	return out
}

func directProjects(w *World, userID int64) []int64 {
	var out []int64
	for _, p := range w.SortedProjects() {
		if w.ProjectMembers[p.ID][userID] != nil {
			out = append(out, p.ID)
		}
	}
	return out
}

func TestDemoWorldHasEveryAwkwardCase(t *testing.T) {
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			w := DemoWorld(mode)
			if !w.Now.Equal(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)) {
				t.Errorf("Now = %v", w.Now)
			}

			// The token's user.
			admin := w.Users[w.TokenUserID]
			if w.TokenUserID != DemoUserAdmin || admin == nil || admin.Username != "acme-admin" ||
				admin.Name != "Acme Admin" || admin.Email != "admin@acme.example" {
				t.Fatalf("token user = %+v", admin)
			}
			if admin.IsAdmin != (mode == ModeSelfManaged) {
				t.Errorf("token user IsAdmin = %v in %s", admin.IsAdmin, mode)
			}
			demoGroupMember(t, w, DemoGroupAcme, DemoUserAdmin, Owner)
			demoGroupMember(t, w, DemoGroupContractors, DemoUserAdmin, Owner)

			// Groups: paths, names, tree, visibility.
			groups := []struct {
				id         int64
				fullPath   string
				name       string
				parent     int64
				visibility string
			}{
				{DemoGroupAcme, "acme", "Acme", 0, "private"},
				{DemoGroupPlatform, "acme/platform", "Platform", DemoGroupAcme, "private"},
				{DemoGroupInfra, "acme/platform/infra", "Infra", DemoGroupPlatform, "private"},
				{DemoGroupK8s, "acme/platform/infra/k8s", "Kubernetes", DemoGroupInfra, "private"},
				{DemoGroupSales, "acme/sales", "Sales", DemoGroupAcme, "private"},
				{DemoGroupBigTeam, "acme/big-team", "Big Team", DemoGroupAcme, "private"},
				{DemoGroupEquipeDonnees, "acme/equipe-donnees", "Équipe Données", DemoGroupAcme, "private"},
				{DemoGroupContractors, "acme-contractors", "Acme Contractors", 0, "private"},
				{DemoGroupGlobex, "globex", "Globex", 0, "private"},
				{DemoGroupGlobexApps, "globex/apps", "Apps", DemoGroupGlobex, "private"},
				{DemoGroupGlobexLocked, "globex/locked", "Locked", DemoGroupGlobex, "private"},
				{DemoGroupGlobexVault, "globex/locked/vault", "Vault", DemoGroupGlobexLocked, "private"},
				{DemoGroupGlobexPartners, "globex-partners", "Globex Partners", 0, "private"},
				{DemoGroupPartnersEMEA, "globex-partners/emea", "EMEA", DemoGroupGlobexPartners, "private"},
				{DemoGroupInitech, "initech", "Initech", 0, "private"},
				{DemoGroupInitechLabs, "initech/labs", "Labs", DemoGroupInitech, "private"},
			}
			if mode == ModeGitLabCom {
				groups = append(groups, struct {
					id         int64
					fullPath   string
					name       string
					parent     int64
					visibility string
				}{DemoGroupPublicOSS, "public-oss", "Public OSS", 0, "public"})
			}
			if len(w.Groups) != len(groups) {
				t.Errorf("%d groups, want %d", len(w.Groups), len(groups))
			}
			for _, want := range groups {
				g := w.Groups[want.id]
				if g == nil {
					t.Errorf("no group %d", want.id)
					continue
				}
				if got := w.FullPath(g.ID); got != want.fullPath || g.Name != want.name || g.ParentID != want.parent || g.Visibility != want.visibility {
					t.Errorf("group %d = %s %q parent %d %s, want %+v", g.ID, got, g.Name, g.ParentID, g.Visibility, want)
				}
			}
			if n := len(w.Ancestors(DemoGroupK8s)); n != 3 {
				t.Errorf("k8s has %d ancestors, want 3 (4 levels)", n)
			}
			if _, ok := w.Groups[DemoGroupPublicOSS]; ok != (mode == ModeGitLabCom) {
				t.Errorf("public-oss present = %v in %s", ok, mode)
			}

			// Shares.
			if got := w.GroupShares[DemoGroupPlatform]; len(got) != 1 || got[0].GroupID != DemoGroupContractors || got[0].AccessLevel != Reporter {
				t.Errorf("acme/platform shares = %+v", got)
			}
			if got := w.ProjectShares[DemoProjectCRM]; len(got) != 1 || got[0].GroupID != DemoGroupContractors || got[0].AccessLevel != Guest {
				t.Errorf("acme/sales/crm shares = %+v", got)
			}

			// Projects.
			projects := []struct {
				id      int64
				path    string
				name    string
				group   int64
				ownerID int64
			}{
				{DemoProjectAPI, "acme/platform/api", "API", DemoGroupPlatform, 0},
				{DemoProjectClusterConfig, "acme/platform/infra/k8s/cluster-config", "Cluster Config", DemoGroupK8s, 0},
				{DemoProjectCRM, "acme/sales/crm", "CRM", DemoGroupSales, 0},
				{DemoProjectDotfiles, "sybil/dotfiles", "dotfiles", 0, DemoUserSybil},
				{DemoProjectPipeline, "acme/equipe-donnees/pipeline", "Pipeline ✓", DemoGroupEquipeDonnees, 0},
				{DemoProjectPortal, "globex/apps/portal", "Portal", DemoGroupGlobexApps, 0},
				{DemoProjectVaultKeys, "globex/locked/vault/keys", "Keys", DemoGroupGlobexVault, 0},
			}
			if len(w.Projects) != len(projects) {
				t.Errorf("%d projects, want %d", len(w.Projects), len(projects))
			}
			for _, want := range projects {
				p := w.Projects[want.id]
				if p == nil {
					t.Errorf("no project %d", want.id)
					continue
				}
				if got := w.ProjectPathWithNamespace(p.ID); got != want.path || p.Name != want.name || p.GroupID != want.group || p.OwnerID != want.ownerID {
					t.Errorf("project %d = %s %q group %d owner %d, want %+v", p.ID, got, p.Name, p.GroupID, p.OwnerID, want)
				}
			}

			// Named users: identity, state, and exactly their direct memberships.
			users := []struct {
				id       int64
				username string
				name     string
				state    string
				groups   []int64
				projects []int64
			}{
				{DemoUserAlice, "alice", "Alice Anders", StateActive, []int64{DemoGroupAcme}, nil},
				{DemoUserBob, "bob", "Bob Brown", StateActive, []int64{DemoGroupAcme}, nil},
				{DemoUserCarol, "carol", "Carol Chen", StateActive, []int64{DemoGroupInfra}, nil},
				{DemoUserDave, "dave", "Dave Diaz", StateActive, nil, []int64{DemoProjectAPI}},
				{DemoUserErin, "erin", "Erin Evans", StateActive, []int64{DemoGroupAcme, DemoGroupK8s}, nil},
				{DemoUserFrank, "frank", "Frank Fischer", StateBlocked, []int64{DemoGroupSales}, nil},
				{DemoUserGrace, "grace", "Grace Green", StateDeactivated, []int64{DemoGroupPlatform}, nil},
				{DemoUserHeidi, "heidi", "Heidi Hall", StateBanned, []int64{DemoGroupSales}, nil},
				{DemoUserIvan, "ivan", "Ivan Ivanov", StateLDAPBlocked, []int64{DemoGroupPlatform}, nil},
				{DemoUserJudy, "judy", "Judy Jones", StateBlockedPendingApproval, []int64{DemoGroupAcme}, nil},
				{DemoUserAPIBot, "project_50_bot_1", "API Deploy Bot", StateActive, nil, []int64{DemoProjectAPI}},
				{DemoUserMallory, "mallory", "Mallory Moore", StateActive, []int64{DemoGroupPlatform}, nil},
				{DemoUserNiaj, "niaj", "Niaj Nakamura", StateActive, []int64{DemoGroupSales}, nil},
				{DemoUserOlivia, "olivia", "Olivia Ortiz", StateActive, []int64{DemoGroupAcme}, nil},
				{DemoUserPeggy, "peggy", "Peggy Park", StateActive, []int64{DemoGroupPlatform}, nil},
				{DemoUserQuentin, "quentin", "Quentin Quinn", StateActive, []int64{DemoGroupContractors}, nil},
				{DemoUserJose, "jose.muller", "José Müller", StateActive, []int64{DemoGroupEquipeDonnees}, nil},
				{DemoUserSybil, "sybil", "Sybil Schmidt", StateActive, nil, []int64{DemoProjectDotfiles}},
				{DemoUserGina, "gina", "Gina Garcia", StateActive, []int64{DemoGroupGlobex, DemoGroupGlobexApps}, nil},
				{DemoUserHank, "hank", "Hank Hill", StateActive, []int64{DemoGroupInitech}, nil},
				{DemoUserInes, "ines", "Inès Ibarra", StateActive, []int64{DemoGroupInitech}, nil},
				{DemoUserJack, "jack", "Jack Jensen", StateActive, []int64{DemoGroupInitech}, nil},
				{DemoUserKim, "kim", "Kim Kowalski", StateActive, []int64{DemoGroupGlobexPartners}, nil},
				{DemoUserLena, "lena", "Lena Lindqvist", StateActive, []int64{DemoGroupPartnersEMEA}, nil},
				{DemoUserOmar, "omar", "Omar Okafor", StateActive, []int64{DemoGroupInitechLabs}, nil},
				{DemoUserTrent, "trent", "Trent Turner", StateActive, nil, nil},
				{DemoUserVictor, "victor", "Victor Vance", StateActive, []int64{DemoGroupSales}, nil},
				{DemoUserWendy, "wendy", "Wendy Walker", StateActive, []int64{DemoGroupSales}, nil},
			}
			for _, want := range users {
				u := w.Users[want.id]
				if u == nil {
					t.Errorf("no user %d (%s)", want.id, want.username)
					continue
				}
				if u.Username != want.username || u.Name != want.name || u.State != want.state {
					t.Errorf("user %d = %s %q %s, want %+v", u.ID, u.Username, u.Name, u.State, want)
				}
				if u.Email != want.username+"@acme.example" {
					t.Errorf("user %s email %q", u.Username, u.Email)
				}
				if u.Outsider {
					t.Errorf("user %s is an outsider", u.Username)
				}
				if got := directGroups(w, u.ID); !reflect.DeepEqual(got, want.groups) {
					t.Errorf("%s direct groups = %v, want %v", u.Username, got, want.groups)
				}
				if got := directProjects(w, u.ID); !reflect.DeepEqual(got, want.projects) {
					t.Errorf("%s direct projects = %v, want %v", u.Username, got, want.projects)
				}
				if u.CreatedAt.IsZero() {
					t.Errorf("%s has no created_at", u.Username)
				}
			}

			// Levels of the direct memberships.
			demoGroupMember(t, w, DemoGroupAcme, DemoUserAlice, Owner)
			demoGroupMember(t, w, DemoGroupAcme, DemoUserBob, Developer)
			demoGroupMember(t, w, DemoGroupInfra, DemoUserCarol, Maintainer)
			demoProjectMember(t, w, DemoProjectAPI, DemoUserDave, Developer)
			demoGroupMember(t, w, DemoGroupAcme, DemoUserErin, Reporter)
			demoGroupMember(t, w, DemoGroupK8s, DemoUserErin, Maintainer)
			demoGroupMember(t, w, DemoGroupSales, DemoUserFrank, Developer)
			demoGroupMember(t, w, DemoGroupPlatform, DemoUserGrace, Reporter)
			demoGroupMember(t, w, DemoGroupSales, DemoUserHeidi, Guest)
			demoGroupMember(t, w, DemoGroupPlatform, DemoUserIvan, Developer)
			demoGroupMember(t, w, DemoGroupAcme, DemoUserJudy, Guest)
			demoProjectMember(t, w, DemoProjectAPI, DemoUserAPIBot, Maintainer)
			mallory := demoGroupMember(t, w, DemoGroupPlatform, DemoUserMallory, Reporter)
			if mallory.MemberRoleID != DemoMemberRoleSecurityAuditor {
				t.Errorf("mallory's member role = %d", mallory.MemberRoleID)
			}
			demoGroupMember(t, w, DemoGroupSales, DemoUserNiaj, Planner)
			demoGroupMember(t, w, DemoGroupAcme, DemoUserOlivia, MinimalAccess)
			if m := demoGroupMember(t, w, DemoGroupPlatform, DemoUserPeggy, Developer); m.ExpiresAt != "2036-01-31" {
				t.Errorf("peggy expires_at = %q", m.ExpiresAt)
			}
			demoGroupMember(t, w, DemoGroupContractors, DemoUserQuentin, Developer)
			demoGroupMember(t, w, DemoGroupEquipeDonnees, DemoUserJose, Maintainer)
			demoProjectMember(t, w, DemoProjectDotfiles, DemoUserSybil, Owner)
			demoGroupMember(t, w, DemoGroupSales, DemoUserVictor, Reporter)
			if m := demoGroupMember(t, w, DemoGroupSales, DemoUserWendy, Developer); m.MembershipState != "awaiting" {
				t.Errorf("wendy membership_state = %q, want awaiting", m.MembershipState)
			}
			for gid, ms := range w.GroupMembers {
				for uid, m := range ms {
					if m.MembershipState != "active" && uid != DemoUserWendy {
						t.Errorf("member %d of group %d is %q", uid, gid, m.MembershipState)
					}
				}
			}

			// Enterprise users: alice, bob, jose and trent (a member of nothing) of acme, on
			// gitlab.com only (jose and trent since issue 11: demo_identities.go).
			for _, u := range w.Users {
				want := int64(0)
				if mode == ModeGitLabCom && (u.ID == DemoUserAlice || u.ID == DemoUserBob || u.ID == DemoUserJose || u.ID == DemoUserTrent) {
					want = DemoGroupAcme
				}
				if u.EnterpriseGroupID != want {
					t.Errorf("%s enterprise group %d, want %d", u.Username, u.EnterpriseGroupID, want)
				}
			}

			// Special user attributes.
			if ids := w.Users[DemoUserIvan].Identities; len(ids) != 1 || ids[0].Provider != "ldapmain" || ids[0].ExternUID == "" {
				t.Errorf("ivan identities = %+v", ids)
			}
			if !w.Users[DemoUserAPIBot].Bot {
				t.Error("project_50_bot_1 is not a bot")
			}
			for _, u := range w.Users {
				// The credentials (credentials_demo.go) add a group access token bot and a
				// service account, bots as well.
				if u.Bot && u.ID != DemoUserAPIBot && u.ID != DemoUserPlatformBot && u.ID != DemoUserServiceAccount {
					t.Errorf("unexpected bot %s", u.Username)
				}
			}
			if v := w.Users[DemoUserVictor]; !v.External || !v.TwoFactorEnabled {
				t.Errorf("victor external=%v 2fa=%v", v.External, v.TwoFactorEnabled)
			}
			bob := w.Users[DemoUserBob]
			if bob.CurrentSignInAt == nil || bob.LastSignInAt == nil || !bob.CurrentSignInAt.After(*bob.LastSignInAt) {
				t.Errorf("bob current_sign_in_at %v not after last_sign_in_at %v", bob.CurrentSignInAt, bob.LastSignInAt)
			}
			if tr := w.Users[DemoUserTrent]; tr.LastSignInAt != nil || tr.CurrentSignInAt != nil || tr.LastActivityOn != nil {
				t.Error("trent has signed in")
			}
			if g := w.Users[DemoUserGrace]; g.LastActivityOn == nil || w.Now.Sub(*g.LastActivityOn) < 90*24*time.Hour {
				t.Errorf("grace was active in the last 90 days: %v", g.LastActivityOn)
			}

			// Custom role.
			r := w.MemberRoles[DemoMemberRoleSecurityAuditor]
			wantRoleGroup := DemoGroupAcme // gitlab.com: roles belong to a top-level group
			if mode == ModeSelfManaged {
				wantRoleGroup = 0 // self-managed: instance-wide
			}
			if r == nil || r.Name != "Security Auditor" || r.BaseAccessLevel != Reporter || r.GroupID != wantRoleGroup ||
				!reflect.DeepEqual(r.Permissions, []string{"read_vulnerability", "read_code"}) {
				t.Errorf("member role 7 = %+v", r)
			}

			// acme/big-team: 120 Guests, more than a page of 100.
			big := w.GroupMembers[DemoGroupBigTeam]
			if len(big) != DemoBigTeamSize || DemoBigTeamSize <= 100 {
				t.Errorf("big-team has %d direct members", len(big))
			}
			for i := 0; i < DemoBigTeamSize; i++ {
				id := DemoUserBigTeamFirst + int64(i)
				u := w.Users[id]
				want := fmt.Sprintf("bigteam-%03d", i+1)
				if u == nil || u.Username != want || u.Name != fmt.Sprintf("Big Team Member %03d", i+1) || u.Email != want+"@acme.example" {
					t.Errorf("user %d = %+v, want %s", id, u, want)
				}
				if m := big[id]; m == nil || m.AccessLevel != Guest {
					t.Errorf("%s is not a Guest of big-team", want)
				}
			}
			if DemoUserBigTeamFirst+DemoBigTeamSize-1 != DemoUserBigTeamLast {
				t.Error("big-team id constants disagree")
			}

			// Pending invitation.
			inv := w.GroupInvitations[DemoGroupAcme]
			if len(inv) != 1 || inv[0].ID != DemoInvitationNewHire || inv[0].Email != "newhire@acme.example" ||
				inv[0].AccessLevel != Developer || inv[0].CreatedByID != DemoUserAdmin {
				t.Errorf("invitations of acme = %+v", inv)
			}
			pinv := w.ProjectInvitations[DemoProjectAPI]
			if len(pinv) != 1 || pinv[0].ID != DemoInvitationContractor || pinv[0].Email != "contractor@partner.example" ||
				pinv[0].AccessLevel != Reporter || pinv[0].ExpiresAt != "2036-03-01" || pinv[0].CreatedByID != DemoUserAdmin {
				t.Errorf("invitations of acme/platform/api = %+v", pinv)
			}
			if n := len(w.GroupInvitations) + len(w.ProjectInvitations); n != 2 {
				t.Errorf("%d sources with invitations, want 2", n)
			}

			// Outsiders: gitlab.com only.
			strangers := 0
			for _, u := range w.Users {
				if u.Outsider {
					strangers++
					if u.ID < DemoUserStrangerFirst || u.ID > DemoUserStrangerLast {
						t.Errorf("outsider %d out of range", u.ID)
					}
				}
			}
			if mode == ModeGitLabCom {
				if strangers != DemoStrangerCount {
					t.Errorf("%d outsiders, want %d", strangers, DemoStrangerCount)
				}
				for i := 0; i < DemoStrangerCount; i++ {
					id := DemoUserStrangerFirst + int64(i)
					u := w.Users[id]
					want := fmt.Sprintf("stranger-%02d", i+1)
					if u == nil || u.Username != want || u.Email != want+"@example.net" || !u.Outsider {
						t.Errorf("stranger %d = %+v", id, u)
						continue
					}
					inOSS := w.GroupMembers[DemoGroupPublicOSS][id] != nil
					if inOSS != (i < DemoPublicOSSDevelopers) {
						t.Errorf("%s in public-oss = %v", want, inOSS)
					}
					if inOSS {
						demoGroupMember(t, w, DemoGroupPublicOSS, id, Developer)
					}
					if got := directGroups(w, id); inOSS && !reflect.DeepEqual(got, []int64{DemoGroupPublicOSS}) || !inOSS && got != nil {
						t.Errorf("%s direct groups %v", want, got)
					}
				}
				if w.GroupMembers[DemoGroupPublicOSS][DemoUserAdmin] != nil {
					t.Error("the token user is a member of public-oss")
				}
			} else if strangers != 0 || len(w.Users) != 1+21+7+2+DemoBigTeamSize { // +2: the credentials' group bot and service account
				t.Errorf("self-managed: %d outsiders, %d users", strangers, len(w.Users))
			}
		})
	}
}

func TestDemoWorldIsDeterministic(t *testing.T) {
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		if !reflect.DeepEqual(DemoWorld(mode), DemoWorld(mode)) {
			t.Errorf("two %s demo worlds differ", mode)
		}
	}
}

// The spec's claims about effective access hold under the fake's inheritance rules.
func TestDemoWorldEffectiveAccess(t *testing.T) {
	w := DemoWorld(ModeGitLabCom)
	cases := []struct {
		what   string
		group  int64
		projID int64
		user   int64
		want   AccessLevel
	}{
		{"bob inherits Developer deep down", DemoGroupK8s, 0, DemoUserBob, Developer},
		{"bob inherits Developer in a project", 0, DemoProjectClusterConfig, DemoUserBob, Developer},
		{"carol only below infra", DemoGroupPlatform, 0, DemoUserCarol, NoAccess},
		{"carol in k8s", DemoGroupK8s, 0, DemoUserCarol, Maintainer},
		{"dave in no group", DemoGroupPlatform, 0, DemoUserDave, NoAccess},
		{"erin higher in k8s", DemoGroupK8s, 0, DemoUserErin, Maintainer},
		{"erin Reporter in sales", DemoGroupSales, 0, DemoUserErin, Reporter},
		{"olivia's Minimal Access is not inherited", DemoGroupPlatform, 0, DemoUserOlivia, NoAccess},
		{"quentin through the share, capped", DemoGroupPlatform, 0, DemoUserQuentin, Reporter},
		{"quentin through the share, below", DemoGroupInfra, 0, DemoUserQuentin, Reporter},
		{"quentin through the project share", 0, DemoProjectCRM, DemoUserQuentin, Guest},
		{"quentin not in sales", DemoGroupSales, 0, DemoUserQuentin, NoAccess},
		{"peggy's membership has not expired", DemoGroupPlatform, 0, DemoUserPeggy, Developer},
	}
	for _, c := range cases {
		var got Access
		if c.projID != 0 {
			got = w.EffectiveProjectAccess(c.projID, c.user)
		} else {
			got = w.EffectiveGroupAccess(c.group, c.user)
		}
		if got.Level != c.want {
			t.Errorf("%s: %s, want %s", c.what, got.Level, c.want)
		}
	}
}

func TestDemoWorldServedThroughClient(t *testing.T) {
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		_, url := StartForTest(t, DemoWorld(mode), Options{Mode: mode, Token: fltToken})
		u, _, err := fltClient(t, url).Users.CurrentUser()
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if u.ID != DemoUserAdmin || u.Username != "acme-admin" || u.IsAdmin != (mode == ModeSelfManaged) {
			t.Errorf("%s: GET /user = id %d %s admin %v", mode, u.ID, u.Username, u.IsAdmin)
		}
	}
}

// What the demo additions look like through the API: the custom role is listed where
// each deployment keeps it, acme's Owner sees alice's and bob's email on gitlab.com,
// wendy is listed as awaiting and has no access, and the contractor's invitation carries
// its expiry.
func TestDemoWorldAdditionsThroughClient(t *testing.T) {
	for _, mode := range []Mode{ModeGitLabCom, ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			_, url := StartForTest(t, DemoWorld(mode), Options{Mode: mode, Token: fltToken})
			c := fltClient(t, url)
			var roles []*gitlab.MemberRole
			var err error
			if mode == ModeGitLabCom {
				roles, _, err = c.MemberRolesService.ListMemberRoles(DemoGroupAcme)
			} else {
				roles, _, err = c.MemberRolesService.ListInstanceMemberRoles()
			}
			if err != nil || len(roles) != 1 || roles[0].ID != DemoMemberRoleSecurityAuditor || roles[0].BaseAccessLevel != gitlab.ReporterPermissions {
				t.Errorf("custom roles: %+v %v", roles, err)
			}

			ms, _, err := c.Groups.ListGroupMembers(DemoGroupAcme, &gitlab.ListGroupMembersOptions{ListOptions: gitlab.ListOptions{PerPage: 100}})
			if err != nil {
				t.Fatal(err)
			}
			emails := map[int64]string{}
			for _, m := range ms {
				emails[m.ID] = m.Email
			}
			// gitlab.com: enterprise users only; self-managed: the admin sees everyone's.
			if emails[DemoUserAlice] != "alice@acme.example" || emails[DemoUserBob] != "bob@acme.example" {
				t.Errorf("alice/bob emails: %q %q", emails[DemoUserAlice], emails[DemoUserBob])
			}
			if want := map[Mode]string{ModeGitLabCom: "", ModeSelfManaged: "erin@acme.example"}[mode]; emails[DemoUserErin] != want {
				t.Errorf("erin's email %q, want %q", emails[DemoUserErin], want)
			}

			// client-go's GroupMember has no membership_state: read the raw JSON.
			st, _, body := fltGet(t, url+"/api/v4/groups/14/members")
			var sales []struct {
				ID          int64  `json:"id"`
				AccessLevel int    `json:"access_level"`
				State       string `json:"membership_state"`
			}
			if err := json.Unmarshal([]byte(body), &sales); st != 200 || err != nil {
				t.Fatalf("acme/sales members: %d %s %v", st, body, err)
			}
			found := false
			for _, m := range sales {
				if m.ID == DemoUserWendy {
					found = true
					if m.State != "awaiting" || m.AccessLevel != 30 {
						t.Errorf("wendy listed as %+v", m)
					}
				}
			}
			if !found {
				t.Error("wendy is not listed among acme/sales's direct members")
			}

			// Raw JSON: the date's format is invitations.go's business, the date is the demo's.
			st, _, body = fltGet(t, url+"/api/v4/projects/50/invitations")
			var invs []struct {
				Email       string `json:"invite_email"`
				AccessLevel int    `json:"access_level"`
				ExpiresAt   string `json:"expires_at"`
			}
			if err := json.Unmarshal([]byte(body), &invs); st != 200 || err != nil || len(invs) != 1 ||
				invs[0].Email != "contractor@partner.example" || invs[0].AccessLevel != 20 ||
				!strings.HasPrefix(invs[0].ExpiresAt, "2036-03-01") {
				t.Errorf("project invitations: %d %s %v", st, body, err)
			}
		})
	}
}

// Awaiting members have no access (effective.go) whatever their level.
func TestDemoWorldAwaitingMemberHasNoAccess(t *testing.T) {
	w := DemoWorld(ModeGitLabCom)
	if got := w.EffectiveGroupAccess(DemoGroupSales, DemoUserWendy); got.Level != NoAccess {
		t.Errorf("wendy in acme/sales: %s", got.Level)
	}
	if got := w.EffectiveProjectAccess(DemoProjectCRM, DemoUserWendy); got.Level != NoAccess {
		t.Errorf("wendy in acme/sales/crm: %s", got.Level)
	}
}
