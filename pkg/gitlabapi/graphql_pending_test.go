package gitlabapi

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// failPostsAfter lets the first n POSTs through, then fails every POST as a broken
// connection would (a network fault, not a stand-in for GitLab's answers).
type failPostsAfter struct {
	mu   sync.Mutex
	n    int
	next http.RoundTripper
}

func (f *failPostsAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost {
		f.mu.Lock()
		f.n--
		n := f.n
		f.mu.Unlock()
		if n < 0 {
			return nil, errors.New("connection reset by peer")
		}
	}
	return f.next.RoundTrip(r)
}

// A top-level group's pending members over several pages: all of them, in as many POSTs;
// when a later page fails, the group is Failed and none of its rows are given (its first
// page alone is not the list: a member awaiting a seat may be on the next).
func TestReadPendingMembersPages(t *testing.T) {
	w := fg.DemoWorld(fg.ModeGitLabCom)
	for i := range 150 {
		w.GroupInvitations[fg.DemoGroupAcme] = append(w.GroupInvitations[fg.DemoGroupAcme], &fg.Invitation{
			ID: int64(90_000 + i), Email: fmt.Sprintf("guest%03d@partner.example", i), AccessLevel: fg.Reporter,
			CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	}
	e := newFakeEnv(t, fg.ModeGitLabCom, w)
	acme := w.FullPath(fg.DemoGroupAcme)

	got, err := e.c.ReadPendingMembers(e.ctx, []string{acme}, 0)
	if err != nil || len(got.Failed) > 0 {
		t.Fatalf("%v, failed %v", err, got.Failed)
	}
	if n := len(got.Rows[acme]); n < 150 || got.Posts != 2 {
		t.Errorf("%d rows in %d POSTs, want over 150 in 2", n, got.Posts)
	}

	e.rec.next = &failPostsAfter{n: 1, next: http.DefaultTransport}
	got, err = e.c.ReadPendingMembers(e.ctx, []string{acme}, 0)
	if err != nil && !errors.Is(err, e.ctx.Err()) {
		t.Logf("reading ended: %v", err)
	}
	if _, failed := got.Failed[acme]; !failed && err == nil {
		t.Errorf("the second page failed, but the group is not Failed")
	}
	if rows, ok := got.Rows[acme]; ok {
		t.Errorf("%d rows of the first page given as the group's pending members", len(rows))
	}
	if none, err := e.c.ReadPendingMembers(e.ctx, nil, 0); err != nil || len(none.Rows)+len(none.Failed)+none.Posts != 0 {
		t.Errorf("no group: %+v, %v", none, err)
	}
}
