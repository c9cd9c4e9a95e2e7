/*
 * tests/unit/t_mirror_patch.c: a mirror delta's patches with the real
 * libzstd and libarchive: each codec re-makes its own bytes, a patch made
 * from two compressed files re-makes the new one exactly, and hostile
 * patches (a huge declared window, operations that run past the stated
 * size, copies outside the base, a frame that is not one) fail with
 * EC_ERR_VERIFY before anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_file.h"
#include "ec_hash.h"
#include "ec_mirror_int.h"

static char	dir[64];

/* Text with repeats and a variant: what the mirror's raw data is like. */
static void
text(struct ec_buf *b, size_t n, int variant)
{
	size_t	i;

	ec_buf_reset(b);
	for (i = 0; i < n; i++)
		if (ec_buf_addf(b, NULL, "{\"id\":\"ADV-%zu\",\"modified\":"
		    "\"%s\",\"summary\":\"package %zu has a flaw\"}\n", i,
		    variant && i % 97 == 3 ? "2026-06-01T00:00:00.5Z" :
		    "2021-11-12T10:20:55Z", i % 13) == -1)
			abort();
}

static uint64_t
file_size(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		abort();
	return (uint64_t)st.st_size;
}

static void
write_file(const char *path, const void *p, size_t len)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0)
		abort();
}

static void
test_codecs(void)
{
	static const struct mirror_codec_params	cps[] = {
		{ .codec = MIRROR_CODEC_IDENTITY },
		{ .codec = MIRROR_CODEC_ZSTD, .level = 3, .checksum = true,
		    .content_size = true },
		{ .codec = MIRROR_CODEC_ZSTD, .level = 3,
		    .job_size = EC_BUNDLE_ZSTD_JOB },
		{ .codec = MIRROR_CODEC_GZIP, .level = 6 },
	};
	struct mirror_codec_params	g;
	struct ec_buf			raw, enc, dec, re;
	struct ec_err			err;
	size_t				i;

	ec_buf_init(&raw, 1 << 26);
	ec_buf_init(&enc, 1 << 26);
	ec_buf_init(&dec, 1 << 26);
	ec_buf_init(&re, 1 << 26);
	text(&raw, 60000, 0);
	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		ok(mirror_codec_encode(&enc, &cps[i], (uint8_t *)raw.data,
		    raw.len, &err) == 0, "codec %zu encodes", i);
		mirror_codec_guess(&g, (uint8_t *)enc.data, enc.len);
		ok(memcmp(&g, &cps[i], sizeof(g)) == 0,
		    "codec %zu: its parameters are read back from the header",
		    i);
		ok(mirror_codec_decode(&dec, g.codec, (uint8_t *)enc.data,
		    enc.len, NULL, &err) == 0 && dec.len == raw.len &&
		    memcmp(dec.data, raw.data, raw.len) == 0,
		    "codec %zu decodes to the raw bytes", i);
		ok(mirror_codec_encode(&re, &g, (uint8_t *)dec.data, dec.len,
		    &err) == 0 && re.len == enc.len &&
		    memcmp(re.data, enc.data, enc.len) == 0,
		    "codec %zu re-makes the very bytes", i);
	}
	/* A decode is bounded by its buffer's ceiling. */
	ec_buf_dispose(&dec);
	ec_buf_init(&dec, raw.len / 2);
	ok(mirror_codec_decode(&dec, MIRROR_CODEC_GZIP, (uint8_t *)enc.data,
	    enc.len, NULL, &err) == -1 && err.code == EC_ERR_TOO_LARGE,
	    "a gzip stream past the ceiling: EC_ERR_TOO_LARGE");
	ok(mirror_codec_decode(&dec, MIRROR_CODEC_ZSTD, (uint8_t *)enc.data,
	    enc.len, NULL, &err) == -1 && err.code == EC_ERR_VERIFY,
	    "gzip bytes decoded as zstd: EC_ERR_VERIFY");
	ec_buf_dispose(&raw);
	ec_buf_dispose(&enc);
	ec_buf_dispose(&dec);
	ec_buf_dispose(&re);
}

/*
 * A bundle compressed as several frames: decoding records each frame's
 * length, and those lengths make the very bytes again; lengths that do
 * not add up are refused.
 */
static void
test_frames(void)
{
	uint64_t			 lens[3] = { 70000, 0, 0 };
	struct mirror_codec_params	 cp = { .codec = MIRROR_CODEC_ZSTD,
					    .level = 3,
					    .job_size = EC_BUNDLE_ZSTD_JOB,
					    .frames = lens, .nframes = 3 },
					 g;
	struct ec_buf			 raw, enc, dec, re;
	struct ec_err			 err;

	ec_buf_init(&raw, 1 << 26);
	ec_buf_init(&enc, 1 << 26);
	ec_buf_init(&dec, 1 << 26);
	ec_buf_init(&re, 1 << 26);
	text(&raw, 60000, 0);
	lens[1] = raw.len - lens[0] - 512;
	lens[2] = 512;
	ok(mirror_codec_encode(&enc, &cp, (uint8_t *)raw.data, raw.len,
	    &err) == 0, "frames: three frames encoded");
	mirror_codec_guess(&g, (uint8_t *)enc.data, enc.len);
	ok(mirror_codec_decode(&dec, g.codec, (uint8_t *)enc.data, enc.len,
	    &g, &err) == 0 && dec.len == raw.len && g.nframes == 3 &&
	    g.frames[0] == lens[0] && g.frames[1] == lens[1] &&
	    g.frames[2] == lens[2], "frames: each frame's length read back");
	ok(mirror_codec_encode(&re, &g, (uint8_t *)dec.data, dec.len,
	    &err) == 0 && re.len == enc.len &&
	    memcmp(re.data, enc.data, enc.len) == 0,
	    "frames: the lengths re-make the very bytes");
	g.frames[2]++;
	ok(mirror_codec_encode(&re, &g, (uint8_t *)dec.data, dec.len,
	    &err) == -1 && err.code == EC_ERR_VERIFY,
	    "frames longer than the bytes: EC_ERR_VERIFY");
	g.frames[2] -= 2;
	ok(mirror_codec_encode(&re, &g, (uint8_t *)dec.data, dec.len,
	    &err) == -1 && err.code == EC_ERR_VERIFY,
	    "frames shorter than the bytes: EC_ERR_VERIFY");
	mirror_codec_params_dispose(&g);
	/* One frame is no list. */
	cp.nframes = 0;
	ok(mirror_codec_encode(&enc, &cp, (uint8_t *)raw.data, raw.len,
	    &err) == 0 && mirror_codec_decode(&dec, MIRROR_CODEC_ZSTD,
	    (uint8_t *)enc.data, enc.len, &g, &err) == 0 && g.nframes == 0 &&
	    g.frames == NULL, "frames: a single frame records none");
	ec_buf_dispose(&raw);
	ec_buf_dispose(&enc);
	ec_buf_dispose(&dec);
	ec_buf_dispose(&re);
}

/* Two zstd chunks one edit apart: the patch re-makes the new file. */
static void
test_round_trip(void)
{
	struct mirror_codec_params	 cp = { .codec = MIRROR_CODEC_ZSTD,
					    .level = 3, .checksum = true,
					    .content_size = true };
	struct mirror_patch		 pm;
	struct ec_buf			 raw, enc, pb;
	struct ec_err			 err;
	char				 b[128], n[128], pf[128], out[128];
	char				 hex[EC_SHA256_HEX];
	uint8_t				 d[EC_SHA256_LEN], *got;
	size_t				 nlen = 0, glen;

	ec_buf_init(&raw, 1 << 26);
	ec_buf_init(&enc, 1 << 26);
	ec_buf_init(&pb, EC_MIRROR_PATCH_MAX);
	(void)snprintf(b, sizeof(b), "%s/base.zst", dir);
	(void)snprintf(n, sizeof(n), "%s/new.zst", dir);
	(void)snprintf(pf, sizeof(pf), "%s/patch", dir);
	(void)snprintf(out, sizeof(out), "%s/out.zst", dir);
	text(&raw, 20000, 0);
	if (mirror_codec_encode(&enc, &cp, (uint8_t *)raw.data, raw.len,
	    &err) == -1)
		abort();
	write_file(b, enc.data, enc.len);
	text(&raw, 20000, 1);
	if (mirror_codec_encode(&enc, &cp, (uint8_t *)raw.data, raw.len,
	    &err) == -1)
		abort();
	write_file(n, enc.data, enc.len);
	nlen = enc.len;
	ec_sha256(d, enc.data, enc.len);
	ec_hex_encode(hex, d, sizeof(d));
	memset(&pm, 0, sizeof(pm));
	ok(mirror_patch_make(&pb, &pm, b, n, &err) == 1,
	    "a patch is made between two chunks");
	ok(pb.len * 20 < nlen, "... and is far smaller than the file "
	    "(%zu of %zu bytes)", pb.len, nlen);
	pm.base = "base.zst";
	write_file(pf, pb.data, pb.len);
	ok(mirror_patch_apply(&pm, b, file_size(b), pf, 0, out, hex, nlen,
	    &err) == 0,
	    "the patch applies");
	ok(ec_file_read_small(&got, &glen, out, 1 << 26, &err) == 0 &&
	    glen == nlen && memcmp(got, enc.data, nlen) == 0,
	    "... giving the new file's very bytes");
	free(got);
	(void)unlink(out);
	ok(mirror_patch_apply(&pm, b, file_size(b), pf, 0, out,
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    nlen, &err) == -1 && err.code == EC_ERR_VERIFY &&
	    access(out, F_OK) == -1,
	    "a result with other bytes is refused and not written");
	pb.data[pb.len / 2] ^= 1;
	write_file(pf, pb.data, pb.len);
	ok(mirror_patch_apply(&pm, b, file_size(b), pf, 0, out, hex, nlen,
	    &err) == -1 && err.code == EC_ERR_VERIFY &&
	    access(out, F_OK) == -1, "a tampered patch: EC_ERR_VERIFY, "
	    "nothing written");
	ec_buf_dispose(&raw);
	ec_buf_dispose(&enc);
	ec_buf_dispose(&pb);
}

/* Decode the operations "ops" (one frame) against a 16-byte base. */
static int
run_ops(const void *ops, size_t n, uint64_t size, struct ec_err *err)
{
	static const uint8_t	base[16] = "0123456789abcdef";
	uint8_t			frame[256];
	struct ec_buf		out;
	size_t			len;
	int			rc;

	len = ZSTD_compress(frame, sizeof(frame), ops, n, 1);
	if (ZSTD_isError(len))
		abort();
	ec_buf_init(&out, EC_MIRROR_PATCH_MAX);
	rc = mirror_patch_decode(&out, base, sizeof(base), frame, len, size,
	    false, err);
	if (rc == 0 && (out.len != size))
		abort();
	ec_buf_dispose(&out);
	return rc;
}

static void
test_hostile(void)
{
	/* lit 2 "xy", copy 4 at distance +0 (base 2..5): "xy2345". */
	static const uint8_t	good[] = { 2, 'x', 'y', 4, 0 };
	static const uint8_t	far[] = { 0, 4, 40 };	/* copy at +20 */
	static const uint8_t	back[] = { 0, 4, 1 };	/* copy at -1 */
	static const uint8_t	noop[] = { 0, 0 };
	static const uint8_t	tail[] = { 2, 'x', 'y', 4, 0, 9 };
	static const uint8_t	cut[] = { 2, 'x', 'y', 0x84 };
	/* A frame header declaring a 2^41-byte window, then nothing. */
	static const uint8_t	win[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00,
				    0xf8, 0x01, 0x00, 0x00 };
	struct ec_buf		out;
	struct ec_err		err;

	ok(run_ops(good, sizeof(good), 6, &err) == 0,
	    "well-formed operations run");
	ok(run_ops(good, sizeof(good), 5, &err) == -1 &&
	    err.code == EC_ERR_VERIFY,
	    "operations making more than the stated size: EC_ERR_VERIFY");
	ok(run_ops(good, sizeof(good), 7, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "... or fewer: EC_ERR_VERIFY");
	ok(run_ops(far, sizeof(far), 4, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "a copy past the base's end");
	ok(run_ops(back, sizeof(back), 4, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "a copy before the base's start");
	ok(run_ops(noop, sizeof(noop), 4, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "an operation that does nothing");
	ok(run_ops(tail, sizeof(tail), 6, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "bytes after the last operation");
	ok(run_ops(cut, sizeof(cut), 6, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "operations cut short");
	ec_buf_init(&out, EC_MIRROR_PATCH_MAX);
	ok(mirror_patch_decode(&out, (const uint8_t *)"x", 1, win,
	    sizeof(win), 6, false, &err) == -1 && err.code == EC_ERR_VERIFY,
	    "a frame declaring a huge window: EC_ERR_VERIFY");
	ok(mirror_patch_decode(&out, (const uint8_t *)"x", 1, win,
	    sizeof(win), 6, true, &err) == -1 && err.code == EC_ERR_VERIFY,
	    "... as a zstd-prefix patch too");
	ok(mirror_patch_decode(&out, (const uint8_t *)"x", 1, win,
	    sizeof(win), (uint64_t)EC_MIRROR_PATCH_MAX + 1, false, &err) ==
	    -1 && err.code == EC_ERR_TOO_LARGE,
	    "a result past EC_MIRROR_PATCH_MAX: EC_ERR_TOO_LARGE");
	ok(mirror_patch_decode(&out, (const uint8_t *)"x", 1,
	    (const uint8_t *)"not zstd", 8, 6, false, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "not a zstd frame: EC_ERR_VERIFY");
	ec_buf_dispose(&out);
}

int
main(void)
{
	(void)snprintf(dir, sizeof(dir), "/tmp/t_mirror_patch.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_codecs();
	test_frames();
	test_round_trip();
	test_hostile();
	{
		char	cmd[96];

		(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return done_testing();
}
