#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs what is missing
# (Debian's postgresql, chromium and nodejs), starts a throwaway PostgreSQL on
# a loopback port for the run, runs the browser code's node tests and every
# Go test, and stops PostgreSQL again.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

log() { printf '==> %s\n' "$*" >&2; }
# has_node: a node with the built-in test runner (18 or later).
has_node() { command -v node >/dev/null 2>&1 && node -e 'process.exit(parseInt(process.versions.node, 10) >= 18 ? 0 : 1)' >/dev/null 2>&1; }
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# 1. Dependencies.
missing=()
[ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/initdb" ] || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# A real SMTP sink and an independent iCalendar parser for the e-mail tests.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
/usr/bin/python3 -c 'import icalendar' >/dev/null 2>&1 || missing+=(python3-icalendar)
# radicale: the real CalDAV server of internal/caldav's tests (testenv.StartRadicale).
/usr/bin/python3 -c 'import radicale' >/dev/null 2>&1 || missing+=(radicale)
# openssl: an independent HMAC for the webhook signature test.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# nodejs: `node --test` for the dashboard's pure helpers (web/test/).
has_node || missing+=(nodejs)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "missing ${missing[*]}: run as root or 'sudo apt-get install ${missing[*]}'; tests needing them will skip (fail under CI=true)"
  fi
fi
command -v chromium >/dev/null 2>&1 && export SLOTBASE_TEST_CHROMIUM="$(command -v chromium)"
# Litestream for the restore drill (litestream_test.go): built once from its
# Go module into a cache folder (about 3 minutes on 2 cores).
litestream_dir="${HOME}/.cache/slotbase-test/litestream"
if [ ! -x "$litestream_dir/litestream" ]; then
  log "building litestream v0.5.18 into $litestream_dir (go install)"
  mkdir -p "$litestream_dir"
  GOBIN="$litestream_dir" CGO_ENABLED=0 go install github.com/benbjohnson/litestream/cmd/litestream@v0.5.18 ||
    log "building litestream failed: the restore drill will skip (fail under CI=true)"
fi
[ -x "$litestream_dir/litestream" ] && export SLOTBASE_TEST_LITESTREAM="$litestream_dir/litestream"
# stripe-mock, Stripe's own API mock, for the payment tests (testenv.StartStripeMock).
stripemock_dir="${HOME}/.cache/slotbase-test/stripe-mock"
if [ ! -x "$stripemock_dir/stripe-mock" ]; then
  log "building stripe-mock v0.203.0 into $stripemock_dir (go install)"
  mkdir -p "$stripemock_dir"
  GOBIN="$stripemock_dir" CGO_ENABLED=0 go install github.com/stripe/stripe-mock@v0.203.0 ||
    log "building stripe-mock failed: the payment tests will skip (fail under CI=true)"
fi
[ -x "$stripemock_dir/stripe-mock" ] && export SLOTBASE_TEST_STRIPE_MOCK="$stripemock_dir/stripe-mock"

# 2. A throwaway PostgreSQL on a loopback port.
workdir=$(mktemp -d /tmp/slotbase-test.XXXXXX)
pg_run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -n "${PGDATA_DIR:-}" ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
    pg_run "$(pg_bindir)/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
if bindir=$(pg_bindir) && [ -x "$bindir/initdb" ]; then
  PGDATA_DIR="$workdir/pg"
  mkdir -p "$PGDATA_DIR"
  [ "$(id -u)" = 0 ] && chown -R postgres "$workdir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
  pg_run "$bindir/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 >/dev/null
  pg_run "$bindir/pg_ctl" -D "$PGDATA_DIR" -l "$workdir/pg.log" -w \
    -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  export SLOTBASE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  export SLOTBASE_TEST_PG_CTL="$bindir/pg_ctl" SLOTBASE_TEST_PGDATA="$PGDATA_DIR"
  log "PostgreSQL on 127.0.0.1:$port"
fi

# 3. The tests: the browser code's pure helpers, then Go.
# The files are named, not the folder: Node 21+ takes `node --test web/test/`
# for a module path.
if has_node; then
  log "node --test web/test/ (node $(node --version))"
  node --test web/test/*.test.mjs
elif [ "${CI:-}" = true ]; then
  log "node (18 or later) is missing: CI=true needs it for web/test/ (apt-get install nodejs, or https://nodejs.org/)"
  exit 1
else
  log "node (18 or later) is missing: skipping web/test/; install it with 'sudo apt-get install nodejs' or from https://nodejs.org/"
fi
log "go test ./..."
go test -count=1 -timeout 20m "$@" ./...
