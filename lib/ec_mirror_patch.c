/*
 * ec_mirror_patch: a changed mirror file as a patch of its uncompressed
 * bytes against the base's.  The patch is a list of operations, "so many
 * literal bytes, then so many bytes copied from the base at this
 * distance", compressed as one zstd frame (ec_mirror_delta.h has the
 * format).
 *
 * Why not zstd's own patch-from: the mirror's raw data repeats itself
 * (the same advisory text under many ids), and zstd's long-distance
 * matcher then finds a copy of each document elsewhere in the base rather
 * than at its own place, breaking the match at every id.  For the
 * 167 MB json:raw payload of the benchmark that cost 532 KB at level 3.
 * The matcher here tries the place where the base and the new file
 * lined up last before anything else, so an edit in place costs its own
 * bytes and a few more.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "ec_buf.h"
#include "ec_file.h"
#include "ec_mirror_int.h"

/* Anchor window and the hash that rolls over it. */
#define PATCH_K		16
#define PATCH_MUL	0x01000193u
/* One base position in 64, chosen by content, is an anchor. */
#define PATCH_ANCHOR(h)	((((h) * 0x9e3779b1u) >> 26) == 0)
#define PATCH_TLOG	22
#define PATCH_SLOT(h)	(((h) * 0x85ebca6bu) >> (32 - PATCH_TLOG))
/* A copy shorter than this costs more than its literal bytes. */
#define PATCH_MINMATCH	12
/* After a break, base bytes each side of the old alignment searched. */
#define PATCH_LOCAL	32768
/* How long after a break the near search goes on. */
#define PATCH_SPAN	4096
/* The operation list, compressed: small, so the strongest level. */
#define PATCH_LEVEL	19
/* A patch's frame may not ask for a larger window than this. */
#define PATCH_WLOG_MAX	27
/*
 * An operation list larger than this share of its result is tried
 * against zstd's patch-from too, and the smaller kept.
 */
#define PATCH_PREFIX_TRY	1024
#define PATCH_PREFIX_LEVEL	3

struct patch_index {
	uint32_t	*slot;		/* hash -> anchor position + 1 */
	uint32_t	*pos;		/* anchors in base order */
	uint32_t	*hash;
	size_t		 n;
};

struct patch_scan {
	const uint8_t		*nb, *bb;	/* new and base raw bytes */
	size_t			 nlen, blen;
	const struct patch_index *ix;
	struct ec_buf		*ops;
	int64_t			 delta, last;	/* base pos - new pos */
};

static uint32_t
patch_pow(void)
{
	uint32_t	p = 1;
	int		i;

	for (i = 0; i < PATCH_K; i++)
		p *= PATCH_MUL;
	return p;
}

static uint32_t
patch_hash(const uint8_t *p)
{
	uint32_t	h = 0;
	int		i;

	for (i = 0; i < PATCH_K; i++)
		h = h * PATCH_MUL + p[i];
	return h;
}

static void
patch_index_free(struct patch_index *ix)
{
	free(ix->slot);
	free(ix->pos);
	free(ix->hash);
}

static int
patch_index_build(struct patch_index *ix, const uint8_t *b, size_t blen,
    struct ec_err *err)
{
	uint32_t	h, pw = patch_pow();
	size_t		i, cap = blen / 32 + 16;

	memset(ix, 0, sizeof(*ix));
	ix->slot = calloc((size_t)1 << PATCH_TLOG, sizeof(*ix->slot));
	ix->pos = malloc(cap * sizeof(*ix->pos));
	ix->hash = malloc(cap * sizeof(*ix->hash));
	if (ix->slot == NULL || ix->pos == NULL || ix->hash == NULL)
		return ec_err_nomem(err);
	if (blen < PATCH_K)
		return 0;
	h = patch_hash(b);
	for (i = 0;; i++) {
		if (PATCH_ANCHOR(h) && ix->n < cap) {
			ix->pos[ix->n] = (uint32_t)i;
			ix->hash[ix->n++] = h;
			if (ix->slot[PATCH_SLOT(h)] == 0)
				ix->slot[PATCH_SLOT(h)] = (uint32_t)i + 1;
		}
		if (i + PATCH_K >= blen)
			return 0;
		h = h * PATCH_MUL + b[i + PATCH_K] - b[i] * pw;
	}
}

static int
patch_varint(struct ec_buf *b, uint64_t v, struct ec_err *err)
{
	uint8_t	t[10];
	size_t	n = 0;

	do {
		t[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	return ec_buf_add(b, t, n, err);
}

/* Literal bytes [lit, p) and then "len" bytes from the base at p + delta. */
static int
patch_emit(struct patch_scan *s, size_t lit, size_t p, size_t len,
    struct ec_err *err)
{
	int64_t	dd = s->delta - s->last;

	if (patch_varint(s->ops, p - lit, err) == -1 ||
	    ec_buf_add(s->ops, s->nb + lit, p - lit, err) == -1 ||
	    patch_varint(s->ops, len, err) == -1)
		return -1;
	if (len == 0)
		return 0;
	s->last = s->delta;
	return patch_varint(s->ops, dd < 0 ? ((uint64_t)-(dd + 1) << 1) | 1 :
	    (uint64_t)dd << 1, err);
}

/* The base anchor with hash "h" nearest to "want", or -1. */
static int64_t
patch_near(const struct patch_scan *s, uint32_t h, int64_t want)
{
	const struct patch_index	*ix = s->ix;
	size_t				 lo = 0, hi = ix->n, mid;
	int64_t				 best = -1, d, bd = 0;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((int64_t)ix->pos[mid] < want - PATCH_LOCAL)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->n && (int64_t)ix->pos[lo] <= want + PATCH_LOCAL;
	    lo++) {
		if (ix->hash[lo] != h)
			continue;
		d = (int64_t)ix->pos[lo] - want;
		d = d < 0 ? -d : d;
		if (best == -1 || d < bd) {
			best = ix->pos[lo];
			bd = d;
		}
	}
	return best;
}

/* Where the K bytes at new position p are in the base, or -1. */
static int64_t
patch_find(const struct patch_scan *s, size_t p, uint32_t h, bool near)
{
	int64_t		c = -1;
	uint32_t	g;

	if (near)
		c = patch_near(s, h, (int64_t)p + s->delta);
	if (c >= 0 && memcmp(s->bb + c, s->nb + p, PATCH_K) == 0)
		return c;
	if ((g = s->ix->slot[PATCH_SLOT(h)]) != 0 &&
	    memcmp(s->bb + g - 1, s->nb + p, PATCH_K) == 0)
		return (int64_t)g - 1;
	return -1;
}

static size_t
patch_extend(const struct patch_scan *s, size_t p, size_t b)
{
	size_t	n = 0, max = s->nlen - p < s->blen - b ? s->nlen - p :
		    s->blen - b;

	while (n < max && s->nb[p + n] == s->bb[b + n])
		n++;
	return n;
}

/* Walk the new bytes, copying from the base wherever it lines up. */
static int
patch_scan(struct patch_scan *s, struct ec_err *err)
{
	uint32_t	h = 0, pw = patch_pow();
	size_t		p = 0, lit = 0, len;
	int64_t		b, c;
	bool		hv = false;

	while (p + PATCH_MINMATCH <= s->nlen) {
		b = (int64_t)p + s->delta;
		if (b >= 0 && (size_t)b + PATCH_MINMATCH <= s->blen &&
		    memcmp(s->nb + p, s->bb + b, PATCH_MINMATCH) == 0) {
			len = patch_extend(s, p, (size_t)b);
			if (patch_emit(s, lit, p, len, err) == -1)
				return -1;
			p += len;
			lit = p;
			hv = false;
			continue;
		}
		if (p + PATCH_K > s->nlen)
			break;
		if (!hv)
			h = patch_hash(s->nb + p);
		hv = true;
		if (PATCH_ANCHOR(h) && (c = patch_find(s, p, h,
		    p - lit < PATCH_SPAN)) >= 0) {
			while (p > lit && c > 0 && s->nb[p - 1] ==
			    s->bb[c - 1]) {
				p--;
				c--;
			}
			s->delta = c - (int64_t)p;
			hv = false;
			continue;
		}
		if (p + PATCH_K < s->nlen)
			h = h * PATCH_MUL + s->nb[p + PATCH_K] -
			    s->nb[p] * pw;
		p++;
	}
	/* The operations end where the result does: no empty last one. */
	return lit < s->nlen ? patch_emit(s, lit, s->nlen, 0, err) : 0;
}

/* A window of 2^log bytes covering both: zstd's patch-from window. */
static int
patch_wlog(uint64_t blen, uint64_t nlen)
{
	int	log = 10;

	while (log < 31 && ((uint64_t)1 << log) < blen + nlen)
		log++;
	return log;
}

/*
 * zstd's own patch-from (the base as a referenced prefix, long-distance
 * matching): the better patch where the new file moves the base's bytes
 * far about, as a bolt database does its pages.
 */
static int
patch_prefix(struct ec_buf *out, const uint8_t *bb, size_t blen,
    const uint8_t *nb, size_t nlen, struct ec_err *err)
{
	ZSTD_CCtx	*zc;
	int		 rc = -1;

	if ((zc = ZSTD_createCCtx()) == NULL)
		return ec_err_nomem(err);
	if (ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel,
	    PATCH_PREFIX_LEVEL)) || ZSTD_isError(ZSTD_CCtx_setParameter(zc,
	    ZSTD_c_windowLog, patch_wlog(blen, nlen))) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(zc,
	    ZSTD_c_enableLongDistanceMatching, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_refPrefix(zc, bb, blen))) {
		(void)ec_err_set(err, EC_ERR_INTERNAL, "zstd: bad parameters");
		goto out;
	}
	ec_buf_reset(out);
	rc = mirror_zstd_once(out, zc, nb, nlen, err);
out:
	ZSTD_freeCCtx(zc);
	return rc;
}

/* The operations that make "nb" from "bb", as one zstd frame. */
static int
patch_encode(struct ec_buf *out, const uint8_t *bb, size_t blen,
    const uint8_t *nb, size_t nlen, struct ec_err *err)
{
	struct patch_index	 ix;
	struct patch_scan	 s;
	struct ec_buf		 ops;
	struct mirror_codec_params cp;
	int			 rc = -1;

	memset(&cp, 0, sizeof(cp));
	ec_buf_init(&ops, 2 * (size_t)EC_MIRROR_PATCH_MAX + 64);
	memset(&s, 0, sizeof(s));
	s.nb = nb;
	s.nlen = nlen;
	s.bb = bb;
	s.blen = blen;
	s.ix = &ix;
	s.ops = &ops;
	if (patch_index_build(&ix, bb, blen, err) == -1 ||
	    patch_scan(&s, err) == -1)
		goto out;
	/* One frame, sized and checked, as a raw chunk's but stronger. */
	cp.codec = MIRROR_CODEC_ZSTD;
	cp.level = PATCH_LEVEL;
	cp.checksum = true;
	cp.content_size = true;
	if (mirror_codec_encode(out, &cp, (uint8_t *)ops.data, ops.len,
	    err) == -1)
		goto out;
	rc = 0;
out:
	ec_buf_dispose(&ops);
	patch_index_free(&ix);
	return rc;
}

static int
patch_bad(struct ec_err *err, const char *what)
{
	return ec_err_set(err, EC_ERR_VERIFY, "delta patch: %s", what);
}

/* A varint of the operation list; false past its end or 64 bits. */
static bool
patch_get(uint64_t *v, const uint8_t *p, size_t len, size_t *ip)
{
	int	shift;

	*v = 0;
	for (shift = 0; shift < 64 && *ip < len; shift += 7) {
		*v |= (uint64_t)(p[*ip] & 0x7f) << shift;
		if ((p[(*ip)++] & 0x80) == 0)
			return shift < 63 || p[*ip - 1] <= 1;
	}
	return false;
}

/* Run the operations "op" into out (exactly "size" bytes). */
static int
patch_run(uint8_t *out, size_t size, const uint8_t *bb, size_t blen,
    const uint8_t *op, size_t oplen, struct ec_err *err)
{
	uint64_t	lit, len, zz;
	size_t		o = 0, ip = 0;
	int64_t		delta = 0, b;

	while (o < size) {
		if (!patch_get(&lit, op, oplen, &ip) || lit > size - o ||
		    lit > oplen - ip)
			return patch_bad(err, "a literal runs past the end");
		memcpy(out + o, op + ip, lit);
		o += lit;
		ip += lit;
		if (!patch_get(&len, op, oplen, &ip))
			return patch_bad(err, "the operations are cut short");
		if (len == 0 && lit == 0)
			return patch_bad(err, "an operation that does nothing");
		if (len == 0)
			continue;
		if (!patch_get(&zz, op, oplen, &ip) || (zz >> 1) >
		    (uint64_t)EC_MIRROR_PATCH_MAX * 2)
			return patch_bad(err, "a copy distance out of range");
		delta += (zz & 1) ? -(int64_t)(zz >> 1) - 1 :
		    (int64_t)(zz >> 1);
		b = (int64_t)o + delta;
		if (len > size - o || b < 0 || (uint64_t)b > blen ||
		    len > blen - (uint64_t)b)
			return patch_bad(err, "a copy outside the base or the "
			    "result");
		memcpy(out + o, bb + b, len);
		o += len;
	}
	if (ip != oplen)
		return patch_bad(err, "bytes after the last operation");
	return 0;
}

/*
 * The window a zstd frame header declares (RFC 8878, 3.1.1.1.2): a
 * single-segment frame's is its content size, which is checked apart.
 */
static uint64_t
patch_window(const uint8_t *p)
{
	uint64_t	base;

	if ((p[4] & 0x20) != 0)
		return 0;
	base = (uint64_t)1 << (10 + (p[5] >> 3));
	return base + (base / 8) * (p[5] & 7);
}

/* A zstd-prefix patch: its content is the result itself. */
static int
patch_unprefix(struct ec_buf *out, const uint8_t *bb, size_t blen,
    const uint8_t *p, size_t len, uint64_t size, struct ec_err *err)
{
	ZSTD_DCtx	*dc;
	size_t		 n;
	int		 rc = -1;

	if (patch_window(p) > ((uint64_t)1 << patch_wlog(blen, size)))
		return patch_bad(err, "the frame asks for too large a window");
	if (ZSTD_getFrameContentSize(p, len) != size)
		return patch_bad(err, "the frame's size is not rawSize");
	if ((dc = ZSTD_createDCtx()) == NULL)
		return ec_err_nomem(err);
	ec_buf_reset(out);
	if (ec_buf_reserve(out, size, err) == -1)
		goto out;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax,
	    patch_wlog(blen, size))) ||
	    ZSTD_isError(ZSTD_DCtx_refPrefix(dc, bb, blen))) {
		(void)ec_err_set(err, EC_ERR_INTERNAL, "zstd: bad parameters");
		goto out;
	}
	n = ZSTD_decompressDCtx(dc, out->data, size, p, len);
	if (ZSTD_isError(n) || n != size) {
		(void)patch_bad(err, ZSTD_isError(n) ? ZSTD_getErrorName(n) :
		    "the frame is not its stated size");
		goto out;
	}
	out->len = n;
	rc = 0;
out:
	ZSTD_freeDCtx(dc);
	return rc;
}

/*
 * Decode the patch "p" against the base's raw bytes into out, which must
 * come to exactly "size" bytes.  The frame is checked before anything is
 * allocated for it: one whole frame, a window of at most 2^PATCH_WLOG_MAX,
 * a declared size the operations of a "size"-byte result can have.
 */
int
mirror_patch_decode(struct ec_buf *out, const uint8_t *bb, size_t blen,
    const uint8_t *p, size_t len, uint64_t size, bool prefix,
    struct ec_err *err)
{
	unsigned long long	 fcs;
	uint8_t			*ops = NULL;
	size_t			 n;
	int			 rc = -1;

	if (size > EC_MIRROR_PATCH_MAX)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "delta patch: a "
		    "result of more than %d bytes", EC_MIRROR_PATCH_MAX);
	if (len < 6 || memcmp(p, "\x28\xb5\x2f\xfd", 4) != 0 ||
	    ZSTD_findFrameCompressedSize(p, len) != len)
		return patch_bad(err, "not one zstd frame");
	if (prefix)
		return patch_unprefix(out, bb, blen, p, len, size, err);
	if (patch_window(p) > ((uint64_t)1 << PATCH_WLOG_MAX))
		return patch_bad(err, "the frame asks for too large a window");
	fcs = ZSTD_getFrameContentSize(p, len);
	if (fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == ZSTD_CONTENTSIZE_ERROR ||
	    fcs > 2 * size + 64)
		return patch_bad(err, "the operations' size is missing or "
		    "too large for the result");
	if ((ops = malloc((size_t)fcs + 1)) == NULL)
		return ec_err_nomem(err);
	n = ZSTD_decompress(ops, (size_t)fcs + 1, p, len);
	if (ZSTD_isError(n) || n != fcs) {
		(void)patch_bad(err, ZSTD_isError(n) ? ZSTD_getErrorName(n) :
		    "the frame is not its stated size");
		goto out;
	}
	ec_buf_reset(out);
	if (ec_buf_reserve(out, size, err) == -1 ||
	    patch_run((uint8_t *)out->data, size, bb, blen, ops, n, err) == -1)
		goto out;
	out->len = size;
	rc = 0;
out:
	free(ops);
	return rc;
}

/* The base's raw bytes and the new file's, with the new file's codec. */
struct patch_io {
	uint8_t				*nf, *bf;	/* the files */
	size_t				 nflen, bflen;
	struct ec_buf			 nraw, braw, re;
	struct mirror_codec_params	 cp;
};

static void
patch_io_dispose(struct patch_io *io)
{
	free(io->nf);
	free(io->bf);
	ec_buf_dispose(&io->nraw);
	ec_buf_dispose(&io->braw);
	ec_buf_dispose(&io->re);
	mirror_codec_params_dispose(&io->cp);
}

/* 0: the file is re-made from its raw bytes; 1: it is not; -1: error. */
static int
patch_load(struct patch_io *io, const char *base_file, const char *new_file,
    struct ec_err *err)
{
	struct ec_err	e2;

	memset(&e2, 0, sizeof(e2));
	if (ec_file_read_small(&io->nf, &io->nflen, new_file,
	    EC_MIRROR_PATCH_MAX, err) == -1 ||
	    ec_file_read_small(&io->bf, &io->bflen, base_file,
	    EC_MIRROR_PATCH_MAX, err) == -1)
		return -1;
	mirror_codec_guess(&io->cp, io->nf, io->nflen);
	if (mirror_codec_of(io->bf, io->bflen) != io->cp.codec)
		return 1;
	/* What cannot be decoded or re-made within the cap goes whole. */
	if (mirror_codec_decode(&io->nraw, io->cp.codec, io->nf, io->nflen,
	    &io->cp, &e2) == -1 || io->nraw.len > EC_MIRROR_PATCH_MAX ||
	    mirror_codec_encode(&io->re, &io->cp, (uint8_t *)io->nraw.data,
	    io->nraw.len, &e2) == -1 || io->re.len != io->nflen ||
	    memcmp(io->re.data, io->nf, io->nflen) != 0 ||
	    mirror_codec_decode(&io->braw, io->cp.codec, io->bf, io->bflen,
	    NULL, &e2) == -1 || io->braw.len > EC_MIRROR_PATCH_MAX)
		return e2.code == EC_ERR_NOMEM ? ec_err_nomem(err) : 1;
	return 0;
}

/* The patch-from patch instead, when it is smaller. */
static int
patch_make_prefix(struct ec_buf *patch, struct mirror_patch *pm,
    struct patch_io *io, struct ec_err *err)
{
	struct ec_buf	alt;
	int		rc;

	ec_buf_init(&alt, EC_MIRROR_PATCH_MAX);
	rc = patch_prefix(&alt, (uint8_t *)io->braw.data, io->braw.len,
	    (uint8_t *)io->nraw.data, io->nraw.len, err);
	if (rc == 0 && alt.len < patch->len) {
		ec_buf_reset(patch);
		rc = ec_buf_add(patch, alt.data, alt.len, err);
		pm->prefix = true;
	}
	ec_buf_dispose(&alt);
	return rc;
}

int
mirror_patch_make(struct ec_buf *patch, struct mirror_patch *pm,
    const char *base_file, const char *new_file, struct ec_err *err)
{
	struct patch_io	io;
	uint8_t		d[EC_SHA256_LEN];
	int		rc;

	memset(&io, 0, sizeof(io));
	ec_buf_init(&io.nraw, EC_MIRROR_PATCH_MAX + MIRROR_CODEC_STEP);
	ec_buf_init(&io.braw, EC_MIRROR_PATCH_MAX + MIRROR_CODEC_STEP);
	ec_buf_init(&io.re, 2 * (size_t)EC_MIRROR_PATCH_MAX);
	if ((rc = patch_load(&io, base_file, new_file, err)) != 0)
		goto out;
	if ((rc = patch_encode(patch, (uint8_t *)io.braw.data, io.braw.len,
	    (uint8_t *)io.nraw.data, io.nraw.len, err)) == -1)
		goto out;
	pm->prefix = false;
	if (patch->len > io.nraw.len / PATCH_PREFIX_TRY &&
	    (rc = patch_make_prefix(patch, pm, &io, err)) == -1)
		goto out;
	if (patch->len >= io.nflen) {
		rc = 1;
		goto out;
	}
	/* The frame lengths go with the parameters to the patch. */
	pm->cp = io.cp;
	io.cp.frames = NULL;
	io.cp.nframes = 0;
	ec_sha256(d, io.bf, io.bflen);
	ec_hex_encode(pm->base_sha256, d, sizeof(d));
	pm->base_raw_size = io.braw.len;
	pm->raw_size = io.nraw.len;
	pm->patch_size = patch->len;
out:
	patch_io_dispose(&io);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

/* Read a file of the delta or the base whole and check its digest. */
static int
patch_read(uint8_t **p, size_t *len, const char *path, const char *hex,
    uint64_t size, enum ec_code code, const char *what, struct ec_err *err)
{
	uint8_t	d[EC_SHA256_LEN];
	char	got[EC_SHA256_HEX];

	if (size > EC_MIRROR_PATCH_MAX)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "%s: more than %d "
		    "bytes", what, EC_MIRROR_PATCH_MAX);
	if (ec_file_read_small(p, len, path, (size_t)size, err) == -1) {
		if (err != NULL && err->code != EC_ERR_NOMEM)
			err->code = code;
		return ec_err_prefix(err, "%s", what);
	}
	ec_sha256(d, *p, *len);
	ec_hex_encode(got, d, sizeof(d));
	if (*len != size || strcmp(got, hex) != 0)
		return ec_err_set(err, code, "%s: bytes differ from "
		    "manifest.diff.json", what);
	return 0;
}

static bool
patch_hex_is(const struct ec_buf *b, const char *hex)
{
	uint8_t	d[EC_SHA256_LEN];
	char	got[EC_SHA256_HEX];

	ec_sha256(d, b->data, b->len);
	ec_hex_encode(got, d, sizeof(d));
	return strcmp(got, hex) == 0;
}

/* The patch at "off" of the pack, exactly "size" bytes. */
static int
patch_slice(uint8_t **p, size_t *len, const char *pack, uint64_t off,
    uint64_t size, struct ec_err *err)
{
	ssize_t	n;
	int	fd;

	if (size > EC_MIRROR_PATCH_MAX)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "delta patch: more "
		    "than %d bytes", EC_MIRROR_PATCH_MAX);
	if (ec_file_open_regular(&fd, pack, false, err) == -1) {
		if (err != NULL)
			err->code = EC_ERR_VERIFY;
		return ec_err_prefix(err, "delta " EC_MIRROR_PACK_NAME);
	}
	if ((*p = malloc((size_t)size + 1)) == NULL) {
		(void)close(fd);
		return ec_err_nomem(err);
	}
	n = pread(fd, *p, (size_t)size, (off_t)off);
	(void)close(fd);
	if (n < 0 || (uint64_t)n != size)
		return ec_err_set(err, EC_ERR_VERIFY, "delta "
		    EC_MIRROR_PACK_NAME ": shorter than its patches");
	*len = (size_t)size;
	return 0;
}

int
mirror_patch_apply(const struct mirror_patch *pm, const char *base_file,
    uint64_t base_size, const char *pack, uint64_t off, const char *dst,
    const char *want_hex, uint64_t want_size, struct ec_err *err)
{
	struct patch_io	io;
	int		rc = -1;

	memset(&io, 0, sizeof(io));
	ec_buf_init(&io.nraw, EC_MIRROR_PATCH_MAX + MIRROR_CODEC_STEP);
	ec_buf_init(&io.braw, pm->base_raw_size + MIRROR_CODEC_STEP);
	ec_buf_init(&io.re, 2 * (size_t)EC_MIRROR_PATCH_MAX);
	if (patch_slice(&io.nf, &io.nflen, pack, off, pm->patch_size,
	    err) == -1 ||
	    patch_read(&io.bf, &io.bflen, base_file, pm->base_sha256,
	    base_size, EC_ERR_BASE_MISSING, "patch base", err) == -1)
		goto out;
	if (ec_buf_reserve(&io.braw, pm->base_raw_size, err) == -1 ||
	    mirror_codec_decode(&io.braw, pm->cp.codec, io.bf, io.bflen,
	    NULL, err) == -1 || io.braw.len != pm->base_raw_size) {
		if (err != NULL && err->code != EC_ERR_NOMEM)
			(void)ec_err_set(err, EC_ERR_VERIFY, "patch base "
			    "%.200s: its uncompressed bytes are not the %llu "
			    "the delta expects", pm->base, (unsigned long long)
			    pm->base_raw_size);
		goto out;
	}
	if (mirror_patch_decode(&io.nraw, (uint8_t *)io.braw.data,
	    io.braw.len, io.nf, io.nflen, pm->raw_size, pm->prefix,
	    err) == -1)
		goto out;
	if (mirror_codec_encode(&io.re, &pm->cp, (uint8_t *)io.nraw.data,
	    io.nraw.len, err) == -1)
		goto out;
	if (io.re.len != want_size || !patch_hex_is(&io.re, want_hex)) {
		(void)ec_err_set(err, EC_ERR_VERIFY, "delta patch: compressing "
		    "the patched bytes again gives other bytes than the "
		    "delta's writer made (another libzstd or libarchive "
		    "build?)");
		goto out;
	}
	rc = mirror_write_mem(dst, io.re.data, io.re.len, err);
out:
	patch_io_dispose(&io);
	return rc;
}
