#!/bin/bash
# Every refusal of the gateway contract, triggered on purpose through
# nginx (127.0.0.1:18452, and :18453 with a limit of 1 request a minute)
# in front of the FastCGI pool: body size, request validation, profiles,
# the tenant header, scopes, token and proof forgeries made with PyJWT
# (tests/tools/dpop.py), replays (also after the worker that saw the
# proof first was killed, so another process refuses it), rate limits.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

ta=$(it_tenant a)
api_start 18452 18453
runs=/export-center/runs
pid=export-profile::$ta::json:raw

# refuse NAME STATUS CODE METHOD PATH [CURL ARGS]: with $API_MINT and
# $API_HDR_TENANT as set by the caller.
refuse() {
	local name=$1 status=$2 code=$3 m=$4 p=$5
	shift 5
	api "$m" "$p" "$ta" -D "$IT_TMP/$name.head" -o "$IT_TMP/$name.body" "$@"
	api_error "$name" "$status" "$code"
}
# says NAME TEXT: the refusal's message names what was wrong.
says() {
	check "$1: the message says \"$2\"" grep -qF -- "$2" "$IT_TMP/$1.body"
}
post() { refuse "$1" "$2" "$3" POST "$runs" --data-binary "$4"; }

# Body and request validation.
head -c 262145 /dev/zero | tr '\0' ' ' >"$IT_TMP/big"
refuse too_large 413 ERR_EXPORT_TOO_LARGE POST "$runs" \
    --data-binary @"$IT_TMP/big"
targets=$(for i in $(seq 1 51); do printf '"vex",'; done | sed 's/,$//')
post targets51 400 ERR_EXPORT_REQUEST_INVALID \
    "{\"profileId\":\"$pid\",\"targets\":[$targets]}"
says targets51 "targets: 1 to 50 entries"
post malformed 400 ERR_EXPORT_REQUEST_INVALID "{\"profileId\":\"$pid\","
says malformed "malformed JSON"
post unknown_field 400 ERR_EXPORT_REQUEST_INVALID \
    "{\"profileId\":\"$pid\",\"colour\":\"red\"}"
says unknown_field "colour: unknown field"
post nested_unknown 400 ERR_EXPORT_REQUEST_INVALID \
    "{\"profileId\":\"$pid\",\"encryption\":{\"enabled\":false,\"x\":1}}"
says nested_unknown "encryption.x: unknown field"
post wrong_type 400 ERR_EXPORT_REQUEST_INVALID \
    "{\"profileId\":\"$pid\",\"targets\":\"vex\"}"
says wrong_type "targets: must be an array"
post retention_type 400 ERR_EXPORT_REQUEST_INVALID \
    "{\"profileId\":\"$pid\",\"retentionDays\":\"30\"}"
says retention_type "retentionDays"
post priority_bad 400 ERR_EXPORT_REQUEST_INVALID \
    "{\"profileId\":\"$pid\",\"priority\":\"urgent\"}"
says priority_bad "priority"
post keyref_bad 400 ERR_EXPORT_REQUEST_INVALID "{\"profileId\":\"$pid\",
\"distribution\":{\"type\":\"oci\",\"ref\":\"r.local/x\",
\"signing\":{\"enabled\":true,\"keyRef\":\"http://evil/key\"}}}"
says keyref_bad "distribution.signing.keyRef"
post kms_missing 400 ERR_EXPORT_REQUEST_INVALID \
    "{\"profileId\":\"$pid\",\"encryption\":{\"enabled\":true}}"
says kms_missing "encryption.kmsKey: required when enabled"
post unknown_target 400 ERR_EXPORT_REQUEST_INVALID \
    "{\"profileId\":\"$pid\",\"targets\":[\"nonsense\"]}"
post not_object 400 ERR_EXPORT_REQUEST_INVALID '["vex"]'
post no_profile 400 ERR_EXPORT_REQUEST_INVALID '{"targets":["vex"]}'
says no_profile "profileId"
post unknown_profile 404 ERR_EXPORT_PROFILE_NOT_FOUND \
    "{\"profileId\":\"export-profile::$ta::nope\"}"
refuse bad_key 400 ERR_EXPORT_REQUEST_INVALID POST "$runs" \
    -H 'Idempotency-Key: has space' --data-binary "{\"profileId\":\"$pid\"}"
check_equal "no refused request created a run" "$(api_runs "$ta")" 0
refuse no_run 404 ERR_NOT_FOUND GET "$runs/export-run::$ta::2026-01-01::0001"
refuse bad_run_id 404 ERR_NOT_FOUND GET "$runs/nonsense"

# The tenant header.
API_HDR_TENANT=- refuse no_tenant 400 ERR_EXPORT_REQUEST_INVALID GET "$runs/x"
says no_tenant "X-StellaOps-Tenant"
API_HDR_TENANT=$(it_tenant b) refuse foreign_tenant 403 ERR_FORBIDDEN \
    GET /export-center/profiles
says foreign_tenant "tenant"

# Scopes.
API_MINT=scope=export:write refuse read_scope 403 ERR_FORBIDDEN \
    GET /export-center/profiles
check "a scope refusal challenges with insufficient_scope" grep -qi \
    '^www-authenticate: DPoP .*error="insufficient_scope"' \
    "$IT_TMP/read_scope.head"
API_MINT=scope=export:read post write_scope 403 ERR_FORBIDDEN \
    "{\"profileId\":\"$pid\"}"

# Tokens and proofs: every forgery is 401 with a DPoP challenge.
forge() {
	API_MINT=$2 refuse "$1" 401 ERR_UNAUTHORIZED GET /export-center/profiles
	check "$1: WWW-Authenticate: DPoP" grep -qi '^www-authenticate: DPoP' \
	    "$IT_TMP/$1.head"
	says "$1" "$3"
}
forge expired exp=-300 "expired"
forge bad_token_sig token_sig=bad "token: signature"
forge bad_proof_sig proof_sig=bad "proof: ES256 signature does not verify"
forge alg_none alg=none "algorithm not allowed"
forge wrong_htu htu=https://127.0.0.1:18459/export-center/profiles \
    "htu does not match"
forge wrong_htm htm=POST "htm"
forge stale_iat iat=-600 "older than"
forge wrong_ath ath=bad "ath does not match"
forge wrong_aud aud=other "audience"

# Replays: the same proof twice; then again after the worker that took
# it first is gone (kill -9), so that another process, seeing only
# PostgreSQL, refuses it.
tp=$(/usr/bin/python3 "$API_DPOP" mint "$run/keys" "$API_ISSUER" GET \
    "$base/export-center/profiles" "$ta")
replay() {
	c -D "$IT_TMP/$1.head" -o "$IT_TMP/$1.body" \
	    -H "Authorization: DPoP ${tp% *}" -H "DPoP: ${tp#* }" \
	    -H "X-StellaOps-Tenant: $ta" "$base/export-center/profiles"
}
replay first
check_equal "a fresh proof passes" "$(api_status first)" 200
first=$(grep 'status=200' "$run/fcgi.log" | tail -n 1 |
    sed 's/.*fcgi\[\([0-9]*\)\].*/\1/')
replay replayed
api_error replayed 401 ERR_UNAUTHORIZED
says replayed "replay"
kill -9 "$first"
for _ in $(seq 1 50); do
	grep -q "worker_exited pid=$first" "$run/fcgi.log" && break
	sleep 0.1
done
replay replayed_elsewhere
api_error replayed_elsewhere 401 ERR_UNAUTHORIZED
check "and the refusal came from another process" sh -c "grep 'status=401' \
    '$run/fcgi.log' | tail -n 1 | grep -vq 'fcgi\[$first\]'"
check "the jti is one row of dpop_jti" test "$(it_as "$ta" "SELECT count(*)
    FROM dpop_jti WHERE tenant = '$ta'")" -ge 1

# GET of a run records the jti in the transaction that reads the run
# (ec_run_show_jti): a replay is 401 there too, not the run's 404, and
# also for an id not of the tenant's shape.
for rid in "export-run::$ta::2026-01-01::0002" nonsense; do
	tp=$(/usr/bin/python3 "$API_DPOP" mint "$run/keys" "$API_ISSUER" GET \
	    "$base$runs/$rid" "$ta")
	for n in run_first run_replayed; do
		c -D "$IT_TMP/$n.head" -o "$IT_TMP/$n.body" \
		    -H "Authorization: DPoP ${tp% *}" -H "DPoP: ${tp#* }" \
		    -H "X-StellaOps-Tenant: $ta" "$base$runs/$rid"
	done
	api_error run_first 404 ERR_NOT_FOUND
	api_error run_replayed 401 ERR_UNAUTHORIZED
	says run_replayed "replay"
done

# Rate limit (the second front end: 1 request a minute, burst 1).
for i in 1 2; do
	API_BASE=$rate_base api GET /export-center/profiles "$ta" -o /dev/null \
	    -w '%{http_code} '
done >"$IT_TMP/codes"
check_equal "the rate and burst pass" "$(cat "$IT_TMP/codes")" "200 200 "
API_BASE=$rate_base refuse rate_limit 429 ERR_EXPORT_RATE_LIMIT \
    GET /export-center/profiles
check "429 carries Retry-After: 7" \
    grep -qi '^retry-after: 7' "$IT_TMP/rate_limit.head"

# The refusals against the OpenAPI document.
for r in too_large:413 targets51:400 unknown_field:400 no_builder:404 \
    write_scope:403; do
	api_record post /export-center/runs "${r#*:}" "$IT_TMP/${r%:*}.body"
done
for r in expired:401 read_scope:403 no_tenant:400 rate_limit:429; do
	api_record get /export-center/profiles "${r#*:}" "$IT_TMP/${r%:*}.body"
done
api_record get "/export-center/runs/{runId}" 404 "$IT_TMP/no_run.body"
api_openapi_check

it_done
