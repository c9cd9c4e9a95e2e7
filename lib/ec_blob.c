/* ec_blob: content-addressed files under <store>/sha256/. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_blob.h"
#include "ec_buf.h"
#include "ec_publish.h"

#define BLOB_PATH_MAX	4096
/* Nesting of an output tree we store; profiles write shallow trees. */
#define BLOB_DEPTH_MAX	16

/* The relative paths of a tree's files, as the walk finds them. */
struct blob_walk {
	struct ec_blob_file	*files;	/* owned */
	size_t			 n;
	size_t			 max;
};

void
ec_blob_rel(char out[EC_BLOB_REL_MAX], const char *hex)
{
	(void)snprintf(out, EC_BLOB_REL_MAX, "sha256/%.2s/%.64s", hex, hex);
}

/* mkdir that accepts an existing directory (another builder made it). */
static int
blob_mkdir(const char *path, struct ec_err *err)
{
	struct stat	st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return ec_err_set(err, EC_ERR_IO, "artifact store %.200s: %s", path,
	    errno == EEXIST ? "not a directory" : strerror(errno));
}

int
ec_blob_store_init(const char *store, struct ec_err *err)
{
	char	p[BLOB_PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/" EC_BLOB_TMP, store) >=
	    (int)sizeof(p))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store path too long");
	if (blob_mkdir(store, err) == -1 || blob_mkdir(p, err) == -1)
		return -1;
	(void)snprintf(p, sizeof(p), "%s/sha256", store);
	return blob_mkdir(p, err);
}

int
ec_blob_put(char hex_out[EC_SHA256_HEX], uint64_t *size_out,
    bool *existed_out, const char *store, const char *from,
    struct ec_err *err)
{
	uint8_t	digest[EC_SHA256_LEN];
	char	hex[EC_SHA256_HEX], dir[BLOB_PATH_MAX];
	int	n;

	if (ec_sha256_file(digest, size_out, from, err) == -1)
		return -1;
	ec_hex_encode(hex, digest, sizeof(digest));
	n = snprintf(dir, sizeof(dir), "%s/sha256/%.2s", store, hex);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store path too long");
	if (ec_blob_store_init(store, err) == -1 || blob_mkdir(dir, err) == -1)
		return -1;
	/* No-replace: an existing blob is kept when it is byte-identical. */
	if (ec_publish_move(existed_out, from, dir, hex, err) == -1) {
		if (err != NULL && err->code == EC_ERR_CONFLICT)
			(void)ec_err_set(err, EC_ERR_CONFLICT, "artifact store: "
			    "blob %s holds other bytes (the store is corrupt)",
			    hex);
		return -1;
	}
	memcpy(hex_out, hex, EC_SHA256_HEX);
	return 0;
}

static int
blob_walk_add(struct blob_walk *w, const char *rel, struct ec_err *err)
{
	struct ec_blob_file	*f;

	if (w->n == w->max)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "output tree: more "
		    "than %zu files", w->max);
	if (strlen(rel) > EC_BLOB_NAME_MAX)
		return ec_err_set(err, EC_ERR_IO, "output tree: path longer "
		    "than %d bytes", EC_BLOB_NAME_MAX);
	if ((w->n & (w->n - 1)) == 0) {
		/* Grow at powers of two; max bounds the total. */
		if ((f = realloc(w->files, (w->n == 0 ? 1 : 2 * w->n) *
		    sizeof(*f))) == NULL)
			return ec_err_nomem(err);
		w->files = f;
	}
	memset(&w->files[w->n], 0, sizeof(w->files[w->n]));
	(void)snprintf(w->files[w->n].path, sizeof(w->files[w->n].path),
	    "%.255s", rel);
	w->n++;
	return 0;
}

/* Collect the files below root/rel ("" for the top), refusing the rest. */
static int
blob_walk(struct blob_walk *w, const char *root, const char *rel, int depth,
    struct ec_err *err)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 path[BLOB_PATH_MAX], sub[BLOB_PATH_MAX];
	int		 rc = 0;

	if (depth > BLOB_DEPTH_MAX)
		return ec_err_set(err, EC_ERR_IO, "output tree: nested deeper "
		    "than %d", BLOB_DEPTH_MAX);
	(void)snprintf(path, sizeof(path), "%s%s%s", root, *rel != '\0' ?
	    "/" : "", rel);
	if ((d = opendir(path)) == NULL)
		return ec_err_set(err, EC_ERR_IO, "output tree %.200s: %s",
		    path, strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel != '\0' ?
		    "/" : "", de->d_name) >= (int)sizeof(sub) ||
		    snprintf(path, sizeof(path), "%s/%s", root, sub) >=
		    (int)sizeof(path)) {
			rc = ec_err_set(err, EC_ERR_IO, "output tree: path "
			    "too long");
			break;
		}
		if (lstat(path, &st) == -1)
			rc = ec_err_set(err, EC_ERR_IO, "output tree "
			    "%.200s: %s", path, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = blob_walk(w, root, sub, depth + 1, err);
		else if (S_ISREG(st.st_mode))
			rc = blob_walk_add(w, sub, err);
		else
			rc = ec_err_set(err, EC_ERR_IO, "output tree: %.200s "
			    "is not a regular file", sub);
	}
	(void)closedir(d);
	return rc;
}

static int
blob_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ec_blob_file *)a)->path,
	    ((const struct ec_blob_file *)b)->path);
}

int
ec_blob_list_tree(struct ec_blob_file **files_out, size_t *n_out,
    const char *dir, size_t max, struct ec_err *err)
{
	struct blob_walk	w = { NULL, 0, max };

	if (blob_walk(&w, dir, "", 0, err) == -1) {
		free(w.files);
		return -1;
	}
	if (w.n > 1)
		qsort(w.files, w.n, sizeof(*w.files), blob_file_cmp);
	*files_out = w.files;
	*n_out = w.n;
	return 0;
}

int
ec_blob_put_tree(struct ec_blob_file **files_out, size_t *n_out,
    const char *store, const char *dir, size_t max, struct ec_err *err)
{
	struct ec_blob_file	*files;
	char			 path[BLOB_PATH_MAX];
	bool			 existed;
	size_t			 i, n;

	if (ec_blob_list_tree(&files, &n, dir, max, err) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir,
		    files[i].path);
		if (ec_blob_put(files[i].sha256, &files[i].size, &existed,
		    store, path, err) == -1) {
			free(files);
			return -1;
		}
	}
	*files_out = files;
	*n_out = n;
	return 0;
}

/* A tenant or run id as one path component of a view. */
static int
blob_component(const char *s, const char *what, struct ec_err *err)
{
	size_t	n = strlen(s);

	if (n == 0 || n > EC_BLOB_NAME_MAX || s[0] == '.' ||
	    strchr(s, '/') != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store: bad %s for a run view", what);
	return 0;
}

/* "<store>/runs/<tenant>/<run id>", its parents made when "make". */
static int
blob_run_dir(char out[BLOB_PATH_MAX], const char *store, const char *tenant,
    const char *run_id, bool make, struct ec_err *err)
{
	if (blob_component(tenant, "tenant", err) == -1 ||
	    blob_component(run_id, "run id", err) == -1)
		return -1;
	if (snprintf(out, BLOB_PATH_MAX, "%s/" EC_BLOB_RUNS "/%s/%s", store,
	    tenant, run_id) >= BLOB_PATH_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store path too long");
	if (!make)
		return 0;
	*strrchr(out, '/') = '\0';
	*strrchr(out, '/') = '\0';
	if (blob_mkdir(out, err) == -1)
		return -1;
	out[strlen(out)] = '/';
	if (blob_mkdir(out, err) == -1)
		return -1;
	out[strlen(out)] = '/';
	return blob_mkdir(out, err);
}

int
ec_blob_run_link(const char *store, const char *tenant, const char *run_id,
    const char *hex, struct ec_err *err)
{
	char		dir[BLOB_PATH_MAX], from[BLOB_PATH_MAX];
	char		to[BLOB_PATH_MAX + 70], rel[EC_BLOB_REL_MAX];
	struct stat	a, b;

	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store: bad digest");
	ec_blob_rel(rel, hex);
	if (snprintf(from, sizeof(from), "%s/%s", store, rel) >=
	    (int)sizeof(from))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store path too long");
	if (stat(from, &a) == -1)
		return ec_err_set(err, errno == ENOENT ? EC_ERR_NOT_FOUND :
		    EC_ERR_IO, "artifact store %.200s: %s", rel,
		    strerror(errno));
	if (blob_run_dir(dir, store, tenant, run_id, true, err) == -1)
		return -1;
	(void)snprintf(to, sizeof(to), "%s/%s", dir, hex);
	if (link(from, to) == 0)
		return 0;
	if (errno == EEXIST && stat(to, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return 0;
	return ec_err_set(err, EC_ERR_IO, "artifact store: link %.200s: %s",
	    to, errno == EEXIST ? "another file is there" : strerror(errno));
}

int
ec_blob_run_remove(const char *store, const char *tenant, const char *run_id,
    struct ec_err *err)
{
	char		 dir[BLOB_PATH_MAX], gone[BLOB_PATH_MAX + 300];
	char		 p[sizeof(gone) + 300];
	struct dirent	*de;
	DIR		*d;
	int		 rc = 0;

	if (blob_run_dir(dir, store, tenant, run_id, false, err) == -1)
		return -1;
	(void)snprintf(gone, sizeof(gone), "%s/" EC_BLOB_TMP "/gone-%s-%s",
	    store, tenant, run_id);
	if (rename(dir, gone) == -1 && errno != ENOENT)
		return ec_err_set(err, EC_ERR_IO, "artifact store: rename "
		    "%.200s: %s", dir, strerror(errno));
	/* Also finishes the removal a crash interrupted after the rename. */
	if ((d = opendir(gone)) == NULL)
		return errno == ENOENT ? 0 : ec_err_set(err, EC_ERR_IO,
		    "artifact store %.200s: %s", gone, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", gone, de->d_name);
		if (unlink(p) == -1 && errno != ENOENT) {
			rc = ec_err_set(err, EC_ERR_IO, "artifact store: "
			    "unlink %.200s: %s", p, strerror(errno));
			break;
		}
	}
	(void)closedir(d);
	if (rc == 0 && rmdir(gone) == -1 && errno != ENOENT)
		rc = ec_err_set(err, EC_ERR_IO, "artifact store: rmdir "
		    "%.200s: %s", gone, strerror(errno));
	return rc;
}

int
ec_blob_remove(const char *store, const char *hex, struct ec_err *err)
{
	char	p[BLOB_PATH_MAX], rel[EC_BLOB_REL_MAX];

	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store: bad digest");
	ec_blob_rel(rel, hex);
	if (snprintf(p, sizeof(p), "%s/%s", store, rel) >= (int)sizeof(p))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store path too long");
	if (unlink(p) == -1 && errno != ENOENT)
		return ec_err_set(err, EC_ERR_IO, "artifact store: unlink "
		    "%.200s: %s", rel, strerror(errno));
	return 0;
}
