/*
 * ec_mirror_delta: deltas between two mirror trees, and applying them.
 * The operation is generic: a "tree" is a directory of regular files
 * (the output of mirror:full, or any deterministic tree), compared by
 * relative path and SHA-256.  Empty directories are not part of a tree.
 *
 * A delta is a directory:
 *
 *   manifest.diff.json       canonical JSON (RFC 8785), below
 *   manifest.diff.dsse.json  DSSE envelope over a statement of those
 *                            bytes' digest (below)
 *   files/<path>             every file of the new tree that is absent
 *                            from the base or whose bytes differ and
 *                            goes whole (below)
 *   patches.pack             the patches of the others, one after
 *                            another in "files" order (absent without
 *                            patches): one file, so that a delta's own
 *                            manifest does not list hundreds
 *
 * manifest.diff.json holds schemaVersion (EC_MIRROR_DIFF_SCHEMA),
 * baseExportId and exportId (the base's and the new tree's export ids),
 * baseManifestSha256 and newManifestSha256 (of each tree's top-level
 * manifest.json, absent when the tree has none), baseTreeSha256 and
 * newTreeSha256 (tree digests, below), "files" (path, sha256, size of
 * each new or changed file of the new tree, sorted by path) and
 * "removals" (the paths of the base that the new tree lacks, sorted).
 * The signature covers the removals and every digest, so a delta cannot
 * be cut or extended.
 *
 * A files entry is one of three (schema v2; a v1 delta has only the
 * first):
 *
 *   whole  {path, sha256, size}: files/<path> holds the file's bytes.
 *   copy   {path, copyOf}: the bytes (and so digest and size) of the
 *          whole or patched entry copyOf (a TUF consistent-snapshot
 *          target, an OCI blob that is also served); nothing under
 *          files/.
 *   patch  {path, sha256, size, patch}: the next patchSize bytes of
 *          patches.pack are a patch of the base file "base" (absent:
 *          path itself) whose digest is baseSha256.  Both files are
 *          taken out of their compression layer ("codec": identity,
 *          zstd or gzip; baseRawSize and rawSize are of the raw bytes),
 *          the patch makes the new raw bytes from the base's, and the
 *          codec's parameters
 *          ("level"; for zstd "checksum", "contentSize" (one call with
 *          the size in the header, one thread) and "jobSize" (0, or
 *          streamed by one worker in jobs of that size)) make the file's
 *          bytes again, which must be sha256.  The writer keeps a patch
 *          only when it re-made the file's exact bytes itself and the
 *          patch is smaller; the applier refuses (EC_ERR_VERIFY) a
 *          library that makes other bytes.
 *
 * A patch's "format" is "ops" or "zstd-prefix".  "ops": one zstd frame
 * (at most a 2^27-byte window, its content size in the header, at most
 * twice rawSize plus 64) of operations, each: varint literal length, the
 * literal bytes, varint copy length and, when the copy is not empty, a
 * zigzag varint: the change in the copy distance (base position minus
 * result position, 0 at the start).  The operations make exactly rawSize
 * bytes; each does something; each copy lies inside the base and the
 * result.  "zstd-prefix": one zstd frame of the raw bytes compressed
 * with the base's raw bytes as a referenced prefix (zstd's patch-from),
 * its window at most the power of two covering both, its content size
 * rawSize.  Anything else is EC_ERR_VERIFY.
 *
 * The export id of a tree is the runId of its manifest.json; a tree
 * without one is named "sha256:" and its tree digest.  The tree digest
 * is the SHA-256 of the lines "<sha256 hex>  <path>\n" of every file,
 * sorted bytewise by path (sha256sum's format: find, sort and sha256sum
 * reproduce it), leaving out the top-level appliedExportIds.log.
 *
 * appliedExportIds.log is the importer's record, one export id a line:
 * an applied tree carries the base's log (or, for a base without one,
 * the base's export id) followed by the delta's exportId.  It is not
 * part of the tree: a diff ignores it on both sides, and "byte-identical
 * to the new full tree" means every other file.
 *
 * Limits: a tree holds at most EC_MIRROR_MAX_FILES files, paths of
 * printable ASCII at most EC_BLOB_NAME_MAX bytes, nested at most 16
 * levels; symbolic links, devices and FIFOs are refused in every tree
 * read.  manifest.diff.json and its envelope are read whole, at most
 * EC_MAX_META_BYTES each.
 */
#ifndef EC_MIRROR_DELTA_H
#define EC_MIRROR_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_hash.h"
#include "ec_key.h"

#define EC_MIRROR_DIFF_SCHEMA	"export-center.mirror-delta/v2"
/* The schema before patches and copies: still applied. */
#define EC_MIRROR_DIFF_SCHEMA_V1 "export-center.mirror-delta/v1"
#define EC_MIRROR_DIFF_NAME	"manifest.diff.json"
#define EC_MIRROR_DIFF_DSSE	"manifest.diff.dsse.json"
/*
 * The envelope's payload: the canonical JSON {"name":
 * "manifest.diff.json", "sha256": hex, "size": n} of the manifest's
 * exact bytes, so the manifest is not carried twice (once in base64).
 * A v1 delta's envelope carried the manifest itself, under
 * EC_MIRROR_DIFF_PAYLOAD_TYPE; both are verified.
 */
#define EC_MIRROR_DIFF_DIGEST_TYPE \
	"application/vnd.stellaops.export-center.mirror-delta-digest+json"
#define EC_MIRROR_DIFF_PAYLOAD_TYPE \
	"application/vnd.stellaops.export-center.mirror-delta+json"
/* The directory of a delta holding the new and changed files. */
#define EC_MIRROR_FILES_DIR	"files"
/* Every patch of a delta, one after another in "files" order. */
#define EC_MIRROR_PACK_NAME	"patches.pack"
#define EC_MIRROR_LOG_NAME	"appliedExportIds.log"
/*
 * Files of one tree.  Each costs about 350 bytes while a diff or an
 * apply runs (two trees: about 23 MiB at the limit), and a delta of that
 * many entries still fits its manifest in EC_MAX_META_BYTES.  Past it
 * EC_ERR_TOO_LARGE.
 */
#define EC_MIRROR_MAX_FILES	32768
/*
 * Patches.  A patch holds the base's and the new file's raw bytes in
 * memory while it is made or applied (and the writer an index of about
 * a quarter of the base's size): files whose raw bytes pass this go
 * whole, and a delta declaring more is EC_ERR_TOO_LARGE.  Files smaller
 * than EC_MIRROR_PATCH_MIN always go whole.  At most EC_MIRROR_MAX_PATCHES
 * patch entries keep manifest.diff.json within EC_MAX_META_BYTES; past
 * them files go whole.
 */
#define EC_MIRROR_PATCH_MAX	(256 * 1024 * 1024)
#define EC_MIRROR_PATCH_MIN	512
#define EC_MIRROR_MAX_PATCHES	8192
/* patches.pack is built in memory: past this, files go whole. */
#define EC_MIRROR_PACK_MAX	(256 * 1024 * 1024)
/* Export ids: printable ASCII without spaces, 1 to this many bytes. */
#define EC_MIRROR_ID_MAX	200
/* Lines of an appliedExportIds.log carried forward; past it the base is
 * refused (EC_ERR_TOO_LARGE): a chain that long is rebased on a full. */
#define EC_MIRROR_LOG_MAX	100000

struct ec_mirror_diff;	/* opaque: a parsed manifest.diff.json */

/*
 * Parse an untrusted manifest.diff.json: the schema above, canonical
 * bytes, valid ids, digests and paths, both lists strictly sorted, no
 * path both written and removed.  EC_ERR_VERIFY naming what is wrong;
 * EC_ERR_TOO_LARGE past the limits.  *out is the caller's.
 */
int	ec_mirror_diff_parse(struct ec_mirror_diff **out, const char *p,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
/* The ids; borrowed for the life of "d". */
const char	*ec_mirror_diff_base_id(const struct ec_mirror_diff *d);
const char	*ec_mirror_diff_export_id(const struct ec_mirror_diff *d);
size_t		 ec_mirror_diff_files(const struct ec_mirror_diff *d);
size_t		 ec_mirror_diff_removals(const struct ec_mirror_diff *d);
void		 ec_mirror_diff_free(struct ec_mirror_diff *d);

/*
 * Where a delta being written goes: a directory (ec_mirror_delta_diff)
 * or an export build (mirror:delta).  put_file copies the regular file
 * "src" to the delta's relative "path"; put_mem writes "len" bytes.
 */
struct ec_mirror_sink {
	int	(*put_file)(void *arg, const char *path, const char *src,
		    struct ec_err *err);
	int	(*put_mem)(void *arg, const char *path, const void *p,
		    size_t len, struct ec_err *err);
	void	*arg;
};

struct ec_mirror_stats {
	size_t		added, changed, removed, unchanged;
	uint64_t	delta_bytes;	/* of the files under files/ */
	uint64_t	tree_bytes;	/* of every file of the new tree */
	char		base_id[EC_MIRROR_ID_MAX + 1];
	char		export_id[EC_MIRROR_ID_MAX + 1];
	char		base_tree[EC_SHA256_HEX];	/* tree digests */
	char		new_tree[EC_SHA256_HEX];
};

/*
 * Compare the trees "base_dir" and "new_dir" (both hashed whole, one
 * file at a time) and write the delta through "sink", signed by
 * "signer" (borrowed).  A missing base is EC_ERR_BASE_MISSING; a tree
 * that breaks the limits, EC_ERR_REQUEST_INVALID or EC_ERR_TOO_LARGE;
 * the sink's codes pass through.  Nothing is written before both trees
 * have been read.  Counts go to *out (may be NULL).
 */
int	ec_mirror_delta_write(struct ec_mirror_stats *out,
	    const char *base_dir, const char *new_dir,
	    const struct ec_signer *signer, const struct ec_mirror_sink *sink,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * ec_mirror_delta_write() into a new directory "out_dir", built in a
 * staging directory beside it and published atomically (ec_publish_move:
 * an identical delta there already is success, another one
 * EC_ERR_CONFLICT).  On failure nothing is left at "out_dir".
 */
int	ec_mirror_delta_diff(struct ec_mirror_stats *out, const char *base_dir,
	    const char *new_dir, const struct ec_signer *signer,
	    const char *out_dir, struct ec_err *err) EC_MUST_CHECK;

/*
 * Apply the delta "delta_dir" to the tree "base_dir" and publish the
 * result as "out_dir" (staged beside it, published atomically; the base
 * is only read).  In order: the envelope must verify under "key" and
 * carry manifest.diff.json's exact bytes (EC_ERR_VERIFY otherwise); a
 * base that is absent, whose manifest.json digest is not
 * baseManifestSha256 or whose tree digest is not baseTreeSha256, or that
 * lacks a removed path, is EC_ERR_BASE_MISSING; a file under files/ that
 * is not listed, is listed but missing, has other bytes, or is not a
 * regular file, and a result whose tree digest is not newTreeSha256, are
 * EC_ERR_VERIFY.  On any failure nothing is left at "out_dir".  Counts
 * go to *out (may be NULL).
 */
int	ec_mirror_delta_apply(struct ec_mirror_stats *out,
	    const char *base_dir, const char *delta_dir,
	    const struct ec_verifier *key, const char *out_dir,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Rebuild a tree from the artifact store (export-cron's base of a
 * mirror:delta run): each files[i].path (a tree path, as
 * ec_mirror_diff_parse() accepts) is copied from the blob
 * <store>/sha256/../<files[i].sha256> to "dir"/path, which must be an
 * empty directory, and must hash to that digest and size.  A missing
 * blob is EC_ERR_BASE_MISSING; a bad path, a blob with other bytes,
 * EC_ERR_VERIFY; EC_ERR_IO.  On failure "dir" holds a partial tree for
 * the caller's staging cleanup.
 */
struct ec_blob_file;
int	ec_mirror_tree_from_store(const char *dir, const char *store,
	    const struct ec_blob_file *files, size_t n, struct ec_err *err)
	    EC_MUST_CHECK;

#endif
