package connector

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// userResourceTypeID is the baton resource type of GitLab accounts.
const userResourceTypeID = "user"

// userResourceType: GitLab accounts (and pending invitations). Accounts have no
// entitlements of their own.
var userResourceType = v2.ResourceType_builder{
	Id:          userResourceTypeID,
	DisplayName: "User",
	Description: "A GitLab account (or an email invitation not yet accepted)",
	Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
	Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}),
}.Build()

// userSyncer syncs accounts; account lifecycle methods live in accounts.go.
type userSyncer struct{ c *Connector }

func newUserSyncer(c *Connector) connectorbuilder.ResourceSyncerV2 { return userSyncerFor(c) }

func (s *userSyncer) ResourceType(context.Context) *v2.ResourceType { return userResourceType }

// accountsPerPage is how many accounts one SDK page carries when they come from the
// per-sync cache (GitLab.com members, pending invitations).
const accountsPerPage = 100

// Page tokens of the user listing: one phase after the other.
const (
	userTokenInstance    = "users:"       // + GitLab's keyset next link ("" = first page)
	userTokenMembers     = "members:"     // + offset into the organisation's members
	userTokenInvitations = "invitations:" // + offset into the pending invitations
)

// List lists accounts, then pending invitations.
//
// Self-managed with an admin token: GET /users (keyset by id, exclude_internal=true),
// one GitLab page of 100 per SDK page, so a 100k-user instance never sits in memory.
// GitLab.com or a non-admin token: exactly the members found in the organisation's
// groups and projects and in the groups they are shared with. GET /users is never
// called there: on GitLab.com it lists every public user of the site.
// https://docs.gitlab.com/api/users/#list-users
func (s *userSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent != nil {
		return nil, &rs.SyncOpResults{}, nil
	}
	org := s.c.organisation(opts.SyncID)
	token := opts.PageToken.Token
	if token == "" {
		instance, err := org.instanceWide(ctx)
		if err != nil {
			return nil, nil, err
		}
		if instance {
			token = userTokenInstance
		} else {
			token = userTokenMembers + "0"
		}
	}
	switch {
	case strings.HasPrefix(token, userTokenInstance):
		return org.serviceAccountMarker(ctx)(s.listInstanceUsers(ctx, strings.TrimPrefix(token, userTokenInstance)))
	case strings.HasPrefix(token, userTokenMembers):
		off, err := parseOffset(token, userTokenMembers)
		if err != nil {
			return nil, nil, err
		}
		return org.serviceAccountMarker(ctx)(s.listOrganisationMembers(ctx, org, off))
	case strings.HasPrefix(token, userTokenInvitations):
		off, err := parseOffset(token, userTokenInvitations)
		if err != nil {
			return nil, nil, err
		}
		return s.listPendingAccounts(ctx, org, off)
	}
	return nil, nil, status.Errorf(codes.InvalidArgument, "invalid page token %q for users", token)
}

func parseOffset(token, prefix string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(token, prefix))
	if err != nil || n < 0 {
		return 0, status.Errorf(codes.InvalidArgument, "invalid page token %q", token)
	}
	return n, nil
}

func (s *userSyncer) listInstanceUsers(ctx context.Context, link string) ([]*v2.Resource, *rs.SyncOpResults, error) {
	users, next, err := gitlabapi.FetchKeysetPage(ctx, "listing users", link,
		func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.User, *gitlab.Response, error) {
			return s.c.client.API.Users.ListUsers(&gitlab.ListUsersOptions{
				ListOptions:     lo,
				ExcludeInternal: gitlab.Ptr(true),
			}, opts...)
		})
	if err != nil {
		return nil, nil, err
	}
	out, err := buildResources(users, s.accountResource)
	if err != nil {
		return nil, nil, err
	}
	nextToken := userTokenInvitations + "0"
	if next != "" {
		nextToken = userTokenInstance + next
	}
	return out, &rs.SyncOpResults{NextPageToken: nextToken}, nil
}

func (s *userSyncer) listOrganisationMembers(ctx context.Context, org *organisationState, off int) ([]*v2.Resource, *rs.SyncOpResults, error) {
	members, err := org.allMembers(ctx)
	if err != nil {
		return nil, nil, err
	}
	awaiting, err := org.awaitingMemberships(ctx)
	if err != nil {
		return nil, nil, err
	}
	facts, err := org.accountFacts(ctx)
	if err != nil {
		return nil, nil, err
	}
	page, next := pageOf(members, off, accountsPerPage)
	out, err := buildResources(page, func(m *directMember) (*v2.Resource, error) {
		return memberAccountResource(m, awaiting[m.UserID], org.accountFactsOf(facts, m.UserID))
	})
	if err != nil {
		return nil, nil, err
	}
	nextToken := userTokenInvitations + "0"
	if next > 0 {
		nextToken = userTokenMembers + strconv.Itoa(next)
	}
	return out, &rs.SyncOpResults{NextPageToken: nextToken}, nil
}

func (s *userSyncer) listPendingAccounts(ctx context.Context, org *organisationState, off int) ([]*v2.Resource, *rs.SyncOpResults, error) {
	invs, err := org.pendingInvitations(ctx)
	if err != nil {
		return nil, nil, err
	}
	page, next := pageOf(invs, off, accountsPerPage)
	out, err := buildResources(page, pendingAccountResource)
	if err != nil {
		return nil, nil, err
	}
	nextToken := ""
	if next > 0 {
		nextToken = userTokenInvitations + strconv.Itoa(next)
	}
	return out, &rs.SyncOpResults{NextPageToken: nextToken}, nil
}

// pageOf returns items[off:off+size] and the next offset (0 at the end).
func pageOf[T any](items []T, off, size int) ([]T, int) {
	if off >= len(items) {
		return nil, 0
	}
	end := off + size
	if end >= len(items) {
		return items[off:], 0
	}
	return items[off:end], end
}

// buildResources builds one resource per item, in order.
func buildResources[T any](items []T, build func(T) (*v2.Resource, error)) ([]*v2.Resource, error) {
	out := make([]*v2.Resource, 0, len(items))
	for _, it := range items {
		r, err := build(it)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Entitlements: accounts have none.
func (s *userSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

// Grants: accounts have none (memberships are grants on groups and projects).
func (s *userSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

// botUsername matches the usernames GitLab gives access-token bots
// (project_<id>_bot_<n>, group_<id>_bot_<n>) and service accounts (service_account_...):
// the members API does not return the user's bot flag, so on GitLab.com the username
// is what tells. https://docs.gitlab.com/user/project/settings/project_access_tokens/#bot-users-for-projects
var botUsername = regexp.MustCompile(`^(project|group)_\d+_bot(\d+|_[0-9a-z]+)?$|^service_account_`)

// accountStatus maps GitLab's user state: only `active` is enabled. blocked,
// deactivated, banned, ldap_blocked and blocked_pending_approval are disabled; the
// GitLab state is the status detail. https://docs.gitlab.com/api/users/
func accountStatus(state string) rs.UserTraitOption {
	if state == "active" || state == "" {
		return rs.WithDetailedStatus(v2.UserTrait_Status_STATUS_ENABLED, "active")
	}
	return rs.WithDetailedStatus(v2.UserTrait_Status_STATUS_DISABLED, state)
}

// accountResource builds an account from a full user object (GET /users as an
// administrator, or POST /users): every admin-only field GitLab sends is used.
func (s *userSyncer) accountResource(u *gitlab.User) (*v2.Resource, error) {
	return userAccountResource(u)
}

func userAccountResource(u *gitlab.User) (*v2.Resource, error) {
	profile := map[string]interface{}{
		"user_id":            u.ID,
		"username":           u.Username,
		"name":               u.Name,
		"state":              u.State,
		"locked":             u.Locked,
		"is_admin":           u.IsAdmin,
		"bot":                u.Bot,
		"external":           u.External,
		"two_factor_enabled": u.TwoFactorEnabled,
		"web_url":            u.WebURL,
	}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	if u.LastActivityOn != nil {
		profile["last_activity_on"] = time.Time(*u.LastActivityOn).Format(time.DateOnly)
	}
	addAdminUserFields(profile, u)
	accountType := v2.UserTrait_ACCOUNT_TYPE_HUMAN
	if u.Bot || botUsername.MatchString(u.Username) {
		accountType = v2.UserTrait_ACCOUNT_TYPE_SERVICE
	}
	traits := []rs.UserTraitOption{
		rs.WithUserLogin(u.Username),
		accountStatus(u.State),
		rs.WithAccountType(accountType),
		rs.WithUserProfile(profile),
		withMFA(u.TwoFactorEnabled),
	}
	if u.Email != "" {
		traits = append(traits, rs.WithEmail(u.Email, true))
	}
	if u.CreatedAt != nil {
		traits = append(traits, rs.WithCreatedAt(*u.CreatedAt))
	}
	if last := latest(u.LastSignInAt, u.CurrentSignInAt); last != nil {
		traits = append(traits, rs.WithLastLogin(*last))
		profile["last_login_at"] = last.UTC().Format(time.RFC3339)
	}
	if ids := adminIdentities(u); signsInThroughDirectory(ids) {
		traits = append(traits, withSSO(true))
	}
	return rs.NewUserResource(displayName(u.Name, u.Username), userResourceType, u.ID, traits,
		accountOptions(u.WebURL, u.Username, u.External, u.IsAdmin)...)
}

// memberAccountResource builds an account from a member record (GitLab.com or a
// non-admin token): GitLab gives username, name, state, web_url and, for enterprise
// users and administrators, the email. Last login, MFA and admin flags are not
// available there.
//
// awaiting lists the user's memberships waiting for a seat (membership_state
// "awaiting"): the profile's "awaiting" lists them and the description says so. They
// give no grant; an account whose only memberships are awaiting has no access at all.
// (Only GitLab.com has awaiting memberships: the user cap of a self-managed instance
// holds the USER as blocked_pending_approval instead, which the account status shows;
// so accounts from GET /users carry no such note.)
//
// facts are what the top-level groups tell their Owners (accounts_identities.go): last
// login and activity, identities, enterprise users' email and two-factor status.
func memberAccountResource(m *directMember, awaiting []awaitingMembership, facts memberAccountFacts) (*v2.Resource, error) {
	profile := map[string]interface{}{
		"user_id":  m.UserID,
		"username": m.Username,
		"name":     m.Name,
		"state":    m.State,
		"web_url":  m.WebURL,
	}
	accountType := v2.UserTrait_ACCOUNT_TYPE_HUMAN
	if botUsername.MatchString(m.Username) {
		accountType = v2.UserTrait_ACCOUNT_TYPE_SERVICE
		profile["bot"] = true
	}
	traits := []rs.UserTraitOption{
		rs.WithUserLogin(m.Username),
		accountStatus(m.State),
		rs.WithAccountType(accountType),
		rs.WithUserProfile(profile),
	}
	if m.Email != "" {
		profile["email"] = m.Email
		traits = append(traits, rs.WithEmail(m.Email, true))
	}
	traits = append(traits, facts.apply(profile, m.Email)...)
	opts := accountOptions(m.WebURL, m.Username, false, false)
	if len(awaiting) > 0 {
		list := make([]interface{}, 0, len(awaiting))
		where := make([]string, 0, len(awaiting))
		for _, a := range awaiting {
			slug, _ := accessLevelSlug(a.Level)
			list = append(list, map[string]interface{}{
				"kind": a.Kind, "id": a.ID, "full_path": a.FullPath,
				"access_level": int64(a.Level), "role": slug,
			})
			where = append(where, fmt.Sprintf("%s %s as %s", a.Kind, a.FullPath, accessLevelName(a.Level)))
		}
		profile["awaiting"] = list
		opts = append(opts, rs.WithDescription(fmt.Sprintf(
			"GitLab account @%s; awaiting approval of a seat (no access until an Owner approves it) in: %s",
			m.Username, strings.Join(where, ", "))))
	}
	return rs.NewUserResource(displayName(m.Name, m.Username), userResourceType, m.UserID, traits, opts...)
}

// accountResourceForMember builds an account from a group member record (account
// creation on GitLab.com when the invited email already had an account).
func (s *userSyncer) accountResourceForMember(_ context.Context, m *gitlabapi.Member) (*v2.Resource, error) {
	dm := &directMember{
		UserID: m.ID, Username: m.Username, Name: m.Name, State: m.State,
		Email: m.Email, WebURL: m.WebURL, Level: m.AccessLevel,
	}
	return memberAccountResource(dm, nil, memberAccountFacts{})
}

func accountOptions(webURL, username string, external, admin bool) []rs.ResourceOption {
	var opts []rs.ResourceOption
	if webURL != "" {
		opts = append(opts, rs.WithAnnotation(v2.ExternalLink_builder{Url: webURL}.Build()))
	}
	desc := "GitLab account @" + username
	if admin {
		desc += " (administrator)"
	}
	if external {
		desc += " (external user)"
	}
	return append(opts, rs.WithDescription(desc))
}

func displayName(name, username string) string {
	if strings.TrimSpace(name) != "" {
		return name
	}
	return username
}

// latest returns the later of two times (nil when both are nil). GitLab's
// current_sign_in_at is the latest sign-in; last_sign_in_at the one before.
func latest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.After(*a):
		return b
	}
	return a
}

// userResourceID is the resource id of a GitLab account.
func userResourceID(userID int64) *v2.ResourceId {
	return v2.ResourceId_builder{ResourceType: userResourceTypeID, Resource: strconv.FormatInt(userID, 10)}.Build()
}
