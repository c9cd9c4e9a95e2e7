/*
 * ec_sse_int.h: what the two halves of the event server share.
 * ec_sse_server.c holds the sockets (accept, request, non-blocking
 * writes, heartbeats, the loop); ec_sse_run.c the runs, the database
 * connection and the fan-out of fetched events.
 */
#ifndef EC_SSE_INT_H
#define EC_SSE_INT_H

#include "ec_db.h"
#include "ec_hmap.h"
#include "ec_sse.h"

/* Seconds a connection may take to send its request head. */
#define SSE_HEAD_TIMEOUT_MS	10000
/* Database reconnect backoff: first and longest wait. */
#define SSE_BACKOFF_MIN_MS	250
#define SSE_BACKOFF_MAX_MS	5000

struct sse_run;

/* One connection from nginx: first a request, then a stream. */
struct sse_sub {
	int		 fd;
	struct sse_run	*run;		/* NULL until the request is read */
	struct sse_sub	*prev, *next;	/* in run->subs */
	struct sse_sub	*all_prev, *all_next;	/* every connection */
	char		*head;		/* owned; the request so far */
	size_t		 head_len;
	struct ec_buf	 out;		/* unsent bytes, bounded */
	uint64_t	 last;		/* last event id sent */
	int64_t		 born_ms, wrote_ms, event_ms;
	bool		 closing;	/* close once "out" is drained */
	bool		 pollout;	/* EPOLLOUT is registered */
};

/* The subscribers of one run; exists while it has any. */
struct sse_run {
	char		 tenant[EC_MAX_TENANT_LEN + 1];
	char		 run_id[EC_RUN_ID_MAX + 1];
	struct sse_sub	*subs;
	size_t		 nsubs;
	bool		 dirty;		/* to be fetched */
	struct sse_run	*dnext;		/* dirty list */
};

struct ec_sse_server {
	struct ec_sse_opts	 o;		/* defaults filled in */
	char			 path[108];	/* sun_path */
	int			 lfd, epfd;
	bool			 accepting;	/* lfd is in the epoll set */
	struct sse_sub		*all;
	struct sse_sub		*dead;		/* closed, to free */
	size_t			 nsubs;
	struct ec_hmap		*runs;		/* run id -> struct sse_run * */
	struct sse_run		*dirty;
	struct ec_db		*db;		/* owned; NULL: reconnect */
	int			 dbfd;
	int64_t			 db_retry_ms;	/* when to reconnect */
	unsigned		 backoff_ms;
	struct ec_buf		 frames;	/* one fetch, framed */
	size_t			 offs[EC_SSE_FETCH_MAX];
	uint64_t		 ids[EC_SSE_FETCH_MAX];
};

/* ec_sse_server.c */
int64_t	sse_now_ms(void);
/*
 * Queue or write "len" bytes; the subscriber is dropped past its limit
 * or on a write error, and false returned.
 */
bool	sse_sub_send(struct ec_sse_server *s, struct sse_sub *sub,
	    const char *p, size_t len);
/* Close now, or after the unsent bytes when "drain". */
void	sse_sub_close(struct ec_sse_server *s, struct sse_sub *sub,
	    bool drain);

/* ec_sse_run.c */
int	sse_run_join(struct ec_sse_server *s, struct sse_sub *sub,
	    const struct ec_sse_target *t);
void	sse_run_leave(struct ec_sse_server *s, struct sse_sub *sub);
void	sse_run_mark(struct ec_sse_server *s, struct sse_run *r);
/* Connect when due; fetch every dirty run; read notifications. */
void	sse_db_tick(struct ec_sse_server *s);
/* The database socket is readable. */
void	sse_db_readable(struct ec_sse_server *s);
void	sse_db_close(struct ec_sse_server *s);

#endif
