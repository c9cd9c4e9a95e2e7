/*
 * ec_file: output files that appear whole or not at all, and the plain
 * read and write loops the streaming modules share.  An ec_file_out is a
 * hidden temporary file in the directory of its final path (so the last
 * step never crosses a file system); ec_file_out_commit() fsyncs it and
 * links it under the final name, which must not exist yet, then fsyncs the
 * directory.  Until the commit the final name does not exist, so a failure
 * at any point leaves nothing behind once the struct is disposed of.
 *
 * It also opens the files an operator names (documents to ingest, keys,
 * bundles) without being hung or fooled by what is at the path.
 */
#ifndef EC_FILE_H
#define EC_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "ec_err.h"

struct ec_file_out {
	int	fd;			/* the temporary; -1 once closed */
	bool	committed;
	bool	replace;		/* commit may replace the final name */
	char	tmp[PATH_MAX];		/* the temporary's name */
	char	path[PATH_MAX];		/* the final name */
};

/*
 * Create the temporary for "path" with exactly "mode" (fchmod, whatever
 * the umask).  A path too long is EC_ERR_REQUEST_INVALID, a final name
 * that exists already EC_ERR_CONFLICT (checked again at the commit, which
 * alone is authoritative), the file system EC_ERR_IO.  On failure "f" is
 * still safe to dispose of.
 */
int	ec_file_out_open(struct ec_file_out *f, const char *path, mode_t mode,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * The same for a file that is updated in place (TUF's timestamp.json):
 * the commit renames the temporary over the final name, atomically.
 */
int	ec_file_out_open_replace(struct ec_file_out *f, const char *path,
	    mode_t mode, struct ec_err *err) EC_MUST_CHECK;
/* Append "len" bytes; EC_ERR_IO naming the final path. */
int	ec_file_out_write(struct ec_file_out *f, const void *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * fsync, close and link the temporary under the final name, then remove
 * the temporary's name and fsync the directory.  EC_ERR_CONFLICT when the
 * final name appeared meanwhile (nothing is replaced), EC_ERR_IO.
 */
int	ec_file_out_commit(struct ec_file_out *f, struct ec_err *err)
	    EC_MUST_CHECK;
/* Close and, unless committed, remove the temporary.  Idempotent. */
void	ec_file_out_dispose(struct ec_file_out *f);

/*
 * True when "name" is a plain file name we write and serve: 1 to "max"
 * of [A-Za-z0-9._-] (ec_name_char), not starting with a dot, so never a
 * directory, "..", a hidden file or a path.
 */
bool	ec_file_name_ok(const char *name, size_t max);

/*
 * Write all "len" bytes to "fd", retrying short writes and EINTR;
 * EC_ERR_IO naming "what".
 */
int	ec_file_write_all(int fd, const void *p, size_t len, const char *what,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * Read up to "len" bytes, stopping early only at end of file; the count
 * goes to *got.  EC_ERR_IO naming "what".
 */
int	ec_file_read_full(size_t *got, int fd, void *p, size_t len,
	    const char *what, struct ec_err *err) EC_MUST_CHECK;
/*
 * Read the regular file "path" whole, at most "max" bytes (EC_ERR_TOO_LARGE
 * past it; a FIFO or device is EC_ERR_REQUEST_INVALID, since it might never
 * end).  *out is the caller's (free(3)) and NUL-terminated after *len_out
 * bytes.  The bytes are wiped before they are freed on failure, so key
 * files may come through here.  EC_ERR_IO, EC_ERR_NOMEM.
 */
int	ec_file_read_small(uint8_t **out, size_t *len_out, const char *path,
	    size_t max, struct ec_err *err) EC_MUST_CHECK;

/*
 * Open "path" read-only for a regular file.  The open itself is
 * non-blocking, so a FIFO or a device never hangs the caller: anything
 * that is not a regular file is closed again and refused with
 * EC_ERR_REQUEST_INVALID ("not a regular file (a FIFO)").  "follow":
 * whether a symbolic link at the last component is followed; when false a
 * link is refused the same way.  A missing or unreadable file fails with
 * EC_ERR_REQUEST_INVALID and strerror's text.  On success *fd_out is a
 * blocking, close-on-exec descriptor, the caller's to close.
 */
int	ec_file_open_regular(int *fd_out, const char *path, bool follow,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * The same open for files the caller names itself (key files, bundles),
 * links followed: every message starts with "path"; a file that cannot be
 * opened is EC_ERR_IO, anything but a regular file EC_ERR_REQUEST_INVALID
 * ("PATH: not a regular file (a FIFO)").  The fstat of the open file goes
 * to *st_out, so size and mode are the descriptor's, not a second look at
 * the path.
 */
int	ec_file_open_regular_stat(int *fd_out, struct stat *st_out,
	    const char *path, struct ec_err *err) EC_MUST_CHECK;

#endif
