package main

import (
	"os"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/batontest"
)

// TestMain removes the binary the one-shot CLI tests built (batontest.RunCLI), and
// refuses to act as the SDK's connector subprocess (see pkg/connector/main_test.go).
func TestMain(m *testing.M) {
	for _, a := range os.Args[1:] {
		if a == "_connector-service" {
			os.Exit(3)
		}
	}
	code := m.Run()
	batontest.RemoveConnectorBinary()
	os.Exit(code)
}
