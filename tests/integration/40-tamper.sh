#!/bin/bash
# Flip one byte in a document, in the manifest and in a signature, with
# and without fixing up checksums.txt: every variant must be rejected,
# naming the file or signature.
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures/vex" >/dev/null
k=$IT_TMP/keys
"$EC_BIN" keys generate --type ed25519 --out "$k" >/dev/null
mkdir -p "$IT_TMP/out"
"$EC_BIN" build --profile json:raw --tenant "$t" --key "$k/signing.key.pem" \
    --out "$IT_TMP/out" >/dev/null
orig=$(it_bundle "$IT_TMP/out")

# unpack NAME: a fresh copy of the original bundle's files in $IT_TMP/NAME/x.
unpack() {
	rm -rf "$IT_TMP/$1" && mkdir -p "$IT_TMP/$1/x"
	tar -C "$IT_TMP/$1/x" --zstd -xf "$orig"
}

# fix_sums NAME: rewrite checksums.txt as an attacker would.
fix_sums() {
	(cd "$IT_TMP/$1/x" && find . -type f ! -name checksums.txt |
	    sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum >checksums.txt)
}

# repack NAME: pack the files again with GNU tar; prints the bundle path.
repack() {
	local d=$IT_TMP/$1
	(cd "$d/x" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$d/list"
	tar -C "$d/x" --zstd -cf "$d/b.tar.zst" -T "$d/list"
	echo "$d/b.tar.zst"
}

# tamper NAME FILE OFFSET FIXSUMS: unpack, flip a byte, repack.
tamper() {
	local f=$IT_TMP/$1/x/$2 c
	unpack "$1"
	c=$(dd if="$f" bs=1 skip="$3" count=1 2>/dev/null)
	if [ "$c" = "A" ]; then c=B; else c=A; fi
	printf '%s' "$c" | dd of="$f" bs=1 seek="$3" conv=notrunc 2>/dev/null
	if [ "$4" = fix ]; then fix_sums "$1"; fi
	repack "$1"
}

verify_fails() {
	check_fails "$1" 3 ERR_VERIFY_FAILED "$EC_BIN" verify "$2" \
	    --key "$k/signing.pub.pem"
	cp "$IT_TMP/.log" "$IT_TMP/verify.err"
	check "$1: the error names $3" grep -q "$3" "$IT_TMP/verify.err"
}

check "the untouched bundle verifies" "$EC_BIN" verify "$orig" \
    --key "$k/signing.pub.pem"
unpack repack
check "a GNU tar repack of the same files verifies" "$EC_BIN" verify \
    "$(repack repack)" --key "$k/signing.pub.pem"

verify_fails "document byte flipped" "$(tamper doc data/vex.json 100 keep)" \
    "data/vex.json"
verify_fails "document byte flipped, checksums fixed" \
    "$(tamper doc2 data/vex.json 100 fix)" "data/vex.json"
verify_fails "manifest byte flipped" \
    "$(tamper man manifest.json 40 keep)" "manifest"
verify_fails "manifest byte flipped, checksums fixed" \
    "$(tamper man2 manifest.json 40 fix)" "manifest.dsse.json"
sigoff=$(grep -bo '"sig":"' "$IT_TMP/repack/x/manifest.dsse.json" |
    head -n 1 | cut -d: -f1)
verify_fails "signature byte flipped" \
    "$(tamper sig manifest.dsse.json $((sigoff + 10)) keep)" "manifest.dsse.json"
verify_fails "signature byte flipped, checksums fixed" \
    "$(tamper sig2 manifest.dsse.json $((sigoff + 10)) fix)" \
    "manifest.dsse.json"
psig=$(grep -bo '"sig":"' "$IT_TMP/repack/x/provenance.dsse.json" |
    head -n 1 | cut -d: -f1)
verify_fails "provenance signature flipped, checksums fixed" \
    "$(tamper psig provenance.dsse.json $((psig + 12)) fix)" \
    "provenance.dsse.json"
verify_fails "provenance statement flipped, checksums fixed" \
    "$(tamper prov provenance.json 30 fix)" "provenance"

# An extra file smuggled in, with checksums.txt updated to match.
unpack extra
echo evil >"$IT_TMP/extra/x/data/evil.json"
fix_sums extra
verify_fails "an added file" "$(repack extra)" "data/evil.json"

# A byte flipped in the compressed file itself.
cp "$orig" "$IT_TMP/raw.tar.zst"
printf 'Z' | dd of="$IT_TMP/raw.tar.zst" bs=1 seek=200 conv=notrunc 2>/dev/null
check_fails "a flipped byte in the compressed bundle" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" verify "$IT_TMP/raw.tar.zst" --key "$k/signing.pub.pem"
head -c 1000 "$orig" >"$IT_TMP/short.tar.zst"
check_fails "a truncated bundle" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" verify "$IT_TMP/short.tar.zst" --key "$k/signing.pub.pem"
it_done
