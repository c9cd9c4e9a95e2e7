/* tests/unit/t_bundle.c: deterministic tar+zstd writer and hostile reader. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

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

static bool
keep_all(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return true;
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
