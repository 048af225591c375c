#!/bin/sh
# The image's entrypoint: make the data volume writable for the slotbase
# user, then drop root and start slotbase with the given arguments.
#
# With LITESTREAM_REPLICA_URL set (a Fly secret, see DEPLOY.md "Backups"):
# a volume without data.db (a new Machine, a lost volume) is first restored
# from the replica when one exists, then Litestream runs slotbase as its
# child and replicates data.db continuously (deploy/litestream.yml).
# Without it, slotbase starts alone, as before.
set -e
export SLOTBASE_DATA_DIR="${SLOTBASE_DATA_DIR:-/pb_data}"
mkdir -p "$SLOTBASE_DATA_DIR"
chown -R slotbase:slotbase "$SLOTBASE_DATA_DIR"

# Commands other than serve (migrate, replica, superuser, …) run alone.
if [ -z "${LITESTREAM_REPLICA_URL:-}" ] || [ "${1:-}" != "serve" ]; then
  exec su-exec slotbase /usr/local/bin/slotbase "$@"
fi

export LITESTREAM_CONFIG="${LITESTREAM_CONFIG:-/etc/litestream.yml}"
su-exec slotbase litestream restore -config "$LITESTREAM_CONFIG" \
  -if-db-not-exists -if-replica-exists "$SLOTBASE_DATA_DIR/data.db"

# -exec: Litestream starts slotbase, forwards signals to it, and exits with
# it after a last sync. The arguments are quoted for its shell-like split.
cmd="/usr/local/bin/slotbase"
for arg in "$@"; do
  cmd="$cmd '$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")'"
done
exec su-exec slotbase litestream replicate -config "$LITESTREAM_CONFIG" -exec "$cmd"
