/*
 * tests/unit/t_trivy.c: OSV advisories as trivy.db rows (ec_trivy),
 * against the bytes specs/trivy-db.md gives, and over every real OSV
 * fixture (tests/fixtures/osv, and ../shared/fixtures/osv when present).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "tap.h"
#include "ec_time.h"
#include "ec_trivy.h"
#include "ec_trivy_int.h"

/* 2026-11-01T00:00:00Z, the snapshot of every test here. */
static const int64_t	snap = INT64_C(1793491200000000);

/* Section 2.11's advisory, with its two affected entries. */
static const char	formidable[] =
    "{\"id\":\"GHSA-75v8-2h7p-7m2m\",\"aliases\":[\"CVE-2025-46653\"],"
    "\"summary\":\"Formidable relies on hexoid to prevent guessing of "
    "filenames for untrusted executable content\","
    "\"details\":\"Formidable <2.1.3 & more\","
    "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
    "\"CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:N/I:L/A:N\"}],"
    "\"database_specific\":{\"severity\":\"LOW\",\"cwe_ids\":[\"CWE-338\"]},"
    "\"published\":\"2025-04-26T21:31:26Z\","
    "\"modified\":\"2025-04-30T21:07:20Z\","
    "\"references\":[{\"url\":\"https://nvd.nist.gov/vuln/detail/"
    "CVE-2025-46653\"},{\"url\":\"https://github.com/node-formidable/"
    "formidable\"},{\"url\":\"https://github.com/node-formidable/"
    "formidable\"}],"
    "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":"
    "\"formidable\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"
    "[{\"introduced\":\"3.1.1-canary.20211030\"},{\"fixed\":\"3.5.3\"}]}]},"
    "{\"package\":{\"ecosystem\":\"npm\",\"name\":\"formidable\"},"
    "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":"
    "\"2.1.0\"}]}],\"database_specific\":"
    "{\"last_known_affected_version_range\":\"< 2.1.3\"}}]}";

static int
convert(struct ec_trivy_result *r, const char *text)
{
	struct ec_err	 err;
	json_t		*doc;
	int		 rc;

	if ((doc = json_loads(text, JSON_ALLOW_NUL, NULL)) == NULL) {
		memset(r, 0, sizeof(*r));
		ok(0, "test JSON does not parse: %.60s", text);
		return -1;
	}
	rc = ec_trivy_convert(r, doc, snap, &err);
	json_decref(doc);
	if (rc == -1)
		ok(0, "convert: %s", err.msg);
	return rc;
}

/* The encoded value of the row at that path, or "" (static buffer). */
static const char *
value_of(const struct ec_trivy_result *r, const char *bucket,
    const char *pkg, const char *key)
{
	static struct ec_buf	out;
	struct ec_err		err;
	size_t			i;

	ec_buf_dispose(&out);
	ec_buf_init(&out, 1 << 20);
	for (i = 0; i < r->nrows; i++) {
		if (strcmp(r->rows[i].bucket, bucket) != 0 ||
		    strcmp(r->rows[i].key, key) != 0 ||
		    (pkg == NULL) != (r->rows[i].pkg == NULL) ||
		    (pkg != NULL && strcmp(r->rows[i].pkg, pkg) != 0))
			continue;
		if (ec_trivy_encode(&out, &r->rows[i], &err) == -1)
			return "(encode failed)";
		return out.data;
	}
	return "";
}

static void
is(const char *got, const char *want, const char *what)
{
	if (!ok(strcmp(got, want) == 0, "%s", what))
		printf("#  got: %s\n# want: %s\n", got, want);
}

static void
test_worked_example(void)
{
	struct ec_trivy_result	r;

	if (convert(&r, formidable) == -1)
		return;
	ok(r.skipped[0] == '\0' && r.nrows == 3, "section 2.11: three rows");
	is(value_of(&r, "npm::GitHub Security Advisory npm", "formidable",
	    "CVE-2025-46653"), "{\"PatchedVersions\":[\"3.5.3\"],"
	    "\"VendorIDs\":[\"GHSA-75v8-2h7p-7m2m\"],\"VulnerableVersions\":"
	    "[\"\\u003e=3.1.1-canary.20211030, \\u003c3.5.3\",\"\\u003e=2.1.0, "
	    "\\u003c2.1.3\"]}", "advisory: entries merged, open range closed "
	    "by last_known_affected_version_range, keys as published");
	is(value_of(&r, "data-source", NULL,
	    "npm::GitHub Security Advisory npm"), "{\"ID\":\"ghsa\","
	    "\"Name\":\"GitHub Security Advisory npm\",\"URL\":"
	    "\"https://github.com/advisories?query=type%3Areviewed+"
	    "ecosystem%3Anpm\"}", "data-source row as in section 2.11");
	is(value_of(&r, "vulnerability", NULL, "CVE-2025-46653"),
	    "{\"Title\":\"Formidable relies on hexoid to prevent guessing of "
	    "filenames for untrusted executable content\",\"Description\":"
	    "\"Formidable \\u003c2.1.3 \\u0026 more\",\"Severity\":\"LOW\","
	    "\"CweIDs\":[\"CWE-338\"],\"VendorSeverity\":{\"ghsa\":1},"
	    "\"CVSS\":{\"ghsa\":{\"V3Vector\":\"CVSS:3.1/AV:N/AC:H/PR:L/UI:N/"
	    "S:U/C:N/I:L/A:N\",\"V3Score\":3.1}},\"References\":["
	    "\"https://github.com/node-formidable/formidable\","
	    "\"https://nvd.nist.gov/vuln/detail/CVE-2025-46653\"]}",
	    "vulnerability: struct order, GHSA severity, score 3.1, "
	    "references sorted once, no dates for a CVE key");
	ec_trivy_result_dispose(&r);
}

/* An advisory from parts: id, extra members, one affected entry. */
static int
convert_one(struct ec_trivy_result *r, const char *id, const char *extra,
    const char *eco, const char *name, const char *ranges)
{
	char	buf[4096];

	snprintf(buf, sizeof(buf), "{\"id\":\"%s\"%s%s,\"affected\":[{"
	    "\"package\":{\"ecosystem\":\"%s\",\"name\":\"%s\"},%s}]}", id,
	    extra[0] != '\0' ? "," : "", extra, eco, name, ranges);
	return convert(r, buf);
}

#define EV(s)	"\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[" s "]}]"

static void
range_is(const char *eco, const char *ranges, const char *bucket,
    const char *pkg, const char *want, const char *what)
{
	struct ec_trivy_result	r;

	if (convert_one(&r, "PYSEC-2020-1", "", eco, "Pkg_Name", ranges) == -1)
		return;
	is(value_of(&r, bucket, pkg, "PYSEC-2020-1"), want, what);
	ec_trivy_result_dispose(&r);
}

static void
test_ranges(void)
{
	const char	*pip = "pip::Python Packaging Advisory Database";

	range_is("PyPI", EV("{\"introduced\":\"0\"},{\"fixed\":\"1.2\"}"),
	    pip, "pkg-name", "{\"PatchedVersions\":[\"1.2\"],"
	    "\"VulnerableVersions\":[\"\\u003c1.2\"]}",
	    "introduced 0 + fixed: <Y; pip name lower-cased, _ to -");
	range_is("PyPI", EV("{\"introduced\":\"1.0\"},{\"last_affected\":"
	    "\"1.4\"},{\"introduced\":\"2.0\"},{\"last_affected\":\"2.0\"},"
	    "{\"introduced\":\"3.0\"}"), pip, "pkg-name",
	    "{\"VulnerableVersions\":[\"\\u003e=1.0, \\u003c=1.4\",\"=2.0\","
	    "\"\\u003e=3.0\"]}", "last_affected ranges, =X, open range");
	range_is("PyPI", EV("{\"introduced\":\"0\"}"), pip, "pkg-name",
	    "{\"VulnerableVersions\":[\"\\u003e=0\"]}",
	    "introduced 0 alone: >=0");
	range_is("PyPI", "\"ranges\":[{\"type\":\"GIT\",\"repo\":\"r\","
	    "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"abc\"}]}],"
	    "\"versions\":[\"1.0\",\"1.1\"]", pip, "pkg-name",
	    "{\"VulnerableVersions\":[\"=1.0\",\"=1.1\"]}",
	    "GIT range ignored, listed versions used");
	range_is("AlmaLinux:8", EV("{\"introduced\":\"0\"},{\"fixed\":"
	    "\"1:2.3-4.el8\"}"), "alma 8", "Pkg_Name",
	    "{\"FixedVersion\":\"1:2.3-4.el8\"}",
	    "AlmaLinux:8 is bucket alma 8, FixedVersion, name as is");
	range_is("SwiftURL", EV("{\"introduced\":\"0\"},{\"fixed\":\"2\"}"),
	    "swift::Python Packaging Advisory Database", "Pkg_Name",
	    "{\"PatchedVersions\":[\"2\"],\"VulnerableVersions\":"
	    "[\"\\u003c2\"]}", "swift names keep case");
}

static void
skipped_is(const char *doc, const char *want, const char *what)
{
	struct ec_trivy_result	r;

	if (convert(&r, doc) == -1)
		return;
	ok(r.nrows == 0 && strstr(r.skipped, want) != NULL, "skipped: %s "
	    "(%s)", what, r.skipped);
	ec_trivy_result_dispose(&r);
}

static void
test_skips(void)
{
	skipped_is("{\"id\":\"X-1\",\"affected\":[{\"package\":{\"ecosystem\":"
	    "\"CRAN\",\"name\":\"x\"}," EV("{\"introduced\":\"0\"}") "}]}",
	    "ecosystem CRAN", "unknown ecosystem");
	skipped_is("{\"id\":\"X-1\",\"affected\":[{\"package\":{\"ecosystem\":"
	    "\"npm\",\"name\":\"x\"},\"ranges\":[{\"type\":\"GIT\",\"events\":"
	    "[{\"introduced\":\"0\"}]}]}]}", "only GIT ranges",
	    "only GIT ranges");
	skipped_is("{\"id\":\"X-1\",\"withdrawn\":\"2026-01-01T00:00:00Z\","
	    "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},"
	    EV("{\"introduced\":\"0\"}") "}]}", "withdrawn",
	    "withdrawn before the snapshot");
	skipped_is("{\"affected\":[]}", "no id", "no id");
	skipped_is("[1]", "not a JSON object", "not an object");
	skipped_is("{\"id\":\"X-1\",\"affected\":[{\"package\":{\"ecosystem\":"
	    "\"npm\",\"name\":\"a\\u0000b\"}," EV("{\"introduced\":\"0\"}")
	    "}]}", "no package named", "NUL in a package name");
}

/* Scores as NVD publishes them for these vectors; NAN: refused. */
static void
test_cvss(void)
{
	static const struct { enum trivy_cvss_kind kind; const char *vec;
	    double want; } t[] = {
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		    9.8 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
		    6.1 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
		    7.8 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
		    9.9 },
		{ TRIVY_CVSS_V3, "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
		    5.9 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
		    5.3 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N",
		    0 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"
		    "E:P/RL:T/RC:R/CR:H/MAV:L", 8.5 },
		{ TRIVY_CVSS_V2, "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0 },
		{ TRIVY_CVSS_V2, "AV:N/AC:M/Au:N/C:P/I:N/A:N", 4.3 },
		{ TRIVY_CVSS_V2, "AV:L/AC:L/Au:N/C:P/I:P/A:P", 4.6 },
		{ TRIVY_CVSS_V2, "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C", 6.2 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:N/AC:L", -1 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/"
		    "A:H", -1 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
		    -1 },
		{ TRIVY_CVSS_V3, "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		    -1 },
		{ TRIVY_CVSS_V3, "CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		    -1 },
		{ TRIVY_CVSS_V2, "AV:N/AC:L/Au:N/C:P/I:P", -1 },
		{ TRIVY_CVSS_V40, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/"
		    "VA:H/SC:N/SI:N/SA:N", 0 },
		{ TRIVY_CVSS_V40, "CVSS:4.0/", -1 },
	};
	double	score;
	size_t	i;
	bool	good;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		good = trivy_cvss_score(&score, t[i].kind, t[i].vec);
		ok(t[i].want < 0 ? !good : good && score > t[i].want - 0.001 &&
		    score < t[i].want + 0.001, "CVSS %s: %s %.1f", t[i].vec,
		    good ? "scored" : "refused", good ? score : 0.0);
	}
}

/* Past EC_TRIVY_MAX_VERSIONS over all entries: skipped, no rows. */
static void
test_bounds(void)
{
	struct ec_trivy_result	 r;
	struct ec_err		 err;
	json_t			*doc, *aff, *versions;
	char			 v[32];
	int			 i, k;

	doc = json_pack("{s:s,s:[]}", "id", "PYSEC-1", "affected");
	aff = json_object_get(doc, "affected");
	for (k = 0; k < 2; k++) {
		versions = json_array();
		for (i = 0; i < EC_TRIVY_MAX_VERSIONS / 2 + k; i++) {
			snprintf(v, sizeof(v), "1.%d", i);
			json_array_append_new(versions, json_string(v));
		}
		json_array_append_new(aff, json_pack("{s:{s:s,s:s},s:o}",
		    "package", "ecosystem", "PyPI", "name", "x", "versions",
		    versions));
	}
	ok(ec_trivy_convert(&r, doc, snap, &err) == 0 && r.nrows == 0 &&
	    strstr(r.skipped, "work bound") != NULL,
	    "past the version bound over two entries: skipped (%s)",
	    r.skipped);
	ec_trivy_result_dispose(&r);
	json_decref(doc);
}

static void
test_ids_and_sources(void)
{
	struct ec_trivy_result	r;

	if (convert_one(&r, "GO-2021-0001", "\"aliases\":[\"GHSA-aaaa-bbbb-"
	    "cccc\"],\"upstream\":[\"CVE-2021-1\",\"CVE-2021-2\"],"
	    "\"withdrawn\":\"2099-01-01T00:00:00Z\",\"database_specific\":"
	    "{\"url\":\"https://pkg.go.dev/vuln/GO-2021-0001\"},"
	    "\"published\":\"2021-01-02T03:04:05.120Z\"",
	    "Go", "github.com/Foo/Bar", EV("{\"introduced\":\"0\"},"
	    "{\"fixed\":\"1.2.3\"}") ",\"ecosystem_specific\":{\"imports\":[{"
	    "\"goos\":[\"linux\",\"windows\"],\"goarch\":[\"amd64\"]},"
	    "{\"goos\":[\"linux\"]}]}") == -1)
		return;
	ok(r.nrows == 5, "two CVE keys from upstream: 2 advisory, 2 "
	    "vulnerability, 1 data-source rows (withdrawn in the future kept)");
	is(value_of(&r, "go::The Go Vulnerability Database",
	    "github.com/Foo/Bar", "CVE-2021-2"), "{\"Arches\":[\"amd64\"],"
	    "\"OSes\":[\"linux\",\"windows\"],\"PatchedVersions\":[\"1.2.3\"],"
	    "\"VendorIDs\":[\"GO-2021-0001\",\"GHSA-aaaa-bbbb-cccc\"],"
	    "\"VulnerableVersions\":[\"\\u003c1.2.3\"]}",
	    "Go: case kept, OSes and Arches from imports, VendorIDs");
	is(value_of(&r, "vulnerability", NULL, "CVE-2021-1"),
	    "{\"References\":[\"https://pkg.go.dev/vuln/GO-2021-0001\"]}",
	    "Go: database_specific.url is a reference");
	is(value_of(&r, "data-source", NULL,
	    "go::The Go Vulnerability Database"), "{\"ID\":\"govulndb\","
	    "\"Name\":\"The Go Vulnerability Database\",\"URL\":"
	    "\"https://pkg.go.dev/vuln/\"}", "govulndb data source");
	ec_trivy_result_dispose(&r);

	if (convert_one(&r, "RUSTSEC-2020-0001", "\"aliases\":[\"GHSA-x\"],"
	    "\"published\":\"2021-01-02T03:04:05.120Z\",\"modified\":"
	    "\"2021-02-03T00:00:00Z\",\"severity\":[{\"type\":\"CVSS_V3\","
	    "\"score\":\"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:U/"
	    "RL:O/RC:C\"},{\"type\":\"CVSS_V2\",\"score\":\"AV:N/AC:L/Au:N/C:P/"
	    "I:P/A:P\"},{\"type\":\"CVSS_V4\",\"score\":\"nonsense\"}]",
	    "crates.io", "Hyper", EV("{\"introduced\":\"0.1\"}")) == -1)
		return;
	is(value_of(&r, "cargo::RustSec Advisory Database", "hyper",
	    "RUSTSEC-2020-0001"), "{\"VendorIDs\":[\"GHSA-x\"],"
	    "\"VulnerableVersions\":[\"\\u003e=0.1\"]}",
	    "no CVE: own id is the key, other ids VendorIDs, name lower-cased");
	is(value_of(&r, "vulnerability", NULL, "RUSTSEC-2020-0001"),
	    "{\"Severity\":\"HIGH\",\"VendorSeverity\":{\"osv\":3},\"CVSS\":"
	    "{\"osv\":{\"V2Vector\":\"AV:N/AC:L/Au:N/C:P/I:P/A:P\","
	    "\"V3Vector\":"
	    "\"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:U/RL:O/RC:C\","
	    "\"V2Score\":7.5,\"V3Score\":8.7}},\"PublishedDate\":"
	    "\"2021-01-02T03:04:05.12Z\",\"LastModifiedDate\":"
	    "\"2021-02-03T00:00:00Z\"}", "CVSS v3 with temporal metrics 8.7, "
	    "v2 7.5, bad v4 dropped, severity from v3, dates for non-CVE keys");
	ec_trivy_result_dispose(&r);
}

/* Two feeds on one CVE (section 2.13, alias merging). */
/* AlmaLinux errata: keyed by their related CVEs, as upstream does. */
static void
test_alma(void)
{
	struct ec_trivy_result	r;

	if (convert_one(&r, "ALSA-2019:2799", "\"related\":[\"CVE-2019-9511\","
	    "\"RHSA-1\"]", "AlmaLinux:9", "nghttp2", EV("{\"introduced\":"
	    "\"0\"},{\"fixed\":\"1.33.0-1.module_el8.0.0+2786\"}")) == -1)
		return;
	is(value_of(&r, "alma 9", "nghttp2", "CVE-2019-9511"),
	    "{\"FixedVersion\":\"1.33.0-1.module_el8.0.0+2786\","
	    "\"VendorIDs\":[\"ALSA-2019:2799\"]}",
	    "alma: related CVE is the key, the erratum a VendorID");
	is(value_of(&r, "data-source", NULL, "alma 9"), "{\"ID\":\"alma\","
	    "\"Name\":\"AlmaLinux Product Errata\",\"URL\":"
	    "\"https://errata.almalinux.org/\"}", "alma data source");
	ok(r.nrows == 3, "related non-CVE ids are not VendorIDs");
	ec_trivy_result_dispose(&r);
}

/* NuGet keeps an original-case copy for old clients (section 2.13). */
static void
test_nuget(void)
{
	struct ec_trivy_result	r;
	const char		*b = "nuget::GitHub Security Advisory NuGet";

	if (convert_one(&r, "GHSA-1", "", "NuGet", "Newtonsoft.Json",
	    EV("{\"introduced\":\"0\"},{\"fixed\":\"13.0.1\"}")) == -1)
		return;
	is(value_of(&r, b, "newtonsoft.json", "GHSA-1"), value_of(&r, b,
	    "Newtonsoft.Json", "GHSA-1")[0] != '\0' ? "{\"PatchedVersions\":"
	    "[\"13.0.1\"],\"VulnerableVersions\":[\"\\u003c13.0.1\"]}" : "-",
	    "nuget: lower-cased name and the original-case copy");
	ok(r.nrows == 4, "nuget: two advisory rows, one vulnerability, one "
	    "data source");
	ec_trivy_result_dispose(&r);
}

static void
test_merge(void)
{
	struct ec_trivy_result	a, b;
	struct ec_trivy_row	*va = NULL, *vb = NULL;
	struct ec_buf		 out;
	struct ec_err		 err;
	size_t			 i;

	if (convert_one(&a, "GHSA-1", "\"aliases\":[\"CVE-1\"],\"summary\":"
	    "\"from ghsa\",\"references\":[{\"url\":\"https://b\"}],"
	    "\"database_specific\":{\"severity\":\"HIGH\"}", "PyPI", "x",
	    EV("{\"introduced\":\"0\"},{\"fixed\":\"2\"}")) == -1 ||
	    convert_one(&b, "PYSEC-1", "\"aliases\":[\"CVE-1\"],\"details\":"
	    "\"d\",\"references\":[{\"url\":\"https://a\"}],\"severity\":[{"
	    "\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/"
	    "S:U/C:H/I:N/A:N\"}]", "PyPI", "x",
	    EV("{\"introduced\":\"0\"},{\"fixed\":\"2\"}")) == -1)
		return;
	for (i = 0; i < a.nrows; i++)
		if (a.rows[i].kind == EC_TRIVY_VULN)
			va = &a.rows[i];
	for (i = 0; i < b.nrows; i++)
		if (b.rows[i].kind == EC_TRIVY_VULN)
			vb = &b.rows[i];
	ec_buf_init(&out, 4096);
	ok(va != NULL && vb != NULL && ec_trivy_row_cmp(va, vb) == 0 &&
	    ec_trivy_merge(va, vb, &err) == 0 &&
	    ec_trivy_encode(&out, va, &err) == 0, "merge vulnerability rows");
	is(out.data != NULL ? out.data : "", "{\"Title\":\"from ghsa\","
	    "\"Description\":\"d\",\"Severity\":\"HIGH\",\"VendorSeverity\":{"
	    "\"ghsa\":3,\"osv\":3},\"CVSS\":{\"osv\":{\"V3Vector\":"
	    "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\","
	    "\"V3Score\":7.5}},"
	    "\"References\":[\"https://a\",\"https://b\"]}",
	    "merged: first title kept, gaps filled, severities per source, "
	    "references unioned and sorted");
	ec_buf_dispose(&out);
	ec_trivy_result_dispose(&a);
	ec_trivy_result_dispose(&b);
}

static void
test_metadata(void)
{
	struct ec_buf	out;
	struct ec_err	err;

	ec_buf_init(&out, 4096);
	ok(ec_trivy_metadata(&out, snap + 123000, EC_TRIVY_NEXT_UPDATE_NEVER,
	    &err) == 0, "metadata");
	is(out.data, "{\"Version\":2,\"NextUpdate\":\"2099-01-01T00:00:00Z\","
	    "\"UpdatedAt\":\"2026-11-01T00:00:00.123Z\",\"DownloadedAt\":"
	    "\"2026-11-01T00:00:00.123Z\"}\n", "metadata.json as Go's "
	    "Encoder writes it (section 1.2), times from the snapshot");
	ec_buf_dispose(&out);
}

struct walk {
	int	files, converted, skipped, rows, bad;
};

/* Convert every *.json twice: rows encode to JSON, the same both times. */
static void
walk_dir(struct walk *w, const char *dir)
{
	struct ec_trivy_result	 r1, r2;
	struct ec_buf		 b1, b2;
	struct ec_err		 err;
	struct dirent		*de;
	struct stat		 st;
	json_t			*doc, *back;
	char			 path[4096];
	DIR			*d;
	size_t			 i;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk_dir(w, path);
			continue;
		}
		if (strstr(de->d_name, ".json") == NULL)
			continue;
		w->files++;
		if ((doc = json_load_file(path, 0, NULL)) == NULL ||
		    ec_trivy_convert(&r1, doc, snap, &err) == -1 ||
		    ec_trivy_convert(&r2, doc, snap, &err) == -1) {
			w->bad++;
			json_decref(doc);
			continue;
		}
		json_decref(doc);
		if (r1.skipped[0] != '\0')
			w->skipped++;
		else
			w->converted++;
		w->rows += (int)r1.nrows;
		for (i = 0; i < r1.nrows; i++) {
			ec_buf_init(&b1, 1 << 24);
			ec_buf_init(&b2, 1 << 24);
			back = NULL;
			if (i >= r2.nrows ||
			    ec_trivy_encode(&b1, &r1.rows[i], &err) == -1 ||
			    ec_trivy_encode(&b2, &r2.rows[i], &err) == -1 ||
			    b1.len != b2.len ||
			    memcmp(b1.data, b2.data, b1.len) != 0 ||
			    (back = json_loadb(b1.data, b1.len, 0,
			    NULL)) == NULL) {
				printf("# %s: row %zu\n", path, i);
				w->bad++;
			}
			json_decref(back);
			ec_buf_dispose(&b1);
			ec_buf_dispose(&b2);
		}
		ec_trivy_result_dispose(&r1);
		ec_trivy_result_dispose(&r2);
	}
	(void)closedir(d);
}

static void
test_fixtures(const char *dir)
{
	struct walk	w;
	struct stat	st;

	if (stat(dir, &st) == -1) {
		ok(1, "# skip %s absent", dir);
		return;
	}
	memset(&w, 0, sizeof(w));
	walk_dir(&w, dir);
	printf("# %s: %d files, %d converted, %d skipped, %d rows\n", dir,
	    w.files, w.converted, w.skipped, w.rows);
	ok(w.files > 0 && w.bad == 0 && w.converted > w.files / 2,
	    "%s: every advisory converts or is skipped with a reason; rows "
	    "encode as JSON, identically twice", dir);
}

int
main(void)
{
	test_worked_example();
	test_ranges();
	test_skips();
	test_bounds();
	test_cvss();
	test_ids_and_sources();
	test_alma();
	test_nuget();
	test_merge();
	test_metadata();
	test_fixtures("tests/fixtures/osv");
	test_fixtures("../shared/fixtures/osv");
	return done_testing();
}
