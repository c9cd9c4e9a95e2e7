/* ec_jose: base64url, compact JWS, EC P-256 JWKs and JWK sets. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <nettle/base64.h>

#include "ec_hash.h"
#include "ec_jose.h"
#include "ec_limits.h"
#include "ec_num.h"

/* One issuer key: the parsed JWK, its kid and the PEM libjwt takes. */
struct jwks_key {
	struct ec_jwk	 jwk;
	char		 kid[EC_JOSE_MAX_KID + 1];
	char		*pem;		/* owned, NUL-terminated */
	size_t		 pem_len;
};

struct ec_jwks {
	struct jwks_key	 keys[EC_JOSE_MAX_KEYS];
	size_t		 n;
};

/*
 * Members that only a private or symmetric JWK has (RFC 7518 6.2.2, 6.3.2,
 * 6.4.1).  Their presence means the key is not a public key.
 */
static const char *const jwk_private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k"
};

static bool
b64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* The 6-bit value of a base64url character already checked. */
static unsigned
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a') + 26;
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0') + 52;
	return c == '-' ? 62 : 63;
}

int
ec_b64url_decode(struct ec_buf *out, const char *in, size_t len,
    struct ec_err *err)
{
	size_t		i, nbits = 0;
	uint32_t	acc = 0;
	unsigned	last;
	uint8_t		*o;

	/*
	 * Decoded here rather than by Nettle, whose decoder skips white space
	 * and wants padding; RFC 7515 2 allows neither, and a lenient decoder
	 * gives one value many spellings.  The unused low bits of the last
	 * character must be zero (RFC 4648 3.5) for the same reason.
	 */
	for (i = 0; i < len; i++)
		if (!b64url_char((unsigned char)in[i]))
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "not base64url (character %zu)", i);
	if (len % 4 == 1)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "base64url of impossible length %zu", len);
	if (len > 0) {
		last = b64url_value((unsigned char)in[len - 1]);
		if ((len % 4 == 2 && (last & 0x0f) != 0) ||
		    (len % 4 == 3 && (last & 0x03) != 0))
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "base64url with non-zero unused bits");
	}
	if (ec_buf_reserve(out, len / 4 * 3 + 2, err) == -1)
		return -1;
	o = (uint8_t *)out->data + out->len;
	for (i = 0; i < len; i++) {
		acc = (acc << 6 | b64url_value((unsigned char)in[i])) &
		    0xffffff;
		if ((nbits += 6) >= 8) {
			nbits -= 8;
			*o++ = (uint8_t)(acc >> nbits);
		}
	}
	out->len = (size_t)((char *)o - out->data);
	out->data[out->len] = '\0';
	return 0;
}

int
ec_b64url_encode(struct ec_buf *out, const void *in, size_t len,
    struct ec_err *err)
{
	struct base64_encode_ctx	ctx;
	size_t				n, need;

	if (!ec_size_add(&need, BASE64_ENCODE_LENGTH(len),
	    BASE64_ENCODE_FINAL_LENGTH))
		return ec_err_set(err, EC_ERR_TOO_LARGE, "input too large");
	if (ec_buf_reserve(out, need, err) == -1)
		return -1;
	base64url_encode_init(&ctx);
	n = base64_encode_update(&ctx, out->data + out->len, len, in);
	n += base64_encode_final(&ctx, out->data + out->len + n);
	/* RFC 7515 2: the padding is dropped. */
	while (n > 0 && out->data[out->len + n - 1] == '=')
		n--;
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

size_t
ec_jose_count_nodes(const json_t *v, size_t max)
{
	const char	*k;
	json_t		*c;
	size_t		 i, n = 1;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, k, c) {
			if (n > max)
				break;
			n += ec_jose_count_nodes(c, max - n + 1);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			if (n > max)
				break;
			n += ec_jose_count_nodes(c, max - n + 1);
		}
	}
	return n;
}

/* Decode one base64url part of a JWS as a bounded JSON object. */
static json_t *
jose_part_json(const char *p, size_t len, const char *what,
    struct ec_err *err)
{
	struct ec_buf	 raw;
	json_error_t	 jerr;
	json_t		*v = NULL;

	ec_buf_init(&raw, EC_JOSE_MAX_COMPACT);
	if (ec_b64url_decode(&raw, p, len, err) == -1) {
		(void)ec_err_prefix(err, "%s", what);
		goto out;
	}
	v = json_loadb(raw.data != NULL ? raw.data : "", raw.len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		(void)ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "%s: not JSON (column %d)", what, jerr.column);
		goto out;
	}
	if (!json_is_object(v)) {
		(void)ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "%s: not a JSON object", what);
		json_decref(v);
		v = NULL;
	} else if (ec_jose_count_nodes(v, EC_JOSE_MAX_NODES) >
	    EC_JOSE_MAX_NODES) {
		(void)ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "%s: more than %d JSON values", what, EC_JOSE_MAX_NODES);
		json_decref(v);
		v = NULL;
	}
out:
	ec_buf_dispose(&raw);
	return v;
}

int
ec_jws_parse(struct ec_jws *out, const char *token, size_t len,
    struct ec_err *err)
{
	struct ec_jws	 jws;
	struct ec_buf	 sig;
	const char	*dot1, *dot2;
	int		 rc = -1;

	memset(&jws, 0, sizeof(jws));
	/* Room for the decoder's rounding; the length is checked after. */
	ec_buf_init(&sig, EC_JOSE_MAX_SIG_LEN + 3);
	if (len > EC_JOSE_MAX_COMPACT)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "JWS longer than %d bytes", EC_JOSE_MAX_COMPACT);
	/* RFC 7515 7.1: exactly three parts; a JWE has five. */
	if ((dot1 = memchr(token, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)))
	    == NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "not a compact JWS (three dot-separated parts)");
	jws.header = jose_part_json(token, (size_t)(dot1 - token),
	    "JWS header", err);
	if (jws.header == NULL)
		goto out;
	jws.claims = jose_part_json(dot1 + 1, (size_t)(dot2 - dot1 - 1),
	    "JWS payload", err);
	if (jws.claims == NULL)
		goto out;
	if ((jws.alg = json_string_value(json_object_get(jws.header, "alg")))
	    == NULL) {
		(void)ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "JWS header: no \"alg\" string");
		goto out;
	}
	if (ec_b64url_decode(&sig, dot2 + 1, len - (size_t)(dot2 + 1 - token),
	    err) == -1) {
		if (err != NULL)
			err->code = EC_ERR_UNAUTHORIZED;
		(void)ec_err_prefix(err, "JWS signature");
		goto out;
	}
	if (sig.len > EC_JOSE_MAX_SIG_LEN) {
		(void)ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "JWS signature longer than %d bytes", EC_JOSE_MAX_SIG_LEN);
		goto out;
	}
	memcpy(jws.sig, sig.data != NULL ? sig.data : "", sig.len);
	jws.sig_len = sig.len;
	jws.signing_input.p = token;
	jws.signing_input.len = (size_t)(dot2 - token);
	*out = jws;
	memset(&jws, 0, sizeof(jws));
	rc = 0;
out:
	ec_jws_dispose(&jws);
	ec_buf_dispose(&sig);
	return rc;
}

void
ec_jws_dispose(struct ec_jws *jws)
{
	json_decref(jws->header);
	json_decref(jws->claims);
	memset(jws, 0, sizeof(*jws));
}

/* Decode one coordinate: strict base64url of exactly 32 bytes. */
static int
jwk_coord(uint8_t out[EC_JOSE_P256_LEN], const json_t *jwk,
    const char *name, struct ec_err *err)
{
	struct ec_buf	 b;
	const char	*s;
	int		 rc = -1;

	ec_buf_init(&b, EC_JOSE_P256_LEN + 3);
	if ((s = json_string_value(json_object_get(jwk, name))) == NULL)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "JWK: no \"%s\" string", name);
	if (ec_b64url_decode(&b, s, json_string_length(
	    json_object_get(jwk, name)), err) == -1 ||
	    b.len != EC_JOSE_P256_LEN) {
		(void)ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "JWK: \"%s\" is not 32 bytes of base64url", name);
		goto out;
	}
	memcpy(out, b.data, EC_JOSE_P256_LEN);
	rc = 0;
out:
	ec_buf_dispose(&b);
	return rc;
}

static void
jose_datum(gnutls_datum_t *d, const void *p, size_t len)
{
	d->data = (unsigned char *)(uintptr_t)p;
	d->size = (unsigned int)len;
}

static int
jose_gnutls_err(struct ec_err *err, const char *what, int ret)
{
	if (ret == GNUTLS_E_MEMORY_ERROR)
		return ec_err_nomem(err);
	return ec_err_set(err, EC_ERR_CRYPTO, "%s: %s", what,
	    gnutls_strerror(ret));
}

/*
 * The key as a GnuTLS public key.  gnutls_pubkey_verify_params() checks
 * that the point is on the curve (an invalid-curve point must never reach
 * a verification).
 */
static int
jwk_pubkey(gnutls_pubkey_t *out, const struct ec_jwk *key,
    struct ec_err *err)
{
	gnutls_pubkey_t	pub;
	gnutls_datum_t	x, y;
	int		ret;

	if ((ret = gnutls_pubkey_init(&pub)) < 0)
		return jose_gnutls_err(err, "gnutls_pubkey_init", ret);
	jose_datum(&x, key->x, sizeof(key->x));
	jose_datum(&y, key->y, sizeof(key->y));
	if ((ret = gnutls_pubkey_import_ecc_raw(pub,
	    GNUTLS_ECC_CURVE_SECP256R1, &x, &y)) < 0 ||
	    (ret = gnutls_pubkey_verify_params(pub)) < 0) {
		gnutls_pubkey_deinit(pub);
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "JWK: not a point on P-256");
	}
	*out = pub;
	return 0;
}

/* RFC 7638 3.2: the required members, sorted, no white space. */
static int
jwk_thumbprint(struct ec_jwk *k, struct ec_err *err)
{
	struct ec_buf	in;
	uint8_t		digest[EC_SHA256_LEN];
	size_t		mark;
	int		rc = -1;

	ec_buf_init(&in, 256);
	if (ec_buf_adds(&in, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"", err)
	    == -1 || ec_b64url_encode(&in, k->x, sizeof(k->x), err) == -1 ||
	    ec_buf_adds(&in, "\",\"y\":\"", err) == -1 ||
	    ec_b64url_encode(&in, k->y, sizeof(k->y), err) == -1 ||
	    ec_buf_adds(&in, "\"}", err) == -1)
		goto out;
	ec_sha256(digest, in.data, in.len);
	mark = in.len;
	if (ec_b64url_encode(&in, digest, sizeof(digest), err) == -1)
		goto out;
	memcpy(k->thumb, in.data + mark, EC_JOSE_THUMB_LEN);
	k->thumb[EC_JOSE_THUMB_LEN] = '\0';
	rc = 0;
out:
	ec_buf_dispose(&in);
	return rc;
}

int
ec_jwk_parse(struct ec_jwk *out, const json_t *jwk, struct ec_err *err)
{
	struct ec_jwk	 k;
	gnutls_pubkey_t	 pub;
	const char	*kty, *crv;
	size_t		 i;

	if (!json_is_object(jwk))
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "JWK is not a JSON object");
	for (i = 0; i < sizeof(jwk_private_members) /
	    sizeof(jwk_private_members[0]); i++)
		if (json_object_get(jwk, jwk_private_members[i]) != NULL)
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "JWK has private member \"%s\"; only public keys "
			    "are accepted", jwk_private_members[i]);
	kty = json_string_value(json_object_get(jwk, "kty"));
	crv = json_string_value(json_object_get(jwk, "crv"));
	if (kty == NULL || strcmp(kty, "EC") != 0 || crv == NULL ||
	    strcmp(crv, "P-256") != 0)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "JWK is not an EC P-256 key");
	if (jwk_coord(k.x, jwk, "x", err) == -1 ||
	    jwk_coord(k.y, jwk, "y", err) == -1)
		return -1;
	if (jwk_pubkey(&pub, &k, err) == -1)
		return -1;
	gnutls_pubkey_deinit(pub);
	if (jwk_thumbprint(&k, err) == -1)
		return -1;
	*out = k;
	return 0;
}

int
ec_jwk_pem(struct ec_buf *out, const struct ec_jwk *key, struct ec_err *err)
{
	gnutls_pubkey_t	pub;
	gnutls_datum_t	pem = { NULL, 0 };
	int		ret, rc = -1;

	if (jwk_pubkey(&pub, key, err) == -1)
		return -1;
	if ((ret = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, &pem)) < 0) {
		(void)jose_gnutls_err(err, "gnutls_pubkey_export2", ret);
		goto out;
	}
	rc = ec_buf_add(out, pem.data, pem.size, err);
out:
	gnutls_free(pem.data);
	gnutls_pubkey_deinit(pub);
	return rc;
}

bool
ec_jose_printable(const char *s, size_t len, size_t max)
{
	size_t	i;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static int
jwks_add(struct ec_jwks *ks, const json_t *jwk, size_t i, struct ec_err *err)
{
	struct jwks_key	*k = &ks->keys[ks->n];
	struct ec_buf	 pem;
	const json_t	*kidv = json_object_get(jwk, "kid");
	const char	*kid = json_string_value(kidv), *use, *alg;
	size_t		 j;

	if (kid == NULL || !ec_jose_printable(kid, json_string_length(kidv),
	    EC_JOSE_MAX_KID))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "JWKS key %zu: \"kid\" must be 1 to %d printable "
		    "characters", i, EC_JOSE_MAX_KID);
	for (j = 0; j < ks->n; j++)
		if (strcmp(ks->keys[j].kid, kid) == 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "JWKS key %zu: kid \"%s\" repeated", i, kid);
	use = json_string_value(json_object_get(jwk, "use"));
	alg = json_string_value(json_object_get(jwk, "alg"));
	if ((json_object_get(jwk, "use") != NULL &&
	    (use == NULL || strcmp(use, "sig") != 0)) ||
	    (json_object_get(jwk, "alg") != NULL &&
	    (alg == NULL || strcmp(alg, "ES256") != 0)))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "JWKS key \"%s\": only use \"sig\", alg \"ES256\"", kid);
	if (ec_jose_count_nodes(jwk, EC_JOSE_MAX_NODES) > EC_JOSE_MAX_NODES ||
	    ec_jwk_parse(&k->jwk, jwk, err) == -1) {
		if (err != NULL)
			err->code = EC_ERR_REQUEST_INVALID;
		return ec_err_prefix(err, "JWKS key \"%s\"", kid);
	}
	ec_buf_init(&pem, EC_MAX_KEY_BYTES);
	if (ec_jwk_pem(&pem, &k->jwk, err) == -1) {
		ec_buf_dispose(&pem);
		return -1;
	}
	memcpy(k->kid, kid, json_string_length(kidv) + 1);
	k->pem = ec_buf_steal(&pem, &k->pem_len);
	ks->n++;
	return 0;
}

int
ec_jwks_load_mem(struct ec_jwks **out, const void *p, size_t len,
    struct ec_err *err)
{
	struct ec_jwks	*ks;
	json_error_t	 jerr;
	json_t		*doc, *keys, *jwk;
	size_t		 i;
	int		 rc = -1;

	if (len > EC_JOSE_MAX_JWKS_BYTES)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "JWKS exceeds %d bytes", EC_JOSE_MAX_JWKS_BYTES);
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return ec_err_nomem(err);
	doc = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "JWKS: line %d: %s", jerr.line, jerr.text);
		goto out;
	}
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys) || json_array_size(keys) == 0 ||
	    json_array_size(keys) > EC_JOSE_MAX_KEYS) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "JWKS: \"keys\" must hold 1 to %d keys", EC_JOSE_MAX_KEYS);
		goto out;
	}
	json_array_foreach(keys, i, jwk)
		if (jwks_add(ks, jwk, i, err) == -1)
			goto out;
	*out = ks;
	ks = NULL;
	rc = 0;
out:
	json_decref(doc);
	ec_jwks_free(ks);
	return rc;
}

int
ec_jwks_load(struct ec_jwks **out, const char *path, struct ec_err *err)
{
	struct ec_buf	b;
	struct stat	st;
	ssize_t		n;
	int		fd, rc = -1;

	ec_buf_init(&b, EC_JOSE_MAX_JWKS_BYTES + 1);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: not a regular file", path);
		goto out;
	}
	/* Read to EOF within the ceiling, whatever fstat said. */
	for (;;) {
		if (ec_buf_reserve(&b, 4096, err) == -1 &&
		    ec_buf_reserve(&b, 1, err) == -1) {
			(void)ec_err_set(err, EC_ERR_TOO_LARGE,
			    "%s: JWKS exceeds %d bytes", path,
			    EC_JOSE_MAX_JWKS_BYTES);
			goto out;
		}
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)ec_err_set(err, EC_ERR_IO, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	if ((rc = ec_jwks_load_mem(out, b.data != NULL ? b.data : "", b.len,
	    err)) == -1)
		(void)ec_err_prefix(err, "%s", path);
out:
	(void)close(fd);
	ec_buf_dispose(&b);
	return rc;
}

size_t
ec_jwks_count(const struct ec_jwks *ks)
{
	return ks->n;
}

const struct ec_jwk *
ec_jwks_find(const struct ec_jwks *ks, const char *kid,
    struct ec_slice *pem_out)
{
	const struct jwks_key	*k = NULL;
	size_t			 i;

	if (kid == NULL && ks->n == 1)
		k = &ks->keys[0];
	for (i = 0; kid != NULL && i < ks->n; i++)
		if (strcmp(ks->keys[i].kid, kid) == 0)
			k = &ks->keys[i];
	if (k == NULL)
		return NULL;
	pem_out->p = k->pem;
	pem_out->len = k->pem_len;
	return &k->jwk;
}

void
ec_jwks_free(struct ec_jwks *ks)
{
	size_t	i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++)
		free(ks->keys[i].pem);
	free(ks);
}
