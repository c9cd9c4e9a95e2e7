/* ec_mirror: the TUF repository of a mirror tree, and root rotation. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_buf.h"
#include "ec_file.h"
#include "ec_limits.h"
#include "ec_mirror.h"
#include "ec_tuf.h"

#define MTUF_CHUNK	(64 * 1024)
/* Roots of one chain, and the largest metadata file read back. */
#define MTUF_MAX_ROOTS	1000
#define MTUF_MAX_META	(64 * 1024 * 1024)
/* Directory depth of a mirror tree walked for targets. */
#define MTUF_MAX_DEPTH	8

/* The tree's file paths, relative, as the walk found them. */
struct mtuf_list {
	char	**path;		/* owned, each owned */
	size_t	  n, cap;
};

static void
mtuf_list_free(struct mtuf_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->path[i]);
	free(l->path);
}

static int
mtuf_list_add(struct mtuf_list *l, const char *rel, struct ec_err *err)
{
	char	**np;

	if (l->n == EC_TUF_MAX_TARGETS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "mirror: more than %d TUF targets", EC_TUF_MAX_TARGETS);
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 256 : 2 * l->cap;
		if ((np = realloc(l->path, l->cap * sizeof(*np))) == NULL)
			return ec_err_nomem(err);
		l->path = np;
	}
	if ((l->path[l->n] = strdup(rel)) == NULL)
		return ec_err_nomem(err);
	l->n++;
	return 0;
}

/* Every regular file below "abs"/"rel", but the top-level tuf/. */
static int
mtuf_walk(struct mtuf_list *l, const char *abs, const char *rel, int depth,
    struct ec_err *err)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 dir[EC_BUILD_FILE_MAX], sub[EC_TUF_MAX_PATH + 1];
	int		 rc = 0;

	if (depth > MTUF_MAX_DEPTH)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "mirror: tree too deep");
	(void)snprintf(dir, sizeof(dir), "%s%s%s", abs, rel[0] != '\0' ? "/" :
	    "", rel);
	if ((d = opendir(dir)) == NULL)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", dir,
		    strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (depth == 0 &&
		    strcmp(de->d_name, "tuf") == 0))
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] != '\0' ?
		    "/" : "", de->d_name) >= (int)sizeof(sub)) {
			rc = ec_err_set(err, EC_ERR_INTERNAL,
			    "mirror: target path over %d bytes",
			    EC_TUF_MAX_PATH);
			break;
		}
		(void)snprintf(dir, sizeof(dir), "%s/%s", abs, sub);
		if (lstat(dir, &st) == -1)
			rc = ec_err_set(err, EC_ERR_IO, "%s: %s", dir,
			    strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = mtuf_walk(l, abs, sub, depth + 1, err);
		else if (S_ISREG(st.st_mode))
			rc = mtuf_list_add(l, sub, err);
	}
	(void)closedir(d);
	return rc;
}

static int
mtuf_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool
ec_mirror_tuf_copy_name(char *out, size_t size, const char *path,
    const char *hex)
{
	const char	*slash = strrchr(path, '/');

	return snprintf(out, size, "tuf/targets/%.*s%s%s.%s",
	    slash != NULL ? (int)(slash - path) : 0, path, slash != NULL ?
	    "/" : "", hex, slash != NULL ? slash + 1 : path) < (int)size;
}

/* Copy the tree file "rel" to its consistent-snapshot name. */
static int
mtuf_target(struct ec_tuf_target *t, struct ec_build *b, const char *rel,
    uint8_t *chunk, struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_METADATA, NULL, NULL, NULL,
				    NULL };
	struct ec_build_item	*it = NULL;
	char			 src[EC_BUILD_FILE_MAX];
	char			 dest[2 * EC_TUF_MAX_PATH];
	uint8_t			 d[EC_SHA256_LEN];
	size_t			 got;
	int			 fdin = -1, rc = -1;

	if (ec_build_tree_file(src, b, rel, err) == -1)
		return -1;
	if ((fdin = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", src,
		    strerror(errno));
	if (ec_build_item_open(&it, b, NULL, err) == -1)
		goto out;
	do {
		if (ec_file_read_full(&got, fdin, chunk, MTUF_CHUNK, src,
		    err) == -1 ||
		    ec_build_item_write(it, chunk, got, err) == -1)
			goto out;
	} while (got == MTUF_CHUNK);
	if (ec_build_item_sum(d, &t->length, it, err) == -1)
		goto out;
	ec_hex_encode(t->sha256, d, sizeof(d));
	(void)snprintf(t->path, sizeof(t->path), "%s", rel);
	(void)ec_mirror_tuf_copy_name(dest, sizeof(dest), rel, t->sha256);
	fd.path = dest;
	rc = ec_build_item_close(it, &fd, NULL, NULL, err);
	it = NULL;
out:
	ec_build_item_discard(it);
	(void)close(fdin);
	return rc;
}

/* Roots 1..N of "dir" into the tree; N to *last. */
static int
mtuf_chain(uint64_t *last, struct ec_build *b, const char *dir,
    struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_METADATA, NULL, NULL, NULL,
				    NULL };
	uint8_t			*data;
	size_t			 len;
	char			 path[4096], rel[64];
	uint64_t		 n;
	int			 rc;

	for (n = 1; n <= MTUF_MAX_ROOTS; n++) {
		(void)snprintf(path, sizeof(path), "%s/%" PRIu64 ".root.json",
		    dir, n);
		if (access(path, F_OK) == -1)
			break;
		if (ec_file_read_small(&data, &len, path, MTUF_MAX_META,
		    err) == -1)
			return -1;
		(void)snprintf(rel, sizeof(rel), "tuf/metadata/%" PRIu64
		    ".root.json", n);
		fd.path = rel;
		rc = ec_build_add_mem(b, &fd, data, len, NULL, err);
		free(data);
		if (rc == -1)
			return -1;
	}
	if (n == 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "tuf-roots: no 1.root.json in %.200s", dir);
	*last = n - 1;
	return 0;
}

static void
mtuf_repo(struct ec_tuf_repo *r, const struct ec_mirror_tuf *t)
{
	int	role;

	memset(r, 0, sizeof(*r));
	for (role = 0; role < EC_TUF_ROLES; role++) {
		r->keys[role] = t->keys;
		r->n_keys[role] = t->n_keys;
		r->threshold[role] = t->threshold;
		r->expires[role] = t->expires[role];
	}
	r->root_version = 1;
	r->version = t->version;
}

/* The metadata files of "r" into tuf/metadata/; the root unless chained. */
static int
mtuf_meta(struct ec_build *b, const struct ec_tuf_repo *r, bool root,
    struct ec_err *err)
{
	struct ec_file_desc	fd = { EC_FILE_METADATA, NULL, NULL, NULL,
				    NULL };
	struct ec_buf		out[EC_TUF_ROLES];
	char			path[EC_TUF_ROLES][64];
	int			role, rc = -1;

	(void)snprintf(path[EC_TUF_ROOT], 64, "tuf/metadata/%" PRIu64
	    ".root.json", r->root_version);
	(void)snprintf(path[EC_TUF_TARGETS], 64, "tuf/metadata/%" PRIu64
	    ".targets.json", r->version);
	(void)snprintf(path[EC_TUF_SNAPSHOT], 64, "tuf/metadata/%" PRIu64
	    ".snapshot.json", r->version);
	(void)snprintf(path[EC_TUF_TIMESTAMP], 64,
	    "tuf/metadata/timestamp.json");
	for (role = 0; role < EC_TUF_ROLES; role++)
		ec_buf_init(&out[role], MTUF_MAX_META);
	if (ec_tuf_render(out, r, err) == -1)
		goto out;
	for (role = root ? 0 : 1; role < EC_TUF_ROLES; role++) {
		fd.path = path[role];
		if (ec_build_add_mem(b, &fd, out[role].data, out[role].len,
		    NULL, err) == -1)
			goto out;
	}
	rc = 0;
out:
	for (role = 0; role < EC_TUF_ROLES; role++)
		ec_buf_dispose(&out[role]);
	return rc;
}

int
ec_mirror_tuf(size_t *n_out, struct ec_build *b, const struct ec_mirror_tuf *t,
    struct ec_err *err)
{
	struct ec_tuf_target	*targets = NULL;
	struct ec_tuf_repo	 r;
	struct mtuf_list	 l;
	uint8_t			*chunk = NULL;
	char			 top[EC_BUILD_FILE_MAX];
	size_t			 i;
	int			 rc = -1;

	memset(&l, 0, sizeof(l));
	mtuf_repo(&r, t);
	if (ec_build_tree_file(top, b, ".", err) == -1 ||
	    mtuf_walk(&l, top, "", 0, err) == -1)
		goto out;
	qsort(l.path, l.n, sizeof(*l.path), mtuf_cmp);
	if ((targets = calloc(l.n + 1, sizeof(*targets))) == NULL ||
	    (chunk = malloc(MTUF_CHUNK)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	for (i = 0; i < l.n; i++)
		if (mtuf_target(&targets[i], b, l.path[i], chunk, err) == -1)
			goto out;
	r.targets = targets;
	r.n_targets = l.n;
	if (t->roots_dir != NULL && mtuf_chain(&r.root_version, b,
	    t->roots_dir, err) == -1)
		goto out;
	if (mtuf_meta(b, &r, t->roots_dir == NULL, err) == -1)
		goto out;
	*n_out = l.n;
	rc = 0;
out:
	mtuf_list_free(&l);
	free(targets);
	free(chunk);
	return rc;
}

/* Rotation ------------------------------------------------------------ */

/*
 * The "signed" member of TUF metadata of role "type" (a new reference),
 * from "len" bytes at "p"; NULL and EC_ERR_REQUEST_INVALID otherwise.
 */
static json_t *
mtuf_signed_mem(const void *p, size_t len, const char *type,
    struct ec_err *err)
{
	json_error_t	 jerr;
	json_t		*doc, *s;
	const char	*t;

	doc = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
	s = json_object_get(doc, "signed");
	t = json_string_value(json_object_get(s, "_type"));
	if (!json_is_object(s) || t == NULL || strcmp(t, type) != 0) {
		json_decref(doc);
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not TUF %s metadata", type);
		return NULL;
	}
	json_incref(s);
	json_decref(doc);
	return s;
}

/* The same from the file "path", at most MTUF_MAX_META bytes. */
static json_t *
mtuf_signed(const char *path, const char *type, struct ec_err *err)
{
	uint8_t	*data;
	size_t	 len;
	json_t	*s;

	if (ec_file_read_small(&data, &len, path, MTUF_MAX_META, err) == -1)
		return NULL;
	s = mtuf_signed_mem(data, len, type, err);
	free(data);
	if (s == NULL)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%.200s: not TUF %s metadata", path, type);
	return s;
}

static int
mtuf_u64(uint64_t *out, const json_t *v, const char *what,
    struct ec_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "TUF metadata: %s is not a positive integer", what);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* An encrypted target's custom "plaintext" (NULL: none) into "t". */
static int
mtuf_plain(struct ec_tuf_target *t, const json_t *p, struct ec_err *err)
{
	const json_t	*h = json_object_get(json_object_get(p, "hashes"),
			    "sha256");
	uint8_t		 d[EC_SHA256_LEN];

	if (p == NULL)
		return 0;
	if (!json_is_string(h) ||
	    strlen(json_string_value(h)) != EC_SHA256_HEX - 1 ||
	    ec_hex_decode(d, sizeof(d), json_string_value(h),
	    EC_SHA256_HEX - 1) == -1 ||
	    !json_is_integer(json_object_get(p, "length")) ||
	    json_integer_value(json_object_get(p, "length")) < 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "TUF targets: malformed plaintext");
	(void)snprintf(t->plain_sha256, sizeof(t->plain_sha256), "%s",
	    json_string_value(h));
	t->plain_length = (uint64_t)json_integer_value(json_object_get(p,
	    "length"));
	return 0;
}

/* The targets of "targets" (a "signed" object) into a new array. */
static int
mtuf_targets_read(struct ec_tuf_target **out, size_t *n_out,
    const json_t *targets, struct ec_err *err)
{
	const json_t	*all = json_object_get(targets, "targets"), *v, *h;
	const char	*path;
	uint8_t		 d[EC_SHA256_LEN];
	uint64_t	 len = 0;
	size_t		 n = 0;

	*out = NULL;
	if (!json_is_object(all) || json_object_size(all) > EC_TUF_MAX_TARGETS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "TUF targets: no targets object, or too many");
	if ((*out = calloc(json_object_size(all) + 1, sizeof(**out))) == NULL)
		return ec_err_nomem(err);
	json_object_foreach((json_t *)all, path, v) {
		h = json_object_get(json_object_get(v, "hashes"), "sha256");
		if (strlen(path) == 0 || strlen(path) > EC_TUF_MAX_PATH ||
		    !json_is_string(h) ||
		    strlen(json_string_value(h)) != EC_SHA256_HEX - 1 ||
		    ec_hex_decode(d, sizeof(d), json_string_value(h),
		    EC_SHA256_HEX - 1) == -1 ||
		    mtuf_u64(&len, json_object_get(v, "length"), "a length",
		    err) == -1)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "TUF targets: entry %.100s is malformed", path);
		(void)snprintf((*out)[n].path, sizeof((*out)[n].path), "%s",
		    path);
		(void)snprintf((*out)[n].sha256, sizeof((*out)[n].sha256),
		    "%s", json_string_value(h));
		(*out)[n].length = len;
		if (mtuf_plain(&(*out)[n], json_object_get(json_object_get(v,
		    "custom"), "plaintext"), err) == -1)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "TUF targets: entry %.100s: malformed plaintext",
			    path);
		n++;
	}
	*n_out = n;
	return 0;
}

int
ec_mirror_targets_parse(struct ec_tuf_target **out, size_t *n_out,
    const void *p, size_t len, struct ec_err *err)
{
	json_t	*s;
	int	 rc;

	*out = NULL;
	*n_out = 0;
	if (len > MTUF_MAX_META)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "TUF targets: more than %d bytes", MTUF_MAX_META);
	if ((s = mtuf_signed_mem(p, len, "targets", err)) == NULL)
		return -1;
	rc = mtuf_targets_read(out, n_out, s, err);
	json_decref(s);
	if (rc == -1) {
		free(*out);
		*out = NULL;
		*n_out = 0;
	}
	return rc;
}

/* Whether old_keys meet the root role's threshold of root "root". */
static int
mtuf_old_keys_ok(const json_t *root, const struct ec_signer *const *keys,
    size_t n, struct ec_err *err)
{
	const json_t	*role = json_object_get(json_object_get(root, "roles"),
			    "root"), *ids = json_object_get(role, "keyids"),
			    *id;
	json_t		*key;
	char		 keyid[EC_TUF_KEYID_SIZE];
	uint64_t	 thr = 0;
	size_t		 i, j, ok = 0;

	if (!json_is_array(ids) || mtuf_u64(&thr, json_object_get(role,
	    "threshold"), "the root threshold", err) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "TUF root: no root role");
	for (i = 0; i < n; i++) {
		if (ec_tuf_key(&key, keyid, keys[i], err) == -1)
			return -1;
		json_decref(key);
		json_array_foreach(ids, j, id)
			if (json_is_string(id) &&
			    strcmp(json_string_value(id), keyid) == 0) {
				ok++;
				break;
			}
	}
	if (ok < thr)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "--old-key: %zu of the keys are the current root's, it "
		    "needs %llu", ok, (unsigned long long)thr);
	return 0;
}

int
ec_mirror_rotate(uint64_t *root_out, const char *dir,
    const struct ec_signer *const *keys, size_t n, unsigned threshold,
    const struct ec_signer *const *old_keys, size_t n_old, int64_t expires,
    struct ec_err *err)
{
	struct ec_tuf_target	*targets = NULL;
	struct ec_mirror_tuf	 t;
	struct ec_tuf_repo	 r;
	json_t			*ts = NULL, *tg = NULL;
	char			 meta[4096], path[4200];
	uint64_t		 root, v = 0;
	int			 rc = -1;

	if (snprintf(meta, sizeof(meta), "%s/tuf/metadata", dir) >=
	    (int)sizeof(meta))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "mirror: path too long");
	for (root = 0; root < MTUF_MAX_ROOTS; root++) {
		(void)snprintf(path, sizeof(path), "%s/%" PRIu64 ".root.json",
		    meta, root + 1);
		if (access(path, F_OK) == -1)
			break;
	}
	if (root > 0) {
		(void)snprintf(path, sizeof(path), "%s/%" PRIu64 ".root.json",
		    meta, root);
		if ((tg = mtuf_signed(path, "root", err)) == NULL ||
		    mtuf_old_keys_ok(tg, old_keys, n_old, err) == -1)
			goto out;
		json_decref(tg);
		tg = NULL;
	}
	(void)snprintf(path, sizeof(path), "%s/timestamp.json", meta);
	if (root == 0 || (ts = mtuf_signed(path, "timestamp", err)) == NULL) {
		if (root == 0)
			(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%.200s: not a mirror (no "
			    "tuf/metadata/1.root.json)", dir);
		goto out;
	}
	if (mtuf_u64(&v, json_object_get(json_object_get(json_object_get(ts,
	    "meta"), "snapshot.json"), "version"), "the snapshot version",
	    err) == -1)
		goto out;
	(void)snprintf(path, sizeof(path), "%s/%" PRIu64 ".targets.json",
	    meta, v);
	if ((tg = mtuf_signed(path, "targets", err)) == NULL)
		goto out;
	memset(&t, 0, sizeof(t));
	t.keys = keys;
	t.n_keys = n;
	t.threshold = threshold;
	t.expires[0] = t.expires[1] = t.expires[2] = t.expires[3] = expires;
	t.version = v + 1;
	mtuf_repo(&r, &t);
	if (mtuf_targets_read(&targets, &r.n_targets, tg, err) == -1)
		goto out;
	r.targets = targets;
	r.root_version = root + 1;
	r.old_root_keys = old_keys;
	r.n_old_root_keys = n_old;
	if (ec_tuf_write(meta, &r, err) == -1)
		goto out;
	*root_out = root + 1;
	rc = 0;
out:
	json_decref(ts);
	json_decref(tg);
	free(targets);
	return rc;
}
