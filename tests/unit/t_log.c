/* tests/unit/t_log.c: ec_log's quoting of values. */
#include <string.h>

#include "tap.h"
#include "ec_log.h"

static void
quote_is(size_t size, const char *in, const char *want, const char *what)
{
	char	out[64];

	ok(strcmp(ec_log_quote(out, size, in), want) == 0, "%s: got %s", what,
	    out);
}

int
main(void)
{
	quote_is(64, "lease lost", "\"lease lost\"", "plain text quoted");
	quote_is(64, "say \"hi\" \\o", "\"say \\\"hi\\\" \\\\o\"",
	    "quotes and backslashes escaped");
	quote_is(64, NULL, "\"\"", "NULL is an empty value");
	quote_is(6, "abcdef", "\"abc\"", "cut to fit, still closed");
	quote_is(6, "ab\"cd", "\"ab\"", "an escape is never cut in half");
	return done_testing();
}
