/*
 * ec_hmap: the hash table of lib/.  Open addressing with linear probing,
 * never more than half full so that a miss ends within a few slots; the
 * capacity is a power of two, from 64 slots up, doubled as keys arrive.
 * Every table has a ceiling on its keys, so that no input can make it
 * grow without bound.
 *
 * Keys are either NUL-terminated strings (EC_HMAP_STR), which the caller
 * keeps alive and unchanged while they are in the table, or 64-bit
 * integers (EC_HMAP_U64), which the table copies; any value is a key,
 * zero too.  The hash is fixed, FNV-1a 64 over a string's bytes, then a
 * 64-bit finaliser (MurmurHash3's fmix64) that spreads every bit of the
 * hash, or of an integer key, over the slot index.  Fixed rather than
 * seeded, so that a run is reproducible down to its slot layout; no
 * caller writes anything in table order (see ec_hmap_next).
 *
 * Values are blocks of "vsize" bytes kept in the table, zeroed when
 * their key is added.  A value pointer stays valid until the next call
 * that may add a key or empties the table (ec_hmap_put*, ec_hmap_reserve,
 * ec_hmap_clear) or removes one (ec_hmap_del*); lookups and iteration
 * move nothing.
 */
#ifndef EC_HMAP_H
#define EC_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

/*
 * Ceiling on any table's keys whatever its caller asks: 2^26 keys take
 * 2^27 slots, 1 GiB of string keys alone.
 */
#define EC_HMAP_MAX_KEYS	((size_t)1 << 26)

enum ec_hmap_keys {
	EC_HMAP_STR,	/* NUL-terminated strings, borrowed */
	EC_HMAP_U64	/* uint64_t, copied */
};

struct ec_hmap;	/* opaque */

/*
 * An empty table of "keys" to values of "vsize" bytes (1 or more), for
 * at most "max" keys (at most EC_HMAP_MAX_KEYS).  It allocates nothing
 * until the first key.  *out is the caller's; EC_ERR_NOMEM.
 */
int	ec_hmap_new(struct ec_hmap **out, enum ec_hmap_keys keys, size_t vsize,
	    size_t max, struct ec_err *err) EC_MUST_CHECK;

/*
 * The value of string key "key" (an EC_HMAP_STR table), or of integer
 * key "key" (EC_HMAP_U64); NULL when the key is not in the table.
 */
void	*ec_hmap_get(const struct ec_hmap *m, const char *key);
void	*ec_hmap_get_u64(const struct ec_hmap *m, uint64_t key);

/*
 * Find "key" or add it with a zeroed value; *val_out is its value either
 * way.  Returns 1 when the key was added, 0 when it was there already
 * (its value unchanged), -1 on error with the table unchanged:
 * EC_ERR_TOO_LARGE when the table holds "max" keys, EC_ERR_NOMEM.
 */
int	ec_hmap_put(void **val_out, struct ec_hmap *m, const char *key,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_hmap_put_u64(void **val_out, struct ec_hmap *m, uint64_t key,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Make room for "more" keys beyond those in the table, so that adding
 * them cannot fail: for callers that must not stop half-way.  The same
 * errors as ec_hmap_put, with the table unchanged.
 */
int	ec_hmap_reserve(struct ec_hmap *m, size_t more, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Remove "key" and its value; false when it was not in the table.  The
 * table never shrinks.  A string key may be freed once it is removed.
 */
bool	ec_hmap_del(struct ec_hmap *m, const char *key);
bool	ec_hmap_del_u64(struct ec_hmap *m, uint64_t key);

/* The number of keys. */
size_t	ec_hmap_count(const struct ec_hmap *m);

/*
 * Iterate: start with *iter = 0; each call gives the next key (NULL in
 * an EC_HMAP_U64 table) and its value, and false at the end.  The order
 * is that of the slots: the same for the same calls, but neither sorted
 * nor the order of insertion, so it is for freeing and counting, never
 * for output.  Nothing may be added or removed while iterating.
 */
bool	ec_hmap_next(const char **key_out, void **val_out,
	    const struct ec_hmap *m, size_t *iter);

/* Forget every key but keep the memory, so that as many come back free. */
void	ec_hmap_clear(struct ec_hmap *m);

/* Release the table (not the string keys).  NULL is a no-op. */
void	ec_hmap_free(struct ec_hmap *m);

#endif
