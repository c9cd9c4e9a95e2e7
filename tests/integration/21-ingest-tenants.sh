#!/bin/bash
# Tenant isolation for ingest when row-level security is not in force:
# connected as the postgres superuser (which bypasses RLS), tenant b's
# ingest must never touch or see tenant a's rows, through the merge and
# through the "unchanged" lookup alike.  Then the export_center_app role:
# created by db migrate, NOLOGIN, with exactly the grants ingest needs.
. "$(dirname "$0")/../lib/it.sh"

host=$(echo "$EXPORT_CENTER_DB" | sed 's/.*host=\([^ ]*\).*/\1/')
su="host=$host dbname=export_center user=postgres"
a=$(it_tenant a)
b=$(it_tenant b)
src=$(ls "$EC_ROOT"/tests/fixtures/osv/go/*.json | head -n 1)
id=$(jq -r .id "$src")
jq -c '.modified = "2021-01-01T00:00:00Z" | .summary = "v2"' "$src" \
    >"$IT_TMP/v2.json"
jq -c '.modified = "2020-01-01T00:00:00Z" | .summary = "v1"' "$src" \
    >"$IT_TMP/v1.json"
jq -c '.modified = "2019-01-01T00:00:00Z" | .summary = "v0"' "$src" \
    >"$IT_TMP/v0.json"

# ingest AS TENANT FILE: the one --verbose status word.
ingest() {
	"$EC_BIN" --db "$1" ingest --verbose --tenant "$2" "$3" \
	    2>"$IT_TMP/err" | awk 'NR == 1 { print $1 }'
}
check_equal "superuser: tenant a inserts the newer version" \
    "$(ingest "$su" "$a" "$IT_TMP/v2.json")" inserted
check_equal "superuser: one warning line that RLS is not in force" \
    "$(grep -c 'warning: connected as a role that bypasses row-level security' \
    "$IT_TMP/err")" 1
check_equal "superuser: tenant b's older version is new to b, not stale" \
    "$(ingest "$su" "$b" "$IT_TMP/v1.json")" inserted
check_equal "superuser: the same bytes again are unchanged for b" \
    "$(ingest "$su" "$b" "$IT_TMP/v1.json")" unchanged
check_equal "superuser: b's even older version is stale against b's own" \
    "$(ingest "$su" "$b" "$IT_TMP/v0.json")" stale
check_equal "superuser: b updates its own row, not a's" \
    "$(ingest "$su" "$b" "$IT_TMP/v2.json")" updated
check_equal "superuser: a's row is a's v2, b's row is b's v2, nothing else" \
    "$(psql -X -q -t -A "$su" -c "SELECT tenant || ' ' ||
        (convert_from(doc, 'UTF8')::jsonb->>'summary') FROM evidence
        WHERE upstream_id = '$id' AND tenant IN ('$a', '$b')
        ORDER BY tenant" | tr '\n' ' ')" "$a v2 $b v2 "
check_equal "ordinary role: no warning" \
    "$("$EC_BIN" ingest --tenant "$a" "$IT_TMP/v2.json" 2>&1 >/dev/null |
    grep -c warning)" 0

# The application role.
"$EC_BIN" --json --db "$su" db migrate >"$IT_TMP/mig.json" 2>"$IT_TMP/err"
check_equal "db migrate as a superuser creates export_center_app" \
    "$(jq .appRole "$IT_TMP/mig.json")" true
check_equal "it is NOLOGIN, not superuser, not BYPASSRLS" \
    "$(psql -X -q -t -A "$su" -c "SELECT rolcanlogin, rolsuper,
        rolbypassrls FROM pg_roles WHERE rolname = 'export_center_app'")" \
    "f|f|f"
check "db migrate again is idempotent" \
    "$EC_BIN" --db "$su" db migrate
check_equal "its grants on evidence: exactly SELECT, INSERT, UPDATE" \
    "$(psql -X -q -t -A "$su" -c "SELECT string_agg(privilege_type, ','
        ORDER BY privilege_type) FROM information_schema.role_table_grants
        WHERE grantee = 'export_center_app' AND table_name = 'evidence'")" \
    "INSERT,SELECT,UPDATE"
psql -X -q "$su" -c "DROP ROLE IF EXISTS it_app_login;
    CREATE ROLE it_app_login LOGIN; GRANT export_center_app TO it_app_login" \
    >/dev/null 2>&1
app="host=$host dbname=export_center user=it_app_login"
check_equal "a login role granted export_center_app ingests" \
    "$(ingest "$app" "$(it_tenant app)" "$IT_TMP/v1.json")" inserted
check_equal "without a warning: RLS is in force for it" \
    "$(grep -c warning "$IT_TMP/err")" 0
check_fails "it may not delete evidence" 1 "permission denied" \
    psql -X -q -v ON_ERROR_STOP=1 "$app" -c "DELETE FROM evidence"
check_equal "outside a tenant transaction it sees no rows" \
    "$(psql -X -q -t -A "$app" -c "SELECT count(*) FROM evidence")" 0

# A row the database refuses fails alone: its batch is written again one
# document at a time, and the documents around it are kept.
psql -X -q "$su" >/dev/null 2>&1 <<'SQL'
CREATE FUNCTION it_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.upstream_id = 'IT-REFUSED' THEN
		RAISE EXCEPTION 'refused by the test trigger';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER it_refuse BEFORE INSERT ON evidence
	FOR EACH ROW EXECUTE FUNCTION it_refuse();
SQL
r=$(it_tenant refused)
mkdir -p "$IT_TMP/refused"
for i in 1 2 3 4 5; do
	jq ".id = \"IT-OK-$i\"" "$src" >"$IT_TMP/refused/$i.json"
done
jq '.id = "IT-REFUSED"' "$src" >"$IT_TMP/refused/3b.json"
"$EC_BIN" ingest --tenant "$r" "$IT_TMP/refused" >"$IT_TMP/out" \
    2>"$IT_TMP/err"
check_equal "a refused row: exit 2" "$?" 2
check "a refused row: one error naming its file and the reason" \
    grep -q '3b.json: ERR_DB: .*refused by the test trigger' "$IT_TMP/err"
check_equal "a refused row: the five around it are stored" \
    "$(it_rows "$r" "")" 5
psql -X -q "$su" -c "DROP TRIGGER it_refuse ON evidence;
    DROP FUNCTION it_refuse()" >/dev/null 2>&1
it_done
