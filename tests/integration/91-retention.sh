#!/bin/bash
# Retention with a fake clock (export-cron --now), the API through nginx
# (tests/lib/api.sh) on 127.0.0.1:18490: a run past its
# retentionDays is 'expired' with an "expired" event, its download view
# is gone, the blobs only it named are deleted from the store, and a blob
# a live run shares stays in the store and in that run's view.  Passes
# racing builds of runs with the same blobs lose nothing a live run
# needs.  The tenant default (--retention-days) expires the rest.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

t=$(it_tenant a)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures" >/dev/null
later=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
blob() { echo "$EC_STORE/sha256/$(echo "$1" | cut -c1-2)/$1"; }
# outputs RUN: "hex id" per output, sorted by digest.
outputs() {
	"$EC_BIN" --json run show "$1" --tenant "$t" |
	    jq -r '.outputs[] | (.sha256 | ltrimstr("sha256:")) + " " + .id' |
	    sort
}
status() {
	"$EC_BIN" --json run show "$1" --tenant "$t" | jq -r .status
}
# intact RUN: every output of the run is in the store and in its view,
# with the bytes its digest names.
intact() {
	local hex id
	while read -r hex id; do
		[ "$(sha256sum <"$(blob "$hex")" | cut -c1-64)" = "$hex" ] &&
		    [ "$(sha256sum <"$EC_STORE/runs/$t/$1/$hex" |
		    cut -c1-64)" = "$hex" ] ||
		    { echo "lost $id $hex"; return 1; }
	done < <(outputs "$1")
}

a=$("$EC_BIN" run create --tenant "$t" --profile trivy:db --retention-days 1)
b=$("$EC_BIN" run create --tenant "$t" --profile trivy:db)
c=$("$EC_BIN" run create --tenant "$t" --profile json:raw --retention-days 1)
"$EC_CRON" --once --store "$EC_STORE" 2>"$IT_TMP/build.log"
check_equal "three runs built" "$(status "$a") $(status "$b") $(status "$c")" \
    "succeeded succeeded succeeded"
outputs "$a" | cut -d' ' -f1 | sort -u >"$IT_TMP/a"
outputs "$b" | cut -d' ' -f1 | sort -u >"$IT_TMP/b"
shared=$(comm -12 "$IT_TMP/a" "$IT_TMP/b")
only_a=$(comm -23 "$IT_TMP/a" "$IT_TMP/b")
only_c=$(outputs "$c" | cut -d' ' -f1)
check "the two trivy:db runs share blobs and each has its own too" \
    test -n "$shared" -a -n "$only_a"
"$EC_CRON" --once --store "$EC_STORE" 2>"$IT_TMP/now.log"
check_equal "at the real clock nothing is due" "$(status "$a") $(status "$c")" \
    "succeeded succeeded"

"$EC_CRON" --once --store "$EC_STORE" --now "$later" 2>"$IT_TMP/ret.log"
check_equal "two days on, the 1-day runs are expired, the other is not" \
    "$(status "$a") $(status "$b") $(status "$c")" "expired succeeded expired"
check_equal "the expired run's last event is 'expired'" \
    "$(it_as "$t" "SELECT type || ' ' || (payload->>'status') || ' ' ||
    (payload->>'runId') FROM run_events WHERE run_id = '$a'
    ORDER BY id DESC LIMIT 1")" "expired expired $a"
api_start 18490 18491
api GET "/export-center/runs/$a" "$t" -o "$IT_TMP/show-a.json"
check_equal "GET /runs/{id} through nginx says expired" \
    "$(jq -r '.runId + " " + .status' "$IT_TMP/show-a.json")" "$a expired"
check "its download view is gone" test ! -e "$EC_STORE/runs/$t/$a" \
    -a ! -e "$EC_STORE/runs/$t/$c"
check "its unshared blobs are deleted from the store" sh -c '
	for h in $1; do
		[ ! -e "$2/sha256/$(echo "$h" | cut -c1-2)/$h" ] || exit 1
	done' _ "$only_a $only_c" "$EC_STORE"
check "the shared blobs stay, and the live run's view still serves them" \
    intact "$b"
check "each expiry and deletion is logged" sh -c '
	grep -q "run=$1 tenant=$2 sha256=- event=expired$" "$3" &&
	grep -q "sha256=$4 event=blob_deleted$" "$3" &&
	grep -q "sha256=$5 event=blob_shared$" "$3"' _ "$a" "$t" \
    "$IT_TMP/ret.log" "$(echo "$only_a" | head -n 1)" \
    "$(echo "$shared" | head -n 1)"
"$EC_CRON" --once --store "$EC_STORE" --now "$later" 2>"$IT_TMP/ret2.log"
check_equal "a second pass expires nothing again" \
    "$(it_as "$t" "SELECT count(*) FROM run_events WHERE type = 'expired'")" 2

"$EC_CRON" --once --store "$EC_STORE" --now "$later" --retention-days 1 \
    2>"$IT_TMP/default.log"
check_equal "the tenant default expires a run without retentionDays" \
    "$(status "$b")" expired
check "once no live run names the shared blobs, they are deleted" sh -c '
	for h in $1; do
		[ ! -e "$2/sha256/$(echo "$h" | cut -c1-2)/$h" ] || exit 1
	done' _ "$shared" "$EC_STORE"
check_fails "run wait on an expired run fails naming ERR_EXPORT_EXPIRED" \
    2 ERR_EXPORT_EXPIRED "$EC_BIN" run wait "$b" --tenant "$t" --timeout 5

# Passes racing builds whose outputs are the blobs being deleted: each
# round's first run is the only live one naming them when it expires,
# while the second, with the same blobs, is being built.
lost=0
for round in 1 2; do
	d=$("$EC_BIN" run create --tenant "$t" --profile trivy:db \
	    --retention-days 1)
	"$EC_CRON" --once --store "$EC_STORE" 2>>"$IT_TMP/race.log"
	e=$("$EC_BIN" run create --tenant "$t" --profile trivy:db)
	pids=
	for now in "$later" "$later" ""; do
		"$EC_CRON" --once --store "$EC_STORE" ${now:+--now "$now"} \
		    2>>"$IT_TMP/race.log" &
		pids="$pids $!"
	done
	# Not a bare wait: the API's processes are children too.
	# shellcheck disable=SC2086
	wait $pids
	[ "$(status "$d") $(status "$e")" = "expired succeeded" ] &&
	    intact "$e" >>"$IT_TMP/race.log" || lost=$((lost + 1))
	# The next round starts with no live run naming the blobs.
	"$EC_CRON" --once --store "$EC_STORE" --now "$later" \
	    --retention-days 1 2>>"$IT_TMP/race.log"
done
check_equal "retention racing builds lost nothing a live run needs" \
    "$lost" 0

# The interlock, step by step.  A builder holds the store lock shared
# from putting its outputs until they are linked in its view; this
# session stands for one caught in between.
d=$("$EC_BIN" run create --tenant "$t" --profile json:raw --retention-days 1)
"$EC_CRON" --once --store "$EC_STORE" 2>>"$IT_TMP/lock.log"
hex=$(outputs "$d" | cut -d' ' -f1)
coproc LOCK { psql -X -q -t -A "$EXPORT_CENTER_DB"; }
echo "SELECT pg_advisory_lock_shared(x'4543424c4f425354'::bigint);" \
    >&"${LOCK[1]}"
read -r _ <&"${LOCK[0]}"
"$EC_CRON" --once --store "$EC_STORE" --now "$later" \
    2>>"$IT_TMP/lock.log" &
cron=$!
i=0
while [ "$(it_psql -c "SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted")" != 1 ] && [ $i -lt 200 ]
do
	sleep 0.1
	i=$((i + 1))
done
waiting=$([ $i -lt 200 ] && echo waits || echo "does not wait")
check_equal "the pass expired the run, then waits for the builder" \
    "$(status "$d"), $waiting" "expired, waits"
check "the blob stays while a builder holds the lock" test -f "$(blob "$hex")"
# The builder links the blob into its view, then lets go.
mkdir -p "$EC_STORE/runs/$t/it-building"
ln "$(blob "$hex")" "$EC_STORE/runs/$t/it-building/$hex"
echo "SELECT pg_advisory_unlock_shared(x'4543424c4f425354'::bigint);" \
    >&"${LOCK[1]}"
exec {LOCK[1]}>&-
wait "$cron"
check "a blob a view links is kept" test -f "$(blob "$hex")"
check "and logged as linked" grep -q "sha256=$hex event=blob_linked$" \
    "$IT_TMP/lock.log"
rm -r "$EC_STORE/runs/$t/it-building"
"$EC_CRON" --once --store "$EC_STORE" --now "$later" 2>>"$IT_TMP/lock.log"
check "once the view is gone, the next pass deletes it" \
    test ! -e "$(blob "$hex")"

it_done
