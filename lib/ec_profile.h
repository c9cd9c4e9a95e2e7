/*
 * ec_profile: the one builder interface every export profile implements
 * (json:raw now; json:policy, trivy:db, trivy:java-db, mirror:full,
 * mirror:delta and devportal:offline plug in the same way).  The common
 * driver, ec_export, owns the staging area, the bundle, the manifest,
 * provenance, signatures and checksums; a profile only decides what data
 * goes in, through the ec_build_* calls below.
 */
#ifndef EC_PROFILE_H
#define EC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_db.h"
#include "ec_err.h"
#include "ec_select.h"

struct ec_build;	/* opaque: one export being built (ec_export.c) */

struct ec_profile {
	const char		*name;		/* "json:raw" */
	const char		*build_type;	/* SLSA buildType URI */
	unsigned		 targets;	/* EC_TARGET_* allowed */
	unsigned		 formats;	/* EC_FORMAT_* allowed */
	struct ec_selectors	 defaults;
	/*
	 * Look at the inputs inside the build's snapshot transaction: fix
	 * the snapshot time (ec_build_set_snapshot) and fail early, before
	 * anything is written, when the export cannot fit its limits.
	 */
	int	(*plan)(struct ec_build *b, struct ec_err *err);
	/* Write the data items and record the inputs. */
	int	(*write)(struct ec_build *b, struct ec_err *err);
};

/* The profile called "name", or NULL. */
const struct ec_profile	*ec_profile_find(const char *name);
/* Every profile this build provides, in name order; count to *n_out. */
const struct ec_profile *const *ec_profile_all(size_t *n_out);

/* What the export is about; borrowed for the life of the build. */
struct ec_db			*ec_build_db(struct ec_build *b);
const char			*ec_build_tenant(const struct ec_build *b);
const struct ec_selectors	*ec_build_selectors(const struct ec_build *b);

/* The snapshot time (µs since the epoch): every tar member's mtime. */
void	ec_build_set_snapshot(struct ec_build *b, int64_t us);

/*
 * Stream one output item: open, write any number of times, close.  The
 * item enters the manifest with its digest and size; past EC_MAX_OUTPUTS
 * items EC_ERR_TOO_LARGE.  One item is open at a time.
 */
int	ec_build_item_open(struct ec_build *b, const char *type,
	    const char *id, const char *format, const char *path,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_build_item_write(struct ec_build *b, const void *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_build_item_close(struct ec_build *b, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Record one input document (kind, source, upstream id, canonical
 * SHA-256 in hex), in the order the profile reads them.  The inputs make
 * manifest.json's inputsHash and provenance's resolvedDependencies.
 */
int	ec_build_input(struct ec_build *b, const char *kind,
	    const char *source, const char *id, const char *sha256_hex,
	    struct ec_err *err) EC_MUST_CHECK;

/* The profiles (one file each, ec_prof_<name>.c). */
extern const struct ec_profile	ec_profile_json_raw;

#endif
