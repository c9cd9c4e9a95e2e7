/*
 * tests/fuzz/fuzz_mirror_diff.c: libFuzzer target for
 * ec_mirror_diff_parse(), the parser of the manifest.diff.json a mirror
 * delta brings from wherever it travelled.  A document that parses must
 * have valid ids and no more entries than the limits allow.  Seeds:
 * tests/fuzz/corpus/mirror_diff/.
 *
 *   make build-fuzz/fuzz_mirror_diff
 *   build-fuzz/fuzz_mirror_diff -max_total_time=60 \
 *       tests/fuzz/corpus/mirror_diff
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_mirror_delta.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_mirror_diff	*d;
	struct ec_err		 err;

	if (ec_mirror_diff_parse(&d, (const char *)data, size, &err) == -1) {
		if (err.code == EC_OK)
			abort();
		return 0;
	}
	if (ec_mirror_diff_files(d) > EC_MIRROR_MAX_FILES ||
	    ec_mirror_diff_removals(d) > EC_MIRROR_MAX_FILES ||
	    ec_mirror_diff_base_id(d)[0] == '\0' ||
	    strlen(ec_mirror_diff_export_id(d)) > EC_MIRROR_ID_MAX)
		abort();
	ec_mirror_diff_free(d);
	return 0;
}
