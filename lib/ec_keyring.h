/*
 * ec_keyring: named keys.  A run never carries key material; its
 * signing.keyRef and encryption.kmsKey are references ("k8s://...",
 * "kms://...", "file://...", or an RFC 7512 "pkcs11:..." URI) that one
 * keyring file maps, per tenant, to a key:
 *
 *   {"version":1,"tenants":{"acme":{
 *     "kms://acme/signing":{"signingKey":"keys/acme.key.pem"},
 *     "pkcs11:token=ec;object=sign":{"pkcs11":"pkcs11:token=ec;object=sign",
 *         "pinSource":"pins/acme.pin"},
 *     "k8s://acme/age":{"recipients":"keys/acme.age-recipients.txt",
 *         "identity":"keys/acme.age-identity.txt"}}}}
 *
 * An entry has exactly one of "signingKey" (a PEM PKCS#8 private key
 * file, ec_signer_load), "pkcs11" (a PKCS#11 URI naming a private key in
 * a token; signing happens in the token, the product never sees the key)
 * or "recipients" (an age recipients file), and:
 *   - with "pkcs11", at most one of "pinSource" (a file holding the PIN,
 *     RFC 7512's pin-source) and "pinEnv" (the name of an environment
 *     variable holding it);
 *   - with "recipients", optionally "identity" (the matching age identity
 *     file, for decrypting).
 * Any other field, anywhere, is refused.  Paths are relative to the
 * keyring file's directory (or absolute).  Files holding secrets (private
 * keys, identities, PINs) must be regular files that are not readable by
 * "other"; recipients files must be regular files.  A PKCS#11 URI carries
 * path attributes only: a query ("?pin-value=...", "?module-path=...")
 * is refused, so no PIN is ever inlined; the token's module is found
 * through p11-kit's module registry, as GnuTLS does by default.
 *
 * The keyring file itself is untrusted-shaped input and read with bounds:
 * at most EC_KEYRING_MAX_BYTES and EC_KEYRING_MAX_NODES JSON values,
 * duplicate names refused.  Messages name references and files, never a
 * PIN or key bytes.  Nothing here logs.
 */
#ifndef EC_KEYRING_H
#define EC_KEYRING_H

#include <stddef.h>

#include "ec_age.h"
#include "ec_err.h"
#include "ec_key.h"

/* Keyring file size and JSON values in it; past them EC_ERR_TOO_LARGE. */
#define EC_KEYRING_MAX_BYTES	(256 * 1024)
#define EC_KEYRING_MAX_NODES	8192
/* A reference, in bytes; longer ones are EC_ERR_REQUEST_INVALID. */
#define EC_KEYRING_MAX_REF	512
/* A PIN read from a pin source, in bytes. */
#define EC_KEYRING_MAX_PIN	256

struct ec_keyring;	/* opaque */

/* What a reference is wanted for. */
enum ec_keyring_use {
	EC_KEYRING_SIGN,	/* signing.keyRef: signingKey or pkcs11 */
	EC_KEYRING_ENCRYPT	/* encryption.kmsKey: recipients */
};

/*
 * Read and check the keyring file at "path".  Not a regular file,
 * unreadable: EC_ERR_IO; over the bounds: EC_ERR_TOO_LARGE; malformed
 * JSON, an unknown field, a bad reference, tenant or URI, an entry with no
 * or two key sources: EC_ERR_REQUEST_INVALID naming file and place.  Key
 * files are not opened here.  *out is the caller's (ec_keyring_free).
 */
int	ec_keyring_open(struct ec_keyring **out, const char *path,
	    struct ec_err *err) EC_MUST_CHECK;
/* The same from "len" bytes at "json" (tests, fuzzing); "dir" anchors paths. */
int	ec_keyring_parse(struct ec_keyring **out, const char *json, size_t len,
	    const char *dir, struct ec_err *err) EC_MUST_CHECK;
/* Release.  NULL is a no-op. */
void	ec_keyring_free(struct ec_keyring *kr);

/*
 * Check, before any work, that "ref" (untrusted: from a request) is a
 * well-formed reference that "tenant" has for "use", and that what it
 * names is in place: the key, identity, recipients or PIN file exists
 * with the right type and mode, a pinEnv variable is set.  No key is read
 * and no token is opened.  EC_ERR_REQUEST_INVALID, naming the reference,
 * for a malformed, unknown or foreign-tenant reference (the message is the
 * same for the last two, so one tenant cannot probe another's names) and
 * for an entry of the other use; EC_ERR_REQUEST_INVALID or EC_ERR_IO naming
 * the file for a file that is missing or has a bad type or mode.
 */
int	ec_keyring_resolve(const struct ec_keyring *kr, const char *tenant,
	    const char *ref, enum ec_keyring_use use, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Resolve "ref" for signing (as ec_keyring_resolve) and open its signer:
 * ec_signer_load for a key file, ec_signer_pkcs11 for a token key.  Their
 * codes pass through, prefixed with the reference.  *out is the caller's.
 */
int	ec_keyring_signer(struct ec_signer **out, const struct ec_keyring *kr,
	    const char *tenant, const char *ref, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Resolve "ref" for encryption and append its recipients file's
 * recipients to out[*n], at most "max" in all (ec_age_recipients_read's
 * codes and rules; *n unchanged on failure).
 */
int	ec_keyring_recipients(struct ec_age_recipient *out, size_t max,
	    size_t *n, const struct ec_keyring *kr, const char *tenant,
	    const char *ref, struct ec_err *err) EC_MUST_CHECK;
/*
 * The same for the entry's identity file (ec_age_identities_read); an
 * entry without one is EC_ERR_REQUEST_INVALID.  Wipe what is returned.
 */
int	ec_keyring_identities(struct ec_age_identity *out, size_t max,
	    size_t *n, const struct ec_keyring *kr, const char *tenant,
	    const char *ref, struct ec_err *err) EC_MUST_CHECK;

/*
 * Check the syntax of a reference: 1 to EC_KEYRING_MAX_REF printable ASCII
 * bytes without spaces, "k8s://", "kms://" or "file://" and a non-empty
 * rest, or an RFC 7512 "pkcs11:" URI with path attributes only (known or
 * "x-" names, each at most once, valid percent-encoding).  The message
 * quotes the reference only when it is safe to (never a query).
 */
int	ec_keyring_ref_check(const char *ref, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * A signer whose private key stays in a PKCS#11 token: "uri" (RFC 7512,
 * checked as by ec_keyring_ref_check) names the key, "pin" (NUL-terminated,
 * may be NULL when the token needs no login) is copied and handed to the
 * token only through GnuTLS's PIN callback, once; a wrong PIN fails at once
 * (EC_ERR_REQUEST_INVALID "wrong PIN"), it is never retried, so the token's
 * retry counter is not run down.  No such object: EC_ERR_REQUEST_INVALID.
 * Only ECDSA P-256 and Ed25519 keys; GnuTLS 3.7 with SoftHSM 2.6 signs
 * ECDSA P-256 only.  Token ECDSA signatures are randomized (PKCS#11 CKM_ECDSA
 * has no RFC 6979 mode), so unlike ec_signer_load's they are not byte
 * reproducible; they verify under the same public key all the same.
 */
int	ec_signer_pkcs11(struct ec_signer **out, const char *uri,
	    const char *pin, struct ec_err *err) EC_MUST_CHECK;

#endif
