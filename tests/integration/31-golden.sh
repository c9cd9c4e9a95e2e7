#!/bin/bash
# Golden digests: json:raw bundles built from tests/fixtures/ with the
# committed test-only key (tests/data/keys/) must keep their exact bytes.
# Besides our own code, this catches a libzstd or libarchive upgrade that
# changes the compressed output.  A deliberate change of the bundle format
# updates a digest here in the same commit, saying why.
. "$(dirname "$0")/../lib/it.sh"

# A fixed tenant: the manifest and the run id carry its name.
t=golden
key=$IT_TMP/test.key.pem
cp "$EC_ROOT/tests/data/keys/test-ed25519.key.pem" "$key"
chmod 600 "$key"
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures" >/dev/null

# golden NAME DIGEST BUILD-ARGS...
golden() {
	local name=$1 want=$2; shift 2
	mkdir -p "$IT_TMP/$name"
	check "$name: build" "$EC_BIN" build --profile json:raw --tenant "$t" \
	    --out "$IT_TMP/$name" "$@"
	check_equal "$name: golden sha256" \
	    "$(sha256sum <"$(it_bundle "$IT_TMP/$name")" | cut -d' ' -f1)" \
	    "$want"
}

golden json-signed \
    4b609e0daaec69d2206e3d05c05b98832f4cf372eb72934fa963acddd6482747 \
    --key "$key"
golden ndjson-signed \
    474de1fa661c66e9f0d213d5cf05a0451bee4b03eb230aaa7b4951013ebe3d1f \
    --key "$key" --formats ndjson
golden both-unsigned \
    ed150a9e16f8a2275c45e5b016ac488266d3ed5321998940522076dc23a8db52 \
    --formats json,ndjson
it_done
