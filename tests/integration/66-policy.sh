#!/bin/bash
# json:policy: findings of the fixture SBOMs against the fixture advisories,
# VEX applied (CSAF, OpenVEX, CycloneDX each suppressing a real finding, an
# under_investigation statement that does not), decided by the example
# policy; byte-identical rebuilds, offline verify, replay from the bundle
# alone, and tampered bundles (a decision, the policy, an input) refused.
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
fx=$EC_ROOT/tests/fixtures
data=$EC_ROOT/tests/data
"$EC_BIN" ingest --tenant "$t" "$fx" "$data/policy/osv" "$data/vex" \
    >/dev/null
check "the example policy is ingested as kind policy" sh -c \
    '"$1" --json ingest --tenant "$2" "$3" | jq -e ".kinds.policy == 1"' \
    _ "$EC_BIN" "$t" "$data/policy/example.json"
check_equal "the store holds it as a policy" \
    "$(it_rows "$t" "WHERE kind = 'policy' AND format = 'policy'")" 1

for run in 1 2; do
	mkdir -p "$IT_TMP/b$run"
	check "build $run" "$EC_BIN" build --profile json:policy --tenant "$t" \
	    --out "$IT_TMP/b$run"
done
b=$(it_bundle "$IT_TMP/b1")
check "two builds are byte-identical" cmp "$b" "$(it_bundle "$IT_TMP/b2")"
check "exportctl verify" "$EC_BIN" verify "$b"
check "exportctl policy replay" "$EC_BIN" policy replay "$b"

x=$IT_TMP/x
mkdir -p "$x"
tar -C "$x" --zstd -xf "$b"
ev=$x/data/policy/evaluations.ndjson
check "replay of the unpacked directory" "$EC_BIN" policy replay "$x"
check_equal "policyVersion is the SHA-256 of the policy snapshot" \
    "$(jq -r .summary.policyVersion "$x/manifest.json")" \
    "$(sha256sum <"$x/data/policy/snapshot.json" | cut -d' ' -f1)"
check_equal "inputsHash is the SHA-256 of inputs.tsv" \
    "$(jq -r .inputsHash "$x/manifest.json")" \
    "$(sha256sum <"$x/data/policy/inputs.tsv" | cut -d' ' -f1)"
check_equal "every stored document is an input" \
    "$(wc -l <"$x/data/policy/inputs.tsv")" "$(it_rows "$t" "")"
check "evaluations are canonical and sorted by (SBOM, component, vuln)" \
    /usr/bin/python3 -c '
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines
for l in lines:
    assert json.dumps(json.loads(l), sort_keys=True, separators=(",", ":"),
        ensure_ascii=False) == l, l
' "$ev"

# Some line of NDJSON file $1 passes the jq filter $2 (further args: jq's).
some() {
	local f=$1 q=$2; shift 2
	jq -e -s "$@" "map($q) | any" "$f" >/dev/null
}
# One finding per VEX format, each decided by its statement.
vexcheck() {
	some "$1" '.component.purl == $p and .vulnerability == $v and
	    .status == $s and .vex.format == $f' --arg p "$2" --arg v "$3" \
	    --arg s "$4" --arg f "$5"
}
check "OpenVEX not_affected suppresses minimist x GHSA-xvch-5gv4-984h" \
    vexcheck "$ev" "pkg:npm/minimist@0.0.8" GHSA-xvch-5gv4-984h \
    suppressed openvex
check "CSAF known_not_affected suppresses snakeyaml x GHSA-mjmj-j48q-9wg2" \
    vexcheck "$ev" "pkg:maven/org.yaml/snakeyaml@1.23?type=jar" \
    GHSA-mjmj-j48q-9wg2 suppressed csaf
check "CycloneDX not_affected suppresses ws x GHSA-3h5v-q93c-6h6q" \
    vexcheck "$ev" "pkg:npm/ws@6.2.1" GHSA-3h5v-q93c-6h6q suppressed \
    cyclonedx
check "under_investigation keeps jackson-databind x GHSA-rgv9-q543-rqg4" \
    vexcheck "$ev" \
    "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10?type=jar" \
    GHSA-rgv9-q543-rqg4 affected openvex
check "the kept finding is blocked by the rule cvss-high" some "$ev" \
    '.vulnerability == "GHSA-rgv9-q543-rqg4" and .decision == "block" and
    .rule == "cvss-high"'
check "the justification of a suppression is recorded" some "$ev" \
    '.vulnerability == "GHSA-xvch-5gv4-984h" and
    .vex.justification == "vulnerable_code_not_in_execute_path"'
check "components without purl or CPE are reported as unmatched" \
    some "$ev" '.status == "unmatched" and .reason == "no purl or CPE"'
check "the dropwizard SBOM's verdict is block, with counts" jq -e \
    '.summary.sboms[] | select(.sbom.id ==
    "urn:uuid:b4f2954f-a96d-4578-9509-1ae2d6476209") |
    select(.verdict == "block" and .decisions.block == 1 and
    .suppressed == 1 and .severities.high == 2)' "$x/manifest.json"
check "every component is counted in the summary" sh -c '
    [ "$(jq "[.summary.sboms[].components] | add" "$1")" -eq "$(
    jq -s "map((.components // []) + (.packages // []) | length) | add" \
    "$2"/sbom/*/*.json)" ]' _ "$x/manifest.json" "$fx"

# Tampering: unpack, edit one file, repack; replay must name it.
tamper() {
	local name=$1 file=$2 expr=$3 want=$4 y=$IT_TMP/t-$1
	mkdir -p "$y/tree"
	tar -C "$y/tree" --zstd -xf "$b"
	sed -i "$expr" "$y/tree/$file"
	if cmp -s "$y/tree/$file" "$x/$file"; then
		it_fail "tamper $name: the edit changed nothing"
		return
	fi
	(cd "$y/tree" && tar --zstd -cf "$y/bundle.tar.zst" -- *)
	check_fails "an edited $name is detected (exit 3, $want)" 3 "$want" \
	    "$EC_BIN" policy replay "$y/bundle.tar.zst"
}
tamper decision data/policy/evaluations.ndjson \
    '/GHSA-rgv9-q543-rqg4/s/"decision":"block"/"decision":"allow"/' \
    "evaluations.ndjson line"
tamper policy data/policy/snapshot.json 's/"atLeast":7/"atLeast":9/' \
    "snapshot.json"
tamper input data/policy/sboms.ndjson \
    's/"version":"2.9.10"/"version":"2.13.4"/' "sboms.ndjson line"
tamper inputs-list data/policy/inputs.tsv '1d' "inputsHash"
tamper vex data/policy/vex.ndjson 's/not_affected/affected/' \
    "vex.ndjson line"

# A changed policy or input changes policyVersion or inputsHash.
sed 's/"atLeast": 7.0/"atLeast": 9.0/' "$data/policy/example.json" \
    >"$IT_TMP/policy-9.json"
mkdir -p "$IT_TMP/b3"
check "build with --policy FILE" "$EC_BIN" build --profile json:policy \
    --tenant "$t" --policy "$IT_TMP/policy-9.json" --out "$IT_TMP/b3"
b3=$(it_bundle "$IT_TMP/b3")
check "replay of the --policy build" "$EC_BIN" policy replay "$b3"
check "a changed policy changes policyVersion" sh -c \
    '[ "$(tar --zstd -xOf "$1" manifest.json | jq -r .summary.policyVersion)" \
    != "$(jq -r .summary.policyVersion "$2")" ]' _ "$b3" "$x/manifest.json"
tar --zstd -xOf "$b3" data/policy/evaluations.ndjson >"$IT_TMP/ev3"
check "cvss 9 no longer blocks jackson-databind, the rule rest warns" \
    some "$IT_TMP/ev3" '.vulnerability == "GHSA-rgv9-q543-rqg4" and
    .rule == "rest" and .decision == "warn"'
t2=$(it_tenant changed)
"$EC_BIN" ingest --tenant "$t2" "$fx" "$data/policy/osv" \
    "$data/policy/example.json" >/dev/null
mkdir -p "$IT_TMP/b4"
check "build without the written VEX" "$EC_BIN" build --profile json:policy \
    --tenant "$t2" --out "$IT_TMP/b4"
check "replay of a bundle without VEX" "$EC_BIN" policy replay \
    "$(it_bundle "$IT_TMP/b4")"
check "a changed input changes inputsHash" sh -c \
    '[ "$(tar --zstd -xOf "$1" manifest.json | jq -r .inputsHash)" \
    != "$(jq -r .inputsHash "$2")" ]' _ "$(it_bundle "$IT_TMP/b4")" \
    "$x/manifest.json"

# Two stored policies: the build must be told which.
t5=$(it_tenant twopolicies)
sed 's/"name": "example: /"name": "second: /' "$data/policy/example.json" \
    >"$IT_TMP/second.json"
"$EC_BIN" ingest --tenant "$t5" "$fx/sbom" "$data/policy/example.json" \
    "$IT_TMP/second.json" >/dev/null
check_fails "two stored policies and no policy-id: refused" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" build --profile json:policy \
    --tenant "$t5" --out "$IT_TMP/b5"
mkdir -p "$IT_TMP/b5"
id=$(jq -r .name "$IT_TMP/second.json")
check "--param policy-id names one" "$EC_BIN" build --profile json:policy \
    --tenant "$t5" --param "policy-id=$id" --out "$IT_TMP/b5"
check_equal "the bundle holds the policy it named" "$(tar --zstd -xOf \
    "$(it_bundle "$IT_TMP/b5")" data/policy/snapshot.json | jq -r .name)" "$id"

# Bad policies are refused before the run, naming the field; no output.
for c in unknown-kind bad-severity malformed-json unknown-field; do
	d=$data/policy/invalid/$c
	o=$IT_TMP/bad-$c
	check_fails "policy $c: refused with ERR_EXPORT_REQUEST_INVALID" 2 \
	    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" build --profile json:policy \
	    --tenant "$t" --policy "$d/policy.json" --out "$o"
	cp "$IT_TMP/.log" "$IT_TMP/bad.log"
	check "policy $c: the error names $(cat "$d/expect")" \
	    grep -qF "$(cat "$d/expect")" "$IT_TMP/bad.log"
	check "policy $c: nothing written" sh -c '! ls "$1"/* 2>/dev/null' \
	    _ "$o"
done
t4=$(it_tenant badingest)
for c in unknown-kind bad-severity unknown-field; do
	d=$data/policy/invalid/$c
	check_fails "ingest of policy $c: refused" 2 \
	    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" ingest --tenant "$t4" \
	    "$d/policy.json"
	cp "$IT_TMP/.log" "$IT_TMP/bad.log"
	check "ingest of policy $c: the error names $(cat "$d/expect")" \
	    grep -qF "$(cat "$d/expect")" "$IT_TMP/bad.log"
done
check_equal "no refused policy was stored" "$(it_rows "$t4" "")" 0
t3=$(it_tenant nopolicy)
"$EC_BIN" ingest --tenant "$t3" "$fx/sbom" >/dev/null
check_fails "a tenant without a policy is refused" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" build --profile json:policy \
    --tenant "$t3" --out "$IT_TMP/none"
it_done
