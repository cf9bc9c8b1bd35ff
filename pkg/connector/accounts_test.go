package connector

import (
	"context"
	"slices"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// --- capabilities ---

func TestAccountCapabilities(t *testing.T) {
	for _, tc := range []struct {
		name         string
		c            *Connector
		wantAccounts bool // account creation advertised
		wantRandom   bool
		wantActions  bool
	}{
		{"self-managed", newAcctEnv(t, fakegitlab.ModeSelfManaged, nil).c, true, true, true},
		{"gitlab.com with --account-creation-group", newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme" }).c, true, false, false},
		// No group to invite to: account creation cannot work, so it is not advertised.
		{"gitlab.com without --account-creation-group", newAcctEnv(t, fakegitlab.ModeGitLabCom, nil).c, false, false, false},
		// `baton-gitlab capabilities` (no settings) describes the connector in general.
		{"capabilities builder", NewForCapabilities(), true, true, true},
	} {
		ctx := context.Background()
		srv, err := connectorbuilder.NewConnector(ctx, tc.c)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		md, err := srv.GetMetadata(ctx, &v2.ConnectorServiceGetMetadataRequest{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		caps := md.GetMetadata().GetCapabilities()
		has := func(c v2.Capability) bool {
			for _, x := range caps.GetConnectorCapabilities() {
				if x == c {
					return true
				}
			}
			return false
		}
		if got := has(v2.Capability_CAPABILITY_ACCOUNT_PROVISIONING); got != tc.wantAccounts {
			t.Errorf("%s: account provisioning advertised %v, want %v", tc.name, got, tc.wantAccounts)
		}
		if got := has(v2.Capability_CAPABILITY_ACTIONS); got != tc.wantActions {
			t.Errorf("%s: actions advertised %v, want %v", tc.name, got, tc.wantActions)
		}
		var userCaps []v2.Capability
		for _, rt := range caps.GetResourceTypeCapabilities() {
			if rt.GetResourceType().GetId() == "user" {
				userCaps = rt.GetCapabilities()
			}
		}
		deletes := false
		for _, c := range userCaps {
			deletes = deletes || c == v2.Capability_CAPABILITY_RESOURCE_DELETE
		}
		if !deletes {
			t.Errorf("%s: accounts cannot be deleted according to capabilities", tc.name)
		}
		ap := caps.GetCredentialDetails().GetCapabilityAccountProvisioning()
		if !tc.wantAccounts {
			if ap != nil {
				t.Errorf("%s: account provisioning credential details %v without account provisioning", tc.name, ap)
			}
			continue
		}
		if ap.GetPreferredCredentialOption() != v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD {
			t.Errorf("%s: preferred credential %s, want no password", tc.name, ap.GetPreferredCredentialOption())
		}
		random := false
		for _, o := range ap.GetSupportedCredentialOptions() {
			random = random || o == v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD
		}
		if random != tc.wantRandom {
			t.Errorf("%s: random password supported %v, want %v", tc.name, random, tc.wantRandom)
		}
		if md.GetMetadata().GetAccountCreationSchema().GetFieldMap()["email"] == nil {
			t.Errorf("%s: the account creation schema has no email", tc.name)
		}
	}
}

// --- self-managed with a token that is not an administrator's: no admin API ---

func TestAccountsSelfManagedNonAdminToken(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, func(s *Settings) { s.AccountCreationGroup = "acme" })
	e.s.Write(func(w *fakegitlab.World) { w.Users[fakegitlab.DemoUserAdmin].IsAdmin = false })
	ctx := context.Background()

	res, _, _, err := e.users.CreateAccount(ctx, accountInfo("newbie", "newbie@acme.example", nil), noPassword)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.(*v2.CreateAccountResponse_SuccessResult).GetResource().GetId().GetResource(); got != "invitation:newbie@acme.example" {
		t.Errorf("resource %q, want the pending account", got)
	}
	if _, found := e.user("newbie"); found {
		t.Error("a non-admin token created an instance user")
	}

	// Deprovisioning removes the organisation's memberships; the account is not blocked.
	if _, err := e.users.Delete(ctx, acctUserID(t, "105"), nil); err != nil {
		t.Fatal(err)
	}
	e.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserErin] != nil || w.GroupMembers[fakegitlab.DemoGroupK8s][fakegitlab.DemoUserErin] != nil {
			t.Error("erin is still a member")
		}
		if w.Users[fakegitlab.DemoUserErin].State != fakegitlab.StateActive {
			t.Error("erin's account state changed")
		}
	})

	_, _, err = e.users.accountActionHandler("block")(ctx, acctActionArgs(t, fakegitlab.DemoUserBob))
	acctWantCode(t, err, codes.FailedPrecondition, "administrator")
	if st := e.state(fakegitlab.DemoUserBob); st != fakegitlab.StateActive {
		t.Errorf("bob is %q", st)
	}

	// Without --account-creation-group the refusal names the setting.
	e.c.settings.AccountCreationGroup = ""
	_, _, _, err = e.users.CreateAccount(ctx, accountInfo("x", "x@acme.example", nil), noPassword)
	acctWantCode(t, err, codes.FailedPrecondition, "--account-creation-group", "administrator")
}

// --- actions on accounts (self-managed, admin token) ---

func acctActionArgs(t *testing.T, userID int64) *structpb.Struct {
	t.Helper()
	args, err := structpb.NewStruct(map[string]any{
		"resource_id": map[string]any{"resource_type_id": "user", "resource_id": acctItoa(userID)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return args
}

func TestAccountActionSchemas(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		c    *Connector
		want []string
	}{
		{"self-managed", newAcctEnv(t, fakegitlab.ModeSelfManaged, nil).c, []string{"activate", "block", "deactivate", "unblock"}},
		{"gitlab.com", newAcctEnv(t, fakegitlab.ModeGitLabCom, nil).c, nil},
	} {
		srv, err := connectorbuilder.NewConnector(ctx, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.ListActionSchemas(ctx, v2.ListActionSchemasRequest_builder{ResourceTypeId: "user"}.Build())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, sc := range resp.GetSchemas() {
			got = append(got, sc.GetName())
			if len(sc.GetArguments()) != 1 || sc.GetArguments()[0].GetName() != "resource_id" || !sc.GetArguments()[0].GetIsRequired() {
				t.Errorf("%s: %s arguments %v, want one required resource_id", tc.name, sc.GetName(), sc.GetArguments())
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: actions %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAccountActionsChangeState(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	ctx := context.Background()
	// trent never signed in: every transition applies to him.
	for _, step := range []struct{ action, want string }{
		{"block", fakegitlab.StateBlocked},
		{"unblock", fakegitlab.StateActive},
		{"deactivate", fakegitlab.StateDeactivated},
		{"activate", fakegitlab.StateActive},
	} {
		out, _, err := e.users.accountActionHandler(step.action)(ctx, acctActionArgs(t, fakegitlab.DemoUserTrent))
		if err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
		if st := e.state(fakegitlab.DemoUserTrent); st != step.want {
			t.Fatalf("after %s trent is %q, want %q", step.action, st, step.want)
		}
		m := out.AsMap()
		if m["success"] != true || m["state"] != step.want {
			t.Errorf("%s returned %v, want success and state %s", step.action, m, step.want)
		}
	}
}

func TestAccountActionsRefusals(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		action  string
		userID  int64
		code    codes.Code
		say     []string
		stateIs string
	}{
		{"unblock", fakegitlab.DemoUserIvan, codes.FailedPrecondition, []string{"ivan", "blocked by LDAP", "directory"}, fakegitlab.StateLDAPBlocked},
		{"block", fakegitlab.DemoUserIvan, codes.FailedPrecondition, []string{"blocked by LDAP"}, fakegitlab.StateLDAPBlocked},
		{"unblock", fakegitlab.DemoUserGrace, codes.FailedPrecondition, []string{"deactivated, not blocked", "activate action"}, fakegitlab.StateDeactivated},
		{"activate", fakegitlab.DemoUserFrank, codes.FailedPrecondition, []string{"blocked, not deactivated", "unblock action"}, fakegitlab.StateBlocked},
		{"deactivate", fakegitlab.DemoUserFrank, codes.FailedPrecondition, []string{"cannot deactivate a blocked user"}, fakegitlab.StateBlocked},
		{"deactivate", fakegitlab.DemoUserBob, codes.FailedPrecondition, []string{"90 days", "block"}, fakegitlab.StateActive},
		{"block", fakegitlab.DemoUserAdmin, codes.FailedPrecondition, []string{"token's own user"}, fakegitlab.StateActive},
		{"block", 99999, codes.NotFound, nil, ""},
	} {
		_, _, err := e.users.accountActionHandler(tc.action)(ctx, acctActionArgs(t, tc.userID))
		if status.Code(err) != tc.code {
			t.Errorf("%s %d: error %v, want %s", tc.action, tc.userID, err, tc.code)
			continue
		}
		for _, s := range tc.say {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s %d: error %q does not say %q", tc.action, tc.userID, err, s)
			}
		}
		if tc.stateIs != "" {
			if st := e.state(tc.userID); st != tc.stateIs {
				t.Errorf("%s %d: state became %q", tc.action, tc.userID, st)
			}
		}
	}
	// Arguments.
	pending, _ := structpb.NewStruct(map[string]any{"resource_id": map[string]any{"resource_type_id": "user", "resource_id": "invitation:" + fakegitlab.DemoInvitationEmail}})
	_, _, err := e.users.accountActionHandler("block")(ctx, pending)
	acctWantCode(t, err, codes.InvalidArgument, "pending invitation")
	_, _, err = e.users.accountActionHandler("block")(ctx, &structpb.Struct{})
	acctWantCode(t, err, codes.InvalidArgument, "resource_id")
	plain, _ := structpb.NewStruct(map[string]any{"resource_id": "119"})
	if _, _, err := e.users.accountActionHandler("block")(ctx, plain); err != nil {
		t.Errorf("a plain user id argument: %v", err)
	}
	if st := e.state(fakegitlab.DemoUserTrent); st != fakegitlab.StateBlocked {
		t.Errorf("trent is %q after block", st)
	}
}
