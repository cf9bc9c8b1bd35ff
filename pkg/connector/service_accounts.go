package connector

import (
	"context"
	"regexp"
	"strconv"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// Service accounts and token bots are SERVICE accounts linked to what they act for,
// in their profile: acts_for_type ("instance", "group", "project"), acts_for_id and
// acts_for (a full path). Their memberships are grants like anyone's.
//
//   - A group or project access token's bot (user_type project_bot) is named
//     group_<id>_bot_<suffix> / project_<id>_bot_<suffix> by GitLab
//     (ResourceAccessTokens::CreateService; older GitLab made project_<id>_bot,
//     project_<id>_bot1, ... with Uniquify, and rotation keeps those bots): it acts for
//     that group or project.
//   - A service account acts for the top-level group that provisioned it (GitLab.com,
//     and self-managed group service accounts: GET /groups/:id/service_accounts) or for
//     the instance (self-managed instance service accounts: GET /service_accounts). Its
//     username is free (service_account_… only by default), hence the listings.

// tokenBot matches a token bot's username and captures its group or project id.
var tokenBot = regexp.MustCompile(`^(project|group)_(\d+)_bot(\d+|_[0-9a-z]+)?$`)

// tokenBotResource is the group or project a token bot acts for ("", 0 for anyone else).
func tokenBotResource(username string) (string, int64) {
	m := tokenBot.FindStringSubmatch(username)
	if m == nil {
		return "", 0
	}
	id, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return "", 0
	}
	return m[1], id
}

// actsFor is what a service account acts for.
type actsFor struct {
	Kind string // "instance" or "group"
	ID   int64
}

// defaultServiceAccountName matches GitLab's default service account usernames:
// service_account_group_<group id>_<hex> for a group's (Namespaces::ServiceAccounts::
// CreateService) and service_account_<hex> for an instance's (Users::ServiceAccounts::
// CreateService).
var defaultServiceAccountName = regexp.MustCompile(`^service_account_(?:group_(\d+)_)?[0-9a-z]+$`)

// defaultServiceAccount links a service account GitLab's listings did not give (they
// were refused) by its default username: a group's, or on self-managed GitLab the
// instance's. A renamed service account is not recognised this way.
func (o *organisationState) defaultServiceAccount(username string) (actsFor, bool) {
	m := defaultServiceAccountName.FindStringSubmatch(username)
	if m == nil {
		return actsFor{}, false
	}
	if m[1] != "" {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return actsFor{}, false
		}
		return actsFor{Kind: "group", ID: id}, true
	}
	if o.c.settings.Deployment == gitlabapi.SelfManaged {
		return actsFor{Kind: "instance"}, true
	}
	return actsFor{}, false
}

// serviceAccounts are the service accounts GitLab lists, by user id, once per sync: an
// administrator's GET /service_accounts (self-managed), and otherwise each top-level
// group's GET /groups/:id/service_accounts. Refusals (a tier or role they need) are one
// warning: the accounts are then known by their default username only.
func (o *organisationState) serviceAccounts(ctx context.Context) (map[int64]actsFor, error) {
	return o.creds.serviceAccounts.get(func() (map[int64]actsFor, error) {
		out := map[int64]actsFor{}
		instance, err := o.instanceWide(ctx)
		if err != nil {
			return nil, err
		}
		if instance {
			sas, err := o.c.client.ListInstanceServiceAccounts(ctx)
			if err != nil && !skippable(err) {
				return nil, err
			}
			if err != nil {
				o.warnOnce(ctx, "GET /service_accounts", "cannot list the instance's service accounts (Premium): they are recognised by their default username only", err)
			}
			for _, sa := range sas {
				out[sa.ID] = actsFor{Kind: "instance"}
			}
			return out, nil
		}
		roots, err := o.topLevelRoots(ctx)
		if err != nil {
			return nil, err
		}
		for _, root := range roots {
			sas, err := o.groupServiceAccounts(ctx, root)
			if err != nil {
				return nil, err
			}
			for _, sa := range sas {
				out[sa.ID] = actsFor{Kind: "group", ID: root}
			}
		}
		return out, nil
	})
}

// groupServiceAccounts is GET /groups/:id/service_accounts (Owner, Premium), once per
// group per sync; refused: none, with one warning.
func (o *organisationState) groupServiceAccounts(ctx context.Context, root int64) ([]*gitlabapi.ServiceAccount, error) {
	return o.creds.groupServiceAccounts.get(root, func() ([]*gitlabapi.ServiceAccount, error) {
		sas, err := o.c.client.ListGroupServiceAccounts(ctx, root)
		if err != nil && skippable(err) {
			o.warnOnce(ctx, "GET /groups/:id/service_accounts",
				"cannot list a top-level group's service accounts (Owner, Premium): they are recognised by their default username only", err)
			return nil, nil
		}
		return sas, err
	})
}

// serviceAccountMarker wraps a page of the user listing with markServiceAccounts.
func (o *organisationState) serviceAccountMarker(ctx context.Context) func([]*v2.Resource, *rs.SyncOpResults, error) ([]*v2.Resource, *rs.SyncOpResults, error) {
	return func(out []*v2.Resource, res *rs.SyncOpResults, err error) ([]*v2.Resource, *rs.SyncOpResults, error) {
		if err != nil {
			return nil, nil, err
		}
		if err := o.markServiceAccounts(ctx, out); err != nil {
			return nil, nil, err
		}
		return out, res, nil
	}
}

// markServiceAccounts makes service accounts and token bots among accounts SERVICE
// accounts and links each to what it acts for (the user listing calls it on each page).
func (o *organisationState) markServiceAccounts(ctx context.Context, accounts []*v2.Resource) error {
	sas, err := o.serviceAccounts(ctx)
	if err != nil {
		return err
	}
	for _, r := range accounts {
		annos := annotations.Annotations(r.GetAnnotations())
		ut := &v2.UserTrait{}
		ok, err := annos.Pick(ut)
		if err != nil || !ok {
			continue
		}
		userID, _ := strconv.ParseInt(r.GetId().GetResource(), 10, 64)
		kind, id := tokenBotResource(ut.GetLogin())
		sa, isSA := sas[userID]
		if !isSA && kind == "" {
			sa, isSA = o.defaultServiceAccount(ut.GetLogin())
		}
		if isSA {
			kind, id = sa.Kind, sa.ID
		}
		if kind == "" {
			continue
		}
		fields := map[string]*structpb.Value{"acts_for_type": structpb.NewStringValue(kind)}
		if kind != "instance" {
			fields["acts_for_id"] = structpb.NewNumberValue(float64(id))
			fields["acts_for"] = structpb.NewStringValue(o.nodePath(ctx, kind, id))
		}
		if isSA {
			fields["service_account"] = structpb.NewBoolValue(true)
		} else {
			fields["token_bot"] = structpb.NewBoolValue(true)
		}
		//nolint:staticcheck // the user trait's profile is what readers of the c1z use today
		ut.SetProfile(withFields(ut.GetProfile(), fields))
		ut.SetAccountType(v2.UserTrait_ACCOUNT_TYPE_SERVICE)
		annos.Update(ut)
		r.SetAnnotations(annos)
		r.SetProfile(withFields(r.GetProfile(), fields))
	}
	return nil
}

// syncedAccounts reports whether an account is synced (a secret's identity must be
// one): every user for an administrator, else the organisation's members.
func (o *organisationState) syncedAccounts(ctx context.Context) (func(int64) bool, error) {
	instance, err := o.instanceWide(ctx)
	if err != nil {
		return nil, err
	}
	if instance {
		return func(int64) bool { return true }, nil
	}
	members, err := o.allMembers(ctx)
	if err != nil {
		return nil, err
	}
	set := make(map[int64]bool, len(members))
	for _, m := range members {
		set[m.UserID] = true
	}
	return func(id int64) bool { return set[id] }, nil
}

// withFields is a copy of p with fields added.
func withFields(p *structpb.Struct, fields map[string]*structpb.Value) *structpb.Struct {
	out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for k, v := range p.GetFields() {
		out.Fields[k] = v
	}
	for k, v := range fields {
		out.Fields[k] = v
	}
	return out
}
