// Command baton-gitlab is the GitLab connector for ConductorOne Baton: it syncs GitLab
// users, groups, projects and memberships into a c1z file and provisions access.
package main

import (
	"context"

	"github.com/conductorone/baton-sdk/pkg/cli"
	sdkconfig "github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorrunner"
	"github.com/conductorone/baton-sdk/pkg/exit"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/spf13/viper"

	"github.com/conductorone/baton-gitlab/pkg/config"
	"github.com/conductorone/baton-gitlab/pkg/connector"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx := context.Background()
	// sdkconfig.RunConnector, unrolled only to keep the SDK's viper: newConnector reads the
	// SDK's one-shot --create-account-* flags from it for the start-up check of account
	// creation (connector.CheckAccountCreationAtStartup).
	getConnector := func(ctx context.Context, cfg *config.Gitlab, rt cli.RunTimeOpts) (types.ConnectorServer, error) {
		c, opts, err := newConnector(ctx, cfg, &cli.ConnectorOpts{
			TokenSource:         rt.TokenSource,
			SelectedAuthMethod:  rt.SelectedAuthMethod,
			SyncResourceTypeIDs: rt.SyncResourceTypeIDs,
			EgressPolicy:        rt.EgressPolicy,
		})
		if err != nil {
			return nil, err
		}
		opts = append(opts, connectorbuilder.WithSessionStore(rt.SessionStore))
		return connectorbuilder.NewConnector(ctx, c, opts...)
	}
	vp, cmd, err := sdkconfig.DefineConfigurationV2(ctx, "baton-gitlab", getConnector, config.Config,
		// `baton-gitlab capabilities` describes the connector without settings: without
		// this option the SDK validates the configuration first and asks for the token.
		connectorrunner.WithDefaultCapabilitiesConnectorBuilderV2(connector.NewForCapabilities()),
	)
	if err != nil {
		exit.LogExit(err)
		return
	}
	sdkViper = vp
	cmd.Version = version
	if err := cmd.Execute(); err != nil {
		exit.LogExit(err)
	}
}

// sdkViper is the SDK's settings store (flags, BATON_* environment, config file),
// including the SDK's own one-shot flags.
var sdkViper *viper.Viper

// newConnector builds the connector from the settings the SDK read. No network call
// happens here; Validate talks to GitLab.
func newConnector(ctx context.Context, cfg *config.Gitlab, _ *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
	// The SDK prints the returned error and exits: no logging here, or it shows twice.
	checked, err := config.Check(cfg)
	if err != nil {
		return nil, nil, err
	}
	c, err := connector.New(ctx, settingsFrom(checked), checked.Token)
	if err != nil {
		return nil, nil, err
	}
	if sdkViper != nil {
		if err := c.CheckAccountCreationAtStartup(sdkViper.GetString("create-account-login"),
			sdkViper.GetString("create-account-email"), sdkViper.GetString("create-account-profile")); err != nil {
			return nil, nil, err
		}
	}
	return c, nil, nil
}

// settingsFrom copies the checked settings into the connector's.
func settingsFrom(c config.Checked) connector.Settings {
	return connector.Settings{
		BaseURL:                    c.BaseURL,
		Deployment:                 c.Deployment,
		AccountCreationGroup:       c.AccountCreationGroup,
		Groups:                     c.Groups,
		AccountCreationAccessLevel: c.AccountCreationAccessLevel,
		DeprovisionAction:          connector.DeprovisionAction(c.DeprovisionAction),
		SkipConfirmation:           c.SkipConfirmation,
		Version:                    version,
	}
}
