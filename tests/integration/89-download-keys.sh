#!/bin/bash
# tools/download-keys.sh, the operator's rotation of the download key file
# (README, "Signed downloads on the local stack"), against nginx checking
# the URLs with njs and the FastCGI pool signing them (ports 18893-18894).
# The file is root's and readable by www-data's group only, as make up
# writes it: "rotate" keeps that and both readers keep reading it; a URL
# of the old key downloads until "retire", then it is refused (403); after
# SIGHUP the pool signs with the new key.  A file without one well-formed
# current key, a missing file and "new" over a file are refused and
# change nothing.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

dk=$EC_ROOT/tools/download-keys.sh
ta=$(it_tenant a)
"$EC_BIN" ingest --tenant "$ta" "$EC_ROOT/tests/fixtures" >/dev/null
api_start 18893 18894
H=$IT_TMP
keys=$run/download.keys
chgrp www-data "$keys"
chmod 640 "$keys"

# bundle_url NAME: the bundle's signed URL in GET /runs/{id}.
bundle_url() {
	api GET "/export-center/runs/$id" "$ta" -o "$H/$1.json"
	jq -r '.outputs[] | select(.type == "bundle") | .url' "$H/$1.json"
}
# fetch NAME URL: the HTTP status of a download through nginx.
fetch() {
	c --path-as-is -D "$H/$1.head" -o "$H/$1.body" "$base$2"
	api_status "$1"
}

api POST /export-center/runs "$ta" -o "$H/c.json" --data-binary \
    '{"profileId":"export-profile::'"$ta"'::json:raw"}'
id=$(jq -r .runId "$H/c.json")
"$EC_CRON" --once --db "$API_APP" --store "$store" 2>>"$run/cron.log"
api_wait "$ta" "$id" succeeded
old=$(bundle_url old)
hex=$(jq -r '.outputs[] | select(.type == "bundle") | .sha256 |
    ltrimstr("sha256:")' "$H/old.json")
k1=$(awk '$1 == "current" { print $3 }' "$keys")
check_equal "a URL of the first key downloads" "$(fetch o1 "$old")" 200

ino=$(stat -c %i "$keys")
kid=$("$dk" rotate "$keys")
check "rotate prints a fresh kid" sh -c "echo '$kid' |
    grep -Eq '^dl-[0-9]{14}-[0-9a-f]{4}$'"
check_equal "rotate: the new key current, the old one previous" \
    "$(awk '{ print $1, $2 }' "$keys" | tr '\n' ' ')" \
    "current $kid previous k1 "
check_equal "the old secret is kept" \
    "$(awk '$1 == "previous" { print $3 }' "$keys")" "$k1"
check_equal "replaced by rename, owner, group and mode kept" \
    "$(stat -c '%U %G %a' "$keys") $([ "$(stat -c %i "$keys")" != "$ino" ] &&
    echo renamed)" "root www-data 640 renamed"
check_equal "nginx still takes the old key's URL" "$(fetch o2 "$old")" 200
kill -HUP "$(cat "$run/fcgi.pid")"
for _ in $(seq 1 50); do
	new=$(bundle_url new)
	case $new in *"kid=$kid&"*) break ;; esac
	sleep 0.2
done
check "after SIGHUP the pool signs with the new key" sh -c \
    "case '$new' in *'kid=$kid&'*) ;; *) exit 1 ;; esac"
check_equal "a URL of the new key downloads" "$(fetch n1 "$new")" 200
check_equal "the same bytes" "$(sha256sum "$H/n1.body" | cut -d' ' -f1)" \
    "$hex"

check_equal "retire prints the current kid" "$("$dk" retire "$keys")" "$kid"
check_equal "retire: only the current key is left" \
    "$(awk '{ print $1, $2 }' "$keys")" "current $kid"
check_equal "owner, group and mode kept" "$(stat -c '%U %G %a' "$keys")" \
    "root www-data 640"
check_equal "the old key's URL is refused" "$(fetch o3 "$old") $(jq -r \
    .code "$H/o3.body")" "403 ERR_FORBIDDEN"
check_equal "the new key's URL still downloads" "$(fetch n2 "$new")" 200

# Refusals change nothing.
cp -p "$keys" "$H/keys.good"
printf 'current x short\n' >"$H/bad.keys"
cp "$H/bad.keys" "$H/bad.orig"
check_fails "rotate of a malformed file is refused" 1 - "$dk" rotate \
    "$H/bad.keys"
check "the malformed file is unchanged" cmp "$H/bad.keys" "$H/bad.orig"
printf 'previous k9 %s\n' "$k1" >"$H/nocur.keys"
check_fails "retire of a file without a current key is refused" 1 - \
    "$dk" retire "$H/nocur.keys"
check_fails "rotate of a missing file is refused" 1 - "$dk" rotate \
    "$H/none.keys"
check "no file is left behind" test ! -e "$H/none.keys"
check_fails "new over an existing file is refused" 1 - "$dk" new "$keys"
check "the key file is unchanged" cmp "$keys" "$H/keys.good"
check "no temporary file is left" sh -c "! ls '$run' '$H' |
    grep -q '\\.tmp\\.'"
re='^current dl-[0-9]{14}-[0-9a-f]{4} [A-Za-z0-9_-]{43}$'
check_equal "new: one current key, mode 600" "$("$dk" new "$H/fresh.keys" |
    grep -Ec '^dl-') $(stat -c %a "$H/fresh.keys") $(grep -Ec "$re" \
    "$H/fresh.keys")" "1 600 1"
check_equal "nginx still serves after the refusals" "$(fetch n3 "$new")" 200

it_done
