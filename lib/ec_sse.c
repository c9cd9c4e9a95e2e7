/*
 * ec_sse.c: the pure parts of live progress: Last-Event-ID values, the
 * internal redirect target, the request head the event server reads from
 * nginx, and event framing.  The server is in ec_sse_server.c.
 */
#include <stdio.h>
#include <string.h>

#include "ec_num.h"
#include "ec_run.h"
#include "ec_sse.h"

int
ec_sse_last_id(uint64_t *out, const char *value, struct ec_err *err)
{
	size_t	n;

	if (value == NULL || value[0] == '\0') {
		*out = 0;
		return 0;
	}
	/* Digits only, bounded before the number is read. */
	n = strspn(value, "0123456789");
	if (n == 0 || n > EC_SSE_ID_DIGITS || value[n] != '\0' ||
	    ec_parse_u64(out, value, 0, INT64_MAX) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "Last-Event-ID: 1 to %d decimal digits (an event id)",
		    EC_SSE_ID_DIGITS);
	return 0;
}

int
ec_sse_redirect(char out[EC_SSE_URI_MAX], const struct ec_sse_target *t,
    struct ec_err *err)
{
	int	n;

	if (!ec_run_id_valid(t->run_id, t->tenant) || t->after > INT64_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not a run id of this tenant");
	n = snprintf(out, EC_SSE_URI_MAX, "%s%s/%s?after=%llu", EC_SSE_PREFIX,
	    t->tenant, t->run_id, (unsigned long long)t->after);
	if (n < 0 || (size_t)n >= EC_SSE_URI_MAX)
		return ec_err_set(err, EC_ERR_INTERNAL, "redirect too long");
	return 0;
}

/* Bytes a request head may hold: visible ASCII, space and tab. */
static bool
sse_head_byte_ok(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c < 0x7f);
}

/*
 * The request target: EC_SSE_PREFIX "<tenant>/<runId>" and an optional
 * query of exactly "after=<digits>".  No percent-escapes: no character
 * of a tenant or run id needs one, so an escape can only be an attempt
 * to smuggle another path.
 */
static int
sse_parse_target(struct ec_sse_target *out, const char *p, size_t len,
    struct ec_err *err)
{
	const size_t	 plen = sizeof(EC_SSE_PREFIX) - 1;
	const char	*slash, *q, *end = p + len;
	char		 num[EC_SSE_ID_DIGITS + 1];
	size_t		 tl, rl, nl;

	if (len <= plen || memcmp(p, EC_SSE_PREFIX, plen) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "no such path");
	p += plen;
	if ((slash = memchr(p, '/', (size_t)(end - p))) == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "no run id");
	if ((q = memchr(slash, '?', (size_t)(end - slash))) == NULL)
		q = end;
	tl = (size_t)(slash - p);
	rl = (size_t)(q - slash - 1);
	if (tl == 0 || tl > EC_MAX_TENANT_LEN || rl == 0 ||
	    rl > EC_RUN_ID_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad tenant or run id");
	memcpy(out->tenant, p, tl);
	out->tenant[tl] = '\0';
	memcpy(out->run_id, slash + 1, rl);
	out->run_id[rl] = '\0';
	if (!ec_run_id_valid(out->run_id, out->tenant))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not a run id of this tenant");
	out->after = 0;
	if (q == end)
		return 0;
	nl = (size_t)(end - q - 1);
	if (nl < 7 || memcmp(q + 1, "after=", 6) != 0 ||
	    nl - 6 > EC_SSE_ID_DIGITS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "query: after=<event id> only");
	memcpy(num, q + 7, nl - 6);
	num[nl - 6] = '\0';
	return ec_sse_last_id(&out->after, num, err);
}

/*
 * RFC 9112 3: request-line = method SP request-target SP HTTP-version.
 * The line is the first of the head; it has no CR or LF in it.
 */
static int
sse_parse_line(struct ec_sse_target *out, const char *p, size_t len,
    struct ec_err *err)
{
	const char	*sp;

	if (len < 4 || memcmp(p, "GET ", 4) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "method: GET only");
	p += 4;
	len -= 4;
	if ((sp = memchr(p, ' ', len)) == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "malformed request line");
	if ((size_t)(p + len - sp - 1) != 8 || (memcmp(sp + 1, "HTTP/1.1",
	    8) != 0 && memcmp(sp + 1, "HTTP/1.0", 8) != 0))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "version: HTTP/1.0 or HTTP/1.1");
	return sse_parse_target(out, p, (size_t)(sp - p), err);
}

int
ec_sse_parse_request(struct ec_sse_target *out, bool *complete_out,
    const char *p, size_t len, struct ec_err *err)
{
	size_t	i, start = 0, line_end = 0, lines = 0;

	*complete_out = false;
	for (i = 0; i < len; i++) {
		if (i >= EC_SSE_HEAD_MAX)
			return ec_err_set(err, EC_ERR_TOO_LARGE,
			    "request head over %d bytes", EC_SSE_HEAD_MAX);
		if (p[i] == '\r') {
			/* CR only as the first half of CRLF (RFC 9112 2.2). */
			if (i + 1 < len && p[i + 1] != '\n')
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "bare CR in the request head");
			continue;
		}
		if (p[i] != '\n') {
			if (!sse_head_byte_ok((unsigned char)p[i]))
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "control character in the request head");
			continue;
		}
		if (i == 0 || p[i - 1] != '\r')
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bare LF in the request head");
		if (i - 1 == start)
			break;	/* the empty line: end of the head */
		if (++lines > EC_SSE_LINES_MAX)
			return ec_err_set(err, EC_ERR_TOO_LARGE,
			    "more than %d header lines", EC_SSE_LINES_MAX);
		/* A header line needs a name and a colon (RFC 9112 5.1). */
		if (lines > 1 && (memchr(p + start, ':', i - 1 - start) ==
		    NULL || p[start] == ':' || p[start] == ' ' ||
		    p[start] == '\t'))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "malformed header line");
		if (lines == 1)
			line_end = i - 1;
		start = i + 1;
	}
	if (i == len)
		return 0;
	if (lines == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "empty request");
	if (sse_parse_line(out, p, line_end, err) == -1)
		return -1;
	*complete_out = true;
	return 0;
}

int
ec_sse_frame(struct ec_buf *out, uint64_t id, const char *type,
    const char *data, size_t len, struct ec_err *err)
{
	/* A line break would end the data field and forge another one. */
	if (memchr(data, '\n', len) != NULL || memchr(data, '\r', len) !=
	    NULL || memchr(data, '\0', len) != NULL ||
	    strpbrk(type, "\r\n") != NULL)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "event %llu: line break in its type or data",
		    (unsigned long long)id);
	if (ec_buf_addf(out, err, "id: %llu\nevent: %s\ndata: ",
	    (unsigned long long)id, type) == -1 ||
	    ec_buf_add(out, data, len, err) == -1 ||
	    ec_buf_add(out, "\n\n", 2, err) == -1)
		return -1;
	return 0;
}
