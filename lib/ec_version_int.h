/*
 * ec_version_int.h: what the files of the ec_version module share.  Each
 * scheme parses the owned, NUL-terminated text of a value into a
 * representation of its own (which may point into that text) and orders
 * two such representations.
 */
#ifndef EC_VERSION_INT_H
#define EC_VERSION_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ec_err.h"

struct version_ops {
	const char	*name;
	/* "s" is the value's own text, alive as long as the result. */
	int		(*parse)(void **rep_out, const char *s, size_t len,
			    struct ec_err *err);
	int		(*cmp)(const void *a, const void *b);
	void		(*free)(void *rep);
};

extern const struct version_ops	version_semver_ops;
extern const struct version_ops	version_go_ops;
extern const struct version_ops	version_nuget_ops;
extern const struct version_ops	version_pep440_ops;
extern const struct version_ops	version_maven_ops;
extern const struct version_ops	version_rubygems_ops;
extern const struct version_ops	version_packagist_ops;
extern const struct version_ops	version_rpm_ops;
extern const struct version_ops	version_debian_ops;

/*
 * Order two runs of ASCII digits by numeric value, of any length, so that
 * no scheme has to bound its numbers by a machine word.
 */
int	version_numcmp(const char *a, size_t alen, const char *b, size_t blen);
/* Order two byte strings as memcmp does, the shorter first on a tie. */
int	version_bytecmp(const char *a, size_t alen, const char *b, size_t blen);
/* The same with ASCII letters folded to lower case. */
int	version_casecmp(const char *a, size_t alen, const char *b, size_t blen);
/* True when all "len" (> 0) bytes are ASCII digits. */
bool	version_all_digits(const char *p, size_t len);
/* ASCII classes; the grammars here never mean a locale's letters. */
bool	version_digit(char c);
bool	version_alnum(char c);
/* -1, 0 or 1 by sign. */
int	version_sign(int v);

#endif
