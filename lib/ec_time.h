/*
 * ec_time: RFC 3339 date-times as they appear in evidence documents, to and
 * from microseconds since the Unix epoch (UTC).  Pure arithmetic: nothing
 * here reads the clock, the locale, TZ or the C library's time conversions,
 * so the same input gives the same answer on every host.
 */
#ifndef EC_TIME_H
#define EC_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

/*
 * Bytes ec_time_format() needs, NUL included.  The longest output for a
 * year 0001-9999 is "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 + 1); 32 also holds
 * the widest int64 value, INT64_MIN, whose year is -290308 (30 + 1).
 */
#define EC_TIME_MAX	32

/*
 * Parse exactly "len" bytes of "s" (no NUL needed, none may appear) as an
 * RFC 3339 date-time and store microseconds since the epoch, UTC, in
 * *us_out (written only on success).  Accepted:
 *   YYYY-MM-DD "T" HH:MM:SS [.fraction] ("Z" | "+HH:MM" | "-HH:MM")
 * with "t" or one space allowed for "T", "z" for "Z", any number of
 * fraction digits (the first six count, the rest are truncated), and two
 * forms seen in documents converted from YAML: no offset at all (read as
 * UTC) and a bare date "YYYY-MM-DD" (midnight UTC).  Years 0001-9999;
 * day checked against the month, leap years included; second 60 (a leap
 * second) is read as 59.
 * The result lies in 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999Z
 * after the offset is applied; anything outside is refused too.
 * Fails with EC_ERR_REQUEST_INVALID and a message ("bad date-time: ...")
 * naming what is wrong and where; it repeats at most the numbers it read,
 * never raw input bytes.
 */
int	ec_time_parse(int64_t *us_out, const char *s, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Write "us" (microseconds since the epoch, UTC) to "out" as
 * "YYYY-MM-DDTHH:MM:SSZ" when the microseconds are zero, else as
 * "YYYY-MM-DDTHH:MM:SS.ffffffZ".  Every value ec_time_parse() produces
 * round-trips; values outside years 0001-9999 are written with as many
 * year digits as they need (and a minus sign before year 0), never
 * truncated.
 */
void	ec_time_format(char out[EC_TIME_MAX], int64_t us);

#endif
