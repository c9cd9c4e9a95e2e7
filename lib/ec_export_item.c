/*
 * ec_export_item: the output files of a build (ec_profile.h).  Each file
 * is written as "<staging>/tmp/<n>" and renamed to "<staging>/tree/<path>"
 * when closed, so its final name may depend on its own digest and an
 * abandoned file never appears in the tree.  In a packed output, a
 * streamed file that reaches ITEM_BUF bytes is also compressed as it is
 * written, into "<staging>/tmp/<n>.zst" (ec_bundle_frames), so that zstd
 * works while the profile produces the rest and the bundle only copies
 * the frames.  Which files are compressed ahead depends on their size
 * alone, so the bundle's bytes stay a function of its members.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_bundle.h"
#include "ec_export_int.h"
#include "ec_limits.h"
#include "ec_prov.h"

/* Write buffer of a streamed file. */
#define ITEM_BUF	(64 * 1024)

struct ec_build_item {
	struct ec_build		*b;		/* borrowed */
	struct ec_build_item	*next;		/* b->open list */
	char			*path;		/* owned; NULL: at close */
	char			 tmp[BUILD_FILE_MAX];
	int			 fd;
	bool			 scratch;
	bool			 summed;
	char			*buf;		/* owned, ITEM_BUF; streamed */
	size_t			 buffered;
	struct ec_bundle_frames	*frames;	/* owned; NULL: none yet */
	struct ec_sha256	 h;
	uint64_t		 size;
	uint8_t			 digest[EC_SHA256_LEN];
};

/* The names the driver writes at the top of every output. */
static const char *const item_reserved[] = {
	EC_MANIFEST_NAME, EC_MANIFEST_DSSE_NAME, EC_PROV_NAME,
	EC_PROV_DSSE_NAME, EC_CHECKSUMS_NAME
};

static int
item_new(struct ec_build_item **out, struct ec_build *b, bool scratch,
    struct ec_err *err)
{
	struct ec_build_item	*it;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return ec_err_nomem(err);
	it->b = b;
	it->scratch = scratch;
	ec_sha256_init(&it->h);
	(void)snprintf(it->tmp, sizeof(it->tmp), "%s/%u", b->tmp,
	    b->tmp_seq++);
	if (!scratch && (it->buf = malloc(ITEM_BUF)) == NULL) {
		free(it);
		return ec_err_nomem(err);
	}
	it->fd = open(it->tmp, (scratch ? O_RDWR : O_WRONLY) | O_CREAT |
	    O_EXCL | O_CLOEXEC, 0644);
	if (it->fd == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "creating %s: %s", it->tmp,
		    strerror(errno));
		free(it->buf);
		free(it);
		return -1;
	}
	it->next = b->open;
	b->open = it;
	*out = it;
	return 0;
}

/* Fail before any bytes are written when the export is full already. */
static int
item_room(const struct ec_build *b, struct ec_err *err)
{
	if (ec_manifest_count(b->manifest) + b->nmeta >= EC_MAX_OUTPUTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "export has more than %d outputs", EC_MAX_OUTPUTS);
	return 0;
}

int
ec_build_item_open(struct ec_build_item **out, struct ec_build *b,
    const char *path, struct ec_err *err)
{
	struct ec_build_item	*it;
	char			*p = NULL;

	if (item_room(b, err) == -1)
		return -1;
	if (path != NULL && (p = strdup(path)) == NULL)
		return ec_err_nomem(err);
	if (item_new(&it, b, false, err) == -1) {
		free(p);
		return -1;
	}
	it->path = p;
	*out = it;
	return 0;
}

int
ec_build_item_scratch(struct ec_build_item **out, struct ec_build *b,
    struct ec_err *err)
{
	if (item_room(b, err) == -1)
		return -1;
	return item_new(out, b, true, err);
}

const char *
ec_build_item_path(const struct ec_build_item *it)
{
	return it->tmp;
}

int
ec_build_item_fd(const struct ec_build_item *it)
{
	return it->fd;
}

/*
 * Hand the buffer to the compressor of a packed output, starting it at
 * the first full buffer: smaller files are compressed with the bundle.
 */
static int
item_compress(struct ec_build_item *it, struct ec_err *err)
{
	char	path[BUILD_FILE_MAX + 8];

	if ((it->b->profile->flags & EC_PROFILE_PACK) == 0 ||
	    (it->frames == NULL && it->buffered < ITEM_BUF))
		return 0;
	if (it->frames == NULL) {
		(void)snprintf(path, sizeof(path), "%s.zst", it->tmp);
		if (ec_bundle_frames_new(&it->frames, path,
		    ec_export_workers(it->b), err) == -1)
			return -1;
	}
	return ec_bundle_frames_write(it->frames, it->buf, it->buffered, err);
}

/* Write the buffer out, with the errno of the write that failed. */
static int
item_flush(struct ec_build_item *it, struct ec_err *err)
{
	const char	*p = it->buf;
	size_t		 left = it->buffered;
	ssize_t		 n;

	if (item_compress(it, err) == -1)
		return -1;
	while (left > 0) {
		if ((n = write(it->fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			return ec_err_set(err, EC_ERR_IO, "writing %s: %s",
			    it->path != NULL ? it->path : it->tmp,
			    strerror(errno));
		}
		p += n;
		left -= (size_t)n;
	}
	it->buffered = 0;
	return 0;
}

int
ec_build_item_write(struct ec_build_item *it, const void *p, size_t len,
    struct ec_err *err)
{
	const char	*q = p;
	size_t		 n;

	if (it->scratch || it->summed)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "write to a scratch or summed file");
	if (len > EC_MAX_ENTRY_BYTES - it->size)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "output file exceeds %llu bytes",
		    (unsigned long long)EC_MAX_ENTRY_BYTES);
	ec_sha256_update(&it->h, p, len);
	it->size += len;
	it->b->bytes_out += len;
	while (len > 0) {
		n = ITEM_BUF - it->buffered;
		if (n > len)
			n = len;
		memcpy(it->buf + it->buffered, q, n);
		it->buffered += n;
		q += n;
		len -= n;
		if (it->buffered == ITEM_BUF && item_flush(it, err) == -1)
			return -1;
	}
	return 0;
}

int
ec_build_item_sum(uint8_t digest_out[EC_SHA256_LEN], uint64_t *size_out,
    struct ec_build_item *it, struct ec_err *err)
{
	if (!it->summed) {
		if (it->scratch) {
			/* A library may have written by path: read it back. */
			if (ec_sha256_file(it->digest, &it->size, it->tmp,
			    err) == -1)
				return -1;
		} else {
			if (item_flush(it, err) == -1 || (it->frames != NULL &&
			    ec_bundle_frames_close(it->frames, err) == -1))
				return -1;
			ec_sha256_final(it->digest, &it->h);
		}
		it->summed = true;
	}
	if (digest_out != NULL)
		memcpy(digest_out, it->digest, EC_SHA256_LEN);
	if (size_out != NULL)
		*size_out = it->size;
	return 0;
}

/* A profile's path: what a tar member and a sha256sum line can hold. */
static int
item_check_path(struct ec_build *b, const char *path, struct ec_err *err)
{
	const char	*p;
	size_t		 i, max;

	/* Only a packed bundle's names must fit ustar's name field. */
	max = (b->profile->flags & EC_PROFILE_PACK) != 0 ?
	    EC_BUNDLE_NAME_MAX : EC_PROFILE_DIR_NAME_MAX;
	if (path == NULL || strlen(path) > max || !ec_bundle_path_safe(path))
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "bad output path \"%.200s\"", path != NULL ? path : "");
	for (p = path; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '\\')
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "bad character in output path \"%s\"", path);
	for (i = 0; i < sizeof(item_reserved) / sizeof(item_reserved[0]); i++)
		if (strcmp(path, item_reserved[i]) == 0)
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "output path %s is the driver's", path);
	for (i = 0; i < b->nfiles; i++)
		if (strcmp(b->files[i].path, path) == 0)
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "output %s added twice", path);
	return 0;
}

/* mkdir -p of the directories above "rel" in the tree. */
static int
item_mkdirs(struct ec_build *b, const char *rel, struct ec_err *err)
{
	char	path[BUILD_FILE_MAX];
	size_t	base = strlen(b->tree) + 1;
	char	*s;

	if (snprintf(path, sizeof(path), "%s/%s", b->tree, rel) >=
	    (int)sizeof(path))
		return ec_err_set(err, EC_ERR_INTERNAL, "output path too long");
	for (s = path + base; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			(void)ec_err_set(err, EC_ERR_IO, "creating %s: %s",
			    path, strerror(errno));
			return -1;
		}
		*s = '/';
	}
	return 0;
}

/* Record a file now in the tree, with its frames (NULL: none). */
static int
item_register(struct ec_build *b, const char *path,
    const uint8_t digest[EC_SHA256_LEN], uint64_t size,
    struct ec_bundle_frames **frames, struct ec_err *err)
{
	struct build_file	*f;
	size_t			 ncap;

	if (b->nfiles == b->capfiles) {
		ncap = b->capfiles == 0 ? 32 : b->capfiles * 2;
		if ((f = reallocarray(b->files, ncap, sizeof(*f))) == NULL)
			return ec_err_nomem(err);
		b->files = f;
		b->capfiles = ncap;
	}
	f = &b->files[b->nfiles];
	if ((f->path = strdup(path)) == NULL)
		return ec_err_nomem(err);
	memcpy(f->sha256, digest, EC_SHA256_LEN);
	f->size = size;
	f->frames = *frames;
	*frames = NULL;
	b->nfiles++;
	b->files_sorted = false;
	return 0;
}

static void
item_unlink_open(struct ec_build_item *it)
{
	struct ec_build_item	**pp;

	for (pp = &it->b->open; *pp != NULL; pp = &(*pp)->next)
		if (*pp == it) {
			*pp = it->next;
			break;
		}
}

void
ec_build_item_discard(struct ec_build_item *it)
{
	if (it == NULL)
		return;
	item_unlink_open(it);
	if (it->fd != -1)
		(void)close(it->fd);
	(void)unlink(it->tmp);
	ec_bundle_frames_free(it->frames);
	free(it->path);
	free(it->buf);
	free(it);
}

/*
 * Close and rename into the tree; the fd is closed either way.  No fsync
 * here: a packed output is fsync'd as the one bundle file, and a tree is
 * fsync'd whole when it is published (ec_publish_move), so files that are
 * only packed never wait for the disk.
 */
static int
item_place(struct ec_build_item *it, const char *path, struct ec_err *err)
{
	char	final[BUILD_FILE_MAX];

	if (close(it->fd) == -1) {
		it->fd = -1;
		return ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	it->fd = -1;
	if (item_mkdirs(it->b, path, err) == -1)
		return -1;
	(void)snprintf(final, sizeof(final), "%s/%s", it->b->tree, path);
	if (rename(it->tmp, final) == -1)
		return ec_err_set(err, EC_ERR_IO, "placing %s: %s", path,
		    strerror(errno));
	return 0;
}

int
ec_build_item_close(struct ec_build_item *it, const struct ec_file_desc *d,
    uint8_t digest_out[EC_SHA256_LEN], uint64_t *size_out,
    struct ec_err *err)
{
	struct ec_build	*b = it->b;
	const char	*path = d->path != NULL ? d->path : it->path;
	int		 rc = -1;

	if (item_check_path(b, path, err) == -1 ||
	    ec_build_item_sum(digest_out, size_out, it, err) == -1)
		goto out;
	if (d->role == EC_FILE_ITEM && (d->type == NULL || d->id == NULL ||
	    d->format == NULL)) {
		(void)ec_err_set(err, EC_ERR_INTERNAL,
		    "item %s without type, id or format", path);
		goto out;
	}
	if (item_room(b, err) == -1 || item_place(it, path, err) == -1 ||
	    item_register(b, path, it->digest, it->size, &it->frames,
	    err) == -1)
		goto out;
	if (d->role == EC_FILE_METADATA) {
		if (ec_manifest_add_file(b->manifest, path, it->digest,
		    it->size, err) == -1)
			goto out;
		b->nmeta++;
	} else if (ec_manifest_add(b->manifest, d->type, d->id, d->format,
	    path, it->digest, it->size, err) == -1)
		goto out;
	rc = 0;
out:
	ec_build_item_discard(it);
	return rc;
}

int
ec_build_add_mem(struct ec_build *b, const struct ec_file_desc *d,
    const void *p, size_t len, uint8_t digest_out[EC_SHA256_LEN],
    struct ec_err *err)
{
	struct ec_build_item	*it;

	if (d->path == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "no path");
	if (ec_build_item_open(&it, b, d->path, err) == -1)
		return -1;
	if (ec_build_item_write(it, p, len, err) == -1) {
		ec_build_item_discard(it);
		return -1;
	}
	return ec_build_item_close(it, d, digest_out, NULL, err);
}

int
ec_export_add_own(struct ec_build *b, const char *name, const void *p,
    size_t len, struct ec_err *err)
{
	struct ec_build_item	*it;
	int			 rc = -1;

	if (item_new(&it, b, false, err) == -1)
		return -1;
	if (ec_build_item_write(it, p, len, err) == 0 &&
	    ec_build_item_sum(NULL, NULL, it, err) == 0 &&
	    item_place(it, name, err) == 0 &&
	    item_register(b, name, it->digest, it->size, &it->frames,
	    err) == 0)
		rc = 0;
	ec_build_item_discard(it);
	return rc;
}

static int
files_cmp(const void *a, const void *b)
{
	return strcmp(((const struct build_file *)a)->path,
	    ((const struct build_file *)b)->path);
}

void
ec_export_files_sort(struct ec_build *b)
{
	if (!b->files_sorted && b->nfiles > 1)
		qsort(b->files, b->nfiles, sizeof(b->files[0]), files_cmp);
	b->files_sorted = true;
}

void
ec_export_items_discard(struct ec_build *b)
{
	while (b->open != NULL)
		ec_build_item_discard(b->open);
}

void
ec_export_files_free(struct ec_build *b)
{
	size_t	i;

	for (i = 0; i < b->nfiles; i++) {
		free(b->files[i].path);
		ec_bundle_frames_free(b->files[i].frames);
	}
	free(b->files);
	b->files = NULL;
	b->nfiles = b->capfiles = 0;
}
