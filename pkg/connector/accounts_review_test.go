package connector

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	gitlab "gitlab.com/gitlab-org/api/client-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Tests of the account lifecycle's edge cases: lost answers, concurrent changes, tokens
// without rights somewhere, request cost. Each asserts the fake's state afterwards.

// hookTransport calls before for every request the connector sends, then forwards it:
// tests use it to change the fake's world "at the same moment" as a request (a
// concurrent change by someone else) and to record what was sent.
type hookTransport struct {
	next   http.RoundTripper
	before func(r *http.Request)
	mu     sync.Mutex
	sent   []string // "METHOD escaped-path"
}

func (h *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.sent = append(h.sent, r.Method+" "+r.URL.EscapedPath())
	h.mu.Unlock()
	if h.before != nil {
		h.before(r)
	}
	return h.next.RoundTrip(r)
}

func (h *hookTransport) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.sent...)
}

// hook replaces the connector's client with one whose requests go through a hookTransport.
func (e *acctEnv) hook(t *testing.T, before func(r *http.Request)) *hookTransport {
	t.Helper()
	h := &hookTransport{next: http.DefaultTransport, before: before}
	client, err := gitlabapi.New(context.Background(), gitlabapi.Options{
		BaseURL: e.c.settings.BaseURL, Token: acctTestToken, Deployment: e.c.settings.Deployment,
		HTTPClient: &http.Client{Transport: h}, Retry: e.c.settings.Retry,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.c.client = client
	return h
}

func observedCtx() (context.Context, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.InfoLevel)
	return ctxzap.ToContext(context.Background(), zap.New(core)), logs
}

func (e *acctEnv) groupMember(groupID, userID int64) *fakegitlab.Member {
	var out *fakegitlab.Member
	e.s.Read(func(w *fakegitlab.World) {
		if m := w.GroupMembers[groupID][userID]; m != nil {
			c := *m
			out = &c
		}
	})
	return out
}

// D1: POST /users whose answer is lost (GitLab created the account, the client got 502)
// is not resent (a resend answers 409 and the password would be lost): the account is
// read back and, created by this call, reported as created WITH its password.
func TestCreateAccountSelfManagedLostResponse(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	// GitLab's own clock for created_at (the demo world's is fixed in the past).
	e.s.Write(func(w *fakegitlab.World) { w.Now = time.Time{} })
	ctx := context.Background()
	for _, tc := range []struct {
		username string
		creds    *v2.LocalCredentialOptions
	}{
		{"lost-random", randomPassword},
		{"lost-nopassword", noPassword},
	} {
		e.s.ResetCounts()
		e.s.SetFaults(fakegitlab.Faults{LoseNextWrites: 1})
		res, creds, _, err := e.users.CreateAccount(ctx, accountInfo(tc.username, tc.username+"@acme.example", nil), tc.creds)
		if err != nil {
			t.Fatalf("%s: %v", tc.username, err)
		}
		ok, isSuccess := res.(*v2.CreateAccountResponse_SuccessResult)
		if !isSuccess {
			t.Fatalf("%s: result %T, want success (the account was created by this call)", tc.username, res)
		}
		u, found := e.user(tc.username)
		if !found {
			t.Fatalf("%s was not created", tc.username)
		}
		if got := ok.GetResource().GetId().GetResource(); got != acctItoa(u.ID) {
			t.Errorf("%s: resource %q, want %d", tc.username, got, u.ID)
		}
		if tc.creds == randomPassword {
			if len(creds) != 1 || string(creds[0].GetBytes()) != u.Password || u.Password == "" {
				t.Errorf("%s: the returned password is not the account's", tc.username)
			}
		} else if len(creds) != 0 {
			t.Errorf("%s: %d credentials for a no-password account", tc.username, len(creds))
		}
		if n := e.s.Counts()["POST /users"]; n != 1 {
			t.Errorf("%s: POST /users sent %d times, want once", tc.username, n)
		}
	}
}

// D2: a username taken by an account with another email is someone else's: refused,
// naming the username to change, and neither the refusal nor the log shows that
// account's email. Nothing is sent to GitLab but the look-up.
func TestCreateAccountSelfManagedUsernameOfAnotherAccountRefused(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	ctx, logs := observedCtx()
	e.s.ResetCounts()
	res, _, _, err := e.users.CreateAccount(ctx, accountInfo("bob", "robert.other@example.org", nil), noPassword)
	if res != nil {
		t.Fatalf("result %v, want none", res)
	}
	acctWantCode(t, err, codes.FailedPrecondition, "username bob", "choose another username", "--create-account-login")
	if strings.Contains(err.Error(), "bob@acme.example") {
		t.Errorf("the refusal shows the other account's email: %v", err)
	}
	for _, entry := range logs.All() {
		if strings.Contains(entry.Message, "bob@acme.example") || strings.Contains(fmt.Sprint(entry.ContextMap()), "bob@acme.example") {
			t.Errorf("a log shows the other account's email: %v", entry)
		}
	}
	if n := e.s.Counts()["POST /users"]; n != 0 {
		t.Errorf("POST /users sent %d times", n)
	}
	if u, _ := e.user("bob"); u.Email != "bob@acme.example" {
		t.Errorf("bob's email changed to %q", u.Email)
	}
}

// D3: the member GitLab changed is the one now in exactly the invitation's state; a
// concurrent change of someone else (bob made Maintainer by an Owner at that moment) is
// neither undone nor taken for the email's owner.
func TestCreateAccountGitLabComConcurrentMemberChange(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme" })
	e.hook(t, func(r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/invitations") {
			e.s.Write(func(w *fakegitlab.World) {
				w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserBob].AccessLevel = fakegitlab.Maintainer
			})
		}
	})
	res, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "erin@acme.example", nil), noPassword)
	if err != nil {
		t.Fatal(err)
	}
	ae, ok := res.(*v2.CreateAccountResponse_AlreadyExistsResult)
	if !ok || ae.GetResource().GetId().GetResource() != acctItoa(fakegitlab.DemoUserErin) {
		t.Fatalf("result %v, want already-exists erin", res)
	}
	if m := e.groupMember(fakegitlab.DemoGroupAcme, fakegitlab.DemoUserErin); m == nil || m.AccessLevel != fakegitlab.Reporter {
		t.Errorf("erin's acme membership %+v, want Reporter (put back)", m)
	}
	if m := e.groupMember(fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob); m == nil || m.AccessLevel != fakegitlab.Maintainer {
		t.Errorf("bob's acme membership %+v, want Maintainer (the concurrent change kept)", m)
	}
}

// D3: two members end up in the invitation's state (the email's and one changed by
// someone else at the same moment): an error naming both; only changes whose undoing
// takes access away are put back.
func TestCreateAccountGitLabComAmbiguousInvitation(t *testing.T) {
	t.Run("demotions are left", func(t *testing.T) {
		e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme" })
		e.hook(t, func(r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/invitations") {
				e.s.Write(func(w *fakegitlab.World) {
					w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserBob].AccessLevel = fakegitlab.Guest
				})
			}
		})
		_, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "erin@acme.example", nil), noPassword)
		acctWantCode(t, err, codes.FailedPrecondition, "bob", "erin", "cannot tell", "left as it is")
		for _, id := range []int64{fakegitlab.DemoUserBob, fakegitlab.DemoUserErin} {
			if m := e.groupMember(fakegitlab.DemoGroupAcme, id); m == nil || m.AccessLevel != fakegitlab.Guest {
				t.Errorf("user %d: %+v, want left at Guest (putting back would grant access on a guess)", id, m)
			}
		}
	})
	t.Run("promotions are put back", func(t *testing.T) {
		e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) {
			s.AccountCreationGroup = "acme"
			s.AccountCreationAccessLevel = gitlab.DeveloperPermissions
		})
		e.hook(t, func(r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/invitations") {
				e.s.Write(func(w *fakegitlab.World) {
					w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserOlivia].AccessLevel = fakegitlab.Developer
				})
			}
		})
		_, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "erin@acme.example", nil), noPassword)
		acctWantCode(t, err, codes.FailedPrecondition, "olivia", "erin", "put back")
		if m := e.groupMember(fakegitlab.DemoGroupAcme, fakegitlab.DemoUserErin); m == nil || m.AccessLevel != fakegitlab.Reporter {
			t.Errorf("erin: %+v, want Reporter again", m)
		}
		if m := e.groupMember(fakegitlab.DemoGroupAcme, fakegitlab.DemoUserOlivia); m == nil || m.AccessLevel != fakegitlab.MinimalAccess {
			t.Errorf("olivia: %+v, want Minimal Access again", m)
		}
	})
}

// D4: the email of a member already at the invitation's level: GitLab changes nothing.
// One such member: that is the account (already exists). Several: a clear error.
func TestCreateAccountGitLabComMemberAtTheirOwnLevel(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.AccountCreationGroup = "acme/equipe-donnees" })
	var uma, vera int64
	e.s.Write(func(w *fakegitlab.World) {
		uma = w.AddUser(&fakegitlab.User{Username: "uma", Name: "Uma Ueda", Email: "uma@acme.example", State: fakegitlab.StateActive, CreatedAt: w.Clock()}).ID
		w.SetGroupMember(fakegitlab.DemoGroupEquipeDonnees, &fakegitlab.Member{UserID: uma, AccessLevel: fakegitlab.Guest, CreatedAt: w.Clock()})
	})
	res, _, _, err := e.users.CreateAccount(context.Background(), accountInfo("", "uma@acme.example", nil), noPassword)
	if err != nil {
		t.Fatal(err)
	}
	if ae, ok := res.(*v2.CreateAccountResponse_AlreadyExistsResult); !ok || ae.GetResource().GetId().GetResource() != acctItoa(uma) {
		t.Fatalf("result %v, want already-exists uma", res)
	}
	e.s.Write(func(w *fakegitlab.World) {
		vera = w.AddUser(&fakegitlab.User{Username: "vera", Name: "Vera Vogel", Email: "vera@acme.example", State: fakegitlab.StateActive, CreatedAt: w.Clock()}).ID
		w.SetGroupMember(fakegitlab.DemoGroupEquipeDonnees, &fakegitlab.Member{UserID: vera, AccessLevel: fakegitlab.Guest, CreatedAt: w.Clock()})
	})
	_, _, _, err = e.users.CreateAccount(context.Background(), accountInfo("", "vera@acme.example", nil), noPassword)
	acctWantCode(t, err, codes.FailedPrecondition, "existing member", "neither invited nor changed", "acme/equipe-donnees")
	for _, id := range []int64{uma, vera} {
		if m := e.groupMember(fakegitlab.DemoGroupEquipeDonnees, id); m == nil || m.AccessLevel != fakegitlab.Guest {
			t.Errorf("user %d: %+v, want Guest", id, m)
		}
	}
	e.s.Read(func(w *fakegitlab.World) {
		if n := len(w.GroupInvitations[fakegitlab.DemoGroupEquipeDonnees]); n != 0 {
			t.Errorf("%d invitations in acme/equipe-donnees", n)
		}
	})
}

// addPartnerGroup adds a top-level group "partner" (id 9: before acme in id order) in
// which the token's user is only a Developer: in the organisation, but not manageable.
func addPartnerGroup(e *acctEnv, members ...int64) {
	e.s.Write(func(w *fakegitlab.World) {
		g := w.AddGroup(&fakegitlab.Group{ID: 9, Name: "Partner", Path: "partner"})
		w.SetGroupMember(g.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserAdmin, AccessLevel: fakegitlab.Developer, CreatedAt: w.Clock()})
		w.SetGroupMember(g.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserAlice, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock()})
		for _, id := range members {
			w.SetGroupMember(g.ID, &fakegitlab.Member{UserID: id, AccessLevel: fakegitlab.Developer, CreatedAt: w.Clock()})
		}
	})
}

// D5 + D6: a group the token cannot manage does not stop the deprovisioning: erin is
// removed from acme, and ONE PermissionDenied error says partner was left (and the role
// the token's user needs there), not "probably its last Owner".
func TestDeleteGitLabComTokenCannotManageOneGroup(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	addPartnerGroup(e, fakegitlab.DemoUserErin)
	_, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserErin)), nil)
	acctWantCode(t, err, codes.PermissionDenied, "erin", "group partner", "Owner role", "removed from group acme")
	if strings.Contains(err.Error(), "last Owner") {
		t.Errorf("error %q blames the last Owner rule", err)
	}
	if e.groupMember(fakegitlab.DemoGroupAcme, fakegitlab.DemoUserErin) != nil || e.groupMember(fakegitlab.DemoGroupK8s, fakegitlab.DemoUserErin) != nil {
		t.Error("erin is still a member of acme's hierarchy")
	}
	if e.groupMember(9, fakegitlab.DemoUserErin) == nil {
		t.Error("erin was removed from partner, which the token cannot manage")
	}
}

// D5: "last Owner" by GitLab's rule (Group#member_owners_excluding_project_bots: a
// blocked second Owner counts), checked on every top-level group before anything
// changes. The admin is the only Owner of globex and globex-partners; acme-contractors
// has frank (blocked) as a second Owner, so it is not named.
func TestDeleteGitLabComLastOwnerPrecheck(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	e.s.Write(func(w *fakegitlab.World) {
		w.SetGroupMember(fakegitlab.DemoGroupContractors, &fakegitlab.Member{UserID: fakegitlab.DemoUserFrank, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock()})
	})
	e.s.ResetCounts()
	_, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserAdmin)), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "last Owner", "globex, globex-partners", "nothing was removed")
	if strings.Contains(err.Error(), "acme-contractors") {
		t.Errorf("%q names acme-contractors, which has a second (blocked) Owner", err)
	}
	if e.groupMember(fakegitlab.DemoGroupAcme, fakegitlab.DemoUserAdmin) == nil || e.groupMember(fakegitlab.DemoGroupContractors, fakegitlab.DemoUserAdmin) == nil {
		t.Error("a membership was removed despite the refusal")
	}
	for route, n := range e.s.Counts() {
		if strings.HasPrefix(route, "DELETE") && n > 0 {
			t.Errorf("%d %s sent", n, route)
		}
	}
}

// D7: removal from a top-level group's whole hierarchy is one billable-member call.
func TestDeleteGitLabComUsesBillableMemberRemoval(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	tree, err := newOrganisationState(e.c, time.Now()).groupTree(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	topLevel := 0
	for _, root := range tree.roots {
		if tree.groups[root].ParentID == 0 {
			topLevel++
		}
	}
	if topLevel < 2 {
		t.Fatalf("%d top-level groups in the organisation, want acme, acme-contractors...", topLevel)
	}
	e.s.ResetCounts()
	if _, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserErin)), nil); err != nil {
		t.Fatal(err)
	}
	counts := e.s.Counts()
	if n := counts["DELETE /groups/:id/billable_members/:user_id"]; n != topLevel {
		t.Errorf("%d billable member removals, want %d (one per top-level group)", n, topLevel)
	}
	if n := counts["DELETE /groups/:id/members/:user_id"] + counts["DELETE /projects/:id/members/:user_id"]; n != 0 {
		t.Errorf("%d member-by-member removals", n)
	}
	if n := counts["GET /groups/:id/members/:user_id"] + counts["GET /projects/:id/members/:user_id"]; n > topLevel {
		t.Errorf("%d membership checks, want at most one per top-level group (%d)", n, topLevel)
	}
	if e.groupMember(fakegitlab.DemoGroupAcme, fakegitlab.DemoUserErin) != nil || e.groupMember(fakegitlab.DemoGroupK8s, fakegitlab.DemoUserErin) != nil {
		t.Error("erin is still a member")
	}
}

// D7: cancelling a pending account sends DELETE only where the email is invited, with
// the email as GitLab stored it (case included).
func TestDeletePendingAccountCancelsOnlyWhereInvited(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	e.s.Write(func(w *fakegitlab.World) {
		w.ProjectInvitations[fakegitlab.DemoProjectCRM] = []*fakegitlab.Invitation{{
			ID: w.NextID(), Email: "NewHire@Acme.Example", AccessLevel: fakegitlab.Reporter, CreatedAt: w.Clock(),
		}}
	})
	h := e.hook(t, nil)
	e.s.ResetCounts()
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "invitation:"+fakegitlab.DemoInvitationEmail), nil); err != nil {
		t.Fatal(err)
	}
	counts := e.s.Counts()
	if n := counts["DELETE /groups/:id/invitations/:email"]; n != 1 {
		t.Errorf("%d group invitation DELETEs, want 1 (acme)", n)
	}
	if n := counts["DELETE /projects/:id/invitations/:email"]; n != 1 {
		t.Errorf("%d project invitation DELETEs, want 1 (acme/sales/crm)", n)
	}
	storedCase := false
	for _, r := range h.requests() {
		if strings.HasPrefix(r, "DELETE /api/v4/projects/") && strings.Contains(r, "NewHire@Acme.Example") {
			storedCase = true
		}
	}
	if !storedCase {
		t.Errorf("the project invitation was not cancelled by its stored email: %v", h.requests())
	}
	e.s.Read(func(w *fakegitlab.World) {
		if len(w.GroupInvitations[fakegitlab.DemoGroupAcme]) != 0 || len(w.ProjectInvitations[fakegitlab.DemoProjectCRM]) != 0 {
			t.Error("an invitation is left")
		}
	})
}

// D6: an invitation the token may not cancel does not stop the others.
func TestDeletePendingAccountTokenCannotCancelOne(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	e.s.Write(func(w *fakegitlab.World) {
		// In partner's project the token's user is a Maintainer: it may list the
		// invitations but not cancel an Owner one.
		g := w.AddGroup(&fakegitlab.Group{ID: 9, Name: "Partner", Path: "partner"})
		w.SetGroupMember(g.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserAlice, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock()})
		w.SetGroupMember(g.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserAdmin, AccessLevel: fakegitlab.Guest, CreatedAt: w.Clock()})
		p := w.AddProject(&fakegitlab.Project{ID: 8, Name: "Site", Path: "site", GroupID: g.ID})
		w.SetProjectMember(p.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserAdmin, AccessLevel: fakegitlab.Maintainer, CreatedAt: w.Clock()})
		w.ProjectInvitations[p.ID] = []*fakegitlab.Invitation{{
			ID: w.NextID(), Email: fakegitlab.DemoInvitationEmail, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock(),
		}}
	})
	_, err := e.users.Delete(context.Background(), acctUserID(t, "invitation:"+fakegitlab.DemoInvitationEmail), nil)
	acctWantCode(t, err, codes.PermissionDenied, "project partner/site", "Owner role", "cancelled the invitation to group acme")
	e.s.Read(func(w *fakegitlab.World) {
		if len(w.GroupInvitations[fakegitlab.DemoGroupAcme]) != 0 {
			t.Error("acme's invitation was not cancelled")
		}
		if len(w.ProjectInvitations[8]) != 1 {
			t.Error("partner/site's invitation vanished")
		}
	})
}

// D8: deprovisioning by deactivation of an already blocked user: they cannot sign in
// already, so it is done (no change); the deactivate action itself still refuses.
func TestDeleteSelfManagedDeactivateBlockedUser(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, func(s *Settings) { s.DeprovisionAction = DeprovisionDeactivate })
	annos, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserFrank)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if hasDoesNotExist(annos) {
		t.Error("frank reported as not existing")
	}
	if st := e.state(fakegitlab.DemoUserFrank); st != fakegitlab.StateBlocked {
		t.Errorf("frank is %q, want blocked (unchanged)", st)
	}
	_, _, err = e.users.accountActionHandler("deactivate")(context.Background(), acctActionArgs(t, fakegitlab.DemoUserFrank))
	acctWantCode(t, err, codes.FailedPrecondition, "cannot deactivate a blocked user")
}

// soleOwnedGroups (the 409 message of a hard refusal to delete): GitLab's last-Owner rule,
// every page of members: a blocked second Owner counts (old-lab), as GitLab counts it.
func TestDeleteSelfManagedSoleOwnerMessage(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, func(s *Settings) { s.DeprovisionAction = DeprovisionDelete })
	e.s.Write(func(w *fakegitlab.World) {
		lab := w.AddGroup(&fakegitlab.Group{Name: "Carol's Lab", Path: "carol-lab"})
		w.SetGroupMember(lab.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserCarol, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock()})
		old := w.AddGroup(&fakegitlab.Group{Name: "Old Lab", Path: "old-lab"})
		w.SetGroupMember(old.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserCarol, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock()})
		w.SetGroupMember(old.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserFrank, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock()}) // blocked
		crowd := w.AddGroup(&fakegitlab.Group{Name: "Crowd", Path: "crowd"})
		w.SetGroupMember(crowd.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserCarol, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock()})
		for id := int64(200); id < 320; id++ {
			w.SetGroupMember(crowd.ID, &fakegitlab.Member{UserID: id, AccessLevel: fakegitlab.Guest, CreatedAt: w.Clock()})
		}
		zed := w.AddUser(&fakegitlab.User{Username: "zed", Name: "Zed", Email: "zed@acme.example", State: fakegitlab.StateActive, CreatedAt: w.Clock()})
		w.SetGroupMember(crowd.ID, &fakegitlab.Member{UserID: zed.ID, AccessLevel: fakegitlab.Owner, CreatedAt: w.Clock()})
	})
	_, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserCarol)), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "carol-lab")
	for _, g := range []string{"crowd", "old-lab"} {
		if strings.Contains(err.Error(), g) {
			t.Errorf("%q names %s, which has a second Owner", err, g)
		}
	}
}
