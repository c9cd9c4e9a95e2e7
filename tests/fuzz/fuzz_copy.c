/*
 * tests/fuzz/fuzz_copy.c: libFuzzer target for ec_pgcopy, the parser of
 * the binary COPY stream the evidence store reads from PostgreSQL.  The
 * first input byte picks where the rest is cut in two; the parse must
 * give the same tuples and the same verdict cut or whole (a differential
 * check of the partial-tuple path), never read out of bounds, and keep
 * every field inside the bound.  Seeds: tests/fuzz/corpus/copy/.
 *
 *   make build-fuzz/fuzz_copy
 *   build-fuzz/fuzz_copy -max_total_time=60 tests/fuzz/corpus/copy
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_pgcopy.h"

#define FUZZ_FIELDS	2
#define FUZZ_MAX	4096

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A running digest of every tuple seen, NULLs told apart from empties. */
struct seen {
	uint64_t	h;
};

static int
fold(void *arg, const struct ec_pgcopy_field *f, int n, struct ec_err *err)
{
	struct seen	*s = arg;
	size_t		 i;
	int		 k;

	(void)err;
	if (n != FUZZ_FIELDS)
		abort();
	for (k = 0; k < n; k++) {
		if (f[k].len > FUZZ_MAX || (f[k].null && f[k].len != 0))
			abort();
		s->h = s->h * 1099511628211u + (f[k].null ? 7 : 3);
		for (i = 0; i < f[k].len; i++)
			s->h = (s->h ^ (uint8_t)f[k].p[i]) * 1099511628211u;
	}
	return 0;
}

static int
parse(struct seen *s, const uint8_t *p, size_t len, size_t cut)
{
	struct ec_pgcopy	*c;
	struct ec_err		 err;
	uint64_t		 n;
	int			 rc;

	s->h = 14695981039346656037u;
	if (ec_pgcopy_new(&c, FUZZ_FIELDS, FUZZ_MAX, &err) == -1)
		abort();
	rc = ec_pgcopy_feed(c, p, cut, fold, s, &err);
	if (rc == 0)
		rc = ec_pgcopy_feed(c, p + cut, len - cut, fold, s, &err);
	if (rc == 0)
		rc = ec_pgcopy_end(c, &n, &err);
	if (rc != 0 && err.code != EC_ERR_DB)
		abort();
	ec_pgcopy_free(c);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen	whole, split;
	size_t		cut;
	int		a, b;

	if (size < 1)
		return 0;
	cut = data[0] % size;
	a = parse(&whole, data + 1, size - 1, 0);
	b = parse(&split, data + 1, size - 1, cut);
	/* A failure may stop a split parse earlier, so only verdicts. */
	if (a != b || (a == 0 && whole.h != split.h))
		abort();
	return 0;
}
