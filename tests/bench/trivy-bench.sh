#!/bin/sh
# First figures for the trivy:db benchmark (issue: trivy:db, Benchmark):
# the OSV fixtures replicated under new ids (-r N, default 11: over
# 100,000 advisories with ../shared/fixtures), converted by
# tests/tools/trivy_build, then the same merged rows written two ways:
#   ours      tests/tools/bolt_load: sorted rows streamed through ec_bolt
#   baseline  tests/tools/boltbaseline: bbolt's ordinary API, one
#             transaction, rows in advisory order (the upstream way)
# Prints wall time, peak RSS and file size of each and their ratios, and
# checks both files hold the same buckets, keys and values (boltcheck).
# Not part of make check: it measures, and measurements need a quiet host.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
b=$root/build
reps=${1:-11}
work=$(mktemp -d /tmp/ec-trivy-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$root/tests/fixtures/osv
[ -d "$root/../shared/fixtures/osv" ] && src=$root/../shared/fixtures/osv
find "$src" -name '*.json' | sort >"$work/files"
mkdir "$work/conv"
/usr/bin/time -f "%e %M" -o "$work/conv.time" "$b/tests/tools/trivy_build" \
    -r "$reps" -o "$work/rows" "$work/conv" 2026-11-01T00:00:00Z \
    "@$work/files" >"$work/conv.out" 2>"$work/conv.err"
echo "input: $(wc -l <"$work/files") advisories x $reps," \
    "$(wc -l <"$work/rows") rows; $(cat "$work/conv.err")"
LC_ALL=C sort "$work/rows" >"$work/rows.sorted"
/usr/bin/time -f "%e %M" -o "$work/ours.time" \
    "$b/tests/tools/bolt_load" "$work/rows.sorted" "$work/ours.db" >/dev/null
/usr/bin/time -f "%e %M" -o "$work/base.time" \
    "$b/boltbaseline" "$work/rows" "$work/base.db" >/dev/null
"$b/boltbaseline" -compact "$work/compact.db" - "$work/base.db" |
    sed -n 's/.*compacted: \([0-9]*\) bytes.*/\1/p' >"$work/compact.size"
# Inline or paged may differ (bbolt decides that itself); content may not.
"$b/boltcheck" "$work/ours.db" | sed 's/ inline$//; s/ paged$//' \
    >"$work/ours.dump"
"$b/boltcheck" "$work/base.db" | sed 's/ inline$//; s/ paged$//' \
    >"$work/base.dump"
same=NO
cmp -s "$work/ours.dump" "$work/base.dump" && same=yes
set -- $(cat "$work/ours.time") $(cat "$work/base.time")
os=$(stat -c %s "$work/ours.db")
bs=$(stat -c %s "$work/base.db")
printf 'ours:     %6.2f s  %7d KiB RSS  %10d bytes\n' "$1" "$2" "$os"
printf 'baseline: %6.2f s  %7d KiB RSS  %10d bytes\n' "$3" "$4" "$bs"
awk -v a="$1" -v b="$3" -v c="$2" -v d="$4" -v e="$os" -v f="$bs" \
    'BEGIN { printf "ratio:    %.1fx faster, RSS %.3f, size %.3f of the baseline\n", b / a, c / d, e / f }'
awk -v e="$os" -v c="$(cat "$work/compact.size")" 'BEGIN {
    printf "baseline after bbolt compact (FillPercent 1.0): %d bytes in use; ours %.3f of it\n", c, e / c }'
echo "same buckets, keys and values: $same"
[ "$same" = yes ]
