#!/bin/sh
# verify-offline.sh: check this bundle with nothing but a POSIX shell,
# coreutils and openssl (no Export Center software):
#
#   sh verify-offline.sh PUBLIC.pem [BUNDLE_DIR]
#
# PUBLIC.pem is the publisher's Ed25519 or ECDSA P-256 public key, obtained
# out of band.  BUNDLE_DIR defaults to the directory holding this script.
# The checks, in order: every line of checksums.txt (sha256sum --strict);
# the DSSE envelope manifest.dsse.json over manifest.json (PAE computed
# here, the signature checked by openssl); every file the signed manifest
# lists, against its SHA-256; and that no file is there unlisted, and no
# link or device.  Exit 0 when all hold, 3 at the first failure (named),
# 1 for a usage error.
set -u

fail() {
	printf 'verify-offline: FAILED: %s\n' "$*" >&2
	exit 3
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: sh verify-offline.sh PUBLIC.pem [BUNDLE_DIR]" >&2
	exit 1
fi
key=$1
case $key in
/*) ;;
*) key=$PWD/$key ;;
esac
dir=${2:-$(dirname -- "$0")}
cd -- "$dir" || fail "cannot enter $dir"
for f in checksums.txt manifest.json manifest.dsse.json; do
	[ -f "$f" ] || fail "$f is missing"
done
tmp=$(mktemp -d) || fail "mktemp"
trap 'rm -rf -- "$tmp"' EXIT
trap 'exit 3' HUP INT TERM

# 1. checksums.txt: every listed file, and no malformed line.
if ! sha256sum --check --quiet --strict checksums.txt >"$tmp/sums" 2>&1
then
	cat "$tmp/sums" >&2
	fail "checksums.txt does not match the files"
fi

# 2. The signature.  The envelope is one line of canonical JSON:
# {"payload":"B64","payloadType":"T","signatures":[{"keyid":"H","sig":"B64"}]}
type=application/vnd.stellaops.export-center.manifest+json
env=$(cat manifest.dsse.json)
case $env in
'{"payload":"'*'","payloadType":"'*'","signatures":['*) ;;
*) fail "manifest.dsse.json is not a DSSE envelope" ;;
esac
payload=${env#*\"payload\":\"}
payload=${payload%%\"*}
ptype=${env#*\"payloadType\":\"}
ptype=${ptype%%\"*}
[ "$ptype" = "$type" ] || fail "manifest.dsse.json: payloadType $ptype"
printf '%s' "$payload" | base64 -d >"$tmp/payload" 2>/dev/null ||
    fail "manifest.dsse.json: payload is not base64"
a=$(sha256sum <"$tmp/payload")
b=$(sha256sum <manifest.json)
[ "$a" = "$b" ] ||
    fail "manifest.dsse.json signs other bytes than manifest.json"
# PAE = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body (DSSE v1.0.0).
plen=$(wc -c <"$tmp/payload")
printf 'DSSEv1 %d %s %d ' "${#ptype}" "$ptype" "$plen" >"$tmp/pae"
cat "$tmp/payload" >>"$tmp/pae"

kt=$(openssl pkey -pubin -in "$key" -noout -text 2>/dev/null) ||
    fail "cannot read the public key $1"
case $kt in
*ED25519*) alg=ed25519 ;;
*prime256v1*|*P-256*) alg=p256 ;;
*) fail "the key is neither Ed25519 nor ECDSA P-256" ;;
esac
rest=${env#*\"signatures\":\[}
ok=0
n=0
while [ $ok = 0 ] && [ $n -lt 32 ]; do
	case $rest in
	*\"sig\":\"*) ;;
	*) break ;;
	esac
	sig=${rest#*\"sig\":\"}
	rest=${sig#*\"}
	sig=${sig%%\"*}
	n=$((n + 1))
	printf '%s' "$sig" | base64 -d >"$tmp/sig" 2>/dev/null || continue
	if [ $alg = ed25519 ]; then
		# Ed25519 signs the message itself: -rawin, no digest.
		openssl pkeyutl -verify -pubin -inkey "$key" -rawin \
		    -in "$tmp/pae" -sigfile "$tmp/sig" >/dev/null 2>&1 && ok=1
	else
		# ECDSA P-256 over SHA-256; DSSE carries the DER signature.
		openssl dgst -sha256 -verify "$key" -signature "$tmp/sig" \
		    "$tmp/pae" >/dev/null 2>&1 && ok=1
	fi
done
[ $ok = 1 ] || fail "no signature in manifest.dsse.json verifies with $1"

# 3. Every file of the signed manifest ("items" and "files" both carry
# "path":"P","sha256":"H"; JSON escapes every quote inside strings).
m=$(cat manifest.json)
count=0
while :; do
	case $m in
	*\"path\":\"*) ;;
	*) break ;;
	esac
	m=${m#*\"path\":\"}
	p=${m%%\"*}
	m=${m#*\"}
	case $m in
	,\"sha256\":\"*) ;;
	*) fail "manifest.json: $p has no sha256" ;;
	esac
	m=${m#,\"sha256\":\"}
	h=${m%%\"*}
	case $p in
	/*|..|../*|*/..|*/../*) fail "manifest.json: unsafe path $p" ;;
	esac
	[ -f "$p" ] || fail "$p is in the signed manifest but missing"
	got=$(sha256sum <"$p")
	[ "${got%% *}" = "$h" ] || fail "$p does not match the signed manifest"
	count=$((count + 1))
done
[ $count -gt 0 ] || fail "manifest.json lists no files"

# 4. Nothing unlisted: every regular file is in checksums.txt (or is
# checksums.txt), and there are no links, devices or other odd entries.
nl='
'
listed=$nl
while IFS= read -r line; do
	listed=$listed${line#*  }$nl
done <checksums.txt
walk() {
	for e in "$1"* "$1".*; do
		case ${e##*/} in
		.|..) continue ;;
		esac
		[ -e "$e" ] || [ -L "$e" ] || continue
		if [ -L "$e" ]; then
			fail "${e#./} is a symbolic link"
		elif [ -d "$e" ]; then
			walk "$e/"
		elif [ ! -f "$e" ]; then
			fail "${e#./} is not a regular file"
		else
			p=${e#./}
			case $listed in
			*"$nl$p$nl"*) ;;
			*) [ "$p" = checksums.txt ] ||
			    fail "$p is not listed in checksums.txt" ;;
			esac
		fi
	done
}
walk ./
echo "verify-offline: OK: checksums.txt holds, the $alg signature verifies," \
    "$count files match the signed manifest"
