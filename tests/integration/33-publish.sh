#!/bin/bash
# Publishing under concurrency and after crashes: --out made when
# missing, a reused --run-id refused unless byte-identical, racing builds,
# stale staging of a kill -9'd build swept and a live one kept, names at
# their limits (64-character tenant, 200-character run id).
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures" >/dev/null
st=$IT_TMP/staging
mkdir -p "$st"
build() { "$EC_BIN" build --profile json:raw --tenant "$t" --staging "$st" "$@"; }

# --out: made (0755) when missing, refused when its parent is missing too.
check "--out is made when missing" build --out "$IT_TMP/new"
check_equal "--out made with mode 0755" "$(stat -c %a "$IT_TMP/new")" 755
check "the bundle in the new --out verifies" \
    "$EC_BIN" verify "$(it_bundle "$IT_TMP/new")"
check_fails "--out whose parent is missing" 2 ERR_EXPORT_REQUEST_INVALID \
    build --out "$IT_TMP/no/such"

# A reused run id: identical bytes are success, other bytes a conflict.
mkdir -p "$IT_TMP/rid"
check "run id r1, advisories" build --out "$IT_TMP/rid" --run-id r1 \
    --targets advisory
first=$(sha256sum <"$(it_bundle "$IT_TMP/rid")")
check "run id r1 again, same inputs: idempotent" \
    build --out "$IT_TMP/rid" --run-id r1 --targets advisory
check_fails "run id r1 with other content is refused" 2 ERR_CONFLICT \
    build --out "$IT_TMP/rid" --run-id r1 --targets vex
check_equal "the published bundle is untouched" \
    "$(sha256sum <"$(it_bundle "$IT_TMP/rid")")" "$first"
check_equal "one file in --out, no temporary left" \
    "$(ls -A "$IT_TMP/rid" | wc -l)" 1

# Durability, seen with strace: the bundle is renamed without replacing,
# then the output directory itself is fsync'd, so a crash cannot lose a
# bundle reported as built.
mkdir -p "$IT_TMP/sync"
if ! strace -o /dev/null true 2>/dev/null; then
	echo "ok - # SKIP strace cannot trace here (ptrace refused)"
else
check "build under strace" strace -f -y -o "$IT_TMP/strace.log" \
    -e trace=renameat2,rename,fsync "$EC_BIN" build --profile json:raw \
    --tenant "$t" --staging "$st" --out "$IT_TMP/sync"
check "rename into --out with RENAME_NOREPLACE, then fsync of --out" \
    awk -v d="$IT_TMP/sync" '
	/renameat2\(/ && index($0, d "/") && /RENAME_NOREPLACE/ { r = NR }
	r && NR > r && /fsync\(/ && index($0, "<" d ">") { ok = 1 }
	END { exit !ok }' "$IT_TMP/strace.log"
fi

# Racing builds with one run id: one content wins whole, the other is
# refused or identical; what is published is what its build reported.
mkdir -p "$IT_TMP/race"
for i in 1 2 3 4; do
	targets=advisory
	[ $((i % 2)) -eq 0 ] && targets=vex
	"$EC_BIN" --json build --profile json:raw --tenant "$t" \
	    --staging "$st" --out "$IT_TMP/race" --run-id race \
	    --targets $targets >"$IT_TMP/race.$i.json" 2>/dev/null &
done
wait
won=$(jq -r 'select(.ok) | .sha256' "$IT_TMP"/race.*.json | sort -u)
check_equal "racing builds: every success reports one sha256" \
    "$(printf '%s\n' "$won" | grep -c .)" 1
check_equal "racing builds: the published file has that sha256" \
    "$(sha256sum <"$(it_bundle "$IT_TMP/race")" | cut -d' ' -f1)" "$won"
check "racing builds: the published bundle verifies" \
    "$EC_BIN" verify "$(it_bundle "$IT_TMP/race")"
check_equal "racing builds: nothing else in --out" \
    "$(ls -A "$IT_TMP/race" | wc -l)" 1

# kill -9 in the middle of a build: a table lock holds the build after
# its staging directory exists; the next build sweeps what it left.
it_psql -c "SET application_name = 'it-locker'" -c "BEGIN" \
    -c "LOCK TABLE evidence IN ACCESS EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
locker=$!
locked() {
	it_psql -c "SELECT count(*) FROM pg_locks l
	    JOIN pg_stat_activity a USING (pid)
	    WHERE a.application_name = 'it-locker'
	    AND l.mode = 'AccessExclusiveLock' AND l.granted"
}
for _ in $(seq 100); do
	[ "$(locked)" -ge 1 ] && break
	sleep 0.1
done
mkdir -p "$IT_TMP/killed"
# The binary itself, not a subshell around it: kill -9 must hit the build.
"$EC_BIN" build --profile json:raw --tenant "$t" --staging "$st" \
    --out "$IT_TMP/killed" >/dev/null 2>&1 &
victim=$!
for _ in $(seq 100); do
	ls "$st"/ec-build.*/lock >/dev/null 2>&1 && break
	sleep 0.1
done
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
it_psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'it-locker'" >/dev/null
wait "$locker" 2>/dev/null
check_equal "kill -9 left a staging directory behind" \
    "$(ls -d "$st"/ec-build.* 2>/dev/null | wc -l)" 1
# A live build's staging (its lock held) must survive the next sweep.
mkdir "$st/ec-build.LIVE01"
flock "$st/ec-build.LIVE01/lock" sleep 120 &
holder=$!
for _ in $(seq 100); do
	flock -n "$st/ec-build.LIVE01/lock" true 2>/dev/null || break
	sleep 0.1
done
check "a later build succeeds" build --out "$IT_TMP/killed"
check_equal "it swept the dead build's staging and kept the live one" \
    "$(ls -A "$st")" "ec-build.LIVE01"
kill "$holder"
wait "$holder" 2>/dev/null
check_equal "nothing of the killed build in --out" \
    "$(ls -A "$IT_TMP/killed" | wc -l)" 1

# Staging on another file system: copied beside the output, then renamed.
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$IT_TMP")" ]; then
	shm=$(mktemp -d /dev/shm/ec-it.XXXXXX)
	mkdir -p "$IT_TMP/xdev"
	check "staging on another file system" "$EC_BIN" build \
	    --profile json:raw --tenant "$t" --staging "$shm" --out "$IT_TMP/xdev"
	check "the copied bundle verifies" "$EC_BIN" verify "$(it_bundle "$IT_TMP/xdev")"
	check_equal "no temporary copy left beside it" \
	    "$(ls -A "$IT_TMP/xdev" | wc -l)" 1
	check_equal "and no staging left" "$(ls -A "$shm" | wc -l)" 0
	rm -rf "$shm"
fi

# Names at their limits.
long=$(printf 'T%.0s' $(seq 64))
rid=$(printf 'r%.0s' $(seq 200))
check "ingest for a 64-character tenant" \
    "$EC_BIN" ingest --tenant "$long" "$EC_ROOT/tests/fixtures/vex"
mkdir -p "$IT_TMP/long"
check "build: 64-character tenant, 200-character run id" \
    "$EC_BIN" build --profile json:raw --tenant "$long" --run-id "$rid" \
    --out "$IT_TMP/long"
check "the bundle at the limits verifies" \
    "$EC_BIN" verify "$(it_bundle "$IT_TMP/long")"
check_equal "its manifest keeps the whole run id" \
    "$(tar --zstd -xOf "$(it_bundle "$IT_TMP/long")" manifest.json | jq -r .runId)" "$rid"
it_done
