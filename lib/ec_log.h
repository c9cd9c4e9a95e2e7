/*
 * ec_log: one stderr line per event with UTC time, program[pid], level and
 * key=value pairs.  Only top levels (request loop, cron, CLI main) log;
 * lib/ reports through struct ec_err.  Never log secrets.
 */
#ifndef EC_LOG_H
#define EC_LOG_H

#include "ec_err.h"

enum ec_log_level {
	EC_LOG_ERR,
	EC_LOG_WARN,
	EC_LOG_INFO,
	EC_LOG_DEBUG
};

/* Program name for log lines and the most verbose level that is printed. */
void	ec_log_setup(const char *prog, enum ec_log_level max);
void	ec_log(enum ec_log_level lvl, const char *fmt, ...) EC_PRINTF(2, 3);

#endif
