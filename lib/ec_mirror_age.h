/*
 * ec_mirror_age: a mirror tree (ec_mirror.h) locked to age recipients
 * file by file, so that it stays servable from a static root and a TUF
 * client verifies it without any key, and the way back.
 *
 * The encrypted tree E of a sealed plaintext mirror T holds:
 *
 *   <target>.age            every TUF target of T (the OCI layout, the
 *                           bundle and the Trivy databases in it,
 *                           export.json, indexes/, data/raw/), age v1
 *   tuf/metadata/           the roots of T, and new targets, snapshot and
 *                           timestamp metadata (the same version and
 *                           keys) whose targets are the .age files, each
 *                           with its plaintext's sha256 and length as
 *                           "custom": {"plaintext": ...}
 *   tuf/targets/            the .age files under their consistent-
 *                           snapshot names
 *   tuf/plaintext/          T's own tuf/metadata/, as it is
 *   manifest.json, ...      T's seal files (manifest, provenance, their
 *                           envelopes, checksums.txt), as they are
 *
 * The seal and the plaintext metadata stay readable: they carry digests
 * and counts, never evidence, and the digests are in the new targets
 * metadata anyway.  Decrypting E gives T again, byte for byte.
 *
 * E's .age files and so its TUF metadata differ from build to build, since
 * age draws a fresh file key each time; T, and so the decrypted tree, is
 * as deterministic as any mirror.
 */
#ifndef EC_MIRROR_AGE_H
#define EC_MIRROR_AGE_H

#include <stddef.h>
#include <stdint.h>

#include "ec_age.h"
#include "ec_err.h"
#include "ec_mirror.h"

/* Where E keeps T's metadata. */
#define EC_MIRROR_AGE_PLAIN_DIR	"tuf/plaintext"

/*
 * Write E of the sealed tree "tree" into the empty directory "dest"; "t"
 * is the TUF repository T was written with (its version names T's
 * targets).  E's bytes to *bytes_out.  EC_ERR_REQUEST_INVALID for a tree
 * without that targets metadata or a target name too long for ".age",
 * EC_ERR_IO, the codes of ec_age_encrypt_file() and ec_tuf_render().
 */
int	ec_mirror_age_encrypt(uint64_t *bytes_out, const char *tree,
	    const char *dest, const struct ec_age_recipient *r, size_t n,
	    const struct ec_mirror_tuf *t, struct ec_err *err) EC_MUST_CHECK;

/*
 * Decrypt the encrypted mirror "dir" with identities ids[0..n) and
 * publish T as the new directory "out_dir" (staged beside it, so nothing
 * appears there on failure); the count of decrypted files to
 * *files_out.  Every decrypted file is checked against the digest and
 * length T's targets metadata (tuf/plaintext/) gives.  EC_ERR_REQUEST_INVALID
 * for a directory that is not an encrypted mirror, EC_ERR_VERIFY for a
 * file of none of the identities or one that does not match, EC_ERR_IO,
 * EC_ERR_CONFLICT when out_dir exists with other content.
 */
int	ec_mirror_age_decrypt(size_t *files_out, const char *dir,
	    const struct ec_age_identity *ids, size_t n, const char *out_dir,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * A mirror delta (ec_mirror_delta.h) locked the same way: the sealed
 * delta "tree" into the empty directory "dest", where patches.pack and
 * every file under files/ become "<file>.age" (age v1 to r[0..n)) and
 * the rest (manifest.diff.json, its envelope, the delta's seal files)
 * is copied as it is: digests and counts, never evidence.  E's bytes to
 * *bytes_out.  EC_ERR_REQUEST_INVALID for a path with no room for
 * ".age", EC_ERR_IO, the codes of ec_age_encrypt_file().
 */
int	ec_mirror_age_delta_encrypt(uint64_t *bytes_out, const char *tree,
	    const char *dest, const struct ec_age_recipient *r, size_t n,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Apply the encrypted delta "delta_dir" to the plaintext tree
 * "base_dir", as ec_mirror_delta_apply() applies a plain one, and
 * publish the result as "out_dir".  The .age files are decrypted with
 * ids[0..n) into a private staging directory beside out_dir (removed on
 * return, so the plaintext delta never outlives the call), and the
 * decrypted delta must verify whole under "key" (ec_verify_bundle(): the
 * seal's signed sha256 and size of every file) before anything is
 * applied; ec_mirror_delta_apply() then checks every file against
 * manifest.diff.json again.  EC_ERR_REQUEST_INVALID for a directory
 * that is not an encrypted delta; EC_ERR_VERIFY for a file of none of
 * the identities, a damaged or swapped .age file, a payload file left
 * unencrypted; then the codes of ec_mirror_delta_apply().  On any
 * failure nothing is left at "out_dir".
 */
struct ec_mirror_stats;
struct ec_verifier;
int	ec_mirror_age_delta_apply(struct ec_mirror_stats *out,
	    const char *base_dir, const char *delta_dir,
	    const struct ec_age_identity *ids, size_t n,
	    const struct ec_verifier *key, const char *out_dir,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
