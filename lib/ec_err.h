/*
 * ec_err: the one error type of the Export Center.  A function that can fail
 * returns 0, or -1 with the caller's struct ec_err filled in.  The message is
 * fixed-size so that reporting never allocates; for 4xx codes it is fit to
 * show a client.  lib/ec_err.c holds the only table from code to wire name,
 * HTTP status and exportctl exit code.
 */
#ifndef EC_ERR_H
#define EC_ERR_H

#include <stdbool.h>

#define EC_MUST_CHECK	__attribute__((warn_unused_result))
#define EC_PRINTF(f, a)	__attribute__((format(printf, f, a)))

enum ec_code {
	EC_OK = 0,
	/* Seed codes (gateway contract, seeds 003/004). */
	EC_ERR_PROFILE_NOT_FOUND,
	EC_ERR_REQUEST_INVALID,
	EC_ERR_TOO_LARGE,
	EC_ERR_RATE_LIMIT,
	EC_ERR_DISTRIBUTION_FAILED,
	EC_ERR_EXPIRED,
	EC_ERR_BASE_MISSING,
	/* Plain HTTP ones. */
	EC_ERR_UNAUTHORIZED,
	EC_ERR_FORBIDDEN,
	EC_ERR_NOT_FOUND,
	EC_ERR_CONFLICT,
	EC_ERR_UNAVAILABLE,
	/* A run passed its job timeout (seed 003: 60 minutes by default). */
	EC_ERR_TIMEOUT,
	/* Verification: a bundle, signature or checksum does not hold. */
	EC_ERR_VERIFY,
	/* Internal ones. */
	EC_ERR_NOMEM,
	EC_ERR_IO,
	EC_ERR_DB,
	EC_ERR_CRYPTO,
	EC_ERR_INTERNAL,
	EC_CODE_COUNT
};

struct ec_err {
	enum ec_code	code;
	char		msg[256];
};

/*
 * Fill "err" (which may be NULL) and return -1.  Control characters and
 * bytes that are not UTF-8 in the formatted message are escaped (see
 * ec_str_escape()), so a file name or a parser's echo of hostile input
 * can neither forge a line nor reach a terminal as an escape sequence.
 */
int	ec_err_set(struct ec_err *err, enum ec_code code, const char *fmt, ...)
	    EC_PRINTF(3, 4);
/* Shorthand for an allocation failure; returns -1. */
int	ec_err_nomem(struct ec_err *err);
/* Prefix the message already in "err" with "what: "; returns -1. */
int	ec_err_prefix(struct ec_err *err, const char *fmt, ...) EC_PRINTF(2, 3);
void	ec_err_clear(struct ec_err *err);

/*
 * Copy the "len" bytes at "s" to "out" (of "size" > 0 bytes, always
 * NUL-terminated, cut at a character boundary when short): valid UTF-8
 * other than control characters is kept, a control character (C0, DEL,
 * C1) or a byte that does not start a valid sequence becomes "\xNN",
 * with \n, \r and \t for those three.  A backslash is kept as is, so
 * escaping twice changes nothing.  Returns strlen(out).
 */
size_t	ec_str_escape(char *out, size_t size, const char *s, size_t len);

/* Wire name ("ERR_EXPORT_TOO_LARGE", "ERR_INTERNAL", ...); never NULL. */
const char	*ec_err_name(enum ec_code code);
/* HTTP status the API answers with for "code". */
int		 ec_err_http_status(enum ec_code code);
/*
 * exportctl exit code: 3 for EC_ERR_VERIFY, 2 for every other failure (input
 * or runtime).  Usage errors (1) are the CLI's own business.
 */
int		 ec_err_exit_code(enum ec_code code);
/* True for codes that describe bad input rather than a broken system. */
bool		 ec_err_is_client(enum ec_code code);

#endif
