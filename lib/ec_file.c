/* ec_file: all-or-nothing output files and plain I/O loops. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "ec_buf.h"
#include "ec_file.h"

/* Characters of the temporary's name that mkstemp(3) fills in. */
#define FILE_TEMPLATE_X	6

/* The directory part of f->path: everything before the last slash. */
static void
file_dir(char *out, size_t size, const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		(void)snprintf(out, size, ".");
	else if (slash == path)
		(void)snprintf(out, size, "/");
	else
		(void)snprintf(out, size, "%.*s", (int)(slash - path), path);
}

static int
file_out_open(struct ec_file_out *f, const char *path, mode_t mode,
    bool replace, struct ec_err *err)
{
	const char	*slash, *base;
	struct stat	 st;
	int		 n;

	f->fd = -1;
	f->committed = false;
	f->replace = replace;
	f->tmp[0] = '\0';
	if (snprintf(f->path, sizeof(f->path), "%s", path) >=
	    (int)sizeof(f->path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
	slash = strrchr(path, '/');
	base = slash != NULL ? slash + 1 : path;
	if (*base == '\0')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: output names a directory", path);
	/* Cheap early answer; the commit's link(2) is what really decides. */
	if (!replace && lstat(path, &st) == 0)
		return ec_err_set(err, EC_ERR_CONFLICT,
		    "%s already exists; not overwriting it", path);
	n = snprintf(f->tmp, sizeof(f->tmp), "%.*s.%s.tmp",
	    (int)(base - path), path, base);
	if (n < 0 || (size_t)n + FILE_TEMPLATE_X >= sizeof(f->tmp)) {
		f->tmp[0] = '\0';
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
	}
	/* mkstemp(3) replaces a trailing run of six 'X'. */
	memset(f->tmp + n, 'X', FILE_TEMPLATE_X);
	f->tmp[n + FILE_TEMPLATE_X] = '\0';
	if ((f->fd = mkstemp(f->tmp)) == -1) {
		f->tmp[0] = '\0';
		return ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	if (fchmod(f->fd, mode) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: chmod: %s", path,
		    strerror(errno));
	return 0;
}

int
ec_file_out_open(struct ec_file_out *f, const char *path, mode_t mode,
    struct ec_err *err)
{
	return file_out_open(f, path, mode, false, err);
}

int
ec_file_out_open_replace(struct ec_file_out *f, const char *path,
    mode_t mode, struct ec_err *err)
{
	return file_out_open(f, path, mode, true, err);
}

int
ec_file_out_write(struct ec_file_out *f, const void *p, size_t len,
    struct ec_err *err)
{
	return ec_file_write_all(f->fd, p, len, f->path, err);
}

int
ec_file_out_commit(struct ec_file_out *f, struct ec_err *err)
{
	char	dir[PATH_MAX];
	int	dfd, rc;

	if (fsync(f->fd) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: fsync: %s", f->path,
		    strerror(errno));
	rc = close(f->fd);
	f->fd = -1;
	if (rc == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: close: %s", f->path,
		    strerror(errno));
	if (f->replace) {
		if (rename(f->tmp, f->path) == -1)
			return ec_err_set(err, EC_ERR_IO, "%s: %s", f->path,
			    strerror(errno));
		f->tmp[0] = '\0';
	} else if (link(f->tmp, f->path) == -1) {
		/* link(2), unlike rename(2), never replaces a file. */
		if (errno == EEXIST)
			return ec_err_set(err, EC_ERR_CONFLICT,
			    "%s already exists; not overwriting it", f->path);
		return ec_err_set(err, EC_ERR_IO, "%s: %s", f->path,
		    strerror(errno));
	}
	f->committed = true;
	if (f->tmp[0] != '\0')
		(void)unlink(f->tmp);
	file_dir(dir, sizeof(dir), f->path);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	/* The new name must survive a crash too, not only the contents. */
	rc = fsync(dfd);
	(void)close(dfd);
	if (rc == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: fsync: %s", dir,
		    strerror(errno));
	return 0;
}

void
ec_file_out_dispose(struct ec_file_out *f)
{
	if (f->fd != -1) {
		(void)close(f->fd);
		f->fd = -1;
	}
	if (!f->committed && f->tmp[0] != '\0')
		(void)unlink(f->tmp);
	f->tmp[0] = '\0';
}

bool
ec_file_name_ok(const char *name, size_t max)
{
	size_t	i, len = strlen(name);

	if (len == 0 || len > max || name[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!ec_name_char(name[i]))
			return false;
	return true;
}

int
ec_file_write_all(int fd, const void *p, size_t len, const char *what,
    struct ec_err *err)
{
	const uint8_t	*b = p;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, b, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return ec_err_set(err, EC_ERR_IO, "%s: %s", what,
			    strerror(errno));
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ec_file_read_full(size_t *got, int fd, void *p, size_t len, const char *what,
    struct ec_err *err)
{
	uint8_t	*b = p;
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		n = read(fd, b + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return ec_err_set(err, EC_ERR_IO, "%s: %s", what,
			    strerror(errno));
		if (n == 0)
			break;
		off += (size_t)n;
	}
	*got = off;
	return 0;
}

int
ec_file_read_small(uint8_t **out, size_t *len_out, const char *path,
    size_t max, struct ec_err *err)
{
	uint8_t		*p = NULL;
	size_t		 len = 0;
	int		 fd, rc = -1;

	/* A FIFO named as a key or recipients file must not hang us. */
	if (ec_file_open_regular(&fd, path, true, err) == -1)
		return ec_err_prefix(err, "%s", path);
	if ((p = malloc(max + 2)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	/* One byte past the bound tells a file at the limit from a larger. */
	if (ec_file_read_full(&len, fd, p, max + 1, path, err) == -1)
		goto out;
	if (len > max) {
		(void)ec_err_set(err, EC_ERR_TOO_LARGE, "%s exceeds %zu bytes",
		    path, max);
		goto out;
	}
	p[len] = '\0';
	*out = p;
	*len_out = len;
	p = NULL;
	rc = 0;
out:
	if (p != NULL) {
		gnutls_memset(p, 0, max + 2);
		free(p);
	}
	(void)close(fd);
	return rc;
}
