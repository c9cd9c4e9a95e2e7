/*
 * ec_auth_htu: the URI normalisation the DPoP htu comparison runs on
 * (RFC 9449 4.3 step 9; RFC 3986 6.2.2 syntax-based and 6.2.3
 * scheme-based normalisation).  Only http and https absolute URIs with no
 * userinfo are accepted: that is all an htu may be.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "ec_auth.h"

/* RFC 3986 2.3. */
static bool
htu_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* RFC 3986 2.2 sub-delims, and the ':' and '@' a pchar adds (3.3). */
static bool
htu_path_char(unsigned char c)
{
	return htu_unreserved(c) || strchr("!$&'()*+,;=:@/", c) != NULL;
}

static char
htu_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Host (reg-name or IP literal) and port; the default port is dropped. */
static int
htu_authority(struct ec_buf *out, const char *p, size_t len, bool https,
    struct ec_err *err)
{
	size_t		 i, hlen;
	unsigned long	 port = 0;
	unsigned char	 c;

	hlen = len;
	if (len > 0 && p[0] == '[') {
		/* RFC 3986 3.2.2 IP-literal: hex digits, ':' and '.'. */
		for (i = 1; i < len && p[i] != ']'; i++)
			if (!isxdigit((unsigned char)p[i]) && p[i] != ':' &&
			    p[i] != '.')
				return ec_err_set(err, EC_ERR_UNAUTHORIZED,
				    "htu: bad IP literal");
		if (i == len)
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "htu: unterminated IP literal");
		hlen = i + 1;
	} else if (memchr(p, ':', len) != NULL)
		hlen = (size_t)((const char *)memchr(p, ':', len) - p);
	if (hlen == 0 || (hlen < len && p[hlen] != ':'))
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "htu: bad or empty host");
	for (i = 0; p[0] != '[' && i < hlen; i++) {
		c = (unsigned char)p[i];
		if (!htu_unreserved(c) && strchr("!$&'()*+,;=", c) == NULL)
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "htu: bad character in host");
	}
	for (i = hlen + 1; i < len; i++) {
		if (p[i] < '0' || p[i] > '9' || port > 65535)
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "htu: bad port");
		port = port * 10 + (unsigned long)(p[i] - '0');
	}
	if (port > 65535)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED, "htu: bad port");
	for (i = 0; i < hlen; i++)
		if (ec_buf_addc(out, htu_lower(p[i]), err) == -1)
			return -1;
	/* RFC 3986 6.2.3: an empty or default port is omitted. */
	if (hlen + 1 < len && port != (https ? 443UL : 80UL))
		return ec_buf_addf(out, err, ":%lu", port);
	return 0;
}

/*
 * Percent-encoding normalisation (RFC 3986 6.2.2.2) of a path into "seg",
 * with every character checked against the path grammar.
 */
static int
htu_path_chars(struct ec_buf *seg, const char *p, size_t len,
    struct ec_err *err)
{
	size_t	i;
	uint8_t	v;

	for (i = 0; i < len; i++) {
		if (p[i] != '%') {
			if (!htu_path_char((unsigned char)p[i]))
				return ec_err_set(err, EC_ERR_UNAUTHORIZED,
				    "htu: bad character in path");
			if (ec_buf_addc(seg, p[i], err) == -1)
				return -1;
			continue;
		}
		if (i + 2 >= len || ec_hex_decode(&v, 1, p + i + 1, 2) == -1)
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "htu: bad percent-encoding");
		i += 2;
		if (htu_unreserved(v)) {
			if (ec_buf_addc(seg, (char)v, err) == -1)
				return -1;
		} else if (ec_buf_addf(seg, err, "%%%02X", v) == -1)
			return -1;
	}
	return 0;
}

/*
 * RFC 3986 5.2.4 remove_dot_segments, over a path that starts with '/':
 * segment by segment, "." is dropped and ".." drops the segment before
 * it; either as the last segment leaves a trailing '/'.
 */
static int
htu_dot_segments(struct ec_buf *out, const char *p, size_t len,
    struct ec_err *err)
{
	size_t		 start = out->len, i = 1, j, n;
	const char	*slash;
	bool		 last;

	while (i <= len) {
		slash = memchr(p + i, '/', len - i);
		j = slash != NULL ? (size_t)(slash - p) : len;
		n = j - i;
		last = slash == NULL;
		if (n == 2 && p[i] == '.' && p[i + 1] == '.') {
			while (out->len > start &&
			    out->data[out->len - 1] != '/')
				out->len--;
			if (out->len > start)
				out->len--;
		}
		if ((n == 1 && p[i] == '.') || (n == 2 && p[i] == '.' &&
		    p[i + 1] == '.')) {
			if (last && ec_buf_addc(out, '/', err) == -1)
				return -1;
		} else if (ec_buf_addc(out, '/', err) == -1 ||
		    ec_buf_add(out, p + i, n, err) == -1)
			return -1;
		i = j + 1;
	}
	if (out->len == start && ec_buf_addc(out, '/', err) == -1)
		return -1;
	out->data[out->len] = '\0';
	return 0;
}

static int
htu_path(struct ec_buf *out, const char *p, size_t len, struct ec_err *err)
{
	struct ec_buf	seg;
	int		rc = -1;

	ec_buf_init(&seg, EC_AUTH_MAX_HTU);
	if (len == 0 || p[0] != '/')
		rc = ec_buf_addc(out, '/', err);
	else if (htu_path_chars(&seg, p, len, err) == 0)
		rc = htu_dot_segments(out, seg.data, seg.len, err);
	ec_buf_dispose(&seg);
	return rc;
}

int
ec_auth_htu_normalise(struct ec_buf *out, const char *uri, size_t len,
    bool strip_query, struct ec_err *err)
{
	const char	*auth, *end, *path;
	size_t		 mark = out->len, i, plen;
	bool		 https;

	if (len > EC_AUTH_MAX_HTU)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "htu longer than %d bytes", EC_AUTH_MAX_HTU);
	for (i = 0; i < len; i++)
		if (uri[i] <= 0x20 || uri[i] >= 0x7f)
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "htu: control, space or non-ASCII character");
	/* RFC 3986 3.1: the scheme is case-insensitive. */
	if (len >= 8 && strncasecmp(uri, "https://", 8) == 0) {
		https = true;
		auth = uri + 8;
	} else if (len >= 7 && strncasecmp(uri, "http://", 7) == 0) {
		https = false;
		auth = uri + 7;
	} else
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "htu: not an http or https URI");
	end = uri + len;
	for (path = auth; path < end && strchr("/?#", *path) == NULL; path++)
		if (*path == '@')
			return ec_err_set(err, EC_ERR_UNAUTHORIZED,
			    "htu: userinfo is not allowed");
	for (plen = 0; path + plen < end && path[plen] != '?' &&
	    path[plen] != '#'; plen++)
		continue;
	if (path + plen < end && !strip_query)
		return ec_err_set(err, EC_ERR_UNAUTHORIZED,
		    "htu must not carry a query or fragment");
	if (ec_buf_adds(out, https ? "https://" : "http://", err) == -1 ||
	    htu_authority(out, auth, (size_t)(path - auth), https, err) == -1 ||
	    htu_path(out, path, plen, err) == -1) {
		out->len = mark;
		if (out->data != NULL)
			out->data[mark] = '\0';
		return -1;
	}
	return 0;
}
