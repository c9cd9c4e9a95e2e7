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

/* A string-keyed open-addressing table; values are the caller's. */
struct fx_table {
	const char	**keys;
	void		**vals;
	size_t		  n, cap;
};

struct ec_findings {
	const struct ec_policy	*pol;		/* borrowed */
	int64_t			 snapshot_us;
	struct ec_match_index	*ix;
	struct ec_vex_set	*vex;
	struct fx_table		 facts;		/* id -> struct fx_facts */
	struct fx_table		 vex_used;	/* name -> owned copy */
	struct fx_table		 names;		/* loose name -> copy */
	bool			 filter;
	size_t			 refused, skipped;
};

void	*fx_table_get(const struct fx_table *t, const char *key);
int	 fx_table_put(struct fx_table *t, const char *key, void *val,
	    struct ec_err *err);
void	 fx_table_dispose(struct fx_table *t, bool free_vals);

/* The i-th alias of "fa", and whether package "name" has a fix. */
const char	*fx_facts_alias(const struct fx_facts *fa, size_t i);
bool		 fx_facts_fixed(const struct fx_facts *fa, const char *name);

/*
 * The loose form of "len" bytes of a package name (ec_findings.h) into
 * "out" (at least len + 1 bytes).
 */
void	fx_loose(char *out, const char *name, size_t len);
/* Add a name (copied) to a table of owned strings. */
int	fx_set_add(struct fx_table *t, const char *name, struct ec_err *err);

/* Note that VEX document "name" decided some finding. */
int	fx_vex_use(struct ec_findings *f, const char *name,
	    struct ec_err *err);

#endif
