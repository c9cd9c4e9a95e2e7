/*
 * tests/unit/t_bolt.c: the write-once bbolt writer.  The files are read
 * back here byte for byte against specs/boltdb.md; bbolt itself reads them
 * in tests/integration/60-bolt.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ec_bolt.h"

static char	dir[] = "/tmp/t_bolt.XXXXXX";
static char	path[256];

static uint64_t
get64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The whole file at "path" in *out (caller frees); its size, or 0. */
static size_t
slurp(uint8_t **out)
{
	FILE	*fp;
	long	 n;

	*out = NULL;
	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	if (fseek(fp, 0, SEEK_END) == -1 || (n = ftell(fp)) <= 0 ||
	    fseek(fp, 0, SEEK_SET) == -1 || (*out = malloc(n)) == NULL ||
	    fread(*out, 1, n, fp) != (size_t)n) {
		fclose(fp);
		return 0;
	}
	fclose(fp);
	return (size_t)n;
}

static struct ec_bolt *
open_db(const char *name)
{
	struct ec_bolt	*b;
	struct ec_err	 err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ec_bolt_new(&b, path, &err) == -1) {
		ok(0, "create %s: %s", name, err.msg);
		return NULL;
	}
	return b;
}

/* boltdb.md section 14: "widgets" holding foo = bar, inline. */
static const uint8_t	widgets_root[] = {
	0x03, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0x01, 0, 0, 0, 0, 0,
	0x01, 0, 0, 0, 0x10, 0, 0, 0, 0x07, 0, 0, 0, 0x36, 0, 0, 0,
	'w', 'i', 'd', 'g', 'e', 't', 's',
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0x01, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0x10, 0, 0, 0, 0x03, 0, 0, 0, 0x03, 0, 0, 0,
	'f', 'o', 'o', 'b', 'a', 'r',
};

static void
test_worked_example(void)
{
	struct ec_bolt	*b;
	struct ec_err	 err;
	uint8_t		*f, page[4096];
	uint64_t	 pages = 0;
	size_t		 n;

	if ((b = open_db("widgets.db")) == NULL)
		return;
	ok(ec_bolt_bucket_begin(b, "widgets", 7, &err) == 0 &&
	    ec_bolt_put(b, "foo", 3, "bar", 3, &err) == 0 &&
	    ec_bolt_bucket_end(b, &err) == 0 &&
	    ec_bolt_finish(&pages, b, &err) == 0, "write widgets");
	ec_bolt_free(b);
	n = slurp(&f);
	ok(n == 16384 && pages == 4, "section 14: four pages");
	if (n != 16384)
		return;
	ok(get64(f + 0x48) == 0x07516e114689fdeeULL,
	    "meta 0 checksum as in section 14");
	ok(get64(f + 0x1048) == 0x264c351a5179480fULL,
	    "meta 1 checksum as in section 14");
	memset(page, 0, sizeof(page));
	memcpy(page, widgets_root, sizeof(widgets_root));
	ok(memcmp(f + 0x3000, page, sizeof(page)) == 0,
	    "root leaf with the inline bucket, byte for byte");
	memset(page, 0, sizeof(page));
	page[0] = 2;
	page[8] = 0x10;
	ok(memcmp(f + 0x2000, page, sizeof(page)) == 0,
	    "empty freelist page");
	free(f);
}

/* Section 13: what db.init writes. */
static void
test_empty(void)
{
	struct ec_bolt	*b;
	struct ec_err	 err;
	uint8_t		*f;
	size_t		 n;

	if ((b = open_db("empty.db")) == NULL)
		return;
	ok(ec_bolt_finish(NULL, b, &err) == 0, "finish an empty DB");
	ec_bolt_free(b);
	n = slurp(&f);
	ok(n == 16384 && get64(f + 16 + 16) == 3 && get64(f + 16 + 40) == 4 &&
	    get64(f + 0x3000) == 3 && f[0x3008] == 0x02 && f[0x300a] == 0,
	    "section 13: root 3, pgid 4, an empty leaf");
	free(f);
}

static void
expect_refusal(struct ec_bolt *b, int rc, const struct ec_err *err,
    const char *what)
{
	struct ec_err	 e2;

	ok(rc == -1 && err->code == EC_ERR_INTERNAL, "refused: %s (%s)",
	    what, rc == -1 ? err->msg : "accepted");
	ok(ec_bolt_finish(NULL, b, &e2) == -1 && e2.code == EC_ERR_INTERNAL,
	    "%s: the writer stays failed", what);
	ec_bolt_free(b);
	ok(access(path, F_OK) == -1, "%s: the file is removed", what);
}

static void
test_refusals(void)
{
	struct ec_bolt	*b;
	struct ec_err	 err;
	static char	 big[EC_BOLT_MAX_KEY + 1];
	int		 rc;

	if ((b = open_db("r1.db")) == NULL)
		return;
	rc = ec_bolt_bucket_begin(b, "b", 1, &err) == 0 &&
	    ec_bolt_put(b, "k2", 2, "", 0, &err) == 0 ?
	    ec_bolt_put(b, "k1", 2, "", 0, &err) : 0;
	expect_refusal(b, rc, &err, "keys out of order");
	if ((b = open_db("r2.db")) == NULL)
		return;
	rc = ec_bolt_bucket_begin(b, "b", 1, &err) == 0 &&
	    ec_bolt_put(b, "k", 1, "", 0, &err) == 0 ?
	    ec_bolt_put(b, "k", 1, "x", 1, &err) : 0;
	expect_refusal(b, rc, &err, "duplicate key");
	if ((b = open_db("r3.db")) == NULL)
		return;
	rc = ec_bolt_bucket_begin(b, "b", 1, &err) == 0 &&
	    ec_bolt_bucket_end(b, &err) == 0 ?
	    ec_bolt_bucket_begin(b, "b", 1, &err) : 0;
	expect_refusal(b, rc, &err, "duplicate bucket");
	if ((b = open_db("r4.db")) == NULL)
		return;
	rc = ec_bolt_bucket_begin(b, "b", 1, &err) == 0 &&
	    ec_bolt_put(b, "ab", 2, "", 0, &err) == 0 ?
	    ec_bolt_bucket_begin(b, "a", 1, &err) : 0;
	expect_refusal(b, rc, &err, "bucket name before the last key");
	if ((b = open_db("r5.db")) == NULL)
		return;
	expect_refusal(b, ec_bolt_put(b, "k", 1, "v", 1, &err), &err,
	    "plain key in the root");
	if ((b = open_db("r6.db")) == NULL)
		return;
	rc = ec_bolt_bucket_begin(b, "b", 1, &err) == 0 ?
	    ec_bolt_put(b, "", 0, "v", 1, &err) : 0;
	expect_refusal(b, rc, &err, "empty key");
	if ((b = open_db("r7.db")) == NULL)
		return;
	rc = ec_bolt_bucket_begin(b, "b", 1, &err) == 0 ?
	    ec_bolt_put(b, big, sizeof(big), "v", 1, &err) : 0;
	expect_refusal(b, rc, &err, "key over 32768 bytes");
	if ((b = open_db("r8.db")) == NULL)
		return;
	expect_refusal(b, ec_bolt_bucket_end(b, &err), &err,
	    "closing the root");
	if ((b = open_db("r9.db")) == NULL)
		return;
	rc = ec_bolt_bucket_begin(b, "b", 1, &err) == 0 ?
	    ec_bolt_finish(NULL, b, &err) : 0;
	expect_refusal(b, rc, &err, "finishing with a bucket open");
	ok(ec_bolt_new(&b, dir, &err) == -1 && err.code == EC_ERR_IO,
	    "an existing path is refused with EC_ERR_IO");
	ok(access(dir, F_OK) == 0, "and left alone");
}

/* Nested and paged buckets, big values: the same calls, the same bytes. */
static int
write_mixed(const char *name)
{
	struct ec_bolt	*b;
	struct ec_err	 err;
	static char	 v[10000];
	char		 k[32];
	int		 i, rc = -1;

	memset(v, 'x', sizeof(v));
	if ((b = open_db(name)) == NULL)
		return -1;
	if (ec_bolt_bucket_begin(b, "a", 1, &err) == -1 ||
	    ec_bolt_bucket_begin(b, "inner", 5, &err) == -1)
		goto out;
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "%06d", i);
		if (ec_bolt_put(b, k, strlen(k), v, i % 97 == 0 ?
		    sizeof(v) : (size_t)(i % 50), &err) == -1)
			goto out;
	}
	if (ec_bolt_bucket_end(b, &err) == -1 ||
	    ec_bolt_put(b, "z", 1, "last", 4, &err) == -1 ||
	    ec_bolt_bucket_end(b, &err) == -1 ||
	    ec_bolt_finish(NULL, b, &err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ok(0, "write %s: %s", name, err.msg);
	ec_bolt_free(b);
	return rc;
}

static void
test_determinism(void)
{
	uint8_t	*f1, *f2;
	size_t	 n1, n2;

	if (write_mixed("d1.db") == -1)
		return;
	n1 = slurp(&f1);
	if (write_mixed("d2.db") == -1)
		return;
	n2 = slurp(&f2);
	ok(n1 > 16384 && n1 % 4096 == 0 && n1 == n2 &&
	    memcmp(f1, f2, n1) == 0, "written twice, identical bytes");
	ok(n1 == get64(f1 + 16 + 40) * 4096, "file size = pgid * 4096");
	free(f1);
	free(f2);
}

int
main(void)
{
	char	cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_worked_example();
	test_empty();
	test_refusals();
	test_determinism();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
