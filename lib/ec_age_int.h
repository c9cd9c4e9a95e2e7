/*
 * ec_age_int.h: what the files of the ec_age module share (ec_age_key.c,
 * ec_age.c for the header, ec_age_stream.c for the payload).  Not an
 * interface for other modules.
 */
#ifndef EC_AGE_INT_H
#define EC_AGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_age.h"
#include "ec_buf.h"
#include "ec_err.h"

#define AGE_FILE_KEY	16
#define AGE_TAG		16
#define AGE_KEY		32
#define AGE_NONCE	16
/* One encrypted chunk: plaintext and its Poly1305 tag. */
#define AGE_CHUNK_ENC	(EC_AGE_CHUNK + AGE_TAG)
/* Read buffer: a whole encrypted chunk and one byte to see past it. */
#define AGE_SRC_CAP	(AGE_CHUNK_ENC + 1)

/*
 * Bytes to read, from a file descriptor through a buffer of our own or
 * from memory the caller lent: data[pos..len) is what is buffered.
 */
struct age_src {
	int		 fd;		/* -1 for memory */
	const char	*name;		/* for messages; borrowed */
	const uint8_t	*data;		/* own, or the caller's memory */
	uint8_t		*own;		/* owned, AGE_SRC_CAP bytes */
	size_t		 pos, len;
	bool		 eof;
};

/*
 * Where bytes go: a file descriptor or a buffer.  With "flush" set (a
 * regular file the caller fsyncs at the end), writeback of what was
 * written is started every AGE_FLUSH_BYTES, so the final fsync waits for
 * the tail only instead of the whole file.
 */
struct age_sink {
	int		 fd;		/* -1 for the buffer */
	const char	*name;		/* for messages; borrowed */
	struct ec_buf	*buf;		/* borrowed */
	bool		 flush;
	uint64_t	 written, flushed;	/* bytes */
};
#define AGE_FLUSH_BYTES	(8u << 20)

/* Buffer at least "want" (<= AGE_SRC_CAP) bytes unless the input ends. */
int	age_src_fill(struct age_src *s, size_t want, struct ec_err *err);
int	age_sink_write(struct age_sink *k, const void *p, size_t len,
	    struct ec_err *err);

/* HKDF-SHA-256 (RFC 5869) of "ikm" with "salt" and the string "info". */
void	age_hkdf(uint8_t *out, size_t out_len, const uint8_t *ikm,
	    size_t ikm_len, const uint8_t *salt, size_t salt_len,
	    const char *info);
/*
 * ChaCha20-Poly1305 (RFC 8439) with a 12-byte nonce, no associated data:
 * seal writes len + 16 bytes; open checks the tag of an "len + 16"-byte
 * ciphertext and returns false, writing nothing useful, when it fails.
 */
void	age_seal(uint8_t *out, const uint8_t key[AGE_KEY],
	    const uint8_t nonce[12], const uint8_t *in, size_t len);
bool	age_open(uint8_t *out, const uint8_t key[AGE_KEY],
	    const uint8_t nonce[12], const uint8_t *in, size_t len);

/*
 * Standard base64 without padding (age v1, "Conventions"): encode writes
 * the characters and a NUL; decode takes exactly what encode would write
 * for "out_len" bytes, trailing bits zero, and returns false otherwise.
 */
void	age_b64_encode(char *out, const uint8_t *in, size_t len);
bool	age_b64_decode(uint8_t *out, size_t out_len, const char *in,
	    size_t in_len);
/* Characters encode writes for "len" bytes. */
#define AGE_B64_LEN(len)	(((len) * 4 + 2) / 3)

/*
 * Write the header for a fresh file key (to file_key_out) wrapped to each
 * recipient; read one, unwrapping the file key with an identity and
 * checking the header MAC.  Codes as in ec_age.h.
 */
int	age_header_write(uint8_t file_key_out[AGE_FILE_KEY],
	    struct age_sink *k, const struct ec_age_recipient *r, size_t n,
	    struct ec_err *err);
int	age_header_read(uint8_t file_key_out[AGE_FILE_KEY], struct age_src *s,
	    const struct ec_age_identity *ids, size_t n, struct ec_err *err);

#endif
