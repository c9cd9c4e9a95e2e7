/*
 * tests/fuzz/fuzz_select.c: libFuzzer target for ec_selectors_parse(), which
 * reads operator flags and, later, API bodies.  The input is split at its
 * first '|' into the target list and the format list; with no '|' the
 * formats stay NULL (the profile's default).  Beyond the sanitizers it
 * checks what the header promises, and aborts when one is broken:
 *   - success sets only known bits, and never leaves a given list empty;
 *   - failure is EC_ERR_REQUEST_INVALID and leaves the selectors alone;
 *   - ec_selectors_json() of any result has one name per bit.
 * Seeds: tests/fuzz/corpus/select/.
 *
 *   make build-fuzz/fuzz_select
 *   build-fuzz/fuzz_select -max_total_time=60 tests/fuzz/corpus/select
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_select.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The profile default the parse starts from. */
#define FUZZ_DEFAULT_TARGETS	EC_TARGET_SBOM
#define FUZZ_DEFAULT_FORMATS	EC_FORMAT_JSON

static size_t
fuzz_bits(unsigned v)
{
	size_t	n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

static void
fuzz_check_json(const struct ec_selectors *sel)
{
	json_t	*o;

	if ((o = ec_selectors_json(sel)) == NULL)
		return;		/* allocation failure, documented */
	if (json_array_size(json_object_get(o, "targets")) !=
	    fuzz_bits(sel->targets) ||
	    json_array_size(json_object_get(o, "formats")) !=
	    fuzz_bits(sel->formats))
		abort();
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_selectors	 sel = { FUZZ_DEFAULT_TARGETS,
				    FUZZ_DEFAULT_FORMATS };
	struct ec_err		 err;
	char			*s, *bar, *formats = NULL;

	/* A NUL-terminated copy of exactly the input, for ASan. */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	if ((bar = strchr(s, '|')) != NULL) {
		*bar = '\0';
		formats = bar + 1;
	}
	if (ec_selectors_parse(&sel, s, formats, &err) == 0) {
		if ((sel.targets & ~((1u << EC_TARGET_COUNT) - 1)) != 0 ||
		    (sel.formats & ~((1u << EC_FORMAT_COUNT) - 1)) != 0 ||
		    sel.targets == 0 || sel.formats == 0)
			abort();
	} else if (err.code != EC_ERR_REQUEST_INVALID ||
	    sel.targets != FUZZ_DEFAULT_TARGETS ||
	    sel.formats != FUZZ_DEFAULT_FORMATS) {
		fprintf(stderr, "failure %d changed the selectors: %s\n",
		    (int)err.code, err.msg);
		abort();
	}
	fuzz_check_json(&sel);
	free(s);
	return 0;
}
