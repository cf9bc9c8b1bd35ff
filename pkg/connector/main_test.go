package connector

import (
	"fmt"
	"os"
	"testing"
)

// TestMain guards against a fork bomb: baton-sdk's connectorrunner starts the connector
// as a subprocess of os.Executable() with "_connector-service" appended. In a test binary
// that subprocess is the test binary again, which would run the tests again, start
// another runner, and so on. One-shot CLI tests must run the real bin/baton-gitlab
// instead; a test binary asked to be a connector service refuses at once.
func TestMain(m *testing.M) {
	for _, a := range os.Args[1:] {
		if a == "_connector-service" {
			fmt.Fprintln(os.Stderr, "connector tests: refusing to act as _connector-service (use the built binary for one-shot CLI tests)")
			os.Exit(3)
		}
	}
	os.Exit(m.Run())
}
