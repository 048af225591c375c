#!/bin/sh
# Make the data volume writable for the slotbase user, then drop root.
set -e
mkdir -p /pb_data
chown -R slotbase:slotbase /pb_data
exec su-exec slotbase /usr/local/bin/slotbase "$@"
