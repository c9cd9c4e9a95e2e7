/*
 * ec_profile: the one builder interface every export profile implements.
 * The profiles live in lib/profiles/, one file each (json:raw now;
 * json:policy, trivy:db, trivy:java-db, mirror:full, mirror:delta and
 * devportal:offline plug in the same way).  The common driver, ec_export,
 * owns the staging directory, the store snapshot, the manifest,
 * provenance, signatures, checksums, packing and publishing; a profile
 * only decides what files go in, through the ec_build_* calls below.
 *
 * Life of a build, as the driver runs it:
 *   1. check   parameters (--param key=value) are matched against the
 *              profile's table, then check() validates their values;
 *              nothing has been touched yet.
 *   2. plan    inside the store snapshot (unless EC_PROFILE_NO_STORE):
 *              fix the snapshot time and fail early when the export
 *              cannot fit its limits.
 *   3. write   open, fill and close output files (below).
 *   4. seal    manifest.json, manifest.dsse.json, provenance.json,
 *              provenance.dsse.json and checksums.txt are added at the
 *              top of the tree: profiles never write those names.
 *   5. publish the tree is renamed into the output directory as
 *              DIR/<name>/, or, with EC_PROFILE_PACK, packed into one
 *              deterministic DIR/<name>.tar.zst first.
 *
 * Output files.  Each file is written in the staging directory and only
 * takes its place in the tree when closed, so a profile may hold several
 * open at once, name a file after its own digest (OCI blobs), or let a
 * library such as SQLite or a BoltDB writer seek in a scratch file:
 *
 *   ec_build_item_open()     a streamed file, hashed as it is written;
 *   ec_build_item_scratch()  an empty read-write file the profile (or a
 *                            library, by path or fd) fills and seeks in;
 *   ec_build_item_sum()      ends the writing and gives the digest and
 *                            size, e.g. to name a blob sha256/<hex>;
 *   ec_build_item_close()    places the file at its path and enters it in
 *                            manifest.json: as an item (type, id, format)
 *                            under "items", or as EC_FILE_METADATA (an
 *                            oci-layout, index.json, a TUF role, Trivy's
 *                            metadata.json) under "files", which
 *                            exportctl verify checks the same way.
 *
 * Paths are relative, printable ASCII, at most EC_BUNDLE_NAME_MAX bytes
 * (ustar) in a packed bundle and EC_PROFILE_DIR_NAME_MAX in a directory
 * output (mirror:full's TUF targets: tuf/targets/oci/blobs/sha256/
 * <hash>.<hash>), without "." or ".." components, each used once; together at
 * most EC_MAX_OUTPUTS items and files.  Tar members, directory entries
 * and manifest entries are sorted bytewise, and packed bundles carry the
 * snapshot time as every mtime, so the bytes depend only on the inputs.
 */
#ifndef EC_PROFILE_H
#define EC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_hash.h"
#include "ec_key.h"
#include "ec_select.h"
#include "ec_store.h"

struct ec_build;	/* opaque: one export being built (ec_export.c) */
struct ec_build_item;	/* opaque: one output file being written */

/* Publish one DIR/<name>.tar.zst instead of the directory DIR/<name>/. */
#define EC_PROFILE_PACK		0x01u
/* Needs no evidence: no database is opened, ec_build_store() is NULL. */
#define EC_PROFILE_NO_STORE	0x02u
/*
 * The tree holds an OCI image layout under oci/ (Trivy's DB artifacts),
 * so a run may ask for it to be pushed to a registry (distribution oci).
 */
#define EC_PROFILE_OCI		0x04u

/* Longest path of a directory output's file (ec_build_item_close). */
#define EC_PROFILE_DIR_NAME_MAX	255

/* Parameter key and value sizes (exportctl build --param key=value). */
#define EC_PARAM_KEY_MAX	32
#define EC_PARAM_VALUE_MAX	4096
#define EC_PARAM_MAX		16

/* One parameter a profile accepts; tables end with a NULL key. */
struct ec_profile_param {
	const char	*key;		/* [a-z][a-z0-9-]* */
	const char	*help;		/* one line, for exportctl profiles */
	bool		 required;
};

struct ec_age_recipient;

struct ec_profile {
	const char			*name;		/* "json:raw" */
	const char			*build_type;	/* SLSA buildType */
	unsigned			 flags;		/* EC_PROFILE_* */
	unsigned			 targets;	/* EC_TARGET_* */
	unsigned			 formats;	/* EC_FORMAT_* */
	struct ec_selectors		 defaults;
	const struct ec_profile_param	*params;	/* NULL: none */
	/*
	 * Validate the parameter values (ec_build_param) before any work:
	 * EC_ERR_REQUEST_INVALID naming the parameter.  May be NULL.  It may
	 * keep what it parsed with ec_build_set_state(), and may run more
	 * than once per request (ec_export_check, then the build).
	 */
	int	(*check)(struct ec_build *b, struct ec_err *err);
	/*
	 * Look at the inputs inside the snapshot: fix the snapshot time
	 * (ec_build_set_snapshot) and fail early, before anything is
	 * written, when the export cannot fit its limits.
	 */
	int	(*plan)(struct ec_build *b, struct ec_err *err);
	/* Write the output files and record the inputs. */
	int	(*write)(struct ec_build *b, struct ec_err *err);
	/*
	 * A directory profile that takes age recipients (NULL: it refuses
	 * them): after the seal, write the encrypted form of the sealed
	 * tree "tree" into the new, empty directory "dest", which is
	 * published instead; its bytes to *size_out.
	 */
	int	(*encrypt)(struct ec_build *b, const char *tree,
	    const char *dest, const struct ec_age_recipient *r, size_t n,
	    uint64_t *size_out, struct ec_err *err);
};

/* The profile called "name", or NULL. */
const struct ec_profile	*ec_profile_find(const char *name);
/* Every profile this build provides, in name order; count to *n_out. */
const struct ec_profile *const *ec_profile_all(size_t *n_out);

/*
 * What the export is about; borrowed for the life of the build.  The
 * store is NULL for EC_PROFILE_NO_STORE profiles; otherwise its snapshot
 * is open from plan() to the end of write().
 */
struct ec_store			*ec_build_store(struct ec_build *b);
const char			*ec_build_tenant(const struct ec_build *b);
const struct ec_selectors	*ec_build_selectors(const struct ec_build *b);
/* The value of parameter "key", or NULL when it was not given. */
const char	*ec_build_param(const struct ec_build *b, const char *key);

/*
 * Profile state from check() to write(): "state" is released with
 * "release" (may be NULL) when the build ends, whatever the outcome.
 */
void	 ec_build_set_state(struct ec_build *b, void *state,
	    void (*release)(void *));
void	*ec_build_state(const struct ec_build *b);

/*
 * What plan() expects write() to produce: input documents, output files
 * and their bytes before compression.  The driver adds its own files,
 * checks the free space of the staging and output file systems against
 * it before write() runs, and exportctl estimate reports it.  A profile
 * that never calls it is estimated by the driver's files alone.
 */
void	ec_build_set_estimate(struct ec_build *b, uint64_t documents,
	    uint64_t outputs, uint64_t bytes);

/* The snapshot time (µs since the epoch): every tar member's mtime. */
void	ec_build_set_snapshot(struct ec_build *b, int64_t us);

/* Where a closed file is entered in manifest.json. */
enum ec_file_role {
	EC_FILE_ITEM,		/* "items": type, id, format, path, ... */
	EC_FILE_METADATA	/* "files": path, sha256, size */
};

struct ec_file_desc {
	enum ec_file_role	 role;
	const char		*type;		/* items only */
	const char		*id;		/* items only */
	const char		*format;	/* items only */
	const char		*path;		/* NULL: the open-time one */
};

/*
 * Open a streamed output file; "path" may be NULL when the name is known
 * only at close.  *out belongs to the build until ec_build_item_close()
 * or ec_build_item_discard(); the driver discards files left open when
 * the build fails.  EC_ERR_IO, EC_ERR_NOMEM.
 */
int	ec_build_item_open(struct ec_build_item **out, struct ec_build *b,
	    const char *path, struct ec_err *err) EC_MUST_CHECK;
/*
 * Open an empty scratch file for seekable formats (BoltDB, SQLite): the
 * profile writes it through ec_build_item_fd(), or a library opens
 * ec_build_item_path() itself and closes it again before
 * ec_build_item_sum(), which reads the file back to hash it.
 */
int	ec_build_item_scratch(struct ec_build_item **out, struct ec_build *b,
	    struct ec_err *err) EC_MUST_CHECK;
/* The file's staging path and descriptor; borrowed until it is closed. */
const char	*ec_build_item_path(const struct ec_build_item *it);
int		 ec_build_item_fd(const struct ec_build_item *it);

/* Append to a file opened with ec_build_item_open(); EC_ERR_IO. */
int	ec_build_item_write(struct ec_build_item *it, const void *p,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
/*
 * End the writing (flush, or hash a scratch file) and give the digest
 * and size; later writes fail.  Calling it again gives the same values.
 */
int	ec_build_item_sum(uint8_t digest_out[EC_SHA256_LEN],
	    uint64_t *size_out, struct ec_build_item *it, struct ec_err *err)
	    EC_MUST_CHECK;
/*
 * Sum (if not done yet), place the file at d->path (or its open-time
 * path) and enter it in the manifest; it is fsync'd when published.
 * "it" is gone after the call, whatever it returns.  Digest and size go
 * to the outputs (each may be NULL).  EC_ERR_TOO_LARGE past
 * EC_MAX_OUTPUTS, EC_ERR_INTERNAL for a bad, reserved or repeated path,
 * EC_ERR_IO.
 */
int	ec_build_item_close(struct ec_build_item *it,
	    const struct ec_file_desc *d, uint8_t digest_out[EC_SHA256_LEN],
	    uint64_t *size_out, struct ec_err *err) EC_MUST_CHECK;
/* Throw an open file away.  NULL is a no-op. */
void	ec_build_item_discard(struct ec_build_item *it);

/* Open, write "len" bytes and close in one call. */
int	ec_build_add_mem(struct ec_build *b, const struct ec_file_desc *d,
	    const void *p, size_t len, uint8_t digest_out[EC_SHA256_LEN],
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Record one input document (kind, source, upstream id, canonical
 * SHA-256 in hex), in the order the profile reads them.  The inputs make
 * manifest.json's inputsHash and provenance's resolvedDependencies.
 */
int	ec_build_input(struct ec_build *b, const char *kind,
	    const char *source, const char *id, const char *sha256_hex,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Record that input document (kind, source, id), already recorded with
 * ec_build_input(), was left out of the output entirely, and why (one
 * line, e.g. "only GIT ranges"): never written half-formed.  The count is
 * the build summary's "skipped"; provenance.json carries, per kind, the
 * count and the SHA-256 of the "kind TAB source TAB id TAB reason" lines
 * in the order they came, under buildDefinition.internalParameters.
 */
int	ec_build_skip(struct ec_build *b, const char *kind,
	    const char *source, const char *id, const char *reason,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * A "summary" object for manifest.json (stolen), such as json:policy's
 * verdicts per SBOM; a later call replaces it.
 */
void	ec_build_summary(struct ec_build *b, json_t *summary);

/* The build's signing key (borrowed), or NULL for an unsigned build. */
const struct ec_signer	*ec_build_signer(const struct ec_build *b);

/* Longest staging path of a file of the tree. */
#define EC_BUILD_FILE_MAX	4224

/*
 * The staging path of "path", a file of the tree already closed, to read
 * it back (say, to copy it as a TUF target) until the build ends.
 * EC_ERR_INTERNAL when it does not fit.
 */
int	ec_build_tree_file(char out[EC_BUILD_FILE_MAX],
	    const struct ec_build *b, const char *path, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Build profile "p" inside build "b", as a separate, complete export of
 * the same tenant (its default selectors, no parameters, its own
 * manifest, provenance and checksums, signed with b's key), published in
 * b's private scratch space; the path of its output (a .tar.zst or a
 * directory) goes to "out", readable until b ends.  It reads b's store
 * snapshot, so both see the same evidence, and its inputs are its own,
 * not b's.  Builds nest one level only (EC_ERR_INTERNAL).  The errors of
 * ec_export_build().
 */
int	ec_build_nested(char out[EC_BUILD_FILE_MAX], struct ec_build *b,
	    const struct ec_profile *p, struct ec_err *err) EC_MUST_CHECK;

/* The profiles (lib/profiles/<name>.c). */
extern const struct ec_profile	ec_profile_devportal_offline;
extern const struct ec_profile	ec_profile_json_policy;
extern const struct ec_profile	ec_profile_json_raw;
extern const struct ec_profile	ec_profile_mirror_full;
extern const struct ec_profile	ec_profile_mirror_delta;
extern const struct ec_profile	ec_profile_trivy_db;
extern const struct ec_profile	ec_profile_trivy_java_db;

#endif
