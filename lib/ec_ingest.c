/*
 * ec_ingest: the driver.  The calling thread walks the inputs, parses and
 * canonicalises documents into batches (ingest_add_doc()); a second
 * thread writes each full batch (ec_ingest_store.c) and reports its items.
 * INGEST_BATCHES batches circulate between the two, so memory stays
 * bounded however many documents there are, and parsing overlaps the
 * database round trips.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_canon.h"
#include "ec_ingest_int.h"
#include "ec_limits.h"
#include "ec_time.h"

struct ingest_pipe {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct ingest_batch	*free;		/* ready to fill */
	struct ingest_batch	*head, *tail;	/* full, oldest first */
	bool			 done;		/* no more batches come */
	bool			 fatal;		/* the store thread gave up */
	struct ec_err		 fatal_err;
	struct ingest_store	*store;
	struct ec_ingest_stats	*stats;
	ec_ingest_report_fn	*report;
	void			*arg;
	struct ingest_batch	 all[INGEST_BATCHES];
};

const char *
ec_ingest_status_name(enum ec_ingest_status s)
{
	static const char	*names[] = { "inserted", "updated",
				    "unchanged", "stale", "superseded",
				    "skipped", "failed" };

	return (unsigned)s <= EC_INGEST_FAILED ? names[s] : "failed";
}

static bool
ingest_source_char(char c)
{
	return ec_name_char(c) || c == ':' || c == '/' || c == '@' ||
	    c == '+';
}

int
ec_ingest_source_check(const char *source, struct ec_err *err)
{
	size_t	i, len;

	len = source != NULL ? strlen(source) : 0;
	if (len == 0 || len > EC_MAX_ID_LEN)
		goto bad;
	for (i = 0; i < len; i++)
		if (!ingest_source_char(source[i]))
			goto bad;
	return 0;
bad:
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "source: 1 to %d characters of [A-Za-z0-9._:/@+-]",
	    EC_MAX_ID_LEN);
}

const char *
ingest_source_of(const char *source, enum ec_format format)
{
	return source != NULL ? source : ec_format_name(format);
}

static void
batch_reset(struct ingest_batch *b)
{
	b->n = 0;
	ec_buf_reset(&b->text);
	/* One huge document must not keep its memory for the whole run. */
	if (b->docs.cap > 2 * INGEST_BATCH_BYTES)
		ec_buf_dispose(&b->docs);
	ec_buf_reset(&b->docs);
}

/* The store thread: write, report and recycle each batch in turn. */
static void
pipe_report(struct ingest_pipe *p, struct ingest_batch *b)
{
	struct ec_ingest_report	 r;
	struct ingest_item	*it;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		memset(&r, 0, sizeof(r));
		r.path = b->text.data + it->name_off;
		r.status = it->status;
		r.err = it->has_err ? &it->err : NULL;
		r.supersedes = it->supersedes;
		if (it->is_doc && it->status != EC_INGEST_FAILED) {
			r.kind = ec_kind_name(it->kind);
			r.format = ec_format_name(it->format);
			r.upstream_id = b->text.data + it->id_off;
		}
		if (it->status != EC_INGEST_SKIPPED)
			p->stats->files++;
		p->stats->count[it->status]++;
		if (it->supersedes) {
			p->stats->count[it->retro]--;
			p->stats->count[EC_INGEST_SUPERSEDED]++;
		}
		if (p->report != NULL)
			p->report(p->arg, &r);
	}
}

static void *
pipe_consume(void *arg)
{
	struct ingest_pipe	*p = arg;
	struct ingest_batch	*b;
	struct ec_err		 err;
	int			 rc;

	for (;;) {
		(void)pthread_mutex_lock(&p->mu);
		while (p->head == NULL && !p->done)
			(void)pthread_cond_wait(&p->cv, &p->mu);
		if ((b = p->head) == NULL) {
			(void)pthread_mutex_unlock(&p->mu);
			break;
		}
		if ((p->head = b->next) == NULL)
			p->tail = NULL;
		(void)pthread_mutex_unlock(&p->mu);

		rc = ingest_store_batch(p->store, b, &err);
		if (rc == 0)
			pipe_report(p, b);
		batch_reset(b);
		(void)pthread_mutex_lock(&p->mu);
		b->next = p->free;
		p->free = b;
		if (rc == -1) {
			p->fatal = true;
			p->fatal_err = err;
		}
		(void)pthread_cond_broadcast(&p->cv);
		(void)pthread_mutex_unlock(&p->mu);
		if (rc == -1)
			break;
	}
	return NULL;
}

/* Queue the current batch (if any) and take an empty one. */
static int
pipe_cycle(struct ingest_ctx *ctx, bool take, struct ec_err *err)
{
	struct ingest_pipe	*p = ctx->pipe;
	struct ingest_batch	*b = ctx->cur;
	int			 rc = 0;

	(void)pthread_mutex_lock(&p->mu);
	if (b != NULL && b->n > 0) {
		b->next = NULL;
		if (p->tail != NULL)
			p->tail->next = b;
		else
			p->head = b;
		p->tail = b;
		ctx->cur = NULL;
		(void)pthread_cond_broadcast(&p->cv);
	}
	while (take && ctx->cur == NULL && p->free == NULL && !p->fatal)
		(void)pthread_cond_wait(&p->cv, &p->mu);
	if (p->fatal) {
		*err = p->fatal_err;
		rc = -1;
	} else if (take && ctx->cur == NULL) {
		ctx->cur = p->free;
		p->free = ctx->cur->next;
	}
	(void)pthread_mutex_unlock(&p->mu);
	return rc;
}

/* A new item named "name" at the end of the current batch. */
static int
batch_item(struct ingest_item **out, struct ingest_ctx *ctx,
    const char *name, struct ec_err *err)
{
	struct ingest_batch	*b = ctx->cur;
	struct ingest_item	*it = &b->items[b->n];
	size_t			 len;

	memset(it, 0, sizeof(*it));
	it->name_off = b->text.len;
	/* Names past two path lengths are cut for display; ids are short. */
	len = strnlen(name, 2 * INGEST_MAX_PATH);
	if (ec_buf_add(&b->text, name, len, err) == -1 ||
	    ec_buf_addc(&b->text, '\0', err) == -1)
		return -1;
	*out = it;
	return 0;
}

/* Count the item in; queue the batch when it is full. */
static int
batch_commit(struct ingest_ctx *ctx, struct ec_err *err)
{
	struct ingest_batch	*b = ctx->cur;

	b->n++;
	if (b->n < INGEST_BATCH_ITEMS && b->docs.len < INGEST_BATCH_BYTES &&
	    b->text.len < INGEST_BATCH_TEXT)
		return 0;
	return pipe_cycle(ctx, true, err);
}

int
ingest_add_outcome(struct ingest_ctx *ctx, const char *name,
    enum ec_ingest_status status, const struct ec_err *why,
    struct ec_err *err)
{
	struct ingest_item	*it;

	if (batch_item(&it, ctx, name, err) == -1)
		return -1;
	it->status = status;
	if (why != NULL) {
		it->err = *why;
		it->has_err = true;
	}
	return batch_commit(ctx, err);
}

/* The run-wide key of a row: (kind, upstream id, source). */
static uint64_t
ingest_key(const char *kind, const char *id, const char *source)
{
	struct ec_sha256	h;
	uint8_t			d[EC_SHA256_LEN];
	uint64_t		k = 0;
	int			i;

	ec_sha256_init(&h);
	ec_sha256_update(&h, kind, strlen(kind) + 1);
	ec_sha256_update(&h, id, strlen(id) + 1);
	ec_sha256_update(&h, source, strlen(source) + 1);
	ec_sha256_final(d, &h);
	for (i = 0; i < 8; i++)
		k = k << 8 | d[i];
	return k;
}

/*
 * Top-level members that classify a document.  Only OSV, the bulk of every
 * feed, is recognised from id and modified alone; a document with any of
 * the other formats' markers takes the general path.
 */
enum { PICK_ID, PICK_MODIFIED, PICK_MARKERS };
static const char *const ingest_pick_names[] = { "id", "modified",
    "@context", "document", "bomFormat", "spdxVersion", "schemaVersion" };
#define INGEST_PICKS \
	(sizeof(ingest_pick_names) / sizeof(ingest_pick_names[0]))

/*
 * Canonicalise ctx->raw without a tree (ec_canon_fast()) and classify it
 * from its id and modified strings, in a two-member object that
 * ec_evidence_classify() reads exactly as it would read the whole
 * document.  Returns 1, with nothing appended, whenever the general path
 * must decide.
 */
static int
ingest_fast(struct ec_doc_info *info, struct ingest_ctx *ctx,
    struct ec_err *err)
{
	struct ec_canon_pick	 picks[INGEST_PICKS];
	struct ec_buf		*docs = &ctx->cur->docs;
	json_t			*mini = NULL, *v;
	size_t			 i, start = docs->len;
	int			 rc;

	for (i = 0; i < INGEST_PICKS; i++)
		picks[i].name = ingest_pick_names[i];
	if ((rc = ec_canon_fast(docs, picks, INGEST_PICKS, ctx->raw.data,
	    ctx->raw.len, err)) != 0)
		return rc;
	rc = 1;
	for (i = PICK_MARKERS; i < INGEST_PICKS; i++)
		if (picks[i].found)
			goto out;
	if ((mini = json_object()) == NULL) {
		rc = ec_err_nomem(err);
		goto out;
	}
	for (i = 0; i < PICK_MARKERS; i++) {
		if (!picks[i].found)
			continue;
		if (docs->data[picks[i].off] != '"')
			goto out;
		/* Not expected to fail; if it does, the general path rules. */
		v = json_loadb(docs->data + picks[i].off, picks[i].len,
		    JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (v == NULL || json_object_set_new(mini, picks[i].name,
		    v) == -1)
			goto out;
	}
	rc = ec_evidence_classify(info, mini, err);
out:
	json_decref(mini);
	if (rc != 0)
		ec_buf_truncate(docs, start);
	return rc;
}

/* Recognise and canonicalise ctx->raw into the item's fields. */
static int
ingest_prepare(struct ingest_item *it, struct ingest_ctx *ctx,
    struct ec_err *err)
{
	struct ingest_batch	*b = ctx->cur;
	struct ec_doc_info	 info;
	json_t			*root = NULL;
	char			 id[EC_MAX_ID_LEN + 1];
	int			 rc;

	it->doc_off = b->docs.len;
	if ((rc = ingest_fast(&info, ctx, err)) == -1)
		return -1;
	if (rc == 1 && (root = ec_canon_parse(ctx->raw.data, ctx->raw.len,
	    err)) == NULL)
		return -1;
	rc = -1;
	if (root != NULL && (ec_evidence_classify(&info, root, err) == -1 ||
	    ec_canon_dump(&b->docs, root, err) == -1))
		goto out;
	it->doc_len = b->docs.len - it->doc_off;
	ec_sha256_hex(it->sha, b->docs.data + it->doc_off, it->doc_len);
	/* A document that names itself nowhere is known by its bytes. */
	if (info.upstream_id[0] == '\0')
		(void)snprintf(id, sizeof(id), "sha256:%s", it->sha);
	else
		(void)snprintf(id, sizeof(id), "%s", info.upstream_id);
	it->id_off = b->text.len;
	if (ec_buf_add(&b->text, id, strlen(id) + 1, err) == -1) {
		b->docs.len = it->doc_off;
		goto out;
	}
	it->kind = info.kind;
	it->format = info.format;
	it->has_modified = info.has_modified;
	it->modified_us = info.modified_us;
	it->key = ingest_key(ec_kind_name(info.kind), id,
	    ingest_source_of(ctx->source, info.format));
	it->is_doc = true;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int
ingest_add_doc(struct ingest_ctx *ctx, const char *name, struct ec_err *err)
{
	struct ingest_item	*it;
	struct ec_err		 derr;

	if (batch_item(&it, ctx, name, err) == -1)
		return -1;
	if (ingest_prepare(it, ctx, &derr) == -1) {
		if (derr.code == EC_ERR_NOMEM) {
			*err = derr;
			return -1;
		}
		it->is_doc = false;
		it->status = EC_INGEST_FAILED;
		it->err = derr;
		it->has_err = true;
	}
	return batch_commit(ctx, err);
}

static int
pipe_init(struct ingest_pipe *p, struct ec_err *err)
{
	size_t	i;

	memset(p, 0, sizeof(*p));
	(void)pthread_mutex_init(&p->mu, NULL);
	(void)pthread_cond_init(&p->cv, NULL);
	for (i = 0; i < INGEST_BATCHES; i++) {
		p->all[i].items = calloc(INGEST_BATCH_ITEMS,
		    sizeof(struct ingest_item));
		if (p->all[i].items == NULL)
			return ec_err_nomem(err);
		ec_buf_init(&p->all[i].text, INGEST_BATCH_TEXT +
		    4 * INGEST_MAX_PATH);
		/* Escapes can make the canonical form longer than the input. */
		ec_buf_init(&p->all[i].docs, INGEST_BATCH_BYTES +
		    2 * (size_t)EC_MAX_DOC_BYTES);
		p->all[i].next = p->free;
		p->free = &p->all[i];
	}
	return 0;
}

static void
pipe_dispose(struct ingest_pipe *p)
{
	size_t	i;

	for (i = 0; i < INGEST_BATCHES; i++) {
		free(p->all[i].items);
		ec_buf_dispose(&p->all[i].text);
		ec_buf_dispose(&p->all[i].docs);
	}
	(void)pthread_mutex_destroy(&p->mu);
	(void)pthread_cond_destroy(&p->cv);
}

/* Walk every path, then let the store thread finish the last batch. */
static int
ingest_run(struct ingest_ctx *ctx, char *const *paths, size_t n,
    struct ec_err *err)
{
	struct ingest_pipe	*p = ctx->pipe;
	pthread_t		 tid;
	size_t			 i;
	int			 rc = 0;

	if (pthread_create(&tid, NULL, pipe_consume, p) != 0)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "cannot start the store thread");
	rc = pipe_cycle(ctx, true, err);
	for (i = 0; i < n && rc == 0; i++)
		rc = ingest_walk_named(ctx, paths[i], err);
	if (rc == 0)
		rc = pipe_cycle(ctx, false, err);
	(void)pthread_mutex_lock(&p->mu);
	p->done = true;
	(void)pthread_cond_broadcast(&p->cv);
	(void)pthread_mutex_unlock(&p->mu);
	(void)pthread_join(tid, NULL);
	if (rc == 0 && p->fatal) {
		*err = p->fatal_err;
		rc = -1;
	}
	return rc;
}

int
ec_ingest_paths(struct ec_ingest_stats *stats, struct ec_db *db,
    const char *tenant, const char *source, char *const *paths, size_t n,
    ec_ingest_report_fn *report, void *arg, struct ec_err *err)
{
	struct ingest_pipe	*p;
	struct ingest_ctx	 ctx;
	int			 rc = -1;

	if (ec_tenant_check(tenant, err) == -1 ||
	    (source != NULL && ec_ingest_source_check(source, err) == -1))
		return -1;
	memset(stats, 0, sizeof(*stats));
	memset(&ctx, 0, sizeof(ctx));
	if ((p = malloc(sizeof(*p))) == NULL)
		return ec_err_nomem(err);
	if (pipe_init(p, err) == -1)
		goto out;
	p->stats = stats;
	p->report = report;
	p->arg = arg;
	if (ingest_store_new(&p->store, db, tenant, source, err) == -1)
		goto out;
	ctx.pipe = p;
	ctx.source = source;
	ec_buf_init(&ctx.raw, EC_MAX_DOC_BYTES + 1);
	rc = ingest_run(&ctx, paths, n, err);
	ec_buf_dispose(&ctx.raw);
out:
	ingest_store_free(p->store);
	pipe_dispose(p);
	free(p);
	return rc;
}
