/*
 * ec_canon internals, shared by the files of the module:
 *   ec_canon.c       the general path: Jansson's tree, then our serialiser
 *   ec_canon_fast.c  one pass from text to canonical bytes, no tree
 * Both must give the same bytes for every text the fast path accepts.
 */
#ifndef EC_CANON_INT_H
#define EC_CANON_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ec_buf.h"
#include "ec_err.h"

/*
 * Decode the UTF-8 code point at s[*i] and step past it (RFC 3629 section
 * 4: no overlong forms, no surrogates, nothing above U+10FFFF); -1 on
 * anything else.
 */
int	canon_utf8_next(uint32_t *out, const char *s, size_t len, size_t *i);

/*
 * Order of two valid UTF-8 member names by their UTF-16 code units, a
 * shorter prefix first (RFC 8785 section 3.2.3); 0 when they are equal.
 */
int	canon_name_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Append the RFC 8785 form of the double "x" (section 3.2.2.3). */
int	canon_dump_number(struct ec_buf *out, double x, struct ec_err *err);

#endif
