/*
 * ec_bundle: the deterministic writer.  Every member is a ustar header
 * (POSIX.1-1988) with the same metadata but name and size, written in
 * bytewise name order (libarchive's ustar writer), compressed by libzstd's
 * multithreaded streaming mode.  That mode splits the stream into jobs
 * whose boundaries depend only on the parameters, never on the number of
 * workers, so any count >= 1 gives the same bytes (zstd's
 * tests/cli-tests/determinism checks it); nbWorkers = 0 is a different,
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

#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_limits.h"

struct bundle_entry {
	char		*name;		/* owned */
	char		*mem;		/* owned; NULL when spooled */
	char		*spool;		/* owned path; NULL when in memory */
	bool		 adopted;	/* spool is the caller's: keep it */
	uint64_t	 size;
	uint8_t		 sha256[EC_SHA256_LEN];
};

/* Spool write buffer; glibc ignores a size given without a buffer. */
#define BUNDLE_SPOOL_BUF	65536
/* Read size when copying a file into the archive. */
#define BUNDLE_COPY_BUF		(1024 * 1024)
/* Largest worker count we ask for; more buys nothing at level 3. */
#define BUNDLE_WORKERS_MAX	8

struct ec_bundle_stream {
	struct ec_bundle	*b;
	FILE			*fp;
	char			 buf[BUNDLE_SPOOL_BUF];	/* fp's buffer */
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
	bool			 over;		/* max_bytes passed */
	int			 out_errno;
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
	memset(e, 0, sizeof(*e));
}

int
ec_bundle_stream_open(struct ec_bundle_stream **out, struct ec_bundle *b,
    const char *name, struct ec_err *err)
{
	struct ec_bundle_stream	*s;
	struct bundle_entry	*e;
	struct ec_buf		 path;
	int			 fd = -1, saved;

	if ((e = bundle_push(b, name, err)) == NULL)
		return -1;
	ec_buf_init(&path, 4096);
	if (ec_buf_addf(&path, err, "%s/%u", b->spool_dir, b->spools++) == -1)
		goto fail;
	e->spool = ec_buf_steal(&path, NULL);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)ec_err_nomem(err);
		goto fail;
	}
	s->b = b;
	s->idx = b->n - 1;
	ec_sha256_init(&s->h);
	fd = open(e->spool, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 || (s->fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", e->spool,
		    strerror(saved));
		if (fd != -1) {
			(void)close(fd);
			(void)unlink(e->spool);
		}
		free(s);
		goto fail;
	}
	(void)setvbuf(s->fp, s->buf, _IOFBF, sizeof(s->buf));
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
ec_bundle_set_workers(struct ec_bundle *b, unsigned workers,
    struct ec_err *err)
{
	if (workers < 1 || workers > BUNDLE_WORKERS_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "zstd workers: 1 to %d", BUNDLE_WORKERS_MAX);
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
	if (len > 0 && fwrite(p, 1, len, s->fp) != len)
		return ec_err_set(err, EC_ERR_IO, "spooling %s: %s",
		    s->b->ents[s->idx].name, strerror(errno));
	ec_sha256_update(&s->h, p, len);
	s->size += len;
	return 0;
}

static void
bundle_stream_free(struct ec_bundle_stream *s)
{
	if (s == NULL)
		return;
	if (s->fp != NULL)
		(void)fclose(s->fp);
	s->b->stream = NULL;
	free(s);
}

int
ec_bundle_stream_close(uint8_t digest_out[EC_SHA256_LEN], uint64_t *size_out,
    struct ec_bundle_stream *s, struct ec_err *err)
{
	struct bundle_entry	*e = &s->b->ents[s->idx];
	FILE			*fp = s->fp;

	s->fp = NULL;
	if (fclose(fp) != 0) {
		(void)ec_err_set(err, EC_ERR_IO, "spooling %s: %s", e->name,
		    strerror(errno));
		bundle_stream_free(s);
		return -1;
	}
	ec_sha256_final(e->sha256, &s->h);
	e->size = s->size;
	if (digest_out != NULL)
		memcpy(digest_out, e->sha256, EC_SHA256_LEN);
	if (size_out != NULL)
		*size_out = e->size;
	bundle_stream_free(s);
	return 0;
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
bundle_emit(struct ec_bundle *b, const char *p, size_t len)
{
	const char	*q = p;
	size_t		 left = len;
	ssize_t		 n;

	if (len > b->max_bytes - b->out_bytes) {
		b->over = true;
		return -1;
	}
	while (left > 0) {
		if ((n = write(b->fd, q, left)) == -1) {
			if (errno == EINTR)
				continue;
			/* Keep the errno of the call that failed. */
			b->out_errno = errno;
			return -1;
		}
		q += n;
		left -= (size_t)n;
	}
	ec_sha256_update(&b->out_hash, p, len);
	b->out_bytes += len;
	return 0;
}

/* Feed "len" tar bytes to zstd (ZSTD_e_end: finish the frame). */
static int
bundle_compress(struct ec_bundle *b, const void *p, size_t len,
    ZSTD_EndDirective mode)
{
	ZSTD_inBuffer	in = { p, len, 0 };
	ZSTD_outBuffer	out;
	size_t		left;

	do {
		out.dst = b->zbuf;
		out.size = b->zbuf_len;
		out.pos = 0;
		left = ZSTD_compressStream2(b->zc, &out, &in, mode);
		if (ZSTD_isError(left)) {
			/* Only memory can fail here: libzstd checks nothing else. */
			b->out_errno = ENOMEM;
			return -1;
		}
		if (out.pos > 0 && bundle_emit(b, b->zbuf, out.pos) == -1)
			return -1;
	} while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

/* libarchive's output callback: the uncompressed tar stream. */
static la_ssize_t
bundle_out(struct archive *a, void *arg, const void *p, size_t len)
{
	struct ec_bundle	*b = arg;

	if (bundle_compress(b, p, len, ZSTD_e_continue) == -1) {
		archive_set_error(a, b->over ? EFBIG : b->out_errno, "%s",
		    b->over ? "bundle exceeds the size limit" :
		    strerror(b->out_errno));
		return -1;
	}
	return (la_ssize_t)len;
}

/*
 * Level EC_ZSTD_LEVEL, no checksum (the bundle is hashed and signed
 * already), the job size and the worker count: the same frame as
 * libarchive's zstd filter wrote for inputs of one job, so that those
 * bundles kept their bytes.
 */
static int
bundle_zstd_new(struct ec_bundle *b, struct ec_err *err)
{
	if ((b->zc = ZSTD_createCCtx()) == NULL ||
	    (b->zbuf = malloc(ZSTD_CStreamOutSize())) == NULL)
		return ec_err_nomem(err);
	b->zbuf_len = ZSTD_CStreamOutSize();
	if (ZSTD_isError(ZSTD_CCtx_setParameter(b->zc,
	    ZSTD_c_compressionLevel, EC_ZSTD_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(b->zc, ZSTD_c_checksumFlag,
	    0)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(b->zc, ZSTD_c_nbWorkers,
	    (int)b->workers)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(b->zc, ZSTD_c_jobSize,
	    EC_BUNDLE_ZSTD_JOB)))
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "libzstd without multithreading support");
	return 0;
}

static int
bundle_archive_err(struct ec_bundle *b, struct archive *a, const char *what,
    struct ec_err *err)
{
	if (b->over)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "bundle exceeds %llu bytes compressed",
		    (unsigned long long)b->max_bytes);
	if (b->out_errno != 0)
		return ec_err_set(err, EC_ERR_IO, "%s: %s: %s", b->path, what,
		    strerror(b->out_errno));
	return ec_err_set(err, EC_ERR_IO, "%s: %s: %s", b->path, what,
	    archive_error_string(a) != NULL ? archive_error_string(a) :
	    "archive error");
}

/* Copy a spooled entry into the archive in fixed-size chunks. */
static int
bundle_copy_spool(struct ec_bundle *b, struct archive *a,
    const struct bundle_entry *e, struct ec_err *err)
{
	char		*chunk;
	uint64_t	 left = e->size;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((chunk = malloc(BUNDLE_COPY_BUF)) == NULL)
		return ec_err_nomem(err);
	if ((fd = open(e->spool, O_RDONLY | O_CLOEXEC)) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", e->spool,
		    strerror(errno));
		free(chunk);
		return -1;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (left > 0) {
		n = read(fd, chunk, left < BUNDLE_COPY_BUF ? (size_t)left :
		    BUNDLE_COPY_BUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)ec_err_set(err, EC_ERR_IO, "%s: %s", e->spool,
			    n == 0 ? "file shrank while bundling" :
			    strerror(errno));
			goto out;
		}
		if (archive_write_data(a, chunk, (size_t)n) != n) {
			(void)bundle_archive_err(b, a, e->name, err);
			goto out;
		}
		left -= (uint64_t)n;
	}
	rc = 0;
out:
	(void)close(fd);
	free(chunk);
	return rc;
}

static int
bundle_write_entry(struct ec_bundle *b, struct archive *a,
    struct archive_entry *ae, const struct bundle_entry *e,
    struct ec_err *err)
{
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, e->name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, (la_int64_t)e->size);
	archive_entry_set_mtime(ae, (time_t)b->mtime, 0);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return bundle_archive_err(b, a, e->name, err);
	if (e->mem != NULL) {
		if (e->size > 0 && archive_write_data(a, e->mem,
		    (size_t)e->size) != (la_ssize_t)e->size)
			return bundle_archive_err(b, a, e->name, err);
		return 0;
	}
	return bundle_copy_spool(b, a, e, err);
}

static int
bundle_write_all(struct ec_bundle *b, struct archive *a, struct ec_err *err)
{
	struct archive_entry	*ae;
	size_t			 i;
	int			 rc = -1;

	if (bundle_zstd_new(b, err) == -1)
		return -1;
	if (archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    /* No zero padding after the last tar block. */
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
		return bundle_archive_err(b, a, "setup", err);
	if (archive_write_open(a, b, NULL, bundle_out, NULL) != ARCHIVE_OK)
		return bundle_archive_err(b, a, "open", err);
	if ((ae = archive_entry_new()) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < b->n; i++)
		if (bundle_write_entry(b, a, ae, &b->ents[i], err) == -1)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		(void)bundle_archive_err(b, a, "close", err);
		goto out;
	}
	if (bundle_compress(b, NULL, 0, ZSTD_e_end) == -1) {
		(void)bundle_archive_err(b, a, "compress", err);
		goto out;
	}
	rc = 0;
out:
	archive_entry_free(ae);
	return rc;
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
	struct archive	*a;
	int		 rc, saved = 0;

	if (b->finished)
		return ec_err_set(err, EC_ERR_INTERNAL, "bundle finished");
	if (bundle_sort(b, err) == -1)
		return -1;
	if ((a = archive_write_new()) == NULL)
		return ec_err_nomem(err);
	ec_sha256_init(&b->out_hash);
	b->out_bytes = 0;
	rc = bundle_write_all(b, a, err);
	archive_write_free(a);
	if (rc == 0)
		rc = bundle_expansion_check(b, err);
	if (rc == -1)
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
