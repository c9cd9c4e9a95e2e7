/*
 * ec_match_int.h: what ec_match.c (the index) and ec_match_eval.c (range
 * evaluation and lookups) share.  Strings live in one buffer and are
 * referred to by offset, so that growing it moves nothing that matters
 * and refusing an advisory is a truncation.
 */
#ifndef EC_MATCH_INT_H
#define EC_MATCH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_buf.h"
#include "ec_hmap.h"
#include "ec_match.h"

enum match_ev_kind {
	MATCH_INTRODUCED,
	MATCH_FIXED,
	MATCH_LAST_AFFECTED,
	MATCH_LIMIT
};

enum match_range_type {
	MATCH_ECOSYSTEM,
	MATCH_SEMVER,
	MATCH_GIT
};

struct match_ev {
	enum match_ev_kind	 kind;
	const char		*ver;	/* borrowed */
};

struct match_event {
	enum match_ev_kind	kind;
	size_t			ver;	/* offset in strs */
};

struct match_range {
	enum match_range_type	type;
	size_t			ev, nev;	/* into events */
};

struct match_entry {
	size_t		id, eco, pkg, norm;	/* offsets in strs */
	size_t		ver, nver;		/* into vers */
	size_t		rng, nrng;		/* into ranges */
	uint32_t	hash;
	size_t		next;			/* hash chain; SIZE_MAX */
};

struct ec_match_index {
	struct ec_buf		 strs;
	struct match_entry	*ent;
	size_t			 nent, capent;
	struct match_range	*rng;
	size_t			 nrng, caprng;
	struct match_event	*ev;
	size_t			 nev, capev;
	size_t			*vers;		/* offsets in strs */
	size_t			 nvers, capvers;
	/* hash -> size_t, the first entry of the hash's chain. */
	struct ec_hmap		*heads;		/* owned */
	size_t			 relink_at;	/* entries; see match_relink */
	size_t			 nadv;
};

/* The string at offset "off". */
static inline const char *
match_str(const struct ec_match_index *ix, size_t off)
{
	return ix->strs.data + off;
}

/* FNV-1a over the ecosystem's base (before ':') and the name. */
uint32_t	match_hash(const char *eco, const char *norm);
/* Two ecosystem names with the same base (the part before ':'). */
bool		match_same_base(const char *a, const char *b);

/*
 * Evaluate events for "v" (parsed with "scheme"): *out true when inside.
 * EC_ERR_REQUEST_INVALID when an event version does not parse.
 */
int	match_eval_events(bool *out, const struct match_ev *ev, size_t nev,
	    int scheme, const void *v, struct ec_err *err);

#endif
