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

#include "ec_age.h"
#include "ec_err.h"
#include "ec_hash.h"
#include "ec_key.h"
#include "ec_profile.h"
#include "ec_store.h"

#define EC_RUN_ID_MAX	200

struct ec_staging;	/* ec_publish.h */

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
	/*
	 * Transport wrappers, for packed bundles only (a profile that
	 * publishes a directory is EC_ERR_REQUEST_INVALID until mirrors
	 * encrypt per blob).  With recipients (borrowed, at most
	 * EC_AGE_MAX_RECIPIENTS) the bundle is encrypted to them in the
	 * staging directory and only DIR/<name>.tar.zst.age is published;
	 * the plaintext never reaches DIR.  With split_size (as
	 * ec_split_size_parse accepts) the file is cut into parts and the
	 * directory DIR/<file>.split/ is published instead, holding
	 * <file>.part0001... and <file>.split.json (signed with "signer":
	 * <file>.split.dsse.json).  Both checks run before any work.
	 */
	const struct ec_age_recipient	*recipients;
	size_t				 nrecipients;
	uint64_t			 split_size;	/* 0: one file */
	/*
	 * Progress (export-cron's run events), may be NULL: called on the
	 * building thread after each document read into the bundle, with
	 * the documents done, the profile's estimate of all of them (0 when
	 * it gives none) and the bytes of output files written so far.  It
	 * must be cheap: the caller rate-limits whatever it reports.
	 */
	void	(*progress)(void *arg, uint64_t done, uint64_t total,
		    uint64_t bytes);
	void	*progress_arg;
};

struct ec_export_result {
	char		path[4096];		/* the published output */
	char		sha256[EC_SHA256_HEX];	/* packed: of the plain
						   bundle; else of
						   manifest.json */
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
	bool		encrypted;		/* published as .age */
	unsigned	parts;			/* 0: not split */
	char		age_sha256[EC_SHA256_HEX];	/* of the .age file */
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

/*
 * What a build will take, before it starts (exportctl estimate): see
 * ec_limits.h for the assumptions.  "*_free" are statvfs's f_bavail *
 * f_frsize for unprivileged writers; with both directories on one file
 * system the staging need covers both and out_need is 0 (the publish is
 * a rename).
 */
struct ec_export_estimate {
	uint64_t	documents;
	uint64_t	outputs;	/* the profile's files */
	uint64_t	tree_bytes;	/* uncompressed, driver files too */
	uint64_t	bundle_bytes;	/* what is published */
	uint64_t	staging_need, out_need;
	uint64_t	staging_free, out_free;
	bool		same_fs;
	bool		fits;
};

/*
 * Check the request, open the store snapshot and run the profile's
 * plan(), but write nothing: the estimate goes to *out.  "req->out_dir"
 * may be NULL (then out_free is 0), or not exist yet (its parent is
 * measured).  Errors as ec_export_build()'s request and store errors.
 */
int	ec_export_estimate(struct ec_export_estimate *out,
	    struct ec_store *store, const struct ec_export_req *req,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * A published output made verifiable again: "path" is the plain bundle,
 * either the input itself or a file in "tmp", a private, locked staging
 * directory (ec_publish.h) that ec_export_opened_dispose() removes.
 */
struct ec_export_opened {
	char			 path[4096];
	struct ec_staging	*tmp;		/* owned; NULL: none needed */
	unsigned		 parts;		/* joined from this many */
	bool			 split_signed;	/* parts manifest verified */
	bool			 decrypted;
};

/*
 * Undo the transport wrappers of ec_export_build: paths[0..n-1] are a
 * bundle, an encrypted NAME.age, or a split one given as its NAME.split
 * directory, its NAME.split.json (or .split.dsse.json), or its parts.
 * Parts are checked and joined by ec_split_join() (with "key", only the
 * signed parts manifest is trusted), in $TMPDIR (else /tmp); a NAME.age
 * is decrypted there with ids[0..nids-1] (ec_age_decrypt_file).  The
 * errors are theirs: EC_ERR_VERIFY naming a missing, damaged or foreign
 * part, a malformed manifest, an identity that opens nothing; and
 * EC_ERR_REQUEST_INVALID for an encrypted bundle without identities.
 * Nothing is left behind on failure, nothing is written beside the
 * inputs.  Dispose of *out in every case.
 */
int	ec_export_open(struct ec_export_opened *out, const char *const *paths,
	    size_t n, const struct ec_verifier *key,
	    const struct ec_age_identity *ids, size_t nids, struct ec_err *err)
	    EC_MUST_CHECK;
void	ec_export_opened_dispose(struct ec_export_opened *o);

#endif
