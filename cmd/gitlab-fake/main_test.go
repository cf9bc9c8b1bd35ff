package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"golang.org/x/time/rate"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

const token = "glpat-gitlab-fake-test"

var listeningLine = regexp.MustCompile(`^gitlab-fake: listening on (http://127\.0\.0\.1:[0-9]+)\n$`)

// TestMain lets the test binary act as the command, for the subprocess test.
func TestMain(m *testing.M) {
	if os.Getenv("GITLAB_FAKE_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// syncBuffer is a goroutine-safe buffer that signals its first line.
type syncBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	line chan string
	sent bool
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{line: make(chan string, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if !b.sent {
		if i := bytes.IndexByte(b.buf.Bytes(), '\n'); i >= 0 {
			b.line <- string(b.buf.Bytes()[:i+1])
			b.sent = true
		}
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func client(t *testing.T, url string) *gitlab.Client {
	t.Helper()
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(url), gitlab.WithoutRetries(),
		gitlab.WithCustomLimiter(rate.NewLimiter(rate.Inf, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// start runs the command in-process until the test ends.
func start(t *testing.T, args ...string) (url string, stderr *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newSyncBuffer(), newSyncBuffer()
	code := make(chan int, 1)
	go func() { code <- run(ctx, args, stdout, stderr) }()
	var line string
	select {
	case line = <-stdout.line:
	case c := <-code:
		t.Fatalf("exited %d before listening: %s", c, stderr.String())
	}
	m := listeningLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("stdout line %q", line)
	}
	t.Cleanup(func() {
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("exit status %d after cancel", c)
		}
		if stdout.String() != line {
			t.Errorf("stdout has more than the listening line: %q", stdout.String())
		}
	})
	return m[1], stderr
}

func TestServesTheDemoWorld(t *testing.T) {
	for _, mode := range []string{"gitlab.com", "self-managed"} {
		url, stderr := start(t, "--token", token, "--mode", mode)
		u, _, err := client(t, url).Users.CurrentUser()
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if u.Username != "acme-admin" || u.IsAdmin != (mode == "self-managed") {
			t.Errorf("%s: GET /user = %s admin %v", mode, u.Username, u.IsAdmin)
		}
		if strings.Contains(stderr.String(), token) {
			t.Error("the token was printed")
		}
	}
}

func TestServesALargeWorld(t *testing.T) {
	url, stderr := start(t, "--token", token, "--mode", "self-managed", "--world", "large:500,20,30", "--seed", "3")
	u, _, err := client(t, url).Users.CurrentUser()
	if err != nil || u.Username != "large-admin" {
		t.Fatalf("GET /user = %v, %v", u, err)
	}
	if !strings.Contains(stderr.String(), "20 groups, 30 projects") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

func TestFaultFlagsReachTheServer(t *testing.T) {
	url, _ := start(t, "--token", token, "--mode", "self-managed", "--rate-limit", "2", "--rate-limit-no-headers", "--truncate-next", "1")
	c := client(t, url)
	if _, _, err := c.Users.CurrentUser(); err == nil {
		t.Error("first response was not truncated")
	}
	if _, _, err := c.Users.CurrentUser(); err != nil {
		t.Errorf("second: %v", err)
	}
	_, resp, err := c.Users.CurrentUser()
	if err == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "" {
		t.Errorf("third: want 429 without headers, got %v %v", resp, err)
	}
	// Counts are served outside the API.
	r, err := http.Get(url + "/-/fake/counts")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if !strings.Contains(string(b), `"GET /user": 3`) {
		t.Errorf("counts: %s", b)
	}
}

func TestGitLabRouteLimitsFlag(t *testing.T) {
	url, _ := start(t, "--token", token, "--mode", "gitlab.com", "--gitlab-route-limits", "--route-rate-limit", "GET /groups/:id=1")
	c := client(t, url)
	// --route-rate-limit replaces the preset's 400 for GET /groups/:id.
	if _, _, err := c.Groups.GetGroup(10, nil); err != nil {
		t.Fatal(err)
	}
	if _, resp, err := c.Groups.GetGroup(10, nil); err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second GET /groups/:id: %v %v", resp, err)
	}
	// The preset's GET /groups: 200 a minute.
	for i := 1; i <= 201; i++ {
		_, resp, err := c.Groups.ListGroups(nil)
		if i <= 200 && err != nil {
			t.Fatalf("GET /groups #%d: %v", i, err)
		}
		if i == 201 && (err == nil || resp.StatusCode != http.StatusTooManyRequests) {
			t.Fatalf("GET /groups #201: %v %v", resp, err)
		}
	}
	r, err := http.Get(url + "/-/fake/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var f fakegitlab.FaultsJSON
	if err := json.NewDecoder(r.Body).Decode(&f); err != nil || !f.GitLabRouteLimits {
		t.Errorf("faults: %+v %v", f, err)
	}
}

func TestBadFlagsExit2(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, "--token (or GITLAB_FAKE_TOKEN) is required"},
		{[]string{"--token", token, "--mode", "saas"}, `--mode "saas"`},
		{[]string{"--token", token, "--world", "huge"}, `--world "huge"`},
		{[]string{"--token", token, "--world", "large:10,0,5"}, "USERS and GROUPS must be positive"},
		{[]string{"--token", token, "--fault-rate", "1.5"}, "--fault-rate 1.5"},
		{[]string{"--token", token, "--latency", "soon"}, "invalid value"},
		{[]string{"--token", token, "--route-rate-limit", "groups"}, "METHOD /pattern=N"},
		{[]string{"--token", token, "--fault-statuses", "200"}, "--fault-statuses"},
		{[]string{"--token", token, "--addr", "0.0.0.0:8080"}, "refusing to listen beyond this machine"},
		{[]string{"--token", token, "--addr", ":8080"}, "refusing to listen beyond this machine"},
		{[]string{"--token", token, "--addr", "192.168.1.5:0"}, "loopback IP address (127.0.0.0/8 or ::1)"},
		{[]string{"--token", token, "--addr", "localhost"}, "want HOST:PORT"},
		{[]string{"--token", token, "extra"}, `unexpected argument "extra"`},
	}
	t.Setenv("GITLAB_FAKE_TOKEN", "")
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, &stdout, &stderr)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, code)
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr %q does not say %q", c.args, stderr.String(), c.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: stdout %q", c.args, stdout.String())
		}
	}
}

func TestTokenFromEnvironment(t *testing.T) {
	t.Setenv("GITLAB_FAKE_TOKEN", token)
	url, _ := start(t)
	if _, _, err := client(t, url).Users.CurrentUser(); err != nil {
		t.Fatal(err)
	}
}

// The real process: prints the line, serves, and exits 0 on SIGTERM.
func TestProcessStopsOnSIGTERM(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "--token", token, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "GITLAB_FAKE_RUN_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("reading stdout: %v (stderr %s)", err, stderr.String())
	}
	m := listeningLine.FindStringSubmatch(line)
	if m == nil {
		_ = cmd.Process.Kill()
		t.Fatalf("stdout line %q", line)
	}
	if _, _, err := client(t, m[1]).Version.GetVersion(); err != nil {
		t.Errorf("GET /version: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v (stderr %s)", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped after 1 API requests") {
		t.Errorf("stderr: %s", stderr.String())
	}
}
