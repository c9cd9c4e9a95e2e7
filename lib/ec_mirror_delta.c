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

/* A string of file i, sorted by string and then by i (no globals). */
struct delta_ref {
	const char	*s;
	size_t		 i;
};

/* What the delta carries of one file of the new tree. */
struct delta_plan {
	bool			 changed;
	size_t			 copy_of;	/* source index + 1; 0: none */
	struct mirror_patch	*patch;		/* owned; NULL: whole */
};

/* Everything one delta is made of. */
struct delta {
	const struct mirror_tree	*base, *nw;
	const char			*base_dir, *new_dir;
	struct delta_plan		*plan;	/* one per new file */
	char				(*key)[EC_BLOB_NAME_MAX + 1];
	struct delta_ref		*bykey;	/* base files by key */
	size_t				 patches;
};

/* manifest.diff.json for the two trees and the plan. */
static json_t *
delta_doc(const struct delta *dl)
{
	const struct mirror_tree	*base = dl->base, *nw = dl->nw;
	json_t				*doc, *files, *rm, *e;
	size_t				 i;

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
	for (i = 0; i < nw->n; i++) {
		if (!dl->plan[i].changed)
			continue;
		/* A copy's digest and size are its source's. */
		if (dl->plan[i].copy_of != 0)
			e = json_pack("{s:s, s:s}", "path", nw->f[i].path,
			    "copyOf", nw->f[dl->plan[i].copy_of - 1].path);
		else
			e = json_pack("{s:s, s:s, s:I}", "path",
			    nw->f[i].path, "sha256", nw->f[i].sha256, "size",
			    (json_int_t)nw->f[i].size);
		if (e == NULL || json_array_append_new(files, e) == -1 ||
		    (dl->plan[i].patch != NULL && json_object_set_new(e,
		    "patch", mirror_patch_json(dl->plan[i].patch,
		    nw->f[i].path)) == -1))
			goto fail;
	}
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
delta_compare(struct ec_mirror_stats *st, struct delta_plan *plan,
    const struct mirror_tree *base, const struct mirror_tree *nw)
{
	const struct ec_blob_file	*b;
	size_t				 i;

	for (i = 0; i < nw->n; i++) {
		b = mirror_tree_find(base->f, base->n, nw->f[i].path);
		plan[i].changed = b == NULL || b->size != nw->f[i].size ||
		    strcmp(b->sha256, nw->f[i].sha256) != 0;
		if (b == NULL)
			st->added++;
		else if (plan[i].changed)
			st->changed++;
		else
			st->unchanged++;
		st->tree_bytes += nw->f[i].size;
	}
	st->removed = base->n - (st->changed + st->unchanged);
}

static int
delta_by_ref(const void *a, const void *b)
{
	const struct delta_ref	*x = a, *y = b;
	int			 c = strcmp(x->s, y->s);

	return c != 0 ? c : x->i < y->i ? -1 : x->i > y->i;
}

/* Changed files with the bytes of an earlier changed file are copies. */
static int
delta_copies(struct delta *dl, struct ec_err *err)
{
	const struct mirror_tree	*nw = dl->nw;
	struct delta_ref		*ix;
	size_t				 n = 0, i, src = 0;

	if ((ix = calloc(nw->n + 1, sizeof(*ix))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < nw->n; i++)
		if (dl->plan[i].changed) {
			ix[n].s = nw->f[i].sha256;
			ix[n++].i = i;
		}
	/* By digest, then position: the first of equal files is the source. */
	qsort(ix, n, sizeof(*ix), delta_by_ref);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(ix[i].s, nw->f[src].sha256) == 0 &&
		    nw->f[ix[i].i].size == nw->f[src].size)
			dl->plan[ix[i].i].copy_of = src + 1;
		else
			src = ix[i].i;
	}
	free(ix);
	return 0;
}

/*
 * A path's key: every run of 64 hex digits (a digest in a content-
 * addressed name) made "*" and every run of 6 or more decimal digits (a
 * TUF version) "#", so that an OCI blob, a TUF target or versioned
 * metadata finds its predecessor under another name.
 */
static void
delta_key(char out[EC_BLOB_NAME_MAX + 1], const char *path)
{
	size_t	o = 0, n, m;

	while (*path != '\0' && o < EC_BLOB_NAME_MAX) {
		n = strspn(path, "0123456789abcdef");
		m = strspn(path, "0123456789");
		if (n == EC_SHA256_HEX - 1 || m >= 6) {
			out[o++] = n == EC_SHA256_HEX - 1 ? '*' : '#';
			path += n == EC_SHA256_HEX - 1 ? n : m;
		} else
			out[o++] = *path++;
	}
	out[o] = '\0';
}

static int
delta_keys(struct delta *dl, struct ec_err *err)
{
	size_t	i, n = dl->base->n;

	if ((dl->key = calloc(n + 1, sizeof(*dl->key))) == NULL ||
	    (dl->bykey = calloc(n + 1, sizeof(*dl->bykey))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < n; i++) {
		delta_key(dl->key[i], dl->base->f[i].path);
		dl->bykey[i].s = dl->key[i];
		dl->bykey[i].i = i;
	}
	qsort(dl->bykey, n, sizeof(*dl->bykey), delta_by_ref);
	return 0;
}

/* The first bytes of a base file: its codec. */
static enum mirror_codec
delta_codec(const char *dir, const char *rel)
{
	char	path[MIRROR_PATH_MAX];
	uint8_t	head[18];
	ssize_t	n;
	int	fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return MIRROR_CODEC_IDENTITY;
	n = read(fd, head, sizeof(head));
	(void)close(fd);
	return mirror_codec_of(head, n > 0 ? (size_t)n : 0);
}

/* Candidates of one key looked at for a file with no base of its path. */
#define DELTA_KEY_TRIES	64

/*
 * The base file a new file is patched against: the one at its path, or
 * among the base files of its key, with its codec, the nearest in size.
 */
static const struct ec_blob_file *
delta_base_of(const struct delta *dl, size_t i)
{
	const struct ec_blob_file	*b, *best = NULL;
	char				 k[EC_BLOB_NAME_MAX + 1];
	enum mirror_codec		 c;
	size_t				 lo = 0, hi = dl->base->n, mid, t;
	uint64_t			 d, bd = 0, sz = dl->nw->f[i].size;

	if ((b = mirror_tree_find(dl->base->f, dl->base->n,
	    dl->nw->f[i].path)) != NULL)
		return b;
	delta_key(k, dl->nw->f[i].path);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(dl->bykey[mid].s, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	c = delta_codec(dl->new_dir, dl->nw->f[i].path);
	for (t = 0; lo < dl->base->n && t < DELTA_KEY_TRIES &&
	    strcmp(dl->bykey[lo].s, k) == 0; lo++, t++) {
		b = &dl->base->f[dl->bykey[lo].i];
		d = b->size > sz ? b->size - sz : sz - b->size;
		if (b->size >= EC_MIRROR_PATCH_MIN && (best == NULL ||
		    d < bd) && delta_codec(dl->base_dir, b->path) == c) {
			best = b;
			bd = d;
		}
	}
	return best;
}

/* Patch file i, or leave it whole: 1 patched (sent), 0 whole, -1. */
static int
delta_patch(struct delta *dl, size_t i, struct ec_buf *pb, size_t pack_len,
    struct ec_err *err)
{
	const struct ec_blob_file	*b;
	struct mirror_patch		*pm;
	char				 bp[MIRROR_PATH_MAX];
	char				 np[MIRROR_PATH_MAX];
	int				 rc;

	if (dl->nw->f[i].size < EC_MIRROR_PATCH_MIN ||
	    pack_len + dl->nw->f[i].size > EC_MIRROR_PACK_MAX ||
	    dl->nw->f[i].size > EC_MIRROR_PATCH_MAX ||
	    dl->patches == EC_MIRROR_MAX_PATCHES ||
	    (b = delta_base_of(dl, i)) == NULL ||
	    b->size > EC_MIRROR_PATCH_MAX)
		return 0;
	(void)snprintf(bp, sizeof(bp), "%s/%s", dl->base_dir, b->path);
	(void)snprintf(np, sizeof(np), "%s/%s", dl->new_dir,
	    dl->nw->f[i].path);
	if ((pm = calloc(1, sizeof(*pm))) == NULL)
		return ec_err_nomem(err);
	if ((rc = mirror_patch_make(pb, pm, bp, np, err)) != 1 ||
	    (pm->base = strdup(b->path)) == NULL) {
		free(pm);
		return rc == 1 ? ec_err_nomem(err) : rc;
	}
	dl->plan[i].patch = pm;
	dl->patches++;
	return 1;
}

/* The files, then the manifest and its envelope, through the sink. */
static int
delta_emit(struct delta *dl, struct ec_mirror_stats *st,
    const struct ec_mirror_sink *sink, const struct ec_signer *signer,
    struct ec_err *err)
{
	const struct mirror_tree	*nw = dl->nw;
	struct ec_buf			 env, doc, pb, st_doc, pack;
	char				 src[MIRROR_PATH_MAX];
	char				 dst[MIRROR_PATH_MAX];
	json_t				*j = NULL;
	size_t				 i;
	int				 rc = -1, r;

	ec_buf_init(&env, EC_MAX_META_BYTES);
	ec_buf_init(&doc, EC_MAX_META_BYTES);
	ec_buf_init(&pb, EC_MIRROR_PATCH_MAX);
	ec_buf_init(&st_doc, EC_MAX_META_BYTES);
	ec_buf_init(&pack, EC_MIRROR_PACK_MAX);
	for (i = 0; i < nw->n; i++) {
		if (!dl->plan[i].changed || dl->plan[i].copy_of != 0)
			continue;
		(void)snprintf(src, sizeof(src), "%s/%s", dl->new_dir,
		    nw->f[i].path);
		(void)snprintf(dst, sizeof(dst), EC_MIRROR_FILES_DIR "/%s",
		    nw->f[i].path);
		if ((r = delta_patch(dl, i, &pb, pack.len, err)) == -1 ||
		    (r == 1 ? ec_buf_add(&pack, pb.data, pb.len, err) :
		    sink->put_file(sink->arg, dst, src, err)) == -1)
			goto out;
		st->delta_bytes += r == 1 ? pb.len : nw->f[i].size;
	}
	if (pack.len > 0 && sink->put_mem(sink->arg, EC_MIRROR_PACK_NAME,
	    pack.data, pack.len, err) == -1)
		goto out;
	if ((j = delta_doc(dl)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_canon_dump(&doc, j, err) == -1 ||
	    mirror_statement(&st_doc, doc.data, doc.len, err) == -1 ||
	    ec_dsse_sign(&env, EC_MIRROR_DIFF_DIGEST_TYPE, st_doc.data,
	    st_doc.len, &signer, 1, err) == -1 ||
	    sink->put_mem(sink->arg, EC_MIRROR_DIFF_NAME, doc.data, doc.len,
	    err) == -1 ||
	    sink->put_mem(sink->arg, EC_MIRROR_DIFF_DSSE, env.data, env.len,
	    err) == -1)
		goto out;
	rc = 0;
out:
	json_decref(j);
	ec_buf_dispose(&pack);
	ec_buf_dispose(&st_doc);
	ec_buf_dispose(&pb);
	ec_buf_dispose(&doc);
	ec_buf_dispose(&env);
	return rc;
}

static void
delta_dispose(struct delta *dl)
{
	size_t	i;

	for (i = 0; dl->plan != NULL && i < dl->nw->n; i++)
		if (dl->plan[i].patch != NULL) {
			free(dl->plan[i].patch->base);
			mirror_codec_params_dispose(&dl->plan[i].patch->cp);
			free(dl->plan[i].patch);
		}
	free(dl->plan);
	free(dl->key);
	free(dl->bykey);
}

int
ec_mirror_delta_write(struct ec_mirror_stats *out, const char *base_dir,
    const char *new_dir, const struct ec_signer *signer,
    const struct ec_mirror_sink *sink, struct ec_err *err)
{
	struct mirror_tree	 base, nw;
	struct ec_mirror_stats	 st;
	struct delta		 dl;
	struct stat		 sb;
	int			 rc = -1;

	memset(&st, 0, sizeof(st));
	memset(&base, 0, sizeof(base));
	memset(&nw, 0, sizeof(nw));
	memset(&dl, 0, sizeof(dl));
	dl.base = &base;
	dl.nw = &nw;
	dl.base_dir = base_dir;
	dl.new_dir = new_dir;
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
	if ((dl.plan = calloc(nw.n + 1, sizeof(*dl.plan))) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	delta_compare(&st, dl.plan, &base, &nw);
	if (delta_copies(&dl, err) == -1 || delta_keys(&dl, err) == -1 ||
	    delta_emit(&dl, &st, sink, signer, err) == -1)
		goto out;
	memcpy(st.base_id, base.id, sizeof(st.base_id));
	memcpy(st.export_id, nw.id, sizeof(st.export_id));
	memcpy(st.base_tree, base.digest, sizeof(st.base_tree));
	memcpy(st.new_tree, nw.digest, sizeof(st.new_tree));
	if (out != NULL)
		*out = st;
	rc = 0;
out:
	delta_dispose(&dl);
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

	if (mirror_mkparents(arg, path, err) == -1)
		return -1;
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
