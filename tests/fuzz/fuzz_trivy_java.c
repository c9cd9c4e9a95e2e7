/*
 * tests/fuzz/fuzz_trivy_java.c: libFuzzer target for ec_trivy_java_each()
 * over a hostile SBOM (CycloneDX or SPDX JSON) and ec_trivy_java_purl()
 * over the raw input as a string.  Beyond the sanitizers it aborts when
 * a promise of ec_trivy_java.h is broken: every component has non-empty
 * coordinates within EC_TRIVY_JAVA_MAX_COORD and no NUL, the walk gives
 * the same components twice, and a purl that parses is pkg:maven/.
 *
 *   make fuzz && build-fuzz/fuzz_trivy_java tests/fuzz/corpus/trivy_java
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_hash.h"
#include "ec_trivy_java.h"

#define FUZZ_MAX_INPUT	(256 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_coord(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > EC_TRIVY_JAVA_MAX_COORD)
		abort();
}

static int
fuzz_jar(void *arg, const struct ec_trivy_jar *j, struct ec_err *err)
{
	struct ec_sha256	*h = arg;

	(void)err;
	fuzz_coord(j->group);
	fuzz_coord(j->artifact);
	fuzz_coord(j->version);
	ec_sha256_update(h, j->group, strlen(j->group) + 1);
	ec_sha256_update(h, j->artifact, strlen(j->artifact) + 1);
	ec_sha256_update(h, j->version, strlen(j->version) + 1);
	ec_sha256_update(h, j->sha1, sizeof(j->sha1));
	return 0;
}

static void
fuzz_purl(const uint8_t *data, size_t size)
{
	char	s[1024];
	char	g[EC_TRIVY_JAVA_MAX_COORD + 1];
	char	a[EC_TRIVY_JAVA_MAX_COORD + 1];
	char	v[EC_TRIVY_JAVA_MAX_COORD + 1];

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ec_trivy_java_purl(s, g, a, v) == 0) {
		if (strncmp(s, "pkg:maven/", 10) != 0)
			abort();
		fuzz_coord(g);
		fuzz_coord(a);
		fuzz_coord(v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_sha256	h1, h2;
	struct ec_err		err;
	json_error_t		jerr;
	uint8_t			d1[EC_SHA256_LEN], d2[EC_SHA256_LEN];
	json_t			*sbom;
	int			rc1, rc2;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	fuzz_purl(data, size);
	sbom = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (sbom == NULL)
		return 0;
	ec_sha256_init(&h1);
	ec_sha256_init(&h2);
	rc1 = ec_trivy_java_each(sbom, fuzz_jar, &h1, &err);
	rc2 = ec_trivy_java_each(sbom, fuzz_jar, &h2, &err);
	ec_sha256_final(d1, &h1);
	ec_sha256_final(d2, &h2);
	if (rc1 != rc2 || memcmp(d1, d2, sizeof(d1)) != 0)
		abort();
	json_decref(sbom);
	return 0;
}
