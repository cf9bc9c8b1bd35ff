//go:build baton_lambda_support

package main

import "os"

// The AWS Lambda build (`make lambda`: go build -tags baton_lambda_support). baton-sdk
// v0.25.0 adds its `lambda` command to the binary under this tag (cli/lambda_server__added.go):
// the function serves ConductorOne's requests, its settings come from ConductorOne.
//
// In a zip on the provided.al2023 runtime the binary is `bootstrap`, started without
// arguments; there the Lambda runtime's environment (AWS_LAMBDA_RUNTIME_API) makes a bare
// start run `lambda` instead of a one-shot sync. A container image can keep naming the
// command (ENTRYPOINT [..., "lambda"], Dockerfile.lambda).
func init() {
	defaultArgs = func(args []string) []string {
		if len(args) == 1 && os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
			return append(args, "lambda")
		}
		return args
	}
}
