package gitlabapi

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

const fakeToken = "glpat-gitlabapi-test"

// recorder forwards requests and records them, for tests on what was sent.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) sent() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = nil
}

// fakeEnv is the fake GitLab serving a world, and a Client for it whose requests are
// recorded.
type fakeEnv struct {
	s   *fg.Server
	c   *Client
	rec *recorder
	ctx context.Context
}

// newFakeEnv serves w (the demo world of mode when nil) in mode.
func newFakeEnv(t *testing.T, mode fg.Mode, w *fg.World) *fakeEnv {
	t.Helper()
	if w == nil {
		w = fg.DemoWorld(mode)
	}
	s, u := fg.StartForTest(t, w, fg.Options{Mode: mode, Token: fakeToken})
	dep := GitLabCom
	if mode == fg.ModeSelfManaged {
		dep = SelfManaged
	}
	rec := &recorder{next: http.DefaultTransport}
	c, err := New(context.Background(), Options{
		BaseURL: u, Token: fakeToken, Deployment: dep,
		HTTPClient: &http.Client{Transport: rec},
		Retry:      RetryPolicy{WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeEnv{s: s, c: c, rec: rec, ctx: context.Background()}
}

func (e *fakeEnv) groupMember(groupID, userID int64) *fg.Member {
	var out *fg.Member
	e.s.Read(func(w *fg.World) {
		if m := w.GroupMembers[groupID][userID]; m != nil {
			c := *m
			out = &c
		}
	})
	return out
}

func wantCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	if status.Code(err) != code {
		t.Fatalf("error %v: code %s, want %s", err, status.Code(err), code)
	}
}
