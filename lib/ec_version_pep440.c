/*
 * ec_version_pep440: Python package versions (PEP 440, as the packaging
 * library's VERSION_PATTERN accepts and normalises them: case-insensitive,
 * an optional "v", "-", "_" or "." between parts, alternative spellings
 * alpha/beta/c/pre/preview/rev/r, implicit numbers, the "-N" post-release,
 * surrounding whitespace) and their order (packaging's _cmpkey).
 */
#include <stdlib.h>
#include <string.h>

#include "ec_version.h"
#include "ec_version_int.h"

struct pep_num {
	const char	*p;	/* digits in the value's text */
	size_t		 len;
};

enum pep_pre {
	PEP_PRE_NONE,
	PEP_PRE_A,
	PEP_PRE_B,
	PEP_PRE_RC
};

struct pep440 {
	struct pep_num	 epoch;
	struct pep_num	*rel;		/* into segs */
	size_t		 nrel;
	enum pep_pre	 pre;
	struct pep_num	 pre_n;
	bool		 post, dev;
	struct pep_num	 post_n, dev_n;
	struct pep_num	*local;		/* into segs; digits or letters */
	size_t		 nlocal;
	struct pep_num	 segs[];	/* release, then local segments */
};

struct pep_cur {
	const char	*p, *end;
};

static const struct pep_num	pep_zero = { "0", 1 };

static bool
pep_sep(char c)
{
	return c == '-' || c == '_' || c == '.';
}

static bool
pep_digits(struct pep_num *out, struct pep_cur *c)
{
	const char	*q;

	for (q = c->p; q < c->end && version_digit(*q); q++)
		;
	if (q == c->p)
		return false;
	*out = (struct pep_num){ c->p, (size_t)(q - c->p) };
	c->p = q;
	return true;
}

/* Match one of "words" (case-insensitive) at the cursor; its index or -1. */
static int
pep_word(struct pep_cur *c, const char *const *words)
{
	size_t	i, n;

	for (i = 0; words[i] != NULL; i++) {
		n = strlen(words[i]);
		if ((size_t)(c->end - c->p) >= n &&
		    version_casecmp(c->p, n, words[i], n) == 0) {
			c->p += n;
			return (int)i;
		}
	}
	return -1;
}

/*
 * [-_.]? LABEL [-_.]? N?: the shape shared by pre, post and dev parts.  An
 * absent number is 0 (PEP 440, "Implicit ... number").  A separator that
 * no number follows belongs to the next part, as the regular expression
 * backtracks.
 */
static int
pep_labelled(struct pep_num *n_out, struct pep_cur *c,
    const char *const *words)
{
	struct pep_cur	save = *c, t;
	int		w;

	if (c->p < c->end && pep_sep(*c->p))
		c->p++;
	if ((w = pep_word(c, words)) == -1) {
		*c = save;
		return -1;
	}
	*n_out = pep_zero;
	t = *c;
	if (t.p < t.end && pep_sep(*t.p))
		t.p++;
	if (pep_digits(n_out, &t))
		*c = t;
	return w;
}

static const char *const pep_pre_words[] = {
	"alpha", "a", "beta", "b", "preview", "pre", "c", "rc", NULL
};
static const enum pep_pre pep_pre_kind[] = {
	PEP_PRE_A, PEP_PRE_A, PEP_PRE_B, PEP_PRE_B, PEP_PRE_RC, PEP_PRE_RC,
	PEP_PRE_RC, PEP_PRE_RC
};
static const char *const pep_post_words[] = { "post", "rev", "r", NULL };
static const char *const pep_dev_words[] = { "dev", NULL };

static int
pep_release(struct pep440 *v, struct pep_cur *c, struct ec_err *err)
{
	struct pep_cur	t;

	if (c->p < c->end && (*c->p == 'v' || *c->p == 'V'))
		c->p++;
	t = *c;
	if (pep_digits(&v->epoch, &t) && t.p < t.end && *t.p == '!')
		c->p = t.p + 1;
	else
		v->epoch = pep_zero;
	for (;;) {
		if (!pep_digits(&v->rel[v->nrel], c))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "expected a release number");
		v->nrel++;
		if (c->end - c->p < 2 || *c->p != '.' ||
		    !version_digit(c->p[1]))
			return 0;
		c->p++;
	}
}

static int
pep_local(struct pep440 *v, struct pep_cur *c, struct ec_err *err)
{
	const char	*q;

	for (;;) {
		for (q = c->p; q < c->end && version_alnum(*q); q++)
			;
		if (q == c->p)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "empty local version segment");
		v->local[v->nlocal++] = (struct pep_num){ c->p,
		    (size_t)(q - c->p) };
		c->p = q;
		if (c->p == c->end || !pep_sep(*c->p))
			return 0;
		c->p++;
	}
}

static int
pep440_parse(void **rep_out, const char *s, size_t len, struct ec_err *err)
{
	struct pep440	*v;
	struct pep_cur	 c = { s, s + len }, t;
	const char	*q;
	size_t		 seps = 0;
	int		 w;

	while (c.p < c.end && *c.p == ' ')
		c.p++;
	while (c.end > c.p && c.end[-1] == ' ')
		c.end--;
	/* Release and local segments together: one more than separators. */
	for (q = s; q < s + len; q++)
		seps += *q == '.' || *q == '-' || *q == '_' || *q == '+';
	if ((v = calloc(1, sizeof(*v) + (seps + 2) * sizeof(v->segs[0]))) ==
	    NULL)
		return ec_err_nomem(err);
	v->rel = v->segs;
	if (pep_release(v, &c, err) == -1)
		goto fail;
	if ((w = pep_labelled(&v->pre_n, &c, pep_pre_words)) != -1)
		v->pre = pep_pre_kind[w];
	t = c;
	if (t.p < t.end && *t.p == '-' && pep_digits(&v->post_n,
	    &(struct pep_cur){ t.p + 1, t.end })) {
		c.p = v->post_n.p + v->post_n.len;
		v->post = true;
	} else if (pep_labelled(&v->post_n, &c, pep_post_words) != -1)
		v->post = true;
	if (pep_labelled(&v->dev_n, &c, pep_dev_words) != -1)
		v->dev = true;
	if (c.p < c.end && *c.p == '+') {
		c.p++;
		v->local = v->segs + v->nrel;
		if (pep_local(v, &c, err) == -1)
			goto fail;
	}
	if (c.p != c.end) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not PEP 440 at offset %zu", (size_t)(c.p - s));
		goto fail;
	}
	*rep_out = v;
	return 0;
fail:
	free(v);
	return -1;
}

static int
pep_numcmp(const struct pep_num *a, const struct pep_num *b)
{
	return version_numcmp(a->p, a->len, b->p, b->len);
}

/* Release numbers; trailing zeros do not count (1.0 == 1.0.0). */
static int
pep_release_cmp(const struct pep440 *a, const struct pep440 *b)
{
	size_t	i, n = a->nrel > b->nrel ? a->nrel : b->nrel;
	int	c;

	for (i = 0; i < n; i++) {
		c = pep_numcmp(i < a->nrel ? &a->rel[i] : &pep_zero,
		    i < b->nrel ? &b->rel[i] : &pep_zero);
		if (c != 0)
			return c;
	}
	return 0;
}

/*
 * The pre-release key: a dev release of a final release (1.0.dev1) sorts
 * before its pre-releases, a final release after them.
 */
static int
pep_pre_rank(const struct pep440 *v)
{
	if (v->pre == PEP_PRE_NONE)
		return !v->post && v->dev ? -1 : 10;
	return (int)v->pre;
}

/* Local segments: letters before numbers, numbers numerically. */
static int
pep_local_cmp(const struct pep440 *a, const struct pep440 *b)
{
	const struct pep_num	*x, *y;
	size_t			 i;
	bool			 xn, yn;
	int			 c;

	for (i = 0; i < a->nlocal && i < b->nlocal; i++) {
		x = &a->local[i];
		y = &b->local[i];
		xn = version_all_digits(x->p, x->len);
		yn = version_all_digits(y->p, y->len);
		if (xn != yn)
			return xn ? 1 : -1;
		c = xn ? pep_numcmp(x, y) :
		    version_casecmp(x->p, x->len, y->p, y->len);
		if (c != 0)
			return c;
	}
	return a->nlocal < b->nlocal ? -1 : a->nlocal > b->nlocal;
}

static int
pep440_cmp(const void *va, const void *vb)
{
	const struct pep440	*a = va, *b = vb;
	int			 c;

	if ((c = pep_numcmp(&a->epoch, &b->epoch)) != 0 ||
	    (c = pep_release_cmp(a, b)) != 0)
		return c;
	if (pep_pre_rank(a) != pep_pre_rank(b))
		return pep_pre_rank(a) < pep_pre_rank(b) ? -1 : 1;
	if (a->pre != PEP_PRE_NONE && (c = pep_numcmp(&a->pre_n,
	    &b->pre_n)) != 0)
		return c;
	if (a->post != b->post)
		return a->post ? 1 : -1;
	if (a->post && (c = pep_numcmp(&a->post_n, &b->post_n)) != 0)
		return c;
	if (a->dev != b->dev)
		return a->dev ? -1 : 1;
	if (a->dev && (c = pep_numcmp(&a->dev_n, &b->dev_n)) != 0)
		return c;
	return pep_local_cmp(a, b);
}

const struct version_ops version_pep440_ops = {
	"pep440", pep440_parse, pep440_cmp, free
};
