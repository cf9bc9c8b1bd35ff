package batontest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// One-shot CLI tests run the real bin/baton-gitlab. They must never drive the SDK's
// connectorrunner inside a test binary: the runner starts the connector as a subprocess
// of os.Executable(), which in a test is the test binary itself (a fork bomb).

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// repoRoot is the module root, found from this file's location.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// ConnectorBinary builds cmd/baton-gitlab once per test process and returns its path.
func ConnectorBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "baton-gitlab-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "baton-gitlab")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/baton-gitlab")
		cmd.Dir = repoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building cmd/baton-gitlab: %v\n%s", buildErr, buildOut)
	}
	return binPath
}

// CLIResult is what one run of the binary printed and how it ended.
type CLIResult struct {
	Stdout, Stderr string
	ExitCode       int
}

// RunCLI runs bin/baton-gitlab with args (and BATON_* env entries) in dir, with a
// time limit, and returns its output. The access token goes through the environment
// (BATON_ACCESS_TOKEN), as a careful operator would pass it.
func RunCLI(t testing.TB, dir string, env []string, args ...string) CLIResult {
	t.Helper()
	bin := ConnectorBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := CLIResult{Stdout: stdout.String(), Stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running baton-gitlab %v: %v", args, err)
	}
	return res
}

// RemoveConnectorBinary deletes the binaries ConnectorBinary and FakeBinary built, if
// any. Test packages that run the binary call it from TestMain once their tests are done.
func RemoveConnectorBinary() {
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	removeFakeBinary()
}
