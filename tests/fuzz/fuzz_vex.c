/*
 * tests/fuzz/fuzz_vex.c: libFuzzer target for ec_vex_add() over any JSON
 * document, then a decision over what it kept.  Beyond the sanitizers it
 * checks what the header promises, and aborts when one is broken:
 * failure is EC_ERR_REQUEST_INVALID or EC_ERR_TOO_LARGE and keeps no
 * statement; every kept statement has a vulnerability and a product.
 * Seeds: tests/fuzz/corpus/vex/ (real OpenVEX, CSAF and CycloneDX VEX).
 *
 *   make build-fuzz/fuzz_vex
 *   build-fuzz/fuzz_vex -max_total_time=60 tests/fuzz/corpus/vex
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "ec_vex.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ec_vex_statement	*s;
	struct ec_vex_set		*set;
	struct ec_err			 err;
	json_error_t			 jerr;
	json_t				*doc;
	size_t				 i;

	if ((doc = json_loadb((const char *)data, size, 0, &jerr)) == NULL)
		return 0;
	if (ec_vex_set_new(&set, &err) == -1) {
		json_decref(doc);
		return 0;
	}
	if (ec_vex_add(set, doc, "fuzz", &err) == -1 &&
	    ((err.code != EC_ERR_REQUEST_INVALID &&
	    err.code != EC_ERR_TOO_LARGE) || ec_vex_count(set) != 0))
		abort();
	for (i = 0; i < ec_vex_count(set); i++) {
		s = ec_vex_get(set, i);
		if (s->vuln == NULL || s->product == NULL)
			abort();
		(void)ec_vex_decide(set, s->vuln, s->aliases, s->naliases,
		    s->product);
	}
	ec_vex_set_free(set);
	json_decref(doc);
	return 0;
}
