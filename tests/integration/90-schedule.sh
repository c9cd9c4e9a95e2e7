#!/bin/bash
# Schedules: exportctl schedule set|list|clear, bad expressions and
# templates refused with the code and the field, two export-cron
# processes at once with the same fake clock (--now) enqueue exactly one
# run per slot, after a long "downtime" only the latest missed slot is
# caught up, a slot from before the schedule was set never fires, and
# the services' role can do all of it without reading the private index.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

t=$(it_tenant a)
"$EC_BIN" ingest --tenant "$t" "$EC_ROOT/tests/fixtures/vex" >/dev/null
set_cron() {
	"$EC_BIN" schedule set --tenant "$t" --profile json:raw --cron "$@"
}

check_fails "an hour of 24 is refused, naming the field" 2 \
    "ERR_EXPORT_REQUEST_INVALID: cron: hour: 24 is out of range" \
    set_cron '0 24 * * *'
check_fails "a sixth field is refused" 2 \
    "ERR_EXPORT_REQUEST_INVALID: cron: more than 5 fields" \
    set_cron '0 0 * * * 2027'
check_fails "a day no month has is refused" 2 \
    "ERR_EXPORT_REQUEST_INVALID: cron: day-of-month" set_cron '0 0 30 2 *'
check_fails "an unknown month name is refused" 2 \
    "ERR_EXPORT_REQUEST_INVALID: cron: month: unknown name" \
    set_cron '0 0 1 foo *'
check_fails "a backwards range is refused" 2 \
    "ERR_EXPORT_REQUEST_INVALID: cron: minute: range 30-10 is backwards" \
    set_cron '30-10 * * * *'
check_fails "@reboot has no slot" 2 \
    "ERR_EXPORT_REQUEST_INVALID: cron: unknown alias" set_cron '@reboot'
check_fails "a template member we do not know is refused" 2 \
    "ERR_EXPORT_REQUEST_INVALID: template: unknown member" \
    set_cron '@daily' --template '{"colour":"red"}'
check_fails "the template's request is checked as a run's" 2 \
    "ERR_EXPORT_REQUEST_INVALID: formats" \
    set_cron '@daily' --template '{"formats":"xml"}'
check_fails "an unknown profile" 2 ERR_EXPORT_PROFILE_NOT_FOUND \
    "$EC_BIN" schedule set --tenant "$t" --profile nope --cron '@daily'
check_equal "the refusals set nothing" \
    "$(it_as "$t" "SELECT count(*) FROM export_profiles
    WHERE schedule IS NOT NULL OR run_template IS NOT NULL")" 0

echo '{"formats":"ndjson","targets":"vex"}' >"$IT_TMP/tmpl.json"
check "schedule set @daily with a template from a file" \
    set_cron '@daily' --template @"$IT_TMP/tmpl.json"
check_equal "schedule list gives the next slot after --now" \
    "$("$EC_BIN" --json schedule list --tenant "$t" \
    --now 2027-01-01T10:00:00Z | jq -c '.schedules[] |
    [.profile, .cron, .next, .template.formats, .retentionDays]')" \
    '["json:raw","@daily","2027-01-02T00:00:00Z","ndjson",null]'
check "the text list names profile, expression and next slot" \
    sh -c '"$1" schedule list --tenant "$2" --now 2027-01-01T10:00:00Z |
    grep -q "^json:raw	@daily	next=$3	retentionDays=-	"' \
    _ "$EC_BIN" "$t" 2027-01-02T00:00:00Z

# Two builders at once with the same clock, three times over.
for i in 1 2; do
	"$EC_CRON" --once --store "$EC_STORE" --now 2027-01-01T00:00:30Z \
	    2>"$IT_TMP/cron-$i.log" &
done
wait
for i in 3 4; do
	"$EC_CRON" --once --store "$EC_STORE" --now 2027-01-01T23:59:59Z \
	    2>"$IT_TMP/cron-$i.log" &
done
wait
check_equal "two export-cron at once, twice: one run for the slot" \
    "$(it_as "$t" "SELECT count(*) FROM runs")" 1
check_equal "its key names the profile and the slot" \
    "$(it_as "$t" "SELECT key FROM idempotency_keys")" \
    "schedule:json:raw:2027-01-01T00:00:00Z"
check_equal "the run was made from the template and built" \
    "$(it_as "$t" "SELECT status || ' ' || (request->'formats')::text ||
    ' ' || (request->'targets')::text FROM runs")" \
    'succeeded ["ndjson"] ["vex"]'
check_equal "one builder logged it as scheduled" \
    "$(cat "$IT_TMP"/cron-*.log | grep -c "tenant=$t profile=json:raw \
slot=2027-01-01T00:00:00Z event=scheduled$")" 1

# Eight days down: the slots of the 2nd to the 8th are gone for good.
"$EC_CRON" --once --store "$EC_STORE" --now 2027-01-09T12:00:00Z \
    2>"$IT_TMP/cron-5.log"
"$EC_CRON" --once --store "$EC_STORE" --now 2027-01-09T18:00:00Z \
    2>"$IT_TMP/cron-6.log"
check_equal "after downtime only the latest missed slot is caught up" \
    "$(it_as "$t" "SELECT string_agg(key, ' ' ORDER BY key)
    FROM idempotency_keys")" \
    "schedule:json:raw:2027-01-01T00:00:00Z \
schedule:json:raw:2027-01-09T00:00:00Z"
"$EC_CRON" --once --store "$EC_STORE" --now 2026-06-01T00:00:00Z \
    2>"$IT_TMP/cron-7.log"
check_equal "a slot before the schedule was set never fires" \
    "$(it_as "$t" "SELECT count(*) FROM runs")" 2

check "schedule clear" "$EC_BIN" schedule clear --tenant "$t" \
    --profile json:raw
check_equal "the list is empty" \
    "$("$EC_BIN" --json schedule list --tenant "$t" | jq '.schedules |
    length')" 0
"$EC_CRON" --once --store "$EC_STORE" --now 2027-02-01T00:00:00Z \
    2>"$IT_TMP/cron-8.log"
check_equal "a cleared schedule enqueues nothing" \
    "$(it_as "$t" "SELECT count(*) FROM runs")" 2

# The services' role (tests/lib/api.sh, as in 83-runs-app-role.sh): the
# grant function of sql/0003, replaced by 0006, grants what schedules
# need, and no more.
api_roles
app=$API_APP
check "the app role sets a schedule" "$EC_BIN" --db "$app" schedule set \
    --tenant "$t" --profile json:raw --cron '0 6 * * mon-fri'
check "the app role's export-cron fires it" "$EC_CRON" --once --db "$app" \
    --store "$EC_STORE" --now 2027-03-05T07:00:00Z
check_equal "for the Friday 06:00 slot" \
    "$(it_as "$t" "SELECT max(key) FROM idempotency_keys")" \
    "schedule:json:raw:2027-03-05T06:00:00Z"
check_fails "the schedule index is out of the app role's reach" 1 - \
    psql -X -q -v ON_ERROR_STOP=1 "$app" -c "SELECT * FROM schedule_index"
check_fails "so are the other columns of a profile" 1 - \
    psql -X -q -v ON_ERROR_STOP=1 "$app" -c "UPDATE export_profiles
    SET kind = 'json:policy'"
check "schedule clear as the app role" "$EC_BIN" --db "$app" schedule \
    clear --tenant "$t" --profile json:raw
it_done
