#!/bin/bash
# Signed download benchmark (make bench, the download section; README,
# "Signed downloads and distributions"): one nginx with the project's
# config (tools/render-nginx.sh, njs checking the signature) on
# 127.0.0.1:18459 serves the same file of BENCH_DOWNLOAD_MIB MiB (256)
# from a run's view of the store through a signed URL, and from an
# unsigned static location added to this benchmark's copy of the config
# only.  curl downloads each over TLS to /dev/null.  After one warm-up
# each (the file is then in the page cache), BENCH_DOWNLOAD_RUNS (21)
# rounds each download both, back to back, the order alternating; a
# round's ratio is signed over unsigned throughput.  The figure is the
# median of the per-round ratios: the load of a shared machine drifts
# over seconds, and a pair measured within one round sees nearly the
# same load, where the medians of two separate sample sets do not.  The
# medians of each and every sample are printed too.  Target
# (informational): signed >= 0.95x unsigned.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
MIB=${BENCH_DOWNLOAD_MIB:-256}
RUNS=${BENCH_DOWNLOAD_RUNS:-21}
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

# ticks: CPU time (clock ticks) the nginx workers used so far.
ticks() {
	local w t=0
	for w in $(ps -o pid= --ppid "$(cat "$var/nginx/nginx.pid")"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$w/stat")))
	done
	echo "$t"
}
# speed U: bytes a second of one download, which must be the whole file,
# and the nginx workers' CPU ticks it took.
speed() {
	local t0 bps
	t0=$(ticks)
	bps=$(curl -sS -f --cacert "$var/nginx/tls/ca.pem" -o /dev/null \
	    -w '%{size_download} %{speed_download}\n' "$base$1" |
	    awk -v want="$((MIB * 1024 * 1024))" '$1 != want { exit 1 }
	    { printf "%d\n", $2 }') || return 1
	echo "$bps $(($(ticks) - t0))"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
speed "$url" >/dev/null && speed /bench-plain/blob >/dev/null ||
    { echo "bench: a download failed" >&2; exit 1; }
# Which goes first alternates, so neither always follows the other.
for i in $(seq 1 "$RUNS"); do
	if [ $((i % 2)) = 1 ]; then
		a=$(speed "$url") && b=$(speed /bench-plain/blob)
	else
		b=$(speed /bench-plain/blob) && a=$(speed "$url")
	fi || { echo "bench: a download failed" >&2; exit 1; }
	echo "${a% *}" >>"$var/signed"
	echo "${b% *}" >>"$var/plain.txt"
	echo "${a#* }" >>"$var/signed.cpu"
	echo "${b#* }" >>"$var/plain.cpu"
	echo "$a $b" | awk '{ printf "%.4f\n", $1 / $3 }' >>"$var/ratio"
done
echo "samples signed (B/s): $(tr "\n" " " <"$var/signed")"
echo "samples plain  (B/s): $(tr "\n" " " <"$var/plain.txt")"
echo "per-round ratios:     $(tr "\n" " " <"$var/ratio")"
# CPU per download, the bound on a quiet machine: it hardly moves with
# the load of other jobs, which the wall-clock figures do.
sc=$(awk '{ t += $1 } END { print t }' "$var/signed.cpu")
pc=$(awk '{ t += $1 } END { print t }' "$var/plain.cpu")
s=$(median <"$var/signed")
p=$(median <"$var/plain.txt")
r=$(median <"$var/ratio")
# The middle half of the rounds' ratios: how far one round can be off.
quart() { sort -n "$var/ratio" | awk -v q="$1" '{ a[NR] = $1 }
    END { print a[q == 1 ? int(NR / 4) + 1 : NR - int(NR / 4)] }'; }
lo=$(quart 1)
hi=$(quart 3)
awk -v s="$s" -v p="$p" -v r="$r" -v lo="$lo" -v hi="$hi" -v mib="$MIB" \
    -v runs="$RUNS" -v sc="$sc" -v pc="$pc" -v hz="$(getconf CLK_TCK)" 'BEGIN {
	printf "download: %d MiB, %d rounds, interleaved, TLS\n", mib, runs
	printf "  signed (njs check)  %8.1f MiB/s (median)\n", s / 1048576
	printf "  unsigned static     %8.1f MiB/s (median)\n", p / 1048576
	printf "  ratio               %8.3f (median of the per-round ratios, " \
	    "quartiles %.3f to %.3f; target >= 0.95: %s)\n", r, lo, hi,
	    (r >= 0.95 ? "met" : "NOT met")
	printf "  nginx CPU per download: signed %.3f s, unsigned %.3f s " \
	    "(unsigned / signed %.3f)\n", sc / hz / runs, pc / hz / runs,
	    (sc > 0 ? pc / sc : 0)
}'
