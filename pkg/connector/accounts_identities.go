package connector

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// What the top-level groups tell their Owners about the organisation's accounts, where
// the token cannot read GET /users as an administrator (GitLab.com, or a self-managed
// non-administrator): each source is ONE paged listing per top-level group, or part of a
// listing the sync already makes. Never a request per user.
//
//   - Billable members (GET /groups/:id/billable_members; also read to find hidden
//     shares, org_hidden.go, so it costs nothing more): last_login_at, last_activity_on,
//     membership_type, and the email GitLab shows there.
//   - Enterprise users (GET /groups/:id/enterprise_users, GitLab.com 17.7+): the
//     group's enterprise users' email, two-factor status and sign-in times.
//   - SCIM identities (GET /groups/:id/scim/identities, GitLab.com group SSO with SCIM):
//     the identity provider's id of each provisioned user, and whether it is active.
//   - Group SAML identities: on the group member rows the sync reads anyway, shown to
//     the group's Owners when the top-level group has SAML SSO (group_saml_identity).
//
// All four are for Owners of the top-level group. Without that role, or on a plan
// without the feature, the account keeps what the members listings give, and one
// warning names the groups and the role that would give more. Two-factor status is set
// only where GitLab gives it (enterprise users); elsewhere the MFA trait is left unset,
// not reported as disabled.

// accountFacts is what the top-level groups gave, per user id.
type accountFacts struct {
	billable   map[int64]*billableFacts
	enterprise map[int64]*gitlab.User
	scim       map[int64][]scimIdentity
	saml       map[int64][]gitlabapi.Identity // GET /groups/:id/saml/identities
}

// billableFacts merges a user's billable-member rows of every top-level group.
type billableFacts struct {
	LastLoginAt     *time.Time
	LastActivityOn  string   // YYYY-MM-DD or ""
	MembershipTypes []string // group_member, project_member, group_invite, project_invite
	Email           string
}

// scimIdentity is a user's SCIM identity in one top-level group.
type scimIdentity struct {
	GroupFullPath string
	ExternUID     string
	Active        bool
}

var noAccountFacts = &accountFacts{}

// billableListing is one top-level group's billable members; ok is false when GitLab
// would not give them: refused (403/400: not an Owner, not a top-level group) or
// unavailable (404: GitLab Free, Community Edition, an unlicensed instance).
type billableListing struct {
	members     []*gitlabapi.BillableMember
	ok          bool
	unavailable bool
}

// billableMembers is GET /groups/:id/billable_members of a top-level group, once per sync.
func (o *organisationState) billableMembers(ctx context.Context, groupID int64) (billableListing, error) {
	return o.billable.get(groupID, func() (billableListing, error) {
		ms, err := o.c.client.ListBillableMembers(ctx, groupID)
		if err != nil {
			if ownerOnlyRefusal(err) {
				return billableListing{unavailable: gitlabapi.IsNotFound(err)}, nil
			}
			return billableListing{}, err
		}
		return billableListing{members: ms, ok: true}, nil
	})
}

// ownerOnlyRefusal is how GitLab refuses an Owner-only listing of a top-level group: 403
// (not an Owner), 400 (not a top-level group, or no right), 404 (no such feature here).
func ownerOnlyRefusal(err error) bool {
	return gitlabapi.IsForbidden(err) || gitlabapi.IsBadRequest(err) || gitlabapi.IsNotFound(err)
}

// accountFacts reads the sources above once per sync (nothing on an instance-wide sync:
// GET /users already gives an administrator every field).
func (o *organisationState) accountFacts(ctx context.Context) (*accountFacts, error) {
	return o.facts.get(func() (*accountFacts, error) {
		instance, err := o.instanceWide(ctx)
		if err != nil || instance {
			return noAccountFacts, err
		}
		tree, err := o.groupTree(ctx)
		if err != nil {
			return nil, err
		}
		f := &accountFacts{billable: map[int64]*billableFacts{}, enterprise: map[int64]*gitlab.User{},
			scim: map[int64][]scimIdentity{}, saml: map[int64][]gitlabapi.Identity{}}
		var notOwner, unavailable []string
		for _, root := range tree.roots {
			g := tree.groups[root]
			if g.ParentID != 0 {
				notOwner = append(notOwner, g.FullPath)
				continue // billable members, enterprise users, SAML and SCIM are top-level groups'
			}
			b, err := o.billableMembers(ctx, root)
			if err != nil {
				return nil, err
			}
			switch {
			case b.unavailable:
				unavailable = append(unavailable, g.FullPath)
				continue
			case !b.ok:
				notOwner = append(notOwner, g.FullPath)
				continue
			}
			for _, m := range b.members {
				f.addBillable(m)
			}
			if o.c.settings.Deployment != gitlabapi.GitLabCom {
				continue // enterprise users, group SAML and SCIM are GitLab.com's
			}
			o.readOptionalSource(ctx, g, "enterprise users", func() error { return o.readEnterpriseUsers(ctx, root, f) })
			o.readOptionalSource(ctx, g, "SCIM identities", func() error { return o.readSCIMIdentities(ctx, g, f) })
			o.readOptionalSource(ctx, g, "SAML identities", func() error { return o.readSAMLIdentities(ctx, g, f) })
		}
		if len(notOwner) > 0 {
			ctxzap.Extract(ctx).Warn("gitlab: last sign-in, last activity, SAML and SCIM identities, and enterprise users' email "+
				"and two-factor status are given only to Owners of a top-level group: they are missing for the members of these groups. "+
				"Sync with the token of a user who has the Owner role in each top-level group (or an administrator's on self-managed GitLab)",
				zap.Strings("groups", notOwner))
		}
		if len(unavailable) > 0 {
			ctxzap.Extract(ctx).Warn("gitlab: these top-level groups have no billable members listing (GitLab Free, Community Edition or an unlicensed instance): "+
				"their members' last sign-in and activity are not available to this token",
				zap.Strings("groups", unavailable))
		}
		return f, nil
	})
}

func (f *accountFacts) addBillable(m *gitlabapi.BillableMember) {
	b := f.billable[m.ID]
	if b == nil {
		b = &billableFacts{}
		f.billable[m.ID] = b
	}
	if t := m.LastLoginAt.Time(); t != nil && (b.LastLoginAt == nil || t.After(*b.LastLoginAt)) {
		b.LastLoginAt = t
	}
	if d := string(m.LastActivityOn); d > b.LastActivityOn {
		b.LastActivityOn = d
	}
	if m.MembershipType != "" && !slices.Contains(b.MembershipTypes, m.MembershipType) {
		b.MembershipTypes = append(b.MembershipTypes, m.MembershipType)
		sort.Strings(b.MembershipTypes)
	}
	if b.Email == "" {
		b.Email = m.Email
	}
}

// readOptionalSource reads one enrichment source of a top-level group. It is not needed
// for access: a failure that survived the client's retries (5xx, 429) is one warning and
// the accounts lack that source's fields, rather than a failed sync.
func (o *organisationState) readOptionalSource(ctx context.Context, g *orgGroup, what string, read func() error) {
	if err := read(); err != nil {
		ctxzap.Extract(ctx).Warn("gitlab: could not read the "+what+" of a top-level group: its accounts lack those fields in this sync",
			zap.String("group", g.FullPath), zap.Error(err))
	}
}

// readEnterpriseUsers: GET /groups/:id/enterprise_users (GitLab.com). Refused or absent
// (not an Owner, a GitLab before 17.7): the accounts simply lack those fields.
func (o *organisationState) readEnterpriseUsers(ctx context.Context, root int64, f *accountFacts) error {
	us, err := o.enterpriseUsers(ctx, root)
	if err != nil {
		if ownerOnlyRefusal(err) {
			return nil
		}
		return err
	}
	for _, u := range us {
		f.enterprise[u.ID] = u
	}
	return nil
}

// readSCIMIdentities: GET /groups/:id/scim/identities (an empty list where the group has
// no SCIM; not paginated: ee/lib/api/provider_identity.rb presents the whole relation).
func (o *organisationState) readSCIMIdentities(ctx context.Context, g *orgGroup, f *accountFacts) error {
	ids, err := o.c.client.ListSCIMIdentities(ctx, g.ID)
	if err != nil {
		if ownerOnlyRefusal(err) {
			return nil
		}
		return err
	}
	for _, id := range ids {
		f.scim[int64(id.UserID)] = append(f.scim[int64(id.UserID)], scimIdentity{GroupFullPath: g.FullPath, ExternUID: id.ExternUID, Active: id.Active})
	}
	return nil
}

// readSAMLIdentities: GET /groups/:id/saml/identities. 400/404 where the group has no
// SAML provider.
func (o *organisationState) readSAMLIdentities(ctx context.Context, g *orgGroup, f *accountFacts) error {
	ids, err := o.samlIdentities(ctx, g.ID)
	if err != nil {
		if ownerOnlyRefusal(err) {
			return nil
		}
		return err
	}
	provider := o.saml.provider(g.ID) // known when the group's own member rows showed one
	for _, id := range ids {
		uid := int64(id.UserID)
		f.saml[uid] = appendIdentity(f.saml[uid], gitlabapi.Identity{Provider: groupSAMLProvider, ExternUID: id.ExternUID, SAMLProviderID: provider})
	}
	return nil
}

// groupSAMLProvider is the provider of GitLab.com group SSO identities.
const groupSAMLProvider = "group_saml"

// samlIdentities collects the group_saml_identity of the group member rows the sync
// reads (GitLab shows it to the top-level group's Owners), per user, and the SAML
// provider id each group's rows showed (the listing of GET /groups/:id/saml/identities
// lacks it).
type samlIdentities struct {
	mu         sync.Mutex
	byUser     map[int64][]gitlabapi.Identity
	providerOf map[int64]int64 // group id -> its SAML provider id
}

// noteRows records the identities on group groupID's member rows.
func (s *samlIdentities) noteRows(groupID int64, rows []*gitlabapi.Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range rows {
		id := m.GroupSAMLIdentity
		if id == nil || id.ExternUID == "" {
			continue
		}
		if s.byUser == nil {
			s.byUser, s.providerOf = map[int64][]gitlabapi.Identity{}, map[int64]int64{}
		}
		if id.SAMLProviderID != 0 {
			s.providerOf[groupID] = id.SAMLProviderID
		}
		s.byUser[m.ID] = appendIdentity(s.byUser[m.ID], *id)
	}
}

// of is a copy of the user's identities (callers append to it).
func (s *samlIdentities) of(userID int64) []gitlabapi.Identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.byUser[userID])
}

func (s *samlIdentities) provider(groupID int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.providerOf[groupID]
}

// memberAccountFacts is what the sources above say of one account.
type memberAccountFacts struct {
	billable   *billableFacts
	enterprise *gitlab.User
	scim       []scimIdentity
	saml       []gitlabapi.Identity
}

// forUser picks one user's facts (f may be nil: account creation, tests).
func (o *organisationState) accountFactsOf(f *accountFacts, userID int64) memberAccountFacts {
	out := memberAccountFacts{saml: o.saml.of(userID)}
	if f != nil {
		out.billable, out.enterprise, out.scim = f.billable[userID], f.enterprise[userID], f.scim[userID]
		for _, id := range f.saml[userID] { // the rows' identities first: they carry saml_provider_id
			out.saml = appendIdentity(out.saml, id)
		}
	}
	return out
}

// apply puts the facts on an account built from a member record: profile fields, the
// last-login, email, MFA and SSO traits. Returns the traits to add.
//
// Profile fields: last_login_at and last_activity_on (billable members, enterprise
// users), last_login_known (true when a source covers the account: a missing
// last_login_at then means it never signed in), membership_types, enterprise (the
// account is an enterprise user of a top-level group the token owns), two_factor_enabled
// (enterprise users only), identities (provider, extern_uid, saml_provider_id) and
// scim_identities (group, extern_uid, active).
func (f memberAccountFacts) apply(profile map[string]interface{}, haveEmail string) []rs.UserTraitOption {
	var traits []rs.UserTraitOption
	var last *time.Time
	activity := ""
	if b := f.billable; b != nil {
		last, activity = b.LastLoginAt, b.LastActivityOn
		profile["last_login_known"] = true
		if len(b.MembershipTypes) > 0 {
			profile["membership_types"] = stringsToList(b.MembershipTypes)
		}
	}
	if e := f.enterprise; e != nil {
		profile["enterprise"] = true
		profile["last_login_known"] = true
		profile["two_factor_enabled"] = e.TwoFactorEnabled
		traits = append(traits, withMFA(e.TwoFactorEnabled))
		last = latest(last, latest(e.LastSignInAt, e.CurrentSignInAt))
		if e.LastActivityOn != nil {
			if d := time.Time(*e.LastActivityOn).Format(time.DateOnly); d > activity {
				activity = d
			}
		}
		if haveEmail == "" && e.Email != "" { // the enterprise user's primary email
			haveEmail = e.Email
			traits = append(traits, rs.WithEmail(e.Email, true))
		}
		for _, id := range e.Identities {
			f.saml = appendIdentity(f.saml, gitlabapi.Identity{Provider: id.Provider, ExternUID: id.ExternUID})
		}
	}
	if haveEmail != "" {
		profile["email"] = haveEmail
	} else if b := f.billable; b != nil && b.Email != "" {
		// Not an enterprise user of a group the token owns: billable members show the
		// user's PUBLIC email, which may be a personal address: kept apart, not the
		// account's email. (ee/lib/ee/api/entities/billable_member.rb)
		profile["public_email"] = b.Email
	}
	if last != nil {
		profile["last_login_at"] = last.UTC().Format(time.RFC3339)
		traits = append(traits, rs.WithLastLogin(*last))
	}
	if activity != "" {
		profile["last_activity_on"] = activity
	}
	if len(f.saml) > 0 {
		profile["identities"] = identitiesToList(f.saml)
		if signsInThroughDirectory(f.saml) {
			traits = append(traits, withSSO(true))
		}
	}
	if len(f.scim) > 0 {
		list := make([]interface{}, 0, len(f.scim))
		for _, s := range f.scim {
			list = append(list, map[string]interface{}{"group": s.GroupFullPath, "extern_uid": s.ExternUID, "active": s.Active})
		}
		profile["scim_identities"] = list
	}
	return traits
}

// appendIdentity adds id unless the same provider and extern_uid are there already.
func appendIdentity(ids []gitlabapi.Identity, id gitlabapi.Identity) []gitlabapi.Identity {
	for _, have := range ids {
		if have.Provider == id.Provider && have.ExternUID == id.ExternUID {
			return ids
		}
	}
	return append(ids, id)
}

// identitiesToList is the profile form of identities: provider, extern_uid and, for
// group SAML, saml_provider_id.
func identitiesToList(ids []gitlabapi.Identity) []interface{} {
	list := make([]interface{}, 0, len(ids))
	for _, id := range ids {
		e := map[string]interface{}{"provider": id.Provider, "extern_uid": id.ExternUID}
		if id.SAMLProviderID != 0 {
			e["saml_provider_id"] = id.SAMLProviderID
		}
		list = append(list, e)
	}
	return list
}

func stringsToList(ss []string) []interface{} {
	out := make([]interface{}, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

func withMFA(enabled bool) rs.UserTraitOption {
	return rs.WithMFAStatus(v2.UserTrait_MFAStatus_builder{MfaEnabled: enabled}.Build())
}

// withSSO marks an account linked to the company's identity provider (signsInThroughDirectory).
func withSSO(enabled bool) rs.UserTraitOption {
	return rs.WithSSOStatus(v2.UserTrait_SSOStatus_builder{SsoEnabled: enabled}.Build())
}

// addAdminUserFields puts what GET /users gives an administrator on the profile (self-
// managed): identities with their extern_uid (LDAP DN, SAML NameID, OIDC subject), the
// auditor, private-profile and licence-seat flags, and last_login_known (GitLab records
// every sign-in: no last_sign_in_at means never signed in).
// https://docs.gitlab.com/api/users/#as-an-administrator
func addAdminUserFields(profile map[string]interface{}, u *gitlab.User) {
	profile["last_login_known"] = true
	profile["is_auditor"] = u.IsAuditor
	profile["private_profile"] = u.PrivateProfile
	profile["using_license_seat"] = u.UsingLicenseSeat
	ids := adminIdentities(u)
	if len(ids) == 0 {
		return
	}
	providers := make([]interface{}, 0, len(ids))
	for _, id := range ids {
		providers = append(providers, id.Provider)
	}
	profile["identities"] = identitiesToList(ids)
	profile["identity_providers"] = providers
}

// adminIdentities are a user's identities as GET /users gives them to an administrator.
func adminIdentities(u *gitlab.User) []gitlabapi.Identity {
	ids := make([]gitlabapi.Identity, 0, len(u.Identities))
	for _, id := range u.Identities {
		if id != nil {
			ids = append(ids, gitlabapi.Identity{Provider: id.Provider, ExternUID: id.ExternUID})
		}
	}
	return ids
}

// directoryProviders are the identity providers that are a company directory: group SAML
// (GitLab.com), and on self-managed SAML, LDAP (ldapmain, ldap...), OpenID Connect and
// Kerberos. Social sign-ins (google_oauth2, github...) are identities too, but not a
// directory's: they do not make an account "SSO".
var directoryProviders = []string{"group_saml", "saml", "ldap", "openid_connect", "kerberos", "cas3"}

// signsInThroughDirectory reports whether an identity is a company directory's.
func signsInThroughDirectory(ids []gitlabapi.Identity) bool {
	for _, id := range ids {
		for _, p := range directoryProviders {
			if strings.HasPrefix(id.Provider, p) {
				return true
			}
		}
	}
	return false
}
