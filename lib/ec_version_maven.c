/*
 * ec_version_maven: Maven's ComparableVersion (maven-artifact,
 * org.apache.maven.artifact.versioning) and RubyGems' Gem::Version, the
 * two schemes that order free-form segments.  Maven's is the order of
 * maven-artifact 3.9 (with MNG-5568, MNG-6572, MNG-6964 and MNG-7644).
 * Both follow their published sources' rules and are checked against
 * their test suites' vectors in tests/unit/t_version.c.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_version.h"
#include "ec_version_int.h"

/* Maven. */

enum mvn_type {
	MVN_INT,
	MVN_STR,
	MVN_LIST
};

/* Items form a tree: lists hold children in a doubly linked list. */
struct mvn_item {
	enum mvn_type	 type;
	const char	*p;	/* INT: digits; STR: lower-case qualifier */
	size_t		 len;
	int		 first, last, prev, next;	/* -1: none */
};

struct maven {
	struct mvn_item	*it;	/* owned; it[0] is the root list */
	size_t		 n;
	char		*lower;	/* owned: the text in lower case */
};

/* ComparableVersion.StringItem.QUALIFIERS; "" is the release. */
static const char *const mvn_qualifiers[] = {
	"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"
};
#define MVN_NQUAL	7
#define MVN_RELEASE	5

static int
mvn_add(struct maven *m, int list, enum mvn_type type, const char *p,
    size_t len)
{
	struct mvn_item	*x = &m->it[m->n];

	*x = (struct mvn_item){ type, p, len, -1, -1, -1, -1 };
	if (list >= 0) {
		x->prev = m->it[list].last;
		if (x->prev >= 0)
			m->it[x->prev].next = (int)m->n;
		else
			m->it[list].first = (int)m->n;
		m->it[list].last = (int)m->n;
	}
	return (int)m->n++;
}

/* StringItem(value, followedByDigit): the a/b/m shorthands and aliases. */
static void
mvn_add_str(struct maven *m, int list, const char *p, size_t len,
    bool followed_by_digit)
{
	if (followed_by_digit && len == 1 && (*p == 'a' || *p == 'b' ||
	    *p == 'm')) {
		p = *p == 'a' ? "alpha" : *p == 'b' ? "beta" : "milestone";
		len = strlen(p);
	} else if ((len == 2 && memcmp(p, "ga", 2) == 0) ||
	    (len == 5 && memcmp(p, "final", 5) == 0) ||
	    (len == 7 && memcmp(p, "release", 7) == 0))
		len = 0;
	else if ((len == 2 && memcmp(p, "cr", 2) == 0) ||
	    (len == 2 && memcmp(p, "ea", 2) == 0) ||
	    (len == 7 && memcmp(p, "preview", 7) == 0)) {
		p = "rc";
		len = 2;
	}
	mvn_add(m, list, MVN_STR, p, len);
}

/* parseItem: a run of digits is a number, anything else a qualifier. */
static void
mvn_add_item(struct maven *m, int list, bool digit, const char *p,
    size_t len)
{
	if (digit)
		mvn_add(m, list, MVN_INT, p, len);
	else
		mvn_add_str(m, list, p, len, false);
}

/* The qualifier's place: known ones by index, unknown ones after them. */
static int
mvn_qual_index(const struct mvn_item *x)
{
	size_t	i;

	for (i = 0; i < MVN_NQUAL; i++)
		if (strlen(mvn_qualifiers[i]) == x->len &&
		    memcmp(mvn_qualifiers[i], x->p, x->len) == 0)
			return (int)i;
	return MVN_NQUAL;
}

static bool
mvn_is_null(const struct maven *m, const struct mvn_item *x)
{
	(void)m;
	switch (x->type) {
	case MVN_INT:
		return version_numcmp(x->p, x->len, "0", 1) == 0;
	case MVN_STR:
		return x->len == 0;
	default:
		return x->first < 0;
	}
}

/* ListItem.normalize: drop trailing 0, "" and empty lists. */
static void
mvn_normalize(struct maven *m, int list)
{
	struct mvn_item	*l = &m->it[list], *x;
	int		 i, prev;

	for (i = l->last; i >= 0; i = prev) {
		x = &m->it[i];
		prev = x->prev;
		if (mvn_is_null(m, x)) {
			if (x->prev >= 0)
				m->it[x->prev].next = x->next;
			else
				l->first = x->next;
			if (x->next >= 0)
				m->it[x->next].prev = x->prev;
			else
				l->last = x->prev;
		} else if (x->type != MVN_LIST)
			break;
	}
}

/* ComparableVersion.parseVersion, one character at a time. */
static void
mvn_build(struct maven *m, const char *v, size_t len)
{
	size_t	i, start = 0;
	int	list, j;
	bool	digit = false;
	char	c;

	list = mvn_add(m, -1, MVN_LIST, NULL, 0);
	for (i = 0; i < len; i++) {
		c = v[i];
		if (c == '.' || c == '-') {
			if (i == start)
				mvn_add(m, list, MVN_INT, "0", 1);
			else
				mvn_add_item(m, list, digit, v + start,
				    i - start);
			start = i + 1;
			if (c == '-')
				list = mvn_add(m, list, MVN_LIST, NULL, 0);
		} else if (c >= '0' && c <= '9') {
			if (!digit && i > start) {
				/* MNG-7644: ".X1" reads as "-X1". */
				if (m->it[list].first >= 0)
					list = mvn_add(m, list, MVN_LIST,
					    NULL, 0);
				mvn_add_str(m, list, v + start, i - start,
				    true);
				start = i;
				list = mvn_add(m, list, MVN_LIST, NULL, 0);
			}
			digit = true;
		} else {
			if (digit && i > start) {
				mvn_add_item(m, list, true, v + start,
				    i - start);
				start = i;
				list = mvn_add(m, list, MVN_LIST, NULL, 0);
			}
			digit = false;
		}
	}
	if (len > start) {
		if (!digit && m->it[list].first >= 0)
			list = mvn_add(m, list, MVN_LIST, NULL, 0);
		mvn_add_item(m, list, digit, v + start, len - start);
	}
	/* The stack pops the newest list first: reverse creation order. */
	for (j = (int)m->n - 1; j >= 0; j--)
		if (m->it[j].type == MVN_LIST)
			mvn_normalize(m, j);
}

static int
maven_parse(void **rep_out, const char *s, size_t len, struct ec_err *err)
{
	struct maven	*m;
	size_t		 i;

	if (memchr(s, ' ', len) != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "space in version");
	/*
	 * Items: the root, at most three per character (a qualifier that
	 * digits follow opens two lists) and two at the end.
	 */
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->lower = malloc(len + 1)) == NULL ||
	    (m->it = calloc(3 * len + 3, sizeof(*m->it))) == NULL) {
		if (m != NULL)
			free(m->lower);
		free(m);
		return ec_err_nomem(err);
	}
	/* toLowerCase(Locale.ENGLISH), on ASCII only. */
	for (i = 0; i < len; i++)
		m->lower[i] = s[i] >= 'A' && s[i] <= 'Z' ?
		    (char)(s[i] - 'A' + 'a') : s[i];
	m->lower[len] = '\0';
	mvn_build(m, m->lower, len);
	*rep_out = m;
	return 0;
}

static int	mvn_cmp(const struct maven *, const struct mvn_item *,
		    const struct maven *, const struct mvn_item *);

static int
mvn_str_cmp(const struct mvn_item *a, const struct mvn_item *b)
{
	int	ia = mvn_qual_index(a), ib = mvn_qual_index(b);

	if (ia != ib)
		return ia < ib ? -1 : 1;
	if (ia < MVN_NQUAL)
		return 0;
	return version_bytecmp(a->p, a->len, b->p, b->len);
}

static int
mvn_list_cmp(const struct maven *ma, const struct mvn_item *a,
    const struct maven *mb, const struct mvn_item *b)
{
	int	i = a->first, j = b->first, c;

	while (i >= 0 || j >= 0) {
		if (i < 0)
			c = -mvn_cmp(mb, &mb->it[j], ma, NULL);
		else
			c = mvn_cmp(ma, &ma->it[i], mb,
			    j >= 0 ? &mb->it[j] : NULL);
		if (c != 0)
			return c;
		i = i >= 0 ? ma->it[i].next : -1;
		j = j >= 0 ? mb->it[j].next : -1;
	}
	return 0;
}

/* Item.compareTo; b == NULL is a missing item (1.0 == 1, 1-rc < 1). */
static int
mvn_cmp(const struct maven *ma, const struct mvn_item *a,
    const struct maven *mb, const struct mvn_item *b)
{
	int	q, c;

	switch (a->type) {
	case MVN_INT:
		if (b == NULL)
			return mvn_is_null(ma, a) ? 0 : 1;
		if (b->type == MVN_INT)
			return version_numcmp(a->p, a->len, b->p, b->len);
		return 1;
	case MVN_STR:
		if (b == NULL) {
			q = mvn_qual_index(a);
			return q < MVN_RELEASE ? -1 : q > MVN_RELEASE;
		}
		if (b->type == MVN_STR)
			return mvn_str_cmp(a, b);
		return -1;
	default:
		/* MNG-6964: every item counts against a missing one. */
		for (q = b == NULL ? a->first : -1; q >= 0;
		    q = ma->it[q].next)
			if ((c = mvn_cmp(ma, &ma->it[q], mb, NULL)) != 0)
				return c;
		if (b == NULL)
			return 0;
		if (b->type == MVN_INT)
			return -1;
		if (b->type == MVN_STR)
			return 1;
		return mvn_list_cmp(ma, a, mb, b);
	}
}

static int
maven_cmp(const void *va, const void *vb)
{
	const struct maven	*a = va, *b = vb;

	return mvn_cmp(a, &a->it[0], b, &b->it[0]);
}

static void
maven_free(void *rep)
{
	struct maven	*m = rep;

	if (m == NULL)
		return;
	free(m->it);
	free(m->lower);
	free(m);
}

const struct version_ops version_maven_ops = {
	"maven", maven_parse, maven_cmp, maven_free
};

/* RubyGems. */

struct gem_seg {
	const char	*p;	/* digits or letters */
	size_t		 len;
	bool		 num;
};

struct gem {
	size_t		n;
	struct gem_seg	seg[];
};

/*
 * Gem::Version::ANCHORED_VERSION_PATTERN without the blanks:
 * [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
 */
static int
gem_check(const char *p, const char *end, struct ec_err *err)
{
	const char	*q;
	bool		 pre = false;

	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (q == p)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "must start with a number");
	while (q < end) {
		if (*q == '-' && !pre)
			pre = true;
		else if (*q != '.')
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bad character at offset %zu", (size_t)(q - p));
		for (p = ++q; q < end; q++)
			if (!version_alnum(*q) && !(pre && *q == '-'))
				break;
		if (q == p)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "empty segment");
	}
	return 0;
}

/* Drop trailing numeric zeros of seg[from, to); the new end. */
static size_t
gem_trim(struct gem_seg *seg, size_t from, size_t to)
{
	while (to > from && seg[to - 1].num &&
	    version_numcmp(seg[to - 1].p, seg[to - 1].len, "0", 1) == 0)
		to--;
	return to;
}

/*
 * Segments as Gem::Version#canonical_segments has them: "-" reads as
 * ".pre.", runs of digits and of letters are segments, and trailing
 * zeros go from the numeric part and from the rest.
 */
static int
rubygems_parse(void **rep_out, const char *s, size_t len, struct ec_err *err)
{
	const char	*p = s, *end = s + len, *q;
	struct gem	*g;
	size_t		 n = 0, k, tail, i;

	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	if (p < end && gem_check(p, end, err) == -1)
		return -1;
	if ((g = calloc(1, sizeof(*g) + (len + 1) * 2 *
	    sizeof(g->seg[0]))) == NULL)
		return ec_err_nomem(err);
	for (; p < end; p = q) {
		q = p + 1;
		if (*p == '-')
			g->seg[n++] = (struct gem_seg){ "pre", 3, false };
		else if (*p >= '0' && *p <= '9') {
			for (; q < end && *q >= '0' && *q <= '9'; q++)
				;
			g->seg[n++] = (struct gem_seg){ p, (size_t)(q - p),
			    true };
		} else if (*p != '.') {
			for (; q < end && version_alnum(*q) &&
			    !(*q >= '0' && *q <= '9'); q++)
				;
			g->seg[n++] = (struct gem_seg){ p, (size_t)(q - p),
			    false };
		}
	}
	for (k = 0; k < n && g->seg[k].num; k++)
		;
	tail = gem_trim(g->seg, k, n);
	i = gem_trim(g->seg, 0, k);
	memmove(&g->seg[i], &g->seg[k], (tail - k) * sizeof(g->seg[0]));
	g->n = i + tail - k;
	*rep_out = g;
	return 0;
}

/* Gem::Version#<=>: missing segments are 0, letters before numbers. */
static int
rubygems_cmp(const void *va, const void *vb)
{
	const struct gem	*a = va, *b = vb;
	static const struct gem_seg zero = { "0", 1, true };
	const struct gem_seg	*x, *y;
	size_t			 i;
	int			 c;

	for (i = 0; i < a->n || i < b->n; i++) {
		x = i < a->n ? &a->seg[i] : &zero;
		y = i < b->n ? &b->seg[i] : &zero;
		if (x->num != y->num)
			return x->num ? 1 : -1;
		c = x->num ? version_numcmp(x->p, x->len, y->p, y->len) :
		    version_bytecmp(x->p, x->len, y->p, y->len);
		if (c != 0)
			return c;
	}
	return 0;
}

const struct version_ops version_rubygems_ops = {
	"rubygems", rubygems_parse, rubygems_cmp, free
};
