/*
 * ec_key_int.h: what the files of the ec_key module share.  Not for use
 * outside lib/ec_key*.c.
 */
#ifndef EC_KEY_INT_H
#define EC_KEY_INT_H

#include <gnutls/abstract.h>

#include "ec_err.h"
#include "ec_key.h"

/*
 * A GnuTLS error "ret" while doing "what": EC_ERR_NOMEM for
 * GNUTLS_E_MEMORY_ERROR, else EC_ERR_CRYPTO with GnuTLS's words.  -1.
 */
int	key_gnutls_err(struct ec_err *err, const char *what, int ret);

/*
 * The key id of "pub": hex SHA-256 of its DER SubjectPublicKeyInfo as
 * GnuTLS encodes it, so every encoding of one key has one id.
 * EC_ERR_CRYPTO, EC_ERR_NOMEM.
 */
int	key_id(char out[EC_KEY_ID_SIZE], gnutls_pubkey_t pub,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * A signer around "priv", a key that lives elsewhere (a PKCS#11 token):
 * the public key, type and key id are derived from it, and it signs
 * without GNUTLS_PRIVKEY_FLAG_REPRODUCIBLE (a token picks its own ECDSA
 * nonces).  "priv" and "ctx" (state priv's callbacks use, such as the PIN
 * callback's; released by ctx_free after priv) pass to the signer, also
 * on failure.  EC_ERR_REQUEST_INVALID for a key type we do not sign with,
 * EC_ERR_CRYPTO, EC_ERR_NOMEM.
 */
int	ec_signer_from_privkey(struct ec_signer **out, gnutls_privkey_t priv,
	    void *ctx, void (*ctx_free)(void *), struct ec_err *err)
	    EC_MUST_CHECK;

#endif
