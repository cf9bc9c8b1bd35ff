package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// secret builds a credential resource the way the connector does (credentials.go).
func secret(t *testing.T, typ, id, name, owner, reach, state string, created, lastUsed, expires *time.Time) *v2.Resource {
	t.Helper()
	var traits []rs.SecretTraitOption
	if lastUsed != nil {
		traits = append(traits, rs.WithSecretLastUsedAt(*lastUsed))
	}
	if expires != nil {
		traits = append(traits, rs.WithSecretExpiresAt(*expires))
	}
	status := v2.Status_RESOURCE_STATUS_ENABLED
	if state != "active" {
		status = v2.Status_RESOURCE_STATUS_DISABLED
	}
	opts := []rs.ResourceOption{
		rs.WithResourceProfile(map[string]any{"owner": owner, "owner_type": "user", "reach": reach, "state": state}),
		rs.WithResourceStatus(status, state),
	}
	if created != nil {
		opts = append(opts, rs.WithResourceCreatedAt(*created))
	}
	r, err := rs.NewSecretResource(name, v2.ResourceType_builder{Id: typ}.Build(), id, traits, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCredentialReport(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	day := func(n int) *time.Time { d := now.AddDate(0, 0, n); return &d }
	resources := []*v2.Resource{
		// expires in 10 days, used yesterday: listed for its expiry.
		secret(t, "personal_access_token", "1", "ci-soon", "@alice", "everything @alice can access", "active", day(-200), day(-1), day(10)),
		// never expires, used recently: listed.
		secret(t, "personal_access_token", "2", "forever", "@bob", "everything @bob can access", "active", day(-10), day(-1), nil),
		// expires in a year, last used 120 days ago: listed as unused.
		secret(t, "ssh_key", "3:4", "old-laptop", "@carol", "Git over SSH as @carol", "active", day(-400), day(-120), day(365)),
		// expires in a year, never used, created 100 days ago: listed as never used.
		secret(t, "personal_access_token", "5", "idle", "@dave", "everything @dave can access", "active", day(-100), nil, day(365)),
		// healthy: expires in 60 days, used yesterday: not listed.
		secret(t, "personal_access_token", "6", "healthy", "@erin", "everything @erin can access", "active", day(-30), day(-1), day(60)),
		// revoked, never expiring: acts no more, not listed.
		secret(t, "personal_access_token", "7", "revoked-forever", "@frank", "everything @frank can access", "revoked", day(-30), nil, nil),
		// a non-secret resource is ignored.
		res("user", "102", "Bob", nil),
	}
	var out bytes.Buffer
	if err := credentialReport(&out, resources, now); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "credentials as of 2026-03-01: 5 active, 4 to review") {
		t.Errorf("header:\n%s", s)
	}
	lines := strings.Split(strings.TrimSpace(s), "\n")
	rows := lines[3:] // header line, blank, table header
	want := []struct{ name, why string }{
		{"ci-soon", "expires in 10 days"},
		{"forever", "never expires"},
		{"idle", "never used, created 100 days ago"},
		{"old-laptop", "not used for 120 days"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %d, want %d:\n%s", len(rows), len(want), s)
	}
	for i, w := range want {
		if !strings.Contains(rows[i], w.name) || !strings.Contains(rows[i], w.why) {
			t.Errorf("row %d = %q, want %s (%s)", i, rows[i], w.name, w.why)
		}
	}
	if !strings.Contains(rows[0], "@alice") || !strings.Contains(rows[0], "everything @alice can access") {
		t.Errorf("row 0 lacks owner or reach: %q", rows[0])
	}
	for _, gone := range []string{"healthy", "revoked-forever"} {
		if strings.Contains(s, gone) {
			t.Errorf("%s should not be listed:\n%s", gone, s)
		}
	}
}

// The report of a demo sync (self-managed, administrator): the demo world's credentials
// include expiring, never-expiring, unused, expired and revoked ones.
func TestCredentialReportOfADemoSync(t *testing.T) {
	ctx := context.Background()
	const token = "glpat-credentials-report-test"
	world := fakegitlab.DemoWorld(fakegitlab.ModeSelfManaged)
	_, url := fakegitlab.StartForTest(t, world, fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: token})
	c, err := connector.New(ctx, connector.Settings{BaseURL: url, Deployment: gitlabapi.SelfManaged}, token)
	if err != nil {
		t.Fatal(err)
	}
	c.SetClock(func() time.Time { return fakegitlab.DemoNow })
	c1z := batontest.Sync(t, ctx, c)
	var out, errs bytes.Buffer
	if code := credentialsCommand(ctx, []string{c1z.Path}, &out, &errs, fakegitlab.DemoNow); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	s := out.String()
	for _, row := range []*regexp.Regexp{
		regexp.MustCompile(`personal_access_token\s+ci-deploy\s+@alice\s+2026-11-21\s+\S+\s+expires in 19 days\s+everything @alice can access`),
		regexp.MustCompile(`deploy_token\s+acme-release\s+.*2026-11-20\s+never\s+expires in 18 days`),
		regexp.MustCompile(`personal_access_token\s+never-expires\s+@carol\s+never\s+2026-07-04\s+never expires; not used for 120 days`),
		regexp.MustCompile(`personal_access_token\s+backup\s+@service_account_\w+\s+never\s+\S+\s+never expires\s`),
		regexp.MustCompile(`deploy_key\s+ci-pusher\s+project acme/platform/api\s+never\s+never\s+never expires; never used, created 250 days ago\s+project acme/platform/api, Git read and write`),
	} {
		if !row.MatchString(s) {
			t.Errorf("no row matching %s:\n%s", row, s)
		}
	}
	for _, absent := range []string{"baton-sync", "never-used", "old-laptop", "leaked-token", "platform-ci", "legacy-read"} {
		if strings.Contains(s, absent) {
			t.Errorf("%s is listed (healthy, expired or revoked):\n%s", absent, s)
		}
	}
}
