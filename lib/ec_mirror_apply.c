/*
 * ec_mirror_apply: base + delta = the new tree.  Everything is checked
 * before it is trusted and the result is built in a staging directory,
 * so a failure at any step leaves the output name untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ec_buf.h"
#include "ec_dsse.h"
#include "ec_file.h"
#include "ec_limits.h"
#include "ec_manifest.h"
#include "ec_mirror_int.h"
#include "ec_publish.h"

/* A log line: an id and its newline. */
#define APPLY_LOG_BYTES	((size_t)EC_MIRROR_LOG_MAX * (EC_MIRROR_ID_MAX + 1))

struct apply {
	const char		*base_dir;	/* borrowed */
	const char		*delta_dir;	/* borrowed */
	char			 tree[MIRROR_TREE_MAX];	/* staging tree */
	struct ec_mirror_diff	*d;		/* owned */
	struct mirror_tree	 base;
	struct ec_blob_file	*res;		/* owned: the result */
	size_t			 nres;
	size_t			 added;		/* delta files new here */
	uint64_t		 pack_off;	/* the next patch's offset */
};

/* Read a delta's member whole; a missing or bad one is a corrupt delta. */
static int
apply_read(struct ec_buf *out, const char *dir, const char *name,
    struct ec_err *err)
{
	char	 path[MIRROR_PATH_MAX];
	uint8_t	*p;
	size_t	 len;
	int	 rc;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ec_file_read_small(&p, &len, path, EC_MAX_META_BYTES, err) == -1) {
		if (err != NULL && err->code != EC_ERR_NOMEM)
			err->code = EC_ERR_VERIFY;
		return ec_err_prefix(err, "delta");
	}
	rc = ec_buf_add(out, p, len, err);
	free(p);
	return rc;
}

/* The envelope must verify and carry manifest.diff.json's exact bytes. */
static int
apply_manifest(struct apply *a, const struct ec_verifier *key,
    struct ec_err *err)
{
	struct ec_buf	doc, env, payload, want;
	int		rc = -1;

	ec_buf_init(&want, EC_MAX_META_BYTES);
	ec_buf_init(&doc, EC_MAX_META_BYTES);
	ec_buf_init(&env, EC_MAX_META_BYTES);
	ec_buf_init(&payload, EC_MAX_META_BYTES);
	if (apply_read(&doc, a->delta_dir, EC_MIRROR_DIFF_NAME, err) == -1 ||
	    apply_read(&env, a->delta_dir, EC_MIRROR_DIFF_DSSE, err) == -1)
		goto out;
	if (ec_dsse_verify(&payload, env.data, env.len,
	    EC_MIRROR_DIFF_DIGEST_TYPE, key, err) == 0) {
		/* The signed statement must be the one of these bytes. */
		if (mirror_statement(&want, doc.data, doc.len, err) == -1)
			goto out;
	} else {
		ec_buf_reset(&payload);
		if (ec_dsse_verify(&payload, env.data, env.len,
		    EC_MIRROR_DIFF_PAYLOAD_TYPE, key, NULL) == -1) {
			(void)ec_err_prefix(err, "delta " EC_MIRROR_DIFF_DSSE);
			goto out;
		}
		/* A v1 envelope carries the manifest itself. */
		if (ec_buf_add(&want, doc.data, doc.len, err) == -1)
			goto out;
	}
	if (payload.len != want.len || memcmp(payload.data, want.data,
	    want.len) != 0) {
		(void)ec_err_set(err, EC_ERR_VERIFY, "delta: "
		    EC_MIRROR_DIFF_NAME " is not the signed one (tampered)");
		goto out;
	}
	rc = ec_mirror_diff_parse(&a->d, doc.data, doc.len, err);
out:
	ec_buf_dispose(&want);
	ec_buf_dispose(&doc);
	ec_buf_dispose(&env);
	ec_buf_dispose(&payload);
	return rc;
}

/* The base must be the very tree the delta was made from. */
static int
apply_base(struct apply *a, struct ec_err *err)
{
	const struct ec_mirror_diff	*d = a->d;
	struct stat			 st;
	size_t				 i;

	if (stat(a->base_dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return ec_err_set(err, EC_ERR_BASE_MISSING, "base mirror "
		    "%.200s is absent (the delta needs export %s)",
		    a->base_dir, d->base_id);
	if (mirror_tree_load(&a->base, a->base_dir, err) == -1)
		return -1;
	if (d->base_manifest[0] != '\0' &&
	    strcmp(a->base.manifest, d->base_manifest) != 0)
		return ec_err_set(err, EC_ERR_BASE_MISSING, "base mirror "
		    "%.200s is export %s, not %s (its manifest.json digest "
		    "differs)", a->base_dir, a->base.id, d->base_id);
	if (strcmp(a->base.digest, d->base_tree) != 0)
		return ec_err_set(err, EC_ERR_BASE_MISSING, "base mirror "
		    "%.200s is not the tree of export %s (tree digest %.12s, "
		    "want %.12s)", a->base_dir, d->base_id, a->base.digest,
		    d->base_tree);
	for (i = 0; i < d->nremovals; i++)
		if (mirror_tree_find(a->base.f, a->base.n, d->removals[i]) ==
		    NULL)
			return ec_err_set(err, EC_ERR_BASE_MISSING, "base "
			    "mirror lacks %.200s, which the delta removes",
			    d->removals[i]);
	return 0;
}

/* patches.pack holds exactly the listed patches, or is absent. */
static int
apply_pack(const struct apply *a, struct ec_err *err)
{
	char		path[MIRROR_PATH_MAX];
	struct stat	st;
	uint64_t	want = 0;
	size_t		i;

	for (i = 0; i < a->d->nfiles; i++)
		if (a->d->files[i].patch != NULL)
			want += a->d->files[i].patch->patch_size;
	(void)snprintf(path, sizeof(path), "%s/" EC_MIRROR_PACK_NAME,
	    a->delta_dir);
	if (lstat(path, &st) == -1 && errno == ENOENT && want == 0)
		return 0;
	if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != want)
		return ec_err_set(err, EC_ERR_VERIFY, "delta: "
		    EC_MIRROR_PACK_NAME " is not the %llu bytes of its "
		    "patches", (unsigned long long)want);
	return 0;
}

/* files/ holds exactly the listed files: nothing unlisted rides along. */
static int
apply_files_listed(const struct apply *a, struct ec_err *err)
{
	struct ec_blob_file	*f = NULL;
	struct stat		 st;
	char			 dir[MIRROR_PATH_MAX];
	size_t			 i, j, n = 0;
	int			 rc = -1;

	(void)snprintf(dir, sizeof(dir), "%s/" EC_MIRROR_FILES_DIR,
	    a->delta_dir);
	if (apply_pack(a, err) == -1)
		return -1;
	for (i = 0; i < a->d->nfiles && (a->d->files[i].copy_of != NULL ||
	    a->d->files[i].patch != NULL); i++)
		;
	if (lstat(dir, &st) == -1 && errno == ENOENT && i == a->d->nfiles)
		return 0;
	/* The walk would follow a link at its root out of the delta. */
	if (lstat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return ec_err_set(err, EC_ERR_VERIFY, "delta: "
		    EC_MIRROR_FILES_DIR " is not a directory");
	if (ec_blob_list_tree(&f, &n, dir, EC_MIRROR_MAX_FILES, err) == -1) {
		if (err != NULL && err->code != EC_ERR_NOMEM)
			err->code = EC_ERR_VERIFY;
		return ec_err_prefix(err, "delta");
	}
	/* Copies and patches have no file: the walk pairs the others. */
	for (i = j = 0;; i++, j++) {
		while (j < a->d->nfiles && (a->d->files[j].copy_of != NULL ||
		    a->d->files[j].patch != NULL))
			j++;
		if (i == n || j == a->d->nfiles ||
		    strcmp(f[i].path, a->d->files[j].path) != 0)
			break;
	}
	if (i < n || j < a->d->nfiles)
		(void)ec_err_set(err, EC_ERR_VERIFY, "delta: "
		    EC_MIRROR_FILES_DIR "/%.200s is %s", i < n ? f[i].path :
		    a->d->files[j].path, i < n && (j >= a->d->nfiles ||
		    strcmp(f[i].path, a->d->files[j].path) < 0) ?
		    "not listed in " EC_MIRROR_DIFF_NAME : "missing");
	else
		rc = 0;
	free(f);
	return rc;
}

/*
 * Make one file of the staging tree from a patch.  The patch's base must
 * be the base tree's file with the stated bytes: another base is
 * EC_ERR_BASE_MISSING, as for the tree as a whole.
 */
static int
apply_patch(struct apply *a, const struct mirror_entry *e, const char *src,
    const char *dst, struct ec_err *err)
{
	const struct mirror_patch	*pm = e->patch;
	const struct ec_blob_file	*b;
	char				 bp[MIRROR_PATH_MAX];
	char				 pack[MIRROR_PATH_MAX];

	b = mirror_tree_find(a->base.f, a->base.n, pm->base);
	if (b == NULL || strcmp(b->sha256, pm->base_sha256) != 0)
		return ec_err_set(err, EC_ERR_BASE_MISSING, "base mirror "
		    "lacks %.200s with the bytes the patch of %.200s needs",
		    pm->base, e->path);
	(void)snprintf(bp, sizeof(bp), "%s/%s", a->base_dir, b->path);
	(void)src;
	(void)snprintf(pack, sizeof(pack), "%s/" EC_MIRROR_PACK_NAME,
	    a->delta_dir);
	if (mirror_patch_apply(pm, bp, b->size, pack, a->pack_off, dst,
	    e->sha256, e->size, err) == -1)
		return ec_err_prefix(err, "%.200s", e->path);
	a->pack_off += pm->patch_size;
	return 0;
}

/* Copy one file into the staging tree, its bytes checked on the way. */
static int
apply_put(struct apply *a, const char *src, const char *rel,
    const char *want_hex, uint64_t want_size, const struct mirror_entry *e,
    struct ec_err *err)
{
	struct ec_blob_file	*r = &a->res[a->nres];
	char			 dst[MIRROR_PATH_MAX];
	bool			 from_delta = e != NULL;

	if (mirror_mkparents(a->tree, rel, err) == -1)
		return -1;
	(void)snprintf(dst, sizeof(dst), "%s/%s", a->tree, rel);
	if (e != NULL && (e->copy_of != NULL || e->patch != NULL)) {
		/* A copy is made once its source is there: after the merge. */
		if (e->patch != NULL && apply_patch(a, e, src, dst, err) == -1)
			return -1;
		memcpy(r->sha256, want_hex, EC_SHA256_HEX);
		r->size = want_size;
		(void)snprintf(r->path, sizeof(r->path), "%s", rel);
		a->nres++;
		return 0;
	}
	if (mirror_copy(r->sha256, &r->size, src, dst, err) == -1) {
		if (from_delta && err != NULL && err->code != EC_ERR_NOMEM)
			err->code = EC_ERR_VERIFY;
		return from_delta ? ec_err_prefix(err, "delta") : -1;
	}
	if (strcmp(r->sha256, want_hex) != 0 || r->size != want_size)
		return ec_err_set(err, from_delta ? EC_ERR_VERIFY :
		    EC_ERR_BASE_MISSING, "%s %.200s: bytes differ from %s",
		    from_delta ? "delta file" : "base file", rel,
		    from_delta ? "manifest.diff.json" : "when it was read");
	(void)snprintf(r->path, sizeof(r->path), "%s", rel);
	a->nres++;
	return 0;
}

static bool
apply_removed(const struct ec_mirror_diff *d, const char *path)
{
	size_t	lo = 0, hi = d->nremovals, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(path, d->removals[mid])) == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* Merge the kept base files and the delta's files, in path order. */
static int
apply_merge(struct apply *a, struct ec_err *err)
{
	const struct ec_mirror_diff	*d = a->d;
	const struct ec_blob_file	*b;
	const struct mirror_entry	*e;
	char				 src[MIRROR_PATH_MAX];
	size_t				 i = 0, j = 0;
	int				 c;

	if ((a->res = calloc(a->base.n + d->nfiles + 1,
	    sizeof(*a->res))) == NULL)
		return ec_err_nomem(err);
	while (i < a->base.n || j < d->nfiles) {
		b = i < a->base.n ? &a->base.f[i] : NULL;
		e = j < d->nfiles ? &d->files[j] : NULL;
		c = b == NULL ? 1 : e == NULL ? -1 : strcmp(b->path, e->path);
		if (c < 0 && !apply_removed(d, b->path)) {
			(void)snprintf(src, sizeof(src), "%s/%s", a->base_dir,
			    b->path);
			if (apply_put(a, src, b->path, b->sha256, b->size,
			    NULL, err) == -1)
				return -1;
		} else if (c >= 0) {
			a->added += c > 0;
			(void)snprintf(src, sizeof(src), "%s/"
			    EC_MIRROR_FILES_DIR "/%s", a->delta_dir, e->path);
			if (apply_put(a, src, e->path, e->sha256, e->size,
			    e, err) == -1)
				return -1;
		}
		i += c <= 0;
		j += c >= 0;
	}
	return 0;
}

/* The copies, from their sources in the staging tree. */
static int
apply_copies(struct apply *a, struct ec_err *err)
{
	const struct mirror_entry	*e;
	char				 src[MIRROR_PATH_MAX];
	char				 dst[MIRROR_PATH_MAX];
	char				 hex[EC_SHA256_HEX];
	uint64_t			 size;
	size_t				 i;

	for (i = 0; i < a->d->nfiles; i++) {
		if ((e = &a->d->files[i])->copy_of == NULL)
			continue;
		(void)snprintf(src, sizeof(src), "%s/%s", a->tree, e->copy_of);
		(void)snprintf(dst, sizeof(dst), "%s/%s", a->tree, e->path);
		if (mirror_copy(hex, &size, src, dst, err) == -1)
			return -1;
		if (strcmp(hex, e->sha256) != 0 || size != e->size)
			return ec_err_set(err, EC_ERR_VERIFY, "delta file "
			    "%.200s: its source %.200s has other bytes",
			    e->path, e->copy_of);
	}
	return 0;
}

/* The base's log, or its id, then the delta's export id. */
static int
apply_log(const struct apply *a, struct ec_err *err)
{
	struct ec_buf	 log;
	struct stat	 st;
	char		 path[MIRROR_PATH_MAX];
	uint8_t		*p = NULL;
	size_t		 len = 0, i, start;
	int		 rc = -1;

	ec_buf_init(&log, APPLY_LOG_BYTES + EC_MIRROR_ID_MAX + 1);
	(void)snprintf(path, sizeof(path), "%s/" EC_MIRROR_LOG_NAME,
	    a->base_dir);
	if (lstat(path, &st) == 0 && ec_file_read_small(&p, &len, path,
	    APPLY_LOG_BYTES, err) == -1)
		goto out;
	for (i = start = 0; i < len; i++)
		if (p[i] == '\n') {
			p[i] = '\0';
			if (!mirror_id_ok((char *)p + start)) {
				(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "base " EC_MIRROR_LOG_NAME ": line is not "
				    "an export id");
				goto out;
			}
			p[i] = '\n';
			start = i + 1;
		}
	if (start != len) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "base "
		    EC_MIRROR_LOG_NAME ": last line is unterminated");
		goto out;
	}
	if ((len > 0 ? ec_buf_add(&log, p, len, err) :
	    ec_buf_addf(&log, err, "%s\n", a->d->base_id)) == -1 ||
	    ec_buf_addf(&log, err, "%s\n", a->d->export_id) == -1)
		goto out;
	(void)snprintf(path, sizeof(path), "%s/" EC_MIRROR_LOG_NAME, a->tree);
	rc = mirror_write_mem(path, log.data, log.len, err);
out:
	free(p);
	ec_buf_dispose(&log);
	return rc;
}

int
ec_mirror_delta_apply(struct ec_mirror_stats *out, const char *base_dir,
    const char *delta_dir, const struct ec_verifier *key, const char *out_dir,
    struct ec_err *err)
{
	struct apply		 a;
	struct ec_staging	*stg = NULL;
	char			 parent[MIRROR_PATH_MAX], name[MIRROR_PATH_MAX];
	char			 digest[EC_SHA256_HEX];
	bool			 existed;
	int			 rc = -1;

	memset(&a, 0, sizeof(a));
	a.base_dir = base_dir;
	a.delta_dir = delta_dir;
	if (key == NULL) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "a delta is "
		    "applied only with the key that signed it (--key)");
		goto out;
	}
	if (mirror_out_split(parent, name, sizeof(parent), out_dir,
	    err) == -1 || apply_manifest(&a, key, err) == -1 ||
	    apply_base(&a, err) == -1 || apply_files_listed(&a, err) == -1 ||
	    mirror_stage(&stg, a.tree, parent, name, out_dir,
	    ".ec-mirror-apply.", err) == -1)
		goto out;
	if (apply_merge(&a, err) == -1 || apply_copies(&a, err) == -1)
		goto out;
	mirror_tree_digest(digest, a.res, a.nres);
	if (strcmp(digest, a.d->new_tree) != 0) {
		(void)ec_err_set(err, EC_ERR_VERIFY, "delta: the result is "
		    "not the tree of export %s (tree digest differs)",
		    a.d->export_id);
		goto out;
	}
	if (apply_log(&a, err) == -1 ||
	    ec_publish_move(&existed, a.tree, parent, name, err) == -1)
		goto out;
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		out->added = a.added;
		out->changed = a.d->nfiles - a.added;
		out->removed = a.d->nremovals;
		out->unchanged = a.nres - a.d->nfiles;
		(void)snprintf(out->base_id, sizeof(out->base_id), "%s",
		    a.d->base_id);
		(void)snprintf(out->export_id, sizeof(out->export_id), "%s",
		    a.d->export_id);
	}
	rc = 0;
out:
	ec_publish_staging_free(stg);
	free(a.res);
	mirror_tree_dispose(&a.base);
	ec_mirror_diff_free(a.d);
	return rc;
}
