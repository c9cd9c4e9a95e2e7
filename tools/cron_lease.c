/* export-cron: the thread that renews a build's lease (ec_run_renew). */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "ec_run.h"
#include "export_cron.h"

static void *
renewer_main(void *arg)
{
	struct renewer	*r = arg;
	struct timespec	 until;
	struct ec_err	 err;
	bool		 lost;
	int		 rc;

	pthread_mutex_lock(&r->mu);
	while (!r->done) {
		(void)clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ec_run_renew_interval(r->lease_s);
		while (!r->done && pthread_cond_timedwait(&r->cv, &r->mu,
		    &until) == 0)
			;
		if (r->done)
			break;
		pthread_mutex_unlock(&r->mu);
		rc = ec_run_renew(r->db, r->claim, r->lease_s, &err);
		pthread_mutex_lock(&r->mu);
		if (rc == 0)
			continue;
		/* A database hiccup is retried; the lease allows for two. */
		lost = err.code == EC_ERR_CONFLICT ||
		    err.code == EC_ERR_TIMEOUT;
		cron_log_err(EC_LOG_WARN, r->claim, lost ? "lease_lost" :
		    "renew_failed", &err);
		if (lost) {
			r->lost = true;
			break;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int
cron_renewer_start(struct renewer *r, struct cron *cr, const struct ec_run_claim *c)
{
	sigset_t	all, old;
	int		rc;

	memset(r, 0, sizeof(*r));
	r->db = cr->lease_db;
	r->claim = c;
	r->lease_s = cr->lim.lease_s;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	/* Signals stay with the main thread, which drains on SIGTERM. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->thread, NULL, renewer_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

bool
cron_renewer_stop(struct renewer *r)
{
	bool	lost;

	pthread_mutex_lock(&r->mu);
	r->done = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	lost = r->lost;
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	return !lost;
}
