#!/bin/bash
# SSE benchmark (make bench, the sse section; README, "Live progress
# (SSE)"): the whole service on a private cluster (tests/lib/api.sh:
# nginx with the project's config on 127.0.0.1:18890, the FastCGI pool,
# export-events, PostgreSQL) and build/tests/tools/sse_bench, one epoll +
# GnuTLS process, opening BENCH_SSE_STREAMS (10000) event streams on one
# queued run through nginx, each authenticated with its own DPoP proof.
# Then, with all of them open: GET /export-center/runs/{id} under wrk for
# BENCH_SSE_GET_SECONDS (5) (its p99 while the streams are held), and one
# progress event written with psql, whose delivery to every stream is
# timed from the moment the trigger starts (psql's own start included):
# p50, p99, max.  RSS of every server process (nginx workers,
# export-events, the pool) before the streams, with them open, and after
# the event.  Targets (informational): all connected, p99 < 1 s, RSS
# growth < 200 MiB.  BENCH_SSE_HEAP=1 adds each nginx worker's live heap
# by chunk size and per stream (tests/bench/heap_sizes.py);
# BENCH_SSE_INFLIGHT (128) is how many streams are set up at a time.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
N=${BENCH_SSE_STREAMS:-10000}
GET_SECS=${BENCH_SSE_GET_SECONDS:-5}
BENCH_NAME=sse
# shellcheck source=tests/bench/stack.sh
. tests/bench/stack.sh
cli=
bench_stop() {
	[ -n "$cli" ] && kill "$cli" 2>/dev/null
	api_stop
	tests/lib/pg.sh stop "$EC_VAR/pg"
	rm -rf "$EC_VAR"
}
# Streams stay open for the whole measurement: no idle close.
API_RATE=1000000r/s API_BURST=100000 API_SSE_OPTS="--idle-ms 3600000" \
    api_start 18890 18891
trap bench_stop EXIT
t=bench-sse
"$EC_BIN" ingest --tenant "$t" tests/fixtures/vex >/dev/null
id=$("$EC_BIN" run create --tenant "$t" --profile json:raw --targets vex)
path=/export-center/runs/$id/events
port=${base##*:}

# rss LABEL: resident KiB of every server process, and their sum.
kib() { for p in "$@"; do ps -o rss= -p "$p"; done | tr -s ' \n' ' '; }
rss() {
	local m f w p total=0
	m=$(cat "$run/nginx/nginx.pid")
	f=$(cat "$run/fcgi.pid")
	w=$(ps -o pid= --ppid "$m")
	for p in $w $(cat "$run/events.pid") $f $(ps -o pid= --ppid "$f"); do
		total=$((total + $(ps -o rss= -p "$p")))
	done
	# shellcheck disable=SC2086
	printf '%-14s total %7d KiB  nginx workers %s  export-events %s ' \
	    "$1" "$total" "$(kib $w)" "$(kib "$(cat "$run/events.pid")")"
	# shellcheck disable=SC2046
	echo " pool $(kib "$f" $(ps -o pid= --ppid "$f"))"
	echo "$total" >"$EC_VAR/rss.$1"
}

echo "sse benchmark: $N streams on one run, $(nproc) cores"
rss before
/usr/bin/python3 "$API_DPOP" bulk "$run/keys" "$API_ISSUER" GET \
    "$base$path" "$t" "$N" >"$EC_VAR/sse.proofs"
cat >"$EC_VAR/trigger.sql" <<SQL
SELECT export_run_event('$t', '$id', 'progress', jsonb_build_object('runId',
    '$id', 'percent', 1, 'itemsCompleted', 1, 'itemsTotal', 100));
SQL
trigger="psql -X -q '$API_PG_SU' -f '$EC_VAR/trigger.sql' >/dev/null"
mkfifo "$EC_VAR/ctl"
start=$(date +%s)
"$root/build/tests/tools/sse_bench" 127.0.0.1 "$port" "$path" "$t" \
    "$run/nginx/tls/ca.pem" "$EC_VAR/sse.proofs" "$N" "$trigger" \
    <"$EC_VAR/ctl" >"$EC_VAR/cli.out" 2>&1 &
cli=$!
exec 3>"$EC_VAR/ctl"
for _ in $(seq 1 3000); do
	grep -q '^connected' "$EC_VAR/cli.out" && break
	kill -0 "$cli" 2>/dev/null || break
	sleep 0.1
done
echo "$(grep '^connected' "$EC_VAR/cli.out" || echo 'connected ?')" \
    "in $(($(date +%s) - start)) s"
rss streams-open
# BENCH_SSE_HEAP=1: where a worker's memory goes, by chunk size, per
# stream it holds (its established connections on the listen port).
if [ "${BENCH_SSE_HEAP:-0}" = 1 ]; then
	for w in $(ps -o pid= --ppid "$(cat "$run/nginx/nginx.pid")"); do
		k=$(ss -Htnp state established "( sport = :$port )" |
		    grep -c "pid=$w,")
		echo "nginx worker $w: $k streams"
		/usr/bin/python3 tests/bench/heap_sizes.py "$w" "$k" 12
	done
fi

# GET /runs/{id} while the streams are held (tests/bench/dpop.lua).
/usr/bin/python3 "$API_DPOP" bulk "$run/keys" "$API_ISSUER" GET \
    "$base/export-center/runs/$id" "$t" $((GET_SECS * 3000)) \
    >"$EC_VAR/get.proofs"
BENCH_PROOFS=$EC_VAR/get.proofs BENCH_METHOD=GET BENCH_TENANT=$t \
    wrk -t2 -c16 -d"${GET_SECS}s" --latency -s tests/bench/dpop.lua \
    "$base/export-center/runs/$id" >"$EC_VAR/get.wrk" 2>&1
awk '/Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "GET /runs/{id} with the streams open: %.0f req/s  " \
    "p50 %s  p99 %s  non-2xx %s\n", rps, p50, p99, bad == "" ? 0 : bad }' \
    "$EC_VAR/get.wrk"

echo go >&3
wait "$cli"
cli=
grep '^delivered' "$EC_VAR/cli.out" || cat "$EC_VAR/cli.out"
rss after-event
grow=$(($(cat "$EC_VAR/rss.streams-open") - $(cat "$EC_VAR/rss.before")))
echo "RSS growth with the streams open: $((grow / 1024)) MiB" \
    "(target < 200 MiB)"
