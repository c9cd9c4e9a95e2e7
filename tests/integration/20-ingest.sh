#!/bin/bash
# exportctl ingest: every shipped fixture, re-ingest, newer and older
# versions, and bad files that must leave no row behind.
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
fx=$EC_ROOT/tests/fixtures
files=$(find "$fx" -name '*.json' | wc -l)

check "every shipped fixture ingests" "$EC_BIN" ingest --tenant "$t" "$fx"
"$EC_BIN" --json ingest --tenant "$t" "$fx" >"$IT_TMP/again.json"
check_equal "re-ingest counts every file" \
    "$(jq .files "$IT_TMP/again.json")" "$files"
check_equal "re-ingesting the same bytes changes nothing" \
    "$(jq '.status.unchanged + .status.stale + .status.superseded' \
	"$IT_TMP/again.json")" "$files"
check_equal "nothing failed" "$(jq .status.failed "$IT_TMP/again.json")" 0

# A newer version of one advisory replaces it; an older one does not.
src=$(ls "$fx"/osv/go/*.json | head -n 1)
id=$(jq -r .id "$src")
# Newer, but not in the future: ingest refuses dates a day past the clock.
jq --arg now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    '.modified = $now | .summary = "newer"' "$src" >"$IT_TMP/newer.json"
jq '.modified = "1999-01-01T00:00:00Z" | .summary = "older"' "$src" \
    >"$IT_TMP/older.json"
check "newer version is reported as updated" \
    sh -c '"$EC_BIN" ingest --verbose --tenant "$1" "$2" | grep -q "^updated "' \
    _ "$t" "$IT_TMP/newer.json"
check "older version is reported as stale" \
    sh -c '"$EC_BIN" ingest --verbose --tenant "$1" "$2" | grep -q "^stale "' \
    _ "$t" "$IT_TMP/older.json"
check_equal "the stored document is the newer one" \
    "$(it_rows "$t" "WHERE upstream_id = '$id' AND
        convert_from(doc, 'UTF8')::jsonb->>'summary' = 'newer'")" 1

# Bad files: one clear line each, skipped entirely, good files kept.
bad=$IT_TMP/bad
mkdir -p "$bad"
printf '{"id": "X", "modified": ' >"$bad/truncated.json"
printf '{"hello": "world"}' >"$bad/unrecognised.json"
printf '{"id":"A","id":"B","modified":"2020-01-01T00:00:00Z"}' \
    >"$bad/duplicate-key.json"
printf '{"id":"GO-X","modified":"not a date"}' >"$bad/bad-date.json"
printf '' >"$bad/empty.json"
printf '\xff\xfe{}' >"$bad/not-utf8.json"
jq '.document.category = "csaf_security_advisory"' \
    "$(ls "$fx"/vex/csaf/*.json | head -n 1)" >"$bad/csaf-not-vex.json"
jq '.id = "GOOD-1"' "$src" >"$bad/good.json"
nbad=$(ls "$bad" | grep -vc '^good')
before=$(it_rows "$t" "")
"$EC_BIN" ingest --tenant "$t" "$bad" >"$IT_TMP/bad.out" 2>"$IT_TMP/bad.err"
check_equal "ingest with bad files exits 2" "$?" 2
check_equal "one error line per bad file" \
    "$(grep -c '^exportctl: .*/bad/.*\.json: ERR_' "$IT_TMP/bad.err")" "$nbad"
check "each line names the file and the reason" \
    grep -q 'unrecognised.json: ERR_EXPORT_REQUEST_INVALID: .*not a recognised' \
    "$IT_TMP/bad.err"
check_equal "the good file is kept, no row for a bad one" \
    "$(it_rows "$t" "")" "$((before + 1))"
check_fails "a missing path is an error" 2 ERR_ \
    "$EC_BIN" ingest --tenant "$t" /nonexistent/file.json
check_fails "a bad tenant is refused" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" ingest --tenant "no spaces" "$src"
check_fails "no path is a usage error" 1 - "$EC_BIN" ingest --tenant "$t"
it_done
