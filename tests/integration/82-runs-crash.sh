#!/bin/bash
# A builder killed with SIGKILL in the middle of a build: its lease runs
# out, another export-cron claims the run again (attempt 2) and finishes
# it with the bytes a clean build of the same inputs gives, while a third
# competes for the queue (the lease, shorter than the build, is renewed).
# Past its deadline an abandoned run fails with ERR_EXPORT_TIMEOUT, and
# one abandoned too often with ERR_INTERNAL.  The input is made large
# (about 90,000 advisories) so that a build lasts long enough to be hit.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"

src=$(it_tenant src)
t=$(it_tenant big)
"$EC_BIN" ingest --tenant "$src" "$EC_ROOT/tests/fixtures" >/dev/null
it_run_big_input "$src" "$t" 300

as_tenant() { it_as "$t" "$1"; }
status() { it_run_status "$t" "$1"; }

# Entries of the store's staging area newer than the file $1: those of
# builders started after it, not a dead builder's from before.
staged() {
	find "$EC_STORE/tmp" -mindepth 1 -maxdepth 1 -newer "$1" 2>/dev/null |
	    wc -l
}

# Wait (60 s at most) until run $1 is held and being built: its staging
# and the export's are in the store, both newer than the file $2.
building() {
	local i=0
	while { [ "$(status "$1")" != "running 1" ] ||
	    [ "$(staged "$2")" -lt 2 ]; } &&
	    [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# Start a builder, wait until it holds run $1 and has begun building (its
# staging and the export's are in the store), kill -9 it; then check that
# it died mid-build: still running, attempt 1, nothing completed.
victim() {
	local id=$1 p
	touch "$IT_TMP/mark"
	"$EC_CRON" --loop --store "$EC_STORE" --lease 3 --owner it-victim \
	    2>>"$IT_TMP/victim.log" &
	p=$!
	building "$id" "$IT_TMP/mark"
	kill -KILL "$p"
	wait "$p" 2>/dev/null
	check_equal "$2: killed mid-build (still running, attempt 1)" \
	    "$(status "$id")" "running 1"
	check_equal "$2: no completed event" \
	    "$(as_tenant "SELECT count(*) FROM run_events WHERE run_id = '$id'
	    AND type = 'completed'")" 0
}

id=$("$EC_BIN" run create --tenant "$t" --profile json:raw --targets advisory)
victim "$id" "reclaim"
check "the killed builder left its staging behind" \
    sh -c '[ "$(ls -A "$1/tmp" | wc -l)" -gt 0 ]' _ "$EC_STORE"

"$EC_CRON" --loop --store "$EC_STORE" --lease 3 --owner it-heir \
    2>"$IT_TMP/heir.log" &
p2=$!
"$EC_CRON" --loop --store "$EC_STORE" --lease 3 --owner it-rival \
    2>"$IT_TMP/rival.log" &
p3=$!
"$EC_BIN" --json run wait "$id" --tenant "$t" --timeout 600 \
    >"$IT_TMP/show.json"
kill -TERM "$p2" "$p3"
wait "$p2" "$p3"
check_equal "re-claimed after the lease expired and succeeded, attempt 2" \
    "$(jq -r '.status + " " + (.attempts | tostring)' "$IT_TMP/show.json")" \
    "succeeded 2"
check_equal "two started events, one completed" \
    "$(as_tenant "SELECT string_agg(type, ',' ORDER BY id) FROM run_events
    WHERE run_id = '$id' AND type IN ('started', 'completed')")" \
    "started,started,completed"
check_equal "exactly one of the two builders built it" \
    "$(cat "$IT_TMP/heir.log" "$IT_TMP/rival.log" |
    grep -c "run=$id .*attempt=2 event=succeeded")" 1
check_equal "nobody built it a third time" \
    "$(cat "$IT_TMP/heir.log" "$IT_TMP/rival.log" | grep -c "attempt=3")" 0
blob=$EC_STORE/$(jq -r '.outputs[0].url' "$IT_TMP/show.json")
check "exportctl verify on the re-claimed run's bundle" "$EC_BIN" verify "$blob"
mkdir -p "$IT_TMP/clean"
"$EC_BIN" build --profile json:raw --tenant "$t" --targets advisory \
    --run-id "$id" --out "$IT_TMP/clean" >/dev/null
check "byte-identical to a clean build of the same inputs" \
    cmp "$blob" "$(it_bundle "$IT_TMP/clean")"
check_equal "the dead builder's staging was swept" \
    "$(ls -A "$EC_STORE/tmp" | wc -l)" 0

# Abandoned past its deadline: the next claim fails it.
late=$("$EC_BIN" run create --tenant "$t" --profile json:raw --targets advisory \
    --formats ndjson)
victim "$late" "timeout"
as_tenant "UPDATE runs SET deadline_at = now() - interval '1 second'
    WHERE tenant = '$t' AND id = '$late'" >/dev/null
it_run_drain "$t" "$late"
"$EC_BIN" --json run show "$late" --tenant "$t" >"$IT_TMP/late.json"
check_equal "past its deadline: failed with ERR_EXPORT_TIMEOUT" \
    "$(jq -r '.status + " " + .errors[0].code' "$IT_TMP/late.json")" \
    "failed ERR_EXPORT_TIMEOUT"
check_fails "run wait on it: exit 2, the run's code on stderr" 2 \
    ERR_EXPORT_TIMEOUT "$EC_BIN" run wait "$late" --tenant "$t" --timeout 5
check_equal "and a failed event with the code" \
    "$(as_tenant "SELECT payload->>'code' FROM run_events WHERE
    run_id = '$late' AND type = 'failed'")" ERR_EXPORT_TIMEOUT

# Abandoned as often as the builder allows: failed, not retried forever.
tries=$("$EC_BIN" run create --tenant "$t" --profile json:raw --formats ndjson)
victim "$tries" "attempts"
it_run_drain "$t" "$tries" --max-attempts 1
"$EC_BIN" --json run show "$tries" --tenant "$t" >"$IT_TMP/tries.json"
check_equal "abandoned once with --max-attempts 1: failed, ERR_INTERNAL" \
    "$(jq -r '.status + " " + .errors[0].code' "$IT_TMP/tries.json")" \
    "failed ERR_INTERNAL"
# Past its deadline while being built: the next renewal fails the run
# with ERR_EXPORT_TIMEOUT, and the build, when it ends, records nothing.
slow=$("$EC_BIN" run create --tenant "$t" --profile json:raw --targets advisory \
    --formats json,ndjson)
# The build is held inside its snapshot (the evidence table locked) until
# the renewal has failed the run, so the check never races the build.
it_psql -c "SET application_name = 'it-hold'" -c "BEGIN" \
    -c "LOCK TABLE evidence IN ACCESS EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(120)" -c "COMMIT" >/dev/null 2>&1 &
hold=$!
i=0
while [ "$(it_psql -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity
    a USING (pid) WHERE a.application_name = 'it-hold' AND
    l.mode = 'AccessExclusiveLock' AND l.granted")" = 0 ] &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
touch "$IT_TMP/mark"
"$EC_CRON" --loop --store "$EC_STORE" --lease 3 --owner it-slow \
    2>"$IT_TMP/slow.log" &
p=$!
building "$slow" "$IT_TMP/mark"
as_tenant "UPDATE runs SET deadline_at = now() - interval '1 second'
    WHERE tenant = '$t' AND id = '$slow'" >/dev/null
i=0
while [ "$(status "$slow")" = "running 1" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
it_psql -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'it-hold'" >/dev/null
wait "$hold" 2>/dev/null
i=0
while ! grep -q "run=$slow .*event=abandoned" "$IT_TMP/slow.log" &&
    [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$p"
wait "$p"
"$EC_BIN" --json run show "$slow" --tenant "$t" >"$IT_TMP/slow.json"
check_equal "timed out while building: failed, ERR_EXPORT_TIMEOUT" \
    "$(jq -r '.status + " " + .errors[0].code' "$IT_TMP/slow.json")" \
    "failed ERR_EXPORT_TIMEOUT"
check_equal "the renewal said why" \
    "$(grep -c "run=$slow .*event=lease_lost code=ERR_EXPORT_TIMEOUT" \
    "$IT_TMP/slow.log")" 1
check_equal "and the finished build recorded no output" \
    "$(jq '.outputs | length' "$IT_TMP/slow.json")" 0

# SIGTERM in the middle of a build: the build is finished and recorded,
# then the process exits 0.
drain=$("$EC_BIN" run create --tenant "$t" --profile json:raw --targets advisory \
    --priority 9)
touch "$IT_TMP/mark"
"$EC_CRON" --loop --store "$EC_STORE" --owner it-drain 2>"$IT_TMP/drain.log" &
p=$!
building "$drain" "$IT_TMP/mark"
kill -TERM "$p"
check "SIGTERM mid-build: export-cron exits 0" wait "$p"
check_equal "after finishing the run it held" "$(status "$drain")" \
    "succeeded 1"
check "the log says so, in that order" \
    sh -c 'grep -o "event=succeeded\|event=exit reason=signal" "$1" |
    tr "\n" " " | grep -qx "event=succeeded event=exit reason=signal "' \
    _ "$IT_TMP/drain.log"
check_equal "nothing is left in the queue" \
    "$(it_psql -c "SELECT count(*) FROM run_queue")" 0
it_done
