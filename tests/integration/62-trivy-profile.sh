#!/bin/bash
# exportctl build --profile trivy:db from the ingested fixtures: two builds
# give the same trivy.db, db.tar.gz and OCI manifests; the directory
# verifies; bbolt's tx.Check and Trivy's lookups (build/trivycheck) pass
# on the profile's trivy.db; skopeo and umoci read the OCI layout, and
# gzip and tar read db.tar.gz as Trivy unpacks it (trivy-db.md 3.1-3.2).
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
fx=$EC_ROOT/tests/fixtures
tools=$EC_ROOT/build
"$EC_BIN" ingest --tenant "$t" "$fx" >/dev/null
find "$fx/osv" -name '*.json' | sort >"$IT_TMP/files"

"$EC_BIN" keys generate --type ed25519 --out "$IT_TMP/k" >/dev/null
for run in 1 2; do
	mkdir -p "$IT_TMP/$run"
	check "build $run" sh -c '"$1" build --profile trivy:db --tenant "$2" \
	    --key "$3/signing.key.pem" --out "$4" >"$4.out"' _ "$EC_BIN" "$t" \
	    "$IT_TMP/k" "$IT_TMP/$run"
done
d1=$(ls -d "$IT_TMP"/1/*/ | head -n 1)
d2=$(ls -d "$IT_TMP"/2/*/ | head -n 1)
for f in trivy.db metadata.json db.tar.gz oci/index.json manifest.json; do
	check "$f: identical bytes in both builds" cmp "$d1/$f" "$d2/$f"
done
check_equal "the OCI blobs (manifest, config, layer) are the same" \
    "$(cd "$d1/oci/blobs/sha256" && sha256sum * | sha256sum)" \
    "$(cd "$d2/oci/blobs/sha256" && sha256sum * | sha256sum)"
check "exportctl verify of the directory" "$EC_BIN" verify "$d1" \
    --key "$IT_TMP/k/signing.pub.pem"
check "sha256sum -c checksums.txt" \
    sh -c 'cd "$1" && sha256sum --strict -c checksums.txt' _ "$d1"
check "the summary counts the skipped advisories" \
    grep -q '^skipped   [1-9][0-9]* documents' "$IT_TMP/1.out"
check "provenance records them per kind" sh -c 'jq -e \
    ".predicate.buildDefinition.internalParameters.skipped.advisory |
    (.documents > 0) and (.sha256 | length == 64)" "$1/provenance.json"' \
    _ "$d1"
check_equal "metadata.json: Version 2, times from the snapshot" \
    "$(jq -c '[.Version, .NextUpdate]' "$d1/metadata.json")" \
    '[2,"2099-01-01T00:00:00Z"]'
check "bbolt: tx.Check is clean on the profile's trivy.db" \
    sh -c '"$1" -rw "$2" >/dev/null' _ "$tools/boltcheck" "$d1/trivy.db"
check "trivycheck: every fixture advisory found as Trivy looks it up" \
    sh -c '"$1" "$2/trivy.db" "$2/metadata.json" "@$3" >"$4"
    tail -n 1 "$4"; grep -q " 0 failures$" "$4"' _ "$tools/trivycheck" \
    "$d1" "$IT_TMP/files" "$IT_TMP/check.out"
check "gzip -t db.tar.gz" gzip -t "$d1/db.tar.gz"
check_equal "db.tar.gz holds exactly trivy.db and metadata.json" \
    "$(tar -tzf "$d1/db.tar.gz" | tr '\n' ' ')" "trivy.db metadata.json "
check_equal "gzip header: no name, no mtime" \
    "$(od -A n -t x1 -N 10 "$d1/db.tar.gz" | tr -d ' \n')" \
    "1f8b0800000000000003"
mkdir "$IT_TMP/x"
tar -C "$IT_TMP/x" -xzf "$d1/db.tar.gz"
check "the archive's files are the directory's" sh -c \
    'cmp "$1/trivy.db" "$2/trivy.db" && cmp "$1/metadata.json" \
    "$2/metadata.json"' _ "$IT_TMP/x" "$d1"
check_equal "oci-layout" "$(cat "$d1/oci/oci-layout")" \
    '{"imageLayoutVersion":"1.0.0"}'
m=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$d1/oci/index.json")
check_equal "index.json: one manifest, tagged 2" \
    "$(jq -c '[(.manifests | length), .manifests[0].annotations]' \
    "$d1/oci/index.json")" '[1,{"org.opencontainers.image.ref.name":"2"}]'
check_equal "manifest: the layer as Trivy pulls it (section 3.2)" \
    "$(jq -c '[.artifactType, .config.mediaType, .config.size,
    (.layers | length), .layers[0].mediaType,
    .layers[0].annotations["org.opencontainers.image.title"]]' \
    "$d1/oci/blobs/sha256/$m")" \
    '["application/vnd.aquasec.trivy.config.v1+json","application/vnd.oci.empty.v1+json",2,1,"application/vnd.aquasec.trivy.db.layer.v1.tar+gzip","db.tar.gz"]'
check_equal "the layer blob is db.tar.gz" \
    "$(jq -r '.layers[0].digest' "$d1/oci/blobs/sha256/$m")" \
    "sha256:$(sha256sum <"$d1/db.tar.gz" | cut -c1-64)"
check "skopeo inspect oci:DIR:2 reads the artifact" sh -c \
    'skopeo inspect --raw "oci:$1/oci:2" | cmp - "$1/oci/blobs/sha256/$2"' \
    _ "$d1" "$m"
check "skopeo copy of the layout verifies every digest" \
    skopeo copy --quiet "oci:$d1/oci:2" "oci:$IT_TMP/copy:2"
check "umoci ls --layout lists the tag" sh -c \
    'test "$(umoci ls --layout "$1/oci")" = 2' _ "$d1"
check "umoci stat reads the manifest" sh -c \
    'umoci stat --image "$1/oci:2" --json | jq -e .history' _ "$d1"
# The checker must be able to fail: an empty tenant has no advisories.
e=$(it_tenant empty)
mkdir "$IT_TMP/e"
check "an empty tenant still builds (an empty vulnerability bucket)" \
    "$EC_BIN" build --profile trivy:db --tenant "$e" --out "$IT_TMP/e"
check_fails "trivycheck fails on the empty DB" 1 - "$tools/trivycheck" \
    "$(ls -d "$IT_TMP"/e/*/)trivy.db" "$(ls -d "$IT_TMP"/e/*/)metadata.json" \
    "@$IT_TMP/files"
check "exportctl profiles lists trivy:db" sh -c \
    '"$1" profiles | grep -q "^trivy:db"' _ "$EC_BIN"
it_done
