/*
 * ec_ingest: load evidence files (OSV, OpenVEX, CSAF VEX, CycloneDX, SPDX
 * JSON) into the tenant's evidence store.  Each document is canonicalised
 * once (RFC 8785) and stored with its SHA-256, kind, format, source,
 * upstream id and modified time.  A file is all or nothing: one statement
 * per document, so a bad file leaves no row behind.
 */
#ifndef EC_INGEST_H
#define EC_INGEST_H

#include <stddef.h>

#include "ec_db.h"
#include "ec_err.h"

/* What happened to one file. */
enum ec_ingest_status {
	EC_INGEST_INSERTED,	/* new document */
	EC_INGEST_UPDATED,	/* newer version replaced the stored one */
	EC_INGEST_UNCHANGED,	/* the same bytes were already stored */
	EC_INGEST_STALE,	/* older than the stored version; kept that */
	EC_INGEST_FAILED	/* rejected; see the error */
};

struct ec_ingest_stats {
	size_t	files;
	size_t	count[EC_INGEST_FAILED + 1];	/* by status */
};

/* One file's outcome: err is set only for EC_INGEST_FAILED. */
struct ec_ingest_report {
	const char		*path;
	enum ec_ingest_status	 status;
	const char		*kind;		/* NULL when failed */
	const char		*format;	/* NULL when failed */
	const char		*upstream_id;	/* NULL when failed */
	const struct ec_err	*err;
};
typedef void ec_ingest_report_fn(void *arg, const struct ec_ingest_report *r);

/* "inserted", "updated", "unchanged", "stale", "failed". */
const char	*ec_ingest_status_name(enum ec_ingest_status s);

/*
 * Ingest every path: a file is read whatever its name; a directory is
 * walked recursively in name order for "*.json" files (symlinks are not
 * followed).  "source" labels the rows (NULL: the document format).  Each
 * file's outcome goes to "report" (may be NULL) and to *stats.  Returns 0
 * when the run completed, even if some files failed (stats say how many),
 * and -1 only when it could not go on (database gone: EC_ERR_UNAVAILABLE).
 */
int	ec_ingest_paths(struct ec_ingest_stats *stats, struct ec_db *db,
	    const char *tenant, const char *source, char *const *paths,
	    size_t n, ec_ingest_report_fn *report, void *arg,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
