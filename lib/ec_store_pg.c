/*
 * ec_store_pg: the evidence store in PostgreSQL (sql/0001), read over
 * ec_db.  Each statement names its tenant twice: ec_db_begin() sets
 * app.tenant for row-level security, and every WHERE clause says
 * "tenant = $1" as well, because superusers and BYPASSRLS roles skip RLS
 * and would otherwise read every tenant's rows.
 *
 * Documents are read through a cursor in batches: fewer round trips and
 * result objects than one per row, and memory bounded by the batch.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_db.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_store_int.h"

/*
 * Bytes one FETCH should bring at most: the batch is this divided by the
 * largest document seen so far, between 1 and STORE_BATCH_MAX rows, and
 * starts at STORE_BATCH_FIRST until sizes are known.
 */
#define STORE_BATCH_BYTES	(8 * 1024 * 1024)
#define STORE_BATCH_MAX		1024
#define STORE_BATCH_FIRST	16

struct pg_store {
	struct ec_store	 base;		/* first: the ops see a pg_store */
	struct ec_db	*db;		/* borrowed */
};

static const char pg_stats_sql[] =
    "SELECT count(*), coalesce(greatest(0, (extract(epoch FROM "
    "max(modified_at)) * 1000000)::int8), 0) FROM evidence "
    "WHERE tenant = $1 AND kind = $2";

static const char pg_declare_sql[] =
    "DECLARE ec_store_docs NO SCROLL CURSOR FOR "
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
	uint64_t	 n, t;
	int		 rc = -1;

	if ((res = ec_db_exec(p->db, pg_stats_sql, 2, vals, NULL, NULL, false,
	    err)) == NULL)
		return -1;
	/* House style: numbers from outside this process are parsed strictly. */
	if (PQntuples(res) != 1 || PQnfields(res) != 2 ||
	    ec_parse_u64(&n, PQgetvalue(res, 0, 0), 0, UINT64_MAX) == -1 ||
	    ec_parse_u64(&t, PQgetvalue(res, 0, 1), 0, INT64_MAX) == -1) {
		(void)ec_err_set(err, EC_ERR_DB,
		    "database: unexpected statistics for %s", kind);
		goto out;
	}
	out->docs = n;
	out->max_modified_us = (int64_t)t;
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* One fetched row as a document; the schema's CHECKs make it well formed. */
static int
pg_row(struct ec_store_doc *d, const PGresult *res, int row, const char *kind,
    struct ec_err *err)
{
	int	c;

	for (c = 0; c < 4; c++)
		if (PQgetisnull(res, row, c))
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "evidence row with a NULL column");
	d->kind = kind;
	d->source = PQgetvalue(res, row, 0);
	d->id = PQgetvalue(res, row, 1);
	d->sha256 = PQgetvalue(res, row, 2);
	d->doc = PQgetvalue(res, row, 3);
	d->len = (size_t)PQgetlength(res, row, 3);
	if (PQgetlength(res, row, 2) != EC_SHA256_HEX - 1 ||
	    strlen(d->source) != (size_t)PQgetlength(res, row, 0) ||
	    strlen(d->id) != (size_t)PQgetlength(res, row, 1))
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "evidence row %.100s is malformed", d->id);
	return 0;
}

/* Walk the open cursor; returns what "fn" or the database said. */
static int
pg_fetch_all(struct pg_store *p, const char *kind, ec_store_doc_fn *fn,
    void *arg, struct ec_err *err)
{
	struct ec_store_doc	 d;
	PGresult		*res;
	char			 sql[64];
	size_t			 batch = STORE_BATCH_FIRST, biggest = 1;
	int			 i, n, rc;

	for (;;) {
		(void)snprintf(sql, sizeof(sql), "FETCH %zu FROM ec_store_docs",
		    batch);
		if ((res = ec_db_exec(p->db, sql, 0, NULL, NULL, NULL, true,
		    err)) == NULL)
			return -1;
		n = PQntuples(res);
		for (i = 0; i < n; i++) {
			if ((rc = pg_row(&d, res, i, kind, err)) == 0)
				rc = fn(arg, &d, err);
			if (rc != 0) {
				PQclear(res);
				return rc;
			}
			if (d.len > biggest)
				biggest = d.len;
		}
		PQclear(res);
		if ((size_t)n < batch)
			return 0;
		batch = STORE_BATCH_BYTES / biggest;
		if (batch < 1)
			batch = 1;
		else if (batch > STORE_BATCH_MAX)
			batch = STORE_BATCH_MAX;
	}
}

static int
pg_each(struct ec_store *s, const char *kind, ec_store_doc_fn *fn, void *arg,
    struct ec_err *err)
{
	struct pg_store	*p = (struct pg_store *)s;
	const char	*vals[2] = { s->tenant, kind };
	PGresult	*res;
	int		 rc;

	if ((res = ec_db_exec(p->db, pg_declare_sql, 2, vals, NULL, NULL,
	    false, err)) == NULL)
		return -1;
	PQclear(res);
	rc = pg_fetch_all(p, kind, fn, arg, err);
	/* After a database error the transaction is aborted: nothing to do. */
	if ((res = ec_db_exec(p->db, "CLOSE ec_store_docs", 0, NULL, NULL,
	    NULL, false, NULL)) != NULL)
		PQclear(res);
	return rc;
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
