#!/bin/sh
# mirror:full benchmark (make bench runs it after json:raw; BENCH_MIRROR=0
# skips it).  Over >= BENCH_MIRROR_DOCS advisories (default 100000):
#   ours      exportctl build --profile mirror:full (raw chunks, the
#             json:raw bundle, trivy:db, trivy:java-db, OCI layout, TUF
#             targets and metadata, manifest, provenance)
#   baseline  tar --sort=name -cf - DIR | zstd -3 over the same documents
#             written out as files, one per advisory
# interleaved, BENCH_MIRROR_RUNS times (default 3), medians of wall time
# and peak RSS (/usr/bin/time), and the sizes: the whole mirror, its raw
# chunks alone and the baseline's archive.  Informational: the exit
# status does not depend on the figures.
#
# Inside bench.sh (BENCH_VAR and EXPORT_CENTER_DB set, BENCH_MIRROR_TENANT
# its 100k-advisory tenant and BENCH_MIRROR_FILES its files of them) it
# reuses that corpus; alone it starts a private cluster and makes the
# corpus the same way: the fixture advisories replicated in SQL under new
# ids "<id>-r<n>".
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
DOCS=${BENCH_MIRROR_DOCS:-100000}
RUNS=${BENCH_MIRROR_RUNS:-3}
EC_BIN=$root/build/exportctl

die() { echo "bench mirror: $*" >&2; exit 2; }
for t in /usr/bin/time jq psql zstd tar perl; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (make deps)"
done
[ -x "$EC_BIN" ] || die "$EC_BIN not built (make all)"
case $RUNS in ''|*[!0-9]*|0) die "BENCH_MIRROR_RUNS must be a positive integer" ;; esac

VAR=$(mktemp -d "${BENCH_VAR:-/tmp}/ec-bench-mirror.XXXXXX")
# A cluster of our own only when bench.sh has not given one.
pg_own=${EXPORT_CENTER_DB:+no}
trap '[ -n "$pg_own" ] || tests/lib/pg.sh stop "$VAR/pg" >/dev/null 2>&1
    rm -rf "$VAR"' EXIT
trap 'exit 130' HUP INT TERM
if [ -z "$pg_own" ]; then
	EXPORT_CENTER_DB=$(tests/lib/pg.sh start "$VAR/pg") &&
	    export EXPORT_CENTER_DB && "$EC_BIN" db migrate >/dev/null ||
	    die "cluster start or migrate failed"
fi
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$EXPORT_CENTER_DB" "$@"; }
t0=$(date +%s)
say() { printf '[%4ds] mirror: %s\n' $(($(date +%s) - t0)) "$*"; }
in_tenant() { printf "BEGIN; SELECT set_config('app.tenant', '%s', true);" "$1"; }

tenant=${BENCH_MIRROR_TENANT:-}
files=${BENCH_MIRROR_FILES:-}
if [ -z "$tenant" ]; then
	tenant=bench-mirror
	osv=${BENCH_OSV:-$root/../shared/fixtures/osv}
	[ -d "$osv" ] || osv=$root/tests/fixtures/osv
	"$EC_BIN" ingest --tenant bench-mirror-src "$osv" >/dev/null ||
	    die "ingest failed"
	# Canonical documents with a plain "id": renaming it textually keeps
	# them canonical.
	q -v ts=bench-mirror-src -v tt="$tenant" -v docs="$DOCS" >/dev/null <<'SQL'
BEGIN;
SELECT set_config('app.tenant', :'ts', true);
CREATE TEMP TABLE s ON COMMIT DROP AS SELECT source, upstream_id AS id,
    modified_at AS m, convert_from(doc, 'UTF8') AS d
    FROM evidence WHERE kind = 'advisory';
SELECT set_config('app.tenant', :'tt', true);
WITH r AS (SELECT s.*, g, convert_to(replace(d, '"id":"' || id || '"',
        '"id":"' || id || '-r' || g || '"'), 'UTF8') AS nd
    FROM s, generate_series(1, (:docs + (SELECT count(*) FROM s) - 1) /
        (SELECT count(*) FROM s)) AS g)
INSERT INTO evidence (tenant, kind, format, source, upstream_id,
    modified_at, sha256, size, doc)
SELECT :'tt', 'advisory', 'osv', source, id || '-r' || g, m,
    encode(sha256(nd), 'hex'), length(nd), nd FROM r;
COMMIT;
VACUUM ANALYZE evidence;
SQL
fi
n=$(q -c "$(in_tenant "$tenant")" -c "SELECT count(*) FROM evidence
    WHERE kind = 'advisory'; COMMIT;" | sed -n 2p)
[ "$n" -ge "$DOCS" ] || die "only $n advisories for tenant $tenant"
if [ -z "$files" ]; then
	files=$VAR/files
	mkdir -p "$files/docs"
	q -c "$(in_tenant "$tenant")" -c "COPY (SELECT encode(doc, 'hex')
	    FROM evidence WHERE kind = 'advisory' ORDER BY upstream_id,
	    source) TO STDOUT; COMMIT;" | perl -ne 'chomp;
	    next unless /^[0-9a-f]+$/; my $f = sprintf("%s/docs/%07d.json",
	    $d, $n++); open(my $o, ">:raw", $f) or die "$f: $!";
	    print $o pack("H*", $_); close($o) or die "$f: $!";
	    BEGIN { $n = 0; $d = shift }' "$files"
	[ "$(ls "$files/docs" | wc -l)" -eq "$n" ] || die "wrote too few files"
fi
say "$n advisories of tenant $tenant, as files in $files"

"$EC_BIN" keys generate --type ed25519 --out "$VAR/k" >/dev/null
mkdir -p "$VAR/res"
run() {	# run ours|baseline: appends "wall rss_kib" and the size
	out=$VAR/out-$1
	rm -rf "$out"
	mkdir -p "$out"
	if [ "$1" = ours ]; then
		/usr/bin/time -f '%e %M' -o "$VAR/time" "$EC_BIN" build \
		    --profile mirror:full --tenant "$tenant" --key \
		    "$VAR/k/signing.key.pem" --param expires-timestamp=3650d \
		    --out "$out" >"$VAR/build.out" 2>&1 ||
		    { cat "$VAR/build.out" >&2; die "build failed"; }
		du -sb "$out" | cut -f1 >>"$VAR/res/ours.size"
		m=$(ls -d "$out"/*/)
		du -sb "$m/data/raw" | cut -f1 >>"$VAR/res/raw.size"
	else
		/usr/bin/time -f '%e %M' -o "$VAR/time" sh -c \
		    'tar --sort=name -C "$1" -cf - docs | zstd -3 -q >"$2/a.tar.zst"' \
		    _ "$files" "$out" || die "baseline failed"
		stat -c %s "$out/a.tar.zst" >>"$VAR/res/baseline.size"
	fi
	cat "$VAR/time" >>"$VAR/res/$1"
}
i=0
while [ $i -lt "$RUNS" ]; do
	run ours
	run baseline
	i=$((i + 1))
	say "run $i of $RUNS done"
done
med() {	# med FILE COLUMN
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2]
	    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ow=$(med "$VAR/res/ours" 1) orss=$(med "$VAR/res/ours" 2)
bw=$(med "$VAR/res/baseline" 1) br=$(med "$VAR/res/baseline" 2)
os=$(med "$VAR/res/ours.size" 1) rs=$(med "$VAR/res/raw.size" 1)
bs=$(med "$VAR/res/baseline.size" 1)
echo "mirror:full over $n advisories, medians of $RUNS runs:"
awk -v ow="$ow" -v orss="$orss" -v bw="$bw" -v br="$br" -v os="$os" \
    -v rs="$rs" -v bs="$bs" 'BEGIN {
	printf "  %-10s wall %8.2f s  rss %7.1f MiB  size %10d bytes\n",
	    "ours", ow, orss / 1024, os
	printf "  %-10s wall %8.2f s  rss %7.1f MiB  size %10d bytes\n",
	    "baseline", bw, br / 1024, bs
	printf "  ratio      wall %.2fx  rss %.2fx  size %.2fx (raw chunks" \
	    " alone %d bytes, %.2fx)\n", ow / bw, orss / br, os / bs, rs, rs / bs
}'
