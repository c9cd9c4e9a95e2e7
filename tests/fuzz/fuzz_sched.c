/*
 * tests/fuzz/fuzz_sched.c: libFuzzer target for the run templates of
 * schedules (ec_sched_template_check(), the parser ec_sched_set() and
 * export-cron use).  Beyond the sanitizers it checks that every refusal
 * is EC_ERR_REQUEST_INVALID, and aborts otherwise.
 * Seeds: tests/fuzz/corpus/sched/.
 *
 *   make build-fuzz/fuzz_sched
 *   build-fuzz/fuzz_sched -max_total_time=60 tests/fuzz/corpus/sched
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_sched.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_err	 err;
	char		*s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ec_sched_template_check(s, &err) == -1 &&
	    err.code != EC_ERR_REQUEST_INVALID)
		abort();
	free(s);
	return 0;
}
