/*
 * ec_bolt: a write-once BoltDB (bbolt format version 2) writer, the
 * container of Trivy's trivy.db.  The file is bulk-loaded bottom-up from
 * keys the caller hands over already sorted (specs/boltdb.md section 15),
 * so nothing is ever rewritten and memory holds one in-progress page per
 * tree level of each open bucket: it is bounded by the nesting depth and
 * the largest value, never by the size of the database.
 *
 * Pages are 4096 bytes, little-endian (boltdb.md section 1).  Leaves and
 * branches are filled the way bbolt leaves them at FillPercent 1.0, which
 * is what `bbolt compact` (and so the published trivy.db) uses: a page
 * takes elements while it stays within 4096 bytes, and always at least
 * two (bbolt's minKeysPerPage; boltdb.md sections 9 and 15).  A bucket
 * with no sub-buckets whose one leaf is at most 1024 bytes is stored
 * inline in its parent, exactly as bbolt's Bucket.inlineable decides
 * (section 8.3).  The file ends with an empty freelist page (section 5.2)
 * and two meta pages with FNV-1a checksums (section 4).  The same calls
 * give the same bytes.
 *
 * Keys are ordered bytewise (memcmp, shorter first on a tie; section 10)
 * within each bucket, bucket names and plain keys alike.
 */
#ifndef EC_BOLT_H
#define EC_BOLT_H

#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

/* Page size of every file we write (boltdb.md section 1). */
#define EC_BOLT_PAGE_SIZE	4096
/* bbolt's MaxKeySize and MaxValueSize (boltdb.md section 9). */
#define EC_BOLT_MAX_KEY		32768
#define EC_BOLT_MAX_VALUE	((size_t)0x7FFFFFFE)
/* Bucket nesting below the root; trivy.db needs 2. */
#define EC_BOLT_MAX_DEPTH	16

struct ec_bolt;		/* opaque */

/*
 * Start a database at "path", created O_EXCL (mode 0644) and written
 * front to back, then its first three pages at the end.  *out is the
 * caller's.  EC_ERR_IO, EC_ERR_NOMEM.
 */
int	ec_bolt_new(struct ec_bolt **out, const char *path,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Open bucket "name" inside the bucket open now (the root, at first).
 * Every name and key of one bucket must come in strictly increasing
 * order.  Out-of-order or duplicate names, empty names, names over
 * EC_BOLT_MAX_KEY and nesting past EC_BOLT_MAX_DEPTH fail with
 * EC_ERR_INTERNAL: the order is the caller's to keep, not the user's.
 */
int	ec_bolt_bucket_begin(struct ec_bolt *b, const void *name, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Add "key" = "val" to the bucket open now; both are copied.  The root
 * takes no plain keys (bbolt has no Tx.Put; boltdb.md section 8.1).
 * EC_ERR_INTERNAL for a key out of order, a duplicate, an empty key, a key
 * over EC_BOLT_MAX_KEY or a value over EC_BOLT_MAX_VALUE; EC_ERR_IO,
 * EC_ERR_NOMEM.
 */
int	ec_bolt_put(struct ec_bolt *b, const void *key, size_t klen,
	    const void *val, size_t vlen, struct ec_err *err) EC_MUST_CHECK;

/* Close the bucket opened last.  EC_ERR_INTERNAL at the root. */
int	ec_bolt_bucket_end(struct ec_bolt *b, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Write the root page, the freelist and both metas, fsync and close.
 * Every bucket must have been closed (EC_ERR_INTERNAL).  The number of
 * pages, so the file's size over EC_BOLT_PAGE_SIZE, goes to *pages_out
 * (may be NULL).  EC_ERR_IO.
 */
int	ec_bolt_finish(uint64_t *pages_out, struct ec_bolt *b,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * After any failure every later call fails with EC_ERR_INTERNAL, since
 * the pages written so far no longer describe a valid tree.  Release;
 * unlinks the file if it was never finished.  NULL is a no-op.
 */
void	ec_bolt_free(struct ec_bolt *b);

#endif
