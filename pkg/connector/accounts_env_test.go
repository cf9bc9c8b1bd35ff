package connector

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
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

func acctItoa(id int64) string { return strconv.FormatInt(id, 10) }
