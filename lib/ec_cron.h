/*
 * ec_cron: cron expressions for schedules, always in UTC.  Five fields
 *
 *   minute (0-59)  hour (0-23)  day-of-month (1-31)  month (1-12 or
 *   jan-dec)  day-of-week (0-7 or sun-sat; 0 and 7 are Sunday)
 *
 * separated by spaces or tabs.  A field is a comma list of "*", "N" or
 * "N-M", each optionally with a step "/S" ("N/S" means N to the field's
 * maximum every S), as crontab(5) describes them.  The aliases @yearly
 * and @annually (0 0 1 1 *), @monthly (0 0 1 * *), @weekly (0 0 * * 0),
 * @daily and @midnight (0 0 * * *) and @hourly (0 * * * *) stand for the
 * whole expression; @reboot has no slot and is refused.
 *
 * Days follow Vixie cron: when day-of-month or day-of-week begins with
 * "*" (a plain "*" or a step over it), a day must match both fields; when
 * both are restricted, a day matching either one will do.
 *
 * Times are seconds since the epoch, UTC, from 0 to EC_CRON_TIME_MAX
 * (the last second of 9999).  Slots fall on whole minutes.
 */
#ifndef EC_CRON_H
#define EC_CRON_H

#include <stdint.h>

#include "ec_err.h"

/* Longest expression accepted (export_profiles.schedule's CHECK). */
#define EC_CRON_EXPR_MAX	128
/* 9999-12-31T23:59:59Z. */
#define EC_CRON_TIME_MAX	INT64_C(253402300799)

struct ec_cron;	/* opaque */

/*
 * Parse "expr" (NUL-terminated, at most EC_CRON_EXPR_MAX bytes).  An
 * expression no day of any year can match, such as "0 0 30 2 *", is
 * refused too, so that every accepted one has a slot at least every 400
 * years (the Gregorian calendar's period, day-of-week included).
 * EC_ERR_REQUEST_INVALID naming the field ("cron: day-of-month: ...").
 * EC_ERR_NOMEM.  *out is the caller's, ec_cron_free().
 */
int	ec_cron_new(struct ec_cron **out, const char *expr, struct ec_err *err)
	    EC_MUST_CHECK;
/* NULL is a no-op. */
void	ec_cron_free(struct ec_cron *c);

/*
 * The first slot strictly after "t".  Bounded work: months that do not
 * match are skipped whole, and at most one 400-year period of days is
 * looked at.  EC_ERR_REQUEST_INVALID for "t" outside [0,
 * EC_CRON_TIME_MAX]; EC_ERR_NOT_FOUND when the slot would be past it.
 */
int	ec_cron_next(int64_t *out, const struct ec_cron *c, int64_t t,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * The latest slot at or before "t", bounded as ec_cron_next().
 * EC_ERR_REQUEST_INVALID for "t" out of range; EC_ERR_NOT_FOUND when the
 * slot would be before 1970.
 */
int	ec_cron_prev(int64_t *out, const struct ec_cron *c, int64_t t,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
