/*
 * ec_version_php: Packagist versions as Composer reads them: normalised by
 * composer/semver's VersionParser::normalize (classical and date-based
 * versions, stability modifiers, build metadata dropped), then ordered by
 * PHP's version_compare(), which Composer's Comparator calls.  Branch
 * names (dev-master, 1.x-dev) name no point in the order and are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_version.h"
#include "ec_version_int.h"

struct php_cur {
	const char	*p, *end;
};

/* A run of [min, max] digits at the cursor; max 0 means unbounded. */
static size_t
php_digits(struct php_cur *c, size_t min, size_t max)
{
	size_t	n = 0;

	while (c->p + n < c->end && version_digit(c->p[n]) &&
	    (max == 0 || n < max))
		n++;
	if (n < min)
		return 0;
	c->p += n;
	return n;
}

static bool
php_word(struct php_cur *c, const char *w)
{
	size_t	n = strlen(w);

	if ((size_t)(c->end - c->p) < n || version_casecmp(c->p, n, w, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* VersionParser::$modifierRegex, in its alternation order. */
static const char *const php_labels[] = {
	"stable", "beta", "b", "rc", "alpha", "a", "patch", "pl", "p", NULL
};
/* VersionParser::expandStability of each. */
static const char *const php_expand[] = {
	"stable", "beta", "beta", "RC", "alpha", "alpha", "patch", "patch",
	"patch"
};

/*
 * [._-]?((label)((?:[.-]?\d+)*+)?)?([.-]?dev)?$ appended to "out" as
 * normalize() appends it; false when the rest does not match.
 */
static bool
php_modifier(struct ec_buf *out, struct php_cur *c, struct ec_err *err)
{
	const char	*nums, *nend;
	struct php_cur	 t;
	int		 i, label = -1;

	if (c->p < c->end && strchr("._-", *c->p) != NULL)
		c->p++;
	for (i = 0; php_labels[i] != NULL && label == -1; i++)
		if (php_word(c, php_labels[i]))
			label = i;
	nums = c->p;
	for (;;) {
		t = *c;
		if (t.p < t.end && (*t.p == '.' || *t.p == '-'))
			t.p++;
		if (label == -1 || php_digits(&t, 1, 0) == 0)
			break;
		*c = t;
	}
	nend = c->p;
	t = *c;
	if (t.p < t.end && (*t.p == '.' || *t.p == '-'))
		t.p++;
	if (php_word(&t, "dev"))
		*c = t;
	if (c->p != c->end)
		return false;
	if (label == 0)
		return true;
	if (label > 0) {
		while (nums < nend && (*nums == '.' || *nums == '-'))
			nums++;
		if (ec_buf_addc(out, '-', err) == -1 ||
		    ec_buf_adds(out, php_expand[label], err) == -1 ||
		    ec_buf_add(out, nums, (size_t)(nend - nums), err) == -1)
			return false;
	}
	if (nend != c->end && ec_buf_adds(out, "-dev", err) == -1)
		return false;
	return true;
}

/* ^v?(\d{1,5}+)(\.\d++)?(\.\d++)?(\.\d++)? with ".0" for what is absent. */
static bool
php_classical(struct ec_buf *out, struct php_cur c, struct ec_err *err)
{
	const char	*q = c.p;
	int		 i;

	if (php_digits(&c, 1, 5) == 0 || (c.p < c.end && version_digit(*c.p)))
		return false;
	if (ec_buf_add(out, q, (size_t)(c.p - q), err) == -1)
		return false;
	for (i = 0; i < 3; i++) {
		q = c.p;
		if (c.p + 1 < c.end && *c.p == '.' && version_digit(c.p[1])) {
			c.p++;
			php_digits(&c, 1, 0);
			if (ec_buf_add(out, q, (size_t)(c.p - q), err) == -1)
				return false;
		} else if (ec_buf_adds(out, ".0", err) == -1)
			return false;
	}
	return php_modifier(out, &c, err);
}

/* ^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2}), non-digits as ".". */
/* One [.:-]?\d{min,max} group at the cursor. */
static bool
php_date_group(struct php_cur *c, size_t min, size_t max)
{
	struct php_cur	t = *c;

	if (t.p < t.end && (*t.p == '.' || *t.p == ':' || *t.p == '-'))
		t.p++;
	if (php_digits(&t, min, max) == 0)
		return false;
	*c = t;
	return true;
}

/* ^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2}), non-digits as ".". */
static bool
php_dated(struct ec_buf *out, struct php_cur c, struct ec_err *err)
{
	const char	*start = c.p, *q;
	int		 n;

	if (php_digits(&c, 4, 4) == 0)
		return false;
	for (n = 0; n < 6 && php_date_group(&c, 2, 2); n++)
		;
	if (n == 0)
		return false;
	for (n = 0; n < 2 && php_date_group(&c, 1, 3); n++)
		;
	for (q = start; q < c.p; q++)
		if (ec_buf_addc(out, version_digit(*q) ? *q : '.', err) == -1)
			return false;
	return php_modifier(out, &c, err);
}

static const char *const php_branches[] = { "master", "trunk", "default" };

/* dev-<name> and the bare branch names normalize() turns into them. */
static bool
php_is_branch(const char *p, const char *end)
{
	size_t	i, n = (size_t)(end - p);

	if (n >= 4 && version_casecmp(p, 4, "dev-", 4) == 0)
		return true;
	for (i = 0; i < sizeof(php_branches) / sizeof(php_branches[0]); i++)
		if (strlen(php_branches[i]) == n &&
		    memcmp(php_branches[i], p, n) == 0)
			return true;
	return false;
}

/* VersionParser::normalize: aliases, stability flags, build metadata. */
static int
php_normalize(struct ec_buf *out, const char *s, size_t len,
    struct ec_err *err)
{
	struct php_cur	 c = { s, s + len };
	struct ec_err	 e = { EC_OK, "" };
	const char	*q;

	while (c.p < c.end && *c.p == ' ')
		c.p++;
	while (c.end > c.p && c.end[-1] == ' ')
		c.end--;
	/* "1.0.x-dev as 1.0.5": the version is the part before " as ". */
	if ((q = memchr(c.p, ' ', (size_t)(c.end - c.p))) != NULL)
		c.end = q;
	if ((q = memchr(c.p, '@', (size_t)(c.end - c.p))) != NULL)
		c.end = q;
	if (php_is_branch(c.p, c.end))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "a branch name, not a version");
	if ((q = memchr(c.p, '+', (size_t)(c.end - c.p))) != NULL) {
		if (q + 1 == c.end)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "empty build metadata");
		c.end = q;
	}
	for (q = c.p; q < c.end; q++)
		if (!version_alnum(*q) && strchr(".-_:", *q) == NULL)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bad character at offset %zu", (size_t)(q - s));
	if (c.p < c.end && (*c.p == 'v' || *c.p == 'V'))
		c.p++;
	if (php_classical(out, c, &e))
		return 0;
	ec_buf_reset(out);
	if (e.code == EC_OK && php_dated(out, c, &e))
		return 0;
	if (e.code != EC_OK)
		return ec_err_nomem(err);
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "not a Composer version");
}

/*
 * The normalised text is at most PHP_NORM_MAX bytes (the input, ".0" three
 * times, "a" as "alpha", "-dev"), and its canonical form at most twice that.
 */
#define PHP_NORM_MAX	(2 * EC_VERSION_MAX_LEN + 32)
#define PHP_CANON_MAX	(2 * PHP_NORM_MAX)

struct php_version {
	size_t	len;
	char	text[];		/* the normalised version */
};

static int
packagist_parse(void **rep_out, const char *s, size_t len,
    struct ec_err *err)
{
	struct php_version	*v;
	struct ec_buf		 out;
	int			 rc = -1;

	ec_buf_init(&out, PHP_NORM_MAX);
	if (php_normalize(&out, s, len, err) == -1)
		goto out;
	if ((v = malloc(sizeof(*v) + out.len + 1)) == NULL) {
		ec_err_nomem(err);
		goto out;
	}
	v->len = out.len;
	memcpy(v->text, out.data, out.len);
	v->text[out.len] = '\0';
	*rep_out = v;
	rc = 0;
out:
	ec_buf_dispose(&out);
	return rc;
}

/*
 * php_canonicalize_version (ext/standard/versioning.c): "-", "_" and "+"
 * become ".", and a "." goes between digits and non-digits.  The result
 * is at most twice as long.
 */
static size_t
php_canonical(char *out, const char *s, size_t len)
{
	size_t	i, n = 0;
	char	lp;

	if (len == 0)
		return 0;
	out[n++] = lp = s[0];
	for (i = 1; i < len; lp = s[i++]) {
		if (strchr("-_+", s[i]) != NULL || !version_alnum(s[i])) {
			if (out[n - 1] != '.')
				out[n++] = '.';
			continue;
		}
		if (lp != '.' && version_digit(lp) != version_digit(s[i]) &&
		    out[n - 1] != '.')
			out[n++] = '.';
		out[n++] = s[i];
	}
	return n;
}

/*
 * compare_special_version_forms: the first form the element starts with;
 * "#" stands for a number, and an unknown word orders before "dev".
 */
static int
php_form(const char *p, size_t len)
{
	static const struct {
		const char	*name;
		int		 order;
	} forms[] = {
		{ "dev", 0 }, { "alpha", 1 }, { "a", 1 }, { "beta", 2 },
		{ "b", 2 }, { "RC", 3 }, { "rc", 3 }, { "#", 4 }, { "pl", 5 },
		{ "p", 5 }
	};
	size_t	i, n;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		n = strlen(forms[i].name);
		if (len >= n && memcmp(p, forms[i].name, n) == 0)
			return forms[i].order;
	}
	return -1;
}

/* One element of a canonical version: its form, or 4 for a number. */
static int
php_elem_form(const char *p, size_t len)
{
	return version_digit(*p) ? 4 : php_form(p, len);
}

static size_t
php_elem(const char *s, size_t len, size_t at)
{
	size_t	e = at;

	while (e < len && s[e] != '.')
		e++;
	return e - at;
}

/* php_version_compare over canonical forms. */
static int
php_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	i = 0, j = 0, ni, nj;
	int	fa, fb, c;

	while (i < alen && j < blen) {
		ni = php_elem(a, alen, i);
		nj = php_elem(b, blen, j);
		if (ni > 0 && nj > 0 && version_digit(a[i]) &&
		    version_digit(b[j]))
			c = version_numcmp(a + i, ni, b + j, nj);
		else {
			fa = ni > 0 ? php_elem_form(a + i, ni) : -1;
			fb = nj > 0 ? php_elem_form(b + j, nj) : -1;
			c = fa < fb ? -1 : fa > fb;
		}
		if (c != 0)
			return c;
		i += ni + 1;
		j += nj + 1;
	}
	/* A number left over is newer, a word is ranked against "#". */
	if (i < alen)
		return php_elem_form(a + i, php_elem(a, alen, i)) < 4 ? -1 : 1;
	if (j < blen)
		return php_elem_form(b + j, php_elem(b, blen, j)) < 4 ? 1 : -1;
	return 0;
}

static int
packagist_cmp(const void *va, const void *vb)
{
	const struct php_version	*a = va, *b = vb;
	char				 ca[PHP_CANON_MAX];
	char				 cb[PHP_CANON_MAX];
	size_t				 na, nb;

	na = php_canonical(ca, a->text, a->len);
	nb = php_canonical(cb, b->text, b->len);
	return php_compare(ca, na, cb, nb);
}

const struct version_ops version_packagist_ops = {
	"packagist", packagist_parse, packagist_cmp, free
};
