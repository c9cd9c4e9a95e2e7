/*
 * ec_store_pg: the evidence store in PostgreSQL (sql/0001), read over
 * ec_db.  Each statement names its tenant twice: ec_db_begin() sets
 * app.tenant for row-level security, and every WHERE clause says
 * "tenant = $1" as well, because superusers and BYPASSRLS roles skip RLS
 * and would otherwise read every tenant's rows.
 *
 * Documents stream with COPY (SELECT ...) TO STDOUT (FORMAT binary),
 * parsed by ec_pgcopy: the server keeps sending while we write, so its
 * work and ours overlap, memory holds one CopyData message (one row)
 * whatever the number of documents, and no per-row PGresult is built.
 * (Single-row mode spent most of an export's time building those; a
 * cursor read in batches was slower still, each FETCH a round trip with
 * the server idle.)  COPY takes no parameters, so its tenant predicate
 * reads app.tenant, which ec_db_begin() set from the same name, and its
 * kind is a literal from the schema's fixed list, never caller text.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_db.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_pgcopy.h"
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

/* The documents of one kind, in the order the bundles need (bytewise). */
#define PG_DOCS_COPY(kind)						\
    "COPY (SELECT source, upstream_id, sha256, doc FROM evidence "	\
    "WHERE tenant = current_setting('app.tenant', true) AND "	\
    "kind = '" kind "' ORDER BY upstream_id, source) "		\
    "TO STDOUT (FORMAT binary)"

static const struct {
	const char	*kind;
	const char	*sql;
} pg_docs_copy[] = {
	{ "advisory",	PG_DOCS_COPY("advisory") },
	{ "vex",	PG_DOCS_COPY("vex") },
	{ "sbom",	PG_DOCS_COPY("sbom") },
	{ "policy",	PG_DOCS_COPY("policy") },
};

/* source and upstream_id: at most 512 characters of up to 4 bytes. */
#define PG_MAX_TEXT	(4 * 512)
#define PG_COLUMNS	4
/* A tuple on the wire: the field count, four lengths and the fields. */
#define PG_MAX_TUPLE	(2 + 4 * PG_COLUMNS + 2 * PG_MAX_TEXT + \
	(EC_SHA256_HEX - 1) + EC_MAX_DOC_BYTES)

/*
 * Plan settings for the read transaction, local to it.  The primary key
 * (tenant, kind, upstream_id, source) already holds every COPY's order,
 * but for a tenant that is most of the table the planner prefers a
 * sequential scan and a sort of the whole documents, which spills to
 * disk past work_mem (about 140 MB of temporary files for 107k
 * advisories, three times the index scan's time).  With sorting priced
 * out it walks the index; the rows, and so the bytes, are the same.  JIT
 * compilation only adds its own time to a plan that just reads rows.
 */
static const char pg_plan_sql[] =
    "SELECT set_config('enable_sort', 'off', true), "
    "set_config('jit', 'off', true)";

static int
pg_begin(struct ec_store *s, const char *tenant, struct ec_err *err)
{
	struct ec_db	*db = ((struct pg_store *)s)->db;
	PGresult	*res;

	if (ec_db_begin(db, tenant, true, err) == -1)
		return -1;
	if ((res = ec_db_exec(db, pg_plan_sql, 0, NULL, NULL, NULL, false,
	    err)) == NULL) {
		ec_db_rollback(db);
		return -1;
	}
	PQclear(res);
	return 0;
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

struct pg_walk {
	const char	*kind;
	ec_store_doc_fn	*fn;
	void		*arg;
	struct ec_pgcopy *copy;
	char		 source[PG_MAX_TEXT + 1];
	char		 id[PG_MAX_TEXT + 1];
	char		 sha256[EC_SHA256_HEX];
};

/* A text column as a C string; text holds no NUL, but that is checked. */
static int
pg_text(char *out, size_t cap, const struct ec_pgcopy_field *f)
{
	if (f->null || f->len == 0 || f->len >= cap ||
	    memchr(f->p, '\0', f->len) != NULL)
		return -1;
	memcpy(out, f->p, f->len);
	out[f->len] = '\0';
	return 0;
}

/* One row as a document; the schema's CHECKs make it well formed. */
static int
pg_walk_row(void *arg, const struct ec_pgcopy_field *f, int n,
    struct ec_err *err)
{
	struct pg_walk		*w = arg;
	struct ec_store_doc	 d;

	if (n != PG_COLUMNS || f[3].null ||
	    pg_text(w->source, sizeof(w->source), &f[0]) == -1 ||
	    pg_text(w->id, sizeof(w->id), &f[1]) == -1 ||
	    pg_text(w->sha256, sizeof(w->sha256), &f[2]) == -1 ||
	    f[2].len != EC_SHA256_HEX - 1)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "evidence row after %.100s is malformed", w->id);
	d.kind = w->kind;
	d.source = w->source;
	d.id = w->id;
	d.sha256 = w->sha256;
	d.doc = f[3].p;
	d.len = f[3].len;
	return w->fn(w->arg, &d, err);
}

static int
pg_walk_chunk(void *arg, const void *p, size_t len, struct ec_err *err)
{
	struct pg_walk	*w = arg;

	return ec_pgcopy_feed(w->copy, p, len, pg_walk_row, w, err);
}

static int
pg_each(struct ec_store *s, const char *kind, ec_store_doc_fn *fn, void *arg,
    struct ec_err *err)
{
	struct pg_walk	*w;
	const char	*sql = NULL;
	uint64_t	 rows;
	size_t		 i;
	int		 rc = -1;

	for (i = 0; i < sizeof(pg_docs_copy) / sizeof(pg_docs_copy[0]); i++)
		if (strcmp(kind, pg_docs_copy[i].kind) == 0)
			sql = pg_docs_copy[i].sql;
	if (sql == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "store: no document kind %.40s", kind);
	/* On the heap: the row's text columns take a few KiB. */
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ec_err_nomem(err);
	w->kind = kind;
	w->fn = fn;
	w->arg = arg;
	if (ec_pgcopy_new(&w->copy, PG_COLUMNS, PG_MAX_TUPLE, err) == -1)
		goto out;
	if ((rc = ec_db_copy_out(((struct pg_store *)s)->db, sql,
	    pg_walk_chunk, w, err)) != 0)
		goto out;
	rc = ec_pgcopy_end(w->copy, &rows, err);
out:
	ec_pgcopy_free(w->copy);
	free(w);
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
