/* export-cron: the housekeeping pass, schedules then retention. */
#include <time.h>

#include "ec_log.h"
#include "ec_retention.h"
#include "ec_sched.h"
#include "ec_time.h"
#include "export_cron.h"

static void
cron_sched_report(void *arg, const struct ec_sched_fired *f)
{
	char	slot[EC_TIME_MAX], q[300];

	(void)arg;
	ec_time_format(slot, f->slot * 1000000);
	if (f->err != NULL)
		ec_log(EC_LOG_WARN, "tenant=%s profile=%s slot=%s "
		    "event=schedule_failed code=%s msg=%s", f->tenant,
		    f->profile, f->slot != 0 ? slot : "-",
		    ec_err_name(f->err->code),
		    ec_log_quote(q, sizeof(q), f->err->msg));
	else
		/* Every pass sees the slot again until the next one. */
		ec_log(f->existed ? EC_LOG_DEBUG : EC_LOG_INFO, "run=%s "
		    "tenant=%s profile=%s slot=%s event=%s", f->run_id,
		    f->tenant, f->profile, slot, f->existed ? "schedule_seen" :
		    "scheduled");
}

static void
cron_retention_report(void *arg, const struct ec_retention_event *e)
{
	char	q[300];

	(void)arg;
	if (e->err != NULL)
		ec_log(EC_LOG_WARN, "run=%s tenant=%s sha256=%s "
		    "event=%s_failed code=%s msg=%s",
		    e->run_id != NULL ? e->run_id : "-",
		    e->tenant != NULL ? e->tenant : "-",
		    e->sha256 != NULL ? e->sha256 : "-", e->what,
		    ec_err_name(e->err->code),
		    ec_log_quote(q, sizeof(q), e->err->msg));
	else
		ec_log(EC_LOG_INFO, "run=%s tenant=%s sha256=%s event=%s",
		    e->run_id != NULL ? e->run_id : "-",
		    e->tenant != NULL ? e->tenant : "-",
		    e->sha256 != NULL ? e->sha256 : "-", e->what);
}

int
cron_housekeep(struct cron *cr, struct ec_err *err)
{
	struct ec_retention_opts	o;

	o.now = cr->now >= 0 ? cr->now : (int64_t)time(NULL);
	o.default_days = cr->retention_days;
	o.store = cr->store;
	if (ec_sched_fire(cr->db, o.now, cron_sched_report, NULL, err) == -1)
		return -1;
	return ec_retention_pass(cr->db, &o, cron_retention_report, NULL,
	    err);
}
