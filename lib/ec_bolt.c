/*
 * ec_bolt: write-once bbolt files, bulk-loaded bottom-up
 * (specs/boltdb.md section 15).
 *
 * Each open bucket is a frame holding one in-progress node per tree level:
 * level 0 collects leaf elements, level 1 the (first key, pgid) pairs of
 * the leaves written so far, and so on up.  A node that cannot take the
 * next element is written out at once under the next free page ids, and
 * its first key goes to the level above.  Page ids are therefore handed
 * out, and pages written, strictly in file order; only pages 0 to 2 (the
 * metas and the freelist) are written last, once the root is known.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ec_bolt.h"
#include "ec_buf.h"

/* Page and element layout (boltdb.md sections 2, 3, 6, 7, 8.2). */
#define BOLT_HDR		16
#define BOLT_ELEM		16
#define BOLT_BUCKET_HDR		16
#define BOLT_FLAG_BRANCH	0x01
#define BOLT_FLAG_LEAF		0x02
#define BOLT_FLAG_META		0x04
#define BOLT_FLAG_FREELIST	0x10
#define BOLT_LEAF_BUCKET	0x01
/* Meta constants (section 4). */
#define BOLT_MAGIC		0xED0CDAEDu
#define BOLT_VERSION		2
#define BOLT_FIRST_PGID		3	/* 0, 1: metas; 2: freelist */
#define BOLT_FREELIST_PGID	2
/* bbolt's minKeysPerPage: node.splitIndex never leaves fewer on a page. */
#define BOLT_MIN_KEYS		2
/* Bucket.maxInlineBucketSize: a quarter page (section 8.3). */
#define BOLT_MAX_INLINE		(EC_BOLT_PAGE_SIZE / 4)
/*
 * A 4096-byte page holds at most (4096 - 16) / 17 = 240 elements of the
 * smallest size (16 + a 1-byte key), plus the two bbolt always admits.
 */
#define BOLT_NODE_ELEMS		256
/* Fan-out is at least two, so 64-bit page ids never need more levels. */
#define BOLT_MAX_LEVELS		64
/* Buffers grown past this by one huge value are released after use. */
#define BOLT_KEEP_BYTES		(64 * 1024)

struct bolt_elem {
	uint32_t	flags;	/* BOLT_LEAF_BUCKET or 0; leaves only */
	uint32_t	klen;
	uint32_t	vlen;	/* leaves only */
	uint64_t	pgid;	/* branches only: the child */
};

/* One page being filled; data holds each element's key then value. */
struct bolt_node {
	struct bolt_elem	 elems[BOLT_NODE_ELEMS];
	size_t			 n;
	size_t			 size;	/* bytes: header, elements, data */
	struct ec_buf		 data;
	bool			 flushed;	/* a node of it was written */
};

struct bolt_frame {
	struct bolt_node	*levels[BOLT_MAX_LEVELS];	/* owned */
	size_t			 nlevels;	/* levels in use */
	struct ec_buf		 name;	/* the bucket's; empty at root */
	struct ec_buf		 last;	/* last key or name taken */
	bool			 has_last;
	bool			 has_sub;	/* holds a nested bucket */
};

struct ec_bolt {
	FILE			*fp;
	char			*path;	/* owned */
	uint64_t		 next_pgid;
	struct bolt_frame	 frames[EC_BOLT_MAX_DEPTH + 1];
	size_t			 depth;	/* frames[depth] is open */
	struct ec_buf		 page;	/* page image to write */
	struct ec_buf		 value;	/* inline bucket image */
	bool			 failed, finished;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* bytes.Compare: memcmp over the common prefix, then the shorter first. */
static int
bolt_keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int	c;

	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
bolt_fail(struct ec_bolt *b, struct ec_err *err, enum ec_code code,
    const char *what)
{
	b->failed = true;
	return ec_err_set(err, code, "bolt: %s", what);
}

static int
bolt_io(struct ec_bolt *b, struct ec_err *err, const char *what)
{
	b->failed = true;
	return ec_err_set(err, EC_ERR_IO, "bolt: %s %s: %s", what, b->path,
	    strerror(errno));
}

static void
bolt_buf_shrink(struct ec_buf *buf)
{
	if (buf->cap > BOLT_KEEP_BYTES)
		ec_buf_dispose(buf);
	else
		ec_buf_reset(buf);
}

static void
bolt_node_reset(struct bolt_node *n)
{
	n->n = 0;
	n->size = BOLT_HDR;
	bolt_buf_shrink(&n->data);
}

int
ec_bolt_new(struct ec_bolt **out, const char *path, struct ec_err *err)
{
	struct ec_bolt	*b;
	size_t		 i;
	int		 fd;

	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->path = strdup(path)) == NULL) {
		free(b);
		return ec_err_nomem(err);
	}
	b->next_pgid = BOLT_FIRST_PGID;
	for (i = 0; i <= EC_BOLT_MAX_DEPTH; i++) {
		ec_buf_init(&b->frames[i].name, EC_BOLT_MAX_KEY);
		ec_buf_init(&b->frames[i].last, EC_BOLT_MAX_KEY);
	}
	ec_buf_init(&b->page, SIZE_MAX);
	ec_buf_init(&b->value, BOLT_BUCKET_HDR + BOLT_MAX_INLINE);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "bolt: create %s: %s", path,
		    strerror(errno));
		b->finished = true;	/* not ours to unlink */
		ec_bolt_free(b);
		return -1;
	}
	if ((b->fp = fdopen(fd, "w")) == NULL) {
		(void)close(fd);
		(void)ec_err_set(err, EC_ERR_IO, "bolt: %s: %s", path,
		    strerror(errno));
		ec_bolt_free(b);
		return -1;
	}
	/* Pages 0 to 2 are written at the end; leave room for them now. */
	if (fseek(b->fp, (long)BOLT_FIRST_PGID * EC_BOLT_PAGE_SIZE,
	    SEEK_SET) == -1) {
		(void)bolt_io(b, err, "seek");
		ec_bolt_free(b);
		return -1;
	}
	*out = b;
	return 0;
}

static struct bolt_node *
bolt_level(struct bolt_frame *f, size_t level, struct ec_err *err)
{
	struct bolt_node	*n;

	if (level >= BOLT_MAX_LEVELS) {
		(void)ec_err_set(err, EC_ERR_INTERNAL, "bolt: tree too deep");
		return NULL;
	}
	if ((n = f->levels[level]) == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL) {
			(void)ec_err_nomem(err);
			return NULL;
		}
		ec_buf_init(&n->data, SIZE_MAX);
		n->size = BOLT_HDR;
		f->levels[level] = n;
	}
	if (f->nlevels <= level)
		f->nlevels = level + 1;
	return n;
}

/*
 * Lay node "n" out as a page image with the given id (0 for an inline
 * bucket) in b->page, zero-padded to whole pages when "pages" > 0.
 * Element positions count from each element (WriteInodeToPage), and keys
 * and values follow the element array in element order (sections 6, 7).
 */
static int
bolt_render(struct ec_bolt *b, const struct bolt_node *n, bool leaf,
    uint64_t id, uint64_t pages, struct ec_err *err)
{
	uint8_t	*p, *e;
	size_t	 total, i, off, data;

	total = pages > 0 ? (size_t)pages * EC_BOLT_PAGE_SIZE : n->size;
	ec_buf_reset(&b->page);
	if (ec_buf_reserve(&b->page, total, err) == -1)
		return -1;
	p = (uint8_t *)b->page.data;
	memset(p, 0, total);
	put64(p, id);
	put16(p + 8, leaf ? BOLT_FLAG_LEAF : BOLT_FLAG_BRANCH);
	put16(p + 10, (uint16_t)n->n);
	put32(p + 12, pages > 0 ? (uint32_t)(pages - 1) : 0);
	data = BOLT_HDR + n->n * BOLT_ELEM;
	if (n->data.len > 0)
		memcpy(p + data, n->data.data, n->data.len);
	for (i = 0, off = 0; i < n->n; i++) {
		e = p + BOLT_HDR + i * BOLT_ELEM;
		if (leaf) {
			put32(e, n->elems[i].flags);
			put32(e + 4, (uint32_t)(data + off - (size_t)(e - p)));
			put32(e + 8, n->elems[i].klen);
			put32(e + 12, n->elems[i].vlen);
		} else {
			put32(e, (uint32_t)(data + off - (size_t)(e - p)));
			put32(e + 4, n->elems[i].klen);
			put64(e + 8, n->elems[i].pgid);
		}
		off += n->elems[i].klen + n->elems[i].vlen;
	}
	b->page.len = total;
	return 0;
}

/* Give node "n" the next ceil(size / 4096) page ids and write it there. */
static int
bolt_write_node(uint64_t *pgid_out, struct ec_bolt *b,
    const struct bolt_node *n, bool leaf, struct ec_err *err)
{
	uint64_t	pages;

	pages = (n->size + EC_BOLT_PAGE_SIZE - 1) / EC_BOLT_PAGE_SIZE;
	if (pages - 1 > UINT32_MAX)
		return bolt_fail(b, err, EC_ERR_INTERNAL, "node too large");
	if (bolt_render(b, n, leaf, b->next_pgid, pages, err) == -1) {
		b->failed = true;
		return -1;
	}
	if (fwrite(b->page.data, 1, b->page.len, b->fp) != b->page.len)
		return bolt_io(b, err, "write");
	bolt_buf_shrink(&b->page);
	*pgid_out = b->next_pgid;
	b->next_pgid += pages;
	return 0;
}

static int	bolt_add(struct ec_bolt *, struct bolt_frame *, size_t,
		    uint32_t, const void *, size_t, const void *, size_t,
		    uint64_t, struct ec_err *);

/* Write the node of "level" and pass its first key up a level. */
static int
bolt_flush(struct ec_bolt *b, struct bolt_frame *f, size_t level,
    struct ec_err *err)
{
	struct bolt_node	*n = f->levels[level];
	uint64_t		 pgid;

	if (bolt_write_node(&pgid, b, n, level == 0, err) == -1)
		return -1;
	n->flushed = true;
	/* The parent's key is the child's first key (node.spill). */
	if (bolt_add(b, f, level + 1, 0, n->data.data, n->elems[0].klen,
	    NULL, 0, pgid, err) == -1)
		return -1;
	bolt_node_reset(n);
	return 0;
}

/*
 * Append an element to the node of "level", first writing that node out
 * if it holds at least BOLT_MIN_KEYS elements and the new one would take
 * it past a page: node.splitIndex at FillPercent 1.0 (section 15).
 */
static int
bolt_add(struct ec_bolt *b, struct bolt_frame *f, size_t level,
    uint32_t flags, const void *key, size_t klen, const void *val,
    size_t vlen, uint64_t pgid, struct ec_err *err)
{
	struct bolt_node	*n;
	struct bolt_elem	*e;
	size_t			 elsize;

	if ((n = bolt_level(f, level, err)) == NULL) {
		b->failed = true;
		return -1;
	}
	elsize = BOLT_ELEM + klen + vlen;
	if (n->n >= BOLT_MIN_KEYS &&
	    (n->size + elsize > EC_BOLT_PAGE_SIZE || n->n == BOLT_NODE_ELEMS) &&
	    bolt_flush(b, f, level, err) == -1)
		return -1;
	if (ec_buf_add(&n->data, key, klen, err) == -1 ||
	    (vlen > 0 && ec_buf_add(&n->data, val, vlen, err) == -1)) {
		b->failed = true;
		return -1;
	}
	e = &n->elems[n->n++];
	e->flags = flags;
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	e->pgid = pgid;
	n->size += elsize;
	return 0;
}

/*
 * Check "key" against the last key of the open bucket and remember it:
 * strictly increasing, 1 to EC_BOLT_MAX_KEY bytes (sections 9, 10).
 */
static int
bolt_order(struct ec_bolt *b, const void *key, size_t klen,
    struct ec_err *err)
{
	struct bolt_frame	*f = &b->frames[b->depth];

	if (b->failed || b->finished)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "bolt: writer already failed or finished");
	if (klen == 0 || klen > EC_BOLT_MAX_KEY)
		return bolt_fail(b, err, EC_ERR_INTERNAL,
		    "key length out of range");
	if (f->has_last &&
	    bolt_keycmp(f->last.data, f->last.len, key, klen) >= 0)
		return bolt_fail(b, err, EC_ERR_INTERNAL,
		    "keys out of order or duplicated");
	ec_buf_reset(&f->last);
	if (ec_buf_add(&f->last, key, klen, err) == -1) {
		b->failed = true;
		return -1;
	}
	f->has_last = true;
	return 0;
}

int
ec_bolt_bucket_begin(struct ec_bolt *b, const void *name, size_t len,
    struct ec_err *err)
{
	struct bolt_frame	*f;

	if (bolt_order(b, name, len, err) == -1)
		return -1;
	if (b->depth == EC_BOLT_MAX_DEPTH)
		return bolt_fail(b, err, EC_ERR_INTERNAL,
		    "buckets nested too deep");
	b->frames[b->depth].has_sub = true;
	f = &b->frames[++b->depth];
	ec_buf_reset(&f->name);
	if (ec_buf_add(&f->name, name, len, err) == -1) {
		b->failed = true;
		return -1;
	}
	f->nlevels = 0;
	f->has_last = false;
	f->has_sub = false;
	return 0;
}

int
ec_bolt_put(struct ec_bolt *b, const void *key, size_t klen,
    const void *val, size_t vlen, struct ec_err *err)
{
	if (b->depth == 0 && !b->failed)
		return bolt_fail(b, err, EC_ERR_INTERNAL,
		    "the root bucket takes buckets only");
	if (vlen > EC_BOLT_MAX_VALUE && !b->failed)
		return bolt_fail(b, err, EC_ERR_INTERNAL, "value too large");
	if (bolt_order(b, key, klen, err) == -1)
		return -1;
	return bolt_add(b, &b->frames[b->depth], 0, 0, key, klen, val, vlen,
	    0, err);
}

/*
 * Finish the tree of frame "f": write out every level bottom-up until one
 * level is a single node that was never split, the root.  *root_out is
 * its page id.  An untouched frame gets an empty leaf (section 7).
 */
static int
bolt_close_tree(uint64_t *root_out, struct ec_bolt *b, struct bolt_frame *f,
    struct ec_err *err)
{
	struct bolt_node	*n;
	size_t			 level;

	for (level = 0;; level++) {
		if ((n = bolt_level(f, level, err)) == NULL) {
			b->failed = true;
			return -1;
		}
		if (!n->flushed)
			break;
		if (bolt_flush(b, f, level, err) == -1)
			return -1;
	}
	if (bolt_write_node(root_out, b, n, level == 0, err) == -1)
		return -1;
	for (level = 0; level < f->nlevels; level++) {
		bolt_node_reset(f->levels[level]);
		f->levels[level]->flushed = false;
	}
	f->nlevels = 0;
	return 0;
}

int
ec_bolt_bucket_end(struct ec_bolt *b, struct ec_err *err)
{
	struct bolt_frame	*f, *parent;
	struct bolt_node	*leaf;
	uint8_t			 hdr[BOLT_BUCKET_HDR];
	uint64_t		 root;

	if (b->failed || b->finished)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "bolt: writer already failed or finished");
	if (b->depth == 0)
		return bolt_fail(b, err, EC_ERR_INTERNAL, "no bucket open");
	f = &b->frames[b->depth];
	parent = &b->frames[b->depth - 1];
	if ((leaf = bolt_level(f, 0, err)) == NULL) {
		b->failed = true;
		return -1;
	}
	memset(hdr, 0, sizeof(hdr));
	ec_buf_reset(&b->value);
	/* Bucket.inlineable: one leaf, no sub-buckets, a quarter page. */
	if (!leaf->flushed && !f->has_sub && leaf->size <= BOLT_MAX_INLINE) {
		if (bolt_render(b, leaf, true, 0, 0, err) == -1 ||
		    ec_buf_add(&b->value, hdr, sizeof(hdr), err) == -1 ||
		    ec_buf_add(&b->value, b->page.data, b->page.len,
		    err) == -1) {
			b->failed = true;
			return -1;
		}
		bolt_node_reset(leaf);
		f->nlevels = 0;
	} else {
		if (bolt_close_tree(&root, b, f, err) == -1)
			return -1;
		put64(hdr, root);
		if (ec_buf_add(&b->value, hdr, sizeof(hdr), err) == -1) {
			b->failed = true;
			return -1;
		}
	}
	b->depth--;
	return bolt_add(b, parent, 0, BOLT_LEAF_BUCKET, f->name.data,
	    f->name.len, b->value.data, b->value.len, 0, err);
}

/* FNV-1a 64 over the meta fields before the checksum (Meta.Sum64). */
static uint64_t
bolt_fnv1a(const uint8_t *p, size_t len)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Meta page "txid" (0 or 1, its own page id too), as db.init writes. */
static void
bolt_meta(uint8_t *p, uint64_t txid, uint64_t root, uint64_t hwm)
{
	uint8_t	*m = p + BOLT_HDR;

	memset(p, 0, EC_BOLT_PAGE_SIZE);
	put64(p, txid);
	put16(p + 8, BOLT_FLAG_META);
	put32(m, BOLT_MAGIC);
	put32(m + 4, BOLT_VERSION);
	put32(m + 8, EC_BOLT_PAGE_SIZE);
	put64(m + 16, root);
	put64(m + 32, BOLT_FREELIST_PGID);
	put64(m + 40, hwm);
	put64(m + 48, txid);
	put64(m + 56, bolt_fnv1a(m, 56));
}

int
ec_bolt_finish(uint64_t *pages_out, struct ec_bolt *b, struct ec_err *err)
{
	uint8_t		head[BOLT_FIRST_PGID * EC_BOLT_PAGE_SIZE];
	uint64_t	root;
	int		fd;

	if (b->failed || b->finished)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "bolt: writer already failed or finished");
	if (b->depth != 0)
		return bolt_fail(b, err, EC_ERR_INTERNAL,
		    "a bucket is still open");
	/* The root bucket is never inline (section 8.1). */
	if (bolt_close_tree(&root, b, &b->frames[0], err) == -1)
		return -1;
	bolt_meta(head, 0, root, b->next_pgid);
	bolt_meta(head + EC_BOLT_PAGE_SIZE, 1, root, b->next_pgid);
	/* An empty freelist: a fresh file has no free pages (section 5.2). */
	memset(head + 2 * EC_BOLT_PAGE_SIZE, 0, EC_BOLT_PAGE_SIZE);
	put64(head + 2 * EC_BOLT_PAGE_SIZE, BOLT_FREELIST_PGID);
	put16(head + 2 * EC_BOLT_PAGE_SIZE + 8, BOLT_FLAG_FREELIST);
	if (fseek(b->fp, 0, SEEK_SET) == -1 ||
	    fwrite(head, 1, sizeof(head), b->fp) != sizeof(head) ||
	    fflush(b->fp) == EOF)
		return bolt_io(b, err, "write");
	fd = fileno(b->fp);
	if (fsync(fd) == -1)
		return bolt_io(b, err, "fsync");
	b->finished = true;
	if (fclose(b->fp) == EOF) {
		b->fp = NULL;
		b->finished = false;
		return bolt_io(b, err, "close");
	}
	b->fp = NULL;
	if (pages_out != NULL)
		*pages_out = b->next_pgid;
	return 0;
}

void
ec_bolt_free(struct ec_bolt *b)
{
	size_t	i, j;

	if (b == NULL)
		return;
	if (b->fp != NULL)
		(void)fclose(b->fp);
	if (!b->finished)
		(void)unlink(b->path);
	for (i = 0; i <= EC_BOLT_MAX_DEPTH; i++) {
		for (j = 0; j < BOLT_MAX_LEVELS; j++) {
			if (b->frames[i].levels[j] == NULL)
				continue;
			ec_buf_dispose(&b->frames[i].levels[j]->data);
			free(b->frames[i].levels[j]);
		}
		ec_buf_dispose(&b->frames[i].name);
		ec_buf_dispose(&b->frames[i].last);
	}
	ec_buf_dispose(&b->page);
	ec_buf_dispose(&b->value);
	free(b->path);
	free(b);
}
