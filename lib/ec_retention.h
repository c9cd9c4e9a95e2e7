/*
 * ec_retention: expiring finished runs and deleting the store blobs no
 * live run needs (sql/0006), one pass per call, safe with any number of
 * export-cron processes, builds and downloads at the same time.
 *
 * A run is due when its finish time plus its retentionDays (the
 * request's, else its profile's, else the tenant default export-cron is
 * given; none of the three: kept) is at or before the pass's clock.
 * Expiring it, in one transaction as its tenant: status 'expired' (only
 * from succeeded or failed, so two passes expire it once), the event
 * "expired" {runId, status} through export_run_event(), and its download
 * view removed (ec_blob_run_remove) before the commit.  The trigger of
 * sql/0006 drops the run's rows from blob_refs and queues its digests.
 *
 * A queued digest is deleted only while no unexpired run of any tenant
 * names it (blob_refs) and no download view links it (the blob's link
 * count is 1), holding the store lock exclusively.  Builders hold the
 * same lock shared (ec_retention_writer_begin/_end) from putting their
 * outputs into the store until each is linked into the run's view: so a
 * blob a build has just found "already there" cannot vanish before the
 * build's view links it, and once linked, the link count keeps it until
 * the run is recorded and, later, expired.  A download in progress keeps
 * reading through its open file (a view holds its own hard link).
 */
#ifndef EC_RETENTION_H
#define EC_RETENTION_H

#include <stdint.h>

#include "ec_err.h"

struct ec_db;

/* Runs expired and digests looked at per pass (and per tenant). */
#define EC_RETENTION_BATCH	100

struct ec_retention_opts {
	int64_t		 now;		/* seconds since the epoch */
	unsigned	 default_days;	/* tenant default; 0: keep */
	const char	*store;		/* the artifact store */
};

/* One action of a pass, for the caller's log; borrowed for the call. */
struct ec_retention_event {
	const char		*what;	/* "expired", "blob_deleted", ... */
	const char		*tenant;	/* NULL for blobs */
	const char		*run_id;
	const char		*sha256;	/* NULL for runs */
	const struct ec_err	*err;		/* NULL: done */
};
typedef void	ec_retention_report_fn(void *arg,
		    const struct ec_retention_event *e);

/*
 * One pass: expire the due runs, then look at the queued digests, each
 * "blob_deleted", "blob_shared" (a live run names it: dequeued, its
 * expiry queues it again), "blob_absent" (dequeued) or "blob_linked" (a
 * view links it: to the back of the queue).  A run or blob that fails
 * is reported with its error and the pass goes on; -1 only when the
 * lists cannot be read: EC_ERR_DB, EC_ERR_UNAVAILABLE.
 */
int	ec_retention_pass(struct ec_db *db, const struct ec_retention_opts *o,
	    ec_retention_report_fn *fn, void *arg, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The builder's side of the store lock (a PostgreSQL session advisory
 * lock, shared): begin before the outputs go into the store, end once
 * they are linked into the run's view.  A builder that dies loses it
 * with its session.  EC_ERR_DB, EC_ERR_UNAVAILABLE; _end never fails.
 */
int	ec_retention_writer_begin(struct ec_db *db, struct ec_err *err)
	    EC_MUST_CHECK;
void	ec_retention_writer_end(struct ec_db *db);

#endif
