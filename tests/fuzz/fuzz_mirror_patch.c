/*
 * tests/fuzz/fuzz_mirror_patch.c: libFuzzer target for
 * mirror_patch_decode(), which runs a patch that arrives in a mirror
 * delta's patches.pack against the base's raw bytes.  Input: one byte
 * (bit 0: a zstd-prefix patch, else an operation list), two bytes of the
 * stated result size (little-endian), then the patch.  A decode that
 * succeeds must give exactly the stated size.  Seeds:
 * tests/fuzz/corpus/mirror_patch/.
 *
 *   make build-fuzz/fuzz_mirror_patch
 *   build-fuzz/fuzz_mirror_patch -max_total_time=60 \
 *       tests/fuzz/corpus/mirror_patch
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_mirror_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	base[4096];
	struct ec_buf	out;
	struct ec_err	err;
	uint64_t	want;
	size_t		i;
	int		rc;

	if (size < 3)
		return 0;
	for (i = 0; i < sizeof(base); i++)
		base[i] = (uint8_t)("0123456789abcdef{}\"\n"[i % 20]);
	want = (uint64_t)data[1] | (uint64_t)data[2] << 8;
	ec_buf_init(&out, EC_MIRROR_PATCH_MAX);
	rc = mirror_patch_decode(&out, base, sizeof(base), data + 3,
	    size - 3, want, (data[0] & 1) != 0, &err);
	if ((rc == 0 && out.len != want) || (rc == -1 && err.code == EC_OK))
		abort();
	ec_buf_dispose(&out);
	return 0;
}
