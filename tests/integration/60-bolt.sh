#!/bin/bash
# lib/ec_bolt's files read by bbolt itself (Debian's golang-github-coreos-
# bbolt-dev, the library Trivy links): tx.Check() finds nothing, read-only
# and after a read-write transaction, and every bucket dumps back exactly
# what tests/tools/bolt_shapes wrote, inline buckets where bbolt's rule
# puts them.  Shapes: empty, one bucket, nested, many inline buckets,
# overflow values, 100,000 keys, a deep tree, keys of 1 to 32768 bytes.
. "$(dirname "$0")/../lib/it.sh"

tools=$EC_ROOT/build
check "boltcheck is built (make deps installs go)" test -x "$tools/boltcheck"
check "bolt_shapes writes every shape" \
    "$tools/tests/tools/bolt_shapes" "$IT_TMP"
for want in "$IT_TMP"/*.want; do
	s=$(basename "$want" .want)
	check "$s: bbolt opens it, tx.Check is clean (also after a write)" \
	    sh -c '"$1" -rw "$2" >"$3"' _ "$tools/boltcheck" \
	    "$IT_TMP/$s.db" "$IT_TMP/$s.got"
	check "$s: the dump equals what was written" \
	    cmp "$IT_TMP/$s.got" "$want"
done
check_equal "all eight shapes were checked" \
    "$(ls "$IT_TMP"/*.got 2>/dev/null | wc -l)" 8
mkdir "$IT_TMP/again"
"$tools/tests/tools/bolt_shapes" "$IT_TMP/again" >/dev/null 2>&1
for db in "$IT_TMP"/*.db; do
	check "$(basename "$db"): written twice, identical bytes" \
	    cmp "$db" "$IT_TMP/again/$(basename "$db")"
done
# The checker itself must be able to fail: flip one key byte of a leaf.
cp "$IT_TMP/many.db" "$IT_TMP/broken.db"
printf '\377' | dd of="$IT_TMP/broken.db" bs=1 seek=$((5 * 4096 + 16 * 16 + 200)) \
    conv=notrunc 2>/dev/null
check_fails "a corrupted file fails the check" 1 - \
    sh -c '"$1" "$2" | cmp -s - "$3" && exit 0; exit 1' _ "$tools/boltcheck" \
    "$IT_TMP/broken.db" "$IT_TMP/many.want"
it_done
