#!/bin/sh
# A throwaway OCI registry for tests: Debian's docker-registry (the
# distribution registry v2) on a loopback port, storage and config in a
# directory of the caller's, its access log in DIR/registry.log.  Ports
# are the caller's to choose from 18500-18519 (64-push) and 18520-18529
# (86-distribution).
#
#   tests/lib/registry.sh start DIR PORT [htpasswd FILE] [tls CERT KEY]
#       [token REALM SERVICE ISSUER CERT_BUNDLE]
#   tests/lib/registry.sh stop DIR
#   tests/lib/registry.sh ca DIR     a throwaway CA (DIR/ca.pem) and a
#       certificate for 127.0.0.1 it signed (DIR/srv.pem, DIR/srv.key)
set -eu

cmd=${1:?start or stop}
dir=${2:?directory}

case $cmd in
start)
	port=${3:?port}
	shift 3
	auth= tls= scheme=http
	while [ $# -gt 0 ]; do
		case $1 in
		htpasswd) auth="auth:
  htpasswd:
    realm: ec-test
    path: $2"; shift 2 ;;
		token) auth="auth:
  token:
    realm: $2
    service: $3
    issuer: $4
    rootcertbundle: $5"; shift 5 ;;
		tls) tls="  tls:
    certificate: $2
    key: $3"; scheme=https; shift 3 ;;
		*) echo "registry.sh: unknown option $1" >&2; exit 2 ;;
		esac
	done
	command -v docker-registry >/dev/null ||
	    { echo "registry.sh: docker-registry not installed" >&2; exit 2; }
	mkdir -p "$dir/storage"
	cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: ec-test-secret
$tls
$auth
EOF
	# Someone else's server on the port would pass every check below.
	if curl -sk -o /dev/null "$scheme://127.0.0.1:$port/"; then
		echo "registry.sh: port $port is in use" >&2
		exit 2
	fi
	docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
	echo $! >"$dir/pid"
	# Ready when /v2/ answers at all (401 with auth, 200 without).
	i=0
	while ! curl -sk -o /dev/null "$scheme://127.0.0.1:$port/v2/"; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$(cat "$dir/pid")" 2>/dev/null
		then
			cat "$dir/registry.log" >&2
			exit 2
		fi
		sleep 0.1
	done
	;;
ca)
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 2 -subj /CN=ec-test-ca -keyout "$dir/ca.key" \
	    -out "$dir/ca.pem" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=127.0.0.1 -keyout "$dir/srv.key" -out "$dir/srv.csr" \
	    2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/san.ext"
	openssl x509 -req -in "$dir/srv.csr" -CA "$dir/ca.pem" \
	    -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
	    -extfile "$dir/san.ext" -out "$dir/srv.pem" 2>/dev/null
	;;
stop)
	[ -f "$dir/pid" ] || exit 0
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	rm -f "$dir/pid"
	;;
*)
	echo "registry.sh: start, stop or ca" >&2
	exit 2
	;;
esac
