-- 0001: the evidence store.  One row per ingested document, tenant-scoped.
-- Documents are stored as their RFC 8785 canonical bytes with the SHA-256
-- of those bytes, so an export streams them without parsing JSON again.
-- Text columns use the "C" collation: ORDER BY must be bytewise, the same
-- on every server, or bundles would differ between hosts.

CREATE TABLE evidence (
	tenant		text COLLATE "C" NOT NULL
			CHECK (tenant ~ '^[A-Za-z0-9._-]{1,64}$'),
	kind		text COLLATE "C" NOT NULL
			CHECK (kind IN ('advisory', 'vex', 'sbom')),
	format		text COLLATE "C" NOT NULL
			CHECK (format IN ('osv', 'openvex', 'csaf',
			    'cyclonedx', 'spdx')),
	source		text COLLATE "C" NOT NULL
			CHECK (length(source) BETWEEN 1 AND 512),
	upstream_id	text COLLATE "C" NOT NULL
			CHECK (length(upstream_id) BETWEEN 1 AND 512),
	modified_at	timestamptz,
	sha256		text COLLATE "C" NOT NULL
			CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	size		bigint NOT NULL CHECK (size = length(doc)),
	doc		bytea NOT NULL,
	ingested_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant, kind, upstream_id, source)
);

COMMENT ON TABLE evidence IS
    'Ingested advisories, VEX and SBOMs as RFC 8785 bytes (exportctl ingest)';

-- Row-level security, forced so that it holds for the owner too: every
-- transaction states its tenant with set_config('app.tenant', ..., true),
-- and a session that did not sees nothing.  Superusers bypass RLS, so the
-- services connect as an ordinary role.
ALTER TABLE evidence ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_tenant ON evidence
	USING (tenant = current_setting('app.tenant', true))
	WITH CHECK (tenant = current_setting('app.tenant', true));
