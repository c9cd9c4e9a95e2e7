#!/bin/sh
# make demo: the main job end to end on a throwaway local stack.
#   1. start a private PostgreSQL cluster and migrate it;
#   2. ingest the real evidence shipped in tests/fixtures/;
#   3. generate an Ed25519 signing key and build a signed json:raw bundle,
#      and a json:policy bundle decided by tests/data/policy/example.json;
#   4. stop the stack, then verify the bundle offline: exportctl verify,
#      sha256sum -c on the unpacked files, and the DSSE signatures again
#      with Python's cryptography instead of our code; replay the policy
#      decisions from the json:policy bundle alone.
#   5. the service path: the local stack (tools/stack.sh, as make up),
#      a run created over HTTPS with a DPoP token and proof minted by
#      PyJWT and jwcrypto, polled until it succeeds; its bundle is
#      downloaded through nginx by the run's signed URL, cut halfway and
#      resumed with Range, checked against the run's sha256 with
#      sha256sum, found again in the run's distribution and verified.
# Outputs stay in var/demo/ for a look afterwards.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=$root/build/exportctl
demo=$root/var/demo
tenant=demo
rm -rf "$demo"
mkdir -p "$demo/out"
pgdir=$(mktemp -d /tmp/ec-demo.XXXXXX)
stop() { tests/lib/pg.sh stop "$pgdir/pg" >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap stop EXIT

step() { printf '\n== %s\n' "$*"; }

step "start PostgreSQL (private cluster in $pgdir) and migrate"
EXPORT_CENTER_DB=$(tests/lib/pg.sh start "$pgdir/pg")
export EXPORT_CENTER_DB
"$bin" db migrate

step "ingest tests/fixtures (OSV, OpenVEX, CSAF, CycloneDX, SPDX)"
"$bin" ingest --tenant "$tenant" tests/fixtures

step "generate an Ed25519 signing key"
"$bin" keys generate --type ed25519 --out "$demo/keys"

step "build a signed json:raw bundle"
"$bin" build --profile json:raw --tenant "$tenant" \
    --key "$demo/keys/signing.key.pem" --out "$demo/out" | tee "$demo/build.txt"
bundle=$(ls "$demo"/out/*.tar.zst)

step "json:policy: findings decided by the example policy (tests/data/policy)"
"$bin" ingest --tenant "$tenant" tests/data/policy/osv tests/data/vex \
    tests/data/policy/example.json
mkdir -p "$demo/policy"
"$bin" build --profile json:policy --tenant "$tenant" \
    --key "$demo/keys/signing.key.pem" --out "$demo/policy"
pbundle=$(ls "$demo"/policy/*.tar.zst)
tar --zstd -xOf "$pbundle" manifest.json | jq -r '.summary.sboms[] |
    "\(.verdict)\t\(.findings) findings (\(.suppressed) suppressed by VEX), " +
    "\(.unmatched) unmatched\t\(.sbom.id)"'

step "stop the stack: everything below runs with no database"
stop
trap - EXIT

step "exportctl verify (offline, public key only)"
"$bin" verify "$bundle" --key "$demo/keys/signing.pub.pem"

step "exportctl policy replay: every decision again from the bundle alone"
"$bin" verify "$pbundle" --key "$demo/keys/signing.pub.pem" >/dev/null
"$bin" policy replay "$pbundle"

step "sha256sum -c on the unpacked bundle"
mkdir -p "$demo/unpacked"
tar -C "$demo/unpacked" --zstd -xf "$bundle"
(cd "$demo/unpacked" && sha256sum --strict --quiet -c checksums.txt &&
    echo "checksums.txt: $(wc -l <checksums.txt) files OK")

step "DSSE signatures checked by an independent verifier (Python cryptography)"
for env in manifest provenance; do
	/usr/bin/python3 tests/tools/dsse_verify.py \
	    "$demo/unpacked/$env.dsse.json" "$demo/keys/signing.pub.pem" |
	    sed "s/^/$env.dsse.json: /"
done

step "the service: nginx on https://127.0.0.1:8443, the FastCGI pool, export-cron"
started=0
[ -s var/stack.env ] || started=1
tools/stack.sh up >"$demo/stack.env"
cat "$demo/stack.env"
. "$demo/stack.env"
# call METHOD PATH [CURL ARGS]: a fresh token and proof for each request.
call() {
	m=$1 p=$2
	shift 2
	tp=$(/usr/bin/python3 tests/tools/dpop.py mint var/keys \
	    "$EXPORT_CENTER_ISSUER" "$m" "$EXPORT_CENTER_URL$p" "$EXPORT_CENTER_TENANT")
	curl -sS --fail-with-body --cacert "$EXPORT_CENTER_CA" -X "$m" \
	    -H "Authorization: DPoP ${tp% *}" -H "DPoP: ${tp#* }" \
	    -H "X-StellaOps-Tenant: $EXPORT_CENTER_TENANT" \
	    -H 'Content-Type: application/json' "$EXPORT_CENTER_URL$p" "$@"
}
step "POST /export-center/runs (json:raw over the advisories)"
call POST /export-center/runs -H "Idempotency-Key: demo-$(date +%s)" \
    --data-binary "{\"profileId\":\"export-profile::$EXPORT_CENTER_TENANT::json:raw\",
    \"targets\":[\"advisory\"],\"formats\":[\"json\"]}" | tee "$demo/run.json"
echo
run=$(jq -r .runId "$demo/run.json")
step "GET /export-center/runs/$run until it has finished"
for _ in $(seq 1 300); do
	call GET "/export-center/runs/$run" >"$demo/status.json"
	case $(jq -r .status "$demo/status.json") in
	succeeded|failed|expired) break ;;
	esac
	sleep 0.2
done
jq . "$demo/status.json"
[ "$(jq -r .status "$demo/status.json")" = succeeded ]
# The bundle's signed URL is relative to the API base; no token needed.
out() { jq -r ".outputs[] | select(.type == \"bundle\") | $1" \
    "$demo/status.json"; }
url=$(out .url)
hex=$(out '.sha256 | ltrimstr("sha256:")')
size=$(out .size)
dl=$demo/service.tar.zst
get() { curl -sS --fail --cacert "$EXPORT_CENTER_CA" "$@"; }
step "download the bundle through nginx, cut halfway and resumed (Range)"
echo "GET ${url%%\?*}?exp=...&kid=...&sig=..."
get -r "0-$((size / 2 - 1))" -o "$dl" "$EXPORT_CENTER_URL$url"
echo "interrupted at $(stat -c %s "$dl") of $size bytes"
[ "$(stat -c %s "$dl")" -eq $((size / 2)) ]
get -C - -o "$dl" "$EXPORT_CENTER_URL$url"
echo "resumed: $(stat -c %s "$dl") bytes"
echo "$hex  $dl" | sha256sum --strict -c
step "GET $(jq -r .links.distribution "$demo/status.json")"
call GET "$(jq -r .links.distribution "$demo/status.json")" >"$demo/dist.json"
jq '{distributionId, type, checksum, size, expiresAt,
    links: [.links[] | {rel, sha256}]}' "$demo/dist.json"
# The distribution names the same bytes: its checksum and its bundle link.
jq -e --arg s "sha256:$hex" '.checksum == $s and
    ([.links[] | select(.rel == "bundle") | .sha256] == [$s])' \
    "$demo/dist.json" >/dev/null
get -o "$demo/dist.tar.zst" "$EXPORT_CENTER_URL$(jq -r \
    '.links[] | select(.rel == "bundle") | .href' "$demo/dist.json")"
cmp "$demo/dist.tar.zst" "$dl"
echo "its checksum and its bundle link: the same bytes"
step "exportctl verify on the downloaded bundle"
"$bin" verify "$dl" --key "$EXPORT_CENTER_BUILDER_KEY"
if [ "$started" -eq 1 ]; then
	step "stop the service (make up keeps it running)"
	tools/stack.sh down
fi

step "done"
cat <<EOT
bundle     $bundle
public key $demo/keys/signing.pub.pem
verified   every file against manifest.json and checksums.txt, the manifest
           and provenance DSSE signatures (by exportctl and by Python), and
           the in-toto provenance subjects -- offline, with the stack stopped.
service    run $run through nginx and the FastCGI pool, built by
           export-cron, downloaded through nginx by its signed URL
           (resumed with Range) and verified: $dl
EOT
