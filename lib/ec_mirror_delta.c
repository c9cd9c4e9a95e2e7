/* ec_mirror_delta: trees, and the delta between two of them. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_dsse.h"
#include "ec_file.h"
#include "ec_limits.h"
#include "ec_manifest.h"
#include "ec_mirror_int.h"
#include "ec_publish.h"

/* Copy buffer: large enough for sequential throughput, small on stack. */
#define MIRROR_COPY_BUF	(64 * 1024)

bool
mirror_path_ok(const char *p)
{
	const char	*c, *seg = p;
	size_t		 n = strlen(p);

	if (n == 0 || n > EC_BLOB_NAME_MAX || *p == '/' || p[n - 1] == '/')
		return false;
	for (c = p;; c++) {
		if (*c == '/' || *c == '\0') {
			/* Empty, "." and ".." components leave the tree. */
			if (c == seg || (c - seg == 1 && seg[0] == '.') ||
			    (c - seg == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			if (*c == '\0')
				return true;
			seg = c + 1;
		} else if (*c < 0x21 || *c > 0x7e)
			return false;
	}
}

bool
mirror_id_ok(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > EC_MIRROR_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

void
mirror_tree_digest(char hex_out[EC_SHA256_HEX], const struct ec_blob_file *f,
    size_t n)
{
	struct ec_sha256	h;
	uint8_t			d[EC_SHA256_LEN];
	size_t			i;

	ec_sha256_init(&h);
	for (i = 0; i < n; i++) {
		ec_sha256_update(&h, f[i].sha256, EC_SHA256_HEX - 1);
		ec_sha256_update(&h, "  ", 2);
		ec_sha256_update(&h, f[i].path, strlen(f[i].path));
		ec_sha256_update(&h, "\n", 1);
	}
	ec_sha256_final(d, &h);
	ec_hex_encode(hex_out, d, sizeof(d));
}

const struct ec_blob_file *
mirror_tree_find(const struct ec_blob_file *f, size_t n, const char *path)
{
	size_t	lo = 0, hi = n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(path, f[mid].path)) == 0)
			return &f[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * The runId of the tree's manifest.json, when it has a readable one: the
 * id the export was published under.  Anything else names the tree by
 * its digest, so two different trees never share an id.
 */
static void
mirror_tree_name(struct mirror_tree *t, const char *dir)
{
	char		 path[MIRROR_PATH_MAX];
	uint8_t		*p = NULL;
	size_t		 len;
	json_t		*doc = NULL, *id;
	struct ec_err	 ign;

	(void)snprintf(t->id, sizeof(t->id), "sha256:%s", t->digest);
	if (t->manifest[0] == '\0' || snprintf(path, sizeof(path), "%s/%s",
	    dir, EC_MANIFEST_NAME) >= (int)sizeof(path) ||
	    ec_file_read_small(&p, &len, path, EC_MAX_META_BYTES, &ign) == -1)
		return;
	doc = ec_canon_parse_max((const char *)p, len, EC_MAX_META_NODES,
	    &ign);
	id = json_object_get(doc, "runId");
	if (json_is_string(id) && mirror_id_ok(json_string_value(id)))
		(void)snprintf(t->id, sizeof(t->id), "%s",
		    json_string_value(id));
	json_decref(doc);
	free(p);
}

int
mirror_tree_load(struct mirror_tree *t, const char *dir, struct ec_err *err)
{
	char		path[MIRROR_PATH_MAX];
	uint8_t		d[EC_SHA256_LEN];
	size_t		i, j;

	memset(t, 0, sizeof(*t));
	if (ec_blob_list_tree(&t->f, &t->n, dir, EC_MIRROR_MAX_FILES + 1,
	    err) == -1)
		return -1;
	for (i = j = 0; i < t->n; i++) {
		/* The importer's log is its own record, not the mirror's. */
		if (strcmp(t->f[i].path, EC_MIRROR_LOG_NAME) == 0)
			continue;
		if (!mirror_path_ok(t->f[i].path))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID, "tree "
			    "%.200s: path %.200s is not printable ASCII", dir,
			    t->f[i].path);
		(void)snprintf(path, sizeof(path), "%s/%s", dir,
		    t->f[i].path);
		if (ec_sha256_file(d, &t->f[i].size, path, err) == -1)
			return -1;
		ec_hex_encode(t->f[i].sha256, d, sizeof(d));
		if (j != i)
			t->f[j] = t->f[i];
		j++;
	}
	t->n = j;
	if (t->n > EC_MIRROR_MAX_FILES)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "tree %.200s: more "
		    "than %d files", dir, EC_MIRROR_MAX_FILES);
	mirror_tree_digest(t->digest, t->f, t->n);
	for (i = 0; i < t->n; i++)
		if (strcmp(t->f[i].path, EC_MANIFEST_NAME) == 0)
			memcpy(t->manifest, t->f[i].sha256, EC_SHA256_HEX);
	mirror_tree_name(t, dir);
	return 0;
}

void
mirror_tree_dispose(struct mirror_tree *t)
{
	free(t->f);
	t->f = NULL;
	t->n = 0;
}

int
mirror_mkparents(const char *root, const char *rel, struct ec_err *err)
{
	char		 path[MIRROR_PATH_MAX];
	struct stat	 st;
	size_t		 off;
	char		*s;

	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >=
	    (int)sizeof(path))
		return ec_err_set(err, EC_ERR_IO, "path too long");
	off = strlen(root) + 1;
	while ((s = strchr(path + off, '/')) != NULL) {
		*s = '\0';
		if (mkdir(path, 0755) == -1 && (errno != EEXIST ||
		    lstat(path, &st) == -1 || !S_ISDIR(st.st_mode)))
			return ec_err_set(err, EC_ERR_VERIFY, "%.200s: cannot "
			    "be a directory (%s)", rel, errno == EEXIST ?
			    "a file is there" : strerror(errno));
		*s = '/';
		off = (size_t)(s - path) + 1;
	}
	return 0;
}

int
mirror_copy(char hex_out[EC_SHA256_HEX], uint64_t *size_out, const char *src,
    const char *dst, struct ec_err *err)
{
	struct ec_sha256	 h;
	uint8_t			 d[EC_SHA256_LEN];
	char			*buf;
	size_t			 got;
	int			 in = -1, out = -1, rc = -1;

	*size_out = 0;
	ec_sha256_init(&h);
	if ((buf = malloc(MIRROR_COPY_BUF)) == NULL)
		return ec_err_nomem(err);
	if (ec_file_open_regular(&in, src, false, err) == -1)
		goto out;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		(void)ec_err_set(err, errno == EEXIST ? EC_ERR_VERIFY :
		    EC_ERR_IO, "%.200s: %s", dst, strerror(errno));
		goto out;
	}
	do {
		if (ec_file_read_full(&got, in, buf, MIRROR_COPY_BUF, src,
		    err) == -1 || ec_file_write_all(out, buf, got, dst,
		    err) == -1)
			goto out;
		ec_sha256_update(&h, buf, got);
		*size_out += got;
	} while (got == MIRROR_COPY_BUF);
	ec_sha256_final(d, &h);
	ec_hex_encode(hex_out, d, sizeof(d));
	rc = 0;
out:
	if (in != -1)
		(void)close(in);
	if (out != -1 && close(out) == -1 && rc == 0)
		rc = ec_err_set(err, EC_ERR_IO, "%.200s: %s", dst,
		    strerror(errno));
	free(buf);
	return rc;
}

/* manifest.diff.json for the two trees; "changed" marks each new file. */
static json_t *
delta_doc(const struct mirror_tree *base, const struct mirror_tree *nw,
    const bool *changed)
{
	json_t	*doc, *files, *rm;
	size_t	 i;

	files = json_array();
	rm = json_array();
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
	    "schemaVersion", EC_MIRROR_DIFF_SCHEMA, "baseExportId", base->id,
	    "exportId", nw->id, "baseTreeSha256", base->digest,
	    "newTreeSha256", nw->digest, "files", files, "removals", rm);
	if (doc == NULL)
		return NULL;
	if ((base->manifest[0] != '\0' && json_object_set_new(doc,
	    "baseManifestSha256", json_string(base->manifest)) == -1) ||
	    (nw->manifest[0] != '\0' && json_object_set_new(doc,
	    "newManifestSha256", json_string(nw->manifest)) == -1))
		goto fail;
	for (i = 0; i < nw->n; i++)
		if (changed[i] && json_array_append_new(files,
		    json_pack("{s:s, s:s, s:I}", "path", nw->f[i].path,
		    "sha256", nw->f[i].sha256, "size",
		    (json_int_t)nw->f[i].size)) == -1)
			goto fail;
	for (i = 0; i < base->n; i++)
		if (mirror_tree_find(nw->f, nw->n, base->f[i].path) == NULL &&
		    json_array_append_new(rm, json_string(base->f[i].path)) ==
		    -1)
			goto fail;
	return doc;
fail:
	json_decref(doc);
	return NULL;
}

/* Mark the new tree's files that the delta carries, counting as it goes. */
static void
delta_compare(struct ec_mirror_stats *st, bool *changed,
    const struct mirror_tree *base, const struct mirror_tree *nw)
{
	const struct ec_blob_file	*b;
	size_t				 i;

	for (i = 0; i < nw->n; i++) {
		b = mirror_tree_find(base->f, base->n, nw->f[i].path);
		changed[i] = b == NULL || b->size != nw->f[i].size ||
		    strcmp(b->sha256, nw->f[i].sha256) != 0;
		if (b == NULL)
			st->added++;
		else if (changed[i])
			st->changed++;
		else
			st->unchanged++;
		st->tree_bytes += nw->f[i].size;
		if (changed[i])
			st->delta_bytes += nw->f[i].size;
	}
	st->removed = base->n - (st->changed + st->unchanged);
}

/* The files, then the manifest and its envelope, through the sink. */
static int
delta_emit(const struct ec_mirror_sink *sink, const char *new_dir,
    const struct mirror_tree *nw, const bool *changed,
    const struct ec_buf *doc, const struct ec_signer *signer,
    struct ec_err *err)
{
	struct ec_buf	env;
	char		src[MIRROR_PATH_MAX], dst[MIRROR_PATH_MAX];
	size_t		i;
	int		rc = -1;

	ec_buf_init(&env, EC_MAX_META_BYTES);
	for (i = 0; i < nw->n; i++) {
		if (!changed[i])
			continue;
		(void)snprintf(src, sizeof(src), "%s/%s", new_dir,
		    nw->f[i].path);
		(void)snprintf(dst, sizeof(dst), EC_MIRROR_FILES_DIR "/%s",
		    nw->f[i].path);
		if (sink->put_file(sink->arg, dst, src, err) == -1)
			goto out;
	}
	if (ec_dsse_sign(&env, EC_MIRROR_DIFF_PAYLOAD_TYPE, doc->data,
	    doc->len, &signer, 1, err) == -1 ||
	    sink->put_mem(sink->arg, EC_MIRROR_DIFF_NAME, doc->data, doc->len,
	    err) == -1 ||
	    sink->put_mem(sink->arg, EC_MIRROR_DIFF_DSSE, env.data, env.len,
	    err) == -1)
		goto out;
	rc = 0;
out:
	ec_buf_dispose(&env);
	return rc;
}

int
ec_mirror_delta_write(struct ec_mirror_stats *out, const char *base_dir,
    const char *new_dir, const struct ec_signer *signer,
    const struct ec_mirror_sink *sink, struct ec_err *err)
{
	struct mirror_tree	 base, nw;
	struct ec_mirror_stats	 st;
	struct ec_buf		 doc;
	struct stat		 sb;
	json_t			*j = NULL;
	bool			*changed = NULL;
	int			 rc = -1;

	memset(&st, 0, sizeof(st));
	memset(&base, 0, sizeof(base));
	memset(&nw, 0, sizeof(nw));
	ec_buf_init(&doc, EC_MAX_META_BYTES);
	if (signer == NULL) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "a delta must "
		    "be signed: its removals are trusted only signed");
		goto out;
	}
	if (stat(base_dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		(void)ec_err_set(err, EC_ERR_BASE_MISSING, "base mirror "
		    "%.200s is absent", base_dir);
		goto out;
	}
	if (mirror_tree_load(&base, base_dir, err) == -1 ||
	    mirror_tree_load(&nw, new_dir, err) == -1)
		goto out;
	if ((changed = calloc(nw.n + 1, sizeof(*changed))) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	delta_compare(&st, changed, &base, &nw);
	if ((j = delta_doc(&base, &nw, changed)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_canon_dump(&doc, j, err) == -1 ||
	    delta_emit(sink, new_dir, &nw, changed, &doc, signer, err) == -1)
		goto out;
	memcpy(st.base_id, base.id, sizeof(st.base_id));
	memcpy(st.export_id, nw.id, sizeof(st.export_id));
	memcpy(st.base_tree, base.digest, sizeof(st.base_tree));
	memcpy(st.new_tree, nw.digest, sizeof(st.new_tree));
	if (out != NULL)
		*out = st;
	rc = 0;
out:
	json_decref(j);
	free(changed);
	ec_buf_dispose(&doc);
	mirror_tree_dispose(&base);
	mirror_tree_dispose(&nw);
	return rc;
}

/* The sink of ec_mirror_delta_diff: files below a staging tree. */
static int
diff_put_file(void *arg, const char *path, const char *src,
    struct ec_err *err)
{
	char		dst[MIRROR_PATH_MAX], hex[EC_SHA256_HEX];
	uint64_t	size;

	if (mirror_mkparents(arg, path, err) == -1)
		return -1;
	(void)snprintf(dst, sizeof(dst), "%s/%s", (const char *)arg, path);
	return mirror_copy(hex, &size, src, dst, err);
}

int
mirror_write_mem(const char *path, const void *p, size_t len,
    struct ec_err *err)
{
	int	fd, rc;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%.200s: %s", path,
		    strerror(errno));
	rc = ec_file_write_all(fd, p, len, path, err);
	if (close(fd) == -1 && rc == 0)
		rc = ec_err_set(err, EC_ERR_IO, "%.200s: %s", path,
		    strerror(errno));
	return rc;
}

static int
diff_put_mem(void *arg, const char *path, const void *p, size_t len,
    struct ec_err *err)
{
	char	dst[MIRROR_PATH_MAX];

	(void)snprintf(dst, sizeof(dst), "%s/%s", (const char *)arg, path);
	return mirror_write_mem(dst, p, len, err);
}

int
mirror_out_split(char *parent, char *name, size_t size, const char *out_dir,
    struct ec_err *err)
{
	char	a[MIRROR_PATH_MAX], b[MIRROR_PATH_MAX];

	if (snprintf(a, sizeof(a), "%s", out_dir) >= (int)sizeof(a))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "--out: path "
		    "too long");
	memcpy(b, a, sizeof(a));
	if (snprintf(parent, size, "%s", dirname(a)) >= (int)size ||
	    snprintf(name, size, "%s", basename(b)) >= (int)size ||
	    strcmp(name, "/") == 0 || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "--out "
		    "%.200s: not a directory name", out_dir);
	return 0;
}

int
mirror_stage(struct ec_staging **stg, char tree[MIRROR_TREE_MAX],
    char parent[MIRROR_PATH_MAX], char name[MIRROR_PATH_MAX],
    const char *out_dir, const char *prefix, struct ec_err *err)
{
	if (mirror_out_split(parent, name, MIRROR_PATH_MAX, out_dir,
	    err) == -1 || ec_publish_staging_new(stg, parent, prefix,
	    err) == -1)
		return -1;
	if (snprintf(tree, MIRROR_TREE_MAX, "%s/tree",
	    ec_publish_staging_path(*stg)) >= MIRROR_TREE_MAX ||
	    mkdir(tree, 0755) == -1)
		return ec_err_set(err, EC_ERR_IO, "%.200s: %s", tree,
		    strerror(errno));
	return 0;
}

int
ec_mirror_delta_diff(struct ec_mirror_stats *out, const char *base_dir,
    const char *new_dir, const struct ec_signer *signer, const char *out_dir,
    struct ec_err *err)
{
	struct ec_mirror_sink	 sink;
	struct ec_staging	*stg = NULL;
	char			 parent[MIRROR_PATH_MAX], name[MIRROR_PATH_MAX];
	char			 tree[MIRROR_TREE_MAX];
	bool			 existed;
	int			 rc = -1;

	if (mirror_stage(&stg, tree, parent, name, out_dir, ".ec-mirror-diff.",
	    err) == -1)
		goto out;
	sink.put_file = diff_put_file;
	sink.put_mem = diff_put_mem;
	sink.arg = tree;
	if (ec_mirror_delta_write(out, base_dir, new_dir, signer, &sink,
	    err) == -1 ||
	    ec_publish_move(&existed, tree, parent, name, err) == -1)
		goto out;
	rc = 0;
out:
	ec_publish_staging_free(stg);
	return rc;
}

int
ec_mirror_tree_from_store(const char *dir, const char *store,
    const struct ec_blob_file *files, size_t n, struct ec_err *err)
{
	char		src[MIRROR_PATH_MAX], dst[MIRROR_PATH_MAX];
	char		rel[EC_BLOB_REL_MAX], hex[EC_SHA256_HEX];
	struct stat	st;
	uint64_t	size;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (!mirror_path_ok(files[i].path))
			return ec_err_set(err, EC_ERR_VERIFY, "stored tree: "
			    "%.200s is not a tree path", files[i].path);
		ec_blob_rel(rel, files[i].sha256);
		if (snprintf(src, sizeof(src), "%s/%s", store, rel) >=
		    (int)sizeof(src) || snprintf(dst, sizeof(dst), "%s/%s",
		    dir, files[i].path) >= (int)sizeof(dst))
			return ec_err_set(err, EC_ERR_IO, "path too long");
		if (lstat(src, &st) == -1)
			return ec_err_set(err, EC_ERR_BASE_MISSING, "stored "
			    "tree: %.200s: blob %.12s is not in the store",
			    files[i].path, files[i].sha256);
		if (mirror_mkparents(dir, files[i].path, err) == -1 ||
		    mirror_copy(hex, &size, src, dst, err) == -1)
			return -1;
		if (strcmp(hex, files[i].sha256) != 0 ||
		    size != files[i].size)
			return ec_err_set(err, EC_ERR_VERIFY, "stored tree: "
			    "%.200s: the blob holds other bytes",
			    files[i].path);
	}
	return 0;
}
