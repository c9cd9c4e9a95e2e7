#!/bin/bash
# Two ingests of overlapping sets at once end in the same table as a
# serial run (either order), with no deadlock or error shown.  The sets
# are larger than one batch, share 3,000 ids with different versions on
# each side, and carry duplicates inside each set (superseded).
. "$(dirname "$0")/../lib/it.sh"

gen() { # DIR FIRST LAST SALT
	/usr/bin/python3 - "$@" <<'PY'
import json, os, sys
d, first, last, salt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.makedirs(d, exist_ok=True)
for i in range(first, last + 1):
    # Each side is newer for a different half of the shared ids, and
    # some pairs tie on time so the digest decides.
    year = 2020 + (i + len(salt)) % 3
    doc = {"id": "IT-CONC-%05d" % i, "modified": "%d-01-01T00:00:00Z" % year,
           "summary": "%s %d" % (salt, i)}
    with open(os.path.join(d, "%05d.json" % i), "w") as f:
        json.dump(doc, f)
    if i % 500 == 0:
        doc["summary"] += " duplicate"
        with open(os.path.join(d, "%05d-dup.json" % i), "w") as f:
            json.dump(doc, f)
PY
}
gen "$IT_TMP/x" 1 5000 left
gen "$IT_TMP/y" 2001 7000 right-side
# The same ids as x, other versions: batches of both runs overlap wholly,
# so locks are taken on the same rows at the same time.
gen "$IT_TMP/z" 1 5000 same-ids

table() {
	it_psql -c "BEGIN; SELECT set_config('app.tenant', '$1', true);" \
	    -c "SELECT kind, upstream_id, source, sha256, modified_at
	        FROM evidence ORDER BY kind, upstream_id, source; COMMIT;" |
	    sed 1d
}

s1=$(it_tenant serial-xy)
s2=$(it_tenant serial-yx)
"$EC_BIN" ingest --tenant "$s1" "$IT_TMP/x" >/dev/null &&
    "$EC_BIN" ingest --tenant "$s1" "$IT_TMP/y" >/dev/null
"$EC_BIN" ingest --tenant "$s2" "$IT_TMP/y" >/dev/null &&
    "$EC_BIN" ingest --tenant "$s2" "$IT_TMP/x" >/dev/null
table "$s1" >"$IT_TMP/s1"
table "$s2" >"$IT_TMP/s2"
check_equal "serial runs in either order agree" \
    "$(cmp -s "$IT_TMP/s1" "$IT_TMP/s2" && echo same)" same
check_equal "7000 distinct documents" "$(wc -l <"$IT_TMP/s1")" 7000

for round in 1 2 3; do
	c=$(it_tenant "concurrent-$round")
	"$EC_BIN" --json ingest --tenant "$c" "$IT_TMP/x" \
	    >"$IT_TMP/cx.json" 2>"$IT_TMP/cx.err" &
	px=$!
	"$EC_BIN" --json ingest --tenant "$c" "$IT_TMP/y" \
	    >"$IT_TMP/cy.json" 2>"$IT_TMP/cy.err" &
	py=$!
	wait "$px"; rx=$?
	wait "$py"; ry=$?
	check_equal "round $round: both concurrent ingests exit 0" "$rx $ry" "0 0"
	check_equal "round $round: nothing on stderr (no deadlock shown)" \
	    "$(cat "$IT_TMP/cx.err" "$IT_TMP/cy.err")" ""
	table "$c" >"$IT_TMP/c"
	check_equal "round $round: the same table as the serial run" \
	    "$(cmp -s "$IT_TMP/s1" "$IT_TMP/c" && echo same)" same
	check_equal "round $round: each run accounts for all its files" \
	    "$(jq '[.status[]] | add' "$IT_TMP/cx.json") $(jq '[.status[]] |
	    add' "$IT_TMP/cy.json")" "5010 5010"
done

z1=$(it_tenant serial-xz)
"$EC_BIN" ingest --tenant "$z1" "$IT_TMP/x" >/dev/null &&
    "$EC_BIN" ingest --tenant "$z1" "$IT_TMP/z" >/dev/null
table "$z1" >"$IT_TMP/z1"
for round in 1 2 3; do
	c=$(it_tenant "same-$round")
	"$EC_BIN" ingest --tenant "$c" "$IT_TMP/x" >/dev/null 2>"$IT_TMP/cx.err" &
	px=$!
	"$EC_BIN" ingest --tenant "$c" "$IT_TMP/z" >/dev/null 2>"$IT_TMP/cz.err" &
	pz=$!
	wait "$px"; rx=$?
	wait "$pz"; rz=$?
	check_equal "same ids, round $round: both exit 0, nothing on stderr" \
	    "$rx $rz $(cat "$IT_TMP/cx.err" "$IT_TMP/cz.err")" "0 0 "
	table "$c" >"$IT_TMP/c"
	check_equal "same ids, round $round: the same table as the serial run" \
	    "$(cmp -s "$IT_TMP/z1" "$IT_TMP/c" && echo same)" same
done

# Counts do not depend on batch boundaries: one run of both sets counts
# every shared id once as the store's outcome, once as superseded.
o=$(it_tenant one-run)
"$EC_BIN" --json ingest --tenant "$o" "$IT_TMP/x" "$IT_TMP/y" \
    >"$IT_TMP/one.json"
check_equal "one run: 7000 stored, 3020 superseded (3000 shared + 20 dups)" \
    "$(jq '"\(.status.inserted) \(.status.superseded)"' -r \
    "$IT_TMP/one.json")" "7000 3020"
table "$o" >"$IT_TMP/o"
check_equal "one run: the same table as the serial runs" \
    "$(cmp -s "$IT_TMP/s1" "$IT_TMP/o" && echo same)" same
"$EC_BIN" --json ingest --tenant "$o" "$IT_TMP/y" "$IT_TMP/x" \
    >"$IT_TMP/again.json"
check_equal "re-ingest in the other order: 7000 unchanged, 3020 superseded" \
    "$(jq '"\(.status.unchanged) \(.status.superseded) \(.status.stale)"' \
    -r "$IT_TMP/again.json")" "7000 3020 0"
it_done
