/*
 * ec_bundle_frames: a member's content compressed ahead, and what the
 * writer shares with it.  The content is fed to libzstd's multithreaded
 * streaming mode as it arrives, so the workers compress one job while the
 * caller produces the next; the bundle then copies the frames instead of
 * compressing the member at the end.  The parameters are the writer's own
 * (ec_bundle_zstd_new), so the frames do not depend on the worker count
 * either (see the top of ec_bundle.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ec_bundle_int.h"
#include "ec_file.h"
#include "ec_limits.h"

/* ustar fields: offsets and widths (POSIX.1-1988, 10.1.1). */
#define USTAR_MODE	100
#define USTAR_UID	108
#define USTAR_GID	116
#define USTAR_SIZE	124
#define USTAR_MTIME	136
#define USTAR_CHKSUM	148
#define USTAR_TYPE	156
#define USTAR_MAGIC	257
#define USTAR_DEVMAJOR	329
#define USTAR_DEVMINOR	337
/* Eleven octal digits: the largest size or time the fields hold, plus 1. */
#define USTAR_NUM_LIMIT	(1ULL << 33)

struct ec_bundle_frames {
	char		*path;		/* owned */
	int		 fd;
	ZSTD_CCtx	*zc;		/* owned; NULL once closed */
	char		*zbuf;		/* owned, zbuf_len bytes */
	size_t		 zbuf_len;
	uint64_t	 in, out;	/* content and compressed bytes */
	bool		 closed;
};

int
ec_bundle_zstd_new(ZSTD_CCtx **out, unsigned workers, struct ec_err *err)
{
	ZSTD_CCtx	*zc;

	if ((zc = ZSTD_createCCtx()) == NULL)
		return ec_err_nomem(err);
	if (ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel,
	    EC_ZSTD_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 0)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_nbWorkers,
	    (int)workers)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_jobSize,
	    EC_BUNDLE_ZSTD_JOB))) {
		ZSTD_freeCCtx(zc);
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "libzstd without multithreading support");
	}
	*out = zc;
	return 0;
}

/* "v" as "width" octal digits, zero-filled, as libarchive writes them. */
static void
ustar_octal(char *p, uint64_t v, size_t width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

int
ec_bundle_ustar_header(char out[EC_BUNDLE_BLOCK], const char *name,
    uint64_t size, int64_t mtime, struct ec_err *err)
{
	static const char	 numf[] = "000000 ";	/* mode, ids: 8 bytes */
	size_t			 len = strlen(name), i;
	unsigned		 sum = 0;

	if (len > EC_BUNDLE_NAME_MAX || size >= USTAR_NUM_LIMIT ||
	    mtime < 0 || (uint64_t)mtime >= USTAR_NUM_LIMIT)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "%s: name, size or time does not fit a ustar header", name);
	memset(out, 0, EC_BUNDLE_BLOCK);
	memcpy(out, name, len);
	memcpy(out + USTAR_MODE, numf, sizeof(numf));
	ustar_octal(out + USTAR_MODE, 0644, 6);
	memcpy(out + USTAR_UID, numf, sizeof(numf));
	memcpy(out + USTAR_GID, numf, sizeof(numf));
	ustar_octal(out + USTAR_SIZE, size, 11);
	out[USTAR_SIZE + 11] = ' ';
	ustar_octal(out + USTAR_MTIME, (uint64_t)mtime, 11);
	out[USTAR_MTIME + 11] = ' ';
	out[USTAR_TYPE] = '0';
	memcpy(out + USTAR_MAGIC, "ustar\0" "00", 8);
	memcpy(out + USTAR_DEVMAJOR, numf, sizeof(numf));
	memcpy(out + USTAR_DEVMINOR, numf, sizeof(numf));
	/* The sum is taken with the field as eight spaces. */
	memset(out + USTAR_CHKSUM, ' ', 8);
	for (i = 0; i < EC_BUNDLE_BLOCK; i++)
		sum += (unsigned char)out[i];
	ustar_octal(out + USTAR_CHKSUM, sum, 6);
	out[USTAR_CHKSUM + 6] = '\0';
	return 0;
}

int
ec_bundle_frames_new(struct ec_bundle_frames **out, const char *path,
    unsigned workers, struct ec_err *err)
{
	struct ec_bundle_frames	*f;

	if (workers < 1 || workers > EC_BUNDLE_WORKERS_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "zstd workers: 1 to %d", EC_BUNDLE_WORKERS_MAX);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return ec_err_nomem(err);
	f->fd = -1;
	if ((f->path = strdup(path)) == NULL ||
	    (f->zbuf = malloc(ZSTD_CStreamOutSize())) == NULL) {
		ec_bundle_frames_free(f);
		return ec_err_nomem(err);
	}
	f->zbuf_len = ZSTD_CStreamOutSize();
	if (ec_bundle_zstd_new(&f->zc, workers, err) == -1) {
		ec_bundle_frames_free(f);
		return -1;
	}
	if ((f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "creating %s: %s", path,
		    strerror(errno));
		free(f->path);
		f->path = NULL;		/* not ours to unlink */
		ec_bundle_frames_free(f);
		return -1;
	}
	*out = f;
	return 0;
}

static int
frames_emit(struct ec_bundle_frames *f, size_t len, struct ec_err *err)
{
	f->out += len;
	return ec_file_write_all(f->fd, f->zbuf, len, f->path, err);
}

/* Feed "len" bytes (ZSTD_e_end: and end the frame). */
static int
frames_compress(struct ec_bundle_frames *f, const void *p, size_t len,
    ZSTD_EndDirective mode, struct ec_err *err)
{
	ZSTD_inBuffer	in = { p, len, 0 };
	ZSTD_outBuffer	out;
	size_t		left;

	if (f->zc == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "%s: frames closed",
		    f->path);
	do {
		out.dst = f->zbuf;
		out.size = f->zbuf_len;
		out.pos = 0;
		left = ZSTD_compressStream2(f->zc, &out, &in, mode);
		if (ZSTD_isError(left))
			return ec_err_set(err, EC_ERR_NOMEM, "%s: zstd: %s",
			    f->path, ZSTD_getErrorName(left));
		if (out.pos > 0 && frames_emit(f, out.pos, err) == -1)
			return -1;
	} while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

int
ec_bundle_frames_write(struct ec_bundle_frames *f, const void *p, size_t len,
    struct ec_err *err)
{
	if (len > EC_MAX_ENTRY_BYTES - f->in)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "%s exceeds %llu bytes", f->path,
		    (unsigned long long)EC_MAX_ENTRY_BYTES);
	if (frames_compress(f, p, len, ZSTD_e_continue, err) == -1)
		return -1;
	f->in += len;
	return 0;
}

int
ec_bundle_frames_close(struct ec_bundle_frames *f, struct ec_err *err)
{
	int	rc;

	rc = frames_compress(f, NULL, 0, ZSTD_e_end, err);
	/* The compressor's threads and buffers go now, not at the bundle. */
	ZSTD_freeCCtx(f->zc);
	f->zc = NULL;
	free(f->zbuf);
	f->zbuf = NULL;
	if (close(f->fd) == -1 && rc == 0)
		rc = ec_err_set(err, EC_ERR_IO, "%s: %s", f->path,
		    strerror(errno));
	f->fd = -1;
	f->closed = rc == 0;
	return rc;
}

void
ec_bundle_frames_free(struct ec_bundle_frames *f)
{
	if (f == NULL)
		return;
	ZSTD_freeCCtx(f->zc);
	free(f->zbuf);
	if (f->fd != -1)
		(void)close(f->fd);
	if (f->path != NULL)
		(void)unlink(f->path);
	free(f->path);
	free(f);
}

const char *
ec_bundle_frames_path(const struct ec_bundle_frames *f)
{
	return f->path;
}

uint64_t
ec_bundle_frames_in(const struct ec_bundle_frames *f)
{
	return f->in;
}

uint64_t
ec_bundle_frames_out(const struct ec_bundle_frames *f)
{
	return f->out;
}

bool
ec_bundle_frames_closed(const struct ec_bundle_frames *f)
{
	return f->closed;
}
