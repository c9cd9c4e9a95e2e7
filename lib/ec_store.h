/*
 * ec_store: the evidence store as export profiles read it, with no libpq
 * type in sight, so that a profile can be unit-tested against the
 * in-memory store below and run for real against PostgreSQL.
 *
 * A read is one snapshot: ec_store_begin() opens it for one tenant and
 * ec_store_end() closes it; every call in between sees the same state.
 * Every query the PostgreSQL store makes carries an explicit "tenant = $n"
 * predicate besides running under row-level security, so that a role that
 * bypasses RLS (a superuser, BYPASSRLS) still reads one tenant only.
 *
 * Documents come in (upstream id, source) order, bytewise, one at a time:
 * memory holds one document whatever the number of documents.
 */
#ifndef EC_STORE_H
#define EC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_hash.h"

struct ec_db;		/* ec_db.h; opaque here on purpose */
struct ec_store;	/* opaque */

/* One stored document; every pointer is borrowed for the callback only. */
struct ec_store_doc {
	const char	*kind;		/* "advisory", "vex", "sbom" */
	const char	*source;
	const char	*id;		/* upstream id */
	const char	*sha256;	/* hex of the canonical bytes */
	const char	*doc;		/* RFC 8785 canonical bytes */
	size_t		 len;
};

/*
 * What one kind holds: the document count, the newest modified time and
 * the canonical bytes of all its documents (for size estimates).
 */
struct ec_store_stats {
	uint64_t	docs;
	int64_t		max_modified_us;	/* µs since the epoch, >= 0 */
	uint64_t	bytes;			/* sum of the documents' sizes */
};

/*
 * The PostgreSQL store over "db" (borrowed; it must outlive the store).
 * Only EC_ERR_NOMEM.
 */
int	ec_store_pg_new(struct ec_store **out, struct ec_db *db,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * An empty in-memory store for tests and tools without a database.
 * ec_store_mem_add() copies one document in; the same (tenant, kind, id,
 * source) twice is EC_ERR_CONFLICT, as the primary key would refuse it.
 * The SHA-256 is computed here.  "modified_us" < 0 means unknown.
 */
int	ec_store_mem_new(struct ec_store **out, struct ec_err *err)
	    EC_MUST_CHECK;
int	ec_store_mem_add(struct ec_store *s, const char *tenant,
	    const char *kind, const char *source, const char *id,
	    int64_t modified_us, const void *doc, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Open a read snapshot of "tenant" (checked with ec_tenant_check); one at
 * a time.  EC_ERR_REQUEST_INVALID, EC_ERR_UNAVAILABLE, EC_ERR_DB.
 */
int	ec_store_begin(struct ec_store *s, const char *tenant,
	    struct ec_err *err) EC_MUST_CHECK;
/* Close the snapshot, if one is open; never fails. */
void	ec_store_end(struct ec_store *s);

/* Count, newest modified time and total size of one kind. */
int	ec_store_stats(struct ec_store_stats *out, struct ec_store *s,
	    const char *kind, struct ec_err *err) EC_MUST_CHECK;

/*
 * Call "fn" for every document of "kind", in (upstream id, source) order.
 * A non-zero return from "fn" stops the walk and is passed up.  EC_ERR_DB
 * or EC_ERR_INTERNAL (a row the schema should have refused).
 */
typedef int ec_store_doc_fn(void *arg, const struct ec_store_doc *d,
    struct ec_err *err);
int	ec_store_each(struct ec_store *s, const char *kind,
	    ec_store_doc_fn *fn, void *arg, struct ec_err *err) EC_MUST_CHECK;

/* Release the store (not the database it reads).  NULL is a no-op. */
void	ec_store_free(struct ec_store *s);

#endif
