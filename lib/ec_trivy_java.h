/*
 * ec_trivy_java: the Maven components of an SBOM, as trivy-java.db rows
 * (specs/trivy-db.md section 3.4).  Pure functions: no database, no I/O.
 *
 * A component counts when it names a Maven package URL and a SHA-1:
 *   CycloneDX  components[] (nested ones too) with "purl" pkg:maven/...
 *              and a hashes[] entry of alg "SHA-1";
 *   SPDX 2     packages[] with an externalRefs[] entry of referenceType
 *              "purl" and a checksums[] entry of algorithm "SHA1".
 * The purl gives group (namespace), artifact (name) and version, each
 * percent-decoded (purl-spec); qualifiers and subpath are ignored.
 * Anything else (no version, a SHA-1 that is not 40 hex digits, another
 * package type) is passed over: the SBOM still counts, the component not.
 */
#ifndef EC_TRIVY_JAVA_H
#define EC_TRIVY_JAVA_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_err.h"

/* Longest coordinate kept; longer ones are passed over. */
#define EC_TRIVY_JAVA_MAX_COORD		512
/* Components looked at in one SBOM, nesting levels of CycloneDX. */
#define EC_TRIVY_JAVA_MAX_COMPONENTS	200000
#define EC_TRIVY_JAVA_MAX_DEPTH		32

struct ec_trivy_jar {
	const char	*group;		/* borrowed for the callback */
	const char	*artifact;
	const char	*version;
	uint8_t		 sha1[20];
};

typedef int ec_trivy_jar_fn(void *arg, const struct ec_trivy_jar *j,
    struct ec_err *err);

/*
 * Call "fn" for every Maven component of "sbom" (borrowed), in document
 * order; a non-zero return stops the walk and is passed up.  An SBOM
 * past EC_TRIVY_JAVA_MAX_COMPONENTS or EC_TRIVY_JAVA_MAX_DEPTH is
 * EC_ERR_TOO_LARGE.
 */
int	ec_trivy_java_each(const json_t *sbom, ec_trivy_jar_fn *fn,
	    void *arg, struct ec_err *err) EC_MUST_CHECK;

/*
 * Parse "pkg:maven/<group>/<artifact>@<version>[?...][#...]" into the
 * three buffers (EC_TRIVY_JAVA_MAX_COORD + 1 bytes each); -1 when it is
 * not one.
 */
int	ec_trivy_java_purl(const char *purl, char *group, char *artifact,
	    char *version);

#endif
