/*
 * tests/fuzz/fuzz_verify.c: libFuzzer target for whole-bundle verification,
 * ec_verify_bundle() on a file written from the input, as exportctl verify
 * runs it.  Byte 0 chooses the key: odd verifies with the Ed25519 key of
 * RFC 8032 7.1 test 1 (the seeds' signed bundle was built with it), even
 * with none.  The rest is the bundle file.  Beyond the sanitizers it checks
 * the cost bounds ec_verify.h promises, and aborts when one is broken:
 *   - the uncompressed bytes read never pass the bound derived from the
 *     file size (EC_MAX_EXPANSION times it, at least EC_MIN_EXPANSION_BASE);
 *   - peak RSS stays below 256 MiB (plus what libFuzzer itself keeps);
 *   - a refusal is EC_ERR_VERIFY, EC_ERR_IO or EC_ERR_NOMEM, never another
 *     code, and success implies the bundle was signed iff a key was given.
 * Seeds (bundles built by exportctl from three OpenVEX and three OSV
 * documents of tests/fixtures, whose sources and licences are in
 * tests/fixtures/NOTICE.md, with and without that key; byte 0 first):
 * tests/fuzz/corpus/verify/.
 *
 *   make build-fuzz/fuzz_verify
 *   build-fuzz/fuzz_verify -max_total_time=600 tests/fuzz/corpus/verify
 */
#include <sys/resource.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ec_key.h"
#include "ec_limits.h"
#include "ec_verify.h"

/* Peak RSS allowed, in KiB: the verifier's 256 MiB and libFuzzer's own. */
#define FUZZ_VERIFY_RSS_KB	(384 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char	FUZZ_ED_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

static struct ec_verifier	*fuzz_ed;
static char			 fuzz_path[64];

static void
fuzz_cleanup(void)
{
	(void)unlink(fuzz_path);
}

static void
fuzz_setup(void)
{
	struct ec_err	err;
	int		fd;

	if (ec_verifier_load_mem(&fuzz_ed, FUZZ_ED_PUB, strlen(FUZZ_ED_PUB),
	    &err) == -1)
		abort();
	(void)snprintf(fuzz_path, sizeof(fuzz_path),
	    "/tmp/fuzz_verify.XXXXXX");
	if ((fd = mkstemp(fuzz_path)) == -1)
		abort();
	(void)close(fd);
	(void)atexit(fuzz_cleanup);
}

static void
fuzz_write(const uint8_t *p, size_t len)
{
	FILE	*f;

	if ((f = fopen(fuzz_path, "wb")) == NULL)
		abort();
	if (len > 0 && fwrite(p, 1, len, f) != len)
		abort();
	if (fclose(f) != 0)
		abort();
}

static uint64_t
fuzz_bound(size_t len)
{
	uint64_t	base = len;

	if (base < EC_MIN_EXPANSION_BASE)
		base = EC_MIN_EXPANSION_BASE;
	return base * EC_MAX_EXPANSION;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_verify_result	 res;
	struct rusage		 ru;
	struct ec_err		 err;
	const struct ec_verifier *key;
	int			 rc;

	if (fuzz_ed == NULL)
		fuzz_setup();
	if (size == 0)
		return 0;
	key = (data[0] & 1) != 0 ? fuzz_ed : NULL;
	fuzz_write(data + 1, size - 1);
	rc = ec_verify_bundle(&res, fuzz_path, key, &err);
	if (res.bytes_read > res.bytes_limit ||
	    res.bytes_limit > fuzz_bound(size - 1)) {
		fprintf(stderr, "read %llu bytes, limit %llu, bound %llu\n",
		    (unsigned long long)res.bytes_read,
		    (unsigned long long)res.bytes_limit,
		    (unsigned long long)fuzz_bound(size - 1));
		abort();
	}
	if (rc == -1 && err.code != EC_ERR_VERIFY && err.code != EC_ERR_IO &&
	    err.code != EC_ERR_NOMEM) {
		fprintf(stderr, "unexpected error %d: %s\n", (int)err.code,
		    err.msg);
		abort();
	}
	if (rc == 0 && res.signed_ != (key != NULL))
		abort();
	if (getrusage(RUSAGE_SELF, &ru) == 0 &&
	    ru.ru_maxrss > FUZZ_VERIFY_RSS_KB) {
		fprintf(stderr, "peak RSS %ld KiB\n", ru.ru_maxrss);
		abort();
	}
	return 0;
}
