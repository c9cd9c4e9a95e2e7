/*
 * ec_purl: package URLs and their OSV names.  The parser follows the
 * purl specification's "How to parse a purl string" step by step: split
 * off the subpath at the last '#', the qualifiers at the last '?', the
 * scheme at the first ':', the type at the first '/', the version at the
 * last '@', then the name at the last '/'.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ec_buf.h"
#include "ec_purl.h"

struct purl_qual {
	char	*key;	/* owned, lower case */
	char	*value;	/* owned, decoded, never empty */
};

struct ec_purl {
	char			*type, *ns, *name, *version, *subpath;
	size_t			 nq;
	struct purl_qual	 q[EC_PURL_MAX_QUALIFIERS];	/* by key */
};

struct purl_cut {
	const char	*p, *end;
};

static char
purl_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void
purl_lower_str(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		*s = purl_lower(*s);
}

static int
purl_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = purl_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode [p, end) onto "out"; a NUL or a bad escape is refused. */
static int
purl_decode_into(struct ec_buf *out, const char *p, const char *end,
    const char *what, struct ec_err *err)
{
	int	hi, lo;
	char	c;

	for (; p < end; p++) {
		c = *p;
		if (c == '%') {
			if (end - p < 3 || (hi = purl_hex(p[1])) < 0 ||
			    (lo = purl_hex(p[2])) < 0 || (hi | lo) == 0)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "purl %s: bad percent escape", what);
			c = (char)(hi << 4 | lo);
			p += 2;
		}
		if (ec_buf_addc(out, c, err) == -1)
			return -1;
	}
	return 0;
}

/* A decoded copy of [p, end), or NULL with "err" set. */
static char *
purl_decode(const char *p, const char *end, const char *what,
    struct ec_err *err)
{
	struct ec_buf	b;
	char		*s;

	ec_buf_init(&b, EC_PURL_MAX_LEN);
	if (purl_decode_into(&b, p, end, what, err) == -1 ||
	    ec_buf_reserve(&b, 0, err) == -1) {
		ec_buf_dispose(&b);
		return NULL;
	}
	b.data[b.len] = '\0';	/* reserve alone does not terminate */
	s = ec_buf_steal(&b, NULL);
	return s;
}

static const char *
purl_rchr(const char *p, const char *end, char c)
{
	while (end > p)
		if (*--end == c)
			return end;
	return NULL;
}

/*
 * Segments of [p, end) separated by '/', decoded and joined by '/';
 * empty ones dropped, and for a subpath "." and ".." too.  A decoded
 * segment may not hold a '/'.  *out is NULL when nothing is left.
 */
static int
purl_segments(char **out, const char *p, const char *end, bool subpath,
    const char *what, struct ec_err *err)
{
	struct ec_buf	 b;
	const char	*q;
	size_t		 mark;
	int		 rc = -1;

	*out = NULL;
	ec_buf_init(&b, EC_PURL_MAX_LEN);
	for (; p < end; p = q + 1) {
		if ((q = memchr(p, '/', (size_t)(end - p))) == NULL)
			q = end;
		if (q == p || (subpath && ((q - p == 1 && *p == '.') ||
		    (q - p == 2 && p[0] == '.' && p[1] == '.'))))
			continue;
		if (b.len > 0 && ec_buf_addc(&b, '/', err) == -1)
			goto out;
		mark = b.len;
		if (purl_decode_into(&b, p, q, what, err) == -1)
			goto out;
		if (memchr(b.data + mark, '/', b.len - mark) != NULL) {
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "purl %s: a segment holds '/'", what);
			goto out;
		}
	}
	if (b.len > 0)
		*out = ec_buf_steal(&b, NULL);
	rc = 0;
out:
	ec_buf_dispose(&b);
	return rc;
}

static bool
purl_key_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') ||
	    c == '.' || c == '-' || c == '_'));
}

static int
purl_add_qualifier(struct ec_purl *u, const char *p, const char *end,
    struct ec_err *err)
{
	const char	*eq;
	char		*key, *value;
	size_t		 i, j;

	if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL || eq == p)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "purl qualifier without key=value");
	for (i = 0; p + i < eq; i++)
		if (!purl_key_char(purl_lower(p[i]), i == 0))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "purl qualifier key: bad character");
	if (eq + 1 == end)
		return 0;	/* an empty value means no qualifier */
	if (u->nq == EC_PURL_MAX_QUALIFIERS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "purl: more than %d qualifiers", EC_PURL_MAX_QUALIFIERS);
	if ((key = strndup(p, (size_t)(eq - p))) == NULL)
		return ec_err_nomem(err);
	purl_lower_str(key);
	if ((value = purl_decode(eq + 1, end, "qualifier", err)) == NULL) {
		free(key);
		return -1;
	}
	for (i = 0; i < u->nq && strcmp(u->q[i].key, key) < 0; i++)
		;
	if (i < u->nq && strcmp(u->q[i].key, key) == 0) {
		free(key);
		free(value);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "purl: qualifier repeated");
	}
	for (j = u->nq++; j > i; j--)
		u->q[j] = u->q[j - 1];
	u->q[i] = (struct purl_qual){ key, value };
	return 0;
}

static int
purl_qualifiers(struct ec_purl *u, const char *p, const char *end,
    struct ec_err *err)
{
	const char	*q;

	for (; p < end; p = q + 1) {
		if ((q = memchr(p, '&', (size_t)(end - p))) == NULL)
			q = end;
		if (q > p && purl_add_qualifier(u, p, q, err) == -1)
			return -1;
	}
	return 0;
}

/* The purl spec's per-type rules that make two spellings one purl. */
static void
purl_type_rules(struct ec_purl *u)
{
	static const char *const lower_all[] = {
		"bitbucket", "composer", "github", "hex", "pub", "pypi"
	};
	size_t	i;
	char	*s;

	for (i = 0; i < sizeof(lower_all) / sizeof(lower_all[0]); i++)
		if (strcmp(u->type, lower_all[i]) == 0) {
			purl_lower_str(u->ns);
			purl_lower_str(u->name);
		}
	if (strcmp(u->type, "pypi") == 0)
		for (s = u->name; *s != '\0'; s++)
			if (*s == '_')
				*s = '-';
}

/* "type/namespace/name@version" after "pkg:". */
static int
purl_body(struct ec_purl *u, struct purl_cut c, struct ec_err *err)
{
	const char	*q;

	while (c.p < c.end && *c.p == '/')
		c.p++;
	if ((q = memchr(c.p, '/', (size_t)(c.end - c.p))) == NULL || q == c.p)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "purl: no type/name");
	if ((u->type = strndup(c.p, (size_t)(q - c.p))) == NULL)
		return ec_err_nomem(err);
	purl_lower_str(u->type);
	if (!purl_key_char(u->type[0], true))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "purl type: must start with a letter");
	for (c.p = q + 1, q = u->type; *q != '\0'; q++)
		if (!purl_key_char(*q, false) && *q != '+')
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "purl type: bad character");
	/*
	 * A version holds no '/'; an '@' followed by one opens an npm scope
	 * that was left unencoded ("pkg:npm/@angular/core").
	 */
	if ((q = purl_rchr(c.p, c.end, '@')) != NULL &&
	    memchr(q, '/', (size_t)(c.end - q)) == NULL) {
		if ((u->version = purl_decode(q + 1, c.end, "version",
		    err)) == NULL)
			return -1;
		if (u->version[0] == '\0')
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "purl version: empty");
		c.end = q;
	}
	while (c.end > c.p && c.end[-1] == '/')
		c.end--;
	q = purl_rchr(c.p, c.end, '/');
	if ((u->name = purl_decode(q != NULL ? q + 1 : c.p, c.end, "name",
	    err)) == NULL)
		return -1;
	if (u->name[0] == '\0' || strchr(u->name, '/') != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "purl name: empty or holds '/'");
	if (q != NULL && purl_segments(&u->ns, c.p, q, false, "namespace",
	    err) == -1)
		return -1;
	purl_type_rules(u);
	return 0;
}

int
ec_purl_parse(struct ec_purl **out, const char *p, size_t len,
    struct ec_err *err)
{
	struct ec_purl	*u;
	struct purl_cut	 c = { p, p + len };
	const char	*q;
	size_t		 i;

	if (len > EC_PURL_MAX_LEN)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "purl: longer than %d bytes", EC_PURL_MAX_LEN);
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] == 0x7f)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "purl: space or control byte at offset %zu", i);
	if (len < 4 || strncasecmp(p, "pkg:", 4) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "purl: scheme is not pkg:");
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return ec_err_nomem(err);
	c.p += 4;
	if ((q = purl_rchr(c.p, c.end, '#')) != NULL) {
		if (purl_segments(&u->subpath, q + 1, c.end, true, "subpath",
		    err) == -1)
			goto fail;
		c.end = q;
	}
	if ((q = purl_rchr(c.p, c.end, '?')) != NULL) {
		if (purl_qualifiers(u, q + 1, c.end, err) == -1)
			goto fail;
		c.end = q;
	}
	if (purl_body(u, c, err) == -1)
		goto fail;
	*out = u;
	return 0;
fail:
	ec_purl_free(u);
	return -1;
}

const char *
ec_purl_type(const struct ec_purl *u)
{
	return u->type;
}

const char *
ec_purl_namespace(const struct ec_purl *u)
{
	return u->ns;
}

const char *
ec_purl_name(const struct ec_purl *u)
{
	return u->name;
}

const char *
ec_purl_version(const struct ec_purl *u)
{
	return u->version;
}

const char *
ec_purl_subpath(const struct ec_purl *u)
{
	return u->subpath;
}

const char *
ec_purl_qualifier(const struct ec_purl *u, const char *key)
{
	size_t	i;

	for (i = 0; i < u->nq; i++)
		if (strcmp(u->q[i].key, key) == 0)
			return u->q[i].value;
	return NULL;
}

size_t
ec_purl_nqualifiers(const struct ec_purl *u)
{
	return u->nq;
}

const char *
ec_purl_qualifier_key(const struct ec_purl *u, size_t i)
{
	return i < u->nq ? u->q[i].key : NULL;
}

const char *
ec_purl_qualifier_value(const struct ec_purl *u, size_t i)
{
	return i < u->nq ? u->q[i].value : NULL;
}

void
ec_purl_free(struct ec_purl *u)
{
	size_t	i;

	if (u == NULL)
		return;
	for (i = 0; i < u->nq; i++) {
		free(u->q[i].key);
		free(u->q[i].value);
	}
	free(u->type);
	free(u->ns);
	free(u->name);
	free(u->version);
	free(u->subpath);
	free(u);
}
