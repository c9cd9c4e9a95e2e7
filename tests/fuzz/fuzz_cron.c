/*
 * tests/fuzz/fuzz_cron.c: libFuzzer target for ec_cron_new() and the slot
 * searches over what it accepts.  Beyond the sanitizers it checks what
 * the header promises, and aborts when one is broken:
 *   - failure is EC_ERR_REQUEST_INVALID and leaves *out alone;
 *   - an accepted expression has a slot after and at or before a time in
 *     the middle of the range, on a whole minute, on the right side of
 *     it, and next(prev(t) - 1) is prev(t) again.
 * Seeds: tests/fuzz/corpus/cron/.
 *
 *   make build-fuzz/fuzz_cron
 *   build-fuzz/fuzz_cron -max_total_time=60 tests/fuzz/corpus/cron
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_cron.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2027-01-01T00:00:00Z plus a little, so both searches have room. */
#define FUZZ_CRON_T	INT64_C(1798761637)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_cron	*c = (struct ec_cron *)&c, *keep;
	struct ec_err	 err;
	char		*s;
	int64_t		 next, prev, again;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	keep = c;
	if (ec_cron_new(&c, s, &err) == -1) {
		if (err.code != EC_ERR_REQUEST_INVALID || c != keep)
			abort();
		free(s);
		return 0;
	}
	if (ec_cron_next(&next, c, FUZZ_CRON_T, &err) == -1 ||
	    ec_cron_prev(&prev, c, FUZZ_CRON_T, &err) == -1 ||
	    next <= FUZZ_CRON_T || prev > FUZZ_CRON_T || next % 60 != 0 ||
	    prev % 60 != 0)
		abort();
	if (ec_cron_next(&again, c, prev - 1, &err) == -1 || again != prev)
		abort();
	ec_cron_free(c);
	free(s);
	return 0;
}
