/*
 * ec_age: the age v1 file format (C2SP age.md, https://age-encryption.org/v1;
 * signing-formats.md section 6) with X25519 recipients, on Nettle's
 * curve25519, ChaCha20-Poly1305, HKDF and HMAC-SHA-256 and GnuTLS's random
 * generator.  What we write, "age -d -i" decrypts; what "age -r" writes, we
 * decrypt.
 *
 * A file is a text header (the version line, one "-> X25519" stanza per
 * recipient wrapping the 16-byte file key, and "--- " with the header's
 * HMAC) then the payload: a 16-byte nonce and the plaintext in 64 KiB
 * ChaCha20-Poly1305 chunks (the STREAM construction), the last one marked.
 * Both directions stream: at most one chunk is held in memory whatever the
 * file's size.
 *
 * Encrypted bytes are not reproducible: the file key, the ephemeral keys
 * and the payload nonce are fresh random values each time, as age v1
 * requires.  Reproducibility stays with the plaintext.
 *
 * Reading is strict.  The header is bounded (EC_AGE_MAX_HEADER_BYTES,
 * EC_AGE_MAX_LINE, EC_AGE_MAX_STANZAS); base64 is the standard alphabet
 * without padding and canonical (zero trailing bits); stanza bodies wrap at
 * 64 columns with a last, shorter line; stanzas of types we do not know are
 * checked for shape and skipped, as the spec says; a passphrase (scrypt)
 * file is refused.  Codes when reading: EC_ERR_REQUEST_INVALID for input
 * that is not an age v1 file at all, EC_ERR_VERIFY for an age file that is
 * damaged, truncated, tampered with or not for any of our identities (the
 * message says which), EC_ERR_IO, EC_ERR_NOMEM.
 *
 * Secrets (identities, file keys, derived keys, plaintext chunks) are
 * wiped with gnutls_memset before their memory is released.
 */
#ifndef EC_AGE_H
#define EC_AGE_H

#include <stddef.h>
#include <stdint.h>

#include "ec_buf.h"
#include "ec_err.h"

/* Plaintext bytes per payload chunk (age v1, "Payload"). */
#define EC_AGE_CHUNK		65536
/* Header limits when reading: whole header, one line, stanzas. */
#define EC_AGE_MAX_HEADER_BYTES	(1024 * 1024)
#define EC_AGE_MAX_LINE		4096
#define EC_AGE_MAX_STANZAS	1024
/*
 * Recipients of one file and identities tried on one file.  Each costs an
 * X25519 multiplication per stanza; the bounds keep a hostile header from
 * turning that into a CPU sink.  Past them: EC_ERR_REQUEST_INVALID.
 */
#define EC_AGE_MAX_RECIPIENTS	256
#define EC_AGE_MAX_IDENTITIES	64
/* Longest key string accepted (an X25519 identity is 74 characters). */
#define EC_AGE_MAX_KEY_CHARS	256
/* Buffer sizes for the key strings, NUL included. */
#define EC_AGE_RECIPIENT_SIZE	63	/* "age1" + 52 + 6 */
#define EC_AGE_IDENTITY_SIZE	75	/* "AGE-SECRET-KEY-1" + 52 + 6 */
/* File names ec_age_keygen() writes in its directory. */
#define EC_AGE_IDENTITY_FILE	"age-identity.txt"
#define EC_AGE_RECIPIENTS_FILE	"age-recipients.txt"

/* An X25519 recipient: the public key.  A plain value. */
struct ec_age_recipient {
	uint8_t	pub[32];
};

/* An X25519 identity: secret scalar and its public key.  Wipe after use. */
struct ec_age_identity {
	uint8_t	secret[32];
	uint8_t	pub[32];
};

/*
 * X25519(scalar, point) per RFC 7748 section 5 (Nettle clamps the
 * scalar).  -1 when the result is all zeros (a low-order point), which
 * age requires us to refuse; 0 otherwise.  No ec_err: callers say what
 * the point was.
 */
int	ec_age_x25519(uint8_t out[32], const uint8_t scalar[32],
	    const uint8_t point[32]) EC_MUST_CHECK;

/*
 * Parse an "age1..." recipient ("len" bytes at "s", untrusted): Bech32,
 * lowercase, HRP "age", exactly 32 bytes.  EC_ERR_REQUEST_INVALID naming
 * the fault otherwise (another recipient type such as ssh-ed25519 is
 * named as such).
 */
int	ec_age_recipient_parse(struct ec_age_recipient *out, const char *s,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
/* The "age1..." string of "r" into "out". */
void	ec_age_recipient_format(char out[EC_AGE_RECIPIENT_SIZE],
	    const struct ec_age_recipient *r);

/*
 * Parse an "AGE-SECRET-KEY-1..." identity: Bech32, uppercase, exactly 32
 * bytes; the public key is derived.  EC_ERR_REQUEST_INVALID otherwise;
 * the message never quotes the key.
 */
int	ec_age_identity_parse(struct ec_age_identity *out, const char *s,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
/* The identity string of "id" into "out"; wipe "out" after use. */
void	ec_age_identity_format(char out[EC_AGE_IDENTITY_SIZE],
	    const struct ec_age_identity *id);
/* A fresh identity from GnuTLS's key-grade generator; EC_ERR_CRYPTO. */
int	ec_age_identity_generate(struct ec_age_identity *out,
	    struct ec_err *err) EC_MUST_CHECK;
/* Wipe "n" identities. */
void	ec_age_identity_wipe(struct ec_age_identity *ids, size_t n);

/*
 * Read a recipients file (age's format: one "age1..." a line, blank lines
 * and "#" comments ignored, at most EC_MAX_KEY_BYTES) and append its
 * recipients to out[*n], at most "max" in all.  A bad line is
 * EC_ERR_REQUEST_INVALID naming file and line; more than "max", too; a
 * file with no recipient, too.  *n is unchanged on failure.
 */
int	ec_age_recipients_read(struct ec_age_recipient *out, size_t max,
	    size_t *n, const char *path, struct ec_err *err) EC_MUST_CHECK;
/*
 * Read an identity file (age-keygen's format: "AGE-SECRET-KEY-1..." lines,
 * blank lines and "#" comments) into out[*n], as for recipients.  The
 * file's bytes are wiped; on failure so is what was added to "out".
 */
int	ec_age_identities_read(struct ec_age_identity *out, size_t max,
	    size_t *n, const char *path, struct ec_err *err) EC_MUST_CHECK;

/*
 * Generate an identity and write DIR/age-identity.txt in age-keygen's
 * format ("# created: <UTC time>", "# public key: age1...", the secret
 * key), mode 0600, and DIR/age-recipients.txt (the "age1..." line), mode
 * 0644.  DIR is created (0700) if missing.  Either file existing already
 * is EC_ERR_CONFLICT and nothing is written; on any failure no file is
 * left behind.  The recipient string goes to recipient_out.  EC_ERR_IO,
 * EC_ERR_CRYPTO.
 */
int	ec_age_keygen(char recipient_out[EC_AGE_RECIPIENT_SIZE],
	    const char *dir, struct ec_err *err) EC_MUST_CHECK;

/*
 * Encrypt what remains of the file descriptor "in" to recipients[0..n-1]
 * (1 to EC_AGE_MAX_RECIPIENTS, else EC_ERR_REQUEST_INVALID), writing the
 * age file to "out".  A recipient that is a low-order point is
 * EC_ERR_REQUEST_INVALID.  "in_name" and "out_name" label messages.
 * EC_ERR_IO, EC_ERR_CRYPTO.
 */
int	ec_age_encrypt_fd(int out, const char *out_name, int in,
	    const char *in_name, const struct ec_age_recipient *recipients,
	    size_t n, struct ec_err *err) EC_MUST_CHECK;
/*
 * Encrypt the file "in_path" to "out_path", which must not exist: the age
 * file is written to a temporary in out_path's directory and appears under
 * its name only when complete (ec_file).  EC_ERR_CONFLICT when out_path
 * exists; otherwise as ec_age_encrypt_fd.
 */
int	ec_age_encrypt_file(const char *out_path, const char *in_path,
	    const struct ec_age_recipient *recipients, size_t n,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Decrypt the age file at "in_path" with identities ids[0..n-1] into
 * "out_path", which must not exist (EC_ERR_CONFLICT).  Plaintext goes to
 * a temporary in out_path's directory that is renamed into place only
 * after the last chunk authenticates; on any failure it is removed, so no
 * partial plaintext is left behind.  Codes as in the module comment.
 */
int	ec_age_decrypt_file(const char *out_path, const char *in_path,
	    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The same two operations in memory, for small inputs, tests and fuzzing:
 * the result is appended to "out" (its ceiling gives EC_ERR_TOO_LARGE).
 * On failure "out" is as it was on entry: plaintext decrypted before the
 * failure was found is wiped, never handed back.
 */
int	ec_age_encrypt_mem(struct ec_buf *out, const void *in, size_t len,
	    const struct ec_age_recipient *recipients, size_t n,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_age_decrypt_mem(struct ec_buf *out, const void *in, size_t len,
	    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
	    EC_MUST_CHECK;

#endif
