package connector_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	fg "github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// identitiesOf is the profile's identities as "provider=extern_uid" (with
// "#saml_provider_id" when set).
func identitiesOf(ut *v2.UserTrait, field string) map[string]bool {
	out := map[string]bool{}
	for _, v := range ut.GetProfile().GetFields()[field].GetListValue().GetValues() {
		f := v.GetStructValue().GetFields()
		k := f["provider"].GetStringValue() + f["group"].GetStringValue() + "=" + f["extern_uid"].GetStringValue()
		if p := f["saml_provider_id"].GetNumberValue(); p != 0 {
			k += fmt.Sprintf("#%d", int64(p))
		}
		if a, ok := f["active"]; ok && !a.GetBoolValue() {
			k += " (inactive)"
		}
		out[k] = true
	}
	return out
}

func lastLoginOf(u *fg.User) *time.Time {
	switch {
	case u.CurrentSignInAt == nil:
		return u.LastSignInAt
	case u.LastSignInAt == nil || u.CurrentSignInAt.After(*u.LastSignInAt):
		return u.CurrentSignInAt
	}
	return u.LastSignInAt
}

// GitLab.com: acme's Owner (the token user) is told last logins (billable members), the
// enterprise users' email and two-factor status (enterprise users), SCIM identities and,
// on group member rows, group SAML identities. Expected values are the fake world's.
func TestSyncAccountFactsGitLabCom(t *testing.T) {
	t.Parallel()
	_, c := demoSync(t, fg.ModeGitLabCom)
	world := fg.DemoWorld(fg.ModeGitLabCom) // the world the fake serves, unchanged by a sync
	user := func(uid int64) *v2.UserTrait {
		r := c.Resource("user", id(uid))
		if r == nil {
			t.Fatalf("user %d missing", uid)
		}
		return batontest.UserTrait(r)
	}

	// Identities, for matching to the company directory.
	saml := func(ext string) string {
		return fmt.Sprintf("%s=%s#%d", fg.GroupSAMLProvider, ext, fg.DemoSAMLProviderAcme)
	}
	for uid, want := range map[int64][]string{
		fg.DemoUserAlice: {saml(fg.DemoExternAliceSAML)},
		fg.DemoUserBob:   {saml(fg.DemoExternBobSAML)},
		fg.DemoUserCarol: {saml(fg.DemoExternCarolSAML)},
		fg.DemoUserErin:  nil,
	} {
		got := identitiesOf(user(uid), "identities")
		if len(got) != len(want) {
			t.Errorf("user %d identities = %v, want %v", uid, got, want)
		}
		for _, w := range want {
			if !got[w] {
				t.Errorf("user %d identities = %v, want %s", uid, got, w)
			}
		}
		if sso := user(uid).GetSsoStatus().GetSsoEnabled(); sso != (len(want) > 0) {
			t.Errorf("user %d SSO status = %v", uid, sso)
		}
	}
	acme := world.Groups[fg.DemoGroupAcme].Path
	for uid, want := range map[int64]string{
		fg.DemoUserAlice: acme + "=" + fg.DemoExternAliceSCIM,
		fg.DemoUserErin:  acme + "=" + fg.DemoExternErinSCIM,
		fg.DemoUserJose:  acme + "=" + fg.DemoExternJoseSCIM + " (inactive)",
	} {
		if got := identitiesOf(user(uid), "scim_identities"); len(got) != 1 || !got[want] {
			t.Errorf("user %d SCIM identities = %v, want %s", uid, got, want)
		}
	}

	// Two-factor status: enterprise users of acme only; others left unset.
	for _, u := range world.SortedUsers() {
		r := c.Resource("user", id(u.ID))
		if r == nil {
			continue
		}
		ut := batontest.UserTrait(r)
		if u.EnterpriseGroupID == fg.DemoGroupAcme {
			if !ut.HasMfaStatus() || ut.GetMfaStatus().GetMfaEnabled() != u.TwoFactorEnabled {
				t.Errorf("enterprise user %s: MFA = %v, want %v", u.Username, ut.GetMfaStatus(), u.TwoFactorEnabled)
			}
			if es := ut.GetEmails(); len(es) != 1 || es[0].GetAddress() != u.Email {
				t.Errorf("enterprise user %s: emails %v, want %s", u.Username, es, u.Email)
			}
		} else if ut.HasMfaStatus() {
			t.Errorf("user %s is not an enterprise user: MFA must be unset, is %v", u.Username, ut.GetMfaStatus())
		}
	}

	// Last login: jose signed in 120 days ago, niaj never, bob as the world says.
	for _, uid := range []int64{fg.DemoUserBob, fg.DemoUserJose, fg.DemoUserNiaj} {
		ut := user(uid)
		if !ut.GetProfile().GetFields()["last_login_known"].GetBoolValue() {
			t.Errorf("user %d: last login should be known to acme's Owner", uid)
		}
		want := lastLoginOf(world.Users[uid])
		got := ut.GetLastLogin()
		switch {
		case want == nil && got != nil:
			t.Errorf("user %d never signed in, last login %v", uid, got.AsTime())
		case want != nil && (got == nil || !got.AsTime().Equal(want.Truncate(time.Second))):
			t.Errorf("user %d last login %v, want %v", uid, got.AsTime(), *want)
		}
	}
	if lj := user(fg.DemoUserJose).GetLastLogin(); lj == nil || fg.DemoNow.Sub(lj.AsTime()) < 90*24*time.Hour {
		t.Errorf("jose's last login should be over 90 days before the world's clock: %v", lj)
	}
}

// Self-managed, an administrator's token: GET /users gives every identity with its
// extern_uid, and the auditor, private-profile and seat flags.
func TestSyncAccountFactsSelfManaged(t *testing.T) {
	t.Parallel()
	_, c := demoSync(t, fg.ModeSelfManaged)
	world := fg.DemoWorld(fg.ModeSelfManaged)
	for _, u := range world.SortedUsers() {
		r := c.Resource("user", id(u.ID))
		if r == nil {
			continue
		}
		ut := batontest.UserTrait(r)
		p := ut.GetProfile().GetFields()
		got := identitiesOf(ut, "identities")
		if len(got) != len(u.Identities) {
			t.Errorf("%s identities = %v, want %v", u.Username, got, u.Identities)
		}
		for _, want := range u.Identities {
			if !got[want.Provider+"="+want.ExternUID] {
				t.Errorf("%s identities = %v, lack %s=%s", u.Username, got, want.Provider, want.ExternUID)
			}
		}
		if p["is_auditor"].GetBoolValue() != u.Auditor || p["private_profile"].GetBoolValue() != u.PrivateProfile {
			t.Errorf("%s: is_auditor %v private_profile %v, want %v %v", u.Username,
				p["is_auditor"].GetBoolValue(), p["private_profile"].GetBoolValue(), u.Auditor, u.PrivateProfile)
		}
		if !p["last_login_known"].GetBoolValue() || !ut.HasMfaStatus() || ut.GetMfaStatus().GetMfaEnabled() != u.TwoFactorEnabled {
			t.Errorf("%s: an administrator knows sign-ins and two-factor status: %v %v", u.Username, p["last_login_known"], ut.GetMfaStatus())
		}
	}
	if p := batontest.UserTrait(c.Resource("user", id(fg.DemoUserCarol))).GetProfile().GetFields(); p["identities"] == nil {
		t.Error("carol's LDAP identity missing")
	}
	if ut := batontest.UserTrait(c.Resource("user", id(fg.DemoUserNiaj))); ut.GetLastLogin() != nil {
		t.Errorf("niaj never signed in: %v", ut.GetLastLogin())
	}
	seats := 0
	for _, u := range world.SortedUsers() {
		if r := c.Resource("user", id(u.ID)); r != nil && batontest.UserTrait(r).GetProfile().GetFields()["using_license_seat"].GetBoolValue() {
			seats++
		}
	}
	if seats == 0 || seats == len(world.Users) {
		t.Errorf("licence seats: %d of %d accounts use one; the demo has Guests without a seat", seats, len(world.Users))
	}
}

// Without the Owner role in a top-level group GitLab gives none of these: the accounts
// keep what member rows give (no last login, no MFA trait, no identities) and ONE
// warning names the groups and the role that gives them.
func TestSyncAccountFactsNeedOwnerWarnsOnce(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeGitLabCom)
	world.TokenUserID = fg.DemoUserBob // a Developer of acme
	f := batontest.NewFake(t, fg.ModeGitLabCom, world)
	core, logs := observer.New(zapcore.WarnLevel)
	ctx := ctxzap.ToContext(context.Background(), zap.New(core))
	c := batontest.Sync(t, ctx, f.Connector)
	for _, uid := range []int64{fg.DemoUserAlice, fg.DemoUserBob, fg.DemoUserJose} {
		r := c.Resource("user", id(uid))
		if r == nil {
			t.Fatalf("user %d missing", uid)
		}
		ut := batontest.UserTrait(r)
		p := ut.GetProfile().GetFields()
		if ut.GetLastLogin() != nil || ut.HasMfaStatus() || p["last_login_known"] != nil || p["identities"] != nil || p["scim_identities"] != nil {
			t.Errorf("user %d: a Developer's token was given Owner-only facts: %v", uid, ut)
		}
	}
	warned := logs.FilterMessageSnippet("given only to Owners of a top-level group").All()
	if len(warned) != 1 {
		t.Fatalf("warnings = %v, want exactly one about the Owner role", logs.All())
	}
	if gs := fmt.Sprint(warned[0].ContextMap()["groups"]); !strings.Contains(gs, world.Groups[fg.DemoGroupAcme].Path) {
		t.Errorf("the warning names %s, want acme among them", gs)
	}
}

// Account facts cost one listing per top-level group and source, never a request per
// user; an administrator's self-managed sync needs none of them (GET /users has it all).
func TestAccountFactsCostOneListingPerTopLevelGroup(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			f, c := demoSync(t, mode)
			topLevel := 0
			for _, r := range c.Resources {
				if r.GetId().GetResourceType() == "group" && r.GetParentResourceId() == nil {
					topLevel++
				}
			}
			counts := f.Server.Counts()
			firstPages := map[string]int{} // listing -> first-page requests (a listing may have several pages)
			for _, r := range f.Requests() {
				for _, suffix := range []string{"/billable_members", "/saml/identities", "/scim/identities", "/enterprise_users"} {
					if strings.HasSuffix(r.Path, suffix) && (r.Query.Get("page") == "" || r.Query.Get("page") == "1") {
						firstPages[suffix]++
					}
				}
			}
			for _, listing := range []string{"/billable_members", "/saml/identities", "/scim/identities", "/enterprise_users"} {
				n := firstPages[listing]
				switch {
				case mode == fg.ModeSelfManaged && n != 0:
					t.Errorf("%s: %d listings on an administrator's sync, want none", listing, n)
				case mode == fg.ModeGitLabCom && (n == 0 || n > topLevel):
					t.Errorf("%s: %d listings for %d top-level groups, want one per top-level group", listing, n, topLevel)
				}
			}
			for route := range counts {
				if strings.Contains(route, "/users/:id") || strings.Contains(route, "/scim/:uid") || strings.Contains(route, "/saml/:uid") {
					t.Errorf("%s: a request per user", route)
				}
			}
		})
	}
}

// Self-managed with an Owner's (not an administrator's) token: last logins come from the
// top-level group's billable members, as on GitLab.com; enterprise users, group SAML and
// SCIM are GitLab.com's and are not asked for; two-factor status stays unknown.
func TestSyncAccountFactsSelfManagedOwnerToken(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeSelfManaged)
	world.TokenUserID = fg.DemoUserAlice // an Owner of acme, not an administrator
	f := batontest.NewFake(t, fg.ModeSelfManaged, world)
	c := batontest.Sync(t, context.Background(), f.Connector)
	ut := batontest.UserTrait(c.Resource("user", id(fg.DemoUserJose)))
	want := lastLoginOf(world.Users[fg.DemoUserJose])
	if !ut.GetProfile().GetFields()["last_login_known"].GetBoolValue() || ut.GetLastLogin() == nil ||
		!ut.GetLastLogin().AsTime().Equal(want.Truncate(time.Second)) {
		t.Errorf("jose's last login from acme's billable members = %v, want %v", ut.GetLastLogin(), want)
	}
	if ut.HasMfaStatus() {
		t.Errorf("a non-administrator is not told two-factor status on self-managed: %v", ut.GetMfaStatus())
	}
	counts := f.Server.Counts()
	for _, route := range []string{"GET /groups/:id/saml/identities", "GET /groups/:id/scim/identities", "GET /groups/:id/enterprise_users"} {
		if counts[route] != 0 {
			t.Errorf("%s asked %d times on self-managed", route, counts[route])
		}
	}
}

// Accounts GitLab does not bill (blocked users, bots) are not in the billable members
// listing: their sign-ins stay unknown, never claimed "never signed in". And a token that
// owns every top-level group gets no Owner warning.
func TestSyncAccountFactsUnbilledStayUnknown(t *testing.T) {
	t.Parallel()
	world := fg.DemoWorld(fg.ModeGitLabCom)
	f := batontest.NewFake(t, fg.ModeGitLabCom, world)
	core, logs := observer.New(zapcore.WarnLevel)
	c := batontest.Sync(t, ctxzap.ToContext(context.Background(), zap.New(core)), f.Connector)
	checked := 0
	for _, u := range world.SortedUsers() {
		r := c.Resource("user", id(u.ID))
		if r == nil || (u.State == fg.StateActive && !u.Bot) {
			continue
		}
		checked++
		if p := batontest.UserTrait(r).GetProfile().GetFields(); p["last_login_known"] != nil && u.EnterpriseGroupID == 0 {
			t.Errorf("%s (%s, bot %v) is not billable: its sign-ins are unknown, not %v", u.Username, u.State, u.Bot, p["last_login_known"])
		}
	}
	if checked == 0 {
		t.Fatal("the demo world has no blocked user or bot among the synced accounts")
	}
	if w := logs.FilterMessageSnippet("given only to Owners of a top-level group").All(); len(w) != 0 {
		t.Errorf("the token owns every top-level group, yet: %v", w[0].ContextMap())
	}
}
