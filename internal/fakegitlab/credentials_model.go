package fakegitlab

// The credentials GitLab keeps that can act on it: personal access tokens (of people,
// service accounts and the bot users behind group and project access tokens), deploy
// tokens, deploy keys and users' SSH keys, and which users are service accounts or
// token bots. The routes serving them are in credentials_tokens.go,
// credentials_deploy.go, credentials_keys.go and service_accounts.go.
//
// No credential here has a secret value: GitLab never shows a token after creating it
// (Entities::PersonalAccessToken, Entities::DeployToken expose no token field), so the
// fake keeps none.

import (
	"sort"
	"strconv"
	"time"
)

// PersonalAccessToken is a row of GitLab's personal_access_tokens table. Group and
// project access tokens are personal access tokens of their bot user
// (app/models/personal_access_token.rb; ResourceAccessTokens::CreateService creates a
// project_bot user and a token for it).
type PersonalAccessToken struct {
	ID          int64
	UserID      int64
	Name        string
	Description string
	Scopes      []string
	CreatedAt   time.Time
	LastUsedAt  *time.Time
	// ExpiresAt is the expiry date (YYYY-MM-DD), "" for a token that never expires.
	ExpiresAt string
	Revoked   bool
	// Impersonation tokens are personal_access_tokens rows too; the finders of the API
	// listings exclude them for non-admins and for resource tokens (impersonation: false).
	Impersonation bool
}

// DeployToken is a group or project deploy token (app/models/deploy_token.rb).
type DeployToken struct {
	ID        int64
	Name      string
	Username  string // "gitlab+deploy-token-<id>" by default
	Scopes    []string
	CreatedAt time.Time
	// ExpiresAt is nil for a token that never expires (DeployToken::FOREVER reads as nil).
	ExpiresAt *time.Time
	Revoked   bool
	GroupID   int64 // the group it belongs to, or 0
	ProjectID int64 // the project it belongs to, or 0
}

// DeployKey is a deploy key (app/models/deploy_key.rb, a Key of type DeployKey) and the
// projects it is enabled on (deploy_keys_projects, each with its own can_push).
type DeployKey struct {
	ID                int64
	Title             string
	Key               string // the public key
	FingerprintSHA256 string
	CreatedAt         time.Time
	ExpiresAt         *time.Time
	UserID            int64 // the user who added it
	Public            bool  // an instance-wide public deploy key
	// Projects maps each project the key is enabled on to its can_push (write access).
	Projects map[int64]bool
}

// SSHKey is a user's SSH key (app/models/key.rb).
type SSHKey struct {
	ID                int64
	UserID            int64
	Title             string
	Key               string
	FingerprintSHA256 string
	CreatedAt         time.Time
	ExpiresAt         *time.Time
	UsageType         string // auth, signing or auth_and_signing
}

// Keys (deploy keys and SSH keys) have a last_used_at column in GitLab, but no API entity
// exposes it (lib/api/entities/ssh_key.rb, deploy_key.rb), so the fake does not keep it.

// Credentials is every credential of the world and the kind of each non-human user.
type Credentials struct {
	PATs         map[int64]*PersonalAccessToken
	DeployTokens map[int64]*DeployToken
	DeployKeys   map[int64]*DeployKey
	SSHKeys      map[int64]*SSHKey
	// ServiceAccounts maps a service account's user id to the top-level group that
	// provisioned it (GitLab.com group service accounts, users.provisioned_by_group_id),
	// or 0 for an instance service account (self-managed).
	ServiceAccounts map[int64]int64
}

func newCredentials() *Credentials {
	return &Credentials{
		PATs:            map[int64]*PersonalAccessToken{},
		DeployTokens:    map[int64]*DeployToken{},
		DeployKeys:      map[int64]*DeployKey{},
		SSHKeys:         map[int64]*SSHKey{},
		ServiceAccounts: map[int64]int64{},
	}
}

// creds returns the world's credentials, making them for a World built without NewWorld.
func (w *World) creds() *Credentials {
	if w.Creds == nil {
		w.Creds = newCredentials()
	}
	return w.Creds
}

// AddPAT stores a personal access token, giving it an id when it has none.
func (w *World) AddPAT(t *PersonalAccessToken) *PersonalAccessToken {
	if t.ID == 0 {
		t.ID = w.NextID()
	}
	w.Reserve(t.ID)
	w.creds().PATs[t.ID] = t
	return t
}

// AddDeployToken stores a deploy token, giving it an id (and GitLab's default username
// gitlab+deploy-token-<id>) when it has none.
func (w *World) AddDeployToken(t *DeployToken) *DeployToken {
	if t.ID == 0 {
		t.ID = w.NextID()
	}
	w.Reserve(t.ID)
	if t.Username == "" {
		t.Username = "gitlab+deploy-token-" + strconv.FormatInt(t.ID, 10)
	}
	w.creds().DeployTokens[t.ID] = t
	return t
}

// AddDeployKey stores a deploy key. Deploy keys and SSH keys share GitLab's keys table,
// so their ids never collide: both take ids from NextID.
func (w *World) AddDeployKey(k *DeployKey) *DeployKey {
	if k.ID == 0 {
		k.ID = w.NextID()
	}
	w.Reserve(k.ID)
	if k.Projects == nil {
		k.Projects = map[int64]bool{}
	}
	w.creds().DeployKeys[k.ID] = k
	return k
}

// AddSSHKey stores a user's SSH key.
func (w *World) AddSSHKey(k *SSHKey) *SSHKey {
	if k.ID == 0 {
		k.ID = w.NextID()
	}
	w.Reserve(k.ID)
	if k.UsageType == "" {
		k.UsageType = "auth_and_signing"
	}
	w.creds().SSHKeys[k.ID] = k
	return k
}

// today's date string (effective.go) compares with YYYY-MM-DD expiry dates.

// patExpired: Expirable#expired? is expires? && expires_at <= Time.current
// (app/models/concerns/expirable.rb). A date column reads as midnight UTC, so a token
// expiring today is already expired.
func (w *World) patExpired(t *PersonalAccessToken) bool {
	return t.ExpiresAt != "" && t.ExpiresAt <= w.today()
}

// patActive: PersonalAccessToken#active? is !revoked? && !expired?
// (app/models/personal_access_token.rb).
func (w *World) patActive(t *PersonalAccessToken) bool {
	return !t.Revoked && !w.patExpired(t)
}

// timeExpired: DeployToken#expired? and Key#expired? (Expirable) compare a datetime.
func (w *World) timeExpired(t *time.Time) bool {
	return t != nil && !t.After(w.Clock())
}

// deployTokenActive: DeployToken.active is not revoked and not expired
// (app/models/deploy_token.rb scope :active).
func (w *World) deployTokenActive(t *DeployToken) bool {
	return !t.Revoked && !w.timeExpired(t.ExpiresAt)
}

// SortedPATs returns every personal access token by id.
func (w *World) SortedPATs() []*PersonalAccessToken {
	out := make([]*PersonalAccessToken, 0, len(w.creds().PATs))
	for _, t := range w.creds().PATs {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SortedDeployTokens returns every deploy token by id.
func (w *World) SortedDeployTokens() []*DeployToken {
	out := make([]*DeployToken, 0, len(w.creds().DeployTokens))
	for _, t := range w.creds().DeployTokens {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SortedDeployKeys returns every deploy key by id.
func (w *World) SortedDeployKeys() []*DeployKey {
	out := make([]*DeployKey, 0, len(w.creds().DeployKeys))
	for _, k := range w.creds().DeployKeys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// UserSSHKeys returns the user's SSH keys by id.
func (w *World) UserSSHKeys(userID int64) []*SSHKey {
	var out []*SSHKey
	for _, k := range w.creds().SSHKeys {
		if k.UserID == userID {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// resourceBots are the token bots of a group or project: Project#bots / Group#bots, the
// project_bot users among its direct members (app/models/project.rb has_many :bots,
// app/models/group.rb). Service accounts are user_type service_account, not project_bot,
// so they are not among them.
func (w *World) resourceBots(members map[int64]*Member) map[int64]bool {
	out := map[int64]bool{}
	for uid := range members {
		if u := w.Users[uid]; u != nil && w.isTokenBot(u) {
			out[uid] = true
		}
	}
	return out
}

// isTokenBot: a group or project access token's bot user (user_type project_bot): a bot
// that is not a service account.
func (w *World) isTokenBot(u *User) bool {
	if !u.Bot {
		return false
	}
	if _, sa := w.creds().ServiceAccounts[u.ID]; sa {
		return false
	}
	return isProjectBot(u)
}

// revokeResourceToken is ResourceAccessTokens::RevokeService#execute
// (app/services/resource_access_tokens/revoke_service.rb): the token is revoked.
//
// Before GitLab 17.9 the bot user is then deleted (DeleteUserWorker, asynchronous in
// GitLab; the fake runs it at once), which removes its memberships and, with the user,
// its tokens (User has_many :personal_access_tokens, dependent: :destroy). From 17.9 the
// bot is kept, with its membership, and the token shows as revoked until the inactive
// token retention removes it: the retain_resource_access_token_user_after_revoke flag
// (17.3, off by default) became generally available and was removed in 17.9
// (doc/user/project/settings/project_access_tokens.md, "Revoke or rotate").
func (w *World) revokeResourceToken(t *PersonalAccessToken) {
	t.Revoked = true
	if versionAtLeast(w.Version, RetainBotAfterRevokeVersion) {
		return
	}
	bot := t.UserID
	w.RemoveUser(bot)
	for id, pt := range w.creds().PATs {
		if pt.UserID == bot {
			delete(w.creds().PATs, id)
		}
	}
}

// RetainBotAfterRevokeVersion is the first GitLab that keeps a revoked group or project
// access token's bot user (and the revoked token).
const RetainBotAfterRevokeVersion = "17.9.0-ee"
