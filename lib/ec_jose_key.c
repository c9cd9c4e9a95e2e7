/*
 * ec_jose_key: ES256 verification with OpenSSL's libcrypto, and the
 * bounded cache of imported keys (ec_jose.h, "Imported keys").
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ec_hash.h"
#include "ec_jose.h"

/*
 * One imported key: the JWK it came from (the whole point, compared on
 * every lookup) and a context ready to verify digests with it.
 */
struct jwk_slot {
	struct ec_jwk	 jwk;
	EVP_PKEY_CTX	*vctx;		/* owned; NULL for an empty slot */
};

struct ec_jwk_cache {
	struct jwk_slot	 slot[EC_JWK_CACHE_SLOTS];
	unsigned	 next;		/* round-robin victim */
	uint64_t	 hits;
};

/*
 * The key as libcrypto's: an uncompressed P-256 point (SEC 1 2.3.3), which
 * EVP_PKEY_fromdata checks is on the curve.
 */
static int
jwk_evp(EVP_PKEY **out, const struct ec_jwk *key, struct ec_err *err)
{
	uint8_t		 pt[1 + 2 * EC_JOSE_P256_LEN];
	OSSL_PARAM	 params[3];
	EVP_PKEY_CTX	*kc;
	int		 rc = -1;

	pt[0] = 4;
	memcpy(pt + 1, key->x, EC_JOSE_P256_LEN);
	memcpy(pt + 1 + EC_JOSE_P256_LEN, key->y, EC_JOSE_P256_LEN);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	*out = NULL;
	if ((kc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return ec_err_nomem(err);
	if (EVP_PKEY_fromdata_init(kc) == 1 &&
	    EVP_PKEY_fromdata(kc, out, EVP_PKEY_PUBLIC_KEY, params) == 1)
		rc = 0;
	else
		(void)ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "not a P-256 public key");
	EVP_PKEY_CTX_free(kc);
	return rc;
}

/*
 * A verification context for "key": the import, and the signature
 * operation set up once, so that each use is the ECDSA arithmetic alone
 * (the digest is ours, so no message digest is fetched per use).
 */
static int
jwk_vctx(EVP_PKEY_CTX **out, const struct ec_jwk *key, struct ec_err *err)
{
	EVP_PKEY	*pk;
	EVP_PKEY_CTX	*vc;

	*out = NULL;
	if (jwk_evp(&pk, key, err) == -1)
		return -1;
	vc = EVP_PKEY_CTX_new(pk, NULL);
	EVP_PKEY_free(pk);	/* vc holds its own reference */
	if (vc == NULL)
		return ec_err_nomem(err);
	if (EVP_PKEY_verify_init(vc) != 1) {
		EVP_PKEY_CTX_free(vc);
		return ec_err_set(err, EC_ERR_CRYPTO,
		    "EVP_PKEY_verify_init failed");
	}
	*out = vc;
	return 0;
}

/*
 * JWS carries r || s (RFC 7518 3.4), EC_JOSE_ES256_SIG_LEN bytes
 * (jwk_sig_check); libcrypto verifies DER.
 */
static int
jwk_verify(EVP_PKEY_CTX *vc, const void *data, size_t len,
    const uint8_t *sig, struct ec_err *err)
{
	uint8_t		 digest[EC_SHA256_LEN];
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	uint8_t		*der = NULL;
	int		 der_len, rc = -1;

	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, EC_JOSE_P256_LEN, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + EC_JOSE_P256_LEN, EC_JOSE_P256_LEN,
	    NULL)) == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		(void)ec_err_nomem(err);
		goto out;
	}
	r = s = NULL;	/* es owns them now */
	if ((der_len = i2d_ECDSA_SIG(es, &der)) <= 0) {
		(void)ec_err_set(err, EC_ERR_CRYPTO, "i2d_ECDSA_SIG failed");
		goto out;
	}
	ec_sha256(digest, data, len);
	if (EVP_PKEY_verify(vc, der, (size_t)der_len, digest,
	    sizeof(digest)) != 1) {
		(void)ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "ES256 signature does not verify");
		goto out;
	}
	rc = 0;
out:
	/* A refusal leaves its reasons queued; nobody reads them. */
	ERR_clear_error();
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

static int
jwk_sig_check(size_t len, size_t sig_len, struct ec_err *err)
{
	if (sig_len != EC_JOSE_ES256_SIG_LEN)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "ES256 signature is not %d bytes", EC_JOSE_ES256_SIG_LEN);
	if (len > UINT_MAX)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "signed data too large");
	return 0;
}

/*
 * Verified with OpenSSL's libcrypto rather than GnuTLS: Nettle's P-256
 * (GMP, with the side-channel-safe scalar multiplication a verification
 * has no secret to protect with) took most of an API request's cycles.
 */
int
ec_jwk_verify_es256(const struct ec_jwk *key, const void *data, size_t len,
    const uint8_t *sig, size_t sig_len, struct ec_err *err)
{
	EVP_PKEY_CTX	*vc;
	int		 rc;

	if (jwk_sig_check(len, sig_len, err) == -1 ||
	    jwk_vctx(&vc, key, err) == -1) {
		ERR_clear_error();
		return -1;
	}
	rc = jwk_verify(vc, data, len, sig, err);
	EVP_PKEY_CTX_free(vc);
	return rc;
}

int
ec_jwk_cache_new(struct ec_jwk_cache **out, struct ec_err *err)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ec_err_nomem(err);
	return 0;
}

void
ec_jwk_cache_free(struct ec_jwk_cache *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < EC_JWK_CACHE_SLOTS; i++)
		EVP_PKEY_CTX_free(c->slot[i].vctx);
	free(c);
}

uint64_t
ec_jwk_cache_hits(const struct ec_jwk_cache *c)
{
	return c->hits;
}

/*
 * The slot holding "key", found by its thumbprint and then compared
 * whole (x and y), or NULL.
 */
static struct jwk_slot *
jwk_cache_find(struct ec_jwk_cache *c, const struct ec_jwk *key)
{
	struct jwk_slot	*s;
	size_t		 i;

	for (i = 0; i < EC_JWK_CACHE_SLOTS; i++) {
		s = &c->slot[i];
		if (s->vctx != NULL && strcmp(s->jwk.thumb, key->thumb) == 0 &&
		    memcmp(s->jwk.x, key->x, sizeof(key->x)) == 0 &&
		    memcmp(s->jwk.y, key->y, sizeof(key->y)) == 0)
			return s;
	}
	return NULL;
}

int
ec_jwk_cache_verify_es256(struct ec_jwk_cache *c, const struct ec_jwk *key,
    const void *data, size_t len, const uint8_t *sig, size_t sig_len,
    struct ec_err *err)
{
	struct jwk_slot	*s;
	EVP_PKEY_CTX	*vc;

	if (jwk_sig_check(len, sig_len, err) == -1)
		return -1;
	if ((s = jwk_cache_find(c, key)) != NULL) {
		c->hits++;
		return jwk_verify(s->vctx, data, len, sig, err);
	}
	/* Only a key that imported (a point on the curve) is remembered. */
	if (jwk_vctx(&vc, key, err) == -1) {
		ERR_clear_error();
		return -1;
	}
	s = &c->slot[c->next];
	c->next = (c->next + 1) % EC_JWK_CACHE_SLOTS;
	EVP_PKEY_CTX_free(s->vctx);
	s->jwk = *key;
	s->vctx = vc;
	return jwk_verify(vc, data, len, sig, err);
}
