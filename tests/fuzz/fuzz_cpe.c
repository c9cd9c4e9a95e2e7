/*
 * tests/fuzz/fuzz_cpe.c: libFuzzer target for ec_cpe_parse().  Beyond the
 * sanitizers it checks what the header promises, and aborts when one is
 * broken: failure is EC_ERR_REQUEST_INVALID and leaves *out alone; on
 * success all eleven attributes are there and the part is one letter.
 * Seeds: tests/fuzz/corpus/cpe/.
 *
 *   make build-fuzz/fuzz_cpe
 *   build-fuzz/fuzz_cpe -max_total_time=60 tests/fuzz/corpus/cpe
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_purl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_cpe	*c = NULL;
	struct ec_err	 err;
	int		 i;

	if (ec_cpe_parse(&c, (const char *)data, size, &err) == -1) {
		if (err.code != EC_ERR_REQUEST_INVALID || c != NULL)
			abort();
		return 0;
	}
	for (i = 0; i < EC_CPE_ATTR_COUNT; i++)
		if (ec_cpe_get(c, (enum ec_cpe_attr)i) == NULL)
			abort();
	if (strlen(ec_cpe_get(c, EC_CPE_PART)) != 1)
		abort();
	ec_cpe_free(c);
	return 0;
}
