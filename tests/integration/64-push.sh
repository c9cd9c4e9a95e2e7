#!/bin/bash
# exportctl push against Debian's docker-registry (the distribution registry
# v2) on loopback ports 18500-18519, read back with skopeo: a Trivy-shaped
# OCI artifact written here by hand (sha256sum), an image made by umoci and
# a layout skopeo copied out of the registry.  Blobs the repository has are
# never sent again (the registry's own access log), chunked uploads and
# cross-repository mounts show in that log too, a DSSE envelope rides along
# as a referrer tagged sha256-<hex>.att.  Basic auth over TLS (htpasswd,
# a throwaway CA); a proxy in front of the registry that fails twice, then
# passes (retries), or always fails (ERR_EXPORT_DISTRIBUTION_FAILED with
# the registry's text); wrong credentials; a registry that is down; bearer
# tokens from a token server, also for a mount across repositories.
. "$(dirname "$0")/../lib/it.sh"

for t in docker-registry skopeo umoci htpasswd openssl; do
	command -v "$t" >/dev/null ||
	    { it_fail "$t installed (make deps)"; exit 1; }
done
d=$IT_TMP
reg=$EC_ROOT/tests/lib/registry.sh
PLAIN=$(it_port 18500) TLS=$(it_port 18501) FLAKY=$(it_port 18502) BROKEN=$(it_port 18503) SLOW=$(it_port 18504) CHUNKY=$(it_port 18507)
TLSONLY=$(it_port 18508) AUTHONLY=$(it_port 18509) DOWN=$(it_port 18519)
proxies=
cleanup() {
	for p in $proxies; do kill "$p" 2>/dev/null; done
	"$reg" stop "$d/plain"
	"$reg" stop "$d/tls"
	"$reg" stop "$d/bearer"
	"$reg" stop "$d/tlsonly"
	"$reg" stop "$d/authonly"
}
# Before it_done, which removes the directories the pid files are in.
trap cleanup EXIT

# mk_layout DIR TAG CONTENT_FILE: the artifact Trivy pulls (trivy-db.md
# 3.1): empty config, one layer of the DB media type titled db.tar.gz.
mk_layout() {
	local dir=$1 tag=$2 layer cfg man
	mkdir -p "$dir/blobs/sha256"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	printf '{}' >"$dir/cfg"
	cp "$3" "$dir/layer"
	for f in cfg layer; do
		h=$(sha256sum "$dir/$f" | cut -d' ' -f1)
		mv "$dir/$f" "$dir/blobs/sha256/$h"
		eval "${f}_h=$h ${f}_s=$(stat -c %s "$dir/blobs/sha256/$h")"
	done
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.aquasec.trivy.config.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.aquasec.trivy.db.layer.v1.tar+gzip","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.title":"db.tar.gz"}}]}' \
	    "$cfg_h" "$cfg_s" "$layer_h" "$layer_s" >"$dir/m"
	man=$(sha256sum "$dir/m" | cut -d' ' -f1)
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
	    "$man" "$(stat -c %s "$dir/m")" "$tag" >"$dir/index.json"
	mv "$dir/m" "$dir/blobs/sha256/$man"
	echo "sha256:$man"
}

# Blob uploads in a registry log: POST, PATCH and PUT under /blobs/.
uploads() { grep -cE '"(POST|PATCH|PUT) /v2/[^ ]*/blobs/' "$1/registry.log"; }
# The digest of a tag's manifest bytes, as skopeo fetches them.
raw_digest() {
	skopeo inspect --raw "$@" | sha256sum | sed 's/^/sha256:/; s/ .*//'
}
push() { "$EC_BIN" push --json --retries 3 "$@" 2>"$d/push.err"; }
# The stderr of the last check_fails, kept for the checks on its text.
failed_with() { cp "$IT_TMP/.log" "$d/err"; }

mkdir -p "$d/src"
echo '{"Version":2}' >"$d/src/metadata.json"
head -c 300000 /dev/urandom >"$d/src/trivy.db"
tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$d/src" -czf \
    "$d/db.tar.gz" trivy.db metadata.json
want=$(mk_layout "$d/L" 2 "$d/db.tar.gz")

"$reg" start "$d/plain" $PLAIN || { it_fail "registry starts"; exit 1; }
R=127.0.0.1:$PLAIN
plain=(--src-tls-verify=false)

# 1. Push, read back, compare.
out=$(push --insecure-http "$d/L" "$R/aquasec/trivy-db")
check_equal "push the Trivy artifact (tag from ref.name): digest printed" \
    "$(echo "$out" | jq -c '[.digest, .tag, .uploaded]')" "[\"$want\",\"2\",2]"
check_equal "skopeo inspect: same manifest digest" \
    "$(raw_digest --tls-verify=false "docker://$R/aquasec/trivy-db:2")" "$want"
skopeo copy "${plain[@]}" "docker://$R/aquasec/trivy-db:2" "oci:$d/copy:2" \
    >"$IT_TMP/.log" 2>&1
check_equal "skopeo copy to an OCI layout: same digest" \
    "$(jq -r '.manifests[0].digest' "$d/copy/index.json" 2>/dev/null)" "$want"
layer=$(jq -r '.layers[0].digest' "$d/L/blobs/sha256/${want#sha256:}")
check "the copied layer is our db.tar.gz" cmp "$d/db.tar.gz" \
    "$d/copy/blobs/sha256/${layer#sha256:}"

# 2. Pushed again: every blob is found by HEAD, none is sent.
before=$(uploads "$d/plain")
out=$(push --insecure-http "$d/L" "$R/aquasec/trivy-db")
check_equal "second push: no blob uploaded (registry log)" \
    "$(uploads "$d/plain")" "$before"
check_equal "second push: both blobs present" \
    "$(echo "$out" | jq -c '[.uploaded, .present, .digest]')" "[0,2,\"$want\"]"

# 3. Chunked: a 64 KiB chunk size cuts the 300 KB layer into PATCHes.
patches=$(grep -c '"PATCH ' "$d/plain/registry.log")
check "chunked push" push --insecure-http --chunk-size 65536 "$d/L" \
    "$R/chunked/db:2"
n=$(( $(grep -c '"PATCH ' "$d/plain/registry.log") - patches ))
check "at least 4 PATCH requests in the registry log ($n)" test "$n" -ge 4
check_equal "chunked push: skopeo reads the same digest" \
    "$(raw_digest --tls-verify=false "docker://$R/chunked/db:2")" "$want"
rm -rf "$d/copy2"
skopeo copy "${plain[@]}" "docker://$R/chunked/db:2" "oci:$d/copy2:2" \
    >"$IT_TMP/.log" 2>&1
check "chunked layer reassembled byte for byte" cmp "$d/db.tar.gz" \
    "$d/copy2/blobs/sha256/${layer#sha256:}"

# 4. Cross-repository mount: 201 to POST ?mount=, nothing uploaded.
before=$(grep -cE '"(PATCH|PUT) /v2/mounted/db/blobs/' "$d/plain/registry.log")
out=$(push --insecure-http --mount-from aquasec/trivy-db "$d/L" "$R/mounted/db:2")
check_equal "mount: both blobs mounted" "$(echo "$out" | jq -c '[.mounted, .uploaded]')" "[2,0]"
check "registry log: POST ?mount= answered 201" grep -qE \
    '"POST /v2/mounted/db/blobs/uploads/\?mount=sha256:[0-9a-f]+&from=aquasec/trivy-db HTTP/1.1" 201' \
    "$d/plain/registry.log"
check_equal "mount: no blob bytes sent" \
    "$(grep -cE '"(PATCH|PUT) /v2/mounted/db/blobs/' "$d/plain/registry.log")" "$before"

# 5. The attestation: a referrer of the manifest, fetchable by .att tag.
printf '{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"k","sig":"AAAA"}]}' \
    >"$d/provenance.dsse.json"
out=$(push --insecure-http --attach "$d/provenance.dsse.json" "$d/L" "$R/aquasec/trivy-db")
att_tag=$(echo "$out" | jq -r .attachment_tag)
check_equal "attachment tag" "$att_tag" "sha256-${want#sha256:}.att"
skopeo inspect --raw --tls-verify=false "docker://$R/aquasec/trivy-db:$att_tag" \
    >"$d/att.json" 2>"$d/err"
check_equal "attachment's subject is the pushed manifest" \
    "$(jq -r .subject.digest "$d/att.json")" "$want"
check_equal "attachment's artifactType and layer" \
    "$(jq -r '.artifactType + " " + .layers[0].digest' "$d/att.json")" \
    "application/vnd.dsse.envelope.v1+json sha256:$(sha256sum "$d/provenance.dsse.json" | cut -d' ' -f1)"
check_equal "attachment digest printed is the registry's" \
    "$(sha256sum "$d/att.json" | sed 's/^/sha256:/; s/ .*//')" \
    "$(echo "$out" | jq -r .attachment)"
out2=$(push --insecure-http --attach "$d/provenance.dsse.json" "$d/L" "$R/aquasec/trivy-db")
check_equal "attachment manifest is deterministic" \
    "$(echo "$out2" | jq -r .attachment)" "$(echo "$out" | jq -r .attachment)"
rm -rf "$d/attcopy"
skopeo copy "${plain[@]}" "docker://$R/aquasec/trivy-db:$att_tag" \
    "oci:$d/attcopy:att" >"$IT_TMP/.log" 2>&1
dsse=$(jq -r '.layers[0].digest' "$d/att.json")
check "envelope fetched byte for byte" cmp "$d/provenance.dsse.json" \
    "$d/attcopy/blobs/sha256/${dsse#sha256:}"

# 6. Other layouts: umoci's, and skopeo's copy pushed to a new repository.
umoci init --layout "$d/U" && umoci new --image "$d/U:v1" >"$IT_TMP/.log" 2>&1
check "push umoci's image" push --insecure-http "$d/U" "$R/umoci/img"
check_equal "umoci image: skopeo inspect digest" \
    "$(skopeo inspect --tls-verify=false "docker://$R/umoci/img:v1" | jq -r .Digest)" \
    "$(jq -r '.manifests[0].digest' "$d/U/index.json")"
check "push skopeo's copy under another tag" push --insecure-http "$d/copy" \
    "$R/copied/db:latest"
check_equal "skopeo's copy pushed: same digest" \
    "$(raw_digest --tls-verify=false "docker://$R/copied/db:latest")" "$want"

# An image index of that manifest: the image by digest, the index by tag.
cp -r "$d/L" "$d/I"
msize=$(stat -c %s "$d/L/blobs/sha256/${want#sha256:}")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
    "$want" "$msize" >"$d/I/idx"
idx=sha256:$(sha256sum "$d/I/idx" | cut -d' ' -f1)
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"multi"}}]}' \
    "$idx" "$(stat -c %s "$d/I/idx")" >"$d/I/index.json"
mv "$d/I/idx" "$d/I/blobs/sha256/${idx#sha256:}"
out=$(push --insecure-http "$d/I" "$R/index/db")
check_equal "image index pushed under its ref name" \
    "$(echo "$out" | jq -c '[.digest, .tag]')" "[\"$idx\",\"multi\"]"
check_equal "skopeo reads the index" \
    "$(raw_digest --tls-verify=false "docker://$R/index/db:multi")" "$idx"
check_equal "its image is there by digest" \
    "$(raw_digest --tls-verify=false "docker://$R/index/db@$want")" "$want"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s}]}' \
    "$idx" "$(stat -c %s "$d/I/blobs/sha256/${idx#sha256:}")" >"$d/I/idx2"
idx2=$(sha256sum "$d/I/idx2" | cut -d' ' -f1)
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s}]}' \
    "$idx2" "$(stat -c %s "$d/I/idx2")" >"$d/I/index.json"
mv "$d/I/idx2" "$d/I/blobs/sha256/$idx2"
before=$(wc -l <"$d/plain/registry.log")
check_fails "an index inside an index is refused" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" push --insecure-http "$d/I" "$R/index/db:nested"
check_equal "nothing sent for the nested index" "$(wc -l <"$d/plain/registry.log")" "$before"

# 7. Bad layouts are refused before any request.
cp -r "$d/L" "$d/bad"
printf 'x' >>"$d/bad/blobs/sha256/${layer#sha256:}"
before=$(wc -l <"$d/plain/registry.log")
check_fails "a blob that does not match its digest" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" push --insecure-http "$d/bad" "$R/bad/db:2"
check_equal "nothing sent for the bad layout" "$(wc -l <"$d/plain/registry.log")" "$before"
rm -rf "$d/bad"; cp -r "$d/L" "$d/bad"
ln -sf /etc/hostname "$d/bad/index.json"
check_fails "index.json a symlink" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" push --insecure-http "$d/bad" "$R/bad/db:2"
check_fails "a bad reference" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" push --insecure-http "$d/L" "$R/Bad/db:2"

# 8. Retries: a proxy that fails twice, then passes the request on.
/usr/bin/python3 "$EC_ROOT/tests/tools/flaky_proxy.py" $FLAKY $PLAIN PUT '/manifests/' 2 500 \
    2>"$d/flaky.log" &
proxies="$proxies $!"
/usr/bin/python3 "$EC_ROOT/tests/tools/flaky_proxy.py" $BROKEN $PLAIN PUT '/manifests/' \
    1000000 503 0 2>"$d/broken.log" &
proxies="$proxies $!"
# await_port PORT: poll until something answers HTTP there (5 s at most).
await_port() {
	local i=0
	until curl -s -o /dev/null "http://127.0.0.1:$1/" || [ $i -gt 50 ]; do
		i=$((i + 1)); sleep 0.1
	done
}
await_port $FLAKY
await_port $BROKEN
out=$(push --insecure-http "$d/L" "127.0.0.1:$FLAKY/flaky/db:2")
check_equal "500 twice, then pushed: retried twice" \
    "$(echo "$out" | jq -c '[.retries, .digest]')" "[2,\"$want\"]"
check_equal "the proxy failed two manifest PUTs" "$(grep -c '^failed PUT' "$d/flaky.log")" 2
check_equal "retried push: skopeo reads it" \
    "$(raw_digest --tls-verify=false "docker://$R/flaky/db:2")" "$want"
/usr/bin/python3 "$EC_ROOT/tests/tools/flaky_proxy.py" $SLOW $PLAIN HEAD '/blobs/' \
    1 429 1 2>"$d/slow.log" &
proxies="$proxies $!"
await_port $SLOW
out=$(push --insecure-http "$d/L" "127.0.0.1:$SLOW/slow/db:2")
check_equal "429 with Retry-After: 1, then pushed" \
    "$(echo "$out" | jq -c '[.retries, .digest]')" "[1,\"$want\"]"
check_equal "the proxy answered 429 once" "$(grep -c '^failed HEAD' "$d/slow.log")" 1
/usr/bin/python3 "$EC_ROOT/tests/tools/flaky_proxy.py" $CHUNKY $PLAIN PATCH '/blobs/uploads/' \
    2 502 2>"$d/chunky.log" &
proxies="$proxies $!"
await_port $CHUNKY
out=$(push --insecure-http --chunk-size 65536 "$d/L" "127.0.0.1:$CHUNKY/chunky/db:2")
check_equal "two PATCHes answered 502, resent from the file: pushed" \
    "$(echo "$out" | jq -c '[.retries, .digest]')" "[2,\"$want\"]"
rm -rf "$d/copy3"
skopeo copy "${plain[@]}" "docker://$R/chunky/db:2" "oci:$d/copy3:2" \
    >"$IT_TMP/.log" 2>&1
check "resent chunks reassembled byte for byte" cmp "$d/db.tar.gz" \
    "$d/copy3/blobs/sha256/${layer#sha256:}"
check_fails "always 503: distribution failed" 2 ERR_EXPORT_DISTRIBUTION_FAILED \
    "$EC_BIN" push --insecure-http --retries 3 "$d/L" "127.0.0.1:$BROKEN/broken/db:2"
failed_with
failed_with
check "the registry's own text is reported" grep -q \
    'registry answered 503: UNKNOWN: flaky proxy: injected 503' "$d/err"
check_equal "bounded: 3 attempts" "$(grep -c '^failed PUT' "$d/broken.log")" 3
check_equal "nothing reported as pushed" "$(cat "$IT_TMP/.stdout")" ""
check_fails "the failed tag does not exist" 1 - \
    skopeo inspect --raw --tls-verify=false "docker://$R/broken/db:2"
check_fails "registry down: distribution failed" 2 ERR_EXPORT_DISTRIBUTION_FAILED \
    "$EC_BIN" push --insecure-http --retries 2 "$d/L" "127.0.0.1:$DOWN/down/db:2"
failed_with
check "registry down: the cause is named" grep -qi "connect" "$d/err"

# 9. Basic auth over TLS, with a CA made here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=ec-test-ca -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=127.0.0.1 -keyout "$d/srv.key" -out "$d/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$d/san.ext"
openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -CAcreateserial -days 2 -extfile "$d/san.ext" -out "$d/srv.pem" 2>/dev/null
htpasswd -Bbn pusher 's3cret:x' >"$d/htpasswd" 2>/dev/null
"$reg" start "$d/tls" $TLS htpasswd "$d/htpasswd" tls "$d/srv.pem" "$d/srv.key" ||
    it_fail "TLS registry starts"
T=127.0.0.1:$TLS
printf '{"auths":{"%s":{"auth":"%s"}}}' "$T" "$(printf 'pusher:s3cret:x' | base64 -w0)" \
    >"$d/config.json"
printf '{"auths":{"https://%s":{"username":"pusher","password":"wrong"}}}' "$T" \
    >"$d/wrong.json"
mkdir -p "$d/certs"; cp "$d/ca.pem" "$d/certs/ca.crt"
check "push with basic auth over TLS" push --creds "$d/config.json" \
    --ca-file "$d/ca.pem" --attach "$d/provenance.dsse.json" "$d/L" "$T/aquasec/trivy-db"
check_equal "skopeo over TLS with credentials: same digest" \
    "$(raw_digest --cert-dir "$d/certs" --creds 'pusher:s3cret:x' "docker://$T/aquasec/trivy-db:2")" \
    "$want"
check_equal "TLS: the .att tag lists the subject" \
    "$(skopeo inspect --raw --cert-dir "$d/certs" --creds 'pusher:s3cret:x' \
    "docker://$T/aquasec/trivy-db:sha256-${want#sha256:}.att" | jq -r .subject.digest)" "$want"
check_fails "wrong password: distribution failed" 2 ERR_EXPORT_DISTRIBUTION_FAILED \
    "$EC_BIN" push --creds "$d/wrong.json" --ca-file "$d/ca.pem" "$d/L" "$T/x/db:2"
failed_with
failed_with
check "wrong password: refused, with the registry's text" grep -q \
    'authentication refused: registry answered 401: UNAUTHORIZED' "$d/err"
check_fails "no credentials: distribution failed" 2 ERR_EXPORT_DISTRIBUTION_FAILED \
    "$EC_BIN" push --ca-file "$d/ca.pem" "$d/L" "$T/x/db:2"
failed_with
check "no credentials: the cause is named" grep -q "has none for it" "$d/err"
check_fails "unknown CA: TLS verification fails" 2 ERR_EXPORT_DISTRIBUTION_FAILED \
    "$EC_BIN" push --creds "$d/config.json" "$d/L" "$T/x/db:2"
failed_with
check "unknown CA: after one attempt" grep -q "after 1 attempt)" "$d/err"

# The other two combinations: TLS without auth, basic auth without TLS.
"$reg" start "$d/tlsonly" $TLSONLY tls "$d/srv.pem" "$d/srv.key" ||
    it_fail "TLS-only registry starts"
"$reg" start "$d/authonly" $AUTHONLY htpasswd "$d/htpasswd" ||
    it_fail "auth-only registry starts"
check "push over TLS without auth" push --ca-file "$d/ca.pem" "$d/L" \
    "127.0.0.1:$TLSONLY/aquasec/trivy-db"
check_equal "TLS without auth: skopeo reads the same digest" \
    "$(raw_digest --cert-dir "$d/certs" "docker://127.0.0.1:$TLSONLY/aquasec/trivy-db:2")" \
    "$want"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$AUTHONLY" \
    "$(printf 'pusher:s3cret:x' | base64 -w0)" >"$d/authonly.json"
check "push with basic auth over plain HTTP" push --insecure-http --creds \
    "$d/authonly.json" "$d/L" "127.0.0.1:$AUTHONLY/aquasec/trivy-db"
check_equal "basic auth without TLS: skopeo reads the same digest" \
    "$(raw_digest --tls-verify=false --creds 'pusher:s3cret:x' \
    "docker://127.0.0.1:$AUTHONLY/aquasec/trivy-db:2")" "$want"

# 10. Bearer tokens: the registry's token authentication, with a token
# server (tests/tools/token_server.py) that signs ES256 JWTs.
TOKEN=$(it_port 18505) BEARER=$(it_port 18506)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=ec-test-token -keyout "$d/tok.key" -out "$d/tok.pem" 2>/dev/null
/usr/bin/python3 "$EC_ROOT/tests/tools/token_server.py" $TOKEN ec-issuer \
    "$d/tok.key" "$d/tok.pem" 'pusher:t0ken' 2>"$d/token.log" &
proxies="$proxies $!"
await_port $TOKEN
"$reg" start "$d/bearer" $BEARER token "http://127.0.0.1:$TOKEN/token" \
    ec-registry ec-issuer "$d/tok.pem" || it_fail "token registry starts"
B=127.0.0.1:$BEARER
printf '{"auths":{"%s":{"username":"pusher","password":"t0ken"}}}' "$B" \
    >"$d/bearer.json"
printf '{"auths":{"%s":{"username":"pusher","password":"nope"}}}' "$B" \
    >"$d/bearer-wrong.json"
out=$(push --insecure-http --creds "$d/bearer.json" --attach \
    "$d/provenance.dsse.json" "$d/L" "$B/aquasec/trivy-db")
check_equal "bearer token: pushed with its attachment" \
    "$(echo "$out" | jq -c '[.digest, .attachment_tag]')" \
    "[\"$want\",\"sha256-${want#sha256:}.att\"]"
# The registry lists actions in no fixed order (a Go map).
check "token server asked for push scope" grep -qE \
    '^token repository:aquasec/trivy-db:(pull,push|push,pull)$' "$d/token.log"
out=$(push --insecure-http --creds "$d/bearer.json" --mount-from \
    aquasec/trivy-db "$d/L" "$B/mirror/db:2")
check_equal "bearer token: mounted across repositories" \
    "$(echo "$out" | jq -c '[.mounted, .uploaded]')" "[2,0]"
n=$(grep -E 'repository:mirror/db:(pull,push|push,pull)' "$d/token.log" |
    grep -c ' repository:aquasec/trivy-db:pull\|repository:aquasec/trivy-db:pull ')
check "the mount's token covers both repositories" test "$n" -ge 1
check_fails "token server refuses the password" 2 \
    ERR_EXPORT_DISTRIBUTION_FAILED "$EC_BIN" push --insecure-http --creds \
    "$d/bearer-wrong.json" "$d/L" "$B/aquasec/trivy-db"
failed_with
check "the token server's own text is reported" grep -q \
    'token endpoint: registry answered 401: UNAUTHORIZED: token server: bad credentials' \
    "$d/err"

cleanup
trap - EXIT
it_done
