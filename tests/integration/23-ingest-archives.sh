#!/bin/bash
# exportctl ingest of archives (zip, tar, tar.gz, tar.zst, tar.xz) and of
# NDJSON on stdin: the same rows as the files themselves; hostile and
# broken archives refused member by member, naming archive and member,
# the good members kept and nothing else written.
. "$(dirname "$0")/../lib/it.sh"

fx=$EC_ROOT/tests/fixtures
docs=$IT_TMP/docs
mkdir -p "$docs/sub"
cp "$fx"/osv/go/*.json "$docs/"
cp "$fx"/osv/pypi/*.json "$docs/sub/"
cp "$fx/osv/go/NOTICE.md" "$docs/"
n=$(find "$docs" -name '*.json' | wc -l)

table() {
	it_psql -c "BEGIN; SELECT set_config('app.tenant', '$1', true);" \
	    -c "SELECT kind, upstream_id, source, sha256 FROM evidence
	        ORDER BY 1, 2, 3; COMMIT;" | sed 1d
}
ref=$(it_tenant dir)
"$EC_BIN" ingest --tenant "$ref" "$docs" >/dev/null
table "$ref" >"$IT_TMP/ref"

(cd "$docs" && zip -qr "$IT_TMP/all.zip" .)
tar -C "$docs" -cf "$IT_TMP/all.tar" .
tar -C "$docs" -czf "$IT_TMP/all.tar.gz" .
tar -C "$docs" --zstd -cf "$IT_TMP/all.tar.zst" .
tar -C "$docs" -cJf "$IT_TMP/all.tar.xz" .
for a in all.zip all.tar all.tar.gz all.tar.zst all.tar.xz; do
	t=$(it_tenant "${a//./-}")
	"$EC_BIN" --json ingest --tenant "$t" "$IT_TMP/$a" >"$IT_TMP/r.json"
	check_equal "$a: every member ingested, NOTICE.md skipped" \
	    "$(jq -r '"\(.status.inserted + .status.superseded) \(.skipped)"' \
	    "$IT_TMP/r.json")" "$n 1"
	table "$t" >"$IT_TMP/got"
	check_equal "$a: the same rows as the directory" \
	    "$(cmp -s "$IT_TMP/ref" "$IT_TMP/got" && echo same)" same
done

# NDJSON on stdin: one compact document per line, errors by line number.
t=$(it_tenant ndjson)
{ for f in "$docs"/*.json; do jq -c . "$f"; done; echo; echo '{"id":'; } \
    >"$IT_TMP/docs.ndjson"
lines=$(wc -l <"$IT_TMP/docs.ndjson")
"$EC_BIN" ingest --tenant "$t" - <"$IT_TMP/docs.ndjson" \
    >"$IT_TMP/nd.out" 2>"$IT_TMP/nd.err"
check_equal "stdin: a bad line fails the run (exit 2)" "$?" 2
check "stdin: the error names the line" \
    grep -q "^exportctl: -:$lines: ERR_EXPORT_REQUEST_INVALID" "$IT_TMP/nd.err"
check_equal "stdin: the other documents are stored" \
    "$(it_rows "$t" "")" "$(ls "$docs"/*.json | wc -l)"

# Hostile and broken archives, built with Python's zipfile and tar.
bad=$IT_TMP/bad
mkdir -p "$bad"
good=$(ls "$docs"/*.json | head -n 1)
/usr/bin/python3 - "$bad" "$good" <<'PY'
import sys, zipfile
d, good = sys.argv[1], open(sys.argv[2], "rb").read()
def mk(name, members):
    with zipfile.ZipFile(d + "/" + name, "w", zipfile.ZIP_DEFLATED) as z:
        for m, data, attr in members:
            zi = zipfile.ZipInfo(m)
            zi.compress_type = zipfile.ZIP_DEFLATED
            if attr:
                zi.external_attr = attr << 16
                zi.create_system = 3
            if callable(data):
                with z.open(zi, "w", force_zip64=True) as w:
                    data(w)
            else:
                z.writestr(zi, data)
mk("dotdot.zip", [("../evil.json", good, 0), ("ok.json", good, 0)])
mk("abs.zip", [("/etc/evil.json", good, 0), ("ok.json", good, 0)])
mk("symlink.zip", [("link.json", "/etc/passwd", 0o120777),
                   ("ok.json", good, 0)])
mk("big.zip", [("big.json", b" " * (64 * 1024 * 1024 + 1), 0),
               ("ok.json", good, 0)])
def bomb(w):
    chunk = b"\0" * (1 << 20)
    for _ in range(256):
        w.write(chunk)
mk("bomb.zip", [("ok.json", good, 0), ("bomb.json", bomb, 0)])
# Many members within the per-member cap, expanding far past the ratio.
mk("many.zip", [("ok.json", good, 0)] +
   [("m%03d.json" % i, b" " * (4 << 20), 0) for i in range(40)])
PY
# Big enough (> 64 KiB compressed) that members precede the cut.
tar -C "$fx/osv" -czf "$IT_TMP/trunc.tar.gz" .
head -c $(($(stat -c %s "$IT_TMP/trunc.tar.gz") / 2)) "$IT_TMP/trunc.tar.gz" \
    >"$bad/trunc.tar.gz"
printf 'this is not an archive\n' >"$bad/junk.zip"
mkfifo "$bad/fifo.tar"

# bad_case ARCHIVE MEMBER-OR-- PATTERN KEPT: exit 2, one error naming
# ARCHIVE:MEMBER (or the archive alone) matching PATTERN, KEPT rows.
bad_case() {
	local arch=$1 member=$2 pat=$3 kept=$4 t name
	t=$(it_tenant "bad-${arch//./-}")
	name=$bad/$arch
	[ "$member" = - ] || name="$name:$member"
	timeout 60 "$EC_BIN" ingest --tenant "$t" "$bad/$arch" \
	    >"$IT_TMP/b.out" 2>"$IT_TMP/b.err"
	check_equal "$arch: exit 2" "$?" 2
	check "$arch: the error names ${member/-/the archive}: $pat" \
	    grep -q "^exportctl: $name: ERR_[A-Z_]*: .*$pat" "$IT_TMP/b.err"
	check_equal "$arch: $kept good member(s) kept, nothing else" \
	    "$(it_rows "$t" "")" "$kept"
	check "$arch: the summary is printed" grep -q ' files: ' "$IT_TMP/b.out"
}
bad_case dotdot.zip ../evil.json "unsafe member path" 1
bad_case abs.zip /etc/evil.json "unsafe member path" 1
bad_case symlink.zip link.json "symbolic link, not followed" 1
bad_case big.zip big.json "ERR_EXPORT_TOO_LARGE\\|more than" 1
bad_case bomb.zip bomb.json "declares 268435456 bytes" 1
bad_case many.zip "m0[0-9][0-9].json" "expands past 200 times" 1
bad_case junk.zip - "not a readable archive" 0
bad_case fifo.tar - "not a regular file (a FIFO)" 0
t=$(it_tenant bad-trunc)
"$EC_BIN" ingest --tenant "$t" "$bad/trunc.tar.gz" >"$IT_TMP/b.out" \
    2>"$IT_TMP/b.err"
check_equal "truncated tar.gz: exit 2" "$?" 2
check "truncated tar.gz: the error names the archive and member" \
    grep -q "^exportctl: $bad/trunc.tar.gz:.*\.json: ERR_.*truncated" \
    "$IT_TMP/b.err"
kept=$(it_rows "$t" "")
check "truncated tar.gz: the members before the cut are kept" \
    test "$kept" -gt 0 -a "$kept" -lt "$(find "$fx/osv" -name '*.json' |
    wc -l)"
it_done
