package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-gitlab/internal/batontest"
	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

func res(typ, id, name string, profile map[string]any) *v2.Resource {
	r := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: typ, Resource: id}.Build(), DisplayName: name}.Build()
	if profile != nil {
		p, _ := structpb.NewStruct(profile)
		r.SetProfile(p)
	}
	return r
}

func TestRenderCountsAndTable(t *testing.T) {
	bob := res("user", "102", "Bob Brown", nil)
	inv := res("user", "invitation:newhire@acme.example", "newhire@acme.example", nil)
	grp := res("group", "11", "Platform", nil)
	gt, _ := structpb.NewStruct(map[string]any{"full_path": "acme/platform"})
	grp.SetAnnotations(annotations.New(v2.GroupTrait_builder{Profile: gt}.Build()))
	prj := res("project", "50", "API", map[string]any{"path_with_namespace": "acme/platform/api"})
	ent := v2.Entitlement_builder{Id: "group:11:developer", Resource: grp, Slug: "developer", DisplayName: "Platform Developer"}.Build()
	pent := v2.Entitlement_builder{Id: "project:50:developer", Resource: prj, Slug: "developer"}.Build()
	md, _ := structpb.NewStruct(map[string]any{"source": "inherited", "source_group_full_path": "acme"})
	g1 := v2.Grant_builder{Id: "group:11:developer:user:102", Entitlement: ent, Principal: bob,
		Annotations: annotations.New(v2.GrantMetadata_builder{Metadata: md}.Build())}.Build()
	g2 := v2.Grant_builder{Id: "project:50:developer:user:102", Entitlement: pent, Principal: bob}.Build()

	var out bytes.Buffer
	if err := render(&out, data{
		resources:    []*v2.Resource{bob, inv, grp, prj},
		entitlements: []*v2.Entitlement{ent, pent},
		grants:       []*v2.Grant{g2, g1},
	}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"users:        2 (1 pending invitations)",
		"groups:       1", "projects:     1", "entitlements: 2", "grants:       2",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if !regexp.MustCompile(`Bob Brown\s+group\s+acme/platform\s+developer\s+inherited from acme`).MatchString(s) {
		t.Errorf("no group row for Bob:\n%s", s)
	}
	if !regexp.MustCompile(`Bob Brown\s+project\s+acme/platform/api\s+developer`).MatchString(s) {
		t.Errorf("no project row for Bob:\n%s", s)
	}
	if strings.Index(s, "acme/platform ") > strings.Index(s, "acme/platform/api") {
		t.Errorf("groups should come before projects:\n%s", s)
	}
}

// The whole path the demo takes: sync the demo world, then summarise the c1z.
func TestSummaryOfADemoSync(t *testing.T) {
	ctx := context.Background()
	const token = "glpat-summary-test"
	world := fakegitlab.DemoWorld(fakegitlab.ModeSelfManaged)
	// An administrator's sync covers every group and project of the instance.
	groups, projects := len(world.Groups), len(world.Projects)
	_, url := fakegitlab.StartForTest(t, world, fakegitlab.Options{Mode: fakegitlab.ModeSelfManaged, Token: token})
	c, err := connector.New(ctx, connector.Settings{BaseURL: url, Deployment: gitlabapi.SelfManaged}, token)
	if err != nil {
		t.Fatal(err)
	}
	c1z := batontest.Sync(t, ctx, c)
	var out bytes.Buffer
	if err := run(ctx, c1z.Path, &out, world.Clock()); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, fmt.Sprintf("groups:       %d\n", groups)) {
		t.Errorf("group count, want %d:\n%s", groups, s)
	}
	if !strings.Contains(s, fmt.Sprintf("projects:     %d\n", projects)) {
		t.Errorf("project count, want %d:\n%s", projects, s)
	}
	if !regexp.MustCompile(`Bob Brown\s+group\s+acme/platform/infra\s+developer\s+inherited from acme`).MatchString(s) {
		t.Errorf("no inherited row for Bob in acme/platform/infra:\n%s", s)
	}
}

func TestRenderCollapsesBigTeams(t *testing.T) {
	grp := res("group", "15", "Big Team", nil)
	ent := v2.Entitlement_builder{Id: "group:15:guest", Resource: grp, Slug: "guest"}.Build()
	d := data{resources: []*v2.Resource{grp}, entitlements: []*v2.Entitlement{ent}}
	for i := 0; i < 12; i++ {
		u := res("user", strings.Repeat("9", i+1), "member "+string(rune('a'+i)), nil)
		d.resources = append(d.resources, u)
		d.grants = append(d.grants, v2.Grant_builder{Entitlement: ent, Principal: u}.Build())
	}
	var out bytes.Buffer
	if err := render(&out, d); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "… and 8 more") || strings.Contains(s, "member l") || !strings.Contains(s, "member d") {
		t.Errorf("12 identical grants not collapsed to 4 rows and a count:\n%s", s)
	}
	if !strings.Contains(s, "grants:       12") {
		t.Errorf("count:\n%s", s)
	}
}

// section is the part of the summary after header up to the next blank line.
func section(s, header string) string {
	i := strings.Index(s, header)
	if i < 0 {
		return ""
	}
	rest := s[i+len(header):]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// The review lists of a demo sync, in both deployments, as of the world's clock: jose
// last signed in 120 days before it and niaj never; accounts without two-factor holding
// Maintainer or Owner where the sync knows the two-factor status.
func TestAccountReviewOfDemoSyncs(t *testing.T) {
	for _, mode := range []fakegitlab.Mode{fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			world := fakegitlab.DemoWorld(mode)
			f := batontest.NewDemo(t, mode)
			c1z := batontest.Sync(t, ctx, f.Connector)
			var out bytes.Buffer
			if err := run(ctx, c1z.Path, &out, world.Clock()); err != nil {
				t.Fatal(err)
			}
			s := out.String()
			stale := section(s, "Accounts with access not signed in for 90 days or never")
			jose, niaj := world.Users[fakegitlab.DemoUserJose], world.Users[fakegitlab.DemoUserNiaj]
			joseLast := jose.CurrentSignInAt.UTC().Format("2006-01-02")
			if !regexp.MustCompile(`@` + jose.Username + `\s+` + joseLast).MatchString(stale) {
				t.Errorf("jose (last sign-in %s) not listed as stale:\n%s", joseLast, stale)
			}
			if !regexp.MustCompile(`@` + niaj.Username + `\s+never`).MatchString(stale) {
				t.Errorf("niaj (never signed in) not listed:\n%s", stale)
			}
			if strings.Contains(stale, "@"+world.Users[fakegitlab.DemoUserBob].Username+" ") {
				t.Errorf("bob signed in recently but is listed:\n%s", stale)
			}
			noMFA := section(s, "Accounts without two-factor authentication holding Maintainer or Owner")
			for _, u := range world.SortedUsers() {
				if strings.Contains(noMFA, "@"+u.Username+" ") && u.TwoFactorEnabled {
					t.Errorf("%s has two-factor on but is listed:\n%s", u.Username, noMFA)
				}
			}
			// jose: two-factor off, Maintainer of acme/equipe-donnees; known to the sync on
			// GitLab.com as an enterprise user of acme, on self-managed from GET /users.
			if !jose.TwoFactorEnabled && !regexp.MustCompile(`@`+jose.Username+`\s+maintainer`).MatchString(noMFA) {
				t.Errorf("jose (no two-factor, Maintainer) not listed:\n%s", noMFA)
			}
			for _, u := range world.SortedUsers() {
				if u.Bot && (strings.Contains(stale, "@"+u.Username+" ") || strings.Contains(noMFA, "@"+u.Username+" ")) {
					t.Errorf("bot %s listed: bots never sign in nor enrol two-factor", u.Username)
				}
			}
			if mode == fakegitlab.ModeGitLabCom && !strings.Contains(noMFA, "two-factor status unknown to this sync") {
				t.Errorf("GitLab.com: non-enterprise Maintainers' two-factor status is unknown and should be counted:\n%s", noMFA)
			}
		})
	}
}

// A custom role based on Maintainer counts as Maintainer (its grant's access_level); a
// service account is never listed.
func TestAccountReviewCountsCustomRolesByBaseLevel(t *testing.T) {
	grp := res("group", "11", "Platform", nil)
	ent := v2.Entitlement_builder{Id: "group:11:member_role_8", Resource: grp, Slug: "member_role_8"}.Build()
	user := func(id, login string, accountType v2.UserTrait_AccountType) *v2.Resource {
		r := res("user", id, login, nil)
		r.SetAnnotations(annotations.New(v2.UserTrait_builder{Login: login, AccountType: accountType,
			MfaStatus: v2.UserTrait_MFAStatus_builder{MfaEnabled: false}.Build()}.Build()))
		return r
	}
	ana := user("7", "ana", v2.UserTrait_ACCOUNT_TYPE_HUMAN)
	bot := user("8", "service_account_group_10_abc", v2.UserTrait_ACCOUNT_TYPE_SERVICE)
	md, _ := structpb.NewStruct(map[string]any{"source": "direct", "access_level": 40, "member_role_id": 8})
	var grants []*v2.Grant
	for _, p := range []*v2.Resource{ana, bot} {
		grants = append(grants, v2.Grant_builder{Entitlement: v2.Entitlement_builder{Id: ent.GetId(), Resource: grp}.Build(), Principal: p,
			Annotations: annotations.New(v2.GrantMetadata_builder{Metadata: md}.Build())}.Build())
	}
	var out bytes.Buffer
	if err := renderAccountReview(&out, data{resources: []*v2.Resource{grp, ana, bot}, entitlements: []*v2.Entitlement{ent}, grants: grants},
		fakegitlab.DemoNow); err != nil {
		t.Fatal(err)
	}
	noMFA := section(out.String(), "Accounts without two-factor authentication holding Maintainer or Owner")
	if !regexp.MustCompile(`@ana\s+maintainer`).MatchString(noMFA) {
		t.Errorf("ana holds a custom role based on Maintainer without two-factor:\n%s", out.String())
	}
	if strings.Contains(out.String(), "service_account_group_10_abc") {
		t.Errorf("a service account is listed:\n%s", out.String())
	}
}
