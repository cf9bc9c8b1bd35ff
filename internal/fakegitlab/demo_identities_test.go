package fakegitlab

import (
	"net/http"
	"strconv"
	"testing"
)

// The demo world's identity cases, read through HTTP as the connector would.
func TestDemoWorldAccountIdentitiesOnGitLabCom(t *testing.T) {
	_, base := StartForTest(t, DemoWorld(ModeGitLabCom), Options{Mode: ModeGitLabCom, Token: memTestToken})
	_, v := getJSON(t, base, "/groups/"+itoa(DemoGroupAcme)+"/members?per_page=100")
	rows := rowsByID(t, v, "id")
	if id, ok := rows[DemoUserAlice]["group_saml_identity"].(map[string]any); !ok || id["extern_uid"] != DemoExternAliceSAML {
		t.Errorf("alice's SAML identity: %v", rows[DemoUserAlice]["group_saml_identity"])
	}
	if rows[DemoUserAlice]["email"] != "alice@acme.example" || rows[DemoUserBob]["email"] != "bob@acme.example" {
		t.Errorf("enterprise emails: %v %v", rows[DemoUserAlice]["email"], rows[DemoUserBob]["email"])
	}
	if _, ok := rows[DemoUserErin]["email"]; ok {
		t.Error("erin (not enterprise) shows an email")
	}
	if id, ok := rows[DemoUserErin]["group_saml_identity"]; !ok || id != nil {
		t.Errorf("erin (SCIM only): group_saml_identity %v present %v, want null", id, ok)
	}
	st, v := getJSON(t, base, "/groups/"+itoa(DemoGroupAcme)+"/scim/identities")
	scim := rowsByID(t, v, "user_id")
	if st != http.StatusOK || len(scim) != 3 || scim[DemoUserJose]["active"] != false || scim[DemoUserErin]["active"] != true {
		t.Errorf("scim identities: %d %v", st, v)
	}
	_, v = getJSON(t, base, "/groups/"+itoa(DemoGroupAcme)+"/saml/identities")
	if saml := rowsByID(t, v, "user_id"); len(saml) != 3 || saml[DemoUserCarol]["extern_uid"] != DemoExternCarolSAML {
		t.Errorf("saml identities: %v", v)
	}
	_, v = getJSON(t, base, "/groups/"+itoa(DemoGroupAcme)+"/enterprise_users")
	ent := rowsByID(t, v, "id")
	if len(ent) != 4 || ent[DemoUserTrent] == nil || ent[DemoUserAlice]["two_factor_enabled"] != true ||
		ent[DemoUserBob]["two_factor_enabled"] != false || ent[DemoUserJose]["last_sign_in_at"] != "2026-07-04T12:00:00.000Z" {
		t.Errorf("enterprise users: %v", v)
	}
	if ent[DemoUserNiaj] != nil {
		t.Error("niaj is not an enterprise user")
	}
	// Billable members: last_login_at of a never-signed-in member is null.
	bill := map[int64]map[string]any{}
	for _, q := range []string{"niaj", "jose"} { // acme has more than 100 billable members
		_, v = getJSON(t, base, "/groups/"+itoa(DemoGroupAcme)+"/billable_members?search="+q)
		for id, r := range rowsByID(t, v, "id") {
			bill[id] = r
		}
	}
	if r := bill[DemoUserNiaj]; r == nil || r["last_login_at"] != nil {
		t.Errorf("niaj billable: %v", r)
	}
	if r := bill[DemoUserJose]; r == nil || r["last_login_at"] != "2026-07-04T12:00:00.000Z" || r["email"] != "jose.muller@acme.example" {
		t.Errorf("jose billable: %v", r)
	}
}

func TestDemoWorldAccountIdentitiesOnSelfManaged(t *testing.T) {
	_, base := StartForTest(t, DemoWorld(ModeSelfManaged), Options{Mode: ModeSelfManaged, Token: memTestToken})
	_, v := getJSON(t, base, "/users?per_page=100&order_by=id&sort=asc")
	rows := rowsByID(t, v, "id")
	provider := func(id int64) string {
		ids, _ := rows[id]["identities"].([]any)
		if len(ids) == 0 {
			return ""
		}
		return ids[0].(map[string]any)["provider"].(string)
	}
	if provider(DemoUserCarol) != "ldapmain" || provider(DemoUserAlice) != "saml" || provider(DemoUserDave) != "openid_connect" {
		t.Errorf("providers: carol %q alice %q dave %q", provider(DemoUserCarol), provider(DemoUserAlice), provider(DemoUserDave))
	}
	if rows[DemoUserMallory]["is_auditor"] != true || rows[DemoUserErin]["private_profile"] != true || rows[DemoUserVictor]["external"] != true {
		t.Error("auditor / private profile / external flags")
	}
	if rows[DemoUserOlivia]["using_license_seat"] != false || rows[DemoUserCarol]["using_license_seat"] != true {
		t.Errorf("seats: olivia %v carol %v", rows[DemoUserOlivia]["using_license_seat"], rows[DemoUserCarol]["using_license_seat"])
	}
	if rows[DemoUserNiaj]["last_sign_in_at"] != nil || rows[DemoUserJose]["current_sign_in_at"] != "2026-07-04T12:00:00.000Z" {
		t.Errorf("sign-ins: niaj %v jose %v", rows[DemoUserNiaj]["last_sign_in_at"], rows[DemoUserJose]["current_sign_in_at"])
	}
	// No group SAML on self-managed: the endpoint answers 400 for acme.
	if st, _ := getJSON(t, base, "/groups/"+itoa(DemoGroupAcme)+"/saml/identities"); st != http.StatusBadRequest {
		t.Errorf("self-managed group SAML identities: %d", st)
	}
}

func TestLargeWorldHasIdentityProviderLinks(t *testing.T) {
	spec := LargeSpec{Users: 1500, Groups: 80, Projects: 200, Seed: 5}
	w := LargeWorld(spec, ModeGitLabCom)
	saml, scim, ent := 0, 0, 0
	for _, u := range w.Users {
		for _, id := range u.Identities {
			if id.Provider == GroupSAMLProvider {
				saml++
			}
		}
		if u.EnterpriseGroupID != 0 {
			ent++
		}
	}
	for _, ids := range w.SCIMIdentities {
		scim += len(ids)
	}
	if saml < spec.Users/2 || scim < spec.Users/10 || ent < spec.Users/20 {
		t.Fatalf("gitlab.com: %d SAML, %d SCIM identities, %d enterprise users", saml, scim, ent)
	}
	sm := LargeWorld(spec, ModeSelfManaged)
	ldap := 0
	for _, u := range sm.Users {
		for _, id := range u.Identities {
			if id.Provider == "ldapmain" {
				ldap++
			}
		}
	}
	if ldap < spec.Users/5 || !sm.ExcludeGuestsFromSeats {
		t.Fatalf("self-managed: %d LDAP identities", ldap)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
