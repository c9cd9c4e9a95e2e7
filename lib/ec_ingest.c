/*
 * ec_ingest: files to evidence rows.  The work per file is: read (bounded),
 * parse with the RFC 8785 input rules, recognise the format, canonicalise,
 * hash, then one INSERT ... ON CONFLICT that keeps the newest version.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_evidence.h"
#include "ec_hash.h"
#include "ec_ingest.h"
#include "ec_limits.h"
#include "ec_time.h"

/* Directory nesting we follow; deeper trees are an operator mistake. */
#define INGEST_MAX_DEPTH	32
/* Read size; the raw buffer's ceiling leaves room for one past the cap. */
#define INGEST_CHUNK		65536

/*
 * Insert, or replace when the new version is newer: a later modified time,
 * or the same time and a greater digest.  The tie-break makes the stored
 * state independent of the order files are read in, so re-ingesting a set
 * changes nothing.  RETURNING says which; no row back: unchanged or stale.
 */
static const char ingest_upsert_sql[] =
    "INSERT INTO evidence (tenant, kind, format, source, upstream_id, "
    "modified_at, sha256, size, doc) "
    "VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8::int8, $9) "
    "ON CONFLICT (tenant, kind, upstream_id, source) DO UPDATE SET "
    "format = excluded.format, modified_at = excluded.modified_at, "
    "sha256 = excluded.sha256, size = excluded.size, doc = excluded.doc, "
    "ingested_at = now() "
    "WHERE (coalesce(excluded.modified_at, '-infinity'), excluded.sha256) > "
    "(coalesce(evidence.modified_at, '-infinity'), evidence.sha256) "
    "RETURNING (xmax = 0)";

static const char ingest_same_sql[] =
    "SELECT sha256 = $5 FROM evidence WHERE tenant = $1 AND kind = $2 "
    "AND upstream_id = $3 AND source = $4";

struct ingest_ctx {
	struct ec_db		*db;
	const char		*tenant;
	const char		*source;
	struct ec_ingest_stats	*stats;
	ec_ingest_report_fn	*report;
	void			*arg;
	struct ec_buf		 raw;	/* the file, reused */
	struct ec_buf		 canon;	/* its canonical form, reused */
};

/* One parsed document, ready to store. */
struct ingest_doc {
	struct ec_doc_info	info;
	char			id[EC_MAX_ID_LEN + 1];
	char			sha[EC_SHA256_HEX];
	char			modified[EC_TIME_MAX];
};

const char *
ec_ingest_status_name(enum ec_ingest_status s)
{
	static const char	*names[] = { "inserted", "updated", "unchanged",
				    "stale", "failed" };

	return (unsigned)s <= EC_INGEST_FAILED ? names[s] : "failed";
}

static int
ingest_read(struct ec_buf *out, const char *path, struct ec_err *err)
{
	struct stat	st;
	ssize_t		n;
	int		fd, rc = -1;

	ec_buf_reset(out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "%s",
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not a regular file");
		goto out;
	}
	if (st.st_size > EC_MAX_DOC_BYTES) {
		(void)ec_err_set(err, EC_ERR_TOO_LARGE,
		    "document exceeds %d bytes", EC_MAX_DOC_BYTES);
		goto out;
	}
	if (ec_buf_reserve(out, (size_t)st.st_size + 1, err) == -1)
		goto out;
	/* Read to EOF, not to st_size: the file may grow meanwhile. */
	for (;;) {
		if (out->len > EC_MAX_DOC_BYTES ||
		    ec_buf_reserve(out, INGEST_CHUNK, err) == -1) {
			(void)ec_err_set(err, EC_ERR_TOO_LARGE,
			    "document exceeds %d bytes", EC_MAX_DOC_BYTES);
			goto out;
		}
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)ec_err_set(err, EC_ERR_IO, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	if (out->len > EC_MAX_DOC_BYTES) {
		(void)ec_err_set(err, EC_ERR_TOO_LARGE,
		    "document exceeds %d bytes", EC_MAX_DOC_BYTES);
		goto out;
	}
	out->data[out->len] = '\0';
	rc = 0;
out:
	(void)close(fd);
	return rc;
}

/* Read, recognise and canonicalise one file into ctx->canon and *doc. */
static int
ingest_prepare(struct ingest_doc *doc, struct ingest_ctx *ctx,
    const char *path, struct ec_err *err)
{
	json_t	*root;
	int	 rc = -1;

	if (ingest_read(&ctx->raw, path, err) == -1)
		return -1;
	if ((root = ec_canon_parse(ctx->raw.data, ctx->raw.len, err)) == NULL)
		return -1;
	ec_buf_reset(&ctx->canon);
	if (ec_evidence_classify(&doc->info, root, err) == -1 ||
	    ec_canon_dump(&ctx->canon, root, err) == -1)
		goto out;
	ec_sha256_hex(doc->sha, ctx->canon.data, ctx->canon.len);
	/* A document that names itself nowhere is known by its bytes. */
	if (doc->info.upstream_id[0] == '\0')
		(void)snprintf(doc->id, sizeof(doc->id), "sha256:%s",
		    doc->sha);
	else
		(void)snprintf(doc->id, sizeof(doc->id), "%s",
		    doc->info.upstream_id);
	if (doc->info.has_modified)
		ec_time_format(doc->modified, doc->info.modified_us);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static int
ingest_store(enum ec_ingest_status *out, struct ingest_ctx *ctx,
    const struct ingest_doc *doc, struct ec_err *err)
{
	PGresult	*res;
	char		 size[24];
	const char	*source = ctx->source != NULL ? ctx->source :
			    ec_format_name(doc->info.format);
	const char	*vals[9] = { ctx->tenant, ec_kind_name(doc->info.kind),
			    ec_format_name(doc->info.format), source, doc->id,
			    doc->info.has_modified ? doc->modified : NULL,
			    doc->sha, size, ctx->canon.data };
	int		 lens[9] = { 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	int		 fmts[9] = { 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const char	*same[5] = { ctx->tenant, vals[1], doc->id, source,
			    doc->sha };

	(void)snprintf(size, sizeof(size), "%zu", ctx->canon.len);
	lens[8] = (int)ctx->canon.len;
	if (ec_db_begin(ctx->db, ctx->tenant, false, err) == -1)
		return -1;
	if ((res = ec_db_exec(ctx->db, ingest_upsert_sql, 9, vals, lens, fmts,
	    false, err)) == NULL)
		goto fail;
	if (PQntuples(res) == 1)
		*out = PQgetvalue(res, 0, 0)[0] == 't' ? EC_INGEST_INSERTED :
		    EC_INGEST_UPDATED;
	else {
		PQclear(res);
		if ((res = ec_db_exec(ctx->db, ingest_same_sql, 5, same, NULL,
		    NULL, false, err)) == NULL)
			goto fail;
		*out = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't' ?
		    EC_INGEST_UNCHANGED : EC_INGEST_STALE;
	}
	PQclear(res);
	return ec_db_commit(ctx->db, err);
fail:
	ec_db_rollback(ctx->db);
	return -1;
}

/* Returns -1 only when ingest cannot go on; a bad file is reported. */
static int
ingest_file(struct ingest_ctx *ctx, const char *path, struct ec_err *err)
{
	struct ec_ingest_report	 r;
	struct ingest_doc	 doc;
	struct ec_err		 ferr;

	memset(&r, 0, sizeof(r));
	memset(&doc, 0, sizeof(doc));
	r.path = path;
	ctx->stats->files++;
	if (ingest_prepare(&doc, ctx, path, &ferr) == -1 ||
	    ingest_store(&r.status, ctx, &doc, &ferr) == -1) {
		if (ferr.code == EC_ERR_UNAVAILABLE || ferr.code == EC_ERR_NOMEM) {
			*err = ferr;
			return -1;
		}
		r.status = EC_INGEST_FAILED;
		r.err = &ferr;
	} else {
		r.kind = ec_kind_name(doc.info.kind);
		r.format = ec_format_name(doc.info.format);
		r.upstream_id = doc.id;
	}
	ctx->stats->count[r.status]++;
	if (ctx->report != NULL)
		ctx->report(ctx->arg, &r);
	return 0;
}

static int
ingest_is_json(const char *name)
{
	size_t	len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".json") == 0;
}

static int	ingest_path(struct ingest_ctx *, const char *, int, bool,
		    struct ec_err *);

static int
ingest_dir(struct ingest_ctx *ctx, const char *dir, int depth,
    struct ec_err *err)
{
	struct dirent	**list = NULL;
	struct ec_buf	  sub;
	int		  i, n, rc = 0;

	if (depth > INGEST_MAX_DEPTH)
		return 0;
	/* alphasort without setlocale() is bytewise: a stable order. */
	if ((n = scandir(dir, &list, NULL, alphasort)) == -1) {
		struct ec_ingest_report	r = { dir, EC_INGEST_FAILED, NULL,
					    NULL, NULL, NULL };
		struct ec_err		derr;

		(void)ec_err_set(&derr, EC_ERR_REQUEST_INVALID, "%s",
		    strerror(errno));
		r.err = &derr;
		ctx->stats->files++;
		ctx->stats->count[EC_INGEST_FAILED]++;
		if (ctx->report != NULL)
			ctx->report(ctx->arg, &r);
		return 0;
	}
	ec_buf_init(&sub, 4096);
	for (i = 0; i < n; i++) {
		if (rc == 0 && list[i]->d_name[0] != '.') {
			ec_buf_reset(&sub);
			if (ec_buf_addf(&sub, err, "%s/%s", dir,
			    list[i]->d_name) == -1 ||
			    ingest_path(ctx, sub.data, depth + 1, false,
			    err) == -1)
				rc = -1;
		}
		free(list[i]);
	}
	free(list);
	ec_buf_dispose(&sub);
	return rc;
}

static int
ingest_path(struct ingest_ctx *ctx, const char *path, int depth, bool named,
    struct ec_err *err)
{
	struct stat	st;

	/* Named paths may be links; inside a tree, links are not followed. */
	if ((named ? stat(path, &st) : lstat(path, &st)) == -1 ||
	    (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && named))
		return ingest_file(ctx, path, err);
	if (S_ISDIR(st.st_mode))
		return ingest_dir(ctx, path, depth, err);
	if (S_ISREG(st.st_mode) && (named || ingest_is_json(path)))
		return ingest_file(ctx, path, err);
	return 0;
}

int
ec_ingest_paths(struct ec_ingest_stats *stats, struct ec_db *db,
    const char *tenant, const char *source, char *const *paths, size_t n,
    ec_ingest_report_fn *report, void *arg, struct ec_err *err)
{
	struct ingest_ctx	ctx;
	size_t			i;
	int			rc = 0;

	if (ec_tenant_check(tenant, err) == -1)
		return -1;
	if (source != NULL && (source[0] == '\0' ||
	    strlen(source) > EC_MAX_ID_LEN))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "source: 1 to %d characters", EC_MAX_ID_LEN);
	memset(stats, 0, sizeof(*stats));
	memset(&ctx, 0, sizeof(ctx));
	ctx.db = db;
	ctx.tenant = tenant;
	ctx.source = source;
	ctx.stats = stats;
	ctx.report = report;
	ctx.arg = arg;
	ec_buf_init(&ctx.raw, EC_MAX_DOC_BYTES + INGEST_CHUNK + 1);
	/* Escapes can make the canonical form longer than the input. */
	ec_buf_init(&ctx.canon, 2 * (size_t)EC_MAX_DOC_BYTES);
	for (i = 0; i < n && rc == 0; i++)
		rc = ingest_path(&ctx, paths[i], 0, true, err);
	ec_buf_dispose(&ctx.raw);
	ec_buf_dispose(&ctx.canon);
	return rc;
}
