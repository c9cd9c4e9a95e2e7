/*
 * tap.h: a minimal Test Anything Protocol producer for the unit tests,
 * read by prove(1).  Header-only so each test is one translation unit.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>

static int	tap_n, tap_failed;

static int	ok(int cond, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3), unused));
static int	done_testing(void) __attribute__((unused));

static int
ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}

#endif
