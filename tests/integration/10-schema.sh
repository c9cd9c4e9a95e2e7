#!/bin/bash
# Migrations are idempotent, and row-level security keeps tenants apart
# even for the table owner.
. "$(dirname "$0")/../lib/it.sh"

a=$(it_tenant a)
b=$(it_tenant b)
check "migrate again applies nothing" \
    sh -c '"$EC_BIN" --json db migrate | grep -q "\"applied\":0"'
check_equal "schema_version has one row per migration" \
    "$(it_psql -c 'SELECT count(*) FROM schema_version')" \
    "$(ls "$EC_ROOT"/sql/*.sql | wc -l)"
check "ingest for tenant a" "$EC_BIN" ingest --tenant "$a" \
    "$EC_ROOT/tests/fixtures/osv/go"
check_equal "tenant a sees its rows" "$(it_rows "$a" "")" 25
check_equal "tenant b sees none of them" "$(it_rows "$b" "")" 0
check_equal "no tenant set: no rows, even for the owner" \
    "$(it_psql -c 'SELECT count(*) FROM evidence')" 0
check_fails "writing another tenant's row is refused" 1 - \
    it_psql -c "BEGIN; SELECT set_config('app.tenant', '$b', true);" \
    -c "UPDATE evidence SET tenant = '$a' WHERE false;" \
    -c "INSERT INTO evidence (tenant, kind, format, source, upstream_id,
        sha256, size, doc) VALUES ('$a', 'advisory', 'osv', 'osv', 'x',
        repeat('0', 64), 2, '{}'); COMMIT;"
# 0007: documents written from now on are TOAST-compressed with lz4
# (Debian's PostgreSQL has it); the canonical bytes read back unchanged.
# HSEC-2024-0004 is 11 kB of canonical JSON, past the TOAST threshold.
check "ingest a large advisory for tenant a" "$EC_BIN" ingest --tenant "$a" \
    "$EC_ROOT/tests/fixtures/osv/hackage/HSEC-2024-0004.json"
check_equal "documents past the TOAST threshold are lz4-compressed" \
    "$(it_psql -c "SET app.tenant = '$a'" -c "SELECT DISTINCT
        pg_column_compression(doc) FROM evidence WHERE tenant = '$a' AND
        pg_column_compression(doc) IS NOT NULL")" lz4
check_equal "an lz4-compressed document reads back byte for byte" \
    "$(it_psql -c "SET app.tenant = '$a'" -c "SELECT sha256 = encode(
        sha256(doc), 'hex') FROM evidence WHERE tenant = '$a' AND
        upstream_id = 'HSEC-2024-0004'")" t
check "EXPORT_CENTER_DB is honoured" \
    sh -c '"$EC_BIN" db migrate | grep -q "version"'
check "libpq defaults are honoured when nothing else is set" \
    sh -c 'host=$(echo "$EXPORT_CENTER_DB" | sed "s/.*host=\([^ ]*\).*/\1/");
    env -u EXPORT_CENTER_DB PGHOST="$host" PGDATABASE=export_center \
    PGUSER=export_center "$EC_BIN" db migrate'

# Three migrations racing on a fresh database: the advisory lock lets one
# apply each file and the others find nothing to do.
host=$(echo "$EXPORT_CENTER_DB" | sed 's/.*host=\([^ ]*\).*/\1/')
psql -X -q -h "$host" -U postgres -d postgres \
    -c "CREATE DATABASE ec_race OWNER export_center" >/dev/null
for i in 1 2 3; do
	"$EC_BIN" --json --db "host=$host dbname=ec_race user=export_center" \
	    db migrate >"$IT_TMP/race.$i" 2>&1 &
done
wait
check_equal "racing migrations: all three succeed" \
    "$(cat "$IT_TMP"/race.* | jq -s 'map(select(.ok)) | length')" 3
check_equal "racing migrations: each file applied once" \
    "$(cat "$IT_TMP"/race.* | jq -s 'map(.applied) | add')" \
    "$(ls "$EC_ROOT"/sql/*.sql | wc -l)"
it_done
