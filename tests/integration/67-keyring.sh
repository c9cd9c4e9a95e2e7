#!/bin/bash
# Keyring signing with a key that lives in a real PKCS#11 token (Debian's
# SoftHSM 2, initialised in a temporary directory): the key is made inside
# the token, marked sensitive and never extractable, and exportctl signs
# through GnuTLS's PKCS#11 support.  Our verifier and the independent one
# (Python cryptography) check the signatures against the public key the
# token exported.  Wrong PIN, missing token object, foreign-tenant and
# unknown references each fail before any work, with nothing written.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/hsm.sh"

t=$(it_tenant main)
u=$(it_tenant other)
fx=$EC_ROOT/tests/fixtures
"$EC_BIN" ingest --tenant "$t" "$fx" >/dev/null

# A token of our own (tests/lib/hsm.sh).
pin=735194
hsm_token "$IT_TMP/hsm" ec-it "$pin" 862513 "$IT_TMP/pub.pem"
check "the token key is sensitive and never extractable" \
    sh -c 'GNUTLS_PIN=$1 p11tool --login --list-all-privkeys "$2" |
    grep "CKA_NEVER_EXTRACTABLE; CKA_SENSITIVE"' _ "$pin" "$tok"
check_fails "p11tool cannot export the private key" 1 - \
    env GNUTLS_PIN="$pin" p11tool --login --export \
    "$tok;object=sign;type=private"

kr=$IT_TMP/ring
mkdir -p "$kr/pins"
printf '%s\n' "$pin" >"$kr/pins/good.pin"
printf '000000\n' >"$kr/pins/wrong.pin"
chmod 600 "$kr/pins/good.pin" "$kr/pins/wrong.pin"
cat >"$kr/keyring.json" <<JSON
{"version": 1, "tenants": {
  "$t": {
    "pkcs11:token=ec-it;object=sign": {
      "pkcs11": "$tok;object=sign;type=private",
      "pinSource": "pins/good.pin"},
    "kms://$t/wrong-pin": {
      "pkcs11": "$tok;object=sign;type=private",
      "pinSource": "pins/wrong.pin"},
    "kms://$t/gone": {
      "pkcs11": "$tok;object=gone;type=private",
      "pinSource": "pins/good.pin"},
    "k8s://$t/env-pin": {
      "pkcs11": "$tok;object=sign;type=private",
      "pinEnv": "EC_IT_TOKEN_PIN"}},
  "$u": {
    "kms://$u/signing": {
      "pkcs11": "$tok;object=sign;type=private",
      "pinSource": "pins/good.pin"}}}}
JSON

ref="pkcs11:token=ec-it;object=sign"
for run in 1 2; do
	check "build $run signs in the token (--key-ref $ref)" "$EC_BIN" \
	    build --profile json:raw --tenant "$t" --key-ref "$ref" \
	    --keyring "$kr/keyring.json" --out "$IT_TMP/b$run"
done
b1=$(it_bundle "$IT_TMP/b1")
b2=$(it_bundle "$IT_TMP/b2")
check "exportctl verify --key (the token's public key)" "$EC_BIN" verify \
    "$b1" --key "$IT_TMP/pub.pem"
check "exportctl verify of the second build" "$EC_BIN" verify "$b2" \
    --key "$IT_TMP/pub.pem"
for run in 1 2; do
	mkdir -p "$IT_TMP/x$run"
	tar -C "$IT_TMP/x$run" --zstd -xf "$IT_TMP/b$run"/*.tar.zst
done
for f in x1/manifest x1/provenance x2/manifest x2/provenance; do
	check "$f.dsse.json: Python cryptography verifies the token signature" \
	    /usr/bin/python3 "$EC_ROOT/tests/tools/dsse_verify.py" \
	    "$IT_TMP/$f.dsse.json" "$IT_TMP/pub.pem"
done
check "the manifest is byte-identical across builds (signatures may not be)" \
    cmp "$IT_TMP/x1/manifest.json" "$IT_TMP/x2/manifest.json"
# A token picks its own ECDSA nonces, so manifest.dsse.json differs from
# build to build, and so do provenance.json and its envelope, whose
# subjects include manifest.dsse.json's digest.  All else is reproducible.
check "every other file's checksum is identical across builds" \
    sh -c 'for x in "$1" "$2"; do
    grep -v -e " manifest.dsse.json\$" -e " provenance.json\$" \
    -e " provenance.dsse.json\$" "$x/checksums.txt" >"$x.sums"; done
    [ "$(wc -l <"$1.sums")" -gt 2 ] && cmp "$1.sums" "$2.sums"' _ \
    "$IT_TMP/x1" "$IT_TMP/x2"
check "the signed manifest payload is identical across builds" \
    sh -c '[ "$(jq -r .payload "$1/manifest.dsse.json")" = \
    "$(jq -r .payload "$2/manifest.dsse.json")" ]' _ "$IT_TMP/x1" "$IT_TMP/x2"
check "the envelope's keyid is the token key's id" \
    sh -c '[ "$(jq -r ".signatures[0].keyid" "$1")" = \
    "$(openssl pkey -pubin -in "$2" -outform DER | sha256sum | cut -c1-64)" ]' \
    _ "$IT_TMP/x1/manifest.dsse.json" "$IT_TMP/pub.pem"
check "a PIN from an environment variable signs too" env \
    EC_IT_TOKEN_PIN="$pin" "$EC_BIN" build --profile json:raw --tenant "$t" \
    --key-ref "k8s://$t/env-pin" --keyring "$kr/keyring.json" \
    --out "$IT_TMP/b3"
check "... and verifies" "$EC_BIN" verify "$(it_bundle "$IT_TMP/b3")" \
    --key "$IT_TMP/pub.pem"

# Refusals: each before any work, nothing written, no PIN in the message.
refuse() {
	local desc=$1 want=$2 out=$IT_TMP/$3; shift 3
	check_fails "$desc" 2 ERR_EXPORT_REQUEST_INVALID "$EC_BIN" build \
	    --profile json:raw --out "$out" --keyring "$kr/keyring.json" "$@"
	cp "$IT_TMP/.log" "$out.err"
	check "$desc: the message says: $want" grep -q -- "$want" "$out.err"
	check "$desc: nothing written" test ! -e "$out"
	check "$desc: no PIN in the message" \
	    sh -c '! grep -q -e "$1" -e 000000 "$2"' _ "$pin" "$out.err"
}
refuse "wrong PIN" "wrong PIN" wrong --tenant "$t" \
    --key-ref "kms://$t/wrong-pin"
refuse "missing token object" "no such private key" gone --tenant "$t" \
    --key-ref "kms://$t/gone"
refuse "foreign-tenant reference" "unknown key reference \"kms://$u/signing\"" \
    foreign --tenant "$t" --key-ref "kms://$u/signing"
refuse "unknown reference" "unknown key reference \"kms://$t/none\"" \
    unknown --tenant "$t" --key-ref "kms://$t/none"
refuse "unset PIN variable" "EC_IT_TOKEN_PIN is not set" envunset \
    --tenant "$t" --key-ref "k8s://$t/env-pin"
check "the right PIN still works after the refusals (no lock-out)" \
    "$EC_BIN" build --profile json:raw --tenant "$t" --key-ref "$ref" \
    --keyring "$kr/keyring.json" --out "$IT_TMP/b4"
# Before any work means before the database too: with none reachable, a
# bad keyring and a foreign reference still get their own errors.
nodb="host=$IT_TMP/no-such-socket-dir connect_timeout=1"
printf '{"version":1,"tenants":{},"keys":[]}' >"$kr/bad.json"
check_fails "a keyring with an unknown field is refused, no database needed" \
    2 'unknown field "keys"' "$EC_BIN" --db "$nodb" build --profile json:raw \
    --tenant "$t" --key-ref "$ref" --keyring "$kr/bad.json" --out "$IT_TMP/b6"
check_fails "a foreign reference is refused, no database needed" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" --db "$nodb" build \
    --profile json:raw --tenant "$t" --key-ref "kms://$u/signing" \
    --keyring "$kr/keyring.json" --out "$IT_TMP/b7"
check_fails "a good reference gets as far as the database" 2 ERR_ \
    "$EC_BIN" --db "$nodb" build --profile json:raw --tenant "$t" \
    --key-ref "$ref" --keyring "$kr/keyring.json" --out "$IT_TMP/b8"
cp "$IT_TMP/.log" "$IT_TMP/b8.err"
check "... whose error is the database's, not the keyring's" \
    sh -c 'grep -q ERR_ "$1" && ! grep -q "key reference" "$1"' _ \
    "$IT_TMP/b8.err"
check_fails "--key-ref without --keyring is a usage error" 1 - "$EC_BIN" \
    build --profile json:raw --tenant "$t" --key-ref "$ref" --out "$IT_TMP/b5"
it_done
