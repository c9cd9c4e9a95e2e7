#!/bin/sh
# The download key file (lib/ec_urlsign.h) of signed downloads, replaced
# by rename so nginx, which reads it on every download, never sees half a
# file.  A rewritten file keeps the owner, group and mode of the old one.
#
#   tools/download-keys.sh new FILE      one fresh current key (mode 0600;
#                                        give nginx's and the pool's group
#                                        read access, no one else)
#   tools/download-keys.sh rotate FILE   a fresh current key, the old
#                                        current as previous (an older
#                                        previous is dropped)
#   tools/download-keys.sh retire FILE   drop the previous key
#
# Each prints the kid of the current key.  After "rotate", nginx accepts
# URLs of both keys at once; "kill -HUP" the pool to have it sign with the
# new one, and "retire" only after the longest URL lifetime
# (download_ttl + 60 seconds): URLs of the previous key are refused (403)
# from the next request on.
set -eu

usage() {
	echo "usage: $0 new|rotate|retire FILE" >&2
	exit 1
}
[ $# -eq 2 ] || usage
cmd=$1 f=$2
tmp=$f.tmp.$$
trap 'rm -f "$tmp"' EXIT

# Kids must differ from the previous one, even within one second.
fresh() {
	printf 'current dl-%s-%s %s\n' "$(date -u +%Y%m%d%H%M%S)" \
	    "$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')" \
	    "$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')"
}

# The current line of the file, which must hold exactly one.
current() {
	[ -r "$f" ] || { echo "$0: $f: not readable" >&2; exit 1; }
	if [ "$(grep -c '^current ' "$f")" -ne 1 ] ||
	    ! grep '^current ' "$f" |
	    grep -Eq '^current [A-Za-z0-9_-]{1,32} [A-Za-z0-9_-]{43,86}$'; then
		echo "$0: $f: not one well-formed current key" >&2
		exit 1
	fi
	grep '^current ' "$f"
}

# Move $tmp over the file with the file's owner, group and mode.
replace() {
	chown --reference="$f" "$tmp"
	chmod --reference="$f" "$tmp"
	mv -f "$tmp" "$f"
}

umask 077
case $cmd in
new)
	[ ! -e "$f" ] || { echo "$0: $f: exists" >&2; exit 1; }
	fresh >"$tmp"
	mv "$tmp" "$f"
	;;
rotate)
	old=$(current)
	{ fresh; echo "previous ${old#current }"; } >"$tmp"
	replace
	;;
retire)
	current >/dev/null
	grep -v '^previous ' "$f" >"$tmp"
	replace
	;;
*)
	usage
	;;
esac
awk '$1 == "current" { print $2 }' "$f"
