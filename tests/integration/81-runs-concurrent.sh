#!/bin/bash
# Two export-cron --loop processes over one queue of runs from two
# tenants: every run is built exactly once (one claim, one attempt, one
# started and one completed event), and SIGTERM stops both cleanly.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"

a=$(it_tenant a)
b=$(it_tenant b)
n=6
"$EC_BIN" ingest --tenant "$a" "$EC_ROOT/tests/fixtures/osv" >/dev/null
"$EC_BIN" ingest --tenant "$b" "$EC_ROOT/tests/fixtures/vex" >/dev/null


: >"$IT_TMP/ids"
for i in $(seq "$n"); do
	for t in "$a" "$b"; do
		# Different selectors and priorities, so the runs differ.
		case $((i % 3)) in
		0) sel="--targets advisory,vex" ;;
		1) sel="--formats ndjson" ;;
		*) sel="" ;;
		esac
		echo "$t $("$EC_BIN" run create --tenant "$t" --profile json:raw \
		    $sel --priority $((i % 10)))" >>"$IT_TMP/ids"
	done
done
check_equal "$((2 * n)) runs queued" "$(wc -l <"$IT_TMP/ids")" $((2 * n))

"$EC_CRON" --loop --store "$EC_STORE" --owner it-one 2>"$IT_TMP/one.log" &
p1=$!
"$EC_CRON" --loop --store "$EC_STORE" --owner it-two 2>"$IT_TMP/two.log" &
p2=$!

ok=1
while read -r t id; do
	"$EC_BIN" run wait "$id" --tenant "$t" --timeout 300 >/dev/null || ok=0
done <"$IT_TMP/ids"
check_equal "every run succeeded" "$ok" 1

kill -TERM "$p1" "$p2"
check "export-cron one exits 0 on SIGTERM" wait "$p1"
check "export-cron two exits 0 on SIGTERM" wait "$p2"
check "both logged a clean exit" \
    sh -c 'grep -q "event=exit reason=signal" "$1" &&
    grep -q "event=exit reason=signal" "$2"' _ "$IT_TMP/one.log" \
    "$IT_TMP/two.log"

for t in "$a" "$b"; do
	check_equal "$t: one attempt per run" \
	    "$(it_as "$t" "SELECT count(*) FROM runs WHERE attempts <> 1")" 0
	check_equal "$t: one started and one completed event per run" \
	    "$(it_as "$t" "SELECT count(*) FROM runs r WHERE
	    (SELECT count(*) FROM run_events e WHERE e.tenant = r.tenant AND
	    e.run_id = r.id AND e.type = 'started') <> 1 OR
	    (SELECT count(*) FROM run_events e WHERE e.tenant = r.tenant AND
	    e.run_id = r.id AND e.type = 'completed') <> 1")" 0
	check_equal "$t: one bundle per run" \
	    "$(it_as "$t" "SELECT count(*) FROM runs r WHERE
	    (SELECT count(*) FROM artifacts x WHERE x.tenant = r.tenant AND
	    x.run_id = r.id) <> 1")" 0
done
claims=$(cat "$IT_TMP/one.log" "$IT_TMP/two.log" | grep -c "event=claimed")
check_equal "$((2 * n)) claims in the two logs together" "$claims" $((2 * n))
check_equal "no run was claimed twice" \
    "$(cat "$IT_TMP/one.log" "$IT_TMP/two.log" | grep "event=claimed" |
    sed 's/.* run=\([^ ]*\) .*/\1/' | sort | uniq -d | wc -l)" 0
check "every stored blob verifies" sh -c 'for f in "$1"/sha256/*/*; do
    "$2" verify "$f" >/dev/null || exit 1; done' _ "$EC_STORE" "$EC_BIN"
it_done
