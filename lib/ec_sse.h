/*
 * ec_sse: live run progress as server-sent events (WHATWG HTML, 9.2).
 *
 * The FastCGI pool authenticates GET /export-center/runs/{runId}/events
 * and hands the connection to nginx with X-Accel-Redirect to the internal
 * location ec_sse_redirect() names; nginx proxies that to the one
 * event-loop process (tools/export_events.c, ec_sse_server_*) on a unix
 * socket.  That process holds every stream: one PostgreSQL connection
 * with LISTEN export_run_events, subscribers grouped by run, so that a
 * notification costs one query per run whatever the number of
 * subscribers, and each event is framed once and written to all of them
 * without blocking.
 *
 * Order, no gap, no duplicate.  Every event is a row of run_events whose
 * id is the SSE id.  The listener LISTENs before it serves anyone, and
 * each subscriber remembers the last id it was sent; a run's events are
 * fetched with "id > the smallest last id of its subscribers" and each
 * subscriber is sent only the rows past its own.  A subscriber that joins
 * gets the rows after its Last-Event-ID by that same query (the replay),
 * run after LISTEN was in force, so whatever commits after the query
 * arrives by a notification and a later query, and whatever committed
 * before is in the query: nothing falls between the two, and nothing is
 * sent twice because of the per-subscriber id.  Ids of one run grow in
 * commit order because every writer of a run's events locks the run's
 * row first in the same transaction (the claim, ec_run_progress,
 * ec_run_succeed, ec_run_fail), so an id is never committed behind a
 * larger one of the same run.  After a lost connection the server
 * reconnects with backoff, LISTENs again and re-queries every run.
 *
 * The stream ends after completed or failed (or on a run already
 * finished with nothing left to send), or after the idle limit without
 * an event; a comment line is sent as a heartbeat when nothing was
 * written for the heartbeat interval.  A subscriber whose unsent bytes
 * pass the buffer limit is dropped: its client resumes with Last-Event-ID.
 */
#ifndef EC_SSE_H
#define EC_SSE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_buf.h"
#include "ec_err.h"
#include "ec_export.h"
#include "ec_limits.h"

/* The internal location nginx proxies to the event server. */
#define EC_SSE_PREFIX		"/internal/events/"
/*
 * The request head nginx sends (request line and headers): at most this
 * many bytes and header lines, or the request is refused (431-like 400).
 */
#define EC_SSE_HEAD_MAX		4096
#define EC_SSE_LINES_MAX	64
/* Last-Event-ID / after: decimal digits only, a PostgreSQL bigint. */
#define EC_SSE_ID_DIGITS	19
/* Longest redirect target ec_sse_redirect() writes, with its NUL. */
#define EC_SSE_URI_MAX	(sizeof(EC_SSE_PREFIX) + EC_MAX_TENANT_LEN + 1 + \
			    EC_RUN_ID_MAX + 7 + EC_SSE_ID_DIGITS + 1)
/* Defaults (seed 003 and the product documentation). */
#define EC_SSE_HEARTBEAT_MS	15000
#define EC_SSE_IDLE_MS		60000
/* Unsent bytes held for one subscriber before it is dropped. */
#define EC_SSE_SUB_BUF_MAX	(256 * 1024)
/* Events fetched per query; a longer backlog takes several queries. */
#define EC_SSE_FETCH_MAX	256

/* What a stream follows: a run of a tenant, after an event id. */
struct ec_sse_target {
	char		tenant[EC_MAX_TENANT_LEN + 1];
	char		run_id[EC_RUN_ID_MAX + 1];
	uint64_t	after;		/* 0: from the first event */
};

/*
 * A Last-Event-ID value (or the "after" parameter): NULL or "" is 0;
 * otherwise 1 to EC_SSE_ID_DIGITS decimal digits up to INT64_MAX, nothing
 * else (no sign, space or leading "+").  EC_ERR_REQUEST_INVALID.
 */
int	ec_sse_last_id(uint64_t *out, const char *value, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The X-Accel-Redirect target for "t":
 * EC_SSE_PREFIX "<tenant>/<runId>?after=<n>".  The tenant and the run id
 * are checked again (ec_run_id_valid) so no other path can be formed.
 * EC_ERR_REQUEST_INVALID.
 */
int	ec_sse_redirect(char out[EC_SSE_URI_MAX], const struct ec_sse_target *t,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Parse the request head nginx proxies (RFC 9112 3 and 5): "GET
 * EC_SSE_PREFIX<tenant>/<runId>?after=<n> HTTP/1.x", header lines, an
 * empty line.  "p"/"len" are the bytes read so far (untrusted).  When the
 * head is not complete yet *complete_out is false and 0 is returned;
 * past EC_SSE_HEAD_MAX bytes or EC_SSE_LINES_MAX lines, or for any other
 * method, path, version, parameter or a control character, it is
 * EC_ERR_REQUEST_INVALID (EC_ERR_TOO_LARGE for the bounds).
 */
int	ec_sse_parse_request(struct ec_sse_target *out, bool *complete_out,
	    const char *p, size_t len, struct ec_err *err) EC_MUST_CHECK;

/*
 * Append one event to "out": "id: <id>\nevent: <type>\ndata: <data>\n\n".
 * "data" must be one line (the JSON text of a payload): a CR, LF or NUL
 * in it or in "type" is EC_ERR_INTERNAL, since it would split the frame.
 * The buffer's own limit applies (EC_ERR_TOO_LARGE).
 */
int	ec_sse_frame(struct ec_buf *out, uint64_t id, const char *type,
	    const char *data, size_t len, struct ec_err *err) EC_MUST_CHECK;

/* How the event server runs. */
struct ec_sse_opts {
	const char	*socket_path;	/* borrowed; the unix socket */
	const char	*conninfo;	/* borrowed; NULL: $EXPORT_CENTER_DB */
	unsigned	 heartbeat_ms;	/* 0: EC_SSE_HEARTBEAT_MS */
	unsigned	 idle_ms;	/* 0: EC_SSE_IDLE_MS */
	size_t		 sub_buf_max;	/* 0: EC_SSE_SUB_BUF_MAX */
	const char	*user;		/* borrowed; NULL: stay as we are */
};

struct ec_sse_server;	/* opaque */

/*
 * Bind and listen on the socket (an old socket file is replaced, mode
 * 0660), give up root for "user" when set (the socket is chowned to it
 * first), and raise RLIMIT_NOFILE to its hard limit.  The database is
 * connected by ec_sse_server_run(), which retries.  EC_ERR_IO,
 * EC_ERR_REQUEST_INVALID (an unknown user, a path too long), EC_ERR_NOMEM.
 */
int	ec_sse_server_new(struct ec_sse_server **out,
	    const struct ec_sse_opts *o, struct ec_err *err) EC_MUST_CHECK;

/*
 * Serve until *stop is set (by a signal handler): returns 0 then.  A
 * database outage is not an error: streams stay open and are caught up
 * once it is back.  EC_ERR_IO when epoll itself fails.
 */
int	ec_sse_server_run(struct ec_sse_server *s,
	    volatile sig_atomic_t *stop, struct ec_err *err) EC_MUST_CHECK;

/* Close every stream and the socket (unlinked).  NULL is a no-op. */
void	ec_sse_server_free(struct ec_sse_server *s);

#endif
