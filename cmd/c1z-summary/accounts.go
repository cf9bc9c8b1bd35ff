package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
)

// The accounts an access review looks at first (token bots and service accounts, which
// never sign in, are left out: the credentials list covers them):
//   - accounts that hold access but have not signed in for 90 days, or never. Only
//     where the sync knew their sign-ins (profile last_login_known: an administrator's
//     GET /users on self-managed, the top-level groups' billable members or enterprise
//     users on GitLab.com for their Owners); other accounts are counted as unknown.
//   - accounts without two-factor authentication holding Maintainer or Owner anywhere (a
//     custom role counts by its base level where the grant says it),
//     where the sync knew their two-factor status (the MFA trait is set: self-managed
//     administrators' syncs, GitLab.com enterprise users); others are counted as unknown.

// inactiveAfter is how long without a sign-in makes an account with access stale.
const inactiveAfter = 90 * 24 * time.Hour

// accountAccess is what one account holds, read off the grants.
type accountAccess struct {
	grants  int
	highest string // the highest of GitLab's levels held ("" when only custom roles)
	where   string // where it is held (first found, by place)
}

// renderAccountReview writes the two lists, as of now.
func renderAccountReview(w io.Writer, d data, now time.Time) error {
	access := map[string]*accountAccess{}
	places := placeNames(d)
	slugs := map[string]string{} // grants name their entitlement by id only
	for _, e := range d.entitlements {
		slugs[e.GetId()] = e.GetSlug()
	}
	for _, g := range d.grants {
		who := key(g.GetPrincipal().GetId())
		a := access[who]
		if a == nil {
			a = &accountAccess{}
			access[who] = a
		}
		a.grants++
		slug := slugs[g.GetEntitlement().GetId()]
		if slug == "" {
			slug = g.GetEntitlement().GetSlug()
		}
		if levelRank(slug) == 100 { // a custom role: rank it by its base access level
			slug = levelSlug(grantAccessLevel(g))
		}
		where := places[key(g.GetEntitlement().GetResource().GetId())]
		rank := levelRank(slug)
		if rank < levelRank(a.highest) || (rank < 100 && slug == a.highest && where < a.where) {
			a.highest, a.where = slug, where
		}
	}

	type row struct{ name, login, when, activity, holds string }
	var stale, noMFA []row
	unknownSignIn, unknownMFA := 0, 0
	for _, r := range d.resources {
		if r.GetId().GetResourceType() != "user" {
			continue
		}
		a := access[key(r.GetId())]
		if a == nil {
			continue // holds no access
		}
		ut := &v2.UserTrait{}
		annos := annotations.Annotations(r.GetAnnotations())
		if ok, err := annos.Pick(ut); err != nil || !ok {
			continue
		}
		if ut.GetAccountType() == v2.UserTrait_ACCOUNT_TYPE_SERVICE {
			continue // token bots and service accounts never sign in nor enrol two-factor
		}
		activity := ut.GetProfile().GetFields()["last_activity_on"].GetStringValue()
		if activity == "" {
			activity = "-"
		}
		holds := fmt.Sprintf("%d grants", a.grants)
		if a.grants == 1 {
			holds = "1 grant"
		}
		if a.highest != "" {
			holds = fmt.Sprintf("%s of %s; %s", a.highest, a.where, holds)
		}
		login := "@" + ut.GetLogin()
		if !ut.GetProfile().GetFields()["last_login_known"].GetBoolValue() {
			unknownSignIn++
		} else if last := ut.GetLastLogin(); last == nil {
			stale = append(stale, row{r.GetDisplayName(), login, "never", activity, holds})
		} else if t := last.AsTime(); now.Sub(t) > inactiveAfter {
			stale = append(stale, row{r.GetDisplayName(), login, t.UTC().Format(time.DateOnly), activity, holds})
		}
		if levelRank(a.highest) <= levelRank("maintainer") {
			switch {
			case !ut.HasMfaStatus():
				unknownMFA++
			case !ut.GetMfaStatus().GetMfaEnabled():
				noMFA = append(noMFA, row{r.GetDisplayName(), login, a.highest, activity, holds})
			}
		}
	}
	byName := func(rows []row) {
		sort.Slice(rows, func(i, j int) bool { return rows[i].login < rows[j].login })
	}
	byName(stale)
	byName(noMFA)

	fmt.Fprintf(w, "\nAccounts with access not signed in for 90 days or never (as of %s): %d\n",
		now.UTC().Format(time.DateOnly), len(stale))
	if unknownSignIn > 0 {
		fmt.Fprintf(w, "  (%d more accounts with access: sign-ins unknown to this sync)\n", unknownSignIn)
	}
	// LAST ACTIVITY: GitLab counts API and Git use too; an account used only through
	// tokens shows activity without sign-ins (its tokens are in the credentials list).
	if err := table(w, "WHO\tUSERNAME\tLAST SIGN-IN\tLAST ACTIVITY\tHOLDS", stale, func(r row) string {
		return strings.Join([]string{r.name, r.login, r.when, r.activity, r.holds}, "\t")
	}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nAccounts without two-factor authentication holding Maintainer or Owner: %d\n", len(noMFA))
	if unknownMFA > 0 {
		fmt.Fprintf(w, "  (%d more accounts holding Maintainer or Owner: two-factor status unknown to this sync)\n", unknownMFA)
	}
	return table(w, "WHO\tUSERNAME\tHIGHEST\tHOLDS", noMFA, func(r row) string {
		return strings.Join([]string{r.name, r.login, r.when, r.holds}, "\t")
	})
}

// placeNames maps a group or project resource to its full path (its name without one).
func placeNames(d data) map[string]string {
	out := map[string]string{}
	for _, r := range d.resources {
		k := key(r.GetId())
		out[k] = r.GetDisplayName()
		if p := profileString(r, "full_path"); p != "" {
			out[k] = p
		} else if p := profileString(r, "path_with_namespace"); p != "" {
			out[k] = p
		}
	}
	return out
}

// table writes a header and one line per row (nothing when there are no rows).
func table[T any](w io.Writer, header string, rows []T, line func(T) string) error {
	if len(rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, line(r))
	}
	return tw.Flush()
}

// grantAccessLevel is the access_level of a grant's metadata (a custom role's base level
// on a direct membership's grant), 0 when absent.
func grantAccessLevel(g *v2.Grant) int {
	return int(grantMetadata(g)["access_level"].GetNumberValue())
}

// levelSlug is the entitlement slug of one of GitLab's access levels ("" for none).
func levelSlug(level int) string {
	switch level {
	case 50:
		return "owner"
	case 40:
		return "maintainer"
	case 30:
		return "developer"
	case 20:
		return "reporter"
	case 15:
		return "planner"
	case 10:
		return "guest"
	case 5:
		return "minimal_access"
	}
	return ""
}
