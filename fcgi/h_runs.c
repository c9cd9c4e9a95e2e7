/*
 * fcgi/h_runs.c: POST /export-center/runs (queue a run, 202) and
 * GET /export-center/runs/{runId} (its status, progress and outputs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "ec_limits.h"
#include "ec_run.h"

/*
 * The body: CONTENT_LENGTH (RFC 3875 4.1.2) at most EC_MAX_BODY.  nginx
 * caps it too, but this process must not depend on that.  *out is the
 * caller's (free).
 */
static int
runs_read_body(char **out, size_t *len_out, struct api_req *rq,
    struct ec_err *err)
{
	const char	*cl = api_param(rq, "CONTENT_LENGTH");
	char		*body, *end;
	unsigned long	 len;

	if (cl == NULL || cl[0] == '\0')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "body: required (a JSON object)");
	len = strtoul(cl, &end, 10);
	if (*end != '\0' || cl[0] == '-' || cl[0] == '+')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "malformed Content-Length");
	if (len > EC_MAX_BODY)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "request body exceeds %d bytes", EC_MAX_BODY);
	if ((body = malloc(len + 1)) == NULL)
		return ec_err_nomem(err);
	if (FCGX_GetStr(body, (int)len, rq->fcgi->in) != (int)len) {
		free(body);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "short body");
	}
	body[len] = '\0';
	*out = body;
	*len_out = len;
	return 0;
}

/* 202 with the contract's fields, and Location for the status. */
static void
runs_accepted(struct api_req *rq, const struct ec_run_created *c,
    unsigned estimate)
{
	char	status[EC_RUN_ID_MAX + 32], events[EC_RUN_ID_MAX + 40];
	char	hdr[EC_RUN_ID_MAX + 64];

	(void)snprintf(status, sizeof(status), "/export-center/runs/%s",
	    c->run_id);
	(void)snprintf(events, sizeof(events), "%s/events", status);
	(void)snprintf(hdr, sizeof(hdr), "Location: %s\r\n", status);
	api_reply_json(rq, 202, json_pack("{s:s, s:s, s:i, s:{s:s, s:s}, s:i}",
	    "runId", c->run_id, "status", c->status, "estimateSeconds",
	    (int)estimate, "links", "status", status, "events", events,
	    "retryAfter", API_POLL_AFTER), hdr);
}

void
h_runs_create(struct api_req *rq)
{
	struct api_run_body	 b;
	struct ec_run_spec	 spec;
	struct ec_run_created	 c;
	json_t			*dist;	/* borrowed from b.root */
	struct ec_db		*db;
	struct ec_err		 err;
	enum ec_auth_fault	 fault;
	char			*body = NULL;
	size_t			 len = 0;
	unsigned		 estimate;

	memset(&b, 0, sizeof(b));
	if (api_authenticate(rq, EC_AUTH_SCOPE_WRITE, &fault, &err) == -1) {
		api_reply_error(rq, &err, fault);
		return;
	}
	if (runs_read_body(&body, &len, rq, &err) == -1 ||
	    api_run_body_parse(&b, body, len, &err) == -1) {
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		goto out;
	}
	memset(&spec, 0, sizeof(spec));
	spec.tenant = rq->who.tenant;
	spec.profile = b.profile;
	spec.targets = b.targets[0] != '\0' ? b.targets : NULL;
	spec.formats = b.formats[0] != '\0' ? b.formats : NULL;
	spec.priority = b.priority;
	spec.idempotency_key = api_param(rq, "HTTP_IDEMPOTENCY_KEY");
	/* X-StellaOps-Project is recorded with the request. */
	if (rq->project != NULL && (strlen(rq->project) == 0 ||
	    strlen(rq->project) > 128 || strspn(rq->project,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	    "._:-") != strlen(rq->project))) {
		(void)ec_err_set(&err, EC_ERR_REQUEST_INVALID,
		    "X-StellaOps-Project: 1 to 128 of [A-Za-z0-9._:-]");
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		goto out;
	}
	if (rq->project != NULL && json_object_set_new(b.options, "project",
	    json_string(rq->project)) == -1) {
		(void)ec_err_nomem(&err);
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		goto out;
	}
	spec.options = b.options;
	spec.retention_days = b.retention_days;
	/* An OCI distribution is pushed by export-cron (ec_run_dist.c). */
	dist = json_object_get(b.root, "distribution");
	if (json_is_object(dist) && strcmp(json_string_value(
	    json_object_get(dist, "type")), "oci") == 0) {
		spec.dist_type = "oci";
		spec.dist_ref = json_string_value(json_object_get(dist, "ref"));
	}
	/*
	 * Key references resolve for this tenant before anything is
	 * stored: an unknown or foreign one creates no run and no
	 * idempotency row.
	 */
	if (ec_run_keys_check(rq->ctx->keyring, spec.tenant, b.options,
	    &err) == -1) {
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		goto out;
	}
	/* A profile id of another tenant is not found, as its runs are not. */
	if (strncmp(b.profile, "export-profile::", 16) == 0 &&
	    (strncmp(b.profile + 16, spec.tenant, strlen(spec.tenant)) != 0 ||
	    strncmp(b.profile + 16 + strlen(spec.tenant), "::", 2) != 0)) {
		(void)ec_err_set(&err, EC_ERR_PROFILE_NOT_FOUND,
		    "no export profile \"%.100s\"", b.profile);
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		goto out;
	}
	if (api_db(&db, rq, &err) == -1 ||
	    ec_run_create(&c, db, &spec, &err) == -1 ||
	    ec_run_estimate(&estimate, db, spec.tenant, spec.targets,
	    &err) == -1) {
		api_fail(rq, &err);
		goto out;
	}
	runs_accepted(rq, &c, estimate);
out:
	api_run_body_dispose(&b);
	free(body);
}

bool
api_run_reader(struct api_req *rq, const char *run_id)
{
	struct ec_err		err;
	enum ec_auth_fault	fault;

	if (api_authenticate(rq, EC_AUTH_SCOPE_READ, &fault, &err) == -1) {
		api_reply_error(rq, &err, fault);
		return false;
	}
	/* Not the tenant's shape: as unknown as another tenant's run. */
	if (!ec_run_id_valid(run_id, rq->who.tenant)) {
		(void)ec_err_set(&err, EC_ERR_NOT_FOUND, "no such run");
		api_reply_error(rq, &err, EC_AUTH_FAULT_NONE);
		return false;
	}
	return true;
}

void
h_runs_show(struct api_req *rq, const char *run_id)
{
	struct ec_db		*db;
	struct ec_err		 err;
	enum ec_auth_fault	 fault;
	json_t			*o = NULL;
	bool			 seen;

	/* The jti goes into the transaction that reads the run. */
	rq->defer_jti = true;
	if (api_authenticate(rq, EC_AUTH_SCOPE_READ, &fault, &err) == -1) {
		api_reply_error(rq, &err, fault);
		return;
	}
	/*
	 * An id not of the tenant's shape is not found, like another's;
	 * ec_run_show_jti says so after recording the jti, so a replayed
	 * proof is refused as one whatever the id.
	 */
	if (api_db(&db, rq, &err) == -1 ||
	    ec_run_show_jti(&o, &seen, db, rq->who.tenant, run_id,
	    rq->who.jti, rq->jti_keep, rq->jti_prune, &err) == -1) {
		api_fail(rq, &err);
		return;
	}
	if (seen) {
		json_decref(o);
		(void)ec_auth_replay(&err);
		api_reply_error(rq, &err, EC_AUTH_FAULT_PROOF);
		return;
	}
	if (api_sign_run(rq, o, &err) == -1) {
		json_decref(o);
		api_fail(rq, &err);
		return;
	}
	api_reply_json(rq, 200, o, NULL);
}
