/*
 * ec_sched: schedules of export profiles (sql/0006).  A profile may carry
 * a cron expression (ec_cron.h, UTC) and a run template; export-cron
 * calls ec_sched_fire() on every pass, which enqueues, for each scheduled
 * profile of every tenant, a run for the latest slot at or before its
 * clock, if that slot is not before the schedule was set.  The run is
 * made by ec_run_create() as the tenant, from the template, with the
 * idempotency key "schedule:<profile>:<slot>": the key's unique row,
 * written in the run's own transaction, makes one run per slot however
 * many builders try, and only the latest slot is ever tried, so after
 * downtime at most one missed slot is caught up.
 *
 * A run template is a JSON object (at most EC_SCHED_TEMPLATE_MAX bytes)
 * with, all optional: "targets" and "formats" (comma-separated names, as
 * exportctl run create takes them), "params" (an object of string
 * values), "priority" (0 to 9) and "retentionDays" (1 to 3650).
 */
#ifndef EC_SCHED_H
#define EC_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_export.h"

struct ec_db;

#define EC_SCHED_TEMPLATE_MAX	4096
/* retentionDays of templates, profiles and the API (h_runs_req.c). */
#define EC_SCHED_RETENTION_MAX	3650

/*
 * Parse and check a run template (NULL or "" is no template) without a
 * database: its size, JSON syntax (duplicate keys refused), members and
 * their types and ranges.  The request it makes is checked further by
 * ec_sched_set().  EC_ERR_REQUEST_INVALID ("template: ...").
 */
int	ec_sched_template_check(const char *tmpl, struct ec_err *err)
	    EC_MUST_CHECK;

/* What exportctl schedule set asks for; pointers borrowed for the call. */
struct ec_sched_def {
	const char	*tenant;
	const char	*profile;	/* name or profile id */
	const char	*cron;
	const char	*tmpl;		/* JSON text; NULL: {} */
	unsigned	 retention_days;	/* 0: none on the profile */
};

/*
 * Set the profile's schedule, template and retention (the tenant's
 * built-in profiles are made on first use).  The expression, the
 * template and the request the template makes (ec_run_request(), as a
 * run would be checked) are validated first; on any error nothing
 * changes.  EC_ERR_REQUEST_INVALID naming the field ("cron: hour: ...",
 * "template: ..."), EC_ERR_PROFILE_NOT_FOUND, EC_ERR_DB,
 * EC_ERR_UNAVAILABLE.
 */
int	ec_sched_set(struct ec_db *db, const struct ec_sched_def *def,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Remove the profile's schedule and template (its retentionDays stays).
 * EC_ERR_PROFILE_NOT_FOUND when the tenant has no such profile.
 */
int	ec_sched_clear(struct ec_db *db, const char *tenant,
	    const char *profile, struct ec_err *err) EC_MUST_CHECK;

/*
 * The tenant's scheduled profiles by name: [{profile, cron, template,
 * retentionDays (null: none), next}], "next" the first slot after "now"
 * (seconds since the epoch) as RFC 3339 UTC.  New reference.
 */
int	ec_sched_list(json_t **out, struct ec_db *db, const char *tenant,
	    int64_t now, struct ec_err *err) EC_MUST_CHECK;

/* What ec_sched_fire() did for one due schedule; borrowed for the call. */
struct ec_sched_fired {
	const char		*tenant;
	const char		*profile;
	int64_t			 slot;
	const char		*run_id;	/* NULL on error */
	bool			 existed;	/* another pass made it */
	const struct ec_err	*err;		/* NULL: the run exists */
};
typedef void	ec_sched_report_fn(void *arg, const struct ec_sched_fired *f);

/*
 * Enqueue the due slot of every schedule at time "now" (see above), and
 * call "fn" for each due one.  A schedule that fails (a bad template, a
 * profile gone) is reported and the others go on; -1 only when the list
 * cannot be read: EC_ERR_DB, EC_ERR_UNAVAILABLE.
 */
int	ec_sched_fire(struct ec_db *db, int64_t now, ec_sched_report_fn *fn,
	    void *arg, struct ec_err *err) EC_MUST_CHECK;

#endif
