/*
 * ec_dist: the distribution of a succeeded run (GET
 * /export-center/distributions/{id}, seed 003 "Distributions"): its
 * signed download URLs by rel, the expiry, the checksum, the DSSE
 * envelope reference and, when export-cron pushed it, the OCI reference.
 * Pure: it reads a run status whose outputs are signed already
 * (fcgi/h_dist.c) and knows no database.
 *
 * Ids mirror the run's: "export-distribution::<tenant>::<day>::<seq>" is
 * the distribution of "export-run::<tenant>::<day>::<seq>", so one id
 * gives the other without a table, and a run has exactly one.
 */
#ifndef EC_DIST_H
#define EC_DIST_H

#include <stdbool.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_export.h"

#define EC_DIST_PREFIX	"export-distribution::"
#define EC_DIST_ID_MAX	(EC_RUN_ID_MAX + 9)
/* A quoted SHA-256: '"', 64 hex, '"' and the NUL. */
#define EC_DIST_ETAG_MAX	67

/* The distribution id of the run "run_id" (ec_run_id_valid for tenant). */
int	ec_dist_id(char out[EC_DIST_ID_MAX + 1], const char *run_id,
	    const char *tenant, struct ec_err *err) EC_MUST_CHECK;
/*
 * The run id of the distribution "dist_id"; false when it is not one of
 * "tenant"'s (any other shape, another tenant's).
 */
bool	ec_dist_run_id(char out[EC_RUN_ID_MAX + 1], const char *dist_id,
	    const char *tenant);

/*
 * The distribution document of the run status "run" (borrowed), which
 * must have succeeded: {distributionId, runId, profileId, type
 * ("download", or "oci" when pushed), expiresAt, checksum, size,
 * dsseEnvelope ({url, sha256} or null), oci ({ref, digest} or absent),
 * links [{rel, href, sha256}] sorted by rel: "self" (the manifest, else
 * the bundle), "alternate" (the manifest's DSSE envelope, when a file of
 * its own), "bundle" (a .tar.zst or .zip output)}, and artifacts (the
 * run's outputs).  New reference.  EC_ERR_NOT_FOUND for a run that has
 * not succeeded or has no signed output; EC_ERR_NOMEM.
 */
json_t	*ec_dist_build(const json_t *run, struct ec_err *err)
	    EC_MUST_CHECK;

/* The strong ETag of "doc": its RFC 8785 form's SHA-256, quoted. */
int	ec_dist_etag(char out[EC_DIST_ETAG_MAX], const json_t *doc,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * Whether an If-None-Match value (RFC 9110 13.1.2: "*" or a list of
 * entity tags, compared weakly) names "etag".  NULL is false.
 */
bool	ec_dist_etag_match(const char *if_none_match, const char *etag);

#endif
