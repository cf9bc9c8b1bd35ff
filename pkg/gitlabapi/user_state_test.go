package gitlabapi

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func TestChangeUserStateAppliesEachAction(t *testing.T) {
	e := newFakeEnv(t, fg.ModeSelfManaged, nil)
	state := func() string {
		var s string
		e.s.Read(func(w *fg.World) { s = w.Users[fg.DemoUserBob].State })
		return s
	}
	for _, step := range []struct {
		action UserStateAction
		want   string
	}{
		{BlockUser, fg.StateBlocked}, {UnblockUser, fg.StateActive},
		{BanUser, fg.StateBanned}, {UnbanUser, fg.StateActive},
	} {
		if err := e.c.ChangeUserState(e.ctx, fg.DemoUserBob, step.action); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
		if got := state(); got != step.want {
			t.Errorf("after %s: state %q, want %q", step.action, got, step.want)
		}
	}
}

// GitLab's refusal keeps its own message (client-go's BlockUser & co. replace it).
func TestChangeUserStateKeepsGitLabsRefusalMessage(t *testing.T) {
	e := newFakeEnv(t, fg.ModeSelfManaged, nil)
	err := e.c.ChangeUserState(e.ctx, fg.DemoUserBob, DeactivateUser) // active in the past 90 days
	if !IsForbidden(err) {
		t.Fatalf("error %v, want GitLab's 403", err)
	}
	if msg := GitLabMessage(err); !strings.Contains(msg, "90 days") {
		t.Errorf("GitLab's message %q lost", msg)
	}
	err = e.c.ChangeUserState(e.ctx, 987654, BlockUser)
	if !IsNotFound(err) {
		t.Errorf("unknown user: %v, want 404", err)
	}
}

func TestChangeUserStateRefusesAnUnknownAction(t *testing.T) {
	e := newFakeEnv(t, fg.ModeSelfManaged, nil)
	wantCode(t, e.c.ChangeUserState(e.ctx, fg.DemoUserBob, "delete"), codes.InvalidArgument)
	if len(e.rec.sent()) != 0 {
		t.Error("a request was sent")
	}
}

func TestListUserMembershipsFiltersByType(t *testing.T) {
	e := newFakeEnv(t, fg.ModeSelfManaged, nil)
	groups, err := e.c.ListUserMemberships(e.ctx, fg.DemoUserErin, GroupMemberships)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, m := range groups {
		got[m.SourceID] = m.SourceType
	}
	if len(got) != 2 || got[fg.DemoGroupAcme] != "Namespace" || got[fg.DemoGroupK8s] != "Namespace" {
		t.Errorf("erin's group memberships = %v, want acme and k8s", got)
	}
	projects, err := e.c.ListUserMemberships(e.ctx, fg.DemoUserDave, ProjectMemberships)
	if err != nil {
		t.Fatal(err)
	}
	if len(projects) != 1 || projects[0].SourceID != fg.DemoProjectAPI || projects[0].SourceType != "Project" {
		t.Errorf("dave's project memberships = %+v", projects)
	}
	if q := e.rec.sent()[0].URL.Query(); q.Get("type") != "Namespace" || q.Get("per_page") != "100" {
		t.Errorf("query %v", q)
	}
}
