package fakegitlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestInvitationErrorIs201WithStatusError(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Developer})
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	res, resp, err := cl.Invites.GroupInvites(3, &gitlab.InvitesOptions{
		Email:       memPtr("user101@example.com"),
		AccessLevel: memPtr(gitlab.ReporterPermissions),
	})
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("want 201, got %v %v", resp, err)
	}
	if res.Status != "error" || res.Message["user101@example.com"] != "Access level should be greater than or equal to Developer inherited membership from group Platform" {
		t.Fatalf("body: %+v", res)
	}
	// By user_id the key is the username.
	res, _, err = cl.Invites.GroupInvites(3, &gitlab.InvitesOptions{UserID: int64(101), AccessLevel: memPtr(gitlab.GuestPermissions)})
	if err != nil || res.Status != "error" || res.Message["user101"] == "" {
		t.Fatalf("user_id invite: %+v %v", res, err)
	}
}

func TestInvitationOfExistingUserEmailIsDirectMembership(t *testing.T) {
	w := memWorld()
	s, cl, _ := memStart(t, w, ModeGitLabCom)
	res, _, err := cl.Invites.GroupInvites(1, &gitlab.InvitesOptions{Email: memPtr("USER102@example.com"), AccessLevel: memPtr(gitlab.DeveloperPermissions)})
	if err != nil || res.Status != "success" {
		t.Fatalf("%+v %v", res, err)
	}
	s.Read(func(w *World) {
		if m := w.GroupMembers[1][102]; m == nil || m.AccessLevel != Developer {
			t.Fatalf("no direct membership: %+v", m)
		}
		if len(w.GroupInvitations[1]) != 0 {
			t.Fatalf("a pending invitation was created: %+v", w.GroupInvitations[1])
		}
	})
	// Inviting a member again updates the level.
	res, _, err = cl.Invites.GroupInvites(1, &gitlab.InvitesOptions{UserID: int64(102), AccessLevel: memPtr(gitlab.MaintainerPermissions)})
	if err != nil || res.Status != "success" {
		t.Fatalf("%+v %v", res, err)
	}
	s.Read(func(w *World) {
		if m := w.GroupMembers[1][102]; m.AccessLevel != Maintainer {
			t.Fatalf("not updated: %+v", m)
		}
	})
}

func TestInvitationByEmailIsPendingAndReinviteUpdatesIt(t *testing.T) {
	w := memWorld()
	_, cl, base := memStart(t, w, ModeGitLabCom)
	res, _, err := cl.Invites.ProjectInvites(10, &gitlab.InvitesOptions{Email: memPtr("new@acme.example,other@acme.example"), AccessLevel: memPtr(gitlab.GuestPermissions)})
	if err != nil || res.Status != "success" {
		t.Fatalf("%+v %v", res, err)
	}
	exp := gitlab.ISOTime(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC))
	if _, _, err := cl.Invites.ProjectInvites(10, &gitlab.InvitesOptions{Email: memPtr("new@acme.example"), AccessLevel: memPtr(gitlab.DeveloperPermissions), ExpiresAt: &exp}); err != nil {
		t.Fatal(err)
	}
	// GitLab's shape (Entities::Invitation): no id, expires_at a plain date, no
	// user_name for an email without an account. client-go's PendingInvite cannot decode
	// that expires_at, so read the JSON.
	status, body := memRaw(t, "GET", base+"/api/v4/projects/10/invitations", "")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	memWantJSON(t, body, `[
		{"invite_email":"new@acme.example","access_level":30,"expires_at":"2027-02-01",
		 "created_at":"2026-11-01T12:00:00.000Z","created_by_name":"User 100"},
		{"invite_email":"other@acme.example","access_level":10,"expires_at":null,
		 "created_at":"2026-11-01T12:00:00.000Z","created_by_name":"User 100"}]`)
	status, body = memRaw(t, "GET", base+"/api/v4/projects/10/invitations?query=other%40acme.example", "")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var invs []map[string]any
	if err := json.Unmarshal([]byte(body), &invs); err != nil || len(invs) != 1 || invs[0]["invite_email"] != "other@acme.example" {
		t.Fatalf("query: %s %v", body, err)
	}
	// client-go's own type fails on the date: the reason the connector decodes
	// invitations itself.
	if _, _, err := cl.Invites.ListPendingProjectInvitations(10, nil); err == nil {
		t.Error("client-go's PendingInvite decoded a plain-date expires_at; the connector's own decoding may no longer be needed")
	}
}

// Pages of invitations follow the invitations' order although the JSON has no id.
func TestInvitationListingPaginates(t *testing.T) {
	w := memWorld()
	for i := 0; i < 3; i++ {
		w.GroupInvitations[1] = append(w.GroupInvitations[1], &Invitation{
			ID: int64(50 - i), Email: fmt.Sprintf("p%d@acme.example", i), AccessLevel: Guest, CreatedByID: 100, CreatedAt: w.Now,
		})
	}
	_, _, base := memStart(t, w, ModeGitLabCom)
	var emails []string
	for page := 1; page <= 2; page++ {
		status, body := memRaw(t, "GET", fmt.Sprintf("%s/api/v4/groups/1/invitations?per_page=2&page=%d", base, page), "")
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var invs []map[string]any
		if err := json.Unmarshal([]byte(body), &invs); err != nil {
			t.Fatal(err)
		}
		for _, inv := range invs {
			if _, ok := inv["id"]; ok {
				t.Errorf("invitation JSON has an id: %v", inv)
			}
			emails = append(emails, inv["invite_email"].(string))
		}
	}
	if got := strings.Join(emails, ","); got != "p2@acme.example,p1@acme.example,p0@acme.example" {
		t.Errorf("pages = %s, want ordered by invitation id", got)
	}
}

func TestInvitationParameterErrorsAre400(t *testing.T) {
	w := memWorld()
	_, _, base := memStart(t, w, ModeGitLabCom)
	cases := []struct{ body, want string }{
		{`{"email":"a@b.c,not-an-email","access_level":30}`, `{"error":"email contains an invalid email address"}`},
		{`{"access_level":30}`, `{"message":"400 Bad request - Must provide either email or user_id as a parameter"}`},
		{`{"email":"","access_level":30}`, `{"message":"400 Bad request - Must provide either email or user_id as a parameter"}`},
		{`{"email":"a@b.c","access_level":31}`, `{"error":"access_level does not have a valid value"}`},
		{`{"email":"a@b.c"}`, `{"error":"access_level is missing"}`},
	}
	for _, tc := range cases {
		status, body := memRaw(t, "POST", base+"/api/v4/groups/1/invitations", tc.body)
		if status != 400 {
			t.Fatalf("%s: %d %s", tc.body, status, body)
		}
		memWantJSON(t, body, tc.want)
	}
	// A past expiry is a per-email error in a 201.
	status, body := memRaw(t, "POST", base+"/api/v4/groups/1/invitations", `{"email":"a@b.c","access_level":30,"expires_at":"2020-01-01"}`)
	if status != 201 {
		t.Fatalf("%d %s", status, body)
	}
	memWantJSON(t, body, `{"status":"error","message":{"a@b.c":"Expires at cannot be a date in the past"}}`)
}

func TestInvitationRightsNonMemberAndDeveloper(t *testing.T) {
	w := memWorld()
	w.TokenUserID = 101
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer})
	w.Groups[4].Visibility = "public"
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, _, err := cl.Invites.GroupInvites(1, &gitlab.InvitesOptions{Email: memPtr("x@y.z"), AccessLevel: memPtr(gitlab.GuestPermissions)})
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
	_, _, err = cl.Invites.GroupInvites(4, &gitlab.InvitesOptions{Email: memPtr("x@y.z"), AccessLevel: memPtr(gitlab.GuestPermissions)})
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
	_, _, err = cl.Invites.ListPendingGroupInvitations(1, nil)
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
}

func TestInvitationUpdateAndDelete(t *testing.T) {
	w := memWorld()
	w.GroupInvitations[1] = []*Invitation{{ID: 5, Email: "new+hire@acme.example", AccessLevel: Developer, CreatedByID: 100, CreatedAt: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}}
	s, cl, base := memStart(t, w, ModeGitLabCom)
	esc := url.PathEscape("new+hire@acme.example")
	status, body := memRaw(t, "PUT", base+"/api/v4/groups/1/invitations/"+esc, `{"access_level":40}`)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	status, body = memRaw(t, "PUT", base+"/api/v4/groups/1/invitations/nobody%40acme.example", `{"access_level":40}`)
	if status != 404 {
		t.Fatalf("%d %s", status, body)
	}
	memWantJSON(t, body, `{"message":"404 Not Found"}`)
	status, _ = memRaw(t, "DELETE", base+"/api/v4/groups/1/invitations/"+esc, "")
	if status != 204 {
		t.Fatalf("delete: %d", status)
	}
	status, _ = memRaw(t, "DELETE", base+"/api/v4/groups/1/invitations/"+esc, "")
	if status != 404 {
		t.Fatalf("second delete: %d", status)
	}
	s.Read(func(w *World) {
		if len(w.GroupInvitations[1]) != 0 {
			t.Fatalf("left: %+v", w.GroupInvitations[1])
		}
	})
	if _, _, err := cl.Invites.ListPendingGroupInvitations(1, nil); err != nil {
		t.Fatal(err)
	}
}

func TestInvitationToPrivateGroupOfNonMemberIs404(t *testing.T) {
	w := memWorld()
	w.TokenUserID = 105
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, _, err := cl.Invites.GroupInvites(1, &gitlab.InvitesOptions{Email: memPtr("x@y.z"), AccessLevel: memPtr(gitlab.GuestPermissions)})
	if !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("%v", err)
	}
}
