package main

// c1z-summary credentials FILE.c1z: the credentials report. Among the active
// credentials a sync found (secrets: personal, group and project access tokens, deploy
// tokens, deploy keys, SSH keys), those that
//   - expire within 30 days,
//   - never expire, or
//   - were not used for 90 days (last used, or created and never used, more than 90 days
//     ago; GitLab records no use of deploy tokens, so they are never flagged for it),
//
// each with its owner and reach. Revoked and expired credentials act no more and are
// left out.

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
)

const (
	expiringWithin = 30 * 24 * time.Hour
	unusedFor      = 90 * 24 * time.Hour
)

// credentialsCommand runs `c1z-summary credentials FILE.c1z`, returning the exit code.
func credentialsCommand(ctx context.Context, args []string, w, errw io.Writer, now time.Time) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(errw, "usage: c1z-summary credentials FILE.c1z")
		return 2
	}
	resources, err := readResources(ctx, args[0])
	if err == nil {
		err = credentialReport(w, resources, now)
	}
	if err != nil {
		fmt.Fprintln(errw, "c1z-summary:", err)
		return 1
	}
	return 0
}

// readResources reads every resource of a c1z.
func readResources(ctx context.Context, path string) ([]*v2.Resource, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "c1z-summary-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(tmp))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	defer func() { _ = store.Close(ctx) }()
	var out []*v2.Resource
	token := ""
	for {
		resp, err := store.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: token}.Build())
		if err != nil {
			return nil, fmt.Errorf("reading resources: %w", err)
		}
		out = append(out, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// credentialRow is one credential of the report.
type credentialRow struct {
	kind, name, owner, reach, expires, lastUsed string
	reasons                                     []string
	order                                       time.Time // soonest expiry first, then oldest use
}

// credentialReport writes the report for resources as of now.
func credentialReport(w io.Writer, resources []*v2.Resource, now time.Time) error {
	var rows []credentialRow
	active := 0
	for _, r := range resources {
		st := &v2.SecretTrait{}
		annos := annotations.Annotations(r.GetAnnotations())
		ok, err := annos.Pick(st)
		if err != nil || !ok {
			continue
		}
		if r.GetStatus().GetStatus() != v2.Status_RESOURCE_STATUS_ENABLED {
			continue // revoked or expired: acts no more
		}
		active++
		row := credentialRow{
			kind:     r.GetId().GetResourceType(),
			name:     r.GetDisplayName(),
			owner:    profileString(r, "owner"),
			reach:    profileString(r, "reach"),
			expires:  "never",
			lastUsed: "never",
		}
		if t := profileString(r, "owner_type"); t != "" && t != "user" {
			row.owner = t + " " + row.owner
		}
		var lastUse *time.Time
		if st.HasLastUsedAt() {
			t := st.GetLastUsedAt().AsTime()
			lastUse = &t
			row.lastUsed = t.UTC().Format(time.DateOnly)
		} else if r.HasCreatedAt() && row.kind != "deploy_token" {
			t := r.GetCreatedAt().AsTime()
			lastUse = &t // never used: idle since it was created
		}
		row.order = now.Add(100 * 365 * 24 * time.Hour)
		if st.HasExpiresAt() {
			exp := st.GetExpiresAt().AsTime()
			row.expires = exp.UTC().Format(time.DateOnly)
			if exp.Sub(now) <= expiringWithin {
				row.reasons = append(row.reasons, fmt.Sprintf("expires in %d days", int(exp.Sub(now).Hours()/24)))
				row.order = exp
			}
		} else {
			row.reasons = append(row.reasons, "never expires")
		}
		if lastUse != nil && now.Sub(*lastUse) > unusedFor {
			what := "not used for %d days"
			if !st.HasLastUsedAt() {
				what = "never used, created %d days ago"
			}
			row.reasons = append(row.reasons, fmt.Sprintf(what, int(now.Sub(*lastUse).Hours()/24)))
		}
		if len(row.reasons) > 0 {
			rows = append(rows, row)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].order.Equal(rows[j].order) {
			return rows[i].order.Before(rows[j].order)
		}
		if rows[i].kind != rows[j].kind {
			return rows[i].kind < rows[j].kind
		}
		return rows[i].name < rows[j].name
	})
	fmt.Fprintf(w, "credentials as of %s: %d active, %d to review (expiring within 30 days, never expiring, or unused for 90 days)\n\n",
		now.UTC().Format(time.DateOnly), active, len(rows))
	return table(w, "TYPE\tNAME\tOWNER\tEXPIRES\tLAST USED\tWHY\tREACH", rows, func(r credentialRow) string {
		return strings.Join([]string{r.kind, r.name, r.owner, r.expires, r.lastUsed, strings.Join(r.reasons, "; "), r.reach}, "\t")
	})
}
