/*
 * ec_trivy: OSV advisories as the rows of Trivy's vulnerability database
 * (trivy.db schema 2, specs/trivy-db.md section 2).  Pure functions: no
 * database, no I/O, no clock.  The trivy:db profile feeds every advisory
 * through ec_trivy_convert(), sorts the rows with ec_trivy_row_cmp(),
 * merges neighbours with equal paths (ec_trivy_merge) and writes
 * ec_trivy_encode()'s bytes with ec_bolt in that order.
 *
 * Row paths (section 2.1):
 *   advisory:  <bucket> / <package> / <vulnerability id> = Advisory JSON
 *   vuln:      "vulnerability" / <vulnerability id> = Vulnerability JSON
 *   source:    "data-source" / <bucket> = DataSource JSON
 * <bucket> is "<ecosystem>::<data source name>" for language packages
 * (section 2.3) or an OS release such as "alma 8".  Every advisory row
 * comes with a vulnerability row, but a database without advisories must
 * still hold an empty "vulnerability" bucket: Trivy dereferences it
 * without a check (section 2.1).
 */
#ifndef EC_TRIVY_H
#define EC_TRIVY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_err.h"

/* Schema version of trivy.db's metadata.json (section 1.2). */
#define EC_TRIVY_SCHEMA		2
/*
 * Work bounds on one advisory, hostile or not: affected entries, ranges
 * per entry, events and listed versions in the whole document, aliases
 * and upstream ids, references and severities.  Lists are deduplicated
 * by linear search, so the version bound caps that work near 10^7 string
 * comparisons.  Real advisories stay far below (among the ~9,800 shared
 * fixtures: 214 affected entries, 428 events, 1,132 versions at most).
 * An advisory past any of them is skipped with a reason, never written
 * in part.
 */
#define EC_TRIVY_MAX_AFFECTED	1024
#define EC_TRIVY_MAX_RANGES	64
#define EC_TRIVY_MAX_EVENTS	4096
#define EC_TRIVY_MAX_VERSIONS	4096
#define EC_TRIVY_MAX_IDS	256
#define EC_TRIVY_MAX_REFS	4096
/* Longest string taken from an advisory into a key or bucket name. */
#define EC_TRIVY_MAX_NAME	1024

enum ec_trivy_kind {
	EC_TRIVY_ADVISORY,	/* section 2.6 */
	EC_TRIVY_VULN,		/* section 2.8 */
	EC_TRIVY_SOURCE		/* section 2.9 */
};

struct ec_trivy_row {
	enum ec_trivy_kind	 kind;
	char			*bucket;	/* owned; top level */
	char			*pkg;	/* owned; advisories, else NULL */
	char			*key;	/* owned */
	json_t			*value;	/* owned; Go field names */
};

struct ec_trivy_result {
	struct ec_trivy_row	*rows;	/* owned */
	size_t			 nrows;
	/* Non-empty when the advisory was skipped: why (no rows then). */
	char			 skipped[200];
};

/*
 * Convert one OSV advisory ("osv", borrowed) into rows, in *out (which
 * the caller disposes of with ec_trivy_result_dispose, also on failure).
 * "snapshot_us" is the input snapshot time (microseconds since the epoch)
 * that decides whether a withdrawn advisory is already withdrawn (section
 * 2.13).  An advisory Trivy cannot express (unknown ecosystem, only GIT
 * ranges, withdrawn, past a work bound, no id) returns 0 with no rows and
 * out->skipped set.  -1 only for EC_ERR_NOMEM.
 */
int	ec_trivy_convert(struct ec_trivy_result *out, const json_t *osv,
	    int64_t snapshot_us, struct ec_err *err) EC_MUST_CHECK;

void	ec_trivy_result_dispose(struct ec_trivy_result *r);

/*
 * Order of rows as ec_bolt needs them: by top-level bucket, then package
 * (advisories), then key, all bytewise.  Equal paths compare 0; merge them.
 */
int	ec_trivy_row_cmp(const struct ec_trivy_row *a,
	    const struct ec_trivy_row *b);

/*
 * Merge "from" into "into" (same kind and path), so that the result does
 * not depend on which advisory came first when "from" follows "into" in
 * the caller's fixed order: lists (versions, VendorIDs, references, CWE
 * ids) are unioned, VendorSeverity and CVSS entries are added for data
 * sources "into" lacks, and empty text fields are filled (section 2.13,
 * alias merging).  EC_ERR_NOMEM.
 */
int	ec_trivy_merge(struct ec_trivy_row *into,
	    const struct ec_trivy_row *from, struct ec_err *err) EC_MUST_CHECK;

/*
 * Append the row's value as Go's encoding/json writes it: Vulnerability
 * and DataSource fields in struct declaration order, Advisory fields in
 * alphabetical order (the published DB re-encodes them through a map,
 * section 2.6), map keys sorted, empty fields omitted, "<", ">" and "&"
 * escaped as \u003c, \u003e, \u0026.  EC_ERR_TOO_LARGE past out's
 * ceiling, EC_ERR_NOMEM.
 */
int	ec_trivy_encode(struct ec_buf *out, const struct ec_trivy_row *row,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * metadata.json (section 1.2) as Go's json.Encoder writes it, newline
 * included: Version 2, UpdatedAt and DownloadedAt the snapshot time (a
 * non-zero DownloadedAt stops Trivy's re-download, section 1.4) and
 * NextUpdate "next_update_us", which callers building a cache drop-in set
 * far in the future (EC_TRIVY_NEXT_UPDATE_NEVER).  EC_ERR_TOO_LARGE,
 * EC_ERR_NOMEM.
 */
#define EC_TRIVY_NEXT_UPDATE_NEVER	INT64_C(4070908800000000) /* 2099 */
int	ec_trivy_metadata(struct ec_buf *out, int64_t snapshot_us,
	    int64_t next_update_us, struct ec_err *err) EC_MUST_CHECK;
/* The same with another Version: 1 for trivy-java.db (section 1.5). */
#define EC_TRIVY_JAVA_SCHEMA	1
int	ec_trivy_metadata_version(struct ec_buf *out, int version,
	    int64_t snapshot_us, int64_t next_update_us, struct ec_err *err)
	    EC_MUST_CHECK;

#endif
