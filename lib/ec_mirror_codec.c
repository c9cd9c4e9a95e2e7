/*
 * ec_mirror_codec: a mirror file's compression layer, taken off and put
 * back.  A delta patches a file's uncompressed bytes; the applier then
 * has to make the exact compressed bytes again, so the writer finds the
 * parameters that do so (and proves it by re-making the file) and the
 * applier uses those parameters and checks the digest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include "ec_bundle.h"
#include "ec_limits.h"
#include "ec_mirror.h"
#include "ec_mirror_int.h"
#include "ec_trivy_pack.h"

#define CODEC_STEP	MIRROR_CODEC_STEP
/* The zstd window a file of ours may need (level 3 uses 2^21). */
#define CODEC_ZSTD_WLOG	27

static const uint8_t	codec_zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
static const uint8_t	codec_gzip_magic[3] = { 0x1f, 0x8b, 0x08 };

enum mirror_codec
mirror_codec_of(const uint8_t *p, size_t len)
{
	if (len >= 6 && memcmp(p, codec_zstd_magic, 4) == 0)
		return MIRROR_CODEC_ZSTD;
	if (len >= 18 && memcmp(p, codec_gzip_magic, 3) == 0)
		return MIRROR_CODEC_GZIP;
	return MIRROR_CODEC_IDENTITY;
}

/*
 * The parameters this project writes a file of this kind with: a zstd
 * frame with its size in the header is a raw chunk (ec_mirror.h: one
 * call, one thread), one without is a bundle (ec_bundle.h: streamed, in
 * jobs); gzip is Trivy's (ec_trivy_pack.h).  Whether they re-make the
 * very bytes is for the caller to prove.
 */
void
mirror_codec_guess(struct mirror_codec_params *cp, const uint8_t *p,
    size_t len)
{
	uint8_t	fhd;

	memset(cp, 0, sizeof(*cp));
	cp->codec = mirror_codec_of(p, len);
	if (cp->codec == MIRROR_CODEC_GZIP)
		cp->level = EC_TRIVY_GZIP_LEVEL;
	if (cp->codec != MIRROR_CODEC_ZSTD)
		return;
	/* Frame header descriptor: size flag, single segment, checksum. */
	fhd = p[4];
	cp->level = EC_MIRROR_ZSTD_LEVEL;
	cp->checksum = (fhd & 0x04) != 0;
	cp->content_size = (fhd & 0xc0) != 0 || (fhd & 0x20) != 0;
	cp->job_size = cp->content_size ? 0 : EC_BUNDLE_ZSTD_JOB;
	if (!cp->content_size)
		cp->level = EC_ZSTD_LEVEL;
}

/* Note that a frame ended at out->len (a frame of several, or the last). */
static int
codec_frame_end(struct mirror_codec_params *fr, size_t end,
    struct ec_err *err)
{
	uint64_t	*n, start = fr->nframes > 0 ?
			    fr->frames[fr->nframes - 1] : 0;

	if (fr->nframes >= MIRROR_CODEC_MAX_FRAMES)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "zstd: more than %d "
		    "frames", MIRROR_CODEC_MAX_FRAMES);
	if ((n = realloc(fr->frames, (fr->nframes + 1) *
	    sizeof(*n))) == NULL)
		return ec_err_nomem(err);
	fr->frames = n;
	/* Kept as ends while decoding; codec_frame_lengths turns them. */
	n[fr->nframes++] = end > start ? end : start;
	return 0;
}

/* Frame ends to frame lengths; one frame is no list at all. */
static void
codec_frame_lengths(struct mirror_codec_params *fr)
{
	size_t	i;

	if (fr->nframes <= 1) {
		mirror_codec_params_dispose(fr);
		return;
	}
	for (i = fr->nframes; i-- > 1;)
		fr->frames[i] -= fr->frames[i - 1];
}

void
mirror_codec_params_dispose(struct mirror_codec_params *cp)
{
	free(cp->frames);
	cp->frames = NULL;
	cp->nframes = 0;
}

static int
codec_zstd_decode(struct ec_buf *out, const uint8_t *p, size_t len,
    struct mirror_codec_params *fr, struct ec_err *err)
{
	ZSTD_DCtx	*dc;
	ZSTD_inBuffer	 in = { p, len, 0 };
	ZSTD_outBuffer	 o;
	size_t		 r = 1;
	int		 rc = -1;

	if ((dc = ZSTD_createDCtx()) == NULL)
		return ec_err_nomem(err);
	if (ZSTD_isError(ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax,
	    CODEC_ZSTD_WLOG))) {
		(void)ec_err_set(err, EC_ERR_INTERNAL, "zstd: bad parameters");
		goto out;
	}
	while (in.pos < in.size || r != 0) {
		if (ec_buf_reserve(out, CODEC_STEP, err) == -1)
			goto out;
		o.dst = out->data + out->len;
		o.size = CODEC_STEP;
		o.pos = 0;
		r = ZSTD_decompressStream(dc, &o, &in);
		if (ZSTD_isError(r)) {
			(void)ec_err_set(err, EC_ERR_VERIFY, "zstd: %s",
			    ZSTD_getErrorName(r));
			goto out;
		}
		out->len += o.pos;
		if (o.pos == 0 && in.pos == in.size && r != 0) {
			(void)ec_err_set(err, EC_ERR_VERIFY, "zstd: the frame "
			    "is cut short");
			goto out;
		}
		/* 0: a frame is decoded and flushed; the next starts anew. */
		if (r == 0 && fr != NULL &&
		    codec_frame_end(fr, out->len, err) == -1)
			goto out;
	}
	if (fr != NULL)
		codec_frame_lengths(fr);
	rc = 0;
out:
	ZSTD_freeDCtx(dc);
	return rc;
}

static int
codec_gzip_decode(struct ec_buf *out, const uint8_t *p, size_t len,
    struct ec_err *err)
{
	struct archive		*a;
	struct archive_entry	*e;
	la_ssize_t		 n;
	int			 rc = -1;

	if ((a = archive_read_new()) == NULL)
		return ec_err_nomem(err);
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, p, len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK ||
	    archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP)
		goto bad;
	for (;;) {
		if (ec_buf_reserve(out, CODEC_STEP, err) == -1)
			goto out;
		if ((n = archive_read_data(a, out->data + out->len,
		    CODEC_STEP)) < 0)
			goto bad;
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	rc = 0;
	goto out;
bad:
	(void)ec_err_set(err, EC_ERR_VERIFY, "gzip: %s",
	    archive_error_string(a) != NULL ? archive_error_string(a) :
	    "not a gzip stream");
out:
	archive_read_free(a);
	return rc;
}

int
mirror_codec_decode(struct ec_buf *out, enum mirror_codec c,
    const uint8_t *p, size_t len, struct mirror_codec_params *frames,
    struct ec_err *err)
{
	ec_buf_reset(out);
	if (frames != NULL)
		mirror_codec_params_dispose(frames);
	switch (c) {
	case MIRROR_CODEC_ZSTD:
		return codec_zstd_decode(out, p, len, frames, err);
	case MIRROR_CODEC_GZIP:
		return codec_gzip_decode(out, p, len, err);
	case MIRROR_CODEC_IDENTITY:
		break;
	}
	return ec_buf_add(out, p, len, err);
}

/* Feed everything, then end the frame: a bundle's stream, unsized. */
static int
codec_zstd_stream(struct ec_buf *out, ZSTD_CCtx *zc, const uint8_t *p,
    size_t len, struct ec_err *err)
{
	ZSTD_inBuffer		in = { p, len, 0 };
	ZSTD_outBuffer		o;
	ZSTD_EndDirective	mode = ZSTD_e_continue;
	size_t			left;

	for (;;) {
		if (in.pos == in.size)
			mode = ZSTD_e_end;
		if (ec_buf_reserve(out, CODEC_STEP, err) == -1)
			return -1;
		o.dst = out->data + out->len;
		o.size = CODEC_STEP;
		o.pos = 0;
		left = ZSTD_compressStream2(zc, &o, &in, mode);
		if (ZSTD_isError(left))
			return ec_err_set(err, EC_ERR_INTERNAL, "zstd: %s",
			    ZSTD_getErrorName(left));
		out->len += o.pos;
		if (mode == ZSTD_e_end && left == 0)
			return 0;
	}
}

/* One frame, or one per recorded length, in order. */
static int
codec_zstd_frames(struct ec_buf *out, ZSTD_CCtx *zc,
    const struct mirror_codec_params *cp, const uint8_t *p, size_t len,
    struct ec_err *err)
{
	size_t	i, off = 0;

	if (cp->nframes == 0)
		return codec_zstd_stream(out, zc, p, len, err);
	for (i = 0; i < cp->nframes; i++) {
		if (cp->frames[i] > len - off)
			return ec_err_set(err, EC_ERR_VERIFY, "zstd: the frames "
			    "are longer than the bytes");
		if (codec_zstd_stream(out, zc, p + off, (size_t)cp->frames[i],
		    err) == -1)
			return -1;
		off += (size_t)cp->frames[i];
	}
	if (off != len)
		return ec_err_set(err, EC_ERR_VERIFY, "zstd: the frames are "
		    "shorter than the bytes");
	return 0;
}

int
mirror_zstd_once(struct ec_buf *out, ZSTD_CCtx *zc, const uint8_t *p,
    size_t len, struct ec_err *err)
{
	size_t	bound = ZSTD_compressBound(len), n;

	if (ec_buf_reserve(out, bound, err) == -1)
		return -1;
	n = ZSTD_compress2(zc, out->data + out->len, bound, p, len);
	if (ZSTD_isError(n))
		return ec_err_set(err, EC_ERR_INTERNAL, "zstd: %s",
		    ZSTD_getErrorName(n));
	out->len += n;
	return 0;
}

static int
codec_zstd_encode(struct ec_buf *out, const struct mirror_codec_params *cp,
    const uint8_t *p, size_t len, struct ec_err *err)
{
	ZSTD_CCtx	*zc;
	int		 rc = -1;

	if ((zc = ZSTD_createCCtx()) == NULL)
		return ec_err_nomem(err);
	if (ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel,
	    cp->level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag,
	    cp->checksum)) ||
	    (cp->job_size > 0 && (ZSTD_isError(ZSTD_CCtx_setParameter(zc,
	    ZSTD_c_nbWorkers, 1)) || ZSTD_isError(ZSTD_CCtx_setParameter(zc,
	    ZSTD_c_jobSize, (int)cp->job_size))))) {
		(void)ec_err_set(err, EC_ERR_VERIFY, "zstd: parameters this "
		    "libzstd refuses");
		goto out;
	}
	if (!cp->content_size) {
		rc = codec_zstd_frames(out, zc, cp, p, len, err);
		goto out;
	}
	rc = mirror_zstd_once(out, zc, p, len, err);
out:
	ZSTD_freeCCtx(zc);
	return rc;
}

static la_ssize_t
codec_gzip_write(struct archive *a, void *arg, const void *p, size_t len)
{
	struct ec_buf	*out = arg;

	(void)a;
	if (ec_buf_add(out, p, len, NULL) == -1)
		return -1;
	return (la_ssize_t)len;
}

/* As ec_trivy_pack writes it: libarchive's gzip filter, no timestamp. */
static int
codec_gzip_encode(struct ec_buf *out, const struct mirror_codec_params *cp,
    const uint8_t *p, size_t len, struct ec_err *err)
{
	struct archive		*a;
	struct archive_entry	*e = NULL;
	la_ssize_t		 n;
	size_t			 off = 0;
	int			 rc = -1;

	if ((a = archive_write_new()) == NULL ||
	    (e = archive_entry_new()) == NULL) {
		archive_write_free(a);
		return ec_err_nomem(err);
	}
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_set_format_raw(a) != ARCHIVE_OK ||
	    ec_trivy_gzip_filter(a, cp->level) == -1 ||
	    archive_write_open2(a, out, NULL, codec_gzip_write, NULL,
	    NULL) != ARCHIVE_OK || archive_write_header(a, e) != ARCHIVE_OK)
		goto bad;
	while (off < len) {
		if ((n = archive_write_data(a, p + off, len - off)) <= 0)
			goto bad;
		off += (size_t)n;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto bad;
	rc = 0;
	goto out;
bad:
	(void)ec_err_set(err, EC_ERR_INTERNAL, "gzip: %s",
	    archive_error_string(a) != NULL ? archive_error_string(a) :
	    "cannot compress");
out:
	archive_entry_free(e);
	archive_write_free(a);
	return rc;
}

int
mirror_codec_encode(struct ec_buf *out, const struct mirror_codec_params *cp,
    const uint8_t *p, size_t len, struct ec_err *err)
{
	ec_buf_reset(out);
	switch (cp->codec) {
	case MIRROR_CODEC_ZSTD:
		return codec_zstd_encode(out, cp, p, len, err);
	case MIRROR_CODEC_GZIP:
		return codec_gzip_encode(out, cp, p, len, err);
	case MIRROR_CODEC_IDENTITY:
		break;
	}
	return ec_buf_add(out, p, len, err);
}

static const char *const	codec_names[] = { "identity", "zstd", "gzip" };

/* The frames' lengths, in order: only a file of several frames has them. */
static json_t *
codec_frames_json(const struct mirror_codec_params *cp)
{
	json_t	*a;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < cp->nframes; i++)
		if (json_array_append_new(a, json_integer((json_int_t)
		    cp->frames[i])) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *
mirror_patch_json(const struct mirror_patch *pm, const char *path)
{
	json_t	*j;

	j = json_pack("{s:s, s:I, s:s, s:i, s:b, s:b, s:I, s:I, s:I, s:s}",
	    "baseSha256", pm->base_sha256, "baseRawSize",
	    (json_int_t)pm->base_raw_size, "codec", codec_names[pm->cp.codec],
	    "level", pm->cp.level, "checksum", pm->cp.checksum, "contentSize",
	    pm->cp.content_size, "jobSize", (json_int_t)pm->cp.job_size,
	    "rawSize", (json_int_t)pm->raw_size, "patchSize",
	    (json_int_t)pm->patch_size, "format", pm->prefix ? "zstd-prefix" :
	    "ops");
	/* The base is named only when it is not the file's own path. */
	if (j != NULL && strcmp(pm->base, path) != 0 &&
	    json_object_set_new(j, "base", json_string(pm->base)) == -1) {
		json_decref(j);
		return NULL;
	}
	if (j != NULL && pm->cp.nframes > 0 &&
	    json_object_set_new(j, "frames", codec_frames_json(&pm->cp)) ==
	    -1) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static bool
codec_hex(char out[EC_SHA256_HEX], const json_t *v)
{
	const char	*s = json_string_value(v);

	if (s == NULL || strlen(s) != EC_SHA256_HEX - 1 ||
	    strspn(s, "0123456789abcdef") != EC_SHA256_HEX - 1)
		return false;
	memcpy(out, s, EC_SHA256_HEX);
	return true;
}

/*
 * An integer member from "min" to "max" (the canonical parser may give
 * any number as a real: RFC 8785 numbers are doubles).
 */
static bool
codec_int(int64_t *out, const json_t *v, int64_t min, int64_t max)
{
	double	d = json_number_value(v);

	if (!json_is_number(v) || d < (double)min || d > (double)max ||
	    d != (double)(int64_t)d)
		return false;
	*out = (int64_t)d;
	return true;
}

/* A size member: from 0 (or 1) to EC_MIRROR_PATCH_MAX. */
static bool
codec_size(uint64_t *out, const json_t *v, int64_t min)
{
	int64_t	n;

	if (!codec_int(&n, v, min, EC_MIRROR_PATCH_MAX))
		return false;
	*out = (uint64_t)n;
	return true;
}

/* The codec's parameters, each within what this libzstd takes. */
static bool
codec_params(struct mirror_codec_params *cp, const json_t *o)
{
	const char	*c = json_string_value(json_object_get(o, "codec"));
	const json_t	*ck = json_object_get(o, "checksum"),
			*cs = json_object_get(o, "contentSize");
	ZSTD_bounds	 lb = ZSTD_cParam_getBounds(ZSTD_c_compressionLevel),
			 jb = ZSTD_cParam_getBounds(ZSTD_c_jobSize);
	int64_t		 lv, js;
	size_t		 i;

	if (c == NULL || !json_is_boolean(ck) || !json_is_boolean(cs) ||
	    !codec_int(&lv, json_object_get(o, "level"), lb.lowerBound,
	    lb.upperBound) || !codec_int(&js, json_object_get(o, "jobSize"),
	    0, jb.upperBound))
		return false;
	for (i = 0; i < 3 && strcmp(c, codec_names[i]) != 0; i++)
		;
	if (i == 3)
		return false;
	cp->codec = (enum mirror_codec)i;
	cp->level = (int)lv;
	cp->checksum = json_is_true(ck);
	cp->content_size = json_is_true(cs);
	cp->job_size = (uint32_t)js;
	if (cp->codec == MIRROR_CODEC_ZSTD)
		return cp->job_size == 0 || js >= jb.lowerBound;
	if (cp->codec == MIRROR_CODEC_GZIP)
		return cp->level >= 0 && cp->level <= 9 && !cp->checksum &&
		    !cp->content_size && cp->job_size == 0;
	return cp->level == 0 && !cp->checksum && !cp->content_size &&
	    cp->job_size == 0;
}

/*
 * "frames": at least two lengths adding up to the file's raw size, for a
 * streamed zstd file only.
 */
static bool
codec_frames_parse(struct mirror_codec_params *cp, const json_t *a,
    uint64_t raw_size)
{
	uint64_t	sum = 0;
	size_t		i, n = json_array_size(a);

	if (!json_is_array(a) || n < 2 || n > (size_t)MIRROR_CODEC_MAX_FRAMES ||
	    cp->codec != MIRROR_CODEC_ZSTD || cp->content_size ||
	    cp->job_size == 0 ||
	    (cp->frames = calloc(n, sizeof(*cp->frames))) == NULL)
		return false;
	cp->nframes = n;
	for (i = 0; i < n; i++) {
		if (!codec_size(&cp->frames[i], json_array_get(a, i), 0))
			return false;
		sum += cp->frames[i];
	}
	return sum == raw_size;
}

int
mirror_patch_parse(struct mirror_patch *pm, const json_t *o,
    const char *path, struct ec_err *err)
{
	const json_t	*bv = json_object_get(o, "base"),
			*fv = json_object_get(o, "frames");
	const char	*base = bv == NULL ? path : json_string_value(bv),
			*fm = json_string_value(json_object_get(o, "format"));

	memset(pm, 0, sizeof(*pm));
	if (!json_is_object(o) || json_object_size(o) != 10 + (size_t)(bv != NULL) +
	    (size_t)(fv != NULL) ||
	    base == NULL || fm == NULL || (strcmp(fm, "ops") != 0 &&
	    strcmp(fm, "zstd-prefix") != 0) ||
	    !mirror_path_ok(base) ||
	    !codec_hex(pm->base_sha256, json_object_get(o, "baseSha256")) ||
	    !codec_size(&pm->base_raw_size, json_object_get(o,
	    "baseRawSize"), 0) ||
	    !codec_size(&pm->raw_size, json_object_get(o, "rawSize"), 0) ||
	    !codec_size(&pm->patch_size, json_object_get(o, "patchSize"), 1) ||
	    !codec_params(&pm->cp, o) ||
	    (fv != NULL && !codec_frames_parse(&pm->cp, fv, pm->raw_size))) {
		mirror_codec_params_dispose(&pm->cp);
		return ec_err_set(err, EC_ERR_VERIFY, "manifest.diff.json: a "
		    "patch is malformed or past the limits");
	}
	pm->prefix = strcmp(fm, "zstd-prefix") == 0;
	if ((pm->base = strdup(base)) == NULL) {
		mirror_codec_params_dispose(&pm->cp);
		return ec_err_nomem(err);
	}
	return 0;
}
