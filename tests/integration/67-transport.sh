#!/bin/bash
# Transport wrappers in builds: exportctl build --recipient/--recipients-file
# publishes only <bundle>.age, which the real age CLI decrypts to a bundle
# that verifies; --split-size publishes <bundle>.split/ (parts and signed
# parts manifest), which exportctl verify reads directly and whose parts
# join to the unsplit build's bytes.  Bad input (a bad or low-order
# recipient, a directory profile, a wrong identity, a part of another
# bundle, a corrupt or unsigned parts manifest, a missing part) is a clear
# error and leaves nothing behind.
. "$(dirname "$0")/../lib/it.sh"

d=$IT_TMP
t=$(it_tenant main)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures" >/dev/null
"$EC_BIN" keys generate --type ed25519 --out "$d/k" >/dev/null
"$EC_BIN" keys generate --type ed25519 --out "$d/k2" >/dev/null
for i in 1 2 3; do
	"$EC_BIN" keys generate --type age --out "$d/age$i" >/dev/null
done
r1=$(cat "$d/age1/age-recipients.txt")
build() { # build OUT [ARGS...]
	local out=$1; shift
	"$EC_BIN" build --profile json:raw --tenant "$t" --out "$out" \
	    --key "$d/k/signing.key.pem" "$@"
}
V() { "$EC_BIN" verify --key "$d/k/signing.pub.pem" "$@"; }

check "plain build (the reference)" build "$d/plain"
ref=$(it_bundle "$d/plain")
name=$(basename "$ref")

# Encryption.
check "build --recipient R1 --recipients-file R2" build "$d/enc" \
    --recipient "$r1" --recipients-file "$d/age2/age-recipients.txt"
check_equal "only <bundle>.age is published" "$(ls -A "$d/enc")" "$name.age"
check "age -d -i (first identity) decrypts it" age -d \
    -i "$d/age1/age-identity.txt" -o "$d/dec1.tar.zst" "$d/enc/$name.age"
check "age -d -i (second identity) decrypts it" age -d \
    -i "$d/age2/age-identity.txt" -o "$d/dec2.tar.zst" "$d/enc/$name.age"
check "  ... the plaintext is the plain build's bytes" cmp "$d/dec1.tar.zst" \
    "$ref"
check "  ... and exportctl verify passes on it" V "$d/dec2.tar.zst"
check "exportctl verify --identity reads the .age directly" V \
    "$d/enc/$name.age" --identity "$d/age2/age-identity.txt"
check_fails "verify of a .age without --identity says so" 2 \
    "give --identity FILE" V "$d/enc/$name.age"
check_fails "verify with a wrong identity" 3 \
    "no identity matches" V "$d/enc/$name.age" \
    --identity "$d/age3/age-identity.txt"
check_equal "  ... no plaintext left in TMPDIR" \
    "$(ls -d "${TMPDIR:-/tmp}"/ec-verify.* 2>/dev/null | wc -l)" 0

bad=age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5l0tl
check_fails "a malformed recipient is refused" 2 ERR_EXPORT_REQUEST_INVALID \
    build "$d/bad1" --recipient "$bad"
# The all-zero point: a valid Bech32 key that age must refuse.
zero=$(/usr/bin/python3 -c '
import sys
CH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
def pm(v):
    g = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    c = 1
    for x in v:
        b = c >> 25; c = (c & 0x1ffffff) << 5 ^ x
        for i in range(5): c ^= g[i] if (b >> i) & 1 else 0
    return c
d = [0] * 52
hrp = [ord(x) >> 5 for x in "age"] + [0] + [ord(x) & 31 for x in "age"]
p = pm(hrp + d + [0] * 6) ^ 1
c = [(p >> 5 * (5 - i)) & 31 for i in range(6)]
print("age1" + "".join(CH[x] for x in d + c))')
check_fails "a low-order recipient is refused before any work" 2 \
    "low-order point" build "$d/bad2" --recipient "$zero"
check_fails "a recipients file with a bad line is refused" 2 \
    ERR_EXPORT_REQUEST_INVALID build "$d/bad3" --recipients-file \
    "$EC_ROOT/tests/fixtures/README.md"
check_equal "  ... nothing was written" \
    "$(ls -A "$d/bad1" "$d/bad2" "$d/bad3" 2>/dev/null | wc -l)" 0

# Splitting.
check "build --split-size 4K" build "$d/split" --split-size 4K
s=$d/split/$name.split
check "  ... publishes <bundle>.split/ with the signed parts manifest" \
    test -f "$s/$name.split.json" -a -f "$s/$name.split.dsse.json" \
    -a -f "$s/$name.part0001"
check_equal "  ... and nothing else" "$(ls -A "$d/split")" "$name.split"
check "verify the .split directory" V "$s"
check "  ... also written with a trailing slash" V "$s/"
check "verify the parts manifest" V "$s/$name.split.json"
check "verify the parts themselves" V "$s/$name".part*
check "join (checked against the signature) equals the unsplit build" \
    "$EC_BIN" join --key "$d/k/signing.pub.pem" --out "$d/joined" \
    "$s/$name".part*
check_equal "  ... sha256sum" "$(sha256sum <"$d/joined")" "$(sha256sum <"$ref")"
check "build again: the same parts" build "$d/split2" --split-size 4K
check "  ... byte for byte" diff -r "$d/split" "$d/split2"

check "build encrypted and split" build "$d/es" --split-size 4K \
    --recipient "$r1"
check "  ... verify with --identity" V "$d/es/$name.age.split" \
    --identity "$d/age1/age-identity.txt"

# Bad input on the verifying side.
w=$d/copy/$name.split
mkdir "$d/copy"
reset() { rm -rf "$w"; cp -a "$s" "$w"; }
reset
rm "$w/$name.part0002"
check_fails "a missing part is named" 3 "missing part 2 of" V "$w"
reset
cp "$(ls "$d/es/$name.age.split/$name".age.part* | head -n 1)" \
    "$w/$name.part0001"
check_fails "a part of another bundle is named" 3 \
    "$name.part0001 is damaged or from another split" V "$w"
reset
echo '{"schemaVersion":1' >"$w/$name.split.json"
check_fails "a corrupt parts manifest (no --key)" 3 \
    "malformed parts manifest" "$EC_BIN" verify "$w"
reset
echo '{}' >"$w/$name.split.dsse.json"
check_fails "a corrupt parts envelope (with --key)" 3 "DSSE\|envelope" V "$w"
check_fails "a parts manifest signed by another key" 3 "signature\|verif" \
    "$EC_BIN" verify --key "$d/k2/signing.pub.pem" "$s"
check_equal "no temporaries left behind by verify" \
    "$(ls -d "${TMPDIR:-/tmp}"/ec-verify.* 2>/dev/null | wc -l)" 0
it_done
