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

func TestParseAPIDate(t *testing.T) {
	for in, want := range map[string]string{
		"2020-11-22":                    "2020-11-22",
		"2020-11-22T14:13:35Z":          "2020-11-22",
		"2020-11-22T00:00:00.000+01:00": "2020-11-22",
		"2020-11-22 00:00:00 UTC":       "2020-11-22",
		"":                              "",
	} {
		got, err := parseAPIDate(in)
		if err != nil || got != want {
			t.Errorf("parseAPIDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"22/11/2020", "2020-13-01", "2020-11-22x", "soon"} {
		if got, err := parseAPIDate(bad); err == nil {
			t.Errorf("parseAPIDate(%q) = %q, want an error", bad, got)
		}
	}
}

// GitLab's invitation entity as it is really sent: no id, expires_at a plain date
// (members.expires_at is a date column), or null. client-go's PendingInvite fails on it.
func TestDecodeInvitationAsGitLabSendsIt(t *testing.T) {
	body := `[
	  {"access_level":30,"created_at":"2020-10-22T14:13:35.000Z","expires_at":"2020-11-22",
	   "invite_email":"member@example.org","user_name":null,"created_by_name":"Raymond Smith"},
	  {"access_level":10,"created_at":"2020-10-23T08:00:00Z","expires_at":null,"invite_email":"b@example.org"},
	  {"access_level":20,"expires_at":"2021-01-02T00:00:00Z","invite_email":"c@example.org"}]`
	var invs []*apiInvitation
	if err := json.Unmarshal([]byte(body), &invs); err != nil {
		t.Fatal(err)
	}
	if len(invs) != 3 {
		t.Fatalf("%d invitations", len(invs))
	}
	if invs[0].ExpiresAt != "2020-11-22" || invs[0].AccessLevel != gitlab.DeveloperPermissions || invs[0].InviteEmail != "member@example.org" {
		t.Errorf("first = %+v", invs[0])
	}
	if c := invs[0].CreatedAt.Time(); c == nil || !c.Equal(time.Date(2020, 10, 22, 14, 13, 35, 0, time.UTC)) {
		t.Errorf("created_at = %v", c)
	}
	if invs[1].ExpiresAt != "" || invs[2].ExpiresAt != "2021-01-02" || invs[2].CreatedAt.Time() != nil {
		t.Errorf("null / timestamp / missing: %+v %+v", invs[1], invs[2])
	}
	// The reason for all this: client-go's own type cannot read it.
	var theirs []*gitlab.PendingInvite
	if err := json.Unmarshal([]byte(body), &theirs); err == nil {
		t.Error("client-go's PendingInvite decodes a plain-date expires_at now: apiInvitation may be unnecessary")
	}
}

func TestDecodeMemberStateAndCustomRole(t *testing.T) {
	body := `[
	  {"id":5,"username":"w","name":"W","state":"active","access_level":30,"expires_at":"2036-01-31",
	   "membership_state":"awaiting","web_url":"https://gitlab.example.com/w",
	   "member_role":{"id":7,"name":"Security Auditor","base_access_level":20,"read_code":true}},
	  {"id":6,"username":"x","name":"X","state":"blocked","access_level":10,"expires_at":null}]`
	var ms []*apiMember
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
	expired := o.toDirectMembers([]*apiMember{{ID: 9, AccessLevel: gitlab.GuestPermissions, ExpiresAt: "2026-11-01"}})
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
