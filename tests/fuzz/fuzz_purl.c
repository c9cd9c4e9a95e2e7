/*
 * tests/fuzz/fuzz_purl.c: libFuzzer target for ec_purl_parse() and the
 * OSV mapping of what it accepts.  Beyond the sanitizers it checks what
 * the header promises, and aborts when one is broken:
 *   - failure is EC_ERR_REQUEST_INVALID and leaves *out alone;
 *   - success has a type and a non-empty name without '/';
 *   - ec_purl_osv() either fails with EC_ERR_REQUEST_INVALID or names an
 *     ecosystem and a package.
 * Seeds: tests/fuzz/corpus/purl/.
 *
 *   make build-fuzz/fuzz_purl
 *   build-fuzz/fuzz_purl -max_total_time=60 tests/fuzz/corpus/purl
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_purl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_osv(const struct ec_purl *u)
{
	struct ec_err	 err;
	char		*eco = NULL, *name = NULL, *ver = NULL;

	if (ec_purl_osv(&eco, &name, u, &err) == -1) {
		if (err.code != EC_ERR_REQUEST_INVALID)
			abort();
		return;
	}
	if (eco == NULL || name == NULL || *name == '\0')
		abort();
	if (ec_purl_osv_version(&ver, u, &err) == -1)
		abort();
	free(eco);
	free(name);
	free(ver);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_purl	*u = NULL;
	struct ec_err	 err;
	const char	*name;

	if (ec_purl_parse(&u, (const char *)data, size, &err) == -1) {
		if (err.code != EC_ERR_REQUEST_INVALID || u != NULL)
			abort();
		return 0;
	}
	name = ec_purl_name(u);
	if (ec_purl_type(u) == NULL || name == NULL || *name == '\0' ||
	    strchr(name, '/') != NULL)
		abort();
	fuzz_osv(u);
	ec_purl_free(u);
	return 0;
}
