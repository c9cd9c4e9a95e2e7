/*
 * ec_purl: package URLs (github.com/package-url/purl-spec, "How to parse a
 * purl string"), the OSV ecosystem and package name a purl stands for,
 * each ecosystem's name normalisation, and CPE 2.3 formatted strings
 * (NISTIR 7695, section 6.2) for components that only have a CPE.
 *
 * Parsing is bounded: EC_PURL_MAX_LEN bytes, EC_PURL_MAX_QUALIFIERS
 * qualifiers.  Every failure is EC_ERR_REQUEST_INVALID naming the part
 * that is wrong, or EC_ERR_NOMEM.
 */
#ifndef EC_PURL_H
#define EC_PURL_H

#include <stddef.h>

#include "ec_err.h"

/*
 * The longest purl or CPE accepted.  Real ones are short (the longest in
 * the fixtures' SBOMs is under 200 bytes); 4 KiB allows long qualifiers
 * such as download URLs.  Past it EC_ERR_REQUEST_INVALID.
 */
#define EC_PURL_MAX_LEN		4096
/* Qualifiers in one purl; the spec's own examples use at most four. */
#define EC_PURL_MAX_QUALIFIERS	32

struct ec_purl;		/* opaque */

/*
 * Parse "len" bytes of a purl.  Components are percent-decoded; the type
 * and qualifier keys are lower-cased, and the spec's per-type rules are
 * applied (lower-case names for pypi, github, bitbucket, composer, hex,
 * pub; "_" as "-" for pypi).  Qualifiers with empty values are dropped,
 * as the spec says; a repeated key is an error.  *out is the caller's.
 */
int	ec_purl_parse(struct ec_purl **out, const char *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;

/* Accessors; strings live as long as the purl.  NULL when absent. */
const char	*ec_purl_type(const struct ec_purl *u);
const char	*ec_purl_namespace(const struct ec_purl *u);
const char	*ec_purl_name(const struct ec_purl *u);
const char	*ec_purl_version(const struct ec_purl *u);
const char	*ec_purl_subpath(const struct ec_purl *u);
const char	*ec_purl_qualifier(const struct ec_purl *u, const char *key);
/* Qualifiers in key order: how many, and the i-th key and value. */
size_t		 ec_purl_nqualifiers(const struct ec_purl *u);
const char	*ec_purl_qualifier_key(const struct ec_purl *u, size_t i);
const char	*ec_purl_qualifier_value(const struct ec_purl *u, size_t i);

/*
 * The OSV ecosystem and package name of a purl: "npm" and "@scope/name",
 * "Go" and the module path, "Maven" and "group:artifact", "Packagist"
 * and "vendor/name", "Debian:12" from a deb purl's distro qualifier
 * ("debian-12" or a code name), "AlmaLinux:8" from an rpm purl's, ...
 * *eco_out and *name_out are the caller's (free(3)).  A purl type OSV has
 * no ecosystem for is EC_ERR_REQUEST_INVALID naming it.
 */
int	ec_purl_osv(char **eco_out, char **name_out, const struct ec_purl *u,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * The version as the ecosystem writes it: for rpm purls the epoch
 * qualifier becomes an "epoch:" prefix.  NULL when the purl has none.
 * *out is the caller's.
 */
int	ec_purl_osv_version(char **out, const struct ec_purl *u,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * A package name in the form two names of one ecosystem compare equal
 * in: PyPI by PEP 503 (lower case, runs of "-", "_", "." as one "-"),
 * NuGet, Packagist, Hex and Pub in lower case, all others (Go module
 * paths, Maven group:artifact, npm, crates.io, RubyGems, distributions)
 * as they are.  The ecosystem is an OSV name; a release suffix ("Debian:12")
 * is allowed.  *out is the caller's.
 */
int	ec_purl_normalize_name(char **out, const char *ecosystem,
	    const char *name, struct ec_err *err) EC_MUST_CHECK;

/* Release; NULL is a no-op. */
void	ec_purl_free(struct ec_purl *u);

/* CPE 2.3 attributes in formatted-string order. */
enum ec_cpe_attr {
	EC_CPE_PART,
	EC_CPE_VENDOR,
	EC_CPE_PRODUCT,
	EC_CPE_VERSION,
	EC_CPE_UPDATE,
	EC_CPE_EDITION,
	EC_CPE_LANGUAGE,
	EC_CPE_SW_EDITION,
	EC_CPE_TARGET_SW,
	EC_CPE_TARGET_HW,
	EC_CPE_OTHER,
	EC_CPE_ATTR_COUNT
};

struct ec_cpe;		/* opaque */

/*
 * Parse a CPE 2.3 formatted string ("cpe:2.3:a:vendor:product:1.0:*:..."),
 * all eleven attributes present.  Values keep the formatted string's
 * quoting rules undone ("\:" reads as ":"); "*" (ANY) and "-" (NA) stay
 * as they are.  *out is the caller's.
 */
int	ec_cpe_parse(struct ec_cpe **out, const char *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;

/* One attribute's value, borrowed for the CPE's life; never NULL. */
const char	*ec_cpe_get(const struct ec_cpe *c, enum ec_cpe_attr attr);

void	ec_cpe_free(struct ec_cpe *c);

#endif
