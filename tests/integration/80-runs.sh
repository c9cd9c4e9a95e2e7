#!/bin/bash
# The run queue end to end: exportctl run create, export-cron --once
# builds the run into the content-addressed store, run show and wait,
# exportctl verify on the stored blob, the same bytes as a clean build;
# idempotency keys; tenants never see each other's runs, not even through
# a superuser connection (explicit tenant predicates).
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"

a=$(it_tenant a)
b=$(it_tenant b)
"$EC_BIN" ingest --tenant "$a" "$EC_ROOT/tests/fixtures" >/dev/null
"$EC_BIN" ingest --tenant "$b" "$EC_ROOT/tests/fixtures/vex" >/dev/null


id=$("$EC_BIN" run create --tenant "$a" --profile json:raw)
check "run id has the contract's shape" \
    sh -c 'echo "$1" | grep -Eq "^export-run::$2::[0-9]{4}-[0-9]{2}-[0-9]{2}::[0-9]{4}$"' \
    _ "$id" "$a"
check_equal "a new run is queued" \
    "$("$EC_BIN" --json run show "$id" --tenant "$a" | jq -r .status)" queued
check_equal "its profile is the tenant's json:raw" \
    "$("$EC_BIN" --json run show "$id" --tenant "$a" | jq -r .profileId)" \
    "export-profile::$a::json:raw"
check_equal "the tenant got one profile per built-in kind" \
    "$(it_as "$a" "SELECT count(*) FROM export_profiles")" 7
check_fails "run wait gives up after its timeout" 2 ERR_EXPORT_TIMEOUT \
    "$EC_BIN" run wait "$id" --tenant "$a" --timeout 1

check "export-cron --once builds the queue" \
    sh -c '"$1" --once --store "$2" 2>"$3"' _ "$EC_CRON" "$EC_STORE" "$IT_TMP/cron.log"
check "export-cron logged the success in ec_log form" \
    grep -Eq "^[0-9T:-]+Z export-cron\[[0-9]+\] info run=$id tenant=$a attempt=1 event=succeeded$" \
    "$IT_TMP/cron.log"
"$EC_BIN" --json run wait "$id" --tenant "$a" --timeout 60 >"$IT_TMP/show.json"
check_equal "run wait: succeeded" "$(jq -r .status "$IT_TMP/show.json")" \
    succeeded
check_equal "one attempt" "$(jq -r .attempts "$IT_TMP/show.json")" 1
check_equal "one output, the bundle" \
    "$(jq -r '.outputs | map(.type + " " + .format) | join(",")' \
    "$IT_TMP/show.json")" "bundle tar.zst"
url=$(jq -r '.outputs[0].url' "$IT_TMP/show.json")
sum=$(jq -r '.outputs[0].sha256' "$IT_TMP/show.json")
blob=$EC_STORE/$url
check "the blob sits at sha256/<aa>/<hex> of its own digest" \
    sh -c '[ "$(sha256sum <"$1" | cut -c1-64)" = "$(basename "$1")" ] &&
    [ "sha256:$(basename "$1")" = "$2" ] &&
    [ "$(basename "$(dirname "$1")")" = "$(basename "$1" | cut -c1-2)" ]' \
    _ "$blob" "$sum"
check_equal "size recorded" "$(jq -r '.outputs[0].size' "$IT_TMP/show.json")" \
    "$(stat -c %s "$blob")"
check "exportctl verify on the stored bundle" "$EC_BIN" verify "$blob"
run=$(jq -r '.runId' "$IT_TMP/show.json")
check "the run's download view links the blob (same inode)" \
    test "$EC_STORE/runs/$(jq -r '.runId | split("::")[1]' \
    "$IT_TMP/show.json")/$run/$(basename "$blob")" -ef "$blob"
check_equal "progress: every item" \
    "$(jq -r '.progress | "\(.percent) \(.itemsCompleted == .itemsTotal)"' \
    "$IT_TMP/show.json")" "100 true"
mkdir -p "$IT_TMP/clean"
"$EC_BIN" build --profile json:raw --tenant "$a" --run-id "$id" \
    --out "$IT_TMP/clean" >/dev/null
check "a clean exportctl build of the same run id gives the same bytes" \
    cmp "$blob" "$(it_bundle "$IT_TMP/clean")"
# Progress comes while building too (one or more events in a row).
check_equal "events: started, progress, artifact_ready, completed" \
    "$(it_as "$a" "SELECT string_agg(type, ',' ORDER BY id) FROM
    run_events WHERE run_id = '$id'" | tr , '\n' | uniq | paste -sd,)" \
    "started,progress,artifact_ready,completed"
check_equal "the last progress event matches the run's status" \
    "$(it_as "$a" "SELECT payload->>'itemsCompleted' || ' ' ||
    (payload->>'itemsTotal') || ' ' || (payload->>'percent') FROM run_events
    WHERE run_id = '$id' AND type = 'progress' ORDER BY id DESC LIMIT 1")" \
    "$(jq -r '.progress | "\(.itemsCompleted) \(.itemsTotal) \(.percent)"' \
    "$IT_TMP/show.json")"
check_equal "artifact_ready names the blob" \
    "$(it_as "$a" "SELECT payload->>'sha256' FROM run_events WHERE
    run_id = '$id' AND type = 'artifact_ready'")" "$sum"
check_equal "no staging is left in the store" "$(ls -A "$EC_STORE/tmp" | wc -l)" 0
check_equal "nothing is left in the queue" \
    "$(it_psql -c "SELECT count(*) FROM run_queue")" 0

# The same inputs again: another run, the same blob is kept, not copied.
id2=$("$EC_BIN" run create --tenant "$a" --profile json:raw --targets vex)
"$EC_CRON" --once --store "$EC_STORE" 2>/dev/null
check_equal "a second run succeeds" \
    "$("$EC_BIN" --json run show "$id2" --tenant "$a" | jq -r .status)" \
    succeeded
check "run ids count up per tenant and day" \
    sh -c '[ "${1##*::}" -eq $(( ${2##*::} + 1 )) ]' _ "$id2" "$id"

# Idempotency keys.
key=$(printf 'k%.0s' $(seq 255))
k1=$("$EC_BIN" run create --tenant "$a" --profile json:raw \
    --idempotency-key "$key")
check_equal "a 255-character key is accepted" "$(echo "$k1" | wc -w)" 1
k2=$("$EC_BIN" run create --tenant "$a" --profile json:raw \
    --idempotency-key "$key")
check_equal "same key, same request: the same run" "$k2" "$k1 (existing)"
k3=$("$EC_BIN" run create --tenant "$a" --profile export-profile::$a::json:raw \
    --targets sbom,vex,advisory --idempotency-key "$key")
check_equal "the same request by profile id and in another order" \
    "$k3" "$k1 (existing)"
before=$(it_as "$a" "SELECT count(*) FROM runs")
check_fails "same key, another request: ERR_CONFLICT (409)" 2 ERR_CONFLICT \
    "$EC_BIN" run create --tenant "$a" --profile json:raw --targets vex \
    --idempotency-key "$key"
check_equal "and nothing was created" \
    "$(it_as "$a" "SELECT count(*) FROM runs")" "$before"
for i in 1 2 3 4 5 6 7 8; do
	"$EC_BIN" run create --tenant "$a" --profile json:raw --targets sbom \
	    --idempotency-key racing >"$IT_TMP/race.$i" 2>&1 &
done
wait
check_equal "eight racing creates with one new key: one run id for all" \
    "$(sed 's/ (existing)//' "$IT_TMP"/race.* | sort -u | wc -l)" 1
check_equal "and it was made once" \
    "$(grep -L existing "$IT_TMP"/race.* | wc -l)" 1
check_equal "and no loser left a run of its own" \
    "$(it_as "$a" "SELECT count(*) FROM runs
    WHERE request->'targets' = '[\"sbom\"]'::jsonb")" 1
kb=$("$EC_BIN" run create --tenant "$b" --profile json:raw \
    --idempotency-key "$key")
check "another tenant's key is its own" \
    sh -c 'case "$1" in "export-run::$2::"*[0-9]) exit 0;; esac; exit 1' \
    _ "$kb" "$b"
"$EC_CRON" --once --store "$EC_STORE" 2>/dev/null

# Tenancy.
check_fails "tenant b cannot see tenant a's run" 2 ERR_NOT_FOUND \
    "$EC_BIN" run show "$id" --tenant "$b"
check_fails "a malformed run id is not found either" 2 ERR_NOT_FOUND \
    "$EC_BIN" run show "export-run::$a::x" --tenant "$a"
check_fails "nor wait for it" 2 ERR_NOT_FOUND \
    "$EC_BIN" run wait "$id" --tenant "$b" --timeout 5
su=$(echo "$EXPORT_CENTER_DB" | sed 's/user=export_center/user=postgres/')
check "the superuser connection really bypasses RLS" \
    sh -c '[ "$(psql -X -q -t -A "$1" -c "SELECT count(*) FROM runs")" -gt 0 ]' \
    _ "$su"
check_fails "a superuser connection still shows b nothing of a" 2 \
    ERR_NOT_FOUND "$EC_BIN" --db "$su" run show "$id" --tenant "$b"
check_equal "a superuser connection shows a its own run" \
    "$("$EC_BIN" --db "$su" --json run show "$id" --tenant "$a" |
    jq -r .status)" succeeded
check_equal "under RLS, b's queries see none of a's runs" \
    "$(it_as "$b" "SELECT count(*) FROM runs WHERE tenant = '$a'")" 0
check_equal "nor a's events or artifacts" \
    "$(it_as "$b" "SELECT (SELECT count(*) FROM run_events WHERE
    tenant = '$a') + (SELECT count(*) FROM artifacts WHERE tenant = '$a')")" 0
check_equal "no tenant set: no runs, even for the owner" \
    "$(it_psql -c "SELECT count(*) FROM runs")" 0
check_fails "b cannot insert a run for a" 1 - \
    it_psql -c "BEGIN; SELECT set_config('app.tenant', '$b', true);" \
    -c "INSERT INTO runs (tenant, id, profile_id, request, request_hash)
        VALUES ('$a', 'export-run::$a::2025-01-01::9999',
        'export-profile::$a::json:raw', '{}', repeat('0', 64)); COMMIT;"
it_done
