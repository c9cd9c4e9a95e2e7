/*
 * tests/fuzz/fuzz_trivy.c: libFuzzer target for ec_trivy_convert() over a
 * hostile OSV document, then ec_trivy_encode() and ec_trivy_merge() on
 * every row.  Beyond the sanitizers it checks the promises of ec_trivy.h
 * and aborts when one is broken:
 *   - a skipped advisory has no rows, a converted one has rows and no
 *     reason;
 *   - every row has a non-empty bucket and key without NUL, a package
 *     exactly for advisory rows, and encodes to JSON Jansson reads back;
 *   - rows merged into themselves encode as before for data sources;
 *   - converting twice gives the same bytes (determinism).
 *
 *   make fuzz && build-fuzz/fuzz_trivy tests/fuzz/corpus/trivy
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_err.h"
#include "ec_trivy.h"

/* Advisories are stored canonical; 256 KiB covers structure, not size. */
#define FUZZ_MAX_INPUT	(256 * 1024)
#define FUZZ_SNAPSHOT	INT64_C(1793491200000000)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_row(const struct ec_trivy_row *row, struct ec_buf *out)
{
	struct ec_err	 err;
	json_t		*back;

	if (row->bucket[0] == '\0' || row->key[0] == '\0' ||
	    (row->kind == EC_TRIVY_ADVISORY) != (row->pkg != NULL))
		abort();
	ec_buf_reset(out);
	if (ec_trivy_encode(out, row, &err) == -1) {
		if (err.code != EC_ERR_NOMEM && err.code != EC_ERR_TOO_LARGE)
			abort();
		return;
	}
	if ((back = json_loadb(out->data, out->len, 0, NULL)) == NULL ||
	    !json_is_object(back))
		abort();
	json_decref(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_trivy_result	 r1, r2;
	struct ec_buf		 a, b;
	struct ec_err		 err;
	json_t			*doc;
	size_t			 i;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, NULL);
	if (doc == NULL)
		return 0;
	if (ec_trivy_convert(&r1, doc, FUZZ_SNAPSHOT, &err) == -1) {
		if (err.code != EC_ERR_NOMEM)
			abort();
		json_decref(doc);
		return 0;
	}
	if (ec_trivy_convert(&r2, doc, FUZZ_SNAPSHOT, &err) == -1)
		abort();
	json_decref(doc);
	if ((r1.skipped[0] != '\0') != (r1.nrows == 0) ||
	    r1.nrows != r2.nrows)
		abort();
	ec_buf_init(&a, 1 << 24);
	ec_buf_init(&b, 1 << 24);
	for (i = 0; i < r1.nrows; i++) {
		fuzz_row(&r1.rows[i], &a);
		fuzz_row(&r2.rows[i], &b);
		if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0 ||
		    ec_trivy_row_cmp(&r1.rows[i], &r2.rows[i]) != 0)
			abort();
		if (ec_trivy_merge(&r1.rows[i], &r2.rows[i], &err) == -1 &&
		    err.code != EC_ERR_NOMEM)
			abort();
		fuzz_row(&r1.rows[i], &a);
	}
	ec_buf_dispose(&a);
	ec_buf_dispose(&b);
	ec_trivy_result_dispose(&r1);
	ec_trivy_result_dispose(&r2);
	return 0;
}
