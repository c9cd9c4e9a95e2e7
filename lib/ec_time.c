/*
 * ec_time: RFC 3339 (section 5.6) date-times to and from microseconds since
 * the Unix epoch, by calendar arithmetic alone.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ec_err.h"
#include "ec_time.h"

#define TIME_US_PER_SEC		INT64_C(1000000)
#define TIME_SEC_PER_DAY	INT64_C(86400)
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define TIME_EPOCH_SHIFT	INT64_C(719468)
/* Days in one 400-year Gregorian cycle. */
#define TIME_DAYS_PER_ERA	INT64_C(146097)

/*
 * The span ec_time_parse() returns: 0001-01-01T00:00:00Z up to
 * 9999-12-31T23:59:59.999999Z.  An offset can push a local time in year
 * 0001 or 9999 across either end; refusing those keeps every parsed value
 * printable as a four-digit year that parses again.
 */
#define TIME_MIN_US	INT64_C(-62135596800000000)
#define TIME_MAX_US	INT64_C(253402300799999999)

static bool	time_digits(int *, const char *, size_t, size_t, size_t);
static bool	time_char_at(const char *, size_t, size_t, char);
static bool	time_is_leap(int);
static int	time_days_in_month(int, int);
static int64_t	time_days_from_civil(int64_t, int, int);
static void	time_civil_from_days(int64_t *, int *, int *, int64_t);
static char	*time_put(char *, uint64_t, int);

/*
 * Read exactly "n" ASCII digits at s[pos].  isdigit(3) is not used: it
 * depends on the locale, and only '0'-'9' are digits in RFC 3339.
 */
static bool
time_digits(int *out, const char *s, size_t len, size_t pos, size_t n)
{
	size_t	i;
	int	v = 0;

	if (pos > len || len - pos < n)
		return false;
	for (i = 0; i < n; i++) {
		if (s[pos + i] < '0' || s[pos + i] > '9')
			return false;
		v = v * 10 + (s[pos + i] - '0');
	}
	*out = v;
	return true;
}

static bool
time_char_at(const char *s, size_t len, size_t pos, char c)
{
	return pos < len && s[pos] == c;
}

/* RFC 3339 appendix C: the Gregorian rule, 400-year cycle included. */
static bool
time_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* RFC 3339 section 5.7: date-mday is bounded by month and year. */
static int
time_days_in_month(int y, int m)
{
	static const int	mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && time_is_leap(y))
		return 29;
	return mdays[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d (proleptic Gregorian).  Years are counted
 * from March so that the leap day falls last and each year's start is
 * 365 * years plus the whole 4-, 100- and 400-year leap corrections; this
 * is the days_from_civil method of H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms".  Valid for any y whose days fit an int64.
 */
static int64_t
time_days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;				/* 0 to 399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* 0-365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0 to 146096 */
	return era * TIME_DAYS_PER_ERA + doe - TIME_EPOCH_SHIFT;
}

/* The inverse of time_days_from_civil(): the date "z" days after 1970. */
static void
time_civil_from_days(int64_t *y_out, int *m_out, int *d_out, int64_t z)
{
	int64_t	era, doe, yoe, doy, mp;

	z += TIME_EPOCH_SHIFT;
	era = (z >= 0 ? z : z - (TIME_DAYS_PER_ERA - 1)) / TIME_DAYS_PER_ERA;
	doe = z - era * TIME_DAYS_PER_ERA;		/* 0 to 146096 */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* 0 to 365 */
	mp = (5 * doy + 2) / 153;			/* 0 = March */
	*d_out = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_out = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_out = yoe + era * 400 + (*m_out <= 2 ? 1 : 0);
}

/* Write "v" in decimal, zero-padded to at least "width" digits. */
static char *
time_put(char *p, uint64_t v, int width)
{
	char	tmp[20];
	int	n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n < width)
		tmp[n++] = '0';
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* The fields of one date-time as read, before the offset is applied. */
struct time_fields {
	int	year, mon, day, hour, min, sec;
	int	off_sign, off_h, off_m;	/* off_sign 0: no offset, UTC */
	int64_t	frac;			/* microseconds */
};

/* RFC 3339 5.6: full-date = date-fullyear "-" month "-" mday. */
static int
time_parse_date(struct time_fields *t, const char *s, size_t len,
    struct ec_err *err)
{
	if (s == NULL || !time_digits(&t->year, s, len, 0, 4) ||
	    !time_char_at(s, len, 4, '-') ||
	    !time_digits(&t->mon, s, len, 5, 2) ||
	    !time_char_at(s, len, 7, '-') ||
	    !time_digits(&t->day, s, len, 8, 2))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: expected YYYY-MM-DD at byte 0");
	if (t->year < 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: year 0000 out of range (0001-9999)");
	if (t->mon < 1 || t->mon > 12)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: month %02d out of range (01-12)", t->mon);
	if (t->day < 1 || t->day > time_days_in_month(t->year, t->mon))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: day %02d out of range for %04d-%02d",
		    t->day, t->year, t->mon);
	return 0;
}

/*
 * partial-time = HH:MM:SS [time-secfrac], from *pos (just past the 'T').
 * time-secfrac = "." 1*DIGIT: keep microseconds, drop the rest.
 */
static int
time_parse_clock(struct time_fields *t, const char *s, size_t len,
    size_t *pos, struct ec_err *err)
{
	size_t	p = *pos;
	int	d, kept = 0;

	if (!time_digits(&t->hour, s, len, p, 2) ||
	    !time_char_at(s, len, p + 2, ':') ||
	    !time_digits(&t->min, s, len, p + 3, 2) ||
	    !time_char_at(s, len, p + 5, ':') ||
	    !time_digits(&t->sec, s, len, p + 6, 2))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: expected HH:MM:SS at byte %zu", p);
	if (t->hour > 23 || t->min > 59 || t->sec > 60)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: time %02d:%02d:%02d out of range",
		    t->hour, t->min, t->sec);
	/*
	 * Section 5.7 allows second 60 for a leap second.  POSIX time has no
	 * such second, so it is read as the last one before it.
	 */
	if (t->sec == 60)
		t->sec = 59;
	p += 8;
	if (time_char_at(s, len, p, '.')) {
		p++;
		if (!time_digits(&d, s, len, p, 1))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bad date-time: expected a digit after '.' at "
			    "byte %zu", p);
		while (time_digits(&d, s, len, p, 1)) {
			if (kept < 6) {
				t->frac = t->frac * 10 + d;
				kept++;
			}
			p++;
		}
		for (; kept < 6; kept++)
			t->frac *= 10;
	}
	*pos = p;
	return 0;
}

/*
 * time-offset = "Z" / time-numoffset; "z" is allowed (section 5.6 note).
 * No offset at all is not RFC 3339, but YAML timestamps without one mean
 * UTC (YAML 1.1 timestamp type), so they are read that way.  "-00:00"
 * (section 4.3, offset unknown) is UTC too.
 */
static int
time_parse_offset(struct time_fields *t, const char *s, size_t len,
    size_t pos, struct ec_err *err)
{
	if (pos == len)
		return 0;
	if (s[pos] == 'Z' || s[pos] == 'z') {
		pos++;
	} else if (s[pos] == '+' || s[pos] == '-') {
		t->off_sign = s[pos] == '+' ? 1 : -1;
		if (!time_digits(&t->off_h, s, len, pos + 1, 2) ||
		    !time_char_at(s, len, pos + 3, ':') ||
		    !time_digits(&t->off_m, s, len, pos + 4, 2))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bad date-time: expected an offset +HH:MM or "
			    "-HH:MM at byte %zu", pos);
		if (t->off_h > 23 || t->off_m > 59)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bad date-time: offset %02d:%02d out of range",
			    t->off_h, t->off_m);
		pos += 6;
	} else
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: expected 'Z' or an offset at byte %zu",
		    pos);
	if (pos != len)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: unexpected byte after the offset at "
		    "byte %zu", pos);
	return 0;
}

int
ec_time_parse(int64_t *us_out, const char *s, size_t len, struct ec_err *err)
{
	struct time_fields	t;
	int64_t			secs, us;
	size_t			pos = 10;

	memset(&t, 0, sizeof(t));
	if (time_parse_date(&t, s, len, err) == -1)
		return -1;
	/* A bare date is midnight UTC. */
	if (pos != len) {
		/*
		 * Section 5.6 allows "t" for "T" and its note lets
		 * applications use a space instead; YAML-to-JSON converters
		 * produce the latter.
		 */
		if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bad date-time: expected 'T' after the date at "
			    "byte %zu", pos);
		pos++;
		if (time_parse_clock(&t, s, len, &pos, err) == -1 ||
		    time_parse_offset(&t, s, len, pos, err) == -1)
			return -1;
	}
	/*
	 * Local time minus the offset is UTC (section 4.2).  The largest
	 * magnitude here is about 2.5e17 microseconds: no overflow.
	 */
	secs = time_days_from_civil(t.year, t.mon, t.day) * TIME_SEC_PER_DAY +
	    t.hour * 3600 + t.min * 60 + t.sec -
	    t.off_sign * (t.off_h * 3600 + t.off_m * 60);
	us = secs * TIME_US_PER_SEC + t.frac;
	if (us < TIME_MIN_US || us > TIME_MAX_US)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad date-time: outside years 0001-9999 in UTC");
	*us_out = us;
	return 0;
}

void
ec_time_format(char out[EC_TIME_MAX], int64_t us)
{
	int64_t		 secs, frac, days, sod, year;
	uint64_t	 uyear;
	int		 mon, day;
	char		*p = out;

	/* Floor division: times before 1970 belong to the earlier second. */
	secs = us / TIME_US_PER_SEC;
	frac = us % TIME_US_PER_SEC;
	if (frac < 0) {
		frac += TIME_US_PER_SEC;
		secs--;
	}
	days = secs / TIME_SEC_PER_DAY;
	sod = secs % TIME_SEC_PER_DAY;
	if (sod < 0) {
		sod += TIME_SEC_PER_DAY;
		days--;
	}
	time_civil_from_days(&year, &mon, &day, days);
	if (year < 0) {
		*p++ = '-';
		uyear = (uint64_t)-year;
	} else
		uyear = (uint64_t)year;
	p = time_put(p, uyear, 4);
	*p++ = '-';
	p = time_put(p, (uint64_t)mon, 2);
	*p++ = '-';
	p = time_put(p, (uint64_t)day, 2);
	*p++ = 'T';
	p = time_put(p, (uint64_t)(sod / 3600), 2);
	*p++ = ':';
	p = time_put(p, (uint64_t)(sod / 60 % 60), 2);
	*p++ = ':';
	p = time_put(p, (uint64_t)(sod % 60), 2);
	if (frac != 0) {
		*p++ = '.';
		p = time_put(p, (uint64_t)frac, 6);
	}
	*p++ = 'Z';
	*p = '\0';
}
