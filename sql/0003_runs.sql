-- 0003: the run queue.  Profiles, runs, their events and artifacts,
-- idempotency keys, DPoP replay cache.  Every table is tenant-scoped under
-- forced row-level security, like evidence in 0001, except run_queue (see
-- below), which the services cannot read at all.
--
-- Claiming across tenants.  A builder must find the oldest queued run of
-- any tenant, but under forced RLS no statement sees more than the tenant
-- it names in app.tenant, and a policy that widened that for some setting
-- could be used by any session that sets it.  So the cross-tenant part
-- lives in run_queue: one row per queued or running run holding only what
-- scheduling needs (tenant, run id, priority, times, lease expiry), with
-- no RLS and no privilege for anyone but the owner of this migration.  A
-- trigger on runs (SECURITY DEFINER) keeps it in step with every insert
-- and update, in the same transaction.  export_claim_run() (SECURITY
-- DEFINER too) is the one way to read it: it locks the first claimable
-- row with FOR UPDATE SKIP LOCKED, then sets app.tenant to that row's
-- tenant for itself and updates the run under RLS like any other
-- statement.  The caller learns a tenant and a run id, and from then on
-- works in that tenant's RLS context; it never sees another tenant's
-- request, progress or outputs.  runs stays the one source of truth.

CREATE TABLE export_profiles (
	tenant		text COLLATE "C" NOT NULL
			CHECK (tenant ~ '^[A-Za-z0-9._-]{1,64}$'),
	id		text COLLATE "C" NOT NULL
			CHECK (id = 'export-profile::' || tenant || '::' ||
			    name),
	name		text COLLATE "C" NOT NULL
			CHECK (name ~ '^[A-Za-z0-9._:-]{1,64}$'),
	kind		text COLLATE "C" NOT NULL
			CHECK (kind IN ('json:raw', 'json:policy', 'trivy:db',
			    'trivy:java-db', 'mirror:full', 'mirror:delta',
			    'devportal:offline')),
	-- Filled by schedules and retention (later); NULL: none.
	schedule	text CHECK (length(schedule) BETWEEN 1 AND 128),
	run_template	jsonb,
	retention_days	integer CHECK (retention_days > 0),
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant, id),
	UNIQUE (tenant, name)
);

-- The last sequence number handed out per tenant and UTC day, for run ids
-- "export-run::<tenant>::<YYYY-MM-DD>::<seq>".  A row lock per tenant and
-- day serialises id allocation without a sequence object per tenant.
CREATE TABLE run_seq (
	tenant		text COLLATE "C" NOT NULL,
	day		date NOT NULL,
	last		integer NOT NULL CHECK (last > 0),
	PRIMARY KEY (tenant, day)
);

CREATE TABLE runs (
	tenant		text COLLATE "C" NOT NULL
			CHECK (tenant ~ '^[A-Za-z0-9._-]{1,64}$'),
	id		text COLLATE "C" NOT NULL
			CHECK (id LIKE 'export-run::' || tenant || '::%'),
	profile_id	text COLLATE "C" NOT NULL,
	status		text NOT NULL DEFAULT 'queued'
			CHECK (status IN ('queued', 'running', 'succeeded',
			    'failed', 'expired')),
	-- The validated request in canonical form, and its SHA-256 (hex).
	request		jsonb NOT NULL,
	request_hash	text COLLATE "C" NOT NULL
			CHECK (request_hash ~ '^[0-9a-f]{64}$'),
	priority	integer NOT NULL DEFAULT 5
			CHECK (priority BETWEEN 0 AND 9),
	created_at	timestamptz NOT NULL DEFAULT now(),
	started_at	timestamptz,
	finished_at	timestamptz,
	-- The builder holding the run, until when, and on which attempt:
	-- (owner, attempts) fences every write of a builder that lost it.
	lease_owner	text,
	lease_until	timestamptz,
	attempts	integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	-- Set at the first claim: start plus the builder's job timeout.
	deadline_at	timestamptz,
	items_completed	bigint NOT NULL DEFAULT 0
			CHECK (items_completed >= 0),
	items_total	bigint NOT NULL DEFAULT 0 CHECK (items_total >= 0),
	error_code	text,
	error_message	text,
	-- inputsHash of the evidence the successful build read.
	inputs_hash	text CHECK (inputs_hash ~ '^[0-9a-f]{64}$'),
	retention_days	integer CHECK (retention_days > 0),
	PRIMARY KEY (tenant, id),
	FOREIGN KEY (tenant, profile_id)
	    REFERENCES export_profiles (tenant, id),
	CHECK ((status = 'running') = (lease_owner IS NOT NULL))
);

CREATE INDEX runs_status ON runs (tenant, status, created_at);

-- Events in order of their id, which SSE sends as its event id: a client
-- resuming with Last-Event-ID asks for the run's events after that id.
CREATE TABLE run_events (
	id		bigserial PRIMARY KEY,
	tenant		text COLLATE "C" NOT NULL,
	run_id		text COLLATE "C" NOT NULL,
	type		text COLLATE "C" NOT NULL
			CHECK (type ~ '^[a-z][a-z0-9_.]{0,63}$'),
	payload		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (tenant, run_id) REFERENCES runs (tenant, id)
);

CREATE INDEX run_events_run ON run_events (tenant, run_id, id);

-- Outputs of succeeded runs.  "path" is relative to the artifact store:
-- sha256/<first two hex digits>/<hex>, so runs with the same bytes share
-- one blob; retention deletes a blob once no artifact row names it.
CREATE TABLE artifacts (
	tenant		text COLLATE "C" NOT NULL,
	run_id		text COLLATE "C" NOT NULL,
	type		text COLLATE "C" NOT NULL
			CHECK (length(type) BETWEEN 1 AND 64),
	id		text COLLATE "C" NOT NULL
			CHECK (length(id) BETWEEN 1 AND 512),
	format		text COLLATE "C" NOT NULL
			CHECK (length(format) BETWEEN 1 AND 64),
	name		text COLLATE "C" NOT NULL
			CHECK (length(name) BETWEEN 1 AND 255),
	sha256		text COLLATE "C" NOT NULL
			CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	size		bigint NOT NULL CHECK (size >= 0),
	path		text COLLATE "C" NOT NULL
			CHECK (path = 'sha256/' || substr(sha256, 1, 2) ||
			    '/' || sha256),
	PRIMARY KEY (tenant, run_id, type, id, format),
	FOREIGN KEY (tenant, run_id) REFERENCES runs (tenant, id)
);

CREATE INDEX artifacts_sha256 ON artifacts (sha256);

-- Idempotency-Key: one run per tenant and key; the request hash tells a
-- retry (same body) from a conflicting reuse (another body).
CREATE TABLE idempotency_keys (
	tenant		text COLLATE "C" NOT NULL,
	key		text COLLATE "C" NOT NULL
			CHECK (key ~ '^[\x21-\x7e]{1,255}$'),
	request_hash	text COLLATE "C" NOT NULL
			CHECK (request_hash ~ '^[0-9a-f]{64}$'),
	run_id		text COLLATE "C" NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant, key),
	FOREIGN KEY (tenant, run_id) REFERENCES runs (tenant, id)
);

-- DPoP proof ids seen within the replay window (RFC 9449, 11.1), shared
-- by every API process.  Scoped by the token's tenant like the rest.
CREATE TABLE dpop_jti (
	tenant		text COLLATE "C" NOT NULL,
	jti		text COLLATE "C" NOT NULL
			CHECK (length(jti) BETWEEN 1 AND 256),
	expires_at	timestamptz NOT NULL,
	PRIMARY KEY (tenant, jti)
);

CREATE INDEX dpop_jti_expires ON dpop_jti (expires_at);

DO $$
DECLARE
	t	text;
BEGIN
	FOREACH t IN ARRAY ARRAY['export_profiles', 'run_seq', 'runs',
	    'run_events', 'artifacts', 'idempotency_keys', 'dpop_jti'] LOOP
		EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY %I ON %I '
		    'USING (tenant = current_setting(''app.tenant'', true)) '
		    'WITH CHECK '
		    '(tenant = current_setting(''app.tenant'', true))',
		    t || '_tenant', t);
	END LOOP;
END $$;

-- The scheduling index (see the top of this file).  No RLS: no service
-- role has any privilege on it; only the two functions below touch it.
CREATE TABLE run_queue (
	tenant		text COLLATE "C" NOT NULL,
	run_id		text COLLATE "C" NOT NULL,
	status		text NOT NULL
			CHECK (status IN ('queued', 'running')),
	priority	integer NOT NULL,
	created_at	timestamptz NOT NULL,
	lease_until	timestamptz,
	PRIMARY KEY (tenant, run_id)
);

CREATE INDEX run_queue_order ON run_queue (priority DESC, created_at, run_id);

REVOKE ALL ON run_queue FROM PUBLIC;

CREATE FUNCTION export_run_queue_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
BEGIN
	IF NEW.status IN ('queued', 'running') THEN
		INSERT INTO run_queue (tenant, run_id, status, priority,
		    created_at, lease_until)
		VALUES (NEW.tenant, NEW.id, NEW.status, NEW.priority,
		    NEW.created_at, NEW.lease_until)
		ON CONFLICT (tenant, run_id) DO UPDATE
		    SET status = EXCLUDED.status,
			lease_until = EXCLUDED.lease_until;
		IF TG_OP = 'INSERT' THEN
			PERFORM pg_notify('export_run_queued', '');
		END IF;
	ELSE
		DELETE FROM run_queue
		    WHERE tenant = NEW.tenant AND run_id = NEW.id;
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER runs_queue_sync AFTER INSERT OR UPDATE OF status, lease_until
    ON runs FOR EACH ROW EXECUTE FUNCTION export_run_queue_sync();

-- An event row and its notification, in the caller's transaction, so a
-- listener is told only about events that were committed.
CREATE FUNCTION export_run_event(p_tenant text, p_run text, p_type text,
    p_payload jsonb) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
	eid	bigint;
BEGIN
	INSERT INTO run_events (tenant, run_id, type, payload)
	    VALUES (p_tenant, p_run, p_type, p_payload) RETURNING id INTO eid;
	PERFORM pg_notify('export_run_events', p_run);
	RETURN eid;
END
$fn$;

-- Claim the first run in (priority desc, created, id) order that is
-- queued or whose lease has expired, for "p_owner" during "p_lease"
-- seconds; a run first claimed gets its deadline, now + "p_timeout"
-- seconds.  On the way, runs whose lease expired past their deadline fail
-- with ERR_EXPORT_TIMEOUT, and runs abandoned "p_max_attempts" times with
-- ERR_INTERNAL.  Returns no row when there is nothing to claim.  Rows
-- another claimer holds are skipped, never waited for (SKIP LOCKED on
-- both tables), so claims never block each other or a lease renewal.
CREATE FUNCTION export_claim_run(p_owner text, p_lease integer,
    p_timeout integer, p_max_attempts integer)
RETURNS TABLE (tenant text, run_id text, attempt integer)
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
	q	record;
	r	record;
	prev	text := current_setting('app.tenant', true);
BEGIN
	FOR q IN SELECT rq.tenant, rq.run_id FROM run_queue rq
	    WHERE rq.status = 'queued' OR rq.lease_until < now()
	    ORDER BY rq.priority DESC, rq.created_at, rq.run_id
	    FOR UPDATE SKIP LOCKED LOOP
		PERFORM set_config('app.tenant', q.tenant, true);
		SELECT * INTO r FROM runs
		    WHERE runs.tenant = q.tenant AND runs.id = q.run_id
		    FOR UPDATE SKIP LOCKED;
		IF NOT FOUND OR NOT (r.status = 'queued' OR
		    (r.status = 'running' AND r.lease_until < now())) THEN
			CONTINUE;
		END IF;
		IF r.status = 'running' AND (r.deadline_at < now() OR
		    r.attempts >= p_max_attempts) THEN
			UPDATE runs SET status = 'failed', finished_at = now(),
			    lease_owner = NULL, lease_until = NULL,
			    error_code = CASE WHEN r.deadline_at < now()
				THEN 'ERR_EXPORT_TIMEOUT'
				ELSE 'ERR_INTERNAL' END,
			    error_message = CASE WHEN r.deadline_at < now()
				THEN 'the job timeout passed before the build '
				    'finished'
				ELSE 'the build was abandoned ' || r.attempts ||
				    ' times (builders died or lost their lease)'
				END
			    WHERE runs.tenant = q.tenant AND runs.id = q.run_id
			    RETURNING * INTO r;
			PERFORM export_run_event(q.tenant, q.run_id, 'failed',
			    jsonb_build_object('runId', q.run_id, 'status',
			    'failed', 'code', r.error_code, 'message',
			    r.error_message));
			CONTINUE;
		END IF;
		UPDATE runs SET status = 'running', lease_owner = p_owner,
		    lease_until = now() + make_interval(secs => p_lease),
		    attempts = r.attempts + 1,
		    started_at = coalesce(r.started_at, now()),
		    deadline_at = coalesce(r.deadline_at,
			now() + make_interval(secs => p_timeout))
		    WHERE runs.tenant = q.tenant AND runs.id = q.run_id;
		PERFORM export_run_event(q.tenant, q.run_id, 'started',
		    jsonb_build_object('runId', q.run_id, 'status', 'running'));
		PERFORM set_config('app.tenant', coalesce(prev, ''), true);
		tenant := q.tenant;
		run_id := q.run_id;
		attempt := r.attempts + 1;
		RETURN NEXT;
		RETURN;
	END LOOP;
	PERFORM set_config('app.tenant', coalesce(prev, ''), true);
END
$fn$;

REVOKE ALL ON FUNCTION export_claim_run(text, integer, integer, integer)
    FROM PUBLIC;

-- The definer functions (and export_run_event, which the claim calls)
-- resolve names in this schema and then pg_temp,
-- named last on purpose: otherwise a caller's temporary table would be
-- searched first and shadow runs or run_queue (PostgreSQL, CREATE
-- FUNCTION, "Writing SECURITY DEFINER Functions Safely").
DO $$ BEGIN
	EXECUTE format('ALTER FUNCTION export_claim_run(text, integer, '
	    'integer, integer) SET search_path = %I, pg_temp',
	    current_schema());
	EXECUTE format('ALTER FUNCTION export_run_queue_sync() '
	    'SET search_path = %I, pg_temp', current_schema());
	EXECUTE format('ALTER FUNCTION export_run_event(text, text, text, '
	    'jsonb) SET search_path = %I, pg_temp', current_schema());
END $$;

-- The services' role (0002 makes it too).  Creating a role needs
-- CREATEROLE, which the database owner often lacks: then the grants wait
-- for a migrate by a role that has it (see README, "Runs and
-- export-cron").  Only what the API and export-cron need: no DELETE but
-- on the DPoP cache, whose expired rows the API prunes.
CREATE FUNCTION export_center_runs_grant() RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles
	    WHERE rolname = 'export_center_app') THEN
		IF NOT EXISTS (SELECT 1 FROM pg_roles
		    WHERE rolname = current_user
		    AND (rolsuper OR rolcreaterole)) THEN
			RETURN false;
		END IF;
		CREATE ROLE export_center_app NOLOGIN NOSUPERUSER NOCREATEDB
		    NOCREATEROLE NOBYPASSRLS;
	END IF;
	GRANT SELECT, INSERT ON export_profiles, run_events, artifacts,
	    idempotency_keys TO export_center_app;
	GRANT SELECT, INSERT, UPDATE ON runs, run_seq TO export_center_app;
	GRANT SELECT, INSERT, DELETE ON dpop_jti TO export_center_app;
	GRANT USAGE ON SEQUENCE run_events_id_seq TO export_center_app;
	GRANT EXECUTE ON FUNCTION export_claim_run(text, integer, integer,
	    integer) TO export_center_app;
	RETURN true;
END
$fn$;

DO $$ BEGIN PERFORM export_center_runs_grant(); END $$;
