package connector

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Where the inventory comes from, cheapest first (README "API cost"):
//
// Self-managed, administrator's token (instance-wide listings, a request per 100):
//   - GET /personal_access_tokens: every user's tokens, service accounts' and the token
//     bots' (group and project access tokens are tokens of their bot) included;
//   - GET /deploy_keys: every deploy key with the projects it is enabled on;
//   - GET /deploy_tokens: every deploy token (GitLab does not say whose);
//   - GET /user/keys: the token user's SSH keys.
//
// GitLab.com (per top-level group of the organisation: its credentials inventory,
// Ultimate, Owner; a refusal is one warning and the fallback below):
//   - GET /groups/:id/manage/personal_access_tokens: the enterprise users' tokens;
//   - GET /groups/:id/manage/resource_access_tokens: every group and project access
//     token of the hierarchy;
//   - GET /groups/:id/manage/ssh_keys: the enterprise users' SSH keys;
//   - GET /groups/:id/service_accounts/:id/personal_access_tokens per group service account;
//   - GET /personal_access_tokens and GET /user/keys: the token user's own.
//
// Elsewhere (a self-managed non-admin token, or where the hierarchy listing is refused):
// GET /groups/:id/access_tokens or /projects/:id/access_tokens only on the groups and
// projects where a token bot is a direct member (known from the members listings the
// sync reads anyway).
//
// Opt-in, one request per node or account: --deploy-credentials-per-project
// (GET /groups/:id/deploy_tokens, /projects/:id/deploy_tokens, /projects/:id/deploy_keys)
// and --ssh-keys-per-user (GET /users/:id/keys).

// credentials is one sync's inventory, by resource type, each sorted by id.
type credentials struct {
	byKind map[string][]*credential
}

// credentialLoads is the inventory's part of the sync's state (organisationState.creds).
type credentialLoads struct {
	inventory            lazy[inventoryResult]
	serviceAccounts      lazy[map[int64]actsFor]
	groupServiceAccounts lazyMap[int64, []*gitlabapi.ServiceAccount]
	warnings             sync.Map // listing -> true: warned once
}

// credentialInventory reads the sync's inventory once. A listing that fails after the
// client's retries (5xx, 429) fails the credential syncers rather than leave credentials
// out (ConductorOne would take them for deleted); the error is kept for the sync, so the
// six credential syncers do not each read the inventory again.
func (o *organisationState) credentialInventory(ctx context.Context) (*credentials, error) {
	res, _ := o.creds.inventory.get(func() (inventoryResult, error) {
		inv, err := o.readCredentialInventory(ctx)
		return inventoryResult{inv, err}, nil
	})
	return res.inv, res.err
}

// inventoryResult is the inventory or the error that ended reading it.
type inventoryResult struct {
	inv *credentials
	err error
}

func (o *organisationState) readCredentialInventory(ctx context.Context) (*credentials, error) {
	g := &gatherer{o: o, byID: map[string]*credential{}, inventoried: map[int64]bool{}}
	if err := g.gather(ctx); err != nil {
		return nil, err
	}
	inv := &credentials{byKind: map[string][]*credential{}}
	for _, c := range g.byID {
		inv.byKind[c.Kind] = append(inv.byKind[c.Kind], c)
	}
	for _, list := range inv.byKind {
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	}
	return inv, nil
}

// warnOnce logs a refused listing once per sync: the inventory goes on without it.
func (o *organisationState) warnOnce(ctx context.Context, key, msg string, err error) {
	if _, done := o.creds.warnings.LoadOrStore(key, true); !done {
		ctxzap.Extract(ctx).Warn(msg, zap.String("listing", key), zap.Error(err))
	}
}

// skippable: a listing GitLab refuses (403: a role or tier it needs; 404: the endpoint
// or feature does not exist on this GitLab, or the object is gone; 401: GitLab's
// unauthorized! in the token APIs, e.g. a token bot listing access tokens) is skipped.
// A 401 cannot be a bad token here: the sync has used the same token for every listing
// before the inventory's.
func skippable(err error) bool {
	return gitlabapi.IsForbidden(err) || gitlabapi.IsNotFound(err) || gitlabapi.HTTPStatus(err) == http.StatusUnauthorized
}

type gatherer struct {
	o    *organisationState
	byID map[string]*credential
	// users: what the sync knows of accounts (username, by id) for owners' names.
	users map[int64]*directMember
	// inventoried: top-level groups whose access tokens came from their hierarchy listing.
	inventoried map[int64]bool
}

func (g *gatherer) add(c *credential) {
	if prev := g.byID[c.ID]; prev != nil && prev.InventoryGroup != 0 && c.InventoryGroup == 0 {
		c.InventoryGroup = prev.InventoryGroup
	}
	g.byID[c.ID] = c
}

func (g *gatherer) gather(ctx context.Context) error {
	o := g.o
	instance, err := o.instanceWide(ctx)
	if err != nil {
		return err
	}
	members, err := o.allMembers(ctx)
	if err != nil {
		return err
	}
	g.users = make(map[int64]*directMember, len(members))
	for _, m := range members {
		g.users[m.UserID] = m
	}
	if u, err := o.c.tokenUser(ctx); err == nil && g.users[u.ID] == nil {
		g.users[u.ID] = &directMember{UserID: u.ID, Username: u.Username, Name: u.Name}
	}
	if err := g.ownAndInstanceTokens(ctx); err != nil {
		return err
	}
	if !instance {
		if err := g.hierarchyInventories(ctx); err != nil {
			return err
		}
		if err := g.resourceTokensWhereBots(ctx); err != nil {
			return err
		}
	}
	if err := g.deployCredentials(ctx, instance); err != nil {
		return err
	}
	return g.sshKeys(ctx, instance)
}

// ownAndInstanceTokens: GET /personal_access_tokens (every token for an administrator,
// the token user's own otherwise).
func (g *gatherer) ownAndInstanceTokens(ctx context.Context) error {
	tokens, err := g.o.c.client.ListPersonalAccessTokens(ctx)
	if err != nil {
		if skippable(err) {
			g.o.warnOnce(ctx, "GET /personal_access_tokens", "cannot list personal access tokens: skipped", err)
			return nil
		}
		return err
	}
	source := "GET /personal_access_tokens"
	scoped := len(g.o.c.settings.Groups) > 0
	for _, t := range tokens {
		// With --groups, an administrator's listing also has the tokens of people and token
		// bots outside those groups: GitLab does not say whose bot a token is, so a bot the
		// organisation's members do not include would pass for a person. Tokens of users
		// who are not members of the organisation are left out there (without --groups
		// every user and every bot's group or project is the organisation's).
		if scoped && g.users[t.UserID] == nil { // (the token's user is among g.users)
			continue
		}
		g.addToken(ctx, t, source, 0)
	}
	return nil
}

// addToken classifies a token by its user: a group or project token bot's token is a
// group or project access token (its group or project from GitLab's resource_type and
// resource_id when given, else the bot's username project_<id>_bot_…); any other is
// personal.
func (g *gatherer) addToken(ctx context.Context, t *gitlabapi.AccessToken, source string, inventoryGroup int64) {
	c := &credential{
		GitLabID: t.ID, Name: t.Name, Description: t.Description, UserID: t.UserID,
		Scopes: t.Scopes, AccessLevel: t.AccessLevel,
		CreatedAt: t.CreatedAt.Time(), LastUsedAt: t.LastUsedAt.Time(), ExpiresAt: dateTime(t.ExpiresAt),
		Source: source, InventoryGroup: inventoryGroup,
	}
	c.State = credentialState(t.Revoked, c.ExpiresAt, g.o.now)
	kind, resourceID := t.ResourceType, t.ResourceID
	if kind == "" {
		if m := g.users[t.UserID]; m != nil {
			kind, resourceID = tokenBotResource(m.Username)
		}
	}
	switch kind {
	case "group", "project":
		c.OwnerKind, c.OwnerID = kind, resourceID
		c.Owner = g.o.nodePath(ctx, kind, resourceID)
		c.Kind = groupAccessTokenTypeID
		if kind == "project" {
			c.Kind = projectAccessTokenTypeID
		}
		c.ID = fmt.Sprintf("%d:%d", resourceID, t.ID)
		if c.AccessLevel == 0 {
			c.AccessLevel = g.botLevel(ctx, kind, resourceID, t.UserID)
		}
	default:
		c.Kind, c.ID = personalAccessTokenTypeID, strconv.FormatInt(t.ID, 10)
		c.OwnerKind, c.OwnerID, c.Owner = "user", t.UserID, g.username(t.UserID)
	}
	g.add(c)
}

// botLevel is a token bot's direct level on its group or project (GitLab's
// access_level of the token is that membership's: Entities::ResourceAccessToken).
func (g *gatherer) botLevel(ctx context.Context, kind string, id, userID int64) gitlab.AccessLevelValue {
	ms, err := g.o.directNodeMembers(ctx, orgNode{Kind: kind, ID: id})
	if err != nil {
		return 0
	}
	for _, m := range ms {
		if m.UserID == userID {
			return m.Level
		}
	}
	return 0
}

func (g *gatherer) username(userID int64) string {
	if m := g.users[userID]; m != nil && m.Username != "" {
		return "@" + m.Username
	}
	return fmt.Sprintf("user %d", userID)
}

// nodePath is a group's full path or a project's path with namespace, "group 11" when
// the organisation does not hold it.
func (o *organisationState) nodePath(ctx context.Context, kind string, id int64) string {
	switch kind {
	case "group":
		if tree, err := o.groupTree(ctx); err == nil && tree.groups[id] != nil {
			return tree.groups[id].FullPath
		}
	case "project":
		if ps, err := o.projectSet(ctx); err == nil && ps.byID[id] != nil {
			return ps.byID[id].PathWithNamespace
		}
	}
	return fmt.Sprintf("%s %d", kind, id)
}

// topLevelRoots are the organisation's roots that are top-level groups (the credentials
// inventory and service accounts belong to those).
func (o *organisationState) topLevelRoots(ctx context.Context) ([]int64, error) {
	tree, err := o.groupTree(ctx)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range tree.roots {
		if tree.groups[id].ParentID == 0 {
			out = append(out, id)
		}
	}
	return out, nil
}

// hierarchyInventories reads each top-level group's credentials inventory (GitLab.com)
// and its service accounts' tokens. A root whose resource-token inventory is refused is
// remembered so that resourceTokensWhereBots covers its nodes.
func (g *gatherer) hierarchyInventories(ctx context.Context) error {
	o := g.o
	roots, err := o.topLevelRoots(ctx)
	if err != nil {
		return err
	}
	for _, root := range roots {
		if o.c.settings.Deployment == gitlabapi.GitLabCom {
			pats, err := o.c.client.ListEnterprisePersonalAccessTokens(ctx, root)
			if err = g.refused(ctx, err, "GET /groups/:id/manage/personal_access_tokens",
				"cannot read a top-level group's credentials inventory (Ultimate, Owner): its enterprise users' personal access tokens are not synced"); err != nil {
				return err
			}
			for _, t := range pats {
				g.addToken(ctx, t, "GET /groups/:id/manage/personal_access_tokens", root)
			}
			rats, err := o.c.client.ListHierarchyResourceAccessTokens(ctx, root)
			if gitlabapi.IsForbidden(err) || gitlabapi.IsNotFound(err) {
				o.warnOnce(ctx, "GET /groups/:id/manage/resource_access_tokens",
					"cannot read a top-level group's group and project access tokens in one listing: listing them where a token bot is a member instead", err)
			} else if err != nil {
				return err
			} else {
				g.inventoried[root] = true
				for _, t := range rats {
					g.addToken(ctx, t, "GET /groups/:id/manage/resource_access_tokens", root)
				}
			}
		}
		accounts, err := o.groupServiceAccounts(ctx, root)
		if err != nil {
			return err
		}
		for _, sa := range accounts {
			tokens, err := o.c.client.ListServiceAccountTokens(ctx, root, sa.ID)
			if err = g.refused(ctx, err, "GET /groups/:id/service_accounts/:user_id/personal_access_tokens",
				"cannot list a group service account's personal access tokens: skipped"); err != nil {
				return err
			}
			for _, t := range tokens {
				t.UserID = sa.ID
				g.addToken(ctx, t, "GET /groups/:id/service_accounts/:user_id/personal_access_tokens", 0)
			}
		}
	}
	return nil
}

// refused turns a refusal into one warning (nil); other errors are returned.
func (g *gatherer) refused(ctx context.Context, err error, key, msg string) error {
	if err != nil && skippable(err) {
		g.o.warnOnce(ctx, key, msg, err)
		return nil
	}
	return err
}

// resourceTokensWhereBots lists the access tokens of each group and project that has a
// token bot among its direct members, outside the hierarchies whose inventory listed
// them already.
func (g *gatherer) resourceTokensWhereBots(ctx context.Context) error {
	o := g.o
	nodes, err := o.nodes(ctx)
	if err != nil {
		return err
	}
	tree, err := o.groupTree(ctx)
	if err != nil {
		return err
	}
	ps, err := o.projectSet(ctx)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		root := int64(0)
		if n.Kind == "group" {
			root = tree.rootOf(n.ID)
		} else if p := ps.byID[n.ID]; p != nil && p.GroupID != 0 {
			root = tree.rootOf(p.GroupID)
		}
		if g.inventoried[root] {
			continue
		}
		ms, err := o.directNodeMembers(ctx, n)
		if err != nil {
			return err
		}
		hasBot := false
		for _, m := range ms {
			if kind, _ := tokenBotResource(m.Username); kind != "" {
				hasBot = true
			}
		}
		if !hasBot {
			continue
		}
		source := gitlabapi.Groups
		if n.Kind == "project" {
			source = gitlabapi.Projects
		}
		tokens, err := o.c.client.ListResourceAccessTokens(ctx, source, n.ID)
		if err = g.refused(ctx, err, fmt.Sprintf("GET /%ss/:id/access_tokens", n.Kind),
			"cannot list a group's (Owner) or project's (Maintainer) access tokens: skipped"); err != nil {
			return err
		}
		for _, t := range tokens {
			t.ResourceType, t.ResourceID = n.Kind, n.ID
			g.addToken(ctx, t, fmt.Sprintf("GET /%ss/:id/access_tokens", n.Kind), 0)
		}
	}
	return nil
}

// dateTime is a YYYY-MM-DD date as midnight UTC (nil for none).
func dateTime(d gitlabapi.Date) *time.Time {
	if d == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return nil
	}
	return &t
}
