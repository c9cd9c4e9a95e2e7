#!/bin/bash
# Signed downloads and distributions through nginx with the project's
# config (tools/render-nginx.sh, njs from libnginx-mod-http-js checking
# the URL, nginx serving the run's view of the store), the FastCGI pool
# signing the URLs and export-cron building the runs (ports 18890-18891).
# Checked with curl: a download interrupted and resumed with Range, its
# sha256 and exportctl verify on it; If-Range with the right and a wrong
# ETag; Content-Disposition; every refusal (tampered signature, path,
# tenant, expiry, kid; expired; a retention-removed view; encodings that
# try to leave the store; a symlink in the store); key rotation; the
# distribution endpoint (headers, 304, links that download, the OCI
# reference of a run pushed to Debian's docker-registry on port 18892,
# foreign 404, 410 once expired).
# Expired and hand-made URLs are signed here by Python's hmac, an
# implementation independent of lib/ec_urlsign.c.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

ta=$(it_tenant a)
tb=$(it_tenant b)
"$EC_BIN" ingest --tenant "$ta" "$EC_ROOT/tests/fixtures" >/dev/null
"$EC_BIN" keys generate --type ed25519 --out "$IT_TMP/k" >/dev/null
api_start 18890 18891
H=$IT_TMP
R=127.0.0.1:$(it_port 18892)
# Outside $IT_TMP, which it_done removes before the trap could read the
# registry's pid file there.
reg=$(mktemp -d /tmp/ec-dl-reg.XXXXXX)
trap '"$EC_ROOT/tests/lib/registry.sh" stop "$reg"; rm -rf "$reg"; api_stop' \
    EXIT
"$EC_ROOT/tests/lib/registry.sh" start "$reg" "${R#*:}" ||
    { it_fail "registry starts"; exit 1; }

# dl_sign PATH TENANT EXP [KID SECRET]: a signed URL made by Python.
dl_sign() {
	local kid=${4:-k1} sec=${5:-$(awk '$2 == "k1" { print $3 }' \
	    "$run/download.keys")}
	/usr/bin/python3 - "$@" "$kid" "$sec" <<'PY'
import base64, hashlib, hmac, sys
path, tenant, exp = sys.argv[1:4]
kid, sec = sys.argv[-2:]
key = base64.urlsafe_b64decode(sec + "=" * (-len(sec) % 4))
s = "EC-DOWNLOAD-1\nGET\n%s\n%s\n%s\n%s" % (path, tenant, exp, kid)
mac = hmac.new(key, s.encode(), hashlib.sha256).digest()
print("%s?exp=%s&kid=%s&sig=%s" % (path, exp, kid,
    base64.urlsafe_b64encode(mac).rstrip(b"=").decode()))
PY
}
# dl NAME URL [CURL ARGS]: GET through nginx; NAME.head and NAME.body.
dl() {
	local n=$1 u=$2
	shift 2
	c --path-as-is -D "$H/$n.head" -o "$H/$n.body" "$@" "$base$u"
}
hdr() { grep -i "^$2:" "$H/$1.head" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
# refused NAME STATUS CODE URL [CURL ARGS]: refused with that error.
refused() {
	dl "$1" "$4" "${@:5}"
	api_error "$1" "$2" "$3"
}
# unserved NAME URL: whatever nginx makes of the URL, it is an error in
# the contract's shape and none of the store's bytes.
unserved() {
	dl "$1" "$2"
	check "$1: refused ($(api_status "$1") $(jq -r .code "$H/$1.body" \
	    2>&1)), nothing served" sh -c "case $(api_status "$1") in
	    4??) ;; *) exit 1 ;; esac && jq -e '.code | startswith(\"ERR_\")' \
	    '$H/$1.body' >/dev/null && ! grep -q root: '$H/$1.body' &&
	    ! cmp -s '$H/$1.body' '$H/full.body'"
}

# Two runs: json:raw packs a bundle; trivy:db is a tree with manifest,
# DSSE envelopes (signed with --key) and db.tar.gz, pushed to $R.
mk_run() {
	api POST /export-center/runs "$ta" -o "$H/$1.c.json" --data-binary \
	    '{"profileId":"export-profile::'"$ta"'::'"$2"'"'"${3-}"'}'
	jq -r .runId "$H/$1.c.json"
}
raw=$(mk_run raw json:raw)
tdb=$(mk_run tdb trivy:db \
    ',"distribution":{"type":"oci","ref":"'"$R"'/ec-dl:1"}')
for i in 1 2 3 4; do
	"$EC_CRON" --once --db "$API_APP" --store "$store" \
	    --registry-insecure-http --key "$H/k/signing.key.pem" \
	    2>>"$run/cron.log"
done
api_wait "$ta" "$tdb" succeeded
cp "$H/run.json" "$H/tdb.json"
api_wait "$ta" "$raw" succeeded
cp "$H/run.json" "$H/raw.json"

check "outputs carry signed /downloads/ URLs with expiresAt" jq -e \
    --arg t "$ta" --arg id "$raw" '[.outputs[] | . as $o | ($o.url |
    startswith("/downloads/" + $t + "/" + $id + "/" + ($o.sha256 |
    ltrimstr("sha256:")) + "/")) and ($o.url |
    test("[?]exp=[0-9]+&kid=k1&sig=[A-Za-z0-9_-]{43}$")) and
    ($o.expiresAt | test("^[0-9-]{10}T[0-9:]{6}00Z$"))] | all' \
    "$H/raw.json"
check "links: status, events and the distribution" jq -e --arg id "$raw" \
    '.links.status == "/export-center/runs/" + $id and
    .links.distribution == "/export-center/distributions/" +
    ($id | sub("^export-run::"; "export-distribution::"))' "$H/raw.json"
url=$(jq -r '.outputs[] | select(.type == "bundle") | .url' "$H/raw.json")
hex=$(jq -r '.outputs[] | select(.type == "bundle") | .sha256 |
    ltrimstr("sha256:")' "$H/raw.json")
size=$(jq -r '.outputs[] | select(.type == "bundle") | .size' "$H/raw.json")
name=${url%%\?*}
name=${name##*/}

# The whole file, then an interrupted download resumed with Range.
dl full "$url"
check_equal "GET: 200" "$(api_status full)" 200
check_equal "the bytes have the listed sha256" \
    "$(sha256sum "$H/full.body" | cut -d' ' -f1)" "$hex"
check_equal "ETag is the sha256, strong" "$(hdr full ETag)" "\"$hex\""
check_equal "Accept-Ranges: bytes" "$(hdr full Accept-Ranges)" bytes
check_equal "Content-Disposition names the signed file name" \
    "$(hdr full Content-Disposition)" "attachment; filename=\"$name\""
check "exportctl verify passes on the downloaded bundle" \
    "$EC_BIN" verify "$H/full.body" --key "$H/k/signing.pub.pem"
half=$((size / 2))
c -r "0-$((half - 1))" -o "$H/part" "$base$url"
check_equal "the first range is cut where asked" "$(stat -c %s "$H/part")" \
    "$half"
c -C - -D "$H/resume.head" -o "$H/part" "$base$url"
check_equal "curl -C - resumes with 206" "$(api_status resume)" 206
check_equal "Content-Range of the rest" "$(hdr resume Content-Range)" \
    "bytes $half-$((size - 1))/$size"
check_equal "the resumed file has the sha256" \
    "$(sha256sum "$H/part" | cut -d' ' -f1)" "$hex"
check "exportctl verify passes on the resumed download" \
    "$EC_BIN" verify "$H/part" --key "$H/k/signing.pub.pem"
dl ifr "$url" -r 0-9 -H "If-Range: \"$hex\""
check_equal "If-Range with the ETag: 206" "$(api_status ifr)" 206
dl ifr_bad "$url" -r 0-9 -H "If-Range: \"$(echo "$hex" | tr 0-9a-f 1-9a-f0)\""
check_equal "If-Range with another ETag: 200, the whole file" \
    "$(api_status ifr_bad) $(stat -c %s "$H/ifr_bad.body")" "200 $size"
c -I -o /dev/null -D "$H/head.head" "$base$url"
check_equal "HEAD is served as GET" "$(api_status head)" 200

# Refusals: 403 with the contract's body for any change; 410 expired.
path=${url%%\?*}
q=${url#*\?}
sig=${q##*sig=}
refused sig 403 ERR_FORBIDDEN "$path?${q%sig=*}sig=$(echo "$sig" |
    tr A-Za-z B-ZAb-za)"
refused hexpath 403 ERR_FORBIDDEN "${url/$hex/$(echo "$hex" |
    tr 0-9a-f 1-9a-f0)}"
refused name 403 ERR_FORBIDDEN "${url/$name/x$name}"
refused exp 403 ERR_FORBIDDEN "${url/exp=/exp=1}"
refused kid 403 ERR_FORBIDDEN "${url/kid=k1/kid=k9}"
refused nosig 403 ERR_FORBIDDEN "$path"
# The tenant in the path is signed: B cannot swap its own in.
raw_b=${raw/::$ta::/::$tb::}
refused tenant 403 ERR_FORBIDDEN "${url//$ta/$tb}"
refused tenant_run 403 ERR_FORBIDDEN "${url/$raw/$raw_b}"
exp_past=$(($(date +%s) - 10))
refused expired 410 ERR_EXPORT_EXPIRED "$(dl_sign "$path" "$ta" "$exp_past")"
refused post 403 ERR_FORBIDDEN "$url" -X POST
refused dotdot 403 ERR_FORBIDDEN "${url/\/$name/\/%2e%2e\/%2e%2e\/$name}"
unserved dotdot2 "${url/\/$hex/\/..\/..\/..\/sha256\/${hex:0:2}\/$hex}"
unserved dotdot3 "${url/\/$hex/\/%2e%2e%2f%2e%2e%2f%2e%2e%2fsha256%2f${hex:0:2}%2f$hex}"
refused slashes 403 ERR_FORBIDDEN "${url/\/downloads\//\/downloads\/\/}"
refused escaped 403 ERR_FORBIDDEN "${url/\/$name/\/$(printf '%%%02x' \
    "'${name:0:1}")${name:1}}"
refused overlong 403 ERR_FORBIDDEN "${url/\/$name/\/%c0%ae%c0%ae%c0%af$name}"
refused nul 400 ERR_EXPORT_REQUEST_INVALID "${url/\/$name/\/%00$name}"
# A genuine signature over a path outside the view's shape.
unserved outside "$(dl_sign "/downloads/$ta/..%2f..%2fsha256/$hex/$name" \
    "$ta" 4102444800)"
unserved passwd "$(dl_sign "/downloads/$ta/$raw/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd/x" \
    "$ta" 4102444800)"
# A symbolic link in the store is never followed, signed or not.
view=$store/runs/$ta/$raw
evil=$(printf 'x' | sha256sum | cut -d' ' -f1)
ln -s /etc/passwd "$view/$evil"
refused symlink_signed 403 ERR_FORBIDDEN \
    "$(dl_sign "/downloads/$ta/$raw/$evil/passwd" "$ta" 4102444800)"
check "the Python-signed URL of the real file downloads (njs agrees)" \
    sh -c "curl -sS -f --cacert '$run/nginx/tls/ca.pem' -o /dev/null \
    '$base$(dl_sign "$path" "$ta" 4102444800)'"

# The distribution of each run.
dist_url=$(jq -r .links.distribution "$H/tdb.json")
api GET "$dist_url" "$ta" -D "$H/d1.head" -o "$H/d1.json"
check_equal "GET /distributions/{id}: 200" "$(api_status d1)" 200
check_equal "Cache-Control" "$(hdr d1 Cache-Control)" \
    "private, max-age=60, stale-if-error=300"
etag=$(hdr d1 ETag)
check_equal "ETag is the SHA-256 of the body's RFC 8785 form" "$etag" \
    "\"$(/usr/bin/python3 -c 'import json,sys,hashlib
d=json.load(open(sys.argv[1]))
print(hashlib.sha256(json.dumps(d,sort_keys=True,separators=(",",":"),
ensure_ascii=False).encode()).hexdigest())' "$H/d1.json")\""
check "id, run, type, checksum of the manifest, DSSE reference" jq -e \
    --arg id "$tdb" '.runId == $id and .distributionId == ($id |
    sub("^export-run::"; "export-distribution::")) and
    .type == "oci" and .checksum == (.artifacts[] |
    select(.type == "manifest") | .sha256) and
    (.dsseEnvelope.url | startswith("/downloads/")) and
    ([.links[].rel] == ["alternate", "self"])' "$H/d1.json"
digest=$(curl -sS -I -H \
    'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$R/v2/ec-dl/manifests/1" | grep -i '^Docker-Content-Digest:' |
    cut -d' ' -f2 | tr -d '\r')
check_equal "oci: the pushed reference and the registry's digest" \
    "$(jq -r '.oci.ref + " " + .oci.digest' "$H/d1.json")" \
    "$R/ec-dl:1 $digest"
for i in 1 2; do
	api GET "$dist_url" "$ta" -D "$H/d304.head" -o "$H/d304.body" \
	    -H "If-None-Match: $etag"
	# A new minute signs new URLs: take the new ETag once.
	[ "$(api_status d304)" = 304 ] && break
	etag=$(hdr d304 ETag)
done
check_equal "If-None-Match with the ETag: 304, no body" \
    "$(api_status d304) $(cat "$H/d304.body" 2>/dev/null | wc -c)" "304 0"
api GET "$dist_url" "$ta" -D "$H/d200.head" -o "$H/d200.json" \
    -H 'If-None-Match: "0000"'
check_equal "another ETag: 200" "$(api_status d200)" 200
jq -r '.links[] | .href + " " + .sha256' "$H/d1.json" >"$H/links"
jq -r '"\(.dsseEnvelope.url) \(.dsseEnvelope.sha256)"' "$H/d1.json" \
    >>"$H/links"
n=0
while read -r href sum; do
	c -o "$H/link.$n" "$base$href"
	check_equal "link $n downloads its sha256" \
	    "sha256:$(sha256sum "$H/link.$n" | cut -d' ' -f1)" "$sum"
	n=$((n + 1))
done <"$H/links"
check "the DSSE envelope names the manifest's payload type" jq -e \
    '.payloadType | test("manifest")' "$H/link.0"
api GET "$(jq -r .links.distribution "$H/raw.json")" "$ta" -o "$H/d2.json"
check "a packed run: rels bundle and self, both the bundle" jq -e \
    --arg s "sha256:$hex" '[.links[].rel] == ["bundle", "self"] and
    ([.links[].sha256] | unique) == [$s] and .checksum == $s and
    .dsseEnvelope == null' "$H/d2.json"
api GET "$dist_url" "$tb" -D "$H/dforeign.head" -o "$H/dforeign.body"
api_error dforeign 404 ERR_NOT_FOUND
api GET "/export-center/distributions/${raw/export-run/export-distribution}x" \
    "$ta" -D "$H/dnone.head" -o "$H/dnone.body"
api_error dnone 404 ERR_NOT_FOUND

# Rotation: k2 signs, k1 still verifies while listed, then is refused.
old=$url
k1=$(awk '$2 == "k1" { print $3 }' "$run/download.keys")
printf 'current k2 %s\nprevious k1 %s\n' "$(api_dl_secret)" "$k1" \
    >"$run/download.keys.new"
chmod 644 "$run/download.keys.new"
mv "$run/download.keys.new" "$run/download.keys"
kill -HUP "$(cat "$run/fcgi.pid")"
for i in $(seq 1 50); do
	api GET "/export-center/runs/$raw" "$ta" -o "$H/rot.json"
	new=$(jq -r '.outputs[] | select(.type == "bundle") | .url' \
	    "$H/rot.json")
	case $new in *kid=k2*) break ;; esac
	sleep 0.2
done
check "after SIGHUP the pool signs with k2" sh -c "echo '$new' | grep -q kid=k2"
dl rot_new "$new"
check_equal "a k2 URL downloads" "$(api_status rot_new)" 200
dl rot_old "$old"
check_equal "a k1 URL still downloads while k1 is listed" \
    "$(api_status rot_old)" 200
grep -v '^previous' "$run/download.keys" >"$run/download.keys.new"
chmod 644 "$run/download.keys.new"
mv "$run/download.keys.new" "$run/download.keys"
refused rot_gone 403 ERR_FORBIDDEN "$old"
dl rot_new2 "$new"
check_equal "the k2 URL still downloads" "$(api_status rot_new2)" 200
# A malformed key file: nginx fails closed (503), a reload keeps the
# pool's keys (its log says why).
cp "$run/download.keys" "$H/keys.good"
echo "current k3 not-a-secret" >"$run/download.keys"
kill -HUP "$(cat "$run/fcgi.pid")"
timeout 5 sh -c "until grep -q event=reload_failed '$run/fcgi.log'; do
    sleep 0.1; done"
check "the reload with a bad key file is refused" \
    grep -q 'event=reload_failed.*secret' "$run/fcgi.log"
dl bad_keys "$new"
check_equal "nginx with a bad key file: 503" "$(api_status bad_keys) $(jq -r \
    .code "$H/bad_keys.body")" "503 ERR_UNAVAILABLE"
cp "$H/keys.good" "$run/download.keys"
api GET "/export-center/runs/$raw" "$ta" -o "$H/rot2.json"
check "the pool still signs with k2" jq -e '[.outputs[] |
    select(.type == "bundle") | .url | test("kid=k2")] == [true]' \
    "$H/rot2.json"

# Retention removes the run's view (ec_blob_run_remove): 410, while the
# blob itself is still in the store.
rm -rf "$store/runs/$ta/$raw"
refused gone 410 ERR_EXPORT_EXPIRED "$new"
check "the blob stays in the store" test -f \
    "$store/sha256/${hex:0:2}/$hex"
psql -X -q "$API_PG_SU" -c "UPDATE runs SET status = 'expired'
    WHERE tenant = '$ta' AND id = '$raw'" >/dev/null
api GET "$(jq -r .links.distribution "$H/raw.json")" "$ta" \
    -D "$H/dexp.head" -o "$H/dexp.body"
api_error dexp 410 ERR_EXPORT_EXPIRED

api_record get "/export-center/runs/{runId}" 200 "$H/raw.json"
api_record get "/export-center/runs/{runId}" 200 "$H/tdb.json"
api_record get "/export-center/distributions/{distributionId}" 200 \
    "$H/d1.json"
api_record get "/export-center/distributions/{distributionId}" 200 \
    "$H/d2.json"
api_record get "/export-center/distributions/{distributionId}" 404 \
    "$H/dforeign.body"
api_record get "/export-center/distributions/{distributionId}" 410 \
    "$H/dexp.body"
api_openapi_check

it_done
