package connector

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

func TestDecodeMemberStateAndCustomRole(t *testing.T) {
	body := `[
	  {"id":5,"username":"w","name":"W","state":"active","access_level":30,"expires_at":"2036-01-31",
	   "membership_state":"awaiting","web_url":"https://gitlab.example.com/w",
	   "member_role":{"id":7,"name":"Security Auditor","base_access_level":20,"read_code":true}},
	  {"id":6,"username":"x","name":"X","state":"blocked","access_level":10,"expires_at":null}]`
	var ms []*gitlabapi.Member
	if err := json.Unmarshal([]byte(body), &ms); err != nil {
		t.Fatal(err)
	}
	o := newOrganisationState(&Connector{}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	dms := o.toDirectMembers(ms)
	if len(dms) != 2 {
		t.Fatalf("%d members", len(dms))
	}
	w, x := dms[0], dms[1]
	if !w.Awaiting || w.grantsAccess() || w.ExpiresAt != "2036-01-31" || w.MemberRoleID != 7 ||
		w.MemberRoleName != "Security Auditor" || w.MemberRoleBase != gitlab.ReporterPermissions {
		t.Errorf("awaiting custom-role member = %+v", w)
	}
	// membership_state absent (GitLab before it existed) means active.
	if x.Awaiting || !x.grantsAccess() || x.State != "blocked" || x.ExpiresAt != "" {
		t.Errorf("plain member = %+v", x)
	}
	// An expired membership is gone (GitLab deletes it on the date).
	expired := o.toDirectMembers([]*gitlabapi.Member{{ID: 9, AccessLevel: gitlab.GuestPermissions, ExpiresAt: "2026-11-01"}})
	if len(expired) != 0 {
		t.Errorf("expired membership kept: %+v", expired[0])
	}
}

// smallFake serves world in mode and builds a connector for it.
func smallFake(t *testing.T, mode fakegitlab.Mode, world *fakegitlab.World, edit func(*Settings)) (*fakegitlab.Server, *Connector) {
	t.Helper()
	s, url := fakegitlab.StartForTest(t, world, fakegitlab.Options{Mode: mode, Token: acctTestToken})
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
	c.SetClock(func() time.Time { return world.Now })
	return s, c
}

// A world of one top-level group "acme" (10) owned by the token's user (1), with a
// pending invitation that has an expiry date.
func invitedWorld() *fakegitlab.World {
	w := fakegitlab.NewWorld()
	w.Now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	w.AddUser(&fakegitlab.User{ID: 1, Username: "owner", Name: "Owner", Email: "owner@acme.example", State: fakegitlab.StateActive})
	w.TokenUserID = 1
	w.AddGroup(&fakegitlab.Group{ID: 10, Name: "Acme", Path: "acme"})
	w.SetGroupMember(10, &fakegitlab.Member{UserID: 1, AccessLevel: fakegitlab.Owner})
	w.GroupInvitations[10] = []*fakegitlab.Invitation{{
		ID: 3, Email: "Temp@Partner.example", AccessLevel: fakegitlab.Reporter, ExpiresAt: "2036-03-01",
		CreatedAt: w.Now.Add(-24 * time.Hour), CreatedByID: 1,
	}}
	return w
}

// Account creation on GitLab.com looks for an existing invitation first: with GitLab's
// plain-date expires_at that lookup failed, and so did the account creation.
func TestFindGroupInvitationWithExpiry(t *testing.T) {
	_, c := smallFake(t, fakegitlab.ModeGitLabCom, invitedWorld(), func(s *Settings) { s.AccountCreationGroup = "acme" })
	us := &userSyncer{c: c}
	inv, err := us.findGroupInvitation(context.Background(), &gitlab.Group{ID: 10, FullPath: "acme"}, "temp@partner.example")
	if err != nil {
		t.Fatal(err)
	}
	if inv == nil || inv.ExpiresAt != "2036-03-01" || inv.AccessLevel != gitlab.ReporterPermissions {
		t.Fatalf("invitation = %+v", inv)
	}
	res, _, _, err := us.CreateAccount(context.Background(), accountInfo("", "temp@partner.example", nil), noPassword)
	if err != nil {
		t.Fatalf("creating the account of an already-invited email: %v", err)
	}
	exists, ok := res.(*v2.CreateAccountResponse_AlreadyExistsResult)
	if !ok || exists.GetResource().GetId().GetResource() != "invitation:temp@partner.example" {
		t.Errorf("result = %T %v, want already-exists with the pending account", res, res)
	}
}

// A token whose user is a member of no group: the sync's organisation is empty, and it
// says so with a warning naming the user, instead of syncing nothing silently.
func TestEmptyOrganisationWarns(t *testing.T) {
	w := fakegitlab.NewWorld()
	w.Now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	w.AddUser(&fakegitlab.User{ID: 1, Username: "lonely-bot", Name: "Lonely", State: fakegitlab.StateActive})
	w.AddUser(&fakegitlab.User{ID: 2, Username: "someone", Name: "Someone", State: fakegitlab.StateActive})
	w.TokenUserID = 1
	w.AddGroup(&fakegitlab.Group{ID: 10, Name: "Acme", Path: "acme"})
	w.SetGroupMember(10, &fakegitlab.Member{UserID: 2, AccessLevel: fakegitlab.Owner})
	for _, mode := range []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged} { // self-managed: not an admin
		t.Run(string(mode), func(t *testing.T) {
			_, c := smallFake(t, mode, w, nil)
			core, logs := observer.New(zapcore.WarnLevel)
			ctx := ctxzap.ToContext(context.Background(), zap.New(core))
			tree, err := c.organisation("sync-1").groupTree(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(tree.groups) != 0 {
				t.Fatalf("groups = %v, want none", tree.groups)
			}
			warned := logs.FilterMessageSnippet("lonely-bot is a member of no group").All()
			if len(warned) != 1 {
				t.Fatalf("warnings = %v, want one naming the token's user", logs.All())
			}
			if msg := warned[0].Message; !strings.Contains(msg, "organisation is empty") || !strings.Contains(msg, "--groups") {
				t.Errorf("warning %q does not say what to do", msg)
			}
			// Loaded once per sync: no second warning.
			if _, err := c.organisation("sync-1").groupTree(ctx); err != nil || logs.Len() != 1 {
				t.Errorf("second read: %v, %d warnings", err, logs.Len())
			}
		})
	}
}

// GitLab's token bot usernames, today's (<type>_<id>_bot_<hex>) and older ones that
// rotation keeps (Uniquify: project_5_bot, project_5_bot1), name the group or project;
// people's usernames that look alike do not.
func TestTokenBotUsernames(t *testing.T) {
	for name, want := range map[string]string{
		"project_50_bot_1a2b3c": "project 50", "group_11_bot_9f": "group 11",
		"project_5_bot": "project 5", "project_5_bot1": "project 5", "group_7_bot12": "group 7",
		"project_5_botanist": "", "alice": "", "project_x_bot": "",
	} {
		m := tokenBot.FindStringSubmatch(name)
		got := ""
		if m != nil {
			got = m[1] + " " + m[2]
		}
		if got != want || botUsername.MatchString(name) != (want != "") {
			t.Errorf("%s: %q (account type service %v), want %q", name, got, botUsername.MatchString(name), want)
		}
	}
}
