/*
 * tests/unit/t_pgcopy.c: the binary COPY parser over streams built here
 * byte by byte after PostgreSQL's documented format, fed whole, one byte
 * at a time and cut at every offset (the result must not depend on the
 * cuts), and every kind of malformed stream, each refused with
 * EC_ERR_DB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_pgcopy.h"

static const char	sig[] = "PGCOPY\n\377\r\n";

struct stream {
	unsigned char	b[4096];
	size_t		len;
};

static void
put(struct stream *s, const void *p, size_t n)
{
	memcpy(s->b + s->len, p, n);
	s->len += n;
}

static void
put32(struct stream *s, uint32_t v)
{
	unsigned char	b[4] = { v >> 24, v >> 16, v >> 8, v };

	put(s, b, 4);
}

static void
put16(struct stream *s, uint16_t v)
{
	unsigned char	b[2] = { v >> 8, v };

	put(s, b, 2);
}

static void
header(struct stream *s, uint32_t flags, uint32_t ext)
{
	s->len = 0;
	put(s, sig, 11);
	put32(s, flags);
	put32(s, ext);
	while (ext-- > 0)
		put(s, "x", 1);
}

static void
field(struct stream *s, const char *p)
{
	if (p == NULL) {
		put32(s, 0xffffffffu);
		return;
	}
	put32(s, (uint32_t)strlen(p));
	put(s, p, strlen(p));
}

/* Three tuples of two fields, one NULL, one empty, then the trailer. */
static void
good(struct stream *s)
{
	header(s, 0, 0);
	put16(s, 2); field(s, "GHSA-1"); field(s, "{\"a\":1}");
	put16(s, 2); field(s, ""); field(s, NULL);
	put16(s, 2); field(s, "z"); field(s, "doc");
	put16(s, 0xffff);
}

/* What the callback saw, as text: "len:bytes|" per field, "N" for NULL. */
struct seen {
	char	text[1024];
	size_t	len;
	int	stop_at;	/* fail on this tuple (1-based), 0: never */
	int	tuples;
};

static int
record(void *arg, const struct ec_pgcopy_field *f, int n, struct ec_err *err)
{
	struct seen	*w = arg;
	int		 i;

	if (++w->tuples == w->stop_at)
		return ec_err_set(err, EC_ERR_IO, "stop");
	for (i = 0; i < n; i++)
		w->len += (size_t)snprintf(w->text + w->len,
		    sizeof(w->text) - w->len, f[i].null ? "N|" : "%zu:%.*s|",
		    f[i].len, (int)f[i].len, f[i].p);
	return 0;
}

/* Parse "s" cut at "cut" (0: whole) or in steps of one byte (cut = -1). */
static int
run(struct seen *w, const struct stream *s, long cut, size_t max,
    struct ec_err *err)
{
	struct ec_pgcopy	*c;
	uint64_t		 n;
	size_t			 i;
	int			 rc;

	memset(w->text, 0, sizeof(w->text));
	w->len = 0;
	w->tuples = 0;
	if (ec_pgcopy_new(&c, 2, max, err) == -1)
		return -1;
	if (cut == -1) {
		rc = 0;
		for (i = 0; i < s->len && rc == 0; i++)
			rc = ec_pgcopy_feed(c, s->b + i, 1, record, w, err);
	} else if ((rc = ec_pgcopy_feed(c, s->b, (size_t)cut, record, w,
	    err)) == 0)
		rc = ec_pgcopy_feed(c, s->b + cut, s->len - (size_t)cut, record,
		    w, err);
	if (rc == 0)
		rc = ec_pgcopy_end(c, &n, err);
	if (rc == 0 && n != 3)
		rc = ec_err_set(err, EC_ERR_INTERNAL, "%d tuples", (int)n);
	ec_pgcopy_free(c);
	return rc;
}

static const char	want[] = "6:GHSA-1|7:{\"a\":1}|0:|N|1:z|3:doc|";

static void
test_good(void)
{
	struct stream	s;
	struct seen	w = { .stop_at = 0 };
	struct ec_err	err;
	long		cut;
	int		bad = 0;

	good(&s);
	ok(run(&w, &s, 0, 1024, &err) == 0 && strcmp(w.text, want) == 0,
	    "whole stream: %s", w.text);
	ok(run(&w, &s, -1, 1024, &err) == 0 && strcmp(w.text, want) == 0,
	    "one byte at a time");
	for (cut = 1; cut < (long)s.len; cut++)
		if (run(&w, &s, cut, 1024, &err) != 0 ||
		    strcmp(w.text, want) != 0)
			bad++;
	ok(bad == 0, "cut at every offset: %d differ", bad);
	/* The largest tuple is 2 + 4 + 6 + 4 + 7 = 23 bytes on the wire. */
	ok(run(&w, &s, -1, 23, &err) == 0, "a bound of exactly one tuple");
	ok(run(&w, &s, -1, 22, &err) == -1 && err.code == EC_ERR_DB,
	    "a tuple over the bound: %s", err.msg);
	w.stop_at = 2;
	ok(run(&w, &s, 0, 1024, &err) == -1 && err.code == EC_ERR_IO,
	    "the callback's error is passed up");
}

static void
expect_bad(const struct stream *s, const char *what)
{
	struct seen	w = { .stop_at = 0 };
	struct ec_err	err;
	int		r0, r1;

	r0 = run(&w, s, 0, 1024, &err);
	r1 = run(&w, s, -1, 1024, &err);
	ok(r0 == -1 && r1 == -1 && err.code == EC_ERR_DB, "%s: %s", what,
	    err.msg);
}

static void
test_bad(void)
{
	struct stream	s;

	good(&s);
	s.b[0] = 'p';
	expect_bad(&s, "bad signature");
	good(&s);
	s.b[12] = 1;
	expect_bad(&s, "the OID flag");
	header(&s, 0, 2000);
	expect_bad(&s, "a header extension over the bound");
	header(&s, 0, 0);
	put16(&s, 3);
	expect_bad(&s, "three fields, not two");
	header(&s, 0, 0);
	put16(&s, 2); field(&s, "a"); put32(&s, 0xfffffffeu);
	expect_bad(&s, "a negative length");
	header(&s, 0, 0);
	put16(&s, 2); field(&s, "a"); put32(&s, 0x7fffffffu);
	expect_bad(&s, "a length past the bound");
	good(&s);
	s.len -= 2;
	expect_bad(&s, "no trailer");
	good(&s);
	s.len -= 5;
	expect_bad(&s, "cut inside a tuple");
	good(&s);
	put(&s, "\0", 1);
	expect_bad(&s, "a byte after the trailer");
	s.len = 5;
	expect_bad(&s, "a partial header");
}

int
main(void)
{
	test_good();
	test_bad();
	return done_testing();
}
