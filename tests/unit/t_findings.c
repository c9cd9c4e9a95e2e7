/*
 * t_findings: the json:policy profile against the in-memory store, with
 * real documents (a fixture SBOM, GitHub advisories, a CSAF VEX, the
 * example policy): identical rebuilds, exportctl verify's checks, replay
 * from the bundle alone, bad policies refused before any output; and
 * ec_findings' lines for components that cannot be matched.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_evidence.h"
#include "ec_export.h"
#include "ec_file.h"
#include "ec_findings.h"
#include "ec_policy.h"
#include "ec_store.h"
#include "ec_verify.h"
#include "tap.h"

static char	dir[] = "/tmp/t_findings.XXXXXX";
static char	staging[300];

/* Add the file at "path", canonical, as the store would hold it. */
static int
add_file(struct ec_store *s, const char *kind, const char *source,
    const char *id, const char *path)
{
	struct ec_buf	 c;
	struct ec_err	 err;
	uint8_t		*p = NULL;
	size_t		 len;
	int		 rc = -1;

	ec_buf_init(&c, 64 * 1024 * 1024);
	if (ec_file_read_small(&p, &len, path, 64 * 1024 * 1024, &err) == 0 &&
	    ec_canon_bytes(&c, (const char *)p, len, &err) == 0 &&
	    ec_store_mem_add(s, "acme", kind, source, id, 1700000000000000,
	    c.data, c.len, &err) == 0)
		rc = 0;
	else
		ok(0, "store %s: %s", path, err.msg);
	free(p);
	ec_buf_dispose(&c);
	return rc;
}

static struct ec_store *
fake_store(void)
{
	struct ec_store	*s;
	struct ec_err	 err;

	if (ec_store_mem_new(&s, &err) == -1)
		return NULL;
	if (add_file(s, "sbom", "cyclonedx", "dropwizard",
	    "tests/fixtures/sbom/cyclonedx/SBOM__dropwizard-1.3.15__bom.json")
	    == -1 || add_file(s, "advisory", "osv", "GHSA-rgv9-q543-rqg4",
	    "tests/data/policy/osv/GHSA-rgv9-q543-rqg4.json") == -1 ||
	    add_file(s, "advisory", "osv", "GHSA-mjmj-j48q-9wg2",
	    "tests/data/policy/osv/GHSA-mjmj-j48q-9wg2.json") == -1 ||
	    add_file(s, "advisory", "osv", "GHSA-xvch-5gv4-984h",
	    "tests/data/policy/osv/GHSA-xvch-5gv4-984h.json") == -1 ||
	    add_file(s, "vex", "csaf", "EC-TEST-VEX-2025-0001",
	    "tests/data/vex/csaf-snakeyaml.json") == -1 ||
	    add_file(s, "policy", "policy", "example",
	    "tests/data/policy/example.json") == -1) {
		ec_store_free(s);
		return NULL;
	}
	return s;
}

static void
req_init(struct ec_export_req *r, const char *out)
{
	memset(r, 0, sizeof(*r));
	r->tenant = "acme";
	r->profile = "json:policy";
	r->out_dir = out;
	r->staging_dir = staging;
	r->zstd_workers = 1;
}

static bool
dir_empty(const char *d)
{
	char	cmd[512];

	(void)snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s 2>/dev/null)\"",
	    d);
	return system(cmd) == 0;
}

static void
test_build(struct ec_store *store)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a, b;
	struct ec_verify_result	 v;
	struct ec_err		 err;
	char			 out1[300], out2[300];
	size_t			 sboms = 0, lines = 0;

	(void)snprintf(out1, sizeof(out1), "%s/p1", dir);
	(void)snprintf(out2, sizeof(out2), "%s/p2", dir);
	req_init(&r, out1);
	ok(ec_export_build(&a, store, &r, &err) == 0 && a.packed,
	    "json:policy from the in-memory store: %s", err.msg);
	r.out_dir = out2;
	ok(ec_export_build(&b, store, &r, &err) == 0 &&
	    strcmp(a.sha256, b.sha256) == 0, "a rebuild gives the same bytes");
	ok(a.documents == 6, "six inputs (SBOM, 3 advisories, VEX, policy)");
	ok(ec_verify_bundle(&v, a.path, NULL, &err) == 0 && v.items == 6,
	    "the bundle verifies, six items: %s", err.msg);
	ok(ec_findings_replay(a.path, &sboms, &lines, &err) == 0,
	    "replay from the bundle alone: %s", err.msg);
	ok(sboms == 1 && lines == 2, "one SBOM, two findings replayed "
	    "(%zu, %zu)", sboms, lines);
}

static void
test_bad_policy(struct ec_store *store)
{
	static const char *const	 cases[] = { "unknown-kind",
					    "bad-severity", "malformed-json",
					    "unknown-field" };
	struct ec_export_req		 r;
	struct ec_export_result		 a;
	struct ec_err			 err;
	char				 out[300], param[300], path[300];
	char				 want[100];
	const char			*params[1] = { param };
	FILE				*f;
	size_t				 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(out, sizeof(out), "%s/bad-%zu", dir, i);
		(void)snprintf(param, sizeof(param), "policy=tests/data/"
		    "policy/invalid/%s/policy.json", cases[i]);
		(void)snprintf(path, sizeof(path), "tests/data/policy/"
		    "invalid/%s/expect", cases[i]);
		want[0] = '\0';
		if ((f = fopen(path, "r")) != NULL) {
			n = fread(want, 1, sizeof(want) - 1, f);
			want[n] = '\0';
			want[strcspn(want, "\n")] = '\0';
			(void)fclose(f);
		}
		req_init(&r, out);
		r.params = params;
		r.nparams = 1;
		ok(ec_export_build(&a, store, &r, &err) == -1 &&
		    err.code == EC_ERR_REQUEST_INVALID && want[0] != '\0' &&
		    strstr(err.msg, want) != NULL && dir_empty(out),
		    "%s: refused naming %s, nothing written (%s)", cases[i],
		    want, err.msg);
	}
}

struct lines {
	struct ec_buf	buf;
	size_t		n;
};

static int
collect(void *arg, const char *line, size_t len, struct ec_err *err)
{
	struct lines	*l = arg;

	l->n++;
	return ec_buf_add(&l->buf, line, len, err);
}

/* Components ec_findings cannot match are reported, never dropped. */
static void
test_unmatched(void)
{
	static const char	 sbom[] = "{\"bomFormat\":\"CycloneDX\","
	    "\"components\":[{\"name\":\"a-none\"},"
	    "{\"name\":\"b-cpe\",\"cpe\":\"cpe:2.3:a:v:p:1.0:*:*:*:*:*:*:*\"},"
	    "{\"name\":\"c-type\",\"purl\":\"pkg:nosuchtype/x@1\"},"
	    "{\"name\":\"d-nover\",\"purl\":\"pkg:npm/minimist\"},"
	    "{\"name\":\"e-badver\",\"purl\":\"pkg:npm/minimist@not*semver\"},"
	    "{\"name\":\"f-hit\",\"purl\":\"pkg:npm/minimist@0.0.8\","
	    "\"components\":[{\"name\":\"g-nested\"}]}]}";
	struct ec_findings_sbom	 sb = { "s", "src", "00" };
	struct ec_findings	*f = NULL;
	struct ec_policy	*pol = NULL;
	struct lines		 l;
	struct ec_err		 err;
	json_t			*sum = NULL;
	uint8_t			*adv = NULL, *other = NULL;
	size_t			 len, olen;
	const char		*p = "{\"schemaVersion\":1,\"rules\":[]}";

	memset(&l, 0, sizeof(l));
	ec_buf_init(&l.buf, 1 << 20);
	if (ec_policy_parse(&pol, p, strlen(p), &err) == -1 ||
	    ec_findings_new(&f, pol, 0, &err) == -1 ||
	    ec_file_read_small(&adv, &len,
	    "tests/data/policy/osv/GHSA-xvch-5gv4-984h.json", 1 << 20,
	    &err) == -1 ||
	    ec_file_read_small(&other, &olen,
	    "tests/data/policy/osv/GHSA-mjmj-j48q-9wg2.json", 1 << 20,
	    &err) == -1 ||
	    ec_findings_want_sbom(f, sbom, sizeof(sbom) - 1, &err) == -1 ||
	    ec_findings_add_advisory(f, (const char *)other, olen,
	    &err) == -1 ||
	    ec_findings_add_advisory(f, (const char *)adv, len, &err) == -1 ||
	    ec_findings_sbom(&sum, f, &sb, sbom, sizeof(sbom) - 1, collect,
	    &l, &err) == -1) {
		ok(0, "evaluate: %s", err.msg);
		goto out;
	}
	if (ec_buf_addc(&l.buf, '\0', &err) == -1)
		goto out;
	ok(strstr(l.buf.data, "\"name\":\"a-none\"},\"reason\":\"no purl or "
	    "CPE\"") != NULL, "a component without purl or CPE: unmatched");
	ok(strstr(l.buf.data, "\"reason\":\"CPE only: ") != NULL,
	    "a CPE-only component: unmatched, with the reason");
	ok(strstr(l.buf.data, "\"purl\":\"pkg:nosuchtype/x@1\"},\"reason\":"
	    "\"purl: ") != NULL, "an unknown purl type: unmatched");
	ok(strstr(l.buf.data, "\"reason\":\"no version\"") != NULL,
	    "no version: not evaluable");
	ok(strstr(l.buf.data, "\"purl\":\"pkg:npm/minimist@not*semver\"},"
	    "\"reason\":\"version: ") != NULL,
	    "a version SemVer rejects: reported, not guessed");
	ok(strstr(l.buf.data, "\"name\":\"g-nested\"") != NULL,
	    "nested components are evaluated");
	ok(strstr(l.buf.data, "\"decision\":\"allow\",\"detail\":"
	    "\"ECOSYSTEM: introduced 0, fixed 0.2.4\"") != NULL &&
	    ec_findings_used_advisory(f, "GHSA-xvch-5gv4-984h"),
	    "minimist@0.0.8: a finding, decided by the default");
	ok(ec_findings_skipped(f) == 1 &&
	    !ec_findings_used_advisory(f, "GHSA-mjmj-j48q-9wg2"),
	    "the name filter skips the advisory of a package not there");
	ok(json_integer_value(json_object_get(sum, "components")) == 7 &&
	    json_integer_value(json_object_get(sum, "unmatched")) == 4,
	    "summary: 7 components, 4 unmatched");
out:
	json_decref(sum);
	free(adv);
	free(other);
	ec_buf_dispose(&l.buf);
	ec_findings_free(f);
	ec_policy_free(pol);
}

/* Ingest recognises policies, validates them, and echoes no control byte. */
static void
test_classify(void)
{
	static const char	 good[] = "{\"schemaVersion\":1,\"name\":\"p1\","
	    "\"rules\":[{\"id\":\"r\",\"kind\":\"fix\",\"decision\":"
	    "\"warn\",\"available\":false}]}";
	static const char	 bad[] = "{\"schemaVersion\":1,\"rules\":[],"
	    "\"x\\u0001\":1}";
	struct ec_doc_info	 info;
	struct ec_err		 err;
	json_error_t		 jerr;
	json_t			*d;
	size_t			 i;
	bool			 clean = true;

	d = json_loads(good, 0, &jerr);
	ok(d != NULL && ec_evidence_classify(&info, d, &err) == 0 &&
	    info.kind == EC_KIND_POLICY && info.format == EC_FMT_POLICY &&
	    strcmp(info.upstream_id, "p1") == 0 && !info.has_modified,
	    "a policy is evidence of kind policy, named by its name");
	json_decref(d);
	d = json_loads(bad, 0, &jerr);
	ok(d != NULL && ec_evidence_classify(&info, d, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "unknown field") != NULL,
	    "an invalid policy is refused at ingest: %s", err.msg);
	for (i = 0; err.msg[i] != '\0'; i++)
		if ((unsigned char)err.msg[i] < 0x20)
			clean = false;
	ok(clean, "the refusal repeats no control character");
	json_decref(d);
}

int
main(void)
{
	struct ec_store	*store;
	char		 cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(staging, sizeof(staging), "%s/staging", dir);
	if (mkdir(staging, 0700) == -1 || (store = fake_store()) == NULL)
		return 1;
	umask(022);
	test_build(store);
	test_bad_policy(store);
	test_unmatched();
	test_classify();
	ec_store_free(store);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup %s", dir);
	return done_testing();
}
