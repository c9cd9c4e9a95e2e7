#!/bin/bash
# Bad input as data: every tests/data/invalid/<case>/args is an exportctl
# command line whose expect file names the exit status and error code,
# and optionally ("message ...", the rest of the line) text the error
# must hold.  @FIFO@ is a FIFO with no writer, which must be refused, not
# waited on; @DATA@ is tests/data (hostile bundles in tests/data/hostile).  Whatever the case, nothing may be left in the output
# directory or the staging area.
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures/vex" >/dev/null
printf 'not a key, not a bundle\n' >"$IT_TMP/notkey.pem"
mkfifo "$IT_TMP/fifo"
staging=$IT_TMP/staging
mkdir -p "$staging"
export TMPDIR=$staging

for c in "$EC_ROOT"/tests/data/invalid/*/; do
	name=$(basename "$c")
	out=$IT_TMP/out-$name
	mkdir -p "$out"
	args=$(sed -e "s|@TENANT@|$t|g" -e "s|@OUT@|$out|g" \
	    -e "s|@NOTKEY@|$IT_TMP/notkey.pem|g" -e "s|@FIFO@|$IT_TMP/fifo|g" \
	    -e "s|@DATA@|$EC_ROOT/tests/data|g" "$c/args")
	want_exit=$(awk '$1 == "exit" {print $2}' "$c/expect")
	want_code=$(awk '$1 == "code" {print $2}' "$c/expect")
	want_msg=$(sed -n 's/^message //p' "$c/expect")
	eval "set -- $args"
	check_fails "$name: exit $want_exit, $want_code" "$want_exit" \
	    "$want_code" timeout 20 "$EC_BIN" "$@"
	cp "$IT_TMP/.log" "$IT_TMP/.err"
	check_equal "$name: one line on stderr" \
	    "$(grep -c . "$IT_TMP/.err" | awk '{print ($1 >= 1)}')" 1
	[ -z "$want_msg" ] || check "$name: the error says: $want_msg" \
	    grep -qF -- "$want_msg" "$IT_TMP/.err"
	check_equal "$name: nothing left in the output directory" \
	    "$(ls -A "$out" | wc -l)" 0
	check_equal "$name: nothing left in staging" \
	    "$(ls -A "$staging" | wc -l)" 0
done

# More than 1000 outputs: 1001 distinct SBOMs, each its own file in json.
big=$(it_tenant sboms)
mkdir -p "$IT_TMP/sboms"
for i in $(seq 1001); do
	printf '{"bomFormat":"CycloneDX","specVersion":"1.4","serialNumber":"urn:uuid:00000000-0000-4000-8000-%012d","version":1,"components":[]}' \
	    "$i" >"$IT_TMP/sboms/$i.json"
done
"$EC_BIN" ingest --tenant "$big" "$IT_TMP/sboms" >/dev/null
mkdir -p "$IT_TMP/out-1001"
check_fails "1001 outputs: ERR_EXPORT_TOO_LARGE" 2 ERR_EXPORT_TOO_LARGE \
    "$EC_BIN" build --profile json:raw --tenant "$big" --out "$IT_TMP/out-1001"
check_equal "1001 outputs: nothing written" "$(ls -A "$IT_TMP/out-1001" |
    wc -l)" 0
check_equal "1001 outputs: nothing in staging" "$(ls -A "$staging" | wc -l)" 0
it_psql -c "BEGIN; SELECT set_config('app.tenant', '$big', true);" \
    -c "DELETE FROM evidence WHERE upstream_id LIKE '%000000001001'; COMMIT;" \
    >/dev/null
check "1000 outputs: just at the limit, builds" "$EC_BIN" build \
    --profile json:raw --tenant "$big" --targets sbom --out "$IT_TMP/out-1001"
check "the same SBOMs as ndjson are one output" "$EC_BIN" build \
    --profile json:raw --tenant "$big" --formats ndjson \
    --out "$IT_TMP/out-1001"
it_done
