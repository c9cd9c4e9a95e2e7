#!/bin/sh
# trivy:db benchmark (make bench runs it after json:raw; see README.md).
#
# The fixture advisories replicated in SQL with new ids up to >=
# BENCH_TRIVY_DOCS documents (default 100000): each replica renames "id",
# every alias and every upstream id to "<id>-r<n>", so replicas stay
# separate vulnerabilities instead of merging as aliases.  Then, once each
# (short: the figures are for the closing note, not a median):
#   ours      exportctl build --profile trivy:db (store read, conversion,
#             sort, BoltDB, db.tar.gz, OCI layout, manifest, provenance)
#   writer    tests/tools/bolt_load: the same rows, sorted, through
#             ec_bolt alone: the part that compares with the baseline
#   baseline  build/boltbaseline: the same buckets and values, dumped from
#             our trivy.db and grouped by vulnerability id (the order an
#             advisory-at-a-time builder writes), inserted through bbolt's
#             ordinary API in one transaction, the way upstream writes
# Wall time and peak RSS from /usr/bin/time; sizes of trivy.db and of the
# baseline's file, before and after bbolt compact.  Both files must hold
# the same buckets, keys and values (build/boltcheck).
#
# Alone it starts its own private cluster; bench.sh runs it inside its own
# (EXPORT_CENTER_DB set, BENCH_VAR its scratch directory).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
DOCS=${BENCH_TRIVY_DOCS:-100000}
TENANT_S=bench-trivy-src
TENANT_T=bench-trivy
EC_BIN=$root/build/exportctl
b=$root/build

die() { echo "bench trivy: $*" >&2; exit 2; }
for t in /usr/bin/time jq psql; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (make deps)"
done
for t in "$EC_BIN" "$b/boltbaseline" "$b/boltcheck" "$b/tests/tools/bolt_load"; do
	[ -x "$t" ] || die "$t not built (make all)"
done
case $DOCS in ''|*[!0-9]*|0) die "BENCH_TRIVY_DOCS must be a positive integer" ;; esac

VAR=$(mktemp -d "${BENCH_VAR:-/tmp}/ec-bench-trivy.XXXXXX")
own=
cleanup() {
	[ -z "$own" ] || tests/lib/pg.sh stop "$VAR/pg" >/dev/null 2>&1 || true
	rm -rf "$VAR"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT TERM
trap 'exit 141' PIPE
if [ -z "${EXPORT_CENTER_DB:-}" ]; then
	own=1
	EXPORT_CENTER_DB=$(tests/lib/pg.sh start "$VAR/pg") ||
	    die "cluster start failed"
	export EXPORT_CENTER_DB
	"$EC_BIN" db migrate >/dev/null || die "migrate failed"
fi
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$EXPORT_CENTER_DB" "$@"; }
t0=$(date +%s)
say() { printf '[%4ds] trivy: %s\n' $(($(date +%s) - t0)) "$*"; }

if [ -n "${BENCH_OSV:-}" ]; then
	osv=$(cd "$BENCH_OSV" && pwd)
elif [ -d "$root/../shared/fixtures/osv" ]; then
	osv=$(cd "$root/../shared/fixtures/osv" && pwd)
else
	osv=$root/tests/fixtures/osv
fi
"$EC_BIN" ingest --tenant "$TENANT_S" "$osv" >/dev/null 2>"$VAR/ingest.err" ||
    { cat "$VAR/ingest.err" >&2; die "ingest failed"; }
n=$(q -c "BEGIN; SELECT set_config('app.tenant', '$TENANT_S', true);" \
    -c "SELECT count(*) FROM evidence WHERE kind = 'advisory'; COMMIT;" |
    sed -n 2p)
[ "$n" -gt 0 ] || die "no advisories in $osv"
reps=$(((DOCS + n - 1) / n))

# The profile parses documents again, so they need not stay canonical
# here; jsonb renames the ids inside the lists too.
q -v reps="$reps" -v ts="$TENANT_S" -v tt="$TENANT_T" >/dev/null <<'SQL'
BEGIN;
SELECT set_config('app.tenant', :'ts', true);
CREATE TEMP TABLE src ON COMMIT DROP AS
    SELECT kind, format, source, upstream_id, modified_at,
        convert_from(doc, 'UTF8')::jsonb AS d
    FROM evidence WHERE kind = 'advisory';
SELECT set_config('app.tenant', :'tt', true);
INSERT INTO evidence (tenant, kind, format, source, upstream_id,
    modified_at, sha256, size, doc)
SELECT :'tt', kind, format, source, nid, modified_at,
    encode(sha256(nd), 'hex'), length(nd), nd
FROM (SELECT s.kind, s.format, s.source, s.modified_at,
        s.upstream_id || '-r' || r AS nid,
        convert_to((s.d || jsonb_build_object('id', s.upstream_id || '-r' || r)
        || jsonb_build_object('aliases', COALESCE((SELECT jsonb_agg(a || '-r' || r)
            FROM jsonb_array_elements_text(s.d->'aliases') a), '[]'::jsonb))
        || jsonb_build_object('upstream', COALESCE((SELECT jsonb_agg(a || '-r' || r)
            FROM jsonb_array_elements_text(s.d->'upstream') a), '[]'::jsonb))
        )::text, 'UTF8') AS nd
    FROM src s CROSS JOIN generate_series(1, :reps) AS r) x;
COMMIT;
VACUUM ANALYZE evidence;
SQL
say "$((n * reps)) advisories ($n x $reps replicas) from $osv"

mkdir "$VAR/ours"
/usr/bin/time -f '%e %M' -o "$VAR/ours.time" "$EC_BIN" build \
    --profile trivy:db --tenant "$TENANT_T" --out "$VAR/ours" \
    >"$VAR/build.out" 2>&1 || { cat "$VAR/build.out" >&2; die "build failed"; }
db=$(ls -d "$VAR"/ours/*/)trivy.db
say "ours: $(grep '^skipped' "$VAR/build.out" || echo 'skipped   0')"
"$b/boltbaseline" -dump "$db" | LC_ALL=C sort |
    awk -F '\t' -v OFS='\t' '{ print $2, $3, $1, $4 }' >"$VAR/rows"
LC_ALL=C sort "$VAR/rows" >"$VAR/rows.sorted"
/usr/bin/time -f '%e %M' -o "$VAR/writer.time" "$b/tests/tools/bolt_load" \
    "$VAR/rows.sorted" "$VAR/writer.db" >/dev/null || die "bolt_load failed"
cmp -s "$VAR/writer.db" "$db" || die "bolt_load and the profile differ"
/usr/bin/time -f '%e %M' -o "$VAR/base.time" "$b/boltbaseline" \
    "$VAR/rows" "$VAR/base.db" >/dev/null || die "baseline failed"
"$b/boltbaseline" -compact "$VAR/compact.db" - "$VAR/base.db" |
    sed -n 's/.*compacted: \([0-9]*\) bytes.*/\1/p' >"$VAR/compact.size"
"$b/boltcheck" "$db" | sed 's/ inline$//; s/ paged$//' >"$VAR/ours.dump"
"$b/boltcheck" "$VAR/base.db" | sed 's/ inline$//; s/ paged$//' \
    >"$VAR/base.dump"
same=NO
cmp -s "$VAR/ours.dump" "$VAR/base.dump" && same=yes
set -- $(cat "$VAR/ours.time") $(cat "$VAR/base.time") $(cat "$VAR/writer.time")
os=$(stat -c %s "$db")
bs=$(stat -c %s "$VAR/base.db")
echo
echo "trivy:db benchmark: $((n * reps)) advisories, $(wc -l <"$VAR/rows") rows, one run each"
printf 'ours:     %7.2f s  %8.1f MiB RSS  %11d bytes  (exportctl build, all of it)\n' \
    "$1" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')" "$os"
printf 'writer:   %7.2f s  %8.1f MiB RSS  %11d bytes  (ec_bolt over the sorted rows, same file)\n' \
    "$5" "$(awk -v k="$6" 'BEGIN { print k / 1024 }')" "$os"
printf 'baseline: %7.2f s  %8.1f MiB RSS  %11d bytes  (bbolt, one transaction)\n' \
    "$3" "$(awk -v k="$4" 'BEGIN { print k / 1024 }')" "$bs"
awk -v a="$1" -v b="$3" -v c="$2" -v d="$4" -v e="$os" -v f="$bs" \
    -v w="$5" -v x="$6" 'BEGIN {
    sp = w > 0 ? sprintf("%.2fx faster", b / w) : "n/a (under 10 ms)"
    printf "ratio, writer vs baseline: %s (target >= 3x), RSS %.3f, size %.3f of the baseline\n",
    sp, x / d, e / f
    printf "ratio, whole export vs baseline: %.2fx, RSS %.3f (peak %s 128 MiB)\n",
    b / a, c / d, (c <= 131072) ? "within" : "OVER" }'
awk -v e="$os" -v c="$(cat "$VAR/compact.size")" 'BEGIN {
    printf "baseline after bbolt compact: %d bytes in use; ours %.3f of it\n", c, e / c }'
echo "same buckets, keys and values: $same"
[ "$same" = yes ]
