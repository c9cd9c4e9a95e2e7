/*
 * ec_match: the index.  Each affected entry of an advisory becomes one
 * entry, chained to the others with the same hash of (ecosystem base,
 * normalised name), the chain's head in a table by hash; its ranges,
 * events and listed versions are copied into arrays of the index, and
 * its strings into one buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_match_int.h"
#include "ec_num.h"
#include "ec_purl.h"

/* Ceiling on all the index's strings together: 2 GiB. */
#define MATCH_MAX_STRS	((size_t)2 * 1024 * 1024 * 1024)

/* The index's sizes before an advisory, to undo it. */
struct match_mark {
	size_t	strs, nent, nrng, nev, nvers;
};

uint32_t
match_hash(const char *eco, const char *norm)
{
	uint32_t	h = 2166136261u;

	for (; *eco != '\0' && *eco != ':'; eco++)
		h = (h ^ (unsigned char)*eco) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (; *norm != '\0'; norm++)
		h = (h ^ (unsigned char)*norm) * 16777619u;
	return h;
}

bool
match_same_base(const char *a, const char *b)
{
	size_t	la = strcspn(a, ":"), lb = strcspn(b, ":");

	return la == lb && memcmp(a, b, la) == 0;
}

int
ec_match_index_new(struct ec_match_index **out, struct ec_err *err)
{
	struct ec_match_index	*ix;

	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return ec_err_nomem(err);
	ec_buf_init(&ix->strs, MATCH_MAX_STRS);
	ix->relink_at = 2048;
	if (ec_hmap_new(&ix->heads, EC_HMAP_U64, sizeof(size_t),
	    EC_HMAP_MAX_KEYS, err) == -1) {
		free(ix);
		return -1;
	}
	*out = ix;
	return 0;
}

/* The index's arrays start at 128 elements, as they always have. */
#define MATCH_FIRST_CAP	128

/* Copy a NUL-terminated string into strs; its offset. */
static int
match_add_str(size_t *off, struct ec_match_index *ix, const char *s,
    size_t base, struct ec_err *err)
{
	size_t	len = strlen(s);

	if (ix->strs.len - base + len + 1 > EC_MATCH_MAX_ADVISORY_BYTES)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "advisory exceeds %d bytes of names and versions",
		    EC_MATCH_MAX_ADVISORY_BYTES);
	*off = ix->strs.len;
	if (ec_buf_add(&ix->strs, s, len + 1, err) == -1)
		return -1;
	return 0;
}

/* One event object: exactly one of the four keys, a string value. */
static int
match_add_event(struct ec_match_index *ix, const json_t *e,
    const struct match_mark *mk, struct ec_err *err)
{
	static const char *const keys[] = {
		"introduced", "fixed", "last_affected", "limit"
	};
	struct match_event	*x;
	const json_t		*v;
	size_t			 i;

	if (!json_is_object(e) || json_object_size(e) != 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "event: not an object with one key");
	for (i = 0; i < 4; i++)
		if ((v = json_object_get(e, keys[i])) != NULL)
			break;
	if (i == 4 || !json_is_string(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "event: no introduced, fixed, last_affected or limit");
	if (ec_array_grow((void **)&ix->ev, &ix->capev, ix->nev, sizeof(*x),
	    MATCH_FIRST_CAP, err) == -1)
		return -1;
	x = &ix->ev[ix->nev];
	x->kind = (enum match_ev_kind)i;
	if (match_add_str(&x->ver, ix, json_string_value(v), mk->strs,
	    err) == -1)
		return -1;
	ix->nev++;
	return 0;
}

static int
match_add_range(struct ec_match_index *ix, const json_t *r,
    const struct match_mark *mk, struct ec_err *err)
{
	struct match_range	*x;
	const json_t		*events, *e;
	const char		*type;
	size_t			 i;

	type = json_string_value(json_object_get(r, "type"));
	events = json_object_get(r, "events");
	if (type == NULL || !json_is_array(events) ||
	    json_array_size(events) == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "range: needs a type and events");
	if (json_array_size(events) > EC_MATCH_MAX_EVENTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "range: more than %d events", EC_MATCH_MAX_EVENTS);
	if (ec_array_grow((void **)&ix->rng, &ix->caprng, ix->nrng, sizeof(*x),
	    MATCH_FIRST_CAP, err) == -1)
		return -1;
	x = &ix->rng[ix->nrng];
	if (strcmp(type, "ECOSYSTEM") == 0)
		x->type = MATCH_ECOSYSTEM;
	else if (strcmp(type, "SEMVER") == 0)
		x->type = MATCH_SEMVER;
	else if (strcmp(type, "GIT") == 0)
		x->type = MATCH_GIT;
	else
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "range: unknown type");
	x->ev = ix->nev;
	json_array_foreach(events, i, e)
		if (match_add_event(ix, e, mk, err) == -1)
			return -1;
	x->nev = ix->nev - x->ev;
	ix->nrng++;
	return 0;
}

/* package.ecosystem and package.name, normalised; 1 when there is none. */
static int
match_add_package(struct match_entry *x, struct ec_match_index *ix,
    const json_t *a, const struct match_mark *mk, struct ec_err *err)
{
	const json_t	*pkg = json_object_get(a, "package");
	const char	*eco, *name;
	char		*norm;
	int		 rc;

	if (pkg == NULL)
		return 1;
	eco = json_string_value(json_object_get(pkg, "ecosystem"));
	name = json_string_value(json_object_get(pkg, "name"));
	if (eco == NULL || name == NULL || *eco == '\0' || *name == '\0')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "affected package: needs ecosystem and name");
	if (ec_purl_normalize_name(&norm, eco, name, err) == -1)
		return -1;
	rc = match_add_str(&x->eco, ix, eco, mk->strs, err) == -1 ||
	    match_add_str(&x->pkg, ix, name, mk->strs, err) == -1 ||
	    match_add_str(&x->norm, ix, norm, mk->strs, err) == -1 ? -1 : 0;
	x->hash = match_hash(eco, norm);
	free(norm);
	return rc;
}

static int
match_add_affected(struct ec_match_index *ix, const json_t *a, size_t id,
    const struct match_mark *mk, struct ec_err *err)
{
	struct match_entry	 x;
	const json_t		*ranges, *versions, *e;
	size_t			 i;
	int			 rc;

	memset(&x, 0, sizeof(x));
	x.id = id;
	x.next = SIZE_MAX;
	if ((rc = match_add_package(&x, ix, a, mk, err)) != 0)
		return rc == 1 ? 0 : -1;
	ranges = json_object_get(a, "ranges");
	versions = json_object_get(a, "versions");
	if ((ranges != NULL && !json_is_array(ranges)) ||
	    (versions != NULL && !json_is_array(versions)))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "affected: ranges and versions must be arrays");
	x.rng = ix->nrng;
	json_array_foreach(ranges, i, e)
		if (match_add_range(ix, e, mk, err) == -1)
			return -1;
	x.nrng = ix->nrng - x.rng;
	x.ver = ix->nvers;
	json_array_foreach(versions, i, e) {
		if (!json_is_string(e))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "affected versions: not a string");
		if (ec_array_grow((void **)&ix->vers, &ix->capvers, ix->nvers,
		    sizeof(size_t), MATCH_FIRST_CAP, err) == -1 ||
		    match_add_str(&ix->vers[ix->nvers], ix,
		    json_string_value(e), mk->strs, err) == -1)
			return -1;
		ix->nvers++;
	}
	x.nver = ix->nvers - x.ver;
	if (ec_array_grow((void **)&ix->ent, &ix->capent, ix->nent, sizeof(x),
	    MATCH_FIRST_CAP, err) == -1)
		return -1;
	ix->ent[ix->nent++] = x;
	return 0;
}

/*
 * Rebuild every chain in entry order when the entries double, from 2048
 * on.  Nothing needs it, as lookups sort their hits; but equal hits keep
 * the order their chain gives them, and rebuilding where the index's
 * earlier bucket array was rehashed keeps that order, and the bytes of
 * findings, as they were.  Every hash is in the table: nothing can fail.
 */
static void
match_relink(struct ec_match_index *ix)
{
	size_t	i, iter = 0, *head;
	void	*v;

	if (ix->nent < ix->relink_at)
		return;
	ix->relink_at *= 2;
	while (ec_hmap_next(NULL, &v, ix->heads, &iter))
		*(size_t *)v = SIZE_MAX;
	for (i = ix->nent; i-- > 0;) {
		head = ec_hmap_get_u64(ix->heads, ix->ent[i].hash);
		ix->ent[i].next = *head;
		*head = i;
	}
}

/* Chain the entries from "from" on, newest first; room is reserved. */
static int
match_link(struct ec_match_index *ix, size_t from, struct ec_err *err)
{
	size_t	i;
	void	*v;
	int	 added;

	for (i = from; i < ix->nent; i++) {
		if ((added = ec_hmap_put_u64(&v, ix->heads, ix->ent[i].hash,
		    err)) == -1)
			return -1;
		ix->ent[i].next = added == 1 ? SIZE_MAX : *(size_t *)v;
		*(size_t *)v = i;
	}
	return 0;
}

int
ec_match_index_add(struct ec_match_index *ix, const json_t *advisory,
    struct ec_err *err)
{
	struct match_mark	 mk = { ix->strs.len, ix->nent, ix->nrng,
				    ix->nev, ix->nvers };
	const json_t		*affected, *a;
	const char		*id;
	size_t			 i, idoff;

	id = json_string_value(json_object_get(advisory, "id"));
	affected = json_object_get(advisory, "affected");
	if (id == NULL || *id == '\0')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "advisory: no id");
	if (affected != NULL && (!json_is_array(affected) ||
	    json_array_size(affected) > EC_MATCH_MAX_AFFECTED))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "advisory %.64s: affected must be an array of at most %d",
		    id, EC_MATCH_MAX_AFFECTED);
	if (match_add_str(&idoff, ix, id, mk.strs, err) == -1)
		goto undo;
	json_array_foreach(affected, i, a)
		if (match_add_affected(ix, a, idoff, &mk, err) == -1)
			goto undo;
	/* With the room reserved, linking cannot stop half-way. */
	if (ec_hmap_reserve(ix->heads, ix->nent - mk.nent, err) == -1 ||
	    match_link(ix, mk.nent, err) == -1)
		goto undo;
	ix->nadv++;
	match_relink(ix);
	return 0;
undo:
	ix->strs.len = mk.strs;
	ix->nent = mk.nent;
	ix->nrng = mk.nrng;
	ix->nev = mk.nev;
	ix->nvers = mk.nvers;
	return ec_err_prefix(err, "advisory %.64s", id);
}

size_t
ec_match_index_advisories(const struct ec_match_index *ix)
{
	return ix->nadv;
}

size_t
ec_match_index_entries(const struct ec_match_index *ix)
{
	return ix->nent;
}

void
ec_match_index_free(struct ec_match_index *ix)
{
	if (ix == NULL)
		return;
	ec_buf_dispose(&ix->strs);
	free(ix->ent);
	free(ix->rng);
	free(ix->ev);
	free(ix->vers);
	ec_hmap_free(ix->heads);
	free(ix);
}
