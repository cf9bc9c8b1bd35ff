package fakegitlab

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// idWorld: memWorld with group SAML on top (1, provider 500), members of top, platform (2),
// project 10 and other (4), and SCIM identities of top.
func idWorld() *World {
	w := memWorld()
	w.Groups[1].SAMLProviderID = 500
	w.SetGroupMember(1, &Member{UserID: 101, AccessLevel: Developer})
	w.SetGroupMember(1, &Member{UserID: 102, AccessLevel: Developer})
	w.SetGroupMember(1, &Member{UserID: 105, AccessLevel: Maintainer})
	w.SetGroupMember(2, &Member{UserID: 103, AccessLevel: Developer})
	w.SetProjectMember(10, &Member{UserID: 101, AccessLevel: Maintainer})
	w.LinkGroupSAML(101, 1, "saml-101")
	w.LinkGroupSAML(103, 1, "saml-103")
	w.AddSCIMIdentity(1, SCIMIdentity{UserID: 101, ExternUID: "scim-101", Active: true})
	w.AddSCIMIdentity(1, SCIMIdentity{UserID: 102, ExternUID: "scim-102", Active: false})
	return w
}

// getJSON GETs path (relative to /api/v4) with the test token and decodes the body.
func getJSON(t *testing.T, base, path string) (int, any) {
	t.Helper()
	st, body := memRaw(t, http.MethodGet, base+"/api/v4"+path, "")
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("GET %s: %d %q", path, st, body)
	}
	return st, v
}

// rowsByID indexes a JSON array of objects by their "id" (or "user_id") field.
func rowsByID(t *testing.T, v any, key string) map[int64]map[string]any {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("not an array: %v", v)
	}
	out := map[int64]map[string]any{}
	for _, e := range arr {
		m := e.(map[string]any)
		out[int64(m[key].(float64))] = m
	}
	return out
}

func TestGroupSAMLIdentityShownOnlyToOwners(t *testing.T) {
	_, _, base := memStart(t, idWorld(), ModeGitLabCom)
	_, v := getJSON(t, base, "/groups/1/members")
	rows := rowsByID(t, v, "id")
	id, ok := rows[101]["group_saml_identity"].(map[string]any)
	if !ok || id["provider"] != "group_saml" || id["extern_uid"] != "saml-101" || id["saml_provider_id"] != float64(500) {
		t.Fatalf("owner sees 101's identity: %v", rows[101]["group_saml_identity"])
	}
	// An Owner sees the key for a member who has not linked: null.
	if v, ok := rows[102]["group_saml_identity"]; !ok || v != nil {
		t.Fatalf("unlinked member: %v (present %v), want null", v, ok)
	}
	// A subgroup has no saml_provider of its own (has_one :saml_provider): no key on its
	// direct rows, but members/all rows whose source is top carry it.
	_, v = getJSON(t, base, "/groups/2/members")
	if _, ok := rowsByID(t, v, "id")[103]["group_saml_identity"]; ok {
		t.Fatal("subgroup direct row carries group_saml_identity")
	}
	_, v = getJSON(t, base, "/groups/2/members/all")
	all := rowsByID(t, v, "id")
	if _, ok := all[103]["group_saml_identity"]; ok {
		t.Fatal("members/all row of the subgroup itself carries group_saml_identity")
	}
	if id, ok := all[102]["group_saml_identity"]; !ok || id != nil {
		t.Fatalf("members/all row inherited from top: %v %v, want null present", id, ok)
	}
	// Project rows: ProjectPolicy has no read_group_saml_identity.
	_, v = getJSON(t, base, "/projects/10/members")
	if _, ok := rowsByID(t, v, "id")[101]["group_saml_identity"]; ok {
		t.Fatal("project row carries group_saml_identity")
	}

	// A Maintainer of top does not see it.
	w := idWorld()
	w.TokenUserID = 105
	_, _, base2 := memStart(t, w, ModeGitLabCom)
	_, v = getJSON(t, base2, "/groups/1/members")
	for uid, r := range rowsByID(t, v, "id") {
		if _, ok := r["group_saml_identity"]; ok {
			t.Fatalf("maintainer sees group_saml_identity of %d", uid)
		}
	}
	// Self-managed has no group SAML (Gitlab::Auth::GroupSaml::Config.enabled? off).
	_, _, base3 := memStart(t, idWorld(), ModeSelfManaged)
	_, v = getJSON(t, base3, "/groups/1/members")
	if _, ok := rowsByID(t, v, "id")[101]["group_saml_identity"]; ok {
		t.Fatal("self-managed row carries group_saml_identity")
	}
}

func TestMemberEmailFollowsTheRowsSourceRoot(t *testing.T) {
	w := idWorld()
	// other (4) is shared into platform (2); 108 is an enterprise user of other, a member
	// there. In platform's members/all the row's source is other, whose root is other:
	// its Owner (100) sees the email (member.source.root_ancestor).
	w.GroupShares[2] = []Share{{GroupID: 4, AccessLevel: Developer}}
	w.SetGroupMember(4, &Member{UserID: 108, AccessLevel: Developer})
	w.Users[108].EnterpriseGroupID = 4
	_, _, base := memStart(t, w, ModeGitLabCom)
	_, v := getJSON(t, base, "/groups/2/members/all")
	r := rowsByID(t, v, "id")[108]
	if r == nil || r["email"] != "user108@example.com" {
		t.Fatalf("shared row of an enterprise user of the row's root: %v", r)
	}
	// Without owning other (4), no email.
	w2 := idWorld()
	w2.GroupShares[2] = []Share{{GroupID: 4, AccessLevel: Developer}}
	w2.SetGroupMember(4, &Member{UserID: 108, AccessLevel: Developer})
	w2.Users[108].EnterpriseGroupID = 4
	w2.GroupMembers[4][100].AccessLevel = Developer
	_, _, base2 := memStart(t, w2, ModeGitLabCom)
	_, v = getJSON(t, base2, "/groups/2/members/all")
	if r := rowsByID(t, v, "id")[108]; r == nil || r["email"] != nil {
		t.Fatalf("non-owner of the row's root sees the email: %v", r)
	}
}

func TestSCIMIdentitiesRequireOwner(t *testing.T) {
	_, _, base := memStart(t, idWorld(), ModeGitLabCom)
	// Not paginated (present group.scim_identities): per_page does not cut it.
	st, v := getJSON(t, base, "/groups/1/scim/identities?per_page=1")
	if st != http.StatusOK {
		t.Fatalf("owner: %d %v", st, v)
	}
	ids := rowsByID(t, v, "user_id")
	if len(ids) != 2 || ids[101]["extern_uid"] != "scim-101" || ids[101]["active"] != true || ids[102]["active"] != false {
		t.Fatalf("scim identities: %v", v)
	}
	// A group without SCIM: an empty list.
	if st, v := getJSON(t, base, "/groups/4/scim/identities"); st != http.StatusOK || len(v.([]any)) != 0 {
		t.Fatalf("group without SCIM: %d %v", st, v)
	}
	w := idWorld()
	w.TokenUserID = 105 // Maintainer of top
	_, _, base2 := memStart(t, w, ModeGitLabCom)
	if st, v := getJSON(t, base2, "/groups/1/scim/identities"); st != http.StatusForbidden || v.(map[string]any)["message"] != "403 Forbidden" {
		t.Fatalf("maintainer: %d %v", st, v)
	}
}

func TestSAMLIdentitiesRequireOwnerAndAProvider(t *testing.T) {
	_, _, base := memStart(t, idWorld(), ModeGitLabCom)
	st, v := getJSON(t, base, "/groups/1/saml/identities")
	if st != http.StatusOK {
		t.Fatalf("owner: %d %v", st, v)
	}
	ids := rowsByID(t, v, "user_id")
	if len(ids) != 2 || ids[101]["extern_uid"] != "saml-101" || ids[103]["extern_uid"] != "saml-103" {
		t.Fatalf("saml identities: %v", v)
	}
	if _, ok := ids[101]["active"]; ok {
		t.Fatal("SAML identity has active (only SCIM identities have the column)")
	}
	if st, v := getJSON(t, base, "/groups/4/saml/identities"); st != http.StatusBadRequest || v.(map[string]any)["message"] != "400 Bad request" {
		t.Fatalf("group without a SAML provider: %d %v", st, v)
	}
	w := idWorld()
	w.TokenUserID = 105
	_, _, base2 := memStart(t, w, ModeGitLabCom)
	if st, _ := getJSON(t, base2, "/groups/1/saml/identities"); st != http.StatusForbidden {
		t.Fatalf("maintainer: %d", st)
	}
}

func TestEnterpriseUsersTopLevelOwnersOnly(t *testing.T) {
	w := idWorld()
	w.Users[101].EnterpriseGroupID = 1
	w.Users[101].TwoFactorEnabled = true
	w.Users[104].EnterpriseGroupID = 1 // a member of nothing in top
	w.Users[106].EnterpriseGroupID = 4 // another group's
	_, _, base := memStart(t, w, ModeGitLabCom)
	st, v := getJSON(t, base, "/groups/1/enterprise_users")
	if st != http.StatusOK {
		t.Fatalf("owner: %d %v", st, v)
	}
	arr := v.([]any)
	if len(arr) != 2 || arr[0].(map[string]any)["id"] != float64(104) || arr[1].(map[string]any)["id"] != float64(101) {
		t.Fatalf("enterprise users (id DESC): %v", v)
	}
	u := arr[1].(map[string]any)
	ids, _ := u["identities"].([]any)
	if u["email"] != "user101@example.com" || u["two_factor_enabled"] != true || len(ids) != 1 ||
		ids[0].(map[string]any)["saml_provider_id"] != float64(500) {
		t.Fatalf("UserPublic fields: %v", u)
	}
	for _, k := range []string{"last_sign_in_at", "current_sign_in_at", "last_activity_on"} {
		if _, ok := u[k]; !ok {
			t.Fatalf("%s missing: %v", k, u)
		}
	}
	if _, ok := u["is_admin"]; ok {
		t.Fatal("UserPublic has is_admin")
	}
	if sc, _ := u["scim_identities"].([]any); len(sc) != 1 || sc[0].(map[string]any)["extern_uid"] != "scim-101" ||
		sc[0].(map[string]any)["group_id"] != float64(1) || sc[0].(map[string]any)["active"] != true {
		t.Fatalf("scim_identities: %v", u["scim_identities"])
	}
	if _, v := getJSON(t, base, "/groups/1/enterprise_users?two_factor=disabled"); len(v.([]any)) != 1 {
		t.Fatalf("two_factor=disabled: %v", v)
	}
	if st, v := getJSON(t, base, "/groups/2/enterprise_users"); st != http.StatusBadRequest ||
		v.(map[string]any)["message"] != "400 Bad request - Must be a top-level group" {
		t.Fatalf("subgroup: %d %v", st, v)
	}
	w2 := idWorld()
	w2.TokenUserID = 105
	_, _, base2 := memStart(t, w2, ModeGitLabCom)
	if st, _ := getJSON(t, base2, "/groups/1/enterprise_users"); st != http.StatusForbidden {
		t.Fatalf("maintainer: %d", st)
	}
}

func TestUsersAdminFieldsHiddenFromNonAdmin(t *testing.T) {
	w := idWorld()
	login := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	w.Users[101].CurrentSignInAt, w.Users[101].LastSignInAt = &login, &login
	w.Users[101].Identities = append(w.Users[101].Identities, Identity{Provider: "ldapmain", ExternUID: "uid=u101,dc=example"})
	w.Users[101].Auditor, w.Users[101].PrivateProfile, w.Users[101].External = true, true, true
	w.Users[100].IsAdmin = true
	_, _, base := memStart(t, w, ModeSelfManaged)
	_, v := getJSON(t, base, "/users?per_page=100")
	u := rowsByID(t, v, "id")[101]
	if u["is_auditor"] != true || u["private_profile"] != true || u["external"] != true || u["using_license_seat"] != true ||
		u["current_sign_in_at"] != "2026-10-01T09:00:00.000Z" || u["two_factor_enabled"] != false || u["email"] != "user101@example.com" {
		t.Fatalf("admin's view: %v", u)
	}
	ids := u["identities"].([]any)
	if len(ids) != 2 || ids[1].(map[string]any)["extern_uid"] != "uid=u101,dc=example" || ids[1].(map[string]any)["saml_provider_id"] != nil {
		t.Fatalf("identities: %v", ids)
	}
	for _, k := range []string{"is_admin", "provisioned_by_group_id", "enterprise_group_id", "last_activity_on", "last_sign_in_at"} {
		if _, ok := u[k]; !ok {
			t.Fatalf("admin's view lacks %s", k)
		}
	}
	// A non-administrator gets Entities::UserBasic: none of them.
	w2 := idWorld()
	w2.Users[101].Auditor = true
	_, _, base2 := memStart(t, w2, ModeSelfManaged)
	_, v = getJSON(t, base2, "/users?per_page=100")
	u = rowsByID(t, v, "id")[101]
	for _, k := range []string{"is_auditor", "identities", "email", "two_factor_enabled", "last_sign_in_at", "current_sign_in_at",
		"last_activity_on", "using_license_seat", "private_profile", "external", "is_admin", "scim_identities"} {
		if _, ok := u[k]; ok {
			t.Fatalf("non-admin sees %s: %v", k, u)
		}
	}
}

func TestUsingLicenseSeatExcludesGuestsOnUltimate(t *testing.T) {
	w := idWorld()
	w.Users[100].IsAdmin = true
	w.ExcludeGuestsFromSeats = true
	w.SetGroupMember(4, &Member{UserID: 107, AccessLevel: Guest})
	w.Users[109].State = StateDeactivated
	w.SetGroupMember(4, &Member{UserID: 109, AccessLevel: Developer})
	_, _, base := memStart(t, w, ModeSelfManaged)
	_, v := getJSON(t, base, "/users?per_page=100")
	rows := rowsByID(t, v, "id")
	for id, want := range map[int64]bool{101: true, 107: false, 109: false, 110: false} {
		if rows[id]["using_license_seat"] != want {
			t.Errorf("user %d using_license_seat %v, want %v", id, rows[id]["using_license_seat"], want)
		}
	}
	// Without Ultimate a Guest uses a seat.
	w2 := idWorld()
	w2.Users[100].IsAdmin = true
	w2.SetGroupMember(4, &Member{UserID: 107, AccessLevel: Guest})
	_, _, base2 := memStart(t, w2, ModeSelfManaged)
	_, v = getJSON(t, base2, "/users?per_page=100")
	if got := rowsByID(t, v, "id")[107]["using_license_seat"]; got != true {
		t.Errorf("Premium guest: %v", got)
	}
}

func TestBillableMemberEmailOnlyForEnterpriseOwners(t *testing.T) {
	w := idWorld()
	w.Users[101].EnterpriseGroupID = 1
	w.Users[102].EnterpriseGroupID = 4
	_, _, base := memStart(t, w, ModeGitLabCom)
	_, v := getJSON(t, base, "/groups/1/billable_members")
	rows := rowsByID(t, v, "id")
	if rows[101]["email"] != "user101@example.com" || rows[102]["email"] != nil || rows[105]["email"] != nil {
		t.Fatalf("billable emails: 101 %v, 102 %v, 105 %v", rows[101]["email"], rows[102]["email"], rows[105]["email"])
	}
	// An auditor (self-managed) may list billable members (rule { auditor }) but sees no
	// email (not an Owner); an admin sees every email.
	w2 := idWorld()
	w2.TokenUserID = 110
	w2.Users[110].Auditor = true
	_, _, base2 := memStart(t, w2, ModeSelfManaged)
	st, v := getJSON(t, base2, "/groups/1/billable_members")
	if st != http.StatusOK || rowsByID(t, v, "id")[101]["email"] != nil {
		t.Fatalf("auditor: %d %v", st, v)
	}
	w3 := idWorld()
	w3.Users[100].IsAdmin = true
	_, _, base3 := memStart(t, w3, ModeSelfManaged)
	_, v = getJSON(t, base3, "/groups/1/billable_members")
	if rowsByID(t, v, "id")[102]["email"] != "user102@example.com" {
		t.Fatalf("admin: %v", v)
	}
}

func TestIdentityRoutesAreCounted(t *testing.T) {
	s, _, base := memStart(t, idWorld(), ModeGitLabCom)
	getJSON(t, base, "/groups/1/saml/identities")
	getJSON(t, base, "/groups/1/scim/identities")
	getJSON(t, base, "/groups/1/enterprise_users")
	getJSON(t, base, "/groups/1/enterprise_users?page=2")
	c := s.Counts()
	if c["GET /groups/:id/saml/identities"] != 1 || c["GET /groups/:id/scim/identities"] != 1 || c["GET /groups/:id/enterprise_users"] != 2 {
		t.Fatalf("counts: %v", c)
	}
}
