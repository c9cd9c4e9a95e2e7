#!/bin/sh
# Integration tests against a real stack: a private PostgreSQL cluster
# (tests/lib/pg.sh), migrated with exportctl, then every
# tests/integration/NN-*.sh in order.  The cluster is always torn down.
# Last line: "integration: N passed, N failed".  IT_ONLY (a shell
# pattern, e.g. IT_ONLY='8[0-6]-*') runs only the scripts it matches.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
EC_VAR=$(mktemp -d /tmp/ec-it.XXXXXX)
export EC_VAR
cleanup() {
	tests/lib/pg.sh stop "$EC_VAR/pg" || true
	rm -rf "$EC_VAR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

EXPORT_CENTER_DB=$(tests/lib/pg.sh start "$EC_VAR/pg") || exit 1
EC_BIN=$root/build/exportctl
EC_ROOT=$root
export EXPORT_CENTER_DB EC_BIN EC_ROOT
"$EC_BIN" db migrate >/dev/null || { echo "integration: migrate failed"; exit 1; }

pass=0 fail=0
for t in tests/integration/[0-9]*.sh; do
	case $(basename "$t") in ${IT_ONLY:-*}) ;; *) continue ;; esac
	log=$EC_VAR/$(basename "$t").log
	start=$(date +%s)
	bash "$t" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	# A script that died without saying why still counts as a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)) fail=$((fail + f))
	printf '%-28s %3d passed, %d failed (%ds)\n' "$(basename "$t")" "$p" \
	    "$f" $(($(date +%s) - start))
	if [ "$f" -ne 0 ]; then
		grep -v '^ok - ' "$log" | sed 's/^/    /' | head -n 60
	fi
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
