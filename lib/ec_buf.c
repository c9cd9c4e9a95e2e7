/* ec_buf: growable byte buffer with a ceiling. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"

void
ec_buf_init(struct ec_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
ec_buf_dispose(struct ec_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
ec_buf_reset(struct ec_buf *b)
{
	ec_buf_truncate(b, 0);
}

void
ec_buf_truncate(struct ec_buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
}

int
ec_buf_reserve(struct ec_buf *b, size_t len, struct ec_err *err)
{
	size_t	 need, ncap;
	char	*p;

	if (len > b->max || b->len > b->max - len)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "data exceeds %zu bytes", b->max);
	need = b->len + len + 1;	/* room for the terminating NUL */
	if (need <= b->cap)
		return 0;
	ncap = b->cap == 0 ? 256 : b->cap;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	/* max + 1 would wrap for SIZE_MAX; need already fits then. */
	if (b->max < SIZE_MAX && ncap > b->max + 1)
		ncap = b->max + 1;
	if ((p = realloc(b->data, ncap)) == NULL)
		return ec_err_nomem(err);
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
ec_buf_add(struct ec_buf *b, const void *p, size_t len, struct ec_err *err)
{
	if (ec_buf_reserve(b, len, err) == -1)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
ec_buf_addc(struct ec_buf *b, char c, struct ec_err *err)
{
	return ec_buf_add(b, &c, 1, err);
}

int
ec_buf_adds(struct ec_buf *b, const char *s, struct ec_err *err)
{
	return ec_buf_add(b, s, strlen(s), err);
}

int
ec_buf_addf(struct ec_buf *b, struct ec_err *err, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ec_err_set(err, EC_ERR_INTERNAL, "bad format");
	if (ec_buf_reserve(b, (size_t)n, err) == -1)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
ec_buf_steal(struct ec_buf *b, size_t *len_out)
{
	char	*p = b->data;

	if (len_out != NULL)
		*len_out = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

bool
ec_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

void
ec_hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ec_hex_decode(uint8_t *out, size_t out_len, const char *in, size_t in_len)
{
	size_t	i;
	int	hi, lo;

	if (in_len != 2 * out_len)
		return -1;
	for (i = 0; i < out_len; i++) {
		if ((hi = hex_nibble(in[2 * i])) < 0 ||
		    (lo = hex_nibble(in[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
