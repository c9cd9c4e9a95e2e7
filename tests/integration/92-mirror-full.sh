#!/bin/bash
# mirror:full (exportctl build --profile mirror:full): two builds give
# the same bytes; exportctl verify and sha256sum -c pass; the stock tuf-js
# client (tests/tools/tufcheck) refreshes and downloads every target from
# the project's nginx (nginx/export-center.conf.in, location /mirror/) and
# from python3 -m http.server; the same client rejects an expired
# timestamp, a tampered target, a rolled-back snapshot and targets
# version, metadata of two builds mixed, a threshold not met and a target
# longer than its length, and follows a root rotated by exportctl tuf
# rotate; skopeo inspects every ref of oci/, umoci reads the layout and
# skopeo copies every artifact into Debian's docker-registry.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"

d=$IT_TMP
t=$(it_tenant main)
fx=$EC_ROOT/tests/fixtures
tc=$EC_ROOT/tests/tools/tufcheck
forge=$EC_ROOT/tests/tools/tuf_forge.py
if [ ! -d "$tc/node_modules/tuf-js" ]; then
	(cd "$tc" && npm ci --no-audit --no-fund --ignore-scripts) \
	    >"$d/npm.log" 2>&1 || { cat "$d/npm.log"; it_fail "npm ci tuf-js"; it_done; }
fi
for k in k1 k2 k3; do
	"$EC_BIN" keys generate --type ed25519 --out "$d/$k" >/dev/null
done
"$EC_BIN" ingest --tenant "$t" "$fx" >/dev/null

far="--param expires-root=36500d --param expires-targets=36500d"
far="$far --param expires-snapshot=36500d --param expires-timestamp=36500d"
build() {	# build OUT [--param ...]: the mirror's directory on stdout
	local out=$1; shift
	"$EC_BIN" build --profile mirror:full --tenant "$t" \
	    --key "$d/k1/signing.key.pem" --key "$d/k2/signing.key.pem" \
	    --param tuf-threshold=2 --out "$out" "$@" >"$out.log" 2>&1 ||
	    { cat "$out.log" >&2; return 1; }
	ls -d "$out"/*/ | head -n 1
}
check "build 1" build "$d/b1" $far
check "build 2" build "$d/b2" $far
m=$(ls -d "$d"/b1/*/ | head -n 1); m=${m%/}
m2=$(ls -d "$d"/b2/*/ | head -n 1); m2=${m2%/}
check "the same evidence gives the same bytes" diff -r "$m" "$m2"
check "exportctl verify of the mirror" "$EC_BIN" verify "$m" \
    --key "$d/k1/signing.pub.pem"
check "sha256sum -c checksums.txt" \
    sh -c 'cd "$1" && sha256sum --strict -c checksums.txt' _ "$m"
for f in export.json indexes/advisories.index.json indexes/vex.index.json \
    indexes/sbom.index.json tuf/metadata/1.root.json \
    tuf/metadata/timestamp.json oci/index.json oci/oci-layout; do
	check "$f is there" test -s "$m/$f"
done
check "advisories in zstd chunks: data/raw/advisories/*.jsonl.zst" \
    sh -c 'ls "$1"/data/raw/advisories/*.jsonl.zst >/dev/null' _ "$m"
check_equal "every chunk decompresses to its documents (index counts)" \
    "$(zstd -dc "$m"/data/raw/advisories/*.jsonl.zst | wc -l)" \
    "$(jq '.documents' "$m/indexes/advisories.index.json")"
v=$(jq -r .tufVersion "$m/export.json")
check_equal "the TUF version is the snapshot time in seconds" "$v" \
    "$(date -u -d "$(jq -r .snapshot "$m/export.json")" +%s)"
check "tuf/targets holds every target under its consistent-snapshot name" \
    sh -c 'jq -r ".signed.targets | to_entries[] |
    \"\(.key) \(.value.hashes.sha256)\"" "$1/tuf/metadata/$2.targets.json" |
    while read -r p h; do
	dir=$(dirname "$p"); [ "$dir" = . ] && dir= || dir=$dir/
	cmp "$1/$p" "$1/tuf/targets/$dir$h.$(basename "$p")" || exit 1
    done' _ "$m" "$v"
jq -r '.signed.targets | keys[]' "$m/tuf/metadata/$v.targets.json" \
    >"$d/targets"
check "every served file but the seal and tuf/ is a target" sh -c \
    'cd "$1" && find . -type f ! -path "./tuf/*" ! -name manifest.json \
    ! -name manifest.dsse.json ! -name checksums.txt \
    ! -name "provenance*.json" | sed "s|^\./||" | LC_ALL=C sort |
    cmp - "$2"' _ "$m" "$d/targets"
check "the root lists both keys, threshold 2" sh -c 'jq -e \
    ".signed.roles.timestamp.threshold == 2 and
    (.signed.roles.targets.keyids | length) == 2" \
    "$1/tuf/metadata/1.root.json"' _ "$m"

# A second state of the evidence: one advisory modified a day later.
snap=$(date -u -d "$(jq -r .snapshot "$m/export.json") + 1 day" \
    +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$d/new"
cat >"$d/new/GHSA-mf92-0000-0001.json" <<JSON
{"schema_version":"1.6.0","id":"GHSA-mf92-0000-0001","modified":"$snap",
"published":"$snap","summary":"mirror test advisory","affected":[{"package":
{"ecosystem":"PyPI","name":"mf92-example"},"ranges":[{"type":"ECOSYSTEM",
"events":[{"introduced":"0"},{"fixed":"1.0"}]}]}]}
JSON
"$EC_BIN" ingest --tenant "$t" "$d/new" >/dev/null
check "build 3 after the change, the root pinned by tuf-roots" build \
    "$d/b3" $far --param tuf-roots="$m/tuf/metadata"
n=$(ls -d "$d"/b3/*/ | head -n 1); n=${n%/}
v3=$(jq -r .tufVersion "$n/export.json")
check "the TUF version grows with the evidence ($v -> $v3)" test "$v3" -gt "$v"
check "the trust anchor is unchanged" cmp "$m/tuf/metadata/1.root.json" \
    "$n/tuf/metadata/1.root.json"
changed=$( (cd "$m" && ls data/raw/advisories; cd "$n" &&
    ls data/raw/advisories) | sort -u | while read -r f; do
	cmp -s "$m/data/raw/advisories/$f" "$n/data/raw/advisories/$f" ||
	    echo "$f"; done | wc -l)
total=$(ls "$m"/data/raw/advisories | wc -l)
check "one new advisory changes one or two chunks ($changed of $total)" \
    test "$changed" -ge 1 -a "$changed" -le 2

# Static servers: python3 -m http.server (port 0: the kernel picks) and
# the project's nginx, location /mirror/.
srv=$d/srv
mkdir -p "$srv"
/usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$srv" \
    >"$d/http.log" 2>&1 &
hpid=$!
run=$(mktemp -d /tmp/ec-mirror-nginx.XXXXXX)
chmod 711 "$run"
stop() {
	kill "$hpid" 2>/dev/null
	[ -s "$run/nginx.pid" ] && kill -QUIT "$(cat "$run/nginx.pid")" \
	    2>/dev/null
	[ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$run"
}
trap stop EXIT
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^Serving HTTP on [0-9.]* port \([0-9]*\).*/\1/p' \
	    "$d/http.log")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { it_fail "a static server on 127.0.0.1"; it_done; }
url=http://127.0.0.1:$port
root=$m/tuf/metadata/1.root.json
client() {	# client BASE_URL WORKDIR TARGET...
	local base=$1 work=$2; shift 2
	node "$tc/check.js" "$base/tuf" "$root" "$d/$work" "$@"
}
rejects() {	# rejects DESC PATTERN CMD...: CMD fails, naming PATTERN
	local desc=$1 pat=$2; shift 2
	if "$@" >"$IT_TMP/.log" 2>&1; then
		echo "# accepted" >>"$IT_TMP/.log"; it_fail "$desc"
	elif grep -qi -- "$pat" "$IT_TMP/.log"; then
		it_pass "$desc: $(head -c 150 "$IT_TMP/.log")"
	else echo "# no \"$pat\"" >>"$IT_TMP/.log"; it_fail "$desc"; fi
}
serve() { rm -rf "${srv:?}/$1"; cp -a "$2" "$srv/$1"; }
serve m1 "$m"
check "tuf-js (http.server) refreshes and downloads every target" \
    client "$url/m1" w1 $(cat "$d/targets")
check "  ... the bytes downloaded are the mirror's" sh -c \
    'while read -r p; do cmp "$1/$p" "$2/targets/$p" || exit 1; done <"$3"' \
    _ "$m" "$d/w1" "$d/targets"

nport=$(it_port 18590)
if "$EC_ROOT/tools/render-nginx.sh" --run-dir "$run" \
    --listen 127.0.0.1:$nport --user www-data >/dev/null 2>"$d/nginx.err" &&
    mkdir -p "$run/mirror" && cp -a "$m" "$run/mirror/m1" &&
    chmod -R a+rX "$run/mirror" &&
    nginx -p "$run" -e "$run/logs/error.log" -c "$run/nginx.conf"; then
	export NODE_EXTRA_CA_CERTS=$run/tls/ca.pem
	check "tuf-js (nginx, TLS) refreshes and downloads every target" \
	    client "https://127.0.0.1:$nport/mirror/m1" wn $(cat "$d/targets")
else
	cat "$d/nginx.err"; it_fail "nginx serves the mirror"
fi

# The client refuses what an attacker or a broken mirror serves.
b1meta=$m/tuf/metadata n3meta=$n/tuf/metadata
serve m3 "$n"
check "tuf-js updates from build 1 to build 3" client "$url/m3" w1 \
    export.json
serve roll "$n"
cp "$b1meta/$v.snapshot.json" "$b1meta/$v.targets.json" \
    "$srv/roll/tuf/metadata/"
/usr/bin/python3 "$forge" "$n3meta/timestamp.json" \
    "$srv/roll/tuf/metadata/timestamp.json" "$d/k1/signing.key.pem" \
    "$d/k2/signing.key.pem" --set version=$((v3 + 1)) \
    --meta "snapshot.json=$b1meta/$v.snapshot.json:$v"
rejects "a rolled-back snapshot version is rejected" "version" \
    client "$url/roll" w1 export.json
serve roll "$n"
cp "$b1meta/$v.targets.json" "$srv/roll/tuf/metadata/"
/usr/bin/python3 "$forge" "$n3meta/$v3.snapshot.json" \
    "$srv/roll/tuf/metadata/$((v3 + 1)).snapshot.json" \
    "$d/k1/signing.key.pem" "$d/k2/signing.key.pem" \
    --set version=$((v3 + 1)) \
    --meta "targets.json=$b1meta/$v.targets.json:$v"
/usr/bin/python3 "$forge" "$n3meta/timestamp.json" \
    "$srv/roll/tuf/metadata/timestamp.json" "$d/k1/signing.key.pem" \
    "$d/k2/signing.key.pem" --set version=$((v3 + 1)) --meta \
    "snapshot.json=$srv/roll/tuf/metadata/$((v3 + 1)).snapshot.json:$((v3 + 1))"
rejects "a rolled-back targets version is rejected" "version" \
    client "$url/roll" w1 export.json
serve mix "$n"
cp "$b1meta/$v.snapshot.json" "$srv/mix/tuf/metadata/$v3.snapshot.json"
rejects "metadata of two builds mixed is rejected" "hash\|length" \
    client "$url/mix" w2 export.json
serve thr "$m"
jq -c '.signatures |= .[:1]' "$b1meta/timestamp.json" \
    >"$srv/thr/tuf/metadata/timestamp.json"
rejects "one signature of a threshold of 2 is rejected" "signed by 1/2" \
    client "$url/thr" w3 export.json
serve bad "$m"
h=$(jq -r '.signed.targets["export.json"].hashes.sha256' \
    "$b1meta/$v.targets.json")
sed -i 's/mirror:full/mirror:fulL/' "$srv/bad/tuf/targets/$h.export.json"
rejects "a tampered target is rejected" "hash" client "$url/bad" w4 \
    export.json
cp "$m/export.json" "$srv/bad/tuf/targets/$h.export.json"
printf 'endless data' >>"$srv/bad/tuf/targets/$h.export.json"
rejects "a target longer than its length is rejected" "length" \
    client "$url/bad" w5 export.json
check "build 4: the timestamp expired in 2001" build "$d/b4" \
    --param expires-timestamp=2001-01-01T00:00:00Z
serve exp "$(ls -d "$d"/b4/*/ | head -n 1)"
rejects "an expired timestamp is rejected" "expired" client "$url/exp" w6 \
    export.json

# Root rotation: root 2 lists k3 alone and is signed by k1, k2 and k3.
serve rot "$n"
check "exportctl tuf rotate writes 2.root.json" "$EC_BIN" tuf rotate \
    --key "$d/k3/signing.key.pem" --old-key "$d/k1/signing.key.pem" \
    --old-key "$d/k2/signing.key.pem" --expires 2099-01-01T00:00:00Z \
    --out "$srv/rot"
check "tuf-js holding root 1 follows the rotation" client "$url/rot" w7 \
    export.json
check_fails "exportctl verify names what the rotation added to the build" \
    3 "not listed in manifest.json" "$EC_BIN" verify "$srv/rot" \
    --key "$d/k1/signing.pub.pem"
check_equal "  ... and now trusts root 2" \
    "$(jq .signed.version "$d/w7/metadata/root.json")" 2
# The operator's next build after the rotation: the new key alone, the
# rotated chain served as it is, newer evidence.
snap=$(date -u -d "$snap + 1 day" +%Y-%m-%dT%H:%M:%SZ)
sed "s/GHSA-mf92-0000-0001/GHSA-mf92-0000-0002/; s/\"modified\":\"[^\"]*\"/\"modified\":\"$snap\"/" \
    "$d/new/GHSA-mf92-0000-0001.json" >"$d/new/GHSA-mf92-0000-0002.json"
"$EC_BIN" ingest --tenant "$t" "$d/new" >/dev/null
check "build 5 with the rotated key and tuf-roots" sh -c '"$1" build \
    --profile mirror:full --tenant "$2" --key "$3" --param tuf-roots="$4" \
    --param expires-timestamp=36500d --param expires-snapshot=36500d \
    --param expires-targets=36500d --out "$5" >/dev/null' _ "$EC_BIN" "$t" \
    "$d/k3/signing.key.pem" "$srv/rot/tuf/metadata" "$d/b5"
serve rot5 "$(ls -d "$d"/b5/*/ | head -n 1)"
check "the client that followed the rotation updates to build 5" client \
    "$url/rot5" w7 export.json
rm -f "$srv/rot5/tuf/metadata/2.root.json"
rejects "without 2.root.json a client on root 1 refuses build 5" \
    "signed by 0/2" client "$url/rot5" w8 export.json
ls "$srv/rot/tuf/metadata" >"$d/rot.before"
check_fails "rotating with keys that are not root 2's is refused" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" tuf rotate --key \
    "$d/k1/signing.key.pem" --old-key "$d/k1/signing.key.pem" \
    --expires 2099-01-01T00:00:00Z --out "$srv/rot"
check "  ... and writes nothing" sh -c \
    'ls "$1/tuf/metadata" | cmp - "$2"' _ "$srv/rot" "$d/rot.before"

# OCI: skopeo and umoci read the layout; every artifact reaches a registry.
refs=$(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' \
    "$m/oci/index.json")
check_equal "index.json refs" "$(echo $refs)" \
    "json-raw trivy-db trivy-db.provenance trivy-java-db trivy-java-db.provenance sbom"
check "umoci ls --layout lists every ref" sh -c \
    'test "$(umoci ls --layout "$1/oci" | sort)" = "$(printf "%s\n" $2 | sort)"' \
    _ "$m" "$refs"
rport=$(it_port 18591)
"$EC_ROOT/tests/lib/registry.sh" start "$d/reg" "$rport" &&
    rpid=$(cat "$d/reg/pid")
for r in $refs; do
	check "skopeo inspect oci:DIR/oci:$r" sh -c \
	    'skopeo inspect --raw "oci:$1/oci:$2" | jq -e .layers >/dev/null' \
	    _ "$m" "$r"
	check "skopeo copy $r into docker-registry and back, same digest" sh -c \
	    'skopeo copy --quiet --dest-tls-verify=false "oci:$1/oci:$2" \
	    "docker://127.0.0.1:$3/mirror/$2:1" &&
	    test "$(skopeo inspect --raw --tls-verify=false \
	    "docker://127.0.0.1:$3/mirror/$2:1" | sha256sum)" = \
	    "$(skopeo inspect --raw "oci:$1/oci:$2" | sha256sum)"' \
	    _ "$m" "$r" "$rport"
done
# The same profile as a queued run, built by export-cron with its key.
id=$("$EC_BIN" run create --tenant "$t" --profile mirror:full \
    --param expires-timestamp=36500d)
check "export-cron --once builds the mirror:full run" sh -c \
    '"$1" --once --store "$2" --key "$3" 2>"$4"' _ "$EC_CRON" "$EC_STORE" \
    "$d/k1/signing.key.pem" "$d/cron.log"
"$EC_BIN" --json run wait "$id" --tenant "$t" --timeout 120 >"$d/run.json"
check_equal "the run succeeded" "$(jq -r .status "$d/run.json")" succeeded
check "its outputs include the TUF trust anchor" sh -c \
    'jq -e "[.outputs[].id] | any(test(\"tuf/metadata/1.root.json\"))" "$1" ||
    jq -e "[.outputs[] | tostring] | any(test(\"1.root.json\"))" "$1"' \
    _ "$d/run.json"
check "exportctl estimate needs no key" sh -c '"$1" estimate --profile \
    mirror:full --tenant "$2" | grep -q "^fits      yes"' _ "$EC_BIN" "$t"
check_fails "a mirror without a TUF key is refused before any work" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" build --profile mirror:full \
    --tenant "$t" --out "$d/nokey"
check_equal "  ... and nothing is written" "$(ls "$d/nokey" 2>/dev/null)" ""
check_fails "a second --key is refused by a profile without TUF" 2 \
    'no such parameter' "$EC_BIN" build --profile json:raw --tenant "$t" \
    --key "$d/k1/signing.key.pem" --key "$d/k2/signing.key.pem" \
    --out "$d/raw"
"$EC_BIN" keys generate --type ecdsa-p256 --out "$d/k4" >/dev/null
check_fails "an ECDSA key is refused for TUF" 2 "only Ed25519" \
    "$EC_BIN" build --profile mirror:full --tenant "$t" --key \
    "$d/k1/signing.key.pem" --key "$d/k4/signing.key.pem" --out "$d/ec"
check_fails "tuf-roots without 1.root.json is refused" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" build --profile mirror:full \
    --tenant "$t" --key "$d/k1/signing.key.pem" --param tuf-roots="$d" \
    --out "$d/nr"
check_equal "  ... and neither writes anything" \
    "$(ls "$d/ec" "$d/nr" 2>/dev/null | grep -v ':$' | grep -v '^$')" ""
check_fails "a bad expiry is refused" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" build --profile mirror:full --tenant "$t" --key \
    "$d/k1/signing.key.pem" --param expires-root=soon --out "$d/bad"
it_done
