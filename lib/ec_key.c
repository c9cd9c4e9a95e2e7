/*
 * ec_key: Ed25519 and ECDSA P-256 signing keys on GnuTLS: reading key
 * files, signing and verifying.  New key pairs are made and written in
 * ec_key_gen.c, token keys come from ec_key_pkcs11.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "ec_file.h"
#include "ec_key.h"
#include "ec_key_int.h"
#include "ec_limits.h"

/* An Ed25519 signature is R || S, 32 bytes each (RFC 8032 5.1.6). */
#define KEY_ED25519_SIG_LEN	64
/*
 * An ECDSA P-256 signature in DER: SEQUENCE of two INTEGERs below the group
 * order, so each at most 33 content bytes (a sign byte and 32).
 */
#define KEY_P256_INT_MAX	33

struct ec_signer {
	gnutls_privkey_t	 priv;	/* owned */
	gnutls_pubkey_t		 pub;	/* owned; derived from priv */
	enum ec_key_type	 type;
	char			 keyid[EC_KEY_ID_SIZE];
	bool			 token;	/* key in a token: no RFC 6979 */
	void			*ctx;	/* owned by ctx_free; outlives priv */
	void			(*ctx_free)(void *);
};

struct ec_verifier {
	gnutls_pubkey_t		 pub;	/* owned */
	enum ec_key_type	 type;
	char			 keyid[EC_KEY_ID_SIZE];
};

/*
 * GnuTLS passes input through a datum whose pointer is not const; it does
 * not write through it.  A zero-length input still gets a valid pointer.
 */
static void
key_datum(gnutls_datum_t *d, const void *p, size_t len)
{
	static const unsigned char	empty[1];

	d->data = (unsigned char *)(uintptr_t)(p != NULL ? p : empty);
	d->size = (unsigned int)len;
}

int
key_gnutls_err(struct ec_err *err, const char *what, int ret)
{
	if (ret == GNUTLS_E_MEMORY_ERROR)
		return ec_err_nomem(err);
	return ec_err_set(err, EC_ERR_CRYPTO, "%s: %s", what,
	    gnutls_strerror(ret));
}

/*
 * Only the two key types the bundle formats name are accepted, and for
 * ECDSA only P-256: a verifier must not be talked into another curve by
 * the key file.
 */
static int
key_classify(enum ec_key_type *out, gnutls_pubkey_t pub, struct ec_err *err)
{
	gnutls_ecc_curve_t	 curve;
	const char		*name;
	int			 algo, ret;

	algo = gnutls_pubkey_get_pk_algorithm(pub, NULL);
	if (algo == GNUTLS_PK_EDDSA_ED25519) {
		*out = EC_KEY_ED25519;
		return 0;
	}
	if (algo != GNUTLS_PK_ECDSA) {
		name = algo < 0 ? NULL :
		    gnutls_pk_algorithm_get_name((gnutls_pk_algorithm_t)algo);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "unsupported key algorithm %s; want ed25519 or ecdsa-p256",
		    name != NULL ? name : "(unknown)");
	}
	ret = gnutls_pubkey_export_ecc_raw2(pub, &curve, NULL, NULL, 0);
	if (ret < 0)
		return key_gnutls_err(err, "reading the ECDSA curve", ret);
	if (curve != GNUTLS_ECC_CURVE_SECP256R1) {
		name = gnutls_ecc_curve_get_name(curve);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "unsupported ECDSA curve %s; want P-256 (ecdsa-p256)",
		    name != NULL ? name : "(unknown)");
	}
	*out = EC_KEY_ECDSA_P256;
	return 0;
}

/*
 * The key id hashes GnuTLS's own DER re-encoding of the public key, not the
 * file's bytes, so every encoding of one key gets one id.  For the keys we
 * accept that DER is the usual one (named curve, uncompressed point; RFC
 * 5480 2, RFC 8410 4), which openssl and Python produce too.
 */
int
key_id(char out[EC_KEY_ID_SIZE], gnutls_pubkey_t pub, struct ec_err *err)
{
	gnutls_datum_t	der = { NULL, 0 };
	uint8_t		digest[32];
	int		ret;

	if ((ret = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der)) < 0)
		return key_gnutls_err(err, "exporting the public key", ret);
	ret = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, digest);
	gnutls_free(der.data);
	if (ret < 0)
		return key_gnutls_err(err, "hashing the public key", ret);
	ec_hex_encode(out, digest, sizeof(digest));
	return 0;
}

/*
 * The label of the first PEM block in "p" ("PRIVATE KEY", "EC PRIVATE
 * KEY", ...; RFC 7468 2), for an error message; "" when there is none.
 * Only printable ASCII is copied, the file being anyone's.
 */
static void
key_pem_label(char *label, size_t size, const uint8_t *p, size_t len)
{
	static const char	begin[] = "-----BEGIN ";
	const size_t		blen = sizeof(begin) - 1;
	size_t			i, j, n;

	label[0] = '\0';
	for (i = 0; i + blen <= len; i++) {
		if (memcmp(p + i, begin, blen) != 0)
			continue;
		n = 0;
		for (j = i + blen; j < len && n + 1 < size; j++) {
			if (p[j] == '-' || p[j] < 0x20 || p[j] > 0x7e)
				break;
			label[n++] = (char)p[j];
		}
		label[n] = '\0';
		return;
	}
}

/*
 * Read all of "path" into one allocation of EC_MAX_KEY_BYTES + 1 bytes that
 * is never grown: realloc would leave copies of a private key in freed
 * memory.  The caller wipes (gnutls_memset) and frees *out.  Only regular
 * files: a FIFO or device would block or never end, so the file is opened
 * through ec_file_open_regular_stat, which never waits on one.  Its mode
 * goes to *mode_out.
 */
static int
key_read_file(uint8_t **out, size_t *len_out, mode_t *mode_out,
    const char *path, struct ec_err *err)
{
	struct stat	 st;
	uint8_t		*p = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	if (ec_file_open_regular_stat(&fd, &st, path, err) == -1)
		return -1;
	*mode_out = st.st_mode;
	if (st.st_size > EC_MAX_KEY_BYTES) {
		ec_err_set(err, EC_ERR_TOO_LARGE,
		    "%s: key file exceeds %d bytes", path, EC_MAX_KEY_BYTES);
		goto out;
	}
	if ((p = malloc(EC_MAX_KEY_BYTES + 1)) == NULL) {
		ec_err_nomem(err);
		goto out;
	}
	for (;;) {
		n = read(fd, p + len, EC_MAX_KEY_BYTES + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ec_err_set(err, EC_ERR_IO, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* The file grew after fstat; the bound still holds. */
		if (len > EC_MAX_KEY_BYTES) {
			ec_err_set(err, EC_ERR_TOO_LARGE,
			    "%s: key file exceeds %d bytes", path,
			    EC_MAX_KEY_BYTES);
			goto out;
		}
	}
	*out = p;
	*len_out = len;
	p = NULL;
	rc = 0;
out:
	if (p != NULL) {
		gnutls_memset(p, 0, len);
		free(p);
	}
	(void)close(fd);
	return rc;
}

int
ec_key_type_parse(enum ec_key_type *out, const char *name,
    struct ec_err *err)
{
	if (name != NULL && strcmp(name, "ed25519") == 0)
		*out = EC_KEY_ED25519;
	else if (name != NULL && strcmp(name, "ecdsa-p256") == 0)
		*out = EC_KEY_ECDSA_P256;
	else
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key type: want ed25519 or ecdsa-p256");
	return 0;
}

const char *
ec_key_type_name(enum ec_key_type type)
{
	return type == EC_KEY_ED25519 ? "ed25519" : "ecdsa-p256";
}

/*
 * PKCS#8 only (RFC 5958 2), unencrypted: an unattended signer has no one to
 * ask for a pass phrase, and one format keeps the accepted inputs few.
 */
static int
signer_import(struct ec_signer *s, const uint8_t *data, size_t len,
    struct ec_err *err)
{
	gnutls_x509_privkey_t	x509 = NULL;
	gnutls_datum_t		pem;
	char			label[48];
	int			ret, rc = -1;

	key_datum(&pem, data, len);
	if ((ret = gnutls_x509_privkey_init(&x509)) < 0)
		return key_gnutls_err(err, "gnutls_x509_privkey_init", ret);
	ret = gnutls_x509_privkey_import_pkcs8(x509, &pem, GNUTLS_X509_FMT_PEM,
	    NULL, GNUTLS_PKCS_PLAIN);
	if (ret == GNUTLS_E_MEMORY_ERROR) {
		ec_err_nomem(err);
		goto out;
	}
	if (ret < 0) {
		key_pem_label(label, sizeof(label), data, len);
		if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0)
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "encrypted private keys are not supported; want "
			    "an unencrypted PKCS#8 \"PRIVATE KEY\"");
		else if (strcmp(label, "PRIVATE KEY") == 0)
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "malformed PKCS#8 private key: %s",
			    gnutls_strerror(ret));
		else if (label[0] != '\0')
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "PEM \"%s\" is not PKCS#8; want \"PRIVATE KEY\" "
			    "(openssl pkcs8 -topk8 -nocrypt converts it)",
			    label);
		else
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "no PEM \"PRIVATE KEY\" block");
		goto out;
	}
	if ((ret = gnutls_privkey_init(&s->priv)) < 0 ||
	    (ret = gnutls_privkey_import_x509(s->priv, x509,
	    GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE)) < 0) {
		key_gnutls_err(err, "importing the private key", ret);
		goto out;
	}
	x509 = NULL;	/* s->priv releases it now */
	if ((ret = gnutls_pubkey_init(&s->pub)) < 0 ||
	    (ret = gnutls_pubkey_import_privkey(s->pub, s->priv, 0, 0)) < 0) {
		key_gnutls_err(err, "deriving the public key", ret);
		goto out;
	}
	if (key_classify(&s->type, s->pub, err) == -1)
		goto out;
	/*
	 * A PKCS#8 EC key may carry its public point (RFC 5915 3); one that
	 * does not match the private scalar would give a key id, and a
	 * published public key, that no signature of ours verifies under.
	 */
	if ((ret = gnutls_privkey_verify_params(s->priv)) < 0) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "inconsistent key parameters: %s", gnutls_strerror(ret));
		goto out;
	}
	if (key_id(s->keyid, s->pub, err) == -1)
		goto out;
	rc = 0;
out:
	if (x509 != NULL)
		gnutls_x509_privkey_deinit(x509);
	return rc;
}

int
ec_signer_load(struct ec_signer **out, const char *path, struct ec_err *err)
{
	return ec_signer_load_checked(out, NULL, path, false, err);
}

/*
 * ssh(1) refuses a private key that group or others can access at all
 * (mode & 077); a key others could read is no longer private, one they
 * could write may have been replaced.
 */
int
ec_signer_load_checked(struct ec_signer **out, bool *exposed_out,
    const char *path, bool strict, struct ec_err *err)
{
	struct ec_signer	*s = NULL;
	uint8_t			*data = NULL;
	size_t			 len = 0;
	mode_t			 mode = 0;
	int			 rc = -1;

	if (key_read_file(&data, &len, &mode, path, err) == -1)
		return -1;
	if (exposed_out != NULL)
		*exposed_out = (mode & 077) != 0;
	if (strict && (mode & 077) != 0) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID, "%s: private key file "
		    "is accessible by group or others (mode %04o; chmod 600 "
		    "it)", path, (unsigned)(mode & 07777));
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		ec_err_nomem(err);
		goto out;
	}
	if (signer_import(s, data, len, err) == -1) {
		ec_err_prefix(err, "%s", path);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	ec_signer_free(s);
	gnutls_memset(data, 0, len);
	free(data);
	return rc;
}

const char *
ec_signer_keyid(const struct ec_signer *s)
{
	return s->keyid;
}

enum ec_key_type
ec_signer_type(const struct ec_signer *s)
{
	return s->type;
}

int
ec_signer_pubkey_pem(struct ec_buf *out, const struct ec_signer *s,
    struct ec_err *err)
{
	gnutls_datum_t	pem = { NULL, 0 };
	int		ret, rc;

	if ((ret = gnutls_pubkey_export2(s->pub, GNUTLS_X509_FMT_PEM,
	    &pem)) < 0)
		return key_gnutls_err(err, "exporting the public key", ret);
	rc = ec_buf_add(out, pem.data, pem.size, err);
	gnutls_free(pem.data);
	return rc;
}

/*
 * ECDSA: GNUTLS_PRIVKEY_FLAG_REPRODUCIBLE derives the nonce from key and
 * message (RFC 6979 3.2), so signing is a function of its inputs (bundles
 * rebuild byte for byte) and a weak random source cannot leak the key.
 * GnuTLS emits DER (RFC 3279 2.2.3).  Ed25519 is deterministic by design
 * (RFC 8032 5.1.6).
 */
int
ec_signer_sign(struct ec_buf *sig_out, const struct ec_signer *s,
    const void *data, size_t len, struct ec_err *err)
{
	gnutls_datum_t		 d, sig = { NULL, 0 };
	gnutls_sign_algorithm_t	 algo;
	unsigned int		 flags;
	int			 ret, rc;

	if (len > UINT_MAX)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "data to sign exceeds %u bytes", UINT_MAX);
	if (s->type == EC_KEY_ED25519) {
		algo = GNUTLS_SIGN_EDDSA_ED25519;
		flags = 0;
	} else {
		algo = GNUTLS_SIGN_ECDSA_SHA256;
		flags = s->token ? 0 : GNUTLS_PRIVKEY_FLAG_REPRODUCIBLE;
	}
	key_datum(&d, data, len);
	if ((ret = gnutls_privkey_sign_data2(s->priv, algo, flags, &d,
	    &sig)) < 0)
		return key_gnutls_err(err, "signing", ret);
	rc = ec_buf_add(sig_out, sig.data, sig.size, err);
	gnutls_free(sig.data);
	return rc;
}

void
ec_signer_free(struct ec_signer *s)
{
	if (s == NULL)
		return;
	if (s->priv != NULL)
		gnutls_privkey_deinit(s->priv);
	if (s->pub != NULL)
		gnutls_pubkey_deinit(s->pub);
	if (s->ctx_free != NULL)
		s->ctx_free(s->ctx);
	gnutls_memset(s, 0, sizeof(*s));
	free(s);
}

int
ec_signer_from_privkey(struct ec_signer **out, gnutls_privkey_t priv,
    void *ctx, void (*ctx_free)(void *), struct ec_err *err)
{
	struct ec_signer	*s;
	int			 ret;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		gnutls_privkey_deinit(priv);
		if (ctx_free != NULL)
			ctx_free(ctx);
		return ec_err_nomem(err);
	}
	s->priv = priv;
	s->ctx = ctx;
	s->ctx_free = ctx_free;
	s->token = true;
	if ((ret = gnutls_pubkey_init(&s->pub)) < 0 ||
	    (ret = gnutls_pubkey_import_privkey(s->pub, s->priv, 0, 0)) < 0) {
		key_gnutls_err(err, "reading the token's public key", ret);
		goto fail;
	}
	if (key_classify(&s->type, s->pub, err) == -1 ||
	    key_id(s->keyid, s->pub, err) == -1)
		goto fail;
	*out = s;
	return 0;
fail:
	ec_signer_free(s);
	return -1;
}

int
ec_verifier_load_mem(struct ec_verifier **out, const void *pem, size_t len,
    struct ec_err *err)
{
	struct ec_verifier	*v;
	gnutls_datum_t		 d;
	char			 label[48];
	int			 ret, rc = -1;

	if (len > EC_MAX_KEY_BYTES)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "public key exceeds %d bytes", EC_MAX_KEY_BYTES);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return ec_err_nomem(err);
	if ((ret = gnutls_pubkey_init(&v->pub)) < 0) {
		key_gnutls_err(err, "gnutls_pubkey_init", ret);
		goto out;
	}
	key_datum(&d, pem, len);
	if ((ret = gnutls_pubkey_import(v->pub, &d,
	    GNUTLS_X509_FMT_PEM)) < 0) {
		if (ret == GNUTLS_E_MEMORY_ERROR) {
			ec_err_nomem(err);
			goto out;
		}
		key_pem_label(label, sizeof(label), pem, len);
		if (strcmp(label, "PUBLIC KEY") == 0)
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "malformed public key: %s", gnutls_strerror(ret));
		else if (label[0] != '\0')
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "PEM \"%s\" is not a SubjectPublicKeyInfo; want "
			    "\"PUBLIC KEY\"", label);
		else
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "no PEM \"PUBLIC KEY\" block");
		goto out;
	}
	if (key_classify(&v->type, v->pub, err) == -1 ||
	    key_id(v->keyid, v->pub, err) == -1)
		goto out;
	*out = v;
	v = NULL;
	rc = 0;
out:
	ec_verifier_free(v);
	return rc;
}

int
ec_verifier_load(struct ec_verifier **out, const char *path,
    struct ec_err *err)
{
	uint8_t	*data = NULL;
	size_t	 len = 0;
	mode_t	 mode;
	int	 rc;

	if (key_read_file(&data, &len, &mode, path, err) == -1)
		return -1;
	if ((rc = ec_verifier_load_mem(out, data, len, err)) == -1)
		ec_err_prefix(err, "%s", path);
	free(data);
	return rc;
}

const char *
ec_verifier_keyid(const struct ec_verifier *v)
{
	return v->keyid;
}

enum ec_key_type
ec_verifier_type(const struct ec_verifier *v)
{
	return v->type;
}

/*
 * One DER INTEGER of a P-256 ECDSA-Sig-Value at p[*off]: short-form length
 * 1 to 33, positive, minimal (X.690 8.3.2, 10.1).
 */
static bool
key_der_int(const uint8_t *p, size_t len, size_t *off)
{
	size_t	n;

	if (len - *off < 2 || p[*off] != 0x02)
		return false;
	n = p[*off + 1];
	*off += 2;
	if (n == 0 || n > KEY_P256_INT_MAX || len - *off < n)
		return false;
	if (p[*off] & 0x80)
		return false;
	if (n > 1 && p[*off] == 0x00 && !(p[*off + 1] & 0x80))
		return false;
	*off += n;
	return true;
}

/*
 * ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 2.2.3),
 * in strict DER and nothing after it.  One signature then has one encoding,
 * as Go's crypto/ecdsa (cosign) and OpenSSL require; a lax BER decoder
 * would let the same signature travel in many byte forms.
 */
static bool
key_ecdsa_der_ok(const uint8_t *p, size_t len)
{
	size_t	off = 2;

	if (len < 8 || len > 2 + 2 * (2 + KEY_P256_INT_MAX))
		return false;
	if (p[0] != 0x30 || p[1] != len - 2)
		return false;
	return key_der_int(p, len, &off) && key_der_int(p, len, &off) &&
	    off == len;
}

int
ec_verifier_verify(const struct ec_verifier *v, const void *data, size_t len,
    const void *sig, size_t sig_len, struct ec_err *err)
{
	gnutls_datum_t		 d, s;
	gnutls_sign_algorithm_t	 algo;
	int			 ret;

	if (len > UINT_MAX)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "signed data exceeds %u bytes", UINT_MAX);
	if (v->type == EC_KEY_ED25519) {
		if (sig_len != KEY_ED25519_SIG_LEN)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "Ed25519 signature is %zu bytes, want %d",
			    sig_len, KEY_ED25519_SIG_LEN);
		algo = GNUTLS_SIGN_EDDSA_ED25519;
	} else {
		if (!key_ecdsa_der_ok(sig, sig_len))
			return ec_err_set(err, EC_ERR_VERIFY,
			    "ECDSA signature is not a DER ECDSA-Sig-Value");
		algo = GNUTLS_SIGN_ECDSA_SHA256;
	}
	key_datum(&d, data, len);
	key_datum(&s, sig, sig_len);
	ret = gnutls_pubkey_verify_data2(v->pub, algo, 0, &d, &s);
	if (ret == GNUTLS_E_MEMORY_ERROR)
		return ec_err_nomem(err);
	if (ret < 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "signature does not verify with key %s", v->keyid);
	return 0;
}

void
ec_verifier_free(struct ec_verifier *v)
{
	if (v == NULL)
		return;
	if (v->pub != NULL)
		gnutls_pubkey_deinit(v->pub);
	free(v);
}
