package fakegitlab

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

const memTestToken = "glpat-members-test"

// memWorld: token user 100 (owner) Owner of top (1).
// Groups: top (1) > platform (2) > infra (3); other (4) top-level; project 10 in platform,
// project 11 personal of user 104. Users 100..112, usernames user100..user112.
func memWorld() *World {
	w := NewWorld()
	w.Now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for id := int64(100); id <= 112; id++ {
		u := "user" + strconv.FormatInt(id, 10)
		w.AddUser(&User{ID: id, Username: u, Name: "User " + strconv.FormatInt(id, 10), Email: u + "@example.com"})
	}
	w.TokenUserID = 100
	w.AddGroup(&Group{ID: 1, Name: "Top", Path: "top"})
	w.AddGroup(&Group{ID: 2, Name: "Platform", Path: "platform", ParentID: 1})
	w.AddGroup(&Group{ID: 3, Name: "Infra", Path: "infra", ParentID: 2})
	w.AddGroup(&Group{ID: 4, Name: "Other", Path: "other"})
	w.AddProject(&Project{ID: 10, Name: "API", Path: "api", GroupID: 2})
	w.AddProject(&Project{ID: 11, Name: "Dot", Path: "dot", OwnerID: 104})
	w.SetGroupMember(1, &Member{UserID: 100, AccessLevel: Owner})
	w.SetGroupMember(4, &Member{UserID: 100, AccessLevel: Owner})
	w.SetProjectMember(11, &Member{UserID: 104, AccessLevel: Owner})
	return w
}

func memStart(t *testing.T, w *World, mode Mode) (*Server, *gitlab.Client, string) {
	t.Helper()
	s, url := StartForTest(t, w, Options{Mode: mode, Token: memTestToken})
	cl, err := gitlab.NewClient(memTestToken, gitlab.WithBaseURL(url), gitlab.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return s, cl, url
}

// rawCall sends a request with the test token and returns status and body.
func memRaw(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", memTestToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// wantAPIError asserts a client-go error with the status and a body equal to wantBody
// (JSON-compared) when wantBody is not "".
func memWantAPIError(t *testing.T, err error, status int, wantBody string) {
	t.Helper()
	var er *gitlab.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("want HTTP %d, got error %v", status, err)
	}
	if er.Response.StatusCode != status {
		t.Fatalf("want HTTP %d, got %d: %s", status, er.Response.StatusCode, er.Body)
	}
	if wantBody != "" {
		memWantJSON(t, string(er.Body), wantBody)
	}
}

func memWantJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("body\n got  %s\n want %s", gb, wb)
	}
}

func memPtr[T any](v T) *T { return &v }

func TestListGroupMembersIsDirectOnlyWithFilters(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer, ExpiresAt: "2036-01-31"})
	w.SetGroupMember(2, &Member{UserID: 102, AccessLevel: Reporter})
	_, cl, _ := memStart(t, w, ModeGitLabCom)

	ms, _, err := cl.Groups.ListGroupMembers(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].ID != 102 || ms[0].AccessLevel != gitlab.ReporterPermissions || ms[0].Username != "user102" {
		t.Fatalf("direct members of platform: %+v", ms)
	}
	ms, _, err = cl.Groups.ListGroupMembers(1, &gitlab.ListGroupMembersOptions{UserIDs: &[]int64{101}})
	if err != nil || len(ms) != 1 || ms[0].ID != 101 {
		t.Fatalf("user_ids filter: %+v %v", ms, err)
	}
	if ms[0].ExpiresAt == nil || time.Time(*ms[0].ExpiresAt).Format("2006-01-02") != "2036-01-31" {
		t.Fatalf("expires_at: %+v", ms[0].ExpiresAt)
	}
	ms, _, err = cl.Groups.ListGroupMembers(1, &gitlab.ListGroupMembersOptions{Query: memPtr("USER100")})
	if err != nil || len(ms) != 1 || ms[0].ID != 100 {
		t.Fatalf("query filter: %+v %v", ms, err)
	}
	if ms[0].Email != "" {
		t.Fatalf("email shown to a non-admin on gitlab.com: %q", ms[0].Email)
	}
}

func TestMembersAllCapsSharedLevel(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer})
	w.SetGroupMember(4, &Member{UserID: 105, AccessLevel: Maintainer})
	w.GroupShares[2] = []Share{{GroupID: 4, AccessLevel: Reporter}}
	_, cl, _ := memStart(t, w, ModeGitLabCom)

	ms, _, err := cl.Groups.ListAllGroupMembers(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]gitlab.AccessLevelValue{}
	for _, m := range ms {
		got[m.ID] = m.AccessLevel
	}
	want := map[int64]gitlab.AccessLevelValue{100: gitlab.OwnerPermissions, 101: gitlab.DeveloperPermissions, 105: gitlab.ReporterPermissions}
	if len(got) != len(want) {
		t.Fatalf("members/all of infra: %v", got)
	}
	for id, l := range want {
		if got[id] != l {
			t.Fatalf("user %d: %v, want %v (all: %v)", id, got[id], l, got)
		}
	}
	m, _, err := cl.GroupMembers.GetInheritedGroupMember(3, 105)
	if err != nil || m.AccessLevel != gitlab.ReporterPermissions {
		t.Fatalf("members/all/:user_id: %+v %v", m, err)
	}
	// The project of the shared group gets the share too.
	pms, _, err := cl.ProjectMembers.ListAllProjectMembers(10, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, pm := range pms {
		if pm.ID == 105 {
			found = pm.AccessLevel == gitlab.ReporterPermissions
		}
	}
	if !found {
		t.Fatalf("project members/all lacks the shared member at Reporter: %+v", pms)
	}
}

func TestMembersAllHidesMinimalAccessBelowTop(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(1, &Member{UserID: 106, AccessLevel: MinimalAccess})
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	top, _, err := cl.Groups.ListAllGroupMembers(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, _, err := cl.Groups.ListAllGroupMembers(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	has := func(ms []*gitlab.GroupMember) bool {
		for _, m := range ms {
			if m.ID == 106 {
				return true
			}
		}
		return false
	}
	if !has(top) || has(sub) {
		t.Fatalf("minimal access: top %v, sub %v", has(top), has(sub))
	}
	if _, _, err := cl.GroupMembers.GetInheritedGroupMember(2, 106); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("members/all/:user_id of a minimal access user below the top: %v", err)
	}
}

func TestMemberRoleKeyOnlyForCustomRoles(t *testing.T) {
	w := memWorld()
	w.MemberRoles[7] = &MemberRole{ID: 7, Name: "Security Auditor", BaseAccessLevel: Reporter, GroupID: 1, Permissions: []string{"read_code"}}
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Reporter, MemberRoleID: 7})
	w.SetGroupMember(2, &Member{UserID: 102, AccessLevel: Reporter})
	_, cl, url := memStart(t, w, ModeGitLabCom)
	m, _, err := cl.GroupMembers.GetGroupMember(2, 101)
	if err != nil {
		t.Fatal(err)
	}
	if m.MemberRole == nil || m.MemberRole.ID != 7 || m.MemberRole.GroupID != 1 || m.MemberRole.BaseAccessLevel != gitlab.ReporterPermissions || !m.MemberRole.ReadCode {
		t.Fatalf("member_role: %+v", m.MemberRole)
	}
	status, body := memRaw(t, "GET", url+"/api/v4/groups/2/members/102", "")
	if status != 200 || strings.Contains(body, "member_role") {
		t.Fatalf("member without custom role: %d %s", status, body)
	}
}

func TestGetMemberNotDirectIs404(t *testing.T) {
	w := memWorld()
	_, cl, url := memStart(t, w, ModeGitLabCom)
	if _, _, err := cl.GroupMembers.GetGroupMember(2, 100); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("inherited owner on the direct endpoint: %v", err)
	}
	status, body := memRaw(t, "GET", url+"/api/v4/groups/2/members/100", "")
	if status != 404 {
		t.Fatalf("%d %s", status, body)
	}
	memWantJSON(t, body, `{"message":"404 Not found"}`)
	if m, _, err := cl.GroupMembers.GetInheritedGroupMember(2, 100); err != nil || m.AccessLevel != gitlab.OwnerPermissions {
		t.Fatalf("members/all/:user_id: %+v %v", m, err)
	}
}

func TestAddMemberTwiceIs409(t *testing.T) {
	w := memWorld()
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	opt := &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(101)), AccessLevel: memPtr(gitlab.DeveloperPermissions)}
	m, resp, err := cl.GroupMembers.AddGroupMember(1, opt) // ExpiresAt unset: sent as JSON null
	if err != nil || resp.StatusCode != 201 || m.ID != 101 || m.AccessLevel != gitlab.DeveloperPermissions || m.ExpiresAt != nil {
		t.Fatalf("add: %+v %v", m, err)
	}
	if m.CreatedBy == nil || m.CreatedBy.ID != 100 {
		t.Fatalf("created_by: %+v", m.CreatedBy)
	}
	_, _, err = cl.GroupMembers.AddGroupMember(1, opt)
	memWantAPIError(t, err, 409, `{"message":"Member already exists"}`)
}

func TestAddUnknownUserIs404(t *testing.T) {
	w := memWorld()
	_, _, url := memStart(t, w, ModeGitLabCom)
	status, body := memRaw(t, "POST", url+"/api/v4/groups/1/members", `{"user_id":99999,"access_level":30}`)
	if status != 404 {
		t.Fatalf("%d %s", status, body)
	}
	memWantJSON(t, body, `{"message":"404 User Not Found"}`)
	status, body = memRaw(t, "POST", url+"/api/v4/groups/1/members", `{"username":"user101","access_level":30}`)
	if status != 201 || !strings.Contains(body, `"username":"user101"`) {
		t.Fatalf("add by username: %d %s", status, body)
	}
}

func TestAddMemberParameterErrorsAre400(t *testing.T) {
	w := memWorld()
	_, _, url := memStart(t, w, ModeGitLabCom)
	cases := []struct{ body, want string }{
		{`{"user_id":101}`, `{"error":"access_level is missing"}`},
		{`{"access_level":30}`, `{"error":"user_id, username are missing, at least one parameter must be provided"}`},
		{`{"user_id":101,"access_level":31}`, `{"message":{"access_level":["is not included in the list"]}}`},
		{`{"user_id":101,"access_level":0}`, `{"message":{"access_level":["is not included in the list"]}}`},
		{`{"user_id":101,"access_level":30,"expires_at":"not-a-date"}`, `{"error":"expires_at is invalid"}`},
	}
	for _, tc := range cases {
		status, body := memRaw(t, "POST", url+"/api/v4/groups/1/members", tc.body)
		if status != 400 {
			t.Fatalf("%s: %d %s", tc.body, status, body)
		}
		memWantJSON(t, body, tc.want)
	}
}

func TestMinimalAccessOnlyOnTopLevelGroups(t *testing.T) {
	w := memWorld()
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, _, err := cl.GroupMembers.AddGroupMember(2, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(101)), AccessLevel: memPtr(gitlab.MinimalAccessPermissions)})
	memWantAPIError(t, err, 400, `{"message":{"access_level":["is not included in the list","supported on top level groups only"]}}`)
	_, _, err = cl.ProjectMembers.AddProjectMember(10, &gitlab.AddProjectMemberOptions{UserID: int64(101), AccessLevel: memPtr(gitlab.MinimalAccessPermissions)})
	memWantAPIError(t, err, 400, `{"message":{"access_level":["is not included in the list"]}}`)
	m, _, err := cl.GroupMembers.AddGroupMember(1, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(101)), AccessLevel: memPtr(gitlab.MinimalAccessPermissions)})
	if err != nil || m.AccessLevel != gitlab.MinimalAccessPermissions {
		t.Fatalf("top-level minimal access: %+v %v", m, err)
	}
}

func TestDirectMembershipBelowInheritedIs400(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Developer})
	w.SetGroupMember(4, &Member{UserID: 102, AccessLevel: Maintainer})
	w.GroupShares[2] = []Share{{GroupID: 4, AccessLevel: Maintainer}}
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	want := `{"message":{"access_level":["should be greater than or equal to Developer inherited membership from group Platform"]}}`
	_, _, err := cl.GroupMembers.AddGroupMember(3, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(101)), AccessLevel: memPtr(gitlab.ReporterPermissions)})
	memWantAPIError(t, err, 400, want)
	_, _, err = cl.ProjectMembers.AddProjectMember(10, &gitlab.AddProjectMemberOptions{UserID: int64(101), AccessLevel: memPtr(gitlab.GuestPermissions)})
	memWantAPIError(t, err, 400, want)
	// Equal or higher is fine.
	if _, _, err := cl.GroupMembers.AddGroupMember(3, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(101)), AccessLevel: memPtr(gitlab.DeveloperPermissions)}); err != nil {
		t.Fatalf("equal level: %v", err)
	}
	// Shares do not set a floor.
	if _, _, err := cl.GroupMembers.AddGroupMember(3, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(102)), AccessLevel: memPtr(gitlab.GuestPermissions)}); err != nil {
		t.Fatalf("below a shared level: %v", err)
	}
	// PUT follows the same rule.
	_, _, err = cl.GroupMembers.EditGroupMember(3, 101, &gitlab.EditGroupMemberOptions{AccessLevel: memPtr(gitlab.GuestPermissions)})
	memWantAPIError(t, err, 400, want)
}

func TestMemberRoleMustExistAndMatchAccessLevel(t *testing.T) {
	w := memWorld()
	w.MemberRoles[7] = &MemberRole{ID: 7, Name: "Auditor", BaseAccessLevel: Reporter, GroupID: 1}
	w.MemberRoles[8] = &MemberRole{ID: 8, Name: "Elsewhere", BaseAccessLevel: Reporter, GroupID: 4}
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	add := func(level gitlab.AccessLevelValue, role int64) error {
		_, _, err := cl.GroupMembers.AddGroupMember(2, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(101)), AccessLevel: memPtr(level), MemberRoleID: memPtr(role)})
		return err
	}
	memWantAPIError(t, add(gitlab.ReporterPermissions, 99), 400, `{"message":{"member_role":["not found"]}}`)
	memWantAPIError(t, add(gitlab.ReporterPermissions, 8), 400, `{"message":{"member_role":["not found"]}}`)
	memWantAPIError(t, add(gitlab.DeveloperPermissions, 7), 400, `{"message":{"member_role_id":["role's base access level does not match the access level of the membership"]}}`)
	if err := add(gitlab.ReporterPermissions, 7); err != nil {
		t.Fatal(err)
	}
	// Changing the level without naming the role is refused; naming none clears it.
	_, _, err := cl.GroupMembers.EditGroupMember(2, 101, &gitlab.EditGroupMemberOptions{AccessLevel: memPtr(gitlab.DeveloperPermissions)})
	memWantAPIError(t, err, 400, `{"message":{"access_level":["cannot be changed because of an existing association with a custom role"]}}`)
}

func TestExpiresAtMustBeInTheFuture(t *testing.T) {
	w := memWorld()
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, _, err := cl.GroupMembers.AddGroupMember(1, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(101)), AccessLevel: memPtr(gitlab.DeveloperPermissions), ExpiresAt: memPtr("2026-10-31")})
	memWantAPIError(t, err, 400, `{"message":{"expires_at":["cannot be a date in the past"]}}`)
	m, _, err := cl.GroupMembers.AddGroupMember(1, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(101)), AccessLevel: memPtr(gitlab.DeveloperPermissions), ExpiresAt: memPtr("2036-01-31")})
	if err != nil || m.ExpiresAt == nil || m.ExpiresAt.String() != "2036-01-31" {
		t.Fatalf("%+v %v", m, err)
	}
}

func TestProjectOwnerOnlyGrantableByOwner(t *testing.T) {
	w := memWorld()
	w.TokenUserID = 101
	w.SetProjectMember(10, &Member{UserID: 101, AccessLevel: Maintainer})
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, _, err := cl.ProjectMembers.AddProjectMember(10, &gitlab.AddProjectMemberOptions{UserID: int64(102), AccessLevel: memPtr(gitlab.OwnerPermissions)})
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
	if _, _, err := cl.ProjectMembers.AddProjectMember(10, &gitlab.AddProjectMemberOptions{UserID: int64(102), AccessLevel: memPtr(gitlab.MaintainerPermissions)}); err != nil {
		t.Fatalf("a Maintainer adds a Maintainer: %v", err)
	}
	// A project Maintainer cannot manage the members of the group.
	_, _, err = cl.GroupMembers.AddGroupMember(2, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(103)), AccessLevel: memPtr(gitlab.GuestPermissions)})
	if err == nil {
		t.Fatal("a project member added a group member")
	}
}

func TestNonOwnerCannotManageGroupMembers(t *testing.T) {
	w := memWorld()
	w.TokenUserID = 101
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Maintainer})
	w.SetGroupMember(1, &Member{UserID: 102, AccessLevel: Guest})
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, _, err := cl.GroupMembers.AddGroupMember(1, &gitlab.AddGroupMemberOptions{UserID: memPtr(int64(103)), AccessLevel: memPtr(gitlab.GuestPermissions)})
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
	_, err = cl.GroupMembers.RemoveGroupMember(1, 102, nil)
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
	// Anyone may leave.
	if _, err := cl.GroupMembers.RemoveGroupMember(1, 101, nil); err != nil {
		t.Fatalf("leaving: %v", err)
	}
}

func TestEditMemberChangesInPlace(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Guest, CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	s, cl, _ := memStart(t, w, ModeGitLabCom)
	m, resp, err := cl.GroupMembers.EditGroupMember(2, 101, &gitlab.EditGroupMemberOptions{AccessLevel: memPtr(gitlab.MaintainerPermissions), ExpiresAt: memPtr("2036-03-01")})
	if err != nil || resp.StatusCode != 200 || m.AccessLevel != gitlab.MaintainerPermissions || m.ExpiresAt.String() != "2036-03-01" {
		t.Fatalf("%+v %v", m, err)
	}
	s.Read(func(w *World) {
		got := w.GroupMembers[2][101]
		if got.AccessLevel != Maintainer || !got.CreatedAt.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("stored: %+v", got)
		}
	})
	_, _, err = cl.GroupMembers.EditGroupMember(2, 100, &gitlab.EditGroupMemberOptions{AccessLevel: memPtr(gitlab.MaintainerPermissions)})
	if !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("PUT on an inherited-only member: %v", err)
	}
}

func TestRemoveLastOwnerOfTopLevelGroupIs403(t *testing.T) {
	w := memWorld()
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, err := cl.GroupMembers.RemoveGroupMember(1, 100, nil)
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
	_, _, err = cl.GroupMembers.EditGroupMember(1, 100, &gitlab.EditGroupMemberOptions{AccessLevel: memPtr(gitlab.MaintainerPermissions)})
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
	// With a second owner the first one can go.
	w2 := memWorld()
	w2.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Owner})
	_, cl2, _ := memStart(t, w2, ModeGitLabCom)
	if _, err := cl2.GroupMembers.RemoveGroupMember(1, 101, nil); err != nil {
		t.Fatalf("removing a second owner: %v", err)
	}
}

// Group#member_owners_excluding_project_bots (app/models/group.rb) does not look at the
// user's state: a blocked second Owner counts, so the first can be removed; an awaiting
// Owner row does not (without_invites_and_requests is active_state).
func TestLastOwnerCountsBlockedOwners(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Owner})
	w.Users[101].State = StateBlocked
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	if _, err := cl.GroupMembers.RemoveGroupMember(1, 100, nil); err != nil {
		t.Fatalf("removing an owner beside a blocked owner: %v", err)
	}
}

// On a subgroup, members_with_parents counts Owners through a group share at Owner
// (members_from_self_and_ancestor_group_shares); on a top-level group shares do not count.
func TestLastOwnerOfSubgroupCountsOwnersThroughShares(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Owner})
	delete(w.GroupMembers[1], 100) // no ancestor Owner: 101 is the subgroup's last Owner
	if !w.isLastOwner(2, 101) {
		t.Fatal("101 should be the last Owner of group 2")
	}
	other := w.AddGroup(&Group{Name: "other", Path: "other"})
	w.SetGroupMember(other.ID, &Member{UserID: 102, AccessLevel: Owner})
	w.GroupShares[2] = append(w.GroupShares[2], Share{GroupID: other.ID, AccessLevel: Owner})
	if w.isLastOwner(2, 101) {
		t.Error("an Owner through a share at Owner counts on a subgroup")
	}
	w.GroupShares[1] = append(w.GroupShares[1], Share{GroupID: other.ID, AccessLevel: Owner})
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Owner})
	if !w.isLastOwner(1, 101) {
		t.Error("a top-level group counts its direct Owners only")
	}
}

func TestRemoveSubgroupOwnerWithAncestorOwnerIs204(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Owner})
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	resp, err := cl.GroupMembers.RemoveGroupMember(2, 101, nil)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("%v", err)
	}
}

func TestPersonalProjectOwnerCannotBeRemoved(t *testing.T) {
	w := memWorld()
	w.TokenUserID = 104
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	_, err := cl.ProjectMembers.DeleteProjectMember(11, 104)
	memWantAPIError(t, err, 403, `{"message":"403 Forbidden"}`)
}

func subresourceWorld() *World {
	w := memWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Guest})
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Developer})
	w.SetGroupMember(3, &Member{UserID: 101, AccessLevel: Maintainer})
	w.SetProjectMember(10, &Member{UserID: 101, AccessLevel: Maintainer})
	w.SetGroupMember(4, &Member{UserID: 101, AccessLevel: Developer}) // another hierarchy
	return w
}

func TestDeleteGroupMemberRemovesSubresourceMemberships(t *testing.T) {
	s, cl, _ := memStart(t, subresourceWorld(), ModeGitLabCom)
	if _, err := cl.GroupMembers.RemoveGroupMember(1, 101, nil); err != nil {
		t.Fatal(err)
	}
	s.Read(func(w *World) {
		for _, g := range []int64{1, 2, 3} {
			if w.GroupMembers[g][101] != nil {
				t.Errorf("still a member of group %d", g)
			}
		}
		if w.ProjectMembers[10][101] != nil {
			t.Error("still a member of project 10")
		}
		if w.GroupMembers[4][101] == nil {
			t.Error("membership outside the hierarchy removed")
		}
	})
}

func TestSkipSubresourcesKeepsThem(t *testing.T) {
	s, cl, _ := memStart(t, subresourceWorld(), ModeGitLabCom)
	if _, err := cl.GroupMembers.RemoveGroupMember(1, 101, &gitlab.RemoveGroupMemberOptions{SkipSubresources: memPtr(true)}); err != nil {
		t.Fatal(err)
	}
	s.Read(func(w *World) {
		if w.GroupMembers[1][101] != nil {
			t.Error("still a member of the group")
		}
		if w.GroupMembers[2][101] == nil || w.GroupMembers[3][101] == nil || w.ProjectMembers[10][101] == nil {
			t.Error("skip_subresources=true removed subresource memberships")
		}
	})
}

func TestDeleteInheritedOnlyMemberIs404AndKeepsSubresources(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(3, &Member{UserID: 101, AccessLevel: Developer})
	w.SetProjectMember(10, &Member{UserID: 102, AccessLevel: Developer})
	s, cl, _ := memStart(t, w, ModeGitLabCom)
	if _, err := cl.GroupMembers.RemoveGroupMember(1, 101, nil); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("subgroup-only member at the top: %v", err)
	}
	if _, err := cl.GroupMembers.RemoveGroupMember(2, 102, nil); !errors.Is(err, gitlab.ErrNotFound) {
		t.Fatalf("project-only member on the group: %v", err)
	}
	s.Read(func(w *World) {
		if w.GroupMembers[3][101] == nil || w.ProjectMembers[10][102] == nil {
			t.Error("memberships lost after a 404")
		}
	})
	if _, err := cl.ProjectMembers.DeleteProjectMember(10, 102); err != nil {
		t.Fatalf("removing where the membership is: %v", err)
	}
}

func TestAdminSeesMemberEmails(t *testing.T) {
	w := memWorld()
	w.Users[100].IsAdmin = true
	_, cl, _ := memStart(t, w, ModeSelfManaged)
	m, _, err := cl.GroupMembers.GetGroupMember(1, 100)
	if err != nil || m.Email != "user100@example.com" {
		t.Fatalf("%+v %v", m, err)
	}
}

func TestDemoMembersAllAndPagination(t *testing.T) {
	_, cl, _ := memStart(t, DemoWorld(ModeGitLabCom), ModeGitLabCom)
	ms, _, err := cl.Groups.ListAllGroupMembers(DemoGroupPlatform, &gitlab.ListGroupMembersOptions{ListOptions: gitlab.ListOptions{PerPage: 100}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]*gitlab.GroupMember{}
	for _, m := range ms {
		got[m.ID] = m
	}
	if got[DemoUserQuentin] == nil || got[DemoUserQuentin].AccessLevel != gitlab.ReporterPermissions {
		t.Errorf("quentin through the share: %+v", got[DemoUserQuentin])
	}
	if got[DemoUserBob] == nil || got[DemoUserBob].AccessLevel != gitlab.DeveloperPermissions {
		t.Errorf("bob inherited: %+v", got[DemoUserBob])
	}
	if got[DemoUserOlivia] != nil {
		t.Error("olivia's Minimal Access listed below acme")
	}
	if m := got[DemoUserMallory]; m == nil || m.MemberRole == nil || m.MemberRole.ID != DemoMemberRoleSecurityAuditor {
		t.Errorf("mallory's custom role: %+v", m)
	}
	// 120 direct members of big-team: two pages of 100.
	page1, resp, err := cl.Groups.ListGroupMembers(DemoGroupBigTeam, &gitlab.ListGroupMembersOptions{ListOptions: gitlab.ListOptions{PerPage: 100}})
	if err != nil || len(page1) != 100 || resp.NextPage != 2 {
		t.Fatalf("page 1: %d %v %v", len(page1), resp.NextPage, err)
	}
	page2, resp, err := cl.Groups.ListGroupMembers(DemoGroupBigTeam, &gitlab.ListGroupMembersOptions{ListOptions: gitlab.ListOptions{PerPage: 100, Page: 2}})
	if err != nil || len(page2) != 20 || resp.NextPage != 0 {
		t.Fatalf("page 2: %d %v %v", len(page2), resp.NextPage, err)
	}
}

// F3: GitLab EE's retrieve_members applies `state` to /members as well as /members/all.
func TestMembersStateFilterOnDirectAndAll(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer})
	w.SetGroupMember(1, &Member{UserID: 102, AccessLevel: Developer, MembershipState: "awaiting"})
	_, _, url := memStart(t, w, ModeGitLabCom)
	ids := func(path string) string {
		t.Helper()
		status, body := memRaw(t, http.MethodGet, url+"/api/v4/groups/1/"+path, "")
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		var ms []struct {
			ID    int64  `json:"id"`
			State string `json:"membership_state"`
		}
		if err := json.Unmarshal([]byte(body), &ms); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, strconv.FormatInt(m.ID, 10)+":"+m.State)
		}
		return strings.Join(out, ",")
	}
	// Direct members: the awaiting row is listed, and state picks it or leaves it out.
	if got := ids("members?state=awaiting"); got != "102:awaiting" {
		t.Errorf("members state=awaiting: %s", got)
	}
	if got := ids("members?state=active"); got != "100:active,101:active" {
		t.Errorf("members state=active: %s", got)
	}
	if got := ids("members"); got != "100:active,101:active,102:awaiting" {
		t.Errorf("members without state: %s", got)
	}
	// members/all lists the awaiting member too (GitLab lists membership rows whatever
	// their state), and state picks it or leaves it out.
	if got := ids("members/all?state=active"); got != "100:active,101:active" {
		t.Errorf("members/all state=active: %s", got)
	}
	if got := ids("members/all?state=awaiting"); got != "102:awaiting" {
		t.Errorf("members/all state=awaiting: %s", got)
	}
	if got := ids("members/all"); got != "100:active,101:active,102:awaiting" {
		t.Errorf("members/all without state: %s", got)
	}
	for _, path := range []string{"members", "members/all"} {
		status, body := memRaw(t, http.MethodGet, url+"/api/v4/groups/1/"+path+"?state=pending", "")
		if status != http.StatusBadRequest || !strings.Contains(body, "state does not have a valid value") {
			t.Errorf("%s state=pending: %d %s", path, status, body)
		}
	}
}

// F6: on GitLab.com, Owners of a top-level group see the email of the group's enterprise
// users in members answers about its hierarchy; nobody else does, and self-managed shows
// emails to administrators only.
func TestEnterpriseUserEmailForTopLevelOwnersOnGitLabCom(t *testing.T) {
	w := memWorld()
	w.Users[101].EnterpriseGroupID = 1 // enterprise user of top (1)
	w.Users[102].EnterpriseGroupID = 4 // enterprise user of other (4)
	w.Users[103].EnterpriseGroupID = 1
	w.SetGroupMember(2, &Member{UserID: 101, AccessLevel: Developer})
	w.SetGroupMember(2, &Member{UserID: 102, AccessLevel: Developer})
	w.SetProjectMember(10, &Member{UserID: 103, AccessLevel: Reporter})
	w.SetGroupMember(4, &Member{UserID: 101, AccessLevel: Guest})
	w.SetGroupMember(1, &Member{UserID: 105, AccessLevel: Maintainer})

	_, cl, _ := memStart(t, w, ModeGitLabCom)
	emails := func(ms []*gitlab.GroupMember) map[int64]string {
		out := map[int64]string{}
		for _, m := range ms {
			out[m.ID] = m.Email
		}
		return out
	}
	ms, _, err := cl.Groups.ListGroupMembers(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := emails(ms); got[101] != "user101@example.com" || got[102] != "" {
		t.Errorf("platform members: %v (want 101's email only: 102 belongs to another enterprise group)", got)
	}
	all, _, err := cl.Groups.ListAllGroupMembers(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := emails(all); got[101] != "user101@example.com" || got[100] != "" {
		t.Errorf("platform members/all: %v", got)
	}
	pm, _, err := cl.ProjectMembers.GetProjectMember(10, 103)
	if err != nil || pm.Email != "user103@example.com" {
		t.Errorf("project member in the enterprise group's hierarchy: %+v %v", pm, err)
	}
	// In the context of another group (other, 4) the email of top's enterprise user stays hidden.
	gm, _, err := cl.GroupMembers.GetGroupMember(4, 101)
	if err != nil || gm.Email != "" {
		t.Errorf("outside the enterprise group: %+v %v", gm, err)
	}

	// A Maintainer of the top-level group does not see it.
	w2 := memWorld()
	w2.Users[101].EnterpriseGroupID = 1
	w2.TokenUserID = 105
	w2.SetGroupMember(1, &Member{UserID: 105, AccessLevel: Maintainer})
	w2.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer})
	_, cl2, _ := memStart(t, w2, ModeGitLabCom)
	gm, _, err = cl2.GroupMembers.GetGroupMember(1, 101)
	if err != nil || gm.Email != "" {
		t.Errorf("maintainer sees enterprise email: %+v %v", gm, err)
	}

	// Self-managed: the enterprise rule does not exist; a non-admin owner sees no email.
	w3 := memWorld()
	w3.Users[101].EnterpriseGroupID = 1
	w3.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer})
	_, cl3, _ := memStart(t, w3, ModeSelfManaged)
	gm, _, err = cl3.GroupMembers.GetGroupMember(1, 101)
	if err != nil || gm.Email != "" {
		t.Errorf("self-managed non-admin owner sees email: %+v %v", gm, err)
	}
}

// members/all lists awaiting rows however they reach the source (GitLab's
// GroupMembersFinder selects rows of the group, its ancestors and the groups shared into
// it without looking at membership_state, and keeps each user's highest row), while
// effective access (and so GET /groups?min_access_level, permissions...) ignores them.
func TestMembersAllListsAwaitingRowsByEveryRelation(t *testing.T) {
	w := memWorld()
	// 101: awaiting Developer of top (1): inherited into platform (2), infra (3), project 10.
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer, MembershipState: "awaiting"})
	// 102: active Reporter of infra (3), awaiting Maintainer of top (1): the higher row shows.
	w.SetGroupMember(3, &Member{UserID: 102, AccessLevel: Reporter})
	w.SetGroupMember(1, &Member{UserID: 102, AccessLevel: Maintainer, MembershipState: "awaiting"})
	// 103: active Maintainer of platform (2), awaiting Guest of infra (3): the active row shows.
	w.SetGroupMember(2, &Member{UserID: 103, AccessLevel: Maintainer})
	w.SetGroupMember(3, &Member{UserID: 103, AccessLevel: Guest, MembershipState: "awaiting"})
	// 105: awaiting Owner of other (4), which platform (2) is shared with at Reporter.
	w.GroupShares[2] = append(w.GroupShares[2], Share{GroupID: 4, AccessLevel: Reporter})
	w.SetGroupMember(4, &Member{UserID: 105, AccessLevel: Owner, MembershipState: "awaiting"})
	// 106: awaiting Developer of project 10 itself.
	w.SetProjectMember(10, &Member{UserID: 106, AccessLevel: Developer, MembershipState: "awaiting"})
	s, _, url := memStart(t, w, ModeGitLabCom)

	list := func(path string) string {
		t.Helper()
		status, body := memRaw(t, http.MethodGet, url+"/api/v4/"+path, "")
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		var ms []struct {
			ID    int64  `json:"id"`
			Level int    `json:"access_level"`
			State string `json:"membership_state"`
		}
		if err := json.Unmarshal([]byte(body), &ms); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, strconv.FormatInt(m.ID, 10)+":"+strconv.Itoa(m.Level)+":"+m.State)
		}
		return strings.Join(out, ",")
	}
	if got, want := list("groups/3/members/all"), "100:50:active,101:30:awaiting,102:40:awaiting,103:40:active,105:20:awaiting"; got != want {
		t.Errorf("infra members/all:\n got %s\nwant %s", got, want)
	}
	if got, want := list("groups/3/members/all?state=awaiting"), "101:30:awaiting,102:40:awaiting,105:20:awaiting"; got != want {
		t.Errorf("infra members/all?state=awaiting:\n got %s\nwant %s", got, want)
	}
	if got, want := list("groups/3/members/all?state=active"), "100:50:active,103:40:active"; got != want {
		t.Errorf("infra members/all?state=active:\n got %s\nwant %s", got, want)
	}
	if got, want := list("projects/10/members/all"), "100:50:active,101:30:awaiting,102:40:awaiting,103:40:active,105:20:awaiting,106:30:awaiting"; got != want {
		t.Errorf("project members/all:\n got %s\nwant %s", got, want)
	}
	// members/all/:user_id shows the same row.
	status, body := memRaw(t, http.MethodGet, url+"/api/v4/groups/3/members/all/102", "")
	if status != http.StatusOK || !strings.Contains(body, `"membership_state":"awaiting"`) || !strings.Contains(body, `"access_level":40`) {
		t.Errorf("members/all/102: %d %s", status, body)
	}
	// Direct /members of infra: only its own rows.
	if got, want := list("groups/3/members"), "102:20:active,103:10:awaiting"; got != want {
		t.Errorf("infra members: got %s want %s", got, want)
	}
	// None of the awaiting rows is access.
	s.Read(func(w *World) {
		for _, uid := range []int64{101, 105} {
			if a := w.EffectiveGroupAccess(3, uid); a.Level != NoAccess {
				t.Errorf("user %d has access %+v to infra through an awaiting row", uid, a)
			}
		}
		if a := w.EffectiveGroupAccess(3, 102); a.Level != Reporter {
			t.Errorf("user 102's access to infra: %+v, want Reporter (the active row)", a)
		}
		if a := w.EffectiveProjectAccess(10, 106); a.Level != NoAccess {
			t.Errorf("user 106 has access %+v to project 10", a)
		}
	})
}

// An Owner membership awaiting a seat is no Owner: GitLab's last-owner rule counts
// members_with_parents, built on active_state rows.
func TestLastOwnerIgnoresAwaitingOwnerRows(t *testing.T) {
	w := memWorld()
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Owner, MembershipState: "awaiting"})
	w.SetGroupMember(1, &Member{UserID: 102, AccessLevel: Owner})
	w.TokenUserID = 102
	_, cl, _ := memStart(t, w, ModeGitLabCom)
	// 100 may go: 102 is another active Owner. Then 102 is the last one, 101 awaiting.
	if _, err := cl.GroupMembers.RemoveGroupMember(1, 100, nil); err != nil {
		t.Fatalf("removing an Owner while another active Owner remains: %v", err)
	}
	_, err := cl.GroupMembers.RemoveGroupMember(1, 102, nil)
	memWantAPIError(t, err, http.StatusForbidden, "")
}
