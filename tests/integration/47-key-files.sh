#!/bin/bash
# Key files as ssh treats them: a private key others can access is used
# with a warning, and refused with --strict; keys generated into a
# directory others can write warn.  (FIFOs: 45-verify-bounds.sh.)
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures/vex" >/dev/null
k=$IT_TMP/keys
"$EC_BIN" keys generate --type ed25519 --out "$k" >/dev/null
mkdir -p "$IT_TMP/out" "$IT_TMP/strict"

check "a 0600 key builds without a warning" sh -c \
    '"$1" build --profile json:raw --tenant "$2" --key "$3" --out "$4" \
    2>&1 >/dev/null | grep -c warning | grep -qx 0' _ "$EC_BIN" "$t" \
    "$k/signing.key.pem" "$IT_TMP/out"
rm -f "$IT_TMP"/out/*
chmod 0644 "$k/signing.key.pem"
check "a 0644 key builds, with a warning naming the file" sh -c \
    '"$1" build --profile json:raw --tenant "$2" --key "$3" --out "$4" \
    2>&1 >/dev/null | grep -q "warning: $3: private key file is accessible"' \
    _ "$EC_BIN" "$t" "$k/signing.key.pem" "$IT_TMP/out"
check_fails "--strict refuses the 0644 key" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" --strict build --profile json:raw --tenant "$t" \
    --key "$k/signing.key.pem" --out "$IT_TMP/strict"
check_equal "--strict: nothing written" "$(ls -A "$IT_TMP/strict" | wc -l)" 0

mkdir -p "$IT_TMP/open"
chmod 1777 "$IT_TMP/open"
check "keys generate into a world-writable directory warns" sh -c \
    '"$1" keys generate --type ed25519 --out "$2" 2>&1 >/dev/null |
    grep -q "warning: $2 is writable by others"' _ "$EC_BIN" "$IT_TMP/open"
check "and still writes a 0600 key" test "$(stat -c %a \
    "$IT_TMP/open/signing.key.pem")" = 600
it_done
