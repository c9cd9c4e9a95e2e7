/*
 * bolt_shapes: write bbolt files of many shapes with lib/ec_bolt, each
 * with the dump tests/tools/boltcheck must print for it.
 *
 *	bolt_shapes DIR	writes DIR/<shape>.db and DIR/<shape>.want
 *
 * Each shape is first built as a tree in memory, sorted here, and the
 * dump (including which buckets must be inline, by bbolt's rule of
 * specs/boltdb.md section 8.3, computed independently of ec_bolt) is
 * written from that tree, so a wrong page, order or inline decision in
 * ec_bolt shows as a difference.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_bolt.h"

struct item {
	bool		 bucket;
	uint8_t		*key;
	size_t		 klen;
	uint8_t		*val;	/* plain key only */
	size_t		 vlen;
	struct item	*kids;	/* bucket only */
	size_t		 n, cap;
};

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL) {
		perror("bolt_shapes");
		exit(2);
	}
	return p;
}

static struct item *
add(struct item *parent, bool bucket, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	struct item	*it;

	if (parent->n == parent->cap) {
		parent->cap = parent->cap == 0 ? 16 : parent->cap * 2;
		parent->kids = realloc(parent->kids,
		    parent->cap * sizeof(*parent->kids));
		if (parent->kids == NULL) {
			perror("bolt_shapes");
			exit(2);
		}
	}
	it = &parent->kids[parent->n++];
	memset(it, 0, sizeof(*it));
	it->bucket = bucket;
	it->key = xmalloc(klen);
	memcpy(it->key, key, klen);
	it->klen = klen;
	if (!bucket) {
		it->val = xmalloc(vlen);
		if (vlen > 0)
			memcpy(it->val, val, vlen);
		it->vlen = vlen;
	}
	return it;
}

static struct item *
add_bucket(struct item *parent, const char *name)
{
	return add(parent, true, name, strlen(name), NULL, 0);
}

static void
add_kv(struct item *parent, const char *k, const char *v)
{
	(void)add(parent, false, k, strlen(k), v, strlen(v));
}

/* A value of "len" pseudo-random bytes. */
static void
add_random(struct item *parent, const void *key, size_t klen, size_t vlen)
{
	uint8_t	*v = xmalloc(vlen);
	size_t	 i;

	for (i = 0; i < vlen; i++)
		v[i] = (uint8_t)next_rand();
	(void)add(parent, false, key, klen, v, vlen);
	free(v);
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item	*x = a, *y = b;
	size_t			 n;
	int			 c;

	n = x->klen < y->klen ? x->klen : y->klen;
	c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/* bbolt's Bucket.inlineable, from the tree alone. */
static bool
inlineable(const struct item *b)
{
	size_t	size = 16, i;

	for (i = 0; i < b->n; i++) {
		if (b->kids[i].bucket)
			return false;
		size += 16 + b->kids[i].klen + b->kids[i].vlen;
	}
	return size <= 4096 / 4;
}

static void
hex(FILE *fp, const uint8_t *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		fprintf(fp, "%02x", p[i]);
}

static int
emit(struct ec_bolt *db, FILE *want, struct item *b, int depth)
{
	struct ec_err	 err;
	struct item	*it;
	size_t		 i;

	if (b->n > 0)
		qsort(b->kids, b->n, sizeof(*b->kids), item_cmp);
	for (i = 0; i < b->n; i++) {
		it = &b->kids[i];
		fprintf(want, "%d %c ", depth, it->bucket ? 'b' : 'k');
		hex(want, it->key, it->klen);
		fputc(' ', want);
		if (!it->bucket) {
			hex(want, it->val, it->vlen);
			fputc('\n', want);
			if (ec_bolt_put(db, it->key, it->klen, it->val,
			    it->vlen, &err) == -1)
				goto fail;
			continue;
		}
		fprintf(want, "%s\n", inlineable(it) ? "inline" : "paged");
		if (ec_bolt_bucket_begin(db, it->key, it->klen, &err) == -1)
			goto fail;
		if (emit(db, want, it, depth + 1) == -1)
			return -1;
		if (ec_bolt_bucket_end(db, &err) == -1)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "bolt_shapes: %s\n", err.msg);
	return -1;
}

static void
item_free(struct item *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		item_free(&b->kids[i]);
	free(b->kids);
	free(b->key);
	free(b->val);
}

static int
write_shape(const char *dir, const char *name, struct item *root)
{
	struct ec_bolt	*db;
	struct ec_err	 err;
	char		 path[4096];
	FILE		*want;
	int		 rc = -1;

	snprintf(path, sizeof(path), "%s/%s.want", dir, name);
	if ((want = fopen(path, "w")) == NULL) {
		perror(path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	if (ec_bolt_new(&db, path, &err) == -1) {
		fprintf(stderr, "bolt_shapes: %s\n", err.msg);
		fclose(want);
		return -1;
	}
	if (emit(db, want, root, 0) == 0) {
		if (ec_bolt_finish(NULL, db, &err) == 0)
			rc = 0;
		else
			fprintf(stderr, "bolt_shapes: %s\n", err.msg);
	}
	ec_bolt_free(db);
	if (fclose(want) == EOF)
		rc = -1;
	item_free(root);
	memset(root, 0, sizeof(*root));
	return rc;
}

/* Buckets holding nested buckets, plain keys beside them, an empty one. */
static void
shape_nested(struct item *root)
{
	struct item	*a, *b, *c;
	char		 k[32];
	int		 i;

	a = add_bucket(root, "a");
	add_kv(a, "a-key", "a-value");
	b = add_bucket(a, "b");
	add_kv(b, "z", "last");
	c = add_bucket(b, "c");
	for (i = 0; i < 300; i++) {
		snprintf(k, sizeof(k), "c%05d", i);
		add_kv(c, k, "value in a paged bucket three deep");
	}
	(void)add_bucket(b, "empty");
	(void)add_bucket(root, "empty-top");
	c = add_bucket(root, "small");
	add_kv(c, "x", "1");
}

/*
 * Many tiny buckets, as trivy.db's package buckets, and two on either
 * side of the quarter-page inline limit: 16 + (16 + 8 + vlen) = 1024 is
 * inline, one byte more is not.
 */
static void
shape_inline(struct item *root)
{
	struct item	*top, *b;
	char		 name[32], *v;
	int		 i, j;

	top = add_bucket(root, "packages");
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "pkg-%05d", i);
		b = add_bucket(top, name);
		for (j = 0; j <= i % 3; j++) {
			snprintf(name, sizeof(name), "CVE-2024-%04d", j);
			add_kv(b, name,
			    "{\"VulnerableVersions\":[\"<1.2.3\"]}");
		}
	}
	v = xmalloc(1024);
	memset(v, 'v', 1024);
	b = add_bucket(root, "limit-at");
	(void)add(b, false, "key-0001", 8, v, 1024 - 16 - 16 - 8);
	b = add_bucket(root, "limit-past");
	(void)add(b, false, "key-0001", 8, v, 1024 - 16 - 16 - 8 + 1);
	free(v);
}

/* Values past a page: one alone, two sharing a node, one huge. */
static void
shape_overflow(struct item *root)
{
	struct item	*b;
	static const size_t sizes[] = { 4000, 4081, 4096, 5000, 9000, 300000,
	    20, 70000, 1, 0 };
	char		 k[32];
	size_t		 i;

	b = add_bucket(root, "big");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(k, sizeof(k), "v%02zu", i);
		add_random(b, k, strlen(k), sizes[i]);
	}
	b = add_bucket(root, "one-huge");
	add_random(b, "only", 4, 1 << 20);
}

/* 100,000 keys in one bucket: leaves under two levels of branches. */
static void
shape_many(struct item *root)
{
	struct item	*b;
	char		 k[32], v[64];
	int		 i;

	b = add_bucket(root, "many");
	for (i = 0; i < 100000; i++) {
		snprintf(k, sizeof(k), "key-%07d", i * 7 % 100000);
		snprintf(v, sizeof(v), "value %d", i);
		add_kv(b, k, v);
	}
}

/* Long keys: two to a page at every level, so the tree grows deep. */
static void
shape_deep(struct item *root)
{
	struct item	*b;
	uint8_t		*k;
	int		 i;

	b = add_bucket(root, "deep");
	k = xmalloc(1500);
	memset(k, 'k', 1500);
	for (i = 0; i < 3000; i++) {
		snprintf((char *)k + 1488, 12, "%011d", i);
		(void)add(b, false, k, 1500, "v", 1);
	}
	free(k);
}

/* Keys of every size from 1 byte to bbolt's 32768, any byte values. */
static void
shape_varied(struct item *root)
{
	struct item	*b;
	uint8_t		*k;
	size_t		 klen, i, j;

	b = add_bucket(root, "varied");
	k = xmalloc(32768);
	for (i = 0; i < 600; i++) {
		klen = i < 300 ? 1 + i % 40 : 1 + next_rand() % 32768;
		if (i == 599)
			klen = 32768;
		for (j = 0; j < klen; j++)
			k[j] = (uint8_t)next_rand();
		/* A prefix of its own predecessor tests the tie rule. */
		if (i % 50 == 49 && klen > 1)
			klen--;
		add_random(b, k, klen, next_rand() % 6000);
	}
	free(k);
	/* Bucket names with NUL and 0xff bytes. */
	(void)add(root, true, "\0", 1, NULL, 0);
	(void)add(root, true, "\xff\xff", 2, NULL, 0);
}

/* Keys equal after a prefix is cut: duplicates are refused, so dedupe. */
static void
dedupe(struct item *b)
{
	size_t	i, o;

	qsort(b->kids, b->n, sizeof(*b->kids), item_cmp);
	for (i = 0, o = 0; i < b->n; i++) {
		if (o > 0 && item_cmp(&b->kids[o - 1], &b->kids[i]) == 0) {
			item_free(&b->kids[i]);
			continue;
		}
		b->kids[o++] = b->kids[i];
	}
	b->n = o;
}

int
main(int argc, char **argv)
{
	struct item	root;
	int		rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: bolt_shapes DIR\n");
		return 2;
	}
	memset(&root, 0, sizeof(root));
	rc |= write_shape(argv[1], "empty", &root);
	add_kv(add_bucket(&root, "widgets"), "foo", "bar");
	rc |= write_shape(argv[1], "one", &root);
	shape_nested(&root);
	rc |= write_shape(argv[1], "nested", &root);
	shape_inline(&root);
	rc |= write_shape(argv[1], "inline", &root);
	shape_overflow(&root);
	rc |= write_shape(argv[1], "overflow", &root);
	shape_many(&root);
	rc |= write_shape(argv[1], "many", &root);
	shape_deep(&root);
	rc |= write_shape(argv[1], "deep", &root);
	shape_varied(&root);
	dedupe(&root.kids[0]);
	rc |= write_shape(argv[1], "varied", &root);
	return rc == 0 ? 0 : 1;
}
