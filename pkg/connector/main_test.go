package connector_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/batontest"
)

// TestMain guards against a fork bomb: baton-sdk's connectorrunner starts the connector
// as a subprocess of os.Executable() with "_connector-service" appended. In a test binary
// that subprocess is the test binary again, which would run the tests again, start
// another runner, and so on. One-shot CLI tests run the real bin/baton-gitlab
// (batontest.RunCLI) instead; a test binary asked to be a connector service refuses at
// once. It also removes the binary those tests built.
func TestMain(m *testing.M) {
	for _, a := range os.Args[1:] {
		if a == "_connector-service" {
			fmt.Fprintln(os.Stderr, "connector tests: refusing to act as _connector-service (use the built binary for one-shot CLI tests)")
			os.Exit(3)
		}
	}
	code := m.Run()
	batontest.RemoveConnectorBinary()
	os.Exit(code)
}
