/*
 * tests/fuzz/fuzz_policy.c: libFuzzer target for ec_policy_parse(), and
 * an evaluation of what it accepts.  Beyond the sanitizers it checks what
 * the header promises, and aborts when one is broken: failure is
 * EC_ERR_REQUEST_INVALID (or EC_ERR_TOO_LARGE past the size bound) and
 * leaves *out alone; a decision always names a rule.
 * Seeds: tests/fuzz/corpus/policy/.
 *
 *   make build-fuzz/fuzz_policy
 *   build-fuzz/fuzz_policy -max_total_time=60 tests/fuzz/corpus/policy
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ec_policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_policy_finding	 f = { "CVE-2021-44228", NULL, 0,
					    "pkg:npm/a@1", EC_SEV_HIGH, 7.5,
					    -1, false };
	struct ec_policy_decision	 d;
	struct ec_policy		*pol = NULL;
	struct ec_err			 err;

	if (ec_policy_parse(&pol, (const char *)data, size, &err) == -1) {
		if ((err.code != EC_ERR_REQUEST_INVALID &&
		    err.code != EC_ERR_TOO_LARGE) || pol != NULL)
			abort();
		return 0;
	}
	ec_policy_evaluate(&d, pol, &f, 0);
	if (d.rule == NULL || (unsigned)d.verdict > EC_POLICY_BLOCK)
		abort();
	ec_policy_free(pol);
	return 0;
}
