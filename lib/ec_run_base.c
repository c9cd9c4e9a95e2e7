/*
 * ec_run_base: the base of a mirror:delta run.  A run names it with
 * baseRunId (stored under the request's "options"): an earlier mirror
 * run of the same tenant, checked when the run is queued; export-cron
 * rebuilds the tree that run stands for from the artifact rows and blobs
 * of the store (a delta run's delta applied to its own base, and so on
 * down to a full run) and hands it to the build as the "base" parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ec_blob.h"
#include "ec_buf.h"
#include "ec_db.h"
#include "ec_key.h"
#include "ec_limits.h"
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
	/* Encrypted as ec_run_keys_load() would encrypt it: enabled, a key. */
	if ((res = ec_db_exec(db, "SELECT r.status, p.kind, coalesce(r.request "
	    "-> 'options' -> 'encryption' ->> 'enabled' = 'true' AND r.request "
	    "-> 'options' -> 'encryption' ->> 'kmsKey' IS NOT NULL, false) "
	    "FROM runs r JOIN export_profiles p ON p.tenant = r.tenant AND "
	    "p.id = r.profile_id WHERE r.tenant = $1 AND r.id = $2", 2, vals,
	    NULL, NULL, false, err)) == NULL)
		return -1;
	if (PQntuples(res) != 1)
		(void)ec_err_set(err, EC_ERR_BASE_MISSING, "baseRunId: no run "
		    "%.200s", id);
	else if (strcmp(PQgetvalue(res, 0, 1), "mirror:full") != 0 &&
	    strcmp(PQgetvalue(res, 0, 1), "mirror:delta") != 0)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "baseRunId: run "
		    "%.200s is a %.32s run, not a mirror run", id,
		    PQgetvalue(res, 0, 1));
	else if (strcmp(PQgetvalue(res, 0, 0), "succeeded") != 0)
		(void)ec_err_set(err, EC_ERR_BASE_MISSING, "baseRunId: run "
		    "%.200s is %.16s, not succeeded", id,
		    PQgetvalue(res, 0, 0));
	/*
	 * The store holds an encrypted run's .age files only, and
	 * export-cron holds no identity to decrypt them: the plaintext tree
	 * a delta must be computed against cannot be rebuilt.
	 */
	else if (strcmp(PQgetvalue(res, 0, 2), "t") == 0)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "baseRunId: run "
		    "%.200s was encrypted (encryption.enabled) and "
		    "export-cron holds no identity to rebuild its plaintext "
		    "tree; base the delta on an unencrypted run", id);
	else
		rc = 0;
	PQclear(res);
	return rc;
}

/*
 * Delta runs on delta runs: each level is rebuilt from its own base, so
 * the chain is bounded (a longer one is rebased on a new full run).
 */
#define BASE_DEPTH_MAX	32

/* One stored run: its kind, its own base and its tree's artifact rows. */
struct base_run {
	char			 kind[32];
	char			 base[EC_RUN_ID_MAX + 1];	/* "": none */
	struct ec_blob_file	*f;				/* owned */
	size_t			 n;
};

struct base_ctx {
	struct ec_db			*db;		/* borrowed */
	const char			*tenant;	/* borrowed */
	const char			*store;		/* borrowed */
	const struct ec_verifier	*key;		/* borrowed */
	json_t				*applied;	/* borrowed */
	char				 root[BASE_PATH_MAX / 2];
	unsigned			 seq;
};

static int
base_files(struct base_run *r, const PGresult *res, struct ec_err *err)
{
	int	i, n = PQntuples(res);

	if (n > EC_MIRROR_MAX_FILES)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "baseRunId: more "
		    "than %d files", EC_MIRROR_MAX_FILES);
	if ((r->f = calloc((size_t)n + 1, sizeof(*r->f))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < n; i++) {
		(void)snprintf(r->f[i].path, sizeof(r->f[i].path), "%s",
		    PQgetvalue(res, i, 0));
		(void)snprintf(r->f[i].sha256, sizeof(r->f[i].sha256), "%s",
		    PQgetvalue(res, i, 1));
		if (ec_db_get_u64(&r->f[i].size, res, i, 2, INT64_MAX,
		    err) == -1)
			return -1;
	}
	r->n = (size_t)n;
	return 0;
}

/* The run "id" as stored, in one tenant transaction. */
static int
base_load_run(struct base_run *r, const struct base_ctx *x, const char *id,
    struct ec_err *err)
{
	PGresult	*res = NULL;
	const char	*vals[2] = { x->tenant, id };
	int		 rc = -1;

	memset(r, 0, sizeof(*r));
	if (ec_db_begin(x->db, x->tenant, false, err) == -1)
		return -1;
	if ((res = ec_db_exec(x->db, "SELECT p.kind, coalesce(r.request -> "
	    "'options' ->> 'baseRunId', '') FROM runs r JOIN export_profiles "
	    "p ON p.tenant = r.tenant AND p.id = r.profile_id WHERE r.tenant "
	    "= $1 AND r.id = $2 AND r.status = 'succeeded'", 2, vals, NULL,
	    NULL, false, err)) == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		(void)ec_err_set(err, EC_ERR_BASE_MISSING, "baseRunId: no "
		    "succeeded run %.200s", id);
		goto out;
	}
	(void)snprintf(r->kind, sizeof(r->kind), "%s", PQgetvalue(res, 0, 0));
	(void)snprintf(r->base, sizeof(r->base), "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if ((res = ec_db_exec(x->db, "SELECT id, sha256, size FROM artifacts "
	    "WHERE tenant = $1 AND run_id = $2 AND type IN ('manifest', "
	    "'file') ORDER BY id", 2, vals, NULL, NULL, false, err)) == NULL ||
	    base_files(r, res, err) == -1)
		goto out;
	if (r->n == 0) {
		(void)ec_err_set(err, EC_ERR_BASE_MISSING, "baseRunId: run "
		    "%.200s has no stored tree (expired)", id);
		goto out;
	}
	rc = ec_db_commit(x->db, err);
out:
	PQclear(res);
	if (rc == -1)
		ec_db_rollback(x->db);
	return rc;
}

/* A new directory name under the context's root. */
static void
base_dir(char out[BASE_PATH_MAX], struct base_ctx *x)
{
	(void)snprintf(out, BASE_PATH_MAX, "%s/t%u", x->root, x->seq++);
}

/* Apply one stored delta and record its export id, oldest first. */
static int
base_apply(struct base_ctx *x, const char *prev, const char *files,
    const char *dir_out, struct ec_err *err)
{
	struct ec_mirror_stats	st;

	if (ec_mirror_delta_apply(&st, prev, files, x->key, dir_out,
	    err) == -1)
		return -1;
	if (json_array_append_new(x->applied, json_string(st.export_id)) ==
	    -1)
		return ec_err_nomem(err);
	return 0;
}

/*
 * The mirror tree run "id" stands for, rebuilt in a new directory
 * (dir_out): a mirror:full run's own files; a mirror:delta run's files
 * are its delta, applied to its own base's tree (verified with the key
 * export-cron signs with).
 */
static int
base_tree(char dir_out[BASE_PATH_MAX], struct base_ctx *x, const char *id,
    int depth, struct ec_err *err)
{
	struct base_run	 r;
	char		 files[BASE_PATH_MAX], prev[BASE_PATH_MAX];
	int		 rc = -1;

	if (depth > BASE_DEPTH_MAX)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "baseRunId: a chain "
		    "of more than %d deltas", BASE_DEPTH_MAX);
	if (base_load_run(&r, x, id, err) == -1)
		goto out;
	base_dir(files, x);
	if (mkdir(files, 0755) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "base staging: %s",
		    strerror(errno));
		goto out;
	}
	if (ec_mirror_tree_from_store(files, x->store, r.f, r.n, err) == -1)
		goto out;
	if (strcmp(r.kind, "mirror:full") == 0) {
		(void)snprintf(dir_out, BASE_PATH_MAX, "%s", files);
		rc = 0;
	} else if (strcmp(r.kind, "mirror:delta") != 0 || r.base[0] == '\0')
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "baseRunId: run "
		    "%.200s is not a mirror run", id);
	else if (x->key == NULL)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "baseRunId: a "
		    "delta base is verified with export-cron's --key");
	else if (base_tree(prev, x, r.base, depth + 1, err) == 0) {
		base_dir(dir_out, x);
		rc = base_apply(x, prev, files, dir_out, err);
	}
out:
	free(r.f);
	if (rc == -1)
		(void)ec_err_prefix(err, "base run %.200s", id);
	return rc;
}

/* The public half of export-cron's key, which signed its delta runs. */
static int
base_key(struct ec_verifier **out, const struct ec_signer *signer,
    struct ec_err *err)
{
	struct ec_buf	pem;
	int		rc;

	*out = NULL;
	if (signer == NULL)
		return 0;
	ec_buf_init(&pem, EC_MAX_KEY_BYTES);
	rc = ec_signer_pubkey_pem(&pem, signer, err) == -1 ||
	    ec_verifier_load_mem(out, pem.data, pem.len, err) == -1 ? -1 : 0;
	ec_buf_dispose(&pem);
	return rc;
}

int
ec_run_base_load(struct ec_run_base *out, struct ec_export_req *req,
    const struct ec_run_job *job, struct ec_db *db, const char *store,
    const struct ec_signer *signer, struct ec_err *err)
{
	struct ec_verifier	*key = NULL;
	struct base_ctx		 x;
	const char		*id = base_run_id(job->request);
	char			 tmp[BASE_PATH_MAX], dir[BASE_PATH_MAX];
	size_t			 i;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	if (id == NULL)
		return 0;
	if (req->nparams >= EC_PARAM_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "params: no "
		    "room for the base");
	memset(&x, 0, sizeof(x));
	x.db = db;
	x.tenant = req->tenant;
	x.store = store;
	(void)snprintf(out->run_id, sizeof(out->run_id), "%s", id);
	if ((x.applied = out->applied = json_array()) == NULL)
		return ec_err_nomem(err);
	(void)snprintf(tmp, sizeof(tmp), "%s/" EC_BLOB_TMP, store);
	if (base_key(&key, signer, err) == -1 ||
	    ec_publish_staging_new(&out->st, tmp, "base-", err) == -1)
		goto out;
	x.key = key;
	if (snprintf(x.root, sizeof(x.root), "%s",
	    ec_publish_staging_path(out->st)) >= (int)sizeof(x.root)) {
		(void)ec_err_set(err, EC_ERR_IO, "base staging: path too long");
		goto out;
	}
	if (base_tree(dir, &x, id, 0, err) == -1)
		goto out;
	if (snprintf(out->param, sizeof(out->param), "base=%s", dir) >=
	    (int)sizeof(out->param)) {
		(void)ec_err_set(err, EC_ERR_IO, "base staging: path too long");
		goto out;
	}
	for (i = 0; i < req->nparams; i++)
		out->params[i] = req->params[i];
	out->params[i] = out->param;
	req->params = out->params;
	req->nparams = i + 1;
	rc = 0;
out:
	ec_verifier_free(key);
	if (rc == -1)
		ec_run_base_dispose(out);
	return rc;
}

void
ec_run_base_dispose(struct ec_run_base *b)
{
	ec_publish_staging_free(b->st);
	b->st = NULL;
	json_decref(b->applied);
	b->applied = NULL;
	b->run_id[0] = '\0';
}
