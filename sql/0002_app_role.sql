-- 0002: the role the services run as.  export_center_app is NOLOGIN and
-- neither superuser nor BYPASSRLS, so row-level security holds for it;
-- operators log in as their own role and are granted this one (README,
-- "Database roles").  Creating a role needs CREATEROLE, which the owner of
-- the database often lacks: the function creates it only when it can, and
-- exportctl db migrate calls it on every run, so a later migrate by a
-- privileged role completes the setup.  Returns whether the role exists.

CREATE OR REPLACE FUNCTION export_center_app_role() RETURNS boolean
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
	-- Exactly what ingest and export need: read and upsert evidence
	-- (no DELETE, no DDL), read the schema version, and a session's
	-- TEMP staging table for batched ingest.
	EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I '
	    'TO export_center_app', current_database());
	EXECUTE format('GRANT USAGE ON SCHEMA %I TO export_center_app',
	    current_schema());
	REVOKE ALL ON evidence, schema_version FROM export_center_app;
	GRANT SELECT, INSERT, UPDATE ON evidence TO export_center_app;
	GRANT SELECT ON schema_version TO export_center_app;
	RETURN true;
END
$fn$;

-- Only whoever owns the schema objects (the migrating role) runs it.
REVOKE EXECUTE ON FUNCTION export_center_app_role() FROM PUBLIC;

DO $$ BEGIN PERFORM export_center_app_role(); END $$;
