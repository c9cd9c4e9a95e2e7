/*
 * ec_buf: a growable byte buffer with a ceiling, and ec_slice, the way
 * untrusted bytes travel (pointer and length, never strlen).  data is always
 * NUL-terminated after len bytes so that text can be printed, but lengths
 * are what count.
 */
#ifndef EC_BUF_H
#define EC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

struct ec_slice {
	const char	*p;	/* borrowed */
	size_t		 len;
};

struct ec_buf {
	char	*data;	/* owned; NULL until the first append */
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* ceiling on len; EC_ERR_TOO_LARGE past it */
};

/* A buffer that will never hold more than "max" bytes. */
void	ec_buf_init(struct ec_buf *b, size_t max);
/* Release the memory; the buffer may be initialised again. */
void	ec_buf_dispose(struct ec_buf *b);
/* Forget the contents but keep the memory. */
void	ec_buf_reset(struct ec_buf *b);
/* Cut the contents back to the first "len" bytes (len <= b->len). */
void	ec_buf_truncate(struct ec_buf *b, size_t len);
/* Append; EC_ERR_TOO_LARGE past max, EC_ERR_NOMEM. */
int	ec_buf_add(struct ec_buf *b, const void *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_buf_addc(struct ec_buf *b, char c, struct ec_err *err)
	    EC_MUST_CHECK;
int	ec_buf_adds(struct ec_buf *b, const char *s, struct ec_err *err)
	    EC_MUST_CHECK;
int	ec_buf_addf(struct ec_buf *b, struct ec_err *err, const char *fmt, ...)
	    EC_PRINTF(3, 4) EC_MUST_CHECK;
/* Make room for "len" more bytes without adding them. */
int	ec_buf_reserve(struct ec_buf *b, size_t len, struct ec_err *err)
	    EC_MUST_CHECK;
/* Hand the bytes over: *out is the caller's (free(3)); the buffer empties. */
char	*ec_buf_steal(struct ec_buf *b, size_t *len_out);

/*
 * The characters of tenant names and of the file names we derive from ids:
 * [A-Za-z0-9._-], safe in paths, URLs and log lines alike.
 */
bool	ec_name_char(char c);

/* Hex helpers: "out" must hold 2 * len + 1 bytes. */
void	ec_hex_encode(char *out, const uint8_t *in, size_t len);
/* Lower- or upper-case hex of exactly 2 * out_len digits. */
int	ec_hex_decode(uint8_t *out, size_t out_len, const char *in,
	    size_t in_len) EC_MUST_CHECK;

#endif
