#!/bin/sh
# A private, throwaway PostgreSQL cluster for tests and the demo: initdb in
# a temporary directory, run as the unprivileged "postgres" user, reachable
# only through a Unix socket in that directory (no TCP port to collide
# with), never the system cluster.  The services connect as the ordinary
# role "export_center" so that row-level security applies to them.
#
#   tests/lib/pg.sh start DIR   prints the connection string
#   tests/lib/pg.sh stop DIR
set -eu

cmd=${1:?start or stop}
dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg.sh: PostgreSQL server not installed" >&2; exit 2; }
as_pg() { runuser -u postgres -- "$@"; }

case $cmd in
start)
	mkdir -p "$dir"
	# postgres must be able to reach the directory through its parent.
	chmod o+x "$(dirname "$dir")"
	chown postgres: "$dir"
	chmod 700 "$dir"
	as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
	    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
	    { cat "$dir/initdb.log" >&2; exit 2; }
	mkdir -p "$dir/run"
	chown postgres: "$dir/run"
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	    -o "-c listen_addresses= -c unix_socket_directories=$dir/run -c fsync=off" \
	    start >/dev/null ||
	    { cat "$dir/server.log" >&2; exit 2; }
	psql -X -q -h "$dir/run" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE export_center LOGIN NOSUPERUSER NOBYPASSRLS;
CREATE DATABASE export_center OWNER export_center;
SQL
	echo "host=$dir/run dbname=export_center user=export_center"
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop \
		    >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: pg.sh start|stop DIR" >&2
	exit 1
	;;
esac
