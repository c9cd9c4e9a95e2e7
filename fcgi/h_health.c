/*
 * fcgi/h_health.c: GET /healthz (the process answers), GET /readyz (the
 * database answers and has every migration of this build), GET /metrics
 * (Prometheus text from PostgreSQL, the same whichever worker answers)
 * and GET /export-center/openapi.json.  None of them needs a token:
 * probes and scrapers carry none, and none of them shows tenant data.
 */
#include <stdio.h>

#include "api.h"
#include "ec_buf.h"
#include "ec_db.h"
#include "ec_run.h"

/* The exposition of every run and queue metric is a few KiB. */
#define HEALTH_METRICS_MAX	(256 * 1024)

void
h_health_healthz(struct api_req *rq)
{
	api_reply_json(rq, 200, json_pack("{s:s}", "status", "ok"), NULL);
}

void
h_health_readyz(struct api_req *rq)
{
	struct ec_db	*db;
	struct ec_err	 err;
	int		 version;

	if (api_db(&db, rq, &err) == -1 ||
	    ec_run_ready(&version, db, &err) == -1) {
		api_fail(rq, &err);
		return;
	}
	api_reply_json(rq, 200, json_pack("{s:s, s:i}", "status", "ready",
	    "schemaVersion", version), NULL);
}

void
h_health_metrics(struct api_req *rq)
{
	struct ec_buf	 b;
	struct ec_db	*db;
	struct ec_err	 err;

	ec_buf_init(&b, HEALTH_METRICS_MAX);
	if (api_db(&db, rq, &err) == -1 || ec_run_metrics(&b, db, &err) == -1)
		api_fail(rq, &err);
	else
		api_reply_text(rq, 200, "text/plain; version=0.0.4",
		    b.len > 0 ? b.data : "", b.len);
	ec_buf_dispose(&b);
}

void
h_health_openapi(struct api_req *rq)
{
	struct ec_err	err;

	if (rq->ctx->openapi == NULL) {
		(void)ec_err_set(&err, EC_ERR_NOT_FOUND,
		    "no OpenAPI document configured");
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		return;
	}
	api_reply_text(rq, 200, "application/json", rq->ctx->openapi,
	    rq->ctx->openapi_len);
}
