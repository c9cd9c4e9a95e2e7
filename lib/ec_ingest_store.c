/*
 * ec_ingest_store: one batch of documents to the evidence table in one
 * transaction: COPY (binary) into a session's TEMP staging table, then a
 * single INSERT ... SELECT ... ON CONFLICT merge that keeps the newest
 * version.  Within a batch, documents with the same (kind, id, source)
 * are resolved first (ON CONFLICT cannot touch a row twice), and a key
 * table carried across batches keeps the counts the same as if the whole
 * run were one batch.  Deadlocks and serialisation failures against a
 * concurrent ingest are retried; a document the database refuses is
 * isolated by writing the batch one document at a time.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ec_hmap.h"
#include "ec_ingest_int.h"
#include "ec_limits.h"
#include "ec_num.h"

/* Attempts of a batch transaction that meets a deadlock (40P01/40001). */
#define STORE_ATTEMPTS		8
/* PostgreSQL timestamps count µs from 2000-01-01 (its epoch). */
#define STORE_PG_EPOCH_US	946684800000000LL

/*
 * Rows vanish at each commit; the table lives as long as the session, so
 * that a batch costs no catalog change.  Documents are staged
 * uncompressed (STORAGE EXTERNAL): they are compressed once, in evidence.
 */
static const char store_stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS ingest_stage (ord int4 NOT NULL, "
    "kind text COLLATE \"C\" NOT NULL, format text COLLATE \"C\" NOT NULL, "
    "source text COLLATE \"C\" NOT NULL, "
    "upstream_id text COLLATE \"C\" NOT NULL, modified_at timestamptz, "
    "sha256 text COLLATE \"C\" NOT NULL, size int8 NOT NULL, "
    "doc bytea NOT NULL) ON COMMIT DELETE ROWS";

static const char store_stage_plain_sql[] =
    "ALTER TABLE ingest_stage ALTER COLUMN doc SET STORAGE EXTERNAL";

/* Keys and digests only: which documents are stored already, unchanged. */
static const char store_probe_stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS ingest_probe (ord int4 NOT NULL, "
    "kind text COLLATE \"C\" NOT NULL, source text COLLATE \"C\" NOT NULL, "
    "upstream_id text COLLATE \"C\" NOT NULL, "
    "sha256 text COLLATE \"C\" NOT NULL) ON COMMIT DELETE ROWS";

static const char store_probe_copy_sql[] =
    "COPY ingest_probe (ord, kind, source, upstream_id, sha256) "
    "FROM STDIN (FORMAT binary)";

/*
 * A correlated scalar subquery is never flattened into a join: each row
 * is one primary-key lookup, whatever the planner would guess for an
 * unanalysed TEMP table against a large evidence table.
 */
static const char store_probe_sql[] =
    "SELECT p.ord, 'n' FROM ingest_probe p WHERE (SELECT e.sha256 "
    "FROM evidence e WHERE e.tenant = $1 AND e.kind = p.kind AND "
    "e.upstream_id = p.upstream_id AND e.source = p.source) = p.sha256";

static const char store_copy_sql[] =
    "COPY ingest_stage (ord, kind, format, source, upstream_id, "
    "modified_at, sha256, size, doc) FROM STDIN (FORMAT binary)";

/*
 * Insert, or replace when the new version is newer: a later modified
 * time, or the same time and a greater digest.  The tie-break makes the
 * stored state independent of the order documents are read in.  Rows are
 * taken in key order, so concurrent ingests lock in the same order.  The
 * outer query reads the snapshot from before the merge: a key the merge
 * did not write was unchanged (same digest stored) or stale; that lookup
 * is a correlated subquery, one primary-key probe per row (see the probe
 * below).  Tenant is explicit in every predicate as well as enforced by
 * row-level security.
 */
static const char store_merge_sql[] =
    "WITH m AS (INSERT INTO evidence AS e (tenant, kind, format, source, "
    "upstream_id, modified_at, sha256, size, doc) "
    "SELECT $1, kind, format, source, upstream_id, modified_at, sha256, "
    "size, doc FROM ingest_stage ORDER BY kind, upstream_id, source "
    "ON CONFLICT (tenant, kind, upstream_id, source) DO UPDATE SET "
    "format = excluded.format, modified_at = excluded.modified_at, "
    "sha256 = excluded.sha256, size = excluded.size, doc = excluded.doc, "
    "ingested_at = now() "
    "WHERE e.tenant = $1 AND "
    "(coalesce(excluded.modified_at, '-infinity'), excluded.sha256) > "
    "(coalesce(e.modified_at, '-infinity'), e.sha256) "
    "RETURNING e.kind, e.upstream_id, e.source, (e.xmax = 0) AS ins) "
    "SELECT s.ord, CASE WHEN m.ins THEN 'i' WHEN m.ins IS NOT NULL "
    "THEN 'u' WHEN (SELECT o.sha256 FROM evidence o WHERE o.tenant = $1 "
    "AND o.kind = s.kind AND o.upstream_id = s.upstream_id AND "
    "o.source = s.source) = s.sha256 THEN 'n' ELSE 's' END "
    "FROM ingest_stage s LEFT JOIN m ON m.kind = s.kind AND "
    "m.upstream_id = s.upstream_id AND m.source = s.source";

/* A document of the batch while its duplicates are resolved. */
struct store_ref {
	struct ingest_item	*it;
	const char		*id;	/* in the batch's text */
	const char		*source;	/* static or the run's */
	size_t			 idx;	/* in the batch */
};

struct ingest_store {
	struct ec_db		*db;		/* borrowed */
	const char		*tenant;	/* borrowed */
	const char		*source;	/* borrowed; NULL: by format */
	/* Run-wide: key -> uint8_t, the status of the key's winner. */
	struct ec_hmap		*keys;		/* owned */
	struct ec_buf		 copy;		/* COPY binary stream */
	bool			 staged;	/* the TEMP tables exist */
	/*
	 * Probe before the next merge: the last batch held unchanged
	 * documents, so a re-ingest sends keys and digests, not documents.
	 */
	bool			 probe;
	struct store_ref	*refs;		/* owned, INGEST_BATCH_ITEMS */
	size_t			*win;		/* owned, INGEST_BATCH_ITEMS */
	size_t			*todo;		/* owned: winners to write */
	char			 res[INGEST_BATCH_ITEMS];	/* i u n s */
};

int
ingest_store_new(struct ingest_store **out, struct ec_db *db,
    const char *tenant, const char *source, struct ec_err *err)
{
	struct ingest_store	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ec_err_nomem(err);
	s->db = db;
	s->tenant = tenant;
	s->source = source;
	ec_buf_init(&s->copy, INGEST_BATCH_BYTES +
	    2 * (size_t)EC_MAX_DOC_BYTES +
	    INGEST_BATCH_ITEMS * (size_t)(2 * EC_MAX_ID_LEN + 256));
	s->refs = calloc(INGEST_BATCH_ITEMS, sizeof(*s->refs));
	s->win = calloc(INGEST_BATCH_ITEMS, sizeof(*s->win));
	s->todo = calloc(INGEST_BATCH_ITEMS, sizeof(*s->todo));
	s->probe = true;
	if (s->refs == NULL || s->win == NULL || s->todo == NULL) {
		ingest_store_free(s);
		return ec_err_nomem(err);
	}
	if (ec_hmap_new(&s->keys, EC_HMAP_U64, sizeof(uint8_t),
	    EC_HMAP_MAX_KEYS, err) == -1) {
		ingest_store_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void
ingest_store_free(struct ingest_store *s)
{
	if (s == NULL)
		return;
	ec_hmap_free(s->keys);
	ec_buf_dispose(&s->copy);
	free(s->refs);
	free(s->win);
	free(s->todo);
	free(s);
}

/* Newer: a later modified time (none is oldest), then a greater digest. */
static int
item_cmp_newness(const struct ingest_item *a, const struct ingest_item *b)
{
	int64_t	ma = a->has_modified ? a->modified_us : INT64_MIN;
	int64_t	mb = b->has_modified ? b->modified_us : INT64_MIN;

	if (ma != mb)
		return ma < mb ? -1 : 1;
	return strcmp(a->sha, b->sha);
}

/* The same row: (kind, upstream id, source). */
static int
ref_cmp_key(const struct store_ref *a, const struct store_ref *b)
{
	int	c;

	if (a->it->key != b->it->key)
		return a->it->key < b->it->key ? -1 : 1;
	if (a->it->kind != b->it->kind)
		return a->it->kind < b->it->kind ? -1 : 1;
	if ((c = strcmp(a->id, b->id)) != 0)
		return c;
	return strcmp(a->source, b->source);
}

/* Group by key, newest first, then in input order. */
static int
ref_cmp(const void *pa, const void *pb)
{
	const struct store_ref	*a = pa, *b = pb;
	int			 c;

	if ((c = ref_cmp_key(a, b)) != 0)
		return c;
	if ((c = item_cmp_newness(b->it, a->it)) != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int
copy_u16(struct ec_buf *b, uint16_t v, struct ec_err *err)
{
	uint8_t	p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return ec_buf_add(b, p, sizeof(p), err);
}

static int
copy_u32(struct ec_buf *b, uint32_t v, struct ec_err *err)
{
	uint8_t	p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		    (uint8_t)(v >> 8), (uint8_t)v };

	return ec_buf_add(b, p, sizeof(p), err);
}

static int
copy_u64(struct ec_buf *b, uint64_t v, struct ec_err *err)
{
	return copy_u32(b, (uint32_t)(v >> 32), err) == -1 ? -1 :
	    copy_u32(b, (uint32_t)v, err);
}

/* One field: its length (-1 for NULL, p == NULL) and its bytes. */
static int
copy_field(struct ec_buf *b, const void *p, size_t len, struct ec_err *err)
{
	if (p == NULL)
		return copy_u32(b, UINT32_MAX, err);
	if (copy_u32(b, (uint32_t)len, err) == -1)
		return -1;
	return ec_buf_add(b, p, len, err);
}

static int
copy_text(struct ec_buf *b, const char *s, struct ec_err *err)
{
	return copy_field(b, s, strlen(s), err);
}

/*
 * One staging row in COPY's binary format (PostgreSQL, COPY, "Binary
 * Format"): field count, then each field as length and bytes; int4,
 * int8 and timestamptz (µs since 2000-01-01) big-endian.
 */
static int
copy_row(struct ec_buf *b, const struct ingest_batch *bt, size_t idx,
    const char *source, struct ec_err *err)
{
	const struct ingest_item	*it = &bt->items[idx];
	uint8_t				 ts[8];
	uint64_t			 us;
	int				 i;

	us = (uint64_t)(it->modified_us - STORE_PG_EPOCH_US);
	for (i = 0; i < 8; i++)
		ts[i] = (uint8_t)(us >> (56 - 8 * i));
	if (copy_u16(b, 9, err) == -1 ||
	    copy_u32(b, 4, err) == -1 ||
	    copy_u32(b, (uint32_t)idx, err) == -1 ||
	    copy_text(b, ec_kind_name(it->kind), err) == -1 ||
	    copy_text(b, ec_format_name(it->format), err) == -1 ||
	    copy_text(b, source, err) == -1 ||
	    copy_text(b, bt->text.data + it->id_off, err) == -1 ||
	    copy_field(b, it->has_modified ? ts : NULL, 8, err) == -1 ||
	    copy_text(b, it->sha, err) == -1 ||
	    copy_u32(b, 8, err) == -1 || copy_u64(b, it->doc_len, err) == -1)
		return -1;
	return copy_field(b, bt->docs.data + it->doc_off, it->doc_len, err);
}

/* One probe row: ord, kind, source, upstream id, digest. */
static int
copy_probe_row(struct ec_buf *b, const struct ingest_batch *bt, size_t idx,
    const char *source, struct ec_err *err)
{
	const struct ingest_item	*it = &bt->items[idx];

	if (copy_u16(b, 5, err) == -1 ||
	    copy_u32(b, 4, err) == -1 ||
	    copy_u32(b, (uint32_t)idx, err) == -1 ||
	    copy_text(b, ec_kind_name(it->kind), err) == -1 ||
	    copy_text(b, source, err) == -1 ||
	    copy_text(b, bt->text.data + it->id_off, err) == -1)
		return -1;
	return copy_text(b, it->sha, err);
}

static int
store_copy_build(struct ingest_store *s, const struct ingest_batch *b,
    const size_t *idx, size_t n, bool probe, struct ec_err *err)
{
	static const char	sig[11] = "PGCOPY\n\377\r\n";
	size_t			i;

	ec_buf_reset(&s->copy);
	if (ec_buf_add(&s->copy, sig, sizeof(sig), err) == -1 ||
	    copy_u32(&s->copy, 0, err) == -1 ||
	    copy_u32(&s->copy, 0, err) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if ((probe ? copy_probe_row : copy_row)(&s->copy, b, idx[i],
		    ingest_source_of(s->source, b->items[idx[i]].format),
		    err) == -1)
			return -1;
	return copy_u16(&s->copy, UINT16_MAX, err);
}

/* Read the merge's answer into s->res, by batch index. */
static int
store_results(struct ingest_store *s, const PGresult *res, size_t nb,
    struct ec_err *err)
{
	uint64_t	ord;
	int		i;

	for (i = 0; i < PQntuples(res); i++) {
		if (ec_parse_u64(&ord, PQgetvalue(res, i, 0), 0, nb - 1) == -1)
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "merge: bad row number");
		s->res[ord] = PQgetvalue(res, i, 1)[0];
	}
	return 0;
}

static int
store_run(struct ingest_store *s, const char *sql, struct ec_err *err)
{
	PGresult	*res;

	if ((res = ec_db_exec(s->db, sql, 0, NULL, NULL, NULL, false,
	    err)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* One attempt: the whole transaction, a probe or a merge. */
static int
store_attempt(struct ingest_store *s, size_t nb, bool probe,
    struct ec_err *err)
{
	PGresult	*res;
	const char	*vals[1] = { s->tenant };

	if (ec_db_begin(s->db, s->tenant, false, err) == -1)
		return -1;
	/* Created in the first transaction that commits. */
	if (!s->staged && (store_run(s, store_stage_sql, err) == -1 ||
	    store_run(s, store_stage_plain_sql, err) == -1 ||
	    store_run(s, store_probe_stage_sql, err) == -1))
		goto fail;
	if (ec_db_copy_in(s->db, probe ? store_probe_copy_sql :
	    store_copy_sql, s->copy.data, s->copy.len, err) == -1)
		goto fail;
	if ((res = ec_db_exec(s->db, probe ? store_probe_sql :
	    store_merge_sql, 1, vals, NULL, NULL, false, err)) == NULL)
		goto fail;
	if (store_results(s, res, nb, err) == -1) {
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	if (ec_db_commit(s->db, err) == -1)
		goto fail;
	s->staged = true;
	return 0;
fail:
	ec_db_rollback(s->db);
	return -1;
}

/*
 * Write documents idx[0..n) of the batch, retrying lost lock races; or,
 * with "probe", only mark those stored already with the same digest.
 */
static int
store_write(struct ingest_store *s, const struct ingest_batch *b,
    const size_t *idx, size_t n, bool probe, struct ec_err *err)
{
	struct timespec	ts;
	size_t		i;
	int		attempt;

	if (store_copy_build(s, b, idx, n, probe, err) == -1)
		return -1;
	for (attempt = 1; ; attempt++) {
		for (i = 0; i < n; i++)
			s->res[idx[i]] = '?';
		if (store_attempt(s, b->n, probe, err) == 0)
			break;
		if (!ec_db_retryable(s->db) || attempt == STORE_ATTEMPTS)
			return -1;
		/* Back off a little longer each time, out of step. */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(attempt * 20 + (int)(idx[0] % 7) * 3) *
		    1000000L;
		(void)nanosleep(&ts, NULL);
	}
	for (i = 0; i < n && !probe; i++)
		if (s->res[idx[i]] == '?')
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "merge: a document has no outcome");
	return 0;
}

static enum ec_ingest_status
store_status(char c)
{
	return c == 'i' ? EC_INGEST_INSERTED : c == 'u' ? EC_INGEST_UPDATED :
	    c == 'n' ? EC_INGEST_UNCHANGED : EC_INGEST_STALE;
}

/*
 * Settle a written document against what the run stored for its key in
 * earlier batches, so that counts do not depend on batch boundaries: of
 * all the run's documents with one key, one has the store's outcome and
 * the others are superseded.  "got" is what the merge said.
 */
static int
store_settle(struct ingest_store *s, struct ingest_item *it,
    enum ec_ingest_status got, struct ec_err *err)
{
	enum ec_ingest_status	 prev;
	uint8_t			*st;
	void			*v;
	int			 added;

	if ((added = ec_hmap_put_u64(&v, s->keys, it->key, err)) == -1)
		return -1;
	st = v;
	if (added == 1) {
		*st = (uint8_t)got;
		it->status = got;
		return 0;
	}
	prev = (enum ec_ingest_status)*st;
	if (got == EC_INGEST_UPDATED || got == EC_INGEST_INSERTED ||
	    (got == EC_INGEST_UNCHANGED && prev == EC_INGEST_STALE)) {
		/*
		 * This one beat the run's earlier winner (or matched the
		 * stored row the earlier one lost to): it takes over that
		 * outcome, and the earlier one counts as superseded.
		 */
		it->status = prev == EC_INGEST_STALE ? got : prev;
		if (got == EC_INGEST_INSERTED)
			it->status = got;
		it->supersedes = true;
		it->retro = prev;
		*st = (uint8_t)it->status;
	} else
		it->status = EC_INGEST_SUPERSEDED;
	return 0;
}

/* Write the winners one at a time, so one refused row fails alone. */
static int
store_isolate(struct ingest_store *s, struct ingest_batch *b, size_t nt,
    struct ec_err *err)
{
	struct ingest_item	*it;
	struct ec_err		 derr;
	size_t			 i;

	for (i = 0; i < nt; i++) {
		if (store_write(s, b, &s->todo[i], 1, false, &derr) == 0)
			continue;
		if (derr.code != EC_ERR_DB) {
			*err = derr;
			return -1;
		}
		it = &b->items[s->todo[i]];
		it->status = EC_INGEST_FAILED;
		it->err = derr;
		it->has_err = true;
		s->res[s->todo[i]] = 'f';
	}
	return 0;
}

/*
 * Probe when it may pay (a failed probe only costs the saving), then
 * merge what is not known to be unchanged.
 */
static int
store_merge(struct ingest_store *s, struct ingest_batch *b, size_t nw,
    struct ec_err *err)
{
	struct ec_err	derr;
	size_t		i, nt = 0;

	for (i = 0; i < nw; i++)
		s->res[s->win[i]] = '?';
	if (s->probe && store_write(s, b, s->win, nw, true, &derr) == -1 &&
	    derr.code != EC_ERR_DB) {
		*err = derr;
		return -1;
	}
	for (i = 0; i < nw; i++)
		if (s->res[s->win[i]] != 'n')
			s->todo[nt++] = s->win[i];
	if (nt == 0 || store_write(s, b, s->todo, nt, false, &derr) == 0)
		return 0;
	if (derr.code != EC_ERR_DB) {
		*err = derr;
		return -1;
	}
	return store_isolate(s, b, nt, err);
}

int
ingest_store_batch(struct ingest_store *s, struct ingest_batch *b,
    struct ec_err *err)
{
	struct ingest_item	*it;
	size_t			 i, nr = 0, nw = 0;

	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (!it->is_doc)
			continue;
		s->refs[nr].it = it;
		s->refs[nr].id = b->text.data + it->id_off;
		s->refs[nr].source = ingest_source_of(s->source, it->format);
		s->refs[nr].idx = i;
		nr++;
	}
	if (nr == 0)
		return 0;
	qsort(s->refs, nr, sizeof(*s->refs), ref_cmp);
	for (i = 0; i < nr; i++) {
		if (i > 0 && ref_cmp_key(&s->refs[i - 1], &s->refs[i]) == 0)
			s->refs[i].it->status = EC_INGEST_SUPERSEDED;
		else
			s->win[nw++] = s->refs[i].idx;
	}
	if (store_merge(s, b, nw, err) == -1)
		return -1;
	s->probe = false;
	for (i = 0; i < nw; i++) {
		if (s->res[s->win[i]] == 'n')
			s->probe = true;
		if (s->res[s->win[i]] == 'f')
			continue;
		if (store_settle(s, &b->items[s->win[i]],
		    store_status(s->res[s->win[i]]), err) == -1)
			return -1;
	}
	return 0;
}
