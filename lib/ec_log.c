/* ec_log: timestamped key=value lines on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ec_log.h"

static const char		*log_prog = "export-center";
static enum ec_log_level	 log_max = EC_LOG_INFO;

void
ec_log_setup(const char *prog, enum ec_log_level max)
{
	log_prog = prog;
	log_max = max;
}

void
ec_log(enum ec_log_level lvl, const char *fmt, ...)
{
	static const char	*names[] = { "err", "warn", "info", "debug" };
	char			 ts[32], line[1024];
	struct timespec		 now;
	struct tm		 tm;
	va_list			 ap;

	if (lvl > log_max)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &now);
	(void)gmtime_r(&now.tv_sec, &tm);
	(void)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so that pool processes do not interleave. */
	(void)fprintf(stderr, "%s %s[%ld] level=%s %s\n", ts, log_prog,
	    (long)getpid(), names[lvl], line);
}
