package connector

import (
	"context"
	"fmt"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// freshUserInputs feeds the access engine with ONE user's memberships (userID 0: every
// member, for the last-Owner rule), read fresh from
// GitLab (never from a sync's cache), for provisioning decisions: a user's access to a
// node depends only on their own membership rows, so GET .../members/:user_id on each
// group or project the engine asks about is enough. Each read happens at most once per
// decision (one freshUserInputs per Grant, Revoke or deprovisioning).
type freshUserInputs struct {
	c      *Connector
	userID int64
	now    time.Time

	groups   map[int64]*orgGroup
	projects map[int64]*orgProject
	gRows    map[int64][]*directMember
	pRows    map[int64][]*directMember
}

func (c *Connector) freshInputs(userID int64) *freshUserInputs {
	return &freshUserInputs{
		c: c, userID: userID, now: c.clock(),
		groups: map[int64]*orgGroup{}, projects: map[int64]*orgProject{},
		gRows: map[int64][]*directMember{}, pRows: map[int64][]*directMember{},
	}
}

func (f *freshUserInputs) today() string { return f.now.Format(time.DateOnly) }

// group is GET /groups/:id: parent, full path, share_with_group_lock and the shares the
// token may see.
func (f *freshUserInputs) group(ctx context.Context, id int64) (*orgGroup, error) {
	if g := f.groups[id]; g != nil {
		return g, nil
	}
	g, _, err := f.c.client.API.Groups.GetGroup(id, &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)},
		gitlab.WithContext(ctx), noCache)
	if err != nil {
		return nil, gitlabapi.MapError(err, fmt.Sprintf("reading group %d", id))
	}
	og := toOrgGroup(g)
	if og.Shares == nil {
		og.Shares = []groupShare{}
	}
	og.Shares = f.unexpiredShares(og.Shares)
	f.groups[id] = og
	return og, nil
}

func (f *freshUserInputs) groupShares(ctx context.Context, id int64) ([]groupShare, error) {
	g, err := f.group(ctx, id)
	if err != nil {
		return nil, err
	}
	return g.Shares, nil
}

// project is GET /projects/:id: its namespace, path and shares.
func (f *freshUserInputs) project(ctx context.Context, id int64) (*orgProject, error) {
	if p := f.projects[id]; p != nil {
		return p, nil
	}
	p, _, err := f.c.client.API.Projects.GetProject(id, nil, gitlab.WithContext(ctx), noCache)
	if err != nil {
		return nil, gitlabapi.MapError(err, fmt.Sprintf("reading project %d", id))
	}
	op := toOrgProject(p)
	op.Shares = f.unexpiredShares(op.Shares)
	f.projects[id] = op
	return op, nil
}

func (f *freshUserInputs) unexpiredShares(shares []groupShare) []groupShare {
	out := shares[:0:0]
	for _, s := range shares {
		if s.ExpiresAt == "" || s.ExpiresAt > f.today() {
			out = append(out, s)
		}
	}
	return out
}

func (f *freshUserInputs) directGroupMembers(ctx context.Context, id int64) ([]*directMember, error) {
	return f.rows(ctx, f.gRows, gitlabapi.Groups, id)
}

func (f *freshUserInputs) directProjectMembers(ctx context.Context, id int64) ([]*directMember, error) {
	return f.rows(ctx, f.pRows, gitlabapi.Projects, id)
}

// rows is the user's direct membership of a group or project as a list of zero or one
// rows (expired memberships left out, as the sync's listings do).
func (f *freshUserInputs) rows(ctx context.Context, memo map[int64][]*directMember, kind gitlabapi.SourceKind, id int64) ([]*directMember, error) {
	if rs, ok := memo[id]; ok {
		return rs, nil
	}
	var ms []*gitlabapi.Member
	if f.userID == 0 {
		all, err := f.c.client.ListDirectMembers(ctx, kind, id)
		if err != nil {
			return nil, err
		}
		ms = all
	} else {
		m, err := f.c.client.GetDirectMember(ctx, kind, id, f.userID)
		if err != nil {
			return nil, err
		}
		if m != nil {
			ms = []*gitlabapi.Member{m}
		}
	}
	out := make([]*directMember, 0, len(ms))
	for _, m := range ms {
		if dm := toDirectMember(m); dm.ExpiresAt == "" || dm.ExpiresAt > f.today() {
			out = append(out, dm)
		}
	}
	memo[id] = out
	return out, nil
}

// forget drops a node's memoized rows, so the next computation reads them again.
func (f *freshUserInputs) forget(kind string, id int64) {
	if kind == provGroup {
		delete(f.gRows, id)
	} else {
		delete(f.pRows, id)
	}
}

// hiddenMembers: provisioning decides on what the token can see (shares with groups it
// cannot read are invisible to it).
func (f *freshUserInputs) hiddenMembers(context.Context, orgNode) ([]*directMember, error) {
	return nil, nil
}

// access is the user's access to a group or project, computed now.
func (f *freshUserInputs) access(ctx context.Context, kind string, id int64) (*userAccess, error) {
	var acc nodeAccess
	var err error
	if kind == provGroup {
		acc, err = computeGroupAccess(ctx, f, id)
	} else {
		var p *orgProject
		if p, err = f.project(ctx, id); err != nil {
			return nil, err
		}
		acc, err = computeProjectAccess(ctx, f, p)
	}
	if err != nil {
		return nil, err
	}
	if a := acc[f.userID]; a != nil {
		return a, nil
	}
	return &userAccess{UserID: f.userID}, nil
}

// noCache asks any HTTP cache between us and GitLab for a fresh answer.
var noCache = gitlab.WithHeader("Cache-Control", "no-cache")
