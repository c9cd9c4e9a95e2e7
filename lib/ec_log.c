/* ec_log: timestamped key=value lines on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ec_log.h"
#include "ec_time.h"

static const char		*log_prog = "export-center";
static enum ec_log_level	 log_max = EC_LOG_INFO;

static const char *const	log_names[] = {
	[EC_LOG_ERR] = "err",
	[EC_LOG_WARN] = "warn",
	[EC_LOG_INFO] = "info",
	[EC_LOG_DEBUG] = "debug",
};

void
ec_log_init(const char *prog, enum ec_log_level max)
{
	log_prog = prog;
	log_max = max;
}

void
ec_log(enum ec_log_level level, const char *fmt, ...)
{
	struct timespec	ts;
	va_list		ap;
	char		line[EC_LOG_LINE_MAX], when[EC_TIME_MAX];
	size_t		i, n;
	int		k;

	if (level > log_max)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	/* Whole seconds: log lines are for people and grep, not ordering. */
	ec_time_format(when, (int64_t)ts.tv_sec * 1000000);
	k = snprintf(line, sizeof(line), "%s %s[%ld] %s ", when, log_prog,
	    (long)getpid(), log_names[level]);
	n = k < 0 ? 0 : (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += (size_t)k < sizeof(line) - n ? (size_t)k :
		    sizeof(line) - n - 1;
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (n == sizeof(line) - 1)
		n--;
	line[n++] = '\n';
	/* Nowhere to report a failed log write; the line is lost. */
	if (write(STDERR_FILENO, line, n) == -1)
		return;
}

char *
ec_log_quote(char *out, size_t size, const char *s)
{
	size_t	o = 0;

	out[o++] = '"';
	/* Room for the character, the closing quote and the NUL. */
	for (; s != NULL && *s != '\0' && o + 3 <= size; s++) {
		if (*s == '"' || *s == '\\') {
			if (o + 4 > size)
				break;
			out[o++] = '\\';
		}
		out[o++] = *s;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}
