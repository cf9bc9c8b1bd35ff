package connector_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// Issue 10 point 4: revoking each kind of credential through the SDK's resource deletion
// (the builder's DeleteResourceV2, as --delete-resource sends it), GitLab's state
// afterwards, and the next sync.

func builderOf(t *testing.T, c *connector.Connector) types.ConnectorServer {
	t.Helper()
	srv, err := connectorbuilder.NewConnector(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func revokeCredential(t *testing.T, srv types.ConnectorServer, typ, id string) error {
	t.Helper()
	_, err := srv.DeleteResourceV2(context.Background(), v2.DeleteResourceV2Request_builder{
		ResourceId: v2.ResourceId_builder{ResourceType: typ, Resource: id}.Build(),
	}.Build())
	return err
}

// Revoking a group or project access token: GitLab up to 17.8 deletes its bot user (and
// the token with it); from 17.9 it keeps the bot and shows the token revoked. Both are
// checked, on a world of each version.
func TestRevokeCredentialsSelfManaged(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"17.8.0-ee", fg.RetainBotAfterRevokeVersion} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			testRevokeCredentialsSelfManaged(t, version, version != "17.8.0-ee")
		})
	}
}

func testRevokeCredentialsSelfManaged(t *testing.T, version string, botKept bool) {
	world := fg.DemoWorld(fg.ModeSelfManaged)
	world.Version = version
	f := batontest.NewFake(t, fg.ModeSelfManaged, world, batontest.WithSettings(func(s *connector.Settings) {
		s.DeployCredentialsPerProject = true
		s.SSHKeysPerUser = true
	}))
	ctx := context.Background()
	before := batontest.Sync(t, ctx, f.Connector)
	srv := builderOf(t, f.Connector)

	revoke := []struct{ typ, id string }{
		{"personal_access_token", id(fg.DemoPATAliceExpiring)},
		{"project_access_token", fmt.Sprintf("%d:%d", fg.DemoProjectAPI, fg.DemoPATAPIBot)},
		{"group_access_token", fmt.Sprintf("%d:%d", fg.DemoGroupPlatform, fg.DemoPATPlatformBotOld)},
		{"deploy_token", fmt.Sprintf("project:%d:%d", fg.DemoProjectAPI, fg.DemoDeployTokenRegistry)},
		{"deploy_token", fmt.Sprintf("group:%d:%d", fg.DemoGroupAcme, fg.DemoDeployTokenRelease)},
		{"deploy_key", fmt.Sprintf("%d:%d", fg.DemoProjectAPI, fg.DemoDeployKeyCI)},
		{"ssh_key", fmt.Sprintf("%d:%d", fg.DemoUserCarol, fg.DemoSSHKeyCarol)},
	}
	for _, r := range revoke {
		if before.Resource(r.typ, r.id) == nil {
			t.Fatalf("%s %s is not in the first sync", r.typ, r.id)
		}
		if err := revokeCredential(t, srv, r.typ, r.id); err != nil {
			t.Errorf("revoking %s %s: %v", r.typ, r.id, err)
		}
	}

	// GitLab's state afterwards.
	f.Server.Read(func(w *fg.World) {
		if pat := w.Creds.PATs[fg.DemoPATAliceExpiring]; pat == nil || !pat.Revoked {
			t.Errorf("alice's token after revocation: %+v", pat)
		}
		if gone := w.Users[fg.DemoUserAPIBot] == nil || w.Users[fg.DemoUserPlatformBot] == nil; gone == botKept {
			t.Errorf("GitLab %s: a revoked group or project access token's bot kept = %v, want %v", version, !gone, botKept)
		}
		for _, dt := range []int64{fg.DemoDeployTokenRegistry, fg.DemoDeployTokenRelease} {
			if tok := w.Creds.DeployTokens[dt]; tok != nil && !tok.Revoked {
				t.Errorf("deploy token %d still active", dt)
			}
		}
		k := w.Creds.DeployKeys[fg.DemoDeployKeyCI]
		if k == nil {
			t.Fatal("the deploy key is still enabled on cluster-config: GitLab keeps it")
		}
		if _, on := k.Projects[fg.DemoProjectAPI]; on {
			t.Error("the deploy key is still enabled on acme/platform/api")
		}
		if _, on := k.Projects[fg.DemoProjectClusterConfig]; !on {
			t.Error("revoking the key on one project removed it from another")
		}
		if w.Creds.SSHKeys[fg.DemoSSHKeyCarol] != nil {
			t.Error("carol's SSH key still exists")
		}
	})

	// The next sync shows it.
	after := batontest.Sync(t, ctx, f.Connector)
	if r := after.Resource("personal_access_token", id(fg.DemoPATAliceExpiring)); r == nil || profileOf(r)["state"] != "revoked" ||
		r.GetStatus().GetStatus() != v2.Status_RESOURCE_STATUS_DISABLED {
		t.Errorf("alice's token in the next sync: %v", r)
	}
	for _, r := range revoke[1:] {
		got := after.Resource(r.typ, r.id)
		if got != nil && profileOf(got)["state"] != "revoked" {
			t.Errorf("%s %s in the next sync: %v, want gone or revoked", r.typ, r.id, profileOf(got))
		}
		// From 17.9 GitLab keeps a revoked access token: it must show, revoked.
		if botKept && (r.typ == "project_access_token" || r.typ == "group_access_token") && got == nil {
			t.Errorf("GitLab %s keeps the revoked %s %s: it should be in the next sync, revoked", version, r.typ, r.id)
		}
	}
	if after.Resource("deploy_key", fmt.Sprintf("%d:%d", fg.DemoProjectClusterConfig, fg.DemoDeployKeyCI)) == nil {
		t.Error("the deploy key on cluster-config is gone from the next sync")
	}
	if bot := after.Resource("user", id(fg.DemoUserAPIBot)); (bot != nil) != botKept {
		t.Errorf("GitLab %s: the project access token's bot synced = %v, want %v", version, bot != nil, botKept)
	}
}

func TestRevokeCredentialRefusals(t *testing.T) {
	t.Parallel()
	f := batontest.NewDemo(t, fg.ModeSelfManaged)
	srv := builderOf(t, f.Connector)
	for _, w := range []struct {
		typ, id string
		code    codes.Code
		says    []string
	}{
		{"deploy_token", "instance:801", codes.FailedPrecondition, []string{"--deploy-credentials-per-project"}},
		{"personal_access_token", "50:710", codes.InvalidArgument, []string{"personal_access_token id \"50:710\"", "<token id>"}},
		{"deploy_key", "851", codes.InvalidArgument, []string{"<project id>:<key id>"}},
		{"ssh_key", "103:999999", codes.NotFound, []string{"revoking ssh key 103:999999", "already gone"}},
		{"personal_access_token", "999999", codes.NotFound, []string{"revoking personal access token 999999"}},
	} {
		err := revokeCredential(t, srv, w.typ, w.id)
		if status.Code(err) != w.code {
			t.Errorf("%s %s: %v, want %s", w.typ, w.id, err, w.code)
			continue
		}
		for _, s := range w.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s %s: %q does not say %q", w.typ, w.id, err, s)
			}
		}
		if strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s %s: the error is not one line: %q", w.typ, w.id, err)
		}
	}
	// Revoking a revoked token again: GitLab revokes it again (204); it stays revoked.
	if err := revokeCredential(t, srv, "personal_access_token", id(fg.DemoPATBobRevoked)); err != nil {
		t.Errorf("revoking a revoked token again: %v", err)
	}
	f.Server.Read(func(w *fg.World) {
		if !w.Creds.PATs[fg.DemoPATBobRevoked].Revoked {
			t.Error("bob's revoked token is active again")
		}
	})
}

// GitLab.com: a group Owner may not revoke another member's personal access token outside
// the credentials inventory: GitLab's refusal is a clear error and nothing changes.
func TestRevokeCredentialGitLabComRefused(t *testing.T) {
	t.Parallel()
	f := batontest.NewDemo(t, fg.ModeGitLabCom)
	srv := builderOf(t, f.Connector)
	err := revokeCredential(t, srv, "personal_access_token", id(fg.DemoPATAliceExpiring))
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("revoking alice's token as a group Owner on GitLab.com: %v", err)
	}
	for _, says := range []string{"revoking personal access token 702", "only the token's owner or an administrator"} {
		if !strings.Contains(err.Error(), says) {
			t.Errorf("the error does not say %q: %v", says, err)
		}
	}
	f.Server.Read(func(w *fg.World) {
		if w.Creds.PATs[fg.DemoPATAliceExpiring].Revoked {
			t.Error("alice's token was revoked")
		}
	})
	// The token user's own token is revoked through DELETE /personal_access_tokens/:id.
	if err := revokeCredential(t, srv, "project_access_token", fmt.Sprintf("%d:%d", fg.DemoProjectAPI, fg.DemoPATAPIBot)); err != nil {
		t.Errorf("revoking the project access token as the group Owner: %v", err)
	}
	f.Server.Read(func(w *fg.World) {
		if w.Users[fg.DemoUserAPIBot] != nil {
			t.Error("the project access token's bot is still there")
		}
	})
}

// A read_api token syncs but cannot revoke: GitLab's 403 insufficient_scope says the api
// scope is needed, and nothing changes.
func TestRevokeCredentialNeedsAPIScope(t *testing.T) {
	t.Parallel()
	f := batontest.NewDemo(t, fg.ModeSelfManaged, batontest.WithServerOptions(func(o *fg.Options) {
		o.TokenScopes = []string{"read_api"}
	}))
	err := revokeCredential(t, builderOf(t, f.Connector), "personal_access_token", id(fg.DemoPATAliceExpiring))
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "api scope") {
		t.Fatalf("revoking with a read_api token: %v", err)
	}
	f.Server.Read(func(w *fg.World) {
		if w.Creds.PATs[fg.DemoPATAliceExpiring].Revoked {
			t.Error("alice's token was revoked by a read_api token")
		}
	})
}

// A Developer may not revoke the project's access token: GitLab's 400 ("dave cannot
// delete API Deploy Bot") is a permission error that says who may, and nothing changes.
func TestRevokeCredentialNotPermitted(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeSelfManaged)
	world.TokenUserID = fg.DemoUserDave
	f := batontest.NewFake(t, fg.ModeSelfManaged, world)
	srv := builderOf(t, f.Connector)
	err := revokeCredential(t, srv, "project_access_token", fmt.Sprintf("%d:%d", fg.DemoProjectAPI, fg.DemoPATAPIBot))
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "project's Maintainer or Owner role") ||
		!strings.Contains(err.Error(), "revoking project access token 50:710") {
		t.Fatalf("a Developer revoking the project access token: %v", err)
	}
	err = revokeCredential(t, srv, "deploy_key", fmt.Sprintf("%d:%d", fg.DemoProjectAPI, fg.DemoDeployKeyCI))
	if c := status.Code(err); c != codes.PermissionDenied && c != codes.NotFound {
		t.Errorf("a Developer removing a deploy key: %v", err)
	}
	f.Server.Read(func(w *fg.World) {
		if w.Creds.PATs[fg.DemoPATAPIBot] == nil || w.Creds.PATs[fg.DemoPATAPIBot].Revoked || w.Users[fg.DemoUserAPIBot] == nil {
			t.Error("the project access token was revoked by a Developer")
		}
		if _, on := w.Creds.DeployKeys[fg.DemoDeployKeyCI].Projects[fg.DemoProjectAPI]; !on {
			t.Error("the deploy key was removed by a Developer")
		}
	})
}
