package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-sdk/pkg/field"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

func valid() *Gitlab {
	return &Gitlab{AccessToken: "glpat-x", BaseUrl: "https://gitlab.com", Deployment: "auto",
		AccountCreationAccessLevel: "guest", DeprovisionAction: "block"}
}

func TestCheckDefaultsAndDeploymentDetection(t *testing.T) {
	tests := []struct {
		base, deployment string
		want             gitlabapi.Deployment
		wantURL          string
	}{
		{"https://gitlab.com", "auto", gitlabapi.GitLabCom, "https://gitlab.com"},
		{"https://gitlab.com/", "", gitlabapi.GitLabCom, "https://gitlab.com"}, // the old connector's default
		{"", "auto", gitlabapi.GitLabCom, "https://gitlab.com"},
		{"https://gitlab.example.com/gitlab/", "auto", gitlabapi.SelfManaged, "https://gitlab.example.com/gitlab"},
		{"http://127.0.0.1:8080/api/v4", "auto", gitlabapi.SelfManaged, "http://127.0.0.1:8080"},
		{"https://gitlab.example.com", "gitlab.com", gitlabapi.GitLabCom, "https://gitlab.example.com"},
		{"https://gitlab.com", "self-managed", gitlabapi.SelfManaged, "https://gitlab.com"},
	}
	for _, tt := range tests {
		c := valid()
		c.BaseUrl, c.Deployment = tt.base, tt.deployment
		got, err := Check(c)
		if err != nil {
			t.Fatalf("%q %q: %v", tt.base, tt.deployment, err)
		}
		if got.Deployment != tt.want || got.BaseURL != tt.wantURL {
			t.Errorf("%q %q: deployment %q url %q, want %q %q", tt.base, tt.deployment, got.Deployment, got.BaseURL, tt.want, tt.wantURL)
		}
	}
	got, err := Check(&Gitlab{AccessToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if got.AccountCreationAccessLevel != gitlab.GuestPermissions || got.DeprovisionAction != "block" || got.Token != "t" {
		t.Errorf("defaults: %+v", got)
	}
}

func TestCheckErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Gitlab)
		want   []string
	}{
		{"missing token", func(c *Gitlab) { c.AccessToken = " " }, []string{"--access-token is required", "api scope"}},
		{"base url without scheme", func(c *Gitlab) { c.BaseUrl = "gitlab.example.com" }, []string{"--base-url", "not an http(s) URL", "https://gitlab.example.com"}},
		{"base url ftp", func(c *Gitlab) { c.BaseUrl = "ftp://gitlab.example.com" }, []string{"--base-url", "not an http(s) URL"}},
		{"base url with query", func(c *Gitlab) { c.BaseUrl = "https://gitlab.example.com/?private_token=x" }, []string{"--base-url", "must not carry a query"}},
		{"bad deployment", func(c *Gitlab) { c.Deployment = "saas" }, []string{`--deployment "saas"`, "auto", "gitlab.com", "self-managed"}},
		{"subgroup in groups", func(c *Gitlab) { c.Groups = []string{"acme", "acme/platform"} }, []string{`--groups "acme/platform" is a subgroup`, "top-level"}},
		{"url in groups", func(c *Gitlab) { c.Groups = []string{"https://gitlab.com/acme"} }, []string{`--groups "https://gitlab.com/acme"`, "not a URL"}},
		{"bad characters in groups", func(c *Gitlab) { c.Groups = []string{"acme corp"} }, []string{`--groups "acme corp"`, "not a GitLab group path"}},
		{"url as account creation group", func(c *Gitlab) { c.AccountCreationGroup = "https://gitlab.com/acme/new" }, []string{"--account-creation-group", "full path"}},
		{"bad access level", func(c *Gitlab) { c.AccountCreationAccessLevel = "owner" }, []string{`--account-creation-access-level "owner"`, "guest, planner, reporter, developer, maintainer"}},
		{"bad deprovision action", func(c *Gitlab) { c.DeprovisionAction = "ban" }, []string{`--deprovision-action "ban"`, "block, deactivate, delete"}},
		{"outage timeout not a duration", func(c *Gitlab) { c.OutageTimeout = "15" }, []string{`--outage-timeout "15"`, "positive duration", "15m"}},
		{"outage timeout negative", func(c *Gitlab) { c.OutageTimeout = "-1m" }, []string{`--outage-timeout "-1m"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(c)
			_, err := Check(c)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCheckNormalisesGroups(t *testing.T) {
	c := valid()
	c.Groups = []string{" acme ", "/acme-contractors/", "ACME", "", "42"}
	c.AccountCreationGroup = "/acme/new-hires/"
	got, err := Check(c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Groups, []string{"acme", "acme-contractors", "42"}) {
		t.Errorf("groups %q", got.Groups)
	}
	if got.AccountCreationGroup != "acme/new-hires" {
		t.Errorf("account creation group %q", got.AccountCreationGroup)
	}
}

// The schema the SDK validates: the token is required and secret, the selects refuse
// other values, defaults are what the README says.
func TestSchema(t *testing.T) {
	byName := map[string]field.SchemaField{}
	for _, f := range Config.Fields {
		byName[f.FieldName] = f
	}
	tok := byName[AccessTokenName]
	if !tok.Required || !tok.Secret {
		t.Errorf("access-token required %v secret %v", tok.Required, tok.Secret)
	}
	for name, def := range map[string]any{
		BaseURLName: DefaultBaseURL, DeploymentName: "auto",
		AccountCreationAccessLevelName: "guest", DeprovisionActionName: "block", SkipConfirmationName: false,
		AllowInsecureHTTPName: false,
	} {
		if got := byName[name].DefaultValue; got != def {
			t.Errorf("%s default %v, want %v", name, got, def)
		}
	}
	good := valid()
	if err := field.Validate(Config, good); err != nil {
		t.Fatalf("valid config refused by the SDK: %v", err)
	}
	bad := valid()
	bad.Deployment = "cloud"
	if err := field.Validate(Config, bad); err == nil || !strings.Contains(err.Error(), "deployment") {
		t.Errorf("SDK accepted --deployment cloud: %v", err)
	}
	missing := valid()
	missing.AccessToken = ""
	if err := field.Validate(Config, missing); err == nil || !strings.Contains(err.Error(), "access-token") {
		t.Errorf("SDK accepted a missing token: %v", err)
	}
	// Every schema field has a struct field (the SDK refuses to start otherwise).
	typ := reflect.TypeOf(Gitlab{})
	for name := range byName {
		found := false
		for i := 0; i < typ.NumField(); i++ {
			if typ.Field(i).Tag.Get("mapstructure") == name {
				found = true
			}
		}
		if !found {
			t.Errorf("conf.gen.go has no field for %s: run go generate ./pkg/config", name)
		}
	}
}

// Plain http to anything but loopback needs --allow-insecure-http (issue 9 point 2);
// the checked settings say when the token will travel in clear (for the warning).
func TestCheckPlainHTTP(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:8080", "http://localhost", "http://[::1]:3000"} {
		c := valid()
		c.BaseUrl = base
		got, err := Check(c)
		if err != nil || got.InsecureHTTP || got.Transport.AllowInsecureHTTP {
			t.Errorf("%s: %+v %v", base, got, err)
		}
	}
	c := valid()
	c.BaseUrl = "http://gitlab.example.com"
	_, err := Check(c)
	if err == nil {
		t.Fatal("plain http to gitlab.example.com accepted")
	}
	for _, w := range []string{"--base-url http://gitlab.example.com", "--allow-insecure-http", "BATON_ALLOW_INSECURE_HTTP=true", "https://gitlab.example.com"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message lacks %q: %v", w, err)
		}
	}
	c.AllowInsecureHttp = true
	got, err := Check(c)
	if err != nil || !got.InsecureHTTP || !got.Transport.AllowInsecureHTTP {
		t.Errorf("allowed: %+v %v", got, err)
	}
	c.BaseUrl = "https://gitlab.example.com"
	if got, err := Check(c); err != nil || got.InsecureHTTP {
		t.Errorf("https with the setting on: %+v %v", got, err)
	}
}

// --ca-cert-file is read and checked at start-up; errors name the setting (issue 9 point 3).
func TestCheckCACertFile(t *testing.T) {
	dir := t.TempDir()
	c := valid()
	c.CaCertFile = filepath.Join(dir, "missing.pem")
	if _, err := Check(c); err == nil || !strings.Contains(err.Error(), "--ca-cert-file "+c.CaCertFile) {
		t.Errorf("missing file: %v", err)
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.CaCertFile = junk
	if _, err := Check(c); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("junk file: %v", err)
	}
	good := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(good, testCACertPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	c.CaCertFile = " " + good + " "
	got, err := Check(c)
	if err != nil || got.Transport.CACertFile != good || !bytes.Contains(got.Transport.CACertPEM, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("good file: %+v %v", got.Transport, err)
	}
}

// testCACertPEM is a self-signed CA certificate made up for the test.
func testCACertPEM(t testing.TB) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// --outage-timeout reaches the transport options (issue 9 point 5).
func TestCheckOutageTimeout(t *testing.T) {
	c := valid()
	c.OutageTimeout = "90s"
	s, err := Check(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Transport.OutageTimeout != 90*time.Second {
		t.Errorf("outage timeout %v, want 90s", s.Transport.OutageTimeout)
	}
}

// --sync-api: rest (the default) or graphql; anything else names the setting.
func TestCheckSyncAPI(t *testing.T) {
	for _, c := range []struct {
		value string
		want  bool
		err   bool
	}{{"", false, false}, {"rest", false, false}, {"graphql", true, false}, {" GraphQL ", true, false}, {"soap", false, true}} {
		cfg := valid()
		cfg.SyncApi = c.value
		s, err := Check(cfg)
		if (err != nil) != c.err || (err == nil && s.GraphQL != c.want) {
			t.Errorf("--sync-api %q: GraphQL %v, error %v", c.value, s.GraphQL, err)
		}
		if err != nil && !strings.Contains(err.Error(), "--sync-api") {
			t.Errorf("error %q does not name the setting", err)
		}
	}
}
