/* ec_num: overflow-checked arithmetic and strict decimal parsing. */
#include <stdlib.h>

#include "ec_num.h"

int
ec_parse_u64(uint64_t *out, const char *s, uint64_t min, uint64_t max)
{
	uint64_t	v = 0;
	const char	*p;

	if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool
ec_size_add(size_t *out, size_t a, size_t b)
{
	return !__builtin_add_overflow(a, b, out);
}

bool
ec_size_mul(size_t *out, size_t a, size_t b)
{
	return !__builtin_mul_overflow(a, b, out);
}

int
ec_array_grow(void **p, size_t *cap, size_t n, size_t size, size_t first,
    struct ec_err *err)
{
	size_t	ncap = first, bytes;
	void	*np;

	if (n < *cap)
		return 0;
	if ((*cap != 0 && !ec_size_mul(&ncap, *cap, 2)) ||
	    !ec_size_mul(&bytes, ncap, size))
		return ec_err_nomem(err);
	if ((np = realloc(*p, bytes)) == NULL)
		return ec_err_nomem(err);
	*p = np;
	*cap = ncap;
	return 0;
}
