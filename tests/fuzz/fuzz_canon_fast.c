/*
 * tests/fuzz/fuzz_canon_fast.c: libFuzzer target for ec_canon_fast(), the
 * one-pass canonicaliser, differential against the general path
 * (ec_canon_parse() then ec_canon_dump()).  Any input may be declined, but
 * what the fast path accepts the general path must accept with the same
 * bytes, a declined call must leave the output alone, and the top-level
 * members it picks must hold their canonical values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_canon.h"

/* Output ceiling, as in fuzz_canon.c: numbers can grow ("1e20"). */
#define FUZZ_CANON_MAX_OUT	(1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A pick must hold exactly the canonical form of its member. */
static void
fuzz_check_pick(const struct ec_canon_pick *pk, const char *out,
    const json_t *root)
{
	struct ec_buf	 want;
	struct ec_err	 err;
	const json_t	*v;

	v = json_is_object(root) ? json_object_get(root, pk->name) : NULL;
	if ((v != NULL) != pk->found)
		abort();
	if (v == NULL)
		return;
	ec_buf_init(&want, FUZZ_CANON_MAX_OUT);
	if (ec_canon_dump(&want, v, &err) == -1 || want.len != pk->len ||
	    memcmp(want.data, out + pk->off, want.len) != 0) {
		fprintf(stderr, "pick %s in the wrong place\n", pk->name);
		abort();
	}
	ec_buf_dispose(&want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_canon_pick	 picks[3] = { { .name = "id" },
				    { .name = "a" }, { .name = "" } };
	struct ec_buf		 fast, slow;
	struct ec_err		 err;
	json_t			*root;
	size_t			 i;
	int			 got;

	ec_buf_init(&fast, FUZZ_CANON_MAX_OUT);
	ec_buf_init(&slow, FUZZ_CANON_MAX_OUT);
	got = ec_canon_fast(&fast, picks, 3, (const char *)data, size, &err);
	if (got == -1 && err.code != EC_ERR_NOMEM)
		abort();
	if (got != 0) {
		if (fast.len != 0)
			abort();	/* declined: out must be left alone */
		goto out;
	}
	root = ec_canon_parse((const char *)data, size, &err);
	if (root == NULL || ec_canon_dump(&slow, root, &err) == -1) {
		fprintf(stderr, "fast path accepted what the general path "
		    "refuses: %s\n", err.msg);
		abort();
	}
	if (fast.len != slow.len || memcmp(fast.data, slow.data,
	    fast.len) != 0) {
		fprintf(stderr, "different bytes:\n%s\n%s\n", fast.data,
		    slow.data);
		abort();
	}
	for (i = 0; i < 3; i++)
		fuzz_check_pick(&picks[i], fast.data, root);
	json_decref(root);
out:
	ec_buf_dispose(&fast);
	ec_buf_dispose(&slow);
	return 0;
}
