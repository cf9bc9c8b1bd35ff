package fakegitlab

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// Account identity and sign-in fields (issue 11): who an account is in the company's
// identity provider, and what GitLab says of its sign-ins. Every rule below cites the
// GitLab source it comes from (gitlab-org/gitlab, EE).
//
// Served here:
//   - GET /groups/:id/saml/identities and GET /groups/:id/scim/identities
//     (ee/lib/api/provider_identity.rb);
//   - GET /groups/:id/enterprise_users (ee/lib/api/group_enterprise_users.rb, GitLab 17.7+);
//   - the EE fields of member rows: group_saml_identity and email
//     (ee/lib/ee/api/entities/member.rb), see memberEEFields;
//   - the EE fields of users for administrators: is_auditor, using_license_seat,
//     provisioned_by_group_id, enterprise_group_id (ee/lib/ee/api/entities/user_with_admin.rb),
//     and identities with saml_provider_id (lib/api/entities/identity.rb +
//     ee/lib/ee/api/entities/identity.rb), see users.go;
//   - scim_identities on UserPublic and its descendants (GET /user, admins' /users,
//     enterprise users): scimIdentitiesJSON.
//
// Not served: group_scim_identity on member rows. GitLab added it to
// ee/lib/ee/api/entities/member.rb in July 2025 (MR !195574, GitLab 18.x); the fake is
// 17.8, where SCIM identities come from GET /groups/:id/scim/identities only.

// SCIMIdentity is a group SCIM identity (scim_identities: group_id, user_id, extern_uid,
// active), created when the group's identity provider provisions the user over SCIM.
type SCIMIdentity struct {
	UserID    int64
	ExternUID string
	Active    bool
}

// GroupSAMLProvider is the "group_saml" provider name of GitLab.com group SSO identities
// (Identity.provider; ee/app/models/ee/identity.rb scope :with_provider('group_saml')).
const GroupSAMLProvider = "group_saml"

// AddSCIMIdentity stores a SCIM identity of a top-level group (world building).
func (w *World) AddSCIMIdentity(groupID int64, id SCIMIdentity) {
	if w.SCIMIdentities == nil {
		w.SCIMIdentities = map[int64][]SCIMIdentity{}
	}
	w.SCIMIdentities[groupID] = append(w.SCIMIdentities[groupID], id)
}

// LinkGroupSAML gives the user a group SAML identity with the group's provider (world
// building; the group must have a SAMLProviderID).
func (w *World) LinkGroupSAML(userID, groupID int64, externUID string) {
	u, g := w.Users[userID], w.Groups[groupID]
	if u == nil || g == nil || g.SAMLProviderID == 0 {
		return
	}
	u.Identities = append(u.Identities, Identity{Provider: GroupSAMLProvider, ExternUID: externUID, SAMLProviderID: g.SAMLProviderID})
}

func (s *Server) identityRoutes() {
	s.rt.handle(http.MethodGet, "/groups/:id/saml/identities", listProviderIdentities("saml"))
	s.rt.handle(http.MethodGet, "/groups/:id/scim/identities", listProviderIdentities("scim"))
	s.rt.handle(http.MethodGet, "/groups/:id/enterprise_users", listEnterpriseUsers)
}

// groupSAMLEnabled is Group#group_saml_enabled? (ee/app/models/ee/group.rb): the group has
// its own enabled saml_provider (has_one :saml_provider: top-level groups only) and group
// SAML is configured on the instance (Gitlab::Auth::GroupSaml::Config.enabled?), which the
// fake takes as GitLab.com.
func (c *call) groupSAMLEnabled(g *Group) bool {
	return g != nil && g.SAMLProviderID != 0 && c.s.opts.Mode == ModeGitLabCom
}

// ownerAccess is Ability.allowed?(user, :owner_access, group): `rule { admin | owner }`
// (ee/app/policies/ee/group_policy.rb), owner being the effective access level.
func (c *call) ownerAccess(groupID int64) bool {
	return c.me != nil && (c.isAdmin() || c.world.EffectiveGroupAccess(groupID, c.me.ID).Level >= Owner)
}

// memberViewer decides the EE fields of Entities::Member row by row (a members/all row's
// source is the group or project the membership belongs to, not the one asked about). It
// remembers the owner checks of one request.
type memberViewer struct {
	c     *call
	owner map[int64]bool
}

func (c *call) newMemberViewer() *memberViewer { return &memberViewer{c: c, owner: map[int64]bool{}} }

func (v *memberViewer) isOwner(groupID int64) bool {
	ok, seen := v.owner[groupID]
	if !seen {
		ok = v.c.ownerAccess(groupID)
		v.owner[groupID] = ok
	}
	return ok
}

// memberEEFields adds ee/lib/ee/api/entities/member.rb's fields to a member row whose
// source is the group sourceGroupID (0 for a project row; then projectID is set):
//
//	expose :group_saml_identity, using: Identity,
//	  if: member.user && Ability.allowed?(current_user, :read_group_saml_identity, member.source)
//
// read_group_saml_identity is `rule { owner & group_saml_enabled }` of GroupPolicy
// (ee/app/policies/ee/group_policy.rb); ProjectPolicy has no such ability, so project
// rows never carry the key. The value is Member#group_saml_identity
// (ee/app/models/ee/member.rb): the user's identity with the group's own saml_provider,
// null when the user has not linked one.
//
//	expose :email, if: current_user.can_admin_all_resources? ||
//	  member.user.managed_by_user?(current_user, group: member.source.root_ancestor)
//
// User#managed_by_user? (ee/app/models/ee/user.rb): the group is the user's enterprise
// group, Group#domain_verification_available? (GitLab.com, top-level) and the current
// user has owner_access there. The value is the user's primary email.
func (v *memberViewer) memberEEFields(out map[string]any, u *User, sourceGroupID, projectID int64) {
	c := v.c
	if sourceGroupID != 0 {
		g := c.world.Groups[sourceGroupID]
		if c.groupSAMLEnabled(g) && v.isOwner(g.ID) {
			out["group_saml_identity"] = groupSAMLIdentityJSON(u, g.SAMLProviderID)
		}
	}
	root := int64(0)
	switch {
	case sourceGroupID != 0:
		if r := c.world.Root(sourceGroupID); r != nil {
			root = r.ID
		}
	case projectID != 0:
		if p := c.world.Projects[projectID]; p != nil && p.GroupID != 0 {
			if r := c.world.Root(p.GroupID); r != nil {
				root = r.ID
			}
		}
	}
	if c.isAdmin() || (c.s.opts.Mode == ModeGitLabCom && root != 0 && u.EnterpriseGroupID == root && v.isOwner(root)) {
		out["email"] = u.Email
	}
}

// groupSAMLIdentityJSON is API::Entities::Identity of the user's identity with the SAML
// provider, nil when there is none.
func groupSAMLIdentityJSON(u *User, providerID int64) any {
	for _, id := range u.Identities {
		if id.SAMLProviderID == providerID && id.Provider == GroupSAMLProvider {
			return identityJSON(id)
		}
	}
	return nil
}

// identityJSON is API::Entities::Identity (lib/api/entities/identity.rb: provider,
// extern_uid) with EE's saml_provider_id (ee/lib/ee/api/entities/identity.rb).
func identityJSON(id Identity) map[string]any {
	m := map[string]any{"provider": id.Provider, "extern_uid": id.ExternUID, "saml_provider_id": nil}
	if id.SAMLProviderID != 0 {
		m["saml_provider_id"] = id.SAMLProviderID
	}
	return m
}

// usingLicenseSeat is User#using_license_seat? (ee/app/models/ee/user.rb): active, not
// internal, not a project bot, and, with an Ultimate licence
// (exclude_guests_from_active_count?), a highest role above Guest.
func (c *call) usingLicenseSeat(u *User) bool {
	if u.State != StateActive || u.Internal || u.Bot {
		return false
	}
	if c.world.ExcludeGuestsFromSeats {
		return c.highestRole(u.ID) > Guest
	}
	return true
}

// listProviderIdentities: GET /groups/:id/saml/identities and /groups/:id/scim/identities
// (ee/lib/api/provider_identity.rb): `before { authorize_admin_group }` (admin_group: the
// Owner role, else 403); SAML answers 400 "400 Bad request" without a saml_provider;
// SCIM lists group.scim_identities. Both `present` the whole relation: no pagination.
// Rows are API::Entities::IdentityDetail (ee/lib/api/entities/identity_detail.rb):
// extern_uid, user_id, and active only for SCIM identities (the column exists there).
func listProviderIdentities(kind string) handler {
	return func(c *call) {
		g := c.group("id")
		if g == nil {
			return
		}
		if !c.ownerAccess(g.ID) {
			c.forbidden()
			return
		}
		out := []map[string]any{}
		switch kind {
		case "saml":
			if g.SAMLProviderID == 0 {
				c.message(http.StatusBadRequest, "400 Bad request")
				return
			}
			for _, u := range c.world.SortedUsers() {
				for _, id := range u.Identities {
					if id.Provider == GroupSAMLProvider && id.SAMLProviderID == g.SAMLProviderID {
						out = append(out, map[string]any{"extern_uid": id.ExternUID, "user_id": u.ID})
					}
				}
			}
		case "scim":
			ids := append([]SCIMIdentity(nil), c.world.SCIMIdentities[g.ID]...)
			sort.SliceStable(ids, func(i, j int) bool { return ids[i].UserID < ids[j].UserID })
			for _, id := range ids {
				out = append(out, map[string]any{"extern_uid": id.ExternUID, "user_id": id.UserID, "active": id.Active})
			}
		}
		c.json(http.StatusOK, out)
	}
}

// listEnterpriseUsers: GET /groups/:id/enterprise_users (ee/lib/api/group_enterprise_users.rb,
// GitLab 17.7): `bad_request!('Must be a top-level group') unless user_group.root?`, then
// `authorize! :owner_access` (403); Authn::EnterpriseUsersFinder
// (ee/app/finders/authn/enterprise_users_finder.rb): group.enterprise_users ordered by id
// DESC, UsersFinder's filters (username, search over name, username and private emails,
// active, blocked, created_after/before, two_factor enabled|disabled); paginated, each
// user as API::Entities::UserPublic (email, identities, two_factor_enabled, sign-ins).
// Users do not have to be members of the group.
func listEnterpriseUsers(c *call) {
	g := c.group("id")
	if g == nil {
		return
	}
	if g.ParentID != 0 {
		c.badRequest("Must be a top-level group")
		return
	}
	if !c.ownerAccess(g.ID) {
		c.forbidden()
		return
	}
	twoFactor := c.query.Get("two_factor")
	username := c.query.Get("username")
	search := strings.ToLower(strings.TrimSpace(c.query.Get("search")))
	active := c.argBool("active", false)
	blocked := c.argBool("blocked", false)
	var after, before time.Time
	for name, dst := range map[string]*time.Time{"created_after": &after, "created_before": &before} {
		if v := c.query.Get(name); v != "" {
			t, ok := parseAPITime(v)
			if !ok {
				c.errorString(http.StatusBadRequest, name+" is invalid")
				return
			}
			*dst = t
		}
	}
	var out []*User
	for _, u := range c.world.SortedUsers() {
		if u.EnterpriseGroupID != g.ID {
			continue
		}
		if username != "" && !strings.EqualFold(u.Username, username) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(u.Username), search) &&
			!strings.Contains(strings.ToLower(u.Name), search) && !strings.EqualFold(u.Email, search) {
			continue
		}
		if active && u.State != StateActive {
			continue
		}
		if blocked && u.State != StateBlocked && u.State != StateLDAPBlocked {
			continue
		}
		if !after.IsZero() && !u.CreatedAt.After(after) {
			continue
		}
		if !before.IsZero() && !u.CreatedAt.Before(before) {
			continue
		}
		// UsersFinder#by_2fa: with_two_factor / without_two_factor; other values: all.
		if (twoFactor == "enabled" && !u.TwoFactorEnabled) || (twoFactor == "disabled" && u.TwoFactorEnabled) {
			continue
		}
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID > out[j].ID }) // order_id_desc
	paginateRender(c, out, func(u *User) int64 { return u.ID }, nil, c.userPublicJSON, pageOpts{})
}

// scimIdentitiesJSON is EE UserPublic's `expose :scim_identities, using:
// API::Entities::ScimIdentity` (ee/lib/ee/api/entities/user_public.rb; the enterprise
// users API preloads :scim_identities for it): every SCIM identity of the user, as
// extern_uid, group_id, active (ee/lib/api/entities/scim_identity.rb).
func (w *World) scimIdentitiesJSON(userID int64) []map[string]any {
	out := []map[string]any{}
	gids := make([]int64, 0, len(w.SCIMIdentities))
	for gid := range w.SCIMIdentities {
		gids = append(gids, gid)
	}
	sort.Slice(gids, func(i, j int) bool { return gids[i] < gids[j] })
	for _, gid := range gids {
		for _, id := range w.SCIMIdentities[gid] {
			if id.UserID == userID {
				out = append(out, map[string]any{"extern_uid": id.ExternUID, "group_id": gid, "active": id.Active})
			}
		}
	}
	return out
}
