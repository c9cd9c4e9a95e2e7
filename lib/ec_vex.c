/*
 * ec_vex: the statement set, the decision rule and purl matching.  The
 * three formats are read in ec_vex_read.c into calls of vex_push().
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ec_num.h"
#include "ec_purl.h"
#include "ec_vex_int.h"

/* FNV-1a of a name in ASCII lower case: ids compare without case. */
static uint32_t
vex_hash(const char *s)
{
	uint32_t	h = 2166136261u;
	char		c;

	for (; *s != '\0'; s++) {
		c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
		h = (h ^ (unsigned char)c) * 16777619u;
	}
	return h;
}

/*
 * Chain every key again, newest first, after keys were dropped.  Every
 * hash is in the table already (a dropped one keeps an empty chain), so
 * nothing can fail.
 */
static void
vex_relink(struct ec_vex_set *set)
{
	size_t	i, iter = 0, *head;
	void	*v;

	while (ec_hmap_next(NULL, &v, set->heads, &iter))
		*(size_t *)v = SIZE_MAX;
	for (i = 0; i < set->nkey; i++) {
		head = ec_hmap_get_u64(set->heads, set->key[i].hash);
		set->key[i].next = *head;
		*head = i;
	}
}

static int
vex_add_key(struct ec_vex_set *set, const char *name, size_t st,
    struct ec_err *err)
{
	uint32_t	 h = vex_hash(name);
	size_t		*head;
	void		*v;
	int		 added;

	if (ec_array_grow((void **)&set->key, &set->capkey, set->nkey,
	    sizeof(*set->key), 64, err) == -1)
		return -1;
	if ((added = ec_hmap_put_u64(&v, set->heads, h, err)) == -1)
		return -1;
	head = v;
	set->key[set->nkey] = (struct vex_key){ h, st,
	    added == 1 ? SIZE_MAX : *head };
	*head = set->nkey++;
	return 0;
}

int
vex_index(struct ec_vex_set *set, size_t from, struct ec_err *err)
{
	size_t	i, j;

	for (i = from; i < set->n; i++) {
		if (vex_add_key(set, set->st[i].vuln, i, err) == -1)
			return -1;
		for (j = 0; j < set->st[i].naliases; j++)
			if (vex_add_key(set, set->st[i].aliases[j], i,
			    err) == -1)
				return -1;
	}
	return 0;
}

int
ec_vex_set_new(struct ec_vex_set **out, struct ec_err *err)
{
	struct ec_vex_set	*set;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		return ec_err_nomem(err);
	if (ec_hmap_new(&set->heads, EC_HMAP_U64, sizeof(size_t),
	    EC_HMAP_MAX_KEYS, err) == -1) {
		free(set);
		return -1;
	}
	*out = set;
	return 0;
}

static void
vex_dispose(struct ec_vex_statement *s)
{
	size_t	i;

	free((char *)s->doc);
	free((char *)s->vuln);
	free((char *)s->product);
	free((char *)s->justification);
	for (i = 0; i < s->naliases; i++)
		free((char *)s->aliases[i]);
	free((char **)s->aliases);
}

/* Also drops the keys of the dropped statements and relinks the rest. */
void
vex_truncate(struct ec_vex_set *set, size_t n)
{
	size_t	i, k = 0;

	while (set->n > n)
		vex_dispose(&set->st[--set->n]);
	for (i = 0; i < set->nkey; i++)
		if (set->key[i].st < n)
			set->key[k++] = set->key[i];
	if (k != set->nkey) {
		set->nkey = k;
		vex_relink(set);
	}
}

int
vex_push(struct ec_vex_set *set, const struct vex_ctx *cx, const char *vuln,
    const char *const *aliases, size_t naliases, const char *product,
    enum ec_vex_status status, const char *justification, int64_t time,
    struct ec_err *err)
{
	struct ec_vex_statement	*s;
	char			**al = NULL;
	size_t			 i;

	if (set->n - cx->mark >= EC_VEX_MAX_STATEMENTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "more than %d statements", EC_VEX_MAX_STATEMENTS);
	if (ec_array_grow((void **)&set->st, &set->cap, set->n,
	    sizeof(*set->st), 64, err) == -1)
		return -1;
	s = &set->st[set->n];
	memset(s, 0, sizeof(*s));
	if (naliases > 0 && (al = calloc(naliases, sizeof(*al))) == NULL)
		return ec_err_nomem(err);
	s->aliases = (const char *const *)al;
	for (i = 0; i < naliases; i++, s->naliases++)
		if ((al[i] = strdup(aliases[i])) == NULL)
			goto nomem;
	s->doc = strdup(cx->name);
	s->vuln = strdup(vuln);
	s->product = strdup(product);
	s->justification = strdup(justification != NULL ? justification : "");
	if (s->doc == NULL || s->vuln == NULL || s->product == NULL ||
	    s->justification == NULL)
		goto nomem;
	s->index = set->n - cx->mark;
	s->format = cx->format;
	s->status = status;
	s->time = time;
	set->n++;
	return 0;
nomem:
	vex_dispose(s);
	return ec_err_nomem(err);
}

size_t
ec_vex_count(const struct ec_vex_set *set)
{
	return set->n;
}

const struct ec_vex_statement *
ec_vex_get(const struct ec_vex_set *set, size_t i)
{
	return i < set->n ? &set->st[i] : NULL;
}

const char *
ec_vex_status_name(enum ec_vex_status s)
{
	static const char *const names[] = {
		"not_affected", "affected", "fixed", "under_investigation"
	};

	return (unsigned)s < 4 ? names[s] : "unknown";
}

static bool
vex_same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

bool
ec_vex_product_matches(const char *product, const char *purl)
{
	struct ec_purl	*p = NULL, *c = NULL;
	const char	*v;
	bool		 m = false;
	size_t		 i;

	if (strcmp(product, purl) == 0)
		return true;
	if (ec_purl_parse(&p, product, strlen(product), NULL) == -1 ||
	    ec_purl_parse(&c, purl, strlen(purl), NULL) == -1)
		goto out;
	if (!vex_same(ec_purl_type(p), ec_purl_type(c)) ||
	    !vex_same(ec_purl_name(p), ec_purl_name(c)) ||
	    ((ec_purl_namespace(p) != NULL || ec_purl_namespace(c) != NULL) &&
	    !vex_same(ec_purl_namespace(p), ec_purl_namespace(c))))
		goto out;
	if ((v = ec_purl_version(p)) != NULL &&
	    !vex_same(v, ec_purl_version(c)))
		goto out;
	if ((v = ec_purl_subpath(p)) != NULL &&
	    !vex_same(v, ec_purl_subpath(c)))
		goto out;
	for (i = 0; i < ec_purl_nqualifiers(p); i++)
		if (!vex_same(ec_purl_qualifier_value(p, i),
		    ec_purl_qualifier(c, ec_purl_qualifier_key(p, i))))
			goto out;
	m = true;
out:
	ec_purl_free(p);
	ec_purl_free(c);
	return m;
}

/* Vulnerability ids compare without case: "cve-2021-44228" is the same. */
static bool
vex_vuln_matches(const struct ec_vex_statement *s, const char *vuln,
    const char *const *aliases, size_t naliases)
{
	size_t	i, j;

	for (i = 0; i <= s->naliases; i++) {
		const char *mine = i == 0 ? s->vuln : s->aliases[i - 1];

		if (strcasecmp(mine, vuln) == 0)
			return true;
		for (j = 0; j < naliases; j++)
			if (strcasecmp(mine, aliases[j]) == 0)
				return true;
	}
	return false;
}

/* Newer first; then by document name and order, for a stable answer. */
static bool
vex_newer(const struct ec_vex_statement *a, const struct ec_vex_statement *b)
{
	int	c;

	if (a->time != b->time)
		return a->time > b->time;
	if ((c = strcmp(a->doc, b->doc)) != 0)
		return c > 0;
	return a->index > b->index;
}

/*
 * Only the statements that carry one of the finding's names are looked
 * at, through the index of names; a statement reached twice is simply
 * compared twice.
 */
const struct ec_vex_statement *
ec_vex_decide(const struct ec_vex_set *set, const char *vuln,
    const char *const *aliases, size_t naliases, const char *purl)
{
	const struct ec_vex_statement	*best = NULL, *s;
	const char			*name;
	const size_t			*head;
	size_t				 i, k;

	for (i = 0; i <= naliases; i++) {
		name = i == 0 ? vuln : aliases[i - 1];
		if ((head = ec_hmap_get_u64(set->heads, vex_hash(name))) ==
		    NULL)
			continue;
		/* A chain holds one hash; vex_vuln_matches() tells names. */
		for (k = *head; k != SIZE_MAX; k = set->key[k].next) {
			s = &set->st[set->key[k].st];
			if ((best == NULL || vex_newer(s, best)) &&
			    vex_vuln_matches(s, vuln, aliases, naliases) &&
			    ec_vex_product_matches(s->product, purl))
				best = s;
		}
	}
	return best;
}

void
ec_vex_set_free(struct ec_vex_set *set)
{
	if (set == NULL)
		return;
	vex_truncate(set, 0);
	free(set->st);
	free(set->key);
	ec_hmap_free(set->heads);
	free(set);
}
