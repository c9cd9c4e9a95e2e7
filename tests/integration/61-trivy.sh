#!/bin/bash
# A trivy.db from the OSV fixtures through lib/ec_trivy and lib/ec_bolt
# (tests/tools/trivy_build), read by bbolt itself and by trivycheck, which
# performs Trivy's lookups (specs/trivy-db.md section 2.2) and checks, for
# every advisory, the package, the stored constraints and Trivy's verdict
# at a version inside and outside each range.  Built twice: same bytes.
. "$(dirname "$0")/../lib/it.sh"

tools=$EC_ROOT/build
snap=2026-11-01T00:00:00Z
find "$EC_ROOT/tests/fixtures/osv" -name '*.json' | sort >"$IT_TMP/files"
if [ -d "$EC_ROOT/../shared/fixtures/osv" ]; then
	find "$EC_ROOT/../shared/fixtures/osv" -name '*.json' | sort \
	    >>"$IT_TMP/files"
fi
mkdir "$IT_TMP/a" "$IT_TMP/b" "$IT_TMP/c"
check "trivy_build writes trivy.db from $(wc -l <"$IT_TMP/files") advisories" \
    "$tools/tests/tools/trivy_build" "$IT_TMP/a" "$snap" "@$IT_TMP/files"
check "again, into another directory" \
    "$tools/tests/tools/trivy_build" "$IT_TMP/b" "$snap" "@$IT_TMP/files"
check "trivy.db: identical bytes" cmp "$IT_TMP/a/trivy.db" "$IT_TMP/b/trivy.db"
check "metadata.json: identical bytes" \
    cmp "$IT_TMP/a/metadata.json" "$IT_TMP/b/metadata.json"
check_equal "metadata.json is Version 2, times from the snapshot" \
    "$(cat "$IT_TMP/a/metadata.json")" \
    '{"Version":2,"NextUpdate":"2099-01-01T00:00:00Z","UpdatedAt":"2026-11-01T00:00:00Z","DownloadedAt":"2026-11-01T00:00:00Z"}'
check "bbolt: tx.Check is clean, read-only and after a write" \
    sh -c '"$1" -rw "$2" >/dev/null' _ "$tools/boltcheck" "$IT_TMP/a/trivy.db"
check "trivycheck: every advisory found as Trivy looks it up" \
    sh -c '"$1" "$2/trivy.db" "$2/metadata.json" "@$3" >"$2/check.out"
    tail -n 1 "$2/check.out"; grep -q " 0 failures$" "$2/check.out"' _ \
    "$tools/trivycheck" "$IT_TMP/a" "$IT_TMP/files"
check "unknown ecosystems are skipped with a reason" \
    grep -q "RSEC-2023-1.json ecosystem CRAN is not one Trivy scans" \
    "$IT_TMP/a/skipped.txt"
check "advisories with no package (GIT ranges only) are skipped" \
    grep -q "PSF-2007-1.json no package named" "$IT_TMP/a/skipped.txt"
# The rows back out of the file (bbolt), grouped by vulnerability id as
# an advisory-at-a-time builder writes them, then in the ROWS layout.
"$tools/boltbaseline" -dump "$IT_TMP/a/trivy.db" | LC_ALL=C sort |
    awk -F '\t' -v OFS='\t' '{ print $2, $3, $1, $4 }' >"$IT_TMP/rows"
LC_ALL=C sort "$IT_TMP/rows" >"$IT_TMP/rows.sorted"
check "the rows streamed through ec_bolt in sorted order: the same file" \
    sh -c '"$1" "$2/rows.sorted" "$2/streamed.db" >/dev/null &&
    cmp "$2/streamed.db" "$2/a/trivy.db"' _ "$tools/tests/tools/bolt_load" \
    "$IT_TMP"
check "bbolt's own API given the same rows stores the same content" \
    sh -c '"$1/boltbaseline" "$2/rows" "$2/base.db" >/dev/null &&
    "$1/boltcheck" "$2/base.db" | sed "s/ inline\$//; s/ paged\$//" >"$2/x" &&
    "$1/boltcheck" "$2/a/trivy.db" | sed "s/ inline\$//; s/ paged\$//" |
    cmp - "$2/x"' _ "$tools" "$IT_TMP"
mkdir "$IT_TMP/empty"
check "no advisories: trivy.db still has the vulnerability bucket" \
    sh -c '"$1/tests/tools/trivy_build" "$2" "$3" >/dev/null 2>&1 &&
    test "$("$1/boltcheck" "$2/trivy.db")" = "0 b 76756c6e65726162696c697479 inline"' \
    _ "$tools" "$IT_TMP/empty" "$snap"
# The checker must be able to fail: leave one advisory out of the DB.
grep -v 'GHSA-224h-p7p5-rh85' "$IT_TMP/files" >"$IT_TMP/fewer"
"$tools/tests/tools/trivy_build" "$IT_TMP/c" "$snap" "@$IT_TMP/fewer" \
    >/dev/null 2>&1
check_fails "trivycheck fails on a DB missing an advisory" 1 - \
    "$tools/trivycheck" "$IT_TMP/c/trivy.db" "$IT_TMP/c/metadata.json" \
    "@$IT_TMP/files"
it_done
