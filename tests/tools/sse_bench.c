/*
 * tests/tools/sse_bench.c: the SSE benchmark's client
 * (tests/bench/sse-bench.sh).  One process, one epoll loop, GnuTLS:
 * opens N event streams on one run through nginx (TLS), each with its
 * own DPoP proof (a line "TOKEN PROOF" of the proofs file), at most
 * BENCH_INFLIGHT (or $BENCH_SSE_INFLIGHT, 1 to 4096: fewer connect in
 * slower waves) being set up at a time.  Once all are open (or the
 * opening timeout passed) it prints "connected N failed M" and waits for
 * a line "go" on stdin; then it starts the trigger command (which writes
 * one progress event) without waiting for it, and measures from just
 * before that until each stream has received "event: progress":
 * "delivered N of M p50 X ms p99 Y ms max Z ms".
 *
 *   sse_bench HOST PORT PATH TENANT CA PROOFS N TRIGGER
 */
/* memmem(3) is a GNU extension. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#define BENCH_INFLIGHT	128
#define BENCH_OPEN_S	240
#define BENCH_WAIT_S	60
#define BENCH_REQ_MAX	4096

extern char	**environ;

enum bench_state { B_IDLE, B_HANDSHAKE, B_SEND, B_HEAD, B_STREAM, B_DEAD };

struct bench_conn {
	int			 fd;
	gnutls_session_t	 s;
	enum bench_state	 st;
	char			*req;	/* owned until sent */
	size_t			 req_len, req_off;
	char			 tail[32];	/* bytes across reads */
	size_t			 tail_len;
	int64_t			 got_ns;	/* 0: no progress yet */
};

static int64_t
bench_now_ns(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
bench_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
bench_kill(struct bench_conn *c, int *inflight)
{
	if (c->st != B_STREAM && c->st != B_DEAD && c->st != B_IDLE)
		(*inflight)--;
	if (c->st != B_IDLE && c->st != B_DEAD) {
		gnutls_deinit(c->s);
		(void)close(c->fd);
	}
	free(c->req);
	c->req = NULL;
	c->st = B_DEAD;
}

static int
bench_start(struct bench_conn *c, int ep, const struct sockaddr_in *sa,
    gnutls_certificate_credentials_t cred)
{
	struct epoll_event	ev;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd == -1)
		return -1;
	if (connect(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) == -1 &&
	    errno != EINPROGRESS) {
		(void)close(c->fd);
		return -1;
	}
	if (gnutls_init(&c->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0) {
		(void)close(c->fd);
		return -1;
	}
	(void)gnutls_set_default_priority(c->s);
	(void)gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, cred);
	(void)gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, "localhost", 9);
	gnutls_session_set_verify_cert(c->s, "localhost", 0);
	gnutls_transport_set_int(c->s, c->fd);
	c->st = B_HANDSHAKE;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		gnutls_deinit(c->s);
		(void)close(c->fd);
		c->st = B_IDLE;
		return -1;
	}
	return 0;
}

/* Look for the event in what arrived, across read boundaries. */
static void
bench_scan(struct bench_conn *c, const char *p, size_t n, int64_t armed)
{
	static const char	needle[] = "event: progress";
	char			buf[sizeof(c->tail) + 4096];
	size_t			len;

	memcpy(buf, c->tail, c->tail_len);
	memcpy(buf + c->tail_len, p, n);
	len = c->tail_len + n;
	if (armed != 0 && c->got_ns == 0 &&
	    memmem(buf, len, needle, sizeof(needle) - 1) != NULL)
		c->got_ns = bench_now_ns();
	c->tail_len = len < sizeof(c->tail) ? len : sizeof(c->tail);
	memcpy(c->tail, buf + len - c->tail_len, c->tail_len);
}

/* Advance one connection; *opened counts streams whose 200 came. */
static void
bench_step(struct bench_conn *c, int ep, int *inflight, size_t *opened,
    int64_t armed)
{
	struct epoll_event	ev;
	char			buf[4096];
	ssize_t			n;
	int			r;

	if (c->st == B_HANDSHAKE) {
		r = gnutls_handshake(c->s);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			return;
		if (r < 0) {
			bench_kill(c, inflight);
			return;
		}
		c->st = B_SEND;
	}
	while (c->st == B_SEND) {
		n = gnutls_record_send(c->s, c->req + c->req_off, c->req_len -
		    c->req_off);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return;
		if (n < 0) {
			bench_kill(c, inflight);
			return;
		}
		c->req_off += (size_t)n;
		if (c->req_off == c->req_len) {
			free(c->req);
			c->req = NULL;
			c->st = B_HEAD;
			/* Only reads from now on: no busy EPOLLOUT. */
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.ptr = c;
			(void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		}
	}
	for (;;) {
		n = gnutls_record_recv(c->s, buf, sizeof(buf));
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return;
		if (n <= 0) {
			bench_kill(c, inflight);
			return;
		}
		if (c->st == B_HEAD) {
			if ((size_t)n < 12 ||
			    memcmp(buf, "HTTP/1.1 200", 12) != 0) {
				bench_kill(c, inflight);
				return;
			}
			c->st = B_STREAM;
			(*inflight)--;
			(*opened)++;
		}
		bench_scan(c, buf, (size_t)n, armed);
	}
}

static char *
bench_request(size_t *len_out, const char *host, int port, const char *path,
    const char *tenant, char *line)
{
	char	*sp = strchr(line, ' '), *req;
	int	 n;

	if (sp == NULL || (req = malloc(BENCH_REQ_MAX)) == NULL)
		return NULL;
	*sp = '\0';
	line[strcspn(line, "\n")] = '\0';
	sp[1 + strcspn(sp + 1, "\n")] = '\0';
	n = snprintf(req, BENCH_REQ_MAX, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Authorization: DPoP %s\r\nDPoP: %s\r\nX-StellaOps-Tenant: %s\r\n"
	    "Accept: text/event-stream\r\n\r\n", path, host, port, line,
	    sp + 1, tenant);
	if (n < 0 || n >= BENCH_REQ_MAX) {
		free(req);
		return NULL;
	}
	*len_out = (size_t)n;
	return req;
}

static void
bench_report(struct bench_conn *cs, size_t n, int64_t armed)
{
	int64_t	*lat;
	size_t	 i, k = 0;

	if ((lat = calloc(n + 1, sizeof(*lat))) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (cs[i].got_ns != 0)
			lat[k++] = cs[i].got_ns - armed;
	qsort(lat, k, sizeof(*lat), bench_cmp);
	printf("delivered %zu of %zu p50 %.1f ms p99 %.1f ms max %.1f ms\n",
	    k, n, k ? lat[k / 2] / 1e6 : 0.0,
	    k ? lat[k * 99 / 100 < k ? k * 99 / 100 : k - 1] / 1e6 : 0.0,
	    k ? lat[k - 1] / 1e6 : 0.0);
	fflush(stdout);
	free(lat);
}

/* The requests, one proof each, and the trust anchors. */
static struct bench_conn *
bench_load(gnutls_certificate_credentials_t *cred, char **argv, int port,
    size_t n)
{
	struct bench_conn	*cs;
	FILE			*pf;
	char			 line[BENCH_REQ_MAX];
	size_t			 i;

	if (gnutls_certificate_allocate_credentials(cred) < 0 ||
	    gnutls_certificate_set_x509_trust_file(*cred, argv[5],
	    GNUTLS_X509_FMT_PEM) < 1 || (cs = calloc(n, sizeof(*cs))) == NULL)
		return NULL;
	if ((pf = fopen(argv[6], "r")) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (fgets(line, sizeof(line), pf) == NULL ||
		    (cs[i].req = bench_request(&cs[i].req_len, argv[1], port,
		    argv[3], argv[4], line)) == NULL)
			return NULL;
	}
	(void)fclose(pf);
	return cs;
}

/* "go" on stdin: start the trigger, without waiting for it. */
static int64_t
bench_trigger(pid_t *pid, const char *cmd)
{
	char	line[64];
	char	*sh[4];
	int64_t	armed;

	if (read(0, line, sizeof(line)) <= 0)
		return 0;
	sh[0] = "/bin/sh";
	sh[1] = "-c";
	sh[2] = (char *)cmd;
	sh[3] = NULL;
	armed = bench_now_ns();
	if (posix_spawn(pid, "/bin/sh", NULL, NULL, sh, environ) != 0)
		*pid = -1;
	return armed;
}

int
main(int argc, char **argv)
{
	gnutls_certificate_credentials_t	 cred;
	struct epoll_event			 evs[512], ev;
	struct sockaddr_in			 sa;
	struct bench_conn			*cs;
	struct rlimit				 rl;
	size_t					 n, i, next = 0, opened = 0;
	size_t					 got = 0;
	int					 ep, inflight = 0, k, port;
	int					 maxin = BENCH_INFLIGHT;
	const char				*e;
	int64_t					 armed = 0, t0;
	pid_t					 pid = -1;
	bool					 ctl = false;

	if (argc != 9) {
		fprintf(stderr, "usage: sse_bench HOST PORT PATH TENANT CA "
		    "PROOFS N TRIGGER\n");
		return 1;
	}
	port = atoi(argv[2]);
	n = (size_t)strtoul(argv[7], NULL, 10);
	/*
	 * Fewer handshakes at a time show whether memory the server keeps
	 * is per-stream state or what a burst of handshakes left behind.
	 */
	if ((e = getenv("BENCH_SSE_INFLIGHT")) != NULL &&
	    atoi(e) >= 1 && atoi(e) <= 4096)
		maxin = atoi(e);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	(void)signal(SIGPIPE, SIG_IGN);
	if ((cs = bench_load(&cred, argv, port, n)) == NULL ||
	    (ep = epoll_create1(0)) == -1)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	(void)inet_pton(AF_INET, argv[1], &sa.sin_addr);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	(void)fcntl(0, F_SETFL, O_NONBLOCK);
	t0 = bench_now_ns();
	for (;;) {
		while (next < n && inflight < maxin && armed == 0) {
			if (bench_start(&cs[next], ep, &sa, cred) == -1)
				bench_kill(&cs[next], &inflight);
			else
				inflight++;
			next++;
		}
		if (next == n && inflight == 0 && !ctl) {
			printf("connected %zu failed %zu\n", opened,
			    n - opened);
			fflush(stdout);
			/* Now the control line: stdin joins the loop. */
			ctl = true;
			(void)epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
		}
		k = epoll_wait(ep, evs, 512, 200);
		for (int j = 0; j < k; j++) {
			struct bench_conn	*c = evs[j].data.ptr;

			if (c == NULL && armed == 0)
				armed = bench_trigger(&pid, argv[8]);
			else if (c != NULL && c->st != B_DEAD)
				bench_step(c, ep, &inflight, &opened, armed);
		}
		if (armed != 0) {
			for (got = 0, i = 0; i < n; i++)
				got += cs[i].got_ns != 0;
			if (got == opened || bench_now_ns() - armed >
			    (int64_t)BENCH_WAIT_S * 1000000000)
				break;
		} else if (bench_now_ns() - t0 >
		    (int64_t)BENCH_OPEN_S * 1000000000 && !ctl) {
			for (i = 0; i < n; i++)
				if (cs[i].st != B_STREAM)
					bench_kill(&cs[i], &inflight);
			inflight = 0;
			next = n;
		}
	}
	if (pid > 0)
		(void)waitpid(pid, NULL, 0);
	bench_report(cs, n, armed);
	return 0;
}
