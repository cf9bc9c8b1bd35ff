package connector

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Tests of grant and revoke on groups and projects against the fake GitLab's demo world.
// Every test asserts the fake's state afterwards (Server.Read), not only the answer.

const provTestToken = "glpat-provisioning-test-token"

var provModes = []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged}

type provEnv struct {
	s        *fakegitlab.Server
	c        *Connector
	groups   *groupSyncer
	projects *projectSyncer
}

// newProvEnv serves the demo world in mode and builds a connector against it. retries
// false disables the client's in-process retries, so the provisioning code itself must
// recover from lost responses.
func newProvEnv(t *testing.T, mode fakegitlab.Mode, retries bool) *provEnv {
	t.Helper()
	s, url := fakegitlab.StartForTest(t, fakegitlab.DemoWorld(mode), fakegitlab.Options{Mode: mode, Token: provTestToken})
	return newProvEnvAt(t, s, url, mode, retries)
}

// newProvEnvAt builds the connector against s served at url (tests that put a handler
// in front of the fake).
func newProvEnvAt(t *testing.T, s *fakegitlab.Server, url string, mode fakegitlab.Mode, retries bool) *provEnv {
	t.Helper()
	dep := gitlabapi.GitLabCom
	if mode == fakegitlab.ModeSelfManaged {
		dep = gitlabapi.SelfManaged
	}
	rp := gitlabapi.RetryPolicy{WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond}
	if !retries {
		rp.MaxRetries = -1
	}
	c, err := New(context.Background(), Settings{BaseURL: url, Deployment: dep, Retry: rp}, provTestToken)
	if err != nil {
		t.Fatal(err)
	}
	return &provEnv{s: s, c: c, groups: &groupSyncer{c: c}, projects: &projectSyncer{c: c}}
}

func provResource(kind string, id int64) *v2.Resource {
	return v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: kind, Resource: strconv.FormatInt(id, 10)}.Build()}.Build()
}

func provEntitlement(kind string, id int64, slug string) *v2.Entitlement {
	return entitlement.NewAssignmentEntitlement(provResource(kind, id), slug)
}

func provUser(id int64, name string) *v2.Resource {
	r := provResource("user", id)
	r.SetDisplayName(name)
	return r
}

func provGrantOf(kind string, id int64, slug string, userID int64) *v2.Grant {
	return grant.NewGrant(provResource(kind, id), slug, provUser(userID, ""))
}

func (e *provEnv) grant(t *testing.T, kind string, id int64, slug string, userID int64) ([]*v2.Grant, annotations.Annotations, error) {
	t.Helper()
	ent := provEntitlement(kind, id, slug)
	if kind == provGroup {
		return e.groups.Grant(context.Background(), provUser(userID, ""), ent)
	}
	return e.projects.Grant(context.Background(), provUser(userID, ""), ent)
}

func (e *provEnv) revoke(t *testing.T, kind string, id int64, slug string, userID int64) (annotations.Annotations, error) {
	t.Helper()
	g := provGrantOf(kind, id, slug, userID)
	if kind == provGroup {
		return e.groups.Revoke(context.Background(), g)
	}
	return e.projects.Revoke(context.Background(), g)
}

// member returns a copy of the direct membership in the fake (nil when none).
func (e *provEnv) member(kind string, id, userID int64) *fakegitlab.Member {
	var out *fakegitlab.Member
	e.s.Read(func(w *fakegitlab.World) {
		var m *fakegitlab.Member
		if kind == provGroup {
			m = w.GroupMembers[id][userID]
		} else {
			m = w.ProjectMembers[id][userID]
		}
		if m != nil {
			cp := *m
			out = &cp
		}
	})
	return out
}

// writes counts the write requests the fake received.
func (e *provEnv) writes() int {
	n := 0
	for route, c := range e.s.Counts() {
		if strings.HasPrefix(route, "POST ") || strings.HasPrefix(route, "PUT ") || strings.HasPrefix(route, "DELETE ") {
			n += c
		}
	}
	return n
}

func alreadyExists(annos annotations.Annotations) bool {
	return annos.Contains(&v2.GrantAlreadyExists{})
}

func alreadyRevoked(annos annotations.Annotations) bool {
	return annos.Contains(&v2.GrantAlreadyRevoked{})
}

func wantCode(t *testing.T, err error, code codes.Code, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got success", code)
	}
	if got := status.Code(err); got != code {
		t.Fatalf("want code %s, got %s: %v", code, got, err)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err.Error(), s)
		}
	}
}

func wantLevel(t *testing.T, m *fakegitlab.Member, level fakegitlab.AccessLevel, roleID int64) {
	t.Helper()
	if m == nil {
		t.Fatalf("want a direct membership at %s, found none", level)
	}
	if m.AccessLevel != level || m.MemberRoleID != roleID {
		t.Fatalf("want %s (member role %d), found %s (member role %d)", level, roleID, m.AccessLevel, m.MemberRoleID)
	}
}

func forModes(t *testing.T, f func(t *testing.T, e *provEnv)) {
	for _, mode := range provModes {
		t.Run(string(mode), func(t *testing.T) { f(t, newProvEnv(t, mode, true)) })
	}
}
