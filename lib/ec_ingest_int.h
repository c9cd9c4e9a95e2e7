/*
 * ec_ingest internals, shared by the files of the module:
 *   ec_ingest.c          driver: the batch queue between the two threads
 *   ec_ingest_walk.c     files, directories and NDJSON on stdin
 *   ec_ingest_archive.c  archive members through libarchive
 *   ec_ingest_store.c    one batch to the database (COPY and merge)
 * The walking thread parses and canonicalises documents into batches; the
 * store thread writes each batch in one transaction and reports its
 * items in input order.
 */
#ifndef EC_INGEST_INT_H
#define EC_INGEST_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ec_buf.h"
#include "ec_evidence.h"
#include "ec_hash.h"
#include "ec_ingest.h"

/* A batch is full at this many items or document bytes (RSS bound). */
#define INGEST_BATCH_ITEMS	2000
#define INGEST_BATCH_BYTES	(4 * 1024 * 1024)
/* Bytes of names and ids per batch past which it is full too. */
#define INGEST_BATCH_TEXT	(1024 * 1024)
/* Batches in flight: one being filled, one queued, one being written. */
#define INGEST_BATCHES		3
/* Directory nesting we follow and path length we build (PATH_MAX). */
#define INGEST_MAX_DEPTH	32
#define INGEST_MAX_PATH		4096

/* One input in a batch: a document to store, or an outcome already known. */
struct ingest_item {
	enum ec_ingest_status	status;	/* set by the walk or the store */
	bool			is_doc;
	/*
	 * This document replaced one an earlier batch of the run stored
	 * with status "retro", which now counts as superseded instead.
	 */
	bool			supersedes;
	enum ec_ingest_status	retro;
	enum ec_kind		kind;
	enum ec_format		format;
	bool			has_modified;
	int64_t			modified_us;	/* µs since the epoch, UTC */
	uint64_t		key;	/* hash of (kind, id, source) */
	char			sha[EC_SHA256_HEX];
	size_t			name_off;	/* in text: the input's name */
	size_t			id_off;		/* in text: the upstream id */
	size_t			doc_off, doc_len;	/* in docs */
	struct ec_err		err;	/* FAILED, or SKIPPED with a reason */
	bool			has_err;
};

struct ingest_batch {
	struct ingest_item	*items;	/* owned */
	size_t			 n;
	struct ec_buf		 text;	/* NUL-terminated names and ids */
	struct ec_buf		 docs;	/* canonical documents, back to back */
	struct ingest_batch	*next;	/* queue link */
};

struct ingest_pipe;
struct ingest_store;

/* What the walk needs: the current batch and the canonical source. */
struct ingest_ctx {
	struct ingest_pipe	*pipe;
	struct ingest_batch	*cur;	/* being filled; owned by the pipe */
	const char		*source;	/* NULL: the format's name */
	struct ec_buf		 raw;	/* one input document, reused */
};

/* ec_ingest.c: hand inputs to the current batch (walking thread only). */
int	ingest_add_doc(struct ingest_ctx *ctx, const char *name,
	    struct ec_err *err);
int	ingest_add_outcome(struct ingest_ctx *ctx, const char *name,
	    enum ec_ingest_status status, const struct ec_err *why,
	    struct ec_err *err);
/* The same with a reason made here ("code" and printf arguments). */
int	ingest_add_reason(struct ingest_ctx *ctx, struct ec_err *err,
	    const char *name, enum ec_ingest_status status, enum ec_code code,
	    const char *fmt, ...) EC_PRINTF(6, 7);
/* The row's source: the run's, else the format's name.  Static. */
const char	*ingest_source_of(const char *source, enum ec_format format);

/* ec_ingest_walk.c: one named input (file, directory, archive or "-"). */
int	ingest_walk_named(struct ingest_ctx *ctx, const char *path,
	    struct ec_err *err);
/* Read at most EC_MAX_DOC_BYTES from fd into ctx->raw (NUL-terminated). */
int	ingest_read_fd(struct ec_buf *out, int fd, struct ec_err *err);

/* ec_ingest_archive.c: every member of the archive open at "fd". */
bool	ingest_is_archive(const char *path);
int	ingest_archive(struct ingest_ctx *ctx, const char *path, int fd,
	    struct ec_err *err);

/* ec_ingest_store.c: the store thread's state. */
int	ingest_store_new(struct ingest_store **out, struct ec_db *db,
	    const char *tenant, const char *source, struct ec_err *err);
void	ingest_store_free(struct ingest_store *s);
/*
 * Write the batch's documents and set every item's status; a document
 * the database refuses becomes EC_INGEST_FAILED.  -1 only when ingest
 * cannot go on (EC_ERR_UNAVAILABLE, EC_ERR_NOMEM).
 */
int	ingest_store_batch(struct ingest_store *s, struct ingest_batch *b,
	    struct ec_err *err);

#endif
