# syntax=docker/dockerfile:1
#
# baton-gitlab container image: the same static binary as `make build` (CGO_ENABLED=0,
# version stamped with -X main.version; plus -trimpath, as `make release`), on
# distroless/static (no shell, no package manager) with CA certificates, running as
# the non-root user 65532.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t baton-gitlab .
#   docker run --rm -e BATON_ACCESS_TOKEN -v "$PWD:/data" baton-gitlab \
#     --base-url https://gitlab.example.com -f /data/sync.c1z
#
# Multi-platform: docker buildx build --platform linux/amd64,linux/arm64 ... (the Go
# toolchain cross-compiles; nothing runs under emulation).

# Go of go.mod's `go` line.
ARG GO_VERSION=1.26.8

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
WORKDIR /src
# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-X main.version=${VERSION}" -o /out/baton-gitlab ./cmd/baton-gitlab \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
# The build stage's CA bundle (Debian's ca-certificates), over distroless' own copy:
# GitLab.com and publicly signed self-managed instances verify with it. A private CA:
# mount its PEM and set BATON_CA_CERT_FILE.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/baton-gitlab /usr/local/bin/baton-gitlab
# A working directory the non-root user may write (the default -f sync.c1z lands here).
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/baton-gitlab"]
