/*
 * ec_publish: staging directories and atomic publication, safe when
 * several builders share the directories (other processes, other hosts
 * on a shared file system) and when one of them is killed.
 *
 * Staging.  ec_publish_staging_new() makes a private directory
 * "<parent>/<prefix>" plus six mkdtemp(3) characters, holding a file
 * "lock" on which the builder keeps an exclusive flock(2) for as long as
 * the staging lives.  The lock
 * is taken before the file gets its name, so a staging directory either
 * has no "lock" yet (being created: left alone) or a locked one.  The
 * kernel drops the lock when its holder dies, however it dies (kill -9
 * included), so a lock that can be taken proves the builder is gone:
 * ec_publish_sweep() removes exactly those directories, never a live one.
 *
 * Publishing.  ec_publish_move() renames a finished file or directory
 * tree to "<dir>/<name>" with RENAME_NOREPLACE, after fsync of every file
 * and directory in it, and fsyncs "<dir>" after the rename so that a crash
 * cannot lose what was reported as published.  Across file systems it
 * copies first, into a staging directory of its own inside "<dir>" (so a
 * killed copy is swept like any staging), then renames.  When "<name>"
 * exists already: byte-identical content is success (a retried run),
 * anything else is EC_ERR_CONFLICT and the existing copy is untouched.
 */
#ifndef EC_PUBLISH_H
#define EC_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "ec_err.h"

/* Prefix of the copies ec_publish_move() makes inside the output directory. */
#define EC_PUBLISH_COPY_PREFIX	".ec-publish."

struct ec_staging;	/* opaque */

/*
 * Sweep "parent" (ec_publish_sweep), then create and lock a new staging
 * directory there (mode 0700).  *out is the caller's.  EC_ERR_IO with
 * the errno of the call that failed.
 */
int	ec_publish_staging_new(struct ec_staging **out, const char *parent,
	    const char *prefix, struct ec_err *err) EC_MUST_CHECK;
/* The staging directory's path; borrowed for the staging's life. */
const char	*ec_publish_staging_path(const struct ec_staging *s);
/* Remove the staging directory and everything in it; NULL is a no-op. */
void	ec_publish_staging_free(struct ec_staging *s);

/*
 * Remove every "<parent>/<prefix>*" directory whose lock can be taken
 * (its builder is dead).  Returns how many were removed; errors are
 * ignored, since a sweep is housekeeping and retried by the next build.
 */
size_t	ec_publish_sweep(const char *parent, const char *prefix);

/*
 * Make "dir" (mode 0755) when it does not exist; its parent must.
 * EC_ERR_REQUEST_INVALID when it is not a directory or cannot be made.
 */
int	ec_publish_outdir(const char *dir, struct ec_err *err) EC_MUST_CHECK;

/*
 * Publish the file or directory "from" as "<dir>/<name>" (see above).
 * *existed_out says whether an identical copy was there already (then
 * "from" is left for the caller to remove).  EC_ERR_CONFLICT, EC_ERR_IO.
 */
int	ec_publish_move(bool *existed_out, const char *from, const char *dir,
	    const char *name, struct ec_err *err) EC_MUST_CHECK;

/*
 * Copy the regular file "from" to "to" (created O_EXCL, mode 0644),
 * fsync'd; on failure "to" is removed.  EC_ERR_IO names the call that
 * failed with its own errno.
 */
int	ec_publish_copy_file(const char *from, const char *to,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
