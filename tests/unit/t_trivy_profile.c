/*
 * tests/unit/t_trivy_profile.c: the trivy:db and trivy:java-db profiles
 * through the real driver over the in-memory store (so the sanitizer
 * build runs them too): fixture advisories and SBOMs in, the files of
 * each profile out, the unknown ecosystem skipped and counted in the
 * result and in provenance, two builds byte-identical.
 * Trivy's own readers check the files in tests/integration/62 and 63.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_export.h"
#include "ec_store.h"

static char	dir[] = "/tmp/t_trivy_profile.XXXXXX";
static char	staging[300];

static const char *const docs[][3] = {
	{ "advisory", "GHSA-224h-p7p5-rh85",
	    "osv/ghsa/GHSA-224h-p7p5-rh85.json" },
	{ "advisory", "GHSA-2259-h742-5vr4",
	    "osv/ghsa/GHSA-2259-h742-5vr4.json" },
	{ "advisory", "RSEC-2023-1", "osv/cran/RSEC-2023-1.json" },
	{ "sbom", "dropwizard",
	    "sbom/cyclonedx/SBOM__dropwizard-1.3.15__bom.json" },
	{ "sbom", "appbomination",
	    "sbom/spdx/software__example9__spdx2.2__appbomination.spdx.json" },
};

static int
add_file(struct ec_store *s, const char *kind, const char *id,
    const char *rel)
{
	struct ec_err	 err;
	char		 path[512], *buf;
	long		 n;
	FILE		*fp;
	int		 rc;

	(void)snprintf(path, sizeof(path), "tests/fixtures/%s", rel);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	(void)fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n <= 0 || (buf = malloc((size_t)n)) == NULL) {
		fclose(fp);
		return -1;
	}
	rc = fread(buf, 1, (size_t)n, fp) == (size_t)n ? 0 : -1;
	fclose(fp);
	if (rc == 0)
		rc = ec_store_mem_add(s, "acme", kind, "fixture", id,
		    1793491200000000LL, buf, (size_t)n, &err);
	free(buf);
	return rc;
}

/*
 * A Maven component, then components nested 40 deep: past
 * EC_TRIVY_JAVA_MAX_DEPTH, so the SBOM is skipped, component and all.
 */
static int
add_deep(struct ec_store *s)
{
	struct ec_err	err;
	char		doc[4096];
	int		i;

	(void)snprintf(doc, sizeof(doc), "{\"components\":[{\"purl\":"
	    "\"pkg:maven/deep/deep@1\",\"hashes\":[{\"alg\":\"SHA-1\","
	    "\"content\":\"%040d\"}]}", 7);
	for (i = 0; i < 40; i++)
		(void)strcat(doc, ",{\"components\":[{}");
	for (i = 0; i < 40; i++)
		(void)strcat(doc, "]}");
	(void)strcat(doc, "]}");
	return ec_store_mem_add(s, "acme", "sbom", "fixture", "deep",
	    1793491200000000LL, doc, strlen(doc), &err);
}

static int
build(struct ec_export_result *res, struct ec_store *s, const char *profile,
    const char *sub)
{
	struct ec_export_req	r;
	struct ec_err		err;
	char			out[400];

	(void)snprintf(out, sizeof(out), "%s/%s", dir, sub);
	memset(&r, 0, sizeof(r));
	r.tenant = "acme";
	r.profile = profile;
	r.out_dir = out;
	r.staging_dir = staging;
	if (ec_export_build(res, s, &r, &err) == -1) {
		printf("# %s: %s\n", profile, err.msg);
		return -1;
	}
	return 0;
}

/* Run a formatted shell command: whether it exits 0. */
static char	shbuf[9000];
#define SH(...)	(snprintf(shbuf, sizeof(shbuf), __VA_ARGS__) > 0 && \
		    system(shbuf) == 0)

int
main(void)
{
	struct ec_export_result	a, b;
	struct ec_store		*s = NULL;
	struct ec_err		 err;
	char			 cmd[400];
	size_t			 i;
	int			 added = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(staging, sizeof(staging), "%s/staging", dir);
	(void)snprintf(cmd, sizeof(cmd), "mkdir %s", staging);
	if (system(cmd) != 0 || ec_store_mem_new(&s, &err) == -1)
		return 1;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		added += add_file(s, docs[i][0], docs[i][1], docs[i][2]) == 0;
	ok(added == 5, "5 fixture documents in the in-memory store");
	ok(add_deep(s) == 0, "and an SBOM nested past the bound");

	ok(build(&a, s, "trivy:db", "db1") == 0 && !a.packed,
	    "trivy:db builds a directory");
	ok(a.documents == 3 && a.skipped == 1,
	    "3 advisories read, the CRAN one skipped (%llu, %llu)",
	    (unsigned long long)a.documents, (unsigned long long)a.skipped);
	ok(SH("cd %s && test -s trivy.db && test -s db.tar.gz && "
	    "test -s oci/index.json && test -s oci/oci-layout && "
	    "grep -q '\"Version\":2' metadata.json", a.path),
	    "trivy.db, metadata.json, db.tar.gz and oci/");
	ok(SH("jq -e '.predicate.buildDefinition.internalParameters.skipped"
	    ".advisory.documents == 1' %s/provenance.json >/dev/null",
	    a.path), "provenance counts the skipped advisory");
	ok(build(&b, s, "trivy:db", "db2") == 0 &&
	    SH("diff -r %s %s", a.path, b.path),
	    "a second trivy:db build is byte-identical");

	ok(build(&a, s, "trivy:java-db", "j1") == 0 && a.documents == 3 &&
	    a.skipped == 1, "trivy:java-db reads the 3 SBOMs, skips the deep "
	    "one");
	ok(SH("test $(sqlite3 %s/trivy-java.db \"SELECT count(*) FROM "
	    "artifacts WHERE group_id = 'deep'\") = 0 && test $(sqlite3 "
	    "%s/trivy-java.db \"SELECT count(*) FROM indices\") -gt 100",
	    a.path, a.path), "none of the skipped SBOM's components is in "
	    "trivy-java.db, the others are");
	ok(SH("cd %s && test -s trivy-java.db && test -s javadb.tar.gz && "
	    "grep -q '\"Version\":1' metadata.json", a.path),
	    "trivy-java.db, metadata.json, javadb.tar.gz");
	ok(build(&b, s, "trivy:java-db", "j2") == 0 &&
	    SH("diff -r %s %s", a.path, b.path),
	    "a second trivy:java-db build is byte-identical");
	ec_store_free(s);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
