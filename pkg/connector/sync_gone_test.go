package connector_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Issue 9 point 5: data that changes during a sync does not abort it. A project and a
// group deleted in GitLab between the listing and the read of their members or detail
// (404) are skipped with a warning; the rest of the organisation syncs.
func TestSyncSkipsWhatIsDeletedDuringTheSync(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeSelfManaged)
	srv := fg.New(world, fg.Options{Mode: fg.ModeSelfManaged, Token: batontest.FakeToken})
	var once, onceGroup sync.Once
	projectMembers := fmt.Sprintf("/api/v4/projects/%d/members", fg.DemoProjectAPI)
	groupDetail := fmt.Sprintf("/api/v4/groups/%d", fg.DemoGroupK8s)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, projectMembers) {
			// Deleted now: after the listings, before its members are read.
			once.Do(func() { srv.Write(func(w *fg.World) { w.RemoveProject(fg.DemoProjectAPI) }) })
		}
		if r.URL.Path == groupDetail {
			onceGroup.Do(func() { srv.Write(func(w *fg.World) { w.RemoveGroup(fg.DemoGroupK8s) }) })
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := connector.New(context.Background(), connector.Settings{BaseURL: ts.URL, Deployment: gitlabapi.SelfManaged, Retry: batontest.FastRetry}, batontest.FakeToken)
	if err != nil {
		t.Fatal(err)
	}
	c1z := batontest.Sync(t, context.Background(), c)
	if gs := c1z.GrantsOn("project", fmt.Sprint(fg.DemoProjectAPI)); len(gs) != 0 {
		t.Errorf("the deleted project has %d grants", len(gs))
	}
	if gs := c1z.GrantsOn("group", fmt.Sprint(fg.DemoGroupK8s)); len(gs) != 0 {
		t.Errorf("the deleted group has %d grants", len(gs))
	}
	if gs := c1z.GrantsOn("group", fmt.Sprint(fg.DemoGroupAcme)); len(gs) == 0 {
		t.Error("the rest of the organisation was not synced")
	}
}
