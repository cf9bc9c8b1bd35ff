package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// FuzzCheck: the settings check (issue 9 point 7). Whatever the values, Check either
// refuses them with an error that starts with the setting's flag (--name), or returns
// settings that are resolved (deployment never auto), normalised (base URL without
// trailing slash or /api/v4, top-level group paths, unique), safe (no plain http to a
// non-loopback host unless allowed) and stable: checking the checked values again gives
// the same result.
func FuzzCheck(f *testing.F) {
	f.Add("glpat-x", "https://gitlab.com", "auto", "acme,acme-contractors", "acme/new", "guest", "block", false)
	f.Add("t", "", "", "", "", "", "", false)
	f.Add(" t ", "http://127.0.0.1:8080/api/v4/", "self-managed", " acme ,/x/,ACME,,42", "/acme/new-hires/", "DEVELOPER", "Delete", true)
	f.Add("t", "http://gitlab.example.com", "gitlab.com", "acme/platform", "", "owner", "ban", false)
	f.Add("", "gitlab.example.com", "saas", "https://gitlab.com/acme", "https://gitlab.com/acme", "x", "", false)
	f.Add("t", "https://gitlab.example.com/gitlab?x=1", "auto", "acme corp", "-acme", "reporter", "deactivate", false)
	f.Add("t", "http://gitlab.example.com", "auto", "ac.me,_a", "ä/ö", "planner", "block", true)
	f.Fuzz(func(t *testing.T, token, base, deployment, groups, creationGroup, level, action string, allowHTTP bool) {
		in := &Gitlab{AccessToken: token, BaseUrl: base, Deployment: deployment, Groups: strings.Split(groups, ","),
			AccountCreationGroup: creationGroup, AccountCreationAccessLevel: level, DeprovisionAction: action,
			AllowInsecureHttp: allowHTTP}
		got, err := Check(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--") {
				t.Fatalf("the error does not start with the setting: %v", err)
			}
			if token != "" && strings.TrimSpace(token) != "" && strings.Contains(err.Error(), token) && len(token) > 3 &&
				!strings.Contains(base+deployment+groups+creationGroup+level+action, token) {
				t.Fatalf("the error carries the token: %v", err)
			}
			return
		}
		if got.Token == "" || got.Token != strings.TrimSpace(got.Token) {
			t.Fatalf("token %q", got.Token)
		}
		if got.Deployment != gitlabapi.GitLabCom && got.Deployment != gitlabapi.SelfManaged {
			t.Fatalf("deployment %q", got.Deployment)
		}
		u, err := gitlabapi.ParseInstanceURL(got.BaseURL)
		if err != nil || u.String() != got.BaseURL {
			t.Fatalf("base URL %q not normalised: %v %v", got.BaseURL, u, err)
		}
		if !allowHTTP && gitlabapi.CheckInsecureHTTP(u, false) != nil {
			t.Fatalf("plain http to %s accepted without --allow-insecure-http", u.Host)
		}
		if got.InsecureHTTP != (u.Scheme == "http" && !gitlabapi.IsLoopbackHost(u.Hostname())) {
			t.Fatalf("InsecureHTTP %v for %s", got.InsecureHTTP, u)
		}
		seen := map[string]bool{}
		for _, g := range got.Groups {
			if g == "" || strings.Contains(g, "/") || seen[strings.ToLower(g)] {
				t.Fatalf("groups %q", got.Groups)
			}
			seen[strings.ToLower(g)] = true
		}
		if c := got.AccountCreationGroup; c != "" && (strings.HasPrefix(c, "/") || strings.HasSuffix(c, "/") || strings.Contains(c, "//")) {
			t.Fatalf("account creation group %q", c)
		}
		if got.AccountCreationAccessLevel <= 0 || got.AccountCreationAccessLevel > 40 {
			t.Fatalf("level %d", got.AccountCreationAccessLevel)
		}
		switch got.DeprovisionAction {
		case "block", "deactivate", "delete":
		default:
			t.Fatalf("deprovision action %q", got.DeprovisionAction)
		}

		// Stable: the checked values, fed back, check to the same.
		var levelName string
		for name, lv := range accessLevels {
			if lv == got.AccountCreationAccessLevel {
				levelName = name
			}
		}
		again, err := Check(&Gitlab{AccessToken: got.Token, BaseUrl: got.BaseURL, Deployment: string(got.Deployment),
			Groups: got.Groups, AccountCreationGroup: got.AccountCreationGroup, AccountCreationAccessLevel: levelName,
			DeprovisionAction: got.DeprovisionAction, AllowInsecureHttp: allowHTTP})
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("not stable:\n%+v\n%+v %v", got, again, err)
		}
	})
}
