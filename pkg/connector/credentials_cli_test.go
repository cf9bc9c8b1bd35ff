package connector_test

import (
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// The README's revocation commands through the real bin/baton-gitlab: a sync, then
// --delete-resource on a credential, then a refused one.
func TestCLIRevokeCredential(t *testing.T) {
	t.Parallel()
	c := newAcctCLI(t, fakegitlab.ModeSelfManaged)
	c.ok(t, "sync")
	c.ok(t, "--delete-resource personal_access_token", "--delete-resource", "702", "--delete-resource-type", "personal_access_token")
	c.s.Read(func(w *fakegitlab.World) {
		if !w.Creds.PATs[fakegitlab.DemoPATAliceExpiring].Revoked {
			t.Error("alice's token is not revoked")
		}
	})
	// The refusal is the run's one error line. (Not the exit code: the SDK's exit of a
	// one-shot run can win the race with the binary's exit and end it with 0, see
	// cmd/baton-gitlab/main.go.)
	r := c.run(t, "--delete-resource", "instance:801", "--delete-resource-type", "deploy_token")
	if !strings.Contains(r.Stderr, "revoking deploy token instance:801") || !strings.Contains(r.Stderr, "--deploy-credentials-per-project") {
		t.Errorf("the refusal does not say what it refused and what to do:\n%s", r.Stderr)
	}
	c.s.Read(func(w *fakegitlab.World) {
		if w.Creds.DeployTokens[fakegitlab.DemoDeployTokenRegistry].Revoked {
			t.Error("the deploy token was revoked")
		}
	})
}
