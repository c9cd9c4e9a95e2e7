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
# Then the CPU per request of each process group (nginx, pool,
# PostgreSQL, the static nginx, wrk) for each measurement, and GET's
# transaction in pgbench with and without the replay store's write
# (BENCH_API_DB=0 skips that; tests/bench/README.md, "Session 4").
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

# cpu_ticks PID...: CPU time in clock ticks (utime, stime and those of
# reaped children) of the processes and all their live descendants, read
# from /proc/PID/stat (the command name may hold spaces, so the fields
# are counted from its closing parenthesis).
cpu_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v roots="$*" '
	    { pid = $1; sub(/^.*\) /, ""); pp[pid] = $2; t[pid] = $12 + $13 + $14 + $15 }
	    END { n = split(roots, r, " "); for (i = 1; i <= n; i++) in_[r[i]] = 1
	        do { grew = 0; for (p in pp) if (!(p in in_) && (pp[p] in in_)) {
	            in_[p] = 1; grew = 1 } } while (grew)
	        for (p in in_) s += t[p]; print s + 0 }'
}
# The process trees whose CPU a measurement accounts for, by group.
cpu_groups() {
	echo "nginx $(cat "$run/nginx/nginx.pid")"
	echo "pool $(cat "$run/fcgi.pid")"
	echo "postgres $(head -n 1 "$EC_VAR/pg/data/postmaster.pid")"
	echo "static $(cat "$EC_VAR/static/nginx.pid")"
}
cpu_snap() {
	cpu_groups | while read -r g pid; do echo "$g $(cpu_ticks "$pid")"; done
}
# wrk_run NAME URL [wrk args]: the summary line of one measurement, and
# NAME.cpu: each group's CPU (and wrk's, from GNU time) per request in us.
wrk_run() {
	local name=$1 url=$2 threads=2
	shift 2
	[ "$CONN" -ge 2 ] || threads=1
	cpu_snap >"$EC_VAR/$name.cpu0"
	/usr/bin/time -f 'wrk %U %S' -o "$EC_VAR/$name.time" \
	    wrk -t"$threads" -c"$CONN" -d"${SECS}s" --latency "$@" "$url" \
	    >"$EC_VAR/$name.wrk" 2>&1
	cpu_snap >"$EC_VAR/$name.cpu1"
	awk -v tck="$(getconf CLK_TCK)" -v n="$name" '
	    FILENAME ~ /wrk$/ && / requests in / { req = $1 }
	    FILENAME ~ /cpu0$/ { a[$1] = $2 }
	    FILENAME ~ /cpu1$/ { b[$1] = $2; g[++ng] = $1 }
	    FILENAME ~ /time$/ && $1 == "wrk" { w = $2 + $3 }
	    END { if (req == 0) exit; printf "%-8s CPU us/request:", n
	        for (i = 1; i <= ng; i++) { d = (b[g[i]] - a[g[i]]) / tck
	            s += d; if (d > 0) printf "  %s %.1f", g[i], d * 1e6 / req }
	        printf "  wrk %.1f  total %.1f  (%d requests)\n",
	            w * 1e6 / req, (s + w) * 1e6 / req, req }' \
	    "$EC_VAR/$name.wrk" "$EC_VAR/$name.cpu0" "$EC_VAR/$name.cpu1" \
	    "$EC_VAR/$name.time" >"$EC_VAR/$name.cpu"
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
    "$base/export-center/runs/$id" "$t" $((SECS * 6000)) >"$EC_VAR/get.proofs"
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
cat "$EC_VAR/static.cpu" "$EC_VAR/get.cpu" "$EC_VAR/post.cpu"
[ "${BENCH_API_DB:-1}" != 0 ] || exit 0


# The replay store's share: GET /runs/{id}'s transaction (the statements
# of ec_run_show_jti, prepared, with the prune of every 64th request) run
# by pgbench as the pool's role on the same cluster, 8 clients, and
# PostgreSQL's CPU per transaction, by variant.  The index is dropped
# and made again around its variant; UNLOGGED comes last (the cluster
# is thrown away).
# The values are pgbench variables (parameters): pgbench would read the
# colons in the run id and in the time format as variable names.
pgb_script() {
	local ins=$1 extra=$2 ts
	ts="AT TIME ZONE 'UTC', :fmt)"
	echo '\set j random(1, 1000000000000)'
	echo '\set r random(1, 64)'
	echo 'BEGIN ISOLATION LEVEL REPEATABLE READ;'
	echo "SELECT set_config('app.tenant', :t, true);"
	[ -z "$extra" ] || echo "$extra"
	if [ "$ins" = 1 ]; then
		echo '\if :r = 1'
		echo "DELETE FROM dpop_jti WHERE tenant = :t AND expires_at < now();"
		echo '\endif'
		echo "INSERT INTO dpop_jti (tenant, jti, expires_at) VALUES (:t," \
		    "'pgb-' || :client_id || '-' || :j, to_timestamp(:exp))" \
		    "ON CONFLICT DO NOTHING RETURNING 1;"
	fi
	echo "SELECT id, status, profile_id, to_char(created_at $ts," \
	    "to_char(started_at $ts, to_char(finished_at $ts, attempts," \
	    "items_completed, items_total, error_code, error_message," \
	    "inputs_hash FROM runs WHERE tenant = :t AND id = :id;"
	echo "SELECT type, id, format, CASE type WHEN 'distribution' THEN" \
	    "'oci://' || id || '@sha256:' || sha256 ELSE path END AS url, name," \
	    "sha256, size FROM artifacts WHERE tenant = :t AND run_id = :id" \
	    "ORDER BY type, id, format, url;"
	echo 'COMMIT;'
}
pg_pid=$(head -n 1 "$EC_VAR/pg/data/postmaster.pid")
pgb_run() {
	local name=$1 a b
	pgb_script "$2" "${3:-}" >"$EC_VAR/pgb-$name.sql"
	# Every variant starts from an empty replay store.
	psql -X -q "$API_PG_SU" -c 'TRUNCATE dpop_jti' >/dev/null
	a=$(cpu_ticks "$pg_pid")
	pgbench -n -M prepared -c 8 -j 2 -T "${BENCH_API_DB_SECONDS:-5}" \
	    -D t="$t" -D id="$id" -D exp=$(($(date +%s) + 600)) \
	    -D fmt='YYYY-MM-DD"T"HH24:MI:SS"Z"' \
	    -f "$EC_VAR/pgb-$name.sql" "$API_APP" >"$EC_VAR/pgb-$name.out" 2>&1
	b=$(cpu_ticks "$pg_pid")
	awk -v n="$name" -v d=$((b - a)) -v tck="$(getconf CLK_TCK)" '
	    /number of transactions actually processed/ { split($0, f, ": ")
	        split(f[2], g, "/"); x = g[1] }
	    /^tps/ { tps = $3 }
	    END { if (x == 0) { print n ": pgbench failed:"; exit 1 }
	        printf "%-22s %7.0f tx/s  postgres CPU %6.1f us/tx\n", n,
	        tps, d / tck * 1e6 / x }' "$EC_VAR/pgb-$name.out"
}
echo "GET /runs/{id}'s transaction in pgbench (8 clients," \
    "${BENCH_API_DB_SECONDS:-5}s each, rounds interleaved):"
for _ in $(seq "${BENCH_API_DB_ROUNDS:-2}"); do
	pgb_run reads-only 0
	pgb_run with-jti 1
	pgb_run with-jti-async-commit 1 'SET LOCAL synchronous_commit = off;'
	psql -X -q "$API_PG_SU" -c 'DROP INDEX dpop_jti_expires' >/dev/null
	pgb_run with-jti-no-expiry-idx 1
	psql -X -q "$API_PG_SU" -c \
	    'CREATE INDEX dpop_jti_expires ON dpop_jti (expires_at)' >/dev/null
done
# The schema as it was is not restored after this one.
psql -X -q "$API_PG_SU" -c 'ALTER TABLE dpop_jti SET UNLOGGED' >/dev/null
pgb_run with-jti-unlogged 1
