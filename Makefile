# slotbase: `make run` and `make test` are the whole ritual.
export GOTOOLCHAIN := go1.27.3
export GOFLAGS := -buildvcs=false

ADDR ?= 127.0.0.1:8090
BIN  := bin/slotbase

.PHONY: run build test lint bench clean

## run: build and serve slotbase on embedded SQLite (pb_data/), demo data on first start
run: build
	./$(BIN) serve --dir pb_data --http $(ADDR)

# Release identity stamped into the binary (internal/buildinfo): `slotbase
# --version`, /api/health and the dashboard show it.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PKG_BI  := github.com/slotbase/slotbase/internal/buildinfo
LDFLAGS := -X $(PKG_BI).Version=$(VERSION) -X $(PKG_BI).Commit=$(COMMIT) -X $(PKG_BI).Date=$(DATE)

## build: a static binary in bin/, stamped with version, commit and date
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

## test: ALL tests (installs PostgreSQL/Chromium when missing, starts a throwaway PostgreSQL)
test:
	bash scripts/test.sh

## lint: gofmt, go vet, and no PocketBase under internal/
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	go vet ./...
	@if go list -deps ./internal/... | grep -q pocketbase; then echo "internal/ must not import PocketBase:"; go list -deps ./internal/... | grep pocketbase; exit 1; fi
	@echo lint ok

## bench: the Go benchmarks (figures go to BENCHMARKS.md)
bench:
	go test -run='^$$' -bench=. -benchmem ./...

clean:
	rm -rf bin
