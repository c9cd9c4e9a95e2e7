/*
 * tests/unit/t_trivy_java.c: Maven package URLs and the components
 * ec_trivy_java_each() finds in CycloneDX and SPDX documents, nested
 * components, bad hashes and the nesting bound included.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_trivy_java.h"

static char	seen[4096];

static int
collect(void *arg, const struct ec_trivy_jar *j, struct ec_err *err)
{
	char	hex[41];
	size_t	n = strlen(seen);

	(void)arg;
	(void)err;
	ec_hex_encode(hex, j->sha1, 20);
	(void)snprintf(seen + n, sizeof(seen) - n, "%s:%s:%s:%.8s ",
	    j->group, j->artifact, j->version, hex);
	return 0;
}

static const char *
walk(const char *doc, int *rc)
{
	struct ec_err	 err;
	json_error_t	 jerr;
	json_t		*j = json_loads(doc, 0, &jerr);

	seen[0] = '\0';
	*rc = j == NULL ? -2 : ec_trivy_java_each(j, collect, NULL, &err);
	json_decref(j);
	return seen;
}

static int
purl_is(const char *purl, const char *want)
{
	char	g[EC_TRIVY_JAVA_MAX_COORD + 1], got[2000];
	char	a[EC_TRIVY_JAVA_MAX_COORD + 1], v[EC_TRIVY_JAVA_MAX_COORD + 1];

	if (ec_trivy_java_purl(purl, g, a, v) == -1)
		return want == NULL;
	(void)snprintf(got, sizeof(got), "%s|%s|%s", g, a, v);
	return want != NULL && strcmp(got, want) == 0;
}

#define H1	"42a25dc3219429f0e5d060061f71acb49bf010a0"
#define H2	"2e3014320a8005e3f3c1800cb246ed42db8cab81"

int
main(void)
{
	char	deep[4096];
	int	rc, i;

	ok(purl_is("pkg:maven/org.hamcrest/hamcrest-core@1.3",
	    "org.hamcrest|hamcrest-core|1.3"), "a plain purl");
	ok(purl_is("pkg:maven/com.google.guava/guava@24.1.1-jre?type=jar#x",
	    "com.google.guava|guava|24.1.1-jre"), "qualifiers and subpath cut");
	ok(purl_is("pkg:maven/a%2Fb/c%40d@1%2B2", "a/b|c@d|1+2"),
	    "percent-decoded parts");
	ok(purl_is("pkg:maven/g/a", NULL), "no version: refused");
	ok(purl_is("pkg:maven/a@1", NULL), "no namespace: refused");
	ok(purl_is("pkg:npm/g/a@1", NULL), "another type: refused");
	ok(purl_is("pkg:maven/g/a@1%0", NULL), "a cut escape: refused");
	ok(purl_is("pkg:maven/g/a@1%00", NULL), "an escaped NUL: refused");
	ok(purl_is("pkg:maven/g/a@", NULL), "an empty version: refused");
	ok(strcmp(walk("{\"metadata\":{\"component\":{\"purl\":\"pkg:maven/m/"
	    "m@0\",\"hashes\":[{\"alg\":\"SHA-1\",\"content\":\"" H1 "\"}]}},"
	    "\"components\":[{\"purl\":\"pkg:maven/g/a@1\",\"hashes\":[{\"alg\":"
	    "\"MD5\",\"content\":\"" H2 "\"},{\"alg\":\"SHA-1\",\"content\":\""
	    H2 "\"}],\"components\":[{\"purl\":\"pkg:maven/n/b@2\",\"hashes\":"
	    "[{\"alg\":\"SHA-1\",\"content\":\"" H1 "\"}]}]},{\"purl\":\"pkg:"
	    "maven/x/y@3\",\"hashes\":[{\"alg\":\"SHA-1\",\"content\":\"zz\"}]},"
	    "{\"purl\":\"pkg:maven/x/z@4\"}]}", &rc),
	    "m:m:0:42a25dc3 g:a:1:2e301432 n:b:2:42a25dc3 ") == 0 && rc == 0,
	    "CycloneDX: metadata, nested, SHA-1 only, bad hashes passed over");
	ok(strcmp(walk("{\"packages\":[{\"checksums\":[{\"algorithm\":\"SHA1\","
	    "\"checksumValue\":\"" H1 "\"}],\"externalRefs\":[{\"referenceType\":"
	    "\"cpe23Type\",\"referenceLocator\":\"pkg:maven/no/no@1\"},"
	    "{\"referenceType\":\"purl\",\"referenceLocator\":\"pkg:maven/o/p@5\""
	    "}]},{\"externalRefs\":[{\"referenceType\":\"purl\","
	    "\"referenceLocator\":\"pkg:maven/q/r@6\"}]}]}", &rc),
	    "o:p:5:42a25dc3 ") == 0 && rc == 0,
	    "SPDX: purl refs with a SHA1 checksum only");
	deep[0] = '\0';
	for (i = 0; i < 40; i++)
		(void)strcat(deep, "{\"components\":[");
	(void)strcat(deep, "{}");
	for (i = 0; i < 40; i++)
		(void)strcat(deep, "]}");
	(void)walk(deep, &rc);
	ok(rc == -1, "nesting past the bound is refused");
	return done_testing();
}
