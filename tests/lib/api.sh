# Helpers for the API tests (tests/integration/8N-api*.sh), sourced after
# it.sh and runs.sh: the whole stack of one script (nginx with the
# project's config, the FastCGI pool as www-data, export-cron on demand),
# stopped by a trap, and requests with fresh DPoP proofs from PyJWT and
# jwcrypto (tests/tools/dpop.py) sent by curl.
API_DPOP=$EC_ROOT/tests/tools/dpop.py
API_ISSUER=https://issuer.test/realms/export
API_PG_SU=$(echo "$EXPORT_CENTER_DB" | sed 's/user=export_center/user=postgres/')
API_APP=$(echo "$EXPORT_CENTER_DB" | sed 's/user=export_center/user=it_api_app/')
cron_pid=

# The services' login role: granted export_center_app and nothing else
# (what sql/0002 grants on the evidence store is granted here too, as in
# 83-runs-app-role.sh), and the pool's user must reach the server socket.
api_roles() {
	local pgdir
	pgdir=$(echo "$EXPORT_CENTER_DB" | sed 's/.*host=\([^ ]*\)\/run .*/\1/')
	chmod o+x "$pgdir"
	psql -X -q "$API_PG_SU" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT export_center_runs_grant();
GRANT SELECT ON evidence, schema_version TO export_center_app;
GRANT EXECUTE ON FUNCTION export_center_metrics() TO export_center_app;
DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'it_api_app')
	THEN
		CREATE ROLE it_api_app LOGIN IN ROLE export_center_app;
	END IF;
END $$;
SQL
}

# api_conf: the pool's configuration file.
api_conf() {
	cat >"$run/api.conf" <<EOF
# written by tests/lib/api.sh
issuer = $API_ISSUER
jwks = $run/keys/jwks.json
db = $API_APP
openapi = $run/openapi.json
retry_after = 2
download_keys = $run/download.keys
download_ttl = ${API_DL_TTL:-3600}
EOF
	chmod 644 "$run/api.conf"
}

# api_dl_secret: a fresh download key secret (lib/ec_urlsign.h).
api_dl_secret() {
	head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='
}

# api_up: wait until nginx and the pool answer /healthz.
api_up() {
	local i
	for i in $(seq 1 100); do
		c -o /dev/null "$base/healthz" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# api_start PORT RATE_PORT [WORKERS]: nginx on PORT (generous limits, or
# $API_RATE and $API_BURST for both the tenant and the address zones) and
# on RATE_PORT (1 request a minute, burst 1), both in front of one pool.
api_start() {
	run=$(mktemp -d /tmp/ec-api.XXXXXX)
	chmod 711 "$run"
	store=$run/store
	set -- "$(it_port "$1")" "$(it_port "$2")" "${3-}"
	base=https://127.0.0.1:$1
	rate_base=https://127.0.0.1:$2
	trap api_stop EXIT
	api_roles
	/usr/bin/python3 "$API_DPOP" keygen "$run/keys"
	chmod 711 "$run/keys"
	chmod 644 "$run/keys/jwks.json"
	cp "$EC_ROOT/fcgi/openapi.json" "$run/openapi.json"
	chmod 644 "$run/openapi.json"
	echo "current k1 $(api_dl_secret)" >"$run/download.keys"
	chmod 644 "$run/download.keys"
	api_conf
	"$EC_ROOT/tools/render-nginx.sh" --run-dir "$run/nginx" \
	    --listen "127.0.0.1:$1" --fcgi "$run/fcgi.sock" --user www-data \
	    --events "$run/events.sock" \
	    --rate "${API_RATE:-200r/s}" --burst "${API_BURST:-400}" \
	    --addr-rate "${API_RATE:-400r/s}" --addr-burst "${API_BURST:-800}" \
	    --retry-after 3 --store "$store" \
	    --download-keys "$run/download.keys" >/dev/null
	"$EC_ROOT/tools/render-nginx.sh" --run-dir "$run/nginx2" \
	    --listen "127.0.0.1:$2" --fcgi "$run/fcgi.sock" --user www-data \
	    --events "$run/events.sock" \
	    --rate 1r/m --burst 1 --retry-after 7 --store "$store" \
	    --download-keys "$run/download.keys" >/dev/null
	"$EC_ROOT/build/export-center.fcgi" --config "$run/api.conf" \
	    --socket "$run/fcgi.sock" --workers "${3:-2}" --user www-data \
	    --pid-file "$run/fcgi.pid" 2>>"$run/fcgi.log" &
	# Live progress (SSE): $API_SSE_OPTS for short intervals in tests.
	# shellcheck disable=SC2086
	"$EC_ROOT/build/export-events" --socket "$run/events.sock" \
	    --db "$API_APP" --user www-data --pid-file "$run/events.pid" \
	    ${API_SSE_OPTS:-} 2>>"$run/events.log" &
	nginx -p "$run/nginx" -e "$run/nginx/logs/error.log" \
	    -c "$run/nginx/nginx.conf"
	nginx -p "$run/nginx2" -e "$run/nginx2/logs/error.log" \
	    -c "$run/nginx2/nginx.conf"
	api_up
}

api_stop() {
	local n
	for n in nginx nginx2; do
		[ -s "$run/$n/nginx.pid" ] &&
		    kill -QUIT "$(cat "$run/$n/nginx.pid")" 2>/dev/null
	done
	[ -s "$run/fcgi.pid" ] && kill "$(cat "$run/fcgi.pid")" 2>/dev/null
	[ -s "$run/events.pid" ] && kill "$(cat "$run/events.pid")" 2>/dev/null
	[ -n "$cron_pid" ] && kill "$cron_pid" 2>/dev/null
	wait 2>/dev/null
	if [ "$IT_FAILED" -ne 0 ]; then
		echo "# fcgi.log:"; tail -n 20 "$run/fcgi.log" | sed 's/^/#   /'
		echo "# nginx error.log:"; tail -n 10 "$run/nginx/logs/error.log" | sed "s/^/#   /"
		echo "# events.log:"; tail -n 10 "$run/events.log" 2>/dev/null | sed "s/^/#   /"
	fi
	rm -rf "$run"
	rm -rf "$IT_TMP"
}

c() { curl -sS --max-time 20 --cacert "$run/nginx/tls/ca.pem" "$@"; }

# api METHOD PATH TENANT [CURL ARGS]: one request with a fresh token and
# proof.  API_MINT (dpop.py options) bends them, API_KEYS names other
# keys; API_HDR_TENANT replaces the tenant header ("-": none); API_BASE
# another front end.
api() {
	local m=$1 p=$2 t=$3 tp b=${API_BASE:-$base} th
	shift 3
	# shellcheck disable=SC2086
	tp=$(/usr/bin/python3 "$API_DPOP" mint "${API_KEYS:-$run/keys}" \
	    "$API_ISSUER" "$m" \
	    "$b$p" "$t" ${API_MINT:-})
	th=${API_HDR_TENANT:-$t}
	local ca=$run/nginx/tls/ca.pem
	[ "$b" = "$base" ] || ca=$run/nginx2/tls/ca.pem
	if [ "$th" = "-" ]; then
		curl -sS --max-time 20 --cacert "$ca" -X "$m" \
		    -H "Authorization: DPoP ${tp% *}" -H "DPoP: ${tp#* }" \
		    -H 'Content-Type: application/json' "$b$p" "$@"
	else
		curl -sS --max-time 20 --cacert "$ca" -X "$m" \
		    -H "Authorization: DPoP ${tp% *}" -H "DPoP: ${tp#* }" \
		    -H "X-StellaOps-Tenant: $th" \
		    -H 'Content-Type: application/json' "$b$p" "$@"
	fi
}

api_status() { head -n 1 "$IT_TMP/$1.head" | cut -d' ' -f2 | tr -d '\r'; }

# api_error NAME STATUS CODE: the saved response is the contract's error.
api_error() {
	local f=$IT_TMP/$1.body
	check_equal "$1: status $2" "$(api_status "$1")" "$2"
	check_equal "$1: code $3" "$(jq -r .code "$f" 2>&1)" "$3"
	check "$1: traceId, timestamp ISO-8601 UTC, message" \
	    jq -e '(.traceId | test("^[0-9a-f]{32}$")) and
	    (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and
	    (.message | length > 0)' "$f"
}

# api_runs TENANT: how many runs the tenant has.
api_runs() { it_as "$1" "SELECT count(*) FROM runs WHERE tenant = '$1'"; }

api_cron_start() {
	"$EC_CRON" --loop --db "$API_APP" --store "$store" \
	    2>>"$run/cron.log" &
	cron_pid=$!
}

# api_wait TENANT RUN_ID WANT: poll GET /runs/{id} (60 s at most) until
# it has finished; the last answer is $IT_TMP/run.json.
api_wait() {
	local i s
	for i in $(seq 1 300); do
		api GET "/export-center/runs/$2" "$1" -o "$IT_TMP/run.json"
		s=$(jq -r .status "$IT_TMP/run.json")
		case $s in succeeded|failed|expired) break ;; esac
		sleep 0.2
	done
	check_equal "run $2 reaches $3" "$s" "$3"
}

# api_record METHOD PATH-TEMPLATE STATUS FILE: a live response to hold
# against the OpenAPI document at the end (api_openapi_check).
api_nrec=0
api_record() {
	api_nrec=$((api_nrec + 1))
	cp "$4" "$IT_TMP/rec.$api_nrec" &&
	    echo "$1 $2 $3 $IT_TMP/rec.$api_nrec" >>"$IT_TMP/records"
}

# The document served at /export-center/openapi.json is the checked-in
# one, valid for @readme/openapi-parser, and every recorded response
# matches its schema (Ajv, JSON Schema 2020-12), both pinned in
# tests/tools/openapi/ and run on the machine's Node.js.
api_openapi_check() {
	local oc=$EC_ROOT/tests/tools/openapi
	if [ ! -d "$oc/node_modules/@readme/openapi-parser" ]; then
		(cd "$oc" && npm ci --no-audit --no-fund --ignore-scripts) \
		    >"$IT_TMP/npm.log" 2>&1 ||
		    { cat "$IT_TMP/npm.log"; it_fail "npm ci openapi"; return; }
	fi
	c -o "$IT_TMP/served.json" "$base/export-center/openapi.json"
	check "GET /export-center/openapi.json serves fcgi/openapi.json" \
	    cmp "$IT_TMP/served.json" "$EC_ROOT/fcgi/openapi.json"
	check "the OpenAPI 3.1 document is valid and the live responses match" \
	    node "$oc/check.mjs" "$IT_TMP/served.json" "$IT_TMP/records"
}
