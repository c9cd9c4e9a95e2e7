/*
 * ec_jose: the JOSE pieces DPoP authentication is made of, parsed strictly
 * and within fixed bounds: unpadded base64url (RFC 7515 2), compact JWS
 * (RFC 7515 7.1), EC P-256 public JWKs (RFC 7518 6.2.1) with their RFC 7638
 * thumbprints, ES256 signatures (RFC 7518 3.4) checked with libcrypto, and
 * JWK sets (RFC 7517 5) of issuer keys.
 *
 * Everything parsed here is a credential or its key, so a malformed input
 * is EC_ERR_UNAUTHORIZED, except a JWK set, which is configuration
 * (EC_ERR_REQUEST_INVALID).  Messages never repeat the input's bytes.
 * Limits are in ec_limits.h (EC_JOSE_*).  Nothing here logs.
 */
#ifndef EC_JOSE_H
#define EC_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_err.h"

/* A P-256 coordinate, and an ES256 signature r || s (RFC 7518 3.4). */
#define EC_JOSE_P256_LEN	32
#define EC_JOSE_ES256_SIG_LEN	64
/*
 * The longest signature a JWS may carry here: RSA-4096.  Not that we take
 * RSA, but a token's algorithm should be refused as such, by name.
 */
#define EC_JOSE_MAX_SIG_LEN	512
/* base64url of a SHA-256 digest: 43 characters, and the array for them. */
#define EC_JOSE_THUMB_LEN	43
#define EC_JOSE_THUMB_SIZE	(EC_JOSE_THUMB_LEN + 1)

/*
 * Decode exactly "len" bytes of unpadded base64url and append the bytes to
 * "out".  Strict, so that one value has one encoding: only [A-Za-z0-9_-],
 * no padding or white space, a length that is not 1 mod 4, and zero
 * unused bits in the last character.  EC_ERR_UNAUTHORIZED, or the
 * buffer's EC_ERR_TOO_LARGE and EC_ERR_NOMEM; "out" is unchanged on
 * failure.
 */
int	ec_b64url_decode(struct ec_buf *out, const char *in, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;
/* Append unpadded base64url of "len" bytes; the buffer's codes. */
int	ec_b64url_encode(struct ec_buf *out, const void *in, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * A compact JWS split and decoded.  The header and claims are JSON objects
 * read with duplicate names refused and at most EC_JOSE_MAX_NODES values
 * each; "alg" is a string.  The signing input is borrowed from the token
 * and lives as long as it does.
 */
struct ec_jws {
	json_t		*header;	/* owned */
	json_t		*claims;	/* owned */
	const char	*alg;		/* borrowed from header */
	struct ec_slice	 signing_input;	/* borrowed: "header.payload" */
	uint8_t		 sig[EC_JOSE_MAX_SIG_LEN];
	size_t		 sig_len;	/* 0 for an unsecured JWS */
};

/*
 * Split "len" bytes of "token" (at most EC_JOSE_MAX_COMPACT) into the three
 * base64url parts of a compact JWS and decode them; a signature longer
 * than EC_JOSE_MAX_SIG_LEN is refused here.  No signature is checked.
 * EC_ERR_UNAUTHORIZED for anything malformed or over a limit, with the
 * message saying which part; EC_ERR_NOMEM.  On success "out" is the
 * caller's (ec_jws_dispose); on failure it needs no disposing.
 */
int	ec_jws_parse(struct ec_jws *out, const char *token, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;
/* Release the JSON.  A disposed or zeroed struct may be disposed again. */
void	ec_jws_dispose(struct ec_jws *jws);

/* An EC P-256 public key from a JWK, and its RFC 7638 thumbprint. */
struct ec_jwk {
	uint8_t	x[EC_JOSE_P256_LEN];
	uint8_t	y[EC_JOSE_P256_LEN];
	char	thumb[EC_JOSE_THUMB_SIZE];	/* base64url, NUL-terminated */
};

/*
 * Read a public JWK: "kty" "EC", "crv" "P-256", "x" and "y" of 32 bytes
 * each (strict base64url) and a point on the curve.  A member of a private
 * or symmetric key ("d", "p", "q", "dp", "dq", "qi", "oth", "k") is
 * refused, whatever else the key holds: a client that sends its private
 * key has lost it.  Other members are ignored (RFC 7517 4).  The
 * thumbprint is SHA-256 over {"crv":"P-256","kty":"EC","x":...,"y":...},
 * those members in that order with no white space (RFC 7638 3.2).
 * EC_ERR_UNAUTHORIZED; EC_ERR_NOMEM; EC_ERR_CRYPTO.
 */
int	ec_jwk_parse(struct ec_jwk *out, const json_t *jwk,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * 0 when "sig" (r || s, EC_JOSE_ES256_SIG_LEN bytes) is an ECDSA P-256
 * SHA-256 signature of "len" bytes at "data" by "key"; otherwise -1 with
 * EC_ERR_UNAUTHORIZED.  EC_ERR_NOMEM, EC_ERR_CRYPTO.
 */
int	ec_jwk_verify_es256(const struct ec_jwk *key, const void *data,
	    size_t len, const uint8_t *sig, size_t sig_len, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Imported keys (lib/ec_jose_key.c): a client signs every request's proof
 * with the same key, and importing it into libcrypto (the point decoded
 * and checked to be on the curve, a fresh group and key object) costs
 * about half as much again as the verification itself.  An ec_jwk_cache
 * remembers the last EC_JWK_CACHE_SLOTS keys that imported, each with a
 * verification context, found by the thumbprint and then compared whole
 * (x and y), and reused round-robin.  Only the import is remembered:
 * every signature is verified, so a remembered key still refuses a bad
 * signature, and a signature by another key.  Not for concurrent use by
 * threads; each FastCGI worker has its own (in its ec_auth).
 */
#define EC_JWK_CACHE_SLOTS	64

struct ec_jwk_cache;	/* opaque */

/* An empty cache: EC_ERR_NOMEM.  *out is the caller's. */
int	ec_jwk_cache_new(struct ec_jwk_cache **out, struct ec_err *err)
	    EC_MUST_CHECK;
/* Release.  NULL is a no-op. */
void	ec_jwk_cache_free(struct ec_jwk_cache *c);
/* ec_jwk_verify_es256, with the key imported once per cache. */
int	ec_jwk_cache_verify_es256(struct ec_jwk_cache *c,
	    const struct ec_jwk *key, const void *data, size_t len,
	    const uint8_t *sig, size_t sig_len, struct ec_err *err)
	    EC_MUST_CHECK;
/* Verifications that found their key in "c", since ec_jwk_cache_new. */
uint64_t	ec_jwk_cache_hits(const struct ec_jwk_cache *c);

/*
 * Append the key as SubjectPublicKeyInfo PEM, the form libjwt takes.  The
 * buffer's codes, EC_ERR_NOMEM, EC_ERR_CRYPTO.
 */
int	ec_jwk_pem(struct ec_buf *out, const struct ec_jwk *key,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * True for 1 to "max" printable ASCII characters, no space: what a kid or
 * jti must be to be compared, stored and logged safely.
 */
bool	ec_jose_printable(const char *s, size_t len, size_t max);
/*
 * Values in the JSON tree "v"; counting stops just past "max", so the
 * cost is bounded whatever the tree (a bound for any JSON we parse).
 */
size_t	ec_jose_count_nodes(const json_t *v, size_t max);

struct ec_jwks;	/* opaque: issuer keys, each with its PEM */

/*
 * Load a JWK set, {"keys":[...]}, from the file "path" or from "len" bytes
 * at "p": at most EC_JOSE_MAX_JWKS_BYTES, EC_JOSE_MAX_KEYS keys and
 * EC_JOSE_MAX_NODES values per key.  Every key is an EC P-256 public key
 * (ec_jwk_parse) with a "kid" of at most EC_JOSE_MAX_KID printable ASCII
 * characters, unique in the set; a "use" other than "sig" and an "alg"
 * other than "ES256" are refused.  Any violation refuses the whole file
 * with EC_ERR_REQUEST_INVALID naming the key; EC_ERR_TOO_LARGE,
 * EC_ERR_IO, EC_ERR_NOMEM, EC_ERR_CRYPTO.  *out is the caller's.
 */
int	ec_jwks_load(struct ec_jwks **out, const char *path,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_jwks_load_mem(struct ec_jwks **out, const void *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;
/* Keys in the set. */
size_t	ec_jwks_count(const struct ec_jwks *ks);
/*
 * The key named "kid", or, with kid NULL, the only key of a one-key set.
 * NULL when there is none.  *pem_out (NUL-terminated SubjectPublicKeyInfo
 * PEM) and the result live as long as the set.
 */
const struct ec_jwk	*ec_jwks_find(const struct ec_jwks *ks,
	    const char *kid, struct ec_slice *pem_out);
/* Release.  NULL is a no-op. */
void	ec_jwks_free(struct ec_jwks *ks);

#endif
