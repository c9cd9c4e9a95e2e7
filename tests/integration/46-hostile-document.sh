#!/bin/bash
# One hostile document cannot block a tenant: a far-future modified time
# (which would overflow the ustar mtime and win newest-wins forever),
# numbers I-JSON refuses and a 63 MiB node bomb are each refused at
# ingest, the good documents around them are kept, a genuine newer
# version still supersedes, and the tenant's bundle builds and verifies.
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
d=$IT_TMP/docs
mkdir -p "$d" "$IT_TMP/out"
printf '{"id":"EC-H-1","modified":"2024-01-01T00:00:00Z","summary":"v1"}\n' \
    >"$d/good-v1.json"
printf '{"id":"EC-H-1","modified":"9999-12-31T23:59:59Z","summary":"evil"}\n' \
    >"$d/future.json"
printf '{"id":"EC-H-2","modified":"2242-03-16T12:56:32Z"}\n' >"$d/ustar.json"
printf '{"id":"EC-H-3","modified":"2024-01-01T00:00:00Z","n":9007199254740993}\n' \
    >"$d/bigint.json"
printf '{"id":"EC-H-4","modified":"2024-01-01T00:00:00Z","n":1e-400}\n' \
    >"$d/underflow.json"
/usr/bin/python3 - "$d/bomb.json" <<'EOF'
import sys
n = (63 * 1024 * 1024 - 20) // 3
with open(sys.argv[1], "w") as f:
    f.write('{"id":"M","x":[{}' + ',{}' * (n - 1) + ']}')
EOF

check_fails "ingest: the hostile files fail, exit 2" 2 \
    ERR_EXPORT_REQUEST_INVALID /usr/bin/time -f %M -o "$IT_TMP/rss" \
    "$EC_BIN" ingest --tenant "$t" "$d"
cp "$IT_TMP/.log" "$IT_TMP/ingest.err"
cp "$IT_TMP/.stdout" "$IT_TMP/ingest.out"
sed 's/^/# /' "$IT_TMP/ingest.err" "$IT_TMP/ingest.out"
for f in future ustar bigint underflow bomb; do
	check "ingest: $f.json is reported" grep -q "$f.json: ERR_EXPORT" \
	    "$IT_TMP/ingest.err"
done
check "ingest: the far-future date is named" grep -q \
    "more than a day in the future" "$IT_TMP/ingest.err"
check "ingest: the integer past 2^53 is named" grep -q "beyond 2^53" \
    "$IT_TMP/ingest.err"
check "ingest: the underflow is named" grep -q "underflows" \
    "$IT_TMP/ingest.err"
check "ingest: the node bomb is refused by count" grep -q \
    "bomb.json.*more than" "$IT_TMP/ingest.err"
check "ingest: 6 files, 1 inserted, 5 failed" grep -q \
    "6 files: 1 inserted, 0 updated, 0 unchanged, 0 stale, 0 superseded, 5 failed" \
    "$IT_TMP/ingest.out"
rss=$(tail -n 1 "$IT_TMP/rss")
check_equal "ingest of the 63 MiB node bomb: peak RSS ${rss} KiB < 256 MiB" \
    "$((rss < 256 * 1024))" 1
check_equal "only the good document is stored" "$(it_rows "$t" "")" 1

# A genuine newer version still supersedes the stored one.
printf '{"id":"EC-H-1","modified":"2025-01-01T00:00:00Z","summary":"v2"}\n' \
    >"$IT_TMP/good-v2.json"
check "a genuine newer version is taken" "$EC_BIN" ingest --tenant "$t" \
    "$IT_TMP/good-v2.json"
check_equal "the stored version is the newer one" "$(it_rows "$t" \
    "WHERE upstream_id = 'EC-H-1' AND
        modified_at = '2025-01-01T00:00:00Z'")" 1
check "the tenant still builds" "$EC_BIN" build --profile json:raw \
    --tenant "$t" --out "$IT_TMP/out"
check "and its bundle verifies" "$EC_BIN" verify "$(it_bundle "$IT_TMP/out")"
it_done
