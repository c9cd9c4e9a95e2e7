#!/bin/sh
# make up / make down: the whole local service in the background, under
# var/ (run as root: PostgreSQL runs as "postgres", the pool and nginx's
# workers as www-data).
#
#   tools/stack.sh up     PostgreSQL (var/pg), nginx on
#                         https://127.0.0.1:8443 (var/nginx), the FastCGI
#                         pool (var/fcgi.sock), export-events
#                         (var/events.sock) and export-cron --loop
#                         (var/store); tenant-default with tests/fixtures
#                         ingested; signed downloads with the key file
#                         var/keys/download.keys; prints the shell lines
#                         of var/stack.env
#   tools/stack.sh down   stops all of it (the database goes with it)
#
# The dev issuer's ES256 private JWK is var/keys/issuer.jwk; its public
# half is the JWK set the pool loads, so a token minted with that key by
# any JOSE library works (README, "API").
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
var=$root/var
issuer=https://issuer.local/export-center
tenant=tenant-default
listen=127.0.0.1:8443
bin=$root/build

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

down() {
	[ -s "$var/nginx/nginx.pid" ] &&
	    kill -QUIT "$(cat "$var/nginx/nginx.pid")" 2>/dev/null || true
	for p in fcgi cron events; do
		if alive "$var/$p.pid"; then
			kill -TERM "$(cat "$var/$p.pid")"
			for _ in $(seq 1 100); do
				alive "$var/$p.pid" || break
				sleep 0.1
			done
		fi
		rm -f "$var/$p.pid"
	done
	tests/lib/pg.sh stop "$var/pg" 2>/dev/null || true
	rm -f "$var/stack.env" "$var/fcgi.sock" "$var/events.sock"
}

up() {
	if [ -s "$var/stack.env" ] && alive "$var/fcgi.pid"; then
		cat "$var/stack.env"
		return 0
	fi
	down
	mkdir -p "$var/log" "$var/store"
	chmod 711 "$var"
	db=$(tests/lib/pg.sh start "$var/pg")
	# www-data (the pool) must reach the server's socket directory.
	chmod o+x "$var/pg"
	"$bin/exportctl" --db "$db" db migrate >/dev/null
	su=$(echo "$db" | sed 's/user=export_center/user=postgres/')
	app=$(echo "$db" | sed 's/user=export_center/user=export_center_api/')
	psql -X -q "$su" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT export_center_runs_grant();
GRANT SELECT ON evidence, schema_version TO export_center_app;
GRANT EXECUTE ON FUNCTION export_center_metrics() TO export_center_app;
CREATE ROLE export_center_api LOGIN IN ROLE export_center_app;
SQL
	"$bin/exportctl" --db "$db" ingest --tenant "$tenant" tests/fixtures \
	    >"$var/log/ingest.log"
	rm -rf "$var/keys"
	/usr/bin/python3 tests/tools/dpop.py keygen "$var/keys"
	chmod 711 "$var/keys"
	chmod 644 "$var/keys/jwks.json"
	# export-cron signs what it builds (exportctl verify --key checks it).
	"$bin/exportctl" keys generate --type ed25519 --out "$var/keys/builder" \
	    >/dev/null
	# Signed downloads: the pool signs with the current key and nginx's
	# workers check every URL against the same file.  Both run as
	# www-data; root owns the file and only that group reads it.
	tools/download-keys.sh new "$var/keys/download.keys" >/dev/null
	chgrp www-data "$var/keys/download.keys"
	chmod 640 "$var/keys/download.keys"
	cp fcgi/openapi.json "$var/openapi.json"
	cat >"$var/api.conf" <<EOF
# written by tools/stack.sh (make up)
issuer = $issuer
jwks = $var/keys/jwks.json
download_keys = $var/keys/download.keys
db = $app
openapi = $var/openapi.json
EOF
	chmod 644 "$var/api.conf" "$var/openapi.json"
	tools/render-nginx.sh --run-dir "$var/nginx" --listen "$listen" \
	    --fcgi "$var/fcgi.sock" --user www-data --store "$var/store" \
	    --download-keys "$var/keys/download.keys" \
	    --events "$var/events.sock" >/dev/null
	# Live progress (SSE): one event loop behind nginx's internal location.
	setsid "$bin/export-events" --socket "$var/events.sock" --db "$app" \
	    --user www-data --pid-file "$var/events.pid" \
	    </dev/null >>"$var/log/events.log" 2>&1 &
	setsid "$bin/export-center.fcgi" --config "$var/api.conf" \
	    --socket "$var/fcgi.sock" --user www-data \
	    --pid-file "$var/fcgi.pid" </dev/null >>"$var/log/fcgi.log" 2>&1 &
	setsid "$bin/export-cron" --loop --db "$app" --store "$var/store" \
	    --key "$var/keys/builder/signing.key.pem" \
	    </dev/null >>"$var/log/cron.log" 2>&1 &
	echo $! >"$var/cron.pid"
	nginx -p "$var/nginx" -e "$var/nginx/logs/error.log" \
	    -c "$var/nginx/nginx.conf"
	for _ in $(seq 1 100); do
		curl -sf --cacert "$var/nginx/tls/ca.pem" -o /dev/null \
		    "https://$listen/readyz" && break
		sleep 0.1
	done
	cat >"$var/stack.env" <<EOF
EXPORT_CENTER_URL=https://$listen
EXPORT_CENTER_CA=$var/nginx/tls/ca.pem
EXPORT_CENTER_ISSUER_JWK=$var/keys/issuer.jwk
EXPORT_CENTER_ISSUER=$issuer
EXPORT_CENTER_DB='$db'
EXPORT_CENTER_TENANT=$tenant
EXPORT_CENTER_STORE=$var/store
EXPORT_CENTER_DOWNLOAD_KEYS=$var/keys/download.keys
EXPORT_CENTER_BUILDER_KEY=$var/keys/builder/signing.pub.pem
EOF
	cat "$var/stack.env"
}

case ${1:-} in
up) up ;;
down) down ;;
*) echo "usage: tools/stack.sh up|down" >&2; exit 1 ;;
esac
