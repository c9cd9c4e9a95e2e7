/*
 * ec_tuf: metadata of The Update Framework, specification 1.0.x
 * (theupdateframework/specification; signing-formats.md section 5), so that
 * a stock TUF client (python-tuf's ngclient, tuf-js, go-tuf) can verify a
 * mirror served from any static web server.
 *
 * Every metadata file is {"signatures":[{"keyid","sig"}],"signed":{...}}:
 * each signature is the hex Ed25519 signature of the canonical form of
 * "signed", and a key id is the hex SHA-256 of the canonical form of the
 * key object {"keytype":"ed25519","keyval":{"public":"<hex>"},"scheme":
 * "ed25519"}.  The canonical form is TUF's, not RFC 8785: the OLPC
 * canonical JSON that securesystemslib implements (members sorted by name,
 * no whitespace, in strings only '"' and '\' escaped, integers and no
 * floats).  We hold its input to printable ASCII strings and integers, the
 * subset on which every implementation agrees; anything else is refused.
 * The files are written in that canonical form too, so the same inputs
 * (and Ed25519's deterministic signatures) give the same bytes.
 *
 * ec_tuf_write() writes a repository with consistent snapshots (spec
 * 5.5 ... 6.1): N.root.json, V.targets.json, V.snapshot.json and
 * timestamp.json in the metadata directory; targets are served as
 * <sha256>.<name> from the targets directory (ec_tuf_target_add).
 */
#ifndef EC_TUF_H
#define EC_TUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_err.h"
#include "ec_hash.h"
#include "ec_key.h"

/* The specification version written into every role. */
#define EC_TUF_SPEC_VERSION	"1.0.31"
/* Nesting of a document canonicalised; deeper is EC_ERR_REQUEST_INVALID. */
#define EC_TUF_MAX_DEPTH	32
/* Keys of one role, and targets of one repository. */
#define EC_TUF_MAX_KEYS		16
#define EC_TUF_MAX_TARGETS	100000
/* Longest target path: a plain file name, as ec_name_char allows. */
#define EC_TUF_MAX_PATH		200
/* Hex key ids: 64 digits and a NUL. */
#define EC_TUF_KEYID_SIZE	65

enum ec_tuf_role {
	EC_TUF_ROOT,
	EC_TUF_TARGETS,
	EC_TUF_SNAPSHOT,
	EC_TUF_TIMESTAMP,
	EC_TUF_ROLES
};

struct ec_tuf_target {
	char		path[EC_TUF_MAX_PATH + 1];	/* file name */
	uint64_t	length;
	char		sha256[EC_SHA256_HEX];
	/*
	 * An encrypted target's plaintext (an age-encrypted mirror), shown
	 * as "custom": {"plaintext": {"hashes": {"sha256"}, "length"}} so
	 * that it can be checked after decryption; "": not encrypted.
	 */
	uint64_t	plain_length;
	char		plain_sha256[EC_SHA256_HEX];
};

/* What one repository version is made of; all borrowed for the call. */
struct ec_tuf_repo {
	/* Per role: the signing keys (Ed25519), threshold, expiry. */
	const struct ec_signer *const	*keys[EC_TUF_ROLES];
	size_t				 n_keys[EC_TUF_ROLES];
	unsigned			 threshold[EC_TUF_ROLES];
	int64_t				 expires[EC_TUF_ROLES];	/* UTC s */
	/*
	 * Root rotation (spec 5.3.4): keys of the previous root, which sign
	 * the new root as well, so that a client holding the old root
	 * accepts the new one.  NULL and 0 when the root is not rotated.
	 */
	const struct ec_signer *const	*old_root_keys;
	size_t				 n_old_root_keys;
	uint64_t			 root_version;	/* >= 1 */
	uint64_t			 version;	/* the other three */
	const struct ec_tuf_target	*targets;
	size_t				 n_targets;
};

/*
 * Append the TUF canonical form of "v" (borrowed) to "out".  Strings must
 * be printable ASCII (0x20..0x7e); numbers integers; nesting at most
 * EC_TUF_MAX_DEPTH.  Otherwise EC_ERR_REQUEST_INVALID; the buffer's
 * EC_ERR_TOO_LARGE and EC_ERR_NOMEM.  "out" is unchanged on failure.
 */
int	ec_tuf_canon(struct ec_buf *out, const json_t *v, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The key object of the Ed25519 signer "s" (a new reference, the
 * caller's) and its key id.  Another key type is EC_ERR_REQUEST_INVALID
 * (TUF's ECDSA form, a PEM public key, is not written yet); EC_ERR_CRYPTO.
 */
int	ec_tuf_key(json_t **key_out, char keyid_out[EC_TUF_KEYID_SIZE],
	    const struct ec_signer *s, struct ec_err *err) EC_MUST_CHECK;

/*
 * Sign "signed" (borrowed) with signers[0..n-1] and append the metadata
 * file {"signatures":[...],"signed":...} in canonical form to "out".
 * Codes as ec_tuf_canon and ec_tuf_key, and the signer's.
 */
int	ec_tuf_sign(struct ec_buf *out, const json_t *signed_,
	    const struct ec_signer *const *signers, size_t n,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * True when the last component of "path" may name a target: 1 to
 * EC_TUF_MAX_PATH of [A-Za-z0-9._-], not starting with a dot.
 */
bool	ec_tuf_target_name_ok(const char *path);

/*
 * Hash the file "path" into *out and copy it to
 * targets_dir/<sha256>.<name>, its consistent-snapshot name (an existing
 * copy with that name is the same bytes and is kept).  The file name must
 * be 1 to EC_TUF_MAX_PATH of [A-Za-z0-9._-], not starting with a dot
 * (EC_ERR_REQUEST_INVALID).  EC_ERR_IO.
 */
int	ec_tuf_target_add(struct ec_tuf_target *out, const char *targets_dir,
	    const char *path, struct ec_err *err) EC_MUST_CHECK;

/*
 * The four metadata files of one repository version in memory, as
 * ec_tuf_write() writes them: out[EC_TUF_ROOT] the root, then targets,
 * snapshot and timestamp (each buffer, initialised by the caller, is
 * reset first).  Target paths may hold '/' (TUF 5.7.3 puts the hash
 * prefix on the last component).  The checks and codes of ec_tuf_write()
 * apart from the files.
 */
int	ec_tuf_render(struct ec_buf out[EC_TUF_ROLES],
	    const struct ec_tuf_repo *r, struct ec_err *err) EC_MUST_CHECK;

/*
 * Write one repository version into "metadata_dir": root_version.root.json
 * (signed by the root keys and the old root keys, each key once),
 * version.targets.json, version.snapshot.json (naming targets.json with
 * its version, length and sha256) and timestamp.json (naming
 * snapshot.json the same way), each signed by its role's keys.  Every
 * role needs 1 to EC_TUF_MAX_KEYS keys and 1 <= threshold <= keys;
 * versions are >= 1 (EC_ERR_REQUEST_INVALID).  An existing versioned file
 * is EC_ERR_CONFLICT (versions only go up), except a root identical to
 * the one that would be written; timestamp.json is replaced
 * atomically.  Files appear whole (ec_file).  EC_ERR_IO and the codes
 * above.
 */
int	ec_tuf_write(const char *metadata_dir, const struct ec_tuf_repo *r,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
