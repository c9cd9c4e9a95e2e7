#!/bin/bash
# OCI distribution of a run: exportctl run create --profile trivy:db
# --distribution oci:REF, export-cron --once builds it and pushes the
# output's oci/ layout to Debian's docker-registry on loopback (ports
# 18520-18529), the provenance attached as a referrer tagged
# sha256-<hex>.att.  Read back with skopeo: the digest the run records is
# the registry's and the local layout's, the layer is the build's
# db.tar.gz byte for byte.  The same request again uploads no blob (the
# registry's log); basic auth from --registry-creds over TLS verified with
# --registry-ca; a proxy failing twice (retried, pushed); a registry that
# refuses, always fails or is down fails the run with
# ERR_EXPORT_DISTRIBUTION_FAILED and the registry's text, nothing recorded
# as pushed; trivy:java-db pushed too; profiles without an OCI artifact
# and unknown distribution types are refused at create.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"

for t in docker-registry skopeo htpasswd jq openssl; do
	command -v "$t" >/dev/null ||
	    { it_fail "$t installed (make deps)"; exit 1; }
done
d=$IT_TMP
reg=$EC_ROOT/tests/lib/registry.sh
PLAIN=$(it_port 18520) AUTH=$(it_port 18521) FLAKY=$(it_port 18522) BROKEN=$(it_port 18523) DOWN=$(it_port 18529)
proxies=
cleanup() {
	for p in $proxies; do kill "$p" 2>/dev/null; done
	"$reg" stop "$d/plain"
	"$reg" stop "$d/auth"
}
# Before it_done, which removes the directories the pid files are in.
trap cleanup EXIT

a=$(it_tenant a)
"$EC_BIN" ingest --tenant "$a" "$EC_ROOT/tests/fixtures" >/dev/null
"$EC_BIN" keys generate --type ed25519 --out "$d/k" >/dev/null
"$reg" start "$d/plain" $PLAIN || { it_fail "registry starts"; exit 1; }
R=127.0.0.1:$PLAIN
cron() {
	"$EC_CRON" --once --store "$EC_STORE" --registry-insecure-http "$@" \
	    2>>"$d/cron.log"
}
# dist_run SHOW_JSON PROFILE REF CRON ARGS...: queue a run of PROFILE
# pushed to REF, build it with CRON (cron, or the TLS one), show it.
dist_run() {
	local out=$1 prof=$2 ref=$3 id
	shift 3
	id=$("$EC_BIN" run create --tenant "$a" --profile "$prof" \
	    --distribution "oci:$ref")
	"$@"
	"$EC_BIN" --json run show "$id" --tenant "$a" >"$out"
}
# status_code SHOW_JSON: "status code-of-the-first-error".
status_code() { jq -r '.status + " " + (.errors[0].code // "")' "$1"; }
# pushed SHOW_JSON: "status sha256-of-the-distribution-output".
pushed() {
	jq -r '.status + " " + ([.outputs[] | select(.type == "distribution") |
	    .sha256] | join(","))' "$1"
}
# out_url SHOW_JSON ID: the store path of the output named ID.
out_url() { jq -r --arg id "$2" '.outputs[] | select(.id == $id) | .url' "$1"; }
uploads() { grep -cE '"(POST|PATCH|PUT) /v2/[^ ]*/blobs/' "$1/registry.log"; }
events() {
	it_as "$a" "SELECT string_agg(type, ',' ORDER BY id) FROM run_events
	    WHERE run_id = '$1'"
}

# 1. A signed trivy:db run pushed to the registry.
id=$("$EC_BIN" run create --tenant "$a" --profile trivy:db \
    --distribution "oci:$R/trivy-db:2")
check_equal "the stored request carries the distribution" \
    "$(it_as "$a" "SELECT request->'distribution' FROM runs WHERE id = '$id'")" \
    "{\"ref\": \"$R/trivy-db:2\", \"type\": \"oci\"}"
check "export-cron builds and pushes" cron --key "$d/k/signing.key.pem"
"$EC_BIN" --json run wait "$id" --tenant "$a" --timeout 60 >"$d/show.json"
check_equal "run succeeded" "$(jq -r .status "$d/show.json")" succeeded
dist=$(jq -c '[.outputs[] | select(.type == "distribution")]' "$d/show.json")
check_equal "one distribution output, for the ref pushed" \
    "$(echo "$dist" | jq -r '[.[] | .id + " " + .format] | join(",")')" \
    "$R/trivy-db:2 oci"
digest=$(echo "$dist" | jq -r '.[0].sha256')
check_equal "its url names the ref and the manifest digest" \
    "$(echo "$dist" | jq -r '.[0].url')" "oci://$R/trivy-db:2@$digest"
idx=$EC_STORE/$(out_url "$d/show.json" oci/index.json)
check_equal "recorded digest = the local oci/ manifest digest" \
    "$(jq -r '.manifests[0].digest' "$idx")" "$digest"
check "the manifest blob is in the store under that digest" \
    test -f "$EC_STORE/sha256/${digest:7:2}/${digest#sha256:}"
# skopeo 1.9 inspects artifacts only raw ("unsupported image-specific
# operation" otherwise): the manifest as the registry serves it.
skopeo inspect --raw --tls-verify=false "docker://$R/trivy-db:2" \
    >"$d/manifest.json" 2>"$d/err"
check_equal "skopeo inspect: the registry's manifest digest is the recorded one" \
    "$(sha256sum <"$d/manifest.json" | sed 's/^/sha256:/; s/ .*//')" "$digest"
check_equal "skopeo inspect: the Trivy DB layer media type" \
    "$(jq -r '.layers[0].mediaType' "$d/manifest.json")" \
    application/vnd.aquasec.trivy.db.layer.v1.tar+gzip
check "skopeo copy to an OCI layout" skopeo copy --src-tls-verify=false \
    "docker://$R/trivy-db:2" "oci:$d/copy:2"
check_equal "the copy's manifest digest is the recorded one" \
    "$(jq -r '.manifests[0].digest' "$d/copy/index.json")" "$digest"
layer=$(jq -r '.layers[0].digest' "$d/manifest.json")
check "skopeo copy: the layer is the build's db.tar.gz byte for byte" \
    cmp "$d/copy/blobs/sha256/${layer#sha256:}" \
    "$EC_STORE/$(out_url "$d/show.json" db.tar.gz)"
att=$(skopeo inspect --raw --tls-verify=false \
    "docker://$R/trivy-db:sha256-${digest#sha256:}.att" 2>"$d/err")
check_equal "signed: the .att tag's subject is the pushed manifest" \
    "$(echo "$att" | jq -r .subject.digest)" "$digest"
check_equal "the attachment is the build's provenance.dsse.json" \
    "$(echo "$att" | jq -r '.layers[0].digest')" \
    "sha256:$(basename "$(out_url "$d/show.json" provenance.dsse.json)")"
check_equal "events: the contract's, with distribution_pushed" \
    "$(events "$id" | tr , '\n' | grep -vx artifact_ready | uniq |
    tr '\n' ,)" "started,progress,distribution_pushed,completed,"
check_equal "distribution_pushed names the ref and digest" \
    "$(it_as "$a" "SELECT payload->>'ref' || ' ' || (payload->>'digest')
    || ' ' || (payload->>'attachment' IS NOT NULL) FROM run_events
    WHERE run_id = '$id' AND type = 'distribution_pushed'")" \
    "$R/trivy-db:2 $digest true"
check "export-cron logged the push" grep -q \
    "run=$id .*event=pushed ref=$R/trivy-db:2 digest=$digest" "$d/cron.log"

# 2. The same request again: the same bytes, no blob sent twice.
before=$(uploads "$d/plain")
id2=$("$EC_BIN" run create --tenant "$a" --profile trivy:db \
    --distribution "oci:$R/trivy-db:2")
check "the second run builds and pushes (unsigned)" cron
check_equal "second run succeeded with the same digest" \
    "$("$EC_BIN" --json run show "$id2" --tenant "$a" | jq -r \
    '.status + " " + (.outputs[] | select(.type == "distribution") | .sha256)')" \
    "succeeded $digest"
check_equal "no blob uploaded the second time (HEAD checks)" \
    "$(uploads "$d/plain")" "$before"

# 3. Basic auth from --registry-creds over TLS checked with --registry-ca
# (a CA made here), and the registry's refusal.
"$reg" ca "$d" || it_fail "a CA and a server certificate"
htpasswd -Bbn pusher s3cret >"$d/htpasswd" 2>/dev/null
"$reg" start "$d/auth" $AUTH htpasswd "$d/htpasswd" tls "$d/srv.pem" \
    "$d/srv.key" || it_fail "TLS registry with auth starts"
A=127.0.0.1:$AUTH
printf '{"auths":{"%s":{"auth":"%s"}}}' "$A" \
    "$(printf pusher:s3cret | base64 -w0)" >"$d/config.json"
printf '{"auths":{"%s":{"username":"pusher","password":"wrong"}}}' "$A" \
    >"$d/wrong.json"
cron_tls() {
	"$EC_CRON" --once --store "$EC_STORE" --registry-ca "$d/ca.pem" "$@" \
	    2>>"$d/cron.log"
}
dist_run "$d/show3.json" trivy:db "$A/trivy-db:2" cron_tls \
    --registry-creds "$d/wrong.json"
check_equal "wrong password: run failed, ERR_EXPORT_DISTRIBUTION_FAILED" \
    "$(status_code "$d/show3.json")" "failed ERR_EXPORT_DISTRIBUTION_FAILED"
check "the registry's own text is in the run's error" grep -q \
    'registry answered 401: UNAUTHORIZED' \
    <(jq -r '.errors[0].message' "$d/show3.json")
check_equal "nothing recorded as pushed, no outputs" \
    "$(jq -r '.outputs | length' "$d/show3.json") $(events \
    "$(jq -r .runId "$d/show3.json")" | tr , '\n' | uniq | paste -sd,)" \
    "0 started,progress,failed"
dist_run "$d/show4.json" trivy:db "$A/trivy-db:2" cron_tls \
    --registry-creds "$d/config.json"
check_equal "right credentials over TLS: succeeded, same digest" \
    "$(pushed "$d/show4.json")" "succeeded $digest"
dist_run "$d/show4b.json" trivy:db "$A/other:2" cron \
    --registry-creds "$d/config.json"
check_equal "plain HTTP to a TLS registry: failed" \
    "$(status_code "$d/show4b.json")" "failed ERR_EXPORT_DISTRIBUTION_FAILED"
cron_system_cas() {
	"$EC_CRON" --once --store "$EC_STORE" "$@" 2>>"$d/cron.log"
}
dist_run "$d/show4c.json" trivy:db "$A/other:2" cron_system_cas \
    --registry-creds "$d/config.json"
check_equal "the system CAs only: TLS verification fails the run" \
    "$(status_code "$d/show4c.json")" "failed ERR_EXPORT_DISTRIBUTION_FAILED"
check "the cause is the certificate" grep -qi 'certificate\|TLS\|SSL' \
    <(jq -r '.errors[0].message' "$d/show4c.json")

# 4. Retries, a registry that always fails, one that is down.
/usr/bin/python3 "$EC_ROOT/tests/tools/flaky_proxy.py" $FLAKY $PLAIN PUT \
    '/manifests/' 2 500 2>"$d/flaky.log" &
proxies="$proxies $!"
/usr/bin/python3 "$EC_ROOT/tests/tools/flaky_proxy.py" $BROKEN $PLAIN PUT \
    '/manifests/' 1000000 503 2>"$d/broken.log" &
proxies="$proxies $!"
for p in $FLAKY $BROKEN; do
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$p/" || [ $i -gt 50 ]; do
		i=$((i + 1)); sleep 0.1
	done
done
dist_run "$d/show6.json" trivy:db "127.0.0.1:$FLAKY/flaky/db:2" cron
check_equal "500 twice, then pushed: succeeded, same digest" \
    "$(pushed "$d/show6.json")" "succeeded $digest"
check_equal "the proxy failed two manifest PUTs" \
    "$(grep -c '^failed PUT' "$d/flaky.log")" 2
dist_run "$d/show7.json" trivy:db "127.0.0.1:$BROKEN/broken/db:2" cron
check_equal "always 503: run failed, ERR_EXPORT_DISTRIBUTION_FAILED" \
    "$(status_code "$d/show7.json")" "failed ERR_EXPORT_DISTRIBUTION_FAILED"
check "always 503: the registry's text is in the run's error" grep -q \
    'registry answered 503: UNKNOWN: flaky proxy: injected 503' \
    <(jq -r '.errors[0].message' "$d/show7.json")
check_fails "always 503: the tag was never made" 1 - skopeo inspect --raw \
    --tls-verify=false "docker://$R/broken/db:2"
dist_run "$d/show5.json" trivy:db "127.0.0.1:$DOWN/trivy-db:2" cron
check_equal "registry down: run failed, ERR_EXPORT_DISTRIBUTION_FAILED" \
    "$(status_code "$d/show5.json")" "failed ERR_EXPORT_DISTRIBUTION_FAILED"
check_equal "registry down: nothing recorded as pushed" \
    "$(jq -r '.outputs | length' "$d/show5.json")" 0

# 5. trivy:java-db has an OCI artifact too.
dist_run "$d/show8.json" trivy:java-db "$R/trivy-java-db:1" cron
jdigest=$(jq -r '.outputs[] | select(.type == "distribution") | .sha256' \
    "$d/show8.json")
check_equal "trivy:java-db pushed: the java-db layer media type" \
    "$(skopeo inspect --raw --tls-verify=false \
    "docker://$R/trivy-java-db:1" | jq -r '.layers[0].mediaType')" \
    application/vnd.aquasec.trivy.javadb.layer.v1.tar+gzip
check_equal "trivy:java-db: the registry's digest is the recorded one" \
    "$(skopeo inspect --raw --tls-verify=false "docker://$R/trivy-java-db:1" |
    sha256sum | sed 's/^/sha256:/; s/ .*//')" "$jdigest"

# 6. Refused at create, nothing queued.
n=$(it_as "$a" "SELECT count(*) FROM runs")
check_fails "json:raw has no OCI artifact" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" run create --tenant "$a" --profile json:raw \
    --distribution "oci:$R/raw:1"
cp "$IT_TMP/.log" "$d/refused"
check "the refusal names the profile" \
    grep -q "profile json:raw has no OCI artifact" "$d/refused"
check_fails "an unknown distribution type" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" run create --tenant "$a" --profile trivy:db \
    --distribution "s3:bucket/x"
cp "$IT_TMP/.log" "$d/refused"
check "the refusal names the field" grep -q "distribution.type" "$d/refused"
check_fails "a bad ref" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" run create --tenant "$a" --profile trivy:db \
    --distribution "oci:$R/UPPER/x"
check_equal "nothing was queued by the refusals" \
    "$(it_as "$a" "SELECT count(*) FROM runs")" "$n"

cleanup
trap - EXIT
it_done
