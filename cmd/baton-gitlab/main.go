// Command baton-gitlab is the GitLab connector for ConductorOne Baton: it syncs GitLab
// users, groups, projects and memberships into a c1z file and provisions access.
package main

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/conductorone/baton-sdk/pkg/cli"
	sdkconfig "github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorrunner"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-gitlab/pkg/config"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// defaultArgs adjusts the command line before the SDK reads it: the Lambda build
// (main_lambda.go) starts its `lambda` command when the Lambda runtime starts it bare.
var defaultArgs = func(args []string) []string { return args }

func main() {
	ctx := context.Background()
	os.Args = defaultArgs(os.Args)
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
		store := rt.SessionStore
		if gc, ok := c.(*connector.Connector); ok {
			// Cleanup at the end of a sync clears the session store: drop the sync's state too.
			store = connector.SessionStoreDroppingState(store, gc)
		}
		opts = append(opts, connectorbuilder.WithSessionStore(store))
		return connectorbuilder.NewConnector(ctx, c, opts...)
	}
	vp, cmd, err := sdkconfig.DefineConfigurationV2(ctx, "baton-gitlab", getConnector, config.Config,
		// `baton-gitlab capabilities` describes the connector without settings: without
		// this option the SDK validates the configuration first and asks for the token.
		connectorrunner.WithDefaultCapabilitiesConnectorBuilderV2(connector.NewForCapabilities()),
	)
	if err != nil {
		exitWithError(os.Stderr, err)
		return
	}
	sdkViper = vp
	installFailureSink(vp) // exit_race.go: a failed run never exits 0
	cmd.Version = version
	// A failed run ends at once with one clean line (errors.go): right after the SDK's
	// command returns, before cobra, to keep short the window in which the SDK's exit of
	// a one-shot run (its connector subprocess killed on the way out) can win the race
	// with this exit and end the process with 0.
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if err := run(c, args); err != nil {
				exitWithError(os.Stderr, err)
			}
			return nil
		}
	}
	exitWithError(os.Stderr, cmd.Execute())
}

// sdkViper is the SDK's settings store (flags, BATON_* environment, config file),
// including the SDK's own one-shot flags.
var sdkViper *viper.Viper

// newConnector builds the connector from the settings the SDK read. No network call
// happens here; Validate talks to GitLab.
func newConnector(ctx context.Context, cfg *config.Gitlab, _ *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
	// main prints the returned error and exits: no logging here, or it shows twice.
	checked, err := config.Check(cfg)
	if err != nil {
		return nil, nil, settingsError(err)
	}
	if checked.InsecureHTTP && !connectorService() {
		ctxzap.Extract(ctx).Warn(insecureHTTPWarning(checked.BaseURL))
	}
	// The connector builds its GitLab client from ctx's transport options (plain http
	// allowed, the CA bundle): connector.Settings does not carry them.
	ctx = gitlabapi.WithTransportOptions(ctx, checked.Transport)
	c, err := connector.New(ctx, settingsFrom(checked), checked.Token)
	if err != nil {
		return nil, nil, settingsError(err)
	}
	if sdkViper != nil {
		if err := c.CheckAccountCreationAtStartup(sdkViper.GetString("create-account-login"),
			sdkViper.GetString("create-account-email"), sdkViper.GetString("create-account-profile")); err != nil {
			return nil, nil, settingsError(err)
		}
	}
	return c, nil, nil
}

// settingsError: an error found in the settings before any request is InvalidArgument
// (exit code 3) unless it already carries a gRPC code.
func settingsError(err error) error {
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.InvalidArgument, err.Error())
}

// insecureHTTPWarning is logged on every run with --allow-insecure-http and a plain
// http base URL to a host that is not this machine.
func insecureHTTPWarning(baseURL string) string {
	return fmt.Sprintf("gitlab: --%s is set and --%s %s is plain http: the access token and everything synced travel unencrypted "+
		"and can be read or changed on the way; use GitLab's https URL and unset --%s (BATON_ALLOW_INSECURE_HTTP)",
		config.AllowInsecureHTTPName, config.BaseURLName, baseURL, config.AllowInsecureHTTPName)
}

// connectorService reports the SDK's connector subprocess (`baton-gitlab ...
// _connector-service`, started by the runner with the same arguments): the runner
// process has already logged the start-up warnings.
func connectorService() bool {
	return slices.Contains(os.Args[1:], "_connector-service")
}

// settingsFrom copies the checked settings into the connector's.
func settingsFrom(c config.Checked) connector.Settings {
	return connector.Settings{
		BaseURL:                     c.BaseURL,
		Deployment:                  c.Deployment,
		AccountCreationGroup:        c.AccountCreationGroup,
		Groups:                      c.Groups,
		AccountCreationAccessLevel:  c.AccountCreationAccessLevel,
		DeprovisionAction:           connector.DeprovisionAction(c.DeprovisionAction),
		SkipConfirmation:            c.SkipConfirmation,
		DeployCredentialsPerProject: c.DeployCredentialsPerProject,
		SSHKeysPerUser:              c.SSHKeysPerUser,
		Version:                     version,
		GraphQL:                     c.GraphQL,
	}
}
