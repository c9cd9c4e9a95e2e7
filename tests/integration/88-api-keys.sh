#!/bin/bash
# Key references in runs, through nginx on 127.0.0.1:18466 (README: Key
# references in runs).  POST /export-center/runs resolves
# distribution.signing.keyRef and encryption.kmsKey through the pool's
# keyring (configured, then reloaded with SIGHUP) for the request's
# tenant: an unknown, foreign-tenant or wrong-use reference is a 400
# naming the field, with no run and no idempotency row.  export-cron
# signs with the key the reference resolves to, here one that lives in a
# real PKCS#11 token (SoftHSM 2) and is never read by the product, and
# encrypts to the recipients of an age reference; the independent DSSE
# verifier, exportctl verify --key and the real age -d check the results.
# A reference that stops resolving between POST and build fails the run
# before any work.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"
. "$(dirname "$0")/../lib/hsm.sh"

t=$(it_tenant main)
u=$(it_tenant other)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures/vex" >/dev/null
api_start 18466 18467

# The pool runs as www-data: it must reach the keyring and see (stat,
# never read) the files it names; export-cron reads them.
ring=$run/ring
mkdir -p "$ring/pins" "$ring/file" "$ring/age"
chmod 711 "$ring" "$ring/pins" "$ring/file" "$ring/age"
pin=481526
hsm_token "$ring/hsm" ec-api "$pin" 937164 "$IT_TMP/pub.pem"
printf '%s\n' "$pin" >"$ring/pins/sign.pin"
chmod 600 "$ring/pins/sign.pin"
check "a file key for a reference that will stop resolving" "$EC_BIN" keys \
    generate --type ed25519 --out "$ring/file"
check "an age key pair" "$EC_BIN" keys generate --type age --out "$ring/age"
chmod 644 "$ring/age/age-recipients.txt"
cat >"$ring/keyring.json" <<JSON
{"version": 1, "tenants": {
  "$t": {
    "pkcs11:token=ec-api;object=sign": {
      "pkcs11": "$tok;object=sign;type=private",
      "pinSource": "pins/sign.pin"},
    "kms://$t/soon-gone": {"signingKey": "file/signing.key.pem"},
    "k8s://$t/age": {"recipients": "age/age-recipients.txt",
      "identity": "age/age-identity.txt"}},
  "$u": {
    "kms://$u/signing": {"signingKey": "file/signing.key.pem"}}}}
JSON
chmod 644 "$ring/keyring.json"

pid="export-profile::$t::json:raw"
sign_body() {
	printf '{"profileId":"%s","targets":["vex"],"formats":["json"],
"distribution":{"type":"download","signing":{"enabled":true,"keyRef":"%s"}}}' \
	    "$pid" "$1"
}
enc_body() {
	printf '{"profileId":"%s","targets":["vex"],"formats":["json"],
"distribution":{"type":"download"},"encryption":{"enabled":true,"kmsKey":"%s"}}' \
	    "$pid" "$1"
}
# bundle_blob: the store's blob of the bundle output in $IT_TMP/run.json
# (its url is a signed download link, not a store path).
bundle_blob() {
	local h
	h=$(jq -r '.outputs[] | select(.type == "bundle") | .sha256[7:]' \
	    "$IT_TMP/run.json")
	echo "$store/sha256/${h:0:2}/$h"
}
idem() { it_as "$t" "SELECT count(*) FROM idempotency_keys WHERE tenant = '$t'"; }

# refused NAME BODY FIELD WANT: a 400 naming FIELD and saying WANT, with
# no run and no idempotency row created.
refused() {
	local runs keys
	runs=$(api_runs "$t")
	keys=$(idem)
	api POST /export-center/runs "$t" -D "$IT_TMP/$1.head" \
	    -o "$IT_TMP/$1.body" -H "Idempotency-Key: key-$1" \
	    --data-binary "$2"
	api_error "$1" 400 ERR_EXPORT_REQUEST_INVALID
	check "$1: the message names $3 and says: $4" sh -c \
	    'jq -r .message "$1" | grep -q -- "^$2: .*$3"' _ "$IT_TMP/$1.body" \
	    "$3" "$4"
	check_equal "$1: no run created" "$(api_runs "$t")" "$runs"
	check_equal "$1: no idempotency row" "$(idem)" "$keys"
}

ref="pkcs11:token=ec-api;object=sign"
refused nokeyring "$(sign_body "$ref")" distribution.signing.keyRef \
    "no keyring is configured"

# Configure the keyring; SIGHUP loads it into a new generation of workers.
master=$(cat "$run/fcgi.pid")
echo "keyring = $ring/keyring.json" >>"$run/api.conf"
kill -HUP "$master"
for _ in $(seq 1 50); do
	grep -q 'event=reload' "$run/fcgi.log" &&
	    [ "$(ps -o pid= --ppid "$master" | wc -l)" -eq 2 ] && break
	sleep 0.1
done
check "SIGHUP: the pool reloaded with the keyring" \
    grep -q 'event=reload' "$run/fcgi.log"
# Old-generation workers drain; a new one answers within a few tries.
for _ in $(seq 1 30); do
	api POST /export-center/runs "$t" -o "$IT_TMP/probe.json" \
	    --data-binary "$(sign_body "kms://$t/none")"
	jq -r .message "$IT_TMP/probe.json" | grep -q 'unknown key' && break
	sleep 0.1
done

refused unknown "$(sign_body "kms://$t/none")" distribution.signing.keyRef \
    "unknown key reference \"kms://$t/none\""
refused foreign "$(sign_body "kms://$u/signing")" \
    distribution.signing.keyRef "unknown key reference \"kms://$u/signing\""
refused enc_unknown "$(enc_body "k8s://$t/nope")" encryption.kmsKey \
    "unknown key reference"
refused wrong_use "$(enc_body "$ref")" encryption.kmsKey \
    "is a signing key, not an encryption key"
check "the foreign reference's answer is the unknown one's (no probing)" \
    sh -c '[ "$(jq -r .message "$1" | sed "s/kms:[^\"]*//")" = \
    "$(jq -r .message "$2" | sed "s/kms:[^\"]*//")" ]' _ \
    "$IT_TMP/foreign.body" "$IT_TMP/unknown.body"

# Three runs queued while no builder runs.
post() {
	api POST /export-center/runs "$t" -D "$IT_TMP/$1.head" \
	    -o "$IT_TMP/$1.json" --data-binary "$2"
	check_equal "$1: 202" "$(api_status "$1")" 202
}
post token "$(sign_body "$ref")"
post enc "$(enc_body "k8s://$t/age")"
post gone "$(sign_body "kms://$t/soon-gone")"
rm "$ring/file/signing.key.pem"

export EXPORT_CENTER_KEYRING=$ring/keyring.json
api_cron_start
id=$(jq -r .runId "$IT_TMP/token.json")
api_wait "$t" "$id" succeeded
blob=$(bundle_blob)
check "token run: exportctl verify --key (the token's public key)" \
    "$EC_BIN" verify "$blob" --key "$IT_TMP/pub.pem"
mkdir -p "$IT_TMP/x"
tar -C "$IT_TMP/x" --zstd -xf "$blob"
for f in manifest provenance; do
	check "token run: $f.dsse.json verifies with the independent verifier" \
	    /usr/bin/python3 "$EC_ROOT/tests/tools/dsse_verify.py" \
	    "$IT_TMP/x/$f.dsse.json" "$IT_TMP/pub.pem"
done

id=$(jq -r .runId "$IT_TMP/enc.json")
api_wait "$t" "$id" succeeded
check "kmsKey run: one bundle output, format tar.zst.age" jq -e \
    '[.outputs[] | select(.type == "bundle")] | length == 1 and
    .[0].format == "tar.zst.age"' "$IT_TMP/run.json"
blob=$(bundle_blob)
check "kmsKey run: the stored blob is an age v1 file" sh -c \
    'head -c 21 "$1" | grep -qx "age-encryption.org/v1"' _ "$blob"
check "kmsKey run: the real age -d -i decrypts it" age -d \
    -i "$ring/age/age-identity.txt" -o "$IT_TMP/plain.tar.zst" "$blob"
check "kmsKey run: the decrypted bundle verifies" "$EC_BIN" verify \
    "$IT_TMP/plain.tar.zst"
check_equal "kmsKey run: mirror.encryption.enabled counts its recipients" \
    "$(it_as "$t" "SELECT string_agg(payload::text, ',') FROM run_events
    WHERE run_id = '$id' AND type = 'mirror.encryption.enabled'" |
    jq -S -c .)" "$(jq -n -S -c --arg r "$id" --argjson n "$(grep -c '^age1' \
    "$ring/age/age-recipients.txt")" '{runId: $r, recipients: $n}')"
check "  ... and export-cron logged it" grep -q \
    "run=$id .*event=mirror.encryption.enabled payload=" "$run/cron.log"

id=$(jq -r .runId "$IT_TMP/gone.json")
api_wait "$t" "$id" failed
check "a reference that stopped resolving fails the run with its code" jq -e \
    --arg r "kms://$t/soon-gone" '.errors[0].code ==
    "ERR_EXPORT_REQUEST_INVALID" and (.errors[0].message |
    startswith("distribution.signing.keyRef: key reference \"" + $r))' \
    "$IT_TMP/run.json"
check "... before any work: no output" jq -e '.outputs | length == 0' \
    "$IT_TMP/run.json"

api_record post /export-center/runs 400 "$IT_TMP/unknown.body"
api_record get "/export-center/runs/{runId}" 200 "$IT_TMP/run.json"
api_openapi_check
it_done
