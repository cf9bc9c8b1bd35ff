package connector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// The account lifecycle through the real bin/baton-gitlab (batontest.RunCLI), as an
// operator runs it: a sync, then --create-account-*, --list-action-schemas,
// --invoke-action and --delete-resource, each a new process against the fake GitLab.
// (Never the SDK's connectorrunner inside the test binary: it re-executes its own
// binary as the connector service.) Each run costs about a second: keep them few.

const acctCLIToken = "glpat-accounts-cli-test-token"

type acctCLI struct {
	s    *fakegitlab.Server
	url  string
	dir  string
	c1z  string
	base []string // flags every run gets
}

func newAcctCLI(t *testing.T, mode fakegitlab.Mode, flags ...string) *acctCLI {
	t.Helper()
	s, url := fakegitlab.StartForTest(t, fakegitlab.DemoWorld(mode), fakegitlab.Options{Mode: mode, Token: acctCLIToken})
	dir := t.TempDir()
	c := &acctCLI{s: s, url: url, dir: dir, c1z: filepath.Join(dir, "sync.c1z")}
	c.base = []string{"--base-url", url, "-f", c.c1z}
	if mode == fakegitlab.ModeGitLabCom {
		c.base = append(c.base, "--deployment", "gitlab.com")
	}
	c.base = append(c.base, flags...)
	return c
}

// run runs baton-gitlab with the base flags and args; the token goes through the
// environment.
func (c *acctCLI) run(t *testing.T, args ...string) batontest.CLIResult {
	t.Helper()
	return batontest.RunCLI(t, c.dir, []string{"BATON_ACCESS_TOKEN=" + acctCLIToken}, append(append([]string{}, c.base...), args...)...)
}

// ok runs and fails the test unless the run succeeded.
func (c *acctCLI) ok(t *testing.T, what string, args ...string) batontest.CLIResult {
	t.Helper()
	r := c.run(t, args...)
	if r.ExitCode != 0 {
		t.Fatalf("%s: exit %d\nstderr: %s\nstdout: %s", what, r.ExitCode, r.Stderr, r.Stdout)
	}
	return r
}

func (c *acctCLI) user(username string) (fakegitlab.User, bool) {
	var u fakegitlab.User
	var found bool
	c.s.Read(func(w *fakegitlab.World) {
		if p := w.UserByUsername(username); p != nil {
			u, found = *p, true
		}
	})
	return u, found
}

func actionArgsJSON(userID int64) string {
	return fmt.Sprintf(`{"resource_id":{"resource_type_id":"user","resource_id":"%d"}}`, userID)
}

func TestCLIAccountLifecycleSelfManaged(t *testing.T) {
	t.Parallel()
	c := newAcctCLI(t, fakegitlab.ModeSelfManaged)
	c.ok(t, "sync")

	c.ok(t, "--create-account-login", "--create-account-login", "zed", "--create-account-email", "zed@acme.example",
		"--create-account-profile", `{"name":"Zed Zhang"}`)
	zed, found := c.user("zed")
	if !found {
		t.Fatal("zed was not created in GitLab")
	}
	if zed.Email != "zed@acme.example" || zed.Name != "Zed Zhang" || zed.State != fakegitlab.StateActive {
		t.Errorf("zed in GitLab: %+v", zed)
	}

	// Asking again: GitLab's 409 is the already-existing account, not a failure.
	var before int
	c.s.Read(func(w *fakegitlab.World) { before = len(w.Users) })
	c.ok(t, "--create-account-login again", "--create-account-login", "zed", "--create-account-email", "zed@acme.example")
	c.s.Read(func(w *fakegitlab.World) {
		if len(w.Users) != before {
			t.Errorf("users %d → %d", before, len(w.Users))
		}
	})

	r := c.ok(t, "--list-action-schemas", "--list-action-schemas", "--list-action-schemas-resource-type", "user")
	for _, name := range []string{"block", "unblock", "deactivate", "activate"} {
		if !strings.Contains(r.Stdout+r.Stderr, `"name":"`+name+`"`) {
			t.Errorf("--list-action-schemas does not list %s:\n%s", name, r.Stderr)
		}
	}

	for _, step := range []struct{ action, want string }{
		{"block", fakegitlab.StateBlocked},
		{"unblock", fakegitlab.StateActive},
	} {
		c.ok(t, "--invoke-action "+step.action, "--invoke-action", step.action, "--invoke-action-resource-type", "user",
			"--invoke-action-args", actionArgsJSON(zed.ID))
		if u, _ := c.user("zed"); u.State != step.want {
			t.Fatalf("after %s zed is %q, want %q", step.action, u.State, step.want)
		}
	}

	// GitLab's refusal fails the run and says why: ivan is blocked by LDAP.
	r = c.run(t, "--invoke-action", "unblock", "--invoke-action-resource-type", "user",
		"--invoke-action-args", actionArgsJSON(fakegitlab.DemoUserIvan))
	if r.ExitCode == 0 {
		t.Error("unblocking an LDAP-blocked user succeeded")
	}
	if !strings.Contains(r.Stderr, "blocked by LDAP") {
		t.Errorf("the refusal does not say why:\n%s", r.Stderr)
	}
	if u, _ := c.user("ivan"); u.State != fakegitlab.StateLDAPBlocked {
		t.Errorf("ivan is %q", u.State)
	}

	// --delete-resource blocks (the default --deprovision-action); delete only when asked.
	c.ok(t, "--delete-resource", "--delete-resource", strconv.FormatInt(zed.ID, 10), "--delete-resource-type", "user")
	if u, found := c.user("zed"); !found || u.State != fakegitlab.StateBlocked {
		t.Errorf("after --delete-resource zed is %+v (found %v), want blocked", u.State, found)
	}
	c.ok(t, "--delete-resource with delete", "--deprovision-action", "delete",
		"--delete-resource", strconv.FormatInt(fakegitlab.DemoUserTrent, 10), "--delete-resource-type", "user")
	if _, found := c.user("trent"); found {
		t.Error("--deprovision-action delete left trent")
	}
}

func TestCLIAccountLifecycleGitLabCom(t *testing.T) {
	t.Parallel()
	const email = "new.hire@example.org"
	c := newAcctCLI(t, fakegitlab.ModeGitLabCom, "--account-creation-group", "acme", "--account-creation-access-level", "developer")
	c.ok(t, "sync")

	// GitLab.com has no username to choose: the profile carries the email.
	c.ok(t, "--create-account-profile", "--create-account-profile", `{"email":"`+email+`"}`)
	var inv *fakegitlab.Invitation
	c.s.Read(func(w *fakegitlab.World) {
		for _, i := range w.GroupInvitations[fakegitlab.DemoGroupAcme] {
			if i.Email == email {
				cp := *i
				inv = &cp
			}
		}
	})
	if inv == nil {
		t.Fatal("no invitation to acme")
	}
	if inv.AccessLevel != fakegitlab.Developer {
		t.Errorf("invited as %s, want Developer (--account-creation-access-level)", inv.AccessLevel)
	}

	// Deleting the pending account cancels the invitation.
	c.ok(t, "--delete-resource invitation", "--delete-resource", "invitation:"+email, "--delete-resource-type", "user")
	c.s.Read(func(w *fakegitlab.World) {
		for _, i := range w.GroupInvitations[fakegitlab.DemoGroupAcme] {
			if i.Email == email {
				t.Error("the invitation is still pending")
			}
		}
	})

	// Deleting an account removes it from the organisation; the GitLab.com user stays.
	c.ok(t, "--delete-resource carol", "--delete-resource", strconv.FormatInt(fakegitlab.DemoUserCarol, 10), "--delete-resource-type", "user")
	c.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupInfra][fakegitlab.DemoUserCarol] != nil {
			t.Error("carol is still a member of acme/platform/infra")
		}
		if w.Users[fakegitlab.DemoUserCarol] == nil || w.Users[fakegitlab.DemoUserCarol].State != fakegitlab.StateActive {
			t.Error("carol's GitLab.com account was changed")
		}
	})
}

// On GitLab.com a new account is an invitation to --account-creation-group: a run that
// creates an account without it is refused when the connector starts, before any
// request to GitLab, with the setting to give.
func TestCLIAccountCreationGitLabComRefusedAtStartup(t *testing.T) {
	c := newAcctCLI(t, fakegitlab.ModeGitLabCom)
	c.s.ResetCounts()
	r := c.run(t, "--create-account-login", "jane", "--create-account-email", "jane@example.org")
	if r.ExitCode == 0 {
		t.Fatal("account creation without --account-creation-group succeeded")
	}
	for _, want := range []string{"--account-creation-group", "BATON_ACCOUNT_CREATION_GROUP"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the refusal does not name %s:\n%s", want, r.Stderr)
		}
	}
	if n := c.s.TotalRequests(); n != 0 {
		t.Errorf("%d requests reached GitLab before the refusal", n)
	}
	// --create-account-email alone would make baton-sdk run a sync: refused with what to add.
	r = c.run(t, "--account-creation-group", "acme", "--create-account-email", "jane@example.org")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "--create-account-profile") {
		t.Errorf("--create-account-email alone: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	if n := c.s.TotalRequests(); n != 0 {
		t.Errorf("%d requests reached GitLab", n)
	}
}

// `baton-gitlab capabilities` needs no settings and says what works.
func TestCLICapabilities(t *testing.T) {
	r := batontest.RunCLI(t, t.TempDir(), nil, "capabilities")
	if r.ExitCode != 0 {
		t.Fatalf("capabilities: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	// The SDK prints the capabilities as a JSON Any.
	var msg anypb.Any
	caps := &v2.ConnectorCapabilities{}
	if err := protojson.Unmarshal([]byte(strings.TrimSpace(r.Stdout)), &msg); err != nil {
		t.Fatalf("capabilities output is not JSON: %v\n%s", err, r.Stdout)
	}
	if err := msg.UnmarshalTo(caps); err != nil {
		t.Fatalf("capabilities output is not ConnectorCapabilities: %v", err)
	}
	has := func(list []v2.Capability, c v2.Capability) bool {
		for _, x := range list {
			if x == c {
				return true
			}
		}
		return false
	}
	for _, c := range []v2.Capability{v2.Capability_CAPABILITY_ACCOUNT_PROVISIONING, v2.Capability_CAPABILITY_ACTIONS, v2.Capability_CAPABILITY_PROVISION} {
		if !has(caps.GetConnectorCapabilities(), c) {
			t.Errorf("capabilities lack %s", c)
		}
	}
	var userCaps []v2.Capability
	for _, rt := range caps.GetResourceTypeCapabilities() {
		if rt.GetResourceType().GetId() == "user" {
			userCaps = rt.GetCapabilities()
		}
	}
	if !has(userCaps, v2.Capability_CAPABILITY_RESOURCE_DELETE) {
		t.Errorf("accounts cannot be deleted according to capabilities: %v", userCaps)
	}
	ap := caps.GetCredentialDetails().GetCapabilityAccountProvisioning()
	if ap.GetPreferredCredentialOption() != v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD {
		t.Errorf("preferred credential %s, want no password", ap.GetPreferredCredentialOption())
	}
	// The capabilities describe every deployment: a random password works on self-managed GitLab.
	supported := ap.GetSupportedCredentialOptions()
	if len(supported) != 2 || !slicesContains(supported, v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD) {
		t.Errorf("supported credential options %v, want no password and random password", supported)
	}
}

func slicesContains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// The pending account stays in every sync until the invitation is accepted; then the
// real account takes its place, with its membership.
func TestCreateAccountGitLabComPendingUntilAccepted(t *testing.T) {
	t.Parallel()
	const email = "new.hire@example.org"
	ctx := context.Background()
	f := batontest.NewDemo(t, fakegitlab.ModeGitLabCom, batontest.WithSettings(func(s *connector.Settings) {
		s.AccountCreationGroup = "acme"
		s.AccountCreationAccessLevel = gitlab.ReporterPermissions
	}))
	srv, err := connectorbuilder.NewConnector(ctx, f.Connector)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.CreateAccount(ctx, v2.CreateAccountRequest_builder{
		AccountInfo: v2.AccountInfo_builder{
			Emails: []*v2.AccountInfo_Email{v2.AccountInfo_Email_builder{Address: email, IsPrimary: true}.Build()},
		}.Build(),
		CredentialOptions: v2.CredentialOptions_builder{NoPassword: &v2.CredentialOptions_NoPassword{}}.Build(),
	}.Build())
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetSuccess().GetResource().GetId().GetResource(); got != "invitation:"+email {
		t.Fatalf("created %q (response %v), want the pending account", got, resp)
	}

	// A later sync still shows the pending account.
	{
		c := batontest.Sync(t, ctx, f.Connector)
		pending := c.Resource("user", "invitation:"+email)
		if pending == nil {
			t.Fatal("later sync: the pending account is missing")
		}
		ut := batontest.UserTrait(pending)
		if ut.GetStatus().GetStatus() != v2.UserTrait_Status_STATUS_DISABLED {
			t.Errorf("later sync: status %s, want disabled", ut.GetStatus().GetStatus())
		}
		profile := ut.GetProfile().AsMap()
		if profile["pending_invitation"] != true {
			t.Errorf("later sync: profile %v, want pending_invitation", profile)
		}
		if !strings.Contains(invitationsJSON(profile["invitations"]), "acme") {
			t.Errorf("later sync: invitations %v do not name acme", profile["invitations"])
		}
		if gs := c.GrantsOf("user", "invitation:"+email); len(gs) != 0 {
			t.Errorf("later sync: %d grants for a pending account", len(gs))
		}
	}

	// The person accepts: GitLab deletes the invitation and adds the member.
	var newID int64
	f.Server.Write(func(w *fakegitlab.World) {
		var inv *fakegitlab.Invitation
		var keep []*fakegitlab.Invitation
		for _, i := range w.GroupInvitations[fakegitlab.DemoGroupAcme] {
			if strings.EqualFold(i.Email, email) {
				inv = i
				continue
			}
			keep = append(keep, i)
		}
		if inv == nil {
			t.Fatal("no invitation to accept")
		}
		w.GroupInvitations[fakegitlab.DemoGroupAcme] = keep
		u := w.AddUser(&fakegitlab.User{Username: "new.hire", Name: "New Hire", Email: email, State: fakegitlab.StateActive, CreatedAt: w.Clock()})
		newID = u.ID
		w.SetGroupMember(fakegitlab.DemoGroupAcme, &fakegitlab.Member{UserID: u.ID, AccessLevel: inv.AccessLevel, CreatedAt: w.Clock()})
	})
	c := batontest.Sync(t, ctx, f.Connector)
	if c.Resource("user", "invitation:"+email) != nil {
		t.Error("the pending account is still there after acceptance")
	}
	if c.Resource("user", strconv.FormatInt(newID, 10)) == nil {
		t.Fatal("the real account did not take the pending account's place")
	}
	if c.GrantFor("group:10:reporter", "user", strconv.FormatInt(newID, 10)) == nil {
		t.Error("the accepted account has no Reporter grant on acme (the --account-creation-access-level)")
	}
}

func invitationsJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
