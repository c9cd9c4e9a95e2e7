/*
 * fcgi/main.c: export-center.fcgi, the FastCGI API pool.
 *
 *   export-center.fcgi --config FILE --socket PATH [--workers N]
 *       [--user NAME] [--pid-file PATH]
 *
 * A prefork master: it opens the FastCGI unix socket, drops root for
 * --user, and forks N workers (default: the processor count) that accept
 * on the shared socket, one connection at a time (libfcgi).  A worker
 * that dies is replaced.  SIGTERM or SIGINT drains: each worker finishes
 * the request it is serving and exits, then the master does.  SIGHUP
 * reloads: the configuration file (and the JWK set and keyring it names)
 * is read again and, only if it all loads, a new generation of workers
 * is started and the old one told to drain, so the socket always has a
 * listener.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "ec_db.h"
#include "ec_file.h"
#include "ec_limits.h"
#include "ec_log.h"

struct pool_worker {
	pid_t		pid;		/* 0: free slot */
	unsigned	gen;		/* the configuration it was forked with */
};

static volatile sig_atomic_t	got_term, got_hup, got_chld;
static volatile sig_atomic_t	worker_busy, worker_stop;

static void
master_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

/*
 * A worker told to stop: between requests it leaves at once; in one, it
 * finishes it first (FCGX_ShutdownPending makes libfcgi's accept return
 * instead of retrying after the signal).
 */
static void
worker_signal(int sig)
{
	(void)sig;
	worker_stop = 1;
	FCGX_ShutdownPending();
	if (!worker_busy)
		_exit(0);
}

static void
pool_sigaction(int sig, void (*fn)(int))
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	(void)sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking accept must see the signal. */
	(void)sigaction(sig, &sa, NULL);
}

/* The OpenAPI document, read once per worker. */
static int
worker_load_openapi(struct api_ctx *ctx, struct ec_err *err)
{
	if (ctx->conf->openapi[0] == '\0')
		return 0;
	return ec_file_read_small((uint8_t **)&ctx->openapi,
	    &ctx->openapi_len, ctx->conf->openapi, EC_API_OPENAPI_MAX, err);
}

static void
worker_main(int sock, const struct api_conf *conf)
{
	struct api_ctx	ctx;
	FCGX_Request	rq;
	struct ec_err	err;
	sigset_t	none;

	pool_sigaction(SIGTERM, worker_signal);
	pool_sigaction(SIGINT, worker_signal);
	pool_sigaction(SIGHUP, SIG_IGN);
	pool_sigaction(SIGCHLD, SIG_DFL);
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = conf;
	if (api_conf_auth(&ctx.auth, conf, &err) == -1 ||
	    api_conf_keyring(&ctx.keyring, conf, &err) == -1 ||
	    worker_load_openapi(&ctx, &err) == -1 ||
	    (conf->download_keys[0] != '\0' && ec_urlsign_load(&ctx.dl_keys,
	    conf->download_keys, &err) == -1)) {
		ec_log(EC_LOG_ERR, "event=worker_setup_failed code=%s msg=\"%s\"",
		    ec_err_name(err.code), err.msg);
		_exit(2);
	}
	if (FCGX_InitRequest(&rq, sock, 0) != 0)
		_exit(2);
	while (!worker_stop && FCGX_Accept_r(&rq) >= 0) {
		worker_busy = 1;
		api_handle(&ctx, &rq);
		FCGX_Finish_r(&rq);
		worker_busy = 0;
	}
	ec_db_free(ctx.db);
	ec_auth_free(ctx.auth);
	ec_urlsign_free(ctx.dl_keys);
	ec_keyring_free(ctx.keyring);
	free(ctx.openapi);
	_exit(0);
}

static pid_t
pool_spawn(int sock, const struct api_conf *conf)
{
	pid_t	pid;

	if ((pid = fork()) == -1) {
		ec_log(EC_LOG_ERR, "event=fork_failed msg=\"%s\"",
		    strerror(errno));
		return 0;
	}
	if (pid == 0)
		worker_main(sock, conf);
	return pid;
}

/* Fill every free slot of generation "gen" up to "n" workers. */
static void
pool_fill(struct pool_worker *w, size_t slots, unsigned n, unsigned gen,
    int sock, const struct api_conf *conf)
{
	unsigned	have = 0;
	size_t		i;

	for (i = 0; i < slots; i++)
		if (w[i].pid != 0 && w[i].gen == gen)
			have++;
	for (i = 0; i < slots && have < n; i++) {
		if (w[i].pid != 0)
			continue;
		if ((w[i].pid = pool_spawn(sock, conf)) == 0)
			return;
		w[i].gen = gen;
		have++;
		ec_log(EC_LOG_INFO, "event=worker_started pid=%ld gen=%u",
		    (long)w[i].pid, gen);
	}
}

/* Reap exited workers; returns how many are still running. */
static size_t
pool_reap(struct pool_worker *w, size_t slots)
{
	size_t	i, alive = 0;
	pid_t	pid;
	int	st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 0; i < slots; i++)
			if (w[i].pid == pid) {
				ec_log(WIFEXITED(st) && WEXITSTATUS(st) == 0 ?
				    EC_LOG_INFO : EC_LOG_WARN,
				    "event=worker_exited pid=%ld gen=%u "
				    "status=%d signal=%d", (long)pid, w[i].gen,
				    WIFEXITED(st) ? WEXITSTATUS(st) : -1,
				    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
				w[i].pid = 0;
			}
	for (i = 0; i < slots; i++)
		if (w[i].pid != 0)
			alive++;
	return alive;
}

static void
pool_kill_gen(struct pool_worker *w, size_t slots, unsigned below)
{
	size_t	i;

	for (i = 0; i < slots; i++)
		if (w[i].pid != 0 && w[i].gen < below)
			(void)kill(w[i].pid, SIGTERM);
}

/* Give up root for "user" once the socket is open. */
static int
pool_drop(const char *user, const char *sock_path)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		ec_log(EC_LOG_ERR, "event=no_user user=%s", user);
		return -1;
	}
	if (chown(sock_path, pw->pw_uid, pw->pw_gid) == -1 ||
	    setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1 || setuid(0) != -1) {
		ec_log(EC_LOG_ERR, "event=drop_failed user=%s msg=\"%s\"", user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static unsigned
pool_default_workers(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 2 : n > EC_API_WORKERS_MAX ? EC_API_WORKERS_MAX :
	    (unsigned)n;
}

static void
pool_usage(void)
{
	(void)fprintf(stderr, "usage: export-center.fcgi --config FILE "
	    "--socket PATH [--workers N] [--user NAME] [--pid-file PATH]\n");
	exit(1);
}

/* The master's loop: keep n workers of the newest generation alive. */
static int
pool_run(int sock, const char *conf_path, struct api_conf *conf,
    unsigned n)
{
	struct pool_worker	 w[2 * EC_API_WORKERS_MAX];
	struct api_conf		 next;
	struct ec_err		 err;
	sigset_t		 block, old;
	unsigned		 gen = 1;
	size_t			 slots = 2 * (size_t)n;

	memset(w, 0, sizeof(w));
	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGCHLD);
	(void)sigaddset(&block, SIGTERM);
	(void)sigaddset(&block, SIGINT);
	(void)sigaddset(&block, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &block, &old);
	pool_fill(w, slots, n, gen, sock, conf);
	while (!got_term) {
		(void)sigsuspend(&old);
		if (got_hup) {
			got_hup = 0;
			if (api_conf_load(&next, conf_path, &err) == -1 ||
			    api_conf_check(&next, &err) == -1) {
				ec_log(EC_LOG_ERR, "event=reload_failed "
				    "code=%s msg=\"%s\"", ec_err_name(err.code),
				    err.msg);
			} else {
				*conf = next;
				gen++;
				ec_log(EC_LOG_INFO, "event=reload gen=%u", gen);
				(void)pool_reap(w, slots);
				pool_fill(w, slots, n, gen, sock, conf);
				pool_kill_gen(w, slots, gen);
			}
		}
		got_chld = 0;
		(void)pool_reap(w, slots);
		if (!got_term) {
			pool_fill(w, slots, n, gen, sock, conf);
			/* A worker that cannot start must not spin the CPU. */
			if (pool_reap(w, slots) < n)
				(void)sleep(1);
		}
	}
	ec_log(EC_LOG_INFO, "event=drain");
	pool_kill_gen(w, slots, gen + 1);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	while (pool_reap(w, slots) > 0)
		(void)usleep(50 * 1000);
	ec_log(EC_LOG_INFO, "event=exit");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 } };
	struct api_conf		 conf;
	struct ec_err		 err;
	const char		*conf_path = NULL, *sock_path = NULL;
	const char		*user = "www-data", *pid_path = NULL;
	unsigned		 n = 0;
	FILE			*fp;
	int			 ch, sock;

	ec_log_init("export-center.fcgi", EC_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 's': sock_path = optarg; break;
		case 'u': user = optarg; break;
		case 'p': pid_path = optarg; break;
		case 'w':
			n = (unsigned)strtoul(optarg, NULL, 10);
			if (n < 1 || n > EC_API_WORKERS_MAX)
				pool_usage();
			break;
		default: pool_usage();
		}
	}
	if (conf_path == NULL || sock_path == NULL || optind != argc)
		pool_usage();
	if (n == 0)
		n = pool_default_workers();
	/* Refuse a configuration the workers could not load. */
	if (api_conf_load(&conf, conf_path, &err) == -1 ||
	    api_conf_check(&conf, &err) == -1) {
		ec_log(EC_LOG_ERR, "event=config code=%s msg=\"%s\"",
		    ec_err_name(err.code), err.msg);
		return 2;
	}
	(void)unlink(sock_path);
	if (FCGX_Init() != 0 || (sock = FCGX_OpenSocket(sock_path, 128)) < 0) {
		ec_log(EC_LOG_ERR, "event=listen_failed socket=%s", sock_path);
		return 2;
	}
	if (pid_path != NULL && (fp = fopen(pid_path, "w")) != NULL) {
		(void)fprintf(fp, "%ld\n", (long)getpid());
		(void)fclose(fp);
	}
	/* nginx's workers connect; the directory decides who may. */
	if (chmod(sock_path, 0666) == -1 || pool_drop(user, sock_path) == -1)
		return 2;
	pool_sigaction(SIGTERM, master_signal);
	pool_sigaction(SIGINT, master_signal);
	pool_sigaction(SIGHUP, master_signal);
	pool_sigaction(SIGCHLD, master_signal);
	pool_sigaction(SIGPIPE, SIG_IGN);
	ec_log(EC_LOG_INFO, "event=start workers=%u socket=%s", n, sock_path);
	return pool_run(sock, conf_path, &conf, n);
}
