package fakegitlab_test

import (
	"errors"
	"slices"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func usernames(us []*gitlab.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Username
	}
	return out
}

func listAllUsers(t *testing.T, c *gitlab.Client, opt *gitlab.ListUsersOptions) []*gitlab.User {
	t.Helper()
	if opt == nil {
		opt = &gitlab.ListUsersOptions{}
	}
	opt.PerPage = 100
	us, _, err := c.Users.ListUsers(opt)
	if err != nil {
		t.Fatal(err)
	}
	return us
}

func TestNonAdminGetsUserBasicOnly(t *testing.T) {
	// Self-managed, but the token user is not an administrator.
	_, u, c := start(t, fakegitlab.ModeSelfManaged, false)
	_, _, body := raw(t, "GET", u+"/api/v4/users", testToken, "")
	for _, row := range body.([]any) {
		m := row.(map[string]any)
		for _, k := range []string{"email", "is_admin", "last_sign_in_at", "current_sign_in_at", "two_factor_enabled", "identities", "note", "created_at"} {
			if _, ok := m[k]; ok {
				t.Fatalf("non-admin list has admin field %q: %v", k, m)
			}
		}
		for _, k := range []string{"id", "username", "name", "state", "locked", "avatar_url", "web_url"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("UserBasic lacks %q: %v", k, m)
			}
		}
	}
	us := listAllUsers(t, c, nil)
	if len(us) == 0 || us[0].Email != "" {
		t.Fatalf("decoded %+v", us)
	}
	// Admin endpoints refuse a non-admin.
	if err := c.Users.BlockUser(uBob); err == nil {
		t.Fatal("non-admin block succeeded")
	}
}

func TestAdminGetsAdminFields(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	us := listAllUsers(t, c, &gitlab.ListUsersOptions{Username: gitlab.Ptr("ivan")})
	if len(us) != 1 {
		t.Fatalf("got %v", usernames(us))
	}
	ivan := us[0]
	if ivan.Email != "ivan@acme.example" || ivan.CreatedAt == nil || ivan.LastActivityOn == nil ||
		len(ivan.Identities) != 1 || ivan.Identities[0].Provider != "ldapmain" || ivan.State != "ldap_blocked" {
		t.Fatalf("admin view %+v", ivan)
	}
	one, _, err := c.Users.GetUser(uToken, gitlab.GetUsersOptions{})
	if err != nil || !one.IsAdmin || one.NamespaceID == 0 {
		t.Fatalf("GET /users/1 %+v %v", one, err)
	}
}

func TestGitLabComUsersListsOutsiders(t *testing.T) {
	_, _, c := start(t, fakegitlab.ModeGitLabCom, false)
	names := usernames(listAllUsers(t, c, nil))
	if !slices.Contains(names, "stranger-01") || !slices.Contains(names, "trent") {
		t.Fatalf("gitlab.com /users must list every public user: %v", names)
	}
	for _, u := range listAllUsers(t, c, nil) {
		if u.Email != "" || u.IsAdmin {
			t.Fatalf("gitlab.com user with admin fields: %+v", u)
		}
	}
}

func TestUsersListHidesBlockedBannedLDAPBlockedFromNonAdmins(t *testing.T) {
	_, _, c := start(t, fakegitlab.ModeGitLabCom, false)
	names := usernames(listAllUsers(t, c, nil))
	for _, hidden := range []string{"frank", "heidi", "ivan"} {
		if slices.Contains(names, hidden) {
			t.Fatalf("%s visible to a non-admin: %v", hidden, names)
		}
	}
	if !slices.Contains(names, "grace") {
		t.Fatalf("deactivated users stay visible: %v", names)
	}
	_, _, admin := selfManagedAdmin(t)
	if names := usernames(listAllUsers(t, admin, nil)); !slices.Contains(names, "frank") || !slices.Contains(names, "heidi") {
		t.Fatalf("admin must see every state: %v", names)
	}
}

func TestUsersFilters(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	cases := []struct {
		name string
		opt  gitlab.ListUsersOptions
		must []string
		not  []string
	}{
		{"active", gitlab.ListUsersOptions{Active: gitlab.Ptr(true)}, []string{"bob"}, []string{"frank", "grace", "heidi", "ivan"}},
		{"blocked", gitlab.ListUsersOptions{Blocked: gitlab.Ptr(true)}, []string{"frank", "ivan"}, []string{"bob", "grace", "heidi"}},
		{"humans", gitlab.ListUsersOptions{Humans: gitlab.Ptr(true)}, []string{"bob"}, []string{"project_50_bot_1", "ghost"}},
		{"exclude_internal", gitlab.ListUsersOptions{ExcludeInternal: gitlab.Ptr(true)}, []string{"project_50_bot_1"}, []string{"ghost"}},
		{"without_project_bots", gitlab.ListUsersOptions{WithoutProjectBots: gitlab.Ptr(true)}, []string{"ghost", "bob"}, []string{"project_50_bot_1"}},
		{"username case-insensitive", gitlab.ListUsersOptions{Username: gitlab.Ptr("BOB")}, []string{"bob"}, []string{"alice"}},
		{"search name", gitlab.ListUsersOptions{Search: gitlab.Ptr("chen")}, []string{"carol"}, []string{"bob"}},
		{"search username", gitlab.ListUsersOptions{Search: gitlab.Ptr("AVE")}, []string{"dave"}, []string{"bob"}},
		{"search full email", gitlab.ListUsersOptions{Search: gitlab.Ptr("Alice@acme.example")}, []string{"alice"}, []string{"bob"}},
	}
	for _, tc := range cases {
		opt := tc.opt
		names := usernames(listAllUsers(t, c, &opt))
		for _, m := range tc.must {
			if !slices.Contains(names, m) {
				t.Errorf("%s: %s missing from %v", tc.name, m, names)
			}
		}
		for _, n := range tc.not {
			if slices.Contains(names, n) {
				t.Errorf("%s: %s present in %v", tc.name, n, names)
			}
		}
	}
}

func TestUsersDefaultOrderIsIDDesc(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	us := listAllUsers(t, c, nil)
	for i := 1; i < len(us); i++ {
		if us[i-1].ID <= us[i].ID {
			t.Fatalf("not id desc at %d: %d then %d", i, us[i-1].ID, us[i].ID)
		}
	}
	asc := listAllUsers(t, c, &gitlab.ListUsersOptions{OrderBy: gitlab.Ptr("username"), Sort: gitlab.Ptr("asc")})
	if !slices.IsSorted(usernames(asc)) {
		t.Fatalf("admin order_by=username: %v", usernames(asc))
	}
}

func TestGetUserNotFoundIs404(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	_, _, err := c.Users.GetUser(99999, gitlab.GetUsersOptions{})
	if !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("got %v", err)
	}
}

func newUserOpts(username, email string) *gitlab.CreateUserOptions {
	return &gitlab.CreateUserOptions{Email: gitlab.Ptr(email), Name: gitlab.Ptr("New " + username), Username: gitlab.Ptr(username),
		ResetPassword: gitlab.Ptr(true), SkipConfirmation: gitlab.Ptr(true)}
}

func TestCreateUserRequiresEmailNameUsernameAndAPasswordOption(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	status, _, body := raw(t, "POST", u+"/api/v4/users", testToken, `{"name":"X"}`)
	want := "email is missing, password, reset_password, force_random_password are missing, at least one parameter must be provided, username is missing"
	if status != 400 || body.(map[string]any)["error"] != want {
		t.Fatalf("got %d %v", status, body)
	}
}

func TestCreateUserSkipConfirmationAndExternal(t *testing.T) {
	s, _, c := selfManagedAdmin(t)
	opt := newUserOpts("newbie", "newbie@acme.example")
	opt.External = gitlab.Ptr(true)
	opt.Note = gitlab.Ptr("hired 2026-11")
	nu, resp, err := c.Users.CreateUser(opt)
	wantStatus(t, resp, err, 201)
	if nu.ID == 0 || nu.Username != "newbie" || nu.State != "active" || !nu.External || nu.ConfirmedAt == nil || nu.Note != "hired 2026-11" {
		t.Fatalf("created %+v", nu)
	}
	s.Read(func(w *fakegitlab.World) {
		if w.Users[nu.ID] == nil || w.Users[nu.ID].Email != "newbie@acme.example" {
			t.Fatal("user not stored")
		}
	})
	// Without skip_confirmation the email is unconfirmed.
	opt2 := newUserOpts("newbie2", "newbie2@acme.example")
	opt2.SkipConfirmation = nil
	nu2, _, err := c.Users.CreateUser(opt2)
	if err != nil || nu2.ConfirmedAt != nil {
		t.Fatalf("unconfirmed %+v %v", nu2, err)
	}
}

func TestCreateUserDuplicateEmailIs409(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	_, resp, err := c.Users.CreateUser(newUserOpts("someone", "BOB@acme.example"))
	wantStatus(t, resp, err, 409)
	if er := errResponse(t, err); er.Message != "{message: Email has already been taken}" {
		t.Fatalf("message %q", er.Message)
	}
}

func TestCreateUserDuplicateUsernameIs409(t *testing.T) {
	_, _, c := selfManagedAdmin(t)
	_, resp, err := c.Users.CreateUser(newUserOpts("Bob", "other-bob@acme.example"))
	wantStatus(t, resp, err, 409)
	if er := errResponse(t, err); er.Message != "{message: Username has already been taken}" {
		t.Fatalf("message %q", er.Message)
	}
}

func TestCreateUserInvalidUsernameIs400(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	for _, bad := range []string{"-dash", "ends.", "repo.git", "sp ace", "a"} {
		status, _, body := raw(t, "POST", u+"/api/v4/users", testToken,
			`{"email":"x-`+bad+`@acme.example","name":"X","username":"`+bad+`","reset_password":true}`)
		msg, _ := body.(map[string]any)["message"].(map[string]any)
		if status != 400 || msg["username"] == nil {
			t.Fatalf("%q: got %d %v", bad, status, body)
		}
	}
}

func TestCreateUserIsAdminOnly(t *testing.T) {
	for _, mode := range []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged} {
		_, _, c := start(t, mode, mode == fakegitlab.ModeGitLabCom) // gitlab.com: even an "admin" user
		_, resp, err := c.Users.CreateUser(newUserOpts("newbie", "newbie@acme.example"))
		wantStatus(t, resp, err, 403)
	}
}

func TestDeleteUserRemovesUserAndMemberships(t *testing.T) {
	s, _, c := selfManagedAdmin(t)
	resp, err := c.Users.DeleteUser(uSybil)
	wantStatus(t, resp, err, 204)
	resp, err = c.Users.DeleteUser(uBob)
	wantStatus(t, resp, err, 204)
	s.Read(func(w *fakegitlab.World) {
		if w.Users[uBob] != nil || w.GroupMembers[gAcme][uBob] != nil {
			t.Fatal("bob or his membership survived")
		}
		if w.Projects[pDotfiles] != nil {
			t.Fatal("personal project survived its owner")
		}
	})
	_, _, err = c.Users.GetUser(uBob, gitlab.GetUsersOptions{})
	if !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("deleted user: %v", err)
	}
}

func TestDeleteSoleOwnerIs409UnlessHardDelete(t *testing.T) {
	s, u, c := selfManagedAdmin(t)
	// trent is the only owner of "other".
	status, _, body := raw(t, "DELETE", u+"/api/v4/users/119", testToken, "")
	if status != 409 || body.(map[string]any)["message"] != "User cannot be removed while is the sole-owner of a group" {
		t.Fatalf("got %d %v", status, body)
	}
	// alice is an owner of acme, but so is the token user: not sole.
	resp, err := c.Users.DeleteUser(uAlice)
	wantStatus(t, resp, err, 204)
	status, _, _ = raw(t, "DELETE", u+"/api/v4/users/119?hard_delete=true", testToken, "")
	if status != 204 {
		t.Fatalf("hard delete: %d", status)
	}
	s.Read(func(w *fakegitlab.World) {
		if w.Users[uTrent] != nil || w.Groups[gOther] != nil || w.Projects[pOther] != nil {
			t.Fatal("hard delete must remove the user and the groups they solely own")
		}
	})
}

func TestBlockLDAPBlockedIs403(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	for action, want := range map[string]string{
		"block":   "403 Forbidden - LDAP blocked users cannot be modified by the API",
		"unblock": "403 Forbidden - LDAP blocked users cannot be unblocked by the API",
	} {
		status, _, body := raw(t, "POST", u+"/api/v4/users/109/"+action, testToken, "")
		if status != 403 || body.(map[string]any)["message"] != want {
			t.Fatalf("%s: %d %v", action, status, body)
		}
	}
}

func TestBlockUnblockRoundTrip(t *testing.T) {
	s, u, c := selfManagedAdmin(t)
	if err := c.Users.BlockUser(uBob); err != nil {
		t.Fatal(err)
	}
	state := func(id int64) (st string) {
		s.Read(func(w *fakegitlab.World) { st = w.Users[id].State })
		return st
	}
	if state(uBob) != fakegitlab.StateBlocked {
		t.Fatal("not blocked")
	}
	if err := c.Users.UnblockUser(uBob); err != nil || state(uBob) != fakegitlab.StateActive {
		t.Fatalf("unblock %v %s", err, state(uBob))
	}
	// The token user cannot block themself.
	status, _, body := raw(t, "POST", u+"/api/v4/users/1/block", testToken, "")
	if status != 403 || body.(map[string]any)["message"] != "403 Forbidden - The API initiating user cannot be blocked by the API" {
		t.Fatalf("self block: %d %v", status, body)
	}
	if err := c.Users.BlockUser(99999); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
}

func TestDeactivateRecentlyActiveIs403(t *testing.T) {
	s, u, c := selfManagedAdmin(t)
	status, _, body := raw(t, "POST", u+"/api/v4/users/102/deactivate", testToken, "")
	if status != 403 || body.(map[string]any)["message"] != "The user you are trying to deactivate has been active in the past 90 days and cannot be deactivated" {
		t.Fatalf("got %d %v", status, body)
	}
	// carol was last active 200 days ago.
	if err := c.Users.DeactivateUser(uCarol); err != nil {
		t.Fatal(err)
	}
	s.Read(func(w *fakegitlab.World) {
		if w.Users[uCarol].State != fakegitlab.StateDeactivated {
			t.Fatal("carol not deactivated")
		}
	})
	if err := c.Users.ActivateUser(uCarol); err != nil {
		t.Fatal(err)
	}
}

func TestDeactivateBlockedIs403(t *testing.T) {
	_, u, _ := selfManagedAdmin(t)
	status, _, body := raw(t, "POST", u+"/api/v4/users/106/deactivate", testToken, "")
	if status != 403 || body.(map[string]any)["message"] != "Error occurred. A blocked user cannot be deactivated" {
		t.Fatalf("got %d %v", status, body)
	}
}

func TestUnblockDeactivatedIs403(t *testing.T) {
	_, u, c := selfManagedAdmin(t)
	status, _, body := raw(t, "POST", u+"/api/v4/users/107/unblock", testToken, "")
	if status != 403 || body.(map[string]any)["message"] != "403 Forbidden - Deactivated users cannot be unblocked by the API" {
		t.Fatalf("got %d %v", status, body)
	}
	if err := c.Users.UnblockUser(uGrace); !errors.Is(err, gitlab.ErrUserUnblockPrevented) {
		t.Fatalf("client error %v", err)
	}
}

func TestActivateBlockedIs403(t *testing.T) {
	_, u, c := selfManagedAdmin(t)
	status, _, body := raw(t, "POST", u+"/api/v4/users/106/activate", testToken, "")
	if status != 403 || body.(map[string]any)["message"] != "403 Forbidden - A blocked user must be unblocked to be activated" {
		t.Fatalf("got %d %v", status, body)
	}
	if err := c.Users.ActivateUser(uGrace); err != nil {
		t.Fatalf("activate deactivated: %v", err)
	}
}

func TestBanNeedsActiveUser(t *testing.T) {
	s, u, c := selfManagedAdmin(t)
	status, _, body := raw(t, "POST", u+"/api/v4/users/106/ban", testToken, "")
	if status != 403 || body.(map[string]any)["message"] != "You cannot ban blocked users." {
		t.Fatalf("got %d %v", status, body)
	}
	if err := c.Users.BanUser(uCarol); err != nil {
		t.Fatal(err)
	}
	status, _, body = raw(t, "POST", u+"/api/v4/users/102/unban", testToken, "")
	if status != 403 || body.(map[string]any)["message"] != "You cannot unban active users." {
		t.Fatalf("unban active: %d %v", status, body)
	}
	if err := c.Users.UnbanUser(uCarol); err != nil {
		t.Fatal(err)
	}
	s.Read(func(w *fakegitlab.World) {
		if w.Users[uCarol].State != fakegitlab.StateActive {
			t.Fatal("carol not active after unban")
		}
	})
}

func TestUserStateActionsAreAdminOnly(t *testing.T) {
	for _, mode := range []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged} {
		s, u, _ := start(t, mode, false)
		for _, action := range []string{"block", "unblock", "deactivate", "activate", "ban", "unban"} {
			status, _, body := raw(t, "POST", u+"/api/v4/users/103/"+action, testToken, "")
			if status != 403 || body.(map[string]any)["message"] != "403 Forbidden" {
				t.Fatalf("%s %s: %d %v", mode, action, status, body)
			}
		}
		if status, _, _ := raw(t, "DELETE", u+"/api/v4/users/103", testToken, ""); status != 403 {
			t.Fatalf("%s delete: %d", mode, status)
		}
		s.Read(func(w *fakegitlab.World) {
			if w.Users[uCarol].State != fakegitlab.StateActive {
				t.Fatal("state changed by a refused call")
			}
		})
	}
}
