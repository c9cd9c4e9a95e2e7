/*
 * ec_verify: offline verification of a bundle, with no database and no
 * network: only the bundle and, for signed bundles, the public key.
 *
 * Order (the signature is the root of trust; checksums.txt is a
 * convenience for sha256sum and is checked last):
 *   1. manifest.dsse.json verifies with the key, over exactly the bytes of
 *      manifest.json;
 *   2. manifest.json is canonical and every item's file is present with
 *      its sha256 and size; no file is there that the manifest and the
 *      bundle's own metadata do not account for;
 *   3. provenance.dsse.json verifies over exactly provenance.json, whose
 *      subjects all match the files;
 *   4. every line of checksums.txt matches, and it lists every file.
 * The first failure ends verification with EC_ERR_VERIFY naming the file
 * or signature.
 *
 * Cost: whatever the bundle, memory stays below 256 MiB and the work is
 * proportional to its compressed size.  Every tar header is checked before
 * its member is decompressed (ec_bundle_read(): member size, the total
 * declared size against EC_MAX_EXPANSION times the compressed size, a
 * metadata file at most EC_MAX_META_BYTES), and every JSON file is scanned
 * and bounded in nodes before a tree is built (EC_MAX_META_NODES; a DSSE
 * envelope at most EC_DSSE_MAX_SIGNATURES signatures).  Because
 * manifest.json sorts after data/, the one pass that must decompress the
 * data members to reach it also hashes them; the members are then judged
 * in archive order against the verified manifest.  Once manifest.json is
 * read (its envelope, which sorts just before it, checked first when a
 * key is given), every later member is held to it at its tar header: one
 * it does not list, or lists with another size, is refused before it is
 * decompressed.  So work past the manifest is what the manifest declares;
 * before it, the expansion limit (which ec_bundle_finish() also holds our
 * own bundles to).
 */
#ifndef EC_VERIFY_H
#define EC_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_key.h"

struct ec_verify_result {
	size_t	files;			/* members checked */
	size_t	items;			/* manifest items */
	size_t	subjects;		/* provenance subjects */
	bool	signed_;		/* signatures verified */
	char	keyid[EC_KEY_ID_SIZE];	/* the key that verified them */
	char	run_id[256];
	char	profile[64];
	/* Set on failure too: what reading cost, and the bound it had. */
	uint64_t bytes_read;		/* uncompressed member bytes read */
	uint64_t bytes_limit;		/* most the bundle could make us read */
};

/*
 * Verify the bundle at "path": a .tar.zst, or a directory (a profile's
 * directory output, or an unpacked bundle).  With "key" NULL only an
 * unsigned bundle can pass: a signed one fails, since its signatures
 * cannot be checked; with a key, an unsigned bundle fails.  EC_ERR_VERIFY;
 * EC_ERR_IO and EC_ERR_REQUEST_INVALID (not a regular file) for the path;
 * EC_ERR_NOMEM is passed up as it is, never turned into a failed
 * verification.  "err" must not be NULL.
 */
int	ec_verify_bundle(struct ec_verify_result *out, const char *path,
	    const struct ec_verifier *key, struct ec_err *err) EC_MUST_CHECK;

#endif
