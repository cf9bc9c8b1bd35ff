package batontest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// Syncs by the real binaries, as a customer runs them: bin/baton-gitlab (built once per
// test process by ConnectorBinary) against bin/gitlab-fake (FakeBinary) in its own
// process, measured from outside (peak RSS, wall time, the fake's request counts).
// Nothing here runs unless a test or benchmark calls it: building happens on first use.

var (
	fakeBuildOnce sync.Once
	fakeBinPath   string
	fakeBuildErr  error
	fakeBuildOut  []byte
)

// FakeBinary builds cmd/gitlab-fake once per test process (CGO_ENABLED=0, into a temp
// dir that RemoveConnectorBinary deletes) and returns its path.
func FakeBinary(t testing.TB) string {
	t.Helper()
	fakeBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gitlab-fake-bin-")
		if err != nil {
			fakeBuildErr = err
			return
		}
		fakeBinPath = filepath.Join(dir, "gitlab-fake")
		cmd := exec.Command("go", "build", "-o", fakeBinPath, "./cmd/gitlab-fake")
		cmd.Dir = repoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		fakeBuildOut, fakeBuildErr = cmd.CombinedOutput()
	})
	if fakeBuildErr != nil {
		t.Fatalf("building cmd/gitlab-fake: %v\n%s", fakeBuildErr, fakeBuildOut)
	}
	return fakeBinPath
}

// removeFakeBinary deletes what FakeBinary built (RemoveConnectorBinary calls it).
func removeFakeBinary() {
	if fakeBinPath != "" {
		_ = os.RemoveAll(filepath.Dir(fakeBinPath))
	}
}

// FakeProcess is bin/gitlab-fake serving a world in its own process, on a loopback port,
// until the test ends. Its token is FakeToken.
type FakeProcess struct {
	URL  string // the instance URL, http://127.0.0.1:PORT
	Mode fakegitlab.Mode
	cmd  *exec.Cmd
	log  *lockedBuffer
}

// lockedBuffer is a goroutine-safe bytes.Buffer.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var fakeListening = regexp.MustCompile(`^gitlab-fake: listening on (http://127\.0\.0\.1:[0-9]+)$`)

// StartFakeProcess runs bin/gitlab-fake --mode mode --world world [args...] and waits
// until it listens (building a large world takes a moment). It is stopped (SIGTERM) when
// the test ends. world is gitlab-fake's --world: demo, large:U,G,P, bignode[:M,S,P].
func StartFakeProcess(t testing.TB, mode fakegitlab.Mode, world string, args ...string) *FakeProcess {
	t.Helper()
	bin := FakeBinary(t)
	args = append([]string{"--mode", string(mode), "--world", world, "--addr", "127.0.0.1:0"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "GITLAB_FAKE_TOKEN="+FakeToken)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	log := &lockedBuffer{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting gitlab-fake: %v", err)
	}
	f := &FakeProcess{Mode: mode, cmd: cmd, log: log}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		m := fakeListening.FindStringSubmatch(l)
		if !ok || m == nil {
			<-exited
			t.Fatalf("gitlab-fake %v did not start (stdout %q):\n%s", args, l, log.String())
		}
		f.URL = m[1]
	case <-time.After(2 * time.Minute):
		t.Fatalf("gitlab-fake %v did not listen within 2 minutes:\n%s", args, log.String())
	}
	return f
}

// Log is what the fake printed on stderr so far.
func (f *FakeProcess) Log() string { return f.log.String() }

// Counts is the fake's request counts since its start or the last ResetCounts
// (GET /-/fake/counts).
func (f *FakeProcess) Counts(t testing.TB) fakegitlab.CountsReport {
	t.Helper()
	var rep fakegitlab.CountsReport
	resp, err := http.Get(f.URL + "/-/fake/counts")
	if err != nil {
		t.Fatalf("GET /-/fake/counts: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /-/fake/counts: %d %v", resp.StatusCode, err)
	}
	return rep
}

// ResetCounts zeroes the fake's request counts (POST /-/fake/counts/reset).
func (f *FakeProcess) ResetCounts(t testing.TB) {
	t.Helper()
	resp, err := http.Post(f.URL+"/-/fake/counts/reset", "", nil)
	if err != nil {
		t.Fatalf("POST /-/fake/counts/reset: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /-/fake/counts/reset: %d", resp.StatusCode)
	}
}

// BinarySync is one run of bin/baton-gitlab and what it cost, measured from outside.
//
// bin/baton-gitlab is two processes: the SDK's runner re-executes itself as
// `baton-gitlab ... _connector-service`, the connector (GitLab client, per-sync cache)
// behind a gRPC server, while the first process runs the syncer and writes the c1z. Both
// are measured.
type BinarySync struct {
	C1Z      string        // the c1z written (-f)
	Wall     time.Duration // from start to exit of the first process
	ExitCode int
	Output   string // the last 64 KiB of stdout and stderr (the SDK's log), for failures

	// MaxRSS is ru_maxrss of the first process as wait4 reports it, in bytes: the larger
	// of its own peak and that of every child it reaped (Linux RUSAGE_BOTH). Whether the
	// SDK's runner reaps the connector process before exiting is a race, so this may or
	// may not include it; PeakRSS does.
	MaxRSS int64
	// SyncerHWM and ConnectorHWM are the peak RSS (VmHWM) of the syncer (first) and the
	// connector (_connector-service) processes, read from /proc every SampleEvery until
	// each exits: the last reading, exact unless the process grew in its last interval.
	SyncerHWM, ConnectorHWM int64
	// SumRSS is the largest sum of both processes' RSS (VmRSS) seen at one sampling: what
	// the two need together, e.g. under a container's memory limit.
	SumRSS  int64
	Samples int
}

// PeakRSS is the peak RSS of the largest baton-gitlab process, in bytes: the larger of
// MaxRSS (exact, from the kernel) and the sampled peaks of both processes.
func (r BinarySync) PeakRSS() int64 { return max(r.MaxRSS, r.SyncerHWM, r.ConnectorHWM) }

// SampleEvery is how often RunBinarySync reads the processes' memory from /proc.
const SampleEvery = 50 * time.Millisecond

// RunBinarySync runs `baton-gitlab --base-url URL --deployment MODE -f DIR/sync.c1z args...`
// with the token in BATON_ACCESS_TOKEN and TMPDIR=dir (the SDK's temporary files stay in
// dir), and measures it. It fails the test only when the binary cannot be started; a
// sync that fails is returned with its exit code and output. limit bounds the run
// (the process is killed after it).
func RunBinarySync(t testing.TB, dir, baseURL string, mode fakegitlab.Mode, limit time.Duration, args ...string) BinarySync {
	t.Helper()
	bin := ConnectorBinary(t)
	res := BinarySync{C1Z: filepath.Join(dir, "sync.c1z")}
	args = append([]string{"--base-url", baseURL, "--deployment", string(mode), "-f", res.C1Z}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BATON_ACCESS_TOKEN="+FakeToken, "TMPDIR="+dir)
	out := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out

	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting baton-gitlab: %v", err)
	}
	s := newTreeSampler(cmd.Process.Pid)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(SampleEvery)
		defer tick.Stop()
		for {
			s.sample()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	res.Wall = time.Since(start)
	close(stop)
	<-sampled
	// The connector process may outlive the first one for a moment (orphaned when the
	// runner exits without reaping it): follow it until it is gone, then make sure.
	for deadline := time.Now().Add(10 * time.Second); s.sample() > 0 && time.Now().Before(deadline); {
		time.Sleep(SampleEvery)
	}
	for _, pid := range s.alive() {
		t.Logf("baton-gitlab's process %d outlived the sync by 10 s: killed", pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}

	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
	default:
		t.Fatalf("running baton-gitlab: %v", err)
	}
	if ctx.Err() != nil {
		res.ExitCode = -1
		out.WriteString(fmt.Sprintf("\n(killed after %s)\n", limit))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.MaxRSS = ru.Maxrss
		if runtime.GOOS != "darwin" { // Linux: KiB; macOS: bytes
			res.MaxRSS *= 1024
		}
	}
	res.SyncerHWM, res.ConnectorHWM, res.SumRSS, res.Samples = s.result()
	res.Output = out.String()
	return res
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
	cut bool
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
		b.cut = true
	}
	return len(p), nil
}

func (b *tailBuffer) WriteString(s string) { _, _ = b.Write([]byte(s)) }

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cut {
		return "[...]" + string(b.buf)
	}
	return string(b.buf)
}

// treeSampler follows a process and its descendants through /proc (Linux; elsewhere
// it finds nothing and only MaxRSS is measured).
type treeSampler struct {
	mu    sync.Mutex
	root  int
	procs map[int]*procPeak // every process of the tree seen so far
	sum   int64
	n     int
}

type procPeak struct {
	connector bool // the `_connector-service` process
	hwm       int64
	gone      bool
}

func newTreeSampler(root int) *treeSampler {
	return &treeSampler{root: root, procs: map[int]*procPeak{}}
}

// sample reads every process of the tree once and returns how many are still alive.
func (s *treeSampler) sample() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	// New descendants: a process whose parent is in the tree.
	if ents, err := os.ReadDir("/proc"); err == nil {
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || s.procs[pid] != nil {
				continue
			}
			if pid == s.root || s.procs[parentPID(pid)] != nil {
				cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
				s.procs[pid] = &procPeak{connector: bytes.Contains(cmdline, []byte("_connector-service"))}
			}
		}
	}
	alive := 0
	var sum int64
	for pid, p := range s.procs {
		if p.gone {
			continue
		}
		if pid != s.root && !p.connector {
			// Seen between fork and exec, it still had its parent's command line.
			cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			p.connector = bytes.Contains(cmdline, []byte("_connector-service"))
		}
		rss, hwm, ok := procMemory(pid)
		if !ok {
			p.gone = true
			continue
		}
		alive++
		sum += rss
		p.hwm = max(p.hwm, hwm)
	}
	s.sum = max(s.sum, sum)
	s.n++
	return alive
}

// alive lists the processes of the tree still running.
func (s *treeSampler) alive() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for pid, p := range s.procs {
		if _, _, ok := procMemory(pid); ok && !p.gone {
			out = append(out, pid)
		}
	}
	return out
}

func (s *treeSampler) result() (syncer, connector, sum int64, samples int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for pid, p := range s.procs {
		switch {
		case pid == s.root:
			syncer = p.hwm
		case p.connector:
			connector = max(connector, p.hwm)
		}
	}
	return syncer, connector, s.sum, s.n
}

// parentPID is the parent of pid from /proc/PID/stat, 0 when unknown.
func parentPID(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// procMemory is VmRSS and VmHWM of pid in bytes; ok is false for a process that is gone
// (or a zombie, which has no memory left).
func procMemory(pid int) (rss, hwm int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, found := strings.Cut(line, ":")
		if !found || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			rss, ok = n*1024, true
		} else {
			hwm = n * 1024
		}
	}
	return rss, hwm, ok
}

// C1ZStats counts what a c1z's last sync holds (resources by type, entitlements,
// grants) with the SDK's reader statistics (SQL counts: no grant is read back, which
// for a large sync's millions would take minutes).
func C1ZStats(t testing.TB, ctx context.Context, path string) (Counts, error) {
	t.Helper()
	out := Counts{Resources: map[string]int{}}
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		return out, err
	}
	defer func() { _ = store.Close(ctx) }()
	st, err := store.SyncMeta().StatsV2(ctx, connectorstore.SyncTypeAny, "")
	if err != nil {
		return out, err
	}
	for rt, n := range st.GetResourcesByResourceType() {
		out.Resources[rt] = int(n)
	}
	out.Entitlements, out.Grants = int(st.GetEntitlements()), int(st.GetGrants())
	return out, nil
}

// GrantPrincipalsOn reads the grants on one resource of a c1z (every entitlement of
// it) and returns how many each principal ("user:42") holds there.
func GrantPrincipalsOn(t testing.TB, ctx context.Context, path, resourceType, resourceID string) (map[string]int, error) {
	t.Helper()
	out := map[string]int{}
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		return nil, err
	}
	defer func() { _ = store.Close(ctx) }()
	res := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: resourceType, Resource: resourceID}.Build()}.Build()
	for token := ""; ; {
		resp, err := store.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{Resource: res, PageToken: token}.Build())
		if err != nil {
			return nil, err
		}
		for _, g := range resp.GetList() {
			e := g.GetEntitlement().GetResource().GetId()
			if e.GetResourceType() != resourceType || e.GetResource() != resourceID {
				return nil, fmt.Errorf("grant %s is not on %s:%s", g.GetId(), resourceType, resourceID)
			}
			p := g.GetPrincipal().GetId()
			out[p.GetResourceType()+":"+p.GetResource()]++
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}
