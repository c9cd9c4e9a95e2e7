-- 0005: counters for GET /metrics, the same whichever API process
-- answers.  Every run table is tenant-scoped under forced row-level
-- security, so no service role can count across tenants, and it must not
-- be able to.  Instead, triggers (SECURITY DEFINER) keep aggregates with
-- no tenant in them in run_metrics, in the transaction that changes a run
-- or adds an artifact, and export_center_metrics() (SECURITY DEFINER too)
-- is the one way to read them, together with the depth and age of the
-- queue from run_queue.  Labels are the run's status, its profile kind
-- and error codes: nothing that names a tenant or a run.  Runs made
-- before this migration are not counted.

CREATE TABLE run_metrics (
	metric		text COLLATE "C" NOT NULL,
	-- Prometheus label set, e.g. 'status="queued",profile="json:raw"'.
	labels		text COLLATE "C" NOT NULL,
	value		double precision NOT NULL DEFAULT 0,
	PRIMARY KEY (metric, labels)
);

REVOKE ALL ON run_metrics FROM PUBLIC;

CREATE FUNCTION export_metric_add(p_metric text, p_labels text,
    p_delta double precision) RETURNS void
LANGUAGE sql AS $fn$
	INSERT INTO run_metrics (metric, labels, value)
	    VALUES (p_metric, p_labels, p_delta)
	    ON CONFLICT (metric, labels) DO UPDATE
	    SET value = run_metrics.value + EXCLUDED.value;
$fn$;

REVOKE ALL ON FUNCTION export_metric_add(text, text, double precision)
    FROM PUBLIC;

-- Build duration buckets (seconds), cumulative as Prometheus wants them.
CREATE FUNCTION export_run_metrics_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
	kind	text := coalesce(NEW.request->>'profile', 'unknown');
	secs	double precision;
	le	text;
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND
	    OLD.attempts = NEW.attempts THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' OR OLD.status <> NEW.status THEN
		IF TG_OP = 'UPDATE' THEN
			PERFORM export_metric_add('export_runs',
			    format('status="%s",profile="%s"', OLD.status,
			    kind), -1);
		END IF;
		PERFORM export_metric_add('export_runs',
		    format('status="%s",profile="%s"', NEW.status, kind), 1);
	END IF;
	-- A claim with attempt > 1 took the run from a builder that lost it.
	IF TG_OP = 'UPDATE' AND NEW.attempts > OLD.attempts AND
	    OLD.attempts > 0 THEN
		PERFORM export_metric_add('export_lease_losses_total', '', 1);
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.status = 'running' AND
	    NEW.status IN ('succeeded', 'failed') THEN
		secs := greatest(0, extract(epoch FROM
		    coalesce(NEW.finished_at, now()) -
		    coalesce(NEW.started_at, now())));
		FOREACH le IN ARRAY ARRAY['1', '5', '15', '60', '300', '1800',
		    '3600', '+Inf'] LOOP
			IF le = '+Inf' OR secs <= le::double precision THEN
				PERFORM export_metric_add(
				    'export_build_duration_seconds_bucket',
				    format('le="%s"', le), 1);
			END IF;
		END LOOP;
		PERFORM export_metric_add('export_build_duration_seconds_sum',
		    '', secs);
		PERFORM export_metric_add(
		    'export_build_duration_seconds_count', '', 1);
		IF NEW.status = 'failed' THEN
			PERFORM export_metric_add('export_run_failures_total',
			    format('code="%s"', coalesce(NEW.error_code,
			    'unknown')), 1);
		END IF;
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER runs_metrics_sync AFTER INSERT OR UPDATE OF status, attempts
    ON runs FOR EACH ROW EXECUTE FUNCTION export_run_metrics_sync();

CREATE FUNCTION export_artifact_metrics_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
BEGIN
	PERFORM export_metric_add('export_bytes_exported_total', '',
	    NEW.size);
	RETURN NULL;
END
$fn$;

CREATE TRIGGER artifacts_metrics_sync AFTER INSERT ON artifacts
    FOR EACH ROW EXECUTE FUNCTION export_artifact_metrics_sync();

-- Everything /metrics shows: the counters, then the queue.
CREATE FUNCTION export_center_metrics()
    RETURNS TABLE (metric text, labels text, value double precision)
LANGUAGE sql STABLE SECURITY DEFINER AS $fn$
	SELECT metric, labels, value FROM run_metrics
	UNION ALL
	SELECT 'export_queue_depth', '', count(*)::double precision
	    FROM run_queue WHERE status = 'queued'
	UNION ALL
	SELECT 'export_queue_oldest_age_seconds', '',
	    coalesce(extract(epoch FROM now() - min(created_at)), 0)
	    FROM run_queue WHERE status = 'queued'
	ORDER BY 1, 2;
$fn$;

REVOKE ALL ON FUNCTION export_center_metrics() FROM PUBLIC;

-- As in sql/0003: the definer functions resolve names in this schema,
-- then pg_temp, so a caller's temporary table cannot shadow ours.
DO $$ BEGIN
	EXECUTE format('ALTER FUNCTION export_run_metrics_sync() '
	    'SET search_path = %I, pg_temp', current_schema());
	EXECUTE format('ALTER FUNCTION export_artifact_metrics_sync() '
	    'SET search_path = %I, pg_temp', current_schema());
	EXECUTE format('ALTER FUNCTION export_center_metrics() '
	    'SET search_path = %I, pg_temp', current_schema());
END $$;

-- The services' role may read the metrics and nothing of run_metrics.
DO $$ BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles
	    WHERE rolname = 'export_center_app') THEN
		GRANT EXECUTE ON FUNCTION export_center_metrics()
		    TO export_center_app;
	END IF;
END $$;
