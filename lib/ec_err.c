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

int
ec_err_set(struct ec_err *err, enum ec_code code, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
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
	char	line[2 * sizeof(err->msg) + 4];
	va_list	ap;
	int	n;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
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
