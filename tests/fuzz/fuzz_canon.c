/*
 * tests/fuzz/fuzz_canon.c: libFuzzer target for ec_canon (RFC 8785).  Any
 * input may be rejected, but must not crash, leak or trip the sanitizers;
 * an accepted input's canonical form must be accepted again and come out
 * byte for byte the same (canonicalisation is idempotent).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_canon.h"

/*
 * Output ceiling.  Canonical numbers can be longer than their input
 * ("1e20" becomes 21 digits), so leave room past libFuzzer's default
 * input size; past it the input is simply rejected.
 */
#define FUZZ_CANON_MAX_OUT	(1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_buf	once, twice;
	struct ec_err	err;

	ec_buf_init(&once, FUZZ_CANON_MAX_OUT);
	ec_buf_init(&twice, FUZZ_CANON_MAX_OUT);
	if (ec_canon_bytes(&once, (const char *)data, size, &err) == -1) {
		/* Rejection is fine, but only for a reason we document. */
		if (err.code != EC_ERR_REQUEST_INVALID &&
		    err.code != EC_ERR_TOO_LARGE && err.code != EC_ERR_NOMEM) {
			fprintf(stderr, "unexpected error %d: %s\n", err.code,
			    err.msg);
			abort();
		}
		if (once.len != 0)
			abort();	/* a failed call must leave out alone */
		goto out;
	}
	if (ec_canon_bytes(&twice, once.data, once.len, &err) == -1) {
		fprintf(stderr, "canonical form rejected: %s\n", err.msg);
		abort();
	}
	if (once.len != twice.len ||
	    memcmp(once.data, twice.data, once.len) != 0) {
		fprintf(stderr, "not idempotent:\n%s\n%s\n", once.data,
		    twice.data);
		abort();
	}
out:
	ec_buf_dispose(&once);
	ec_buf_dispose(&twice);
	return 0;
}
