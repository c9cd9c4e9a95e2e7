#!/bin/bash
# devportal:offline: the developer portal's assets as a signed bundle,
# built with no database.  Two builds give the same bytes; exportctl
# verify passes; the bundle's own verify-offline.sh, run with only sh,
# coreutils and openssl, accepts it with the Ed25519 and the ECDSA key and
# names a modified file (even with checksums.txt fixed up to match), a
# missing file, a wrong key and a swapped signature.  Bad parameters and
# assets are refused before anything is written.
. "$(dirname "$0")/../lib/it.sh"

d=$IT_TMP
"$EC_BIN" keys generate --type ed25519 --out "$d/k" >/dev/null
"$EC_BIN" keys generate --type ed25519 --out "$d/other" >/dev/null
"$EC_BIN" keys generate --type ecdsa-p256 --out "$d/ec" >/dev/null
build() { # build OUT [ARGS...]
	local out=$1; shift
	env -u EXPORT_CENTER_DB PGHOST=/nonexistent "$EC_BIN" build \
	    --profile devportal:offline --tenant portal --out "$out" "$@"
}
check "build with no database reachable" build "$d/o1" \
    --key "$d/k/signing.key.pem"
check "build again into another directory" build "$d/o2" \
    --key "$d/k/signing.key.pem"
b1=$(it_bundle "$d/o1")
b2=$(it_bundle "$d/o2")
check "the two bundles are byte-identical" cmp "$b1" "$b2"
check "exportctl verify passes" "$EC_BIN" verify "$b1" \
    --key "$d/k/signing.pub.pem"

x=$d/x
mkdir "$x"
tar -C "$x" --zstd -xf "$b1"
for f in docs/README.html docs/README.md docs/exportctl.1.html \
    man/exportctl.1 CHANGELOG.md docs/CHANGELOG.html \
    sdk/export-center-client.sh verify-offline.sh portal.json; do
	check "the bundle holds $f" test -s "$x/$f"
done
check "README.html is cmark's rendering of README.md" bash -c \
    "cmark '$EC_ROOT/README.md' | cmp - <(sed -n '/<body>/,/<\/body>/p' \
    '$x/docs/README.html' | sed '1d;\$d')"
check "the man page HTML is mandoc's" sh -c \
    "mandoc -T html '$EC_ROOT/tools/exportctl.1' |
    cmp - '$x/docs/exportctl.1.html'"
check_equal "portal.json says the OpenAPI document is absent" \
    "$(jq -r '.absent[] | .name + ": " + .reason' "$x/portal.json")" \
    "openapi.json: the API has no OpenAPI document yet"

# Only coreutils and openssl on PATH, besides the shell.
bin=$d/bin
mkdir "$bin"
for t in sha256sum base64 wc cat mktemp dirname rm openssl; do
	ln -s "$(command -v $t)" "$bin/$t"
done
offline() { env -i PATH="$bin" /bin/sh "$x/verify-offline.sh" "$@"; }
check "verify-offline.sh accepts the bundle (Ed25519)" \
    offline "$d/k/signing.pub.pem"
check_fails "verify-offline.sh: a wrong key is refused" 3 \
    "no signature in manifest.dsse.json verifies" offline \
    "$d/other/signing.pub.pem"

cp -a "$x" "$d/x0"
reset() { rm -rf "$x"; cp -a "$d/x0" "$x"; }
echo tampered >>"$x/docs/README.html"
check_fails "verify-offline.sh: a modified file is named" 3 \
    "docs/README.html: FAILED" offline "$d/k/signing.pub.pem"
( cd "$x" && sha256sum $(cut -c67- checksums.txt) >checksums.txt )
check_fails "  ... and with checksums.txt fixed up, the manifest catches it" 3 \
    "docs/README.html does not match the signed manifest" \
    offline "$d/k/signing.pub.pem"
check_fails "  ... and exportctl verify too" 3 ERR_VERIFY_FAILED \
    "$EC_BIN" verify "$x" --key "$d/k/signing.pub.pem"
reset
rm "$x/man/exportctl.1"
check_fails "verify-offline.sh: a missing file is named" 3 "man/exportctl.1" \
    offline "$d/k/signing.pub.pem"
reset
echo 'echo pwned' >"$x/docs/extra.sh"
check_fails "verify-offline.sh: an unlisted file is named" 3 \
    "docs/extra.sh is not listed" offline "$d/k/signing.pub.pem"
reset
ln -s /etc/passwd "$x/docs/link"
check_fails "verify-offline.sh: a symbolic link is refused" 3 \
    "docs/link is a symbolic link" offline "$d/k/signing.pub.pem"
reset
sed -i 's/"schemaVersion":"export-center.manifest\/v1"/"schemaVersion":"x"/' \
    "$x/manifest.json"
( cd "$x" && sha256sum $(cut -c67- checksums.txt) >checksums.txt )
check_fails "verify-offline.sh: a modified manifest is refused" 3 \
    "signs other bytes" offline "$d/k/signing.pub.pem"

# ECDSA P-256: DER signatures through openssl dgst.
check "build signed with ECDSA P-256" build "$d/o3" \
    --key "$d/ec/signing.key.pem"
rm -rf "$x" && mkdir "$x" && tar -C "$x" --zstd -xf "$(it_bundle "$d/o3")"
check "verify-offline.sh accepts the bundle (ECDSA P-256)" \
    offline "$d/ec/signing.pub.pem"
check_fails "  ... and refuses the Ed25519 key" 3 "no signature" \
    offline "$d/k/signing.pub.pem"
cp "$d/x0/manifest.dsse.json" "$x/manifest.dsse.json"
check_fails "  ... and a signature over another manifest" 3 "FAILED" \
    offline "$d/ec/signing.pub.pem"

# Assets from a directory of the operator's, with an OpenAPI document.
a=$d/assets
mkdir "$a"
printf '# Portal\n\nHello <script>x</script> *world*.\n' >"$a/README.md"
echo '{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{}}' \
    >"$a/openapi.json"
check "build from --param assets=DIR" build "$d/o4" --param "assets=$a"
rm -rf "$x" && mkdir "$x" && tar -C "$x" --zstd -xf "$(it_bundle "$d/o4")"
check "  ... api/openapi.json is the operator's file" \
    cmp "$a/openapi.json" "$x/api/openapi.json"
check_equal "  ... portal.json names what is absent" \
    "$(jq -r '[.absent[].name] | join(",")' "$x/portal.json")" \
    "CHANGELOG.md,export-center-client.sh,exportctl.1,exportctl.1.html"
check "  ... raw HTML is not passed through (cmark's safe mode)" \
    sh -c "! grep -q '<script>' '$x/docs/README.html'"
check "  ... an unsigned bundle still checks its checksums" \
    "$EC_BIN" verify "$(it_bundle "$d/o4")"
check "  ... --param epoch sets every mtime" build "$d/o5" \
    --param "assets=$a" --param epoch=1700000000
check_equal "  ... tar lists that time" \
    "$(tar --zstd -tvf "$(it_bundle "$d/o5")" --full-time |
    awk '{print $4 " " $5}' | sort -u)" \
    "2023-11-14 22:13:20"

rm "$a/README.md"
check_fails "assets without README.md: refused" 2 ERR_EXPORT_REQUEST_INVALID \
    build "$d/o6" --param "assets=$a"
check_fails "assets that are not a directory: refused" 2 \
    ERR_EXPORT_REQUEST_INVALID build "$d/o6" --param "assets=$a/openapi.json"
check_fails "a bad epoch: refused" 2 ERR_EXPORT_REQUEST_INVALID \
    build "$d/o6" --param epoch=-1
check_equal "  ... nothing was written" "$(ls -A "$d/o6" 2>/dev/null | wc -l)" 0
it_done
