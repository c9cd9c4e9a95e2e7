/*
 * ec_ingest: load evidence documents (OSV, OpenVEX, CSAF VEX, CycloneDX,
 * SPDX JSON) into the tenant's evidence store.  Inputs are files,
 * directories, archives (.zip, .tar, .tar.gz, .tar.zst, .tar.xz) and "-",
 * NDJSON on standard input.  Each document is canonicalised once (RFC
 * 8785) and stored with its SHA-256, kind, format, source, upstream id and
 * modified time.  Writes are batched (COPY into a staging table and one
 * merge per batch of thousands) while the next batch is parsed on another
 * thread.  A document is all or nothing: a bad one leaves no row behind
 * and never aborts the good ones around it.
 */
#ifndef EC_INGEST_H
#define EC_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "ec_db.h"
#include "ec_err.h"

/* What happened to one input. */
enum ec_ingest_status {
	EC_INGEST_INSERTED,	/* new document */
	EC_INGEST_UPDATED,	/* newer version replaced the stored one */
	EC_INGEST_UNCHANGED,	/* the same bytes were already stored */
	EC_INGEST_STALE,	/* older than the stored version; kept that */
	/*
	 * Another document of the same run with the same (kind, id, source)
	 * won (newer, or the same modified time and a greater digest, or
	 * the same bytes): this one was not stored.
	 */
	EC_INGEST_SUPERSEDED,
	EC_INGEST_SKIPPED,	/* not taken: not *.json, a link, ... */
	EC_INGEST_FAILED	/* rejected; see the error */
};

/*
 * Counts by status.  "files" is every document input (all statuses but
 * EC_INGEST_SKIPPED); the counts of one run add up to it, whatever the
 * batch boundaries.
 */
struct ec_ingest_stats {
	size_t	files;
	size_t	count[EC_INGEST_FAILED + 1];
};

/*
 * One input's outcome.  "path" names it: a file's path, "ARCHIVE:MEMBER"
 * or "-:LINE"; it is raw bytes (escape it before printing, see
 * ec_str_escape()).  err: why, for EC_INGEST_FAILED, and for
 * EC_INGEST_SKIPPED when the reason deserves a warning (a link, a device);
 * NULL for a plain "not *.json".  "supersedes": this document replaced
 * one stored earlier in the same run, which now counts as superseded.
 * Everything is borrowed for the duration of the callback.
 */
struct ec_ingest_report {
	const char		*path;
	enum ec_ingest_status	 status;
	const char		*kind;		/* NULL when failed, skipped */
	const char		*format;	/* NULL when failed, skipped */
	const char		*upstream_id;	/* NULL when failed, skipped */
	const struct ec_err	*err;
	bool			 supersedes;
};
/* Called from one thread at a time, in input order. */
typedef void ec_ingest_report_fn(void *arg, const struct ec_ingest_report *r);

/*
 * "inserted", "updated", "unchanged", "stale", "superseded", "skipped",
 * "failed".
 */
const char	*ec_ingest_status_name(enum ec_ingest_status s);

/*
 * Sources: 1 to EC_MAX_ID_LEN characters of [A-Za-z0-9._:/@+-], so that
 * no source can carry the tabs and newlines that frame inputsHash lines.
 */
int	ec_ingest_source_check(const char *source, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Ingest every path.  A file is read whatever its name (symbolic links
 * named here are followed), unless its name ends in an archive suffix; a
 * directory is walked recursively in name order for "*.json" files, at
 * most 32 levels deep and with paths of at most 4096 bytes; links inside
 * it are skipped and reported, never followed.  Members of an archive
 * are taken when they end in ".json"; absolute paths, "..", links and
 * devices are refused, each member is capped at EC_MAX_DOC_BYTES (its
 * declared size first, then while reading) and the whole archive at
 * EC_INGEST_MAX_EXPANSION times its size.  "-" reads NDJSON from
 * standard input, one document per line.  FIFOs and devices are refused
 * without blocking.  "source" labels the rows (NULL: the document
 * format; else checked with ec_ingest_source_check()).  Each input's
 * outcome goes to "report" (may be NULL) and to *stats.  Returns 0 when
 * the run completed, even if some inputs failed (stats say how many),
 * and -1 only when it could not go on (database gone: EC_ERR_UNAVAILABLE;
 * EC_ERR_NOMEM).  Deadlocks with concurrent ingests are retried.
 */
int	ec_ingest_paths(struct ec_ingest_stats *stats, struct ec_db *db,
	    const char *tenant, const char *source, char *const *paths,
	    size_t n, ec_ingest_report_fn *report, void *arg,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * An archive may expand to at most this many times its own size (and
 * always to EC_MAX_DOC_BYTES): JSON compresses about 10:1, a zip bomb
 * thousands to one.  Past it the rest of the archive is refused.
 */
#define EC_INGEST_MAX_EXPANSION	200

#endif
