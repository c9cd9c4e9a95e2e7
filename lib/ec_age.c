/*
 * ec_age.c: the age v1 header (C2SP age.md, "Header" and "The X25519
 * recipient type") and the primitives under it.
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/curve25519.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "ec_age_int.h"

#define AGE_VERSION_LINE	"age-encryption.org/v1"
#define AGE_X25519_INFO		"age-encryption.org/v1/X25519"
/* Body lines wrap at 64 columns (age v1, "Header"). */
#define AGE_BODY_COLS		64

static const char	age_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
age_hkdf(uint8_t *out, size_t out_len, const uint8_t *ikm, size_t ikm_len,
    const uint8_t *salt, size_t salt_len, const char *info)
{
	struct hmac_sha256_ctx	ctx;
	uint8_t			prk[SHA256_DIGEST_SIZE];

	/* An empty salt is HMAC's zero key, as RFC 5869 2.2 asks. */
	hmac_sha256_set_key(&ctx, salt_len, salt);
	hkdf_extract(&ctx, (nettle_hash_update_func *)hmac_sha256_update,
	    (nettle_hash_digest_func *)hmac_sha256_digest, SHA256_DIGEST_SIZE,
	    ikm_len, ikm, prk);
	hmac_sha256_set_key(&ctx, sizeof(prk), prk);
	hkdf_expand(&ctx, (nettle_hash_update_func *)hmac_sha256_update,
	    (nettle_hash_digest_func *)hmac_sha256_digest, SHA256_DIGEST_SIZE,
	    strlen(info), (const uint8_t *)info, out_len, out);
	gnutls_memset(prk, 0, sizeof(prk));
	gnutls_memset(&ctx, 0, sizeof(ctx));
}

void
age_seal(uint8_t *out, const uint8_t key[AGE_KEY], const uint8_t nonce[12],
    const uint8_t *in, size_t len)
{
	struct chacha_poly1305_ctx	c;

	chacha_poly1305_set_key(&c, key);
	chacha_poly1305_set_nonce(&c, nonce);
	chacha_poly1305_encrypt(&c, len, out, in);
	chacha_poly1305_digest(&c, AGE_TAG, out + len);
	gnutls_memset(&c, 0, sizeof(c));
}

bool
age_open(uint8_t *out, const uint8_t key[AGE_KEY], const uint8_t nonce[12],
    const uint8_t *in, size_t len)
{
	struct chacha_poly1305_ctx	c;
	uint8_t				tag[AGE_TAG];
	bool				good;

	chacha_poly1305_set_key(&c, key);
	chacha_poly1305_set_nonce(&c, nonce);
	chacha_poly1305_decrypt(&c, len, out, in);
	chacha_poly1305_digest(&c, AGE_TAG, tag);
	good = memeql_sec(tag, in + len, AGE_TAG) != 0;
	gnutls_memset(&c, 0, sizeof(c));
	if (!good)
		gnutls_memset(out, 0, len);
	return good;
}

void
age_b64_encode(char *out, const uint8_t *in, size_t len)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	unsigned	bits = 0;

	for (i = 0; i < len; i++) {
		acc = (acc << 8 | in[i]) & 0xffff;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = age_b64_alphabet[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = age_b64_alphabet[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

static int
age_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool
age_b64_decode(uint8_t *out, size_t out_len, const char *in, size_t in_len)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	unsigned	bits = 0;
	int		v;

	/* No padding, so the length alone fixes the byte count. */
	if (in_len != AGE_B64_LEN(out_len))
		return false;
	for (i = 0; i < in_len; i++) {
		if ((v = age_b64_value(in[i])) < 0)
			return false;
		acc = (acc << 6 | (uint32_t)v) & 0xffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Canonical: the bits past the last byte are zero. */
	return (acc & ((1u << bits) - 1)) == 0;
}

/* One "-> X25519" stanza wrapping file_key to "r" (age v1, X25519). */
static int
age_stanza_write(struct ec_buf *h, const uint8_t file_key[AGE_FILE_KEY],
    const struct ec_age_recipient *r, size_t idx, struct ec_err *err)
{
	static const uint8_t	zero_nonce[12];
	uint8_t			eph[32], share[32], shared[32], salt[64];
	uint8_t			wrap[AGE_KEY], body[AGE_FILE_KEY + AGE_TAG];
	char			s_b64[AGE_B64_LEN(32) + 1];
	char			b_b64[AGE_B64_LEN(sizeof(body)) + 1];
	int			rc = -1;

	/* A new ephemeral secret per stanza and per file. */
	if (gnutls_rnd(GNUTLS_RND_KEY, eph, sizeof(eph)) != 0) {
		(void)ec_err_set(err, EC_ERR_CRYPTO, "random generator failed");
		goto out;
	}
	curve25519_mul_g(share, eph);
	if (ec_age_x25519(shared, eph, r->pub) == -1) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "recipient %zu is a low-order point, not a usable X25519 "
		    "key", idx + 1);
		goto out;
	}
	memcpy(salt, share, 32);
	memcpy(salt + 32, r->pub, 32);
	age_hkdf(wrap, sizeof(wrap), shared, sizeof(shared), salt,
	    sizeof(salt), AGE_X25519_INFO);
	age_seal(body, wrap, zero_nonce, file_key, AGE_FILE_KEY);
	age_b64_encode(s_b64, share, sizeof(share));
	age_b64_encode(b_b64, body, sizeof(body));
	/* The body is 43 characters: one line, shorter than 64, final. */
	if (ec_buf_addf(h, err, "-> X25519 %s\n%s\n", s_b64, b_b64) == -1)
		goto out;
	rc = 0;
out:
	gnutls_memset(eph, 0, sizeof(eph));
	gnutls_memset(shared, 0, sizeof(shared));
	gnutls_memset(wrap, 0, sizeof(wrap));
	return rc;
}

/* HMAC-SHA-256 of the header so far under HKDF(file key, "header"). */
static void
age_header_mac(uint8_t mac[32], const uint8_t file_key[AGE_FILE_KEY],
    const struct ec_buf *h)
{
	struct hmac_sha256_ctx	ctx;
	uint8_t			key[32];

	age_hkdf(key, sizeof(key), file_key, AGE_FILE_KEY, NULL, 0, "header");
	hmac_sha256_set_key(&ctx, sizeof(key), key);
	hmac_sha256_update(&ctx, h->len, (const uint8_t *)h->data);
	hmac_sha256_digest(&ctx, 32, mac);
	gnutls_memset(key, 0, sizeof(key));
	gnutls_memset(&ctx, 0, sizeof(ctx));
}

int
age_header_write(uint8_t file_key_out[AGE_FILE_KEY], struct age_sink *k,
    const struct ec_age_recipient *r, size_t n, struct ec_err *err)
{
	struct ec_buf	h;
	uint8_t		mac[32];
	char		m_b64[AGE_B64_LEN(32) + 1];
	size_t		i;
	int		rc = -1;

	if (n == 0 || n > EC_AGE_MAX_RECIPIENTS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "1 to %d recipients, not %zu", EC_AGE_MAX_RECIPIENTS, n);
	ec_buf_init(&h, EC_AGE_MAX_HEADER_BYTES);
	if (gnutls_rnd(GNUTLS_RND_KEY, file_key_out, AGE_FILE_KEY) != 0) {
		(void)ec_err_set(err, EC_ERR_CRYPTO, "random generator failed");
		goto out;
	}
	if (ec_buf_adds(&h, AGE_VERSION_LINE "\n", err) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (age_stanza_write(&h, file_key_out, &r[i], i, err) == -1)
			goto out;
	/* The MAC covers the header up to and including "---". */
	if (ec_buf_adds(&h, "---", err) == -1)
		goto out;
	age_header_mac(mac, file_key_out, &h);
	age_b64_encode(m_b64, mac, sizeof(mac));
	if (ec_buf_addf(&h, err, " %s\n", m_b64) == -1 ||
	    age_sink_write(k, h.data, h.len, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		gnutls_memset(file_key_out, 0, AGE_FILE_KEY);
	ec_buf_dispose(&h);
	return rc;
}

/* Reading ------------------------------------------------------------- */

struct age_hdr {
	struct age_src			*src;
	struct ec_buf			 bytes;	/* the header read so far */
	const struct ec_age_identity	*ids;	/* borrowed */
	size_t				 n_ids;
	size_t				 line;	/* 1-based, for messages */
	size_t				 stanzas;
	bool				 found, scrypt;
	uint8_t				 file_key[AGE_FILE_KEY];
};

/*
 * The next header line without its LF, into *out (pointing into the
 * source's buffer until the next read), and into the MAC'd bytes.
 */
static int
age_hdr_line(struct ec_slice *out, struct age_hdr *h, struct ec_err *err)
{
	struct age_src	*s = h->src;
	const uint8_t	*p, *nl;
	size_t		 avail;

	if (age_src_fill(s, EC_AGE_MAX_LINE + 1, err) == -1)
		return -1;
	p = s->data + s->pos;
	avail = s->len - s->pos;
	h->line++;
	nl = memchr(p, '\n', avail < EC_AGE_MAX_LINE + 1 ? avail :
	    EC_AGE_MAX_LINE + 1);
	if (nl == NULL && avail <= EC_AGE_MAX_LINE)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "truncated: the header ends in line %zu", h->line);
	if (nl == NULL)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "header line %zu longer than %d bytes", h->line,
		    EC_AGE_MAX_LINE);
	out->p = (const char *)p;
	out->len = (size_t)(nl - p);
	if (h->bytes.len + out->len + 1 > EC_AGE_MAX_HEADER_BYTES)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "header longer than %d bytes", EC_AGE_MAX_HEADER_BYTES);
	if (ec_buf_add(&h->bytes, p, out->len + 1, err) == -1)
		return -1;
	s->pos += out->len + 1;
	return 0;
}

static bool
age_has_prefix(const struct ec_slice *l, const char *prefix)
{
	size_t	n = strlen(prefix);

	return l->len >= n && memcmp(l->p, prefix, n) == 0;
}

/* Try every identity on one X25519 stanza; a match sets h->file_key. */
static int
age_hdr_unwrap(struct age_hdr *h, const uint8_t share[32],
    const uint8_t body[AGE_FILE_KEY + AGE_TAG], struct ec_err *err)
{
	static const uint8_t	zero_nonce[12];
	uint8_t			shared[32], salt[64], wrap[AGE_KEY];
	size_t			i;
	int			rc = 0;

	memcpy(salt, share, 32);
	for (i = 0; i < h->n_ids && !h->found; i++) {
		/* age v1: abort on an all-zero shared secret. */
		if (ec_age_x25519(shared, h->ids[i].secret, share) == -1) {
			rc = ec_err_set(err, EC_ERR_VERIFY,
			    "header line %zu: X25519 share is a low-order "
			    "point", h->line - 1);
			break;
		}
		memcpy(salt + 32, h->ids[i].pub, 32);
		age_hkdf(wrap, sizeof(wrap), shared, sizeof(shared), salt,
		    sizeof(salt), AGE_X25519_INFO);
		h->found = age_open(h->file_key, wrap, zero_nonce, body,
		    AGE_FILE_KEY);
	}
	gnutls_memset(shared, 0, sizeof(shared));
	gnutls_memset(wrap, 0, sizeof(wrap));
	return rc;
}

/*
 * The arguments of a stanza line "-> a b c": each 1 or more characters in
 * 33..126, one space apart.  The first two go to args, the count to *n.
 */
static int
age_hdr_args(struct ec_slice args[2], size_t *n, const struct age_hdr *h,
    const struct ec_slice *l, struct ec_err *err)
{
	const char	*p = l->p + 3, *end = l->p + l->len, *q, *c;

	*n = 0;
	for (;;) {
		if ((q = memchr(p, ' ', (size_t)(end - p))) == NULL)
			q = end;
		if (q == p)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "header line %zu: empty stanza argument", h->line);
		for (c = p; c < q; c++)
			if (*c < 33 || *c > 126)
				return ec_err_set(err, EC_ERR_VERIFY,
				    "header line %zu: stanza argument with a "
				    "character outside 33..126", h->line);
		if (*n < 2) {
			args[*n].p = p;
			args[*n].len = (size_t)(q - p);
		}
		(*n)++;
		if (q == end)
			break;
		p = q + 1;
	}
	return 0;
}

static bool
age_slice_is(const struct ec_slice *s, const char *str)
{
	return s->len == strlen(str) && memcmp(s->p, str, s->len) == 0;
}

/*
 * The body lines of a stanza: canonical base64, 64 columns each but the
 * last, which is shorter (possibly empty).  The first "max" decoded bytes
 * go to "out"; the total decoded size to *len.
 */
static int
age_hdr_body(uint8_t *out, size_t max, size_t *len, struct age_hdr *h,
    struct ec_err *err)
{
	struct ec_slice	l;
	uint8_t		chunk[AGE_BODY_COLS / 4 * 3];
	size_t		n;

	*len = 0;
	do {
		if (age_hdr_line(&l, h, err) == -1)
			return -1;
		n = l.len / 4 * 3 + (l.len % 4 == 0 ? 0 : l.len % 4 - 1);
		if (l.len > AGE_BODY_COLS || !age_b64_decode(chunk, n, l.p,
		    l.len))
			return ec_err_set(err, EC_ERR_VERIFY,
			    "header line %zu: stanza body is not canonical "
			    "base64 of at most 64 columns", h->line);
		if (*len < max)
			memcpy(out + *len, chunk, n < max - *len ? n :
			    max - *len);
		*len += n;
	} while (l.len == AGE_BODY_COLS);
	gnutls_memset(chunk, 0, sizeof(chunk));
	return 0;
}

/* One stanza, its "-> " line in "l" (age v1, "Header"). */
static int
age_hdr_stanza(struct age_hdr *h, const struct ec_slice *l,
    struct ec_err *err)
{
	struct ec_slice	args[2];
	uint8_t		share[32], body[AGE_FILE_KEY + AGE_TAG];
	size_t		nargs, blen;
	bool		x25519;

	if (++h->stanzas > EC_AGE_MAX_STANZAS)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "header has more than %d stanzas", EC_AGE_MAX_STANZAS);
	if (age_hdr_args(args, &nargs, h, l, err) == -1)
		return -1;
	x25519 = age_slice_is(&args[0], "X25519");
	if (age_slice_is(&args[0], "scrypt"))
		h->scrypt = true;
	/* The share is decoded before the body lines replace the line. */
	if (x25519 && (nargs != 2 ||
	    !age_b64_decode(share, sizeof(share), args[1].p, args[1].len)))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "header line %zu: malformed X25519 stanza", h->line);
	if (age_hdr_body(body, sizeof(body), &blen, h, err) == -1)
		return -1;
	if (!x25519)
		return 0;	/* Another recipient type: not ours to read. */
	if (blen != sizeof(body))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "header line %zu: X25519 stanza body of %zu bytes, "
		    "want 32", h->line, blen);
	return age_hdr_unwrap(h, share, body, err);
}

/* The first line: the version, or why this is not an age v1 file. */
static int
age_hdr_version(struct age_hdr *h, struct ec_err *err)
{
	struct ec_slice	l;

	if (age_hdr_line(&l, h, err) == -1) {
		if (err != NULL && err->code != EC_ERR_VERIFY)
			return -1;
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not an age v1 file (no \"%s\" line)", AGE_VERSION_LINE);
	}
	if (age_slice_is(&l, AGE_VERSION_LINE))
		return 0;
	if (age_has_prefix(&l, "-----BEGIN AGE ENCRYPTED FILE-----"))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "ASCII-armored age file; only the binary format is read");
	if (age_has_prefix(&l, "age-encryption.org/"))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "unsupported age version (want %s)", AGE_VERSION_LINE);
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "not an age v1 file (first line is not \"%s\")",
	    AGE_VERSION_LINE);
}

/* The "--- " line: the MAC over everything up to and including "---". */
static int
age_hdr_mac(struct age_hdr *h, const struct ec_slice *l, struct ec_err *err)
{
	uint8_t	want[32], got[32];

	if (h->stanzas == 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "header has no recipient stanza");
	/* age v1: an scrypt stanza must be the only one. */
	if (h->scrypt && h->stanzas > 1)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "scrypt stanza beside other stanzas");
	if (h->scrypt)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "passphrase-encrypted (scrypt) file; only X25519 "
		    "identities are supported");
	if (!age_b64_decode(want, sizeof(want), l->p + 4, l->len - 4))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "header line %zu: malformed MAC", h->line);
	if (!h->found)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "no identity matches any recipient of the file (wrong "
		    "identity, or a damaged header)");
	h->bytes.len -= l->len + 1 - 3;
	age_header_mac(got, h->file_key, &h->bytes);
	if (memeql_sec(want, got, sizeof(got)) == 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "header MAC does not verify: the header was altered");
	return 0;
}

int
age_header_read(uint8_t file_key_out[AGE_FILE_KEY], struct age_src *s,
    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
{
	struct age_hdr	h;
	struct ec_slice	l;
	int		rc = -1;

	if (n == 0 || n > EC_AGE_MAX_IDENTITIES)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "1 to %d identities, not %zu", EC_AGE_MAX_IDENTITIES, n);
	memset(&h, 0, sizeof(h));
	h.src = s;
	h.ids = ids;
	h.n_ids = n;
	ec_buf_init(&h.bytes, EC_AGE_MAX_HEADER_BYTES);
	if (age_hdr_version(&h, err) == -1)
		goto out;
	for (;;) {
		if (age_hdr_line(&l, &h, err) == -1)
			goto out;
		if (age_has_prefix(&l, "--- "))
			break;
		if (!age_has_prefix(&l, "-> ")) {
			(void)ec_err_set(err, EC_ERR_VERIFY,
			    "header line %zu: neither a stanza (\"-> \") "
			    "nor the MAC (\"--- \")", h.line);
			goto out;
		}
		if (age_hdr_stanza(&h, &l, err) == -1)
			goto out;
	}
	if (age_hdr_mac(&h, &l, err) == -1)
		goto out;
	memcpy(file_key_out, h.file_key, AGE_FILE_KEY);
	rc = 0;
out:
	gnutls_memset(h.file_key, 0, sizeof(h.file_key));
	ec_buf_dispose(&h.bytes);
	return rc;
}
