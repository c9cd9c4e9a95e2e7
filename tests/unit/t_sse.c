/*
 * tests/unit/t_sse.c: live progress framing, Last-Event-ID values, the
 * redirect target and the request head parser (lib/ec_sse.c).
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "ec_sse.h"

#define RUN	"export-run::t-1::2026-12-01::0007"

static void
last_id_is(const char *in, long long want, const char *what)
{
	struct ec_err	err;
	uint64_t	v = 99;

	if (ec_sse_last_id(&v, in, &err) == -1)
		ok(want < 0 && err.code == EC_ERR_REQUEST_INVALID, "%s: %s",
		    what, err.msg);
	else
		ok(want >= 0 && v == (uint64_t)want, "%s: got %llu", what,
		    (unsigned long long)v);
}

/* want_after < 0: refused with "code"; -2: incomplete. */
static void
head_is(const char *in, long long want_after, enum ec_code code,
    const char *what)
{
	struct ec_sse_target	t;
	struct ec_err		err;
	bool			complete;

	memset(&t, 0, sizeof(t));
	if (ec_sse_parse_request(&t, &complete, in, strlen(in), &err) == -1)
		ok(want_after == -1 && err.code == code, "%s: %s", what,
		    err.msg);
	else if (!complete)
		ok(want_after == -2, "%s: incomplete", what);
	else
		ok(want_after >= 0 && t.after == (uint64_t)want_after &&
		    strcmp(t.tenant, "t-1") == 0 && strcmp(t.run_id, RUN) == 0,
		    "%s: after %llu", what, (unsigned long long)t.after);
}

static void
frames(void)
{
	struct ec_buf	b;
	struct ec_err	err;

	ec_buf_init(&b, 64);
	ok(ec_sse_frame(&b, 42, "progress", "{\"a\":1}", 7, &err) == 0 &&
	    strcmp(b.data, "id: 42\nevent: progress\ndata: {\"a\":1}\n\n") == 0,
	    "one event: id, event, data, blank line");
	ec_buf_reset(&b);
	ok(ec_sse_frame(&b, 1, "x", "a\nb", 3, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL, "a line break in data is refused");
	ok(ec_sse_frame(&b, 1, "x", "a\rb", 3, &err) == -1,
	    "a CR in data is refused");
	ok(ec_sse_frame(&b, 1, "x\n", "a", 1, &err) == -1,
	    "a line break in the type is refused");
	ok(ec_sse_frame(&b, 1, "x", "a\0b", 3, &err) == -1,
	    "a NUL in data is refused");
	ec_buf_reset(&b);
	ok(ec_sse_frame(&b, 1, "x", "0123456789012345678901234567890123456789"
	    "0123456789", 50, &err) == -1 && err.code == EC_ERR_TOO_LARGE,
	    "the buffer's ceiling holds");
	ec_buf_dispose(&b);
}

static void
redirects(void)
{
	struct ec_sse_target	t;
	struct ec_err		err;
	char			uri[EC_SSE_URI_MAX];

	memset(&t, 0, sizeof(t));
	(void)snprintf(t.tenant, sizeof(t.tenant), "t-1");
	(void)snprintf(t.run_id, sizeof(t.run_id), RUN);
	t.after = 17;
	ok(ec_sse_redirect(uri, &t, &err) == 0 && strcmp(uri,
	    "/internal/events/t-1/" RUN "?after=17") == 0, "redirect: %s",
	    uri);
	(void)snprintf(t.run_id, sizeof(t.run_id),
	    "export-run::t-2::2026-12-01::0007");
	ok(ec_sse_redirect(uri, &t, &err) == -1, "another tenant's run id "
	    "forms no redirect");
}

static void
heads(void)
{
	char	big[EC_SSE_HEAD_MAX + 64];
	char	many[EC_SSE_LINES_MAX * 8 + 128];
	size_t	i, n;

	head_is("GET /internal/events/t-1/" RUN "?after=5 HTTP/1.1\r\n"
	    "Host: x\r\nX-Real: y\r\n\r\n", 5, 0, "a proxied request");
	head_is("GET /internal/events/t-1/" RUN " HTTP/1.0\r\n\r\n", 0, 0,
	    "no query: from the first event");
	head_is("GET /internal/events/t-1/" RUN "?after=5 HTTP/1.1\r\nHost:",
	    -2, 0, "incomplete head waits");
	head_is("POST /internal/events/t-1/" RUN " HTTP/1.1\r\n\r\n", -1,
	    EC_ERR_REQUEST_INVALID, "POST refused");
	head_is("GET /internal/events/t-1/" RUN " HTTP/2.0\r\n\r\n", -1,
	    EC_ERR_REQUEST_INVALID, "HTTP/2.0 refused");
	head_is("GET /internal/events/t-2/" RUN " HTTP/1.1\r\n\r\n", -1,
	    EC_ERR_REQUEST_INVALID, "tenant and run id disagree");
	head_is("GET /internal/events/t-1/" RUN "?after=-1 HTTP/1.1\r\n\r\n",
	    -1, EC_ERR_REQUEST_INVALID, "negative after refused");
	head_is("GET /internal/events/t-1/" RUN "?after=1&x=2 HTTP/1.1\r\n"
	    "\r\n", -1, EC_ERR_REQUEST_INVALID, "extra parameter refused");
	head_is("GET /internal/events/t-1/" RUN "?after=12345678901234567890 "
	    "HTTP/1.1\r\n\r\n", -1, EC_ERR_REQUEST_INVALID,
	    "after past 19 digits refused");
	head_is("GET /internal/events/t-1/export-run%3a%3at-1::2026-12-01::"
	    "0007 HTTP/1.1\r\n\r\n", -1, EC_ERR_REQUEST_INVALID,
	    "percent-escapes refused");
	head_is("GET /internal/events/../t-1/" RUN " HTTP/1.1\r\n\r\n", -1,
	    EC_ERR_REQUEST_INVALID, "dot segments refused");
	head_is("GET /other/t-1/" RUN " HTTP/1.1\r\n\r\n", -1,
	    EC_ERR_REQUEST_INVALID, "another path refused");
	head_is("GET /internal/events/t-1/" RUN " HTTP/1.1\nHost: x\n\n", -1,
	    EC_ERR_REQUEST_INVALID, "bare LF refused");
	head_is("GET /internal/events/t-1/" RUN " HTTP/1.1\r\nHost: \001\r\n"
	    "\r\n", -1, EC_ERR_REQUEST_INVALID, "control character refused");
	head_is("GET /internal/events/t-1/" RUN " HTTP/1.1\r\nno colon\r\n"
	    "\r\n", -1, EC_ERR_REQUEST_INVALID, "header without colon refused");
	head_is("\r\n\r\n", -1, EC_ERR_REQUEST_INVALID, "empty request");

	n = (size_t)snprintf(big, sizeof(big), "GET /internal/events/t-1/" RUN
	    " HTTP/1.1\r\nX: ");
	for (i = n; i < EC_SSE_HEAD_MAX + 8; i++)
		big[i] = 'a';
	big[i] = '\0';
	head_is(big, -1, EC_ERR_TOO_LARGE, "a head past EC_SSE_HEAD_MAX");
	n = (size_t)snprintf(many, sizeof(many), "GET /internal/events/t-1/"
	    RUN " HTTP/1.1\r\n");
	for (i = 0; i < EC_SSE_LINES_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "A: b\r\n");
	(void)snprintf(many + n, sizeof(many) - n, "\r\n");
	head_is(many, -1, EC_ERR_TOO_LARGE, "lines past EC_SSE_LINES_MAX");
}

int
main(void)
{
	last_id_is(NULL, 0, "no Last-Event-ID: 0");
	last_id_is("", 0, "empty: 0");
	last_id_is("123", 123, "digits");
	last_id_is("9223372036854775807", INT64_MAX, "INT64_MAX");
	last_id_is("9223372036854775808", -1, "past INT64_MAX");
	last_id_is("12345678901234567890", -1, "past 19 digits");
	last_id_is("12a", -1, "trailing garbage");
	last_id_is(" 12", -1, "leading space");
	last_id_is("+12", -1, "sign");
	last_id_is("-1", -1, "negative");
	frames();
	redirects();
	heads();
	return done_testing();
}
