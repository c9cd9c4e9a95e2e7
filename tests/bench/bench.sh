#!/bin/sh
# json:raw export benchmark (make bench).  See tests/bench/README.md.
#
# Two data sets in a private PostgreSQL cluster (tests/lib/pg.sh):
#   A  every fixture advisory, ingested with exportctl
#      (../shared/fixtures/osv when it exists, else tests/fixtures/osv);
#   B  set A replicated in SQL with new ids ("<id>-r<n>", the JSON "id"
#      rewritten to match) up to >= BENCH_DOCS documents (default 100000).
# For each set: exportctl build (json, ndjson) against the baseline
# "tar --sort=name -cf - DIR | zstd -3" over the same documents written out
# as files, and against the compression limit "zstd -3" alone over the
# json bundle's own uncompressed tar (exactly the bytes we compress); wall time and peak RSS from /usr/bin/time, median of BENCH_RUNS
# (default 5) runs, interleaved, after one untimed warm-up run of each.
# Targets (informational, the exit status does not depend on them):
# wall <= 2x baseline, peak RSS < 64 MiB whatever the document count.
# Then exportctl verify of one set B bundle against tar -x + sha256sum -c
# of the same bundle (BENCH_VERIFY_RUNS, default 3): <= 1.2x, < 256 MiB.
# BENCH_RUNS=1 BENCH_VERIFY_RUNS=1 gives a short run.
# BENCH_BEFORE=PATH adds the variant "before": --formats json built by the
# exportctl at PATH (an earlier build), interleaved with the others.
#
#   BENCH_RUNS=7 BENCH_DOCS=200000 BENCH_OSV=tests/fixtures/osv \
#       tests/bench/bench.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

RUNS=${BENCH_RUNS:-5}
DOCS_B=${BENCH_DOCS:-100000}
TENANT_A=bench-a
TENANT_B=bench-b
WALL_RATIO_MAX=2.0
RSS_MAX_MIB=64
EC_BIN=$root/build/exportctl

die() { echo "bench: $*" >&2; exit 2; }
for t in /usr/bin/time jq zstd psql tar perl; do
	command -v "$t" >/dev/null 2>&1 ||
	    die "$t not found (make deps installs it; /usr/bin/time is Debian's \"time\")"
done
[ -x "$EC_BIN" ] || die "$EC_BIN not built (make all)"
case $RUNS in ''|*[!0-9]*|0) die "BENCH_RUNS must be a positive integer" ;; esac
case $DOCS_B in ''|*[!0-9]*|0) die "BENCH_DOCS must be a positive integer" ;; esac

VAR=$(mktemp -d /tmp/ec-bench.XXXXXX)
cleanup() {
	tests/lib/pg.sh stop "$VAR/pg" >/dev/null 2>&1 || true
	rm -rf "$VAR"
}
trap cleanup EXIT
# Die by a signal (^C, a closed pipe such as "| head") still cleans up.
trap 'exit 129' HUP
trap 'exit 130' INT TERM
trap 'exit 141' PIPE

t0=$(date +%s)
say() { printf '[%4ds] %s\n' $(($(date +%s) - t0)) "$*"; }

EXPORT_CENTER_DB=$(tests/lib/pg.sh start "$VAR/pg") || die "cluster start failed"
export EXPORT_CENTER_DB
"$EC_BIN" db migrate >/dev/null || die "migrate failed"
say "private cluster up, schema migrated"

q() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$EXPORT_CENTER_DB" "$@"; }

# --- Data set A: every fixture advisory --------------------------------
if [ -n "${BENCH_OSV:-}" ]; then
	osv=$(cd "$BENCH_OSV" && pwd)
elif [ -d "$root/../shared/fixtures/osv" ]; then
	osv=$(cd "$root/../shared/fixtures/osv" && pwd)
else
	osv=$root/tests/fixtures/osv
fi
files=$(find "$osv" -name '*.json' | wc -l)
"$EC_BIN" --json ingest --tenant "$TENANT_A" "$osv" >"$VAR/ingest.json" \
    2>"$VAR/ingest.err" || { cat "$VAR/ingest.err" >&2; die "ingest failed"; }
failed=$(jq .status.failed "$VAR/ingest.json")
[ "$failed" -eq 0 ] || die "ingest: $failed of $files files failed"
say "set A: ingested $files files from $osv"

# Rows of one tenant, counted as that tenant (row-level security applies).
rows() {
	q -c "BEGIN; SELECT set_config('app.tenant', '$1', true);" \
	    -c "SELECT count(*) FROM evidence WHERE kind = 'advisory'; COMMIT;" |
	    sed -n 2p
}
n_A=$(rows "$TENANT_A")
[ "$n_A" -gt 0 ] || die "set A is empty"

# --- Data set B: set A replicated with new ids, in SQL -----------------
# (tests/bench/replicate.sql, shared with the other benchmarks.)
reps=$(((DOCS_B + n_A - 1) / n_A))
q -v reps="$reps" -v src="$TENANT_A" -v dst="$TENANT_B" \
    -f tests/bench/replicate.sql >"$VAR/rep.out"
q -c "VACUUM ANALYZE evidence" >/dev/null
unchanged=$(sed -n 2p "$VAR/rep.out")
[ "$unchanged" = 0 ] ||
    echo "bench: warning: $unchanged documents of set A have no \"id\":\"<upstream_id>\" to rewrite" >&2
n_B=$(rows "$TENANT_B")
say "set B: $n_B documents ($n_A x $reps replicas), VACUUM ANALYZE done"

# --- The same documents written out as files (not timed) ---------------
# One file per document, <upstream_id with [^A-Za-z0-9._-] as _>.json;
# a name already taken gets "~N".
dump() { # tenant dir
	mkdir -p "$2"
	q -c "BEGIN; SELECT set_config('app.tenant', '$1', true);" \
	    -c "COPY (SELECT upstream_id, encode(doc, 'hex') FROM evidence
	        WHERE kind = 'advisory' ORDER BY upstream_id, source)
	        TO STDOUT; COMMIT;" |
	    perl -e '
		use strict; my ($dir, $n, %seen) = ($ARGV[0], 0);
		while (my $l = <STDIN>) {
			chomp $l;
			my ($id, $hex) = split /\t/, $l, 2;
			next unless defined $hex;	# set_config output
			(my $name = $id) =~ s/[^A-Za-z0-9._-]/_/g;
			$name =~ s/^\./_/;
			my $f = $name; my $k = 1;
			$f = $name . "~" . ++$k while $seen{$f}++;
			open(my $fh, ">:raw", "$dir/$f.json") or die "$f: $!";
			print $fh pack("H*", $hex) or die "$f: $!";
			close($fh) or die "$f: $!";
			$n++;
		}
		print "$n\n";' "$2"
}

bytes() { q -c "BEGIN; SELECT set_config('app.tenant', '$1', true);" \
    -c "SELECT sum(size) FROM evidence WHERE kind = 'advisory'; COMMIT;" |
    sed -n 2p; }

for s in A B; do
	eval "t=\$TENANT_$s n=\$n_$s"
	got=$(dump "$t" "$VAR/files-$s/docs")
	[ "$got" -eq "$n" ] || die "set $s: wrote $got files for $n rows"
	[ "$(ls "$VAR/files-$s/docs" | wc -l)" -eq "$n" ] ||
	    die "set $s: file names collide"
	eval "bytes_$s=\$(bytes \"\$t\")"
done
# Spot check: a replica's file holds its own new id.
f=$(ls "$VAR/files-B/docs" | grep -- '^[A-Za-z0-9.-]*-r1\.json$' | head -n 1)
[ "$(jq -r .id "$VAR/files-B/docs/$f")" = "${f%.json}" ] ||
    echo "bench: warning: $f does not carry id ${f%.json}" >&2
say "documents written out as files (A: $n_A, B: $n_B)"

# --- Timed runs ---------------------------------------------------------
# run SET VARIANT TIMED: one run; appends "wall rss_kib user sys" to
# $VAR/res/SET.VARIANT when TIMED is 1, and the output size to .size.
# CPU seconds of the PostgreSQL server so far: the postmaster's own and
# its reaped children's (each connection's backend exits with exportctl).
pg_pid=$(head -n 1 "$VAR/pg/data/postmaster.pid")
hz=$(getconf CLK_TCK)
pg_cpu() {
	awk -v hz="$hz" '{ sub(/^.*\) /, ""); printf "%.2f\n",
	    ($12 + $13 + $14 + $15) / hz }' "/proc/$pg_pid/stat"
}

mkdir -p "$VAR/res"
run() {
	rs=$1 rv=$2 timed=$3
	eval "rt=\$TENANT_$rs"
	out=$VAR/out-$rs-$rv
	rm -rf "$out"
	mkdir -p "$out"
	tf=$VAR/time.out
	case $rv in
	baseline)
		/usr/bin/time -f '%e %M %U %S' -o "$tf" sh -c \
		    'tar --sort=name -C "$1" -cf - docs | zstd -3 -q >"$2/out.tar.zst"' \
		    _ "$VAR/files-$rs" "$out" ||
		    { cat "$tf" >&2; die "baseline failed"; }
		;;
	limit)
		/usr/bin/time -f '%e %M %U %S' -o "$tf" sh -c \
		    'zstd -3 -q -c <"$1" >"$2/out.tar.zst"' \
		    _ "$VAR/tar-$rs.tar" "$out" ||
		    { cat "$tf" >&2; die "limit failed"; }
		;;
	json|ndjson|before)
		c0=$(pg_cpu)
		bin=$EC_BIN fmts=$rv
		[ "$rv" != before ] || bin=$BENCH_BEFORE fmts=json
		/usr/bin/time -f '%e %M %U %S' -o "$tf" "$bin" build \
		    --profile json:raw --tenant "$rt" --targets advisory \
		    --formats "$fmts" --out "$out" >"$VAR/build.out" 2>&1 ||
		    { cat "$VAR/build.out" "$tf" >&2; die "build $rs $rv failed"; }
		;;
	esac
	db=0
	if [ "$rv" = json ] || [ "$rv" = ndjson ] || [ "$rv" = before ]; then
		sleep 0.3	# let the postmaster reap the backend
		db=$(awk -v a="$c0" -v b="$(pg_cpu)" 'BEGIN { printf "%.2f", b - a }')
	fi
	# The warm-up bundle must verify: the generated set is well formed.
	if [ "$timed" = 0 ] && { [ "$rv" = json ] || [ "$rv" = ndjson ]; }; then
		"$EC_BIN" verify "$out"/*.tar.zst >"$VAR/verify.out" 2>&1 ||
		    { cat "$VAR/verify.out" >&2; die "verify $rs $rv failed"; }
	fi
	# The limit variant compresses the json bundle's own tar.
	if [ "$timed" = 0 ] && [ "$rv" = json ]; then
		zstd -dcq "$out"/*.tar.zst >"$VAR/tar-$rs.tar" ||
		    die "set $rs: cannot unpack the json bundle"
	fi
	if [ "$timed" = 1 ]; then
		echo "$(tail -n 1 "$tf") $db" >>"$VAR/res/$rs.$rv"
		stat -c %s "$out"/*.tar.zst >"$VAR/res/$rs.$rv.size"
	fi
	rm -rf "$out"
}

VARIANTS="baseline json ndjson limit"
[ -z "${BENCH_BEFORE:-}" ] || VARIANTS="$VARIANTS before"
for s in A B; do
	for v in $VARIANTS; do run "$s" "$v" 0; done
	say "set $s: warm-up done, $RUNS timed runs (interleaved)"
	i=1
	while [ "$i" -le "$RUNS" ]; do
		for v in $VARIANTS; do run "$s" "$v" 1; done
		i=$((i + 1))
	done
done
say "timed runs done"

# --- Verify: exportctl verify against tar -x + sha256sum -c ------------
# One set B bundle (json), verified by exportctl and unpacked and checked
# by hand on the same bytes, BENCH_VERIFY_RUNS (default 3) interleaved
# rounds after a warm-up.  Goal (informational): <= 1.2x, RSS < 256 MiB.
VRUNS=${BENCH_VERIFY_RUNS:-3}
VERIFY_RATIO_MAX=1.2
VERIFY_RSS_MAX_MIB=256
case $VRUNS in ''|*[!0-9]*|0) die "BENCH_VERIFY_RUNS must be a positive integer" ;; esac
mkdir -p "$VAR/vbundle"
"$EC_BIN" build --profile json:raw --tenant "$TENANT_B" --targets advisory \
    --formats json --out "$VAR/vbundle" >/dev/null || die "verify: build failed"
vbundle=$(ls "$VAR"/vbundle/*.tar.zst)
vrun() { # VARIANT TIMED
	tf=$VAR/time.out
	rm -rf "$VAR/vx"
	mkdir -p "$VAR/vx"
	case $1 in
	unpack)
		/usr/bin/time -f '%e %M %U %S' -o "$tf" sh -c \
		    'tar -C "$1" --zstd -xf "$2" && cd "$1" &&
		    sha256sum -c --quiet checksums.txt' _ "$VAR/vx" "$vbundle" ||
		    die "verify: tar -x + sha256sum -c failed"
		;;
	exportctl)
		/usr/bin/time -f '%e %M %U %S' -o "$tf" "$EC_BIN" verify \
		    "$vbundle" >/dev/null || die "verify: exportctl verify failed"
		;;
	esac
	[ "$2" = 0 ] || tail -n 1 "$tf" >>"$VAR/res/V.$1"
	rm -rf "$VAR/vx"
}
for v in unpack exportctl; do vrun "$v" 0; done
i=1
while [ "$i" -le "$VRUNS" ]; do
	for v in unpack exportctl; do vrun "$v" 1; done
	i=$((i + 1))
done
say "verify runs done ($VRUNS, interleaved)"

# median FILE COLUMN (COLUMN "cpu": user + sys)
median() {
	awk -v c="$2" '{ print (c == "cpu" ? $3 + $4 : $c) }' "$1" |
	    sort -g | awk '
	    { v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
	          else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- Report ---------------------------------------------------------------
echo
echo "json:raw export benchmark: $(nproc) CPUs, median of $RUNS runs" \
    "(variants interleaved per run, after one untimed warm-up run each)"
echo "baseline: tar --sort=name -cf - DIR | zstd -3 -q over one file per document"
echo "ours:     exportctl build --profile json:raw --targets advisory --formats F"
echo "limit:    zstd -3 -q alone over the json bundle's own uncompressed tar"
echo
fmt='%-4s %7s  %-9s %8s %7s %9s %7s %7s  %-5s %-5s\n'
printf "$fmt" set docs variant "wall(s)" ratio "RSS(MiB)" "CPU(s)" "DB CPU" \
    "wall" "RSS"
printf "$fmt" --- ---- ------- ------- ----- -------- ------ ------ \
    "<=2x" "<64M"
for s in A B; do
	eval "n=\$n_$s"
	bw=$(median "$VAR/res/$s.baseline" 1 | awk '{ printf "%.2f", $1 }')
	for v in $VARIANTS; do
		f=$VAR/res/$s.$v
		w=$(median "$f" 1 | awk '{ printf "%.2f", $1 }')
		r=$(median "$f" 2)
		c=$(median "$f" cpu | awk '{ printf "%.2f", $1 }')
		d=$(median "$f" 5 | awk '{ printf "%.2f", $1 }')
		[ "$v" = json ] || [ "$v" = ndjson ] || [ "$v" = before ] ||
		    d=-
		# /usr/bin/time counts in 10 ms: no ratio below that.
		ratio=$(awk -v a="$w" -v b="$bw" 'BEGIN {
		    if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
		mib=$(awk -v k="$r" 'BEGIN { printf "%.1f", k / 1024 }')
		if [ "$v" = baseline ] || [ "$v" = limit ]; then
			pw=- pr=-
		else
			pw=$(awk -v a="$w" -v b="$bw" -v m="$WALL_RATIO_MAX" \
			    'BEGIN { if (b <= 0) print "n/a"
			    else if (a <= m * b) print "PASS"
			    else print "MISS" }')
			pr=$(awk -v k="$r" -v m="$RSS_MAX_MIB" \
			    'BEGIN { print ((k < m * 1024) ? "PASS" : "MISS") }')
		fi
		printf "$fmt" "$s" "$n" "$v" "$w" "$ratio" "$mib" "$c" \
		    "$d" "$pw" "$pr"
	done
done
echo
cat <<EOF
wall, RSS and CPU (user + sys) from /usr/bin/time -f '%e %M %U %S', which
counts in 10 ms.  For ours they are exportctl's alone: the PostgreSQL
server's work shows in the wall time only; DB CPU is the server's CPU over
the run (postmaster and reaped backends, /proc/PID/stat).  The baseline's
RSS is what GNU time reports for sh -c 'tar | zstd': the peak of the
largest single process of the pipeline (zstd), not the sum of tar and zstd.
Set B's replicas of one advisory sort next to each other (both orders), so
it compresses far better than real data: it mostly measures per-document
costs, not compression.

EOF

echo "json export against the compression limit (zstd -3 over its own tar; target <= 2x):"
for s in A B; do
	wj=$(median "$VAR/res/$s.json" 1)
	wl=$(median "$VAR/res/$s.limit" 1)
	awk -v s="$s" -v a="$wj" -v b="$wl" 'BEGIN {
	    if (b <= 0) { printf "  %s  n/a\n", s; exit }
	    printf "  %s  json %.2f s  limit %.2f s  %.2fx  %s\n", s, a, b,
	    a / b, (a <= 2 * b) ? "PASS" : "MISS" }'
	[ -n "${BENCH_BEFORE:-}" ] || continue
	awk -v s="$s" -v a="$(median "$VAR/res/$s.before" 1)" -v b="$wl" \
	    'BEGIN { if (b > 0) printf "  %s  before %.2f s  limit %.2f s  " \
	    "%.2fx\n", s, a, b, a / b }'
done
vsize=$(stat -c %s "$vbundle")
vraw=$(zstd -dc "$vbundle" | wc -c)
echo "verify of the set B json bundle ($n_B docs, $(awk -v b="$vsize" \
    -v r="$vraw" 'BEGIN { printf "%.1f MiB, %.1f MiB as tar", b / 1048576,
    r / 1048576 }')), median of $VRUNS runs:"
vw=$(median "$VAR/res/V.unpack" 1)
for v in unpack exportctl; do
	w=$(median "$VAR/res/V.$v" 1)
	r=$(median "$VAR/res/V.$v" 2)
	awk -v v="$v" -v w="$w" -v b="$vw" -v r="$r" -v m="$VERIFY_RATIO_MAX" \
	    -v mr="$VERIFY_RSS_MAX_MIB" 'BEGIN {
	    name = (v == "unpack") ? "tar -x + sha256sum -c" : "exportctl verify"
	    ratio = (b > 0) ? w / b : 0
	    pw = (b > 0 && w <= m * b) ? "PASS" : "MISS"
	    pr = (r < mr * 1024) ? "PASS" : "MISS"
	    printf("  %-22s wall %6.2f s  %5.2fx  RSS %7.1f MiB", name, w,
	        ratio, r / 1024)
	    if (v == "exportctl")
	        printf("  wall %s  RSS %s", pw, pr)
	    printf("\n") }'
done
echo "  (goal: exportctl verify <= ${VERIFY_RATIO_MAX}x, peak RSS < ${VERIFY_RSS_MAX_MIB} MiB)"
echo

echo "peak RSS of exportctl, set A ($n_A docs) vs set B ($n_B docs):"
for v in json ndjson; do
	ra=$(median "$VAR/res/A.$v" 2)
	rb=$(median "$VAR/res/B.$v" 2)
	awk -v v="$v" -v a="$ra" -v b="$rb" 'BEGIN {
	    printf "  %-7s A %6.1f MiB  B %6.1f MiB  B/A %.2f\n",
	    v, a / 1024, b / 1024, b / a }'
done
echo

echo "sizes (MiB): documents, then compressed output (ours / baseline):"
for s in A B; do
	eval "raw=\$bytes_$s"
	sb=$(cat "$VAR/res/$s.baseline.size")
	line=$(awk -v r="$raw" -v b="$sb" 'BEGIN {
	    printf "docs %7.1f  baseline %6.2f", r / 1048576, b / 1048576 }')
	for v in json ndjson; do
		so=$(cat "$VAR/res/$s.$v.size")
		line="$line$(awk -v v="$v" -v o="$so" -v b="$sb" 'BEGIN {
		    printf "  %s %6.2f (%.2fx)", v, o / 1048576, o / b }')"
	done
	echo "  $s  $line"
done
# --- Ingest benchmark ---------------------------------------------------
# Set B's documents as files (written above), as one NDJSON file (one
# compact document per line) and as one .zip of the files.  Timed,
# interleaved, median of BENCH_INGEST_RUNS (default 3) after one warm-up:
#   copy      psql \copy of the NDJSON into an empty jsonb table (baseline)
#   dir       exportctl ingest DIR into a fresh tenant
#   zip       exportctl ingest B.zip into a fresh tenant
#   ndjson    exportctl ingest - <B.ndjson into a fresh tenant
#   reingest  exportctl ingest DIR again into dir's tenant (all unchanged)
# BENCH_INGEST=0 skips it.  Targets: dir <= 2x copy, RSS <= 64 MiB.
if [ "${BENCH_INGEST:-1}" != 0 ]; then
IRUNS=${BENCH_INGEST_RUNS:-3}
case $IRUNS in ''|*[!0-9]*|0) die "BENCH_INGEST_RUNS must be a positive integer" ;; esac
command -v zip >/dev/null 2>&1 || die "zip not found (make deps installs it)"
idocs=$VAR/files-B/docs
ls "$idocs" | perl -e '
	use strict; my $dir = shift;
	while (my $f = <STDIN>) {
		chomp $f;
		open(my $fh, "<:raw", "$dir/$f") or die "$f: $!";
		local $/; my $d = <$fh>; close($fh);
		$d =~ tr/\n//d;	# canonical JSON has none; be sure
		print $d, "\n";
	}' "$idocs" >"$VAR/B.ndjson"
(cd "$VAR/files-B" && zip -q -r "$VAR/B.zip" docs)
q -c "CREATE TABLE bench_copy (doc jsonb)"
say "ingest: $n_B documents as files, NDJSON ($(($(stat -c %s "$VAR/B.ndjson") / 1048576)) MiB) and zip ($(($(stat -c %s "$VAR/B.zip") / 1048576)) MiB)"

drop_tenant() {
	q -c "BEGIN; SELECT set_config('app.tenant', '$1', true);" \
	    -c "DELETE FROM evidence; COMMIT;" >/dev/null
}
# irun VARIANT N TIMED
irun() {
	iv=$1 it=ingest-$1-$2
	[ "$1" = reingest ] && it=ingest-dir-$2
	tf=$VAR/time.out
	c0=$(pg_cpu)
	case $iv in
	copy)
		q -c "TRUNCATE bench_copy"
		/usr/bin/time -f '%e %M %U %S' -o "$tf" psql -X -q \
		    -v ON_ERROR_STOP=1 "$EXPORT_CENTER_DB" -c "\\copy bench_copy (doc) FROM '$VAR/B.ndjson' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" \
		    >"$VAR/ing.out" 2>&1 || { cat "$VAR/ing.out" >&2; die "copy failed"; }
		;;
	dir|zip|reingest|ndjson)
		in=$idocs
		[ "$iv" = zip ] && in=$VAR/B.zip
		[ "$iv" = ndjson ] && in=-
		/usr/bin/time -f '%e %M %U %S' -o "$tf" "$EC_BIN" --json \
		    ingest --tenant "$it" "$in" <"$VAR/B.ndjson" \
		    >"$VAR/ing.json" 2>"$VAR/ing.err" ||
		    { cat "$VAR/ing.err" "$tf" >&2; die "ingest $iv failed"; }
		want=inserted
		[ "$iv" = reingest ] && want=unchanged
		got=$(jq ".status.$want" "$VAR/ing.json")
		[ "$got" -eq "$n_B" ] || die "ingest $iv: $got $want, want $n_B"
		;;
	esac
	sleep 0.3	# let the postmaster reap the backend
	db=$(awk -v a="$c0" -v b="$(pg_cpu)" 'BEGIN { printf "%.2f", b - a }')
	[ "$3" = 1 ] && echo "$(tail -n 1 "$tf") $db" >>"$VAR/res/ingest.$iv"
	case $iv in zip|ndjson|reingest) drop_tenant "$it" ;; esac
	[ "$iv" = reingest ] && q -c "VACUUM evidence" >/dev/null
	return 0
}
IVARIANTS="copy dir reingest zip ndjson"
for v in $IVARIANTS; do irun "$v" 0 0; done
say "ingest: warm-up done, $IRUNS timed runs (interleaved)"
i=1
while [ "$i" -le "$IRUNS" ]; do
	for v in $IVARIANTS; do irun "$v" "$i" 1; done
	i=$((i + 1))
done
say "ingest: timed runs done"

echo
echo "ingest benchmark: $n_B documents (set B), $(nproc) CPUs, median of" \
    "$IRUNS runs (interleaved, after one warm-up)"
printf '%s\n' "baseline: psql \\copy of the same documents, one compact" \
    "JSON per line, into an empty jsonb table"
echo
ifmt='%-9s %8s %7s %9s %7s %7s  %-5s %-5s\n'
printf "$ifmt" variant "wall(s)" ratio "RSS(MiB)" "CPU(s)" "DB CPU" "wall" "RSS"
printf "$ifmt" ------- ------- ----- -------- ------ ------ "<=2x" "<=64M"
cw=$(median "$VAR/res/ingest.copy" 1)
dw=$(median "$VAR/res/ingest.dir" 1)
for v in $IVARIANTS; do
	f=$VAR/res/ingest.$v
	w=$(median "$f" 1 | awk '{ printf "%.2f", $1 }')
	r=$(median "$f" 2)
	c=$(median "$f" cpu | awk '{ printf "%.2f", $1 }')
	d=$(median "$f" 5 | awk '{ printf "%.2f", $1 }')
	ratio=$(awk -v a="$w" -v b="$cw" 'BEGIN {
	    if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
	mib=$(awk -v k="$r" 'BEGIN { printf "%.1f", k / 1024 }')
	if [ "$v" = copy ]; then
		pw=- pr=-
	else
		pw=$(awk -v a="$w" -v b="$cw" -v m="$WALL_RATIO_MAX" \
		    'BEGIN { print (b > 0 && a <= m * b) ? "PASS" : "MISS" }')
		pr=$(awk -v k="$r" -v m="$RSS_MAX_MIB" \
		    'BEGIN { print ((k <= m * 1024) ? "PASS" : "MISS") }')
	fi
	printf "$ifmt" "$v" "$w" "$ratio" "$mib" "$c" "$d" "$pw" "$pr"
done
awk -v z="$(median "$VAR/res/ingest.zip" 1)" -v d="$dw" \
    -v r="$(median "$VAR/res/ingest.reingest" 1)" 'BEGIN {
    if (d > 0) printf "\nzip / dir %.2fx   reingest / dir %.2fx\n", z / d, r / d }'
echo "ratios are to copy; copy's RSS and CPU are psql's, its work is the" \
    "server's (DB CPU)"
fi

echo
# trivy:db against bbolt's own API, inside this cluster (tests/bench/trivy.sh;
# BENCH_TRIVY=0 leaves it out, BENCH_TRIVY_DOCS sets its size).
if [ "${BENCH_TRIVY:-1}" != 0 ]; then
	BENCH_VAR=$VAR tests/bench/trivy.sh || die "trivy:db benchmark failed"
fi

echo
# mirror:full over set B against tar | zstd -3 of its files
# (tests/bench/mirror-bench.sh; BENCH_MIRROR=0 leaves it out).
if [ "${BENCH_MIRROR:-1}" != 0 ]; then
	BENCH_VAR=$VAR BENCH_MIRROR_TENANT=$TENANT_B \
	    BENCH_MIRROR_FILES=$VAR/files-B BENCH_MIRROR_DOCS=$DOCS_B \
	    tests/bench/mirror-bench.sh || die "mirror:full benchmark failed"
fi

echo
# The json:policy section (one short run; BENCH_POLICY=0 skips it).
if [ "${BENCH_POLICY:-1}" != 0 ]; then
	tests/bench/policy-bench.sh || die "json:policy section failed"
	echo
fi
# The mirror:delta section (tests/bench/delta-bench.sh; skipped without
# mirror:full).  BENCH_DELTA=0 leaves it out.
if [ "${BENCH_DELTA:-1}" != 0 ]; then
	tests/bench/delta-bench.sh || die "mirror:delta section failed"
fi

# age encrypt/decrypt against the age CLI (tests/bench/age-bench.sh;
# BENCH_AGE=0 skips it).
if [ "${BENCH_AGE:-1}" != 0 ]; then
	tests/bench/age-bench.sh || die "age section failed"
	echo
fi
say "bench done"

# The API section (tests/bench/api-bench.sh): authenticated GET of a run
# through nginx and the pool against nginx serving the same JSON as a
# static file, and POST /runs throughput.  BENCH_API=0 skips it.
if [ "${BENCH_API:-1}" != 0 ]; then
	echo
	say "api"
	"$root/tests/bench/api-bench.sh"
fi

# Signed downloads (tests/bench/download-bench.sh): one large file through
# a signed URL against an unsigned static location of the same nginx.
# BENCH_DOWNLOAD=0 skips it.
if [ "${BENCH_DOWNLOAD:-1}" != 0 ]; then
	echo
	say "download"
	"$root/tests/bench/download-bench.sh" || die "download section failed"
fi

# The SSE section (tests/bench/sse-bench.sh): 10,000 event streams on one
# run through nginx, one progress event's delivery to all, RSS, and
# GET /runs/{id} meanwhile.  BENCH_SSE=0 skips it.
if [ "${BENCH_SSE:-1}" != 0 ]; then
	echo
	say "sse"
	"$root/tests/bench/sse-bench.sh"
fi
