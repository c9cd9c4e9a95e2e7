/*
 * ec_sse_server.c: the event server's sockets: the unix socket nginx
 * connects to, one connection per stream (request head, then
 * non-blocking writes with a bounded backlog), heartbeats and idle
 * closes from a periodic sweep, and the epoll loop that drives it all
 * together with the database half (ec_sse_run.c).
 */
/* accept4(2) is a Linux extension. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ec_log.h"
#include "ec_sse_int.h"

/* Events taken from epoll per wait. */
#define SSE_EPOLL_BATCH		256
/* The listening socket's backlog: nginx opens streams in bursts. */
#define SSE_BACKLOG		4096

static const char sse_ok_head[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Cache-Control: no-store\r\n"
    "X-Accel-Buffering: no\r\n"
    "Connection: close\r\n\r\n";

int64_t
sse_now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sse_sub_pollout(struct ec_sse_server *s, struct sse_sub *sub, bool on)
{
	struct epoll_event	ev;

	if (sub->pollout == on)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0);
	ev.data.ptr = sub;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, sub->fd, &ev) == 0)
		sub->pollout = on;
}

void
sse_sub_close(struct ec_sse_server *s, struct sse_sub *sub, bool drain)
{
	if (sub->fd == -1)
		return;
	if (drain && sub->out.len > 0) {
		sub->closing = true;
		return;
	}
	if (sub->run != NULL)
		sse_run_leave(s, sub);
	if (sub->all_prev != NULL)
		sub->all_prev->all_next = sub->all_next;
	else
		s->all = sub->all_next;
	if (sub->all_next != NULL)
		sub->all_next->all_prev = sub->all_prev;
	s->nsubs--;
	(void)close(sub->fd);
	sub->fd = -1;
	/*
	 * Freed after the current batch of epoll events, which may still
	 * name it: a closed connection is skipped, never touched.
	 */
	sub->all_next = s->dead;
	s->dead = sub;
}

/* Free the connections closed during the last batch. */
static void
sse_reap(struct ec_sse_server *s)
{
	struct sse_sub	*sub;

	while ((sub = s->dead) != NULL) {
		s->dead = sub->all_next;
		free(sub->head);
		ec_buf_dispose(&sub->out);
		free(sub);
	}
}

/* Write what is queued; false when the subscriber was closed. */
static bool
sse_sub_flush(struct ec_sse_server *s, struct sse_sub *sub)
{
	ssize_t	n;

	while (sub->out.len > 0) {
		n = write(sub->fd, sub->out.data, sub->out.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			sse_sub_pollout(s, sub, true);
			return true;
		}
		if (n <= 0) {
			sse_sub_close(s, sub, false);
			return false;
		}
		memmove(sub->out.data, sub->out.data + n, sub->out.len -
		    (size_t)n);
		ec_buf_truncate(&sub->out, sub->out.len - (size_t)n);
	}
	/* A drained buffer gives its memory back: most streams are idle. */
	ec_buf_dispose(&sub->out);
	ec_buf_init(&sub->out, s->o.sub_buf_max);
	sse_sub_pollout(s, sub, false);
	if (sub->closing) {
		sse_sub_close(s, sub, false);
		return false;
	}
	return true;
}

bool
sse_sub_send(struct ec_sse_server *s, struct sse_sub *sub, const char *p,
    size_t len)
{
	struct ec_err	err;
	ssize_t		n = 0;

	if (sub->fd == -1)
		return false;
	sub->wrote_ms = sse_now_ms();
	if (sub->out.len == 0) {
		do
			n = write(sub->fd, p, len);
		while (n == -1 && errno == EINTR);
		if (n == -1 && errno != EAGAIN) {
			sse_sub_close(s, sub, false);
			return false;
		}
		if (n == -1)
			n = 0;
		if ((size_t)n == len)
			return true;
	}
	/* A slow reader is dropped, never buffered without limit. */
	if (ec_buf_add(&sub->out, p + n, len - (size_t)n, &err) == -1) {
		ec_log(EC_LOG_WARN, "event=slow_subscriber run=%s fd=%d "
		    "msg=\"%s\"", sub->run != NULL ? sub->run->run_id : "-",
		    sub->fd, err.msg);
		sse_sub_close(s, sub, false);
		return false;
	}
	sse_sub_pollout(s, sub, true);
	return true;
}

/* Answer a refused request and close once it is written. */
static void
sse_sub_refuse(struct ec_sse_server *s, struct sse_sub *sub,
    const struct ec_err *err)
{
	char	body[400], msg[300], head[200];
	int	n, h;

	n = snprintf(body, sizeof(body), "{\"code\":\"%s\",\"message\":%s}\n",
	    ec_err_name(err->code), ec_log_quote(msg, sizeof(msg), err->msg));
	if (n < 0 || (size_t)n >= sizeof(body))
		n = 0;
	h = snprintf(head, sizeof(head), "HTTP/1.1 %d Refused\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n"
	    "Connection: close\r\n\r\n", ec_err_http_status(err->code), n);
	if (h > 0 && (size_t)h < sizeof(head) &&
	    sse_sub_send(s, sub, head, (size_t)h) &&
	    sse_sub_send(s, sub, body, (size_t)n))
		sse_sub_close(s, sub, true);
	else
		sse_sub_close(s, sub, false);
}

/* Read the request head; once complete, start the stream. */
static void
sse_sub_read(struct ec_sse_server *s, struct sse_sub *sub)
{
	struct ec_sse_target	t;
	struct ec_err		err;
	char			junk[512];
	bool			complete;
	ssize_t			n;

	/* Refused: its answer drains, and nothing more is read. */
	if (sub->closing)
		return;
	if (sub->head == NULL) {
		/* After the head nginx sends nothing; EOF is its close. */
		n = read(sub->fd, junk, sizeof(junk));
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			sse_sub_close(s, sub, false);
		return;
	}
	n = read(sub->fd, sub->head + sub->head_len, EC_SSE_HEAD_MAX + 1 -
	    sub->head_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		sse_sub_close(s, sub, false);
		return;
	}
	sub->head_len += (size_t)n;
	if (ec_sse_parse_request(&t, &complete, sub->head, sub->head_len,
	    &err) == -1) {
		ec_log(EC_LOG_WARN, "event=bad_request msg=\"%s\"", err.msg);
		sse_sub_refuse(s, sub, &err);
		return;
	}
	if (!complete)
		return;
	free(sub->head);
	sub->head = NULL;
	if (!sse_sub_send(s, sub, sse_ok_head, sizeof(sse_ok_head) - 1))
		return;
	sub->last = t.after;
	sub->event_ms = sse_now_ms();
	if (sse_run_join(s, sub, &t) == -1)
		sse_sub_close(s, sub, false);
}

static void
sse_accept(struct ec_sse_server *s)
{
	struct epoll_event	 ev;
	struct sse_sub		*sub;
	int			 fd;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: pause until a sweep. */
				ec_log(EC_LOG_WARN, "event=accept_paused "
				    "subscribers=%zu msg=\"%s\"", s->nsubs,
				    strerror(errno));
				(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfd,
				    NULL);
				s->accepting = false;
			}
			return;
		}
		if ((sub = calloc(1, sizeof(*sub))) == NULL ||
		    (sub->head = malloc(EC_SSE_HEAD_MAX + 1)) == NULL) {
			free(sub);
			(void)close(fd);
			continue;
		}
		sub->fd = fd;
		ec_buf_init(&sub->out, s->o.sub_buf_max);
		sub->born_ms = sub->wrote_ms = sse_now_ms();
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = sub;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			free(sub->head);
			free(sub);
			(void)close(fd);
			continue;
		}
		sub->all_next = s->all;
		if (s->all != NULL)
			s->all->all_prev = sub;
		s->all = sub;
		s->nsubs++;
	}
}

/*
 * Heartbeats, idle closes and stalled request heads.  One pass over
 * every connection per tick: at 10,000 streams that is cheap next to
 * keeping a timer for each.
 */
static void
sse_sweep(struct ec_sse_server *s)
{
	static const char	 beat[] = ": heartbeat\n\n";
	struct sse_sub		*sub, *next;
	int64_t			 now = sse_now_ms();

	for (sub = s->all; sub != NULL; sub = next) {
		next = sub->all_next;
		if (sub->head != NULL) {
			if (now - sub->born_ms >= SSE_HEAD_TIMEOUT_MS)
				sse_sub_close(s, sub, false);
			continue;
		}
		/* A final backlog nobody reads goes at the idle limit too. */
		if (sub->closing) {
			if (now - sub->wrote_ms >= (int64_t)s->o.idle_ms)
				sse_sub_close(s, sub, false);
			continue;
		}
		if (now - sub->event_ms >= (int64_t)s->o.idle_ms)
			sse_sub_close(s, sub, true);
		else if (now - sub->wrote_ms >= (int64_t)s->o.heartbeat_ms)
			sse_sub_send(s, sub, beat, sizeof(beat) - 1);
	}
}

static int
sse_listen(struct ec_sse_server *s, struct ec_err *err)
{
	struct sockaddr_un	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(s->o.socket_path) >= sizeof(sa.sun_path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "socket path over %zu bytes", sizeof(sa.sun_path) - 1);
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s",
	    s->o.socket_path);
	(void)snprintf(s->path, sizeof(s->path), "%s", s->o.socket_path);
	(void)unlink(s->path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s->lfd == -1 || bind(s->lfd, (struct sockaddr *)&sa,
	    sizeof(sa)) == -1 || chmod(s->path, 0660) == -1 ||
	    listen(s->lfd, SSE_BACKLOG) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", s->path,
		    strerror(errno));
	return 0;
}

/* Give up root for the user nginx's workers run as (socket first). */
static int
sse_drop(struct ec_sse_server *s, struct ec_err *err)
{
	struct passwd	*pw;

	if (s->o.user == NULL || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(s->o.user)) == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "no user %s",
		    s->o.user);
	if (chown(s->path, pw->pw_uid, pw->pw_gid) == -1 ||
	    setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1 || setuid(0) != -1)
		return ec_err_set(err, EC_ERR_IO, "dropping to %s: %s",
		    s->o.user, strerror(errno));
	return 0;
}

int
ec_sse_server_new(struct ec_sse_server **out, const struct ec_sse_opts *o,
    struct ec_err *err)
{
	struct ec_sse_server	*s;
	struct epoll_event	 ev;
	struct rlimit		 rl;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ec_err_nomem(err);
	s->o = *o;
	if (s->o.heartbeat_ms == 0)
		s->o.heartbeat_ms = EC_SSE_HEARTBEAT_MS;
	if (s->o.idle_ms == 0)
		s->o.idle_ms = EC_SSE_IDLE_MS;
	if (s->o.sub_buf_max == 0)
		s->o.sub_buf_max = EC_SSE_SUB_BUF_MAX;
	s->lfd = s->epfd = s->dbfd = -1;
	s->backoff_ms = SSE_BACKOFF_MIN_MS;
	ec_buf_init(&s->frames, (size_t)EC_SSE_FETCH_MAX * 70000);
	/* Two descriptors per stream in nginx, one here: raise the cap. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* A run stays while it has subscribers: no more runs than streams. */
	if (ec_hmap_new(&s->runs, EC_HMAP_STR, sizeof(struct sse_run *),
	    EC_HMAP_MAX_KEYS, err) == -1 ||
	    sse_listen(s, err) == -1 || sse_drop(s, err) == -1)
		goto fail;
	if ((s->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "epoll: %s", strerror(errno));
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "epoll: %s", strerror(errno));
		goto fail;
	}
	s->accepting = true;
	*out = s;
	return 0;
fail:
	ec_sse_server_free(s);
	return -1;
}

/* The sweep's period: a quarter of the shortest interval, 1 s at most. */
static int
sse_tick_ms(const struct ec_sse_server *s)
{
	unsigned	t = 1000;

	if (s->o.heartbeat_ms / 4 < t)
		t = s->o.heartbeat_ms / 4;
	if (s->o.idle_ms / 4 < t)
		t = s->o.idle_ms / 4;
	return t < 20 ? 20 : (int)t;
}

static void
sse_resume_accept(struct ec_sse_server *s)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) == 0)
		s->accepting = true;
}

int
ec_sse_server_run(struct ec_sse_server *s, volatile sig_atomic_t *stop,
    struct ec_err *err)
{
	struct epoll_event	 evs[SSE_EPOLL_BATCH];
	int			 i, n, tick = sse_tick_ms(s);
	int64_t			 next_sweep = sse_now_ms() + tick;

	while (!*stop) {
		n = epoll_wait(s->epfd, evs, SSE_EPOLL_BATCH, tick);
		if (n == -1 && errno != EINTR)
			return ec_err_set(err, EC_ERR_IO, "epoll_wait: %s",
			    strerror(errno));
		for (i = 0; i < n; i++) {
			struct sse_sub	*sub = evs[i].data.ptr;

			if (evs[i].data.ptr == s) {
				sse_accept(s);
				continue;
			}
			if (evs[i].data.ptr == &s->dbfd) {
				sse_db_readable(s);
				continue;
			}
			if (sub->fd == -1)
				continue;
			if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
				sse_sub_close(s, sub, false);
				continue;
			}
			if ((evs[i].events & EPOLLOUT) &&
			    !sse_sub_flush(s, sub))
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
				sse_sub_read(s, sub);
		}
		/* Fetches made by this batch may have closed streams too. */
		sse_db_tick(s);
		sse_reap(s);
		if (sse_now_ms() >= next_sweep) {
			sse_sweep(s);
			sse_reap(s);
			if (!s->accepting)
				sse_resume_accept(s);
			next_sweep = sse_now_ms() + tick;
		}
	}
	return 0;
}

void
ec_sse_server_free(struct ec_sse_server *s)
{
	if (s == NULL)
		return;
	while (s->all != NULL)
		sse_sub_close(s, s->all, false);
	sse_reap(s);
	sse_db_close(s);
	if (s->lfd != -1) {
		(void)close(s->lfd);
		(void)unlink(s->path);
	}
	if (s->epfd != -1)
		(void)close(s->epfd);
	ec_buf_dispose(&s->frames);
	ec_hmap_free(s->runs);
	free(s);
}
