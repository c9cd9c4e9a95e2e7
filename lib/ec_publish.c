/*
 * ec_publish: locked staging directories, the sweep of dead ones, and
 * no-replace publication (see ec_publish.h for the rules).
 */
/* renameat2(2) and RENAME_NOREPLACE are GNU extensions. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ec_buf.h"
#include "ec_hash.h"
#include "ec_publish.h"

/* Characters of the staging name that mkdtemp(3) fills in. */
#define PUBLISH_TEMPLATE_X	6
#define PUBLISH_PATH_MAX	4096
#define PUBLISH_LOCK		"lock"
#define PUBLISH_COPY_BUF	(1024 * 1024)
/* Depth of a published tree we copy or compare; ours are shallow. */
#define PUBLISH_DEPTH_MAX	16

struct ec_staging {
	char	path[PUBLISH_PATH_MAX];
	int	lock_fd;		/* holds the flock */
};

static int
publish_errno(struct ec_err *err, const char *what, const char *path,
    int e)
{
	return ec_err_set(err, EC_ERR_IO, "%s %.200s: %s", what, path,
	    strerror(e));
}

/* Remove "path" and, if a directory, everything below it. */
static void
publish_rmtree(const char *path, int depth)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 sub[PUBLISH_PATH_MAX];

	if (lstat(path, &st) == -1)
		return;
	if (!S_ISDIR(st.st_mode) || depth > PUBLISH_DEPTH_MAX) {
		(void)unlink(path);
		return;
	}
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (snprintf(sub, sizeof(sub), "%s/%s", path,
			    de->d_name) < (int)sizeof(sub))
				publish_rmtree(sub, depth + 1);
		}
		(void)closedir(d);
	}
	(void)rmdir(path);
}

size_t
ec_publish_sweep(const char *parent, const char *prefix)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PUBLISH_PATH_MAX], lock[PUBLISH_PATH_MAX];
	size_t		 n = 0, plen = strlen(prefix);
	int		 fd;

	if ((d = opendir(parent)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    strlen(de->d_name) != plen + PUBLISH_TEMPLATE_X)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", parent,
		    de->d_name) >= (int)sizeof(path) ||
		    snprintf(lock, sizeof(lock), "%s/%s", path,
		    PUBLISH_LOCK) >= (int)sizeof(lock))
			continue;
		/* No lock file yet: a builder is still creating it. */
		if ((fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		/* Taken: its holder is dead.  Keep it while removing. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			publish_rmtree(path, 0);
			n++;
		}
		(void)close(fd);
	}
	(void)closedir(d);
	return n;
}

/*
 * The lock file is made under a temporary name, locked, filled with the
 * holder's pid and start time (for people reading it), and only then
 * named "lock": a sweeper never sees it unlocked while we live.
 */
static int
publish_lock(struct ec_staging *s, struct ec_err *err)
{
	char	tmp[PUBLISH_PATH_MAX + 16], lock[PUBLISH_PATH_MAX + 16];
	char	line[64];
	int	n;

	(void)snprintf(tmp, sizeof(tmp), "%s/%s.new", s->path, PUBLISH_LOCK);
	(void)snprintf(lock, sizeof(lock), "%s/%s", s->path, PUBLISH_LOCK);
	if ((s->lock_fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return publish_errno(err, "creating", tmp, errno);
	if (flock(s->lock_fd, LOCK_EX) == -1)
		return publish_errno(err, "locking", tmp, errno);
	n = snprintf(line, sizeof(line), "%ld %lld\n", (long)getpid(),
	    (long long)time(NULL));
	if (write(s->lock_fd, line, (size_t)n) != n)
		return publish_errno(err, "writing", tmp, errno);
	if (rename(tmp, lock) == -1)
		return publish_errno(err, "renaming", tmp, errno);
	return 0;
}

int
ec_publish_staging_new(struct ec_staging **out, const char *parent,
    const char *prefix, struct ec_err *err)
{
	struct ec_staging	*s;
	int			 n;

	(void)ec_publish_sweep(parent, prefix);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ec_err_nomem(err);
	s->lock_fd = -1;
	n = snprintf(s->path, sizeof(s->path), "%s/%s", parent, prefix);
	if (n < 0 || (size_t)n + PUBLISH_TEMPLATE_X >= sizeof(s->path)) {
		free(s);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "staging directory name too long");
	}
	/* mkdtemp(3) replaces a trailing run of six 'X'. */
	memset(s->path + n, 'X', PUBLISH_TEMPLATE_X);
	s->path[n + PUBLISH_TEMPLATE_X] = '\0';
	if (mkdtemp(s->path) == NULL) {
		(void)publish_errno(err, "staging in", parent, errno);
		free(s);
		return -1;
	}
	if (publish_lock(s, err) == -1) {
		ec_publish_staging_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

const char *
ec_publish_staging_path(const struct ec_staging *s)
{
	return s->path;
}

void
ec_publish_staging_free(struct ec_staging *s)
{
	if (s == NULL)
		return;
	publish_rmtree(s->path, 0);
	if (s->lock_fd != -1)
		(void)close(s->lock_fd);
	free(s);
}

int
ec_publish_outdir(const char *dir, struct ec_err *err)
{
	struct stat	st;

	if (dir == NULL || dir[0] == '\0')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "no output directory");
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "output %.200s is not a directory", dir);
		return 0;
	}
	/* One level only, as install -d would not: a typo stays visible. */
	if (errno != ENOENT || (mkdir(dir, 0755) == -1 && errno != EEXIST))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output directory %.200s cannot be created: %s", dir,
		    strerror(errno));
	return 0;
}

static int
publish_fsync_path(const char *path, struct ec_err *err)
{
	int	fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return publish_errno(err, "opening", path, errno);
	if (fsync(fd) == -1)
		e = errno;
	(void)close(fd);
	return e != 0 ? publish_errno(err, "fsync of", path, e) : 0;
}

/* fsync every file and directory of the tree at "path", depth first. */
static int
publish_fsync_tree(const char *path, int depth, struct ec_err *err)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 sub[PUBLISH_PATH_MAX];
	int		 rc = 0;

	if (lstat(path, &st) == -1)
		return publish_errno(err, "reading", path, errno);
	if (S_ISDIR(st.st_mode)) {
		if (depth > PUBLISH_DEPTH_MAX)
			return ec_err_set(err, EC_ERR_IO, "%.200s: too deep",
			    path);
		if ((d = opendir(path)) == NULL)
			return publish_errno(err, "reading", path, errno);
		while (rc == 0 && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			(void)snprintf(sub, sizeof(sub), "%s/%s", path,
			    de->d_name);
			rc = publish_fsync_tree(sub, depth + 1, err);
		}
		(void)closedir(d);
		if (rc != 0)
			return rc;
	}
	return publish_fsync_path(path, err);
}

/* Write all of "len" bytes, keeping the errno of the write that failed. */
static int
publish_write_all(int fd, const char *p, size_t len, const char *path,
    struct ec_err *err)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return publish_errno(err, "writing", path, errno);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ec_publish_copy_file(const char *from, const char *to, struct ec_err *err)
{
	char	*buf;
	ssize_t	 n;
	int	 in, o = -1, rc = -1, e = 0;

	if ((buf = malloc(PUBLISH_COPY_BUF)) == NULL)
		return ec_err_nomem(err);
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1) {
		(void)publish_errno(err, "opening", from, errno);
		goto out;
	}
	if ((o = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1) {
		(void)publish_errno(err, "creating", to, errno);
		goto out;
	}
	for (;;) {
		if ((n = read(in, buf, PUBLISH_COPY_BUF)) == -1) {
			if (errno == EINTR)
				continue;
			(void)publish_errno(err, "reading", from, errno);
			goto out;
		}
		if (n == 0)
			break;
		if (publish_write_all(o, buf, (size_t)n, to, err) == -1)
			goto out;
	}
	if (fsync(o) == -1) {
		(void)publish_errno(err, "fsync of", to, errno);
		goto out;
	}
	rc = 0;
out:
	if (o != -1 && close(o) == -1 && rc == 0) {
		e = errno;
		rc = publish_errno(err, "closing", to, e);
	}
	if (in != -1)
		(void)close(in);
	if (rc == -1 && o != -1)
		(void)unlink(to);
	free(buf);
	return rc;
}

/* Copy the tree "from" to the new path "to", files and directories. */
static int
publish_copy_tree(const char *from, const char *to, int depth,
    struct ec_err *err)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 a[PUBLISH_PATH_MAX], b[PUBLISH_PATH_MAX];
	int		 rc = 0;

	if (lstat(from, &st) == -1)
		return publish_errno(err, "reading", from, errno);
	if (S_ISREG(st.st_mode))
		return ec_publish_copy_file(from, to, err);
	if (!S_ISDIR(st.st_mode) || depth > PUBLISH_DEPTH_MAX)
		return ec_err_set(err, EC_ERR_IO,
		    "%.200s: not a file or directory we publish", from);
	if (mkdir(to, 0755) == -1)
		return publish_errno(err, "creating", to, errno);
	if ((d = opendir(from)) == NULL)
		return publish_errno(err, "reading", from, errno);
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(a, sizeof(a), "%s/%s", from, de->d_name);
		(void)snprintf(b, sizeof(b), "%s/%s", to, de->d_name);
		rc = publish_copy_tree(a, b, depth + 1, err);
	}
	(void)closedir(d);
	return rc;
}

/* Count regular files below "path"; -1 on any error. */
static long
publish_count(const char *path, int depth)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 sub[PUBLISH_PATH_MAX];
	long		 n = 0, k;

	if (lstat(path, &st) == -1 || depth > PUBLISH_DEPTH_MAX)
		return -1;
	if (S_ISREG(st.st_mode))
		return 1;
	if (!S_ISDIR(st.st_mode) || (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if ((k = publish_count(sub, depth + 1)) == -1) {
			n = -1;
			break;
		}
		n += k;
	}
	(void)closedir(d);
	return n;
}

/* Every file of tree "a" is in "b" with the same bytes. */
static bool
publish_covered(const char *a, const char *b, int depth)
{
	uint8_t		 da[EC_SHA256_LEN], db[EC_SHA256_LEN];
	uint64_t	 sa, sb;
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 x[PUBLISH_PATH_MAX], y[PUBLISH_PATH_MAX];
	bool		 same = true;

	if (lstat(a, &st) == -1 || depth > PUBLISH_DEPTH_MAX)
		return false;
	if (S_ISREG(st.st_mode))
		return ec_sha256_file(da, &sa, a, NULL) == 0 &&
		    ec_sha256_file(db, &sb, b, NULL) == 0 && sa == sb &&
		    memcmp(da, db, sizeof(da)) == 0;
	if (!S_ISDIR(st.st_mode) || (d = opendir(a)) == NULL)
		return false;
	while (same && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(x, sizeof(x), "%s/%s", a, de->d_name);
		(void)snprintf(y, sizeof(y), "%s/%s", b, de->d_name);
		same = publish_covered(x, y, depth + 1);
	}
	(void)closedir(d);
	return same;
}

/* The existing "to" has exactly the files and bytes of "from". */
static bool
publish_same(const char *from, const char *to)
{
	long	n = publish_count(from, 0);

	return n >= 0 && n == publish_count(to, 0) &&
	    publish_covered(from, to, 0);
}

/* rename(2) that never replaces; EEXIST when "to" is there. */
static int
publish_rename_noreplace(const char *from, const char *to)
{
	struct stat	st;

	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without the flag: link(2) refuses to replace. */
	if (lstat(from, &st) == 0 && S_ISREG(st.st_mode)) {
		if (link(from, to) == -1)
			return -1;
		(void)unlink(from);
		return 0;
	}
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

/* Rename into place; an existing name is success only if identical. */
static int
publish_place(bool *existed_out, const char *from, const char *to,
    const char *dir, struct ec_err *err)
{
	if (publish_rename_noreplace(from, to) == 0)
		return publish_fsync_path(dir, err);
	if (errno != EEXIST && errno != ENOTEMPTY)
		return publish_errno(err, "publishing", to, errno);
	if (!publish_same(from, to))
		return ec_err_set(err, EC_ERR_CONFLICT,
		    "%.200s exists with different content: a run id was "
		    "reused for other inputs", to);
	*existed_out = true;
	return 0;
}

int
ec_publish_move(bool *existed_out, const char *from, const char *dir,
    const char *name, struct ec_err *err)
{
	struct ec_staging	*tmp = NULL;
	char			 to[PUBLISH_PATH_MAX], via[PUBLISH_PATH_MAX];
	int			 rc = -1;

	*existed_out = false;
	if (snprintf(to, sizeof(to), "%s/%s", dir, name) >= (int)sizeof(to))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
	if (publish_fsync_tree(from, 0, err) == -1)
		return -1;
	if (publish_rename_noreplace(from, to) == 0)
		return publish_fsync_path(dir, err);
	if (errno != EXDEV)
		return publish_place(existed_out, from, to, dir, err);
	/* Another file system: copy beside the target, then rename. */
	if (ec_publish_staging_new(&tmp, dir, EC_PUBLISH_COPY_PREFIX,
	    err) == -1)
		return -1;
	if (snprintf(via, sizeof(via), "%s/%s", ec_publish_staging_path(tmp),
	    name) >= (int)sizeof(via)) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
		goto out;
	}
	if (publish_copy_tree(from, via, 0, err) == -1 ||
	    publish_fsync_tree(via, 0, err) == -1 ||
	    publish_place(existed_out, via, to, dir, err) == -1)
		goto out;
	rc = 0;
out:
	ec_publish_staging_free(tmp);
	return rc;
}
