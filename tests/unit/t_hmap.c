/* tests/unit/t_hmap.c: the hash table (ec_hmap). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_hmap.h"

#define NKEYS	20000

/* "k<i>" for every i below NKEYS, in one block. */
static char *
make_keys(void)
{
	char	*keys;
	int	 i;

	if ((keys = calloc(NKEYS, 16)) == NULL)
		abort();
	for (i = 0; i < NKEYS; i++)
		(void)snprintf(keys + 16 * i, 16, "k%d", i);
	return keys;
}

/* Growth through many doublings, with every key still where it was. */
static void
test_strings(void)
{
	struct ec_hmap	*m;
	struct ec_err	 err;
	char		*keys = make_keys(), other[16];
	void		*v;
	size_t		 iter = 0, seen = 0, sum = 0;
	const char	*k;
	int		 i, bad = 0, rc;

	if (ec_hmap_new(&m, EC_HMAP_STR, sizeof(int), NKEYS, &err) == -1)
		abort();
	ok(ec_hmap_get(m, "k1") == NULL, "an empty table has no key");
	for (i = 0; i < NKEYS; i++) {
		if (ec_hmap_put(&v, m, keys + 16 * i, &err) != 1 ||
		    *(int *)v != 0)
			bad++;
		*(int *)v = i;
	}
	ok(bad == 0, "%d new keys added with zeroed values", NKEYS);
	ok(ec_hmap_count(m) == NKEYS, "count %zu", ec_hmap_count(m));
	for (i = 0; i < NKEYS; i++) {
		/* A different pointer to equal bytes finds the key. */
		(void)snprintf(other, sizeof(other), "k%d", i);
		if ((v = ec_hmap_get(m, other)) == NULL || *(int *)v != i)
			bad++;
	}
	ok(bad == 0, "every key found after growing");
	ok(ec_hmap_get(m, "k20000") == NULL && ec_hmap_get(m, "") == NULL,
	    "absent keys are absent");
	rc = ec_hmap_put(&v, m, "k7", &err);
	ok(rc == 0 && *(int *)v == 7, "a second put finds the value");
	while (ec_hmap_next(&k, &v, m, &iter)) {
		seen++;
		sum += (size_t)*(int *)v;
		if (strcmp(k, keys + 16 * *(int *)v) != 0)
			bad++;
	}
	ok(seen == NKEYS && bad == 0 &&
	    sum == (size_t)NKEYS * (NKEYS - 1) / 2,
	    "iteration gives each key once with its value");
	ec_hmap_clear(m);
	ok(ec_hmap_count(m) == 0 && ec_hmap_get(m, "k3") == NULL,
	    "clear forgets the keys");
	ok(ec_hmap_put(&v, m, "k3", &err) == 1 && *(int *)v == 0,
	    "a key added after clear has a zeroed value");
	ec_hmap_free(m);
	free(keys);
}

/*
 * Integer keys, zero among them; values wider than a pointer.  Keys that
 * differ only in high bits land in one slot unless the hash mixes them.
 */
static void
test_integers(void)
{
	struct val { uint64_t a, b, c; };
	struct ec_hmap	*m;
	struct ec_err	 err;
	struct val	*v;
	void		*p;
	size_t		 iter = 0, seen = 0;
	uint64_t	 i;
	int		 bad = 0;

	if (ec_hmap_new(&m, EC_HMAP_U64, sizeof(struct val), 1000,
	    &err) == -1)
		abort();
	ok(ec_hmap_get_u64(m, 0) == NULL, "no zero key at first");
	for (i = 0; i < 1000; i++) {
		if (ec_hmap_put_u64(&p, m, i << 40, &err) != 1)
			bad++;
		v = p;
		v->a = i;
		v->c = ~i;
	}
	ok(bad == 0 && ec_hmap_count(m) == 1000,
	    "1000 keys, zero included, that differ in high bits only");
	for (i = 0; i < 1000; i++)
		if ((v = ec_hmap_get_u64(m, i << 40)) == NULL || v->a != i ||
		    v->b != 0 || v->c != ~i)
			bad++;
	ok(bad == 0, "each found with its value");
	ok(ec_hmap_get_u64(m, 1) == NULL && ec_hmap_get_u64(m, 1000ULL << 40)
	    == NULL, "absent integer keys are absent");
	while (ec_hmap_next(NULL, &p, m, &iter))
		seen++;
	ok(seen == 1000, "iteration reaches the zero key too: %zu", seen);
	ok(ec_hmap_put_u64(&p, m, 0, &err) == 0 && ((struct val *)p)->a == 0,
	    "zero is found again, not added");
	ec_hmap_clear(m);
	iter = 0;
	ok(ec_hmap_get_u64(m, 0) == NULL && !ec_hmap_next(NULL, &p, m, &iter),
	    "clear drops the zero key too");
	ec_hmap_free(m);
}

/* Deleting every other key of a grown table, then adding them back. */
static void
test_delete(void)
{
	struct ec_hmap	*m;
	struct ec_err	 err;
	char		*keys = make_keys();
	void		*v;
	int		 i, bad = 0;

	if (ec_hmap_new(&m, EC_HMAP_STR, sizeof(int), NKEYS, &err) == -1)
		abort();
	ok(!ec_hmap_del(m, "k1"), "nothing to delete in an empty table");
	for (i = 0; i < NKEYS; i++) {
		if (ec_hmap_put(&v, m, keys + 16 * i, &err) != 1)
			bad++;
		*(int *)v = i + 1;
	}
	for (i = 0; i < NKEYS; i += 2)
		if (!ec_hmap_del(m, keys + 16 * i))
			bad++;
	ok(bad == 0 && ec_hmap_count(m) == NKEYS / 2, "half deleted");
	for (i = 0; i < NKEYS; i++) {
		v = ec_hmap_get(m, keys + 16 * i);
		if (i % 2 == 0 ? v != NULL : v == NULL || *(int *)v != i + 1)
			bad++;
	}
	ok(bad == 0, "the deleted are gone, the others keep their values");
	ok(!ec_hmap_del(m, keys) && !ec_hmap_del(m, "absent"),
	    "deleting an absent key is false");
	for (i = 0; i < NKEYS; i += 2)
		if (ec_hmap_put(&v, m, keys + 16 * i, &err) != 1 ||
		    *(int *)v != 0)
			bad++;
	ok(bad == 0 && ec_hmap_count(m) == NKEYS,
	    "deleted keys come back with zeroed values");
	ec_hmap_free(m);
	if (ec_hmap_new(&m, EC_HMAP_U64, 1, 10, &err) == -1)
		abort();
	ok(ec_hmap_put_u64(&v, m, 0, &err) == 1 &&
	    ec_hmap_put_u64(&v, m, 5, &err) == 1 && ec_hmap_del_u64(m, 0) &&
	    !ec_hmap_del_u64(m, 0) && ec_hmap_get_u64(m, 0) == NULL &&
	    ec_hmap_get_u64(m, 5) != NULL && ec_hmap_del_u64(m, 5) &&
	    ec_hmap_count(m) == 0, "integer keys, zero among them, deleted");
	ec_hmap_free(m);
	free(keys);
}

/* The hash as ec_hmap.h documents it: FNV-1a 64, then fmix64. */
static uint64_t
doc_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ h >> 33;
}

/*
 * Four keys that share the last of 64 slots, so that probing wraps to
 * slot 0, mixed with keys of their own: all must be found, in any order
 * of insertion.
 */
static void
test_collisions(void)
{
	struct ec_hmap	*m;
	struct ec_err	 err;
	char		 same[4][16], mine[8][16], key[16];
	void		*v;
	int		 i, ns = 0, nm = 0, bad = 0;

	for (i = 0; ns < 4 || nm < 8; i++) {
		(void)snprintf(key, sizeof(key), "c%d", i);
		if (ns < 4 && (doc_hash(key) & 63) == 63)
			memcpy(same[ns++], key, sizeof(key));
		else if (nm < 8 && (doc_hash(key) & 63) < 2)
			memcpy(mine[nm++], key, sizeof(key));
	}
	/* At most 32 keys: the table stays at 64 slots. */
	if (ec_hmap_new(&m, EC_HMAP_STR, sizeof(int), 32, &err) == -1)
		abort();
	for (i = 0; i < 8; i++)
		if (ec_hmap_put(&v, m, mine[i], &err) != 1)
			bad++;
		else
			*(int *)v = 100 + i;
	for (i = 0; i < 4; i++)
		if (ec_hmap_put(&v, m, same[i], &err) != 1)
			bad++;
		else
			*(int *)v = i;
	for (i = 0; i < 4; i++)
		if ((v = ec_hmap_get(m, same[i])) == NULL || *(int *)v != i)
			bad++;
	for (i = 0; i < 8; i++)
		if ((v = ec_hmap_get(m, mine[i])) == NULL ||
		    *(int *)v != 100 + i)
			bad++;
	ok(bad == 0, "colliding keys %s %s %s %s wrap around and are found",
	    same[0], same[1], same[2], same[3]);
	ok(ec_hmap_get(m, "c-absent") == NULL, "a miss past the run of keys");
	/* Gaps at the end of the slots and at their start, then lookups. */
	ok(ec_hmap_del(m, same[0]) && ec_hmap_del(m, mine[0]) &&
	    ec_hmap_del(m, mine[3]) && !ec_hmap_del(m, same[0]),
	    "delete in the wrapped run");
	for (i = 1; i < 4; i++)
		if ((v = ec_hmap_get(m, same[i])) == NULL || *(int *)v != i)
			bad++;
	for (i = 1; i < 8; i++)
		if (i != 3 && ((v = ec_hmap_get(m, mine[i])) == NULL ||
		    *(int *)v != 100 + i))
			bad++;
	ok(bad == 0 && ec_hmap_get(m, same[0]) == NULL &&
	    ec_hmap_get(m, mine[3]) == NULL && ec_hmap_count(m) == 9,
	    "the rest of the run is found across the closed gaps");
	ec_hmap_free(m);
}

/* A key past the ceiling fails and changes nothing. */
static void
test_limit(void)
{
	struct ec_hmap	*m;
	struct ec_err	 err;
	char		*keys = make_keys();
	void		*v;
	int		 i, bad = 0;

	ok(ec_hmap_new(&m, EC_HMAP_STR, 1, EC_HMAP_MAX_KEYS + 1, &err) == -1,
	    "a ceiling past EC_HMAP_MAX_KEYS is refused: %s", err.msg);
	if (ec_hmap_new(&m, EC_HMAP_STR, 1, 100, &err) == -1)
		abort();
	for (i = 0; i < 100; i++)
		if (ec_hmap_put(&v, m, keys + 16 * i, &err) != 1)
			bad++;
	ok(bad == 0, "100 keys fit a table of 100");
	ok(ec_hmap_put(&v, m, keys + 16 * 100, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE, "the 101st: %s", err.msg);
	ok(ec_hmap_count(m) == 100 && ec_hmap_get(m, keys + 16 * 100) == NULL,
	    "and is not in the table");
	ok(ec_hmap_put(&v, m, keys + 16 * 99, &err) == 0,
	    "a key already in still succeeds at the ceiling");
	ok(ec_hmap_reserve(m, 1, &err) == -1 && err.code == EC_ERR_TOO_LARGE,
	    "reserving past the ceiling fails too");
	ec_hmap_clear(m);
	ok(ec_hmap_reserve(m, 100, &err) == 0, "after clear, 100 fit again");
	ec_hmap_free(m);
	ec_hmap_free(NULL);
	free(keys);
}

int
main(void)
{
	test_strings();
	test_integers();
	test_collisions();
	test_delete();
	test_limit();
	return done_testing();
}
