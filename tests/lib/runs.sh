# Helpers for the run queue tests (tests/integration/8N-runs*.sh), sourced
# after it.sh: the builder binary, a store of the script's own, and
# queries over the run tables as one tenant (row-level security applies).
EC_CRON=$EC_ROOT/build/export-cron
EC_STORE=$IT_TMP/store

# it_as TENANT SQL: the one value SQL yields as TENANT.
it_as() {
	it_psql -c "BEGIN; SELECT set_config('app.tenant', '$1', true);" \
	    -c "$2; COMMIT;" | sed -n 2p
}

# it_run_status TENANT RUN_ID: "status attempts".
it_run_status() {
	it_as "$1" "SELECT status || ' ' || attempts FROM runs WHERE id = '$2'"
}

# it_run_drain TENANT RUN_ID ARGS...: export-cron --once ARGS until the
# run is no longer running on its first attempt (its lease expired and a
# claim moved it on), 20 s at most.
it_run_drain() {
	local t=$1 id=$2 i=0
	shift 2
	while [ "$(it_run_status "$t" "$id")" = "running 1" ] && [ $i -lt 100 ]
	do
		"$EC_CRON" --once --store "$EC_STORE" "$@" 2>/dev/null
		sleep 0.2
		i=$((i + 1))
	done
}
