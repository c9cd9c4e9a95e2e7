/*
 * ec_purl_cpe: CPE 2.3 formatted strings (NISTIR 7695, "Common Platform
 * Enumeration: Naming Specification Version 2.3", section 6.2): "cpe:2.3:"
 * and eleven attributes separated by unquoted colons.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_purl.h"

struct ec_cpe {
	char	*attr[EC_CPE_ATTR_COUNT];	/* into buf */
	char	 buf[];				/* owned with the struct */
};

/* 6.2.2.1: unquoted characters in a value; the rest must be quoted. */
static bool
cpe_plain(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.' ||
	    c == '*' || c == '?';
}

/* Copy one attribute from p into d, unquoting; the end of the input. */
static const char *
cpe_attr(char **d, const char *p, const char *end, struct ec_err *err)
{
	for (; p < end && *p != ':'; p++) {
		if (*p == '\\') {
			if (++p == end || (unsigned char)*p <= 0x20 ||
			    (unsigned char)*p >= 0x7f) {
				ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "cpe: bad quoting");
				return NULL;
			}
		} else if (!cpe_plain(*p)) {
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "cpe: character to be quoted");
			return NULL;
		}
		*(*d)++ = *p;
	}
	*(*d)++ = '\0';
	return p;
}

int
ec_cpe_parse(struct ec_cpe **out, const char *p, size_t len,
    struct ec_err *err)
{
	const char	*end = p + len, *part;
	struct ec_cpe	*c;
	char		*d;
	size_t		 i;

	if (len > EC_PURL_MAX_LEN)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cpe: longer than %d bytes", EC_PURL_MAX_LEN);
	if (len < 8 || memcmp(p, "cpe:2.3:", 8) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "cpe: not a CPE 2.3 formatted string");
	if ((c = malloc(sizeof(*c) + len + 1)) == NULL)
		return ec_err_nomem(err);
	d = c->buf;
	for (p += 8, i = 0; i < EC_CPE_ATTR_COUNT; i++) {
		c->attr[i] = d;
		if ((p = cpe_attr(&d, p, end, err)) == NULL)
			goto fail;
		if (i + 1 < EC_CPE_ATTR_COUNT && p++ == end) {
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "cpe: %zu of 11 attributes", i + 1);
			goto fail;
		}
	}
	part = c->attr[EC_CPE_PART];
	if (p != end || strlen(part) != 1 || strchr("aoh*-", *part) == NULL) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID, p != end ?
		    "cpe: more than 11 attributes" : "cpe: part not a, o or h");
		goto fail;
	}
	*out = c;
	return 0;
fail:
	free(c);
	return -1;
}

const char *
ec_cpe_get(const struct ec_cpe *c, enum ec_cpe_attr attr)
{
	if ((unsigned)attr >= EC_CPE_ATTR_COUNT)
		return "";
	return c->attr[attr];
}

void
ec_cpe_free(struct ec_cpe *c)
{
	free(c);
}
