#!/bin/bash
# Every document of the shared fixture set ingests cleanly, and the counts
# printed match the files.  Runs whenever ../shared/fixtures exists.
. "$(dirname "$0")/../lib/it.sh"

shared=$EC_ROOT/../shared/fixtures
if [ ! -d "$shared" ]; then
	it_pass "# skip: no $shared"
	it_done
fi
t=$(it_tenant shared)
files=$(find "$shared" -name '*.json' | wc -l)
"$EC_BIN" --json ingest --tenant "$t" "$shared" >"$IT_TMP/r.json" \
    2>"$IT_TMP/out"
check_equal "ingest of all shared fixtures exits 0" "$?" 0
check_equal "files counted" "$(jq .files "$IT_TMP/r.json")" "$files"
check_equal "no file failed" "$(jq .status.failed "$IT_TMP/r.json")" 0
check_equal "every file has an outcome" \
    "$(jq '[.status[]] | add' "$IT_TMP/r.json")" "$files"
check_equal "kinds add up to the files" \
    "$(jq '[.kinds[]] | add' "$IT_TMP/r.json")" "$files"
for k in osv:advisory vex:vex sbom:sbom; do
	n=$(find "$shared/${k%%:*}" -name '*.json' | wc -l)
	check_equal "every ${k%%:*} file is a ${k#*:}" \
	    "$(jq ".kinds.${k#*:}" "$IT_TMP/r.json")" "$n"
done
it_done
