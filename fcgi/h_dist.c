/*
 * fcgi/h_dist.c: signed download URLs in run statuses, and
 * GET /export-center/distributions/{id} (lib/ec_dist.h).
 *
 * URLs are relative to the API's base ("/downloads/..."): the same host
 * and scheme nginx answered this request on, whatever name the client
 * used.  Expiries are rounded up to a whole minute, so every answer
 * within one minute carries the same URLs and the same distribution
 * ETag (its max-age is 60 s too); a URL lives download_ttl to
 * download_ttl + 60 seconds.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "ec_db.h"
#include "ec_dist.h"
#include "ec_log.h"
#include "ec_run.h"
#include "ec_time.h"

#define DIST_CACHE \
	"Cache-Control: private, max-age=60, stale-if-error=300"

/* One output: its url signed, expiresAt added.  Pushed ones stay. */
static int
dist_sign_output(struct api_req *rq, json_t *o, const char *run_id,
    int64_t exp, const char *exp_iso, struct ec_err *err)
{
	const char	*type, *sha, *name;
	char		 url[EC_URLSIGN_URL_MAX];
	char		 file[EC_URLSIGN_NAME_MAX + 1];

	type = json_string_value(json_object_get(o, "type"));
	sha = json_string_value(json_object_get(o, "sha256"));
	name = json_string_value(json_object_get(o, "name"));
	if (type == NULL || strcmp(type, "distribution") == 0)
		return 0;
	if (sha == NULL || strncmp(sha, "sha256:", 7) != 0 || name == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "output without digest");
	ec_urlsign_file_name(file, name);
	if (ec_urlsign_sign(url, rq->ctx->dl_keys, "GET", rq->who.tenant,
	    run_id, sha + 7, file, exp, err) == -1)
		return -1;
	if (json_object_set_new(o, "url", json_string(url)) == -1 ||
	    json_object_set_new(o, "expiresAt", json_string(exp_iso)) == -1)
		return ec_err_nomem(err);
	return 0;
}

int
api_sign_run(struct api_req *rq, json_t *run, struct ec_err *err)
{
	const char	*run_id, *status;
	char		 iso[EC_TIME_MAX], dist[EC_DIST_ID_MAX + 1];
	char		 self[EC_RUN_ID_MAX + 32];
	char		 path[EC_DIST_ID_MAX + 32];
	json_t		*o, *links;
	int64_t		 exp;
	size_t		 i;

	run_id = json_string_value(json_object_get(run, "runId"));
	status = json_string_value(json_object_get(run, "status"));
	if (run_id == NULL || status == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "run without id");
	(void)snprintf(self, sizeof(self), "/export-center/runs/%s", run_id);
	links = json_pack("{s:s, s:s+}", "status", self, "events", self,
	    "/events");
	if (links == NULL || json_object_set_new(run, "links", links) == -1)
		return ec_err_nomem(err);
	if (strcmp(status, "succeeded") == 0) {
		if (ec_dist_id(dist, run_id, rq->who.tenant, err) == -1)
			return -1;
		(void)snprintf(path, sizeof(path),
		    "/export-center/distributions/%s", dist);
		if (json_object_set_new(links, "distribution",
		    json_string(path)) == -1)
			return ec_err_nomem(err);
	}
	if (rq->ctx->dl_keys == NULL)
		return 0;
	exp = (int64_t)time(NULL) + rq->ctx->conf->download_ttl;
	exp += (60 - exp % 60) % 60;
	ec_time_format(iso, exp * 1000000);
	json_array_foreach(json_object_get(run, "outputs"), i, o)
		if (dist_sign_output(rq, o, run_id, exp, iso, err) == -1)
			return -1;
	return 0;
}

/* 304: the validators again, no body (RFC 9110 15.4.5). */
static void
dist_not_modified(struct api_req *rq, const char *etag)
{
	FCGX_FPrintF(rq->fcgi->out, "Status: 304\r\nETag: %s\r\n" DIST_CACHE
	    "\r\n\r\n", etag);
	ec_log(EC_LOG_INFO, "rid=%s method=%s status=304", rq->rid,
	    rq->method);
}

void
h_dist_show(struct api_req *rq, const char *dist_id)
{
	struct ec_db		*db;
	struct ec_err		 err;
	enum ec_auth_fault	 fault;
	json_t			*run = NULL, *doc;
	const char		*status;
	char			 run_id[EC_RUN_ID_MAX + 1];
	char			 etag[EC_DIST_ETAG_MAX], hdr[256];

	if (api_authenticate(rq, EC_AUTH_SCOPE_READ, &fault, &err) == -1) {
		api_reply_error(rq, &err, fault);
		return;
	}
	/* Another tenant's id is as unknown as a malformed one. */
	if (!ec_dist_run_id(run_id, dist_id, rq->who.tenant)) {
		(void)ec_err_set(&err, EC_ERR_NOT_FOUND,
		    "no such distribution");
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		return;
	}
	if (api_db(&db, rq, &err) == -1 ||
	    ec_run_show(&run, db, rq->who.tenant, run_id, &err) == -1) {
		if (err.code == EC_ERR_NOT_FOUND)
			(void)ec_err_set(&err, EC_ERR_NOT_FOUND,
			    "no such distribution");
		api_fail(rq, &err);
		return;
	}
	status = json_string_value(json_object_get(run, "status"));
	if (status != NULL && strcmp(status, "expired") == 0)
		(void)ec_err_set(&err, EC_ERR_EXPIRED,
		    "the run expired and its outputs were removed");
	else if (rq->ctx->dl_keys == NULL)
		(void)ec_err_set(&err, EC_ERR_UNAVAILABLE,
		    "signed downloads are not configured");
	else if (api_sign_run(rq, run, &err) == 0 &&
	    (doc = ec_dist_build(run, &err)) != NULL) {
		json_decref(run);
		if (ec_dist_etag(etag, doc, &err) == -1) {
			json_decref(doc);
			api_fail(rq, &err);
			return;
		}
		if (ec_dist_etag_match(api_param(rq, "HTTP_IF_NONE_MATCH"),
		    etag)) {
			json_decref(doc);
			dist_not_modified(rq, etag);
			return;
		}
		(void)snprintf(hdr, sizeof(hdr), "ETag: %s\r\n" DIST_CACHE
		    "\r\n", etag);
		api_reply_json(rq, 200, doc, hdr);
		return;
	}
	json_decref(run);
	api_fail(rq, &err);
}
