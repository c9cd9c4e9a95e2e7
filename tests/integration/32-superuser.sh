#!/bin/bash
# Tenant isolation when row-level security does not apply: connected as
# the cluster's superuser (what EXPORT_CENTER_DB=...user=postgres gives),
# tenant b's bundle must hold tenant b's documents only, because every
# store query names its tenant as well (lib/ec_store_pg.c).
. "$(dirname "$0")/../lib/it.sh"

a=$(it_tenant a)
b=$(it_tenant b)
fx=$EC_ROOT/tests/fixtures
su_db=$(printf '%s\n' "$EXPORT_CENTER_DB" | sed 's/user=[^ ]*/user=postgres/')
su_psql() { psql -X -q -t -A "$su_db" -c "$1"; }
check_equal "the superuser connection bypasses RLS" \
    "$(su_psql 'SELECT rolbypassrls OR rolsuper FROM pg_roles
    WHERE rolname = current_user')" t

check "ingest advisories into $a as the superuser" \
    "$EC_BIN" --db "$su_db" ingest --tenant "$a" "$fx/osv"
check "ingest VEX into $b as the superuser" \
    "$EC_BIN" --db "$su_db" ingest --tenant "$b" "$fx/vex"
nb=$(it_rows "$b" "")
na=$(it_rows "$a" "")

for who in a b; do
	mkdir -p "$IT_TMP/$who"
	check "build $who as the superuser" "$EC_BIN" --db "$su_db" build \
	    --profile json:raw --tenant "$(it_tenant $who)" --targets advisory,vex \
	    --formats ndjson --out "$IT_TMP/$who"
	tar -C "$IT_TMP/$who" --zstd -xf "$(it_bundle "$IT_TMP/$who")"
done
check_equal "$b: the manifest counts $b's documents only" \
    "$(jq .documents "$IT_TMP/b/manifest.json")" "$nb"
check_equal "$b: no advisory of $a in the bundle" \
    "$(wc -l <"$IT_TMP/b/data/advisories.ndjson")" 0
check_equal "$b: every VEX document of $b" \
    "$(wc -l <"$IT_TMP/b/data/vex.ndjson")" "$nb"
check_equal "$a: the manifest counts $a's documents only" \
    "$(jq .documents "$IT_TMP/a/manifest.json")" "$na"
check_equal "$a: no VEX document of $b in the bundle" \
    "$(wc -l <"$IT_TMP/a/data/vex.ndjson")" 0
check_equal "$b: snapshot time from $b's documents, not $a's" \
    "$(jq -r .snapshotAt "$IT_TMP/b/manifest.json")" \
    "$(su_psql "SELECT to_char(max(modified_at) AT TIME ZONE 'UTC',
    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM evidence WHERE tenant = '$b'")"
it_done
