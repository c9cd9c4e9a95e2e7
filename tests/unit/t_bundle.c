/* tests/unit/t_bundle.c: deterministic tar+zstd writer and hostile reader. */
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
#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_limits.h"

static char	dir[] = "/tmp/t_bundle.XXXXXX";

struct seen {
	char	names[16][64];
	char	data[16][64];
	int	n;
};

static uint64_t
keep_all(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return EC_MAX_META_BYTES;
}

static int
collect(void *arg, const struct ec_bundle_member *m, struct ec_err *err)
{
	struct seen	*s = arg;

	(void)err;
	if (s->n < 16) {
		(void)snprintf(s->names[s->n], 64, "%s", m->name);
		(void)snprintf(s->data[s->n], 64, "%s", m->data);
		s->n++;
	}
	return 0;
}

/* Build the same three entries, added in a scrambled order. */
static int
make_bundle(uint8_t digest[EC_SHA256_LEN], const char *name, uint64_t max,
    struct ec_err *err)
{
	struct ec_bundle	*b;
	struct ec_bundle_stream	*s;
	char			 path[256];
	int			 i, rc = -1;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ec_bundle_new(&b, path, 1700000000, max, err) == -1)
		return -1;
	if (ec_bundle_add_mem(b, "manifest.json", "{\"m\":1}", 7, err) == -1 ||
	    ec_bundle_stream_open(&s, b, "data/advisories.ndjson", err) == -1)
		goto out;
	for (i = 0; i < 1000; i++)
		if (ec_bundle_stream_write(s, "{\"id\":\"x\"}\n", 11, err) == -1)
			goto out;
	if (ec_bundle_stream_close(NULL, NULL, s, err) == -1 ||
	    ec_bundle_add_mem(b, "checksums.txt", "c\n", 2, err) == -1 ||
	    ec_bundle_finish(digest, NULL, b, err) == -1)
		goto out;
	rc = 0;
out:
	ec_bundle_free(b);
	return rc;
}

/*
 * A bundle large enough for several zstd jobs (about 24 MiB of tar), so
 * that the multithreaded encoder really splits it, with "workers" threads.
 */
#define BIG_LINES	(400 * 1024)

static int
make_big(uint8_t digest[EC_SHA256_LEN], uint64_t *size, const char *name,
    unsigned workers, struct ec_err *err)
{
	struct ec_bundle	*b;
	struct ec_bundle_stream	*s;
	char			 path[256], line[80];
	uint32_t		 x = 12345;
	int			 i, n, rc = -1;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ec_bundle_new(&b, path, 1700000000, EC_MAX_BUNDLE_BYTES,
	    err) == -1)
		return -1;
	if (ec_bundle_set_workers(b, workers, err) == -1 ||
	    ec_bundle_stream_open(&s, b, "data/big.ndjson", err) == -1)
		goto out;
	for (i = 0; i < BIG_LINES; i++) {
		x = x * 1103515245u + 12345u;
		n = snprintf(line, sizeof(line),
		    "{\"id\":\"GHSA-%08x\",\"n\":%d,\"s\":%u}\n", x, i,
		    x % 977);
		if (ec_bundle_stream_write(s, line, (size_t)n, err) == -1)
			goto out;
	}
	if (ec_bundle_stream_close(NULL, NULL, s, err) == -1 ||
	    ec_bundle_finish(digest, size, b, err) == -1)
		goto out;
	rc = 0;
out:
	ec_bundle_free(b);
	return rc;
}

/*
 * Recompress the tar inside "name" with zstd's single-pass mode
 * (nbWorkers 0) and return its digest: it must differ from the
 * multithreaded one, or the big bundle was not split into jobs.
 */
static int
single_pass(uint8_t digest[EC_SHA256_LEN], const char *name)
{
	ZSTD_DCtx	*dc = ZSTD_createDCtx();
	ZSTD_CCtx	*cc = ZSTD_createCCtx();
	struct ec_sha256 h;
	char		 path[256];
	char		*zin = NULL, *tar = NULL, *zout = NULL;
	size_t		 zlen, cap = 64u << 20, r;
	ZSTD_inBuffer	 in;
	ZSTD_outBuffer	 out;
	FILE		*fp;
	int		 rc = -1;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "rb")) == NULL)
		goto out;
	zin = malloc(cap);
	tar = malloc(cap);
	zout = malloc(cap);
	zlen = fread(zin, 1, cap, fp);
	(void)fclose(fp);
	in = (ZSTD_inBuffer){ zin, zlen, 0 };
	out = (ZSTD_outBuffer){ tar, cap, 0 };
	/* The bundle is several frames back to back: read them all. */
	while (in.pos < zlen)
		if (ZSTD_isError(ZSTD_decompressStream(dc, &out, &in)) ||
		    out.pos == out.size)
			goto out;
	in = (ZSTD_inBuffer){ tar, out.pos, 0 };
	out = (ZSTD_outBuffer){ zout, cap, 0 };
	(void)ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel,
	    EC_ZSTD_LEVEL);
	(void)ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 0);
	if (ZSTD_isError(ZSTD_compressStream2(cc, &out, &in,
	    ZSTD_e_continue)))
		goto out;
	do
		r = ZSTD_compressStream2(cc, &out, &in, ZSTD_e_end);
	while (!ZSTD_isError(r) && r != 0);
	if (ZSTD_isError(r))
		goto out;
	ec_sha256_init(&h);
	ec_sha256_update(&h, zout, out.pos);
	ec_sha256_final(digest, &h);
	rc = 0;
out:
	free(zin);
	free(tar);
	free(zout);
	ZSTD_freeDCtx(dc);
	ZSTD_freeCCtx(cc);
	return rc;
}

/* A stream that cannot be opened must not leave an entry behind. */
static void
failed_stream_open(void)
{
	struct ec_bundle	*b;
	struct ec_bundle_stream	*s;
	struct ec_err		 err;
	uint8_t			 d[EC_SHA256_LEN];
	char			 path[256];

	(void)snprintf(path, sizeof(path), "%s/f.tar.zst", dir);
	if (ec_bundle_new(&b, path, 1700000000, EC_MAX_BUNDLE_BYTES,
	    &err) == -1) {
		ok(0, "bundle for the failed open: %s", err.msg);
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/f.tar.zst.spool", dir);
	(void)rmdir(path);
	ok(ec_bundle_stream_open(&s, b, "data/x.json", &err) == -1 &&
	    err.code == EC_ERR_IO, "stream open fails without its spool: %s",
	    err.msg);
	ok(ec_bundle_count(b) == 0, "the failed open registered no entry");
	ok(ec_bundle_add_mem(b, "data/x.json", "{}", 2, &err) == 0,
	    "its name is still free: %s", err.msg);
	ok(ec_bundle_finish(d, NULL, b, &err) == 0,
	    "the bundle still finishes: %s", err.msg);
	ec_bundle_free(b);
}

/* Write a raw tar with libarchive to exercise the reader's refusals. */
static int
make_hostile(const char *path, const char *name, int type, const char *link,
    int copies)
{
	struct archive		*a = archive_write_new();
	struct archive_entry	*ae = archive_entry_new();
	char			 nm[64];
	int			 i;

	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, path);
	for (i = 0; i < copies; i++) {
		/* Two copies: a duplicate; more: distinct names. */
		(void)snprintf(nm, sizeof(nm), copies > 2 ? "%s%d" : "%s",
		    name, i);
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, nm);
		archive_entry_set_filetype(ae, type);
		archive_entry_set_perm(ae, 0644);
		if (link != NULL)
			archive_entry_set_symlink(ae, link);
		archive_entry_set_size(ae, type == AE_IFREG ? 2 : 0);
		archive_write_header(a, ae);
		if (type == AE_IFREG)
			archive_write_data(a, "hi", 2);
	}
	archive_entry_free(ae);
	archive_write_close(a);
	archive_write_free(a);
	return 0;
}

static void
refused(const char *name, int type, const char *link, int copies,
    const char *what)
{
	struct ec_err	err;
	struct seen	s;
	char		path[256];

	memset(&s, 0, sizeof(s));
	(void)snprintf(path, sizeof(path), "%s/hostile.tar", dir);
	(void)unlink(path);
	make_hostile(path, name, type, link, copies);
	ok(ec_bundle_read(NULL, path, keep_all, collect, &s, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "%s refused: %s", what, err.msg);
}

static int
collect_none(void *arg, const struct ec_bundle_member *m, struct ec_err *err)
{
	(void)arg;
	(void)m;
	(void)err;
	return 0;
}

/*
 * The writer holds its bundles to the reader's expansion bound: "n"
 * members that are each the same 1 MiB of zeros (adopted, so the test
 * writes 1 MiB, not n) compress to a few KiB.  Past 256 of them the
 * bundle is one exportctl verify would refuse: EC_ERR_TOO_LARGE, and
 * nothing is left behind.
 */
static void
expansion(size_t n, bool want_ok)
{
	static const uint8_t	 zero_digest[EC_SHA256_LEN];
	struct ec_bundle	*b = NULL;
	struct ec_err		 err;
	struct stat		 st;
	uint8_t			 d[EC_SHA256_LEN];
	uint64_t		 size = 0;
	char			 zeros[256], path[256], name[32];
	size_t			 i;
	int			 rc, fd;

	(void)snprintf(zeros, sizeof(zeros), "%s/zeros", dir);
	(void)snprintf(path, sizeof(path), "%s/expand-%zu.tar.zst", dir, n);
	if ((fd = open(zeros, O_WRONLY | O_CREAT, 0644)) == -1 ||
	    ftruncate(fd, 1 << 20) == -1 || close(fd) == -1 ||
	    ec_bundle_new(&b, path, 0, EC_MAX_BUNDLE_BYTES, &err) == -1)
		abort();
	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "data/z%04zu", i);
		if (ec_bundle_add_file(b, name, zeros, zero_digest, 1 << 20,
		    &err) == -1)
			abort();
	}
	rc = ec_bundle_finish(d, &size, b, &err);
	ec_bundle_free(b);
	if (want_ok)
		ok(rc == 0 && size < (1 << 20) && ec_bundle_read(NULL, path,
		    NULL, collect_none, NULL, &err) == 0,
		    "%zu MiB in %llu bytes: written, and read back", n,
		    (unsigned long long)size);
	else
		ok(rc == -1 && err.code == EC_ERR_TOO_LARGE &&
		    strstr(err.msg, "EC_MAX_EXPANSION") != NULL &&
		    stat(path, &st) == -1, "%zu MiB of zeros refused, nothing "
		    "left: %s", n, err.msg);
}

int
main(void)
{
	struct ec_err	err;
	struct seen	s;
	struct stat	st;
	uint8_t		d1[EC_SHA256_LEN], d2[EC_SHA256_LEN];
	char		path[256];

	if (mkdtemp(dir) == NULL)
		return 1;
	ok(make_bundle(d1, "a.tar.zst", EC_MAX_BUNDLE_BYTES, &err) == 0,
	    "bundle written");
	ok(make_bundle(d2, "b.tar.zst", EC_MAX_BUNDLE_BYTES, &err) == 0,
	    "same bundle written again");
	ok(memcmp(d1, d2, sizeof(d1)) == 0, "byte-identical bundles");

	memset(&s, 0, sizeof(s));
	(void)snprintf(path, sizeof(path), "%s/a.tar.zst", dir);
	ok(ec_bundle_read(NULL, path, keep_all, collect, &s, &err) == 0,
	    "bundle read back");
	ok(s.n == 3 && strcmp(s.names[0], "checksums.txt") == 0 &&
	    strcmp(s.names[1], "data/advisories.ndjson") == 0 &&
	    strcmp(s.names[2], "manifest.json") == 0, "members sorted by path");
	ok(strcmp(s.data[2], "{\"m\":1}") == 0, "member bytes kept");
	(void)snprintf(path, sizeof(path), "%s/a.tar.zst.spool", dir);
	ok(stat(path, &st) == -1, "spool removed");

	ok(make_bundle(d1, "c.tar.zst", 64, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE, "size cap: %s", err.msg);
	(void)snprintf(path, sizeof(path), "%s/c.tar.zst", dir);
	ok(stat(path, &st) == -1, "nothing left after the size cap");
	ok(make_bundle(d1, "a.tar.zst", EC_MAX_BUNDLE_BYTES, &err) == -1 &&
	    err.code == EC_ERR_IO, "existing file not overwritten");

	{
		uint8_t		w1[EC_SHA256_LEN], w2[EC_SHA256_LEN];
		uint8_t		sp[EC_SHA256_LEN];
		uint64_t	s1 = 0, s2 = 0;

		ok(make_big(w1, &s1, "w1.tar.zst", 1, &err) == 0,
		    "big bundle, 1 zstd worker: %s", err.msg);
		ok(make_big(w2, &s2, "w2.tar.zst", 2, &err) == 0,
		    "big bundle, 2 zstd workers: %s", err.msg);
		ok(s1 == s2 && memcmp(w1, w2, sizeof(w1)) == 0,
		    "1 and 2 workers give the same bytes (%llu)",
		    (unsigned long long)s1);
		ok(single_pass(sp, "w1.tar.zst") == 0 &&
		    memcmp(sp, w1, sizeof(sp)) != 0,
		    "single-pass zstd (nbWorkers 0) differs: several jobs");
		ok(ec_bundle_set_workers(NULL, 0, &err) == -1 &&
		    err.code == EC_ERR_REQUEST_INVALID,
		    "0 workers refused: %s", err.msg);
	}
	failed_stream_open();
	ok(ec_bundle_expansion_limit(0) == (uint64_t)EC_MAX_EXPANSION *
	    EC_MIN_EXPANSION_BASE && ec_bundle_expansion_limit(1 << 30) ==
	    (uint64_t)EC_MAX_EXPANSION * EC_MAX_BUNDLE_BYTES &&
	    ec_bundle_expansion_limit(8 << 20) == (uint64_t)EC_MAX_EXPANSION *
	    (8 << 20), "expansion limit: floor, ratio, ceiling");
	expansion(EC_MAX_EXPANSION, true);
	expansion(EC_MAX_EXPANSION + 1, false);

	refused("/etc/passwd", AE_IFREG, NULL, 1, "absolute path");
	refused("a/../../x", AE_IFREG, NULL, 1, "dot-dot");
	refused("link", AE_IFLNK, "/etc/passwd", 1, "symlink");
	refused("dev", AE_IFCHR, NULL, 1, "device");
	refused("manifest.json", AE_IFREG, NULL, 2, "duplicate member");
	refused("x", AE_IFREG, NULL, EC_MAX_BUNDLE_ENTRIES + 1, "too many");
	ok(ec_bundle_read_mem(NULL, "garbage!", 8, keep_all, collect, &s,
	    &err) == -1, "garbage refused: %s", err.msg);
	(void)snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		ok(0, "cleanup %s", dir);
	return done_testing();
}
