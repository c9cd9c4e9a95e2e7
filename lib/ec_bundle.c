/*
 * ec_bundle: the deterministic writer.  Every member is a ustar header
 * (POSIX.1-1988) with the same metadata but name and size, written in
 * bytewise name order (the bytes libarchive's ustar writer made, see
 * ec_bundle_ustar_header), compressed by libzstd's multithreaded
 * streaming mode.  A member whose content was compressed ahead
 * (ec_bundle_frames) ends the frame after its header and is copied as its
 * own frames; the next frame starts with its padding.  libzstd's mode
 * splits the stream into jobs whose boundaries depend only on the
 * parameters, never on the number of workers, so any count >= 1 gives the
 * same bytes (zstd's tests/cli-tests/determinism checks it, and the frame
 * boundaries depend only on the members); nbWorkers = 0 is a different,
 * single-pass encoder whose output differs on inputs larger than one job
 * (facebook/zstd#2327), so it is never used.  Nothing here reads the clock
 * or the environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "ec_buf.h"
#include "ec_bundle_int.h"
#include "ec_file.h"
#include "ec_limits.h"

struct bundle_entry {
	char		*name;		/* owned */
	char		*mem;		/* owned; NULL when spooled */
	char		*spool;		/* owned path; NULL when in memory */
	bool		 adopted;	/* spool is the caller's: keep it */
	/* Content compressed ahead: the stream's own, or borrowed. */
	struct ec_bundle_frames		*own_frames;
	const struct ec_bundle_frames	*frames;
	uint64_t	 size;
	uint8_t		 sha256[EC_SHA256_LEN];
};

/* Read size when copying a file into the archive. */
#define BUNDLE_COPY_BUF		(1024 * 1024)

struct ec_bundle_stream {
	struct ec_bundle	*b;
	/* Borrowed from its entry; libzstd buffers the input itself. */
	struct ec_bundle_frames	*f;
	struct ec_sha256	 h;
	uint64_t		 size;
	size_t			 idx;	/* its entry in b->ents */
};

struct ec_bundle {
	char			*path;		/* owned */
	char			*spool_dir;	/* owned */
	int64_t			 mtime;
	uint64_t		 max_bytes;
	struct bundle_entry	*ents;		/* owned */
	size_t			 n, cap;
	bool			 sorted;
	unsigned		 spools;	/* spool files made so far */
	struct ec_bundle_stream	*stream;	/* owned; the open one */
	int			 fd;		/* the bundle file */
	bool			 created;	/* we made "path" */
	bool			 finished;
	unsigned		 workers;	/* zstd nbWorkers, >= 1 */
	/* While writing the archive: */
	ZSTD_CCtx		*zc;		/* owned */
	char			*zbuf;		/* owned, zbuf_len bytes */
	size_t			 zbuf_len;
	struct ec_sha256	 out_hash;
	uint64_t		 out_bytes;
};

static char *
bundle_strdup(const char *s, struct ec_err *err)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		(void)ec_err_nomem(err);
	return p;
}

int
ec_bundle_new(struct ec_bundle **out, const char *path, int64_t mtime,
    uint64_t max_bytes, struct ec_err *err)
{
	struct ec_bundle	*b;
	struct ec_buf		 sp;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ec_err_nomem(err);
	b->fd = -1;
	b->mtime = mtime;
	b->max_bytes = max_bytes;
	b->workers = 1;
	ec_buf_init(&sp, 4096);
	if ((b->path = bundle_strdup(path, err)) == NULL ||
	    ec_buf_addf(&sp, err, "%s.spool", path) == -1) {
		ec_buf_dispose(&sp);
		ec_bundle_free(b);
		return -1;
	}
	b->spool_dir = ec_buf_steal(&sp, NULL);
	if ((b->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
		free(b->spool_dir);
		b->spool_dir = NULL;	/* not ours to remove */
		ec_bundle_free(b);
		return -1;
	}
	b->created = true;
	if (mkdir(b->spool_dir, 0700) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", b->spool_dir,
		    strerror(errno));
		free(b->spool_dir);
		b->spool_dir = NULL;
		ec_bundle_free(b);
		return -1;
	}
	*out = b;
	return 0;
}

bool
ec_bundle_path_safe(const char *name)
{
	const char	*seg, *end, *p;
	size_t		 n;

	if (name[0] == '\0' || name[0] == '/')
		return false;
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	for (seg = name; *seg != '\0'; seg = *end == '/' ? end + 1 : end) {
		if ((end = strchr(seg, '/')) == NULL)
			end = seg + strlen(seg);
		n = (size_t)(end - seg);
		/* "a/" ends in an empty component too. */
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.') ||
		    (*end == '/' && end[1] == '\0'))
			return false;
	}
	return true;
}

/* Our own names only; a bad one is a programming error, not user input. */
static int
bundle_check_name(const struct ec_bundle *b, const char *name,
    struct ec_err *err)
{
	const char	*p;

	if (strlen(name) > EC_BUNDLE_NAME_MAX || !ec_bundle_path_safe(name))
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "bad bundle entry name \"%s\"", name);
	/* Printable ASCII: names travel into sha256sum lines and URLs. */
	for (p = name; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '\\')
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "bad character in bundle entry name \"%s\"", name);
	if (b->finished || b->stream != NULL)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "bundle busy adding \"%s\"", name);
	if (b->n >= EC_MAX_BUNDLE_ENTRIES)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "more than %d bundle entries", EC_MAX_BUNDLE_ENTRIES);
	return 0;
}

static struct bundle_entry *
bundle_push(struct ec_bundle *b, const char *name, struct ec_err *err)
{
	struct bundle_entry	*e;
	size_t			 ncap;

	if (bundle_check_name(b, name, err) == -1)
		return NULL;
	if (b->n == b->cap) {
		ncap = b->cap == 0 ? 16 : b->cap * 2;
		if ((e = reallocarray(b->ents, ncap, sizeof(*e))) == NULL) {
			(void)ec_err_nomem(err);
			return NULL;
		}
		b->ents = e;
		b->cap = ncap;
	}
	e = &b->ents[b->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = bundle_strdup(name, err)) == NULL)
		return NULL;
	b->n++;
	b->sorted = false;
	return e;
}

int
ec_bundle_add_mem(struct ec_bundle *b, const char *name, const void *data,
    size_t len, struct ec_err *err)
{
	struct bundle_entry	*e;

	if ((e = bundle_push(b, name, err)) == NULL)
		return -1;
	/* malloc(0) may return NULL; keep one byte so NULL means spooled. */
	if ((e->mem = malloc(len > 0 ? len : 1)) == NULL)
		return ec_err_nomem(err);
	if (len > 0)
		memcpy(e->mem, data, len);
	e->size = len;
	ec_sha256(e->sha256, data, len);
	return 0;
}

/* Forget the entry just pushed, when what should fill it failed. */
static void
bundle_pop(struct ec_bundle *b)
{
	struct bundle_entry	*e = &b->ents[--b->n];

	free(e->name);
	free(e->spool);
	free(e->mem);
	ec_bundle_frames_free(e->own_frames);
	memset(e, 0, sizeof(*e));
}

int
ec_bundle_stream_open(struct ec_bundle_stream **out, struct ec_bundle *b,
    const char *name, struct ec_err *err)
{
	struct ec_bundle_stream	*s;
	struct bundle_entry	*e;
	struct ec_buf		 path;

	if ((e = bundle_push(b, name, err)) == NULL)
		return -1;
	ec_buf_init(&path, 4096);
	if (ec_buf_addf(&path, err, "%s/%u", b->spool_dir, b->spools++) == -1)
		goto fail;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)ec_err_nomem(err);
		goto fail;
	}
	if (ec_bundle_frames_new(&e->own_frames, path.data, b->workers,
	    err) == -1) {
		free(s);
		goto fail;
	}
	e->frames = e->own_frames;
	ec_buf_dispose(&path);
	s->b = b;
	s->f = e->own_frames;
	s->idx = b->n - 1;
	ec_sha256_init(&s->h);
	b->stream = s;
	*out = s;
	return 0;
fail:
	/* A failed open registers nothing: finish must not find an entry. */
	ec_buf_dispose(&path);
	bundle_pop(b);
	return -1;
}

int
ec_bundle_add_file(struct ec_bundle *b, const char *name, const char *path,
    const uint8_t digest[EC_SHA256_LEN], uint64_t size, struct ec_err *err)
{
	struct bundle_entry	*e;

	if ((e = bundle_push(b, name, err)) == NULL)
		return -1;
	if ((e->spool = bundle_strdup(path, err)) == NULL) {
		bundle_pop(b);
		return -1;
	}
	e->adopted = true;
	e->size = size;
	memcpy(e->sha256, digest, EC_SHA256_LEN);
	return 0;
}

int
ec_bundle_add_framed(struct ec_bundle *b, const char *name,
    const struct ec_bundle_frames *f, const uint8_t digest[EC_SHA256_LEN],
    uint64_t size, struct ec_err *err)
{
	struct bundle_entry	*e;

	if (!ec_bundle_frames_closed(f) || ec_bundle_frames_in(f) != size)
		return ec_err_set(err, EC_ERR_INTERNAL, "%s: frames not closed "
		    "or of another size", name);
	if ((e = bundle_push(b, name, err)) == NULL)
		return -1;
	e->frames = f;
	e->size = size;
	memcpy(e->sha256, digest, EC_SHA256_LEN);
	return 0;
}

int
ec_bundle_set_workers(struct ec_bundle *b, unsigned workers,
    struct ec_err *err)
{
	if (workers < 1 || workers > EC_BUNDLE_WORKERS_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "zstd workers: 1 to %d", EC_BUNDLE_WORKERS_MAX);
	if (b->stream != NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "a stream is open");
	b->workers = workers;
	return 0;
}

int
ec_bundle_stream_write(struct ec_bundle_stream *s, const void *p, size_t len,
    struct ec_err *err)
{
	if (len > EC_MAX_ENTRY_BYTES - s->size)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "bundle entry %s exceeds %llu bytes",
		    s->b->ents[s->idx].name,
		    (unsigned long long)EC_MAX_ENTRY_BYTES);
	if (ec_bundle_frames_write(s->f, p, len, err) == -1)
		return -1;
	ec_sha256_update(&s->h, p, len);
	s->size += len;
	return 0;
}

static void
bundle_stream_free(struct ec_bundle_stream *s)
{
	if (s == NULL)
		return;
	s->b->stream = NULL;
	free(s);
}

int
ec_bundle_stream_close(uint8_t digest_out[EC_SHA256_LEN], uint64_t *size_out,
    struct ec_bundle_stream *s, struct ec_err *err)
{
	struct bundle_entry	*e = &s->b->ents[s->idx];
	int			 rc = -1;

	if (ec_bundle_frames_close(s->f, err) == -1)
		goto out;
	ec_sha256_final(e->sha256, &s->h);
	e->size = s->size;
	if (digest_out != NULL)
		memcpy(digest_out, e->sha256, EC_SHA256_LEN);
	if (size_out != NULL)
		*size_out = e->size;
	rc = 0;
out:
	bundle_stream_free(s);
	return rc;
}

size_t
ec_bundle_count(const struct ec_bundle *b)
{
	return b->n;
}

static int
bundle_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bundle_entry *)a)->name,
	    ((const struct bundle_entry *)b)->name);
}

static int
bundle_sort(struct ec_bundle *b, struct ec_err *err)
{
	size_t	i;

	if (b->stream != NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "a stream is open");
	if (!b->sorted && b->n > 1)
		qsort(b->ents, b->n, sizeof(b->ents[0]), bundle_cmp);
	b->sorted = true;
	for (i = 1; i < b->n; i++)
		if (strcmp(b->ents[i - 1].name, b->ents[i].name) == 0)
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "bundle entry %s added twice", b->ents[i].name);
	return 0;
}

int
ec_bundle_foreach(struct ec_bundle *b, ec_bundle_each_fn *fn, void *arg,
    struct ec_err *err)
{
	size_t	i;
	int	rc;

	if (bundle_sort(b, err) == -1)
		return -1;
	for (i = 0; i < b->n; i++)
		if ((rc = fn(arg, b->ents[i].name, b->ents[i].sha256,
		    b->ents[i].size, err)) != 0)
			return rc;
	return 0;
}

/* Write compressed bytes: hash, count and enforce the size cap. */
static int
bundle_emit(struct ec_bundle *b, const char *p, size_t len,
    struct ec_err *err)
{
	if (len > b->max_bytes - b->out_bytes)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "bundle exceeds %llu bytes compressed",
		    (unsigned long long)b->max_bytes);
	if (ec_file_write_all(b->fd, p, len, b->path, err) == -1)
		return -1;
	ec_sha256_update(&b->out_hash, p, len);
	b->out_bytes += len;
	return 0;
}

/* Feed "len" tar bytes to zstd (ZSTD_e_end: finish the frame). */
static int
bundle_compress(struct ec_bundle *b, const void *p, size_t len,
    ZSTD_EndDirective mode, struct ec_err *err)
{
	ZSTD_inBuffer	in = { p, len, 0 };
	ZSTD_outBuffer	out;
	size_t		left;

	do {
		out.dst = b->zbuf;
		out.size = b->zbuf_len;
		out.pos = 0;
		left = ZSTD_compressStream2(b->zc, &out, &in, mode);
		/* Only memory can fail here: libzstd checks nothing else. */
		if (ZSTD_isError(left))
			return ec_err_set(err, EC_ERR_NOMEM, "%s: zstd: %s",
			    b->path, ZSTD_getErrorName(left));
		if (out.pos > 0 && bundle_emit(b, b->zbuf, out.pos, err) == -1)
			return -1;
	} while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

/*
 * Copy "len" bytes of the file at "path" into the output: through the
 * compressor ("raw"), or as they are (frames compressed ahead).
 */
static int
bundle_copy_file(struct ec_bundle *b, const char *path, uint64_t len,
    bool raw, struct ec_err *err)
{
	char		*chunk;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((chunk = malloc(BUNDLE_COPY_BUF)) == NULL)
		return ec_err_nomem(err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
		free(chunk);
		return -1;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (len > 0) {
		n = read(fd, chunk, len < BUNDLE_COPY_BUF ? (size_t)len :
		    BUNDLE_COPY_BUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)ec_err_set(err, EC_ERR_IO, "%s: %s", path,
			    n == 0 ? "file shrank while bundling" :
			    strerror(errno));
			goto out;
		}
		if ((raw ? bundle_compress(b, chunk, (size_t)n,
		    ZSTD_e_continue, err) : bundle_emit(b, chunk, (size_t)n,
		    err)) == -1)
			goto out;
		len -= (uint64_t)n;
	}
	rc = 0;
out:
	(void)close(fd);
	free(chunk);
	return rc;
}

/*
 * One member: header, content, padding.  Content compressed ahead ends
 * the current frame after the header and goes in as its own frames; the
 * padding then starts the next frame.
 */
static int
bundle_write_entry(struct ec_bundle *b, const struct bundle_entry *e,
    struct ec_err *err)
{
	static const char	zeros[EC_BUNDLE_BLOCK];
	char			hdr[EC_BUNDLE_BLOCK];
	size_t			pad;

	pad = (EC_BUNDLE_BLOCK - e->size % EC_BUNDLE_BLOCK) % EC_BUNDLE_BLOCK;
	if (ec_bundle_ustar_header(hdr, e->name, e->size, b->mtime,
	    err) == -1 ||
	    bundle_compress(b, hdr, sizeof(hdr), ZSTD_e_continue, err) == -1)
		return -1;
	if (e->frames != NULL) {
		if (bundle_compress(b, NULL, 0, ZSTD_e_end, err) == -1 ||
		    bundle_copy_file(b, ec_bundle_frames_path(e->frames),
		    ec_bundle_frames_out(e->frames), false, err) == -1)
			return -1;
	} else if (e->mem != NULL) {
		if (bundle_compress(b, e->mem, (size_t)e->size,
		    ZSTD_e_continue, err) == -1)
			return -1;
	} else if (bundle_copy_file(b, e->spool, e->size, true, err) == -1)
		return -1;
	return bundle_compress(b, zeros, pad, ZSTD_e_continue, err);
}

/* The members, then two zero blocks: the end of a tar, no more padding. */
static int
bundle_write_all(struct ec_bundle *b, struct ec_err *err)
{
	static const char	end[2 * EC_BUNDLE_BLOCK];
	size_t			i;

	if ((b->zbuf = malloc(ZSTD_CStreamOutSize())) == NULL)
		return ec_err_nomem(err);
	b->zbuf_len = ZSTD_CStreamOutSize();
	if (ec_bundle_zstd_new(&b->zc, b->workers, err) == -1)
		return -1;
	for (i = 0; i < b->n; i++)
		if (bundle_write_entry(b, &b->ents[i], err) == -1)
			return -1;
	return bundle_compress(b, end, sizeof(end), ZSTD_e_end, err);
}

/*
 * What we publish, our verifier must accept: members that expand past
 * ec_bundle_expansion_limit() of the compressed size would be refused by
 * ec_bundle_read() at the first header past it.  Checked on what was
 * written, since the ratio is only known once zstd is done.
 */
static int
bundle_expansion_check(const struct ec_bundle *b, struct ec_err *err)
{
	uint64_t	total = 0, limit = ec_bundle_expansion_limit(b->out_bytes);
	size_t		i;

	for (i = 0; i < b->n; i++)
		total += b->ents[i].size;
	if (total > limit)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "%s: members total "
		    "%llu bytes, more than the %llu that %llu compressed bytes "
		    "may expand to (EC_MAX_EXPANSION %d): verify would refuse "
		    "the bundle", b->path, (unsigned long long)total,
		    (unsigned long long)limit, (unsigned long long)b->out_bytes,
		    EC_MAX_EXPANSION);
	return 0;
}

int
ec_bundle_finish(uint8_t digest_out[EC_SHA256_LEN], uint64_t *size_out,
    struct ec_bundle *b, struct ec_err *err)
{
	int	saved = 0;

	if (b->finished || b->zc != NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "bundle finished");
	if (bundle_sort(b, err) == -1)
		return -1;
	ec_sha256_init(&b->out_hash);
	b->out_bytes = 0;
	if (bundle_write_all(b, err) == -1 ||
	    bundle_expansion_check(b, err) == -1)
		return -1;
	/* Close whatever fsync says, and report the call that failed. */
	if (fsync(b->fd) == -1)
		saved = errno;
	if (close(b->fd) == -1 && saved == 0)
		saved = errno;
	b->fd = -1;
	if (saved != 0)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", b->path,
		    strerror(saved));
	b->finished = true;
	ec_sha256_final(digest_out, &b->out_hash);
	if (size_out != NULL)
		*size_out = b->out_bytes;
	return 0;
}

void
ec_bundle_free(struct ec_bundle *b)
{
	size_t	i;

	if (b == NULL)
		return;
	bundle_stream_free(b->stream);
	for (i = 0; i < b->n; i++) {
		if (b->ents[i].spool != NULL && !b->ents[i].adopted)
			(void)unlink(b->ents[i].spool);
		ec_bundle_frames_free(b->ents[i].own_frames);
		free(b->ents[i].spool);
		free(b->ents[i].mem);
		free(b->ents[i].name);
	}
	free(b->ents);
	ZSTD_freeCCtx(b->zc);
	free(b->zbuf);
	if (b->spool_dir != NULL)
		(void)rmdir(b->spool_dir);
	if (b->fd != -1)
		(void)close(b->fd);
	if (!b->finished && b->created)
		(void)unlink(b->path);
	free(b->spool_dir);
	free(b->path);
	free(b);
}

