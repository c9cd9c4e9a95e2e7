/*
 * ec_mirror: the files of a mirror tree that are not an OCI layout or
 * TUF metadata (DESIGN.md, "Mirror bundle layout"), written into a build
 * on the builder interface (ec_profile.h), so that mirror:full and
 * mirror:delta lay the raw data out the same way:
 *
 *   data/raw/advisories/<chunk>.jsonl.zst   advisories, one per line
 *   data/raw/vex/<chunk>.jsonl.zst          VEX statements, likewise
 *   data/raw/sboms/<subject>/sbom.json      one file per SBOM
 *   indexes/advisories.index.json           the chunks of each kind
 *   indexes/vex.index.json
 *   indexes/sbom.index.json                 the SBOM files
 *
 * Chunks.  A delta between two mirrors is the files that changed, so a
 * small change of the evidence must change few chunks.  Documents come
 * in the store's (upstream id, source) order, and a chunk ends where the
 * next document's id alone says so: its prefix (up to the first '-', the
 * id scheme: CVE, GHSA, GO, PYSEC, ...) differs, or the first two bytes
 * of its id's SHA-256, big-endian, are below 65536 / EC_MIRROR_CHUNK_DOCS
 * (about one id in EC_MIRROR_CHUNK_DOCS starts a chunk).  A boundary
 * depends on that one id, never on a count or an offset, so adding,
 * changing or removing a document changes its own chunk (and at most
 * merges or splits a neighbour), and the other chunks keep their bytes
 * and names.  As a bound, a chunk also ends at EC_MIRROR_CHUNK_MAX_DOCS
 * documents or EC_MIRROR_CHUNK_MAX_BYTES.  A chunk is named after its
 * first document: the id made path-safe (at most 48 bytes), '-', and 16
 * hex digits of the SHA-256 of "<source length>:<source><id>".
 *
 * Each chunk is one zstd frame (level EC_MIRROR_ZSTD_LEVEL, one thread,
 * content size and checksum in the frame), so the same documents give
 * the same bytes.  Every document read is an input of the build
 * (ec_build_input), in the order read.
 */
#ifndef EC_MIRROR_H
#define EC_MIRROR_H

#include <stdint.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_profile.h"
#include "ec_tuf.h"

/* About one id in this many starts a chunk. */
#define EC_MIRROR_CHUNK_DOCS		512
#define EC_MIRROR_CHUNK_MAX_DOCS	4096
#define EC_MIRROR_CHUNK_MAX_BYTES	(32 * 1024 * 1024)
#define EC_MIRROR_ZSTD_LEVEL		3

/* What ec_mirror_raw() wrote of one kind. */
struct ec_mirror_kind_stats {
	uint64_t	documents;
	uint64_t	files;		/* chunks or SBOM files */
	uint64_t	bytes;		/* of those files */
};

/*
 * Write the raw data and the index of "kind" ("advisory", "vex" or
 * "sbom") from the build's store snapshot, recording every document as
 * an input.  Stats to *out; the index written to *index_out (a new
 * reference, the caller's) unless it is NULL.  EC_ERR_INTERNAL for
 * another kind; the errors of the store and the builder calls;
 * EC_ERR_NOMEM.
 */
int	ec_mirror_raw(struct ec_mirror_kind_stats *out, json_t **index_out,
	    struct ec_build *b, const char *kind, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Add "doc" (borrowed) as "path", an EC_FILE_METADATA file in RFC 8785
 * canonical form (export.json, an index).  Errors of ec_canon_dump and
 * ec_build_add_mem.
 */
int	ec_mirror_json(struct ec_build *b, const char *path, const json_t *doc,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * The TUF repository of a mirror tree (ec_tuf.h): every file of the
 * build's tree closed so far (all but the driver's seal files, which are
 * written after and cover this repository in turn) is a target under
 * its tree path, copied to tuf/targets/<dir>/<sha256>.<name> (consistent
 * snapshots, TUF 5.7.3), and tuf/metadata/ receives <version>.targets.json,
 * <version>.snapshot.json and timestamp.json, all EC_FILE_METADATA, with
 * the root: 1.root.json of the keys below, or, with "roots_dir", the
 * chain 1.root.json .. N.root.json copied from there as it is (a root
 * rotated by ec_mirror_rotate; the keys must then be root N's).
 */
struct ec_mirror_tuf {
	const struct ec_signer *const	*keys;		/* every role */
	size_t				 n_keys;
	unsigned			 threshold;
	int64_t				 expires[4];	/* UTC s, per role */
	uint64_t			 version;	/* >= 1 */
	const char			*roots_dir;	/* NULL: none */
};

/*
 * Write the repository; the targets count goes to *n_out.  EC_ERR_TOO_LARGE
 * past EC_TUF_MAX_TARGETS, EC_ERR_REQUEST_INVALID for a roots_dir without
 * 1.root.json, EC_ERR_IO, the codes of ec_tuf_render() and of the
 * builder calls.
 */
int	ec_mirror_tuf(size_t *n_out, struct ec_build *b,
	    const struct ec_mirror_tuf *t, struct ec_err *err) EC_MUST_CHECK;

/*
 * The consistent-snapshot copy of the target "path" whose sha256 is
 * "hex" (TUF 5.5.2): "tuf/targets/<dir of path>/<hex>.<name>", into
 * "out" of "size" bytes; false when it does not fit.
 */
bool	ec_mirror_tuf_copy_name(char *out, size_t size, const char *path,
	    const char *hex);

/*
 * Parse a targets metadata file ("len" bytes at "p", untrusted: at most
 * 64 MiB, EC_TUF_MAX_TARGETS targets) into a new array *out (the
 * caller's, free()) of *n_out targets; signatures are not checked (the
 * client does).  EC_ERR_REQUEST_INVALID for anything but TUF targets
 * metadata with well-formed entries, EC_ERR_TOO_LARGE, EC_ERR_NOMEM; *out
 * is NULL then.
 */
int	ec_mirror_targets_parse(struct ec_tuf_target **out, size_t *n_out,
	    const void *p, size_t len, struct ec_err *err) EC_MUST_CHECK;

/*
 * Rotate the root of the mirror at "dir" (spec 5.3.4): with N the
 * highest DIR/tuf/metadata/N.root.json and V the version timestamp.json
 * names, write N+1.root.json listing keys[0..n) for every role and
 * signed by them and by old_keys[0..n_old) (root N's), and V+1 of
 * targets (the targets of V.targets.json, whose files are served
 * already), snapshot and timestamp signed by the new keys, all expiring
 * at "expires" (UTC s).  A client holding root N follows.  The new
 * root's version to *root_out.  EC_ERR_REQUEST_INVALID for a directory
 * that is not a mirror or malformed metadata; ec_tuf_write()'s codes.
 */
int	ec_mirror_rotate(uint64_t *root_out, const char *dir,
	    const struct ec_signer *const *keys, size_t n, unsigned threshold,
	    const struct ec_signer *const *old_keys, size_t n_old,
	    int64_t expires, struct ec_err *err) EC_MUST_CHECK;

#endif
