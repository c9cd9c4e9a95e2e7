/*
 * tests/unit/t_bundle_frames.c: members compressed ahead.  The tar inside
 * a bundle of several zstd frames must be byte for byte what libarchive's
 * ustar writer makes of the same members (the writer before frames was
 * libarchive), the frames must not depend on the worker count, and a
 * bundle cut into many frames must not get past the reader's expansion
 * bound.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include "tap.h"
#include "ec_bundle.h"
#include "ec_bundle_int.h"
#include "ec_limits.h"

static char	dir[] = "/tmp/t_bundle_frames.XXXXXX";

#define MTIME		1700000000
/* Large enough for several zstd jobs, so the threads really split it. */
#define BIG_BYTES	(5u * 1024 * 1024 + 77)

struct member {
	const char	*name;
	char		*data;		/* owned */
	size_t		 len;
};

/* The members: small ones in memory, a big one streamed, one framed. */
static struct member	members[4];

static void
members_make(void)
{
	uint32_t	x = 7;
	size_t		i;

	members[0] = (struct member){ "checksums.txt", strdup("abc\n"), 4 };
	members[1] = (struct member){ "data/big.ndjson", malloc(BIG_BYTES),
	    BIG_BYTES };
	members[2] = (struct member){ "data/framed.json", malloc(70001),
	    70001 };
	members[3] = (struct member){ "manifest.json", strdup(""), 0 };
	for (i = 0; i < BIG_BYTES; i++) {
		x = x * 1103515245u + 12345u;
		members[1].data[i] = (i % 64 == 63) ? '\n' :
		    (char)('a' + (x >> 16) % 8);
	}
	for (i = 0; i < members[2].len; i++)
		members[2].data[i] = (char)('0' + i % 10);
}

/* What the writer made before frames: libarchive, ustar, no tail padding. */
static size_t
libarchive_tar(char *out, size_t cap)
{
	struct archive		*a = archive_write_new();
	struct archive_entry	*ae = archive_entry_new();
	size_t			 used = 0, i;

	archive_write_set_format_ustar(a);
	archive_write_set_bytes_in_last_block(a, 1);
	archive_write_open_memory(a, out, cap, &used);
	for (i = 0; i < 4; i++) {
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, members[i].name);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_size(ae, (la_int64_t)members[i].len);
		archive_entry_set_mtime(ae, MTIME, 0);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		archive_write_header(a, ae);
		if (members[i].len > 0)
			archive_write_data(a, members[i].data, members[i].len);
	}
	archive_write_close(a);
	archive_entry_free(ae);
	archive_write_free(a);
	return used;
}

static int
write_framed(struct ec_bundle *b, struct ec_bundle_frames **f,
    unsigned workers, const char *fpath, struct ec_err *err)
{
	struct ec_bundle_stream	*s;
	uint8_t			 d[EC_SHA256_LEN];
	size_t			 off;

	if (ec_bundle_add_mem(b, members[0].name, members[0].data,
	    members[0].len, err) == -1 ||
	    ec_bundle_add_mem(b, members[3].name, "", 0, err) == -1 ||
	    ec_bundle_stream_open(&s, b, members[1].name, err) == -1)
		return -1;
	/* Odd pieces, so the stream's buffering is crossed every way. */
	for (off = 0; off < BIG_BYTES; off += 4099)
		if (ec_bundle_stream_write(s, members[1].data + off,
		    BIG_BYTES - off < 4099 ? BIG_BYTES - off : 4099,
		    err) == -1)
			return -1;
	if (ec_bundle_stream_close(NULL, NULL, s, err) == -1 ||
	    ec_bundle_frames_new(f, fpath, workers, err) == -1 ||
	    ec_bundle_frames_write(*f, members[2].data, members[2].len,
	    err) == -1 || ec_bundle_frames_close(*f, err) == -1)
		return -1;
	ec_sha256(d, members[2].data, members[2].len);
	return ec_bundle_add_framed(b, members[2].name, *f, d,
	    members[2].len, err);
}

/* Build the bundle "name" with "workers" threads. */
static int
make(uint8_t digest[EC_SHA256_LEN], const char *name, unsigned workers,
    struct ec_err *err)
{
	struct ec_bundle	*b;
	struct ec_bundle_frames	*f = NULL;
	char			 path[256], fpath[256];
	int			 rc = -1;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)snprintf(fpath, sizeof(fpath), "%s/%s.frames", dir, name);
	if (ec_bundle_new(&b, path, MTIME, EC_MAX_BUNDLE_BYTES, err) == -1)
		return -1;
	if (ec_bundle_set_workers(b, workers, err) == 0 &&
	    write_framed(b, &f, workers, fpath, err) == 0 &&
	    ec_bundle_finish(digest, NULL, b, err) == 0)
		rc = 0;
	ec_bundle_free(b);
	ec_bundle_frames_free(f);
	return rc;
}

static char *
slurp(size_t *len, const char *path)
{
	struct stat	 st;
	char		*p;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1 ||
	    (p = malloc((size_t)st.st_size + 1)) == NULL ||
	    read(fd, p, (size_t)st.st_size) != st.st_size)
		abort();
	(void)close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static int
none(void *arg, const struct ec_bundle_member *m, struct ec_err *err)
{
	(void)arg;
	(void)m;
	(void)err;
	return 0;
}

/* Decompress every frame; count them.  -1 on a decoding error. */
static long
unzstd(char *out, size_t cap, size_t *outlen, const char *z, size_t zlen,
    int *frames)
{
	ZSTD_DCtx	*dc = ZSTD_createDCtx();
	ZSTD_inBuffer	 in = { z, zlen, 0 };
	ZSTD_outBuffer	 o = { out, cap, 0 };
	size_t		 off = 0, fl;

	*frames = 0;
	while (off < zlen) {
		fl = ZSTD_findFrameCompressedSize(z + off, zlen - off);
		if (ZSTD_isError(fl))
			break;
		off += fl;
		(*frames)++;
	}
	while (in.pos < in.size)
		if (ZSTD_isError(ZSTD_decompressStream(dc, &o, &in)) ||
		    o.pos == o.size)
			break;
	ZSTD_freeDCtx(dc);
	*outlen = o.pos;
	return in.pos == in.size && off == zlen ? 0 : -1;
}

/* Our ustar headers against libarchive's, at the edges of every field. */
static void
headers(void)
{
	static const uint64_t	sizes[] = { 0, 1, 511, 512, 513, 070707,
	    (1ULL << 33) - 1 };
	static const int64_t	times[] = { 0, MTIME, (1LL << 33) - 1 };
	char			name[EC_BUNDLE_NAME_MAX + 2], ours[512];
	char			theirs[2048];
	struct archive		*a;
	struct archive_entry	*ae;
	struct ec_err		 err;
	size_t			 used, i, j, bad = 0, n = 0;

	memset(name, 'n', sizeof(name));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (j = 0; j < sizeof(times) / sizeof(times[0]); j++) {
			/* Names of 1, 51 and 100 bytes, one with a slash. */
			name[1 + 50 * (j % 2) + 49 * (j / 2)] = '\0';
			name[0] = j == 1 ? 'd' : 'n';
			if (j == 1)
				name[1] = '/';
			a = archive_write_new();
			ae = archive_entry_new();
			archive_write_set_format_ustar(a);
			archive_write_set_bytes_per_block(a, 0);
			archive_write_open_memory(a, theirs, sizeof(theirs),
			    &used);
			archive_entry_set_pathname(ae, name);
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_size(ae, (la_int64_t)sizes[i]);
			archive_entry_set_mtime(ae, (time_t)times[j], 0);
			if (archive_write_header(a, ae) != ARCHIVE_OK ||
			    ec_bundle_ustar_header(ours, name, sizes[i],
			    times[j], &err) == -1 ||
			    memcmp(ours, theirs, sizeof(ours)) != 0)
				bad++;
			n++;
			archive_entry_free(ae);
			archive_write_free(a);
			memset(name, 'n', sizeof(name));
		}
	ok(bad == 0, "%zu ustar headers as libarchive writes them, %zu differ",
	    n, bad);
	ok(ec_bundle_ustar_header(ours, "x", 1ULL << 33, 0, &err) == -1 &&
	    ec_bundle_ustar_header(ours, "x", 0, -1, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL, "sizes and times past the fields "
	    "refused: %s", err.msg);
}

/*
 * 257 members of 1 MiB of zeros, each header and member its own frame:
 * 257 MiB from a few KiB, past the 256 MiB the floor allows.  The reader
 * must refuse it at the header that passes the bound, having read no
 * more than the bound, whatever the frames.
 */
static void
many_frames(void)
{
	char			*zeros, *z, hdr[512], name[32], path[256];
	size_t			 cap, zlen = 0, r, i;
	struct ec_bundle_stats	 st;
	int			 rc;
	struct ec_err		 err;
	FILE			*fp;

	zeros = calloc(1, (1 << 20) + 512);
	cap = ZSTD_compressBound((1 << 20) + 512);
	z = malloc(cap);
	(void)snprintf(path, sizeof(path), "%s/frames.tar.zst", dir);
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	for (i = 0; i <= EC_MAX_EXPANSION; i++) {
		(void)snprintf(name, sizeof(name), "data/z%04zu", i);
		if (ec_bundle_ustar_header(hdr, name, 1 << 20, 0, &err) == -1)
			abort();
		r = ZSTD_compress(z, cap, hdr, sizeof(hdr), 1);
		zlen += fwrite(z, 1, r, fp);
		r = ZSTD_compress(z, cap, zeros, 1 << 20, 1);
		zlen += fwrite(z, 1, r, fp);
	}
	r = ZSTD_compress(z, cap, zeros, 1024, 1);
	zlen += fwrite(z, 1, r, fp);
	(void)fclose(fp);
	memset(&st, 0, sizeof(st));
	rc = ec_bundle_read(&st, path, NULL, none, NULL, &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY && st.read <= st.limit &&
	    st.declared > st.limit, "%d frames, %zu bytes, of 257 MiB refused "
	    "(read %llu of a %llu bound): %s", 2 * (EC_MAX_EXPANSION + 1) + 1,
	    zlen, (unsigned long long)st.read, (unsigned long long)st.limit,
	    err.msg);
	free(zeros);
	free(z);
}

/* A stream abandoned half-way, and a framed member of the wrong size. */
static void
failures(void)
{
	struct ec_bundle	*b;
	struct ec_bundle_stream	*s;
	struct ec_bundle_frames	*f;
	struct ec_err		 err;
	struct stat		 st;
	uint8_t			 d[EC_SHA256_LEN] = { 0 };
	char			 path[256], fpath[256], spool[300];

	(void)snprintf(path, sizeof(path), "%s/half.tar.zst", dir);
	(void)snprintf(fpath, sizeof(fpath), "%s/half.frames", dir);
	(void)snprintf(spool, sizeof(spool), "%s.spool", path);
	if (ec_bundle_new(&b, path, MTIME, EC_MAX_BUNDLE_BYTES, &err) == -1 ||
	    ec_bundle_stream_open(&s, b, "data/x", &err) == -1 ||
	    ec_bundle_stream_write(s, members[1].data, BIG_BYTES, &err) == -1)
		abort();
	ec_bundle_free(b);
	ok(stat(path, &st) == -1 && stat(spool, &st) == -1,
	    "a stream abandoned mid-way leaves neither bundle nor frames");

	if (ec_bundle_new(&b, path, MTIME, EC_MAX_BUNDLE_BYTES, &err) == -1 ||
	    ec_bundle_frames_new(&f, fpath, 1, &err) == -1 ||
	    ec_bundle_frames_write(f, "abc", 3, &err) == -1)
		abort();
	ok(ec_bundle_add_framed(b, "a", f, d, 3, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL, "open frames refused: %s", err.msg);
	if (ec_bundle_frames_close(f, &err) == -1)
		abort();
	ok(ec_bundle_add_framed(b, "a", f, d, 4, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL, "frames of another size refused");
	ok(ec_bundle_frames_new(&f, fpath, 1, &err) == -1 &&
	    err.code == EC_ERR_IO, "frames never overwrite a file: %s",
	    err.msg);
	ec_bundle_free(b);
	ok(stat(path, &st) == -1, "nothing left of the refused bundle");
	ec_bundle_frames_free(f);
	ok(stat(fpath, &st) == -1, "frames removed when freed");
}

int
main(void)
{
	struct ec_err	 err;
	uint8_t		 d1[EC_SHA256_LEN], d2[EC_SHA256_LEN];
	char		 path[256], *z, *tar, *ref;
	size_t		 zlen, tarlen, reflen, cap = 16u << 20;
	int		 frames = 0, rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	members_make();
	headers();
	ok(make(d1, "w1.tar.zst", 1, &err) == 0, "framed bundle, 1 worker: %s",
	    err.msg);
	ok(make(d2, "w2.tar.zst", 2, &err) == 0,
	    "framed bundle, 2 workers: %s", err.msg);
	ok(memcmp(d1, d2, sizeof(d1)) == 0, "1 and 2 workers: same bytes");

	(void)snprintf(path, sizeof(path), "%s/w1.tar.zst", dir);
	z = slurp(&zlen, path);
	tar = malloc(cap);
	ref = malloc(cap);
	rc = unzstd(tar, cap, &tarlen, z, zlen, &frames);
	ok(rc == 0 && frames == 5,
	    "bundle is 5 frames (before, stream, between, framed, after): %d",
	    frames);
	reflen = libarchive_tar(ref, cap);
	ok(tarlen == reflen && memcmp(tar, ref, reflen) == 0,
	    "the tar inside is libarchive's ustar, byte for byte (%zu bytes)",
	    tarlen);
	ok(ec_bundle_read(NULL, path, NULL, none, NULL, &err) == 0,
	    "the bounded reader accepts it: %s", err.msg);
	(void)snprintf(path, sizeof(path), "zstd -dcq %s/w1.tar.zst | "
	    "tar -tf - >/dev/null", dir);
	ok(system(path) == 0, "zstd -d | tar -t reads it");
	many_frames();
	failures();
	free(z);
	free(tar);
	free(ref);
	(void)snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		ok(0, "cleanup %s", dir);
	return done_testing();
}
