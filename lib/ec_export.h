/*
 * ec_export: build one export bundle, whatever the profile.  The same call
 * serves exportctl, export-cron and (through the run queue) the API.
 *
 * The bundle is built in a private staging directory inside a read-only
 * REPEATABLE READ transaction (one consistent view of the store), and only
 * a complete, fsync'd bundle is renamed into the output directory: a
 * failed build leaves nothing there.  Same inputs, same selectors, same
 * key: same bytes.
 */
#ifndef EC_EXPORT_H
#define EC_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_db.h"
#include "ec_err.h"
#include "ec_hash.h"
#include "ec_key.h"

#define EC_RUN_ID_MAX	200

struct ec_export_req {
	const char		*tenant;
	const char		*profile;	/* "json:raw" */
	const char		*targets;	/* CSV; NULL: profile default */
	const char		*formats;	/* CSV; NULL: profile default */
	const char		*run_id;	/* NULL: derived from the inputs */
	const struct ec_signer	*signer;	/* NULL: unsigned bundle */
	const char		*out_dir;	/* must exist */
	const char		*staging_dir;	/* NULL: $TMPDIR, else /tmp */
	uint64_t		 max_bytes;	/* 0: EC_MAX_BUNDLE_BYTES */
};

struct ec_export_result {
	char		path[4096];		/* the published bundle */
	char		sha256[EC_SHA256_HEX];	/* of the bundle file */
	uint64_t	size;
	char		run_id[EC_RUN_ID_MAX + 1];
	char		inputs_hash[EC_SHA256_HEX];
	uint64_t	documents;
	size_t		items;			/* manifest items */
	bool		signed_;
};

/*
 * Build and publish.  Errors: EC_ERR_PROFILE_NOT_FOUND (unknown profile),
 * EC_ERR_REQUEST_INVALID (bad tenant, selectors, run id, directory),
 * EC_ERR_TOO_LARGE (more than EC_MAX_OUTPUTS items or max_bytes
 * compressed), EC_ERR_UNAVAILABLE / EC_ERR_DB, EC_ERR_IO.
 */
int	ec_export_build(struct ec_export_result *out, struct ec_db *db,
	    const struct ec_export_req *req, struct ec_err *err) EC_MUST_CHECK;

#endif
