package connector_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/provisioner"
	"github.com/conductorone/baton-sdk/pkg/types"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// The one-shot provisioning flow of the CLI, in process: `baton-gitlab` (sync), then
// `--grant-entitlement E --grant-principal P --grant-principal-type user` and
// `--revoke-grant G`. For those flags the CLI's runner runs the SDK's
// provisioner.NewGranter / NewRevoker against the connector and the synced c1z; these
// tests run the same provisioner over an in-memory gRPC connection (the CLI's runner
// re-executes its own binary as the connector service, which a test binary cannot do),
// with a fresh connector for every step, as separate invocations would have.

const oneShotToken = "glpat-one-shot-test-token"

// oneShotStepTimeout bounds each sync and each grant or revoke. A step takes well under a
// second; without a bound, a GitLab (fake) that kept answering errors the SDK treats as
// transient (codes.Unavailable, DeadlineExceeded) would hang the test until go test's
// -timeout killed the whole package without naming the step: the SDK's syncer retries
// them without limit (pkg/sync: MaxAttempts 0) and its Grant/Revoke three times over
// 15s, 30s and 45s (connectorbuilder/resource_provisioner.go).
const oneShotStepTimeout = 2 * time.Minute

// stepContext is a context for one step that ends after oneShotStepTimeout.
func stepContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), oneShotStepTimeout)
	t.Cleanup(cancel)
	return ctx
}

// failIfTimedOut turns a step that ran out of time into a clear failure.
func failIfTimedOut(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s did not finish within %s: the connector kept answering errors the SDK retries (Unavailable, DeadlineExceeded), or a call hung", step, oneShotStepTimeout)
	}
}

type oneShot struct {
	s    *fakegitlab.Server
	url  string
	mode fakegitlab.Mode
	c1z  string
}

func newOneShot(t *testing.T, mode fakegitlab.Mode) *oneShot {
	t.Helper()
	s, url := fakegitlab.StartForTest(t, fakegitlab.DemoWorld(mode), fakegitlab.Options{Mode: mode, Token: oneShotToken})
	return &oneShot{s: s, url: url, mode: mode}
}

// connector is a new connector, as a new process of the CLI builds it.
func (o *oneShot) connector(t *testing.T) *connector.Connector {
	t.Helper()
	dep := gitlabapi.GitLabCom
	if o.mode == fakegitlab.ModeSelfManaged {
		dep = gitlabapi.SelfManaged
	}
	c, err := connector.New(context.Background(), connector.Settings{
		BaseURL:    o.url,
		Deployment: dep,
		Retry:      gitlabapi.RetryPolicy{WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond},
	}, oneShotToken)
	if err != nil {
		t.Fatal(err)
	}
	// The connector decides membership expiry on its clock: give it the world's fixed one
	// (as batontest.NewFake does), or the demo's dated memberships (peggy's ends
	// 2036-01-31) would expire in the sync while the fake still serves them.
	var now time.Time
	o.s.Read(func(w *fakegitlab.World) { now = w.Clock() })
	c.SetClock(func() time.Time { return now })
	return c
}

// provision runs one provisioner (granter or revoker) against a fresh connector.
func (o *oneShot) provision(t *testing.T, build func(cc types.ConnectorClient) *provisioner.Provisioner) error {
	t.Helper()
	ctx := stepContext(t)
	srv, err := connectorbuilder.NewConnector(ctx, o.connector(t))
	if err != nil {
		t.Fatal(err)
	}
	cc, stop, err := batontest.Serve(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	p := build(cc)
	runErr := p.Run(ctx)
	if err := p.Close(ctx); err != nil {
		t.Logf("closing the provisioner: %v", err)
	}
	failIfTimedOut(t, ctx, "the grant or revoke")
	return runErr
}

func (o *oneShot) sync(t *testing.T) *batontest.C1Z {
	t.Helper()
	ctx := stepContext(t)
	c, err := batontest.SyncE(t, ctx, o.connector(t))
	failIfTimedOut(t, ctx, "the sync")
	if err != nil {
		t.Fatalf("sync failed: %v", err)
	}
	o.c1z = c.Path
	return c
}

func (o *oneShot) grant(t *testing.T, entitlementID, userID string) error {
	t.Helper()
	return o.provision(t, func(cc types.ConnectorClient) *provisioner.Provisioner {
		return provisioner.NewGranter(cc, o.c1z, entitlementID, userID, "user")
	})
}

func (o *oneShot) revoke(t *testing.T, grantID string) error {
	t.Helper()
	return o.provision(t, func(cc types.ConnectorClient) *provisioner.Provisioner {
		return provisioner.NewRevoker(cc, o.c1z, grantID)
	})
}

func (o *oneShot) groupMember(groupID, userID int64) *fakegitlab.Member {
	var out *fakegitlab.Member
	o.s.Read(func(w *fakegitlab.World) {
		if m := w.GroupMembers[groupID][userID]; m != nil {
			cp := *m
			out = &cp
		}
	})
	return out
}

func (o *oneShot) projectMember(projectID, userID int64) *fakegitlab.Member {
	var out *fakegitlab.Member
	o.s.Read(func(w *fakegitlab.World) {
		if m := w.ProjectMembers[projectID][userID]; m != nil {
			cp := *m
			out = &cp
		}
	})
	return out
}

func TestOneShotGrantAndRevokeAfterSync(t *testing.T) {
	t.Parallel()
	for _, mode := range []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			o := newOneShot(t, mode)
			c1z := o.sync(t)
			// The ids the README's examples use exist in the synced c1z.
			for _, id := range []string{"group:14:developer", "group:11:maintainer", "project:50:developer", "group:11:member_role_7"} {
				if c1z.Entitlement(id) == nil {
					t.Fatalf("entitlement %s not in the c1z", id)
				}
			}
			for _, id := range []string{"project:50:developer:user:104", "group:11:developer:user:102"} {
				if c1z.Grant(id) == nil {
					t.Fatalf("grant %s not in the c1z", id)
				}
			}

			// carol (103, Maintainer of acme/platform/infra only) gets Developer on acme/sales.
			if err := o.grant(t, "group:14:developer", "103"); err != nil {
				t.Fatalf("grant: %v", err)
			}
			if m := o.groupMember(fakegitlab.DemoGroupSales, fakegitlab.DemoUserCarol); m == nil || m.AccessLevel != fakegitlab.Developer {
				t.Fatalf("carol in acme/sales: %+v, want Developer", m)
			}
			// Again: already granted, nothing changes, success.
			if err := o.grant(t, "group:14:developer", "103"); err != nil {
				t.Fatalf("repeated grant: %v", err)
			}

			// wendy (121) is a Developer of acme/sales awaiting a seat (user cap): no access,
			// so no grant in the c1z, and granting it is refused with what to do in GitLab
			// (not reported as already there), her membership untouched.
			if c1z.Grant("group:14:developer:user:121") != nil {
				t.Fatal("the c1z has a grant for wendy's awaiting membership")
			}
			err := o.grant(t, "group:14:developer", "121")
			if err == nil || !strings.Contains(err.Error(), "awaiting a seat") || !strings.Contains(err.Error(), "approve") {
				t.Fatalf("grant to an awaiting member: %v, want a refusal saying the membership awaits approval", err)
			}
			if m := o.groupMember(fakegitlab.DemoGroupSales, fakegitlab.DemoUserWendy); m == nil || m.AccessLevel != fakegitlab.Developer || m.MembershipState != "awaiting" {
				t.Fatalf("wendy in acme/sales: %+v, want Developer, awaiting, untouched", m)
			}

			// peggy (115) Developer of acme/platform until 2036-01-31 → Maintainer, same expiry.
			if err := o.grant(t, "group:11:maintainer", "115"); err != nil {
				t.Fatalf("grant: %v", err)
			}
			if m := o.groupMember(fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy); m == nil || m.AccessLevel != fakegitlab.Maintainer || m.ExpiresAt != "2036-01-31" {
				t.Fatalf("peggy in acme/platform: %+v, want Maintainer until 2036-01-31", m)
			}

			// The custom role Security Auditor (7), whose entitlement the sync found on
			// acme/platform (mallory holds it), for carol there.
			if err := o.grant(t, "group:11:member_role_7", "103"); err != nil {
				t.Fatalf("custom role grant: %v", err)
			}
			if m := o.groupMember(fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserCarol); m == nil || m.MemberRoleID != fakegitlab.DemoMemberRoleSecurityAuditor || m.AccessLevel != fakegitlab.Reporter {
				t.Fatalf("carol in acme/platform: %+v, want custom role 7 at Reporter", m)
			}

			// Below the inherited level: bob (102) is Developer of acme.
			err = o.grant(t, "group:11:reporter", "102")
			if err == nil || !strings.Contains(err.Error(), "acme") {
				t.Fatalf("grant below inherited: %v, want an error naming acme", err)
			}
			if m := o.groupMember(fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserBob); m != nil {
				t.Fatalf("refused grant left bob in acme/platform: %+v", m)
			}

			// Revoke dave's (104) Developer on project acme/platform/api.
			if err := o.revoke(t, "project:50:developer:user:104"); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			if m := o.projectMember(fakegitlab.DemoProjectAPI, fakegitlab.DemoUserDave); m != nil {
				t.Fatalf("dave still in acme/platform/api: %+v", m)
			}
			// The same revoke again (the c1z still has the grant): already revoked, success.
			if err := o.revoke(t, "project:50:developer:user:104"); err != nil {
				t.Fatalf("repeated revoke: %v", err)
			}

			// bob's Developer on acme/platform is inherited from acme: refused, nothing removed.
			err = o.revoke(t, "group:11:developer:user:102")
			if err == nil || !strings.Contains(err.Error(), "acme") {
				t.Fatalf("revoke of an inherited grant: %v, want an error naming acme", err)
			}
			if m := o.groupMember(fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob); m == nil || m.AccessLevel != fakegitlab.Developer {
				t.Fatalf("bob in acme: %+v, want Developer kept", m)
			}

			// A stale grant from the old c1z: peggy is now Maintainer, the c1z says Developer.
			if err := o.revoke(t, "group:11:developer:user:115"); err != nil {
				t.Fatalf("stale revoke: %v", err)
			}
			if m := o.groupMember(fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy); m == nil || m.AccessLevel != fakegitlab.Maintainer {
				t.Fatalf("stale revoke changed peggy: %+v, want Maintainer kept", m)
			}

			// After a new sync the new grant is there and revoking it removes carol again.
			c1z = o.sync(t)
			if c1z.Grant("group:14:developer:user:103") == nil {
				t.Fatal("grant group:14:developer:user:103 not in the new c1z")
			}
			if err := o.revoke(t, "group:14:developer:user:103"); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			if m := o.groupMember(fakegitlab.DemoGroupSales, fakegitlab.DemoUserCarol); m != nil {
				t.Fatalf("carol still in acme/sales: %+v", m)
			}
		})
	}
}
