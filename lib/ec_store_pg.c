/*
 * ec_store_pg: the evidence store in PostgreSQL (sql/0001), read over
 * ec_db.  Each statement names its tenant twice: ec_db_begin() sets
 * app.tenant for row-level security, and every WHERE clause says
 * "tenant = $1" as well, because superusers and BYPASSRLS roles skip RLS
 * and would otherwise read every tenant's rows.
 *
 * Documents stream in single-row mode (ec_db_stream): the server keeps
 * sending while we write, so its work and ours overlap, and memory holds
 * one row whatever the number of documents.  (A cursor read in batches
 * was measured slower: each FETCH is a round trip with the server idle.)
 */
#include <stdlib.h>
#include <string.h>

#include "ec_db.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_store_int.h"

struct pg_store {
	struct ec_store	 base;		/* first: the ops see a pg_store */
	struct ec_db	*db;		/* borrowed */
};

static const char pg_stats_sql[] =
    "SELECT count(*), coalesce(greatest(0, (extract(epoch FROM "
    "max(modified_at)) * 1000000)::int8), 0), coalesce(sum(size), 0) "
    "FROM evidence "
    "WHERE tenant = $1 AND kind = $2";

static const char pg_docs_sql[] =
    "SELECT source, upstream_id, sha256, doc FROM evidence "
    "WHERE tenant = $1 AND kind = $2 ORDER BY upstream_id, source";

static int
pg_begin(struct ec_store *s, const char *tenant, struct ec_err *err)
{
	return ec_db_begin(((struct pg_store *)s)->db, tenant, true, err);
}

static void
pg_end(struct ec_store *s)
{
	ec_db_rollback(((struct pg_store *)s)->db);
}

static int
pg_stats(struct ec_store_stats *out, struct ec_store *s, const char *kind,
    struct ec_err *err)
{
	struct pg_store	*p = (struct pg_store *)s;
	const char	*vals[2] = { s->tenant, kind };
	PGresult	*res;
	uint64_t	 n, t, bytes;
	int		 rc = -1;

	if ((res = ec_db_exec(p->db, pg_stats_sql, 2, vals, NULL, NULL, false,
	    err)) == NULL)
		return -1;
	/* Numbers from outside this process are parsed strictly. */
	if (PQntuples(res) != 1 || PQnfields(res) != 3 ||
	    ec_parse_u64(&n, PQgetvalue(res, 0, 0), 0, UINT64_MAX) == -1 ||
	    ec_parse_u64(&t, PQgetvalue(res, 0, 1), 0, INT64_MAX) == -1 ||
	    ec_parse_u64(&bytes, PQgetvalue(res, 0, 2), 0, INT64_MAX) == -1) {
		(void)ec_err_set(err, EC_ERR_DB,
		    "database: unexpected statistics for %s", kind);
		goto out;
	}
	out->docs = n;
	out->max_modified_us = (int64_t)t;
	out->bytes = bytes;
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* One streamed row as a document; the schema's CHECKs make it well formed. */
static int
pg_row(struct ec_store_doc *d, const PGresult *res, const char *kind,
    struct ec_err *err)
{
	int	c;

	if (PQnfields(res) != 4)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "evidence row of %d columns", PQnfields(res));
	for (c = 0; c < 4; c++)
		if (PQgetisnull(res, 0, c))
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "evidence row with a NULL column");
	d->kind = kind;
	d->source = PQgetvalue(res, 0, 0);
	d->id = PQgetvalue(res, 0, 1);
	d->sha256 = PQgetvalue(res, 0, 2);
	d->doc = PQgetvalue(res, 0, 3);
	d->len = (size_t)PQgetlength(res, 0, 3);
	if (PQgetlength(res, 0, 2) != EC_SHA256_HEX - 1 ||
	    strlen(d->source) != (size_t)PQgetlength(res, 0, 0) ||
	    strlen(d->id) != (size_t)PQgetlength(res, 0, 1))
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "evidence row %.100s is malformed", d->id);
	return 0;
}

struct pg_walk {
	const char	*kind;
	ec_store_doc_fn	*fn;
	void		*arg;
};

static int
pg_walk_row(void *arg, const PGresult *row, struct ec_err *err)
{
	struct pg_walk		*w = arg;
	struct ec_store_doc	 d;

	if (pg_row(&d, row, w->kind, err) == -1)
		return -1;
	return w->fn(w->arg, &d, err);
}

static int
pg_each(struct ec_store *s, const char *kind, ec_store_doc_fn *fn, void *arg,
    struct ec_err *err)
{
	struct pg_walk	 w = { kind, fn, arg };
	const char	*vals[2] = { s->tenant, kind };

	/* Binary results: the document's bytes as stored, no hex decoding. */
	return ec_db_stream(((struct pg_store *)s)->db, pg_docs_sql, 2, vals,
	    true, pg_walk_row, &w, err);
}

static void
pg_free(struct ec_store *s)
{
	free(s);
}

static const struct store_ops pg_ops = {
	pg_begin, pg_end, pg_stats, pg_each, pg_free
};

int
ec_store_pg_new(struct ec_store **out, struct ec_db *db, struct ec_err *err)
{
	struct pg_store	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ec_err_nomem(err);
	p->base.ops = &pg_ops;
	p->db = db;
	*out = &p->base;
	return 0;
}
