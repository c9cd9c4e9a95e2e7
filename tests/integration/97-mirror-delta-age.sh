#!/bin/bash
# mirror:delta with age recipients (exportctl build --recipient): the
# delta's payload (patches.pack and every file under files/) is published
# as <file>.age, while manifest.diff.json, its envelope and the delta's
# seal stay plain and equal to the plain delta's; the real age CLI
# decrypts every .age file to the bytes of the plain delta built from the
# same trees; exportctl mirror apply -i gives a tree byte-identical to
# the full mirror (with either identity); a wrong identity, a flipped
# byte, a swapped .age file, a plain payload file, a plain delta given -i
# and an encrypted delta without -i are refused with nothing written.
. "$(dirname "$0")/../lib/it.sh"

command -v age >/dev/null ||
    { it_fail "age CLI installed (make deps)"; it_done; }
X=$EC_BIN
d=$IT_TMP
t=$(it_tenant main)
fx=$EC_ROOT/tests/fixtures
"$X" keys generate --type ed25519 --out "$d/k1" >/dev/null
"$X" keys generate --type age --out "$d/a1" >/dev/null
"$X" keys generate --type age --out "$d/a2" >/dev/null
age-keygen -o "$d/a3.txt" 2>/dev/null
r1=$(cat "$d/a1/age-recipients.txt") r3=$(age-keygen -y "$d/a3.txt")
priv=$d/k1/signing.key.pem pub=$d/k1/signing.pub.pem
id1=$d/a1/age-identity.txt
"$X" ingest --tenant "$t" "$fx/osv" >/dev/null
exp=()
for r in root targets snapshot timestamp; do
	exp+=(--param "expires-$r=2099-01-01T00:00:00Z")
done
build() {	# build PROFILE OUT [options]
	local p=$1 out=$2; shift 2
	mkdir -p "$out"
	"$X" build --profile "$p" --tenant "$t" --key "$priv" "${exp[@]}" \
	    --out "$out" "$@" >"$out.log" 2>&1 || { cat "$out.log"; return 1; }
}
top() { ls -d "$1"/*/ | head -n 1 | sed 's|/$||'; }
nothing_at() {	# nothing at $1, and no staging left beside it
	[ ! -e "$1" ] && ! ls -a "$(dirname "$1")" | grep -q '^\.ec-mirror'
}
mkdir -p "$d/out"

check "mirror:full 1, the base" build mirror:full "$d/f1"
base=$(top "$d/f1")
# One advisory changes, as a feed update would.
f=$(find "$fx/osv" -name '*.json' | LC_ALL=C sort | head -n 1)
jq -c '.summary = "changed" | .modified = "2026-02-01T00:00:00Z"' "$f" \
    >"$d/evolve.json"
"$X" ingest --tenant "$t" "$d/evolve.json" >/dev/null
check "mirror:full 2" build mirror:full "$d/f2"
check "mirror:delta, plain" build mirror:delta "$d/dp" --base "$base"
check "mirror:delta, encrypted to two recipients" build mirror:delta \
    "$d/de" --base "$base" --recipient "$r1" --recipient "$r3"
full=$(top "$d/f2") plain=$(top "$d/dp") enc=$(top "$d/de")
check_equal "the encrypted delta has the plain delta's name" \
    "$(basename "$enc")" "$(basename "$plain")"

(cd "$plain" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$d/all"
grep -E '^(files/|patches\.pack$)' "$d/all" >"$d/payload"
grep -vE '^(files/|patches\.pack$)' "$d/all" >"$d/rest"
check "the delta carries a payload, patches.pack among it" \
    grep -qx patches.pack "$d/payload"
check "the encrypted delta's files: the plain delta's, payload + .age" \
    bash -c '(cat "$1"; sed "s/\$/.age/" "$2") | LC_ALL=C sort |
    cmp - <(cd "$3" && find . -type f | sed "s|^\./||" | LC_ALL=C sort)' \
    _ "$d/rest" "$d/payload" "$enc"
check "manifest.diff.json, its envelope and the seal stay plain, unchanged" \
    sh -c 'while read -r f; do cmp "$1/$f" "$2/$f" || exit 1; done <"$3"' \
    _ "$plain" "$enc" "$d/rest"
check "every .age file is age v1" sh -c 'while read -r f; do
	head -c 22 "$1/$f.age" | grep -q "^age-encryption.org/v1" || exit 1
    done <"$2"' _ "$enc" "$d/payload"
for id in "$id1" "$d/a3.txt"; do
	check "age -d -i $(basename "$id"): every .age is the plain delta's file" \
	    sh -c 'while read -r f; do age -d -i "$1" "$2/$f.age" >"$4" &&
	    cmp "$4" "$3/$f" || exit 1; done' _ "$id" "$enc" "$plain" \
	    "$d/one" <"$d/payload"
done

# exportctl mirror apply -i: decrypted, verified, applied.
check "mirror apply -i (identity 1)" "$X" mirror apply -i "$id1" "$base" \
    "$enc" --out "$d/out/a1" --key "$pub"
check "  ... byte-identical to mirror:full 2" \
    diff -r --exclude=appliedExportIds.log "$d/out/a1" "$full"
check "mirror apply -i (identity 3, made by age-keygen)" "$X" mirror apply \
    -i "$d/a3.txt" "$base" "$enc" --out "$d/out/a3" --key "$pub"
check "  ... the same tree" diff -r "$d/out/a1" "$d/out/a3"
check "the plain delta applied gives the same tree" "$X" mirror apply \
    "$base" "$plain" --out "$d/out/p" --key "$pub"
check "  ... byte for byte, appliedExportIds.log too" \
    diff -r "$d/out/a1" "$d/out/p"
check "no plaintext delta is left beside --out" nothing_at "$d/out/none"

check_fails "a wrong identity is refused" 3 ERR_VERIFY_FAILED "$X" mirror \
    apply -i "$d/a2/age-identity.txt" "$base" "$enc" --out "$d/out/w" \
    --key "$pub"
check "  ... and nothing is written" nothing_at "$d/out/w"
cp -a "$enc" "$d/bad1"
# The middle byte of patches.pack.age, XORed with 1.
/usr/bin/python3 -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 1; open(p, "wb").write(b)' "$d/bad1/patches.pack.age"
check "  (a byte of patches.pack.age flipped)" sh -c \
    '! cmp -s "$1/patches.pack.age" "$2/patches.pack.age"' _ "$d/bad1" "$enc"
check_fails "a flipped byte is refused" 3 ERR_VERIFY_FAILED "$X" mirror \
    apply -i "$id1" "$base" "$d/bad1" --out "$d/out/b1" --key "$pub"
check "  ... and nothing is written" nothing_at "$d/out/b1"
cp -a "$enc" "$d/bad2"
# Another payload file's .age in its place: valid age, other plaintext.
g=$(sed -n 1p "$d/payload") g2=$(sed -n 2p "$d/payload")
cp "$enc/$g2.age" "$d/bad2/$g.age"
check_fails "a .age file swapped for another one is refused" 3 \
    ERR_VERIFY_FAILED "$X" mirror apply -i "$id1" "$base" "$d/bad2" \
    --out "$d/out/b2" --key "$pub"
check "  ... and nothing is written" nothing_at "$d/out/b2"
cp -a "$enc" "$d/bad3"
cp "$plain/$g" "$d/bad3/$g"
check_fails "a payload file left unencrypted is refused" 3 "not encrypted" \
    "$X" mirror apply -i "$id1" "$base" "$d/bad3" --out "$d/out/b3" \
    --key "$pub"
check "  ... and nothing is written" nothing_at "$d/out/b3"
check_fails "a plain delta given -i is refused" 2 "not an encrypted delta" \
    "$X" mirror apply -i "$id1" "$base" "$plain" --out "$d/out/b4" \
    --key "$pub"
check "  ... and nothing is written" nothing_at "$d/out/b4"
check_fails "an encrypted delta without -i is refused" 3 ERR_VERIFY_FAILED \
    "$X" mirror apply "$base" "$enc" --out "$d/out/b5" --key "$pub"
check "  ... and nothing is written" nothing_at "$d/out/b5"
it_done
