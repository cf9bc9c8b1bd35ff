# baton-gitlab. Everything builds with CGO_ENABLED=0 (pure-Go SQLite in the SDK).
export CGO_ENABLED := 0

GO           ?= go
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS      := -X main.version=$(VERSION)
TEST_TIMEOUT ?= 8m
PKGS         := ./...

.PHONY: all build test vet fmt fmt-check check bench bench-org demo generate clean fuzz release lambda lambda-check docker docker-lambda

all: build

## build: bin/baton-gitlab, bin/gitlab-fake and bin/c1z-summary
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/baton-gitlab ./cmd/baton-gitlab
	$(GO) build -o bin/gitlab-fake ./cmd/gitlab-fake
	$(GO) build -o bin/c1z-summary ./cmd/c1z-summary

## test: go vet, every test once (no cache; fuzz targets on their seeds) bounded by
## TEST_TIMEOUT, then each fuzz target for TEST_FUZZTIME, then the AWS Lambda build
TEST_FUZZTIME ?= 2s
# TEST_PARALLEL: parallel tests per package. A sync test mostly waits (the SDK's syncer,
# the fake's answers), so more of them than cores halves the suite's wall time.
TEST_PARALLEL ?= 8
test: vet
	$(GO) test -count=1 -parallel $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) $(PKGS)
	GO="$(GO)" scripts/fuzz.sh $(TEST_FUZZTIME) ./pkg/...
	@$(MAKE) --no-print-directory lambda-check

## fuzz: each fuzz target (pkg/gitlabapi, pkg/config, pkg/connector) for FUZZTIME; a
## failing input lands in the package's testdata/fuzz/<FuzzName>/ (commit it as a seed)
FUZZTIME ?= 1m
fuzz:
	GO="$(GO)" scripts/fuzz.sh $(FUZZTIME) ./pkg/...

## release: static binaries for linux and darwin, amd64 and arm64, in dist/ with
## SHA256SUMS; make build's flags plus -trimpath (no build paths in the binaries)
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
release:
	rm -rf dist && mkdir -p dist
	@set -e; for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/baton-gitlab-$(VERSION)-$$os-$$arch; \
		echo "building $$out"; \
		GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $$out ./cmd/baton-gitlab; \
	done
	cd dist && { sha256sum baton-gitlab-* 2>/dev/null || shasum -a 256 baton-gitlab-*; } > SHA256SUMS
	@cat dist/SHA256SUMS

## lambda: the AWS Lambda build (baton-sdk's `lambda` command, build tag LAMBDA_TAG) as
## dist/lambda/bootstrap for the provided.al2023 runtime (LAMBDA_ARCH amd64 or arm64),
## zipped as dist/baton-gitlab-lambda-$(LAMBDA_ARCH).zip
LAMBDA_TAG  := baton_lambda_support
LAMBDA_ARCH ?= arm64
lambda:
	rm -rf dist/lambda && mkdir -p dist/lambda
	GOOS=linux GOARCH=$(LAMBDA_ARCH) $(GO) build -tags $(LAMBDA_TAG) -trimpath -ldflags "$(LDFLAGS)" -o dist/lambda/bootstrap ./cmd/baton-gitlab
	cd dist/lambda && rm -f ../baton-gitlab-lambda-$(LAMBDA_ARCH).zip && zip -q ../baton-gitlab-lambda-$(LAMBDA_ARCH).zip bootstrap
	@echo dist/baton-gitlab-lambda-$(LAMBDA_ARCH).zip

## lambda-check (part of test): the Lambda build compiles, has its `lambda` command, and
## runs it when the Lambda runtime starts it without arguments (main_lambda.go)
lambda-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) build -tags $(LAMBDA_TAG) -o $$tmp/baton-gitlab ./cmd/baton-gitlab && \
	$$tmp/baton-gitlab lambda --help | grep -q -- '--lambda-client-id' && \
	{ AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 $$tmp/baton-gitlab 2>&1 || true; } | tail -n 1 | grep -q -- '--lambda-client-id is required' && \
	echo "lambda build (-tags $(LAMBDA_TAG)): ok"

## docker: the container image (Dockerfile: the same static binary, distroless, non-root);
## docker-lambda: the AWS Lambda container image (Dockerfile.lambda)
docker:
	docker build --build-arg VERSION=$(VERSION) -t baton-gitlab:$(VERSION) .
docker-lambda:
	docker build -f Dockerfile.lambda --build-arg VERSION=$(VERSION) -t baton-gitlab-lambda:$(VERSION) .

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

## bench-org: the GitLab.com organisation benchmarks (pkg/connector/sync_bench_org_test.go:
## one top-level group, 10,000 groups, 50,000 projects; a tenth of it over REST and
## GraphQL), each synced once. Minutes each, so `make bench` (BENCH=.) skips them: they
## run only when the -bench pattern names "Org". BENCH_ORG picks among them.
BENCH_ORG ?= Org
bench-org:
	$(GO) test -run '^$$' -bench '$(BENCH_ORG)' -benchtime 1x -benchmem -timeout $(BENCH_TIMEOUT) -v ./pkg/connector

## demo: sync the fake GitLab's demo world and print what was found (DEMO_MODE=gitlab.com for GitLab.com)
demo: build
	scripts/demo.sh

## generate: pkg/config/conf.gen.go from the settings schema
generate:
	$(GO) generate ./pkg/config

clean:
	rm -rf bin dist sync.c1z
