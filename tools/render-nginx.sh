#!/bin/sh
# Render nginx/export-center.conf.in into a run directory, with a
# throwaway TLS certificate authority and server certificate made there
# by openssl (the CA's private key is deleted once the server certificate
# is signed, so the CA can vouch for nothing else).
#
#   tools/render-nginx.sh --run-dir DIR [--listen 127.0.0.1:8443]
#       [--fcgi DIR/fcgi.sock] [--user www-data] [--rate 20r/s]
#       [--burst 40] [--addr-rate 100r/s] [--addr-burst 200]
#       [--retry-after 1] [--san IP:127.0.0.1,DNS:localhost]
#       [--store DIR/store] [--download-keys DIR/download.keys]
#       [--events DIR/events.sock]
#       [--metrics-allow "127.0.0.1 ::1"]
#
# --metrics-allow: the addresses or CIDR ranges (space-separated) that may
# read /metrics; any other client gets 403 (README, "nginx front end").
#
# Writes DIR/nginx.conf, DIR/ec_download.js, DIR/tls/{ca.pem,server.pem,server.key} (kept if
# present), DIR/logs/ and DIR/tmp/, and prints the path of nginx.conf.
# Start nginx with
#   nginx -p DIR -e DIR/logs/error.log -c DIR/nginx.conf
# and stop it with "kill -QUIT $(cat DIR/nginx.pid)".  Clients trust
# DIR/tls/ca.pem (curl --cacert).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
run= listen=127.0.0.1:8443 fcgi= user=www-data events=
rate=20r/s burst=40 addr_rate=100r/s addr_burst=200 retry_after=1
san=IP:127.0.0.1,DNS:localhost
store= dl_keys=
metrics_allow="127.0.0.1 ::1"

usage() {
	echo "usage: $0 --run-dir DIR [options] (see the script)" >&2
	exit 1
}
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--run-dir) run=$2 ;;
	--listen) listen=$2 ;;
	--fcgi) fcgi=$2 ;;
	--user) user=$2 ;;
	--rate) rate=$2 ;;
	--burst) burst=$2 ;;
	--addr-rate) addr_rate=$2 ;;
	--addr-burst) addr_burst=$2 ;;
	--retry-after) retry_after=$2 ;;
	--san) san=$2 ;;
	--store) store=$2 ;;
	--download-keys) dl_keys=$2 ;;
	--events) events=$2 ;;
	--metrics-allow) metrics_allow=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ -n "$run" ] || usage
mkdir -p "$run"
run=$(cd "$run" && pwd)
[ -n "$fcgi" ] || fcgi=$run/fcgi.sock
[ -n "$store" ] || store=$run/store
[ -n "$dl_keys" ] || dl_keys=$run/download.keys
[ -n "$events" ] || events=$run/events.sock

# Values go into the config verbatim: refuse what could break out of a
# directive (quotes, semicolons, braces, white space) or out of sed.
for v in "$run" "$listen" "$fcgi" "$user" "$rate" "$burst" "$addr_rate" \
    "$addr_burst" "$retry_after" "$store" "$dl_keys" "$events"; do
	case $v in
	*[!A-Za-z0-9._/:-]*|'')
		echo "$0: unsafe value: $v" >&2; exit 1 ;;
	esac
done
case $retry_after in
*[!0-9]*|'') echo "$0: --retry-after takes whole seconds" >&2; exit 1 ;;
esac
# One geo line per address; hex digits, dots, colons and a prefix only.
allow_lines=
for a in $metrics_allow; do
	case $a in
	*[!0-9A-Fa-f.:/]*) echo "$0: bad --metrics-allow address: $a" >&2
		exit 1 ;;
	esac
	allow_lines="$allow_lines\t\t$a\t1;\n"
done
id -u "$user" >/dev/null 2>&1 || { echo "$0: no user $user" >&2; exit 1; }

mkdir -p "$run/logs" "$run/tmp" "$run/tls"
tls=$run/tls
if [ ! -s "$tls/server.pem" ] || [ ! -s "$tls/server.key" ] ||
    [ ! -s "$tls/ca.pem" ]; then
	umask 077
	openssl req -x509 -new -nodes -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -keyout "$tls/ca.key" \
	    -out "$tls/ca.pem" -days 7 -subj "/CN=Export Center local CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -keyout "$tls/server.key" -out "$tls/server.csr" \
	    -subj "/CN=localhost" 2>/dev/null
	printf '%s\n' "subjectAltName=$san" "basicConstraints=CA:FALSE" \
	    "keyUsage=critical,digitalSignature" \
	    "extendedKeyUsage=serverAuth" >"$tls/server.ext"
	openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" \
	    -CAkey "$tls/ca.key" -CAcreateserial -days 7 \
	    -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
	rm -f "$tls/ca.key" "$tls/ca.srl" "$tls/server.csr" "$tls/server.ext"
	chmod 644 "$tls/ca.pem" "$tls/server.pem"
	umask 022
fi

sed -e "s|@RUN_DIR@|$run|g" -e "s|@LISTEN@|$listen|g" \
    -e "s|@FCGI_SOCKET@|$fcgi|g" -e "s|@USER@|$user|g" \
    -e "s|@RATE@|$rate|g" -e "s|@BURST@|$burst|g" \
    -e "s|@ADDR_RATE@|$addr_rate|g" -e "s|@ADDR_BURST@|$addr_burst|g" \
    -e "s|@RETRY_AFTER@|$retry_after|g" \
    -e "s|@STORE@|$store|g" -e "s|@DL_KEYS@|$dl_keys|g" \
    -e "s|@EVENTS_SOCKET@|$events|g" \
    "$root/nginx/export-center.conf.in" |
    awk -v lines="$allow_lines" '$0 == "@METRICS_ALLOW@" {
	gsub(/\\t/, "\t", lines); gsub(/\\n/, "\n", lines);
	printf "%s", lines; next } { print }' >"$run/nginx.conf.tmp"
if grep -q '@[A-Z_]*@' "$run/nginx.conf.tmp"; then
	echo "$0: placeholder left unrendered" >&2
	exit 1
fi
cp "$root/nginx/ec_download.js" "$run/ec_download.js"
chmod 644 "$run/ec_download.js"
mv "$run/nginx.conf.tmp" "$run/nginx.conf"
echo "$run/nginx.conf"
