#!/bin/bash
# cpureq.sh BIN DATA [ROUNDS]: server CPU per request of /api/health, cached
# /api/slots (rr10, 31 days) and the admin list (perPage=50, -start) on the
# large organisation, robust to a shared machine: one server on DATA (made by
# `go run ./bench/load -mode org -keep DATA`), wrk -c16 in 2 s slices that
# alternate the three routes ROUNDS times (default 4), the server's
# utime+stime read from /proc between slices. Needs wrk and curl.
set -euo pipefail
BIN=$1; DATA=$2; ROUNDS=${3:-4}
PORT=$((20000 + RANDOM % 10000))
"$BIN" serve --dir "$DATA" --http 127.0.0.1:$PORT --rateLimits=false >/dev/null 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf http://127.0.0.1:$PORT/api/health >/dev/null && break; sleep 0.1; done
TOK=$(curl -s -X POST -H 'Content-Type: application/json' \
	-d '{"identity":"admin@example.com","password":"bench-admin-password"}' \
	http://127.0.0.1:$PORT/api/collections/_superusers/auth-with-password | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
SLOTS="/api/slots?event_type=rr10&from=$(date -u -d '+1 day' +%F)&to=$(date -u -d '+31 day' +%F)&tz=UTC"
ticks() { awk '{print $14+$15}' /proc/$SPID/stat; }
declare -A REQ TCK
for _ in $(seq 1 "$ROUNDS"); do
	for name in health cached admin; do
		H=()
		case $name in
		health) P=/api/health ;;
		cached) P=$SLOTS ;;
		admin) P="/api/admin/bookings?perPage=50&sort=-start"; H=(-H "Authorization: $TOK") ;;
		esac
		t0=$(ticks)
		n=$(wrk -t2 -c16 -d2s -H 'Accept-Encoding: gzip' "${H[@]}" "http://127.0.0.1:$PORT$P" | awk '/requests in/ {print $1}')
		t1=$(ticks)
		REQ[$name]=$((${REQ[$name]:-0} + n))
		TCK[$name]=$((${TCK[$name]:-0} + t1 - t0))
	done
done
HZ=$(getconf CLK_TCK)
for name in health cached admin; do
	awk -v n="${REQ[$name]}" -v t="${TCK[$name]}" -v hz="$HZ" -v s=$((ROUNDS * 2)) -v name=$name \
		'BEGIN { printf "%-7s %8.0f req/s   server CPU %8.1f µs/request\n", name, n / s, t / hz * 1e6 / n }'
done
