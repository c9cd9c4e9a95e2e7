/*
 * ec_cron: parse five-field cron expressions and find their slots (see
 * ec_cron.h).  The grammar is crontab(5)'s; the day rule is Vixie cron's
 * (cron/entry.c sets DOM_STAR and DOW_STAR when a field begins with '*').
 * Dates are the proleptic Gregorian calendar in UTC, converted with
 * H. Hinnant's days_from_civil and civil_from_days, so nothing depends on
 * the C library's time zone data.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ec_cron.h"

/* Days in the Gregorian 400-year period, a whole number of weeks. */
#define CRON_PERIOD_DAYS	146097
#define CRON_DAY_MIN		1440

struct ec_cron {
	uint64_t	minute;		/* bit n: minute n, 0-59 */
	uint32_t	hour;		/* bit n: hour n, 0-23 */
	uint32_t	dom;		/* bit n: day n, 1-31 */
	uint32_t	month;		/* bit n: month n, 1-12 */
	uint32_t	dow;		/* bit n: weekday n, 0 (Sunday)-6 */
	bool		dom_star;	/* the field began with '*' */
	bool		dow_star;
};

struct cron_field {
	const char		*name;
	unsigned		 lo, hi;
	const char *const	*names;	/* three-letter names from lo */
};

static const char *const cron_months[] = { "jan", "feb", "mar", "apr",
	"may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const cron_days[] = { "sun", "mon", "tue", "wed", "thu",
	"fri", "sat", NULL };

static const struct cron_field cron_fields[5] = {
	{ "minute", 0, 59, NULL },
	{ "hour", 0, 23, NULL },
	{ "day-of-month", 1, 31, NULL },
	{ "month", 1, 12, cron_months },
	/* 7 is Sunday too, folded onto bit 0 once parsed. */
	{ "day-of-week", 0, 7, cron_days },
};

static const struct {
	const char	*alias;
	const char	*expr;
} cron_aliases[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" },
	{ "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
	{ "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

/* Days since 1970-01-01 of y-m-d (Hinnant, days_from_civil). */
static int64_t
cron_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * CRON_PERIOD_DAYS + doe - 719468;
}

/* The date of day "z" since 1970-01-01, z >= 0 (civil_from_days). */
static void
cron_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		era, doe, yoe, doy, mp;

	z += 719468;
	era = z / CRON_PERIOD_DAYS;
	doe = z - era * CRON_PERIOD_DAYS;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static unsigned
cron_month_days(int64_t y, unsigned m)
{
	static const unsigned	len[13] = { 0, 31, 28, 31, 30, 31, 30, 31,
					    31, 30, 31, 30, 31 };
	bool			leap;

	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : len[m];
}

/* A number or, where the field has them, a three-letter name. */
static int
cron_value(unsigned *out, const char **pp, const char *end,
    const struct cron_field *f, struct ec_err *err)
{
	const char	*p = *pp;
	unsigned	 v = 0, i;

	if (p < end && isdigit((unsigned char)*p)) {
		/* Three digits are enough for any field and cannot wrap. */
		for (i = 0; p < end && isdigit((unsigned char)*p); p++, i++) {
			if (i == 3)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "cron: %s: number too long", f->name);
			v = v * 10 + (unsigned)(*p - '0');
		}
	} else if (f->names != NULL && end - p >= 3) {
		for (i = 0; f->names[i] != NULL; i++)
			if (strncasecmp(p, f->names[i], 3) == 0)
				break;
		if (f->names[i] == NULL || (end - p > 3 &&
		    isalpha((unsigned char)p[3])))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "cron: %s: unknown name \"%.*s\"", f->name,
			    (int)(end - p > 9 ? 9 : end - p), p);
		v = f->lo + i;
		p += 3;
	} else
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: %s: expected a number%s at \"%.*s\"", f->name,
		    f->names != NULL ? " or a name" : "",
		    (int)(end - p > 9 ? 9 : end - p), p);
	if (v < f->lo || v > f->hi)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: %s: %u is out of range %u-%u", f->name, v, f->lo,
		    f->hi);
	*out = v;
	*pp = p;
	return 0;
}

/* One list item: "*", "N" or "N-M", then "/S" optionally. */
static int
cron_item(uint64_t *bits, const char *p, const char *end,
    const struct cron_field *f, struct ec_err *err)
{
	unsigned	lo, hi, step = 1, v;
	bool		range = false;

	if (p == end)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: %s: empty list item", f->name);
	if (*p == '*') {
		lo = f->lo;
		hi = f->hi;
		p++;
		range = true;
	} else {
		if (cron_value(&lo, &p, end, f, err) == -1)
			return -1;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			if (cron_value(&hi, &p, end, f, err) == -1)
				return -1;
			if (hi < lo)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "cron: %s: range %u-%u is backwards",
				    f->name, lo, hi);
			range = true;
		}
	}
	if (p < end && *p == '/') {
		p++;
		if (p == end || !isdigit((unsigned char)*p))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "cron: %s: a step needs a number", f->name);
		for (step = 0; p < end && isdigit((unsigned char)*p); p++) {
			step = step * 10 + (unsigned)(*p - '0');
			if (step > f->hi)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "cron: %s: step out of range 1-%u",
				    f->name, f->hi);
		}
		if (step == 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "cron: %s: step out of range 1-%u", f->name,
			    f->hi);
		/* "N/S": from N to the end of the field (cronie). */
		if (!range)
			hi = f->hi;
	}
	if (p != end)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: %s: unexpected \"%.*s\"", f->name,
		    (int)(end - p > 9 ? 9 : end - p), p);
	for (v = lo; v <= hi; v += step)
		*bits |= UINT64_C(1) << v;
	return 0;
}

static int
cron_field(uint64_t *bits, bool *star, const char *p, const char *end,
    const struct cron_field *f, struct ec_err *err)
{
	const char	*comma;

	*bits = 0;
	*star = *p == '*';
	for (;;) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (cron_item(bits, p, comma != NULL ? comma : end, f,
		    err) == -1)
			return -1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/*
 * Whether some month of the expression has one of its days: without it
 * ("0 0 31 4 *") no slot ever comes.  With both day fields restricted a
 * weekday always matches; otherwise each (month, day) that exists falls
 * on every weekday within one 400-year period.
 */
static bool
cron_satisfiable(const struct ec_cron *c)
{
	unsigned	m, d;

	if (!c->dom_star && !c->dow_star)
		return true;
	for (m = 1; m <= 12; m++)
		for (d = 1; d <= cron_month_days(2000, m); d++)
			if ((c->month >> m & 1) && (c->dom >> d & 1))
				return true;
	return false;
}

static int
cron_parse(struct ec_cron *c, const char *expr, struct ec_err *err)
{
	const char	*p = expr, *start[5], *end[5];
	uint64_t	 bits[5];
	bool		 star[5];
	int		 n;

	for (n = 0; *p != '\0'; n++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == 5)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "cron: more than 5 fields");
		start[n] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		end[n] = p;
	}
	if (n < 5)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: %d fields, expected 5 (minute hour day-of-month "
		    "month day-of-week) or an @alias", n);
	for (n = 0; n < 5; n++)
		if (cron_field(&bits[n], &star[n], start[n], end[n],
		    &cron_fields[n], err) == -1)
			return -1;
	c->minute = bits[0];
	c->hour = (uint32_t)bits[1];
	c->dom = (uint32_t)bits[2];
	c->month = (uint32_t)bits[3];
	c->dow = (uint32_t)((bits[4] | bits[4] >> 7) & 0x7f);
	c->dom_star = star[2];
	c->dow_star = star[4];
	if (!cron_satisfiable(c))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: day-of-month: no selected month has any of "
		    "these days");
	return 0;
}

int
ec_cron_new(struct ec_cron **out, const char *expr, struct ec_err *err)
{
	struct ec_cron	*c;
	size_t		 i, len = strnlen(expr, EC_CRON_EXPR_MAX + 1);

	if (len == 0 || len > EC_CRON_EXPR_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: 1 to %d characters", EC_CRON_EXPR_MAX);
	if (expr[0] == '@') {
		for (i = 0; i < sizeof(cron_aliases) /
		    sizeof(cron_aliases[0]); i++)
			if (strcmp(expr, cron_aliases[i].alias) == 0)
				break;
		if (i == sizeof(cron_aliases) / sizeof(cron_aliases[0]))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "cron: unknown alias \"%.16s\" (@yearly, "
			    "@annually, @monthly, @weekly, @daily, "
			    "@midnight, @hourly)", expr);
		expr = cron_aliases[i].expr;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ec_err_nomem(err);
	if (cron_parse(c, expr, err) == -1) {
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void
ec_cron_free(struct ec_cron *c)
{
	free(c);
}

static bool
cron_day_match(const struct ec_cron *c, int64_t day, unsigned mday)
{
	bool	dom = c->dom >> mday & 1;
	bool	dow = c->dow >> ((day + 4) % 7) & 1;	/* 1970: Thursday */

	return c->dom_star || c->dow_star ? dom && dow : dom || dow;
}

/*
 * The first (dir > 0) or last (dir < 0) minute of the day, counting from
 * "from" (minute of the day) in that direction, that the expression
 * holds; -1 when none.
 */
static int
cron_in_day(const struct ec_cron *c, int from, int dir)
{
	int	h, m, m0;

	for (h = from / 60; h >= 0 && h < 24; h += dir) {
		if (!(c->hour >> h & 1))
			continue;
		m0 = h == from / 60 ? from % 60 : dir > 0 ? 0 : 59;
		for (m = m0; m >= 0 && m < 60; m += dir)
			if (c->minute >> m & 1)
				return h * 60 + m;
	}
	return -1;
}

/*
 * Walk days from minute "start" (since the epoch) in direction "dir";
 * a month the expression lacks is crossed in one step.  One period and a
 * month bound the walk, which for an accepted expression always finds a
 * slot (ec_cron_new).
 */
static int
cron_walk(int64_t *out, const struct ec_cron *c, int64_t start, int dir,
    struct ec_err *err)
{
	int64_t		day = start / CRON_DAY_MIN, y;
	unsigned	m, d;
	int		from = (int)(start % CRON_DAY_MIN), min;
	long		i;

	for (i = 0; i < CRON_PERIOD_DAYS + 62; i++) {
		if (day < 0)
			break;
		cron_civil(day, &y, &m, &d);
		if (y > 9999)
			break;
		if (!(c->month >> m & 1)) {
			day = dir > 0 ? cron_days_from_civil(m == 12 ? y + 1 :
			    y, m == 12 ? 1 : m + 1, 1) :
			    cron_days_from_civil(y, m, 1) - 1;
			from = dir > 0 ? 0 : CRON_DAY_MIN - 1;
			continue;
		}
		if (cron_day_match(c, day, d) &&
		    (min = cron_in_day(c, from, dir)) != -1) {
			*out = (day * CRON_DAY_MIN + min) * 60;
			return 0;
		}
		day += dir;
		from = dir > 0 ? 0 : CRON_DAY_MIN - 1;
	}
	return ec_err_set(err, EC_ERR_NOT_FOUND, "cron: no slot %s",
	    dir > 0 ? "before the year 10000" : "since 1970");
}

int
ec_cron_next(int64_t *out, const struct ec_cron *c, int64_t t,
    struct ec_err *err)
{
	if (t < 0 || t > EC_CRON_TIME_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: time out of range");
	return cron_walk(out, c, t / 60 + 1, 1, err);
}

int
ec_cron_prev(int64_t *out, const struct ec_cron *c, int64_t t,
    struct ec_err *err)
{
	if (t < 0 || t > EC_CRON_TIME_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cron: time out of range");
	return cron_walk(out, c, t / 60, -1, err);
}
