# syntax=docker/dockerfile:1
# Multi-stage build: a static binary (CGO_ENABLED=0, pure-Go SQLite) on Alpine.
FROM golang:1.27-alpine AS build
WORKDIR /src
ENV GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Release identity (internal/buildinfo): `fly deploy --build-arg VERSION=… --build-arg COMMIT=… --build-arg DATE=…`
# (DEPLOY.md); left empty, the binary says "dev" and "unknown".
ARG VERSION COMMIT DATE
RUN go build -trimpath -ldflags="-s -w -X github.com/slotbase/slotbase/internal/buildinfo.Version=${VERSION} -X github.com/slotbase/slotbase/internal/buildinfo.Commit=${COMMIT} -X github.com/slotbase/slotbase/internal/buildinfo.Date=${DATE}" -o /out/slotbase .

# Litestream for continuous backups of pb_data (deploy/litestream.yml,
# DEPLOY.md "Backups"): built from its Go module, pure Go like slotbase.
FROM golang:1.27-alpine AS litestream
ENV GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
RUN go install -trimpath -ldflags="-s -w" github.com/benbjohnson/litestream/cmd/litestream@v0.5.18

FROM alpine:3.20
# su-exec drops root after the entrypoint has made the (root-owned) Fly volume
# writable for the unprivileged slotbase user.
RUN apk add --no-cache ca-certificates su-exec \
 && addgroup -S slotbase && adduser -S -G slotbase -H -h /pb_data slotbase
COPY --from=build /out/slotbase /usr/local/bin/slotbase
COPY --from=litestream /go/bin/litestream /usr/local/bin/litestream
COPY deploy/litestream.yml /etc/litestream.yml
# The entrypoint restores data.db from the replica when the volume has none
# and runs slotbase under `litestream replicate`, both only when
# LITESTREAM_REPLICA_URL is set (a Fly secret); without it, slotbase alone.
COPY deploy/entrypoint.sh /usr/local/bin/entrypoint.sh
VOLUME /pb_data
# The Go heap stays well below the 512 MB Machine (fly.toml): the collector
# works harder near the limit instead of the kernel killing the process.
ENV GOMEMLIMIT=384MiB
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
# Production starts empty: no public demo host and event type.
CMD ["serve", "--dir", "/pb_data", "--http", "0.0.0.0:8080", "--no-demo"]
