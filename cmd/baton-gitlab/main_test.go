package main

import (
	"context"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/config"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// The builder makes no network call: an address nothing listens on is fine.
func TestNewConnectorFromSettings(t *testing.T) {
	ctx := context.Background()
	b, opts, err := newConnector(ctx, &config.Gitlab{
		AccessToken: "t", BaseUrl: "http://127.0.0.1:1", Deployment: "auto",
		AccountCreationAccessLevel: "developer", DeprovisionAction: "deactivate",
		Groups: []string{"acme"},
	}, nil)
	if err != nil || b == nil || len(opts) != 0 {
		t.Fatalf("builder %v opts %v err %v", b, opts, err)
	}
	s := settingsFrom(config.Checked{
		BaseURL: "https://gitlab.com", Deployment: "gitlab.com", AccountCreationGroup: "acme/new",
		Groups: []string{"acme"}, AccountCreationAccessLevel: gitlab.DeveloperPermissions,
		DeprovisionAction: "delete", SkipConfirmation: true, GraphQL: true,
	})
	if s.DeprovisionAction != connector.DeprovisionDelete || s.AccountCreationGroup != "acme/new" ||
		s.AccountCreationAccessLevel != gitlab.DeveloperPermissions || !s.SkipConfirmation || !s.GraphQL || s.Version != version {
		t.Errorf("settings %+v", s)
	}
	if _, _, err := newConnector(ctx, &config.Gitlab{AccessToken: "t", BaseUrl: "gitlab.example.com"}, nil); err == nil ||
		!strings.Contains(err.Error(), "--base-url") {
		t.Errorf("bad base URL: %v", err)
	}
}

// `baton-gitlab capabilities` runs on NewForCapabilities: no token, no network.
func TestCapabilitiesWithoutToken(t *testing.T) {
	ctx := context.Background()
	srv, err := connectorbuilder.NewConnector(ctx, connector.NewForCapabilities())
	if err != nil {
		t.Fatal(err)
	}
	md, err := srv.GetMetadata(ctx, &v2.ConnectorServiceGetMetadataRequest{})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, rc := range md.GetMetadata().GetCapabilities().GetResourceTypeCapabilities() {
		types[rc.GetResourceType().GetId()] = true
	}
	for _, want := range []string{"user", "group", "project"} {
		if !types[want] {
			t.Errorf("capabilities lack resource type %q: %v", want, types)
		}
	}
}
