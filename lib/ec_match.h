/*
 * ec_match: which OSV advisories affect a package version.  An index by
 * (ecosystem, normalised package name) is built once from the advisories
 * (OSV schema 1.x JSON); a lookup then touches only the advisories of
 * that one package, never all of them.  Each affected entry is evaluated
 * by the OSV schema's algorithm ("Evaluation" in the schema): a version
 * is affected when its ecosystem's order puts it inside a range
 * (introduced, fixed, last_affected and limit events; ECOSYSTEM ranges in
 * the ecosystem's order, SEMVER ranges in SemVer's) or when it is listed
 * in "versions".  What cannot be decided is reported, never dropped: GIT
 * ranges, ecosystems without an order here (ec_version), and versions
 * their grammar rejects give a hit whose reason is EC_MATCH_NOT_EVALUABLE.
 *
 * Memory is bounded per advisory (EC_MATCH_MAX_ADVISORY_BYTES of copied
 * strings, EC_MATCH_MAX_EVENTS events per range); an advisory past a
 * bound is refused whole and the index is left as it was.
 */
#ifndef EC_MATCH_H
#define EC_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ec_err.h"

/* Strings one advisory may add (ids, names, versions): 4 MiB. */
#define EC_MATCH_MAX_ADVISORY_BYTES	(4 * 1024 * 1024)
/* Events in one range; real ranges have fewer than 50. */
#define EC_MATCH_MAX_EVENTS		1024
/* Affected entries in one advisory. */
#define EC_MATCH_MAX_AFFECTED		4096

struct ec_match_index;	/* opaque */

enum ec_match_reason {
	EC_MATCH_IN_RANGE,	/* inside one of the ranges */
	EC_MATCH_IN_VERSIONS,	/* listed in "versions" */
	EC_MATCH_NOT_EVALUABLE	/* detail: GIT range, no order, bad version */
};

struct ec_match_hit {
	const char		*id;		/* borrowed from the index */
	const char		*ecosystem;	/* the advisory's, borrowed */
	const char		*package;	/* as the advisory spells it */
	enum ec_match_reason	 reason;
	char			 detail[200];	/* the range or the problem */
};

/* A lookup's hits, sorted by (id, ecosystem, package). */
struct ec_match_result {
	struct ec_match_hit	*hits;		/* owned */
	size_t			 nhits;
};

int	ec_match_index_new(struct ec_match_index **out, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Index one OSV advisory ("advisory" is borrowed; what is needed is
 * copied).  Affected entries without a package are skipped.  A missing
 * id, a malformed affected entry, range or event is EC_ERR_REQUEST_INVALID
 * naming it; past a bound EC_ERR_TOO_LARGE; either way the index is
 * unchanged.
 */
int	ec_match_index_add(struct ec_match_index *ix, const json_t *advisory,
	    struct ec_err *err) EC_MUST_CHECK;

/* Advisories and affected entries indexed so far. */
size_t	ec_match_index_advisories(const struct ec_match_index *ix);
size_t	ec_match_index_entries(const struct ec_match_index *ix);

/*
 * The advisories affecting "version" (NULL: unknown, every candidate is
 * NOT_EVALUABLE) of package "name" in OSV ecosystem "ecosystem"
 * ("Debian:12" matches "Debian:12" and "Debian" advisories, not
 * "Debian:11"; "Ubuntu:22.04" matches "Ubuntu:22.04:LTS").  Borrowed pointers in the hits live until the index is
 * changed or freed.  EC_ERR_NOMEM only; out is the caller's to dispose.
 */
int	ec_match_lookup(struct ec_match_result *out,
	    const struct ec_match_index *ix, const char *ecosystem,
	    const char *name, const char *version, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The same for a purl (ec_purl): its OSV ecosystem, name and version
 * (or "version" when not NULL).  A purl that does not parse, or whose
 * type has no OSV ecosystem, is EC_ERR_REQUEST_INVALID: the caller
 * reports the component as unmatched.
 */
int	ec_match_purl(struct ec_match_result *out,
	    const struct ec_match_index *ix, const char *purl, size_t len,
	    const char *version, struct ec_err *err) EC_MUST_CHECK;

void	ec_match_result_dispose(struct ec_match_result *r);

/*
 * Evaluate one OSV range object (borrowed) for "version" of "ecosystem":
 * *out is true when the version is inside.  A GIT range, an ecosystem
 * without an order, or a version (the component's or an event's) the
 * grammar rejects is EC_ERR_REQUEST_INVALID saying which.
 */
int	ec_match_range(bool *out, const char *ecosystem, const json_t *range,
	    const char *version, struct ec_err *err) EC_MUST_CHECK;

void	ec_match_index_free(struct ec_match_index *ix);

#endif
