// Command c1z-summary prints what a baton-gitlab sync found: counts of users, groups,
// projects, entitlements and grants, and a table of who has which access level where.
//
//	c1z-summary sync.c1z
//	c1z-summary credentials sync.c1z   (credentials to review: credentials.go)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"google.golang.org/protobuf/types/known/structpb"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "credentials" { // the credentials report (credentials.go)
		os.Exit(credentialsCommand(context.Background(), os.Args[2:], os.Stdout, os.Stderr, time.Now()))
	}
	flags := flag.NewFlagSet("c1z-summary", flag.ContinueOnError)
	asOf := flags.String("now", "", "the date the review lists are computed for (YYYY-MM-DD; default today)")
	flags.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: c1z-summary [-now YYYY-MM-DD] FILE.c1z")
		flags.PrintDefaults()
	}
	if err := flags.Parse(os.Args[1:]); err != nil || flags.NArg() != 1 {
		if err == nil {
			flags.Usage()
		}
		os.Exit(2)
	}
	now := time.Now()
	if *asOf != "" {
		t, err := time.Parse(time.DateOnly, *asOf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "c1z-summary: -now %q is not a date: use YYYY-MM-DD\n", *asOf)
			os.Exit(2)
		}
		now = t
	}
	if err := run(context.Background(), flags.Arg(0), os.Stdout, now); err != nil {
		fmt.Fprintln(os.Stderr, "c1z-summary:", err)
		os.Exit(1)
	}
}

// run prints the summary of the c1z at path; now is the date the review lists use.
func run(ctx context.Context, path string, w io.Writer, now time.Time) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "c1z-summary-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(tmp))
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer func() { _ = store.Close(ctx) }()

	var d data
	token := ""
	for {
		resp, err := store.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: token}.Build())
		if err != nil {
			return fmt.Errorf("reading resources: %w", err)
		}
		d.resources = append(d.resources, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for {
		resp, err := store.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: token}.Build())
		if err != nil {
			return fmt.Errorf("reading entitlements: %w", err)
		}
		d.entitlements = append(d.entitlements, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for {
		resp, err := store.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: token}.Build())
		if err != nil {
			return fmt.Errorf("reading grants: %w", err)
		}
		d.grants = append(d.grants, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if err := render(w, d); err != nil {
		return err
	}
	return renderAccountReview(w, d, now)
}

// levelRank orders GitLab's levels from Owner down; custom roles come last.
func levelRank(slug string) int {
	for i, l := range []string{"owner", "maintainer", "developer", "reporter", "planner", "guest", "minimal_access"} {
		if slug == l {
			return i
		}
	}
	return 100
}

// maxSameRows is how many rows with the same place, level and source are listed before
// the rest are counted.
const maxSameRows = 5

type data struct {
	resources    []*v2.Resource
	entitlements []*v2.Entitlement
	grants       []*v2.Grant
}

func key(id *v2.ResourceId) string { return id.GetResourceType() + ":" + id.GetResource() }

// render writes the counts, then one row per grant: who, where, level, how.
func render(w io.Writer, d data) error {
	names := map[string]string{}
	fullPaths := map[string]string{}
	perType := map[string]int{}
	pending := 0
	for _, r := range d.resources {
		k := key(r.GetId())
		names[k] = r.GetDisplayName()
		perType[r.GetId().GetResourceType()]++
		if strings.HasPrefix(r.GetId().GetResource(), "invitation:") {
			pending++
		}
		if p := profileString(r, "full_path"); p != "" {
			fullPaths[k] = p
		} else if p := profileString(r, "path_with_namespace"); p != "" {
			fullPaths[k] = p
		}
	}
	entNames := map[string]string{}
	for _, e := range d.entitlements {
		entNames[e.GetId()] = e.GetDisplayName()
		if e.GetSlug() != "" {
			entNames[e.GetId()] = e.GetSlug()
		}
	}

	fmt.Fprintf(w, "users:        %d", perType["user"])
	if pending > 0 {
		fmt.Fprintf(w, " (%d pending invitations)", pending)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "groups:       %d\n", perType["group"])
	fmt.Fprintf(w, "projects:     %d\n", perType["project"])
	others := make([]string, 0, len(perType))
	for t := range perType {
		if t != "user" && t != "group" && t != "project" {
			others = append(others, t)
		}
	}
	sort.Strings(others) // the same c1z always prints the same summary
	for _, t := range others {
		fmt.Fprintf(w, "%-13s %d\n", t+":", perType[t])
	}
	fmt.Fprintf(w, "entitlements: %d\n", len(d.entitlements))
	fmt.Fprintf(w, "grants:       %d\n\n", len(d.grants))

	type row struct{ who, kind, where, level, how string }
	rows := make([]row, 0, len(d.grants))
	for _, g := range d.grants {
		res := g.GetEntitlement().GetResource().GetId()
		where := fullPaths[key(res)]
		if where == "" {
			where = names[key(res)]
		}
		if where == "" {
			where = res.GetResource()
		}
		who := names[key(g.GetPrincipal().GetId())]
		if who == "" {
			who = key(g.GetPrincipal().GetId())
		}
		level := entNames[g.GetEntitlement().GetId()]
		if level == "" {
			level = g.GetEntitlement().GetSlug()
		}
		if level == "" {
			level = g.GetEntitlement().GetId()
		}
		rows = append(rows, row{who, res.GetResourceType(), where, level, grantSource(g)})
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.where != b.where {
			return a.where < b.where
		}
		return a.who < b.who
	})
	sort.SliceStable(rows, func(i, j int) bool { // same place: by level, then how
		a, b := rows[i], rows[j]
		if a.kind != b.kind || a.where != b.where {
			return false
		}
		if ra, rb := levelRank(a.level), levelRank(b.level); ra != rb {
			return ra < rb
		}
		if a.level != b.level {
			return a.level < b.level
		}
		return a.how < b.how
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHO\tTYPE\tWHERE\tLEVEL\tHOW")
	// Many people with the same access in the same place (a big team) are shown as the
	// first few and a count, so the table stays readable.
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].kind == rows[i].kind && rows[j].where == rows[i].where &&
			rows[j].level == rows[i].level && rows[j].how == rows[i].how {
			j++
		}
		run := rows[i:j]
		shown := run
		if len(run) > maxSameRows {
			shown = run[:maxSameRows-1]
		}
		for _, r := range shown {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.who, r.kind, r.where, r.level, r.how)
		}
		if len(shown) < len(run) {
			r := run[0]
			fmt.Fprintf(tw, "… and %d more\t%s\t%s\t%s\t%s\n", len(run)-len(shown), r.kind, r.where, r.level, r.how)
		}
		i = j
	}
	return tw.Flush()
}

// grantSource reads the connector's grant metadata: "direct", "inherited from acme",
// "shared by acme-contractors".
func grantSource(g *v2.Grant) string {
	f := grantMetadata(g)
	if f == nil {
		return ""
	}
	src := f["source"].GetStringValue()
	from := f["source_group_full_path"].GetStringValue()
	switch {
	case src == "inherited" && from != "":
		src = "inherited from " + from
	case src == "shared" && from != "":
		src = "shared with " + from
	}
	if exp := f["expires_at"].GetStringValue(); exp != "" {
		src += ", expires " + exp
	}
	return src
}

// grantMetadata is the connector's metadata on a grant (source, access_level...), nil
// when it has none.
func grantMetadata(g *v2.Grant) map[string]*structpb.Value {
	annos := annotations.Annotations(g.GetAnnotations())
	md := &v2.GrantMetadata{}
	if ok, err := annos.Pick(md); err != nil || !ok {
		return nil
	}
	return md.GetMetadata().GetFields()
}

// profileString reads a profile field: the resource's own profile (projects) or its
// group/user trait's profile.
func profileString(r *v2.Resource, field string) string {
	if s := r.GetProfile().GetFields()[field].GetStringValue(); s != "" {
		return s
	}
	annos := annotations.Annotations(r.GetAnnotations())
	gt := &v2.GroupTrait{}
	if ok, err := annos.Pick(gt); err == nil && ok {
		if s := gt.GetProfile().GetFields()[field].GetStringValue(); s != "" {
			return s
		}
	}
	ut := &v2.UserTrait{}
	if ok, err := annos.Pick(ut); err == nil && ok {
		return ut.GetProfile().GetFields()[field].GetStringValue()
	}
	return ""
}
