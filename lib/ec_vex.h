/*
 * ec_vex: VEX statements from OpenVEX (openvex.dev spec v0.2.0, and the
 * v0.0.1 shapes), CSAF 2.0 VEX (OASIS CSAF 2.0, profile 4.5 "VEX") and
 * CycloneDX VEX (vulnerabilities[].analysis), gathered into one set, and
 * the statement that decides a finding: among the statements for the
 * same vulnerability (by id or alias) and product, the newest by the
 * document's own timestamp wins.
 *
 * Products match by purl with the VEX rules (OpenVEX spec, "Product
 * matching"): type, namespace and name equal; a statement without a
 * version covers every version, one with a version only that version;
 * each qualifier the statement names must be present with the same value
 * (the component may have more).  A product that is not a purl (a CSAF
 * product id, a CycloneDX bom-ref) matches only the same identifier.
 *
 * Bounds: EC_VEX_MAX_STATEMENTS statements per document (each
 * vulnerability-product pair counts), EC_VEX_MAX_DEPTH levels of CSAF
 * product branches; past them EC_ERR_TOO_LARGE and the set is unchanged.
 */
#ifndef EC_VEX_H
#define EC_VEX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_err.h"

#define EC_VEX_MAX_STATEMENTS	65536
#define EC_VEX_MAX_DEPTH	32

enum ec_vex_status {
	EC_VEX_NOT_AFFECTED,
	EC_VEX_AFFECTED,
	EC_VEX_FIXED,
	EC_VEX_UNDER_INVESTIGATION
};

enum ec_vex_format {
	EC_VEX_OPENVEX,
	EC_VEX_CSAF,
	EC_VEX_CYCLONEDX
};

/* One statement; every string is owned by the set, never NULL but noted. */
struct ec_vex_statement {
	const char		 *doc;		/* the caller's document name */
	size_t			  index;	/* order within the document */
	enum ec_vex_format	  format;
	const char		 *vuln;		/* CVE-..., GHSA-..., ... */
	const char *const	 *aliases;	/* naliases entries */
	size_t			  naliases;
	const char		 *product;	/* a purl or an identifier */
	enum ec_vex_status	  status;
	const char		 *justification; /* "" when none */
	int64_t			  time;		/* us; INT64_MIN: undated */
};

struct ec_vex_set;	/* opaque */

int	ec_vex_set_new(struct ec_vex_set **out, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Add the statements of one VEX document ("doc" is borrowed; "name"
 * identifies it in decisions and breaks timestamp ties).  The format is
 * recognised from the document.  Not a VEX document, an unknown status,
 * or a bad timestamp is EC_ERR_REQUEST_INVALID naming the field; the set
 * is unchanged on any failure.
 */
int	ec_vex_add(struct ec_vex_set *set, const json_t *doc, const char *name,
	    struct ec_err *err) EC_MUST_CHECK;

size_t	ec_vex_count(const struct ec_vex_set *set);
/* Statement i (< ec_vex_count), borrowed for the set's life. */
const struct ec_vex_statement	*ec_vex_get(const struct ec_vex_set *set,
				    size_t i);

/*
 * The statement that decides vulnerability "vuln" (or any of "aliases")
 * for the component "purl": the newest matching one, ties broken by
 * document name and then order, so the answer does not depend on the
 * order documents were added.  NULL when none matches.
 */
const struct ec_vex_statement	*ec_vex_decide(const struct ec_vex_set *set,
				    const char *vuln,
				    const char *const *aliases,
				    size_t naliases, const char *purl);

/* Does statement product "product" cover component "purl" (rules above)? */
bool	ec_vex_product_matches(const char *product, const char *purl);

/* "not_affected", "affected", "fixed", "under_investigation". */
const char	*ec_vex_status_name(enum ec_vex_status s);

void	ec_vex_set_free(struct ec_vex_set *set);

#endif
