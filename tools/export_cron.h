/*
 * tools/export_cron.h: what the parts of export-cron share: its state,
 * the lease renewal thread (cron_lease.c) and the housekeeping pass of
 * schedules and retention (cron_house.c), and the OCI push
 * (cron_push.c).  The builder is export_cron.c.
 */
#ifndef EXPORT_CRON_H
#define EXPORT_CRON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_log.h"
#include "ec_registry.h"
#include "ec_run.h"

struct ec_db;
struct ec_signer;

struct cron {
	const char		*conninfo;
	const char		*store;
	const char		*keyring;	/* NULL: none */
	char			 owner[EC_RUN_OWNER_MAX + 1];
	bool			 loop;
	struct ec_run_limits	 lim;
	struct ec_signer	*signer;	/* owned; NULL: unsigned */
	struct ec_registry_opts	 reg;	/* OCI distribution */
	struct ec_db		*db;		/* owned: claims */
	struct ec_db		*lease_db;	/* owned: the renewer's */
	int64_t			 now;	/* --now; -1: the real clock */
	unsigned		 retention_days;	/* tenant default */
	/*
	 * Owned: progress events, written from the building thread while
	 * "db" holds the store's snapshot transaction.  NULL until needed.
	 */
	struct ec_db		*progress_db;
};

/* The renewal thread of one build. */
struct renewer {
	pthread_t			 thread;
	pthread_mutex_t			 mu;
	pthread_cond_t			 cv;
	bool				 done;	/* by the builder */
	bool				 lost;	/* by the renewer */
	struct ec_db			*db;	/* borrowed */
	const struct ec_run_claim	*claim;	/* borrowed */
	unsigned			 lease_s;
};

/* One log line for a run's error (c may be NULL). */
void	cron_log_err(enum ec_log_level lvl, const struct ec_run_claim *c,
	    const char *what, const struct ec_err *err);

/* Start renewing the lease of "c" on cr's lease connection; -1: no thread. */
int	cron_renewer_start(struct renewer *r, struct cron *cr,
	    const struct ec_run_claim *c);
/* Stop the renewer; true when the lease is still ours. */
bool	cron_renewer_stop(struct renewer *r);

/* "host/repo:tag" of a pushed artifact. */
#define CRON_DIST_ID_MAX	(EC_REGISTRY_MAX_HOST + EC_REGISTRY_MAX_REPO + \
				    EC_REGISTRY_MAX_TAG + 2)

/* One artifact pushed: what the registry took, its reference and URL. */
struct cron_pushed {
	struct ec_registry_result	res;
	char				id[CRON_DIST_ID_MAX + 1];
	char				url[CRON_DIST_ID_MAX + 8 +
					    EC_LAYOUT_DIGEST_LEN];
};

/* A run's OCI distribution: where to, and what the pushes gave. */
struct cron_dist {
	const char		*ref;		/* NULL: none */
	struct cron_pushed	*pushed;	/* owned */
	size_t			 n;		/* pushed */
};

struct ec_export_result;

/*
 * Push the built tree's oci/ layout to the run's ref (cron_push.c): a
 * layout of one manifest under REF as it is; a layout of several (a
 * mirror's) artifact by artifact, each under REF's tag, "-" and its
 * org.opencontainers.image.ref.name (the ref name alone when REF has no
 * tag).  Every push carries the build's signed provenance as its
 * referrer.  An encrypted output is EC_ERR_DISTRIBUTION_FAILED: its
 * layout is not plaintext.
 */
int	cron_push(struct cron *cr, const struct ec_run_claim *c,
	    const struct ec_export_result *res, struct cron_dist *d,
	    struct ec_err *err);
/* Each pushed artifact as one more "distribution" output of *outs. */
int	cron_dist_output(struct ec_run_output **outs, size_t *n,
	    const struct cron_dist *d, struct ec_err *err);
void	cron_dist_dispose(struct cron_dist *d);

/*
 * Schedules (ec_sched) then retention (ec_retention), at the --now clock
 * or the real one, each action logged.
 */
int	cron_housekeep(struct cron *cr, struct ec_err *err);

#endif
