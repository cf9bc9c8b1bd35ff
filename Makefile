# baton-gitlab. Everything builds with CGO_ENABLED=0 (pure-Go SQLite in the SDK).
export CGO_ENABLED := 0

GO           ?= go
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS      := -X main.version=$(VERSION)
TEST_TIMEOUT ?= 8m
PKGS         := ./...

.PHONY: all build test vet fmt fmt-check check bench demo generate clean

all: build

## build: bin/baton-gitlab, bin/gitlab-fake and bin/c1z-summary
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/baton-gitlab ./cmd/baton-gitlab
	$(GO) build -o bin/gitlab-fake ./cmd/gitlab-fake
	$(GO) build -o bin/c1z-summary ./cmd/c1z-summary

## test: go vet, then every test once (no cache), bounded by TEST_TIMEOUT
test: vet
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)

vet:
	$(GO) vet $(PKGS)

## fmt: gofmt the tree; fmt-check fails when a file is not gofmt-clean
fmt:
	gofmt -w $$(git ls-files '*.go')

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "not gofmt-clean:"; echo "$$out"; exit 1; fi

## check: what a careful commit passes
check: fmt-check test

## bench: benchmarks only (docs/performance.md). BENCH selects benchmarks by regexp,
## BENCHTIME how long each runs: `make bench BENCH=SyncGitLabCom BENCHTIME=1x` syncs once.
## The real binary's syncs: `make bench BENCH=BinarySync BENCHTIME=1x` (every world, long);
## with the default BENCH=. the large BinarySync worlds are skipped (BENCH_SKIP).
BENCH         ?= .
BENCHTIME     ?= 1s
BENCH_SKIP    ?= $(if $(filter .,$(BENCH)),BinarySync/(50k|bignode))
BENCH_TIMEOUT ?= 3h
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -skip '$(BENCH_SKIP)' -benchtime $(BENCHTIME) -benchmem -timeout $(BENCH_TIMEOUT) $(PKGS)

## demo: sync the fake GitLab's demo world and print what was found (DEMO_MODE=gitlab.com for GitLab.com)
demo: build
	scripts/demo.sh

## generate: pkg/config/conf.gen.go from the settings schema
generate:
	$(GO) generate ./pkg/config

clean:
	rm -rf bin sync.c1z
