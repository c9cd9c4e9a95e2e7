#!/bin/bash
# export-cron --loop across PostgreSQL restarts: it reconnects and builds
# runs queued after a restart, and a restart in the middle of a build
# leaves the run to its lease, after which it is built again (attempt 2)
# and completed exactly once with the bytes a clean build gives.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"

t=$(it_tenant a)
src=$(it_tenant src)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=$EC_VAR/pg/data
# pg_ctl restart keeps the options the cluster was started with.
restart() {
	runuser -u postgres -- "$pgbin/pg_ctl" -D "$data" -m fast -w -t 60 \
	    restart >/dev/null
}
"$EC_BIN" ingest --tenant "$src" "$EC_ROOT/tests/fixtures" >/dev/null
it_run_big_input "$src" "$t" 300
status() { it_run_status "$t" "$1"; }

"$EC_CRON" --loop --store "$EC_STORE" --lease 3 --owner it-restart \
    2>"$IT_TMP/cron.log" &
p=$!
small=$("$EC_BIN" run create --tenant "$t" --profile json:raw --targets vex)
check "a run before the restart" \
    "$EC_BIN" run wait "$small" --tenant "$t" --timeout 120
check "PostgreSQL restarts" restart
after=$("$EC_BIN" run create --tenant "$t" --profile json:raw --targets sbom)
check "a run queued after the restart is built by the same process" \
    "$EC_BIN" run wait "$after" --tenant "$t" --timeout 120

big=$("$EC_BIN" run create --tenant "$t" --profile json:raw --targets advisory)
i=0
while [ "$(status "$big")" != "running 1" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "PostgreSQL restarts in the middle of a build" restart
"$EC_BIN" --json run wait "$big" --tenant "$t" --timeout 300 >"$IT_TMP/big.json"
kill -TERM "$p"
check "export-cron is still alive and exits 0 on SIGTERM" wait "$p"
check_equal "the interrupted run succeeded on its second attempt" \
    "$(jq -r '.status + " " + (.attempts | tostring)' "$IT_TMP/big.json")" \
    "succeeded 2"
check_equal "completed once" \
    "$(it_as "$t" "SELECT count(*) FROM run_events WHERE run_id = '$big'
    AND type = 'completed'")" 1
check "the log says the database went away and the run was left for retry" \
    grep -q "run=$big .*attempt=1 event=left_for_retry" \
    "$IT_TMP/cron.log"
mkdir -p "$IT_TMP/clean"
"$EC_BIN" build --profile json:raw --tenant "$t" --targets advisory \
    --run-id "$big" --out "$IT_TMP/clean" >/dev/null
check "byte-identical to a clean build" \
    cmp "$EC_STORE/$(jq -r '.outputs[0].url' "$IT_TMP/big.json")" \
    "$(it_bundle "$IT_TMP/clean")"
it_done
