#!/bin/bash
# mirror:full runs through the API (nginx, the FastCGI pool, export-cron):
# with distribution {type: oci, ref: R/mirror:7} every artifact of the
# mirror's oci/ layout is pushed to Debian's docker-registry on loopback,
# each under "7-<its ref name>"; the run records one distribution output
# per pushed reference (and distribution_pushed events), GET
# /distributions/{id} lists them all with their digests, skopeo inspect
# reads every pushed tag back with the digest the local layout has, and
# the same run again sends no blob twice (HEAD checks) and gives the same
# digests.  With encryption.enabled (an age kmsKey of the keyring) the
# mirror's targets are stored as .age files that the real age decrypts to
# the unencrypted run's bytes, mirror.encryption.enabled fires, and an
# encrypted mirror asked to be pushed fails with
# ERR_EXPORT_DISTRIBUTION_FAILED.  A mirror:delta run with encryption on
# the plain run stores its payload as .age and fires the event too; a
# delta run whose baseRunId names an encrypted run is refused when
# queued (ERR_EXPORT_REQUEST_INVALID, saying why).
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

for t in docker-registry skopeo jq age; do
	command -v "$t" >/dev/null || { it_fail "$t installed (make deps)"; it_done; }
done
ta=$(it_tenant a)
"$EC_BIN" ingest --tenant "$ta" "$EC_ROOT/tests/fixtures" >/dev/null
"$EC_BIN" keys generate --type ed25519 --out "$IT_TMP/k" >/dev/null

# The pool's configuration with a keyring holding one age key pair (the
# pool stats the files it names, export-cron reads them).
eval "orig_$(declare -f api_conf)"
api_conf() {
	orig_api_conf
	mkdir -p "$run/ring/age"
	chmod 711 "$run/ring" "$run/ring/age"
	"$EC_BIN" keys generate --type age --out "$run/ring/age" >/dev/null
	chmod 644 "$run/ring/age/age-recipients.txt"
	cat >"$run/ring/keyring.json" <<JSON
{"version": 1, "tenants": {"$ta": {"k8s://$ta/age": {
  "recipients": "age/age-recipients.txt",
  "identity": "age/age-identity.txt"}}}}
JSON
	chmod 644 "$run/ring/keyring.json"
	echo "keyring = $run/ring/keyring.json" >>"$run/api.conf"
}
api_start 18960 18961
export EXPORT_CENTER_KEYRING=$run/ring/keyring.json
H=$IT_TMP
R=127.0.0.1:$(it_port 18962)
# Outside $IT_TMP, which it_done removes before the trap could read the
# registry's pid file there.
reg=$(mktemp -d /tmp/ec-mpush-reg.XXXXXX)
trap '"$EC_ROOT/tests/lib/registry.sh" stop "$reg"; rm -rf "$reg"; api_stop' \
    EXIT
"$EC_ROOT/tests/lib/registry.sh" start "$reg" "${R#*:}" ||
    { it_fail "registry starts"; it_done; }

pid="export-profile::$ta::mirror:full"
# mk_run NAME [JSON MEMBERS]: POST a mirror:full run, its id on stdout.
mk_run() {
	api POST /export-center/runs "$ta" -o "$H/$1.c.json" --data-binary \
	    '{"profileId":"'"$pid"'"'"${2-}"'}'
	jq -r .runId "$H/$1.c.json"
}
cron() {
	"$EC_CRON" --once --db "$API_APP" --store "$store" \
	    --registry-insecure-http --key "$H/k/signing.key.pem" \
	    2>>"$run/cron.log"
}
blob() { local h=${1#sha256:}; echo "$store/sha256/${h:0:2}/$h"; }
# out_blob RUN_JSON ID: the store's blob of the output named ID.
out_blob() { blob "$(jq -r --arg id "$2" '.outputs[] | select(.id == $id) |
    .sha256' "$1")"; }
dists() {	# dists RUN_JSON: "ref digest" of each distribution output
	jq -r '.outputs[] | select(.type == "distribution") |
	    .id + " " + .sha256' "$1" | LC_ALL=C sort
}

oci=',"distribution":{"type":"oci","ref":"'"$R"'/mirror:7"}'
id1=$(mk_run p1 "$oci")
cron
api_wait "$ta" "$id1" succeeded
cp "$H/run.json" "$H/p1.json"
idx=$(out_blob "$H/p1.json" oci/index.json)
jq -r --arg r "$R/mirror:7-" '.manifests[] | $r +
    .annotations["org.opencontainers.image.ref.name"] + " " + .digest' \
    "$idx" | LC_ALL=C sort >"$H/want"
check "the mirror's layout holds several artifacts ($(wc -l <"$H/want"))" \
    test "$(wc -l <"$H/want")" -ge 4
check "one distribution output per artifact: tag 7-<ref name>, its digest" \
    sh -c 'cmp "$1" "$2"' _ "$H/want" <(dists "$H/p1.json")
dists "$H/p1.json" | cmp -s - "$H/want" ||
    { echo "# got:"; dists "$H/p1.json" | sed 's/^/#   /'; }
check "the json:raw bundle, the Trivy DBs and their provenance are among them" \
    sh -c 'grep -q "mirror:7-json-raw " "$1" && grep -q "mirror:7-trivy-db " \
    "$1" && grep -q "mirror:7-trivy-java-db.provenance " "$1"' _ "$H/want"
check_equal "a distribution_pushed event per artifact" \
    "$(it_as "$ta" "SELECT count(*) FROM run_events WHERE run_id = '$id1'
    AND type = 'distribution_pushed'")" "$(wc -l <"$H/want")"

# Every tag as the registry serves it (skopeo 1.9 inspects artifacts raw).
while read -r ref digest; do
	skopeo inspect --raw --tls-verify=false "docker://$ref" \
	    >"$H/m.json" 2>"$H/err"
	check_equal "skopeo inspect $ref: the recorded digest" \
	    "sha256:$(sha256sum <"$H/m.json" | cut -d' ' -f1)" "$digest"
done <"$H/want"
check "skopeo inspect: the json-raw artifact's layer is the bundle" sh -c \
    'skopeo inspect --raw --tls-verify=false "docker://$1/mirror:7-json-raw" |
    jq -e ".layers[0].mediaType | endswith(\"tar+zstd\")"' _ "$R"

# The run's one distribution names every pushed reference.
api GET "$(jq -r .links.distribution "$H/p1.json")" "$ta" -D "$H/d1.head" \
    -o "$H/d1.json"
check_equal "GET /distributions/{id}: 200" "$(api_status d1)" 200
check_equal "distribution: type oci, oci.pushed = every reference and digest" \
    "$(jq -r '.type, (.oci.pushed[] | .ref + " " + .digest)' "$H/d1.json" |
    { read -r ty; echo "$ty"; LC_ALL=C sort; })" "$(echo oci; cat "$H/want")"
check "distribution: oci names the json-raw push, urls name ref@digest" \
    jq -e --arg r "$R/mirror:7-json-raw" '.oci.ref == $r and
    all(.oci.pushed[]; .url == "oci://" + .ref + "@" + .digest)' "$H/d1.json"
api_record get "/export-center/distributions/{distributionId}" 200 \
    "$H/d1.json"

# The same run again: the same digests, and no artifact blob sent twice
# (HEAD checks).  What is new is the run's own signed provenance (its run
# id is in it), attached to each artifact: one blob, sent once.
lines=$(wc -l <"$reg/registry.log")
id2=$(mk_run p2 "$oci")
cron
api_wait "$ta" "$id2" succeeded
check "the second run pushed the same digests" sh -c \
    'cmp "$1" "$2"' _ "$H/want" <(dists "$H/run.json")
env=$(jq -r '.outputs[] | select(.id == "provenance.dsse.json") |
    .sha256[7:]' "$H/run.json")
tail -n +$((lines + 1)) "$reg/registry.log" |
    grep -E '"PUT /v2/[^ ]*/blobs/' >"$H/puts" || true
check_equal "the second run uploaded one blob, its provenance envelope" \
    "$(wc -l <"$H/puts") $(grep -c "$env" "$H/puts")" "1 1"

# Encrypted mirror runs: served files as .age, the audit event, no push.
enc=',"encryption":{"enabled":true,"kmsKey":"k8s://'"$ta"'/age"}'
id3=$(mk_run e1 "$enc")
id4=$(mk_run e2 "$enc$oci")
cron
api_wait "$ta" "$id3" succeeded
cp "$H/run.json" "$H/e1.json"
check "encrypted run: export.json is stored only as export.json.age" jq -e \
    '[.outputs[].id] | index("export.json.age") != null and
    index("export.json") == null' "$H/e1.json"
check "encrypted run: the real age decrypts it to the plain run's bytes" \
    sh -c 'age -d -i "$1" "$2" | cmp - "$3"' _ \
    "$run/ring/age/age-identity.txt" "$(out_blob "$H/e1.json" \
    export.json.age)" "$(out_blob "$H/p1.json" export.json)"
check_equal "encrypted run: mirror.encryption.enabled with its recipients" \
    "$(it_as "$ta" "SELECT payload->>'recipients' FROM run_events
    WHERE run_id = '$id3' AND type = 'mirror.encryption.enabled'")" 1
api_wait "$ta" "$id4" failed
check "encrypted and pushed: ERR_EXPORT_DISTRIBUTION_FAILED, says why" jq -e \
    '.errors[0].code == "ERR_EXPORT_DISTRIBUTION_FAILED" and
    (.errors[0].message | test("encrypted"))' "$H/run.json"

# Encrypted delta runs: on a plain base a delta run with encryption builds,
# its payload stored as .age only; a delta run on an encrypted base is
# refused when queued (the store holds that run's .age files only, and
# export-cron no identity to rebuild its plaintext tree).
did="export-profile::$ta::mirror:delta"
api POST /export-center/runs "$ta" -o "$H/d5.c.json" --data-binary \
    '{"profileId":"'"$did"'","baseRunId":"'"$id1"'"'"$enc"'}'
id5=$(jq -r .runId "$H/d5.c.json")
cron
api_wait "$ta" "$id5" succeeded
cp "$H/run.json" "$H/d5.json"
check "encrypted delta run: the payload is stored as .age files only" jq -e \
    '[.outputs[].id | select(startswith("files/") or
    startswith("patches.pack"))] | length > 0 and all(endswith(".age"))' \
    "$H/d5.json"
check "encrypted delta run: manifest.diff.json stays plain" jq -e \
    '[.outputs[].id] | index("manifest.diff.json") != null' "$H/d5.json"
check_equal "encrypted delta run: mirror.encryption.enabled" \
    "$(it_as "$ta" "SELECT payload->>'recipients' FROM run_events
    WHERE run_id = '$id5' AND type = 'mirror.encryption.enabled'")" 1
api POST /export-center/runs "$ta" -D "$H/d6.head" -o "$H/d6.body" \
    --data-binary '{"profileId":"'"$did"'","baseRunId":"'"$id3"'"}'
check_equal "a delta run on an encrypted base: 400" "$(api_status d6)" 400
check "  ... ERR_EXPORT_REQUEST_INVALID, saying why" jq -e \
    '.code == "ERR_EXPORT_REQUEST_INVALID" and
    (.message | test("baseRunId.*encrypted"))' "$H/d6.body"
check_equal "  ... and no run is queued" "$(it_as "$ta" "SELECT count(*)
    FROM runs WHERE request -> 'options' ->> 'baseRunId' = '$id3'")" 0
api_openapi_check
it_done
