#!/bin/bash
# Live progress through nginx: GET /export-center/runs/{id}/events,
# authenticated by the FastCGI pool, handed to nginx with
# X-Accel-Redirect and served by build/export-events (one event loop,
# LISTEN export_run_events).  The client is the stock `eventsource`
# package from npm (pinned in tests/tools/sse/, tests/tools/sse/follow.mjs
# sends DPoP through its `fetch` option).  Checked: a run followed from
# queued to completed sees started, progress, artifact_ready and
# completed with the contract's payloads and exactly the ids of
# run_events; itemsCompleted/itemsTotal of GET /runs match the last
# progress event; Last-Event-ID resumes with no gap and no duplicate, by
# a new client and by eventsource's own reconnection; a
# failed run gives failed with code and message; a PostgreSQL restart
# under an open stream loses nothing; heartbeat comments and the idle
# close (short intervals by option); a foreign tenant gets 404, scope
# export:write alone 403, a bad Last-Event-ID 400, and the internal
# location is not reachable from outside (404); the refusals match
# fcgi/openapi.json; and, straight on its socket, export-events refuses
# a bad request head and drops a subscriber that stops reading.
. "$(dirname "$0")/../lib/it.sh"
. "$(dirname "$0")/../lib/runs.sh"
. "$(dirname "$0")/../lib/api.sh"

ta=$(it_tenant a)
tb=$(it_tenant b)
sse=$EC_ROOT/tests/tools/sse
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
"$EC_BIN" ingest --tenant "$ta" "$EC_ROOT/tests/fixtures" >/dev/null
API_SSE_OPTS="--heartbeat-ms 400 --idle-ms 2500" api_start 18880 18881
if [ ! -d "$sse/node_modules/eventsource" ]; then
	(cd "$sse" && npm ci --no-audit --no-fund --ignore-scripts) \
	    >"$IT_TMP/npm.log" 2>&1 ||
	    { cat "$IT_TMP/npm.log"; it_fail "npm ci eventsource"; it_done; }
fi
export NODE_EXTRA_CA_CERTS=$run/nginx/tls/ca.pem

# follow RUN TENANT [LAST_ID] [STOP]: the events eventsource receives.
follow() {
	timeout 90 node "$sse/follow.mjs" "$base/export-center/runs/$1/events" \
	    "$run/keys" "$API_ISSUER" "$2" "${3:--}" "${4:-completed,failed}"
}
# db_ids RUN [AFTER]: the run's event ids in run_events, in order.
db_ids() {
	it_as "$ta" "SELECT coalesce(string_agg(id::text, ' ' ORDER BY id), '')
	    FROM run_events WHERE tenant = '$ta' AND run_id = '$1'
	    AND id > ${2:-0}"
}
ids() { jq -r 'select(.id) | .id' "$1" | tr '\n' ' ' | sed 's/ $//'; }
types() { jq -r 'select(.type) | .type' "$1" | uniq | tr '\n' ' ' |
    sed 's/ $//'; }
# wait_streams N: until export-events holds N connections from nginx.
wait_streams() {
	local i
	for i in $(seq 1 100); do
		[ "$(ss -xH state established 2>/dev/null |
		    grep -c "$run/events.sock")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
create() {
	"$EC_BIN" run create --tenant "$ta" --profile json:raw --targets vex
}

# 1. Followed from queued to completed: subscribed before it starts.
r1=$(create)
follow "$r1" "$ta" >"$IT_TMP/f1" 2>"$IT_TMP/f1.err" &
f1=$!
check "the stream is open before the build" wait_streams 1
api_cron_start
wait "$f1"
check_equal "eventsource follows the run until completed" "$?" 0
check_equal "started, progress, artifact_ready, completed in that order" \
    "$(types "$IT_TMP/f1")" "started progress artifact_ready completed"
check_equal "exactly the run's events, in id order, no gap, no duplicate" \
    "$(ids "$IT_TMP/f1")" "$(db_ids "$r1")"
check "started {runId, status}" jq -se --arg r "$r1" \
    '[.[] | select(.type == "started")][0].data ==
    {runId: $r, status: "running"}' "$IT_TMP/f1"
check "progress {runId, percent, itemsCompleted, itemsTotal}" jq -se \
    --arg r "$r1" '[.[] | select(.type == "progress") | .data] |
    length >= 2 and all(.[]; (keys == ["itemsCompleted", "itemsTotal",
    "percent", "runId"]) and .runId == $r and .percent >= 0 and
    .percent <= 100 and .itemsCompleted <= .itemsTotal)' "$IT_TMP/f1"
check "artifact_ready {runId, type, id, url, sha256, format}" jq -se \
    --arg r "$r1" '[.[] | select(.type == "artifact_ready") | .data] |
    length >= 1 and all(.[]; .runId == $r and (.type | length > 0) and
    (.id | length > 0) and (.url | length > 0) and (.format | length > 0)
    and (.sha256 | test("^(sha256:)?[0-9a-f]{64}$")))' "$IT_TMP/f1"
check "completed {runId, status succeeded, manifestUrl}" jq -se \
    --arg r "$r1" '[.[] | select(.type == "completed")][0].data |
    .runId == $r and .status == "succeeded" and
    (.manifestUrl | length > 0)' "$IT_TMP/f1"
api GET "/export-center/runs/$r1" "$ta" -o "$IT_TMP/r1.json"
check_equal "GET /runs progress matches the last progress event" \
    "$(jq -c '.progress | [.itemsCompleted, .itemsTotal]' "$IT_TMP/r1.json")" \
    "$(jq -sc '[.[] | select(.type == "progress")] | last.data |
    [.itemsCompleted, .itemsTotal]' "$IT_TMP/f1")"

# 2. Resume with Last-Event-ID from the middle: the rest, exactly once.
mid=$(jq -r 'select(.id) | .id' "$IT_TMP/f1" | sed -n 2p)
follow "$r1" "$ta" "$mid" >"$IT_TMP/f2" 2>"$IT_TMP/f2.err"
check_equal "Last-Event-ID $mid: every later event once, in order" \
    "$(ids "$IT_TMP/f2")" "$(db_ids "$r1" "$mid")"
last=$(jq -r 'select(.id) | .id' "$IT_TMP/f1" | tail -n 1)
api GET "/export-center/runs/$r1/events" "$ta" -H "Last-Event-ID: $last" \
    -N -o "$IT_TMP/done.txt" -w '%{http_code}' >"$IT_TMP/done.code"
check_equal "past the last event of a finished run: 200, empty, closed" \
    "$(cat "$IT_TMP/done.code") $(wc -c <"$IT_TMP/done.txt")" "200 0"

# 3. Refusals, before any stream is opened.
api GET "/export-center/runs/$r1/events" "$tb" -D "$IT_TMP/foreign.head" \
    -o "$IT_TMP/foreign.body"
api_error foreign 404 ERR_NOT_FOUND
API_MINT="scope=export:write" api GET "/export-center/runs/$r1/events" \
    "$ta" -D "$IT_TMP/scope.head" -o "$IT_TMP/scope.body"
api_error scope 403 ERR_FORBIDDEN
api GET "/export-center/runs/$r1/events" "$ta" -H 'Last-Event-ID: 12a' \
    -D "$IT_TMP/badid.head" -o "$IT_TMP/badid.body"
api_error badid 400 ERR_EXPORT_REQUEST_INVALID
api GET "/export-center/runs/$r1/events" "$ta" \
    -H 'Last-Event-ID: 12345678901234567890' \
    -D "$IT_TMP/longid.head" -o "$IT_TMP/longid.body"
api_error longid 400 ERR_EXPORT_REQUEST_INVALID
c -D "$IT_TMP/internal.head" -o "$IT_TMP/internal.body" \
    "$base/internal/events/$ta/$r1?after=0"
check_equal "the internal location is not reachable from outside" \
    "$(api_status internal)" 404
check "and nothing of the stream leaks there" sh -c \
    "! grep -q 'event:' '$IT_TMP/internal.body'"
api GET "/export-center/runs/export-run::$ta::2020-01-01::9999/events" \
    "$ta" -D "$IT_TMP/nosuch.head" -o "$IT_TMP/nosuch.body"
api_error nosuch 404 ERR_NOT_FOUND
for r in foreign:404 scope:403 badid:400 nosuch:404; do
	api_record get '/export-center/runs/{runId}/events' "${r#*:}" \
	    "$IT_TMP/${r%:*}.body"
done

# 4. A failed run: the registry it must be pushed to is down.
rf=$("$EC_BIN" run create --tenant "$ta" --profile trivy:db \
    --distribution "oci:127.0.0.1:$(it_port 18889)/sse/db:1")
follow "$rf" "$ta" >"$IT_TMP/ff" 2>"$IT_TMP/ff.err"
check "failed {runId, status, code, message, retryAfterSeconds}" jq -se \
    --arg r "$rf" '[.[] | select(.type == "failed")][0].data |
    .runId == $r and .status == "failed" and
    .code == "ERR_EXPORT_DISTRIBUTION_FAILED" and (.message | length > 0)
    and .retryAfterSeconds == 30' "$IT_TMP/ff"
check_equal "the failed stream has the run's events, no more" \
    "$(ids "$IT_TMP/ff")" "$(it_as "$ta" "SELECT string_agg(id::text, ' '
    ORDER BY id) FROM run_events WHERE run_id = '$rf'")"

# 5. Heartbeats and the idle close, on a run nobody builds.
kill "$cron_pid"
wait "$cron_pid" 2>/dev/null
cron_pid=
r4=$(create)
api GET "/export-center/runs/$r4/events" "$ta" -N -o "$IT_TMP/idle.txt"
check_equal "the idle stream ends by itself (curl saw a clean end)" "$?" 0
check "comment heartbeats on the idle stream" grep -q '^: heartbeat$' \
    "$IT_TMP/idle.txt"
check "and no event" sh -c "! grep -q '^event:' '$IT_TMP/idle.txt'"

# 5b. The client's own reconnection: the idle limit ends the stream after
# two events, eventsource reconnects by itself with Last-Event-ID, and
# the rest arrives once, in order (events written here with psql).
ev() {
	psql -X -q "$API_PG_SU" -v ON_ERROR_STOP=1 -c "SELECT
	    export_run_event('$ta', '$1', '$2', '$3'::jsonb)" >/dev/null
}
prog() {
	ev "$1" progress "{\"runId\": \"$1\", \"percent\": $2,
	    \"itemsCompleted\": $2, \"itemsTotal\": 100}"
}
r5=$(create)
follow "$r5" "$ta" >"$IT_TMP/f5" 2>"$IT_TMP/f5.err" &
f5=$!
wait_streams 1
prog "$r5" 1
prog "$r5" 2
for i in $(seq 1 200); do
	[ "$(grep -c "stream=$r5" "$run/fcgi.log")" -ge 2 ] && break
	sleep 0.1
done
check "after the idle close eventsource reconnected by itself" test \
    "$(grep -c "stream=$r5" "$run/fcgi.log")" -ge 2
prog "$r5" 3
prog "$r5" 4
ev "$r5" completed "{\"runId\": \"$r5\", \"status\": \"succeeded\",
    \"manifestUrl\": \"m\"}"
wait "$f5"
check_equal "across its reconnection: every event once, in order" \
    "$(ids "$IT_TMP/f5")" "$(db_ids "$r5")"

# 6. PostgreSQL restarts under an open stream: nothing is lost.
r3=$(create)
follow "$r3" "$ta" >"$IT_TMP/f3" 2>"$IT_TMP/f3.err" &
f3=$!
check "the stream is open" wait_streams 1
check "PostgreSQL restarts" runuser -u postgres -- "$pgbin/pg_ctl" \
    -D "$EC_VAR/pg/data" -m fast -w -t 60 restart
for i in $(seq 1 100); do
	[ "$(grep -c 'event=db_connected' "$run/events.log")" -ge 2 ] && break
	sleep 0.1
done
check "export-events reconnected" test \
    "$(grep -c 'event=db_connected' "$run/events.log")" -ge 2
api_cron_start
wait "$f3"
check_equal "the stream opened before the restart reaches completed" "$?" 0
check_equal "every event after the restart, once, in order" \
    "$(ids "$IT_TMP/f3")" "$(db_ids "$r3")"
check_equal "started ... completed" "$(types "$IT_TMP/f3" | cut -d' ' -f1),$(
    types "$IT_TMP/f3" | awk '{print $NF}')" "started,completed"
# 7. Straight to export-events, as nginx talks to it: a bad request head
# is refused, and a subscriber that stops reading is dropped once its
# backlog passes --buffer, not buffered without limit.
kill "$cron_pid"
wait "$cron_pid" 2>/dev/null
cron_pid=
raw=$IT_TMP/raw.sock
"$EC_ROOT/build/export-events" --socket "$raw" --db "$API_APP" \
    --buffer 4096 2>"$IT_TMP/raw.log" &
rawpid=$!
for i in $(seq 1 50); do [ -S "$raw" ] && break; sleep 0.1; done
cat >"$IT_TMP/raw.py" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
if len(sys.argv) > 3:
    # Read nothing until told, then everything up to the server's close.
    while not os.path.exists(sys.argv[3]):
        time.sleep(0.05)
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
    if len(sys.argv) == 3:
        break
print(data.split(b"\r\n")[0].decode() if len(sys.argv) == 3 else
      data.count(b"event: progress"))
PY
check_equal "export-events refuses another path with 400" "$(timeout 10 \
    /usr/bin/python3 "$IT_TMP/raw.py" "$raw" \
    'GET /internal/events/../x HTTP/1.1\r\n\r\n')" "HTTP/1.1 400 Refused"
rs=$(create)
timeout 60 /usr/bin/python3 "$IT_TMP/raw.py" "$raw" \
    "GET /internal/events/$ta/$rs?after=0 HTTP/1.1\\r\\n\\r\\n" \
    "$IT_TMP/go" >"$IT_TMP/slow.count" &
slow=$!
for i in $(seq 1 50); do
	[ "$(ss -xH state established | grep -c "$raw")" -ge 1 ] && break
	sleep 0.1
done
psql -X -q "$API_PG_SU" -v ON_ERROR_STOP=1 >/dev/null <<SQL
SELECT count(export_run_event('$ta', '$rs', 'progress',
    jsonb_build_object('runId', '$rs', 'pad', repeat('x', 1000))))
    FROM generate_series(1, 1000);
SQL
for i in $(seq 1 100); do
	grep -q 'event=slow_subscriber' "$IT_TMP/raw.log" && break
	sleep 0.1
done
check "the reader that stopped is dropped (event=slow_subscriber)" grep -q \
    'event=slow_subscriber' "$IT_TMP/raw.log"
touch "$IT_TMP/go"
wait "$slow"
check "and its stream was cut short of the 1000 events" test \
    "$(cat "$IT_TMP/slow.count")" -lt 1000
kill "$rawpid"
wait "$rawpid" 2>/dev/null
api_openapi_check
it_done
