/*
 * tests/unit/t_cron.c: cron expressions (ec_cron).  Worked examples from
 * crontab(5) and the calendar, refusals naming their field, and a
 * comparison with a minute-by-minute search that knows nothing of the
 * month skipping ec_cron does.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "ec_cron.h"
#include "ec_time.h"

static int64_t
at(const char *s)
{
	struct ec_err	err;
	int64_t		us = -1;

	if (ec_time_parse(&us, s, strlen(s), &err) == -1)
		printf("# bad time %s: %s\n", s, err.msg);
	return us / 1000000;
}

/* want == NULL: no slot (EC_ERR_NOT_FOUND). */
static void
slot_is(const char *expr, bool next, const char *from, const char *want)
{
	struct ec_cron	*c;
	struct ec_err	 err;
	char		 got[EC_TIME_MAX];
	int64_t		 t;
	int		 rc;

	if (ec_cron_new(&c, expr, &err) == -1) {
		ok(0, "%s: %s", expr, err.msg);
		return;
	}
	rc = next ? ec_cron_next(&t, c, at(from), &err) :
	    ec_cron_prev(&t, c, at(from), &err);
	if (rc == -1)
		ok(want == NULL && err.code == EC_ERR_NOT_FOUND,
		    "%s %s %s: none (%s)", expr,
		    next ? "after" : "at or before", from, err.msg);
	else {
		ec_time_format(got, t * 1000000);
		ok(want != NULL && strcmp(got, want) == 0, "%s %s %s: %s",
		    expr, next ? "after" : "at or before", from, got);
	}
	ec_cron_free(c);
}

/* The expression must be refused, with "field" in the message. */
static void
refused(const char *expr, const char *field)
{
	struct ec_cron	*c = NULL;
	struct ec_err	 err;

	if (ec_cron_new(&c, expr, &err) == 0) {
		ok(0, "\"%s\" accepted", expr);
		ec_cron_free(c);
		return;
	}
	ok(err.code == EC_ERR_REQUEST_INVALID && strstr(err.msg, field) !=
	    NULL, "\"%s\" refused: %s", expr, err.msg);
}

/* Whether the minute at "t" is a slot, by gmtime and the rules alone. */
static bool
brute_match(const char *const f[5], const bool *const sets[5], int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	bool		dom, dow;

	(void)gmtime_r(&tt, &tm);
	dom = sets[2][tm.tm_mday];
	dow = sets[4][tm.tm_wday];
	return sets[0][tm.tm_min] && sets[1][tm.tm_hour] &&
	    sets[3][tm.tm_mon + 1] && (f[2][0] == '*' || f[4][0] == '*' ?
	    dom && dow : dom || dow);
}

/*
 * Compare next and prev with a scan, minute by minute, from many times
 * over a year, for expressions whose sets are given explicitly.
 */
static void
brute(const char *expr, const char *const f[5], const bool *const sets[5])
{
	struct ec_cron	*c;
	struct ec_err	 err;
	int64_t		 t, got, want;
	int		 i, bad = 0;

	if (ec_cron_new(&c, expr, &err) == -1) {
		ok(0, "%s: %s", expr, err.msg);
		return;
	}
	for (i = 0; i < 400 && bad == 0; i++) {
		t = at("2027-01-01T00:00:00Z") + (int64_t)i * 78877;
		for (want = (t / 60 + 1) * 60; !brute_match(f, sets, want);
		    want += 60)
			;
		if (ec_cron_next(&got, c, t, &err) == -1 || got != want)
			bad++;
		for (want = t / 60 * 60; !brute_match(f, sets, want);
		    want -= 60)
			;
		if (ec_cron_prev(&got, c, t, &err) == -1 || got != want)
			bad++;
	}
	ok(bad == 0, "%s: next and prev agree with a minute scan", expr);
	ec_cron_free(c);
}

static void
brute_cases(void)
{
	static bool	all[64], m0[64], m15[64], h9_17[64], d1_15[64],
			fri[64], mon_fri[64], odd[64], months[64];
	int		i;

	for (i = 0; i < 64; i++) {
		all[i] = true;
		m0[i] = i == 0;
		m15[i] = i % 15 == 0;
		h9_17[i] = i >= 9 && i <= 17;
		d1_15[i] = i == 1 || i == 15;
		fri[i] = i == 5;
		mon_fri[i] = i >= 1 && i <= 5;
		odd[i] = i % 2 == 1;
		months[i] = i == 2 || i == 3 || i == 11;
	}
	brute("*/15 9-17 * * mon-fri",
	    (const char *const[]){ "*/15", "9-17", "*", "*", "mon-fri" },
	    (const bool *const[]){ m15, h9_17, all, all, mon_fri });
	brute("0 0 1,15 * fri",
	    (const char *const[]){ "0", "0", "1,15", "*", "fri" },
	    (const bool *const[]){ m0, m0, d1_15, all, fri });
	brute("0 9-17 */2 feb,mar,nov 5",
	    (const char *const[]){ "0", "9-17", "*/2", "x", "5" },
	    (const bool *const[]){ m0, h9_17, odd, months, fri });
}

int
main(void)
{
	slot_is("*/15 * * * *", true, "2026-12-01T11:52:33Z",
	    "2026-12-01T12:00:00Z");
	slot_is("0 0 * * *", true, "2026-12-31T23:59:59Z",
	    "2027-01-01T00:00:00Z");
	slot_is("@daily", true, "2027-01-01T00:00:00Z",
	    "2027-01-02T00:00:00Z");
	slot_is("@daily", false, "2027-01-01T00:00:00Z",
	    "2027-01-01T00:00:00Z");
	slot_is("@hourly", false, "2027-01-01T05:59:59Z",
	    "2027-01-01T05:00:00Z");
	slot_is("@weekly", true, "2026-12-01T00:00:00Z",
	    "2026-12-06T00:00:00Z");
	slot_is("@monthly", false, "2027-03-15T10:00:00Z",
	    "2027-03-01T00:00:00Z");
	slot_is("@yearly", false, "2026-12-01T00:00:00Z",
	    "2026-01-01T00:00:00Z");
	slot_is("@annually", true, "2026-12-01T00:00:00Z",
	    "2027-01-01T00:00:00Z");
	slot_is("@midnight", true, "2026-12-01T00:00:00Z",
	    "2026-12-02T00:00:00Z");
	slot_is("0 12 29 2 *", true, "2025-03-01T00:00:00Z",
	    "2028-02-29T12:00:00Z");
	slot_is("0 0 29 2 *", false, "2027-01-01T00:00:00Z",
	    "2024-02-29T00:00:00Z");
	slot_is("0 0 29 2 *", true, "2096-03-01T00:00:00Z",
	    "2104-02-29T00:00:00Z");
	/* crontab(5): 4:30 on the 1st, the 15th and every Friday. */
	slot_is("30 4 1,15 * 5", true, "2026-12-01T05:00:00Z",
	    "2026-12-04T04:30:00Z");
	slot_is("0 0 13 * fri", true, "2026-12-01T00:00:00Z",
	    "2026-12-04T00:00:00Z");
	/* A day-of-month step over "*" makes the rule AND. */
	slot_is("0 0 */2 * fri", true, "2026-12-01T00:00:00Z",
	    "2026-12-11T00:00:00Z");
	slot_is("0 0 */28 2 mon", true, "2026-12-01T00:00:00Z",
	    "2027-02-01T00:00:00Z");
	slot_is("0 0 * * mon-fri", false, "2026-12-06T12:00:00Z",
	    "2026-12-04T00:00:00Z");
	slot_is("0 0 * * 7", true, "2026-12-01T00:00:00Z",
	    "2026-12-06T00:00:00Z");
	slot_is("0 0 * * SUN", true, "2026-12-01T00:00:00Z",
	    "2026-12-06T00:00:00Z");
	slot_is("0 8-18/5 * * *", true, "2026-12-01T13:00:00Z",
	    "2026-12-01T18:00:00Z");
	slot_is("5/20 * * * *", false, "2026-12-01T13:04:00Z",
	    "2026-12-01T12:45:00Z");
	slot_is("0 0 1 Jan-mar/2 *", true, "2027-01-02T00:00:00Z",
	    "2027-03-01T00:00:00Z");
	slot_is("0 0 31 * *", true, "2027-01-31T00:00:00Z",
	    "2027-03-31T00:00:00Z");
	slot_is("59 23 31 12 *", true, "9999-12-31T23:59:00Z", NULL);
	slot_is("0 0 1 1 *", false, "1970-01-01T00:00:00Z",
	    "1970-01-01T00:00:00Z");
	slot_is("1 0 1 1 *", false, "1970-01-01T00:00:59Z", NULL);

	refused("61 * * * *", "minute");
	refused("* 24 * * *", "hour");
	refused("* * 0 * *", "day-of-month");
	refused("* * 32 * *", "day-of-month");
	refused("* * * 13 *", "month");
	refused("* * * foo *", "month");
	refused("* * * janx *", "month");
	refused("* * * * 8", "day-of-week");
	refused("* * * * mon-", "day-of-week");
	refused("5-1 * * * *", "minute");
	refused("*/0 * * * *", "minute");
	refused("*/61 * * * *", "minute");
	refused("1,,2 * * * *", "minute");
	refused("1000 * * * *", "minute");
	refused("* * *", "fields");
	refused("* * * * * *", "fields");
	refused("", "characters");
	refused("0 0 30 2 *", "day-of-month");
	refused("0 0 31 4,6,9,11 *", "day-of-month");
	refused("@reboot", "alias");
	refused("@daily x", "alias");
	refused("0 0 * * 1/x", "day-of-week");
	{
		char	long_expr[EC_CRON_EXPR_MAX + 2];

		memset(long_expr, ' ', sizeof(long_expr) - 1);
		long_expr[sizeof(long_expr) - 1] = '\0';
		memcpy(long_expr, "* * * * *", 9);
		refused(long_expr, "characters");
	}
	brute_cases();
	return done_testing();
}
