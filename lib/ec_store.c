/*
 * ec_store: the calls every backend shares, and the in-memory backend
 * (tests, tools without a database).  The PostgreSQL one is ec_store_pg.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_db.h"
#include "ec_num.h"
#include "ec_store_int.h"

struct mem_doc {
	char	*tenant, *kind, *source, *id;	/* owned */
	char	*doc;				/* owned */
	size_t	 len;
	int64_t	 modified_us;
	char	 sha256[EC_SHA256_HEX];
};

struct mem_store {
	struct ec_store	 base;		/* first: the ops see a mem_store */
	struct mem_doc	*docs;		/* owned, sorted by mem_doc_cmp */
	size_t		 n, cap;
};

int
ec_store_begin(struct ec_store *s, const char *tenant, struct ec_err *err)
{
	if (s->open)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "store snapshot already open");
	if (ec_tenant_check(tenant, err) == -1 ||
	    s->ops->begin(s, tenant, err) == -1)
		return -1;
	(void)snprintf(s->tenant, sizeof(s->tenant), "%s", tenant);
	s->open = true;
	return 0;
}

void
ec_store_end(struct ec_store *s)
{
	if (s != NULL && s->open) {
		s->ops->end(s);
		s->open = false;
	}
}

int
ec_store_stats(struct ec_store_stats *out, struct ec_store *s,
    const char *kind, struct ec_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!s->open)
		return ec_err_set(err, EC_ERR_INTERNAL, "no store snapshot");
	return s->ops->stats(out, s, kind, err);
}

int
ec_store_each(struct ec_store *s, const char *kind, ec_store_doc_fn *fn,
    void *arg, struct ec_err *err)
{
	if (!s->open)
		return ec_err_set(err, EC_ERR_INTERNAL, "no store snapshot");
	return s->ops->each(s, kind, fn, arg, err);
}

void
ec_store_free(struct ec_store *s)
{
	if (s == NULL)
		return;
	ec_store_end(s);
	s->ops->free(s);
}

/* The order the PostgreSQL store gives: tenant, kind, upstream id, source. */
static int
mem_doc_cmp(const struct mem_doc *a, const struct mem_doc *b)
{
	int	c;

	if ((c = strcmp(a->tenant, b->tenant)) != 0 ||
	    (c = strcmp(a->kind, b->kind)) != 0 ||
	    (c = strcmp(a->id, b->id)) != 0)
		return c;
	return strcmp(a->source, b->source);
}

static int
mem_begin(struct ec_store *s, const char *tenant, struct ec_err *err)
{
	(void)s;
	(void)tenant;
	(void)err;
	return 0;
}

static void
mem_end(struct ec_store *s)
{
	(void)s;
}

static int
mem_stats(struct ec_store_stats *out, struct ec_store *s, const char *kind,
    struct ec_err *err)
{
	struct mem_store	*m = (struct mem_store *)s;
	size_t			 i;

	(void)err;
	for (i = 0; i < m->n; i++) {
		if (strcmp(m->docs[i].tenant, s->tenant) != 0 ||
		    strcmp(m->docs[i].kind, kind) != 0)
			continue;
		out->docs++;
		out->bytes += m->docs[i].len;
		if (m->docs[i].modified_us > out->max_modified_us)
			out->max_modified_us = m->docs[i].modified_us;
	}
	return 0;
}

static int
mem_each(struct ec_store *s, const char *kind, ec_store_doc_fn *fn,
    void *arg, struct ec_err *err)
{
	struct mem_store	*m = (struct mem_store *)s;
	struct ec_store_doc	 d;
	size_t			 i;
	int			 rc;

	for (i = 0; i < m->n; i++) {
		if (strcmp(m->docs[i].tenant, s->tenant) != 0 ||
		    strcmp(m->docs[i].kind, kind) != 0)
			continue;
		d.kind = m->docs[i].kind;
		d.source = m->docs[i].source;
		d.id = m->docs[i].id;
		d.sha256 = m->docs[i].sha256;
		d.doc = m->docs[i].doc;
		d.len = m->docs[i].len;
		if ((rc = fn(arg, &d, err)) != 0)
			return rc;
	}
	return 0;
}

static void
mem_doc_dispose(struct mem_doc *d)
{
	free(d->tenant);
	free(d->kind);
	free(d->source);
	free(d->id);
	free(d->doc);
}

static void
mem_free(struct ec_store *s)
{
	struct mem_store	*m = (struct mem_store *)s;
	size_t			 i;

	for (i = 0; i < m->n; i++)
		mem_doc_dispose(&m->docs[i]);
	free(m->docs);
	free(m);
}

static const struct store_ops mem_ops = {
	mem_begin, mem_end, mem_stats, mem_each, mem_free
};

int
ec_store_mem_new(struct ec_store **out, struct ec_err *err)
{
	struct mem_store	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ec_err_nomem(err);
	m->base.ops = &mem_ops;
	*out = &m->base;
	return 0;
}

/* Insert "d" (taken over on success) keeping the array sorted. */
static int
mem_insert(struct mem_store *m, struct mem_doc *d, struct ec_err *err)
{
	size_t		 lo = 0, hi = m->n, mid;
	int		 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = mem_doc_cmp(&m->docs[mid], d)) == 0)
			return ec_err_set(err, EC_ERR_CONFLICT,
			    "%s %s from %s is already in the store", d->kind,
			    d->id, d->source);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ec_array_grow((void **)&m->docs, &m->cap, m->n, sizeof(*d), 16,
	    err) == -1)
		return -1;
	memmove(&m->docs[lo + 1], &m->docs[lo], (m->n - lo) * sizeof(*d));
	m->docs[lo] = *d;
	m->n++;
	return 0;
}

int
ec_store_mem_add(struct ec_store *s, const char *tenant, const char *kind,
    const char *source, const char *id, int64_t modified_us, const void *doc,
    size_t len, struct ec_err *err)
{
	struct mem_store	*m = (struct mem_store *)s;
	struct mem_doc		 d;

	if (s->ops != &mem_ops)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "not an in-memory store");
	memset(&d, 0, sizeof(d));
	d.modified_us = modified_us < 0 ? 0 : modified_us;
	d.len = len;
	if ((d.tenant = strdup(tenant)) == NULL ||
	    (d.kind = strdup(kind)) == NULL ||
	    (d.source = strdup(source)) == NULL ||
	    (d.id = strdup(id)) == NULL ||
	    (d.doc = malloc(len > 0 ? len : 1)) == NULL) {
		mem_doc_dispose(&d);
		return ec_err_nomem(err);
	}
	if (len > 0)
		memcpy(d.doc, doc, len);
	ec_sha256_hex(d.sha256, doc, len);
	if (mem_insert(m, &d, err) == -1) {
		mem_doc_dispose(&d);
		return -1;
	}
	return 0;
}
