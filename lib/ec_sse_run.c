/*
 * ec_sse_run.c: the event server's database half.  Subscribers are
 * grouped by run; a notification on export_run_events (payload: the run
 * id) marks its run, and each marked run costs one query, whose rows are
 * framed once and written to every subscriber of the run from its own
 * last id on (see ec_sse.h for why that leaves no gap and no duplicate).
 * The one connection LISTENs before any query; when it is lost, it is
 * made again with backoff and every run is queried again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "ec_log.h"
#include "ec_run.h"
#include "ec_sse_int.h"

/*
 * The run's status and its events after $3, in id order, at most
 * EC_SSE_FETCH_MAX.  One row with a NULL id when there are none; no row
 * when the tenant has no such run.  Both predicates name the tenant, and
 * ec_db_begin() sets it for row-level security too.
 */
static const char sse_fetch_sql[] =
    "SELECT r.status, e.id, e.type, e.payload::text "
    "FROM runs r LEFT JOIN LATERAL (SELECT id, type, payload "
    "FROM run_events WHERE tenant = $1 AND run_id = $2 AND id > $3 "
    "ORDER BY id LIMIT 256) e ON true "
    "WHERE r.tenant = $1 AND r.id = $2 ORDER BY e.id";

_Static_assert(EC_SSE_FETCH_MAX == 256, "sse_fetch_sql's LIMIT");

/* The run id names the tenant too, so it alone is the key. */
static struct sse_run *
sse_run_find(struct ec_sse_server *s, const char *run_id)
{
	struct sse_run	**r = ec_hmap_get(s->runs, run_id);

	return r == NULL ? NULL : *r;
}

void
sse_run_mark(struct ec_sse_server *s, struct sse_run *r)
{
	if (r->dirty)
		return;
	r->dirty = true;
	r->dnext = s->dirty;
	s->dirty = r;
}

int
sse_run_join(struct ec_sse_server *s, struct sse_sub *sub,
    const struct ec_sse_target *t)
{
	struct sse_run	*r;
	struct ec_err	 err;
	void		*v;

	if ((r = sse_run_find(s, t->run_id)) == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return -1;
		(void)snprintf(r->tenant, sizeof(r->tenant), "%s", t->tenant);
		(void)snprintf(r->run_id, sizeof(r->run_id), "%s", t->run_id);
		/* The key is the run's own copy of its id. */
		if (ec_hmap_put(&v, s->runs, r->run_id, &err) == -1) {
			free(r);
			return -1;
		}
		*(struct sse_run **)v = r;
	}
	sub->run = r;
	sub->prev = NULL;
	sub->next = r->subs;
	if (r->subs != NULL)
		r->subs->prev = sub;
	r->subs = sub;
	r->nsubs++;
	/* The replay: the same query as a notification, from sub->last. */
	sse_run_mark(s, r);
	return 0;
}

void
sse_run_leave(struct ec_sse_server *s, struct sse_sub *sub)
{
	struct sse_run	*r = sub->run, **pp;

	if (sub->prev != NULL)
		sub->prev->next = sub->next;
	else
		r->subs = sub->next;
	if (sub->next != NULL)
		sub->next->prev = sub->prev;
	sub->run = NULL;
	if (--r->nsubs > 0)
		return;
	/* Last one out: unhook the run from the dirty list and the table. */
	for (pp = &s->dirty; *pp != NULL; pp = &(*pp)->dnext)
		if (*pp == r) {
			*pp = r->dnext;
			break;
		}
	(void)ec_hmap_del(s->runs, r->run_id);
	free(r);
}

void
sse_db_close(struct ec_sse_server *s)
{
	if (s->db == NULL)
		return;
	if (s->dbfd != -1)
		(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->dbfd, NULL);
	ec_db_rollback(s->db);
	ec_db_free(s->db);
	s->db = NULL;
	s->dbfd = -1;
	s->db_retry_ms = sse_now_ms() + s->backoff_ms;
}

/* A lost connection: drop it, and try again later, waiting longer. */
static void
sse_db_lost(struct ec_sse_server *s, const struct ec_err *err)
{
	ec_log(EC_LOG_WARN, "event=db_lost retry_ms=%u code=%s msg=\"%s\"",
	    s->backoff_ms, ec_err_name(err->code), err->msg);
	sse_db_close(s);
	s->backoff_ms = s->backoff_ms * 2 > SSE_BACKOFF_MAX_MS ?
	    SSE_BACKOFF_MAX_MS : s->backoff_ms * 2;
}

static void
sse_on_notify(void *arg, const char *channel, const char *payload)
{
	struct ec_sse_server	*s = arg;
	struct sse_run		*r;

	if (strcmp(channel, "export_run_events") == 0 &&
	    (r = sse_run_find(s, payload)) != NULL)
		sse_run_mark(s, r);
}

/*
 * Connect, LISTEN, then mark every run: whatever was committed while we
 * were away is fetched from each subscriber's last id, as a replay is.
 */
static void
sse_db_connect(struct ec_sse_server *s)
{
	struct epoll_event	 ev;
	struct ec_err		 err;
	PGresult		*res;
	size_t			 iter = 0;
	void			*v;

	if (ec_db_connect(&s->db, s->o.conninfo, &err) == -1) {
		s->db = NULL;
		s->db_retry_ms = sse_now_ms() + s->backoff_ms;
		sse_db_lost(s, &err);
		return;
	}
	if ((res = ec_db_exec(s->db, "LISTEN export_run_events", 0, NULL,
	    NULL, NULL, false, &err)) == NULL) {
		sse_db_lost(s, &err);
		return;
	}
	PQclear(res);
	s->dbfd = ec_db_socket(s->db);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &s->dbfd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->dbfd, &ev) == -1) {
		(void)ec_err_set(&err, EC_ERR_IO, "epoll: database socket");
		sse_db_lost(s, &err);
		return;
	}
	s->backoff_ms = SSE_BACKOFF_MIN_MS;
	ec_log(EC_LOG_INFO, "event=db_connected subscribers=%zu", s->nsubs);
	while (ec_hmap_next(NULL, &v, s->runs, &iter))
		sse_run_mark(s, *(struct sse_run **)v);
}

/* Frame the fetched rows into s->frames; the number of events. */
static int
sse_frame_rows(struct ec_sse_server *s, const PGresult *res, size_t *n_out,
    struct ec_err *err)
{
	size_t	i, n = 0;
	int	rows = PQntuples(res);

	ec_buf_reset(&s->frames);
	for (i = 0; i < (size_t)rows && n < EC_SSE_FETCH_MAX; i++) {
		if (PQgetisnull(res, (int)i, 1))
			continue;
		if (ec_db_get_u64(&s->ids[n], res, (int)i, 1, INT64_MAX,
		    err) == -1)
			return -1;
		s->offs[n] = s->frames.len;
		if (ec_sse_frame(&s->frames, s->ids[n], PQgetvalue(res, (int)i,
		    2), PQgetvalue(res, (int)i, 3), (size_t)PQgetlength(res,
		    (int)i, 3), err) == -1)
			return -1;
		n++;
	}
	*n_out = n;
	return 0;
}

/* Whether the event at index i of the fetch ends a stream. */
static bool
sse_final(const PGresult *res, int row)
{
	const char	*type = PQgetvalue(res, row, 2);

	return strcmp(type, "completed") == 0 || strcmp(type, "failed") == 0;
}

/*
 * Write the framed events to each subscriber from its own last id on;
 * with "finished" (the run is over and nothing more is coming) close
 * each once its bytes are out.
 */
static void
sse_fan_out(struct ec_sse_server *s, struct sse_run *r, const PGresult *res,
    size_t n, bool finished)
{
	struct sse_sub	*sub, *next;
	size_t		 i;
	int64_t		 now = sse_now_ms();

	for (sub = r->subs; sub != NULL; sub = next) {
		next = sub->next;
		for (i = 0; i < n && s->ids[i] <= sub->last; i++)
			;
		if (i < n) {
			sub->event_ms = now;
			sub->last = s->ids[n - 1];
			if (!sse_sub_send(s, sub, s->frames.data + s->offs[i],
			    s->frames.len - s->offs[i]))
				continue;
			if (sse_final(res, (int)(n - 1)))
				finished = true;
		}
		if (finished)
			sse_sub_close(s, sub, true);
	}
}

/* Smallest last id of the run's subscribers: where the query starts. */
static uint64_t
sse_run_from(const struct sse_run *r)
{
	const struct sse_sub	*sub;
	uint64_t		 from = UINT64_MAX;

	for (sub = r->subs; sub != NULL; sub = sub->next)
		if (sub->last < from)
			from = sub->last;
	return from;
}

/* One query for the run; false when the connection was lost. */
static bool
sse_run_fetch(struct ec_sse_server *s, struct sse_run *r, bool *more_out)
{
	struct ec_err	 err;
	PGresult	*res = NULL;
	char		 from[24];
	const char	*vals[3];
	const char	*st;
	size_t		 n = 0;
	bool		 finished;

	*more_out = false;
	(void)snprintf(from, sizeof(from), "%llu",
	    (unsigned long long)sse_run_from(r));
	vals[0] = r->tenant;
	vals[1] = r->run_id;
	vals[2] = from;
	if (ec_db_begin(s->db, r->tenant, false, &err) == -1 ||
	    (res = ec_db_exec(s->db, sse_fetch_sql, 3, vals, NULL, NULL, false,
	    &err)) == NULL || ec_db_commit(s->db, &err) == -1)
		goto lost;
	if (PQntuples(res) == 0) {
		/* No such run (the API checked; it cannot vanish): end. */
		finished = true;
	} else {
		if (sse_frame_rows(s, res, &n, &err) == -1)
			goto lost;
		st = PQgetvalue(res, 0, 0);
		*more_out = n == EC_SSE_FETCH_MAX;
		finished = !*more_out && (strcmp(st, "succeeded") == 0 ||
		    strcmp(st, "failed") == 0 || strcmp(st, "expired") == 0);
	}
	sse_fan_out(s, r, res, n, finished);
	PQclear(res);
	return true;
lost:
	PQclear(res);
	sse_db_lost(s, &err);
	return false;
}

void
sse_db_readable(struct ec_sse_server *s)
{
	struct ec_err	err;

	if (s->db != NULL && ec_db_notifies(s->db, sse_on_notify, s,
	    &err) == -1)
		sse_db_lost(s, &err);
}

void
sse_db_tick(struct ec_sse_server *s)
{
	struct sse_run	*r;
	char		 id[EC_RUN_ID_MAX + 1];
	bool		 more;

	if (s->db == NULL && sse_now_ms() >= s->db_retry_ms)
		sse_db_connect(s);
	while (s->db != NULL && s->dirty != NULL) {
		r = s->dirty;
		s->dirty = r->dnext;
		r->dirty = false;
		/* The fan-out may free the run (its last stream closed). */
		(void)snprintf(id, sizeof(id), "%s", r->run_id);
		if (!sse_run_fetch(s, r, &more))
			break;
		if (more && (r = sse_run_find(s, id)) != NULL)
			sse_run_mark(s, r);
		/* Notifications that came in during the query wait in libpq. */
		sse_db_readable(s);
	}
}
