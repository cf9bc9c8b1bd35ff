package fakegitlab

import "time"

// The demo world's account identities and sign-in spread (issue 11). Users are the named
// demo users of demo.go; only their identity, sign-in and flag fields change here.
//
// GitLab.com, top-level group acme with group SAML SSO (provider DemoSAMLProviderAcme):
//
//	alice  enterprise user of acme, 2FA on,  SAML-linked and SCIM-linked (active), Owner
//	bob    enterprise user of acme, 2FA off, SAML-linked, Developer
//	carol  not enterprise, 2FA off, SAML-linked, Maintainer of acme/platform/infra
//	erin   not enterprise, SCIM-linked (active) without a SAML identity yet
//	jose   enterprise user of acme, 2FA off, SCIM identity deactivated by the IdP,
//	       Maintainer of acme/equipe-donnees, last signed in 120 days ago
//	trent  enterprise user of acme who is a member of nothing (enterprise_users lists him)
//	niaj   never signed in, Planner of acme/sales (both modes)
//
// Self-managed (Ultimate licence: Guests use no seat):
//
//	carol   LDAP identity (ldapmain, a DN)
//	alice   SAML identity (saml, the NameID)
//	dave    OpenID Connect identity (openid_connect, the subject)
//	ivan    LDAP identity, ldap_blocked (demo.go)
//	mallory auditor
//	victor  external (demo.go)
//	erin    private profile
//	olivia, judy, heidi, big-team Guests: no licence seat (Minimal Access / Guest only, or
//	not active)
//	jose    last signed in 120 days ago; niaj never
const (
	// DemoSAMLProviderAcme is the id of acme's group SAML provider on GitLab.com.
	DemoSAMLProviderAcme int64 = 9101
	// DemoStaleSignInDays is how long before DemoNow jose last signed in.
	DemoStaleSignInDays = 120
)

// Demo extern_uids (the identity provider's user ids).
const (
	DemoExternAliceSAML  = "00u1alice0acme"
	DemoExternBobSAML    = "00u1bob00acme"
	DemoExternCarolSAML  = "00u1carol0acme"
	DemoExternAliceSCIM  = "00u1alice0acme"
	DemoExternErinSCIM   = "00u1erin00acme"
	DemoExternJoseSCIM   = "00u1jose00acme"
	DemoExternCarolLDAP  = "uid=carol,ou=people,dc=acme,dc=example"
	DemoExternAliceSAMLs = "alice@acme.example"
	DemoExternDaveOIDC   = "5f0c8d1e-dave-4a6b-9c2e-acme00000004"
)

func addDemoIdentities(w *World, mode Mode) {
	now := w.Clock()
	stale := now.Add(-DemoStaleSignInDays * 24 * time.Hour)
	staleDay := stale.Truncate(24 * time.Hour)
	jose := w.Users[DemoUserJose]
	jose.CurrentSignInAt, jose.LastSignInAt, jose.LastActivityOn = &stale, &stale, &staleDay
	niaj := w.Users[DemoUserNiaj]
	niaj.CurrentSignInAt, niaj.LastSignInAt, niaj.LastActivityOn = nil, nil, nil

	if mode == ModeGitLabCom {
		w.Groups[DemoGroupAcme].SAMLProviderID = DemoSAMLProviderAcme
		w.LinkGroupSAML(DemoUserAlice, DemoGroupAcme, DemoExternAliceSAML)
		w.LinkGroupSAML(DemoUserBob, DemoGroupAcme, DemoExternBobSAML)
		w.LinkGroupSAML(DemoUserCarol, DemoGroupAcme, DemoExternCarolSAML)
		w.AddSCIMIdentity(DemoGroupAcme, SCIMIdentity{UserID: DemoUserAlice, ExternUID: DemoExternAliceSCIM, Active: true})
		w.AddSCIMIdentity(DemoGroupAcme, SCIMIdentity{UserID: DemoUserErin, ExternUID: DemoExternErinSCIM, Active: true})
		w.AddSCIMIdentity(DemoGroupAcme, SCIMIdentity{UserID: DemoUserJose, ExternUID: DemoExternJoseSCIM, Active: false})
		jose.EnterpriseGroupID = DemoGroupAcme
		w.Users[DemoUserTrent].EnterpriseGroupID = DemoGroupAcme
		return
	}
	w.ExcludeGuestsFromSeats = true
	w.Users[DemoUserCarol].Identities = append(w.Users[DemoUserCarol].Identities, Identity{Provider: "ldapmain", ExternUID: DemoExternCarolLDAP})
	w.Users[DemoUserAlice].Identities = append(w.Users[DemoUserAlice].Identities, Identity{Provider: "saml", ExternUID: DemoExternAliceSAMLs})
	w.Users[DemoUserDave].Identities = append(w.Users[DemoUserDave].Identities, Identity{Provider: "openid_connect", ExternUID: DemoExternDaveOIDC})
	w.Users[DemoUserMallory].Auditor = true
	w.Users[DemoUserErin].PrivateProfile = true
}
