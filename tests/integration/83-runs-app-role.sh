#!/bin/bash
# The services' role: a login role granted export_center_app (and nothing
# else) can queue, claim, build and show runs, and can neither read the
# cross-tenant scheduling index nor delete runs.  The role needs
# CREATEROLE to make, which the database owner lacks here, so the
# superuser runs the grant function of sql/0003 as an operator would
# (README, "Runs and export-cron").
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"

t=$(it_tenant a)
su=$(echo "$EXPORT_CENTER_DB" | sed 's/user=export_center/user=postgres/')
app=$(echo "$EXPORT_CENTER_DB" | sed 's/user=export_center/user=it_runs_app/')
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures/vex" >/dev/null

check_equal "the grant function makes the role when it may" \
    "$(psql -X -q -t -A "$su" -c "SELECT export_center_runs_grant()")" t
# What sql/0002 grants the role on the evidence store, on its branch.
psql -X -q "$su" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
GRANT SELECT ON evidence, schema_version TO export_center_app;
DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'it_runs_app')
	THEN
		CREATE ROLE it_runs_app LOGIN IN ROLE export_center_app;
	END IF;
END $$;
SQL
check_equal "the login role neither is superuser nor bypasses RLS" \
    "$(psql -X -q -t -A "$app" -c "SELECT rolsuper OR rolbypassrls FROM
    pg_roles WHERE rolname = current_user")" f

id=$("$EC_BIN" --db "$app" run create --tenant "$t" --profile json:raw \
    --idempotency-key app-1)
check "the app role queues a run" test -n "$id"
check "the app role runs export-cron --once" \
    "$EC_CRON" --once --db "$app" --store "$EC_STORE"
check_equal "and the run succeeded" \
    "$("$EC_BIN" --db "$app" --json run show "$id" --tenant "$t" |
    jq -r .status)" succeeded
check_equal "an idempotent retry as the app role" \
    "$("$EC_BIN" --db "$app" run create --tenant "$t" --profile json:raw \
    --idempotency-key app-1)" "$id (existing)"
check_fails "the scheduling index is out of its reach" 1 - \
    psql -X -q -v ON_ERROR_STOP=1 "$app" -c "SELECT * FROM run_queue"
check_fails "runs cannot be deleted" 1 - \
    psql -X -q -v ON_ERROR_STOP=1 "$app" -c "DELETE FROM runs"
check_equal "without a tenant an update touches nothing" \
    "$(psql -X -q -t -A "$app" -c "UPDATE runs SET priority = 0
    RETURNING id" | wc -l)" 0
check_equal "the functions the claim runs search pg_temp last" \
    "$(it_psql -c "SELECT count(*) FROM pg_proc WHERE proname IN
    ('export_claim_run', 'export_run_queue_sync', 'export_run_event')
    AND proconfig = ARRAY['search_path=public, pg_temp']")" 3
# A caller's temporary table named like ours, saying the run is done,
# must not be what the claim reads.
q=$("$EC_BIN" --db "$app" run create --tenant "$t" --profile json:raw \
    --formats ndjson)
psql -X -q -t -A "$app" >"$IT_TMP/shadow.out" 2>&1 <<SQL
CREATE TEMP TABLE runs (LIKE public.runs INCLUDING DEFAULTS);
INSERT INTO runs (tenant, id, profile_id, status, request, request_hash)
    VALUES ('$t', '$q', 'export-profile::$t::json:raw', 'succeeded', '{}',
    repeat('0', 64));
SELECT run_id FROM export_claim_run('it-shadow', 2, 60, 3);
SQL
check_equal "a temporary runs table does not shadow the real one" \
    "$(cat "$IT_TMP/shadow.out")" "$q"
it_run_drain "$t" "$q" --db "$app"
check_equal "the run claimed that way is built on its second attempt" \
    "$(it_run_status "$t" "$q")" "succeeded 2"
it_done
