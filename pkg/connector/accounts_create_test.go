package connector

import (
	"context"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

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
