/* ec_file: open named files without blocking on FIFOs or devices. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_file.h"

static const char *
file_type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a special file";
}

/* "open_code": the code of a failed open(2), whose errno text it gets. */
static int
file_open_regular(int *fd_out, struct stat *st_out, const char *path,
    bool follow, enum ec_code open_code, struct ec_err *err)
{
	struct stat	st;
	int		fd, flags;

	/*
	 * O_NONBLOCK: opening a FIFO for reading otherwise waits for a
	 * writer, forever.  The flag is cleared once we know the file is
	 * regular, where it has no effect anyway.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
	    (follow ? 0 : O_NOFOLLOW));
	if (fd == -1) {
		if (errno == ELOOP && !follow)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "a symbolic link, not followed");
		return ec_err_set(err, open_code, "%s", strerror(errno));
	}
	if (fstat(fd, &st) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not a regular file (%s)", file_type_name(st.st_mode));
		goto fail;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "%s", strerror(errno));
		goto fail;
	}
	*fd_out = fd;
	if (st_out != NULL)
		*st_out = st;
	return 0;
fail:
	(void)close(fd);
	return -1;
}

int
ec_file_open_regular(int *fd_out, const char *path, bool follow,
    struct ec_err *err)
{
	return file_open_regular(fd_out, NULL, path, follow,
	    EC_ERR_REQUEST_INVALID, err);
}

int
ec_file_open_regular_stat(int *fd_out, struct stat *st_out,
    const char *path, struct ec_err *err)
{
	if (file_open_regular(fd_out, st_out, path, true, EC_ERR_IO,
	    err) == -1)
		return ec_err_prefix(err, "%.200s", path);
	return 0;
}
