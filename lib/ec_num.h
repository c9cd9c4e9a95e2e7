/*
 * ec_num: overflow-checked sizes and strict number parsing for values that
 * come from outside (argv, headers, documents).
 */
#ifndef EC_NUM_H
#define EC_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

/*
 * Parse all of "s" as decimal digits (no sign, no space, no leading zeros
 * but "0" itself) into [min, max].  Returns -1 on anything else.
 */
int	ec_parse_u64(uint64_t *out, const char *s, uint64_t min, uint64_t max)
	    EC_MUST_CHECK;
/* a + b and a * b, or false when the result does not fit a size_t. */
bool	ec_size_add(size_t *out, size_t a, size_t b) EC_MUST_CHECK;
bool	ec_size_mul(size_t *out, size_t a, size_t b) EC_MUST_CHECK;

/*
 * Room for element "n" of the array *p, which has room for *cap elements
 * of "size" bytes: when n == *cap, realloc it to twice as many ("first"
 * when it is empty).  EC_ERR_NOMEM, also for a size past SIZE_MAX, with
 * *p and *cap unchanged.
 */
int	ec_array_grow(void **p, size_t *cap, size_t n, size_t size,
	    size_t first, struct ec_err *err) EC_MUST_CHECK;

#endif
