/*
 * ec_store_int.h: what the store backends (ec_store.c for memory,
 * ec_store_pg.c for PostgreSQL) share.  Not for profiles: they use
 * ec_store.h.
 */
#ifndef EC_STORE_INT_H
#define EC_STORE_INT_H

#include "ec_store.h"

struct store_ops {
	int	(*begin)(struct ec_store *s, const char *tenant,
		    struct ec_err *err);
	void	(*end)(struct ec_store *s);
	int	(*stats)(struct ec_store_stats *out, struct ec_store *s,
		    const char *kind, struct ec_err *err);
	int	(*each)(struct ec_store *s, const char *kind,
		    ec_store_doc_fn *fn, void *arg, struct ec_err *err);
	void	(*free)(struct ec_store *s);
};

struct ec_store {
	const struct store_ops	*ops;		/* static */
	char			 tenant[128];	/* of the open snapshot */
	bool			 open;
};

#endif
