/*
 * ec_run_base: the base of a mirror:delta run.  A run names it with
 * baseRunId (stored under the request's "options"): an earlier
 * mirror:full run of the same tenant, checked when the run is queued;
 * export-cron rebuilds that run's tree from its artifact rows and their
 * blobs and hands it to the build as the "base" parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ec_blob.h"
#include "ec_db.h"
#include "ec_mirror_delta.h"
#include "ec_publish.h"
#include "ec_run_int.h"

#define BASE_PATH_MAX	4096

static const char *
base_run_id(const json_t *request)
{
	return json_string_value(json_object_get(json_object_get(request,
	    "options"), "baseRunId"));
}


int
ec_run_base_check(struct ec_db *db, const char *tenant, const char *kind,
    const json_t *request, struct ec_err *err)
{
	const char	*id = base_run_id(request);
	const char	*vals[2];
	PGresult	*res;
	int		 rc = -1;

	if (strcmp(kind, "mirror:delta") != 0)
		return id == NULL ? 0 : ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "baseRunId: only a mirror:delta run has a base");
	if (id == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "baseRunId: "
		    "required for a mirror:delta run");
	/* Another tenant's run is not found either: nothing leaks. */
	if (!ec_run_id_valid(id, tenant))
		return ec_err_set(err, EC_ERR_BASE_MISSING, "baseRunId: no "
		    "run %.200s", id);
	vals[0] = tenant;
	vals[1] = id;
	if ((res = ec_db_exec(db, "SELECT r.status, p.kind FROM runs r JOIN "
	    "export_profiles p ON p.tenant = r.tenant AND p.id = r.profile_id "
	    "WHERE r.tenant = $1 AND r.id = $2", 2, vals, NULL, NULL, false,
	    err)) == NULL)
		return -1;
	if (PQntuples(res) != 1)
		(void)ec_err_set(err, EC_ERR_BASE_MISSING, "baseRunId: no run "
		    "%.200s", id);
	/*
	 * A mirror:delta run stores its delta, not the tree it leads to, so
	 * only a full mirror run can be rebuilt as a base from the store.
	 */
	else if (strcmp(PQgetvalue(res, 0, 1), "mirror:full") != 0)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "baseRunId: run "
		    "%.200s is a %.32s run, not a mirror:full run", id,
		    PQgetvalue(res, 0, 1));
	else if (strcmp(PQgetvalue(res, 0, 0), "succeeded") != 0)
		(void)ec_err_set(err, EC_ERR_BASE_MISSING, "baseRunId: run "
		    "%.200s is %.16s, not succeeded", id,
		    PQgetvalue(res, 0, 0));
	else
		rc = 0;
	PQclear(res);
	return rc;
}

/* The base run's tree files: every artifact row but distributions. */
static int
base_rows(struct ec_blob_file **out, size_t *n_out, struct ec_db *db,
    const char *tenant, const char *id, struct ec_err *err)
{
	struct ec_blob_file	*f = NULL;
	PGresult		*res = NULL;
	const char		*vals[2] = { tenant, id };
	int			 i, n = 0;

	if (ec_db_begin(db, tenant, false, err) == -1)
		return -1;
	if ((res = ec_db_exec(db, "SELECT a.id, a.sha256, a.size FROM "
	    "artifacts a JOIN runs r ON r.tenant = a.tenant AND r.id = "
	    "a.run_id WHERE a.tenant = $1 AND a.run_id = $2 AND r.status = "
	    "'succeeded' AND a.type IN ('manifest', 'file') ORDER BY a.id",
	    2, vals, NULL, NULL, false, err)) == NULL)
		goto fail;
	n = PQntuples(res);
	if (n == 0 || n > EC_MIRROR_MAX_FILES) {
		(void)ec_err_set(err, n == 0 ? EC_ERR_BASE_MISSING :
		    EC_ERR_TOO_LARGE, "baseRunId: run %.200s has %s", id,
		    n == 0 ? "no stored tree (expired, or not succeeded)" :
		    "too many files");
		goto fail;
	}
	if ((f = calloc((size_t)n, sizeof(*f))) == NULL) {
		(void)ec_err_nomem(err);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		(void)snprintf(f[i].path, sizeof(f[i].path), "%s",
		    PQgetvalue(res, i, 0));
		(void)snprintf(f[i].sha256, sizeof(f[i].sha256), "%s",
		    PQgetvalue(res, i, 1));
		if (ec_db_get_u64(&f[i].size, res, i, 2, INT64_MAX, err) == -1)
			goto fail;
	}
	PQclear(res);
	if (ec_db_commit(db, err) == -1) {
		free(f);
		return -1;
	}
	*out = f;
	*n_out = (size_t)n;
	return 0;
fail:
	PQclear(res);
	ec_db_rollback(db);
	free(f);
	return -1;
}

int
ec_run_base_load(struct ec_run_base *out, struct ec_export_req *req,
    const struct ec_run_job *job, struct ec_db *db, const char *store,
    struct ec_err *err)
{
	struct ec_blob_file	*f = NULL;
	const char		*id = base_run_id(job->request);
	char			 tmp[BASE_PATH_MAX], dir[BASE_PATH_MAX];
	size_t			 n = 0, i;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	if (id == NULL)
		return 0;
	if (req->nparams >= EC_PARAM_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "params: no "
		    "room for the base");
	(void)snprintf(tmp, sizeof(tmp), "%s/" EC_BLOB_TMP, store);
	if (base_rows(&f, &n, db, req->tenant, id, err) == -1 ||
	    ec_publish_staging_new(&out->st, tmp, "base-", err) == -1)
		goto out;
	if (snprintf(dir, sizeof(dir), "%s/tree",
	    ec_publish_staging_path(out->st)) >= (int)sizeof(dir) ||
	    snprintf(out->param, sizeof(out->param), "base=%s", dir) >=
	    (int)sizeof(out->param) || mkdir(dir, 0755) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "base staging: %s",
		    strerror(errno));
		goto out;
	}
	if (ec_mirror_tree_from_store(dir, store, f, n, err) == -1) {
		(void)ec_err_prefix(err, "baseRunId %.200s", id);
		goto out;
	}
	for (i = 0; i < req->nparams; i++)
		out->params[i] = req->params[i];
	out->params[i] = out->param;
	req->params = out->params;
	req->nparams = i + 1;
	rc = 0;
out:
	free(f);
	if (rc == -1)
		ec_run_base_dispose(out);
	return rc;
}

void
ec_run_base_dispose(struct ec_run_base *b)
{
	ec_publish_staging_free(b->st);
	b->st = NULL;
}
