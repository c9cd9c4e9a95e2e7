#!/bin/bash
# exportctl build --profile trivy:java-db from the ingested SBOMs: two
# builds give the same trivy-java.db, javadb.tar.gz and OCI manifests; the
# sqlite3 CLI finds the schema of specs/trivy-db.md section 3.4 and
# answers Trivy's three lookups for fixture components (CycloneDX and
# SPDX); skopeo and umoci read the layout; the directory verifies.
. "$(dirname "$0")/../lib/it.sh"

t=$(it_tenant main)
fx=$EC_ROOT/tests/fixtures
"$EC_BIN" ingest --tenant "$t" "$fx" >/dev/null
"$EC_BIN" keys generate --type ed25519 --out "$IT_TMP/k" >/dev/null
for run in 1 2; do
	mkdir -p "$IT_TMP/$run"
	check "build $run" "$EC_BIN" build --profile trivy:java-db \
	    --tenant "$t" --key "$IT_TMP/k/signing.key.pem" --out "$IT_TMP/$run"
done
d1=$(ls -d "$IT_TMP"/1/*/ | head -n 1)
d2=$(ls -d "$IT_TMP"/2/*/ | head -n 1)
for f in trivy-java.db metadata.json javadb.tar.gz oci/index.json \
    manifest.json; do
	check "$f: identical bytes in both builds" cmp "$d1/$f" "$d2/$f"
done
check "exportctl verify of the directory" "$EC_BIN" verify "$d1" \
    --key "$IT_TMP/k/signing.pub.pem"
db=$d1/trivy-java.db
want=$(printf '%s\n' \
    'CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);' \
    'CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT, foreign key (artifact_id) references artifacts(id));' \
    'CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id, group_id);' \
    'CREATE INDEX indices_artifact_idx ON indices(artifact_id);' \
    'CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1);')
check_equal "sqlite3 .schema is section 3.4's" "$(sqlite3 "$db" .schema)" \
    "$want"
check_equal "integrity_check, page size 4096, no free pages, not WAL" \
    "$(sqlite3 "$db" 'PRAGMA integrity_check; PRAGMA page_size;
    PRAGMA freelist_count; PRAGMA journal_mode;' | tr '\n' ' ')" \
    "ok 4096 0 delete "
q() { sqlite3 "$db" "$1"; }
check_equal "by SHA-1 (SPDX package): group, artifact, version" \
    "$(q "SELECT a.group_id, a.artifact_id, i.version FROM indices i JOIN
    artifacts a ON a.id = i.artifact_id WHERE
    i.sha1 = X'42a25dc3219429f0e5d060061f71acb49bf010a0'")" \
    "org.hamcrest|hamcrest-core|1.3"
check_equal "by SHA-1 (CycloneDX component, purl with qualifiers)" \
    "$(q "SELECT a.group_id, a.artifact_id, i.version FROM indices i JOIN
    artifacts a ON a.id = i.artifact_id WHERE
    i.sha1 = X'2e3014320a8005e3f3c1800cb246ed42db8cab81'")" \
    "com.google.guava|guava|24.1.1-jre"
check_equal "by group and artifact: it exists" \
    "$(q "SELECT count(*) FROM artifacts WHERE group_id = 'org.hamcrest'
    AND artifact_id = 'hamcrest-core'")" 1
check_equal "by artifact and version: the group ids" \
    "$(q "SELECT a.group_id FROM indices i JOIN artifacts a ON
    a.id = i.artifact_id WHERE a.artifact_id = 'guava' AND
    i.version = '24.1.1-jre' AND i.archive_type = 'jar'")" \
    "com.google.guava"
check_equal "every SHA-1 is a 20-byte BLOB" \
    "$(q "SELECT count(*) FROM indices WHERE typeof(sha1) != 'blob' OR
    length(sha1) != 20")" 0
check "the fixtures give components" sh -c \
    'test "$(sqlite3 "$1" "SELECT count(*) FROM indices")" -gt 100' _ "$db"
check_equal "an unknown SHA-1 finds nothing" \
    "$(q "SELECT count(*) FROM indices WHERE sha1 = zeroblob(20)")" 0
check_equal "metadata.json: Version 1" \
    "$(jq -c '[.Version, .NextUpdate]' "$d1/metadata.json")" \
    '[1,"2099-01-01T00:00:00Z"]'
check_equal "javadb.tar.gz holds exactly trivy-java.db and metadata.json" \
    "$(tar -tzf "$d1/javadb.tar.gz" | tr '\n' ' ')" \
    "trivy-java.db metadata.json "
m=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$d1/oci/index.json")
check_equal "manifest: the java-db layer (section 3.3)" \
    "$(jq -c '[.artifactType, (.layers | length), .layers[0].mediaType,
    .layers[0].annotations["org.opencontainers.image.title"]]' \
    "$d1/oci/blobs/sha256/$m")" \
    '["application/vnd.aquasec.trivy.config.v1+json",1,"application/vnd.aquasec.trivy.javadb.layer.v1.tar+gzip","javadb.tar.gz"]'
check "skopeo inspect oci:DIR:1" sh -c \
    'skopeo inspect --raw "oci:$1/oci:1" | cmp - "$1/oci/blobs/sha256/$2"' \
    _ "$d1" "$m"
check "umoci ls --layout lists tag 1" sh -c \
    'test "$(umoci ls --layout "$1/oci")" = 1' _ "$d1"
check "exportctl profiles lists trivy:java-db" sh -c \
    '"$1" profiles | grep -q "^trivy:java-db"' _ "$EC_BIN"
it_done
