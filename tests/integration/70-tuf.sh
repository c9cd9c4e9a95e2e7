#!/bin/bash
# TUF metadata (exportctl tuf write) against implementations that are not
# ours: securesystemslib's canonical form and key ids with cryptography's
# Ed25519 (tests/tools/tuf_verify.py), and the stock tuf-js client (pinned
# in tests/tools/tufcheck/) refreshing from a plain static web server
# (python3 -m http.server on 127.0.0.1) and downloading every target.  The
# client must then reject a tampered target, a target longer than its
# length, a rolled-back timestamp, a threshold not met, a rotated root
# the old keys did not sign and expired metadata, and follow a root
# rotation the old keys signed.
. "$(dirname "$0")/../lib/it.sh"

d=$IT_TMP
tc=$EC_ROOT/tests/tools/tufcheck
if [ ! -d "$tc/node_modules/tuf-js" ]; then
	(cd "$tc" && npm ci --no-audit --no-fund --ignore-scripts) \
	    >"$d/npm.log" 2>&1 || { cat "$d/npm.log"; it_fail "npm ci tuf-js"; it_done; }
fi
for k in k1 k2; do
	"$EC_BIN" keys generate --type ed25519 --out "$d/$k" >/dev/null
done
"$EC_BIN" keys generate --type ecdsa-p256 --out "$d/k3" >/dev/null
mkdir -p "$d/in"
head -c 200000 /dev/urandom >"$d/in/a.tar.zst"
printf '{"hello":"tuf"}\n' >"$d/in/b.json"
printf 'third\n' >"$d/in/c.txt"
write() {	# write OUT VERSION EXPIRES FILE...
	local out=$1 v=$2 exp=$3; shift 3
	"$EC_BIN" tuf write --key "$d/k1/signing.key.pem" \
	    --key "$d/k2/signing.key.pem" --threshold 2 --version "$v" \
	    --expires "$exp" --out "$out" "$@"
}
check "tuf write: two keys, threshold 2" write "$d/srv" 1 \
    2099-01-01T00:00:00Z "$d/in/a.tar.zst" "$d/in/b.json"
check "securesystemslib: canonical form, key ids, signatures" \
    /usr/bin/python3 "$EC_ROOT/tests/tools/tuf_verify.py" "$d/srv/metadata"
write "$d/again" 1 2099-01-01T00:00:00Z "$d/in/a.tar.zst" "$d/in/b.json" \
    >/dev/null
check "the same inputs give the same bytes" diff -r "$d/srv" "$d/again"
cp -a "$d/srv" "$d/v1"
check_fails "an ECDSA key is refused for TUF" 2 "only Ed25519" \
    "$EC_BIN" tuf write --key "$d/k3/signing.key.pem" --expires \
    2099-01-01T00:00:00Z --out "$d/ecdsa" "$d/in/b.json"
printf 'x' >"$d/in/.hidden"
check_fails "a hidden file is not a target" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" tuf write --key "$d/k1/signing.key.pem" --expires \
    2099-01-01T00:00:00Z --out "$d/hidden" "$d/in/b.json" "$d/in/.hidden"
check_equal "  ... and nothing is written" "$(ls -d "$d/hidden" 2>/dev/null)" ""

# Port 0: the kernel picks a free port and the server says which, so a
# busy port (another run's server) can never answer in its place.
/usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$d" \
    >"$d/http.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^Serving HTTP on [0-9.]* port \([0-9]*\).*/\1/p' \
	    "$d/http.log")
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || { it_fail "a static server on 127.0.0.1"; it_done; }
url=http://127.0.0.1:$port
root=$d/v1/metadata/1.root.json
client() {	# client REPO WORKDIR TARGET...
	local repo=$1 work=$2; shift 2
	node "$tc/check.js" "$url/$repo" "$root" "$d/$work" "$@"
}
# rejects DESC PATTERN CMD...: CMD must fail, naming PATTERN.
rejects() {
	local desc=$1 pat=$2; shift 2
	if "$@" >"$IT_TMP/.log" 2>&1; then
		echo "# accepted" >>"$IT_TMP/.log"; it_fail "$desc"
	elif grep -qi -- "$pat" "$IT_TMP/.log"; then
		it_pass "$desc: $(head -c 150 "$IT_TMP/.log")"
	else echo "# no \"$pat\"" >>"$IT_TMP/.log"; it_fail "$desc"; fi
}

check "tuf-js refreshes and downloads every target" client srv w1 \
    a.tar.zst b.json
check "  ... the bytes served are the inputs" cmp "$d/w1/targets/a.tar.zst" \
    "$d/in/a.tar.zst"
check "version 2 under the same root" write "$d/srv" 2 2099-01-01T00:00:00Z \
    "$d/in/a.tar.zst" "$d/in/b.json" "$d/in/c.txt"
ls "$d/srv/metadata" >"$d/before"
check_fails "version 2 again is refused" 2 ERR_CONFLICT write "$d/srv" 2 \
    2099-01-01T00:00:00Z "$d/in/b.json"
check "  ... and changes nothing" sh -c "ls '$d/srv/metadata' | cmp - '$d/before'"
check "tuf-js that trusted version 1 updates to version 2" client srv w1 \
    c.txt
cp "$d/v1/metadata/timestamp.json" "$d/srv/metadata/timestamp.json"
rejects "a rolled-back timestamp is rejected" "version" client srv w1 c.txt
write "$d/ts" 2 2099-01-01T00:00:00Z "$d/in/a.tar.zst" "$d/in/b.json" \
    "$d/in/c.txt" >/dev/null
cp "$d/ts/metadata/timestamp.json" "$d/srv/metadata/timestamp.json"

t=$(ls "$d/srv/targets/"*.b.json)
cp "$t" "$d/b.bak"
printf '{"hello":"TUF"}\n' >"$t"
rejects "a tampered target is rejected" "hash" client srv w2 b.json
cp "$d/b.bak" "$t"
printf 'endless data' >>"$t"
rejects "a target longer than its length is rejected" "length" \
    client srv w3 b.json
cp "$d/b.bak" "$t"
check "(control) the restored target downloads" client srv w4 b.json

jq -c '.signatures |= .[:1]' "$d/ts/metadata/timestamp.json" \
    >"$d/srv/metadata/timestamp.json"
rejects "one signature of a threshold of 2 is rejected" "signed by 1/2" \
    client srv w5 b.json
cp "$d/ts/metadata/timestamp.json" "$d/srv/metadata/timestamp.json"

# Root rotation (spec 5.3.4): root 2 has a new key and is signed by the
# old root's keys as well, so a client that trusts only root 1 follows.
"$EC_BIN" keys generate --type ed25519 --out "$d/k4" >/dev/null
cp -a "$d/v1" "$d/rot"
check "rotate the root to a new key, signed by the old ones" "$EC_BIN" tuf \
    write --key "$d/k4/signing.key.pem" --old-key "$d/k1/signing.key.pem" \
    --old-key "$d/k2/signing.key.pem" --root-version 2 --version 3 \
    --expires 2099-01-01T00:00:00Z --out "$d/srv" "$d/in/a.tar.zst" \
    "$d/in/b.json" "$d/in/c.txt"
check "tuf-js holding root 1 follows the rotation" client srv w7 c.txt
"$EC_BIN" tuf write --key "$d/k4/signing.key.pem" --root-version 2 \
    --version 2 --expires 2099-01-01T00:00:00Z --out "$d/rot" \
    "$d/in/b.json" >/dev/null
rejects "a new root without the old root's signatures is rejected" \
    "signed by 0/2" client rot w8 b.json

write "$d/old" 1 2001-01-01T00:00:00Z "$d/in/b.json" >/dev/null
root=$d/old/metadata/1.root.json
rejects "expired metadata is rejected" "expired" client old w6 b.json
it_done
