/*
 * tests/fuzz/fuzz_mirror.c: libFuzzer target for
 * ec_mirror_targets_parse(), the reader of a mirror's targets metadata
 * that "exportctl tuf rotate" re-signs (a mirror directory may have been
 * copied from anywhere).  What parses must be within the bounds: at most
 * EC_TUF_MAX_TARGETS targets, each with a path of 1 to EC_TUF_MAX_PATH
 * bytes and 64 hex digits of sha256 (and of the plaintext's, for an
 * encrypted mirror's custom metadata).  Seeds: tests/fuzz/corpus/mirror/.
 *
 *   make build-fuzz/fuzz_mirror
 *   build-fuzz/fuzz_mirror -max_total_time=60 tests/fuzz/corpus/mirror
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_mirror.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_tuf_target	*t;
	struct ec_err		 err;
	size_t			 n, i;

	if (ec_mirror_targets_parse(&t, &n, data, size, &err) == -1) {
		if (err.code == EC_OK || t != NULL)
			abort();
		return 0;
	}
	if (n > EC_TUF_MAX_TARGETS)
		abort();
	for (i = 0; i < n; i++)
		if (t[i].path[0] == '\0' ||
		    strlen(t[i].path) > EC_TUF_MAX_PATH ||
		    strlen(t[i].sha256) != EC_SHA256_HEX - 1 ||
		    (t[i].plain_sha256[0] != '\0' &&
		    strlen(t[i].plain_sha256) != EC_SHA256_HEX - 1))
			abort();
	free(t);
	return 0;
}
