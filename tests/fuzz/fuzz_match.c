/*
 * tests/fuzz/fuzz_match.c: libFuzzer target for ec_match_index_add() over
 * any JSON document, then lookups of every indexed package.  The input
 * is "VERSION\n" and an advisory.  Beyond the sanitizers it checks what
 * the header promises, and aborts when one is broken: a refused advisory
 * leaves the index empty, and a lookup fails only for memory.
 * Seeds: tests/fuzz/corpus/match/ (real OSV advisories).
 *
 *   make build-fuzz/fuzz_match
 *   build-fuzz/fuzz_match -max_total_time=60 tests/fuzz/corpus/match
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_match.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_lookups(const struct ec_match_index *ix, const json_t *doc,
    const char *version)
{
	struct ec_match_result	 r;
	struct ec_err		 err;
	const json_t		*a, *pkg;
	const char		*eco, *name;
	size_t			 i;

	json_array_foreach(json_object_get(doc, "affected"), i, a) {
		pkg = json_object_get(a, "package");
		eco = json_string_value(json_object_get(pkg, "ecosystem"));
		name = json_string_value(json_object_get(pkg, "name"));
		if (eco == NULL || name == NULL)
			continue;
		if (ec_match_lookup(&r, ix, eco, name, version, &err) == -1) {
			if (err.code != EC_ERR_NOMEM)
				abort();
			continue;
		}
		ec_match_result_dispose(&r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_match_index	*ix;
	struct ec_err		 err;
	json_error_t		 jerr;
	json_t			*doc;
	const uint8_t		*nl;
	char			*version;

	if ((nl = memchr(data, '\n', size)) == NULL)
		return 0;
	if ((version = strndup((const char *)data,
	    (size_t)(nl - data))) == NULL)
		return 0;
	doc = json_loadb((const char *)nl + 1, size - (size_t)(nl - data) - 1,
	    0, &jerr);
	if (doc != NULL && ec_match_index_new(&ix, &err) == 0) {
		if (ec_match_index_add(ix, doc, &err) == -1 &&
		    ec_match_index_entries(ix) != 0)
			abort();
		fuzz_lookups(ix, doc, version);
		ec_match_index_free(ix);
	}
	json_decref(doc);
	free(version);
	return 0;
}
