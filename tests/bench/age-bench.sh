#!/bin/sh
# age throughput: exportctl encrypt/decrypt against the real age CLI on the
# same file (issue 16, target >= 1x).  See tests/bench/README.md.
#
# One random file of BENCH_AGE_MIB MiB (default 500) in a private temporary
# directory, one X25519 identity.  After an untimed warm-up of each command,
# BENCH_AGE_RUNS rounds (default 5), each running, one after another (age
# first in odd rounds, exportctl first in even ones),
#   age -r R -o A IN          exportctl encrypt -r R -o E IN
#   age -d -i ID -o OUT E     exportctl decrypt -i ID -o OUT A
# so each side decrypts what the other wrote, and every output is compared
# with the input.  The ratio of a round is age's wall time over ours
# (higher is better: 1.00x is as fast as age); the script prints the
# median of the per-round ratios and the median walls.  Informational: the
# exit status is 0 unless a command fails or an output differs.
# exportctl fsyncs its output before it names it; age does not.
#
#   BENCH_AGE_MIB=100 BENCH_AGE_RUNS=3 tests/bench/age-bench.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

MIB=${BENCH_AGE_MIB:-500}
RUNS=${BENCH_AGE_RUNS:-5}
EC_BIN=$root/build/exportctl

die() { echo "age-bench: $*" >&2; exit 2; }
for t in /usr/bin/time age age-keygen cmp awk sort paste; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (make deps)"
done
[ -x "$EC_BIN" ] || die "$EC_BIN not built (make all)"
for v in "BENCH_AGE_RUNS=$RUNS" "BENCH_AGE_MIB=$MIB"; do
	case ${v#*=} in
	''|*[!0-9]*|0) die "${v%%=*} must be a positive integer" ;;
	esac
done

VAR=$(mktemp -d "${TMPDIR:-/tmp}/ec-age-bench.XXXXXX")
trap 'rm -rf "$VAR"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT TERM

head -c $((MIB * 1048576)) /dev/urandom >"$VAR/in"
age-keygen -o "$VAR/id" 2>/dev/null
rcpt=$(age-keygen -y "$VAR/id")

# run NAME CMD...: time one command, appending its wall seconds to NAME.
# Each starts with no dirty pages of the one before (an untimed sync), so
# the writeback of age's unsynced output does not land on our fsync.
run() {
	name=$1
	shift
	sync
	/usr/bin/time -f '%e' -o "$VAR/t" "$@" >/dev/null 2>"$VAR/err" ||
	    { cat "$VAR/err" >&2; die "$name failed: $*"; }
	cat "$VAR/t" >>"$VAR/$name"
}

age_enc() { run age-enc age -r "$rcpt" -o "$VAR/a.age" "$VAR/in"; }
ec_enc() { run ec-enc "$EC_BIN" encrypt -r "$rcpt" -o "$VAR/e.age" "$VAR/in"; }
age_dec() { run age-dec age -d -i "$VAR/id" -o "$VAR/a.out" "$VAR/e.age"; }
ec_dec() { run ec-dec "$EC_BIN" decrypt -i "$VAR/id" -o "$VAR/e.out" "$VAR/a.age"; }

# round N: one of each, outputs checked and removed.  Odd rounds run age
# first, even rounds exportctl, so neither always follows the other.
round() {
	rm -f "$VAR/a.age" "$VAR/e.age" "$VAR/a.out" "$VAR/e.out"
	if [ $(($1 % 2)) = 1 ]; then
		age_enc; ec_enc; age_dec; ec_dec
	else
		ec_enc; age_enc; ec_dec; age_dec
	fi
	cmp -s "$VAR/in" "$VAR/a.out" || die "age -d output differs from the input"
	cmp -s "$VAR/in" "$VAR/e.out" ||
	    die "exportctl decrypt output differs from the input"
	rm -f "$VAR/a.age" "$VAR/e.age" "$VAR/a.out" "$VAR/e.out"
}

round 0
rm -f "$VAR/age-enc" "$VAR/ec-enc" "$VAR/age-dec" "$VAR/ec-dec"
i=1
while [ "$i" -le "$RUNS" ]; do
	round "$i"
	i=$((i + 1))
done
# BENCH_AGE_VERBOSE=1: the walls of every round, on stderr.
[ -z "${BENCH_AGE_VERBOSE:-}" ] || { echo "age-enc ec-enc age-dec ec-dec"
    paste "$VAR/age-enc" "$VAR/ec-enc" "$VAR/age-dec" "$VAR/ec-dec"; } >&2

median() { sort -g "$1" | awk '{ v[NR] = $1 } END {
    print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ratios AGE OURS: per-round age/ours into a file, then its median.
ratio() {
	paste "$VAR/$1" "$VAR/$2" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }' \
	    >"$VAR/ratio"
	median "$VAR/ratio"
}

echo "age throughput, $MIB MiB, $(nproc) CPUs, median of $RUNS interleaved rounds"
for op in enc dec; do
	aw=$(median "$VAR/age-$op")
	ew=$(median "$VAR/ec-$op")
	r=$(ratio "age-$op" "ec-$op")
	awk -v op="$op" -v m="$MIB" -v a="$aw" -v e="$ew" -v r="$r" 'BEGIN {
	    name = op == "enc" ? "encrypt" : "decrypt"
	    f = "%s  age %6.2f s %5.0f MiB/s  exportctl %6.2f s %5.0f MiB/s"
	    ta = a > 0 ? m / a : 0
	    te = e > 0 ? m / e : 0
	    v = r >= 1 ? "PASS" : "MISS"
	    printf f "  ratio %.2fx %s\n", name, a, ta, e, te, r, v }'
done
