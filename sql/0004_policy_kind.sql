-- 0004: json:policy policies are stored as evidence like the rest, one row
-- per (tenant, name, source), so that ingesting a new version of a named
-- policy replaces the old one (ec_evidence.h: kind and format "policy").
-- Only the two CHECK constraints of 0001 change; their names are the ones
-- PostgreSQL gave the inline constraints.

ALTER TABLE evidence DROP CONSTRAINT evidence_kind_check;
ALTER TABLE evidence ADD CONSTRAINT evidence_kind_check
	CHECK (kind IN ('advisory', 'vex', 'sbom', 'policy'));
ALTER TABLE evidence DROP CONSTRAINT evidence_format_check;
ALTER TABLE evidence ADD CONSTRAINT evidence_format_check
	CHECK (format IN ('osv', 'openvex', 'csaf', 'cyclonedx', 'spdx',
	    'policy'));
