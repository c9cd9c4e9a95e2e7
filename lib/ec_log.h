/*
 * ec_log: one line per event on stderr for the long-running processes
 * (export-cron, the FastCGI pool), in the form
 *
 *   2026-12-01T09:30:00Z export-cron[4242] info run=... msg="lease lost"
 *
 * UTC time, program[pid], level, then key=value pairs the caller writes.
 * lib/ reports through struct ec_err and does not log; whoever handles an
 * error logs it once.  Each line goes out in one write(2), so lines of
 * several processes sharing a log do not interleave.
 */
#ifndef EC_LOG_H
#define EC_LOG_H

#include <stddef.h>

#include "ec_err.h"

enum ec_log_level {
	EC_LOG_ERR,
	EC_LOG_WARN,
	EC_LOG_INFO,
	EC_LOG_DEBUG
};

/* Longest line written; longer ones are cut (and still end in '\n'). */
#define EC_LOG_LINE_MAX	1024

/*
 * Name the program and the most verbose level written; lines above it are
 * dropped.  "prog" is borrowed for the life of the process.
 */
void	ec_log_init(const char *prog, enum ec_log_level max);

/*
 * Write one line.  Control characters in the formatted text become '?',
 * so no value can forge a second line.
 */
void	ec_log(enum ec_log_level level, const char *fmt, ...)
	    EC_PRINTF(2, 3);

/*
 * "s" as a double-quoted value for a key=value pair, with '"' and '\'
 * escaped, cut to fit "size" bytes (at least 3).  Returns "out".
 */
char	*ec_log_quote(char *out, size_t size, const char *s);

#endif
