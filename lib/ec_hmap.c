/*
 * ec_hmap: open addressing with linear probing.  A free slot is a NULL
 * string key or a zero integer key; the integer key zero itself lives
 * apart, in one value block past the slots, so that every uint64_t can
 * be a key without a second array of flags.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_hmap.h"
#include "ec_num.h"

/* The first capacity: small tables cost one small block each. */
#define HMAP_MIN_CAP	64

struct ec_hmap {
	enum ec_hmap_keys	 keys;
	const char		**skey;	/* owned array; the strings borrowed */
	uint64_t		*ukey;	/* owned */
	unsigned char		*val;	/* owned: cap + 1 blocks of vsize */
	size_t			 vsize;
	size_t			 n;	/* keys, the zero key included */
	size_t			 cap;	/* slots: 0 or a power of two */
	size_t			 max;	/* ceiling on n */
	bool			 has_zero;	/* integer key 0 is in */
};

/* MurmurHash3's fmix64: each input bit flips each output bit at 1/2. */
static uint64_t
hmap_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* FNV-1a 64 (draft-eastlake-fnv): short ids need no more. */
static uint64_t
hmap_str_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return hmap_mix(h);
}

static void *
hmap_val(const struct ec_hmap *m, size_t i)
{
	return m->val + i * m->vsize;
}

static bool
hmap_used(const struct ec_hmap *m, size_t i)
{
	return m->keys == EC_HMAP_STR ? m->skey[i] != NULL : m->ukey[i] != 0;
}

/* The slot of "key": where it is, or the free slot it would take. */
static size_t
hmap_slot_str(const struct ec_hmap *m, const char *key)
{
	size_t	i = (size_t)hmap_str_hash(key) & (m->cap - 1);

	while (m->skey[i] != NULL && strcmp(m->skey[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The same for a non-zero integer key. */
static size_t
hmap_slot_u64(const struct ec_hmap *m, uint64_t key)
{
	size_t	i = (size_t)hmap_mix(key) & (m->cap - 1);

	while (m->ukey[i] != 0 && m->ukey[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int
ec_hmap_new(struct ec_hmap **out, enum ec_hmap_keys keys, size_t vsize,
    size_t max, struct ec_err *err)
{
	struct ec_hmap	*m;

	if (vsize == 0 || max > EC_HMAP_MAX_KEYS)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "hash table: value size 0 or more than %zu keys",
		    EC_HMAP_MAX_KEYS);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ec_err_nomem(err);
	m->keys = keys;
	m->vsize = vsize;
	m->max = max;
	*out = m;
	return 0;
}

/* Move every key and value into "cap" slots. */
static int
hmap_resize(struct ec_hmap *m, size_t cap, struct ec_err *err)
{
	struct ec_hmap	 nm = *m;
	size_t		 i, j, bytes;

	nm.cap = cap;
	nm.skey = NULL;
	nm.ukey = NULL;
	if (!ec_size_mul(&bytes, cap + 1, m->vsize) ||
	    (nm.val = calloc(1, bytes)) == NULL)
		return ec_err_nomem(err);
	if (m->keys == EC_HMAP_STR)
		nm.skey = calloc(cap, sizeof(*nm.skey));
	else
		nm.ukey = calloc(cap, sizeof(*nm.ukey));
	if (nm.skey == NULL && nm.ukey == NULL) {
		free(nm.val);
		return ec_err_nomem(err);
	}
	for (i = 0; i < m->cap; i++) {
		if (m->keys == EC_HMAP_STR && m->skey[i] != NULL) {
			j = hmap_slot_str(&nm, m->skey[i]);
			nm.skey[j] = m->skey[i];
		} else if (m->keys == EC_HMAP_U64 && m->ukey[i] != 0) {
			j = hmap_slot_u64(&nm, m->ukey[i]);
			nm.ukey[j] = m->ukey[i];
		} else
			continue;
		memcpy(hmap_val(&nm, j), hmap_val(m, i), m->vsize);
	}
	if (m->has_zero)
		memcpy(hmap_val(&nm, cap), hmap_val(m, m->cap), m->vsize);
	free(m->skey);
	free(m->ukey);
	free(m->val);
	*m = nm;
	return 0;
}

int
ec_hmap_reserve(struct ec_hmap *m, size_t more, struct ec_err *err)
{
	size_t	cap;

	if (more > m->max - m->n)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "hash table: more than %zu keys", m->max);
	/* At most half full; max <= EC_HMAP_MAX_KEYS keeps this in range. */
	for (cap = m->cap == 0 ? HMAP_MIN_CAP : m->cap;
	    (m->n + more) * 2 > cap; cap *= 2)
		;
	if (cap == m->cap)
		return 0;
	return hmap_resize(m, cap, err);
}

void *
ec_hmap_get(const struct ec_hmap *m, const char *key)
{
	size_t	i;

	if (m->cap == 0)
		return NULL;
	i = hmap_slot_str(m, key);
	return m->skey[i] == NULL ? NULL : hmap_val(m, i);
}

void *
ec_hmap_get_u64(const struct ec_hmap *m, uint64_t key)
{
	size_t	i;

	if (m->cap == 0)
		return NULL;
	if (key == 0)
		return m->has_zero ? hmap_val(m, m->cap) : NULL;
	i = hmap_slot_u64(m, key);
	return m->ukey[i] == 0 ? NULL : hmap_val(m, i);
}

/* Find or add "skey" in a string table, "ukey" in an integer one. */
static int
hmap_put(void **val_out, struct ec_hmap *m, const char *skey, uint64_t ukey,
    struct ec_err *err)
{
	size_t	i;

	*val_out = m->keys == EC_HMAP_STR ? ec_hmap_get(m, skey) :
	    ec_hmap_get_u64(m, ukey);
	if (*val_out != NULL)
		return 0;
	if (ec_hmap_reserve(m, 1, err) == -1)
		return -1;
	if (m->keys == EC_HMAP_STR) {
		i = hmap_slot_str(m, skey);
		m->skey[i] = skey;
	} else if (ukey == 0) {
		m->has_zero = true;
		i = m->cap;
	} else {
		i = hmap_slot_u64(m, ukey);
		m->ukey[i] = ukey;
	}
	m->n++;
	*val_out = memset(hmap_val(m, i), 0, m->vsize);
	return 1;
}

int
ec_hmap_put(void **val_out, struct ec_hmap *m, const char *key,
    struct ec_err *err)
{
	return hmap_put(val_out, m, key, 0, err);
}

int
ec_hmap_put_u64(void **val_out, struct ec_hmap *m, uint64_t key,
    struct ec_err *err)
{
	return hmap_put(val_out, m, NULL, key, err);
}

/* The slot the key in slot "i" is looked up from. */
static size_t
hmap_home(const struct ec_hmap *m, size_t i)
{
	return (size_t)(m->keys == EC_HMAP_STR ? hmap_str_hash(m->skey[i]) :
	    hmap_mix(m->ukey[i])) & (m->cap - 1);
}

/*
 * Empty slot "i" and close the gap (Knuth, TAOCP vol. 3, 6.4, Algorithm
 * R): a later key of the run moves back into the gap unless its home
 * slot lies cyclically in (i, j], from where a lookup never crosses the
 * gap.  No tombstones, so lookups stay as short as if nothing had been
 * deleted.
 */
static void
hmap_remove(struct ec_hmap *m, size_t i)
{
	size_t	j = i, k;

	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (!hmap_used(m, j))
			break;
		k = hmap_home(m, j);
		if (i <= j ? i < k && k <= j : i < k || k <= j)
			continue;
		if (m->keys == EC_HMAP_STR)
			m->skey[i] = m->skey[j];
		else
			m->ukey[i] = m->ukey[j];
		memcpy(hmap_val(m, i), hmap_val(m, j), m->vsize);
		i = j;
	}
	if (m->keys == EC_HMAP_STR)
		m->skey[i] = NULL;
	else
		m->ukey[i] = 0;
	m->n--;
}

bool
ec_hmap_del(struct ec_hmap *m, const char *key)
{
	size_t	i;

	if (m->cap == 0)
		return false;
	i = hmap_slot_str(m, key);
	if (m->skey[i] == NULL)
		return false;
	hmap_remove(m, i);
	return true;
}

bool
ec_hmap_del_u64(struct ec_hmap *m, uint64_t key)
{
	size_t	i;

	if (m->cap == 0 || (key == 0 && !m->has_zero))
		return false;
	if (key == 0) {
		m->has_zero = false;
		m->n--;
		return true;
	}
	i = hmap_slot_u64(m, key);
	if (m->ukey[i] == 0)
		return false;
	hmap_remove(m, i);
	return true;
}

size_t
ec_hmap_count(const struct ec_hmap *m)
{
	return m->n;
}

bool
ec_hmap_next(const char **key_out, void **val_out, const struct ec_hmap *m,
    size_t *iter)
{
	size_t	i;

	for (i = *iter; i < m->cap; i++)
		if (hmap_used(m, i))
			break;
	/* Slot "cap" is the zero key's, after all the others. */
	if (i >= m->cap) {
		if (!m->has_zero || *iter > m->cap)
			return false;
		i = m->cap;
	}
	if (key_out != NULL)
		*key_out = m->keys == EC_HMAP_STR ? m->skey[i] : NULL;
	*val_out = hmap_val(m, i);
	*iter = i + 1;
	return true;
}

void
ec_hmap_clear(struct ec_hmap *m)
{
	size_t	i;

	/* Values are zeroed when their key is added, not here. */
	for (i = 0; i < m->cap; i++) {
		if (m->keys == EC_HMAP_STR)
			m->skey[i] = NULL;
		else
			m->ukey[i] = 0;
	}
	m->n = 0;
	m->has_zero = false;
}

void
ec_hmap_free(struct ec_hmap *m)
{
	if (m == NULL)
		return;
	free(m->skey);
	free(m->ukey);
	free(m->val);
	free(m);
}
