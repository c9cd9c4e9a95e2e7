/*
 * tests/fuzz/fuzz_ingest.h: what the ingest fuzz targets (fuzz_archive.c,
 * fuzz_walk.c) hold every reported outcome to, in place of the batch
 * queue of lib/ec_ingest.c: a skip or a failure, a failure always with
 * its reason, and a reason with an error code and a non-empty, printable,
 * terminated message (names are escaped elsewhere, never in here).
 */
#ifndef FUZZ_INGEST_H
#define FUZZ_INGEST_H

#include <stdlib.h>
#include <string.h>

#include "ec_ingest_int.h"

static void
fuzz_ingest_outcome_check(enum ec_ingest_status status,
    const struct ec_err *why)
{
	size_t	i, len;

	if (status != EC_INGEST_FAILED && status != EC_INGEST_SKIPPED)
		abort();
	if (status == EC_INGEST_FAILED && why == NULL)
		abort();
	if (why == NULL)
		return;
	if (why->code == EC_OK || why->code >= EC_CODE_COUNT)
		abort();
	len = strnlen(why->msg, sizeof(why->msg));
	if (len == sizeof(why->msg) || len == 0)
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)why->msg[i] < 0x20 || why->msg[i] == 0x7f)
			abort();
}

#endif
