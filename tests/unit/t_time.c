/* tests/unit/t_time.c: RFC 3339 date-times (ec_time). */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "ec_time.h"

/* want == NULL: the input must be rejected; else its formatted value. */
static void
parse_is(const char *in, const char *want, const char *what)
{
	struct ec_err	err;
	int64_t		us;
	char		buf[EC_TIME_MAX];

	if (ec_time_parse(&us, in, strlen(in), &err) == -1) {
		ok(want == NULL && err.code == EC_ERR_REQUEST_INVALID &&
		    strncmp(err.msg, "bad date-time: ", 15) == 0,
		    "%s: rejected: %s", what, err.msg);
		return;
	}
	ec_time_format(buf, us);
	ok(want != NULL && strcmp(buf, want) == 0, "%s: got %s", what, buf);
}

/* The input must parse to exactly "want" microseconds. */
static void
parse_us(const char *in, int64_t want, const char *what)
{
	struct ec_err	err;
	int64_t		us = 0;
	int		rc;

	rc = ec_time_parse(&us, in, strlen(in), &err);
	ok(rc == 0 && us == want, "%s: %lld", what, (long long)us);
}

static void
format_is(int64_t us, const char *want, const char *what)
{
	char	buf[EC_TIME_MAX];

	ec_time_format(buf, us);
	ok(strcmp(buf, want) == 0, "%s: got %s", what, buf);
}

static void
test_valid(void)
{
	parse_us("1970-01-01T00:00:00Z", 0, "epoch");
	parse_us("1970-01-01T00:00:00.000001Z", 1, "one microsecond");
	parse_us("1969-12-31T23:59:59.999999Z", -1, "just before the epoch");
	parse_us("2001-09-09T01:46:40Z", INT64_C(1000000000000000),
	    "10^9 seconds");
	parse_is("2025-05-20T10:02:07.006Z", "2025-05-20T10:02:07.006000Z",
	    "milliseconds (bitnami)");
	parse_is("2021-10-12T02:55:36.218662Z", "2021-10-12T02:55:36.218662Z",
	    "microseconds (pypi)");
	parse_is("2023-01-08T18:02:03.647787998-06:00",
	    "2023-01-09T00:02:03.647787Z",
	    "nanoseconds truncated, negative offset crosses midnight");
	parse_is("2024-07-09T11:38:00.115697+04:00",
	    "2024-07-09T07:38:00.115697Z", "positive offset");
	parse_is("2021-01-01T00:30:00+01:00", "2020-12-31T23:30:00Z",
	    "offset crosses the year");
	parse_is("2020-04-13T20:20:39+00:00", "2020-04-13T20:20:39Z",
	    "+00:00");
	parse_is("2020-04-13T20:20:39-00:00", "2020-04-13T20:20:39Z",
	    "-00:00 (RFC 3339 4.3)");
	parse_is("2021-01-01T05:00:00+23:59", "2020-12-31T05:01:00Z",
	    "largest offset");
	parse_is("2021-01-01t00:00:00z", "2021-01-01T00:00:00Z",
	    "lower-case t and z");
	parse_is("2021-06-01 12:30:45", "2021-06-01T12:30:45Z",
	    "space separator, no offset (YAML)");
	parse_is("2021-06-01 12:30:45.5+02:00", "2021-06-01T10:30:45.500000Z",
	    "space separator with offset");
	parse_is("2021-06-01T12:30:45", "2021-06-01T12:30:45Z",
	    "no offset means UTC");
	parse_is("2021-06-01", "2021-06-01T00:00:00Z", "date only");
	parse_is("2021-01-01T00:00:00.5Z", "2021-01-01T00:00:00.500000Z",
	    "one fraction digit");
	parse_is("2021-01-01T00:00:00.000Z", "2021-01-01T00:00:00Z",
	    "zero fraction formats without one");
	parse_is("2021-01-01T00:00:00.1234567890123456789012345678901234Z",
	    "2021-01-01T00:00:00.123456Z", "very long fraction truncated");
	parse_is("2021-01-01T00:00:00.9999999Z",
	    "2021-01-01T00:00:00.999999Z", "truncated, not rounded");
	parse_is("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z",
	    "leap second read as :59");
	parse_is("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
	    "first instant of year 1");
	parse_us("0001-01-01T00:00:00Z", INT64_C(-62135596800000000),
	    "year 1 in microseconds");
	parse_is("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z",
	    "last instant of year 9999");
	parse_us("9999-12-31T23:59:59.999999Z", INT64_C(253402300799999999),
	    "year 9999 in microseconds");
	parse_is("0001-01-01T00:01:00+00:01", "0001-01-01T00:00:00Z",
	    "offset down to the first instant");
}

static void
test_leap_years(void)
{
	parse_is("2000-02-29", "2000-02-29T00:00:00Z", "2000 is leap (400)");
	parse_is("2024-02-29", "2024-02-29T00:00:00Z", "2024 is leap (4)");
	parse_is("2400-02-29", "2400-02-29T00:00:00Z", "2400 is leap (400)");
	parse_is("0004-02-29", "0004-02-29T00:00:00Z", "year 4 is leap");
	parse_is("1900-02-29", NULL, "1900 is not leap (100)");
	parse_is("2100-02-29", NULL, "2100 is not leap (100)");
	parse_is("2023-02-29", NULL, "2023 is not leap");
	parse_is("2023-02-28", "2023-02-28T00:00:00Z", "Feb 28");
	parse_is("2024-02-30", NULL, "Feb 30");
	parse_is("2021-04-31", NULL, "April 31");
	parse_is("2021-06-31", NULL, "June 31");
	parse_is("2021-09-31", NULL, "September 31");
	parse_is("2021-11-31", NULL, "November 31");
	parse_is("2021-12-31", "2021-12-31T00:00:00Z", "December 31");
	parse_is("2021-01-31", "2021-01-31T00:00:00Z", "January 31");
	parse_is("2021-03-01T00:00:00Z", "2021-03-01T00:00:00Z",
	    "March 1 after a common February");
	parse_is("2020-03-01T00:00:00+00:01", "2020-02-29T23:59:00Z",
	    "offset back into a leap day");
}

static void
test_invalid(void)
{
	struct ec_err	err;
	int64_t		us = 42;

	parse_is("", NULL, "empty");
	parse_is("2021", NULL, "year only");
	parse_is("2021-01", NULL, "year and month");
	parse_is("2021-1-01", NULL, "one-digit month");
	parse_is("21-01-01", NULL, "two-digit year");
	parse_is("+2021-01-01", NULL, "signed year");
	parse_is(" 2021-01-01", NULL, "leading space");
	parse_is("2021-01-01 ", NULL, "trailing space after a date");
	parse_is("2021-01-01T", NULL, "separator and nothing");
	parse_is("2021/01/01", NULL, "slashes");
	parse_is("20210101T000000Z", NULL, "ISO 8601 basic format");
	parse_is("0000-01-01", NULL, "year 0");
	parse_is("2021-00-10", NULL, "month 0");
	parse_is("2021-13-01", NULL, "month 13");
	parse_is("2021-01-00", NULL, "day 0");
	parse_is("2021-01-32", NULL, "day 32");
	parse_is("2021-01-01X00:00:00Z", NULL, "bad separator");
	parse_is("2021-01-01  00:00:00Z", NULL, "two spaces");
	parse_is("2021-01-01T24:00:00Z", NULL, "hour 24");
	parse_is("2021-01-01T23:60:00Z", NULL, "minute 60");
	parse_is("2021-01-01T23:59:61Z", NULL, "second 61");
	parse_is("2021-01-01T00:00Z", NULL, "no seconds");
	parse_is("2021-01-01T0:00:00Z", NULL, "one-digit hour");
	parse_is("2021-01-01T00:00:00.Z", NULL, "dot without digits");
	parse_is("2021-01-01T00:00:00,5Z", NULL, "comma fraction");
	parse_is("2021-01-01T00:00:00+0100", NULL, "offset without colon");
	parse_is("2021-01-01T00:00:00+01", NULL, "offset hours only");
	parse_is("2021-01-01T00:00:00+24:00", NULL, "offset hour 24");
	parse_is("2021-01-01T00:00:00+01:60", NULL, "offset minute 60");
	parse_is("2021-01-01T00:00:00Zjunk", NULL, "bytes after Z");
	parse_is("2021-01-01T00:00:00+01:00Z", NULL, "bytes after offset");
	parse_is("2021-01-01T00:00:00 Z", NULL, "space before Z");
	parse_is("2021-01-01T00:00:00Z\n", NULL, "trailing newline");
	parse_is("2021-01-01T00:00:00UTC", NULL, "zone name");
	parse_is("\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x91-01-01",
	    NULL, "full-width digits");
	parse_is("0001-01-01T00:00:00+00:01", NULL,
	    "offset pushes before year 1");
	parse_is("9999-12-31T23:59:59-00:01", NULL,
	    "offset pushes past year 9999");

	ok(ec_time_parse(&us, "2021-01-01T00:00:00Z\0", 21, &err) == -1 &&
	    us == 42, "embedded NUL rejected, output untouched");
	ok(ec_time_parse(&us, "2021-01-01T00:00:00Zjunk", 20, &err) == 0 &&
	    us == INT64_C(1609459200000000),
	    "exact length: bytes past len are not read");
	ok(ec_time_parse(&us, "2021-01-01", 9, &err) == -1,
	    "length one short of a date");
	ok(ec_time_parse(&us, NULL, 0, &err) == -1, "NULL input");
	ok(ec_time_parse(&us, "2021-13-01", 10, NULL) == -1,
	    "NULL err is allowed");
	ok(ec_time_parse(&us, "2021-13-01", 10, &err) == -1 &&
	    strstr(err.msg, "month 13") != NULL, "message names the field: %s",
	    err.msg);
}

static void
test_format(void)
{
	char		buf[EC_TIME_MAX], want[128];
	struct ec_err	err;
	struct tm	tm;
	uint64_t	x = 0x9e3779b97f4a7c15ULL;
	int64_t		us, back, lo, span;
	time_t		t;
	int		i, bad_trip = 0, bad_libc = 0;

	format_is(0, "1970-01-01T00:00:00Z", "epoch 0");
	format_is(1, "1970-01-01T00:00:00.000001Z", "1 us");
	format_is(-1, "1969-12-31T23:59:59.999999Z", "-1 us");
	format_is(-INT64_C(1000000), "1969-12-31T23:59:59Z", "-1 s");
	format_is(INT64_C(951782400000000), "2000-02-29T00:00:00Z",
	    "leap day 2000");
	format_is(INT64_C(4107542400000000), "2100-03-01T00:00:00Z",
	    "2100-03-01 (no Feb 29)");
	format_is(INT64_MAX, "294247-01-10T04:00:54.775807Z",
	    "INT64_MAX (wider year, no truncation)");
	format_is(INT64_MIN, "-290308-12-21T19:59:05.224192Z",
	    "INT64_MIN (sign, no truncation)");
	ec_time_format(buf, INT64_MIN);
	ok(strlen(buf) < EC_TIME_MAX, "widest output fits EC_TIME_MAX");

	/*
	 * Round trip over years 0001-9999, and agreement with the C library
	 * (tests only: the module itself must not depend on it).
	 */
	lo = INT64_C(-62135596800000000);
	span = INT64_C(253402300799999999) - lo + 1;
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		us = lo + (int64_t)(x % (uint64_t)span);
		if (i % 4 == 0)
			us -= us % 1000000;	/* whole seconds too */
		ec_time_format(buf, us);
		if (ec_time_parse(&back, buf, strlen(buf), &err) == -1 ||
		    back != us) {
			if (bad_trip++ == 0)
				printf("# round trip failed: %lld -> %s\n",
				    (long long)us, buf);
		}
		t = (time_t)((us - ((us % 1000000) + 1000000) % 1000000) /
		    1000000);
		if (gmtime_r(&t, &tm) == NULL)
			want[0] = '\0';
		else
			(void)snprintf(want, sizeof(want),
			    "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			    tm.tm_sec);
		if (strncmp(buf, want, 19) != 0) {
			if (bad_libc++ == 0)
				printf("# gmtime_r disagrees: %s vs %s\n",
				    buf, want);
		}
	}
	ok(bad_trip == 0, "format/parse round trip, 200000 values (%d bad)",
	    bad_trip);
	ok(bad_libc == 0, "agrees with gmtime_r, 200000 values (%d bad)",
	    bad_libc);
}

int
main(void)
{
	test_valid();
	test_leap_years();
	test_invalid();
	test_format();
	return done_testing();
}
