#!/bin/bash
# Mirror deltas (exportctl mirror diff|apply, mirror:delta).  On trees
# made here: a chain of three deltas applied one after the other gives
# trees byte-identical to each new tree (diff -r and the sha256 of every
# file), appliedExportIds.log records the chain, deltas rebuild to the
# same bytes, and every refusal (absent, other or altered base; tampered,
# unlisted or missing file; edited removals; no or another signature; a
# link, a FIFO) fails with its code and writes nothing.  A chain of TUF
# repositories written by exportctl tuf write (versions 1, 2, 3) is
# carried by deltas, and the stock tuf-js client that trusted version 1's
# root accepts the applied result.  When exportctl profiles lists
# mirror:full, the same over real mirrors built from evidence changed
# between builds.
. "$(dirname "$0")/../lib/it.sh"

d=$IT_TMP
X=$EC_BIN
for k in k other; do
	"$X" keys generate --type ed25519 --out "$d/$k" >/dev/null
done
priv=$d/k/signing.key.pem
pub=$d/k/signing.pub.pem

put() {	# put TREE PATH TEXT
	mkdir -p "$(dirname "$d/$1/$2")"
	printf '%s\n' "$3" >"$d/$1/$2"
}
# The sha256 of every file but the importer's log, by path.
sums() { (cd "$1" && find . -type f ! -path ./appliedExportIds.log | \
    LC_ALL=C sort | xargs -r sha256sum); }
same_tree() {	# same_tree A B: diff -r and every file's sha256
	diff -r --exclude=appliedExportIds.log "$1" "$2" &&
	    [ "$(sums "$1")" = "$(sums "$2")" ] && [ -n "$(sums "$2")" ]
}
nothing_at() { [ ! -e "$1" ] && ! ls -a "$(dirname "$1")" | grep -q '^\.ec-mirror'; }

# Four generic trees: files added, changed, removed, nested directories,
# a manifest.json whose runId names each export.
for i in 1 2 3 4; do
	put "t$i" manifest.json "{\"runId\":\"gen-$i\"}"
	put "t$i" a.txt "stable"
	put "t$i" dir/sub/deep/c.txt "deep, stable"
done
put t1 old.txt "removed by delta 1"
put t1 dir/b.txt "b, first"
put t2 dir/b.txt "b, second"
put t2 new/x.json '{"x":1}'
put t3 dir/b.txt "b, second"
put t3 new/x.json '{"x":2}'
put t3 new/y/z.bin "z"
put t4 new/y/z.bin "z, changed"
put t4 top.txt "only in 4"
head -c 300000 /dev/urandom >"$d/t4/big.bin"

cp -a "$d/t1" "$d/r1"
for i in 1 2 3; do
	j=$((i + 1))
	check "diff t$i t$j" "$X" mirror diff "$d/t$i" "$d/t$j" \
	    --out "$d/d$i" --key "$priv"
	"$X" mirror diff "$d/t$i" "$d/t$j" --out "$d/d$i.again" \
	    --key "$priv" >/dev/null 2>&1
	check "delta $i: rebuilt byte for byte" diff -r "$d/d$i" "$d/d$i.again"
	check "apply delta $i to r$i" "$X" mirror apply "$d/r$i" "$d/d$i" \
	    --out "$d/r$j" --key "$pub"
	check "r$j is t$j: diff -r and every file's sha256" \
	    same_tree "$d/r$j" "$d/t$j"
done
check_equal "delta 1 holds only new and changed files" \
    "$(cd "$d/d1/files" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" \
    "./dir/b.txt ./manifest.json ./new/x.json "
check_equal "delta 1 removes old.txt, signed" \
    "$(jq -c .removals "$d/d1/manifest.diff.json")" '["old.txt"]'
check_equal "manifest.diff.json names base and export" \
    "$(jq -r '.baseExportId + " " + .exportId' "$d/d3/manifest.diff.json")" \
    "gen-3 gen-4"
check_equal "appliedExportIds.log records the chain" \
    "$(tr '\n' ' ' <"$d/r4/appliedExportIds.log")" "gen-1 gen-2 gen-3 gen-4 "
check "applying again to the same name is success (identical)" \
    "$X" mirror apply "$d/r3" "$d/d3" --out "$d/r4" --key "$pub"
check_equal "--json names the audit event" "$("$X" --json mirror apply \
    "$d/r3" "$d/d3" --out "$d/r4" --key "$pub" | jq -r .event)" \
    mirror.delta.applied
cp -a "$d/r3" "$d/r3.copy"
check_fails "another tree at --out is refused" 2 ERR_CONFLICT "$X" mirror \
    apply "$d/r1" "$d/d1" --out "$d/r3" --key "$pub"
check "  ... and left as it was" diff -r "$d/r3" "$d/r3.copy"
check "a delta of no change applies" "$X" mirror diff "$d/t4" "$d/t4" \
    --out "$d/d0" --key "$priv"
check "  ... and gives the same tree" sh -c "'$X' mirror apply '$d/r4' \
    '$d/d0' --out '$d/r0' --key '$pub' >/dev/null && diff -r \
    --exclude=appliedExportIds.log '$d/r0' '$d/t4'"

# refused DESC EXIT CODE BASE DELTA [KEY]: nothing may appear at the output.
refused() {
	local desc=$1 ex=$2 code=$3 base=$4 delta=$5 key=${6:-$pub}
	check_fails "$desc" "$ex" "$code" "$X" mirror apply "$base" "$delta" \
	    --out "$d/out/res" --key "$key"
	check "  ... nothing written" nothing_at "$d/out/res"
}
mkdir -p "$d/out"
refused "an absent base" 2 ERR_EXPORT_BASE_MISSING "$d/absent" "$d/d1"
refused "another base (delta 2 on t1)" 2 ERR_EXPORT_BASE_MISSING \
    "$d/t1" "$d/d2"
cp -a "$d/t1" "$d/t1x"
put t1x dir/sub/deep/c.txt "edited"
refused "a base with one file edited" 2 ERR_EXPORT_BASE_MISSING \
    "$d/t1x" "$d/d1"
cp -a "$d/t1" "$d/t1m"
put t1m manifest.json '{"runId":"gen-9"}'
refused "a base that is another export (manifest digest)" 2 \
    ERR_EXPORT_BASE_MISSING "$d/t1m" "$d/d1"
cp -a "$d/d1" "$d/dt"
put dt files/dir/b.txt "b, tampered"
refused "a tampered file" 3 ERR_VERIFY_FAILED "$d/t1" "$d/dt"
cp -a "$d/d1" "$d/du"
put du files/extra.txt "smuggled"
refused "an unlisted file" 3 ERR_VERIFY_FAILED "$d/t1" "$d/du"
cp -a "$d/d1" "$d/dm"
rm "$d/dm/files/new/x.json"
refused "a missing file" 3 ERR_VERIFY_FAILED "$d/t1" "$d/dm"
cp -a "$d/d1" "$d/dr"
jq -c '.removals = ["a.txt"]' "$d/d1/manifest.diff.json" | tr -d '\n' \
    >"$d/dr/manifest.diff.json"
refused "removals edited after signing" 3 ERR_VERIFY_FAILED "$d/t1" "$d/dr"
cp -a "$d/d1" "$d/dn"
rm "$d/dn/manifest.diff.dsse.json"
refused "an unsigned delta" 3 ERR_VERIFY_FAILED "$d/t1" "$d/dn"
refused "another key" 3 ERR_VERIFY_FAILED "$d/t1" "$d/d1" \
    "$d/other/signing.pub.pem"
cp -a "$d/d1" "$d/dl"
rm -r "$d/dl/files/new"
mkdir -p "$d/outside"
ln -s "$d/outside" "$d/dl/files/new"
refused "a link out of the tree" 3 ERR_VERIFY_FAILED "$d/t1" "$d/dl"
cp -a "$d/d1" "$d/dk"
mv "$d/dk/files" "$d/outside/files"
ln -s "$d/outside/files" "$d/dk/files"
refused "files/ itself a link" 3 ERR_VERIFY_FAILED "$d/t1" "$d/dk"
cp -a "$d/d1" "$d/df"
rm "$d/df/files/dir/b.txt"
mkfifo "$d/df/files/dir/b.txt"
refused "a FIFO in the delta" 3 ERR_VERIFY_FAILED "$d/t1" "$d/df"
check_equal "  ... the bases are untouched" "$(sums "$d/t1")" \
    "$(sums "$d/r1")"
ln -s a.txt "$d/t4/link"
check_fails "diff of a tree with a link" 2 ERR_ "$X" mirror diff \
    "$d/t3" "$d/t4" --out "$d/out/dd" --key "$priv"
check "  ... nothing written" nothing_at "$d/out/dd"
rm "$d/t4/link"
check_fails "diff from an absent base" 2 ERR_EXPORT_BASE_MISSING \
    "$X" mirror diff "$d/absent" "$d/t4" --out "$d/out/dd" --key "$priv"

# TUF repositories at versions 1, 2, 3 (exportctl tuf write), carried
# by deltas: a client holding version 1's root accepts the applied tree.
mkdir -p "$d/in"
printf 'one\n' >"$d/in/a.txt"
printf '{"v":1}\n' >"$d/in/b.json"
tuf() {	# tuf DIR VERSION FILE...
	local out=$1 v=$2; shift 2
	"$X" tuf write --key "$priv" --version "$v" \
	    --expires 2099-01-01T00:00:00Z --out "$out" "$@" >/dev/null
}
tuf "$d/u1" 1 "$d/in/a.txt" "$d/in/b.json"
cp -a "$d/u1" "$d/u2"
printf '{"v":2}\n' >"$d/in/b.json"
printf 'new in 2\n' >"$d/in/c.txt"
tuf "$d/u2" 2 "$d/in/a.txt" "$d/in/b.json" "$d/in/c.txt"
cp -a "$d/u2" "$d/u3"
printf '{"v":3}\n' >"$d/in/b.json"
tuf "$d/u3" 3 "$d/in/a.txt" "$d/in/b.json" "$d/in/c.txt"
cp -a "$d/u1" "$d/s1"
for i in 1 2; do
	j=$((i + 1))
	check "TUF: diff version $i to $j" "$X" mirror diff "$d/u$i" \
	    "$d/u$j" --out "$d/e$i" --key "$priv"
	check "TUF: apply, version $j byte-identical" sh -c "'$X' mirror \
	    apply '$d/s$i' '$d/e$i' --out '$d/s$j' --key '$pub' >/dev/null &&
	    diff -r --exclude=appliedExportIds.log '$d/s$j' '$d/u$j'"
done
check "TUF: the delta carries the new metadata versions" \
    test -f "$d/e2/files/metadata/3.snapshot.json"

tc=$EC_ROOT/tests/tools/tufcheck
if [ ! -d "$tc/node_modules/tuf-js" ]; then
	(cd "$tc" && npm ci --no-audit --no-fund --ignore-scripts) \
	    >"$d/npm.log" 2>&1 || { cat "$d/npm.log"; it_fail "npm ci tuf-js"; it_done; }
fi
# serve DIR: a plain static server on a port the kernel picks (so a busy
# port can never answer in its place); sets $pid and $port.
pids=
trap 'kill $pids 2>/dev/null' EXIT
serve() {
	local log=$d/http.$RANDOM.log i=0
	/usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 \
	    --directory "$1" >"$log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	port=
	while [ -z "$port" ] && [ $i -lt 100 ] && kill -0 "$pid" 2>/dev/null
	do
		sleep 0.1
		i=$((i + 1))
		port=$(sed -n 's/^Serving HTTP on .* port \([0-9]*\).*/\1/p' \
		    "$log")
	done
	[ -n "$port" ]
}
serve "$d" || { it_fail "a static server on 127.0.0.1"; it_done; }
url=http://127.0.0.1:$port
check "tuf-js, trusting version 1's root, accepts the applied tree" \
    node "$tc/check.js" "$url/s3" "$d/u1/metadata/1.root.json" "$d/w1" \
    a.txt b.json c.txt
check "  ... and serves version 3's bytes" cmp "$d/w1/targets/b.json" \
    "$d/in/b.json"

# mirror:full: real mirrors from evidence, changed between the builds.
check "mirror:full is in this build's registry" \
    sh -c '"$1" profiles | grep -qx mirror:full' _ "$X"
t=$(it_tenant full)
fx=$EC_ROOT/tests/fixtures
"$X" ingest --tenant "$t" "$fx/osv" >/dev/null
# The fixtures are years old and TUF expiries count from the snapshot
# time: fixed ones keep the metadata valid for the client below, and a
# delta passes them on to the full mirror it leads to.
exp=()
for r in root targets snapshot timestamp; do
	exp+=(--param "expires-$r=2099-01-01T00:00:00Z")
done
full() {	# full OUT: a mirror:full build; prints its directory
	mkdir -p "$1"
	"$X" build --profile mirror:full --tenant "$t" --key "$priv" \
	    "${exp[@]}" --out "$1" >/dev/null && ls -d "$1"/*/
}
# Change one advisory's text and time, as a feed update would (same
# source and id, a newer modified time: the stored document is replaced).
evolve() {	# evolve N
	local f
	f=$(find "$fx/osv" -name '*.json' | LC_ALL=C sort | sed -n "${1}p")
	jq -c --arg s "changed in step $1" --arg m "2026-0$1-01T00:00:00Z" \
	    '.summary = $s | .modified = $m' "$f" >"$d/evolve-$1.json"
	"$X" ingest --tenant "$t" "$d/evolve-$1.json" >/dev/null
}
f1=$(full "$d/m/f1")
check "mirror:full 1" test -d "$f1"
cp -a "$f1" "$d/m/a1"
prev=$d/m/a1
for i in 2 3 4; do
	evolve "$i"
	mkdir -p "$d/m/delta$i"
	check "mirror:delta $i against the last applied tree" "$X" build \
	    --profile mirror:delta --tenant "$t" --key "$priv" "${exp[@]}" \
	    --out "$d/m/delta$i" --base "$prev"
	dd=$(ls -d "$d/m/delta$i"/*/)
	fi=$(full "$d/m/f$i")
	check "apply mirror:delta $i" "$X" mirror apply "$prev" "$dd" \
	    --out "$d/m/a$i" --key "$pub"
	check "  ... byte-identical to mirror:full $i" \
	    same_tree "$d/m/a$i" "$fi"
	check "  ... and smaller than it" test "$(du -sb "$dd" | cut -f1)" \
	    -lt "$(du -sb "$fi" | cut -f1)"
	prev=$d/m/a$i
done
check_equal "appliedExportIds.log: the full mirror and three deltas" \
    "$(wc -l <"$d/m/a4/appliedExportIds.log")" 4
check "mirror:delta 4 patches changed files (patches.pack)" \
    test -s "$dd/patches.pack"
check "  ... and copies TUF's consistent-snapshot targets" \
    jq -e '[.files[] | select(.copyOf)] | length > 0' \
    "$dd/manifest.diff.json"
mkdir -p "$d/m/delta4b"
"$X" build --profile mirror:delta --tenant "$t" --key "$priv" "${exp[@]}" \
    --out "$d/m/delta4b" --base "$d/m/a3" >/dev/null
check "mirror:delta 4 built twice: the same bytes" \
    diff -r "$dd" "$(ls -d "$d/m/delta4b"/*/)"
cp -a "$dd" "$d/m/dp"
printf 'X' | dd of="$d/m/dp/patches.pack" bs=1 seek=20 conv=notrunc \
    2>/dev/null
check_fails "a tampered patch" 3 ERR_VERIFY_FAILED "$X" mirror apply \
    "$d/m/a3" "$d/m/dp" --out "$d/out/p" --key "$pub"
check "  ... nothing written" nothing_at "$d/out/p"
truncate -s -1 "$d/m/dp/patches.pack"
check_fails "a cut patches.pack" 3 ERR_VERIFY_FAILED "$X" mirror apply \
    "$d/m/a3" "$d/m/dp" --out "$d/out/p" --key "$pub"
check "  ... nothing written" nothing_at "$d/out/p"
check_fails "a mirror:delta applied to the wrong base" 2 \
    ERR_EXPORT_BASE_MISSING "$X" mirror apply "$f1" "$dd" \
    --out "$d/out/w" --key "$pub"
check "  ... nothing written" nothing_at "$d/out/w"
check_fails "mirror:delta from an absent base" 2 ERR_EXPORT_BASE_MISSING \
    "$X" build --profile mirror:delta --tenant "$t" --key "$priv" \
    --out "$d/out/m" --base "$d/absent"
check "  ... nothing written" nothing_at "$d/out/m"
node_root=$(ls "$f1"/tuf/metadata/1.root.json 2>/dev/null)
if [ -n "$node_root" ] && serve "$d/m/a4/tuf"; then
	tgt=$(jq -r '.signed.targets | keys[0]' \
	    "$(ls "$d/m/a4/tuf/metadata/"*.targets.json | sort -V | tail -1)")
	check "tuf-js, trusting mirror 1's root, accepts the applied mirror" \
	    node "$tc/check.js" "http://127.0.0.1:$port" "$node_root" \
	    "$d/m/w" "$tgt"
else
	it_fail "mirror:full has tuf/metadata/1.root.json, served"
fi
it_done
