#!/bin/bash
# API benchmark (make bench, the api section; README, "API"): the whole
# service on a private cluster (tests/lib/api.sh: nginx with the
# project's config on 127.0.0.1:18456, the FastCGI pool, PostgreSQL), and
# wrk (Debian) with tests/bench/dpop.lua sending a fresh pre-minted DPoP
# proof (PyJWT, unique jti) with every request:
#   1. GET /export-center/runs/{id} of a succeeded run, against nginx
#      serving the same JSON as a static file over TLS (127.0.0.1:18458)
#      in the same session: req/s, p50 and p99 and their ratio;
#   2. POST /export-center/runs with export-cron idle: runs queued a
#      second.
# Concurrency BENCH_API_CONN (32), BENCH_API_SECONDS (10; the figures in
# tests/bench/README.md are from 30) per measurement, 2 wrk threads;
# BENCH_API_WORKERS pool workers (default 4 per core).
# Targets (informational): >= 0.3x static req/s, p99 < 20 ms.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
SECS=${BENCH_API_SECONDS:-10}
CONN=${BENCH_API_CONN:-32}
BENCH_NAME=api
# shellcheck source=tests/bench/stack.sh
. tests/bench/stack.sh
static_pid=
bench_stop() {
	[ -s "$EC_VAR/static/nginx.pid" ] &&
	    kill -QUIT "$(cat "$EC_VAR/static/nginx.pid")" 2>/dev/null
	api_stop
	tests/lib/pg.sh stop "$EC_VAR/pg"
	rm -rf "$EC_VAR"
}
# A worker spends most of a request waiting for PostgreSQL, so the pool
# has four per core unless BENCH_API_WORKERS says otherwise.
WORKERS=${BENCH_API_WORKERS:-$(($(nproc) * 4))}
API_RATE=1000000r/s API_BURST=100000 api_start 18456 18457 "$WORKERS"
trap bench_stop EXIT
t=bench-api
"$EC_BIN" ingest --tenant "$t" tests/fixtures/vex >/dev/null
body='{"profileId":"export-profile::'$t'::json:raw","targets":["vex"]}'
id=$(api POST /export-center/runs "$t" --data-binary "$body" | jq -r .runId)
"$EC_CRON" --once --db "$API_APP" --store "$store" 2>/dev/null
api GET "/export-center/runs/$id" "$t" -o "$EC_VAR/run.json"
[ "$(jq -r .status "$EC_VAR/run.json")" = succeeded ] ||
    { echo "api-bench: the run did not succeed"; exit 1; }

# The static baseline: the same bytes, the same TLS certificate.
mkdir -p "$EC_VAR/static/www" "$EC_VAR/static/logs"
cp "$EC_VAR/run.json" "$EC_VAR/static/www/run.json"
chmod -R a+rX "$EC_VAR/static"
chmod o+x "$EC_VAR"
cat >"$EC_VAR/static/nginx.conf" <<CONF
worker_processes auto;
pid $EC_VAR/static/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	server {
		listen 127.0.0.1:$(it_port 18458) ssl;
		ssl_certificate $run/nginx/tls/server.pem;
		ssl_certificate_key $run/nginx/tls/server.key;
		location = /run.json {
			root $EC_VAR/static/www;
			default_type application/json;
		}
	}
}
CONF
nginx -p "$EC_VAR/static" -e "$EC_VAR/static/logs/error.log" \
    -c "$EC_VAR/static/nginx.conf"

# wrk_run NAME URL [wrk args]: the summary line of one measurement.
wrk_run() {
	local name=$1 url=$2 threads=2
	shift 2
	[ "$CONN" -ge 2 ] || threads=1
	wrk -t"$threads" -c"$CONN" -d"${SECS}s" --latency "$@" "$url" \
	    >"$EC_VAR/$name.wrk" 2>&1
	awk -v n="$name" '
	    /Requests\/sec/ { rps = $2 }
	    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
	    /^non2xx/ { bad = $2 } /Non-2xx/ { bad = $NF }
	    END { printf "%-8s %10.0f req/s  p50 %8s  p99 %8s  non-2xx %s\n",
	        n, rps, p50, p99, bad == "" ? 0 : bad }' "$EC_VAR/$name.wrk"
}
echo "api benchmark: $CONN connections, ${SECS}s each, $(nproc) cores," \
    "pool workers $WORKERS"
wrk_run static "https://127.0.0.1:$(it_port 18458)/run.json" | tee "$EC_VAR/static.sum"
# Proofs, minted just before they are used (a proof is fresh for 60 s),
# more than the measurement can use, so none is replayed.
/usr/bin/python3 "$API_DPOP" bulk "$run/keys" "$API_ISSUER" GET \
    "$base/export-center/runs/$id" "$t" $((SECS * 3000)) >"$EC_VAR/get.proofs"
BENCH_PROOFS=$EC_VAR/get.proofs BENCH_METHOD=GET BENCH_TENANT=$t \
    wrk_run get "$base/export-center/runs/$id" -s tests/bench/dpop.lua |
    tee "$EC_VAR/get.sum"
/usr/bin/python3 "$API_DPOP" bulk "$run/keys" "$API_ISSUER" POST \
    "$base/export-center/runs" "$t" $((SECS * 1500)) >"$EC_VAR/post.proofs"
BENCH_PROOFS=$EC_VAR/post.proofs BENCH_METHOD=POST BENCH_TENANT=$t \
    BENCH_BODY=$body wrk_run post "$base/export-center/runs" \
    -s tests/bench/dpop.lua | tee "$EC_VAR/post.sum"
awk 'FNR == 1 { r[FILENAME] = $2 } END {
    for (f in r) if (f ~ /static/) s = r[f]; else if (f ~ /get/) g = r[f]
    printf "GET /runs/{id} vs static: %.2fx req/s (target >= 0.3x)\n", g / s }' \
    "$EC_VAR/static.sum" "$EC_VAR/get.sum"
echo "runs queued by the POST measurement: $(api_runs "$t")"
