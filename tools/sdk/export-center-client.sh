#!/bin/sh
# export-center-client.sh: a POSIX sh + curl client for the Export Center
# API, with no exportctl.  DPoP is left to the operator's token tool: the
# command in $EC_TOKEN_CMD is run as "$EC_TOKEN_CMD METHOD URL" for every
# request and must print two lines, the access token and a fresh DPoP
# proof for that method and URL (RFC 9449).
#
#   EC_URL=https://export.example EC_TENANT=acme EC_TOKEN_CMD=./mint \
#       sh export-center-client.sh profiles
#   ... run PROFILE [TARGETS]   POST /export-center/runs (JSON on stdout)
#   ... status RUN_ID           GET /export-center/runs/RUN_ID
#   ... events RUN_ID           GET .../events (server-sent events)
#   ... distribution ID         GET /export-center/distributions/ID
#
# Optional: EC_CACERT (a CA file for curl), EC_IDEMPOTENCY_KEY (POST).
set -eu

die() { printf 'export-center-client: %s\n' "$*" >&2; exit 1; }

: "${EC_URL:?set EC_URL to the API base, e.g. https://host:8443}"
: "${EC_TENANT:?set EC_TENANT}"
: "${EC_TOKEN_CMD:?set EC_TOKEN_CMD to a command printing token and proof}"

# call METHOD PATH [BODY]: one authenticated request; the body on stdout.
call() {
	method=$1 url=$EC_URL$2
	creds=$($EC_TOKEN_CMD "$method" "$url") || die "token tool failed"
	token=$(printf '%s\n' "$creds" | sed -n 1p)
	proof=$(printf '%s\n' "$creds" | sed -n 2p)
	[ -n "$token" ] && [ -n "$proof" ] || die "token tool: two lines"
	set -- --silent --show-error --fail-with-body -X "$method" \
	    -H "Authorization: DPoP $token" -H "DPoP: $proof" \
	    -H "X-StellaOps-Tenant: $EC_TENANT" -H "Accept: application/json"
	[ -n "${EC_CACERT:-}" ] && set -- "$@" --cacert "$EC_CACERT"
	if [ -n "${body:-}" ]; then
		set -- "$@" -H "Content-Type: application/json" \
		    --data-binary "$body"
		[ -n "${EC_IDEMPOTENCY_KEY:-}" ] &&
		    set -- "$@" -H "Idempotency-Key: $EC_IDEMPOTENCY_KEY"
	fi
	curl "$@" "$url"
}

# JSON string escaping for the few values we put in a body.
jstr() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

[ $# -ge 1 ] || die "usage: profiles | run PROFILE [TARGETS] | status ID |" \
    "events ID | distribution ID"
cmd=$1; shift
body=
case $cmd in
profiles)
	call GET /export-center/profiles ;;
run)
	[ $# -ge 1 ] || die "run PROFILE [TARGETS]"
	targets=
	if [ $# -ge 2 ]; then
		targets=$(printf '%s' "$2" | tr ',' '\n' |
		    while read -r t; do printf '%s,' "$(jstr "$t")"; done)
		targets=",\"targets\":[${targets%,}]"
	fi
	body="{\"profileId\":$(jstr "$1")$targets}"
	call POST /export-center/runs ;;
status)
	[ $# -eq 1 ] || die "status RUN_ID"
	call GET "/export-center/runs/$1" ;;
events)
	[ $# -eq 1 ] || die "events RUN_ID"
	call GET "/export-center/runs/$1/events" ;;
distribution)
	[ $# -eq 1 ] || die "distribution ID"
	call GET "/export-center/distributions/$1" ;;
*)
	die "unknown command: $cmd" ;;
esac
