/*
 * fcgi/route.c: one request from the FastCGI parameters to a handler:
 * the path, authentication (lib/ec_auth with the PostgreSQL replay store),
 * the worker's database connection, and responses in the gateway
 * contract's shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "ec_buf.h"
#include "ec_db.h"
#include "ec_log.h"
#include "ec_run.h"
#include "ec_time.h"

/* Expired DPoP ids are deleted on every this many requests of a worker. */
#define ROUTE_PRUNE_EVERY	64

const char *
api_param(const struct api_req *rq, const char *name)
{
	return FCGX_GetParam(name, rq->fcgi->envp);
}

/* Parameters sent more than once (nginx passes each repeated header). */
static int
route_count(const struct api_req *rq, const char *name)
{
	char	**e;
	size_t	  n = strlen(name);
	int	  count = 0;

	for (e = rq->fcgi->envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			count++;
	return count;
}

/*
 * The path of REQUEST_URI without its query, percent-decoded (RFC 3986
 * 2.1); a NUL, a bad escape or a path longer than the buffer is refused.
 */
static int
route_path(char *out, size_t size, const char *uri)
{
	size_t	n = 0;
	uint8_t	byte;

	if (uri == NULL || uri[0] != '/')
		return -1;
	for (; *uri != '\0' && *uri != '?' && *uri != '#'; uri++) {
		char	c = *uri;

		if (c == '%') {
			if (uri[1] == '\0' || uri[2] == '\0' ||
			    ec_hex_decode(&byte, 1, uri + 1, 2) == -1 ||
			    byte == 0)
				return -1;
			c = (char)byte;
			uri += 2;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

static void
route_now(char out[EC_TIME_MAX])
{
	ec_time_format(out, (int64_t)time(NULL) * 1000000);
}

void
api_reply_text(struct api_req *rq, int status, const char *type,
    const char *body, size_t len)
{
	/* libfcgi's own printf knows no %zu. */
	FCGX_FPrintF(rq->fcgi->out, "Status: %d\r\nContent-Type: %s\r\n"
	    "Content-Length: %lu\r\nCache-Control: no-store\r\n\r\n", status,
	    type, (unsigned long)len);
	(void)FCGX_PutStr(body, (int)len, rq->fcgi->out);
	ec_log(EC_LOG_INFO, "rid=%s method=%s status=%d", rq->rid, rq->method,
	    status);
}

void
api_reply_json(struct api_req *rq, int status, json_t *body,
    const char *headers)
{
	char	*s;

	s = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) :
	    NULL;
	json_decref(body);
	if (s == NULL) {
		FCGX_FPrintF(rq->fcgi->out, "Status: 500\r\nContent-Type: "
		    "application/json\r\n\r\n{\"code\":\"ERR_NOMEM\","
		    "\"message\":\"out of memory\"}\n");
		return;
	}
	/* A handler that sets its own Cache-Control replaces no-store. */
	FCGX_FPrintF(rq->fcgi->out, "Status: %d\r\nContent-Type: "
	    "application/json\r\n%s%s\r\n%s\n", status, headers != NULL &&
	    strstr(headers, "Cache-Control:") != NULL ? "" :
	    "Cache-Control: no-store\r\n", headers != NULL ? headers : "", s);
	free(s);
	/* The pool's half of the access log, by nginx's request id. */
	ec_log(EC_LOG_INFO, "rid=%s method=%s status=%d", rq->rid, rq->method,
	    status);
}

void
api_reply_error(struct api_req *rq, const struct ec_err *err,
    enum ec_auth_fault fault)
{
	char		 ts[EC_TIME_MAX], hdr[512] = "";
	int		 status = ec_err_http_status(err->code);
	const char	*msg = err->msg;
	json_t		*o;

	route_now(ts);
	/* A 5xx says nothing about our insides; the log has it, by id. */
	if (status >= 500) {
		ec_log(EC_LOG_ERR, "rid=%s code=%s msg=\"%s\"", rq->rid,
		    ec_err_name(err->code), err->msg);
		msg = status == 503 ? "service unavailable, retry later" :
		    "internal error";
	}
	o = json_pack("{s:s, s:s, s:s, s:s}", "code", ec_err_name(err->code),
	    "message", msg, "traceId", rq->rid, "timestamp", ts);
	if (status == 503 && o != NULL) {
		(void)json_object_set_new(o, "retryAfterSeconds",
		    json_integer(rq->ctx->conf->retry_after));
		(void)snprintf(hdr, sizeof(hdr), "Retry-After: %d\r\n",
		    rq->ctx->conf->retry_after);
	}
	if (status == 401 || (status == 403 && fault == EC_AUTH_FAULT_SCOPE)) {
		const char	*e = ec_auth_fault_name(fault);

		(void)snprintf(hdr, sizeof(hdr), "WWW-Authenticate: DPoP "
		    "algs=\"%s\"%s%s%s\r\n", rq->ctx->conf->algorithms,
		    e[0] != '\0' ? ", error=\"" : "", e,
		    e[0] != '\0' ? "\"" : "");
	}
	api_reply_json(rq, status, o, hdr);
}

int
api_db(struct ec_db **out, struct api_req *rq, struct ec_err *err)
{
	struct api_ctx	*ctx = rq->ctx;
	char		 why[sizeof(err->msg)];

	if (ctx->db == NULL && ec_db_connect(&ctx->db, ctx->conf->db[0] !=
	    '\0' ? ctx->conf->db : NULL, err) == -1) {
		ctx->db = NULL;
		/* Whatever libpq said, the client may retry: 503. */
		(void)snprintf(why, sizeof(why), "%s", err->msg);
		return ec_err_set(err, EC_ERR_UNAVAILABLE, "%s", why);
	}
	*out = ctx->db;
	return 0;
}

/* After a failure: a lost connection is dropped so the next reconnects. */
static void
route_db_check(struct api_ctx *ctx, const struct ec_err *err)
{
	if (err->code == EC_ERR_UNAVAILABLE || err->code == EC_ERR_DB) {
		ec_db_free(ctx->db);
		ctx->db = NULL;
	}
}

/* The replay store of ec_auth: dpop_jti in PostgreSQL. */
static int
route_seen(void *arg, const char *jti, int64_t iat, struct ec_err *err)
{
	struct api_req	*rq = arg;
	struct ec_db	*db;
	const char	*tenant = api_param(rq, "HTTP_X_STELLAOPS_TENANT");
	bool		 seen;
	int64_t		 keep;

	keep = iat + rq->ctx->conf->proof_max_age + rq->ctx->conf->leeway;
	if (rq->defer_jti) {
		rq->jti_keep = keep;
		rq->jti_prune = rq->ctx->served % ROUTE_PRUNE_EVERY == 0;
		return 2;
	}
	if (api_db(&db, rq, err) == -1 || ec_run_jti_seen(&seen, db, tenant,
	    jti, keep, rq->ctx->served % ROUTE_PRUNE_EVERY == 0, err) == -1) {
		route_db_check(rq->ctx, err);
		return -1;
	}
	return seen ? 1 : 0;
}

int
api_authenticate(struct api_req *rq, unsigned scope,
    enum ec_auth_fault *fault_out, struct ec_err *err)
{
	struct ec_auth_request	a;

	memset(&a, 0, sizeof(a));
	a.authorization = api_param(rq, "HTTP_AUTHORIZATION");
	a.dpop = api_param(rq, "HTTP_DPOP");
	a.dpop_count = route_count(rq, "HTTP_DPOP");
	a.method = rq->method;
	a.scheme = api_param(rq, "REQUEST_SCHEME");
	a.host = api_param(rq, "HTTP_HOST");
	a.uri = api_param(rq, "REQUEST_URI");
	a.tenant = api_param(rq, "HTTP_X_STELLAOPS_TENANT");
	a.scope = scope;
	a.seen = route_seen;
	a.seen_arg = rq;
	if (route_count(rq, "HTTP_X_STELLAOPS_TENANT") > 1) {
		*fault_out = EC_AUTH_FAULT_NONE;
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "more than one X-StellaOps-Tenant header");
	}
	if (ec_auth_verify(&rq->who, fault_out, rq->ctx->auth, &a, err) == -1)
		return -1;
	rq->project = api_param(rq, "HTTP_X_STELLAOPS_PROJECT");
	return 0;
}

/*
 * "<runId>/events" (cut to the run id in place, the path is ours): the
 * live progress stream of a run.
 */
static bool
route_events(char *rest)
{
	static const char	suffix[] = "/events";
	size_t			n = strlen(rest), k = sizeof(suffix) - 1;

	if (n <= k || strcmp(rest + n - k, suffix) != 0)
		return false;
	rest[n - k] = '\0';
	if (rest[0] == '\0' || strchr(rest, '/') != NULL) {
		rest[n - k] = '/';
		return false;
	}
	return true;
}

/* Method and path to a handler; anything else is 404. */
static void
route_dispatch(struct api_req *rq)
{
	static const char	runs[] = "/export-center/runs/";
	static const char	dists[] = "/export-center/distributions/";
	struct ec_err		err;
	bool			get = strcmp(rq->method, "GET") == 0;
	bool			post = strcmp(rq->method, "POST") == 0;

	if (strcmp(rq->path, "/healthz") == 0 && get)
		h_health_healthz(rq);
	else if (strcmp(rq->path, "/readyz") == 0 && get)
		h_health_readyz(rq);
	else if (strcmp(rq->path, "/metrics") == 0 && get)
		h_health_metrics(rq);
	else if (strcmp(rq->path, "/export-center/openapi.json") == 0 && get)
		h_health_openapi(rq);
	else if (strcmp(rq->path, "/export-center/profiles") == 0 && get)
		h_profiles_list(rq);
	else if (strcmp(rq->path, "/export-center/runs") == 0 && post)
		h_runs_create(rq);
	else if (strncmp(rq->path, runs, sizeof(runs) - 1) == 0 && get &&
	    rq->path[sizeof(runs) - 1] != '\0' &&
	    strchr(rq->path + sizeof(runs) - 1, '/') == NULL)
		h_runs_show(rq, rq->path + sizeof(runs) - 1);
	else if (strncmp(rq->path, dists, sizeof(dists) - 1) == 0 && get &&
	    rq->path[sizeof(dists) - 1] != '\0' &&
	    strchr(rq->path + sizeof(dists) - 1, '/') == NULL)
		h_dist_show(rq, rq->path + sizeof(dists) - 1);
	else if (strncmp(rq->path, runs, sizeof(runs) - 1) == 0 && get &&
	    route_events(rq->path + sizeof(runs) - 1))
		h_events_stream(rq, rq->path + sizeof(runs) - 1);
	else {
		(void)ec_err_set(&err, EC_ERR_NOT_FOUND, "no such resource");
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
	}
}

void
api_handle(struct api_ctx *ctx, FCGX_Request *fcgi)
{
	struct api_req	rq;
	struct ec_err	err;
	const char	*m;

	memset(&rq, 0, sizeof(rq));
	rq.fcgi = fcgi;
	rq.ctx = ctx;
	ctx->served++;
	m = FCGX_GetParam("REQUEST_METHOD", fcgi->envp);
	rq.method = m != NULL ? m : "";
	m = FCGX_GetParam("REQUEST_ID", fcgi->envp);
	rq.rid = m != NULL ? m : "-";
	if (route_path(rq.path, sizeof(rq.path),
	    FCGX_GetParam("REQUEST_URI", fcgi->envp)) == -1) {
		(void)ec_err_set(&err, EC_ERR_REQUEST_INVALID,
		    "malformed request path");
		api_reply_error(&rq, &err, EC_AUTH_FAULT_NONE);
		return;
	}
	route_dispatch(&rq);
}

void
api_fail(struct api_req *rq, const struct ec_err *err)
{
	route_db_check(rq->ctx, err);
	api_reply_error(rq, err, EC_AUTH_FAULT_NONE);
}
