#!/bin/bash
# json:raw bundles: byte-identical rebuilds, offline verification by our
# verifier and by independent ones (sha256sum, Python cryptography), both
# key types, both formats.
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
fx=$EC_ROOT/tests/fixtures
"$EC_BIN" ingest --tenant "$t" "$fx" >/dev/null
ndocs=$(it_rows "$t" "")

for type in ed25519 ecdsa-p256; do
	k=$IT_TMP/keys-$type
	check "$type: keys generate" "$EC_BIN" keys generate --type "$type" \
	    --out "$k"
	check_equal "$type: private key is 0600" \
	    "$(stat -c %a "$k/signing.key.pem")" 600
	check_fails "$type: keys generate refuses to overwrite" 2 ERR_ \
	    "$EC_BIN" keys generate --type "$type" --out "$k"
	for run in 1 2; do
		mkdir -p "$IT_TMP/$type-$run"
		check "$type: build $run" "$EC_BIN" build --profile json:raw \
		    --tenant "$t" --key "$k/signing.key.pem" \
		    --out "$IT_TMP/$type-$run"
	done
	b1=$(it_bundle "$IT_TMP/$type-1")
	b2=$(it_bundle "$IT_TMP/$type-2")
	check "$type: two builds are byte-identical" cmp "$b1" "$b2"
	check "$type: exportctl verify" "$EC_BIN" verify "$b1" \
	    --key "$k/signing.pub.pem"
	x=$IT_TMP/$type-x
	mkdir -p "$x"
	tar -C "$x" --zstd -xf "$b1"
	check "$type: exportctl verify of the unpacked directory" \
	    "$EC_BIN" verify "$x" --key "$k/signing.pub.pem"
	check "$type: sha256sum -c checksums.txt" \
	    sh -c 'cd "$1" && sha256sum --strict -c checksums.txt' _ "$x"
	for env in manifest provenance; do
		check "$type: $env.dsse.json verifies with Python cryptography" \
		    /usr/bin/python3 "$EC_ROOT/tests/tools/dsse_verify.py" \
		    "$x/$env.dsse.json" "$k/signing.pub.pem"
	done
	check_equal "$type: manifest counts every document" \
	    "$(jq .documents "$x/manifest.json")" "$ndocs"
	check "$type: DSSE payload is manifest.json byte for byte" \
	    sh -c 'jq -r .payload "$1/manifest.dsse.json" | base64 -d |
	    cmp - "$1/manifest.json"' _ "$x"
done

x=$IT_TMP/ed25519-x
check "tar members are sorted, owned by 0/0, mode 0644, one mtime" \
    sh -c 'tar --zstd -tvf "$1" >"$2/list" &&
    awk "{print \$6}" "$2/list" | LC_ALL=C sort -c &&
    ! grep -v "^-rw-r--r-- 0/0 " "$2/list" &&
    [ "$(awk "{print \$4, \$5}" "$2/list" | sort -u | wc -l)" -eq 1 ]' \
    _ "$(it_bundle "$IT_TMP/ed25519-1")" "$IT_TMP"
check "zstd -t accepts the bundle" zstd -q -t "$(it_bundle "$IT_TMP/ed25519-1")"
check "advisories.json is a JSON array of every advisory" \
    sh -c '[ "$(jq length "$1/data/advisories.json")" -eq "$2" ]' _ "$x" \
    "$(it_rows "$t" "WHERE kind = 'advisory'")"
check "manifest items are sorted by type, id, format, path" \
    sh -c 'jq -c "[.items[] | [.type, .id, .format, .path]]" "$1" >"$2.a" &&
    jq -c "[.items[] | [.type, .id, .format, .path]] | sort" "$1" >"$2.b" &&
    cmp "$2.a" "$2.b"' _ "$x/manifest.json" "$IT_TMP/order"
check "provenance is an in-toto Statement v1 with SLSA v1" \
    jq -e '._type == "https://in-toto.io/Statement/v1" and
    .predicateType == "https://slsa.dev/provenance/v1" and
    .predicate.buildDefinition.externalParameters.profile == "json:raw" and
    (.predicate.buildDefinition.resolvedDependencies | length) > 0 and
    (.predicate.runDetails.builder.id | length) > 0' "$x/provenance.json"

# NDJSON and a narrower selection; unsigned bundles.
mkdir -p "$IT_TMP/nd"
check "ndjson build of advisories and vex, unsigned" "$EC_BIN" build \
    --profile json:raw --tenant "$t" --targets vex,advisory \
    --formats ndjson --out "$IT_TMP/nd"
nd=$(it_bundle "$IT_TMP/nd")
check "unsigned bundle verifies without a key" "$EC_BIN" verify "$nd"
check_fails "unsigned bundle fails when a key is expected" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" verify "$nd" --key "$IT_TMP/keys-ed25519/signing.pub.pem"
check_fails "signed bundle fails without a key" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" verify "$(it_bundle "$IT_TMP/ed25519-1")"
check_fails "signed bundle fails with another key" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" verify "$(it_bundle "$IT_TMP/ed25519-1")" \
    --key "$IT_TMP/keys-ecdsa-p256/signing.pub.pem"
check "ndjson: one canonical document per line" \
    sh -c 'tar --zstd -xOf "$1" data/vex.ndjson | jq -c . >"$2/nd.txt" &&
    [ "$(wc -l <"$2/nd.txt")" -eq "$3" ]' _ "$nd" "$IT_TMP" \
    "$(it_rows "$t" "WHERE kind = 'vex'")"
check "--json output is machine-readable" \
    sh -c '"$1" --json verify "$2" | jq -e ".ok and .items == 2"' _ \
    "$EC_BIN" "$nd"
it_done
