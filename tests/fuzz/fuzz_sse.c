/*
 * tests/fuzz/fuzz_sse.c: libFuzzer target for what export-events reads
 * from nginx (the request head, ec_sse_parse_request) and for
 * Last-Event-ID values (ec_sse_last_id).  Beyond the sanitizers it
 * checks what ec_sse.h promises, and aborts when one is broken:
 *   - feeding the input in two pieces gives the answer feeding it whole
 *     does (export-events reads a head in as many reads as it takes);
 *   - an accepted head names a run id of its tenant, and the redirect
 *     the API would form for that target parses back to the same target;
 *   - an accepted Last-Event-ID is at most INT64_MAX and prints back to
 *     the same digits.
 * Seeds: tests/fuzz/corpus/sse/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_run.h"
#include "ec_sse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_parse(struct ec_sse_target *t, bool *complete, const char *p,
    size_t len)
{
	struct ec_err	err;

	memset(t, 0, sizeof(*t));
	return ec_sse_parse_request(t, complete, p, len, &err);
}

static void
fuzz_roundtrip(const struct ec_sse_target *t)
{
	struct ec_sse_target	back;
	struct ec_err		err;
	char			uri[EC_SSE_URI_MAX], head[EC_SSE_URI_MAX + 32];
	bool			complete;

	if (!ec_run_id_valid(t->run_id, t->tenant))
		abort();
	if (ec_sse_redirect(uri, t, &err) == -1)
		abort();
	(void)snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\n\r\n", uri);
	if (fuzz_parse(&back, &complete, head, strlen(head)) == -1 ||
	    !complete || strcmp(back.tenant, t->tenant) != 0 ||
	    strcmp(back.run_id, t->run_id) != 0 || back.after != t->after)
		abort();
}

static void
fuzz_last_id(const uint8_t *data, size_t size)
{
	struct ec_err	err;
	char		s[32], again[32];
	uint64_t	v;

	if (size >= sizeof(s))
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ec_sse_last_id(&v, s, &err) == -1)
		return;
	if (v > INT64_MAX)
		abort();
	(void)snprintf(again, sizeof(again), "%llu", (unsigned long long)v);
	if (s[0] != '\0' && strcmp(again, s) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_sse_target	whole, part;
	const char		*p = (const char *)data;
	bool			c1, c2;
	int			r1, r2;
	size_t			cut;

	fuzz_last_id(data, size);
	r1 = fuzz_parse(&whole, &c1, p, size);
	if (r1 == 0 && c1)
		fuzz_roundtrip(&whole);
	/* A first read of part of the head: incomplete, or the same fate. */
	cut = size > 0 ? data[0] % (size + 1) : 0;
	r2 = fuzz_parse(&part, &c2, p, cut);
	if (r2 == 0 && c2 && (r1 != 0 || !c1 ||
	    strcmp(part.run_id, whole.run_id) != 0 ||
	    part.after != whole.after))
		abort();
	if (r2 == -1 && r1 == 0)
		abort();
	return 0;
}
