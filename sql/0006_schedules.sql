-- 0006: schedules and retention, both driven by export-cron on any number
-- of builder hosts.  Like the claim in 0003, both must look across
-- tenants under forced row-level security, so the cross-tenant part lives
-- in private index tables (no RLS, no privilege for any service role),
-- kept in step by SECURITY DEFINER triggers in the transaction that
-- changes the tenant's rows, and read only through SECURITY DEFINER
-- functions that hand back the few columns the decision needs.
--
-- Schedules.  schedule_index holds each profile with a cron expression:
-- tenant, profile name, the expression and when it was set.
-- export_schedules() lists them; export-cron computes the latest slot at
-- or before its clock (lib/ec_cron) and creates the run with
-- ec_run_create() as the tenant, the idempotency key naming the profile
-- and the slot.  idempotency_keys' primary key (tenant, key) is the one
-- unique key per (tenant, profile, slot), written in the transaction that
-- inserts the run: any number of builders may try, one run is made.
-- Only the latest slot is tried, so after downtime at most one missed
-- slot is caught up, and a slot before the schedule was set never fires.
--
-- Retention.  run_finished indexes succeeded and failed runs; export-cron
-- asks export_retention_due() for those whose retention ran out at its
-- clock (the run's retentionDays, else the profile's, else the tenant
-- default export-cron is given) and expires each as the tenant.
-- blob_refs says which digests the artifacts of unexpired runs of every
-- tenant name; expiring a run drops its rows and queues its digests in
-- blob_gc.  A queued digest no live run names is deleted from the store
-- (README, "Retention", for the interlock with builders and downloads).
-- Runs finished before this migration are indexed only when it runs as
-- a role that bypasses RLS (a superuser); otherwise they are kept.

CREATE TABLE schedule_index (
	tenant		text COLLATE "C" NOT NULL,
	profile_id	text COLLATE "C" NOT NULL,
	name		text COLLATE "C" NOT NULL,
	schedule	text NOT NULL,
	since		timestamptz NOT NULL,
	PRIMARY KEY (tenant, profile_id)
);

CREATE TABLE run_finished (
	tenant		text COLLATE "C" NOT NULL,
	run_id		text COLLATE "C" NOT NULL,
	PRIMARY KEY (tenant, run_id)
);

CREATE TABLE blob_refs (
	sha256		text COLLATE "C" NOT NULL,
	tenant		text COLLATE "C" NOT NULL,
	run_id		text COLLATE "C" NOT NULL,
	PRIMARY KEY (sha256, tenant, run_id)
);

CREATE INDEX blob_refs_run ON blob_refs (tenant, run_id);

CREATE TABLE blob_gc (
	sha256		text COLLATE "C" PRIMARY KEY,
	-- Queued, or last put back: the oldest come first.
	queued_at	timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX blob_gc_order ON blob_gc (queued_at, sha256);

REVOKE ALL ON schedule_index, run_finished, blob_refs, blob_gc FROM PUBLIC;

CREATE FUNCTION export_schedule_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
BEGIN
	IF NEW.schedule IS NULL THEN
		DELETE FROM schedule_index
		    WHERE tenant = NEW.tenant AND profile_id = NEW.id;
	ELSIF TG_OP = 'INSERT' OR OLD.schedule IS DISTINCT FROM
	    NEW.schedule THEN
		INSERT INTO schedule_index (tenant, profile_id, name,
		    schedule, since)
		VALUES (NEW.tenant, NEW.id, NEW.name, NEW.schedule, now())
		ON CONFLICT (tenant, profile_id) DO UPDATE
		    SET schedule = EXCLUDED.schedule, since = EXCLUDED.since;
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER export_profiles_schedule_sync
    AFTER INSERT OR UPDATE OF schedule ON export_profiles
    FOR EACH ROW EXECUTE FUNCTION export_schedule_sync();

CREATE FUNCTION export_retention_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
BEGIN
	IF NEW.status IN ('succeeded', 'failed') THEN
		INSERT INTO run_finished (tenant, run_id)
		    VALUES (NEW.tenant, NEW.id) ON CONFLICT DO NOTHING;
	ELSIF NEW.status = 'expired' THEN
		DELETE FROM run_finished
		    WHERE tenant = NEW.tenant AND run_id = NEW.id;
		INSERT INTO blob_gc (sha256)
		    SELECT DISTINCT sha256 FROM blob_refs
		    WHERE tenant = NEW.tenant AND run_id = NEW.id
		    ON CONFLICT DO NOTHING;
		DELETE FROM blob_refs
		    WHERE tenant = NEW.tenant AND run_id = NEW.id;
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER runs_retention_sync AFTER UPDATE OF status ON runs
    FOR EACH ROW EXECUTE FUNCTION export_retention_sync();

CREATE FUNCTION export_blob_refs_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
BEGIN
	INSERT INTO blob_refs (sha256, tenant, run_id)
	    VALUES (NEW.sha256, NEW.tenant, NEW.run_id) ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER artifacts_blob_refs_sync AFTER INSERT ON artifacts
    FOR EACH ROW EXECUTE FUNCTION export_blob_refs_sync();

INSERT INTO run_finished (tenant, run_id)
    SELECT tenant, id FROM runs WHERE status IN ('succeeded', 'failed');
INSERT INTO blob_refs (sha256, tenant, run_id)
    SELECT DISTINCT a.sha256, a.tenant, a.run_id FROM artifacts a
    JOIN runs r ON r.tenant = a.tenant AND r.id = a.run_id
    WHERE r.status <> 'expired';
INSERT INTO schedule_index (tenant, profile_id, name, schedule, since)
    SELECT tenant, id, name, schedule, now() FROM export_profiles
    WHERE schedule IS NOT NULL;

-- Every scheduled profile: (tenant, profile name, expression, set at).
CREATE FUNCTION export_schedules()
RETURNS TABLE (tenant text, profile text, schedule text, since timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER AS $fn$
	SELECT s.tenant, s.name, s.schedule, s.since FROM schedule_index s
	    ORDER BY s.tenant, s.profile_id;
$fn$;

-- Finished runs whose retention ran out at "p_now": finished_at plus the
-- run's retention_days, else its profile's, else "p_default" (NULL: keep
-- forever).  At most "p_limit" rows, oldest first.  Each tenant's runs
-- are read in that tenant's RLS context, as the claim does; the
-- limit counts per tenant.
CREATE FUNCTION export_retention_due(p_now timestamptz, p_default integer,
    p_limit integer)
RETURNS TABLE (tenant text, run_id text)
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
	t	text;
	prev	text := current_setting('app.tenant', true);
BEGIN
	FOR t IN SELECT DISTINCT f.tenant FROM run_finished f
	    ORDER BY f.tenant LOOP
		PERFORM set_config('app.tenant', t, true);
		RETURN QUERY SELECT r.tenant, r.id FROM runs r
		    JOIN run_finished f ON f.tenant = r.tenant AND
			f.run_id = r.id
		    JOIN export_profiles p ON p.tenant = r.tenant AND
			p.id = r.profile_id
		    WHERE r.tenant = t AND r.status IN ('succeeded', 'failed')
		    AND r.finished_at + make_interval(days =>
			coalesce(r.retention_days, p.retention_days,
			p_default)) <= p_now
		    ORDER BY r.finished_at, r.id LIMIT p_limit;
	END LOOP;
	PERFORM set_config('app.tenant', coalesce(prev, ''), true);
END
$fn$;

-- Digests waiting for deletion, oldest first, at most "p_limit".
CREATE FUNCTION export_blob_candidates(p_limit integer)
RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER AS $fn$
	SELECT g.sha256 FROM blob_gc g ORDER BY g.queued_at, g.sha256
	    LIMIT p_limit;
$fn$;

-- A digest a download view still links goes to the back of the queue,
-- so that views kept for long cannot hold up the digests behind them.
CREATE FUNCTION export_blob_defer(p_sha256 text) RETURNS void
LANGUAGE sql SECURITY DEFINER AS $fn$
	UPDATE blob_gc g SET queued_at = clock_timestamp()
	    WHERE g.sha256 = p_sha256;
$fn$;

-- Whether an unexpired run of any tenant names the digest.
CREATE FUNCTION export_blob_referenced(p_sha256 text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER AS $fn$
	SELECT EXISTS (SELECT 1 FROM blob_refs r WHERE r.sha256 = p_sha256);
$fn$;

-- The digest is dealt with: deleted, or still named by a live run (whose
-- expiry will queue it again).
CREATE FUNCTION export_blob_forget(p_sha256 text) RETURNS void
LANGUAGE sql SECURITY DEFINER AS $fn$
	DELETE FROM blob_gc g WHERE g.sha256 = p_sha256;
$fn$;

DO $$
DECLARE
	f	text;
BEGIN
	FOREACH f IN ARRAY ARRAY['export_schedule_sync()',
	    'export_retention_sync()', 'export_blob_refs_sync()',
	    'export_schedules()',
	    'export_retention_due(timestamptz, integer, integer)',
	    'export_blob_candidates(integer)', 'export_blob_referenced(text)',
	    'export_blob_forget(text)', 'export_blob_defer(text)'] LOOP
		-- As in 0003: this schema first, pg_temp last.
		EXECUTE format('ALTER FUNCTION %s SET search_path = %I, '
		    'pg_temp', f, current_schema());
		EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
	END LOOP;
END $$;

-- The grant function of 0003 grows the grants schedules and retention
-- need; the old one is kept under another name and called first, so
-- "SELECT export_center_runs_grant()" (ec_db_ensure_app_role, README)
-- stays the one call.  export-cron and exportctl schedule: update the
-- schedule columns of a profile (no other column), run the functions
-- above.  Nothing on the index tables.
ALTER FUNCTION export_center_runs_grant()
    RENAME TO export_center_runs_grant_0003;

CREATE FUNCTION export_center_runs_grant() RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
	IF NOT export_center_runs_grant_0003() THEN
		RETURN false;
	END IF;
	GRANT UPDATE (schedule, run_template, retention_days)
	    ON export_profiles TO export_center_app;
	GRANT EXECUTE ON FUNCTION export_schedules(),
	    export_retention_due(timestamptz, integer, integer),
	    export_blob_candidates(integer), export_blob_referenced(text),
	    export_blob_forget(text), export_blob_defer(text)
	    TO export_center_app;
	RETURN true;
END
$fn$;

DO $$ BEGIN PERFORM export_center_runs_grant(); END $$;
