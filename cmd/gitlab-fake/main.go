// Command gitlab-fake serves the project's fake GitLab (internal/fakegitlab) on a loopback
// port, for demos, manual runs of the connector and benchmarks:
//
//	gitlab-fake --token T [--mode gitlab.com|self-managed]
//	            [--world demo|large:USERS,GROUPS,PROJECTS|bignode[:MEMBERS,SUBGROUPS,PROJECTS]]
//	            [--seed N] [--addr 127.0.0.1:0] [fault flags]
//
// When it is ready it prints exactly one line on stdout,
//
//	gitlab-fake: listening on http://127.0.0.1:PORT
//
// and serves until SIGINT or SIGTERM. The URL is the instance URL: the API is under
// /api/v4, request counts under /-/fake/counts. The token may also come from the
// GITLAB_FAKE_TOKEN environment variable, which keeps it out of the process list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is the parsed command line.
type config struct {
	addr   string
	token  string
	mode   fakegitlab.Mode
	world  string
	large  fakegitlab.LargeSpec
	seed   int64
	faults fakegitlab.Faults

	// bignode is set for --world bignode[:...] (fakegitlab.BigGroupWorld).
	bignode *fakegitlab.BigGroupSpec
}

// routeLimits collects repeated --route-rate-limit "GET /groups=50" flags.
type routeLimits map[string]int

func (r routeLimits) String() string { return fmt.Sprint(map[string]int(r)) }

func (r routeLimits) Set(v string) error {
	route, n, ok := strings.Cut(v, "=")
	limit, err := strconv.Atoi(n)
	if !ok || err != nil || limit < 1 || !strings.Contains(route, " /") {
		return fmt.Errorf(`want "METHOD /pattern=N", e.g. "GET /groups=50"`)
	}
	r[route] = limit
	return nil
}

// parse reads the flags; errors are the user's to fix (exit 2).
func parse(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("gitlab-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	var mode, statuses string
	routes := routeLimits{}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address: a loopback IP (127.0.0.0/8 or ::1) and a port (0 picks one)")
	fs.StringVar(&c.token, "token", "", "the personal access token clients must send (or GITLAB_FAKE_TOKEN)")
	fs.StringVar(&mode, "mode", string(fakegitlab.ModeGitLabCom), "deployment to imitate: gitlab.com or self-managed")
	fs.StringVar(&c.world, "world", "demo", "world to serve: demo, large:USERS,GROUPS,PROJECTS, or bignode[:MEMBERS,SUBGROUPS,PROJECTS] (one top-level group of 30,000 members, 250 subgroups, 250 projects by default)")
	fs.Int64Var(&c.seed, "seed", 1, "seed of the large and bignode worlds and of random faults")
	f := &c.faults
	fs.DurationVar(&f.Latency, "latency", 0, "latency added to every API request (e.g. 50ms)")
	fs.IntVar(&f.RateLimit, "rate-limit", 0, "API requests allowed per token per period (0: no limit)")
	fs.DurationVar(&f.RateLimitPeriod, "rate-limit-period", time.Minute, "period of --rate-limit")
	fs.BoolVar(&f.RateLimitNoHeaders, "rate-limit-no-headers", false, "answer throttled requests without Retry-After and RateLimit-* headers")
	fs.BoolVar(&f.OmitRateLimitHeaders, "omit-rate-limit-headers", false, "do not send RateLimit-* headers on ordinary responses")
	fs.BoolVar(&f.GitLabRouteLimits, "gitlab-route-limits", false, "apply GitLab's documented default per-endpoint limits (GET /groups 200/min, GET /groups/:id 400/min, GET /groups/:id/projects 600/min, members/all, member deletion, projects, users); --route-rate-limit entries replace them")
	fs.Var(routes, "route-rate-limit", `per-endpoint limit per period, "METHOD /pattern=N" (repeatable), e.g. "GET /groups=50"`)
	fs.Float64Var(&f.ErrorRate, "fault-rate", 0, "fraction (0..1) of API requests answered with a random error, unapplied")
	fs.StringVar(&statuses, "fault-statuses", "", "statuses of random errors, comma-separated (default 500,502,503,429)")
	fs.IntVar(&f.FailNextRequests, "fail-next", 0, "answer the first N API requests with --fail-status")
	fs.IntVar(&f.FailStatus, "fail-status", http.StatusServiceUnavailable, "status of --fail-next")
	fs.Float64Var(&f.LostWriteRate, "lost-write-rate", 0, "fraction (0..1) of successful writes applied but answered 502")
	fs.IntVar(&f.LoseNextWrites, "lose-next-writes", 0, "apply the first N successful writes but answer 502")
	fs.Float64Var(&f.TruncateRate, "truncate-rate", 0, "fraction (0..1) of successful JSON responses cut in half")
	fs.IntVar(&f.TruncateNext, "truncate-next", 0, "cut the first N successful JSON responses in half")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.token == "" {
		c.token = os.Getenv("GITLAB_FAKE_TOKEN")
	}
	if c.token == "" {
		return nil, errors.New("--token (or GITLAB_FAKE_TOKEN) is required")
	}
	switch fakegitlab.Mode(mode) {
	case fakegitlab.ModeGitLabCom, fakegitlab.ModeSelfManaged:
		c.mode = fakegitlab.Mode(mode)
	default:
		return nil, fmt.Errorf("--mode %q: want gitlab.com or self-managed", mode)
	}
	if c.world == "bignode" || strings.HasPrefix(c.world, "bignode:") {
		spec, err := parseBigNode(c.world, c.seed)
		if err != nil {
			return nil, err
		}
		c.bignode = &spec
	} else if c.world != "demo" {
		sizes, ok := strings.CutPrefix(c.world, "large:")
		parts := strings.Split(sizes, ",")
		if !ok || len(parts) != 3 {
			return nil, fmt.Errorf("--world %q: want demo, large:USERS,GROUPS,PROJECTS or bignode[:MEMBERS,SUBGROUPS,PROJECTS]", c.world)
		}
		var n [3]int
		for i, p := range parts {
			v, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || v < 0 || (i < 2 && v < 1) {
				return nil, fmt.Errorf("--world %q: USERS and GROUPS must be positive, PROJECTS at least 0", c.world)
			}
			n[i] = v
		}
		c.large = fakegitlab.LargeSpec{Users: n[0], Groups: n[1], Projects: n[2], Seed: c.seed}
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"--fault-rate", f.ErrorRate}, {"--lost-write-rate", f.LostWriteRate}, {"--truncate-rate", f.TruncateRate}} {
		if r.v < 0 || r.v > 1 {
			return nil, fmt.Errorf("%s %v: want a fraction between 0 and 1", r.name, r.v)
		}
	}
	if f.Latency < 0 || f.RateLimit < 0 || f.RateLimitPeriod <= 0 || f.FailNextRequests < 0 || f.LoseNextWrites < 0 || f.TruncateNext < 0 {
		return nil, errors.New("durations, limits and counts must not be negative (and --rate-limit-period positive)")
	}
	if f.FailStatus < 400 || f.FailStatus > 599 {
		return nil, fmt.Errorf("--fail-status %d: want a 4xx or 5xx status", f.FailStatus)
	}
	if statuses != "" {
		for _, s := range strings.Split(statuses, ",") {
			st, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || st < 400 || st > 599 {
				return nil, fmt.Errorf("--fault-statuses %q: want 4xx/5xx statuses, comma-separated", statuses)
			}
			f.ErrorStatuses = append(f.ErrorStatuses, st)
		}
	}
	if len(routes) > 0 {
		f.RouteRateLimits = routes
	}
	f.Seed = c.seed
	if err := checkLoopback(c.addr); err != nil {
		return nil, err
	}
	return c, nil
}

// parseBigNode reads --world bignode (fakegitlab.DefaultBigGroupSpec) or
// bignode:MEMBERS,SUBGROUPS,PROJECTS.
func parseBigNode(world string, seed int64) (fakegitlab.BigGroupSpec, error) {
	spec := fakegitlab.DefaultBigGroupSpec
	spec.Seed = seed
	sizes, ok := strings.CutPrefix(world, "bignode:")
	if !ok {
		return spec, nil
	}
	parts := strings.Split(sizes, ",")
	if len(parts) != 3 {
		return spec, fmt.Errorf("--world %q: want bignode or bignode:MEMBERS,SUBGROUPS,PROJECTS", world)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 || (i == 0 && v < 1) {
			return spec, fmt.Errorf("--world %q: MEMBERS must be positive, SUBGROUPS and PROJECTS at least 0", world)
		}
		n[i] = v
	}
	spec.Members, spec.Subgroups, spec.Projects = n[0], n[1], n[2]
	return spec, nil
}

// checkLoopback refuses any address but a loopback IP: the fake accepts a fixed token
// and must never be reachable from the network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT, e.g. 127.0.0.1:0 (%v)", addr, err)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: refusing to listen beyond this machine; use a loopback IP address (127.0.0.0/8 or ::1)", addr)
	}
	return nil
}

// run is the whole program; it returns the exit status (2 for bad flags).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "gitlab-fake:", err)
		return 2
	}
	var w *fakegitlab.World
	if c.world == "demo" {
		w = fakegitlab.DemoWorld(c.mode)
	} else if c.bignode != nil {
		w = fakegitlab.BigGroupWorld(*c.bignode, c.mode)
	} else {
		w = fakegitlab.LargeWorld(c.large, c.mode)
	}
	users, groups, projects := len(w.Users), len(w.Groups), len(w.Projects)
	s := fakegitlab.New(w, fakegitlab.Options{Mode: c.mode, Token: c.token, Faults: c.faults})

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		fmt.Fprintln(stderr, "gitlab-fake:", err)
		return 1
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	fmt.Fprintf(stderr, "gitlab-fake: %s mode, world %s: %d users, %d groups, %d projects\n",
		c.mode, c.world, users, groups, projects)
	fmt.Fprintf(stdout, "gitlab-fake: listening on http://%s\n", ln.Addr().String())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}

	select {
	case err := <-served:
		fmt.Fprintln(stderr, "gitlab-fake:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		_ = srv.Close()
	}
	fmt.Fprintf(stderr, "gitlab-fake: stopped after %d API requests\n", s.TotalRequests())
	return 0
}
