/* ec_mirror_age: age-encrypted mirror trees, and the way back. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ec_blob.h"
#include "ec_buf.h"
#include "ec_file.h"
#include "ec_hash.h"
#include "ec_mirror_age.h"
#include "ec_mirror_delta.h"
#include "ec_mirror_int.h"
#include "ec_publish.h"
#include "ec_tuf.h"
#include "ec_verify.h"

/* Files of one tree: every target, its TUF copy, metadata and seal. */
#define MAGE_MAX_FILES	(2 * EC_TUF_MAX_TARGETS + 64)
#define MAGE_MAX_META	(64 * 1024 * 1024)
#define MAGE_META	"tuf/metadata/"
#define MAGE_TARGETS	"tuf/targets/"
/* The private staging beside --out, for the decrypted tree. */
#define MAGE_STAGING	".ec-mirror-decrypt."

static bool
mage_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool
mage_suffix(const char *s, const char *x)
{
	size_t	n = strlen(s), m = strlen(x);

	return n > m && strcmp(s + n - m, x) == 0;
}

static int
mage_target_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ec_tuf_target *)a)->path,
	    ((const struct ec_tuf_target *)b)->path);
}

/* The target "path" of the sorted t[0..n), or NULL. */
static struct ec_tuf_target *
mage_find(struct ec_tuf_target *t, size_t n, const char *path)
{
	struct ec_tuf_target	key;

	if (snprintf(key.path, sizeof(key.path), "%s", path) >=
	    (int)sizeof(key.path))
		return NULL;
	return bsearch(&key, t, n, sizeof(*t), mage_target_cmp);
}

/* "root/rel" into "out", its parents made. */
static int
mage_dest(char out[MIRROR_PATH_MAX], const char *root, const char *rel,
    struct ec_err *err)
{
	if (snprintf(out, MIRROR_PATH_MAX, "%s/%s", root, rel) >=
	    MIRROR_PATH_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "mirror: path too long: %.200s", rel);
	return mirror_mkparents(root, rel, err);
}

/* Copy "src_root/src" to "dst_root/dst". */
static int
mage_copy(const char *src_root, const char *src, const char *dst_root,
    const char *dst, struct ec_err *err)
{
	char	from[MIRROR_PATH_MAX], to[MIRROR_PATH_MAX];

	if (snprintf(from, sizeof(from), "%s/%s", src_root, src) >=
	    (int)sizeof(from))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "mirror: path too long: %.200s", src);
	if (mage_dest(to, dst_root, dst, err) == -1)
		return -1;
	return ec_publish_copy_file(from, to, err);
}

/* The one "*.targets.json" in "dir"/"meta" of the listing, parsed. */
static int
mage_targets_load(struct ec_tuf_target **out, size_t *n_out,
    const char *dir, const char *meta, const struct ec_blob_file *f,
    size_t nf, struct ec_err *err)
{
	const char	*found = NULL;
	char		 path[MIRROR_PATH_MAX];
	uint8_t		*data;
	size_t		 i, len;
	int		 rc;

	*out = NULL;
	for (i = 0; i < nf; i++)
		if (mage_prefix(f[i].path, meta) &&
		    strchr(f[i].path + strlen(meta), '/') == NULL &&
		    mage_suffix(f[i].path, ".targets.json")) {
			if (found != NULL)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "%.200s: more than one targets metadata "
				    "in %s", dir, meta);
			found = f[i].path;
		}
	if (found == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "%.200s: not an "
		    "encrypted mirror (no %s*.targets.json)", dir, meta);
	(void)snprintf(path, sizeof(path), "%s/%s", dir, found);
	if (ec_file_read_small(&data, &len, path, MAGE_MAX_META, err) == -1)
		return -1;
	rc = ec_mirror_targets_parse(out, n_out, data, len, err);
	free(data);
	if (rc == 0)
		qsort(*out, *n_out, sizeof(**out), mage_target_cmp);
	return rc;
}

/* Encrypt T's target "t" into E's "<path>.age" and its TUF copy. */
static int
mage_encrypt_one(struct ec_tuf_target *e, const struct ec_tuf_target *t,
    const char *tree, const char *dest, const struct ec_age_recipient *r,
    size_t n, struct ec_err *err)
{
	char	from[MIRROR_PATH_MAX], to[MIRROR_PATH_MAX];
	char	copy[MIRROR_PATH_MAX];
	uint8_t	d[EC_SHA256_LEN];

	if (snprintf(e->path, sizeof(e->path), "%s.age", t->path) >=
	    (int)sizeof(e->path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "mirror: target %.200s: no room for \".age\"", t->path);
	(void)snprintf(from, sizeof(from), "%s/%s", tree, t->path);
	if (mage_dest(to, dest, e->path, err) == -1 ||
	    ec_age_encrypt_file(to, from, r, n, err) == -1 ||
	    ec_sha256_file(d, &e->length, to, err) == -1)
		return -1;
	ec_hex_encode(e->sha256, d, sizeof(d));
	(void)memcpy(e->plain_sha256, t->sha256, sizeof(e->plain_sha256));
	e->plain_length = t->length;
	(void)ec_mirror_tuf_copy_name(copy, sizeof(copy), e->path, e->sha256);
	return mage_copy(dest, e->path, dest, copy, err);
}

/* E's targets, snapshot and timestamp metadata ("n_roots" roots). */
static int
mage_meta(const char *dest, const struct ec_mirror_tuf *t, uint64_t n_roots,
    const struct ec_tuf_target *e, size_t ne, struct ec_err *err)
{
	struct ec_tuf_repo	r;
	struct ec_buf		out[EC_TUF_ROLES];
	char			rel[64], path[MIRROR_PATH_MAX];
	int			role, rc = -1;

	memset(&r, 0, sizeof(r));
	for (role = 0; role < EC_TUF_ROLES; role++) {
		r.keys[role] = t->keys;
		r.n_keys[role] = t->n_keys;
		r.threshold[role] = t->threshold;
		r.expires[role] = t->expires[role];
		ec_buf_init(&out[role], MAGE_MAX_META);
	}
	r.root_version = n_roots;
	r.version = t->version;
	r.targets = e;
	r.n_targets = ne;
	if (ec_tuf_render(out, &r, err) == -1)
		goto out;
	for (role = EC_TUF_TARGETS; role < EC_TUF_ROLES; role++) {
		if (role == EC_TUF_TIMESTAMP)
			(void)snprintf(rel, sizeof(rel), "timestamp.json");
		else
			(void)snprintf(rel, sizeof(rel), "%" PRIu64 ".%s.json",
			    t->version, role == EC_TUF_TARGETS ? "targets" :
			    "snapshot");
		(void)snprintf(path, sizeof(path), "%s/" MAGE_META "%s", dest,
		    rel);
		if (mirror_write_mem(path, out[role].data, out[role].len,
		    err) == -1)
			goto out;
	}
	rc = 0;
out:
	for (role = 0; role < EC_TUF_ROLES; role++)
		ec_buf_dispose(&out[role]);
	return rc;
}

/* T's file "rel" that is not a target: kept, or moved aside. */
static int
mage_keep(uint64_t *roots, const char *tree, const char *dest,
    const char *rel, struct ec_err *err)
{
	char	to[MIRROR_PATH_MAX];

	if (mage_prefix(rel, MAGE_TARGETS))
		return 0;
	if (!mage_prefix(rel, MAGE_META))
		return mage_copy(tree, rel, dest, rel, err);
	(void)snprintf(to, sizeof(to), EC_MIRROR_AGE_PLAIN_DIR "/%s",
	    rel + strlen(MAGE_META));
	if (mage_copy(tree, rel, dest, to, err) == -1)
		return -1;
	/* The roots are the trust anchor: E serves them unchanged. */
	if (!mage_suffix(rel, ".root.json"))
		return 0;
	(*roots)++;
	return mage_copy(tree, rel, dest, rel, err);
}

/* The bytes of every file of the tree "dir" to *out. */
static int
mage_tree_bytes(uint64_t *out, const char *dir, struct ec_err *err)
{
	struct ec_blob_file	*g = NULL;
	char			 path[MIRROR_PATH_MAX];
	struct stat		 st;
	size_t			 ng, i;

	if (ec_blob_list_tree(&g, &ng, dir, MAGE_MAX_FILES, err) == -1)
		return -1;
	*out = 0;
	for (i = 0; i < ng; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, g[i].path);
		if (stat(path, &st) == 0)
			*out += (uint64_t)st.st_size;
	}
	free(g);
	return 0;
}

int
ec_mirror_age_encrypt(uint64_t *bytes_out, const char *tree,
    const char *dest, const struct ec_age_recipient *r, size_t n,
    const struct ec_mirror_tuf *t, struct ec_err *err)
{
	struct ec_blob_file	*f = NULL;
	struct ec_tuf_target	*tt = NULL, *e = NULL;
	size_t			 nf, nt, ne = 0, i;
	uint64_t		 roots = 0;
	int			 rc = -1;

	if (ec_blob_list_tree(&f, &nf, tree, MAGE_MAX_FILES, err) == -1 ||
	    mage_targets_load(&tt, &nt, tree, MAGE_META, f, nf, err) == -1)
		goto out;
	if ((e = calloc(nt + 1, sizeof(*e))) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	for (i = 0; i < nf; i++) {
		if (mage_find(tt, nt, f[i].path) == NULL) {
			if (mage_keep(&roots, tree, dest, f[i].path,
			    err) == -1)
				goto out;
		} else if (mage_encrypt_one(&e[ne++], mage_find(tt, nt,
		    f[i].path), tree, dest, r, n, err) == -1)
			goto out;
	}
	if (ne != nt || roots == 0) {
		(void)ec_err_set(err, EC_ERR_INTERNAL, "mirror: %zu of %zu "
		    "targets in the tree, %" PRIu64 " roots", ne, nt, roots);
		goto out;
	}
	if (mage_meta(dest, t, roots, e, ne, err) == -1 ||
	    mage_tree_bytes(bytes_out, dest, err) == -1)
		goto out;
	rc = 0;
out:
	free(f);
	free(tt);
	free(e);
	return rc;
}

/* Decrypt E's "rel" (a .age target) into T's tree, checked against "t". */
static int
mage_decrypt_one(struct ec_tuf_target *tt, size_t nt, bool *seen,
    const char *dir, const char *rel, const char *tree,
    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
{
	struct ec_tuf_target	*t;
	char			 plain[MIRROR_PATH_MAX];
	char			 from[MIRROR_PATH_MAX];
	char			 to[MIRROR_PATH_MAX], hex[EC_SHA256_HEX];
	uint8_t			 d[EC_SHA256_LEN];
	uint64_t		 len;

	(void)snprintf(plain, sizeof(plain), "%.*s", (int)(strlen(rel) - 4),
	    rel);
	if ((t = mage_find(tt, nt, plain)) == NULL)
		return ec_err_set(err, EC_ERR_VERIFY, "%.200s: not a target "
		    "of the plaintext mirror", rel);
	(void)snprintf(from, sizeof(from), "%s/%s", dir, rel);
	if (mage_dest(to, tree, plain, err) == -1 ||
	    ec_age_decrypt_file(to, from, ids, n, err) == -1 ||
	    ec_sha256_file(d, &len, to, err) == -1)
		return -1;
	ec_hex_encode(hex, d, sizeof(d));
	if (len != t->length || strcmp(hex, t->sha256) != 0)
		return ec_err_set(err, EC_ERR_VERIFY, "%.200s: the plaintext "
		    "is not the one the targets metadata names", rel);
	seen[t - tt] = true;
	(void)ec_mirror_tuf_copy_name(to, sizeof(to), plain, hex);
	return mage_copy(tree, plain, tree, to, err);
}

/* T's files from E's listing into "tree". */
static int
mage_unwrap(struct ec_tuf_target *tt, size_t nt, const char *dir,
    const struct ec_blob_file *f, size_t nf, const char *tree,
    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
{
	const char	*plain = EC_MIRROR_AGE_PLAIN_DIR "/";
	char		 to[MIRROR_PATH_MAX];
	bool		*seen;
	size_t		 i;
	int		 rc = -1;

	if ((seen = calloc(nt + 1, sizeof(*seen))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < nf; i++) {
		if (mage_prefix(f[i].path, plain)) {
			(void)snprintf(to, sizeof(to), MAGE_META "%s",
			    f[i].path + strlen(plain));
			if (mage_copy(dir, f[i].path, tree, to, err) == -1)
				goto out;
		} else if (mage_prefix(f[i].path, "tuf/"))
			continue;
		else if (mage_suffix(f[i].path, ".age")) {
			if (mage_decrypt_one(tt, nt, seen, dir, f[i].path,
			    tree, ids, n, err) == -1)
				goto out;
		} else if (mage_copy(dir, f[i].path, tree, f[i].path,
		    err) == -1)
			goto out;
	}
	for (i = 0; i < nt; i++)
		if (!seen[i]) {
			(void)ec_err_set(err, EC_ERR_VERIFY, "%.200s: target "
			    "%s.age is missing", dir, tt[i].path);
			goto out;
		}
	rc = 0;
out:
	free(seen);
	return rc;
}

int
ec_mirror_age_decrypt(size_t *files_out, const char *dir,
    const struct ec_age_identity *ids, size_t n, const char *out_dir,
    struct ec_err *err)
{
	struct ec_staging	*stg = NULL;
	struct ec_blob_file	*f = NULL;
	struct ec_tuf_target	*tt = NULL;
	char			 parent[MIRROR_PATH_MAX];
	char			 name[MIRROR_PATH_MAX];
	char			 tree[MIRROR_TREE_MAX];
	size_t			 nf, nt;
	bool			 existed;
	int			 rc = -1;

	if (mirror_out_split(parent, name, sizeof(parent), out_dir,
	    err) == -1)
		goto out;
	if (ec_blob_list_tree(&f, &nf, dir, MAGE_MAX_FILES, err) == -1 ||
	    mage_targets_load(&tt, &nt, dir, EC_MIRROR_AGE_PLAIN_DIR "/", f,
	    nf, err) == -1 ||
	    mirror_stage(&stg, tree, parent, name, out_dir, MAGE_STAGING,
	    err) == -1)
		goto out;
	if (mage_unwrap(tt, nt, dir, f, nf, tree, ids, n, err) == -1 ||
	    ec_publish_move(&existed, tree, parent, name, err) == -1)
		goto out;
	*files_out = nt;
	rc = 0;
out:
	ec_publish_staging_free(stg);
	free(f);
	free(tt);
	return rc;
}

/* What a delta carries of the mirror: its payload (ec_mirror_delta.h). */
static bool
mage_delta_payload(const char *rel)
{
	return mage_prefix(rel, EC_MIRROR_FILES_DIR "/") ||
	    strcmp(rel, EC_MIRROR_PACK_NAME) == 0;
}

int
ec_mirror_age_delta_encrypt(uint64_t *bytes_out, const char *tree,
    const char *dest, const struct ec_age_recipient *r, size_t n,
    struct ec_err *err)
{
	struct ec_blob_file	*f = NULL;
	char			 from[MIRROR_PATH_MAX], to[MIRROR_PATH_MAX];
	char			 age[MIRROR_PATH_MAX];
	size_t			 nf, i;
	int			 rc = -1;

	if (ec_blob_list_tree(&f, &nf, tree, MAGE_MAX_FILES, err) == -1)
		return -1;
	for (i = 0; i < nf; i++) {
		if (!mage_delta_payload(f[i].path)) {
			if (mage_copy(tree, f[i].path, dest, f[i].path,
			    err) == -1)
				goto out;
			continue;
		}
		/* The published tree's paths are bounded as any tree's. */
		if (strlen(f[i].path) + 4 > EC_BLOB_NAME_MAX) {
			(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "mirror:delta: %.200s: no room for \".age\"",
			    f[i].path);
			goto out;
		}
		(void)snprintf(age, sizeof(age), "%s.age", f[i].path);
		(void)snprintf(from, sizeof(from), "%s/%s", tree, f[i].path);
		if (mage_dest(to, dest, age, err) == -1 ||
		    ec_age_encrypt_file(to, from, r, n, err) == -1)
			goto out;
	}
	rc = mage_tree_bytes(bytes_out, dest, err);
out:
	free(f);
	return rc;
}

/* Refuse what is not an encrypted delta before decrypting anything. */
static int
mage_delta_kind(const char *dir, const struct ec_blob_file *f, size_t nf,
    struct ec_err *err)
{
	const char	*open = NULL;
	size_t		 i, sealed = 0, locked = 0;

	for (i = 0; i < nf; i++) {
		if (strcmp(f[i].path, EC_MIRROR_DIFF_NAME) == 0)
			sealed++;
		else if (mage_suffix(f[i].path, ".age"))
			locked++;
		else if (mage_delta_payload(f[i].path) && open == NULL)
			open = f[i].path;
	}
	if (sealed == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "%.200s: not a "
		    "mirror delta (no " EC_MIRROR_DIFF_NAME ")", dir);
	if (locked == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "%.200s: not an "
		    "encrypted delta (no .age file)", dir);
	if (open != NULL)
		return ec_err_set(err, EC_ERR_VERIFY, "%.200s: %.200s is not "
		    "encrypted (an encrypted delta carries %.200s.age)", dir,
		    open, open);
	return 0;
}

/* The plaintext delta of the encrypted delta "dir", into "tree". */
static int
mage_delta_unwrap(const char *dir, const char *tree,
    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
{
	struct ec_blob_file	*f = NULL;
	char			 plain[MIRROR_PATH_MAX];
	char			 from[MIRROR_PATH_MAX];
	char			 to[MIRROR_PATH_MAX];
	size_t			 nf, i;
	int			 rc = -1;

	if (ec_blob_list_tree(&f, &nf, dir, MAGE_MAX_FILES, err) == -1)
		return -1;
	if (mage_delta_kind(dir, f, nf, err) == -1)
		goto out;
	for (i = 0; i < nf; i++) {
		if (!mage_suffix(f[i].path, ".age")) {
			if (mage_copy(dir, f[i].path, tree, f[i].path,
			    err) == -1)
				goto out;
			continue;
		}
		(void)snprintf(plain, sizeof(plain), "%.*s",
		    (int)(strlen(f[i].path) - 4), f[i].path);
		if (!mage_delta_payload(plain)) {
			(void)ec_err_set(err, EC_ERR_VERIFY, "%.200s: %.200s "
			    "is not a file a delta carries", dir, f[i].path);
			goto out;
		}
		(void)snprintf(from, sizeof(from), "%s/%s", dir, f[i].path);
		if (mage_dest(to, tree, plain, err) == -1 ||
		    ec_age_decrypt_file(to, from, ids, n, err) == -1)
			goto out;
	}
	rc = 0;
out:
	free(f);
	return rc;
}

int
ec_mirror_age_delta_apply(struct ec_mirror_stats *out, const char *base_dir,
    const char *delta_dir, const struct ec_age_identity *ids, size_t n,
    const struct ec_verifier *key, const char *out_dir, struct ec_err *err)
{
	struct ec_staging	*stg = NULL;
	struct ec_verify_result	 vr;
	char			 parent[MIRROR_PATH_MAX];
	char			 name[MIRROR_PATH_MAX];
	char			 plain[MIRROR_TREE_MAX];
	int			 rc = -1;

	if (mirror_stage(&stg, plain, parent, name, out_dir, MAGE_STAGING,
	    err) == -1 ||
	    mage_delta_unwrap(delta_dir, plain, ids, n, err) == -1)
		goto out;
	/*
	 * The delta's seal, signed with the key its diff manifest is
	 * checked with, names every decrypted file's sha256 and size: a
	 * swapped or stale .age file stops here, before anything is applied.
	 */
	if (ec_verify_bundle(&vr, plain, key, err) == -1) {
		(void)ec_err_prefix(err, "%.200s, decrypted", delta_dir);
		goto out;
	}
	rc = ec_mirror_delta_apply(out, base_dir, plain, key, out_dir, err);
out:
	ec_publish_staging_free(stg);
	return rc;
}
