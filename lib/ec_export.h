/*
 * ec_export: build one export, whatever the profile.  The same call
 * serves exportctl, export-cron and (through the run queue) the API.
 *
 * The output is built in a private, locked staging directory
 * (ec_publish.h): files as the profile closes them, then manifest.json,
 * provenance, their DSSE envelopes and checksums.txt.  Evidence is read
 * through one store snapshot (ec_store.h), so a long export sees one
 * consistent state from its first query to its last.  Only a complete,
 * fsync'd output is published, as DIR/<name>/ or, for profiles that pack
 * (json:raw), DIR/<name>.tar.zst, where <name> is
 * "<tenant>-<profile with ':' as '-'>-<16 hex of the run id's SHA-256>".
 * A failed build leaves nothing in DIR.  Same inputs, selectors,
 * parameters and key: same bytes.
 */
#ifndef EC_EXPORT_H
#define EC_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_hash.h"
#include "ec_key.h"
#include "ec_profile.h"
#include "ec_store.h"

#define EC_RUN_ID_MAX	200

struct ec_export_req {
	const char		*tenant;
	const char		*profile;	/* "json:raw" */
	/* Tests and embedders: a profile outside the registry. */
	const struct ec_profile	*profile_def;	/* NULL: find "profile" */
	const char		*targets;	/* CSV; NULL: profile default */
	const char		*formats;	/* CSV; NULL: profile default */
	const char *const	*params;	/* "key=value" each */
	size_t			 nparams;
	const char		*run_id;	/* NULL: derived from the inputs */
	const struct ec_signer	*signer;	/* NULL: unsigned bundle */
	const char		*out_dir;	/* made (0755) when missing */
	const char		*staging_dir;	/* NULL: $TMPDIR, else /tmp */
	uint64_t		 max_bytes;	/* 0: EC_MAX_BUNDLE_BYTES */
	unsigned		 zstd_workers;	/* 0: one per CPU, at most 4 */
};

struct ec_export_result {
	char		path[4096];		/* the published output */
	char		sha256[EC_SHA256_HEX];	/* packed: of the file;
						   else of manifest.json */
	uint64_t	size;			/* bytes of all files */
	char		run_id[EC_RUN_ID_MAX + 1];
	char		inputs_hash[EC_SHA256_HEX];
	uint64_t	documents;
	uint64_t	skipped;		/* ec_build_skip() calls */
	size_t		items;			/* manifest items */
	size_t		files;			/* manifest metadata files */
	bool		signed_;
	bool		packed;			/* a .tar.zst, not a tree */
	bool		existed;		/* identical output was there */
};

/*
 * Check a request without side effects: the profile, tenant, selectors,
 * run id and parameters (the profile's own check() included).  The
 * errors are ec_export_build()'s request errors.
 */
int	ec_export_check(const struct ec_export_req *req, struct ec_err *err)
	    EC_MUST_CHECK;
/* Whether the request's profile reads evidence (false if unknown). */
bool	ec_export_needs_store(const struct ec_export_req *req);

/*
 * Build and publish.  "store" (borrowed) may be NULL for profiles that
 * need none.  Errors: EC_ERR_PROFILE_NOT_FOUND (unknown profile),
 * EC_ERR_REQUEST_INVALID (bad tenant, selectors, run id, parameter,
 * directory), EC_ERR_TOO_LARGE (more than EC_MAX_OUTPUTS outputs or
 * max_bytes compressed), EC_ERR_CONFLICT (the run id was published with
 * other content), EC_ERR_UNAVAILABLE / EC_ERR_DB, EC_ERR_IO (with the
 * errno of the call that failed).
 */
int	ec_export_build(struct ec_export_result *out, struct ec_store *store,
	    const struct ec_export_req *req, struct ec_err *err) EC_MUST_CHECK;

#endif
