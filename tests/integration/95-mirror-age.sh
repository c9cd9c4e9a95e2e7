#!/bin/bash
# mirror:full with age recipients (exportctl build --recipient): every
# TUF target of the plaintext mirror is served as <target>.age, the TUF
# metadata stays plain and names the encrypted bytes with the plaintext's
# sha256 and length as custom metadata; the real age CLI decrypts every
# .age file to the unencrypted build's bytes; tuf-js (tests/tools/tufcheck)
# refreshes and downloads every target from the encrypted tree served by
# the project's nginx; exportctl mirror decrypt gives back exactly the
# unencrypted mirror (byte-identical, from two encrypted builds: the
# plaintext is deterministic even though the .age bytes are not); a
# wrong identity fails with exit 3 and writes nothing.
. "$(dirname "$0")/../lib/it.sh"

command -v age >/dev/null || { it_fail "age CLI installed (make deps)"; it_done; }
d=$IT_TMP
t=$(it_tenant main)
fx=$EC_ROOT/tests/fixtures
tc=$EC_ROOT/tests/tools/tufcheck
if [ ! -d "$tc/node_modules/tuf-js" ]; then
	(cd "$tc" && npm ci --no-audit --no-fund --ignore-scripts) \
	    >"$d/npm.log" 2>&1 || { cat "$d/npm.log"; it_fail "npm ci tuf-js"; it_done; }
fi
"$EC_BIN" keys generate --type ed25519 --out "$d/k1" >/dev/null
"$EC_BIN" keys generate --type age --out "$d/a1" >/dev/null
"$EC_BIN" keys generate --type age --out "$d/a2" >/dev/null
age-keygen -o "$d/a3.txt" 2>/dev/null
r1=$(cat "$d/a1/age-recipients.txt") r3=$(age-keygen -y "$d/a3.txt")
"$EC_BIN" ingest --tenant "$t" "$fx" >/dev/null

far="--param expires-root=36500d --param expires-targets=36500d"
far="$far --param expires-snapshot=36500d --param expires-timestamp=36500d"
build() {	# build OUT [options]: the mirror's directory on stdout
	local out=$1; shift
	"$EC_BIN" build --profile mirror:full --tenant "$t" \
	    --key "$d/k1/signing.key.pem" --out "$out" $far "$@" \
	    >"$out.log" 2>&1 || { cat "$out.log" >&2; return 1; }
	ls -d "$out"/*/ | head -n 1
}
check "plain build" build "$d/p"
check "encrypted build 1 (two recipients)" build "$d/e1" --recipient "$r1" \
    --recipient "$r3"
check "encrypted build 2" build "$d/e2" --recipient "$r1" --recipient "$r3"
p=$(ls -d "$d"/p/*/ | head -n 1); p=${p%/}
e=$(ls -d "$d"/e1/*/ | head -n 1); e=${e%/}
e2=$(ls -d "$d"/e2/*/ | head -n 1); e2=${e2%/}
check_equal "the encrypted mirror has the plain build's name" \
    "$(basename "$e")" "$(basename "$p")"
v=$(jq -r .signed.version "$e/tuf/metadata/timestamp.json")
jq -r '.signed.targets | keys[]' "$p/tuf/metadata/$v.targets.json" \
    >"$d/plain-targets"
jq -r '.signed.targets | keys[]' "$e/tuf/metadata/$v.targets.json" \
    >"$d/targets"
check "the encrypted targets are the plain targets, each + .age" \
    sh -c 'sed "s/\$/.age/" "$1" | cmp - "$2"' _ "$d/plain-targets" \
    "$d/targets"
check "no plaintext target is served" sh -c 'while read -r f; do
	test ! -e "$1/$f" || { echo "$f"; exit 1; }; done <"$2"' _ "$e" \
    "$d/plain-targets"
check "the trust anchor is the plain build's" cmp \
    "$p/tuf/metadata/1.root.json" "$e/tuf/metadata/1.root.json"
check "TUF metadata stays plain JSON" jq -e '.signed._type == "timestamp"' \
    "$e/tuf/metadata/timestamp.json"
check "every target's custom plaintext is the plain build's sha256 and length" \
    sh -c 'jq -S "[.signed.targets | to_entries[] | {key: (.key +
    \".age\"), value: .value}] | from_entries" "$1" >"$3.a" &&
    jq -S ".signed.targets | map_values(.custom.plaintext)" "$2" >"$3.b" &&
    cmp "$3.a" "$3.b"' _ "$p/tuf/metadata/$v.targets.json" \
    "$e/tuf/metadata/$v.targets.json" "$d/custom"
check "every .age file is age v1" sh -c 'while read -r f; do
	head -c 22 "$1/$f" | grep -q "^age-encryption.org/v1" || exit 1
    done <"$2"' _ "$e" "$d/targets"
check "the .age bytes differ between builds (fresh file keys)" sh -c \
    '! cmp -s "$1/export.json.age" "$2/export.json.age"' _ "$e" "$e2"

# The real age CLI: each encrypted file is the plain build's file.
for id in "$d/a1/age-identity.txt" "$d/a3.txt"; do
	check "age -d -i $(basename "$id") decrypts every target to the plain bytes" \
	    sh -c 'while read -r f; do
		age -d -i "$3" "$1/$f.age" | cmp - "$2/$f" || exit 1
	    done <"$4"' _ "$e" "$p" "$id" "$d/plain-targets"
done

# tuf-js over the project's nginx, keyless: lengths and sha256 of the
# encrypted bytes.
run=$(mktemp -d /tmp/ec-mirror-age.XXXXXX)
chmod 711 "$run"
stop() {
	[ -s "$run/nginx.pid" ] && kill -QUIT "$(cat "$run/nginx.pid")" \
	    2>/dev/null
	wait 2>/dev/null
	rm -rf "$run"
}
trap stop EXIT
nport=$(it_port 18595)
if "$EC_ROOT/tools/render-nginx.sh" --run-dir "$run" \
    --listen 127.0.0.1:$nport --user www-data >/dev/null 2>"$d/nginx.err" &&
    mkdir -p "$run/mirror" && cp -a "$e" "$run/mirror/e1" &&
    chmod -R a+rX "$run/mirror" &&
    nginx -p "$run" -e "$run/logs/error.log" -c "$run/nginx.conf"; then
	export NODE_EXTRA_CA_CERTS=$run/tls/ca.pem
	check "tuf-js (nginx, TLS) refreshes and downloads every encrypted target" \
	    node "$tc/check.js" "https://127.0.0.1:$nport/mirror/e1/tuf" \
	    "$e/tuf/metadata/1.root.json" "$d/wn" $(cat "$d/targets")
	check "  ... the bytes downloaded are the encrypted mirror's" sh -c \
	    'while read -r f; do cmp "$1/$f" "$2/targets/$f" || exit 1; done <"$3"' \
	    _ "$e" "$d/wn" "$d/targets"
else
	cat "$d/nginx.err"; it_fail "nginx serves the encrypted mirror"
fi

# The way back: exportctl mirror decrypt.
check "exportctl mirror decrypt (build 1)" "$EC_BIN" mirror decrypt \
    -i "$d/a1/age-identity.txt" "$e" --out "$d/dec1"
check "exportctl mirror decrypt (build 2, the other identity)" "$EC_BIN" \
    mirror decrypt -i "$d/a3.txt" "$e2" --out "$d/dec2"
check "decrypted build 1 is the unencrypted build, byte for byte" \
    diff -r "$p" "$d/dec1"
check "decrypted build 2 too: the plaintext is deterministic" \
    diff -r "$p" "$d/dec2"
check "exportctl verify of the decrypted mirror" "$EC_BIN" verify "$d/dec1" \
    --key "$d/k1/signing.pub.pem"
check_fails "a wrong identity is refused" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" mirror decrypt -i "$d/a2/age-identity.txt" "$e" --out "$d/dec3"
check "  ... and nothing is written" sh -c \
    '! ls -A "$1" | grep -q "dec3\|ec-mirror-decrypt"' _ "$d"
cp -a "$e" "$d/bad"
f=$(head -n 1 "$d/targets")
age -e -r "$r1" -o "$d/bad/$f.new" "$fx/NOTICE" 2>/dev/null ||
    age -e -r "$r1" -o "$d/bad/$f.new" /etc/hostname
mv "$d/bad/$f.new" "$d/bad/$f"
check_fails "a target swapped for other plaintext is refused" 3 \
    "not the one the targets metadata names" "$EC_BIN" mirror decrypt \
    -i "$d/a1/age-identity.txt" "$d/bad" --out "$d/dec4"
check "  ... and nothing is written" test ! -e "$d/dec4"
check_fails "decrypting a plain mirror is refused" 2 "not an encrypted mirror" \
    "$EC_BIN" mirror decrypt -i "$d/a1/age-identity.txt" "$p" --out "$d/dec5"
check_fails "a profile without mirror encryption still refuses recipients" 2 \
    ERR_EXPORT_REQUEST_INVALID "$EC_BIN" build --profile trivy:db \
    --tenant "$t" --key "$d/k1/signing.key.pem" --out "$d/tdb" \
    --recipient "$r1"
it_done
