#!/bin/bash
# The nginx front end (nginx/export-center.conf.in rendered by
# tools/render-nginx.sh): Debian's nginx on 127.0.0.1:18443 with TLS from
# the generated CA, in front of a FastCGI echo responder
# (tests/tools/fcgi_echo.c, libfcgi) that answers with the parameters it
# was sent.  Checked: TLS with and without the CA, the request id and the
# htu parameters reaching the responder and the access log, the 256 KiB
# body cap (413 ERR_EXPORT_TOO_LARGE), the per-tenant rate limit (429
# ERR_EXPORT_RATE_LIMIT with Retry-After), 503 when the pool is down, 404,
# and workers running as the unprivileged user.
. "$(dirname "$0")/../lib/it.sh"

port=$(it_port 18443)
user=www-data
echo_bin=$EC_ROOT/build/tests/tools/fcgi_echo
# The workers (user www-data) must reach the socket: a directory of its
# own, searchable by all, outside the harness's private one.
run=$(mktemp -d /tmp/ec-nginx.XXXXXX)
chmod 711 "$run"
echo_pid=
stop() {
	[ -s "$run/nginx.pid" ] && kill -QUIT "$(cat "$run/nginx.pid")" \
	    2>/dev/null
	[ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$run"
}
trap stop EXIT

base=https://127.0.0.1:$port
c() { curl -sS --max-time 10 --cacert "$run/tls/ca.pem" "$@"; }

check "render the template" "$EC_ROOT/tools/render-nginx.sh" --run-dir "$run" \
    --listen 127.0.0.1:$port --fcgi "$run/fcgi.sock" --user "$user" \
    --rate 1r/m --burst 2 --addr-rate 100r/s --addr-burst 100 \
    --retry-after 7
"$echo_bin" "$run/fcgi.sock" >"$run/echo.log" 2>&1 &
echo_pid=$!
check "nginx -t accepts the rendered config" \
    nginx -t -q -p "$run" -e "$run/logs/error.log" -c "$run/nginx.conf"
check "nginx starts" \
    nginx -p "$run" -e "$run/logs/error.log" -c "$run/nginx.conf"
up=0
for _ in $(seq 1 100); do
	[ -S "$run/fcgi.sock" ] && c -o /dev/null "$base/healthz" 2>/dev/null &&
	    { up=1; break; }
	sleep 0.1
done
check_equal "nginx and the responder answer" "$up" 1

# Workers: every child of the master runs as the unprivileged user.
master=$(cat "$run/nginx.pid" 2>/dev/null)
workers=$(ps -o user= --ppid "$master" | sort -u | tr '\n' ' ')
check_equal "nginx workers run as $user" "$workers" "$user "
check_equal "nginx master runs as root (binds, reads the key)" \
    "$(ps -o user= -p "$master" | tr -d ' ')" root

# TLS: trusted through the generated CA, refused without it.
check "TLS verifies with the generated CA" c -o /dev/null "$base/healthz"
curl -sS --max-time 10 -o /dev/null "$base/healthz" >"$IT_TMP/.log" 2>&1
check_equal "TLS without the CA fails verification (curl exit 60)" $? 60
check "the certificate names 127.0.0.1" sh -c "openssl x509 -noout -ext \
    subjectAltName -in '$run/tls/server.pem' | grep -q 'IP Address:127.0.0.1'"
check "the CA's private key is gone" test ! -e "$run/tls/ca.key"

# A normal request reaches the pool with the request id and what the
# DPoP htu check needs (scheme, host with port, path and query).
c -D "$IT_TMP/h" -o "$IT_TMP/echo.json" \
    -H "X-StellaOps-Tenant: it-nginx-a" -H "Authorization: DPoP tok" \
    -H "DPoP: proof" "$base/export-center/runs?limit=5"
j() { jq -r "$1" "$IT_TMP/echo.json" 2>/dev/null; }
rid=$(j .REQUEST_ID)
check "REQUEST_ID is a 32-hex request id" \
    sh -c "echo '$rid' | grep -Eqx '[0-9a-f]{32}'"
check_equal "REQUEST_SCHEME" "$(j .REQUEST_SCHEME)" https
check_equal "HTTP_HOST carries the port" "$(j .HTTP_HOST)" "127.0.0.1:$port"
check_equal "REQUEST_URI" "$(j .REQUEST_URI)" "/export-center/runs?limit=5"
check_equal "REQUEST_METHOD" "$(j .REQUEST_METHOD)" GET
check_equal "Authorization and DPoP pass" \
    "$(j '.HTTP_AUTHORIZATION + "|" + .HTTP_DPOP')" "DPoP tok|proof"
check_equal "tenant header passes" "$(j .HTTP_X_STELLAOPS_TENANT)" it-nginx-a
check_equal "a client Proxy header is blanked (httpoxy)" \
    "$(c -H 'X-StellaOps-Tenant: it-nginx-p' -H 'Proxy: http://evil/' \
    "$base/export-center/profiles" | jq -r '.HTTP_PROXY // ""')" ""
check "the access log has the request id" \
    grep -q "rid=$rid\$" "$run/logs/access.log"
check "the access log has no token or proof" \
    sh -c "! grep -q -e 'tok' -e 'proof' '$run/logs/access.log'"

# DPoP through nginx: a token and proof minted by PyJWT for the URI the
# client addresses verify (lib/ec_auth, tests/tools/auth_check) with the
# parameters nginx hands the pool; a proof for another port does not.
m=$IT_TMP/mint
mkdir -p "$m"
/usr/bin/python3 "$EC_ROOT/tests/tools/mint.py" --pair "$m" GET \
    "$base/export-center/runs" it-nginx-auth
dpop_via_nginx() {
	c -o "$IT_TMP/$1.json" -H "X-StellaOps-Tenant: it-nginx-auth" \
	    -H "Authorization: DPoP $(cat "$m/token")" \
	    -H "DPoP: $(cat "$m/$1")" "$base/export-center/runs?page=2"
	"$EC_ROOT/build/tests/tools/auth_check" "$(cat "$m/issuer")" \
	    "$m/jwks.json" "$IT_TMP/$1.json" read
}
check_equal "DPoP proof for the addressed URI verifies behind nginx" \
    "$(dpop_via_nginx proof)" "ok tenant=it-nginx-auth"
dpop_via_nginx proof-other-port >"$IT_TMP/other-port.out"
check "a proof for another port is refused behind nginx" grep -q \
    '^401 invalid_dpop_proof: .*htu does not match' "$IT_TMP/other-port.out"

# Two DPoP headers arrive as two parameters (nginx 1.22), which the pool
# must count (ec_auth_request.dpop_count).
check_equal "a repeated DPoP header shows up twice" \
    "$(c -H 'X-StellaOps-Tenant: it-nginx-d' -H 'DPoP: a' -H 'DPoP: b' \
    "$base/export-center/runs" | jq -c ._dup)" '["HTTP_DPOP"]'

# error_json NAME STATUS CODE: the saved response is the contract's shape.
error_json() {
	local f=$IT_TMP/$1.body
	check_equal "$1: status" \
	    "$(head -n 1 "$IT_TMP/$1.head" | cut -d' ' -f2)" "$2"
	check_equal "$1: code" "$(jq -r .code "$f")" "$3"
	check "$1: traceId is the request id, timestamp ISO-8601 UTC" \
	    jq -e '(.traceId | test("^[0-9a-f]{32}$")) and
	    (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and
	    (.message | length > 0)' "$f"
	check "$1: Content-Type application/json" \
	    grep -qi '^content-type: application/json' "$IT_TMP/$1.head"
}

# Body cap: 256 KiB passes, one byte more is 413.
head -c 262144 /dev/zero >"$IT_TMP/256k"
head -c 262145 /dev/zero >"$IT_TMP/256k1"
check_equal "a 256 KiB body reaches the pool whole" \
    "$(c -X POST --data-binary @"$IT_TMP/256k" \
    -H 'X-StellaOps-Tenant: it-nginx-b' "$base/export-center/runs" |
    jq -r .BODY_BYTES)" 262144
c -D "$IT_TMP/too_large.head" -o "$IT_TMP/too_large.body" -X POST \
    --data-binary @"$IT_TMP/256k1" -H 'X-StellaOps-Tenant: it-nginx-b' \
    "$base/export-center/runs"
error_json too_large 413 ERR_EXPORT_TOO_LARGE

# Rate: 1 request a minute and a burst of 2, so the 4th request within
# the minute is refused whatever the timing; another tenant is not.
for i in 1 2 3; do
	c -o /dev/null -w '%{http_code}\n' -H 'X-StellaOps-Tenant: it-nginx-r' \
	    "$base/export-center/profiles"
done >"$IT_TMP/codes"
check_equal "the rate and burst pass" "$(tr '\n' ' ' <"$IT_TMP/codes")" \
    "200 200 200 "
c -D "$IT_TMP/rate_limit.head" -o "$IT_TMP/rate_limit.body" \
    -H 'X-StellaOps-Tenant: it-nginx-r' "$base/export-center/profiles"
error_json rate_limit 429 ERR_EXPORT_RATE_LIMIT
check "429 carries Retry-After: 7" \
    grep -qi '^retry-after: 7' "$IT_TMP/rate_limit.head"
check_equal "429 body says retryAfterSeconds 7" \
    "$(jq -r .retryAfterSeconds "$IT_TMP/rate_limit.body")" 7
check_equal "another tenant is not limited" \
    "$(c -o /dev/null -w '%{http_code}' -H 'X-StellaOps-Tenant: it-nginx-s' \
    "$base/export-center/profiles")" 200
check "the 429 is logged with its request id" grep -q \
    "429 .*rid=$(jq -r .traceId "$IT_TMP/rate_limit.body")\$" \
    "$run/logs/access.log"

# A header past 8 KiB (a DPoP proof beyond lib/ec_auth's bound too): 400.
c -D "$IT_TMP/bad_request.head" -o "$IT_TMP/bad_request.body" \
    -H 'X-StellaOps-Tenant: it-nginx-h' -H "DPoP: $(head -c 9000 /dev/zero |
    tr '\0' a)" "$base/export-center/runs"
error_json bad_request 400 ERR_EXPORT_REQUEST_INVALID

# Unknown paths: 404 in the same shape, never reaching the pool.
c -D "$IT_TMP/not_found.head" -o "$IT_TMP/not_found.body" "$base/etc/passwd"
error_json not_found 404 ERR_NOT_FOUND

# The pool down: 503 with Retry-After, not an HTML error page.
kill "$echo_pid" && wait "$echo_pid" 2>/dev/null
echo_pid=
rm -f "$run/fcgi.sock"
c -D "$IT_TMP/unavailable.head" -o "$IT_TMP/unavailable.body" \
    -H 'X-StellaOps-Tenant: it-nginx-u' "$base/export-center/profiles"
error_json unavailable 503 ERR_UNAVAILABLE
check "503 carries Retry-After" \
    grep -qi '^retry-after: [0-9]' "$IT_TMP/unavailable.head"

it_done
