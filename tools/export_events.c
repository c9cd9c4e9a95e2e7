/*
 * export-events: the live progress server (README: Live progress (SSE)).
 * One event-loop process holds every server-sent event stream that nginx
 * proxies to its unix socket after the API authenticated the request;
 * the logic is in lib/ec_sse*.c.  SIGTERM and SIGINT stop it.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ec_log.h"
#include "ec_num.h"
#include "ec_sse.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_ERROR = 2 };

/* Longest interval an option may set: a day, in milliseconds. */
#define EVENTS_MS_MAX	(24u * 3600 * 1000)

static const char usage_text[] =
"usage: export-events --socket PATH [--db CONNINFO] [--user NAME]\n"
"                     [--heartbeat-ms N] [--idle-ms N] [--buffer BYTES]\n"
"                     [--pid-file PATH]\n"
"\n"
"  --socket PATH     unix socket nginx proxies the internal location to\n"
"  --db CONNINFO     PostgreSQL; default $EXPORT_CENTER_DB, then libpq's\n"
"  --user NAME       when started as root, run as NAME (nginx's user)\n"
"  --heartbeat-ms N  comment line after N ms without a write (15000)\n"
"  --idle-ms N       close a stream after N ms without an event (60000)\n"
"  --buffer BYTES    unsent bytes per stream before it is dropped\n"
"                    (262144)\n"
"  --pid-file PATH   write the process id there\n";

static volatile sig_atomic_t	events_stop;

static void
events_on_signal(int sig)
{
	(void)sig;
	events_stop = 1;
}

static int
events_num(unsigned *out, const char *s, unsigned max)
{
	uint64_t	v;

	if (ec_parse_u64(&v, s, 1, max) == -1) {
		fprintf(stderr, "export-events: bad number \"%s\"\n", s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
events_opts(struct ec_sse_opts *o, const char **pid_out, int argc,
    char **argv)
{
	static const struct option	longs[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "heartbeat-ms", required_argument, NULL, 'b' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "buffer", required_argument, NULL, 'B' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned	buf;
	int		c;

	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 's': o->socket_path = optarg; break;
		case 'd': o->conninfo = optarg; break;
		case 'u': o->user = optarg; break;
		case 'p': *pid_out = optarg; break;
		case 'b':
			if (events_num(&o->heartbeat_ms, optarg,
			    EVENTS_MS_MAX) == -1)
				return -1;
			break;
		case 'i':
			if (events_num(&o->idle_ms, optarg,
			    EVENTS_MS_MAX) == -1)
				return -1;
			break;
		case 'B':
			if (events_num(&buf, optarg, 1u << 30) == -1)
				return -1;
			o->sub_buf_max = buf;
			break;
		default:
			return -1;
		}
	}
	return optind == argc && o->socket_path != NULL ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct ec_sse_opts	 o;
	struct ec_sse_server	*s = NULL;
	struct ec_err		 err;
	struct sigaction	 sa;
	const char		*pid_path = NULL;
	FILE			*f;
	int			 rc = EXIT_ERROR;

	memset(&o, 0, sizeof(o));
	if (events_opts(&o, &pid_path, argc, argv) == -1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	ec_log_init("export-events", EC_LOG_INFO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = events_on_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	/* A stream that went away is an EPIPE from write(2), not a death. */
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	/* Before giving up root: the file's directory may be root's. */
	if (pid_path != NULL && (f = fopen(pid_path, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)getpid());
		(void)fclose(f);
	}
	if (ec_sse_server_new(&s, &o, &err) == -1)
		goto out;
	ec_log(EC_LOG_INFO, "event=listening socket=%s", o.socket_path);
	if (ec_sse_server_run(s, &events_stop, &err) == -1)
		goto out;
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK)
		ec_log(EC_LOG_ERR, "code=%s msg=\"%s\"", ec_err_name(err.code),
		    err.msg);
	ec_sse_server_free(s);
	return rc;
}
