package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// How a failed run ends (issue 9 point 6): with ONE last line on stderr saying what was
// wrong, which setting or id, and what to do, and an exit code that is the gRPC code's
// number (3 InvalidArgument, 5 NotFound, 7 PermissionDenied, 9 FailedPrecondition,
// 14 Unavailable, 16 Unauthenticated; 2 for anything else).
//
// baton-sdk v0.25.0 builds the error it returns from cmd.Execute by wrapping, and the
// connector's error crosses a gRPC boundary (the runner and the connector are two
// processes), so the text arrives as
//
//	runner: error processing task: rpc error: code = InvalidArgument desc = validate failed:
//	rpc error: code = InvalidArgument desc = --groups nosuch: no such group, ...
//
// exit.LogExit (what sdkconfig.RunConnector calls) prints that as is. cleanError keeps
// the innermost message (what the connector said) and its code. The SDK's own log
// lines (runner: error processing ..., error running connector) come before it.

// rpcPrefix is how a gRPC status error prints: "rpc error: code = <Code> desc = <message>".
var rpcPrefix = regexp.MustCompile(`rpc error: code = ([A-Za-z]+) desc = `)

// sdkPrefixes are wrappers baton-sdk puts in front of the connector's message.
var sdkPrefixes = []string{
	"runner: error processing task: ",
	"runner: error processing on-demand task: ",
	"runner: error creating connector client: ",
	"validate failed: ",
	"failed to get connector: ",
	"could not create connector ",
	"error creating connector: ",
}

var codeByName = func() map[string]codes.Code {
	m := map[string]codes.Code{}
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		m[c.String()] = c
	}
	return m
}()

// urlErrorPrefix is how net/http's *url.Error starts (`Get "https://...": `): it stays in
// front of an error the client made itself (a refused redirect), which says more.
var urlErrorPrefix = regexp.MustCompile(`^(Get|Head|Post|Put|Patch|Delete|Options) "[^"]*": `)

// requiredFlags is cobra's message for required flags not given: required flag(s) "a", "b" not set.
var requiredFlags = regexp.MustCompile(`^required flag\(s\) (.+) not set$`)

// sdkFieldError is one line of the SDK's settings validation ("errors found:" then
// "field <name>: <problem>" lines).
var sdkFieldError = regexp.MustCompile(`^field ([a-z0-9-]+): (.*)$`)

// cleanError is the one line a failed run ends with, and its exit code.
func cleanError(err error) (string, int) {
	if err == nil {
		return "", 0
	}
	msg := strings.TrimSpace(err.Error())
	code, coded := outerCode(err)

	// The innermost gRPC message, and its code.
	if locs := rpcPrefix.FindAllStringSubmatchIndex(msg, -1); len(locs) > 0 {
		last := locs[len(locs)-1]
		if c, ok := codeByName[msg[last[2]:last[3]]]; ok && c != codes.OK {
			code, coded = c, true
		}
		msg = msg[last[1]:]
	}
	for changed := true; changed; {
		changed = false
		for _, p := range sdkPrefixes {
			if strings.HasPrefix(msg, p) {
				msg, changed = strings.TrimPrefix(msg, p), true
			}
		}
	}

	msg = urlErrorPrefix.ReplaceAllString(msg, "")

	if m, ok := settingsMessage(msg); ok {
		msg = m
		if !coded {
			code, coded = codes.InvalidArgument, true
		}
	}
	if !coded {
		switch {
		case errors.Is(err, context.Canceled):
			code = codes.Canceled
		case errors.Is(err, context.DeadlineExceeded):
			code = codes.DeadlineExceeded
		default:
			code = codes.Unknown
		}
	}
	if code == codes.OK {
		code = codes.Internal
	}
	return oneLine(msg), int(code)
}

// outerCode is the code of the error as the SDK's exit package sees it.
func outerCode(err error) (codes.Code, bool) {
	st, ok := status.FromError(err)
	switch {
	case ok && st.Code() == codes.OK:
		return codes.Internal, true // an error with code OK should not happen; never exit 0 on it
	case ok && st.Code() != codes.Unknown:
		return st.Code(), true
	}
	return codes.Unknown, false
}

// settingsMessage rewrites the SDK's and cobra's messages about settings (a required
// flag not given, a value the schema refuses, an unknown flag) in the connector's style:
// the setting first, then what to do.
func settingsMessage(msg string) (string, bool) {
	if m := requiredFlags.FindStringSubmatch(msg); m != nil {
		var parts []string
		for _, name := range strings.Split(m[1], ", ") {
			name = strings.Trim(name, `"`)
			parts = append(parts, requiredSetting(name))
		}
		return strings.Join(parts, "; "), true
	}
	if strings.HasPrefix(msg, "errors found:") {
		var parts []string
		for _, line := range strings.Split(strings.TrimPrefix(msg, "errors found:"), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if m := sdkFieldError.FindStringSubmatch(line); m != nil {
				line = fmt.Sprintf("--%s: %s (set --%s or %s)", m[1], m[2], m[1], envName(m[1]))
			}
			parts = append(parts, line)
		}
		return strings.Join(parts, "; "), true
	}
	for _, p := range []string{"unknown flag: ", "unknown shorthand flag: ", "invalid argument ", "flag needs an argument: ", "unknown command "} {
		if strings.HasPrefix(msg, p) {
			return msg + ": see baton-gitlab --help", true
		}
	}
	return msg, false
}

func requiredSetting(name string) string {
	if name == "access-token" {
		return "--access-token is required: create a GitLab personal access token with the api scope and set BATON_ACCESS_TOKEN (or --access-token)"
	}
	return fmt.Sprintf("--%s is required: set --%s or %s", name, name, envName(name))
}

// envName is the environment variable of a setting: BATON_ + upper case, - → _.
func envName(setting string) string {
	return "BATON_" + strings.ToUpper(strings.ReplaceAll(setting, "-", "_"))
}

// oneLine joins a multi-line message into one line.
func oneLine(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	out := lines[:0]
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}

// exitWithError prints err's clean line on w and exits with its code (0 for nil).
func exitWithError(w io.Writer, err error) {
	msg, code := cleanError(err)
	if msg == "" && code != 0 {
		msg = fmt.Sprintf("baton-gitlab failed (%s)", codes.Code(code))
	}
	if msg != "" {
		fmt.Fprintln(w, msg)
	}
	os.Exit(code)
}
