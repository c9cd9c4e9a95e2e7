/* ec_err: the table from error code to wire name, HTTP status and exit code. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ec_err.h"

static const struct {
	const char	*name;
	int		 http;
} err_table[EC_CODE_COUNT] = {
	[EC_OK] =			{ "OK", 200 },
	[EC_ERR_PROFILE_NOT_FOUND] =	{ "ERR_EXPORT_PROFILE_NOT_FOUND", 404 },
	[EC_ERR_REQUEST_INVALID] =	{ "ERR_EXPORT_REQUEST_INVALID", 400 },
	[EC_ERR_TOO_LARGE] =		{ "ERR_EXPORT_TOO_LARGE", 413 },
	[EC_ERR_RATE_LIMIT] =		{ "ERR_EXPORT_RATE_LIMIT", 429 },
	[EC_ERR_DISTRIBUTION_FAILED] =	{ "ERR_EXPORT_DISTRIBUTION_FAILED", 502 },
	[EC_ERR_EXPIRED] =		{ "ERR_EXPORT_EXPIRED", 410 },
	[EC_ERR_BASE_MISSING] =		{ "ERR_EXPORT_BASE_MISSING", 409 },
	[EC_ERR_UNAUTHORIZED] =		{ "ERR_UNAUTHORIZED", 401 },
	[EC_ERR_FORBIDDEN] =		{ "ERR_FORBIDDEN", 403 },
	[EC_ERR_NOT_FOUND] =		{ "ERR_NOT_FOUND", 404 },
	[EC_ERR_CONFLICT] =		{ "ERR_CONFLICT", 409 },
	[EC_ERR_UNAVAILABLE] =		{ "ERR_UNAVAILABLE", 503 },
	[EC_ERR_TIMEOUT] =		{ "ERR_EXPORT_TIMEOUT", 504 },
	[EC_ERR_VERIFY] =		{ "ERR_VERIFY_FAILED", 422 },
	[EC_ERR_NOMEM] =		{ "ERR_NOMEM", 500 },
	[EC_ERR_IO] =			{ "ERR_IO", 500 },
	[EC_ERR_DB] =			{ "ERR_DB", 503 },
	[EC_ERR_CRYPTO] =		{ "ERR_CRYPTO", 500 },
	[EC_ERR_INTERNAL] =		{ "ERR_INTERNAL", 500 },
};

/*
 * Length of the valid UTF-8 sequence (RFC 3629, 4) at p, of at most "left"
 * bytes, or 0: overlong forms, surrogates and values past U+10FFFF are
 * not valid.
 */
static size_t
err_utf8_len(const unsigned char *p, size_t left)
{
	size_t		n, i;
	unsigned	c, min;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f, min = 0x80;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	/* C1 controls (U+0080 to U+009F) act on terminals like C0 ones. */
	if (c <= 0x9f)
		return 0;
	return n;
}

size_t
ec_str_escape(char *out, size_t size, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[5];
	size_t			 i = 0, o = 0, n, k;

	while (i < len) {
		n = p[i] >= 0x20 && p[i] != 0x7f ? err_utf8_len(p + i,
		    len - i) : 0;
		if (n == 0) {
			if (p[i] == '\n' || p[i] == '\r' || p[i] == '\t')
				(void)snprintf(esc, sizeof(esc), "\\%c",
				    p[i] == '\n' ? 'n' : p[i] == '\r' ? 'r' :
				    't');
			else
				(void)snprintf(esc, sizeof(esc), "\\x%02x",
				    p[i]);
			k = strlen(esc);
			if (o + k >= size)
				break;
			memcpy(out + o, esc, k);
			o += k;
			i++;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return o;
}

int
ec_err_set(struct ec_err *err, enum ec_code code, const char *fmt, ...)
{
	char	raw[sizeof(err->msg)];
	va_list	ap;
	int	n;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(raw))
		n = sizeof(raw) - 1;
	(void)ec_str_escape(err->msg, sizeof(err->msg), raw, (size_t)n);
	return -1;
}

int
ec_err_nomem(struct ec_err *err)
{
	return ec_err_set(err, EC_ERR_NOMEM, "out of memory");
}

int
ec_err_prefix(struct ec_err *err, const char *fmt, ...)
{
	char	pre[sizeof(err->msg)];
	char	line[2 * sizeof(err->msg) + 4];
	va_list	ap;
	size_t	n;
	int	r;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	r = vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	/* The message is escaped already; the prefix may not be. */
	n = ec_str_escape(line, sizeof(err->msg), pre,
	    (size_t)r < sizeof(pre) ? (size_t)r : sizeof(pre) - 1);
	memcpy(line + n, ": ", 2);
	memcpy(line + n + 2, err->msg, sizeof(err->msg));
	line[sizeof(line) - 1] = '\0';
	memcpy(err->msg, line, sizeof(err->msg) - 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
	return -1;
}

void
ec_err_clear(struct ec_err *err)
{
	err->code = EC_OK;
	err->msg[0] = '\0';
}

const char *
ec_err_name(enum ec_code code)
{
	if ((unsigned)code >= EC_CODE_COUNT)
		return "ERR_INTERNAL";
	return err_table[code].name;
}

int
ec_err_http_status(enum ec_code code)
{
	if ((unsigned)code >= EC_CODE_COUNT)
		return 500;
	return err_table[code].http;
}

int
ec_err_exit_code(enum ec_code code)
{
	return code == EC_ERR_VERIFY ? 3 : 2;
}

bool
ec_err_is_client(enum ec_code code)
{
	int	s = ec_err_http_status(code);

	return s >= 400 && s < 500;
}
