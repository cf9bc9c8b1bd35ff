package fakegitlab

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// pendWorld: memWorld (top 1 > platform 2 > infra 3, project 10 in platform, other 4)
// with awaiting memberships and invitations across top's hierarchy.
func pendWorld() *World {
	w := memWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer}) // active: not pending
	w.SetGroupMember(2, &Member{UserID: 103, AccessLevel: Developer, MembershipState: "awaiting"})
	w.SetGroupMember(3, &Member{UserID: 103, AccessLevel: Reporter, MembershipState: "awaiting"}) // same user twice
	w.SetProjectMember(10, &Member{UserID: 102, AccessLevel: Developer, MembershipState: "awaiting"})
	w.SetGroupMember(4, &Member{UserID: 105, AccessLevel: Developer, MembershipState: "awaiting"}) // other hierarchy
	return w
}

func pendList(t *testing.T, base, path string) (int, []map[string]any, string) {
	t.Helper()
	status, _, rows, body := pendGet(t, base, path)
	return status, rows, body
}

func pendGet(t *testing.T, base, path string) (int, http.Header, []map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/v4"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", memTestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var rows []map[string]any
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return resp.StatusCode, resp.Header, rows, string(b)
}

// ee/app/models/ee/member.rb distinct_awaiting_or_invited_for_group: awaiting rows of the
// group, its subgroups and projects, one per user, users ordered by id; the entity
// (ee/lib/api/entities/pending_member.rb) gives the user's primary email, approved false.
func TestPendingMembersListsAwaitingAcrossTheHierarchy(t *testing.T) {
	_, _, base := memStart(t, pendWorld(), ModeGitLabCom)
	status, rows, body := pendList(t, base, "/groups/1/pending_members")
	if status != 200 || len(rows) != 2 {
		t.Fatalf("%d %s", status, body)
	}
	if rows[0]["username"] != "user102" || rows[1]["username"] != "user103" {
		t.Fatalf("order/rows: %s", body)
	}
	r := rows[1]
	if r["name"] != "User 103" || r["email"] != "user103@example.com" || r["invited"] != false || r["approved"] != false ||
		r["web_url"] != base+"/user103" || r["avatar_url"] != avatarURL("user103@example.com") || r["id"] == nil {
		t.Fatalf("row: %v", r)
	}
}

// ee/lib/ee/api/members.rb: bad_request! unless group.root?, then unless
// can?(:admin_group_member): 400 {"message":"400 Bad request"} for a subgroup and for a
// non-Owner; find_group!: 404 for a group the caller cannot see.
func TestPendingMembersRequiresTopLevelOwner(t *testing.T) {
	_, _, base := memStart(t, pendWorld(), ModeGitLabCom)
	status, _, body := pendList(t, base, "/groups/2/pending_members")
	if status != 400 {
		t.Fatalf("subgroup: %d %s", status, body)
	}
	memWantJSON(t, body, `{"message":"400 Bad request"}`)

	w := pendWorld()
	w.TokenUserID = 101 // a Developer of top
	_, _, base2 := memStart(t, w, ModeGitLabCom)
	status, _, body = pendList(t, base2, "/groups/1/pending_members")
	if status != 400 {
		t.Fatalf("developer: %d %s", status, body)
	}
	memWantJSON(t, body, `{"message":"400 Bad request"}`)

	w3 := pendWorld()
	w3.Groups[4].Visibility = "private"
	w3.TokenUserID = 101
	_, _, base3 := memStart(t, w3, ModeGitLabCom)
	status, _, body = pendList(t, base3, "/groups/4/pending_members")
	if status != 404 {
		t.Fatalf("unseen group: %d %s", status, body)
	}
	memWantJSON(t, body, `{"message":"404 Group Not Found"}`)
}

// Member.invite (invite_token IS NOT NULL) whatever the state, one row per invite_email,
// after the users, ordered by email; no name/username/web_url; approved is state active
// (ee/lib/api/entities/pending_member.rb).
func TestPendingMembersIncludesInvitations(t *testing.T) {
	w := pendWorld()
	w.GroupInvitations[1] = []*Invitation{{ID: 5001, Email: "zed@example.net", AccessLevel: Developer}}
	w.GroupInvitations[3] = []*Invitation{{ID: 5002, Email: "amy@example.net", AccessLevel: Guest, MembershipState: "awaiting"}}
	w.ProjectInvitations[10] = []*Invitation{{ID: 5003, Email: "zed@example.net", AccessLevel: Reporter}} // duplicate email
	w.GroupInvitations[4] = []*Invitation{{ID: 5004, Email: "out@example.net", AccessLevel: Guest}}       // other hierarchy
	_, _, base := memStart(t, w, ModeGitLabCom)
	status, rows, body := pendList(t, base, "/groups/1/pending_members")
	if status != 200 || len(rows) != 4 {
		t.Fatalf("%d %s", status, body)
	}
	amy, zed := rows[2], rows[3]
	if amy["email"] != "amy@example.net" || amy["invited"] != true || amy["approved"] != false || amy["id"] != float64(5002) ||
		amy["avatar_url"] != avatarURL("amy@example.net") {
		t.Fatalf("amy: %v", amy)
	}
	for _, k := range []string{"name", "username", "web_url"} {
		if _, ok := amy[k]; ok {
			t.Fatalf("invitation row has %s: %v", k, amy)
		}
	}
	if zed["email"] != "zed@example.net" || zed["invited"] != true || zed["approved"] != true {
		t.Fatalf("zed: %v", zed)
	}
}

// present paginate(members): offset pagination with GitLab's headers.
func TestPendingMembersPaginated(t *testing.T) {
	w := pendWorld()
	w.GroupInvitations[1] = []*Invitation{{ID: 5001, Email: "zed@example.net", AccessLevel: Developer}}
	_, _, base := memStart(t, w, ModeGitLabCom)
	status, rows, body := pendList(t, base, "/groups/1/pending_members?per_page=2&page=2")
	if status != 200 || len(rows) != 1 || rows[0]["email"] != "zed@example.net" {
		t.Fatalf("%d %s", status, body)
	}
	_, h, rows, _ := pendGet(t, base, "/groups/1/pending_members?per_page=2")
	if len(rows) != 2 || rows[0]["username"] != "user102" || rows[1]["username"] != "user103" {
		t.Fatalf("page 1: %v", rows)
	}
	if h.Get("X-Total") != "3" || h.Get("X-Total-Pages") != "2" || h.Get("X-Next-Page") != "2" || h.Get("X-Page") != "1" {
		t.Fatalf("headers: %v", h)
	}
}

// Expired rows are gone (RemoveExpiredMembersWorker destroys Member.expired rows, email
// invitations included): an expired invitation is not pending, an unexpired one is.
func TestPendingMembersLeavesOutExpiredInvitations(t *testing.T) {
	w := pendWorld()
	w.Now = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	w.GroupInvitations[1] = []*Invitation{
		{ID: 5001, Email: "old@example.net", AccessLevel: Developer, ExpiresAt: "2030-06-01"},
		{ID: 5002, Email: "new@example.net", AccessLevel: Developer, ExpiresAt: "2030-06-02"},
	}
	_, _, base := memStart(t, w, ModeGitLabCom)
	status, rows, body := pendList(t, base, "/groups/1/pending_members")
	if status != 200 || len(rows) != 3 || rows[2]["email"] != "new@example.net" {
		t.Fatalf("%d %s", status, body)
	}
}
