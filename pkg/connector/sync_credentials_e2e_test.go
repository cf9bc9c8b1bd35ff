package connector_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// Issue 10: the credentials inventory, end to end: a full sync of the demo world in
// process, the c1z read back with the SDK's reader.

var credentialTypes = []string{"personal_access_token", "group_access_token", "project_access_token", "deploy_token", "deploy_key", "ssh_key"}

func secretTrait(t *testing.T, r *v2.Resource) *v2.SecretTrait {
	t.Helper()
	st := &v2.SecretTrait{}
	annos := annotations.Annotations(r.GetAnnotations())
	ok, err := annos.Pick(st)
	if err != nil || !ok {
		t.Fatalf("%s %s has no secret trait", r.GetId().GetResourceType(), r.GetId().GetResource())
	}
	return st
}

// credentialIDs is "type:id" of every credential in the c1z, sorted.
func credentialIDs(c *batontest.C1Z) []string {
	var out []string
	for _, typ := range credentialTypes {
		for _, id := range c.ResourceIDs(typ) {
			out = append(out, typ+":"+id)
		}
	}
	sort.Strings(out)
	return out
}

func profileOf(r *v2.Resource) map[string]any { return r.GetProfile().AsMap() }

func sameStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestSyncCredentialsDemo(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			_, c := demoSync(t, mode)

			// Which credentials each deployment lists by default (README, Credentials
			// inventory). Both: the token user's own token and the group and project access
			// tokens (self-managed: from GET /personal_access_tokens; GitLab.com: where a token
			// bot is a member, the fake having no hierarchy inventory).
			want := []string{
				"personal_access_token:701",
				"group_access_token:11:711", "project_access_token:50:709", "project_access_token:50:710",
			}
			if mode == fg.ModeSelfManaged {
				want = append(want,
					"personal_access_token:702", "personal_access_token:703", "personal_access_token:704",
					"personal_access_token:705", "personal_access_token:706", "personal_access_token:712",
					"deploy_token:instance:801", "deploy_token:instance:802", "deploy_token:instance:803", "deploy_token:instance:804",
					"deploy_key:50:851", "deploy_key:51:851", "deploy_key:52:852")
			}
			sameStrings(t, "credentials synced", credentialIDs(c), want)

			// State, status, dates, owner and reach.
			type check struct {
				typ, id, state, owner, reach, expires string // expires "" = never
				identity                              string
				lastUsed                              bool
			}
			checks := []check{
				{"personal_access_token", "701", "active", "@acme-admin", "everything @acme-admin can access (scopes: api)", "2027-06-01", "1", true},
				{"project_access_token", "50:710", "active", "acme/platform/api", "project acme/platform/api as Maintainer (scopes: api, write_repository)", "2027-03-01", "111", true},
				{"project_access_token", "50:709", "revoked", "acme/platform/api", "as Maintainer", "2027-03-01", "111", true},
				{"group_access_token", "11:711", "expired", "acme/platform", "group acme/platform and its subgroups and projects as Developer (scopes: read_api)", "2026-10-15", "140", true},
			}
			if mode == fg.ModeSelfManaged {
				checks = append(checks,
					check{"personal_access_token", "702", "active", "@alice", "@alice", "2026-11-21", "101", true},
					check{"personal_access_token", "703", "expired", "@bob", "(scopes: api)", "2026-06-30", "102", true},
					check{"personal_access_token", "704", "revoked", "@bob", "read_repository", "2027-01-01", "102", true},
					check{"personal_access_token", "705", "active", "@carol", "@carol", "", "103", true},
					check{"personal_access_token", "706", "active", "@dave", "read_user", "2027-10-01", "104", false},
					check{"personal_access_token", "712", "active", "@" + fg.DemoServiceAccountUsername(mode), "read_api", "", "141", true},
					check{"deploy_token", "instance:801", "active", "unknown", "GET /deploy_tokens does not say which", "", "", false},
					check{"deploy_token", "instance:802", "expired", "unknown", "read_repository", "2026-01-01", "", false},
					check{"deploy_token", "instance:803", "revoked", "unknown", "read_package_registry", "2027-01-01", "", false},
					check{"deploy_key", "50:851", "active", "acme/platform/api", "project acme/platform/api, Git read and write", "", "", false},
					check{"deploy_key", "51:851", "active", "acme/platform/infra/k8s/cluster-config", "Git read-only", "", "", false},
					check{"deploy_key", "52:852", "expired", "acme/sales/crm", "Git read-only", "2026-03-01", "", false},
				)
			}
			for _, w := range checks {
				r := c.Resource(w.typ, w.id)
				if r == nil {
					t.Errorf("%s %s not synced", w.typ, w.id)
					continue
				}
				p := profileOf(r)
				st := secretTrait(t, r)
				where := w.typ + " " + w.id
				if p["state"] != w.state {
					t.Errorf("%s: state %v, want %s", where, p["state"], w.state)
				}
				wantStatus := v2.Status_RESOURCE_STATUS_ENABLED
				if w.state != "active" {
					wantStatus = v2.Status_RESOURCE_STATUS_DISABLED
				}
				if r.GetStatus().GetStatus() != wantStatus || r.GetStatus().GetDetails() != w.state {
					t.Errorf("%s: status %v %q, want %v %q", where, r.GetStatus().GetStatus(), r.GetStatus().GetDetails(), wantStatus, w.state)
				}
				if p["owner"] != w.owner {
					t.Errorf("%s: owner %v, want %s", where, p["owner"], w.owner)
				}
				if reach, _ := p["reach"].(string); !strings.Contains(reach, w.reach) {
					t.Errorf("%s: reach %q lacks %q", where, reach, w.reach)
				}
				switch {
				case w.expires == "" && (st.HasExpiresAt() || p["never_expires"] != true):
					t.Errorf("%s: should never expire: %v", where, st.GetExpiresAt())
				case w.expires != "" && (!st.HasExpiresAt() || st.GetExpiresAt().AsTime().Format(time.DateOnly) != w.expires):
					t.Errorf("%s: expires %v, want %s", where, st.GetExpiresAt(), w.expires)
				}
				if st.GetIdentityId().GetResource() != w.identity {
					t.Errorf("%s: identity %q, want %q", where, st.GetIdentityId().GetResource(), w.identity)
				}
				if w.identity != "" && st.GetIdentityId().GetResourceType() != "user" {
					t.Errorf("%s: identity type %q", where, st.GetIdentityId().GetResourceType())
				}
				if st.HasLastUsedAt() != w.lastUsed {
					t.Errorf("%s: last used %v, want one: %v", where, st.GetLastUsedAt(), w.lastUsed)
				}
				if w.typ != "deploy_token" && !r.HasCreatedAt() {
					t.Errorf("%s: no created date", where)
				}
			}
			if r := c.Resource("project_access_token", "50:710"); r != nil {
				p := profileOf(r)
				if p["access_level"] != float64(40) || p["role"] != "maintainer" {
					t.Errorf("project access token's level: %v %v", p["access_level"], p["role"])
				}
				if st := secretTrait(t, r); st.GetCredentialType() != v2.SecretTrait_CREDENTIAL_TYPE_STATIC_SECRET || st.GetCredentialDetail() != "project_access_token" {
					t.Errorf("credential type %v / %q", st.GetCredentialType(), st.GetCredentialDetail())
				}
			}
			if r := c.Resource("deploy_key", "50:851"); r != nil {
				if p := profileOf(r); p["can_push"] != true || p["fingerprint_sha256"] == nil {
					t.Errorf("deploy key profile: %v", p)
				}
				if st := secretTrait(t, r); st.GetCredentialType() != v2.SecretTrait_CREDENTIAL_TYPE_ASYMMETRIC_KEY {
					t.Errorf("deploy key credential type %v", st.GetCredentialType())
				}
			}
			assertNoSecretMaterial(t, c)
		})
	}
}

// assertNoSecretMaterial: no credential resource carries a token value or a key's
// material (the fake's keys start with ssh-ed25519 / ssh-rsa and their base64 AAAA…).
func assertNoSecretMaterial(t *testing.T, c *batontest.C1Z) {
	t.Helper()
	for _, typ := range credentialTypes {
		for _, r := range c.ResourcesOfType(typ) {
			b, err := protojson.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			for _, bad := range []string{"ssh-ed25519", "ssh-rsa", "AAAAC3Nza", "AAAAB3Nza", "glpat-", `"token"`, `"key"`} {
				if strings.Contains(s, bad) {
					t.Errorf("%s %s carries %q: %s", typ, r.GetId().GetResource(), bad, s)
				}
			}
		}
	}
}

// Issue 10 point 1: service accounts and token bots are SERVICE accounts linked to what
// they act for; their memberships are grants like anyone's.
func TestSyncServiceAccountsAndTokenBots(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			_, c := demoSync(t, mode)
			saFor := map[string]any{"acts_for_type": "instance"}
			if mode == fg.ModeGitLabCom {
				saFor = map[string]any{"acts_for_type": "group", "acts_for_id": float64(fg.DemoGroupAcme), "acts_for": "acme"}
			}
			for _, w := range []struct {
				user int64
				want map[string]any
				flag string
			}{
				{fg.DemoUserAPIBot, map[string]any{"acts_for_type": "project", "acts_for_id": float64(fg.DemoProjectAPI), "acts_for": "acme/platform/api"}, "token_bot"},
				{fg.DemoUserPlatformBot, map[string]any{"acts_for_type": "group", "acts_for_id": float64(fg.DemoGroupPlatform), "acts_for": "acme/platform"}, "token_bot"},
				{fg.DemoUserServiceAccount, saFor, "service_account"},
			} {
				r := c.Resource("user", id(w.user))
				if r == nil {
					t.Errorf("user %d not synced", w.user)
					continue
				}
				if at := batontest.UserTrait(r).GetAccountType(); at != v2.UserTrait_ACCOUNT_TYPE_SERVICE {
					t.Errorf("user %d: account type %v, want SERVICE", w.user, at)
				}
				p := profileOf(r)
				for k, v := range w.want {
					if p[k] != v {
						t.Errorf("user %d: profile %s = %v, want %v", w.user, k, p[k], v)
					}
				}
				if p[w.flag] != true {
					t.Errorf("user %d: profile lacks %s: %v", w.user, w.flag, p)
				}
				//nolint:staticcheck // the user trait's profile carries the same link
				if tp := batontest.UserTrait(r).GetProfile().AsMap(); tp["acts_for_type"] != w.want["acts_for_type"] {
					t.Errorf("user %d: the user trait's profile lacks the link: %v", w.user, tp)
				}
			}
			if r := c.Resource("user", id(fg.DemoUserAlice)); batontest.UserTrait(r).GetAccountType() != v2.UserTrait_ACCOUNT_TYPE_HUMAN {
				t.Error("alice is not a human account")
			}
			if _, ok := profileOf(c.Resource("user", id(fg.DemoUserAlice)))["acts_for_type"]; ok {
				t.Error("alice acts for nothing")
			}
			// Memberships are grants like anyone's.
			for _, w := range []struct {
				user     int64
				kind     string
				resource int64
				access   string
			}{
				{fg.DemoUserPlatformBot, "group", fg.DemoGroupPlatform, "developer@direct"},
				{fg.DemoUserPlatformBot, "project", fg.DemoProjectAPI, "developer@inherited"},
				{fg.DemoUserServiceAccount, "group", fg.DemoGroupAcme, "reporter@direct"},
				{fg.DemoUserAPIBot, "project", fg.DemoProjectAPI, "maintainer@direct"},
			} {
				if got := access(t, c, w.user, w.kind, w.resource); got != w.access {
					t.Errorf("user %d on %s %d: %q, want %q", w.user, w.kind, w.resource, got, w.access)
				}
			}
		})
	}
}

// The opt-in listings: deploy tokens with their group or project, every project's deploy
// keys, every account's SSH keys.
func TestSyncCredentialsOptIn(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			f := batontest.NewDemo(t, mode, batontest.WithSettings(func(s *connector.Settings) {
				s.DeployCredentialsPerProject = true
				s.SSHKeysPerUser = true
			}))
			c := batontest.Sync(t, t.Context(), f.Connector)
			sameStrings(t, "deploy tokens", c.ResourceIDs("deploy_token"), []string{
				fmt.Sprintf("project:%d:%d", fg.DemoProjectAPI, fg.DemoDeployTokenRegistry),
				fmt.Sprintf("project:%d:%d", fg.DemoProjectAPI, fg.DemoDeployTokenMirror),
				fmt.Sprintf("group:%d:%d", fg.DemoGroupPlatform, fg.DemoDeployTokenPackages),
				fmt.Sprintf("group:%d:%d", fg.DemoGroupAcme, fg.DemoDeployTokenRelease),
			})
			sameStrings(t, "deploy keys", c.ResourceIDs("deploy_key"), []string{"50:851", "51:851", "52:852"})
			sameStrings(t, "SSH keys", c.ResourceIDs("ssh_key"), []string{"101:861", "102:862", "103:863"})

			if r := c.Resource("deploy_token", fmt.Sprintf("group:%d:%d", fg.DemoGroupAcme, fg.DemoDeployTokenRelease)); r != nil {
				p := profileOf(r)
				if p["owner"] != "acme" || p["owner_type"] != "group" || p["state"] != "active" ||
					!strings.Contains(p["reach"].(string), "the projects of group acme and its subgroups (scopes: read_repository, read_registry)") {
					t.Errorf("acme-release: %v", p)
				}
			}
			if r := c.Resource("deploy_key", "51:851"); r != nil && profileOf(r)["can_push"] != false {
				t.Errorf("ci-pusher on cluster-config is read-only: %v", profileOf(r))
			}
			for _, w := range []struct{ id, state, usage, identity string }{
				{"101:861", "active", "auth_and_signing", "101"},
				{"102:862", "expired", "auth", "102"},
				{"103:863", "active", "signing", "103"},
			} {
				r := c.Resource("ssh_key", w.id)
				if r == nil {
					continue
				}
				p := profileOf(r)
				if p["state"] != w.state || p["usage_type"] != w.usage || secretTrait(t, r).GetIdentityId().GetResource() != w.identity {
					t.Errorf("ssh key %s: %v", w.id, p)
				}
			}
			assertNoSecretMaterial(t, c)
		})
	}
}

// Self-managed with a non-admin token (alice, Owner of acme): her own tokens and keys,
// the access tokens of exactly the groups and projects where a token bot is a member,
// and the service account linked by its default username (GET /groups/:id/service_accounts
// needs an administrator on self-managed GitLab).
func TestSyncCredentialsSelfManagedNonAdmin(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeSelfManaged)
	world.TokenUserID = fg.DemoUserAlice
	f := batontest.NewFake(t, fg.ModeSelfManaged, world)
	c := batontest.Sync(t, t.Context(), f.Connector)
	sameStrings(t, "credentials synced", credentialIDs(c), []string{
		"personal_access_token:702",
		"group_access_token:11:711", "project_access_token:50:709", "project_access_token:50:710",
		"ssh_key:101:861",
	})
	var listed []string
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/access_tokens") {
			listed = append(listed, r.Path)
		}
	}
	sameStrings(t, "access token listings", listed, []string{
		fmt.Sprintf("/groups/%d/access_tokens", fg.DemoGroupPlatform),
		fmt.Sprintf("/projects/%d/access_tokens", fg.DemoProjectAPI),
	})
	sa := c.Resource("user", id(fg.DemoUserServiceAccount))
	if sa == nil || batontest.UserTrait(sa).GetAccountType() != v2.UserTrait_ACCOUNT_TYPE_SERVICE ||
		profileOf(sa)["acts_for_type"] != "instance" || profileOf(sa)["service_account"] != true {
		t.Errorf("the service account: %v", profileOf(sa))
	}
	if k := c.Resource("ssh_key", fmt.Sprintf("%d:%d", fg.DemoUserAlice, fg.DemoSSHKeyAlice)); k == nil ||
		profileOf(k)["source"] != "GET /user/keys" || secretTrait(t, k).GetIdentityId().GetResource() != id(fg.DemoUserAlice) {
		t.Errorf("alice's own SSH key: %v", k)
	}
}
