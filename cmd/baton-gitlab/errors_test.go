package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The wrapped errors baton-sdk v0.25.0 returns, and the one line each ends the run with.
func TestCleanError(t *testing.T) {
	groups := "--groups nosuch: no such group, or the token's user cannot see it: check the group's full path (as in its URL) or numeric id"
	for _, tt := range []struct {
		name string
		err  error
		want string
		code codes.Code
	}{
		{"validate, through the runner",
			fmt.Errorf("runner: error processing task: %w", status.Error(codes.InvalidArgument,
				"validate failed: rpc error: code = InvalidArgument desc = "+groups)),
			groups, codes.InvalidArgument},
		{"validate with one level",
			fmt.Errorf("runner: error processing task: %w", status.Error(codes.Unauthenticated,
				"validate failed: reading the token's user (GET /user): GitLab rejected the access token (401 Unauthorized): create a new personal access token with the api scope and set --access-token")),
			"reading the token's user (GET /user): GitLab rejected the access token (401 Unauthorized): create a new personal access token with the api scope and set --access-token",
			codes.Unauthenticated},
		{"a provisioning refusal as text only (the code is in the text)",
			errors.New("runner: error processing on-demand task: rpc error: code = FailedPrecondition desc = cannot revoke: inherited from group acme"),
			"cannot revoke: inherited from group acme", codes.FailedPrecondition},
		{"settings error from newConnector",
			status.Error(codes.InvalidArgument, `--deployment "saas": must be auto, gitlab.com or self-managed`),
			`--deployment "saas": must be auto, gitlab.com or self-managed`, codes.InvalidArgument},
		{"cobra's required flag",
			errors.New(`required flag(s) "access-token" not set`),
			"--access-token is required: create a GitLab personal access token with the api scope and set BATON_ACCESS_TOKEN (or --access-token)",
			codes.InvalidArgument},
		{"the SDK's schema validation, two fields",
			errors.New("errors found:\nfield deployment: value must be one of [auto gitlab.com self-managed] but got 'x'\nfield deprovision-action: value must be one of [block deactivate delete] but got 'y'"),
			"--deployment: value must be one of [auto gitlab.com self-managed] but got 'x' (set --deployment or BATON_DEPLOYMENT); " +
				"--deprovision-action: value must be one of [block deactivate delete] but got 'y' (set --deprovision-action or BATON_DEPROVISION_ACTION)",
			codes.InvalidArgument},
		{"a refused redirect, wrapped by net/http",
			fmt.Errorf("runner: error processing task: %w", status.Error(codes.FailedPrecondition,
				`validate failed: Get "http://localhost:1/api/v4/user": GitLab at http://127.0.0.1:2 redirected to http://localhost:1/api/v4/user, another host: not followed`)),
			"GitLab at http://127.0.0.1:2 redirected to http://localhost:1/api/v4/user, another host: not followed", codes.FailedPrecondition},
		{"unknown flag", errors.New("unknown flag: --nosuch"), "unknown flag: --nosuch: see baton-gitlab --help", codes.InvalidArgument},
		{"plain error", errors.New("something\nbroke"), "something; broke", codes.Unknown},
		{"canceled", fmt.Errorf("runner: %w", context.Canceled), "runner: context canceled", codes.Canceled},
		{"status OK never exits 0", okStatusError{}, "odd", codes.Internal},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, code := cleanError(tt.err)
			if got != tt.want || code != int(tt.code) {
				t.Errorf("cleanError:\n got %q (%d)\nwant %q (%d)", got, code, tt.want, tt.code)
			}
			if strings.Contains(got, "rpc error") || strings.Contains(got, "\n") {
				t.Errorf("not one clean line: %q", got)
			}
		})
	}
	if msg, code := cleanError(nil); msg != "" || code != 0 {
		t.Errorf("nil: %q %d", msg, code)
	}
}

// okStatusError is an error whose gRPC status says OK.
type okStatusError struct{}

func (okStatusError) Error() string              { return "odd" }
func (okStatusError) GRPCStatus() *status.Status { return status.New(codes.OK, "ok") }
