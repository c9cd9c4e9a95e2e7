/*
 * ec_findings internals shared by ec_findings.c (the run, advisory facts,
 * VEX), ec_findings_sbom.c (components and lines) and
 * ec_findings_replay.c.  Not for other modules.
 */
#ifndef EC_FINDINGS_INT_H
#define EC_FINDINGS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_findings.h"
#include "ec_hmap.h"
#include "ec_match.h"
#include "ec_policy.h"
#include "ec_vex.h"

/* Aliases kept per advisory; real ones have fewer than ten. */
#define FX_MAX_ALIASES	64

/*
 * What a policy reads of one advisory, in one allocation so that 100,000
 * advisories cost one small block each: "text" holds the id, then the
 * aliases, then the names of the packages with a fixed version, each
 * NUL-terminated.
 */
struct fx_facts {
	bool			 used;
	uint8_t			 severity;	/* enum ec_policy_severity */
	uint16_t		 naliases;
	uint16_t		 nfixed;
	double			 cvss;		/* < 0: unknown */
	char			 text[];
};

struct ec_findings {
	const struct ec_policy	*pol;		/* borrowed */
	int64_t			 snapshot_us;
	struct ec_match_index	*ix;
	struct ec_vex_set	*vex;
	/* Tables of pointers (fx_table_new), each value owned. */
	struct ec_hmap		*facts;		/* id -> struct fx_facts */
	struct ec_hmap		*vex_used;	/* name -> owned copy */
	struct ec_hmap		*names;		/* loose name -> copy */
	bool			 filter;
	size_t			 refused, skipped;
};

/*
 * A string-keyed ec_hmap whose values are pointers: an empty one in *out,
 * then the pointer stored under "key" (NULL: none), storing one under a
 * key not yet there ("key" borrowed from "val" or kept by the caller),
 * and releasing the table with, when "free_vals", every value.
 */
int	 fx_table_new(struct ec_hmap **out, struct ec_err *err);
void	*fx_table_get(const struct ec_hmap *t, const char *key);
int	 fx_table_put(struct ec_hmap *t, const char *key, void *val,
	    struct ec_err *err);
void	 fx_table_free(struct ec_hmap *t, bool free_vals);

/* The i-th alias of "fa", and whether package "name" has a fix. */
const char	*fx_facts_alias(const struct fx_facts *fa, size_t i);
bool		 fx_facts_fixed(const struct fx_facts *fa, const char *name);

/*
 * The loose form of "len" bytes of a package name (ec_findings.h) into
 * "out" (at least len + 1 bytes).
 */
void	fx_loose(char *out, const char *name, size_t len);
/* Add a name (copied) to a table of owned strings. */
int	fx_set_add(struct ec_hmap *t, const char *name, struct ec_err *err);

/* Note that VEX document "name" decided some finding. */
int	fx_vex_use(struct ec_findings *f, const char *name,
	    struct ec_err *err);

#endif
