/*
 * ec_age_stream.c: the age v1 payload (C2SP age.md, "Payload"): a 16-byte
 * nonce, then the STREAM construction over 64 KiB chunks, and the file and
 * memory entry points around it.
 *
 * The chunks go through OpenSSL's ChaCha20-Poly1305 rather than Nettle's:
 * Nettle 3.8 computes one ChaCha block at a time on x86-64 (about 0.4
 * GB/s), OpenSSL's libcrypto several at once with AVX2 or AVX-512 (about
 * 3 GB/s), and the payload is where a large bundle spends its time.  The
 * bytes are the same RFC 8439 construction either way; the header's small
 * AEAD calls stay with Nettle (ec_age.c).
 */
/* sync_file_range(2) and posix_fadvise(2). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <openssl/evp.h>

#include "ec_age_int.h"
#include "ec_file.h"

int
age_src_fill(struct age_src *s, size_t want, struct ec_err *err)
{
	size_t	got;

	if (s->fd == -1 || s->eof || s->len - s->pos >= want)
		return 0;
	memmove(s->own, s->own + s->pos, s->len - s->pos);
	s->len -= s->pos;
	s->pos = 0;
	if (ec_file_read_full(&got, s->fd, s->own + s->len, want - s->len,
	    s->name, err) == -1)
		return -1;
	if (got < want - s->len)
		s->eof = true;
	s->len += got;
	return 0;
}

int
age_sink_write(struct age_sink *k, const void *p, size_t len,
    struct ec_err *err)
{
	if (k->fd == -1)
		return ec_buf_add(k->buf, p, len, err);
	if (ec_file_write_all(k->fd, p, len, k->name, err) == -1)
		return -1;
	k->written += len;
	/*
	 * Start the disk writing the last few MiB while we compute the next
	 * (as PostgreSQL's backend_flush_after does).  Advisory: a failure
	 * to start it shows up, if it matters, in the caller's fsync.
	 */
	if (k->flush && k->written - k->flushed >= AGE_FLUSH_BYTES) {
		(void)sync_file_range(k->fd, (off_t)k->flushed,
		    (off_t)(k->written - k->flushed), SYNC_FILE_RANGE_WRITE);
		k->flushed = k->written;
	}
	return 0;
}

/* STREAM nonce: 11-byte big-endian chunk counter, then the last flag. */
static void
age_chunk_nonce(uint8_t nonce[12], uint64_t counter, bool last)
{
	int	i;

	memset(nonce, 0, 12);
	for (i = 10; i >= 3; i--) {
		nonce[i] = (uint8_t)counter;
		counter >>= 8;
	}
	nonce[11] = last ? 1 : 0;
}

/*
 * Source and buffers of one operation; the chunk buffer is wiped.  The
 * AEAD context holds the payload key from age_op_key() on and is reused
 * for every chunk, only its nonce changing.
 */
struct age_op {
	struct age_src	 src;
	uint8_t		*chunk;		/* owned, AGE_CHUNK_ENC bytes */
	uint8_t		 key[AGE_KEY];	/* payload key */
	EVP_CIPHER_CTX	*aead;		/* owned */
};

static int
age_op_crypto(struct ec_err *err)
{
	return ec_err_set(err, EC_ERR_CRYPTO,
	    "ChaCha20-Poly1305 (libcrypto) failed");
}

/* Load op->key, derived by the caller, into the AEAD context. */
static int
age_op_key(struct age_op *op, int enc, struct ec_err *err)
{
	if (EVP_CipherInit_ex(op->aead, EVP_chacha20_poly1305(), NULL, op->key,
	    NULL, enc) != 1)
		return age_op_crypto(err);
	return 0;
}

/* Seal "len" bytes of "in" under chunk nonce "cn" into op->chunk. */
static int
age_op_seal(struct age_op *op, const uint8_t cn[12], const uint8_t *in,
    size_t len, struct ec_err *err)
{
	int	n, fin;

	if (EVP_CipherInit_ex(op->aead, NULL, NULL, NULL, cn, 1) != 1 ||
	    EVP_CipherUpdate(op->aead, op->chunk, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(op->aead, op->chunk + n, &fin) != 1 ||
	    (size_t)n + (size_t)fin != len ||
	    EVP_CIPHER_CTX_ctrl(op->aead, EVP_CTRL_AEAD_GET_TAG, AGE_TAG,
	    op->chunk + len) != 1)
		return age_op_crypto(err);
	return 0;
}

/*
 * Open the "len + 16"-byte chunk "in" under chunk nonce "cn" into
 * op->chunk; *good says whether its tag verified.  A chunk that fails
 * leaves nothing of its plaintext in op->chunk.
 */
static int
age_op_open(bool *good, struct age_op *op, const uint8_t cn[12],
    const uint8_t *in, size_t len, struct ec_err *err)
{
	int	n, fin;

	*good = false;
	if (EVP_CipherInit_ex(op->aead, NULL, NULL, NULL, cn, 0) != 1 ||
	    EVP_CipherUpdate(op->aead, op->chunk, &n, in, (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(op->aead, EVP_CTRL_AEAD_SET_TAG, AGE_TAG,
	    (void *)(uintptr_t)(in + len)) != 1) {
		gnutls_memset(op->chunk, 0, len);
		return age_op_crypto(err);
	}
	/* The final step checks the tag; a mismatch is an answer. */
	*good = EVP_CipherFinal_ex(op->aead, op->chunk + n, &fin) == 1 &&
	    (size_t)n + (size_t)fin == len;
	if (!*good)
		gnutls_memset(op->chunk, 0, len);
	return 0;
}

static int
age_op_init(struct age_op *op, int fd, const char *name, const void *mem,
    size_t len, struct ec_err *err)
{
	memset(op, 0, sizeof(*op));
	op->src.fd = fd;
	op->src.name = name;
	if (fd == -1) {
		op->src.data = mem;
		op->src.len = len;
		op->src.eof = true;
	} else if ((op->src.own = malloc(AGE_SRC_CAP)) == NULL)
		return ec_err_nomem(err);
	else
		op->src.data = op->src.own;
	if ((op->chunk = malloc(AGE_CHUNK_ENC)) == NULL ||
	    (op->aead = EVP_CIPHER_CTX_new()) == NULL)
		return ec_err_nomem(err);
	return 0;
}

static void
age_op_dispose(struct age_op *op)
{
	if (op->src.own != NULL) {
		gnutls_memset(op->src.own, 0, AGE_SRC_CAP);
		free(op->src.own);
	}
	if (op->chunk != NULL) {
		gnutls_memset(op->chunk, 0, AGE_CHUNK_ENC);
		free(op->chunk);
	}
	/* Freeing the context clears the key schedule it holds. */
	EVP_CIPHER_CTX_free(op->aead);
	gnutls_memset(op->key, 0, sizeof(op->key));
}

static int
age_encrypt(struct age_sink *k, struct age_op *op,
    const struct ec_age_recipient *r, size_t n, struct ec_err *err)
{
	struct age_src	*s = &op->src;
	uint8_t		 file_key[AGE_FILE_KEY], nonce[AGE_NONCE], cn[12];
	uint64_t	 counter = 0;
	size_t		 take;
	bool		 last = false;
	int		 rc = -1;

	if (age_header_write(file_key, k, r, n, err) == -1)
		return -1;
	if (gnutls_rnd(GNUTLS_RND_NONCE, nonce, sizeof(nonce)) != 0) {
		(void)ec_err_set(err, EC_ERR_CRYPTO, "random generator failed");
		goto out;
	}
	age_hkdf(op->key, sizeof(op->key), file_key, sizeof(file_key), nonce,
	    sizeof(nonce), "payload");
	if (age_op_key(op, 1, err) == -1 ||
	    age_sink_write(k, nonce, sizeof(nonce), err) == -1)
		goto out;
	while (!last) {
		/* One byte past a full chunk says whether another follows. */
		if (age_src_fill(s, EC_AGE_CHUNK + 1, err) == -1)
			goto out;
		take = s->len - s->pos;
		last = take <= EC_AGE_CHUNK;
		if (!last)
			take = EC_AGE_CHUNK;
		age_chunk_nonce(cn, counter++, last);
		if (age_op_seal(op, cn, s->data + s->pos, take, err) == -1)
			goto out;
		s->pos += take;
		if (age_sink_write(k, op->chunk, take + AGE_TAG, err) == -1)
			goto out;
	}
	rc = 0;
out:
	gnutls_memset(file_key, 0, sizeof(file_key));
	return rc;
}

/* A chunk that failed to open: say as exactly as we can why. */
static int
age_chunk_fault(struct age_op *op, uint64_t counter, size_t clen, bool last,
    struct ec_err *err)
{
	struct age_src	*s = &op->src;
	uint8_t		 cn[12];
	bool		 good;

	age_chunk_nonce(cn, counter, !last);
	if ((last && clen == AGE_CHUNK_ENC) || !last) {
		if (age_op_open(&good, op, cn, s->data + s->pos,
		    clen - AGE_TAG, err) == -1)
			return -1;
		if (good)
			return ec_err_set(err, EC_ERR_VERIFY, last ?
			    "truncated after payload chunk %llu: the final "
			    "chunk is missing" :
			    "trailing data after the final payload chunk %llu",
			    (unsigned long long)counter);
	}
	return ec_err_set(err, EC_ERR_VERIFY, "payload chunk %llu fails "
	    "authentication (damaged, truncated or tampered with)",
	    (unsigned long long)counter);
}

static int
age_decrypt(struct age_sink *k, struct age_op *op,
    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
{
	struct age_src	*s = &op->src;
	uint8_t		 file_key[AGE_FILE_KEY], cn[12];
	uint64_t	 counter = 0;
	size_t		 clen;
	bool		 last = false, good;
	int		 rc = -1;

	if (age_header_read(file_key, s, ids, n, err) == -1)
		return -1;
	if (age_src_fill(s, AGE_NONCE, err) == -1)
		goto out;
	if (s->len - s->pos < AGE_NONCE) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "truncated: the payload nonce is missing");
		goto out;
	}
	age_hkdf(op->key, sizeof(op->key), file_key, sizeof(file_key),
	    s->data + s->pos, AGE_NONCE, "payload");
	s->pos += AGE_NONCE;
	if (age_op_key(op, 0, err) == -1)
		goto out;
	while (!last) {
		if (age_src_fill(s, AGE_CHUNK_ENC + 1, err) == -1)
			goto out;
		clen = s->len - s->pos;
		if (clen < AGE_TAG) {
			(void)ec_err_set(err, EC_ERR_VERIFY, counter == 0 ||
			    clen > 0 ? "truncated: payload chunk %llu is "
			    "incomplete" : "truncated after payload chunk "
			    "%llu: the final chunk is missing",
			    (unsigned long long)(clen > 0 || counter == 0 ?
			    counter : counter - 1));
			goto out;
		}
		last = clen <= AGE_CHUNK_ENC;
		if (!last)
			clen = AGE_CHUNK_ENC;
		age_chunk_nonce(cn, counter, last);
		if (age_op_open(&good, op, cn, s->data + s->pos,
		    clen - AGE_TAG, err) == -1)
			goto out;
		if (!good) {
			(void)age_chunk_fault(op, counter, clen, last, err);
			goto out;
		}
		/* age v1: only an empty payload has an empty last chunk. */
		if (last && clen == AGE_TAG && counter > 0) {
			(void)ec_err_set(err, EC_ERR_VERIFY,
			    "empty final payload chunk %llu",
			    (unsigned long long)counter);
			goto out;
		}
		s->pos += clen;
		counter++;
		if (age_sink_write(k, op->chunk, clen - AGE_TAG, err) == -1)
			goto out;
	}
	rc = 0;
out:
	gnutls_memset(file_key, 0, sizeof(file_key));
	return rc;
}

int
ec_age_encrypt_fd(int out, const char *out_name, int in, const char *in_name,
    const struct ec_age_recipient *recipients, size_t n, struct ec_err *err)
{
	struct age_sink	k = { out, out_name, NULL, false, 0, 0 };
	struct age_op	op;
	int		rc = -1;

	if (age_op_init(&op, in, in_name, NULL, 0, err) == 0 &&
	    age_encrypt(&k, &op, recipients, n, err) == 0)
		rc = 0;
	age_op_dispose(&op);
	return rc;
}

/* Memory in, a buffer out; "out" is as it was on entry after a failure. */
static int
age_mem_op(struct ec_buf *out, const void *in, size_t len, bool decrypt,
    const void *keys, size_t n, struct ec_err *err)
{
	struct age_sink	k = { -1, "memory", out, false, 0, 0 };
	struct age_op	op;
	size_t		start = out->len;
	int		rc = -1;

	if (age_op_init(&op, -1, "memory", in, len, err) == 0 &&
	    (decrypt ? age_decrypt(&k, &op, keys, n, err) :
	    age_encrypt(&k, &op, keys, n, err)) == 0)
		rc = 0;
	age_op_dispose(&op);
	/* Unauthenticated prefixes never reach the caller. */
	if (rc == -1 && out->len > start) {
		gnutls_memset(out->data + start, 0, out->len - start);
		out->len = start;
	}
	return rc;
}

int
ec_age_encrypt_mem(struct ec_buf *out, const void *in, size_t len,
    const struct ec_age_recipient *recipients, size_t n, struct ec_err *err)
{
	return age_mem_op(out, in, len, false, recipients, n, err);
}

int
ec_age_decrypt_mem(struct ec_buf *out, const void *in, size_t len,
    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
{
	return age_mem_op(out, in, len, true, ids, n, err);
}

/*
 * Open "in_path" and a hidden temporary for "out_path", encrypt or
 * decrypt, and publish the output only when that succeeded.
 */
static int
age_file_op(const char *out_path, const char *in_path, bool decrypt,
    const void *keys, size_t n, struct ec_err *err)
{
	struct ec_file_out	f;
	struct age_sink		k;
	struct age_op		op;
	int			in, rc = -1;

	f.fd = -1;
	f.tmp[0] = '\0';
	f.committed = false;
	if ((in = open(in_path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", in_path,
		    strerror(errno));
	if (age_op_init(&op, in, in_path, NULL, 0, err) == -1 ||
	    ec_file_out_open(&f, out_path, decrypt ? 0600 : 0644, err) == -1)
		goto out;
	memset(&k, 0, sizeof(k));
	k.fd = f.fd;
	k.name = out_path;
	k.flush = true;
	/* One pass from start to end: let the kernel read ahead further. */
	(void)posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((decrypt ? age_decrypt(&k, &op, keys, n, err) :
	    age_encrypt(&k, &op, keys, n, err)) == -1)
		goto out;
	if (ec_file_out_commit(&f, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1 && decrypt && err != NULL && err->code != EC_ERR_CONFLICT)
		(void)ec_err_prefix(err, "%s", in_path);
	ec_file_out_dispose(&f);
	age_op_dispose(&op);
	(void)close(in);
	return rc;
}

int
ec_age_encrypt_file(const char *out_path, const char *in_path,
    const struct ec_age_recipient *recipients, size_t n, struct ec_err *err)
{
	return age_file_op(out_path, in_path, false, recipients, n, err);
}

int
ec_age_decrypt_file(const char *out_path, const char *in_path,
    const struct ec_age_identity *ids, size_t n, struct ec_err *err)
{
	return age_file_op(out_path, in_path, true, ids, n, err);
}
