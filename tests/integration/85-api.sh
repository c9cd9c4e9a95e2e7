#!/bin/bash
# The export API through nginx: Debian's nginx with the project's config
# (tools/render-nginx.sh) on 127.0.0.1:18450, the FastCGI pool
# (build/export-center.fcgi, 2 workers, dropped to www-data, connected as
# a login role granted export_center_app only) and export-cron --loop.
# Tokens and proofs come from PyJWT and jwcrypto (tests/tools/dpop.py),
# requests from curl.  Checked: the happy path to a verified bundle,
# idempotency and its 409, tenant
# isolation (404) and the metrics.  86-api-auth.sh has the refusals,
# 87-api-ops.sh the pool's life (workers, reload, outages, drain).
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

ta=$(it_tenant a)
tb=$(it_tenant b)
"$EC_BIN" ingest --tenant "$ta" "$EC_ROOT/tests/fixtures/vex" >/dev/null
api_start 18450 18451
check_equal "the pool answers /healthz through nginx" \
    "$(c "$base/healthz" | jq -r .status)" ok
check_equal "/readyz: database reachable, migrations current" \
    "$(c "$base/readyz" | jq -r .status)" ready
check_equal "the master has 2 workers, running as www-data" \
    "$(ps -o user= --ppid "$(cat "$run/fcgi.pid")" | sort | uniq -c |
    tr -s ' ')" " 2 www-data"

# Profiles: one per built-in kind, with the contract's ids.
api GET /export-center/profiles "$ta" -o "$IT_TMP/p.json"
check_equal "GET /profiles lists the 7 built-in kinds" \
    "$(jq -r '[.profiles[].id] | join(" ")' "$IT_TMP/p.json")" \
    "$(for k in devportal:offline json:policy json:raw mirror:delta \
    mirror:full trivy:db trivy:java-db; do
	printf 'export-profile::%s::%s ' "$ta" "$k"; done | sed 's/ $//')"
check_equal "every kind has a builder (available)" \
    "$(jq -r '[.profiles[].available] | unique | join(" ")' \
    "$IT_TMP/p.json")" "true"

# Create: 202 with the contract's fields.
body='{"profileId":"export-profile::'$ta'::json:raw","targets":["vex"],
"formats":["json"],"retentionDays":30,"priority":"normal",
"distribution":{"type":"download","signing":{"enabled":false}},
"encryption":{"enabled":false}}'
api POST /export-center/runs "$ta" -D "$IT_TMP/c.head" -o "$IT_TMP/c.json" \
    -H 'Idempotency-Key: k-1' -H 'X-StellaOps-Project: proj-1' \
    --data-binary "$body"
id=$(jq -r .runId "$IT_TMP/c.json")
check_equal "POST /runs answers 202" "$(api_status c)" 202
check "runId has the contract's shape" sh -c "echo '$id' | grep -Eqx \
    'export-run::$ta::[0-9]{4}-[0-9]{2}-[0-9]{2}::[0-9]{4,}'"
check "status, estimateSeconds, links, retryAfter" jq -e --arg id "$id" \
    '.status == "queued" and .estimateSeconds >= 2 and .retryAfter == 5 and
    .links.status == "/export-center/runs/" + $id and
    .links.events == "/export-center/runs/" + $id + "/events"' \
    "$IT_TMP/c.json"

check_equal "X-StellaOps-Project and the options are recorded" \
    "$(it_as "$ta" "SELECT (request->'options'->>'project') || ' ' ||
    retention_days FROM runs WHERE id = '$id'")" "proj-1 30"

# Idempotency: same key and body, the same run; another body, 409.
api POST /export-center/runs "$ta" -o "$IT_TMP/c2.json" \
    -H 'Idempotency-Key: k-1' -H 'X-StellaOps-Project: proj-1' \
    --data-binary "$body"
check_equal "the same key and body give the same run" \
    "$(jq -r .runId "$IT_TMP/c2.json")" "$id"
before=$(api_runs "$ta")
api POST /export-center/runs "$ta" -D "$IT_TMP/conflict.head" \
    -o "$IT_TMP/conflict.body" -H 'Idempotency-Key: k-1' \
    --data-binary "${body/30/31}"
api_error conflict 409 ERR_CONFLICT
check_equal "the 409 created nothing" "$(api_runs "$ta")" "$before"

# The happy path: export-cron builds it, the API shows it, verify.
api_cron_start
api_wait "$ta" "$id" succeeded
check "the run succeeded with progress and sorted outputs" \
    jq -e '.status == "succeeded" and .progress.percent == 100 and
    .progress.itemsTotal == .progress.itemsCompleted and
    (.startedAt | test("Z$")) and (.outputs | length) >= 1 and
    ([.outputs[] | .sha256 | test("^sha256:[0-9a-f]{64}$")] | all) and
    (.outputs == (.outputs | sort_by(.type, .id, .format, .url)))' \
    "$IT_TMP/run.json"
url=$(jq -r '.outputs[] | select(.type == "bundle") | .sha256 |
    ltrimstr("sha256:") | "sha256/" + .[0:2] + "/" + .' "$IT_TMP/run.json")
check "exportctl verify passes on the stored bundle" \
    "$EC_BIN" verify "$store/$url"
check_equal "the stored blob has the listed sha256" \
    "sha256:$(sha256sum "$store/$url" | cut -d' ' -f1)" \
    "$(jq -r '.outputs[] | select(.type == "bundle") | .sha256' \
    "$IT_TMP/run.json")"

# Tenant isolation: B sees neither A's run nor A's profiles (404).
api GET "/export-center/runs/$id" "$tb" -D "$IT_TMP/foreign.head" \
    -o "$IT_TMP/foreign.body"
api_error foreign 404 ERR_NOT_FOUND
api GET /export-center/profiles "$tb" -o "$IT_TMP/pb.json"
check "B's profiles are B's only" jq -e --arg t "$tb" \
    '[.profiles[].id | startswith("export-profile::" + $t + "::")] | all' \
    "$IT_TMP/pb.json"
api POST /export-center/runs "$tb" -D "$IT_TMP/foreign_profile.head" \
    -o "$IT_TMP/foreign_profile.body" --data-binary "$body"
api_error foreign_profile 404 ERR_EXPORT_PROFILE_NOT_FOUND

# Metrics from PostgreSQL: the same whichever worker answers.
c -o "$IT_TMP/m1" "$base/metrics"
c -o "$IT_TMP/m2" "$base/metrics"
check "metrics: runs by status and profile, durations, bytes, queue" \
    sh -c "grep -q '^export_runs{status=\"succeeded\",profile=\"json:raw\"} [1-9]' \
    '$IT_TMP/m1' && grep -q '^export_build_duration_seconds_count [1-9]' \
    '$IT_TMP/m1' && grep -q '^export_bytes_exported_total [1-9]' \
    '$IT_TMP/m1' && grep -q '^export_queue_depth ' '$IT_TMP/m1' &&
    grep -q '^# TYPE export_build_duration_seconds histogram' '$IT_TMP/m1'"
check "two scrapes agree" cmp "$IT_TMP/m1" "$IT_TMP/m2"

# The live responses above against the OpenAPI document.
c -o "$IT_TMP/healthz.json" "$base/healthz"
c -o "$IT_TMP/readyz.json" "$base/readyz"
api_record get /healthz 200 "$IT_TMP/healthz.json"
api_record get /readyz 200 "$IT_TMP/readyz.json"
api_record get /export-center/profiles 200 "$IT_TMP/p.json"
api_record post /export-center/runs 202 "$IT_TMP/c.json"
api_record post /export-center/runs 409 "$IT_TMP/conflict.body"
api_record post /export-center/runs 404 "$IT_TMP/foreign_profile.body"
api_record get "/export-center/runs/{runId}" 200 "$IT_TMP/run.json"
api_record get "/export-center/runs/{runId}" 404 "$IT_TMP/foreign.body"
api_openapi_check

it_done
