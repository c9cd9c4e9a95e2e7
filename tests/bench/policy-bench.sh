#!/bin/sh
# json:policy benchmark (issue: json:policy, Benchmark), run by
# tests/bench/bench.sh after the json:raw one, or on its own.
#
# In a private PostgreSQL cluster: the fixture advisories replicated in SQL
# with new ids (as bench.sh does) up to >= BENCH_DOCS (default 100000), the
# fixture SBOMs replicated under new ids up to >= BENCH_COMPONENTS
# (default 1000) components, the advisories, VEX and example policy of
# tests/data/policy and tests/data/vex.  Then, in the same run, wall time
# and peak RSS of
#   raw     exportctl build --profile json:raw --targets advisory
#   policy  exportctl build --profile json:policy
# median of BENCH_POLICY_RUNS runs (default 1: the section is short), and
# one exportctl policy replay of the policy bundle.  Targets
# (informational): policy wall < 2x raw, peak RSS <= 128 MiB.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

RUNS=${BENCH_POLICY_RUNS:-1}
DOCS=${BENCH_DOCS:-100000}
COMPONENTS=${BENCH_COMPONENTS:-1000}
T=bench-policy
EC_BIN=$root/build/exportctl

die() { echo "policy-bench: $*" >&2; exit 2; }
[ -x "$EC_BIN" ] || die "$EC_BIN not built (make all)"
VAR=$(mktemp -d /tmp/ec-policy-bench.XXXXXX)
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

shared=$root/../shared/fixtures
# The SBOMs of tests/fixtures (about 300 components) are replicated up to
# the target; the shared set's larger SBOMs would overshoot it.
osv=$root/tests/fixtures/osv sbom=$root/tests/fixtures/sbom
[ -d "$shared/osv" ] && osv=$shared/osv
"$EC_BIN" ingest --tenant "$T" "$osv" >/dev/null || die "ingest $osv"
n=$(q -c "BEGIN; SELECT set_config('app.tenant', '$T', true);" \
    -c "SELECT count(*) FROM evidence WHERE kind = 'advisory'; COMMIT;" |
    sed -n 2p)
reps=$(((DOCS + n - 1) / n))
# As bench.sh (tests/bench/replicate.sql), in place.
q -v reps="$reps" -v src="$T" -v dst="$T" -f tests/bench/replicate.sql \
    >/dev/null
"$EC_BIN" ingest --tenant "$T" "$sbom" tests/data/policy/osv tests/data/vex \
    tests/data/policy/example.json >/dev/null || die "ingest SBOMs"
# Components per copy of the SBOM set, then enough copies for the target.
per=$(find "$sbom" -name '*.json' -exec jq '[.. | objects |
    (.components // empty, .packages // empty) | arrays | length] | add // 0' \
    {} + | awk '{ s += $1 } END { print s }')
[ "$per" -gt 0 ] || die "no components in $sbom"
sreps=$(((COMPONENTS + per - 1) / per))
q -v reps="$sreps" -v t="$T" >/dev/null <<'SQL'
BEGIN;
SELECT set_config('app.tenant', :'t', true);
CREATE TEMP TABLE s ON COMMIT DROP AS
    SELECT * FROM evidence WHERE kind = 'sbom';
INSERT INTO evidence (tenant, kind, format, source, upstream_id,
    modified_at, sha256, size, doc)
SELECT tenant, kind, format, source, upstream_id || '-r' || r, modified_at,
    sha256, size, doc
FROM s CROSS JOIN generate_series(2, :reps) AS r;
COMMIT;
VACUUM ANALYZE evidence;
SQL
rows() { q -c "BEGIN; SELECT set_config('app.tenant', '$T', true);" \
    -c "SELECT count(*) FROM evidence WHERE kind = '$1'; COMMIT;" |
    sed -n 2p; }
say "$(rows advisory) advisories, $(rows sbom) SBOMs (${sreps}x the" \
    "fixture set, $per components each), $(rows vex) VEX"

mkdir -p "$VAR/res"
run() { # variant
	out=$VAR/out-$1
	rm -rf "$out"
	mkdir -p "$out"
	if [ "$1" = raw ]; then
		set -- --profile json:raw --targets advisory --formats json
	else
		set -- --profile json:policy
	fi
	/usr/bin/time -f '%e %M' -o "$VAR/time" "$EC_BIN" build "$@" \
	    --tenant "$T" --out "$out" >"$VAR/build.out" 2>&1 ||
	    { cat "$VAR/build.out" >&2; die "build $* failed"; }
	cat "$VAR/time" >>"$VAR/res/${2#json:}"
}
i=1
while [ "$i" -le "$RUNS" ]; do
	run raw
	run policy
	i=$((i + 1))
done
b=$(ls "$VAR"/out-policy/*.tar.zst)
/usr/bin/time -f '%e %M' -o "$VAR/res/replay" "$EC_BIN" policy replay "$b" \
    >/dev/null || die "replay failed"
comps=$(tar --zstd -xOf "$b" manifest.json |
    jq '[.summary.sboms[].components] | add')
finds=$(tar --zstd -xOf "$b" manifest.json |
    jq '[.summary.sboms[].findings] | add')

median() {
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo
echo "json:policy benchmark: $(nproc) CPUs, median of $RUNS run(s);" \
    "$comps components x $(rows advisory) advisories, $finds findings"
wr=$(median "$VAR/res/raw" 1) wp=$(median "$VAR/res/policy" 1)
rp=$(median "$VAR/res/policy" 2) rr=$(median "$VAR/res/raw" 2)
awk -v wr="$wr" -v wp="$wp" -v rr="$rr" -v rp="$rp" 'BEGIN {
    printf "  json:raw    wall %6.2f s  RSS %6.1f MiB\n", wr, rr / 1024
    printf "  json:policy wall %6.2f s  RSS %6.1f MiB\n", wp, rp / 1024
    printf "  ratio %.2fx (target < 2x): %s;  RSS <= 128 MiB: %s\n",
        wp / wr, (wp < 2 * wr) ? "PASS" : "MISS",
        (rp <= 128 * 1024) ? "PASS" : "MISS" }'
awk '{ printf "  replay      wall %6.2f s  RSS %6.1f MiB\n", $1, $2 / 1024 }' \
    "$VAR/res/replay"
say "policy bench done"
