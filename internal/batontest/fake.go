package batontest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// FakeToken is the access token the fake GitLab accepts in tests.
const FakeToken = "glpat-batontest-0123456789"

// Fake is a fake GitLab serving a world for one test, and a connector configured
// against it.
type Fake struct {
	Server    *fakegitlab.Server
	URL       string
	Mode      fakegitlab.Mode
	Connector *connector.Connector
	// Settings are what Connector was built with.
	Settings connector.Settings

	log *requestLog
}

// FastRetry retries quickly: tests must not wait seconds for a backoff.
var FastRetry = gitlabapi.RetryPolicy{
	MaxRetries:       3,
	WaitMin:          time.Millisecond,
	WaitMax:          10 * time.Millisecond,
	MaxRateLimitWait: 100 * time.Millisecond,
}

// Request is one API request the fake received.
type Request struct {
	Method string
	Path   string // escaped path relative to /api/v4, e.g. "/groups/11/members"
	Query  url.Values
}

// requestLog records every request the fake receives.
type requestLog struct {
	mu   sync.Mutex
	reqs []Request
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rel, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4"); ok {
			l.mu.Lock()
			l.reqs = append(l.reqs, Request{Method: r.Method, Path: rel, Query: r.URL.Query()})
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// Requests returns every API request the fake has received so far, in order.
func (f *Fake) Requests() []Request {
	f.log.mu.Lock()
	defer f.log.mu.Unlock()
	return append([]Request(nil), f.log.reqs...)
}

// ResetRequests forgets the recorded requests and the fake's own counts.
func (f *Fake) ResetRequests() {
	f.log.mu.Lock()
	f.log.reqs = nil
	f.log.mu.Unlock()
	f.Server.ResetCounts()
}

// FakeOption changes the fake or the connector's settings before the connector is built.
type FakeOption func(*fakeConfig)

type fakeConfig struct {
	server   fakegitlab.Options
	settings connector.Settings
}

// WithGroups limits the sync to these group paths (--groups).
func WithGroups(paths ...string) FakeOption {
	return func(c *fakeConfig) { c.settings.Groups = append(c.settings.Groups, paths...) }
}

// WithServerOptions changes the fake server's options (faults, token scopes...). Mode
// and Token are set by NewFake.
func WithServerOptions(f func(*fakegitlab.Options)) FakeOption {
	return func(c *fakeConfig) { f(&c.server) }
}

// WithSettings changes the connector's settings (BaseURL and Deployment are set by
// NewFake from the fake).
func WithSettings(f func(*connector.Settings)) FakeOption {
	return func(c *fakeConfig) { f(&c.settings) }
}

// NewFake serves world in mode for the length of the test and builds a connector for
// it: deployment gitlab.com or self-managed to match the mode, fast retries, and the
// connector's clock set to the world's clock (World.Now) so membership expiry is
// judged as the world says.
func NewFake(t testing.TB, mode fakegitlab.Mode, world *fakegitlab.World, opts ...FakeOption) *Fake {
	t.Helper()
	cfg := fakeConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	now := world.Now
	cfg.server.Mode = mode
	cfg.server.Token = FakeToken
	srv := fakegitlab.New(world, cfg.server)
	log := &requestLog{}
	ts := httptest.NewServer(log.wrap(srv))
	t.Cleanup(ts.Close)
	url := ts.URL

	s := cfg.settings
	s.BaseURL = url
	s.Deployment = gitlabapi.GitLabCom
	if mode == fakegitlab.ModeSelfManaged {
		s.Deployment = gitlabapi.SelfManaged
	}
	if s.Retry.MaxRetries == 0 && s.Retry.WaitMin == 0 && s.Retry.WaitMax == 0 {
		s.Retry = FastRetry
	}
	c, err := connector.New(context.Background(), s, FakeToken)
	if err != nil {
		t.Fatalf("building the connector against the fake: %v", err)
	}
	if !now.IsZero() {
		c.SetClock(func() time.Time { return now })
	}
	return &Fake{Server: srv, URL: url, Mode: mode, Connector: c, Settings: s, log: log}
}

// NewDemo is NewFake with the demo world of mode.
func NewDemo(t testing.TB, mode fakegitlab.Mode, opts ...FakeOption) *Fake {
	t.Helper()
	return NewFake(t, mode, fakegitlab.DemoWorld(mode), opts...)
}
