package connector

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Pending invitations are pending accounts: a `user` resource with id
// invitation:<email> (email lower-cased), disabled, one per invited email, listing
// every group and project it is invited to. They get no grants. When the person
// accepts, GitLab deletes the invitation and the real account (numeric id) appears
// with its membership. https://docs.gitlab.com/api/invitations/

// pendingAccountIDPrefix starts the resource id of a pending account.
const pendingAccountIDPrefix = "invitation:"

// pendingAccountID is the resource id of the pending account of email.
func pendingAccountID(email string) string {
	return pendingAccountIDPrefix + strings.ToLower(strings.TrimSpace(email))
}

// pendingAccountEmailFromID returns the email of a pending account's resource id.
func pendingAccountEmailFromID(id string) (string, bool) {
	email, ok := strings.CutPrefix(id, pendingAccountIDPrefix)
	if !ok || email == "" {
		return "", false
	}
	return email, true
}

// pendingInvitation is every pending invitation of one email in the organisation.
type pendingInvitation struct {
	Email     string     // lower-cased
	CreatedAt *time.Time // the earliest invitation
	Targets   []invitationTarget
}

// invitationTarget is one group or project an email is invited to.
type invitationTarget struct {
	Kind      string // "group" or "project"
	ID        int64
	FullPath  string
	Level     gitlab.AccessLevelValue
	ExpiresAt string // the membership's expiry once accepted
}

// pendingInvitations lists the invitations of every organisation group and project
// (GET /groups/:id/invitations, GET /projects/:id/invitations, 100 per page), once per
// sync, grouped by email. A group or project whose invitations the token may not see
// (403: needs Maintainer/Owner) is skipped with one warning for the sync.
// https://docs.gitlab.com/api/invitations/#list-all-invitations-pending-for-a-group-or-project
func (o *organisationState) pendingInvitations(ctx context.Context) ([]*pendingInvitation, error) {
	return o.invitations.get(func() ([]*pendingInvitation, error) {
		nodes, err := o.nodes(ctx)
		if err != nil {
			return nil, err
		}
		byEmail := map[string]*pendingInvitation{}
		add := func(n orgNode, invs []*gitlabapi.Invitation) {
			for _, inv := range invs {
				email := strings.ToLower(strings.TrimSpace(inv.InviteEmail))
				if email == "" {
					continue
				}
				p := byEmail[email]
				if p == nil {
					p = &pendingInvitation{Email: email}
					byEmail[email] = p
				}
				if c := inv.CreatedAt.Time(); c != nil && (p.CreatedAt == nil || c.Before(*p.CreatedAt)) {
					t := *c
					p.CreatedAt = &t
				}
				p.Targets = append(p.Targets, invitationTarget{
					Kind: n.Kind, ID: n.ID, FullPath: n.FullPath, Level: inv.AccessLevel, ExpiresAt: string(inv.ExpiresAt),
				})
			}
		}
		gql, err := o.graphqlLoaded(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range nodes {
			if invs, ok := gql.invitations[orgNode{Kind: n.Kind, ID: n.ID}]; ok {
				// GraphQL showed no invitation there (a row with user null), or each one it
				// showed matched its top-level group's pendingMembers row (org_graphql.go).
				add(n, invs)
				continue
			}
			where := n.Kind + " " + n.FullPath
			invs, err := o.c.client.ListInvitations(ctx, sourceKind(n.Kind), n.ID)
			if err != nil {
				err = gitlabapi.Rephrase(err, "listing the pending invitations of "+where)
				if o.skipInvitations(ctx, err, where) {
					continue
				}
				return nil, err
			}
			add(n, invs)
		}
		out := make([]*pendingInvitation, 0, len(byEmail))
		for _, p := range byEmail {
			sort.Slice(p.Targets, func(i, j int) bool {
				if p.Targets[i].Kind != p.Targets[j].Kind {
					return p.Targets[i].Kind == "group"
				}
				return p.Targets[i].ID < p.Targets[j].ID
			})
			out = append(out, p)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
		return out, nil
	})
}

// skipInvitations reports whether an invitations listing error means "not allowed to
// see them" (403) or "not there" (404): skipped, with one warning per sync.
func (o *organisationState) skipInvitations(ctx context.Context, err error, where string) bool {
	if !gitlabapi.IsForbidden(err) && !gitlabapi.IsNotFound(err) {
		return false
	}
	o.invitationWarning.Do(func() {
		ctxzap.Extract(ctx).Warn("the token may not list pending invitations of some groups or projects (it needs Maintainer or Owner there): their invitations are not synced as pending accounts",
			zap.String("first", where), zap.Error(err))
	})
	return true
}

// sourceKind is the gitlabapi kind of a kind named "group" or "project" (an organisation
// node's, a provisioning target's).
func sourceKind(kind string) gitlabapi.SourceKind {
	return gitlabapi.SourceKind(kind + "s")
}

// pendingAccountResource builds the pending account of an invited email.
func pendingAccountResource(p *pendingInvitation) (*v2.Resource, error) {
	targets := make([]interface{}, 0, len(p.Targets))
	var where []string
	for _, t := range p.Targets {
		slug, _ := accessLevelSlug(t.Level)
		m := map[string]interface{}{
			"kind":         t.Kind,
			"id":           t.ID,
			"full_path":    t.FullPath,
			"access_level": int64(t.Level),
			"role":         slug,
		}
		if t.ExpiresAt != "" {
			m["expires_at"] = t.ExpiresAt
		}
		targets = append(targets, m)
		where = append(where, fmt.Sprintf("%s %s as %s", t.Kind, t.FullPath, accessLevelName(t.Level)))
	}
	profile := map[string]interface{}{
		"pending_invitation": true,
		"email":              p.Email,
		"invitations":        targets,
	}
	desc := "Invitation pending"
	if p.CreatedAt != nil {
		desc += " since " + p.CreatedAt.UTC().Format(time.DateOnly)
		profile["invited_at"] = p.CreatedAt.UTC().Format(time.RFC3339)
	}
	if len(where) > 0 {
		desc += ": " + strings.Join(where, ", ")
	}
	traits := []rs.UserTraitOption{
		rs.WithEmail(p.Email, true),
		rs.WithUserLogin(p.Email),
		rs.WithDetailedStatus(v2.UserTrait_Status_STATUS_DISABLED, "pending_invitation"),
		rs.WithAccountType(v2.UserTrait_ACCOUNT_TYPE_HUMAN),
		rs.WithUserProfile(profile),
	}
	if p.CreatedAt != nil {
		traits = append(traits, rs.WithCreatedAt(*p.CreatedAt))
	}
	return rs.NewUserResource(p.Email, userResourceType, pendingAccountID(p.Email), traits, rs.WithDescription(desc))
}

// pendingAccount is the pending account resource of email, as account creation returns
// it right after inviting (the next sync fills in every invitation of the email).
func (s *userSyncer) pendingAccount(_ context.Context, email string) (*v2.Resource, error) {
	now := time.Now().UTC()
	return pendingAccountResource(&pendingInvitation{Email: strings.ToLower(strings.TrimSpace(email)), CreatedAt: &now})
}
