/*
 * ec_pgcopy: a streaming parser of PostgreSQL's binary COPY format (the
 * output of COPY ... TO STDOUT (FORMAT binary)): the 11-byte signature,
 * the flags and header extension, then tuples of a 16-bit field count and,
 * per field, a 32-bit length (-1 for NULL) and the bytes, then the
 * trailer, a field count of -1.  All integers are big-endian.
 *
 * The bytes come from the server, so they are checked like any other
 * input: every tuple must have the field count the caller expects, no
 * field and no tuple may exceed the caller's bound, and nothing may follow
 * the trailer.  The input may arrive in chunks cut anywhere; memory holds
 * at most one partial tuple (bounded by "max_tuple"), and a tuple that
 * lies whole inside one chunk is handed over without being copied.
 */
#ifndef EC_PGCOPY_H
#define EC_PGCOPY_H

#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

/* The most fields a tuple may have (the callers read a handful). */
#define EC_PGCOPY_MAX_FIELDS	16

struct ec_pgcopy;	/* opaque */

/* One field of a tuple: "len" bytes at "p", not NUL-terminated. */
struct ec_pgcopy_field {
	const char	*p;	/* borrowed for the callback; NULL if null */
	size_t		 len;
	int		 null;	/* 1 for an SQL NULL */
};

/*
 * Called once per tuple with its "n" fields (n is the count given to
 * ec_pgcopy_new).  A non-zero return stops the parse and is passed up.
 */
typedef int ec_pgcopy_fn(void *arg, const struct ec_pgcopy_field *f, int n,
    struct ec_err *err);

/*
 * A parser of tuples of exactly "nfields" fields (1 to
 * EC_PGCOPY_MAX_FIELDS), each tuple at most "max_tuple" bytes on the wire.
 * Only EC_ERR_NOMEM.
 */
int	ec_pgcopy_new(struct ec_pgcopy **out, int nfields, size_t max_tuple,
	    struct ec_err *err) EC_MUST_CHECK;
void	ec_pgcopy_free(struct ec_pgcopy *c);

/*
 * Parse the next "len" bytes of the stream, calling "fn" for each tuple
 * completed.  Malformed input (a bad signature, a wrong field count, a
 * length out of bounds, bytes after the trailer) is EC_ERR_DB; the parser
 * then refuses further input.
 */
int	ec_pgcopy_feed(struct ec_pgcopy *c, const void *p, size_t len,
	    ec_pgcopy_fn *fn, void *arg, struct ec_err *err) EC_MUST_CHECK;

/*
 * The end of the stream: EC_ERR_DB unless the trailer was seen.  The
 * number of tuples goes to *tuples_out.
 */
int	ec_pgcopy_end(struct ec_pgcopy *c, uint64_t *tuples_out,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
