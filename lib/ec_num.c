/* ec_num: overflow-checked arithmetic and strict decimal parsing. */
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
