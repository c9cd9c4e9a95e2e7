/*
 * tests/fuzz/fuzz_version.c: libFuzzer target for ec_version_parse() over
 * every scheme.  The first byte picks the scheme, the rest is the
 * version; a second version follows a '|' when there is one.  Beyond the
 * sanitizers it checks what the header promises, and aborts when one is
 * broken:
 *   - failure is EC_ERR_REQUEST_INVALID and leaves *out alone;
 *   - a parsed value equals itself, and two values order antisymmetrically.
 * Seeds: tests/fuzz/corpus/version/.
 *
 *   make build-fuzz/fuzz_version
 *   build-fuzz/fuzz_version -max_total_time=60 tests/fuzz/corpus/version
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_version.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ec_version *
fuzz_parse(enum ec_version_scheme s, const uint8_t *p, size_t len)
{
	struct ec_version	*v = NULL;
	struct ec_err		 err;

	if (ec_version_parse(&v, s, (const char *)p, len, &err) == -1) {
		if (err.code != EC_ERR_REQUEST_INVALID || v != NULL)
			abort();
		return NULL;
	}
	if (ec_version_cmp(v, v) != 0)
		abort();
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ec_version_scheme	 s;
	struct ec_version	*a, *b = NULL;
	const uint8_t		*bar;
	size_t			 alen;

	if (size == 0)
		return 0;
	s = (enum ec_version_scheme)(data[0] % EC_VERSION_SCHEME_COUNT);
	data++, size--;
	bar = memchr(data, '|', size);
	alen = bar != NULL ? (size_t)(bar - data) : size;
	a = fuzz_parse(s, data, alen);
	if (bar != NULL)
		b = fuzz_parse(s, bar + 1, size - alen - 1);
	if (a != NULL && b != NULL &&
	    ec_version_cmp(a, b) != -ec_version_cmp(b, a))
		abort();
	ec_version_free(a);
	ec_version_free(b);
	return 0;
}
