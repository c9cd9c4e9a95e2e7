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

# Bundles smaller than one zstd job: the same bytes as the single-threaded
# libarchive filter wrote before the multithreaded encoder (ec_bundle.h).
golden json-signed \
    4b609e0daaec69d2206e3d05c05b98832f4cf372eb72934fa963acddd6482747 \
    d5c612e077361e1dceaa9286f00e7cba51c4107b7791e957472e0fb491f05488 \
    --key "$key"
golden ndjson-signed \
    474de1fa661c66e9f0d213d5cf05a0451bee4b03eb230aaa7b4951013ebe3d1f \
    85798683022461d3812f230c3b03d4e7a08cfcef8fee9018675c8f44c770cbbe \
    --key "$key" --formats ndjson
# Larger than one job: the multithreaded framing (any worker count >= 1)
# differs from the old single-pass one (was ed150a9e...); the tar inside is
# the same.
golden both-unsigned \
    efecb75deab1e22bf5f3c327b67c5bc11d9baca6aa55dfa7d66f518f13d40bc4 \
    78b1b825fea6667ee3254d70384485cd798c1c533894abec9c10d3f5fb12afc9 \
    --formats json,ndjson
it_done
