// Package batontest runs a connector's full sync in process, the way the baton CLI
// does (connectorbuilder → gRPC → syncer → c1z file), and reads the c1z back with
// helpers to find resources, entitlements and grants. Tests assert on what the
// platform would receive, not on the connector's internals.
//
//	fake := batontest.NewFake(t, fakegitlab.ModeGitLabCom, fakegitlab.DemoWorld(fakegitlab.ModeGitLabCom))
//	c1z := batontest.Sync(t, ctx, fake.Connector)
//	g := c1z.GrantFor("group:11:developer", "user", "102")
package batontest

import (
	"context"
	"encoding/json"
	"net"
	"sort"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorclient"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// options of Sync.
type options struct {
	workers     int
	lenient     bool
	builderOpts []connectorbuilder.Opt
}

// Option changes how Sync runs.
type Option func(*options)

// WithWorkers runs the sync with n parallel workers (the CLI's --workers N).
func WithWorkers(n int) Option { return func(o *options) { o.workers = n } }

// Lenient turns off the SDK's fail-fast ingestion invariants (dangling grant
// principals or entitlements fail the sync by default here, as they should in tests).
func Lenient() Option { return func(o *options) { o.lenient = true } }

// WithBuilderOptions passes options to connectorbuilder.NewConnector.
func WithBuilderOptions(opts ...connectorbuilder.Opt) Option {
	return func(o *options) { o.builderOpts = append(o.builderOpts, opts...) }
}

// Sync runs a full sync of builder in process and returns what the c1z holds. It
// fails the test on any error. The c1z lives in t.TempDir().
func Sync(t testing.TB, ctx context.Context, builder connectorbuilder.ConnectorBuilderV2, opts ...Option) *C1Z {
	t.Helper()
	c, err := SyncE(t, ctx, builder, opts...)
	if err != nil {
		t.Fatalf("sync failed: %v", err)
	}
	return c
}

// SyncE is Sync returning the sync's error instead of failing the test (for tests of
// failures).
func SyncE(t testing.TB, ctx context.Context, builder connectorbuilder.ConnectorBuilderV2, opts ...Option) (*C1Z, error) {
	t.Helper()
	path, err := SyncToFile(t, ctx, builder, opts...)
	if err != nil {
		return nil, err
	}
	return Read(t, ctx, path)
}

// Serve serves a connector server over an in-memory gRPC connection (bufconn) and
// returns a client for it, as the CLI's subprocess connection would be.
func Serve(ctx context.Context, srv types.ConnectorServer) (types.ConnectorClient, func(), error) {
	lis := bufconn.Listen(1 << 20)
	// The connector's calls log to ctx's logger (ctxzap), as a test that observes logs
	// expects: the server side of a gRPC call has a context of its own.
	logger := ctxzap.Extract(ctx)
	gs := grpc.NewServer(grpc.UnaryInterceptor(func(sctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(ctxzap.ToContext(sctx, logger), req)
	}))
	v2.RegisterConnectorServiceServer(gs, srv)
	v2.RegisterGrantsServiceServer(gs, srv)
	v2.RegisterEntitlementsServiceServer(gs, srv)
	v2.RegisterResourcesServiceServer(gs, srv)
	v2.RegisterResourceTypesServiceServer(gs, srv)
	v2.RegisterAssetServiceServer(gs, srv)
	v2.RegisterEventServiceServer(gs, srv)
	v2.RegisterResourceGetterServiceServer(gs, srv)
	v2.RegisterTicketsServiceServer(gs, srv)
	v2.RegisterActionServiceServer(gs, srv)
	v2.RegisterGrantManagerServiceServer(gs, srv)
	v2.RegisterResourceManagerServiceServer(gs, srv)
	v2.RegisterResourceDeleterServiceServer(gs, srv)
	v2.RegisterAccountManagerServiceServer(gs, srv)
	v2.RegisterCredentialManagerServiceServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///batontest",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(context.Context, string) (net.Conn, error) { return lis.DialContext(ctx) }),
	)
	if err != nil {
		gs.Stop()
		return nil, nil, err
	}
	stop := func() {
		_ = conn.Close()
		gs.Stop()
		_ = lis.Close()
	}
	return connectorclient.NewConnectorClient(ctx, conn), stop, nil
}

// C1Z is everything a sync wrote: resources, entitlements and grants of the sync.
type C1Z struct {
	Path         string
	Resources    []*v2.Resource
	Entitlements []*v2.Entitlement
	Grants       []*v2.Grant
}

// Lines renders every resource, entitlement and grant of the c1z as canonical JSON, one
// line each ("resource {...}"), sorted; base (a fake's URL: each has its own port) is
// written BASE, so that two syncs of one world compare line by line.
func (c *C1Z) Lines(t testing.TB, base string) []string {
	t.Helper()
	var out []string
	add := func(kind string, m proto.Message) {
		b, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		_ = json.Unmarshal(b, &v)
		canon, _ := json.Marshal(v) // protojson's spacing varies
		line := string(canon)
		if base != "" {
			line = strings.ReplaceAll(line, base, "BASE")
		}
		out = append(out, kind+" "+line)
	}
	for _, r := range c.Resources {
		add("resource", r)
	}
	for _, e := range c.Entitlements {
		add("entitlement", e)
	}
	for _, g := range c.Grants {
		add("grant", g)
	}
	sort.Strings(out)
	return out
}

// Read opens a c1z read-only and loads every resource, entitlement and grant.
func Read(t testing.TB, ctx context.Context, path string) (*C1Z, error) {
	t.Helper()
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		return nil, err
	}
	defer func() { _ = store.Close(ctx) }()
	out := &C1Z{Path: path}
	token := ""
	for {
		resp, err := store.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: token}.Build())
		if err != nil {
			return nil, err
		}
		out.Resources = append(out.Resources, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for {
		resp, err := store.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: token}.Build())
		if err != nil {
			return nil, err
		}
		out.Entitlements = append(out.Entitlements, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for {
		resp, err := store.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: token}.Build())
		if err != nil {
			return nil, err
		}
		out.Grants = append(out.Grants, resp.GetList()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return out, nil
}

// ResourcesOfType returns the resources of one type, ordered by id.
func (c *C1Z) ResourcesOfType(resourceType string) []*v2.Resource {
	var out []*v2.Resource
	for _, r := range c.Resources {
		if r.GetId().GetResourceType() == resourceType {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetId().GetResource() < out[j].GetId().GetResource() })
	return out
}

// ResourceIDs returns the ids of the resources of one type.
func (c *C1Z) ResourceIDs(resourceType string) []string {
	var out []string
	for _, r := range c.ResourcesOfType(resourceType) {
		out = append(out, r.GetId().GetResource())
	}
	return out
}

// Resource finds a resource by type and id (nil when absent).
func (c *C1Z) Resource(resourceType, id string) *v2.Resource {
	for _, r := range c.Resources {
		if r.GetId().GetResourceType() == resourceType && r.GetId().GetResource() == id {
			return r
		}
	}
	return nil
}

// Entitlement finds an entitlement by id ("group:11:developer"); nil when absent.
func (c *C1Z) Entitlement(id string) *v2.Entitlement {
	for _, e := range c.Entitlements {
		if e.GetId() == id {
			return e
		}
	}
	return nil
}

// EntitlementsOf returns the entitlements of one resource.
func (c *C1Z) EntitlementsOf(resourceType, id string) []*v2.Entitlement {
	var out []*v2.Entitlement
	for _, e := range c.Entitlements {
		rid := e.GetResource().GetId()
		if rid.GetResourceType() == resourceType && rid.GetResource() == id {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetId() < out[j].GetId() })
	return out
}

// EntitlementSlugs returns the slugs of one resource's entitlements, sorted.
func (c *C1Z) EntitlementSlugs(resourceType, id string) []string {
	var out []string
	for _, e := range c.EntitlementsOf(resourceType, id) {
		out = append(out, e.GetSlug())
	}
	sort.Strings(out)
	return out
}

// Grant finds a grant by id ("group:11:developer:user:102"); nil when absent.
func (c *C1Z) Grant(id string) *v2.Grant {
	for _, g := range c.Grants {
		if g.GetId() == id {
			return g
		}
	}
	return nil
}

// GrantFor finds the grant of an entitlement to a user principal; nil when absent.
func (c *C1Z) GrantFor(entitlementID, principalType, principalID string) *v2.Grant {
	for _, g := range c.Grants {
		p := g.GetPrincipal().GetId()
		if g.GetEntitlement().GetId() == entitlementID && p.GetResourceType() == principalType && p.GetResource() == principalID {
			return g
		}
	}
	return nil
}

// GrantsOn returns the grants on one resource (any entitlement).
func (c *C1Z) GrantsOn(resourceType, id string) []*v2.Grant {
	var out []*v2.Grant
	for _, g := range c.Grants {
		rid := g.GetEntitlement().GetResource().GetId()
		if rid.GetResourceType() == resourceType && rid.GetResource() == id {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetId() < out[j].GetId() })
	return out
}

// GrantsOf returns the grants held by one principal.
func (c *C1Z) GrantsOf(principalType, principalID string) []*v2.Grant {
	var out []*v2.Grant
	for _, g := range c.Grants {
		p := g.GetPrincipal().GetId()
		if p.GetResourceType() == principalType && p.GetResource() == principalID {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetId() < out[j].GetId() })
	return out
}

// GrantsOfOn returns the grants one principal holds on one resource (the connector
// promises at most one per user per group/project).
func (c *C1Z) GrantsOfOn(principalType, principalID, resourceType, resourceID string) []*v2.Grant {
	var out []*v2.Grant
	for _, g := range c.GrantsOf(principalType, principalID) {
		rid := g.GetEntitlement().GetResource().GetId()
		if rid.GetResourceType() == resourceType && rid.GetResource() == resourceID {
			out = append(out, g)
		}
	}
	return out
}

// GrantMetadata returns a grant's v2.GrantMetadata as a map (nil when it has none).
// Numbers come back as float64, as structpb stores them.
func GrantMetadata(g *v2.Grant) map[string]any {
	md := &v2.GrantMetadata{}
	annos := annotations.Annotations(g.GetAnnotations())
	ok, err := annos.Pick(md)
	if err != nil || !ok {
		return nil
	}
	return md.GetMetadata().AsMap()
}

// IsImmutable reports whether a grant carries v2.GrantImmutable.
func IsImmutable(g *v2.Grant) bool {
	annos := annotations.Annotations(g.GetAnnotations())
	return annos.Contains(&v2.GrantImmutable{})
}

// UserTrait returns a resource's user trait (nil when it has none).
func UserTrait(r *v2.Resource) *v2.UserTrait {
	t := &v2.UserTrait{}
	annos := annotations.Annotations(r.GetAnnotations())
	ok, err := annos.Pick(t)
	if err != nil || !ok {
		return nil
	}
	return t
}

// GroupTrait returns a resource's group trait (nil when it has none).
func GroupTrait(r *v2.Resource) *v2.GroupTrait {
	t := &v2.GroupTrait{}
	annos := annotations.Annotations(r.GetAnnotations())
	ok, err := annos.Pick(t)
	if err != nil || !ok {
		return nil
	}
	return t
}

// ExternalLink returns a resource's v2.ExternalLink URL ("" when none).
func ExternalLink(r *v2.Resource) string {
	l := &v2.ExternalLink{}
	annos := annotations.Annotations(r.GetAnnotations())
	ok, err := annos.Pick(l)
	if err != nil || !ok {
		return ""
	}
	return l.GetUrl()
}
