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

# golden NAME BUNDLE-SHA256 TAR-SHA256 BUILD-ARGS...: the bundle, and the
# tar inside it (which no zstd setting can change).
golden() {
	local name=$1 want=$2 want_tar=$3 b; shift 3
	mkdir -p "$IT_TMP/$name"
	check "$name: build" "$EC_BIN" build --profile json:raw --tenant "$t" \
	    --out "$IT_TMP/$name" "$@"
	b=$(it_bundle "$IT_TMP/$name")
	check_equal "$name: golden bundle sha256" \
	    "$(sha256sum <"$b" | cut -d' ' -f1)" "$want"
	check_equal "$name: golden tar sha256" \
	    "$(zstd -dc <"$b" | sha256sum | cut -d' ' -f1)" "$want_tar"
}

# History of deliberate changes, digests as first pinned:
# - zstd's multithreaded encoder (ec_bundle.h): bundles smaller than one
#   zstd job kept their bytes; both-unsigned (larger) went from ed150a9e...
#   to efecb75d..., its tar unchanged;
# - SBOM file names always carry a digest of (source, id) (json_raw.c), so
#   the json format's tar changed: json-signed 4b609e0d... (tar d5c612e0...)
#   and both-unsigned efecb75d... (tar 78b1b825...);
# - a fixed 2 MiB zstd job size (peak memory): both-unsigned, larger than
#   one job, went from 96afab1e... to 8528ddc1..., its tar unchanged.
# - bundle compressed as N frames (ec_bundle_frames): every streamed
#   file of 64 KiB or more is compressed while it is written, as its own
#   zstd frames between the frame that ends with its tar header and the
#   one that starts with its padding; all three bundles changed
#   (json-signed 8b2c9ed5..., ndjson-signed 474de1fa..., both-unsigned
#   8528ddc1...), every tar unchanged.
golden json-signed \
    2c0dabc88bea34ebc4a8ee0b6627637ee7bdc9706c97e049144a7dd94476a711 \
    c1689b8a27ab101e0753278bd38f0af94eff5291645cd6048b4357fece205a2e \
    --key "$key"
golden ndjson-signed \
    7ae686dbfff4f6a1de3e90b9e1a8353f7904c830e09b6a312b7f0ad48844303d \
    85798683022461d3812f230c3b03d4e7a08cfcef8fee9018675c8f44c770cbbe \
    --key "$key" --formats ndjson
golden both-unsigned \
    20dd593d7a682316afc2e330f3596c6347c60be21ad7543cbf368453b82ec390 \
    cc8015bffd2a07ba51d23d98a09b1d9bfee5e2fe89eb700bd383f35816234e78 \
    --formats json,ndjson
it_done
