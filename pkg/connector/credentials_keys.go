package connector

import (
	"context"
	"fmt"
	"strconv"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Deploy tokens, deploy keys and SSH keys of the inventory (credentials_inventory.go).

// Resource ids: a deploy token is "group:<group id>:<id>", "project:<project id>:<id>",
// or "instance:<id>" when only GET /deploy_tokens listed it (GitLab does not say whose);
// a deploy key is "<project id>:<key id>" for each project it is enabled on (its write
// access is per project, and revoking it removes it from that project), or
// "instance:<key id>" when it is enabled nowhere; an SSH key is "<user id>:<key id>".

func deployTokenID(ownerKind string, ownerID, id int64) string {
	if ownerKind == "instance" {
		return fmt.Sprintf("instance:%d", id)
	}
	return fmt.Sprintf("%s:%d:%d", ownerKind, ownerID, id)
}

// deployCredentials: an administrator's instance-wide listings; per group and project
// only with --deploy-credentials-per-project.
func (g *gatherer) deployCredentials(ctx context.Context, instance bool) error {
	o := g.o
	instanceTokens := map[int64]*gitlabapi.DeployToken{}
	if instance {
		keys, err := o.c.client.ListInstanceDeployKeys(ctx)
		if err = g.refused(ctx, err, "GET /deploy_keys", "cannot list the instance's deploy keys: skipped"); err != nil {
			return err
		}
		for _, k := range keys {
			g.addDeployKeyProjects(ctx, k)
		}
		tokens, err := o.c.client.ListInstanceDeployTokens(ctx)
		if err = g.refused(ctx, err, "GET /deploy_tokens", "cannot list the instance's deploy tokens: skipped"); err != nil {
			return err
		}
		for _, t := range tokens {
			instanceTokens[t.ID] = t
		}
	}
	if o.c.settings.DeployCredentialsPerProject {
		nodes, err := o.nodes(ctx)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			kind := gitlabapi.Groups
			if n.Kind == "project" {
				kind = gitlabapi.Projects
			}
			tokens, err := o.c.client.ListDeployTokens(ctx, kind, n.ID)
			if err = g.refused(ctx, err, fmt.Sprintf("GET /%ss/:id/deploy_tokens", n.Kind),
				"cannot list a group's or project's deploy tokens (Maintainer): skipped"); err != nil {
				return err
			}
			for _, t := range tokens {
				g.addDeployToken(t, n.Kind, n.ID, n.FullPath, fmt.Sprintf("GET /%ss/:id/deploy_tokens", n.Kind))
				delete(instanceTokens, t.ID)
			}
			if n.Kind != "project" || instance {
				continue // an administrator has every deploy key from GET /deploy_keys
			}
			keys, err := o.c.client.ListProjectDeployKeys(ctx, n.ID)
			if err = g.refused(ctx, err, "GET /projects/:id/deploy_keys",
				"cannot list a project's deploy keys (Maintainer): skipped"); err != nil {
				return err
			}
			for _, k := range keys {
				g.addDeployKey(k, n.ID, n.FullPath, k.CanPush, "GET /projects/:id/deploy_keys")
			}
		}
	}
	for _, id := range sortedKeys(instanceTokens) {
		g.addDeployToken(instanceTokens[id], "instance", 0, "unknown", "GET /deploy_tokens")
	}
	return nil
}

func (g *gatherer) addDeployToken(t *gitlabapi.DeployToken, ownerKind string, ownerID int64, owner, source string) {
	c := &credential{
		Kind: deployTokenTypeID, ID: deployTokenID(ownerKind, ownerID, t.ID), GitLabID: t.ID, Name: t.Name,
		OwnerKind: ownerKind, OwnerID: ownerID, Owner: owner, Scopes: t.Scopes,
		ExpiresAt: t.ExpiresAt.Time(), Source: source, Description: "username " + t.Username,
	}
	c.State = credentialState(t.Revoked, c.ExpiresAt, g.o.now)
	if t.Expired && c.State == credentialActive {
		c.State = credentialExpired
	}
	g.add(c)
}

// addDeployKeyProjects adds an instance listing's deploy key once per project it is
// enabled on.
func (g *gatherer) addDeployKeyProjects(ctx context.Context, k *gitlabapi.DeployKey) {
	n := 0
	for _, list := range []struct {
		projects []gitlabapi.DeployKeyProject
		write    bool
	}{{k.ProjectsWithWriteAccess, true}, {k.ProjectsWithReadonlyAccess, false}} {
		for _, p := range list.projects {
			path := p.PathWithNamespace
			if path == "" {
				path = g.o.nodePath(ctx, "project", p.ID)
			}
			g.addDeployKey(k, p.ID, path, list.write, "GET /deploy_keys")
			n++
		}
	}
	if n == 0 {
		g.addDeployKey(k, 0, "", false, "GET /deploy_keys")
	}
}

func (g *gatherer) addDeployKey(k *gitlabapi.DeployKey, projectID int64, path string, write bool, source string) {
	c := &credential{
		Kind: deployKeyTypeID, GitLabID: k.ID, Name: k.Title, Fingerprint: k.FingerprintSHA256,
		OwnerKind: "project", OwnerID: projectID, Owner: path, CanPush: write, UsageType: k.UsageType,
		CreatedAt: k.CreatedAt.Time(), LastUsedAt: k.LastUsedAt.Time(), ExpiresAt: k.ExpiresAt.Time(), Source: source,
	}
	c.ID = fmt.Sprintf("%d:%d", projectID, k.ID)
	if projectID == 0 {
		c.ID, c.OwnerKind, c.Owner = fmt.Sprintf("instance:%d", k.ID), "instance", "none"
	}
	c.State = credentialState(false, c.ExpiresAt, g.o.now)
	g.add(c)
}

// sshKeys: the token user's own (GET /user/keys), the enterprise users' (GitLab.com
// credentials inventory), every account's with --ssh-keys-per-user.
func (g *gatherer) sshKeys(ctx context.Context, instance bool) error {
	o := g.o
	u, err := o.c.tokenUser(ctx)
	if err != nil {
		return err
	}
	own, err := o.c.client.ListOwnSSHKeys(ctx)
	if err = g.refused(ctx, err, "GET /user/keys", "cannot list the token user's SSH keys: skipped"); err != nil {
		return err
	}
	for _, k := range own {
		g.addSSHKey(k, u.ID, "GET /user/keys", 0)
	}
	if !instance && o.c.settings.Deployment == gitlabapi.GitLabCom {
		roots, err := o.topLevelRoots(ctx)
		if err != nil {
			return err
		}
		for _, root := range roots {
			keys, err := o.c.client.ListEnterpriseSSHKeys(ctx, root)
			if err = g.refused(ctx, err, "GET /groups/:id/manage/ssh_keys",
				"cannot read a top-level group's credentials inventory (Ultimate, Owner): its enterprise users' SSH keys are not synced"); err != nil {
				return err
			}
			for _, k := range keys {
				g.addSSHKey(k, k.UserID, "GET /groups/:id/manage/ssh_keys", root)
			}
		}
	}
	if !o.c.settings.SSHKeysPerUser {
		return nil
	}
	users, err := g.accountIDs(ctx, instance)
	if err != nil {
		return err
	}
	for _, id := range users {
		if id == u.ID {
			continue
		}
		keys, err := o.c.client.ListUserSSHKeys(ctx, id)
		if err = g.refused(ctx, err, "GET /users/:id/keys", "cannot list a user's SSH keys: skipped"); err != nil {
			return err
		}
		for _, k := range keys {
			g.addSSHKey(k, id, "GET /users/:id/keys", 0)
		}
	}
	return nil
}

// accountIDs are the synced accounts: every instance user for an administrator (GET
// /users again: the user listing streams them page by page and keeps none), else the
// organisation's members.
func (g *gatherer) accountIDs(ctx context.Context, instance bool) ([]int64, error) {
	if !instance {
		return sortedKeys(g.users), nil
	}
	users, err := gitlabapi.ListAllKeyset(ctx, "listing users for their SSH keys",
		func(lo gitlab.ListOptions, opts ...gitlab.RequestOptionFunc) ([]*gitlab.User, *gitlab.Response, error) {
			return g.o.c.client.API.Users.ListUsers(&gitlab.ListUsersOptions{ListOptions: lo, ExcludeInternal: gitlab.Ptr(true)}, opts...)
		})
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(users))
	for _, u := range users {
		out = append(out, u.ID)
		if g.users[u.ID] == nil {
			g.users[u.ID] = &directMember{UserID: u.ID, Username: u.Username, Name: u.Name}
		}
	}
	return out, nil
}

func (g *gatherer) addSSHKey(k *gitlabapi.SSHKey, userID int64, source string, inventoryGroup int64) {
	c := &credential{
		Kind: sshKeyTypeID, ID: strconv.FormatInt(userID, 10) + ":" + strconv.FormatInt(k.ID, 10),
		GitLabID: k.ID, Name: k.Title, Fingerprint: k.FingerprintSHA256, UsageType: k.UsageType,
		OwnerKind: "user", OwnerID: userID, Owner: g.username(userID), UserID: userID,
		CreatedAt: k.CreatedAt.Time(), LastUsedAt: k.LastUsedAt.Time(), ExpiresAt: k.ExpiresAt.Time(),
		Source: source, InventoryGroup: inventoryGroup,
	}
	c.State = credentialState(false, c.ExpiresAt, g.o.now)
	g.add(c)
}
