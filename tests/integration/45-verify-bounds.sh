#!/bin/bash
# exportctl verify stays cheap whatever the bundle: memory bombs (huge or
# node-heavy JSON metadata, DSSE envelopes with thousands of signatures)
# and decompression bombs (members of gigabytes of zeros in a few MB) are
# refused with peak RSS below 256 MiB, naming the limit hit; FIFOs named
# as the bundle or the key never hang.  Peak RSS is measured with
# /usr/bin/time; `timeout` is only a safety net, nothing here is timed.
. "$(dirname "$0")/../lib/it.sh"

RSS_MAX_KB=$((256 * 1024))
t=$(it_tenant main)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures/vex" >/dev/null
k=$IT_TMP/keys
"$EC_BIN" keys generate --type ed25519 --out "$k" >/dev/null
mkdir -p "$IT_TMP/signed" "$IT_TMP/unsigned"
"$EC_BIN" build --profile json:raw --tenant "$t" --key "$k/signing.key.pem" \
    --out "$IT_TMP/signed" >/dev/null
"$EC_BIN" build --profile json:raw --tenant "$t" --out "$IT_TMP/unsigned" \
    >/dev/null
signed=$(it_bundle "$IT_TMP/signed")
unsigned=$(it_bundle "$IT_TMP/unsigned")

# bomb NAME BUNDLE MEMBER SIZE PREFIX UNIT SUFFIX: a copy of BUNDLE whose
# MEMBER is PREFIX, then UNIT repeated up to SIZE bytes, then SUFFIX;
# prints the new bundle's path.
bomb() {
	local d=$IT_TMP/$1
	rm -rf "$d" && mkdir -p "$d/x"
	tar -C "$d/x" --zstd -xf "$2"
	/usr/bin/python3 - "$d/x/$3" "$4" "$5" "$6" "$7" <<'EOF'
import sys
path, size, prefix, unit, suffix = sys.argv[1], int(sys.argv[2]), \
    sys.argv[3].encode(), sys.argv[4].encode(), sys.argv[5].encode()
n = (size - len(prefix) - len(suffix)) // len(unit)
with open(path, "wb") as f:
    f.write(prefix + unit[1:] + unit * (n - 1) + suffix)
EOF
	(cd "$d/x" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$d/list"
	tar -C "$d/x" -cf - -T "$d/list" | zstd -q -3 >"$d/b.tar.zst"
	echo "$d/b.tar.zst"
}

# refused DESC WANT_MSG BUNDLE [ARGS]: exit 3, ERR_VERIFY_FAILED, the
# message names WANT_MSG, and the peak RSS stays below the bound.
refused() {
	local desc=$1 want=$2 rss; shift 2
	check_fails "$desc: exit 3" 3 ERR_VERIFY_FAILED timeout 60 \
	    /usr/bin/time -f %M -o "$IT_TMP/rss" "$EC_BIN" verify "$@"
	cp "$IT_TMP/.log" "$IT_TMP/verify.err"
	check "$desc: the message names $want" grep -q -- "$want" \
	    "$IT_TMP/verify.err"
	sed 's/^/# /' "$IT_TMP/verify.err"
	rss=$(tail -n 1 "$IT_TMP/rss")
	check_equal "$desc: peak RSS ${rss} KiB < $RSS_MAX_KB KiB" \
	    "$((rss < RSS_MAX_KB))" 1
}

MiB=$((1024 * 1024))
b=$(bomb sig63 "$signed" manifest.dsse.json $((63 * MiB)) \
    '{"signatures":[' ',{}' ']}')
echo "# 63 MiB signatures bundle: $(stat -c %s "$b") bytes"
refused "63 MiB manifest.dsse.json of empty signatures" "kept in memory" \
    "$b" --key "$k/signing.pub.pem"
b=$(bomb sig7 "$signed" manifest.dsse.json $((7 * MiB)) \
    '{"signatures":[' ',{}' ']}')
refused "7 MiB manifest.dsse.json of empty signatures" \
    "at most 16 signatures" "$b" --key "$k/signing.pub.pem"
b=$(bomb man63 "$unsigned" manifest.json $((63 * MiB)) '{"items":[' ',{}' \
    ']}')
refused "63 MiB manifest.json, unsigned" "kept in memory" "$b"
b=$(bomb man7 "$unsigned" manifest.json $((7 * MiB)) '{"items":[' ',{}' \
    ']}')
refused "7 MiB manifest.json of empty items, unsigned" "more than 65536" "$b"
b=$(bomb prov63 "$unsigned" provenance.json $((63 * MiB)) \
    '{"subject":[' ',{}' ']}')
refused "63 MiB provenance.json, unsigned" "kept in memory" "$b"
b=$(bomb prov7 "$unsigned" provenance.json $((7 * MiB)) \
    '{"subject":[' ',[0]' ']}')
refused "7 MiB provenance.json of arrays, unsigned" "more than 65536" "$b"

# zbomb OUT COUNT SIZE: a tar.zst of COUNT members data/bomb-N.json of
# SIZE zero bytes each, written as one zstd frame of raw blocks (the tar
# headers) and RLE blocks (RFC 8878 3.1.1.2.2: 4 bytes per 128 KiB of
# zeros), so a multi-GB member costs a few kB and no compression time.
zbomb() {
	/usr/bin/python3 - "$@" <<'EOF'
import struct, sys, tarfile
out, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
BLOCK = 128 * 1024
f = open(out, "wb")
f.write(struct.pack("<I", 0xFD2FB528) + bytes([0x00, 0x38]))
def block(kind, size, content, last=False):
    h = int(last) | kind << 1 | size << 3
    f.write(struct.pack("<I", h)[:3] + content)
def raw(b):
    for i in range(0, len(b), BLOCK):
        block(0, len(b[i:i + BLOCK]), b[i:i + BLOCK])
def zeros(n, last=False):
    while n > 0:
        k = min(n, BLOCK)
        n -= k
        block(1, k, b"\0", last and n == 0)
for i in range(count):
    ti = tarfile.TarInfo("data/bomb-%02d.json" % i)
    ti.size, ti.mode, ti.mtime = size, 0o644, 0
    raw(ti.tobuf(format=tarfile.USTAR_FORMAT))
    zeros(size + (-size % 512))
zeros(1024, last=True)
f.close()
EOF
}

zbomb "$IT_TMP/zbomb.tar.zst" 20 $((4 * 1024 * MiB))
echo "# decompression bomb: $(stat -c %s "$IT_TMP/zbomb.tar.zst") bytes," \
    "20 members of 4 GiB"
check "the bomb is a valid tar.zst (zstd -t)" zstd -q -t \
    "$IT_TMP/zbomb.tar.zst"
refused "20 members of 4 GiB zeros in a small bundle" EC_MAX_EXPANSION \
    "$IT_TMP/zbomb.tar.zst"
zbomb "$IT_TMP/zsmall.tar.zst" 1 $((3 * MiB))
refused "a bomb within the limits is read and refused as incomplete" \
    "manifest.json is missing" "$IT_TMP/zsmall.tar.zst"

# One member of 300 MiB in a bundle of a few kB: past the floor of the
# expansion bound (256 x 1 MiB), refused at its header before it is
# decompressed.
zbomb "$IT_TMP/z300.tar.zst" 1 $((300 * MiB))
refused "one 300 MiB member in a few kB" EC_MAX_EXPANSION \
    "$IT_TMP/z300.tar.zst"

# FIFOs: refused at once, never waited on.
mkfifo "$IT_TMP/p.json" "$IT_TMP/k.pem"
check_fails "verify FIFO: refused, no hang" 2 ERR_EXPORT_REQUEST_INVALID \
    timeout 20 "$EC_BIN" verify "$IT_TMP/p.json"
check_fails "verify --key FIFO: refused, no hang" 2 \
    ERR_EXPORT_REQUEST_INVALID timeout 20 "$EC_BIN" verify "$signed" \
    --key "$IT_TMP/k.pem"
mkdir -p "$IT_TMP/out-fifo"
check_fails "build --key FIFO: refused, no hang" 2 \
    ERR_EXPORT_REQUEST_INVALID timeout 20 "$EC_BIN" build --profile json:raw \
    --tenant "$t" --key "$IT_TMP/k.pem" --out "$IT_TMP/out-fifo"

check "the untouched bundles still verify" "$EC_BIN" verify "$signed" \
    --key "$k/signing.pub.pem"
check "the unsigned bundle still verifies" "$EC_BIN" verify "$unsigned"
it_done
