#!/bin/bash
# mirror:delta runs through the API (nginx, the FastCGI pool and
# export-cron, as 85-api.sh starts them): baseRunId is checked when the
# run is queued, and each refusal creates no run.  Refused: baseRunId on
# another profile, not a string, missing on mirror:delta, naming an
# unknown run, another tenant's run (answered as unknown) or a run of
# another profile.  When the build has mirror:full, a delta run against a
# full run succeeds, its base rebuilt by export-cron from the store, and
# a delta run against that delta run starts from the tree it led to.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

ta=$(it_tenant a)
tb=$(it_tenant b)
"$EC_BIN" ingest --tenant "$ta" "$EC_ROOT/tests/fixtures/vex" >/dev/null
"$EC_BIN" ingest --tenant "$tb" "$EC_ROOT/tests/fixtures/vex" >/dev/null
api_start 18490 18491
# export-cron with a key: a delta's removals are trusted only signed.
"$EC_BIN" keys generate --type ed25519 --out "$IT_TMP/k" >/dev/null
"$EC_CRON" --loop --db "$API_APP" --store "$store" \
    --key "$IT_TMP/k/signing.key.pem" 2>>"$run/cron.log" &
cron_pid=$!

post() {	# post NAME TENANT BODY
	api POST /export-center/runs "$2" -D "$IT_TMP/$1.head" \
	    -o "$IT_TMP/$1.body" --data-binary "$3"
}
prof() { echo "export-profile::$1::$2"; }
post raw "$ta" '{"profileId":"'"$(prof "$ta" json:raw)"'","targets":["vex"]}'
raw=$(jq -r .runId "$IT_TMP/raw.body")
api_wait "$ta" "$raw" succeeded
post rawb "$tb" '{"profileId":"'"$(prof "$tb" json:raw)"'","targets":["vex"]}'
rawb=$(jq -r .runId "$IT_TMP/rawb.body")
api_wait "$tb" "$rawb" succeeded
n0=$(api_runs "$ta")

# refused NAME STATUS CODE BODY: the contract's error naming baseRunId
# where it is a request error, and no run made.
refused() {
	post "$1" "$ta" "$4"
	api_error "$1" "$2" "$3"
	[ "$3" = ERR_EXPORT_REQUEST_INVALID ] && check "$1: names baseRunId" \
	    jq -e '.message | test("baseRunId")' "$IT_TMP/$1.body"
	check_equal "$1: no run made" "$(api_runs "$ta")" "$n0"
}
refused on-raw 400 ERR_EXPORT_REQUEST_INVALID \
    '{"profileId":"'"$(prof "$ta" json:raw)"'","baseRunId":"'"$raw"'"}'
refused not-string 400 ERR_EXPORT_REQUEST_INVALID \
    '{"profileId":"'"$(prof "$ta" mirror:delta)"'","baseRunId":7}'
check_fails "exportctl run create --base-run on json:raw" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" run create --tenant "$ta" \
    --profile json:raw --base-run "$raw"
check_equal "  ... no run made" "$(api_runs "$ta")" "$n0"
delta='{"profileId":"'"$(prof "$ta" mirror:delta)"'"'
refused missing 400 ERR_EXPORT_REQUEST_INVALID "$delta}"
refused unknown 409 ERR_EXPORT_BASE_MISSING \
    "$delta"',"baseRunId":"export-run::'"$ta"'::2020-01-01::9999"}'
refused other-tenant 409 ERR_EXPORT_BASE_MISSING \
    "$delta"',"baseRunId":"'"$rawb"'"}'
check "other-tenant: answered as an unknown run" jq -e \
    '.message | test("no run")' "$IT_TMP/other-tenant.body"
refused other-profile 400 ERR_EXPORT_REQUEST_INVALID \
    "$delta"',"baseRunId":"'"$raw"'"}'

post full "$ta" '{"profileId":"'"$(prof "$ta" mirror:full)"'"}'
full=$(jq -r .runId "$IT_TMP/full.body")
api_wait "$ta" "$full" succeeded
"$EC_BIN" ingest --tenant "$ta" "$EC_ROOT/tests/fixtures/osv" >/dev/null
post d1 "$ta" "$delta"',"baseRunId":"'"$full"'"}'
check_equal "a mirror:delta run against the full run is queued" \
    "$(api_status d1)" 202
d1=$(jq -r .runId "$IT_TMP/d1.body")
api_wait "$ta" "$d1" succeeded
check "  ... its outputs hold manifest.diff.json and the changed files" \
    jq -e '[.outputs[].id] | index("manifest.diff.json") != null and
    any(.[]; startswith("files/"))' "$IT_TMP/run.json"
# diff_of: the stored manifest.diff.json of the run in $IT_TMP/run.json.
diff_of() {
	local h
	h=$(jq -r '.outputs[] | select(.id == "manifest.diff.json") |
	    .sha256 | ltrimstr("sha256:")' "$IT_TMP/run.json")
	cat "$store/sha256/${h:0:2}/$h"
}
diff_of >"$IT_TMP/d1.diff"
# A delta on the delta: export-cron rebuilds d1's tree (the full run's
# tree with d1 applied) as the base.
"$EC_BIN" ingest --tenant "$ta" "$EC_ROOT/tests/fixtures/sbom" >/dev/null
post d2 "$ta" "$delta"',"baseRunId":"'"$d1"'"}'
d2=$(jq -r .runId "$IT_TMP/d2.body")
api_wait "$ta" "$d2" succeeded
diff_of >"$IT_TMP/d2.diff"
check_equal "  ... its base is the tree d1 leads to" \
    "$(jq -r .baseTreeSha256 "$IT_TMP/d2.diff")" \
    "$(jq -r .newTreeSha256 "$IT_TMP/d1.diff")"

# The audit events, read back through the API's event stream: a finished
# run's stream replays every event and closes after completed.  sse RUN:
# one JSON object {event, data} per event, in order.
sse() {
	api GET "/export-center/runs/$1/events" "$ta" --no-buffer |
	    tr -d '\r' | jq -R -n -c '[inputs] | reduce .[] as $l ({o: [],
	    e: null}; if ($l | startswith("event: ")) then .e = $l[7:]
	    elif ($l | startswith("data: ")) then .o += [{event: .e,
	    data: ($l[6:] | fromjson)}] else . end) | .o[]'
}
# manifest_of RUN: the sha256 of its manifest output (as GET /runs/{id}).
manifest_of() {
	api GET "/export-center/runs/$1" "$ta" | jq -r '.outputs[] |
	    select(.id == "manifest.json") | .sha256'
}
sse "$full" >"$IT_TMP/full.sse"
sse "$d1" >"$IT_TMP/d1.sse"
sse "$d2" >"$IT_TMP/d2.sse"
for r in full d1 d2; do
	check_equal "$r: mirror.bundle.created comes once, just before completed" \
	    "$(jq -r .event "$IT_TMP/$r.sse" | tail -n 2 | paste -sd,)" \
	    "mirror.bundle.created,completed"
done
check "full: mirror.bundle.created names the run, its profile and manifest" \
    jq -e --arg r "$full" --arg m "$(manifest_of "$full")" -s \
    '[.[] | select(.event == "mirror.bundle.created") | .data] | length
    == 1 and .[0] == {runId: $r, profile: "mirror:full", exportId: $r,
    manifestSha256: $m}' "$IT_TMP/full.sse"
check "d1: mirror.bundle.created carries the base run and export ids" \
    jq -e --arg r "$d1" --arg b "$full" --arg m "$(manifest_of "$d1")" \
    --slurpfile d "$IT_TMP/d1.diff" -s '[.[] | select(.event ==
    "mirror.bundle.created") | .data][0] == {runId: $r, profile:
    "mirror:delta", exportId: $d[0].exportId, manifestSha256: $m,
    baseRunId: $b, baseExportId: $d[0].baseExportId} and
    $d[0].baseExportId == $b' "$IT_TMP/d1.sse"
check "d1: a full base applies no delta (no mirror.delta.applied)" \
    jq -e -s 'all(.[]; .event != "mirror.delta.applied")' "$IT_TMP/d1.sse"
check "d2: mirror.delta.applied names d1's delta, applied to rebuild the base" \
    jq -e --arg r "$d2" --arg b "$d1" --slurpfile d "$IT_TMP/d1.diff" -s \
    '[.[] | select(.event == "mirror.delta.applied") | .data] == [{runId:
    $r, baseRunId: $b, appliedExportIds: [$d[0].exportId]}]' \
    "$IT_TMP/d2.sse"
check "d2: mirror.bundle.created's baseExportId is its diff's" \
    jq -e --slurpfile d "$IT_TMP/d2.diff" -s '[.[] | select(.event ==
    "mirror.bundle.created") | .data][0].baseExportId ==
    $d[0].baseExportId' "$IT_TMP/d2.sse"
check "no run was encrypted: no mirror.encryption.enabled" \
    jq -e -s 'all(.[]; .event != "mirror.encryption.enabled")' \
    "$IT_TMP/full.sse" "$IT_TMP/d1.sse" "$IT_TMP/d2.sse"
check "export-cron logged mirror.delta.applied for d2" \
    grep -q "run=$d2 .*event=mirror.delta.applied payload=" "$run/cron.log"
it_done
