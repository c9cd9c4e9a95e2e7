#!/bin/bash
# Who may call the endpoints that take no token, through nginx on
# 127.0.0.1:18468 (README, "nginx front end"): /healthz, /readyz and
# /export-center/openapi.json answer anyone; /metrics answers only the
# addresses of the metrics allow-list (default loopback 127.0.0.1 and
# ::1), any other client gets 403 ERR_FORBIDDEN in the contract's shape.
# Other clients are made with curl --interface 127.0.0.2 (Linux routes
# all of 127/8 to lo); a second nginx rendered with --metrics-allow
# 127.0.0.2 turns the answers round.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

api_start 18468 18469
other=127.0.0.2
code() { c -o "$IT_TMP/$1.body" -w '%{http_code}' "${@:2}"; }

for p in healthz readyz export-center/openapi.json; do
	check_equal "/$p: open to loopback, no token" \
	    "$(code open "$base/$p")" 200
	check_equal "/$p: open to another address ($other), no token" \
	    "$(code open --interface "$other" "$base/$p")" 200
done
check_equal "/metrics: 200 for 127.0.0.1 (on the allow-list)" \
    "$(code metrics "$base/metrics")" 200
check "... with the Prometheus text" grep -q '^export_queue_depth ' \
    "$IT_TMP/metrics.body"
check_equal "/metrics: 403 for $other (not on the allow-list)" \
    "$(code denied --interface "$other" "$base/metrics" -D "$IT_TMP/denied.head")" \
    403
api_error denied 403 ERR_FORBIDDEN
check "... and no metric in the answer" sh -c '! grep -q export_ "$1"' _ \
    "$IT_TMP/denied.body"
check_equal "a token does not buy /metrics from $other either" \
    "$(api GET /metrics "$(it_tenant a)" --interface "$other" -o /dev/null \
    -w '%{http_code}')" 403

# --metrics-allow: the list is the operator's.
port=$(it_port 18470)
check "render nginx with --metrics-allow $other" \
    "$EC_ROOT/tools/render-nginx.sh" --run-dir "$run/nginx3" \
    --listen "127.0.0.1:$port" --fcgi "$run/fcgi.sock" --user www-data \
    --metrics-allow "$other 192.0.2.0/24"
check "nginx starts with it" nginx -p "$run/nginx3" \
    -e "$run/nginx3/logs/error.log" -c "$run/nginx3/nginx.conf"
b3=https://127.0.0.1:$port
c3() { curl -sS --max-time 20 --cacert "$run/nginx3/tls/ca.pem" "$@"; }
check_equal "allow-list $other: 200 for $other" \
    "$(c3 -o /dev/null -w '%{http_code}' --interface "$other" "$b3/metrics")" \
    200
check_equal "allow-list $other: 403 for 127.0.0.1" \
    "$(c3 -o /dev/null -w '%{http_code}' "$b3/metrics")" 403
check_equal "allow-list $other: /healthz still open to 127.0.0.1" \
    "$(c3 -o /dev/null -w '%{http_code}' "$b3/healthz")" 200
check_fails "render refuses an address that is not one" 1 - \
    "$EC_ROOT/tools/render-nginx.sh" --run-dir "$run/nginx4" \
    --metrics-allow "127.0.0.1;allow"
kill -QUIT "$(cat "$run/nginx3/nginx.pid")"

api_record get /metrics 403 "$IT_TMP/denied.body"
api_openapi_check
it_done
