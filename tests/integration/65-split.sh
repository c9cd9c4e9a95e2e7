#!/bin/bash
# Splitting for transport media: exportctl split writes NAME.partNNNN and
# a (signed) parts manifest; exportctl join checks every part and rebuilds
# the file.  Round trips are checked with cmp and sha256sum; a missing,
# damaged or foreign part, a part given twice and a tampered manifest are
# refused by name with exit 3, and leave no output behind.
. "$(dirname "$0")/../lib/it.sh"

d=$IT_TMP
"$EC_BIN" keys generate --type ed25519 --out "$d/k" >/dev/null
"$EC_BIN" keys generate --type ecdsa-p256 --out "$d/k2" >/dev/null
mkdir -p "$d/a" "$d/b" "$d/o"
head -c $((5 * 1024 * 1024 + 333)) /dev/urandom >"$d/a/bundle.tar.zst"
cp "$d/a/bundle.tar.zst" "$d/orig"
check "split --size 1M --key" "$EC_BIN" split --size 1M \
    --key "$d/k/signing.key.pem" "$d/a/bundle.tar.zst"
check_equal "six parts, a manifest and its envelope" \
    "$(cd "$d/a" && ls | tr '\n' ' ')" \
    "bundle.tar.zst bundle.tar.zst.part0001 bundle.tar.zst.part0002 bundle.tar.zst.part0003 bundle.tar.zst.part0004 bundle.tar.zst.part0005 bundle.tar.zst.part0006 bundle.tar.zst.split.dsse.json bundle.tar.zst.split.json "
check_equal "parts are 1 MiB but the last" \
    "$(stat -c %s "$d/a/bundle.tar.zst.part0001" "$d/a/bundle.tar.zst.part0006" | tr '\n' ' ')" \
    "1048576 333 "
check "cat of the parts is the file (no tool needed)" \
    sh -c "cat '$d/a/bundle.tar.zst.part'* | cmp - '$d/orig'"
check_equal "the manifest names the whole file's sha256" \
    "$(jq -r .sha256 "$d/a/bundle.tar.zst.split.json")" \
    "$(sha256sum <"$d/orig" | cut -d' ' -f1)"
check "each part's sha256 is in the manifest" sh -c "cd '$d/a' &&
    jq -r '.parts[] | .sha256 + \"  \" + .name' bundle.tar.zst.split.json |
    sha256sum -c --quiet"
check "the envelope verifies with the Python DSSE checker" /usr/bin/python3 \
    "$EC_ROOT/tests/tools/dsse_verify.py" "$d/a/bundle.tar.zst.split.dsse.json" \
    "$d/k/signing.pub.pem"

mkdir -p "$d/a2"
cp "$d/orig" "$d/a2/bundle.tar.zst"
"$EC_BIN" split --size 1M --key "$d/k/signing.key.pem" "$d/a2/bundle.tar.zst" >/dev/null
check "the same file splits to the same bytes" diff -r \
    --exclude=bundle.tar.zst.split.dsse.json "$d/a" "$d/a2"

p=$d/a/bundle.tar.zst.part
check "join in order, checking the signature" "$EC_BIN" join \
    --key "$d/k/signing.pub.pem" --out "$d/o/j1" "$p"000{1,2,3,4,5,6}
check "  ... cmp with the original" cmp "$d/o/j1" "$d/orig"
check "join with the arguments reordered" "$EC_BIN" join --out "$d/o/j2" \
    "$p"0004 "$p"0006 "$p"0001 "$p"0003 "$p"0005 "$p"0002
check_equal "  ... sha256sum matches" "$(sha256sum <"$d/o/j2")" \
    "$(sha256sum <"$d/orig")"
rm -f "$d/o"/*

# refused NAME CODE MSG ARGS...: exit 3, the message, and no output.
refused() {
	local name=$1 msg=$2; shift 2
	check_fails "$name: exit 3" 3 ERR_VERIFY_FAILED "$EC_BIN" join \
	    --out "$d/o/j" "$@"
	cp "$IT_TMP/.log" "$IT_TMP/err"
	check "$name: the error says \"$msg\"" grep -q -- "$msg" "$IT_TMP/err"
	check_equal "$name: nothing left behind" "$(ls -A "$d/o" | wc -l)" 0
}
refused "missing part" "missing part 3 of 6 (bundle.tar.zst.part0003)" \
    "$p"000{1,2,4,5,6}
cp "$p"0004 "$d/part4.bak"
printf 'X' | dd of="$p"0004 bs=1 seek=1000 conv=notrunc status=none
refused "damaged part" "bundle.tar.zst.part0004 is damaged" "$p"000{1,2,3,4,5,6}
cp "$d/part4.bak" "$p"0004
head -c 100 "$d/part4.bak" >"$p"0004
refused "truncated part" "part0004 is damaged or from another split: 100 bytes" \
    "$p"000{1,2,3,4,5,6}
cp "$d/part4.bak" "$p"0004

# Another split of another file with the same name: its parts do not fit.
head -c $((5 * 1024 * 1024 + 333)) /dev/urandom >"$d/b/bundle.tar.zst"
"$EC_BIN" split --size 1M "$d/b/bundle.tar.zst" >/dev/null
refused "a part from another split" "part0002 is damaged or from another split" \
    "$p"0001 "$d/b/bundle.tar.zst.part0002" "$p"000{3,4,5,6}
head -c 2000 /dev/urandom >"$d/b/other.tar.zst"
"$EC_BIN" split --size 1K "$d/b/other.tar.zst" >/dev/null
refused "a part of another bundle" "other.tar.zst.part0002 is not a part of bundle.tar.zst" \
    "$p"0001 "$d/b/other.tar.zst.part0002" "$p"000{3,4,5,6}
refused "a part given twice" "part 2 given twice" "$p"000{1,2,2,3,4,5,6}

# With --key the manifest counts only if the signature holds.
m=$d/a/bundle.tar.zst.split.json
check_fails "a wrong key: exit 3" 3 ERR_VERIFY_FAILED "$EC_BIN" join \
    --key "$d/k2/signing.pub.pem" --out "$d/o/j" "$p"000{1,2,3,4,5,6}
env=$d/a/bundle.tar.zst.split.dsse.json
jq -c '.payload |= (@base64d | sub("\"size\":333"; "\"size\":334") | @base64)' \
    "$env" >"$d/tampered.dsse.json"
check_fails "a tampered signed manifest: exit 3" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" join --key "$d/k/signing.pub.pem" \
    --manifest "$d/tampered.dsse.json" --out "$d/o/j" "$p"000{1,2,3,4,5,6}
sed 's/"schemaVersion":1/"schemaVersion":2/' "$m" >"$d/bad.json"
check_fails "a malformed manifest: exit 3" 3 "malformed parts manifest" \
    "$EC_BIN" join --manifest "$d/bad.json" --out "$d/o/j" "$p"000{1,2,3,4,5,6}
check_equal "failed joins left nothing behind" "$(ls -A "$d/o" | wc -l)" 0
check_fails "join refuses to overwrite" 2 ERR_CONFLICT "$EC_BIN" join \
    --out "$d/orig" "$p"000{1,2,3,4,5,6}

check_fails "split again: the parts exist" 2 ERR_CONFLICT "$EC_BIN" split \
    --size 1M "$d/a/bundle.tar.zst"
check_fails "--size 1023: too small" 2 ERR_EXPORT_REQUEST_INVALID "$EC_BIN" \
    split --size 1023 "$d/orig"
check_fails "--size 2T: too large" 2 ERR_EXPORT_REQUEST_INVALID "$EC_BIN" \
    split --size 2T "$d/orig"
check_fails "--size 1.5G: not a size" 2 ERR_EXPORT_REQUEST_INVALID "$EC_BIN" \
    split --size 1.5G "$d/orig"
mkdir -p "$d/many"
head -c $((10000 * 1024 + 1)) /dev/zero >"$d/many/big"
check_fails "more than 9999 parts" 2 "at most 9999" "$EC_BIN" split \
    --size 1K "$d/many/big"
check_equal "  ... and nothing written" "$(ls "$d/many")" big
check "split --size 4G: one part" "$EC_BIN" split --size 4G "$d/many/big"
check "  ... joins back" "$EC_BIN" join --out "$d/many/j" "$d/many/big.part0001"
check "  ... the same bytes" cmp "$d/many/j" "$d/many/big"
: >"$d/many/empty"
check "an empty file splits to one empty part" "$EC_BIN" split --size 1K \
    "$d/many/empty"
check "  ... and joins back" "$EC_BIN" join --out "$d/many/e" \
    "$d/many/empty.part0001"
it_done
