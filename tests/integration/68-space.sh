#!/bin/bash
# exportctl estimate and the free-space check: the estimate counts the
# store's documents and errs high against the real bundle; a build whose
# staging or output file system (a 1 MiB tmpfs, filled to a known level)
# lacks the estimated space is refused before it writes, with ERR_IO
# naming the file system, and leaves nothing behind.
. "$(dirname "$0")/../lib/it.sh"

d=$IT_TMP
t=$(it_tenant main)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures" >/dev/null
n=$(it_rows "$t" "")
est() { "$EC_BIN" --json estimate "$@"; }

check "estimate json:raw from the store" est --profile json:raw \
    --tenant "$t" --formats json,ndjson --out "$d/o"
e=$(cat "$IT_TMP/.log")
check_equal "  ... counts every document of the tenant" \
    "$(echo "$e" | jq .documents)" "$n"
"$EC_BIN" build --profile json:raw --tenant "$t" --formats json,ndjson \
    --out "$d/o" >/dev/null
b=$(it_bundle "$d/o")
check "  ... the bundle estimate is not below the real bundle" \
    test "$(echo "$e" | jq .bundleBytes)" -ge "$(stat -c %s "$b")"
unz=$(zstd -dc "$b" | wc -c)
check "  ... nor the tree estimate below the uncompressed tar" \
    test "$(echo "$e" | jq .treeBytes)" -ge "$unz"
"$EC_BIN" keys generate --type age --out "$d/age" >/dev/null
plain=$(est --profile json:raw --tenant "$t" | jq .stagingNeed)
wrapped=$(est --profile json:raw --tenant "$t" --split-size 1M \
    --recipients-file "$d/age/age-recipients.txt" | jq .stagingNeed)
check "  ... encryption and splitting add to the staging need" \
    test "$wrapped" -gt "$plain"
check_fails "estimate checks the request like build" 2 \
    ERR_EXPORT_PROFILE_NOT_FOUND est --profile no:such --tenant "$t"

small=$d/small
mkdir "$small"
if ! mount -t tmpfs -o size=1m tmpfs "$small" 2>/dev/null; then
	echo "ok - # SKIP cannot mount a tmpfs (not root?)"
	it_done
fi
trap 'umount "$small" 2>/dev/null' EXIT
dp() { # dp STAGING OUT: build devportal:offline
	"$EC_BIN" build --profile devportal:offline --tenant "$t" \
	    --staging "$1" --out "$2"
}
need=$(est --profile devportal:offline --tenant "$t" --staging "$small" \
    --out "$d/dp0" | jq .stagingNeed)
check "a build that fits the 1 MiB tmpfs" dp "$small" "$d/dp1"
check_equal "  ... leaves no staging there" "$(ls -A "$small")" ""
free=$(df -B1 --output=avail "$small" | tail -n 1)
head -c $((free - need / 2)) /dev/zero >"$small/filler"
check_equal "estimate: with half the need free it does not fit" \
    "$(est --profile devportal:offline --tenant "$t" --staging "$small" \
    | jq .fits)" false
check_fails "the build is refused before it writes" 2 \
    "not enough free space for staging in $small" dp "$small" "$d/dp2"
check_equal "  ... nothing published, no staging left" \
    "$(ls -A "$d/dp2" 2>/dev/null; ls -A "$small")" "filler"

rm "$small/filler"
mkdir "$d/stg"
bneed=$(est --profile devportal:offline --tenant "$t" --staging "$d/stg" \
    --out "$small/out" | jq .outNeed)
free=$(df -B1 --output=avail "$small" | tail -n 1)
head -c $((free - bneed / 2)) /dev/zero >"$small/filler"
check_fails "a full output file system is refused too" 2 \
    "not enough free space in the output directory $small/out" \
    dp "$d/stg" "$small/out"
check_equal "  ... nothing published, no staging left" \
    "$(find "$small/out" "$d/stg" -mindepth 1 | wc -l)" 0
rm "$small/filler"
check "  ... and with the space back it builds" dp "$d/stg" "$small/out"
umount "$small"
trap - EXIT
it_done
