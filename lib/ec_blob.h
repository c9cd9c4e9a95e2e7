/*
 * ec_blob: the content-addressed artifact store, a directory tree
 *
 *   <store>/sha256/<first two hex digits>/<64 hex digits>
 *
 * holding each distinct output once, whichever runs or tenants produced
 * it.  A blob appears only complete: it is written elsewhere (in a
 * staging directory under <store>/tmp, ec_publish.h), fsync'd and renamed
 * into place, and the directory fsync'd.  A blob already present is kept:
 * the same digest is the same bytes, which is checked, not assumed.
 * Nothing here knows tenants; the artifacts table says who may read what.
 */
#ifndef EC_BLOB_H
#define EC_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_hash.h"

/* "sha256/aa/<64 hex>" and its NUL. */
#define EC_BLOB_REL_MAX	(7 + 3 + 64 + 1)
/* Staging directories of the builders, under the store. */
#define EC_BLOB_TMP	"tmp"

/* The store-relative path of the blob with digest "hex" (64 hex). */
void	ec_blob_rel(char out[EC_BLOB_REL_MAX], const char *hex);

/*
 * Make <store>, <store>/sha256 and <store>/tmp when missing (0755; the
 * parent of <store> must exist).  EC_ERR_IO naming the directory.
 */
int	ec_blob_store_init(const char *store, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Move the finished regular file "from" (on the store's file system, or
 * copied when not) into the store under its SHA-256, computed here from
 * the bytes.  The digest goes to hex_out and the size to *size_out;
 * *existed_out says whether the blob was there already, in which case
 * "from" is left for the caller's staging cleanup.  EC_ERR_IO;
 * EC_ERR_CONFLICT if a file under that name holds other bytes (a
 * corrupted store: it is left alone for an operator to look at).
 */
int	ec_blob_put(char hex_out[EC_SHA256_HEX], uint64_t *size_out,
	    bool *existed_out, const char *store, const char *from,
	    struct ec_err *err) EC_MUST_CHECK;

/* Relative paths of stored files (the artifacts table's name). */
#define EC_BLOB_NAME_MAX	255

/* One file of a tree put into the store by ec_blob_put_tree(). */
struct ec_blob_file {
	char		path[EC_BLOB_NAME_MAX + 1];	/* relative */
	char		sha256[EC_SHA256_HEX];
	uint64_t	size;
};

/*
 * The walk of ec_blob_put_tree() alone: the regular files below "dir"
 * in bytewise order of their relative paths, with the same refusals and
 * limits, sha256 and size left empty; nothing is stored.  *files_out
 * (count in *n_out) is the caller's, free(3).
 */
int	ec_blob_list_tree(struct ec_blob_file **files_out, size_t *n_out,
	    const char *dir, size_t max, struct ec_err *err) EC_MUST_CHECK;

/*
 * Put every regular file below the directory "dir" (a published output
 * tree) into the store as ec_blob_put() does, in bytewise order of their
 * paths relative to "dir".  Anything but directories and regular files
 * (symlinks, devices, FIFOs), a relative path longer than
 * EC_BLOB_NAME_MAX or nesting past 16 levels is EC_ERR_IO before any
 * file is stored; more than "max" files is EC_ERR_TOO_LARGE.  *files_out
 * (count in *n_out) is the caller's, free(3).
 */
int	ec_blob_put_tree(struct ec_blob_file **files_out, size_t *n_out,
	    const char *store, const char *dir, size_t max,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Per-run views for downloads: <store>/runs/<tenant>/<run id>/<64 hex>,
 * hard links to the run's blobs.  nginx serves a signed download from a
 * run's view only, so removing the view (retention) ends every download
 * of that run at once while a blob another run shares stays served
 * through that run's own view.  Tenant and run id must be single path
 * components (no '/', not starting with '.'): EC_ERR_REQUEST_INVALID.
 */
#define EC_BLOB_RUNS	"runs"

/*
 * Link the blob "hex" into the run's view (directories made as needed).
 * A link already there to the same file is success.  EC_ERR_IO naming
 * the path; EC_ERR_NOT_FOUND when the blob is not in the store.
 */
int	ec_blob_run_link(const char *store, const char *tenant,
	    const char *run_id, const char *hex, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Remove the run's view: renamed out of <store>/runs first (under
 * <store>/tmp), so a reader sees the whole view or none of it, then
 * emptied and removed.  No view is success.  EC_ERR_IO.
 */
int	ec_blob_run_remove(const char *store, const char *tenant,
	    const char *run_id, struct ec_err *err) EC_MUST_CHECK;

/*
 * Delete the blob "hex" from the store (retention, once no live run
 * references it); an absent blob is success.  Views linking it keep
 * their own links.  EC_ERR_IO.
 */
int	ec_blob_remove(const char *store, const char *hex, struct ec_err *err)
	    EC_MUST_CHECK;

#endif
