/*
 * ec_key: the keys that sign evidence bundles, on GnuTLS.  Two key types:
 * Ed25519 (RFC 8032), whose signatures are the raw 64 bytes, and ECDSA on
 * NIST P-256 with SHA-256, whose nonces are deterministic (RFC 6979) and
 * whose signatures are ASN.1 DER (RFC 3279 2.2.3), the form Sigstore/cosign
 * and Python cryptography expect (signing-formats.md section 1, interop
 * note).  So the same key and data always give the same signature bytes.
 *
 * Key files are PEM (RFC 7468): the private key as unencrypted PKCS#8
 * "PRIVATE KEY" (RFC 5958 2), the public key as SubjectPublicKeyInfo
 * "PUBLIC KEY" (RFC 5280 4.1.2.7).  A key id is the lowercase hex SHA-256
 * of the SubjectPublicKeyInfo DER: a hint for picking a key, never a trust
 * decision.  Key files are read whole, at most EC_MAX_KEY_BYTES.
 *
 * GnuTLS (>= 3.3) initialises itself in a library constructor, so callers
 * need no global set-up.  Nothing here logs.
 */
#ifndef EC_KEY_H
#define EC_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "ec_buf.h"
#include "ec_err.h"

/* Hex SHA-256 of the SubjectPublicKeyInfo DER, and the array to hold it. */
#define EC_KEY_ID_LEN	64
#define EC_KEY_ID_SIZE	(EC_KEY_ID_LEN + 1)

/* File names ec_key_generate() writes in its directory. */
#define EC_KEY_PRIV_FILE	"signing.key.pem"
#define EC_KEY_PUB_FILE		"signing.pub.pem"

enum ec_key_type {
	EC_KEY_ED25519,
	EC_KEY_ECDSA_P256
};

struct ec_signer;	/* opaque: a private key */
struct ec_verifier;	/* opaque: a public key */

/*
 * "ed25519" or "ecdsa-p256" (exact, lowercase) to *out; anything else is
 * EC_ERR_REQUEST_INVALID.
 */
int	ec_key_type_parse(enum ec_key_type *out, const char *name,
	    struct ec_err *err) EC_MUST_CHECK;
/* The name ec_key_type_parse() accepts for "type"; static storage. */
const char	*ec_key_type_name(enum ec_key_type type);

/*
 * Generate a key pair and write DIR/signing.key.pem (PKCS#8 PEM, created
 * O_EXCL with mode 0600) and DIR/signing.pub.pem (SubjectPublicKeyInfo PEM,
 * mode 0644), both fsync'd, then the directory.  The modes are set with
 * fchmod, so the umask does not change them.  The key id goes to keyid_out.
 * Either file existing already is EC_ERR_CONFLICT and nothing is written;
 * on any failure no file is left behind.  Other codes: EC_ERR_IO (file
 * system), EC_ERR_CRYPTO (GnuTLS), EC_ERR_REQUEST_INVALID (bad type).
 */
int	ec_key_generate(char keyid_out[EC_KEY_ID_SIZE], const char *dir,
	    enum ec_key_type type, struct ec_err *err) EC_MUST_CHECK;

/*
 * Is "dir" a directory others may write to (S_IWOTH)?  Anyone could then
 * swap the key files in it (with the sticky bit, still plant one before
 * it is made), so exportctl warns before generating keys there.
 */
bool	ec_key_dir_exposed(const char *dir);

/*
 * Load an unencrypted PEM PKCS#8 private key from "path".  Only Ed25519 and
 * ECDSA P-256 are accepted; another algorithm or curve, an encrypted key, a
 * non-PKCS#8 PEM ("EC PRIVATE KEY", "RSA PRIVATE KEY") or a key whose
 * parameters do not check out is EC_ERR_REQUEST_INVALID with a message
 * that says which.  A file over EC_MAX_KEY_BYTES is EC_ERR_TOO_LARGE; one
 * that cannot be read, EC_ERR_IO.  The bytes read are wiped before they
 * are freed.  *out is the caller's (ec_signer_free).
 */
int	ec_signer_load(struct ec_signer **out, const char *path,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * ec_signer_load() that also looks at who may access the file, as ssh
 * does: *exposed_out (may be NULL) is set when group or others have any
 * permission on it (mode & 077), for the caller to warn; with "strict"
 * such a file is refused, EC_ERR_REQUEST_INVALID, before its key is used.
 * A FIFO or device is refused without blocking (EC_ERR_REQUEST_INVALID).
 */
int	ec_signer_load_checked(struct ec_signer **out, bool *exposed_out,
	    const char *path, bool strict, struct ec_err *err) EC_MUST_CHECK;
/* The key id; 64 hex digits, NUL-terminated, lives as long as "s". */
const char	*ec_signer_keyid(const struct ec_signer *s);
enum ec_key_type	ec_signer_type(const struct ec_signer *s);
/*
 * Append the signer's public key as SubjectPublicKeyInfo PEM ("PUBLIC
 * KEY") to "out".  EC_ERR_CRYPTO, or the buffer's EC_ERR_TOO_LARGE and
 * EC_ERR_NOMEM; "out" is unchanged on failure.
 */
int	ec_signer_pubkey_pem(struct ec_buf *out, const struct ec_signer *s,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * Sign "len" bytes of "data" and append the signature to sig_out: 64 raw
 * bytes for Ed25519, ASN.1 DER (at most 72 bytes) for ECDSA P-256.  The
 * result is a function of key and data alone.  More than UINT_MAX bytes is
 * EC_ERR_TOO_LARGE (GnuTLS lengths are unsigned int); a GnuTLS failure is
 * EC_ERR_CRYPTO; sig_out is unchanged on failure.
 */
int	ec_signer_sign(struct ec_buf *sig_out, const struct ec_signer *s,
	    const void *data, size_t len, struct ec_err *err) EC_MUST_CHECK;
/* Release, wiping the key.  NULL is a no-op. */
void	ec_signer_free(struct ec_signer *s);

/*
 * Load a PEM SubjectPublicKeyInfo ("PUBLIC KEY") public key, from the file
 * "path" or from "len" bytes at "pem".  Codes as for ec_signer_load: only
 * Ed25519 and ECDSA P-256 (EC_ERR_REQUEST_INVALID otherwise), at most
 * EC_MAX_KEY_BYTES (EC_ERR_TOO_LARGE), EC_ERR_IO.  *out is the caller's
 * (ec_verifier_free); "pem" is not kept.
 */
int	ec_verifier_load(struct ec_verifier **out, const char *path,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_verifier_load_mem(struct ec_verifier **out, const void *pem,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
/* The key id; 64 hex digits, NUL-terminated, lives as long as "v". */
const char	*ec_verifier_keyid(const struct ec_verifier *v);
enum ec_key_type	ec_verifier_type(const struct ec_verifier *v);
/*
 * 0 when "sig" is a valid signature of "data" by this key; otherwise -1
 * with EC_ERR_VERIFY, which includes a signature in the wrong form (an
 * Ed25519 signature that is not 64 bytes, an ECDSA one that is not strict
 * DER).  EC_ERR_TOO_LARGE past UINT_MAX bytes, EC_ERR_NOMEM.
 */
int	ec_verifier_verify(const struct ec_verifier *v, const void *data,
	    size_t len, const void *sig, size_t sig_len, struct ec_err *err)
	    EC_MUST_CHECK;
/* Release.  NULL is a no-op. */
void	ec_verifier_free(struct ec_verifier *v);

#endif
