#!/bin/bash
# ec_db_batch (lib/ec_db.h): one transaction sent in one pipelined round
# trip, its statements prepared once per connection, as the API's replay
# store and run reads use it.  Against the
# test's PostgreSQL as the database owner (row-level security forced):
# what a batch commits, that a failing statement rolls the whole batch
# back and leaves the connection usable, that a read batch is read-only,
# and that the tenant of the batch is the one row-level security sees.
. "$(dirname "$0")/../lib/it.sh"

b=$EC_ROOT/build/tests/tools/db_batch
a=$(it_tenant a)
o=$(it_tenant b)
ins="INSERT INTO dpop_jti (tenant, jti, expires_at) VALUES (\$1, "
cnt="SELECT count(*) FROM dpop_jti WHERE tenant = \$1 AND jti = "

check_equal "a write batch commits its statements, results in order" \
    "$("$b" "$a" write "${ins}'j1', now() + interval '1 hour') RETURNING 1" \
    "${cnt}'j1'")" "$(printf '1\n1')"
check_equal "and what it wrote is there afterwards" \
    "$("$b" "$a" read "${cnt}'j1'")" 1
check_equal "a statement prepared by one batch is reused by the next" \
    "$("$b" "$a" read "${cnt}'j1'" -- "${cnt}'j1'" "${cnt}'j0'" -- \
    "${cnt}'j1'")" "$(printf '1\n1\n0\n1')"

out=$("$b" "$a" write "${ins}'j2', now() + interval '1 hour')" \
    "${ins}repeat('j', 300), now())" -- "${cnt}'j2'" "SELECT 7 WHERE \$1 <> ''")
check_equal "a failing statement fails the batch (ERR_DB); the same
    connection's next batch works and sees nothing of the first statement" \
    "$(echo "$out" | sed 's/: .*//')" "$(printf 'error ERR_DB\n0\n7')"
check "the failure says why" grep -q "dpop_jti_jti_check\|check constraint" \
    <<<"$out"

check_equal "a read batch is a read-only transaction" \
    "$("$b" "$a" read "${ins}'j3', now())" | sed 's/: .*//')" "error ERR_DB"
check_equal "and wrote nothing" "$("$b" "$a" read "${cnt}'j3'")" 0

"$b" "$o" write "${ins}'k1', now() + interval '1 hour')" >/dev/null
check_equal "row-level security sees the batch's tenant only" \
    "$("$b" "$a" read "SELECT count(*) FROM dpop_jti WHERE \$1 <> ''" \
    "SELECT count(*) FROM dpop_jti WHERE tenant <> \$1")" "$(printf '1\n0')"
check_equal "a row of another tenant is refused (WITH CHECK)" \
    "$("$b" "$a" write "INSERT INTO dpop_jti (tenant, jti, expires_at)
    VALUES ('$o', 'k2' || \$1, now())" | sed 's/: .*//')" "error ERR_DB"
check_fails "a malformed tenant is refused before the database" 1 - \
    "$b" "bad tenant" read "SELECT \$1"
it_done
