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

# it_run_big_input SRC DST REPS: tenant DST gets REPS copies of every
# advisory of tenant SRC, each under another source name (same bytes, so
# still canonical), read as SRC and written as DST through a temporary
# table: an input large enough for a build to be caught in the middle.
it_run_big_input() {
	it_psql -v src="$1" -v t="$2" -v reps="$3" >/dev/null <<'SQL'
BEGIN;
SELECT set_config('app.tenant', :'src', true);
CREATE TEMP TABLE src ON COMMIT DROP AS
    SELECT kind, format, source, upstream_id, modified_at, doc
    FROM evidence WHERE kind = 'advisory';
SELECT set_config('app.tenant', :'t', true);
INSERT INTO evidence (tenant, kind, format, source, upstream_id,
    modified_at, sha256, size, doc)
SELECT :'t', kind, format, source || '-' || r, upstream_id, modified_at,
    encode(sha256(doc), 'hex'), length(doc), doc
    FROM src CROSS JOIN generate_series(1, :reps) AS r;
COMMIT;
SQL
}
