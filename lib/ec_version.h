/*
 * ec_version: version strings parsed and ordered the way each package
 * ecosystem orders them, for matching SBOM components against OSV
 * advisories.  Ecosystems are named as OSV spells them ("npm", "PyPI",
 * "Go", "Maven", "AlmaLinux:8", "Debian:12", ...).  Each one maps to a
 * scheme, the grammar and order its versions follow:
 *
 *   SemVer 2.0.0 (semver.org, section 11)   npm, crates.io, Hex, Pub,
 *                                           Bitnami, and OSV SEMVER ranges
 *   Go modules (go.dev/ref/mod#versions)    Go: SemVer with an optional
 *                                           "v"; pseudo-versions are
 *                                           SemVer pre-releases and
 *                                           "+incompatible" build metadata
 *   PEP 440                                 PyPI
 *   Maven ComparableVersion                 Maven
 *   RubyGems Gem::Version                   RubyGems
 *   NuGet (NuGetVersion, SemVer 2 with an   NuGet
 *     optional fourth number, labels
 *     case-insensitive)
 *   Composer (VersionParser::normalize,     Packagist
 *     then PHP version_compare)
 *   RPM epoch:version-release (librpm's     AlmaLinux, Rocky Linux,
 *     rpmverCmp, that is rpmvercmp per      Red Hat
 *     part)
 *   Debian (deb-version(5), libdpkg's       Debian, Ubuntu
 *     parseversion and
 *     dpkg_version_compare)
 *
 * A string the scheme's grammar rejects is an error, never a guess.  Every
 * parse is bounded by EC_VERSION_MAX_LEN bytes.  The Debian scheme goes
 * through libdpkg's process-wide string pool, so parsing is not
 * thread-safe; the Export Center's processes are single-threaded.
 */
#ifndef EC_VERSION_H
#define EC_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#include "ec_err.h"

/*
 * The longest version string accepted.  Real versions are short (the
 * longest in the OSV fixtures is a Go pseudo-version of about 40 bytes,
 * RPM releases reach 60); 256 bytes bounds the work of one comparison
 * and the memory of one parsed value.  Past it EC_ERR_REQUEST_INVALID.
 */
#define EC_VERSION_MAX_LEN	256

enum ec_version_scheme {
	EC_VERSION_SEMVER,
	EC_VERSION_GO,
	EC_VERSION_PEP440,
	EC_VERSION_MAVEN,
	EC_VERSION_RUBYGEMS,
	EC_VERSION_NUGET,
	EC_VERSION_PACKAGIST,
	EC_VERSION_RPM,
	EC_VERSION_DEBIAN,
	EC_VERSION_SCHEME_COUNT
};

struct ec_version;	/* opaque */

/*
 * The scheme of an OSV ecosystem name.  The part after a ':' names a
 * release ("Debian:12", "AlmaLinux:8") or a repository
 * ("Packagist:https://packages.drupal.org/8") and does not change the
 * scheme.  An ecosystem this module does not order (OSS-Fuzz, Julia,
 * CRAN, Hackage, ...) is EC_ERR_REQUEST_INVALID naming it.
 */
int	ec_version_scheme_of(enum ec_version_scheme *out, const char *ecosystem,
	    struct ec_err *err) EC_MUST_CHECK;

/* "semver", "pep440", "maven", ...: a stable name for reports. */
const char	*ec_version_scheme_name(enum ec_version_scheme scheme);

/*
 * Parse "len" bytes (no NUL needed, none allowed) as a version of
 * "scheme".  *out is the caller's (ec_version_free).  A string the
 * grammar rejects is EC_ERR_REQUEST_INVALID with the reason; EC_ERR_NOMEM.
 */
int	ec_version_parse(struct ec_version **out, enum ec_version_scheme scheme,
	    const char *p, size_t len, struct ec_err *err) EC_MUST_CHECK;

/*
 * <0, 0 or >0 as "a" orders before, equal to or after "b" in their
 * scheme.  Both must have been parsed with the same scheme; versions of
 * different schemes order by scheme, so that a mistake is consistent.
 */
int	ec_version_cmp(const struct ec_version *a, const struct ec_version *b);

/* Parse both NUL-terminated strings and compare them into *out. */
int	ec_version_compare(int *out, enum ec_version_scheme scheme,
	    const char *a, const char *b, struct ec_err *err) EC_MUST_CHECK;

/* The scheme a value was parsed with. */
enum ec_version_scheme	ec_version_scheme(const struct ec_version *v);

/* The text as given (NUL-terminated, borrowed for the value's life). */
const char	*ec_version_text(const struct ec_version *v);

/* Release; NULL is a no-op. */
void	ec_version_free(struct ec_version *v);

#endif
