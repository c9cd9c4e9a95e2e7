/*
 * ec_file: opening the files an operator names (documents to ingest, keys,
 * bundles) without being hung or fooled by what is at the path.
 */
#ifndef EC_FILE_H
#define EC_FILE_H

#include <stdbool.h>

#include "ec_err.h"

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

#endif
