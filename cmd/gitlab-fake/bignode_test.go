package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func TestServesABigNodeWorld(t *testing.T) {
	url, stderr := start(t, "--token", token, "--mode", "gitlab.com", "--world", "bignode:1200,6,5", "--seed", "2")
	u, _, err := client(t, url).Users.CurrentUser()
	if err != nil || u.Username != "bignode-owner" {
		t.Fatalf("GET /user = %v, %v", u, err)
	}
	g, _, err := client(t, url).Groups.GetGroup(fakegitlab.BigGroupID, nil)
	if err != nil || g.FullPath != fakegitlab.BigGroupPath {
		t.Fatalf("GET /groups/%d = %v, %v", fakegitlab.BigGroupID, g, err)
	}
	if !strings.Contains(stderr.String(), "world bignode:1200,6,5: ") || !strings.Contains(stderr.String(), "7 groups, 5 projects") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

func TestBigNodeWorldFlag(t *testing.T) {
	c, err := parse([]string{"--token", token, "--world", "bignode", "--seed", "9"}, &bytes.Buffer{})
	want := fakegitlab.DefaultBigGroupSpec
	want.Seed = 9
	if err != nil || c.bignode == nil || *c.bignode != want {
		t.Fatalf("--world bignode: %+v, %v; want %+v", c, err, want)
	}
	c, err = parse([]string{"--token", token, "--world", "bignode:30000,3,0"}, &bytes.Buffer{})
	if err != nil || c.bignode == nil || *c.bignode != (fakegitlab.BigGroupSpec{Members: 30000, Subgroups: 3, Projects: 0, Seed: 1}) {
		t.Fatalf("--world bignode:30000,3,0: %+v, %v", c, err)
	}
	for _, bad := range []string{"bignode:0,1,1", "bignode:10,1", "bignode:10,-1,1", "bignode:ten,1,1", "bignodes"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"--token", token, "--world", bad}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--world") {
			t.Errorf("--world %s: exit %d, stderr %q", bad, code, stderr.String())
		}
	}
}
