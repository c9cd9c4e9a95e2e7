/*
 * ec_run_req: the pure half of ec_run: run ids, the validated request and
 * its hash, lease arithmetic, and turning a stored request back into a
 * build request.  No database here, so all of it is unit-tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_db.h"
#include "ec_run.h"
#include "ec_run_int.h"
#include "ec_select.h"

/* Canonical requests are small: a profile, two lists, parameters. */
#define RUN_REQ_MAX	(EC_PARAM_MAX * (EC_PARAM_KEY_MAX + \
			    2 * EC_PARAM_VALUE_MAX) + 4096)

static bool
run_day_valid(const char *day)
{
	size_t	i;

	if (day == NULL || strlen(day) != 10)
		return false;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? day[i] != '-' :
		    day[i] < '0' || day[i] > '9')
			return false;
	return true;
}

int
ec_run_id_format(char out[EC_RUN_ID_MAX + 1], const char *tenant,
    const char *day, uint64_t seq, struct ec_err *err)
{
	if (ec_tenant_check(tenant, err) == -1)
		return -1;
	if (!run_day_valid(day) || seq == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "run id: bad day or sequence number");
	(void)snprintf(out, EC_RUN_ID_MAX + 1, "export-run::%s::%s::%04llu",
	    tenant, day, (unsigned long long)seq);
	return 0;
}

bool
ec_run_id_valid(const char *id, const char *tenant)
{
	struct ec_err	 err;
	const char	*p;
	char		 day[11];
	size_t		 tl, n;

	/* An id names a tenant ec_run_id_format() takes (fuzz_run: ""). */
	if (tenant == NULL || ec_tenant_check(tenant, &err) == -1)
		return false;
	if (id == NULL || strlen(id) > EC_RUN_ID_MAX ||
	    strncmp(id, "export-run::", 12) != 0)
		return false;
	tl = strlen(tenant);
	p = id + 12;
	if (strncmp(p, tenant, tl) != 0 || strncmp(p + tl, "::", 2) != 0)
		return false;
	p += tl + 2;
	(void)snprintf(day, sizeof(day), "%.10s", p);
	if (!run_day_valid(day) || strncmp(p + 10, "::", 2) != 0)
		return false;
	p += 12;
	for (n = 0; p[n] >= '0' && p[n] <= '9'; n++)
		;
	/* The sequence is a PostgreSQL integer: ten digits at most. */
	return n >= 4 && n <= 10 && p[n] == '\0';
}

/* params: an object of the "key=value" strings, sorted by RFC 8785. */
static json_t *
run_params_json(const struct ec_run_spec *spec, struct ec_err *err)
{
	json_t	*o;
	size_t	 i;

	if ((o = json_object()) == NULL) {
		(void)ec_err_nomem(err);
		return NULL;
	}
	for (i = 0; i < spec->nparams; i++) {
		const char	*kv = spec->params[i], *eq = strchr(kv, '=');
		char		 key[EC_PARAM_KEY_MAX + 1];

		/* ec_export_check() has refused anything else already. */
		if (eq == NULL || (size_t)(eq - kv) > EC_PARAM_KEY_MAX)
			continue;
		(void)snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
		if (json_object_set_new(o, key, json_string(eq + 1)) == -1) {
			json_decref(o);
			(void)ec_err_nomem(err);
			return NULL;
		}
	}
	return o;
}

/* The distribution object, when asked for, into the request "o". */
static int
run_request_dist(json_t *o, const struct ec_run_spec *spec, const char *kind,
    struct ec_err *err)
{
	json_t	*d;

	if (ec_run_distribution_check(&d, spec, kind, err) == -1)
		return -1;
	if (d != NULL && json_object_set_new(o, "distribution", d) == -1)
		return ec_err_nomem(err);
	return 0;
}

json_t *
ec_run_request(const struct ec_run_spec *spec, const char *name,
    const char *kind, struct ec_err *err)
{
	struct ec_export_req		 req;
	struct ec_selectors		 sel;
	const struct ec_profile		*p;
	json_t				*o = NULL, *sj;
	char				 pid[EC_RUN_PROFILE_ID_MAX + 1];

	if (spec->priority > EC_RUN_PRIORITY_MAX) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "priority: 0 to %d", EC_RUN_PRIORITY_MAX);
		return NULL;
	}
	memset(&req, 0, sizeof(req));
	req.tenant = spec->tenant;
	req.profile = kind;
	req.targets = spec->targets;
	req.formats = spec->formats;
	req.params = spec->params;
	req.nparams = spec->nparams;
	if (ec_export_check(&req, err) == -1)
		return NULL;
	/* ec_export_check() found the profile and accepted the selectors. */
	p = ec_profile_find(kind);
	sel = p->defaults;
	if (ec_selectors_parse(&sel, spec->targets, spec->formats, err) == -1)
		return NULL;
	(void)snprintf(pid, sizeof(pid), "export-profile::%s::%s",
	    spec->tenant, name);
	if ((sj = ec_selectors_json(&sel)) == NULL ||
	    (o = json_pack("{s:s, s:s, s:O, s:O, s:I}", "profile", kind,
	    "profileId", pid, "targets", json_object_get(sj, "targets"),
	    "formats", json_object_get(sj, "formats"), "priority",
	    (json_int_t)spec->priority)) == NULL) {
		json_decref(sj);
		(void)ec_err_nomem(err);
		return NULL;
	}
	json_decref(sj);
	if (run_request_dist(o, spec, kind, err) == -1) {
		json_decref(o);
		return NULL;
	}
	if (spec->options != NULL && json_object_set_new(o, "options",
	    json_deep_copy(spec->options)) == -1) {
		json_decref(o);
		(void)ec_err_nomem(err);
		return NULL;
	}
	if (spec->nparams > 0) {
		json_t	*pj = run_params_json(spec, err);

		if (pj == NULL || json_object_set_new(o, "params", pj) == -1) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int
ec_run_request_hash(char hex_out[EC_SHA256_HEX], const json_t *req,
    struct ec_err *err)
{
	struct ec_buf	b;

	ec_buf_init(&b, RUN_REQ_MAX);
	if (ec_canon_dump(&b, req, err) == -1) {
		ec_buf_dispose(&b);
		return -1;
	}
	ec_sha256_hex(hex_out, b.data, b.len);
	ec_buf_dispose(&b);
	return 0;
}

unsigned
ec_run_renew_interval(unsigned lease)
{
	/* Two renewals may fail (a slow query, a brief outage) in time. */
	return lease >= 3 ? lease / 3 : 1;
}

/* A JSON array of names as CSV into out[size]; false if it does not fit. */
static bool
run_csv(char *out, size_t size, const json_t *arr)
{
	const json_t	*v;
	size_t		 i, n = 0;
	int		 k;

	out[0] = '\0';
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return false;
		k = snprintf(out + n, size - n, "%s%s", i > 0 ? "," : "",
		    json_string_value(v));
		if (k < 0 || (size_t)k >= size - n)
			return false;
		n += (size_t)k;
	}
	return n > 0;
}

/* The params object back into "key=value" strings in one buffer. */
static int
run_job_params(struct ec_run_job *job, struct ec_export_req *req,
    const json_t *params, struct ec_err *err)
{
	const char	*k;
	json_t		*v;
	struct ec_buf	 b;
	size_t		 i, n = 0, off[EC_PARAM_MAX];

	if (params == NULL)
		return 0;
	if (!json_is_object(params) || json_object_size(params) > EC_PARAM_MAX)
		return ec_err_set(err, EC_ERR_INTERNAL, "stored request: "
		    "params");
	ec_buf_init(&b, RUN_REQ_MAX);
	json_object_foreach((json_t *)params, k, v) {
		off[n++] = b.len;
		if (!json_is_string(v) || ec_buf_addf(&b, err, "%s=%s", k,
		    json_string_value(v)) == -1 || ec_buf_addc(&b, '\0',
		    err) == -1) {
			ec_buf_dispose(&b);
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "stored request: params");
		}
	}
	job->params_buf = ec_buf_steal(&b, NULL);
	for (i = 0; i < n; i++)
		job->params[i] = job->params_buf + off[i];
	req->params = job->params;
	req->nparams = n;
	return 0;
}

/* Fill "req" from job->request (loaded by ec_run_job_load). */
int
ec_run_job_fill(struct ec_run_job *job, struct ec_export_req *req,
    struct ec_err *err)
{
	const json_t	*r = job->request;

	if (!json_is_string(json_object_get(r, "profile")) ||
	    !run_csv(job->targets, sizeof(job->targets),
	    json_object_get(r, "targets")) ||
	    !run_csv(job->formats, sizeof(job->formats),
	    json_object_get(r, "formats")))
		return ec_err_set(err, EC_ERR_INTERNAL, "stored request: "
		    "profile, targets or formats");
	req->profile = json_string_value(json_object_get(r, "profile"));
	req->targets = job->targets;
	req->formats = job->formats;
	return run_job_params(job, req, json_object_get(r, "params"), err);
}

void
ec_run_job_dispose(struct ec_run_job *job)
{
	json_decref(job->request);
	free(job->params_buf);
	memset(job, 0, sizeof(*job));
}
