-- The benchmarks' corpus: every advisory of tenant :src, :reps times, into
-- tenant :dst (the same tenant replicates in place), replica r as
-- "<id>-r<r>" with the JSON "id" rewritten alike.
--   psql -t -A -v src=A -v dst=B -v reps=N -f tests/bench/replicate.sql
-- Row-level security lets a transaction see only its tenant, so the source
-- rows go through a temporary table: read as :src, insert as :dst.  The
-- documents are canonical JSON and "id" is a plain string, so a textual
-- replace of "id":"<id>" keeps them canonical (same keys, same order).
-- Its second line of output: documents whose "id" would not be rewritten
-- (should be none).
BEGIN;
SELECT set_config('app.tenant', :'src', true);
CREATE TEMP TABLE src ON COMMIT DROP AS
    SELECT kind, format, source, upstream_id, modified_at,
        convert_from(doc, 'UTF8') AS d
    FROM evidence WHERE tenant = :'src' AND kind = 'advisory';
SELECT count(*) FROM src
    WHERE position('"id":"' || upstream_id || '"' IN d) = 0;
SELECT set_config('app.tenant', :'dst', true);
DELETE FROM evidence WHERE tenant = :'dst' AND kind = 'advisory';
INSERT INTO evidence (tenant, kind, format, source, upstream_id,
    modified_at, sha256, size, doc)
SELECT :'dst', kind, format, source, nid, modified_at,
    encode(sha256(nd), 'hex'), length(nd), nd
FROM (SELECT s.kind, s.format, s.source, s.modified_at,
        s.upstream_id || '-r' || r AS nid,
        convert_to(replace(s.d, '"id":"' || s.upstream_id || '"',
            '"id":"' || s.upstream_id || '-r' || r || '"'), 'UTF8') AS nd
    FROM src s CROSS JOIN generate_series(1, :reps) AS r) x;
COMMIT;
