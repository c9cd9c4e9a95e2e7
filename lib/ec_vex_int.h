/*
 * ec_vex_int.h: what the statement set (ec_vex.c) and the readers of the
 * three formats (ec_vex_read.c) share.
 */
#ifndef EC_VEX_INT_H
#define EC_VEX_INT_H

#include "ec_hmap.h"
#include "ec_vex.h"

/* One name (vulnerability id or alias) of a statement, in a chain. */
struct vex_key {
	uint32_t	hash;	/* of the name in lower case */
	size_t		st;	/* statement index */
	size_t		next;	/* SIZE_MAX ends the chain */
};

struct ec_vex_set {
	struct ec_vex_statement	*st;	/* owned, with their strings */
	size_t			 n, cap;
	struct vex_key		*key;	/* owned; names of statements */
	size_t			 nkey, capkey;
	/* Hash -> size_t, the chain's first key, or SIZE_MAX. */
	struct ec_hmap		*heads;		/* owned */
};

/* The document being read. */
struct vex_ctx {
	const char		*name;
	enum ec_vex_format	 format;
	size_t			 mark;	/* statements before it */
};

/* Append one statement (every string copied). */
int	vex_push(struct ec_vex_set *set, const struct vex_ctx *cx,
	    const char *vuln, const char *const *aliases, size_t naliases,
	    const char *product, enum ec_vex_status status,
	    const char *justification, int64_t time, struct ec_err *err);
/* Drop statements past the first n. */
void	vex_truncate(struct ec_vex_set *set, size_t n);
/* Index the names of statements from "from" on; EC_ERR_NOMEM. */
int	vex_index(struct ec_vex_set *set, size_t from, struct ec_err *err);

#endif
