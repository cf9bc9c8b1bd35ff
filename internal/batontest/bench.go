package batontest

import (
	"context"
	"errors"
	"fmt"
	"github.com/conductorone/baton-gitlab/pkg/connector"
	"path/filepath"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// SyncToFile runs a full sync of builder in process, as Sync does, and returns the path
// of the c1z it wrote (in t.TempDir()) without loading it: benchmarks of large worlds
// measure the sync, not reading hundreds of thousands of grants back into memory.
func SyncToFile(t testing.TB, ctx context.Context, builder connectorbuilder.ConnectorBuilderV2, opts ...Option) (string, error) {
	t.Helper()
	o := options{workers: 1}
	for _, opt := range opts {
		opt(&o)
	}
	if _, bench := t.(*testing.B); !bench {
		if _, has := ctx.Deadline(); !has {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, testSyncTimeout)
			defer cancel()
		}
	}
	builderOpts := o.builderOpts
	if c, ok := builder.(*connector.Connector); ok {
		// As cmd/baton-gitlab does: the SDK's Cleanup drops the connector's sync state.
		builderOpts = append(builderOpts, connectorbuilder.WithSessionStore(connector.SessionStoreDroppingState(nil, c)))
	}
	srv, err := connectorbuilder.NewConnector(ctx, builder, builderOpts...)
	if err != nil {
		return "", err
	}
	cc, stop, err := Serve(ctx, srv)
	if err != nil {
		return "", err
	}
	defer stop()

	dir := t.TempDir()
	path := filepath.Join(dir, "sync.c1z")
	syncOpts := []sdksync.SyncOpt{
		sdksync.WithC1ZPath(path),
		sdksync.WithTmpDir(dir),
		sdksync.WithWorkerCount(o.workers),
	}
	if !o.lenient {
		syncOpts = append(syncOpts, sdksync.WithFailFastInvariants())
	}
	syncer, err := sdksync.NewSyncer(ctx, cc, syncOpts...)
	if err != nil {
		return "", err
	}
	runErr := syncer.Sync(ctx)
	closeErr := syncer.Close(ctx)
	if err := errors.Join(runErr, closeErr); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", fmt.Errorf("the sync did not finish in time (tests bound it to %s): the connector kept answering errors the SDK's syncer retries without limit (Unavailable, DeadlineExceeded; see its 'retrying operation' warnings), or a call hung: %w", testSyncTimeout, err)
		}
		return "", err
	}
	return path, nil
}

// testSyncTimeout bounds a test's sync when its context has no deadline. The SDK's
// syncer retries Unavailable and DeadlineExceeded errors without limit (pkg/sync:
// MaxAttempts 0, up to a minute apart), so a GitLab (fake) that kept failing would hang
// the test until go test's -timeout killed the whole package without naming the sync.
// Test syncs take seconds; benchmarks are not bounded.
const testSyncTimeout = 3 * time.Minute

// Unthrottled stops the fake from sending GitLab.com's RateLimit-* headers on every
// response, so client-go's limiter never configures itself (it paces to 66% of
// RateLimit-Limit: ~22 requests/s for GitLab.com's 2,000/min). Benchmarks use it to
// count a sync's requests, the real cost, without timing the client-side pacing.
func Unthrottled() FakeOption {
	return WithServerOptions(func(o *fakegitlab.Options) { o.Faults.OmitRateLimitHeaders = true })
}

// Counts is how much a c1z holds.
type Counts struct {
	Resources    map[string]int // by resource type
	Entitlements int
	Grants       int
}

// Count counts what a c1z holds, a page at a time, without keeping it in memory.
func Count(t testing.TB, ctx context.Context, path string) (Counts, error) {
	t.Helper()
	out := Counts{Resources: map[string]int{}}
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		return out, err
	}
	defer func() { _ = store.Close(ctx) }()
	token := ""
	for {
		resp, err := store.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: token}.Build())
		if err != nil {
			return out, err
		}
		for _, r := range resp.GetList() {
			out.Resources[r.GetId().GetResourceType()]++
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for {
		resp, err := store.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: token}.Build())
		if err != nil {
			return out, err
		}
		out.Entitlements += len(resp.GetList())
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for {
		resp, err := store.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: token}.Build())
		if err != nil {
			return out, err
		}
		out.Grants += len(resp.GetList())
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return out, nil
}
