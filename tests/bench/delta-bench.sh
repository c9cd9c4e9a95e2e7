#!/bin/sh
# mirror:delta benchmark (issue 16, Benchmark), run by tests/bench/bench.sh
# or on its own.  In a private PostgreSQL
# cluster: the fixture advisories replicated in SQL (as bench.sh does) up
# to >= BENCH_DOCS (default 100000); mirror:full over them; then 1% of
# the advisories changed (a newer "modified" in the stored canonical
# bytes, their digest and size updated alike), mirror:delta against the
# first mirror, and exportctl mirror apply of it.  Reported: full and
# delta size and their ratio (target <= 2%), wall time and peak RSS of
# the apply, and whether the applied tree equals the second full mirror.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

DOCS=${BENCH_DOCS:-100000}
T=bench-delta
EC_BIN=$root/build/exportctl

die() { echo "delta-bench: $*" >&2; exit 2; }
[ -x "$EC_BIN" ] || die "$EC_BIN not built (make all)"
VAR=$(mktemp -d /tmp/ec-delta-bench.XXXXXX)
cleanup() {
	tests/lib/pg.sh stop "$VAR/pg" >/dev/null 2>&1 || true
	rm -rf "$VAR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
t0=$(date +%s)
say() { printf '[%4ds] %s\n' $(($(date +%s) - t0)) "$*"; }

EXPORT_CENTER_DB=$(tests/lib/pg.sh start "$VAR/pg") || die "cluster start failed"
export EXPORT_CENTER_DB
"$EC_BIN" db migrate >/dev/null || die "migrate failed"
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$EXPORT_CENTER_DB" "$@"; }
osv=$root/tests/fixtures/osv
[ -d "$root/../shared/fixtures/osv" ] && osv=$root/../shared/fixtures/osv
"$EC_BIN" ingest --tenant "$T" "$osv" >/dev/null || die "ingest $osv"
n=$(q -c "BEGIN; SELECT set_config('app.tenant', '$T', true);" \
    -c "SELECT count(*) FROM evidence WHERE kind = 'advisory'; COMMIT;" |
    sed -n 2p)
reps=$(((DOCS + n - 1) / n))
q -v reps="$reps" -v src="$T" -v dst="$T" -f tests/bench/replicate.sql \
    >/dev/null
key=$VAR/key
"$EC_BIN" keys generate --type ed25519 --out "$key" >/dev/null
build() {	# build PROFILE OUT [ARGS]
	p=$1 o=$2
	shift 2
	mkdir -p "$o"
	"$EC_BIN" build --profile "$p" --tenant "$T" --key "$key/signing.key.pem" \
	    --out "$o" "$@" >/dev/null || die "build $p"
	ls -d "$o"/*/
}
f1=$(build mirror:full "$VAR/f1")
say "mirror:full 1: $(du -sb "$f1" | cut -f1) bytes"
# 1% of the advisories get a newer "modified" (a string in the canonical
# bytes, so they stay canonical).
q -v t="$T" >/dev/null <<'SQL'
BEGIN;
SELECT set_config('app.tenant', :'t', true);
UPDATE evidence e SET doc = n.nd, sha256 = encode(sha256(n.nd), 'hex'),
    size = length(n.nd), modified_at = e.modified_at + interval '1 day'
FROM (SELECT tenant, kind, upstream_id, source,
        convert_to(regexp_replace(convert_from(doc, 'UTF8'),
        '"modified":"[^"]*"', '"modified":"2026-06-01T00:00:00Z"'),
        'UTF8') AS nd
    FROM evidence
    WHERE kind = 'advisory' AND abs(hashtext(upstream_id)) % 100 = 0) n
WHERE e.tenant = n.tenant AND e.kind = n.kind AND
    e.upstream_id = n.upstream_id AND e.source = n.source;
COMMIT;
SQL
# The delta build is timed alone: wall time and peak RSS.
mkdir -p "$VAR/d"
/usr/bin/time -f '%e %M' -o "$VAR/dtime" "$EC_BIN" build --profile \
    mirror:delta --tenant "$T" --key "$key/signing.key.pem" --out "$VAR/d" \
    --base "$f1" >/dev/null || die "build mirror:delta"
d=$(ls -d "$VAR/d"/*/)
say "mirror:delta build: $(cut -d' ' -f1 "$VAR/dtime") s, peak RSS \
$(($(cut -d' ' -f2 "$VAR/dtime") / 1024)) MiB"
f2=$(build mirror:full "$VAR/f2")
fs=$(du -sb "$f2" | cut -f1)
ds=$(du -sb "$d" | cut -f1)
say "mirror:delta: $ds bytes, $(awk -v a="$ds" -v b="$fs" \
    'BEGIN { printf "%.2f", 100 * a / b }')% of the full mirror (target <= 2%)"
/usr/bin/time -f '%e %M' -o "$VAR/time" "$EC_BIN" mirror apply "$f1" "$d" \
    --out "$VAR/applied" --key "$key/signing.pub.pem" >/dev/null ||
    die "apply failed"
say "apply: $(cut -d' ' -f1 "$VAR/time") s, peak RSS $(($(cut -d' ' -f2 \
    "$VAR/time") / 1024)) MiB"
if diff -r --exclude=appliedExportIds.log "$VAR/applied" "$f2" >/dev/null; then
	say "applied tree = mirror:full 2, byte for byte"
else
	die "applied tree differs from mirror:full 2"
fi
if [ -n "${BENCH_DELTA_KEEP:-}" ]; then
	rm -rf "$BENCH_DELTA_KEEP"
	mkdir -p "$BENCH_DELTA_KEEP"
	cp -a "$f1" "$BENCH_DELTA_KEEP/f1"
	cp -a "$f2" "$BENCH_DELTA_KEEP/f2"
	cp -a "$d" "$BENCH_DELTA_KEEP/d"
fi
