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
	if err := run(ctx, c1z.Path, &out); err != nil {
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
