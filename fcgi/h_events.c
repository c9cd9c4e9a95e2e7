/*
 * fcgi/h_events.c: GET /export-center/runs/{runId}/events.  The worker
 * authenticates (DPoP, export:read, the tenant header matching the
 * token), answers 404 for a run the tenant does not have, and hands the
 * stream to nginx with X-Accel-Redirect to its internal location, which
 * export-events serves (README: Live progress (SSE)).  The worker is
 * free again as soon as the headers are written: no stream holds one.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "ec_log.h"
#include "ec_run.h"
#include "ec_sse.h"

void
h_events_stream(struct api_req *rq, const char *run_id)
{
	struct ec_sse_target	 t;
	struct ec_db		*db;
	struct ec_err		 err;
	char			 uri[EC_SSE_URI_MAX];
	json_t			*o;

	if (!api_run_reader(rq, run_id))
		return;
	memset(&t, 0, sizeof(t));
	(void)snprintf(t.tenant, sizeof(t.tenant), "%s", rq->who.tenant);
	(void)snprintf(t.run_id, sizeof(t.run_id), "%s", run_id);
	/* WHATWG HTML 9.2.4: the resume point a reconnecting client sends. */
	if (ec_sse_last_id(&t.after, api_param(rq, "HTTP_LAST_EVENT_ID"),
	    &err) == -1 || ec_sse_redirect(uri, &t, &err) == -1) {
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		return;
	}
	if (api_db(&db, rq, &err) == -1 ||
	    ec_run_show(&o, db, rq->who.tenant, run_id, &err) == -1) {
		api_fail(rq, &err);
		return;
	}
	json_decref(o);
	FCGX_FPrintF(rq->fcgi->out, "Status: 200\r\nX-Accel-Redirect: %s\r\n"
	    "Content-Type: text/event-stream\r\n\r\n", uri);
	ec_log(EC_LOG_INFO, "rid=%s method=%s status=200 stream=%s", rq->rid,
	    rq->method, run_id);
}
