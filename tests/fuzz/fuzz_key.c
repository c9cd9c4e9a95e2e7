/*
 * tests/fuzz/fuzz_key.c: libFuzzer target for ec_verifier_load_mem(), the
 * parser of the public key an operator hands to "exportctl verify" (a PEM
 * file that may have come from anywhere).  A key that loads must then
 * refuse a signature that cannot be right, without crashing.
 * Seeds: tests/fuzz/corpus/key/.
 *
 *   make build-fuzz/fuzz_key
 *   build-fuzz/fuzz_key -max_total_time=60 tests/fuzz/corpus/key
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_key.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t	 zero_sig[64];
	struct ec_verifier	*v;
	struct ec_err		 err;

	if (ec_verifier_load_mem(&v, data, size, &err) == -1) {
		if (err.code == EC_OK)
			abort();
		return 0;
	}
	if (strlen(ec_verifier_keyid(v)) != EC_KEY_ID_LEN)
		abort();
	/* An all-zero signature never verifies with a valid key. */
	if (ec_verifier_verify(v, "x", 1, zero_sig, sizeof(zero_sig),
	    &err) == 0)
		abort();
	ec_verifier_free(v);
	return 0;
}
