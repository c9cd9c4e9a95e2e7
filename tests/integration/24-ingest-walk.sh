#!/bin/bash
# What the walk does not take is reported and counted, and the run always
# ends with its summary: FIFOs (never a hang), trees deeper than the walk
# limit, paths over 4096 bytes, links (followed when named, skipped inside
# a tree), hostile file names (escaped in every message, kept in --json),
# and --source validated like tenants.
. "$(dirname "$0")/../lib/it.sh"

fx=$EC_ROOT/tests/fixtures
src=$(ls "$fx"/osv/go/*.json | head -n 1)
t=$(it_tenant main)

mkfifo "$IT_TMP/p.json"
timeout 30 "$EC_BIN" ingest --tenant "$t" "$IT_TMP/p.json" \
    >"$IT_TMP/out" 2>"$IT_TMP/err"
check_equal "a named FIFO is refused at once (exit 2, no hang)" "$?" 2
check "the error says why" grep -q 'p.json: ERR_EXPORT_REQUEST_INVALID: not a regular file (a FIFO)' "$IT_TMP/err"
check "the summary is printed" grep -q '^1 files: .* 1 failed' "$IT_TMP/out"

tree=$IT_TMP/tree
mkdir -p "$tree"
cp "$src" "$tree/good.json"
mkfifo "$tree/fifo.json"
ln -s "$src" "$tree/link.json"
deep=$tree/deep
for i in $(seq 40); do deep=$deep/d; done
mkdir -p "$deep"
jq '.id = "IT-DEEP"' "$src" >"$deep/deep.json"
# A path over 4096 bytes: 20 levels of 230-character names.
/usr/bin/python3 - "$tree" <<'PY'
import os, sys
os.chdir(sys.argv[1])
os.mkdir("long")
os.chdir("long")
for i in range(20):
    os.mkdir("x" * 230)
    os.chdir("x" * 230)
with open("long.json", "w") as f:
    f.write('{"id":"IT-LONG","modified":"2020-01-01T00:00:00Z"}')
PY
timeout 60 "$EC_BIN" --json ingest --tenant "$t" "$tree" \
    >"$IT_TMP/tree.json" 2>"$IT_TMP/err"
check_equal "a tree with untaken inputs: exit 2" "$?" 2
check_equal "the good file is stored, the deep and long ones are not" \
    "$(jq -r '"\(.status.inserted) \(.status.failed) \(.skipped)"' \
    "$IT_TMP/tree.json")" "1 2 2"
check "too deep: reported with the limit" \
    grep -q '/d: ERR_EXPORT_REQUEST_INVALID: directory nested deeper than 32 levels' "$IT_TMP/err"
check "too long: reported with the limit" \
    grep -q 'ERR_EXPORT_REQUEST_INVALID: path exceeds 4096 bytes' "$IT_TMP/err"
check "a link inside the tree: skipped and said" \
    grep -q 'link.json: skipped: a symbolic link, not followed' "$IT_TMP/err"
check "a FIFO inside the tree: skipped and said" \
    grep -q 'fifo.json: skipped: not a regular file' "$IT_TMP/err"
check_equal "no row for the deep document" \
    "$(it_rows "$t" "WHERE upstream_id IN ('IT-DEEP', 'IT-LONG')")" 0

ln -s "$src" "$IT_TMP/named-link.json"
check_equal "a link named on the command line is followed" \
    "$("$EC_BIN" --json ingest --tenant "$(it_tenant link)" \
    "$IT_TMP/named-link.json" | jq .status.inserted)" 1

# Hostile names: escaped in messages, never a second line; kept in JSON.
names=$IT_TMP/names
mkdir -p "$names"
printf '{' >"$names/$(printf 'evil\nexportctl: forged\033[31m.json')"
printf '{' >"$names/$(printf 'bad\377name.json')"
"$EC_BIN" ingest --tenant "$t" "$names" >/dev/null 2>"$IT_TMP/err"
check_equal "two bad files: exactly two lines on stderr" \
    "$(wc -l <"$IT_TMP/err")" 2
check "a newline and an escape in a name are escaped" \
    grep -qF 'evil\nexportctl: forged\x1b[31m.json: ERR_' "$IT_TMP/err"
check_equal "no raw escape character reaches stderr" \
    "$(tr -cd '\033' <"$IT_TMP/err" | wc -c)" 0
"$EC_BIN" --json ingest --tenant "$t" "$names" >"$IT_TMP/names.json" \
    2>/dev/null
check_equal "--json: both failures listed, the non-UTF-8 one escaped" \
    "$(jq -r '.failures | map(.path | sub(".*/"; "")) | sort | join(" ")' \
    "$IT_TMP/names.json")" 'bad\xffname.json evil\nexportctl: forged\x1b[31m.json'
printf '{"id":"X\\u001b[2J","modified":"2020-01-01T00:00:00Z"' \
    >"$IT_TMP/parse.json"
"$EC_BIN" ingest --tenant "$t" "$IT_TMP/parse.json" >/dev/null \
    2>"$IT_TMP/err"
check_equal "a parse error echoing input stays one escaped line" \
    "$(wc -l <"$IT_TMP/err") $(tr -cd '\033' <"$IT_TMP/err" | wc -c)" "1 0"

check_fails "--source with a tab is refused" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" ingest --tenant "$t" --source "$(printf 'a\tID1')" "$src"
check_fails "--source with a newline is refused" 2 ERR_EXPORT_REQUEST_INVALID \
    "$EC_BIN" ingest --tenant "$t" --source "$(printf 'a\nb')" "$src"
check "--source with URL characters is accepted" \
    "$EC_BIN" ingest --tenant "$t" --source "https://osv.dev/go@v1+x" "$src"
it_done
