# Helpers sourced by tests/integration/NN-*.sh.  Each check prints one TAP
# line ("ok - ..." or "not ok - ..." with the output indented below);
# tests/integration/run.sh counts them.  The stack (PostgreSQL with the
# schema migrated) is already up: $EXPORT_CENTER_DB, $EC_BIN, $EC_ROOT.
set -u
: "${EC_BIN:?run through tests/integration/run.sh}"
IT_NAME=$(basename "$0" .sh)
IT_TMP=$(mktemp -d "${EC_VAR:-/tmp}/$IT_NAME.XXXXXX")
IT_FAILED=0
export IT_TMP
# Loopback ports of the tests are fixed (185xx, 184xx); IT_PORT_SHIFT
# moves them all, so two checkouts can run their suites side by side.
IT_PORT_SHIFT=${IT_PORT_SHIFT:-0}
it_port() { echo $(($1 + IT_PORT_SHIFT)); }

# A tenant of this script's own, so scripts never see each other's data.
it_tenant() { echo "it-${IT_NAME#*-}-$1"; }

it_pass() { echo "ok - $1"; }
it_fail() {
	echo "not ok - $1"
	[ -f "$IT_TMP/.log" ] && sed 's/^/#   /' "$IT_TMP/.log" | head -n 30
	IT_FAILED=1
}

# check DESC CMD...: CMD must exit 0.
check() {
	local desc=$1; shift
	if "$@" >"$IT_TMP/.log" 2>&1; then it_pass "$desc"; else it_fail "$desc"; fi
}

# check_fails DESC EXIT CODE CMD...: CMD must exit EXIT and its stderr must
# name CODE (an ERR_... name, or "-" for none).
check_fails() {
	local desc=$1 want_exit=$2 want_code=$3 got; shift 3
	"$@" >"$IT_TMP/.stdout" 2>"$IT_TMP/.log"
	got=$?
	if [ "$got" -ne "$want_exit" ]; then
		echo "# exit $got, want $want_exit" >>"$IT_TMP/.log"
		it_fail "$desc"
	elif [ "$want_code" != "-" ] && ! grep -q "$want_code" "$IT_TMP/.log"; then
		echo "# no $want_code in stderr" >>"$IT_TMP/.log"
		it_fail "$desc"
	else
		it_pass "$desc"
	fi
}

# check_equal DESC GOT WANT
check_equal() {
	local desc=$1 got=$2 want=$3
	if [ "$got" = "$want" ]; then it_pass "$desc"
	else printf '# got  %s\n# want %s\n' "$got" "$want" >"$IT_TMP/.log"; it_fail "$desc"; fi
}

it_psql() {
	psql -X -q -t -A -v ON_ERROR_STOP=1 "$EXPORT_CENTER_DB" "$@"
}

# Rows of one tenant, counted as that tenant (row-level security applies).
it_rows() {
	it_psql -c "BEGIN; SELECT set_config('app.tenant', '$1', true);" \
	    -c "SELECT count(*) FROM evidence $2; COMMIT;" | sed -n 2p
}

# The one .tar.zst in a directory.
it_bundle() { ls "$1"/*.tar.zst 2>/dev/null | head -n 1; }

it_done() {
	rm -rf "$IT_TMP"
	exit "$IT_FAILED"
}
