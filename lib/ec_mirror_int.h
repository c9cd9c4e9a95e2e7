/*
 * ec_mirror_int.h: what the delta writer (ec_mirror_delta.c), the
 * manifest.diff.json parser (ec_mirror_diff.c) and the applier
 * (ec_mirror_apply.c) share.  Users see ec_mirror_delta.h.
 */
#ifndef EC_MIRROR_INT_H
#define EC_MIRROR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_blob.h"
#include "ec_err.h"
#include "ec_hash.h"
#include "ec_mirror_delta.h"

#define MIRROR_PATH_MAX	4096
/* A tree's own directory: room is left for the paths below it. */
#define MIRROR_TREE_MAX	(MIRROR_PATH_MAX - EC_BLOB_NAME_MAX - 64)

/* One tree, hashed: files sorted by path, the log left out. */
struct mirror_tree {
	struct ec_blob_file	*f;		/* owned */
	size_t			 n;
	char			 digest[EC_SHA256_HEX];	/* tree digest */
	char			 manifest[EC_SHA256_HEX]; /* "": none */
	char			 id[EC_MIRROR_ID_MAX + 1];
};

/* One entry of manifest.diff.json's "files". */
struct mirror_entry {
	char		*path;		/* owned by the diff */
	char		 sha256[EC_SHA256_HEX];
	uint64_t	 size;
};

struct ec_mirror_diff {
	char			 base_id[EC_MIRROR_ID_MAX + 1];
	char			 export_id[EC_MIRROR_ID_MAX + 1];
	char			 base_manifest[EC_SHA256_HEX];	/* "": none */
	char			 base_tree[EC_SHA256_HEX];
	char			 new_tree[EC_SHA256_HEX];
	struct mirror_entry	*files;		/* owned */
	size_t			 nfiles;
	char			**removals;	/* owned */
	size_t			 nremovals;
};

/*
 * List "dir" (ec_blob_list_tree: no links or devices, bounded), hash
 * every file but the top-level log, and name the tree.  A path that is
 * not printable ASCII is EC_ERR_REQUEST_INVALID.  Dispose of "t" in
 * every case.
 */
int	mirror_tree_load(struct mirror_tree *t, const char *dir,
	    struct ec_err *err);
void	mirror_tree_dispose(struct mirror_tree *t);
/* Lines "<hex>  <path>\n" of t's files, hashed as hex_out. */
void	mirror_tree_digest(char hex_out[EC_SHA256_HEX],
	    const struct ec_blob_file *f, size_t n);
/* The entry for "path" in a sorted list, or NULL. */
const struct ec_blob_file *mirror_tree_find(const struct ec_blob_file *f,
	    size_t n, const char *path);

/* A relative tree path we write: printable ASCII, no "." or "..". */
bool	mirror_path_ok(const char *p);
/* An export id: 1 to EC_MIRROR_ID_MAX printable ASCII, no space. */
bool	mirror_id_ok(const char *s);

/*
 * Copy the regular file "src" (not followed if a link) to the new file
 * "dst" (O_EXCL, 0644), hashing what was copied into hex_out and the
 * size into *size_out.  EC_ERR_IO, or EC_ERR_REQUEST_INVALID for a
 * source that is not a regular file.
 */
int	mirror_copy(char hex_out[EC_SHA256_HEX], uint64_t *size_out,
	    const char *src, const char *dst, struct ec_err *err);
/* Write "len" bytes to the new file "path" (O_EXCL, 0644); EC_ERR_IO. */
int	mirror_write_mem(const char *path, const void *p, size_t len,
	    struct ec_err *err);
/* Make the parent directories of "root/rel" below "root" (0755). */
int	mirror_mkparents(const char *root, const char *rel,
	    struct ec_err *err);
/*
 * Split "out_dir" into its parent and last component ("size" bytes
 * each), refusing a name ec_publish_move() could not take
 * (EC_ERR_REQUEST_INVALID).
 */
int	mirror_out_split(char *parent, char *name, size_t size,
	    const char *out_dir, struct ec_err *err);
/*
 * Split "out_dir", make a staging directory named "prefix" and a random
 * suffix beside it (ec_publish_staging_new; *stg is the caller's, even on
 * failure) and the empty directory "tree" in it, to be published as
 * "out_dir".
 */
struct ec_staging;
int	mirror_stage(struct ec_staging **stg, char tree[MIRROR_TREE_MAX],
	    char parent[MIRROR_PATH_MAX], char name[MIRROR_PATH_MAX],
	    const char *out_dir, const char *prefix, struct ec_err *err);

#endif
