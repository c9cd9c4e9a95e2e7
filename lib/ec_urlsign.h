/*
 * ec_urlsign: signed download URLs (HMAC-SHA256, RFC 2104, from Nettle)
 *
 *   /downloads/<tenant>/<run id>/<64 hex>/<file name>?exp=<unix>&kid=<id>
 *       &sig=<base64url>
 *
 * The API pool signs them (GET /export-center/runs/{id}, distributions);
 * nginx checks them itself (nginx/ec_download.js) before it serves a
 * byte, from the run's download view <store>/runs/<tenant>/<run>/<hex>
 * (ec_blob.h).  The MAC covers the canonical string
 *
 *   "EC-DOWNLOAD-1\n" METHOD "\n" PATH "\n" TENANT "\n" EXP "\n" KID
 *
 * where PATH is the URL's path exactly as sent.  Every component is
 * confined to characters that need no percent-encoding and none of them
 * holds a newline, so one string has one reading and one URL one string.
 * "sig" is the unpadded base64url of the 32-byte MAC (43 characters).
 *
 * The key file, text, at most EC_URLSIGN_FILE_MAX bytes:
 *
 *   # comment
 *   current <kid> <base64url secret, 32 to 64 bytes>
 *   previous <kid> <base64url secret>        (optional, rotation)
 *
 * The current key signs; both verify.  Kids are 1 to EC_URLSIGN_KID_MAX
 * of [A-Za-z0-9_-] and differ.  nginx reads the same file.
 */
#ifndef EC_URLSIGN_H
#define EC_URLSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_hash.h"

#define EC_URLSIGN_FILE_MAX	4096
#define EC_URLSIGN_KID_MAX	32
#define EC_URLSIGN_SECRET_MIN	32
#define EC_URLSIGN_SECRET_MAX	64
/* File names in URLs: [A-Za-z0-9_][A-Za-z0-9._-]*, at most this long. */
#define EC_URLSIGN_NAME_MAX	128
/* base64url of an HMAC-SHA256. */
#define EC_URLSIGN_SIG_LEN	43
/* A whole signed URL (path and query) and its NUL. */
#define EC_URLSIGN_URL_MAX	640
/* The URL path prefix nginx routes to the download location. */
#define EC_URLSIGN_PREFIX	"/downloads/"

struct ec_urlsign;	/* opaque: the current and the previous key */

/*
 * Parse a key file's text ("len" bytes).  EC_ERR_REQUEST_INVALID naming
 * the line for anything but the format above (unknown words, a second
 * current or previous, equal kids, a secret that is not strict base64url
 * or of the wrong length, a NUL); EC_ERR_TOO_LARGE past
 * EC_URLSIGN_FILE_MAX.  *out is the caller's (ec_urlsign_free).
 */
int	ec_urlsign_parse(struct ec_urlsign **out, const char *text,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
/* Read and parse the key file "path"; EC_ERR_IO when unreadable. */
int	ec_urlsign_load(struct ec_urlsign **out, const char *path,
	    struct ec_err *err) EC_MUST_CHECK;
/* Wipe and release.  NULL is a no-op. */
void	ec_urlsign_free(struct ec_urlsign *k);

/*
 * The file name a download of the stored name "name" carries: its last
 * path component with every character outside [A-Za-z0-9._-] as '_',
 * a leading '.' or '-' as '_', cut to EC_URLSIGN_NAME_MAX; "download"
 * when nothing is left.
 */
void	ec_urlsign_file_name(char out[EC_URLSIGN_NAME_MAX + 1],
	    const char *name);

/*
 * Sign a URL for "method" (GET) of the blob "hex" of the run "run_id" of
 * "tenant", named "name" (a file name as ec_urlsign_file_name makes),
 * valid until "exp" (seconds since the epoch), with the current key.
 * EC_ERR_REQUEST_INVALID for a component outside its shape.
 */
int	ec_urlsign_sign(char out[EC_URLSIGN_URL_MAX],
	    const struct ec_urlsign *k, const char *method,
	    const char *tenant, const char *run_id, const char *hex,
	    const char *name, int64_t exp, struct ec_err *err)
	    EC_MUST_CHECK;

/* What a verified URL names; strings are NUL-terminated copies. */
struct ec_urlsign_target {
	char	tenant[64 + 1];
	char	run_id[256];
	char	hex[EC_SHA256_HEX];
	char	name[EC_URLSIGN_NAME_MAX + 1];
	int64_t	exp;
};

/*
 * Check the request target "uri" (path and query, as sent) of "method"
 * at time "now", as nginx does: the exact shape above (query members in
 * that order, nothing else), a known kid and its MAC (compared in
 * constant time), then the expiry.  EC_ERR_FORBIDDEN for any shape or
 * signature fault (HEAD is checked as GET); EC_ERR_EXPIRED when the
 * signature holds but "exp" has passed.
 */
int	ec_urlsign_verify(struct ec_urlsign_target *out,
	    const struct ec_urlsign *k, const char *method, const char *uri,
	    int64_t now, struct ec_err *err) EC_MUST_CHECK;

#endif
