#!/bin/bash
# Signed download benchmark (make bench, the download section; README,
# "Signed downloads and distributions"): one nginx with the project's
# config (tools/render-nginx.sh, njs checking the signature) on
# 127.0.0.1:18459 serves the same file of BENCH_DOWNLOAD_MIB MiB (256)
# from a run's view of the store through a signed URL, and from an
# unsigned static location added to this benchmark's copy of the config
# only.  curl downloads each over TLS to /dev/null, BENCH_DOWNLOAD_RUNS
# (7) times, interleaved (which goes first alternates), after one warm-up
# each; the figure is the median throughput of each and their ratio, with
# every sample printed (a loaded machine spreads them widely).
# Target (informational): signed >= 0.95x unsigned.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
MIB=${BENCH_DOWNLOAD_MIB:-256}
RUNS=${BENCH_DOWNLOAD_RUNS:-7}
PORT=$((18459 + ${IT_PORT_SHIFT:-0}))
case $MIB$RUNS in *[!0-9]*) echo "bench: numbers only" >&2; exit 2 ;; esac
var=$(mktemp -d /tmp/ec-bench-dl.XXXXXX)
chmod 711 "$var"
stop() {
	[ -s "$var/nginx/nginx.pid" ] &&
	    kill -QUIT "$(cat "$var/nginx/nginx.pid")" 2>/dev/null
	sleep 0.2
	rm -rf "$var"
}
trap stop EXIT

tenant=bench-dl run=export-run::bench-dl::2026-01-01::0001
head -c "$((MIB * 1024 * 1024))" /dev/urandom >"$var/blob"
hex=$(sha256sum "$var/blob" | cut -d' ' -f1)
mkdir -p "$var/store/runs/$tenant/$run" "$var/plain"
ln "$var/blob" "$var/store/runs/$tenant/$run/$hex"
ln "$var/blob" "$var/plain/blob"
chmod -R a+rX "$var/store" "$var/plain"
sec=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
echo "current k1 $sec" >"$var/download.keys"
chmod 644 "$var/download.keys"
tools/render-nginx.sh --run-dir "$var/nginx" --listen "127.0.0.1:$PORT" \
    --store "$var/store" --download-keys "$var/download.keys" >/dev/null
# The unsigned twin, in this copy of the config only.
sed -i "s|^\t\tlocation / {|\t\tlocation /bench-plain/ {\n\t\t\talias $var/plain/;\n\t\t}\n&|" \
    "$var/nginx/nginx.conf"
nginx -p "$var/nginx" -e "$var/nginx/logs/error.log" -c "$var/nginx/nginx.conf"
url=$(/usr/bin/python3 - "/downloads/$tenant/$run/$hex/blob.bin" "$tenant" \
    "$(($(date +%s) + 3600))" "$sec" <<'PY'
import base64, hashlib, hmac, sys
path, tenant, exp, sec = sys.argv[1:5]
key = base64.urlsafe_b64decode(sec + "=" * (-len(sec) % 4))
s = "EC-DOWNLOAD-1\nGET\n%s\n%s\n%s\nk1" % (path, tenant, exp)
mac = hmac.new(key, s.encode(), hashlib.sha256).digest()
print("%s?exp=%s&kid=k1&sig=%s" % (path, exp,
    base64.urlsafe_b64encode(mac).rstrip(b"=").decode()))
PY
)
base=https://127.0.0.1:$PORT
for i in $(seq 1 50); do
	curl -s -o /dev/null --cacert "$var/nginx/tls/ca.pem" "$base/healthz" &&
	    break
	sleep 0.1
done

# speed U: bytes a second of one download, which must be the whole file.
speed() {
	curl -sS -f --cacert "$var/nginx/tls/ca.pem" -o /dev/null \
	    -w '%{size_download} %{speed_download}\n' "$base$1" |
	    awk -v want="$((MIB * 1024 * 1024))" '$1 != want { exit 1 }
	    { printf "%d\n", $2 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
speed "$url" >/dev/null && speed /bench-plain/blob >/dev/null ||
    { echo "bench: a download failed" >&2; exit 1; }
# Which goes first alternates, so neither always follows the other.
for i in $(seq 1 "$RUNS"); do
	if [ $((i % 2)) = 1 ]; then
		speed "$url" >>"$var/signed"
		speed /bench-plain/blob >>"$var/plain.txt"
	else
		speed /bench-plain/blob >>"$var/plain.txt"
		speed "$url" >>"$var/signed"
	fi
done
echo "samples signed (B/s): $(tr "\n" " " <"$var/signed")"
echo "samples plain  (B/s): $(tr "\n" " " <"$var/plain.txt")"
s=$(median <"$var/signed")
p=$(median <"$var/plain.txt")
awk -v s="$s" -v p="$p" -v mib="$MIB" -v runs="$RUNS" 'BEGIN {
	r = s / p
	printf "download: %d MiB, %d runs each, interleaved, TLS\n", mib, runs
	printf "  signed (njs check)  %8.1f MiB/s (median)\n", s / 1048576
	printf "  unsigned static     %8.1f MiB/s (median)\n", p / 1048576
	printf "  ratio               %8.3f (target >= 0.95: %s)\n", r,
	    (r >= 0.95 ? "met" : "NOT met")
}'
