#!/bin/sh
# A short run of each fuzz target over a scratch copy of its seed corpus
# (tests/fuzz/corpus/<name>/), so that make check exercises every parser
# of untrusted input with libFuzzer, ASan and UBSan.  Longer sessions:
#   make fuzz && build-fuzz/fuzz_canon -max_total_time=3600 DIR
# FUZZ_SECONDS sets the time per target (default 10); FUZZ_JOBS how many
# targets run at once (default: one per CPU, since each libFuzzer run is
# one thread).  The report lists the targets in the order given.
set -eu
secs=${FUZZ_SECONDS:-10}

# One target: its log, and its exit status in <work>/<name>.status.
if [ "${1:-}" = --one ]; then
	work=$2 bin=$3
	name=$(basename "$bin")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$work/$name"
	[ -d "$seeds" ] && cp "$seeds"/* "$work/$name/" 2>/dev/null || true
	st=0
	"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
	    -print_final_stats=0 -artifact_prefix="$work/$name." \
	    "$work/$name" >"$work/$name.log" 2>&1 || st=$?
	echo "$st" >"$work/$name.status"
	exit 0
fi

jobs=${FUZZ_JOBS:-$(nproc)}
work=$(mktemp -d /tmp/ec-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
for bin in "$@"; do
	printf '%s\n' "$bin"
done | xargs -P "$jobs" -I{} sh "$0" --one "$work" {}
pass=0 fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	if [ "$(cat "$work/$name.status" 2>/dev/null)" = 0 ]; then
		echo "ok - $name: $(grep -o 'DONE.*' "$work/$name.log" | head -n 1)"
		pass=$((pass + 1))
	else
		echo "not ok - $name"
		tail -n 40 "$work/$name.log" | sed 's/^/#   /'
		for a in "$work/$name".crash-* "$work/$name".leak-* \
		    "$work/$name".timeout-*; do
			[ -f "$a" ] && echo "#   reproducer: $(od -An -c "$a" | head -n 4)"
		done
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
