package fakegitlab

import "time"

// The demo world's credentials (both modes), ids fixed so tests can name them.
const (
	// Users added for the credentials.
	DemoUserPlatformBot    int64 = 140 // group_11_bot_…: the group access token bot of acme/platform, Developer
	DemoUserServiceAccount int64 = 141 // service account: instance (self-managed) or provisioned by acme (gitlab.com)

	// Personal access tokens (people and the service account).
	DemoPATAdminSync      int64 = 701 // acme-admin, api, active, expires 2027-06-01
	DemoPATAliceExpiring  int64 = 702 // alice, read_api, expires 2026-11-21: within 30 days of DemoNow
	DemoPATBobExpired     int64 = 703 // bob, api, expired 2026-06-30, last used 2026-06-15
	DemoPATBobRevoked     int64 = 704 // bob, read_repository, revoked
	DemoPATCarolNoExpiry  int64 = 705 // carol, api, never expires, last used 120 days before DemoNow
	DemoPATDaveNeverUsed  int64 = 706 // dave, read_user, never used
	DemoPATServiceAccount int64 = 712 // the service account, read_api, never expires

	// Resource access tokens (personal access tokens of bot users).
	DemoPATAPIBotRotated  int64 = 709 // project_50_bot_1 (project acme/platform/api), revoked by a rotation
	DemoPATAPIBot         int64 = 710 // project_50_bot_1, api + write_repository, active, Maintainer
	DemoPATPlatformBotOld int64 = 711 // group_11_bot (group acme/platform), read_api, expired 2026-10-15, Developer

	// Deploy tokens.
	DemoDeployTokenRegistry int64 = 801 // project acme/platform/api, read_registry, never expires
	DemoDeployTokenMirror   int64 = 802 // project acme/platform/api, read_repository, expired 2026-01-01
	DemoDeployTokenPackages int64 = 803 // group acme/platform, read_package_registry, revoked
	DemoDeployTokenRelease  int64 = 804 // group acme, read_repository + read_registry, expires 2026-11-20

	// Keys (deploy keys and SSH keys share GitLab's keys table, so their ids never collide).
	DemoDeployKeyCI     int64 = 851 // added by acme-admin: write on acme/platform/api, read-only on cluster-config
	DemoDeployKeyLegacy int64 = 852 // added by alice: read-only on acme/sales/crm, expired 2026-03-01
	DemoSSHKeyAlice     int64 = 861 // alice, auth_and_signing, never expires
	DemoSSHKeyBobOld    int64 = 862 // bob, auth, expired 2026-05-01
	DemoSSHKeyCarol     int64 = 863 // carol, signing, expires 10 days after DemoNow
)

// DemoServiceAccountUsername is the service account's username in each mode: GitLab
// names instance service accounts service_account_<hex> and group ones
// service_account_group_<group id>_<hex> (Users::ServiceAccounts::CreateService,
// Namespaces::ServiceAccounts::CreateService).
func DemoServiceAccountUsername(mode Mode) string {
	if mode == ModeGitLabCom {
		return "service_account_group_10_5f2b9c41d7e3a8f6"
	}
	return "service_account_9e4c1a7b3d5f2086"
}

// DemoPlatformBotUsername is the group access token bot's username
// (group_<group id>_bot_<hex>, ResourceAccessTokens::CreateService#generate_username).
const DemoPlatformBotUsername = "group_11_bot_3c7a0e9f1b2d4a65"

// addDemoCredentials adds every kind of credential to the demo world, including
// expired, revoked and never-expiring ones, one last used over 90 days ago, one never
// used and ones expiring within 30 days of DemoNow:
//   - the group access token bot of acme/platform (a Developer member row) and a service
//     account (Reporter of acme): instance-wide on self-managed, provisioned by acme on
//     gitlab.com;
//   - personal access tokens of people (DemoPAT*), of the service account, and of the
//     two token bots (the project bot's rotated token is revoked, the group bot's expired);
//   - project and group deploy tokens, deploy keys on several projects (one with write
//     access), and users' SSH keys.
func addDemoCredentials(w *World, mode Mode) {
	now := DemoNow
	day := 24 * time.Hour
	ago := func(d int) *time.Time { t := now.Add(-time.Duration(d) * day); return &t }
	at := func(y int, m time.Month, d int) *time.Time {
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return &t
	}
	created := func(d int) time.Time { return now.Add(-time.Duration(d) * day) }

	bot := w.AddUser(&User{
		ID: DemoUserPlatformBot, Username: DemoPlatformBotUsername, Name: "Platform CI",
		Email: DemoPlatformBotUsername + "@noreply.acme.example", Bot: true, CreatedAt: created(400),
	})
	w.SetGroupMember(DemoGroupPlatform, &Member{UserID: bot.ID, AccessLevel: Developer, CreatedAt: bot.CreatedAt})

	saUsername := DemoServiceAccountUsername(mode)
	sa := w.AddUser(&User{
		ID: DemoUserServiceAccount, Username: saUsername, Name: "Backup Service",
		Email: saUsername + "@noreply.acme.example", Bot: true, CreatedAt: created(300),
	})
	var provisionedBy int64
	if mode == ModeGitLabCom {
		provisionedBy = DemoGroupAcme
	}
	w.creds().ServiceAccounts[sa.ID] = provisionedBy
	w.SetGroupMember(DemoGroupAcme, &Member{UserID: sa.ID, AccessLevel: Reporter, CreatedAt: sa.CreatedAt})

	for _, t := range []*PersonalAccessToken{
		{ID: DemoPATAdminSync, UserID: DemoUserAdmin, Name: "baton-sync", Scopes: []string{"api"},
			CreatedAt: created(60), LastUsedAt: ago(0), ExpiresAt: "2027-06-01"},
		{ID: DemoPATAliceExpiring, UserID: DemoUserAlice, Name: "ci-deploy", Description: "CI deployments",
			Scopes: []string{"read_api"}, CreatedAt: created(340), LastUsedAt: ago(2), ExpiresAt: "2026-11-21"},
		{ID: DemoPATBobExpired, UserID: DemoUserBob, Name: "old-laptop", Scopes: []string{"api"},
			CreatedAt: created(500), LastUsedAt: at(2026, 6, 15), ExpiresAt: "2026-06-30"},
		{ID: DemoPATBobRevoked, UserID: DemoUserBob, Name: "leaked-token", Scopes: []string{"read_repository"},
			CreatedAt: created(90), LastUsedAt: ago(40), ExpiresAt: "2027-01-01", Revoked: true},
		{ID: DemoPATCarolNoExpiry, UserID: DemoUserCarol, Name: "never-expires", Scopes: []string{"api"},
			CreatedAt: created(700), LastUsedAt: ago(120)},
		{ID: DemoPATDaveNeverUsed, UserID: DemoUserDave, Name: "never-used", Scopes: []string{"read_user"},
			CreatedAt: created(10), ExpiresAt: "2027-10-01"},
		{ID: DemoPATServiceAccount, UserID: DemoUserServiceAccount, Name: "backup", Scopes: []string{"read_api"},
			CreatedAt: created(300), LastUsedAt: ago(1)},
		{ID: DemoPATAPIBotRotated, UserID: DemoUserAPIBot, Name: "api-deploy", Scopes: []string{"api", "write_repository"},
			CreatedAt: created(200), LastUsedAt: ago(30), ExpiresAt: "2027-03-01", Revoked: true},
		{ID: DemoPATAPIBot, UserID: DemoUserAPIBot, Name: "api-deploy", Scopes: []string{"api", "write_repository"},
			CreatedAt: created(30), LastUsedAt: ago(0), ExpiresAt: "2027-03-01"},
		{ID: DemoPATPlatformBotOld, UserID: DemoUserPlatformBot, Name: "platform-ci", Scopes: []string{"read_api"},
			CreatedAt: created(400), LastUsedAt: ago(20), ExpiresAt: "2026-10-15"},
	} {
		w.AddPAT(t)
	}

	for _, t := range []*DeployToken{
		{ID: DemoDeployTokenRegistry, Name: "registry-pull", Scopes: []string{"read_registry"},
			CreatedAt: created(100), ProjectID: DemoProjectAPI},
		{ID: DemoDeployTokenMirror, Name: "old-mirror", Scopes: []string{"read_repository"},
			CreatedAt: created(400), ExpiresAt: at(2026, 1, 1), ProjectID: DemoProjectAPI},
		{ID: DemoDeployTokenPackages, Name: "platform-packages", Scopes: []string{"read_package_registry"},
			CreatedAt: created(150), ExpiresAt: at(2027, 1, 1), Revoked: true, GroupID: DemoGroupPlatform},
		{ID: DemoDeployTokenRelease, Name: "acme-release", Scopes: []string{"read_repository", "read_registry"},
			CreatedAt: created(200), ExpiresAt: at(2026, 11, 20), GroupID: DemoGroupAcme},
	} {
		w.AddDeployToken(t)
	}

	w.AddDeployKey(&DeployKey{
		ID: DemoDeployKeyCI, Title: "ci-pusher", UserID: DemoUserAdmin, CreatedAt: created(250),
		Key:               "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoCiPusherKey0000000000000000000000 ci-pusher",
		FingerprintSHA256: "SHA256:ciPusherDemoFingerprint000000000000000000000",
		Projects:          map[int64]bool{DemoProjectAPI: true, DemoProjectClusterConfig: false},
	})
	w.AddDeployKey(&DeployKey{
		ID: DemoDeployKeyLegacy, Title: "legacy-read", UserID: DemoUserAlice, CreatedAt: created(800),
		ExpiresAt:         at(2026, 3, 1),
		Key:               "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDemoLegacyReadKey legacy-read",
		FingerprintSHA256: "SHA256:legacyReadDemoFingerprint0000000000000000000",
		Projects:          map[int64]bool{DemoProjectCRM: false},
	})

	w.AddSSHKey(&SSHKey{ID: DemoSSHKeyAlice, UserID: DemoUserAlice, Title: "alice@laptop", CreatedAt: created(365),
		Key:               "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoAliceLaptop00000000000000000000000 alice@laptop",
		FingerprintSHA256: "SHA256:aliceLaptopDemoFingerprint00000000000000000"})
	w.AddSSHKey(&SSHKey{ID: DemoSSHKeyBobOld, UserID: DemoUserBob, Title: "bob-old-desktop", CreatedAt: created(900),
		ExpiresAt: at(2026, 5, 1), UsageType: "auth",
		Key:               "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDemoBobOldDesktop bob-old-desktop",
		FingerprintSHA256: "SHA256:bobOldDesktopDemoFingerprint000000000000000"})
	carolExpires := now.Add(10 * day)
	w.AddSSHKey(&SSHKey{ID: DemoSSHKeyCarol, UserID: DemoUserCarol, Title: "carol-signing", CreatedAt: created(20),
		ExpiresAt: &carolExpires, UsageType: "signing",
		Key:               "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoCarolSigning0000000000000000000000 carol-signing",
		FingerprintSHA256: "SHA256:carolSigningDemoFingerprint0000000000000000"})
}
