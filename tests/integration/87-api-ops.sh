#!/bin/bash
# The API pool's life, through nginx on 127.0.0.1:18454: a worker killed
# with kill -9 is replaced by the master; SIGHUP reloads the
# configuration (a rotated issuer key: the old token is refused, the new
# one passes; a file that does not load changes nothing); export-cron
# killed with kill -9 mid-build, and a second builder finishes the run
# with the bytes of a clean build; PostgreSQL
# stopped under load: the API answers 503 with Retry-After meanwhile,
# then recovers, and no run is lost or built twice; SIGTERM drains.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

src=$(it_tenant src)
t=$(it_tenant big)
"$EC_BIN" ingest --tenant "$src" "$EC_ROOT/tests/fixtures" >/dev/null
it_run_big_input "$src" "$t" 300
api_start 18454 18455
master=$(cat "$run/fcgi.pid")
workers() { ps -o pid= --ppid "$master" | tr -d ' ' | sort | tr '\n' ' '; }

# A worker killed is replaced.
before=$(workers)
victim=${before%% *}
kill -9 "$victim"
for _ in $(seq 1 50); do
	now=$(workers)
	[ "$(echo "$now" | wc -w)" -eq 2 ] && ! echo " $now" | grep -q " $victim " &&
	    break
	sleep 0.1
done
check_equal "a worker killed with kill -9 is replaced (2 workers again)" \
    "$(echo "$now" | wc -w)" 2
check "the dead worker is not among them" sh -c "! echo ' $now' |
    grep -q ' $victim '"
check "the master logged the death" grep -q \
    "worker_exited pid=$victim .*signal=9" "$run/fcgi.log"
check_equal "and the pool still answers" \
    "$(api GET /export-center/profiles "$t" -o /dev/null -w '%{http_code}')" \
    200

# SIGHUP: a new issuer key in a new JWK set file.
/usr/bin/python3 "$API_DPOP" keygen "$run/keys2" dev-issuer-2
chmod 711 "$run/keys2"
chmod 644 "$run/keys2/jwks.json"
sed -i "s|^jwks = .*|jwks = $run/keys2/jwks.json|" "$run/api.conf"
kill -HUP "$master"
for _ in $(seq 1 50); do
	[ "$(grep -c 'event=reload' "$run/fcgi.log")" -ge 1 ] &&
	    [ "$(workers | wc -w)" -eq 2 ] && ! workers | grep -qw "${now%% *}" &&
	    break
	sleep 0.1
done
check "SIGHUP: the workers were replaced" sh -c "! echo ' $(workers)' |
    grep -q ' ${now%% *} '"
check_equal "a token of the old issuer key is refused after the reload" \
    "$(api GET /export-center/profiles "$t" -o /dev/null -w '%{http_code}')" \
    401
check_equal "a token of the new key passes" \
    "$(API_KEYS=$run/keys2 api GET /export-center/profiles "$t" -o /dev/null \
    -w '%{http_code}')" 200
# From here on, tokens of the new key.
API_KEYS=$run/keys2

# SIGHUP with a configuration that does not load changes nothing.
gen=$(workers)
cp "$run/api.conf" "$run/api.conf.good"
echo "colour = red" >>"$run/api.conf"
kill -HUP "$master"
for _ in $(seq 1 50); do
	grep -q 'event=reload_failed' "$run/fcgi.log" && break
	sleep 0.1
done
check "a bad configuration is logged on SIGHUP" \
    grep -q 'event=reload_failed .*unknown key' "$run/fcgi.log"
check_equal "and the workers stay as they were" "$(workers)" "$gen"
check_equal "still serving with the configuration before" \
    "$(api GET /export-center/profiles "$t" -o /dev/null -w '%{http_code}')" \
    200
cp "$run/api.conf.good" "$run/api.conf"

# export-cron killed mid-build; a second builder finishes with the bytes
# a clean build gives.  Lease losses are counted over the whole database,
# other scripts' included.
losses() {
	c "$base/metrics" | awk '$1 == "export_lease_losses_total" { n = $2 }
	    END { print n + 0 }'
}
losses_before=$(losses)
body='{"profileId":"export-profile::'$t'::json:raw","targets":["advisory"]}'
id=$(api POST /export-center/runs "$t" --data-binary "$body" | jq -r .runId)
check "a big run is queued through the API" test -n "$id"
"$EC_CRON" --loop --db "$API_APP" --store "$store" --lease 3 \
    --owner it-victim 2>>"$run/victim.log" &
vp=$!
for _ in $(seq 1 600); do
	[ "$(it_run_status "$t" "$id")" = "running 1" ] &&
	    [ -n "$(ls -A "$store/tmp" 2>/dev/null)" ] && break
	sleep 0.1
done
kill -9 "$vp"
wait "$vp" 2>/dev/null
api GET "/export-center/runs/$id" "$t" -o "$IT_TMP/mid.json"
check_equal "killed mid-build: the API shows it running, attempt 1" \
    "$(jq -r '.status + " " + (.attempts | tostring)' "$IT_TMP/mid.json")" \
    "running 1"
"$EC_CRON" --loop --db "$API_APP" --store "$store" --lease 3 \
    --owner it-heir 2>>"$run/heir.log" &
cron_pid=$!
api_wait "$t" "$id" succeeded
check_equal "re-claimed and finished on attempt 2" \
    "$(jq -r .attempts "$IT_TMP/run.json")" 2
blob=$store/$(jq -r '.outputs[] | select(.type == "bundle") | .sha256 |
    ltrimstr("sha256:") | "sha256/" + .[0:2] + "/" + .' "$IT_TMP/run.json")
mkdir -p "$IT_TMP/clean"
"$EC_BIN" build --profile json:raw --tenant "$t" --targets advisory \
    --run-id "$id" --out "$IT_TMP/clean" >/dev/null
check "byte-identical to a clean build of the same inputs" \
    cmp "$blob" "$(it_bundle "$IT_TMP/clean")"
check_equal "/metrics counts the lost lease (the whole database's)" \
    "$(losses)" "$((losses_before + 1))"

# PostgreSQL stopped under load, then started again.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg=$EC_VAR/pg
small='{"profileId":"export-profile::'$t'::json:raw","targets":["vex"]}'
ids=
for k in 1 2 3; do
	ids="$ids $(api POST /export-center/runs "$t" -H "Idempotency-Key: pg-$k" \
	    --data-binary "$small" | jq -r .runId)"
done
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg/data" -m fast -w -t 60 \
    stop >/dev/null
api GET "/export-center/runs/${ids##* }" "$t" -D "$IT_TMP/down.head" \
    -o "$IT_TMP/down.body"
api_error down 503 ERR_UNAVAILABLE
check "503 carries Retry-After" grep -qi '^retry-after: 2' "$IT_TMP/down.head"
check_equal "and retryAfterSeconds" "$(jq -r .retryAfterSeconds \
    "$IT_TMP/down.body")" 2
c -D "$IT_TMP/readyz.head" -o "$IT_TMP/readyz.body" "$base/readyz"
check_equal "/readyz is 503 meanwhile" "$(api_status readyz)" 503
check_equal "/healthz still 200" \
    "$(c -o /dev/null -w '%{http_code}' "$base/healthz")" 200
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" \
    -w -t 60 -o "-c listen_addresses= -c unix_socket_directories=$pg/run \
    -c fsync=off" start >/dev/null
for _ in $(seq 1 100); do
	[ "$(c -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] && break
	sleep 0.2
done
check_equal "the pool reconnects after the restart" \
    "$(c -o /dev/null -w '%{http_code}' "$base/readyz")" 200
for k in 1 2 3; do
	api POST /export-center/runs "$t" -H "Idempotency-Key: pg-$k" \
	    --data-binary "$small" | jq -r .runId
done >"$IT_TMP/again"
check_equal "the runs queued before the outage are still there" \
    "$(tr '\n' ' ' <"$IT_TMP/again")" "${ids# } "
for i in $ids; do api_wait "$t" "$i" succeeded; done
check_equal "each built once: one completed event per run" \
    "$(it_as "$t" "SELECT string_agg(n::text, ' ') FROM (SELECT count(*)
    AS n FROM run_events WHERE tenant = '$t' AND type = 'completed' AND
    run_id IN ($(echo $ids | sed "s/\([^ ]*\)/'\1'/g; s/ /,/g"))
    GROUP BY run_id) s")" "1 1 1"

# The outage's answers against the OpenAPI document.
api_record get "/export-center/runs/{runId}" 503 "$IT_TMP/down.body"
api_record get /readyz 503 "$IT_TMP/readyz.body"
api_openapi_check

# SIGTERM: the master drains its workers and exits 0.
kill -TERM "$master"
for _ in $(seq 1 100); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM: the master is gone" sh -c "! kill -0 $master 2>/dev/null"
check "and logged the drain and its exit" sh -c "grep -q event=drain \
    '$run/fcgi.log' && grep -q event=exit '$run/fcgi.log'"
check_equal "no worker is left" "$(ps -o pid= --ppid "$master" | wc -l)" 0

it_done
