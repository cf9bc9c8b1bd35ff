package connector

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Tests of the account lifecycle (accounts.go, account_actions.go) against the fake
// GitLab's demo world, in both deployments. Every test asserts the fake's state afterwards.

const acctTestToken = "glpat-accounts-test-token"

type acctEnv struct {
	s     *fakegitlab.Server
	c     *Connector
	users *userSyncer
}

// newAcctEnv serves the demo world in mode and builds the connector with connector.New,
// as the CLI does; edit adjusts the settings first.
func newAcctEnv(t *testing.T, mode fakegitlab.Mode, edit func(*Settings)) *acctEnv {
	t.Helper()
	s, url := fakegitlab.StartForTest(t, fakegitlab.DemoWorld(mode), fakegitlab.Options{Mode: mode, Token: acctTestToken})
	dep := gitlabapi.GitLabCom
	if mode == fakegitlab.ModeSelfManaged {
		dep = gitlabapi.SelfManaged
	}
	set := Settings{BaseURL: url, Deployment: dep, Retry: gitlabapi.RetryPolicy{WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond}}
	if edit != nil {
		edit(&set)
	}
	c, err := New(context.Background(), set, acctTestToken)
	if err != nil {
		t.Fatal(err)
	}
	return &acctEnv{s: s, c: c, users: &userSyncer{c: c}}
}

// createSuccess creates an account and fails the test unless GitLab created it.
func (e *acctEnv) createSuccess(t *testing.T, info *v2.AccountInfo, cred *v2.LocalCredentialOptions) (*v2.CreateAccountResponse_SuccessResult, []*v2.PlaintextData) {
	t.Helper()
	res, creds, _, err := e.users.CreateAccount(context.Background(), info, cred)
	if err != nil {
		t.Fatal(err)
	}
	ok, isSuccess := res.(*v2.CreateAccountResponse_SuccessResult)
	if !isSuccess {
		t.Fatalf("result %T, want success", res)
	}
	return ok, creds
}

func accountInfo(login, email string, profile map[string]any) *v2.AccountInfo {
	var emails []*v2.AccountInfo_Email
	if email != "" {
		emails = append(emails, v2.AccountInfo_Email_builder{Address: email, IsPrimary: true}.Build())
	}
	var p *structpb.Struct
	if profile != nil {
		var err error
		if p, err = structpb.NewStruct(profile); err != nil {
			panic(err)
		}
	}
	return v2.AccountInfo_builder{Login: login, Emails: emails, Profile: p}.Build()
}

var (
	noPassword     = v2.LocalCredentialOptions_builder{NoPassword: &v2.LocalCredentialOptions_NoPassword{}}.Build()
	randomPassword = v2.LocalCredentialOptions_builder{RandomPassword: v2.LocalCredentialOptions_RandomPassword_builder{Length: 20}.Build()}.Build()
)

func acctWantCode(t *testing.T, err error, code codes.Code, contains ...string) {
	t.Helper()
	if status.Code(err) != code {
		t.Fatalf("error %v: code %s, want %s", err, status.Code(err), code)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not say %q", err.Error(), c)
		}
	}
}

func acctUserID(t *testing.T, id string) *v2.ResourceId {
	t.Helper()
	return v2.ResourceId_builder{ResourceType: "user", Resource: id}.Build()
}

func (e *acctEnv) user(username string) (u fakegitlab.User, ok bool) {
	e.s.Read(func(w *fakegitlab.World) {
		if p := w.UserByUsername(username); p != nil {
			u, ok = *p, true
		}
	})
	return u, ok
}

func (e *acctEnv) state(id int64) string {
	var st string
	e.s.Read(func(w *fakegitlab.World) {
		if u := w.Users[id]; u != nil {
			st = u.State
		}
	})
	return st
}

func hasDoesNotExist(annos annotations.Annotations) bool {
	return annos.Contains(&v2.ResourceDoesNotExist{})
}

// --- self-managed: instance accounts ---

func TestCreateAccountSelfManagedNoPassword(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	ok, creds := e.createSuccess(t, accountInfo("zoe", "zoe@acme.example", map[string]any{"name": "Zoë Zimmer"}), noPassword)
	if len(creds) != 0 {
		t.Errorf("no-password creation returned %d credentials", len(creds))
	}
	u, found := e.user("zoe")
	if !found {
		t.Fatal("zoe was not created in GitLab")
	}
	if u.Email != "zoe@acme.example" || u.Name != "Zoë Zimmer" || u.State != fakegitlab.StateActive {
		t.Errorf("created user %+v", u)
	}
	if u.Password != "" {
		t.Error("no-password creation set a password (want reset_password)")
	}
	if u.ConfirmedAt != nil {
		t.Error("email confirmed without --skip-confirmation")
	}
	if got := ok.GetResource().GetId().GetResource(); got != acctItoa(u.ID) {
		t.Errorf("resource id %q, want %d", got, u.ID)
	}
	if ok.GetResource().GetId().GetResourceType() != "user" {
		t.Errorf("resource type %q", ok.GetResource().GetId().GetResourceType())
	}
}

func TestCreateAccountSelfManagedRandomPasswordSkipConfirmation(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, func(s *Settings) { s.SkipConfirmation = true })
	_, creds := e.createSuccess(t, accountInfo("yann", "yann@acme.example", nil), randomPassword)
	if len(creds) != 1 || len(creds[0].GetBytes()) != 20 {
		t.Fatalf("want one 20-character password, got %v", creds)
	}
	u, found := e.user("yann")
	if !found {
		t.Fatal("yann was not created")
	}
	if u.Password != string(creds[0].GetBytes()) {
		t.Error("the returned password is not the one GitLab got")
	}
	if u.ConfirmedAt == nil {
		t.Error("--skip-confirmation did not confirm the email")
	}
	if u.Name != "yann" {
		t.Errorf("name %q: want the username when no name is given", u.Name)
	}
}

// Only an account with the requested username AND email (case-insensitive) is the
// requested account; anyone else's username or email is a refusal naming what to change.
func TestCreateAccountSelfManagedAlreadyExists(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	var before int
	e.s.Read(func(w *fakegitlab.World) { before = len(w.Users) })
	res, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("Bob", "BOB@acme.example", nil), noPassword)
	if err != nil {
		t.Fatal(err)
	}
	ae, ok := res.(*v2.CreateAccountResponse_AlreadyExistsResult)
	if !ok {
		t.Fatalf("result %T, want already exists", res)
	}
	if got := ae.GetResource().GetId().GetResource(); got != "102" {
		t.Errorf("existing account %q, want bob (102)", got)
	}
	for name, tc := range map[string]struct {
		info *v2.AccountInfo
		says []string
	}{
		"username of another account": {accountInfo("bob", "someone-else@acme.example", nil),
			[]string{"username bob", "choose another username"}},
		"email of another account": {accountInfo("robert", "BOB@acme.example", nil),
			[]string{"email BOB@acme.example", "use another email"}},
	} {
		res, _, _, err := e.users.CreateAccount(context.Background(), tc.info, noPassword)
		if res != nil {
			t.Errorf("%s: result %v, want none", name, res)
		}
		acctWantCode(t, err, codes.FailedPrecondition, tc.says...)
		if strings.Contains(err.Error(), "bob@acme.example") {
			t.Errorf("%s: the refusal shows the other account's email: %v", name, err)
		}
	}
	var after int
	e.s.Read(func(w *fakegitlab.World) { after = len(w.Users) })
	if after != before {
		t.Errorf("users %d → %d: nothing should have been created", before, after)
	}
}

func TestCreateAccountInvalidRequests(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	_, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("nomail", "", nil), noPassword)
	acctWantCode(t, err, codes.InvalidArgument, "email")
	_, _, _, err = e.users.CreateAccount(context.Background(), accountInfo("", "nologin@acme.example", nil), noPassword)
	acctWantCode(t, err, codes.InvalidArgument, "username", "--create-account-login")
	// GitLab's own validation (400) comes back as InvalidArgument with its message.
	_, _, _, err = e.users.CreateAccount(context.Background(), accountInfo("-bad-", "bad@acme.example", nil), noPassword)
	acctWantCode(t, err, codes.InvalidArgument, "username")
	if _, found := e.user("-bad-"); found {
		t.Error("an invalid username was created")
	}
}

func TestDeleteSelfManagedBlocksByDefault(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	annos, err := e.users.Delete(context.Background(), acctUserID(t, "102"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if hasDoesNotExist(annos) {
		t.Error("bob exists")
	}
	if st := e.state(fakegitlab.DemoUserBob); st != fakegitlab.StateBlocked {
		t.Errorf("bob's state %q, want blocked", st)
	}
	e.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserBob] == nil {
			t.Error("blocking removed bob's membership: block keeps them")
		}
	})
	// Blocking again is not an error (GitLab answers 201 for an already blocked user).
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "102"), nil); err != nil {
		t.Errorf("blocking a blocked user: %v", err)
	}
}

func TestDeleteSelfManagedLDAPBlocked(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	_, err := e.users.Delete(context.Background(), acctUserID(t, "109"), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "user is blocked by LDAP: change it in your directory", "ivan")
	if st := e.state(fakegitlab.DemoUserIvan); st != fakegitlab.StateLDAPBlocked {
		t.Errorf("ivan's state changed to %q", st)
	}
}

func TestDeleteSelfManagedDeactivate(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, func(s *Settings) { s.DeprovisionAction = DeprovisionDeactivate })
	// trent never signed in: dormant, GitLab deactivates him.
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "119"), nil); err != nil {
		t.Fatal(err)
	}
	if st := e.state(fakegitlab.DemoUserTrent); st != fakegitlab.StateDeactivated {
		t.Errorf("trent's state %q, want deactivated", st)
	}
	// bob was active days ago: GitLab refuses, and the error says what to do instead.
	_, err := e.users.Delete(context.Background(), acctUserID(t, "102"), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "90 days", "--deprovision-action block")
	if st := e.state(fakegitlab.DemoUserBob); st != fakegitlab.StateActive {
		t.Errorf("bob's state %q, want active", st)
	}
}

func TestDeleteSelfManagedDelete(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, func(s *Settings) { s.DeprovisionAction = DeprovisionDelete })
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "119"), nil); err != nil {
		t.Fatal(err)
	}
	if _, found := e.user("trent"); found {
		t.Error("trent was not deleted")
	}
	// Already gone: reported, not an error.
	annos, err := e.users.Delete(context.Background(), acctUserID(t, "119"), nil)
	if err != nil || !hasDoesNotExist(annos) {
		t.Errorf("deleting a deleted user: annotations %v, error %v; want ResourceDoesNotExist", annos, err)
	}

	// carol becomes the sole Owner of a new top-level group: GitLab refuses (409).
	e.s.Write(func(w *fakegitlab.World) {
		g := w.AddGroup(&fakegitlab.Group{Name: "Carol's Lab", Path: "carol-lab"})
		w.SetGroupMember(g.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserCarol, AccessLevel: fakegitlab.Owner})
	})
	_, err = e.users.Delete(context.Background(), acctUserID(t, "103"), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "carol", "sole Owner", "transfer ownership of", "or use --deprovision-action block")
	if _, found := e.user("carol"); !found {
		t.Error("carol was deleted despite GitLab's refusal")
	}
	var groupKept bool
	e.s.Read(func(w *fakegitlab.World) { groupKept = w.GroupByFullPath("carol-lab") != nil })
	if !groupKept {
		t.Error("the sole-owned group was deleted: the connector must never hard_delete")
	}
}

func TestDeleteSelfManagedPendingAccount(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "invitation:"+fakegitlab.DemoInvitationEmail), nil); err != nil {
		t.Fatal(err)
	}
	e.s.Read(func(w *fakegitlab.World) {
		if n := len(w.GroupInvitations[fakegitlab.DemoGroupAcme]); n != 0 {
			t.Errorf("%d invitations left in acme", n)
		}
	})
}

// --- GitLab.com: invitations and the organisation's memberships ---

func TestCreateAccountGitLabComNeedsGroup(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	e.s.ResetCounts()
	_, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "new@example.org", nil), noPassword)
	acctWantCode(t, err, codes.FailedPrecondition, "--account-creation-group")
	if n := e.s.TotalRequests(); n != 0 {
		t.Errorf("%d requests to GitLab before refusing", n)
	}
}

func TestCreateAccountGitLabComInvites(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme" })
	// The SDK's one-shot flow always asks for a random password: an invitation has none.
	ok, creds := e.createSuccess(t, accountInfo("", "New.Person@Example.org", nil), randomPassword)
	if len(creds) != 0 {
		t.Errorf("an invitation returned %d credentials", len(creds))
	}
	if got := ok.GetResource().GetId().GetResource(); got != "invitation:new.person@example.org" {
		t.Errorf("resource id %q, want the pending account", got)
	}
	var inv *fakegitlab.Invitation
	e.s.Read(func(w *fakegitlab.World) {
		for _, i := range w.GroupInvitations[fakegitlab.DemoGroupAcme] {
			if strings.EqualFold(i.Email, "new.person@example.org") {
				c := *i
				inv = &c
			}
		}
	})
	if inv == nil {
		t.Fatal("no invitation in acme")
	}
	if inv.AccessLevel != fakegitlab.Guest {
		t.Errorf("invited as %s, want Guest (the default)", inv.AccessLevel)
	}
}

func TestCreateAccountGitLabComLevelAndAlreadyInvited(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) {
		s.AccountCreationGroup = "acme/platform"
		s.AccountCreationAccessLevel = gitlab.DeveloperPermissions
	})
	if _, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "dev@example.org", nil), noPassword); err != nil {
		t.Fatal(err)
	}
	e.s.Read(func(w *fakegitlab.World) {
		invs := w.GroupInvitations[fakegitlab.DemoGroupPlatform]
		if len(invs) != 1 || invs[0].AccessLevel != fakegitlab.Developer {
			t.Errorf("invitations of acme/platform: %+v, want dev@ as Developer", invs)
		}
	})
	// Asking again: the existing invitation is the already-existing pending account.
	res, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "dev@example.org", nil), noPassword)
	if err != nil {
		t.Fatal(err)
	}
	ae, ok := res.(*v2.CreateAccountResponse_AlreadyExistsResult)
	if !ok || ae.GetResource().GetId().GetResource() != "invitation:dev@example.org" {
		t.Fatalf("result %v, want already-exists pending account", res)
	}
}

func TestCreateAccountGitLabComExistingUserBecomesMember(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme" })
	// stranger-01 is a GitLab.com user outside the organisation: GitLab adds them at once.
	ok, _ := e.createSuccess(t, accountInfo("", "stranger-01@example.net", nil), noPassword)
	if got := ok.GetResource().GetId().GetResource(); got != acctItoa(fakegitlab.DemoUserStrangerFirst) {
		t.Errorf("resource %q, want the real account %d", got, fakegitlab.DemoUserStrangerFirst)
	}
	e.s.Read(func(w *fakegitlab.World) {
		m := w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserStrangerFirst]
		if m == nil || m.AccessLevel != fakegitlab.Guest {
			t.Errorf("membership %+v, want Guest of acme", m)
		}
		if len(w.GroupInvitations[fakegitlab.DemoGroupAcme]) != 1 {
			t.Error("a pending invitation was left for an existing user")
		}
	})
}

func TestCreateAccountGitLabComRefusedInvitation(t *testing.T) {
	// Minimal Access exists on top-level groups only: GitLab answers 201 with status error.
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) {
		s.AccountCreationGroup = "acme/platform"
		s.AccountCreationAccessLevel = gitlab.MinimalAccessPermissions
	})
	_, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "min@example.org", nil), noPassword)
	acctWantCode(t, err, codes.FailedPrecondition, "GitLab refused the invitation", "min@example.org", "acme/platform")
	e.s.Read(func(w *fakegitlab.World) {
		if len(w.GroupInvitations[fakegitlab.DemoGroupPlatform]) != 0 {
			t.Error("an invitation was created despite the refusal")
		}
	})
}

func TestDeleteGitLabComRemovesFromOrganisation(t *testing.T) {
	t.Parallel()
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	direct := func(w *fakegitlab.World, userID int64) []string {
		var where []string
		for gid, ms := range w.GroupMembers {
			if ms[userID] != nil {
				where = append(where, "group "+w.FullPath(gid))
			}
		}
		for pid, ms := range w.ProjectMembers {
			if ms[userID] != nil {
				where = append(where, "project "+w.ProjectPathWithNamespace(pid))
			}
		}
		return where
	}
	for _, tc := range []struct {
		name string
		id   int64
	}{
		{"direct member of the top-level group", fakegitlab.DemoUserBob},
		{"subgroup-only member", fakegitlab.DemoUserCarol},
		{"project-only member", fakegitlab.DemoUserDave},
		{"top-level and subgroup member", fakegitlab.DemoUserErin},
		{"member of the second top-level group", fakegitlab.DemoUserQuentin},
	} {
		annos, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(tc.id)), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if hasDoesNotExist(annos) {
			t.Errorf("%s: reported as not existing", tc.name)
		}
		e.s.Read(func(w *fakegitlab.World) {
			if left := direct(w, tc.id); len(left) != 0 {
				t.Errorf("%s: still a member of %v", tc.name, left)
			}
			if w.Users[tc.id] == nil || w.Users[tc.id].State != fakegitlab.StateActive {
				t.Errorf("%s: the GitLab.com account itself must be left alone", tc.name)
			}
		})
	}
	// Nothing left to remove: reported, not an error.
	annos, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserBob)), nil)
	if err != nil || !hasDoesNotExist(annos) {
		t.Errorf("second removal: annotations %v, error %v; want ResourceDoesNotExist", annos, err)
	}
	// Others keep their memberships.
	e.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserAlice] == nil {
			t.Error("alice lost her membership")
		}
	})
}

func TestDeleteGitLabComLastOwner(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	// acme-admin is the only Owner of acme-contractors: GitLab refuses to remove them.
	_, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserAdmin)), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "acme-contractors", "Owner")
	e.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupContractors][fakegitlab.DemoUserAdmin] == nil {
			t.Error("the last Owner was removed")
		}
	})
}

func TestDeleteGitLabComPendingAccount(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	e.s.Write(func(w *fakegitlab.World) {
		w.ProjectInvitations[fakegitlab.DemoProjectCRM] = []*fakegitlab.Invitation{{
			ID: w.NextID(), Email: fakegitlab.DemoInvitationEmail, AccessLevel: fakegitlab.Reporter, CreatedAt: w.Clock(),
		}}
		w.GroupInvitations[fakegitlab.DemoGroupSales] = []*fakegitlab.Invitation{{
			ID: w.NextID(), Email: "other@example.org", AccessLevel: fakegitlab.Guest, CreatedAt: w.Clock(),
		}}
	})
	annos, err := e.users.Delete(context.Background(), acctUserID(t, "invitation:"+strings.ToUpper(fakegitlab.DemoInvitationEmail)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if hasDoesNotExist(annos) {
		t.Error("reported as not existing")
	}
	e.s.Read(func(w *fakegitlab.World) {
		if n := len(w.GroupInvitations[fakegitlab.DemoGroupAcme]); n != 0 {
			t.Errorf("%d invitations left in acme", n)
		}
		if n := len(w.ProjectInvitations[fakegitlab.DemoProjectCRM]); n != 0 {
			t.Errorf("%d invitations left in acme/sales/crm", n)
		}
		if n := len(w.GroupInvitations[fakegitlab.DemoGroupSales]); n != 1 {
			t.Error("another email's invitation was cancelled")
		}
	})
	annos, err = e.users.Delete(context.Background(), acctUserID(t, "invitation:"+fakegitlab.DemoInvitationEmail), nil)
	if err != nil || !hasDoesNotExist(annos) {
		t.Errorf("cancelling again: annotations %v, error %v; want ResourceDoesNotExist", annos, err)
	}
}

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

// --- GitLab.com: the invitation pre-check never changes an existing member ---

// GitLab (17+) turns an invitation of a member's email into an update of that member's
// level and expiry. On GitLab.com the member listing hides emails, so the connector
// compares the group's members before and after: a member GitLab changed is put back
// and is the already-existing account.
func TestCreateAccountGitLabComMemberEmailKeepsTheirAccess(t *testing.T) {
	for _, tc := range []struct {
		name, group, email string
		groupID, userID    int64
		want               fakegitlab.Member
	}{
		// erin is no enterprise user: GitLab.com hides her email from the Owner, so only
		// the before/after comparison finds her (bob's email would be seen by the pre-check).
		{"Reporter of the top-level group", "acme", "erin@acme.example", fakegitlab.DemoGroupAcme, fakegitlab.DemoUserErin,
			fakegitlab.Member{AccessLevel: fakegitlab.Reporter}},
		{"Developer of the top-level group (enterprise user: seen by the pre-check)", "acme", "bob@acme.example", fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob,
			fakegitlab.Member{AccessLevel: fakegitlab.Developer}},
		{"expiring membership", "acme/platform", "Peggy@Acme.example", fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy,
			fakegitlab.Member{AccessLevel: fakegitlab.Developer, ExpiresAt: "2036-01-31"}},
		{"custom role", "acme/platform", "mallory@acme.example", fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserMallory,
			fakegitlab.Member{AccessLevel: fakegitlab.Reporter, MemberRoleID: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = tc.group })
			var invitationsBefore int
			e.s.Read(func(w *fakegitlab.World) { invitationsBefore = len(w.GroupInvitations[tc.groupID]) })
			res, creds, _, err := e.users.CreateAccount(context.Background(), accountInfo("", tc.email, nil), randomPassword)
			if err != nil {
				t.Fatal(err)
			}
			ae, ok := res.(*v2.CreateAccountResponse_AlreadyExistsResult)
			if !ok {
				t.Fatalf("result %T, want already exists", res)
			}
			if got := ae.GetResource().GetId().GetResource(); got != acctItoa(tc.userID) {
				t.Errorf("existing account %q, want %d", got, tc.userID)
			}
			if len(creds) != 0 {
				t.Errorf("%d credentials returned for an existing account", len(creds))
			}
			e.s.Read(func(w *fakegitlab.World) {
				m := w.GroupMembers[tc.groupID][tc.userID]
				if m == nil {
					t.Fatal("the member was removed")
				}
				if m.AccessLevel != tc.want.AccessLevel || m.ExpiresAt != tc.want.ExpiresAt || m.MemberRoleID != tc.want.MemberRoleID {
					t.Errorf("membership after: level %s, expires %q, role %d; want %s, %q, %d",
						m.AccessLevel, m.ExpiresAt, m.MemberRoleID, tc.want.AccessLevel, tc.want.ExpiresAt, tc.want.MemberRoleID)
				}
				if n := len(w.GroupInvitations[tc.groupID]); n != invitationsBefore {
					t.Errorf("invitations %d → %d", invitationsBefore, n)
				}
			})
		})
	}
}

func TestCreateAccountGitLabComInheritedMemberRefused(t *testing.T) {
	// bob is Developer of acme, so Developer of acme/platform by inheritance: a Guest
	// invitation there is below it and GitLab says so in the 201 body.
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme/platform" })
	_, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "bob@acme.example", nil), noPassword)
	acctWantCode(t, err, codes.FailedPrecondition, "GitLab refused the invitation", "bob@acme.example", "acme/platform")
	e.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupPlatform][fakegitlab.DemoUserBob] != nil {
			t.Error("bob got a direct membership of acme/platform")
		}
		if w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserBob].AccessLevel != fakegitlab.Developer {
			t.Error("bob's acme membership changed")
		}
	})
}

func TestCreateAccountUnknownCreationGroup(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "no-such-group" })
	_, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "x@example.org", nil), noPassword)
	acctWantCode(t, err, codes.InvalidArgument, "--account-creation-group no-such-group")
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

// The start-up check (cmd/baton-gitlab calls it with the SDK's --create-account-* values):
// only a run that creates an account on GitLab.com without --account-creation-group, or
// a lone --create-account-email, is refused. No request is made.
func TestCheckAccountCreationAtStartup(t *testing.T) {
	com := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	comGroup := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme" })
	sm := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	com.s.ResetCounts()
	for _, tc := range []struct {
		name                  string
		c                     *Connector
		login, email, profile string
		refuse                []string
	}{
		{"gitlab.com, login, no group", com.c, "jane", "jane@example.org", "", []string{"--account-creation-group", "BATON_ACCOUNT_CREATION_GROUP"}},
		{"gitlab.com, profile, no group", com.c, "", "", `{"email":"jane@example.org"}`, []string{"--account-creation-group"}},
		{"gitlab.com, sync", com.c, "", "", "", nil},
		{"gitlab.com, with group", comGroup.c, "", "", `{"email":"jane@example.org"}`, nil},
		{"self-managed", sm.c, "jane", "jane@example.org", "", nil},
		{"email alone", sm.c, "", "jane@example.org", "", []string{"--create-account-login", "--create-account-profile"}},
	} {
		err := tc.c.CheckAccountCreationAtStartup(tc.login, tc.email, tc.profile)
		if (err != nil) != (tc.refuse != nil) {
			t.Errorf("%s: error %v, want refused %v", tc.name, err, tc.refuse != nil)
			continue
		}
		for _, want := range tc.refuse {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", tc.name, err, want)
			}
		}
	}
	if n := com.s.TotalRequests(); n != 0 {
		t.Errorf("%d requests to GitLab", n)
	}
}

func acctItoa(id int64) string { return strconv.FormatInt(id, 10) }
