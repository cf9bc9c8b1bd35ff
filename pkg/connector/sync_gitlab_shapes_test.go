package connector_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// Full syncs of small worlds for three behaviours of real GitLab the connector once got
// wrong: invitations' expires_at is a plain date, awaiting members have no access, and
// a token user who is a member of a subgroup only still has an organisation.

var shapesNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func shapesUser(w *fg.World, id int64, username string) {
	w.AddUser(&fg.User{ID: id, Username: username, Name: strings.ToUpper(username[:1]) + username[1:],
		Email: username + "@acme.example", State: fg.StateActive, CreatedAt: shapesNow.Add(-time.Hour)})
}

// rawGet reads a fake GitLab endpoint as JSON text with the test token.
func rawGet(t *testing.T, f *batontest.Fake, path string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.URL+"/api/v4"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", batontest.FakeToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// Invitations with an expiry: GitLab sends expires_at as "YYYY-MM-DD", which client-go's
// PendingInvite could not decode, failing the whole sync.
func TestSyncInvitationExpiryIsADate(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			w := fg.NewWorld()
			w.Now = shapesNow
			shapesUser(w, 1, "owner")
			w.Users[1].IsAdmin = mode == fg.ModeSelfManaged
			w.TokenUserID = 1
			w.AddGroup(&fg.Group{ID: 10, Name: "Acme", Path: "acme"})
			w.AddProject(&fg.Project{ID: 50, Name: "API", Path: "api", GroupID: 10})
			w.SetGroupMember(10, &fg.Member{UserID: 1, AccessLevel: fg.Owner})
			w.GroupInvitations[10] = []*fg.Invitation{{ID: 2, Email: "Temp@Partner.example", AccessLevel: fg.Developer,
				ExpiresAt: "2036-03-01", CreatedAt: shapesNow.Add(-48 * time.Hour), CreatedByID: 1}}
			w.ProjectInvitations[50] = []*fg.Invitation{{ID: 3, Email: "temp@partner.example", AccessLevel: fg.Reporter,
				CreatedAt: shapesNow.Add(-24 * time.Hour), CreatedByID: 1}}
			f := batontest.NewFake(t, mode, w)

			// The fake answers as GitLab does, so this test exercises the real shape.
			if body := rawGet(t, f, "/groups/10/invitations"); !strings.Contains(body, `"expires_at":"2036-03-01"`) || strings.Contains(body, `"id"`) {
				t.Fatalf("the fake's invitation JSON is not GitLab's: %s", body)
			}

			c := batontest.Sync(t, context.Background(), f.Connector)
			r := c.Resource("user", "invitation:temp@partner.example")
			if r == nil {
				t.Fatal("no pending account for temp@partner.example")
			}
			if !strings.HasPrefix(r.GetDescription(), "Invitation pending since 2026-10-30: group acme as Developer, project acme/api as Reporter") {
				t.Errorf("description = %q", r.GetDescription())
			}
			invs := batontest.UserTrait(r).GetProfile().GetFields()["invitations"].GetListValue().GetValues()
			if len(invs) != 2 {
				t.Fatalf("invitations = %v", invs)
			}
			group, project := invs[0].GetStructValue().GetFields(), invs[1].GetStructValue().GetFields()
			if group["full_path"].GetStringValue() != "acme" || group["expires_at"].GetStringValue() != "2036-03-01" {
				t.Errorf("group invitation = %v", group)
			}
			if _, has := project["expires_at"]; has || project["full_path"].GetStringValue() != "acme/api" {
				t.Errorf("project invitation (no expiry) = %v", project)
			}
			if gs := c.GrantsOf("user", "invitation:temp@partner.example"); len(gs) != 0 {
				t.Errorf("a pending account has grants: %v", gs)
			}
		})
	}
}

// awaitingWorld: acme (10) > platform (11) > project api (50); contractors (20) shared
// with platform at Maintainer. Members:
//   - 101 ann: awaiting Developer of acme only: no access anywhere, still an account;
//   - 102 ben: active Reporter of acme, awaiting Maintainer of platform: Reporter
//     (inherited) on platform and api, not Maintainer;
//   - 103 cat: awaiting Owner of contractors: nothing through the share;
//   - 104 dan: awaiting Developer of project api only;
//   - 105 eve: active Developer of contractors: Developer (shared) on platform.
func awaitingWorld(mode fg.Mode) *fg.World {
	w := fg.NewWorld()
	w.Now = shapesNow
	shapesUser(w, 1, "owner")
	w.Users[1].IsAdmin = mode == fg.ModeSelfManaged
	w.TokenUserID = 1
	for id, name := range map[int64]string{101: "ann", 102: "ben", 103: "cat", 104: "dan", 105: "eve"} {
		shapesUser(w, id, name)
	}
	w.AddGroup(&fg.Group{ID: 10, Name: "Acme", Path: "acme"})
	w.AddGroup(&fg.Group{ID: 11, Name: "Platform", Path: "platform", ParentID: 10})
	w.AddGroup(&fg.Group{ID: 20, Name: "Contractors", Path: "contractors"})
	w.AddProject(&fg.Project{ID: 50, Name: "API", Path: "api", GroupID: 11})
	w.SetGroupMember(10, &fg.Member{UserID: 1, AccessLevel: fg.Owner})
	w.SetGroupMember(20, &fg.Member{UserID: 1, AccessLevel: fg.Owner})
	w.SetGroupMember(10, &fg.Member{UserID: 101, AccessLevel: fg.Developer, MembershipState: "awaiting"})
	w.SetGroupMember(10, &fg.Member{UserID: 102, AccessLevel: fg.Reporter})
	w.SetGroupMember(11, &fg.Member{UserID: 102, AccessLevel: fg.Maintainer, MembershipState: "awaiting"})
	w.SetGroupMember(20, &fg.Member{UserID: 103, AccessLevel: fg.Owner, MembershipState: "awaiting"})
	w.SetGroupMember(20, &fg.Member{UserID: 105, AccessLevel: fg.Developer})
	w.GroupShares[11] = []fg.Share{{GroupID: 20, AccessLevel: fg.Maintainer}}
	w.SetProjectMember(50, &fg.Member{UserID: 104, AccessLevel: fg.Developer, MembershipState: "awaiting"})
	return w
}

// Awaiting members (membership_state "awaiting": waiting for a seat) have no access, so
// no grant, directly, by inheritance or through a share; their accounts still sync,
// saying where they wait.
func TestSyncAwaitingMembersGetNoGrant(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			f := batontest.NewFake(t, mode, awaitingWorld(mode))
			if body := rawGet(t, f, "/groups/11/members"); !strings.Contains(body, `"membership_state":"awaiting"`) {
				t.Fatalf("the fake does not list awaiting members as GitLab does: %s", body)
			}
			c := batontest.Sync(t, context.Background(), f.Connector)
			agreeWithFake(t, f, c)
			for _, uid := range []int64{101, 103, 104} {
				if gs := c.GrantsOf("user", id(uid)); len(gs) != 0 {
					t.Errorf("awaiting user %d has grants: %v", uid, gs)
				}
			}
			for _, tc := range []struct {
				user     int64
				kind     string
				resource int64
				want     string
			}{
				{102, "group", 10, "reporter@direct"},
				{102, "group", 11, "reporter@inherited"},
				{102, "project", 50, "reporter@inherited"},
				{105, "group", 11, "developer@shared"},
				{105, "project", 50, "developer@shared"},
			} {
				if got := access(t, c, tc.user, tc.kind, tc.resource); got != tc.want {
					t.Errorf("user %d on %s %d = %q, want %q", tc.user, tc.kind, tc.resource, got, tc.want)
				}
			}
			// ben's grant on platform does not pretend to a direct membership there.
			if gs := c.GrantsOfOn("user", id(102), "group", id(11)); len(gs) == 1 {
				if md := batontest.GrantMetadata(gs[0]); md["direct_access_level"] != nil {
					t.Errorf("awaiting membership shown as direct_access_level: %v", md)
				}
			}
			if mode == fg.ModeSelfManaged {
				return // accounts come from GET /users (self-managed has no awaiting memberships)
			}
			// GitLab.com: accounts are the organisation's members, awaiting ones included,
			// with where they wait; awaiting members of an outside group are not accounts.
			ann := c.Resource("user", id(101))
			if ann == nil {
				t.Fatal("awaiting member ann is not an account")
			}
			aw := batontest.UserTrait(ann).GetProfile().GetFields()["awaiting"].GetListValue().GetValues()
			if len(aw) != 1 || aw[0].GetStructValue().GetFields()["full_path"].GetStringValue() != "acme" ||
				aw[0].GetStructValue().GetFields()["role"].GetStringValue() != "developer" {
				t.Errorf("ann's awaiting = %v", aw)
			}
			if !strings.Contains(ann.GetDescription(), "awaiting approval of a seat") || !strings.Contains(ann.GetDescription(), "group acme as Developer") {
				t.Errorf("ann's description = %q", ann.GetDescription())
			}
			dan := c.Resource("user", id(104))
			if dan == nil || !strings.Contains(dan.GetDescription(), "project acme/platform/api as Developer") {
				t.Errorf("dan (awaiting on the project) = %v", dan)
			}
			ben := c.Resource("user", id(102))
			if aw := batontest.UserTrait(ben).GetProfile().GetFields()["awaiting"].GetListValue().GetValues(); len(aw) != 1 {
				t.Errorf("ben's awaiting = %v, want platform", aw)
			}
			if bob := c.Resource("user", id(105)); bob == nil || batontest.UserTrait(bob).GetProfile().GetFields()["awaiting"] != nil {
				t.Errorf("eve (active) = %v", bob)
			}
		})
	}
}

// subgroupWorld: acme (10, private) > platform (11) > infra (12); project api (50) in
// infra, project site (51) in acme. The token's user (1) is a DIRECT member of platform
// only — a subgroup-only member, or a group access token's bot created on platform.
// bob (102) is Developer of acme (inherited below), carl (103) Maintainer of infra.
func subgroupWorld(tokenUser *fg.User) *fg.World {
	w := fg.NewWorld()
	w.Now = shapesNow
	tokenUser.State, tokenUser.CreatedAt = fg.StateActive, shapesNow.Add(-time.Hour)
	w.AddUser(tokenUser)
	w.TokenUserID = tokenUser.ID
	shapesUser(w, 100, "root")
	shapesUser(w, 102, "bob")
	shapesUser(w, 103, "carl")
	w.AddGroup(&fg.Group{ID: 10, Name: "Acme", Path: "acme"})
	w.AddGroup(&fg.Group{ID: 11, Name: "Platform", Path: "platform", ParentID: 10})
	w.AddGroup(&fg.Group{ID: 12, Name: "Infra", Path: "infra", ParentID: 11})
	w.AddProject(&fg.Project{ID: 50, Name: "API", Path: "api", GroupID: 12})
	w.AddProject(&fg.Project{ID: 51, Name: "Site", Path: "site", GroupID: 10})
	w.SetGroupMember(10, &fg.Member{UserID: 100, AccessLevel: fg.Owner})
	w.SetGroupMember(10, &fg.Member{UserID: 102, AccessLevel: fg.Developer})
	w.SetGroupMember(11, &fg.Member{UserID: tokenUser.ID, AccessLevel: fg.Maintainer})
	w.SetGroupMember(12, &fg.Member{UserID: 103, AccessLevel: fg.Maintainer})
	return w
}

// A token user who is a member of a subgroup only: GET /groups?top_level_only=true&
// min_access_level=10 is empty for them (min_access_level reads direct memberships), so
// the organisation used to be empty and the sync "succeeded" with nothing. The
// organisation is now that subgroup and its subtree.
func TestSyncSubgroupOnlyTokenUser(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		mode fg.Mode
		user *fg.User
	}{
		"gitlab.com member":               {fg.ModeGitLabCom, &fg.User{ID: 1, Username: "lead", Name: "Lead", Email: "lead@acme.example"}},
		"gitlab.com subgroup token bot":   {fg.ModeGitLabCom, &fg.User{ID: 1, Username: "group_11_bot_4f2a", Name: "platform token", Bot: true}},
		"self-managed non-admin member":   {fg.ModeSelfManaged, &fg.User{ID: 1, Username: "lead", Name: "Lead", Email: "lead@acme.example"}},
		"self-managed subgroup token bot": {fg.ModeSelfManaged, &fg.User{ID: 1, Username: "group_11_bot_4f2a", Name: "platform token", Bot: true}},
	} {
		t.Run(name, func(t *testing.T) {
			f := batontest.NewFake(t, tc.mode, subgroupWorld(tc.user))
			c := batontest.Sync(t, context.Background(), f.Connector)
			if got := strings.Join(c.ResourceIDs("group"), ","); got != "11,12" {
				t.Fatalf("groups = [%s], want platform and infra", got)
			}
			if got := strings.Join(c.ResourceIDs("project"), ","); got != "50" {
				t.Errorf("projects = [%s], want api only", got)
			}
			if r := c.Resource("group", "11"); r.GetParentResourceId() != nil {
				t.Errorf("platform is a root of the organisation: parent %v", r.GetParentResourceId())
			}
			if r := c.Resource("group", "12"); r.GetParentResourceId().GetResource() != "11" {
				t.Errorf("infra's parent = %v", r.GetParentResourceId())
			}
			agreeWithFake(t, f, c)
			for _, want := range []struct {
				user     int64
				kind     string
				resource int64
				access   string
			}{
				{102, "group", 11, "developer@inherited"},
				{102, "project", 50, "developer@inherited"},
				{103, "group", 12, "maintainer@direct"},
				{100, "group", 12, "owner@inherited"},
				{1, "group", 11, "maintainer@direct"},
			} {
				if got := access(t, c, want.user, want.kind, want.resource); got != want.access {
					t.Errorf("user %d on %s %d = %q, want %q", want.user, want.kind, want.resource, got, want.access)
				}
			}
			for _, uid := range []int64{1, 100, 102, 103} {
				if c.Resource("user", id(uid)) == nil {
					t.Errorf("user %d (has access) is not an account", uid)
				}
			}
			// One listing finds the groups and their subtrees: no top_level_only, no
			// descendant_groups per root.
			counts := f.Server.Counts()
			if counts["GET /groups/:id/descendant_groups"] != 0 {
				t.Errorf("descendant_groups listed %d times", counts["GET /groups/:id/descendant_groups"])
			}
			var listings int
			for _, r := range f.Requests() {
				if r.Path == "/groups" {
					listings++
					if r.Query.Get("top_level_only") != "" || r.Query.Get("min_access_level") != "10" {
						t.Errorf("GET /groups?%s", r.Query.Encode())
					}
				}
			}
			if listings != 1 {
				t.Errorf("GET /groups called %d times, want 1", listings)
			}
		})
	}
}
