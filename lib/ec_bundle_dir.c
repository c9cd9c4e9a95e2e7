/*
 * ec_bundle_dir: read an unpacked bundle, or a profile's directory output,
 * member by member, as ec_bundle_read() reads a .tar.zst: the same
 * callbacks, the same refusals (only regular files and directories, no
 * links, devices or FIFOs, at most EC_MAX_BUNDLE_ENTRIES files of at most
 * EC_MAX_ENTRY_BYTES each), so that exportctl verify checks both alike.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_limits.h"

/* Deeper than any output we write (blobs/sha256/<hex> is three). */
#define DIR_DEPTH_MAX	16
#define DIR_PATH_MAX	4096

struct dir_walk {
	const char		*root;		/* borrowed */
	ec_bundle_keep_fn	*keep;
	ec_bundle_member_fn	*fn;
	void			*arg;
	size_t			 files;
	struct ec_bundle_stats	*stats;		/* borrowed; may be NULL */
};

/* A member whose bytes the caller keeps (metadata): read it whole. */
static int
dir_read_kept(struct ec_buf *data, const char *path, const char *name,
    struct ec_err *err)
{
	char	chunk[65536];
	ssize_t	n;
	int	fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", name,
		    strerror(errno));
	while (rc == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			rc = ec_err_set(err, EC_ERR_IO, "%s: %s", name,
			    strerror(errno));
		else if ((rc = ec_buf_add(data, chunk, (size_t)n, err)) == -1 &&
		    err != NULL && err->code == EC_ERR_TOO_LARGE)
			err->code = EC_ERR_VERIFY;
	}
	(void)close(fd);
	return rc;
}

/* Hash a member (the walk saw a regular file), keeping it when asked. */
static int
dir_member(struct dir_walk *w, const char *path, const char *name,
    struct ec_err *err)
{
	struct ec_bundle_member	 m;
	struct ec_buf		 data;
	uint64_t		 max;
	int			 rc = -1;

	memset(&m, 0, sizeof(m));
	m.name = name;
	max = w->keep != NULL ? w->keep(w->arg, name) : 0;
	ec_buf_init(&data, (size_t)max);
	if (max > 0) {
		if (dir_read_kept(&data, path, name, err) == -1)
			goto out;
		ec_sha256(m.sha256, data.data, data.len);
		m.size = data.len;
		m.data = data.data != NULL ? data.data : "";
	} else if (ec_sha256_file(m.sha256, &m.size, path, err) == -1)
		goto out;
	if (m.size > EC_MAX_ENTRY_BYTES) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "%.200s: larger than %llu bytes", name,
		    (unsigned long long)EC_MAX_ENTRY_BYTES);
		goto out;
	}
	if (w->stats != NULL) {
		w->stats->declared += m.size;
		w->stats->read += m.size;
	}
	rc = w->fn(w->arg, &m, err);
out:
	ec_buf_dispose(&data);
	return rc;
}

static int
dir_walk(struct dir_walk *w, const char *rel, int depth, struct ec_err *err)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 path[DIR_PATH_MAX], sub[DIR_PATH_MAX];
	int		 rc = 0;

	(void)snprintf(path, sizeof(path), "%s%s%s", w->root,
	    rel[0] != '\0' ? "/" : "", rel);
	if (depth > DIR_DEPTH_MAX)
		return ec_err_set(err, EC_ERR_VERIFY, "%.200s: too deep", rel);
	if ((d = opendir(path)) == NULL)
		return ec_err_set(err, EC_ERR_IO, "%.200s: %s", path,
		    strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel,
		    rel[0] != '\0' ? "/" : "", de->d_name) >=
		    (int)sizeof(sub)) {
			rc = ec_err_set(err, EC_ERR_VERIFY, "path too long");
			break;
		}
		if (snprintf(path, sizeof(path), "%s/%s", w->root, sub) >=
		    (int)sizeof(path)) {
			rc = ec_err_set(err, EC_ERR_VERIFY, "path too long");
			break;
		}
		if (lstat(path, &st) == -1)
			rc = ec_err_set(err, EC_ERR_IO, "%.200s: %s", sub,
			    strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = dir_walk(w, sub, depth + 1, err);
		else if (!S_ISREG(st.st_mode))
			rc = ec_err_set(err, EC_ERR_VERIFY,
			    "%.200s: not a regular file", sub);
		else if (++w->files > EC_MAX_BUNDLE_ENTRIES)
			rc = ec_err_set(err, EC_ERR_VERIFY,
			    "more than %d files", EC_MAX_BUNDLE_ENTRIES);
		else
			rc = dir_member(w, path, sub, err);
	}
	(void)closedir(d);
	return rc;
}

int
ec_bundle_read_dir(struct ec_bundle_stats *stats, const char *dir,
    ec_bundle_keep_fn *keep, ec_bundle_member_fn *fn, void *arg,
    struct ec_err *err)
{
	struct dir_walk	w = { dir, keep, fn, arg, 0, stats };

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));

	return dir_walk(&w, "", 0, err);
}
