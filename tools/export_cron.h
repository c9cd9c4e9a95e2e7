/*
 * tools/export_cron.h: what the parts of export-cron share: its state,
 * the lease renewal thread (cron_lease.c) and the housekeeping pass of
 * schedules and retention (cron_house.c).  The builder is export_cron.c.
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

/*
 * Schedules (ec_sched) then retention (ec_retention), at the --now clock
 * or the real one, each action logged.
 */
int	cron_housekeep(struct cron *cr, struct ec_err *err);

#endif
