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

#include <jansson.h>
#include <zstd.h>

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

/* A file's compression layer (ec_mirror_codec.c). */
enum mirror_codec {
	MIRROR_CODEC_IDENTITY,	/* stored as it is */
	MIRROR_CODEC_ZSTD,
	MIRROR_CODEC_GZIP	/* libarchive's gzip filter, no timestamp */
};

/* How a file's bytes are made from its uncompressed bytes. */
struct mirror_codec_params {
	enum mirror_codec	codec;
	int			level;		/* zstd and gzip */
	bool			checksum;	/* zstd: content checksum */
	bool			content_size;	/* zstd: one call, sized */
	uint32_t		job_size;	/* zstd: 0 one thread, else
						 * streamed in jobs of this */
	/*
	 * zstd streamed: the uncompressed length of each frame when the
	 * file is several frames back to back (a bundle compressed as N
	 * frames, ec_bundle.h), each re-made as its own frame; NULL and 0
	 * for one frame.  Owned by whoever holds the parameters last
	 * (mirror_codec_params_dispose).
	 */
	uint64_t		*frames;
	size_t			 nframes;
};

/* A file of the delta that patches a base file (ec_mirror_delta.h). */
struct mirror_patch {
	char				*base;	/* owned: a base tree path */
	char				 base_sha256[EC_SHA256_HEX];
	uint64_t			 base_raw_size;
	struct mirror_codec_params	 cp;
	uint64_t			 raw_size;
	uint64_t			 patch_size;
	bool				 prefix;	/* "zstd-prefix" */
};

/* One entry of manifest.diff.json's "files". */
struct mirror_entry {
	char			*path;		/* owned by the diff */
	char			 sha256[EC_SHA256_HEX];
	uint64_t		 size;
	char			*copy_of;	/* owned; NULL: not a copy */
	struct mirror_patch	*patch;		/* owned; NULL: whole */
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

/* The statement an envelope signs for the manifest "p" (canonical). */
int	mirror_statement(struct ec_buf *out, const void *p, size_t len,
	    struct ec_err *err);
/* Decoder read size; a decode's buffer allows this much over its cap. */
#define MIRROR_CODEC_STEP	(128 * 1024)
/* Frames a patched file may have: a bundle has at most 2 per output + 1. */
#define MIRROR_CODEC_MAX_FRAMES	4096

struct ec_buf;

/* The codec "p" is in, by its magic. */
enum mirror_codec mirror_codec_of(const uint8_t *p, size_t len);
/* The parameters this project writes such a file with (unproven). */
void	mirror_codec_guess(struct mirror_codec_params *cp, const uint8_t *p,
	    size_t len);
/*
 * Decode "p" into out (reset first; out's ceiling bounds the work):
 * EC_ERR_VERIFY for a corrupt stream, EC_ERR_TOO_LARGE past the ceiling.
 * With "frames" (or NULL), a zstd stream of several frames also leaves
 * each frame's uncompressed length in frames->frames.
 */
int	mirror_codec_decode(struct ec_buf *out, enum mirror_codec c,
	    const uint8_t *p, size_t len, struct mirror_codec_params *frames,
	    struct ec_err *err);
/*
 * Compress "p" in one call with zc's parameters (its size in the frame
 * header), appended to out.
 */
int	mirror_zstd_once(struct ec_buf *out, ZSTD_CCtx *zc, const uint8_t *p,
	    size_t len, struct ec_err *err);
/* Free the frame lengths of "cp" (the rest is plain data). */
void	mirror_codec_params_dispose(struct mirror_codec_params *cp);
/* Encode "p" with the parameters "cp" into out (reset first). */
int	mirror_codec_encode(struct ec_buf *out,
	    const struct mirror_codec_params *cp, const uint8_t *p, size_t len,
	    struct ec_err *err);
/* The "patch" member of a files entry, and its parser (EC_ERR_VERIFY). */
json_t	*mirror_patch_json(const struct mirror_patch *pm, const char *path);
int	mirror_patch_parse(struct mirror_patch *pm, const json_t *o,
	    const char *path, struct ec_err *err);

/*
 * Patch the new file against the base file: 1 with the patch in "patch"
 * and *pm filled (but pm->base), 0 when the file goes whole (not
 * re-made from its raw bytes by these parameters, over the cap, or a
 * patch no smaller), -1 on EC_ERR_NOMEM or EC_ERR_IO.
 */
int	mirror_patch_make(struct ec_buf *patch, struct mirror_patch *pm,
	    const char *base_file, const char *new_file, struct ec_err *err);
/* Run a patch's frame against the base's raw bytes: exactly "size". */
int	mirror_patch_decode(struct ec_buf *out, const uint8_t *bb,
	    size_t blen, const uint8_t *p, size_t len, uint64_t size,
	    bool prefix, struct ec_err *err);
/*
 * Make the new file "dst" from the base file (base_size bytes) and the
 * patch at "off" of the pack file, checking the base's digest and the
 * result against want_hex and want_size before it is written (the patch
 * has no digest of its own: the result's covers it).  EC_ERR_VERIFY;
 * EC_ERR_BASE_MISSING for a base file with other bytes.
 */
int	mirror_patch_apply(const struct mirror_patch *pm, const char *base_file,
	    uint64_t base_size, const char *pack, uint64_t off, const char *dst,
	    const char *want_hex, uint64_t want_size, struct ec_err *err);

#endif
