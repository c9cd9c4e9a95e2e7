/*
 * trivy:db: Trivy's vulnerability database (specs/trivy-db.md) from the
 * store's OSV advisories, as a directory:
 *
 *   trivy.db        BoltDB (ec_bolt), schema 2 (section 2)
 *   metadata.json   Version 2 (section 1.2; times below)
 *   db.tar.gz       trivy.db + metadata.json, as Trivy downloads it (3.1)
 *   oci/            OCI image layout, tag "2", as Trivy pulls it (3.2)
 *
 * Every advisory goes through ec_trivy_convert() in the store's (id,
 * source) order.  The rows must reach ec_bolt sorted by path, and the
 * store's order is not the rows' order, so they are sorted outside
 * memory: each row goes into a scratch SQLite table whose primary key is
 * (bucket, package, key, sequence), a B-tree on disk with a bounded page
 * cache, and comes back out in key order.  BLOB keys compare as memcmp
 * with the shorter first, ec_bolt's order exactly (boltdb.md section
 * 10).  Rows of one path are merged in sequence order (ec_trivy_merge),
 * so the result depends on the store's contents only; memory holds one
 * path's rows and ec_bolt's open pages, never the database.
 *
 * metadata.json: UpdatedAt and DownloadedAt are the snapshot time (the
 * newest advisory's modified time) and NextUpdate 2099-01-01, so that a
 * cache built from these files is never refreshed from the network,
 * with or without --skip-db-update (section 1.4).  Advisories Trivy
 * cannot express (unknown ecosystem, only GIT ranges, withdrawn, past a
 * work bound) are left out whole and counted (ec_build_skip).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "ec_bolt.h"
#include "ec_buf.h"
#include "ec_limits.h"
#include "ec_profile.h"
#include "ec_store.h"
#include "ec_trivy.h"
#include "ec_trivy_pack.h"

/* Page cache of the sorting table, in KiB (SQLite's negative form). */
#define TDB_SORT_CACHE_KIB	16384

struct tdb {
	struct ec_build		*b;
	struct ec_buf		 enc;	/* a row's encoded value */
	sqlite3			*sort;
	sqlite3_stmt		*ins;
	int64_t			 snapshot_us;
	int64_t			 seq;
	uint64_t		 rows;
};

static int
tdb_sqlerr(sqlite3 *db, const char *what, struct ec_err *err)
{
	return ec_trivy_sqlerr(db, "trivy:db sort", what, err);
}

static int
tdb_plan(struct ec_build *b, struct ec_err *err)
{
	int64_t	snap;

	return ec_trivy_snapshot(&snap, b, "advisory", err);
}

/* The sorting table in a scratch file of the build, never published. */
static int
tdb_sort_open(struct tdb *t, const char *path, struct ec_err *err)
{
	char	sql[512];

	if (sqlite3_open_v2(path, &t->sort, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK)
		return tdb_sqlerr(t->sort, "open", err);
	(void)snprintf(sql, sizeof(sql),
	    "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    "PRAGMA temp_store=FILE; PRAGMA cache_size=-%d;"
	    "CREATE TABLE r(bucket BLOB, pkg BLOB, key BLOB, seq INTEGER,"
	    " kind INTEGER, value TEXT, enc BLOB,"
	    " PRIMARY KEY(bucket, pkg, key, seq)) WITHOUT ROWID;"
	    "BEGIN", TDB_SORT_CACHE_KIB);
	if (sqlite3_exec(t->sort, sql, NULL, NULL, NULL) != SQLITE_OK)
		return tdb_sqlerr(t->sort, "create", err);
	if (sqlite3_prepare_v2(t->sort, "INSERT INTO r VALUES(?,?,?,?,?,?,?)",
	    -1, &t->ins, NULL) != SQLITE_OK)
		return tdb_sqlerr(t->sort, "prepare", err);
	return 0;
}

static int
tdb_insert(struct tdb *t, const struct ec_trivy_row *r, struct ec_err *err)
{
	char	*val;
	int	 rc;

	ec_buf_reset(&t->enc);
	if (ec_trivy_encode(&t->enc, r, err) == -1)
		return -1;
	if ((val = json_dumps(r->value, JSON_COMPACT | JSON_ENCODE_ANY)) ==
	    NULL)
		return ec_err_nomem(err);
	(void)sqlite3_reset(t->ins);
	if (sqlite3_bind_blob(t->ins, 1, r->bucket, (int)strlen(r->bucket),
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(t->ins, 2, r->pkg != NULL ? r->pkg : "",
	    r->pkg != NULL ? (int)strlen(r->pkg) : 0, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob(t->ins, 3, r->key, (int)strlen(r->key),
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(t->ins, 4, t->seq++) != SQLITE_OK ||
	    sqlite3_bind_int(t->ins, 5, (int)r->kind) != SQLITE_OK ||
	    sqlite3_bind_text(t->ins, 6, val, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(t->ins, 7, t->enc.data, (int)t->enc.len,
	    SQLITE_STATIC) != SQLITE_OK)
		rc = tdb_sqlerr(t->sort, "bind", err);
	else if (sqlite3_step(t->ins) != SQLITE_DONE)
		rc = tdb_sqlerr(t->sort, "insert", err);
	else
		rc = 0;
	(void)sqlite3_clear_bindings(t->ins);
	free(val);
	return rc;
}

static int
tdb_advisory(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	struct tdb		*t = arg;
	struct ec_trivy_result	 r;
	json_error_t		 jerr;
	json_t			*osv;
	size_t			 i;
	int			 rc = -1;

	memset(&r, 0, sizeof(r));
	if (ec_build_input(t->b, "advisory", d->source, d->id, d->sha256,
	    err) == -1)
		return -1;
	/* Stored documents are canonical JSON the ingest already bounded. */
	if ((osv = json_loadb(d->doc, d->len, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, &jerr)) == NULL)
		return ec_build_skip(t->b, "advisory", d->source, d->id,
		    jerr.text, err);
	if (ec_trivy_convert(&r, osv, t->snapshot_us, err) == -1)
		goto out;
	if (r.skipped[0] != '\0') {
		rc = ec_build_skip(t->b, "advisory", d->source, d->id,
		    r.skipped, err);
		goto out;
	}
	for (i = 0; i < r.nrows; i++)
		if (tdb_insert(t, &r.rows[i], err) == -1)
			goto out;
	rc = 0;
out:
	ec_trivy_result_dispose(&r);
	json_decref(osv);
	return rc;
}

/* The bolt writer and the path of the last row it took. */
struct tdb_out {
	struct ec_bolt	*db;
	struct ec_buf	 val;
	char		*bucket;	/* owned; NULL: none yet */
	char		*pkg;		/* owned; NULL: no package */
	uint64_t	 written;
};

static void
tdb_row_free(struct ec_trivy_row *r)
{
	free(r->bucket);
	free(r->pkg);
	free(r->key);
	json_decref(r->value);
	memset(r, 0, sizeof(*r));
}

static bool
tdb_same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Close and open buckets between the last row written and "r". */
static int
tdb_buckets(struct tdb_out *o, const struct ec_trivy_row *r,
    struct ec_err *err)
{
	bool	same_bucket = tdb_same(o->bucket, r->bucket);

	if (o->pkg != NULL && (!same_bucket || !tdb_same(o->pkg, r->pkg))) {
		if (ec_bolt_bucket_end(o->db, err) == -1)
			return -1;
		free(o->pkg);
		o->pkg = NULL;
	}
	if (o->bucket != NULL && !same_bucket) {
		if (ec_bolt_bucket_end(o->db, err) == -1)
			return -1;
		free(o->bucket);
		o->bucket = NULL;
	}
	if (o->bucket == NULL) {
		if (ec_bolt_bucket_begin(o->db, r->bucket, strlen(r->bucket),
		    err) == -1)
			return -1;
		if ((o->bucket = strdup(r->bucket)) == NULL)
			return ec_err_nomem(err);
	}
	if (r->pkg != NULL && o->pkg == NULL) {
		if (ec_bolt_bucket_begin(o->db, r->pkg, strlen(r->pkg),
		    err) == -1)
			return -1;
		if ((o->pkg = strdup(r->pkg)) == NULL)
			return ec_err_nomem(err);
	}
	return 0;
}

/*
 * The path being merged: most paths have one row, whose value was encoded
 * when it was sorted and goes out as it is; only a path with several rows
 * parses their values (Jansson's own text of them) back and merges them.
 */
struct tdb_cur {
	struct ec_trivy_row	row;	/* value NULL until merged */
	struct ec_buf		enc;	/* first row's encoded value */
	struct ec_buf		text;	/* the first row's JSON */
	bool			merged;
};

static int
tdb_emit(struct tdb_out *o, struct tdb_cur *c, struct ec_err *err)
{
	if (tdb_buckets(o, &c->row, err) == -1)
		return -1;
	if (c->merged) {
		ec_buf_reset(&o->val);
		if (ec_trivy_encode(&o->val, &c->row, err) == -1 ||
		    ec_bolt_put(o->db, c->row.key, strlen(c->row.key),
		    o->val.data, o->val.len, err) == -1)
			return -1;
	} else if (ec_bolt_put(o->db, c->row.key, strlen(c->row.key),
	    c->enc.data, c->enc.len, err) == -1)
		return -1;
	o->written++;
	return 0;
}

static char *
tdb_col(sqlite3_stmt *st, int col, bool empty_null)
{
	const void	*p = sqlite3_column_blob(st, col);
	int		 n = sqlite3_column_bytes(st, col);
	char		*s;

	if (n == 0 && empty_null)
		return NULL;
	if ((s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

/* Column "col" holds the string "s" (NULL: the empty string). */
static bool
tdb_col_is(sqlite3_stmt *st, int col, const char *s)
{
	size_t	n = (size_t)sqlite3_column_bytes(st, col);

	if (s == NULL)
		return n == 0;
	return strlen(s) == n && (n == 0 ||
	    memcmp(sqlite3_column_blob(st, col), s, n) == 0);
}

static json_t *
tdb_parse(const void *p, size_t len, struct ec_err *err)
{
	json_error_t	 jerr;
	json_t		*v;

	if ((v = json_loadb(p, len, JSON_ALLOW_NUL, &jerr)) == NULL)
		(void)ec_err_set(err, EC_ERR_INTERNAL,
		    "trivy:db sort: a stored row does not parse: %s",
		    jerr.text);
	return v;
}

/* Start path "c" at the statement's row. */
static int
tdb_load(struct tdb_cur *c, sqlite3_stmt *st, struct ec_err *err)
{
	tdb_row_free(&c->row);
	c->merged = false;
	c->row.kind = (enum ec_trivy_kind)sqlite3_column_int(st, 3);
	c->row.bucket = tdb_col(st, 0, false);
	c->row.pkg = tdb_col(st, 1, true);
	c->row.key = tdb_col(st, 2, false);
	if (c->row.bucket == NULL || c->row.key == NULL ||
	    (sqlite3_column_bytes(st, 1) > 0 && c->row.pkg == NULL))
		return ec_err_nomem(err);
	ec_buf_reset(&c->enc);
	ec_buf_reset(&c->text);
	return ec_buf_add(&c->enc, sqlite3_column_blob(st, 5),
	    (size_t)sqlite3_column_bytes(st, 5), err) == -1 ||
	    ec_buf_add(&c->text, sqlite3_column_text(st, 4),
	    (size_t)sqlite3_column_bytes(st, 4), err) == -1 ? -1 : 0;
}

/* Merge the statement's row into "c", which has the same path. */
static int
tdb_merge(struct tdb_cur *c, sqlite3_stmt *st, struct ec_err *err)
{
	struct ec_trivy_row	from = c->row;
	int			rc;

	if (c->row.value == NULL && (c->row.value = tdb_parse(c->text.data,
	    c->text.len, err)) == NULL)
		return -1;
	if ((from.value = tdb_parse(sqlite3_column_text(st, 4),
	    (size_t)sqlite3_column_bytes(st, 4), err)) == NULL)
		return -1;
	rc = ec_trivy_merge(&c->row, &from, err);
	json_decref(from.value);
	c->merged = true;
	return rc;
}

/* Read the rows back in key order, merge equal paths and write them. */
static int
tdb_drain(struct tdb *t, struct tdb_out *o, struct ec_err *err)
{
	struct tdb_cur	 c;
	sqlite3_stmt	*st = NULL;
	bool		 have = false;
	int		 s, rc = -1;

	memset(&c, 0, sizeof(c));
	ec_buf_init(&c.enc, EC_MAX_DOC_BYTES);
	ec_buf_init(&c.text, EC_MAX_DOC_BYTES);
	if (sqlite3_prepare_v2(t->sort, "SELECT bucket, pkg, key, kind, value,"
	    " enc FROM r ORDER BY bucket, pkg, key, seq", -1, &st, NULL) !=
	    SQLITE_OK) {
		(void)tdb_sqlerr(t->sort, "select", err);
		goto out;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (have && tdb_col_is(st, 0, c.row.bucket) &&
		    tdb_col_is(st, 1, c.row.pkg) &&
		    tdb_col_is(st, 2, c.row.key)) {
			if (tdb_merge(&c, st, err) == -1)
				goto out;
			continue;
		}
		if ((have && tdb_emit(o, &c, err) == -1) ||
		    tdb_load(&c, st, err) == -1)
			goto out;
		have = true;
	}
	if (s != SQLITE_DONE) {
		(void)tdb_sqlerr(t->sort, "select", err);
		goto out;
	}
	if (have && tdb_emit(o, &c, err) == -1)
		goto out;
	rc = 0;
out:
	tdb_row_free(&c.row);
	ec_buf_dispose(&c.enc);
	ec_buf_dispose(&c.text);
	sqlite3_finalize(st);
	return rc;
}

/* trivy.db at "path" from the sorted rows. */
static int
tdb_bolt(struct tdb *t, const char *path, struct ec_err *err)
{
	struct tdb_out	o;
	int		rc = -1;

	memset(&o, 0, sizeof(o));
	ec_buf_init(&o.val, EC_MAX_DOC_BYTES);
	/* ec_bolt creates its file itself (O_EXCL): give it the name. */
	if (unlink(path) == -1 || ec_bolt_new(&o.db, path, err) == -1) {
		if (o.db == NULL && err->code == EC_OK)
			(void)ec_err_set(err, EC_ERR_IO, "trivy.db: unlink");
		goto out;
	}
	if (tdb_drain(t, &o, err) == -1)
		goto out;
	if ((o.pkg != NULL && ec_bolt_bucket_end(o.db, err) == -1) ||
	    (o.bucket != NULL && ec_bolt_bucket_end(o.db, err) == -1))
		goto out;
	/* Trivy needs the bucket even when it is empty (section 2.12). */
	if (o.bucket == NULL && (ec_bolt_bucket_begin(o.db, "vulnerability",
	    13, err) == -1 || ec_bolt_bucket_end(o.db, err) == -1))
		goto out;
	rc = ec_bolt_finish(NULL, o.db, err);
	t->rows = o.written;
out:
	ec_bolt_free(o.db);
	ec_buf_dispose(&o.val);
	free(o.bucket);
	free(o.pkg);
	return rc;
}

static int
tdb_sort_close(struct tdb *t)
{
	sqlite3_finalize(t->ins);
	t->ins = NULL;
	return sqlite3_close(t->sort) == SQLITE_OK ? 0 : -1;
}

/* trivy.db in a scratch item; *db_out stays open for the archive. */
static int
tdb_build(struct tdb *t, struct ec_build_item **db_out, struct ec_err *err)
{
	struct ec_build_item	*sort = NULL, *db = NULL;
	int			 rc = -1;

	if (ec_build_item_scratch(&sort, t->b, err) == -1 ||
	    tdb_sort_open(t, ec_build_item_path(sort), err) == -1 ||
	    ec_store_each(ec_build_store(t->b), "advisory", tdb_advisory, t,
	    err) != 0)
		goto out;
	if (sqlite3_exec(t->sort, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		(void)tdb_sqlerr(t->sort, "commit", err);
		goto out;
	}
	if (ec_build_item_scratch(&db, t->b, err) == -1 ||
	    tdb_bolt(t, ec_build_item_path(db), err) == -1)
		goto out;
	*db_out = db;
	db = NULL;
	rc = 0;
out:
	(void)tdb_sort_close(t);
	t->sort = NULL;
	ec_build_item_discard(sort);
	ec_build_item_discard(db);
	return rc;
}

static int
tdb_write(struct ec_build *b, struct ec_err *err)
{
	struct ec_trivy_pack	 p = { "trivy.db", "trivy-db", "boltdb",
				    EC_TRIVY_SCHEMA, "db.tar.gz",
				    "application/vnd.aquasec.trivy.db.layer.v1"
				    ".tar+gzip", "2", 0 };
	struct ec_build_item	*db = NULL;
	struct tdb		 t;

	int			 rc;

	memset(&t, 0, sizeof(t));
	t.b = b;
	ec_buf_init(&t.enc, EC_MAX_DOC_BYTES);
	rc = ec_trivy_snapshot(&t.snapshot_us, b, "advisory", err) == -1 ||
	    tdb_build(&t, &db, err) == -1 ? -1 : 0;
	ec_buf_dispose(&t.enc);
	if (rc == -1)
		return -1;
	p.snapshot_us = t.snapshot_us;
	return ec_trivy_pack(b, db, &p, err);
}

const struct ec_profile ec_profile_trivy_db = {
	.name = "trivy:db",
	.flags = EC_PROFILE_OCI,
	.build_type =
	    "https://stella-ops.org/export-center/profiles/trivy-db/v1",
	.targets = EC_TARGET_ADVISORY,
	.formats = EC_FORMAT_JSON,
	.defaults = {
		.targets = EC_TARGET_ADVISORY,
		.formats = EC_FORMAT_JSON,
	},
	.plan = tdb_plan,
	.write = tdb_write,
};
