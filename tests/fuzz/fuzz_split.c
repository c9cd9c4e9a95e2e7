/*
 * tests/fuzz/fuzz_split.c: libFuzzer target for ec_split_manifest_parse(),
 * the parser of the parts manifest "exportctl join" reads from transport
 * media (a file that may have come from anywhere).  A manifest that
 * parses must be self-consistent: at least one part, no more than
 * EC_SPLIT_MAX_PARTS, and a plain file name.  Seeds:
 * tests/fuzz/corpus/split/.
 *
 *   make build-fuzz/fuzz_split
 *   build-fuzz/fuzz_split -max_total_time=60 tests/fuzz/corpus/split
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_split.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_split_manifest	*m;
	struct ec_err			 err;
	const char			*name;

	if (ec_split_manifest_parse(&m, (const char *)data, size,
	    &err) == -1) {
		if (err.code == EC_OK)
			abort();
		return 0;
	}
	name = ec_split_manifest_name(m);
	if (ec_split_manifest_parts(m) == 0 ||
	    ec_split_manifest_parts(m) > EC_SPLIT_MAX_PARTS ||
	    name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
		abort();
	ec_split_manifest_free(m);
	return 0;
}
