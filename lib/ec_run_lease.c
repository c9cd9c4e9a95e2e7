/*
 * ec_run_lease: the builder side of the run queue: claim, renew, load the
 * request, progress, and finish.  Every write after the claim is fenced
 * by (lease owner, attempt): a builder whose lease expired and whose run
 * was claimed again matches no row and learns it lost the run.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_blob.h"
#include "ec_db.h"
#include "ec_run.h"
#include "ec_run_int.h"

/* The fence every builder write carries, after the tenant ($1). */
#define RUN_FENCE	"tenant = $1 AND id = $2 AND status = 'running' " \
			"AND lease_owner = $3 AND attempts = $4"

/* Text parameters $1..$4 of RUN_FENCE. */
struct run_fence {
	char		 attempt[12];
	const char	*vals[8];
};

static void
run_fence_init(struct run_fence *f, const struct ec_run_claim *c)
{
	(void)snprintf(f->attempt, sizeof(f->attempt), "%d", c->attempt);
	f->vals[0] = c->tenant;
	f->vals[1] = c->run_id;
	f->vals[2] = c->owner;
	f->vals[3] = f->attempt;
}

static int
run_lost(const struct ec_run_claim *c, struct ec_err *err)
{
	return ec_err_set(err, EC_ERR_CONFLICT, "lease on %.200s (attempt %d) "
	    "lost", c->run_id, c->attempt);
}

/*
 * Begin a transaction for the claim's tenant and run "sql", an UPDATE
 * ending in RUN_FENCE with "n" parameters in f->vals.  No row: the lease
 * is lost, the transaction rolled back, EC_ERR_CONFLICT.  Otherwise the
 * transaction stays open for the caller.
 */
static int
run_fenced(struct ec_db *db, const struct ec_run_claim *c,
    const struct run_fence *f, const char *sql, int n, struct ec_err *err)
{
	PGresult	*res;
	bool		 ours;

	if (ec_db_begin(db, c->tenant, false, err) == -1)
		return -1;
	if ((res = ec_db_exec(db, sql, n, f->vals, NULL, NULL, false,
	    err)) == NULL) {
		ec_db_rollback(db);
		return -1;
	}
	ours = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!ours) {
		ec_db_rollback(db);
		return run_lost(c, err);
	}
	return 0;
}

int
ec_run_claim(bool *claimed_out, struct ec_run_claim *out, struct ec_db *db,
    const char *owner, const struct ec_run_limits *lim, struct ec_err *err)
{
	PGresult	*res;
	char		 lease[12], timeout[12], tries[12];
	const char	*vals[4] = { owner, lease, timeout, tries };
	uint64_t	 attempt;
	int		 rc = 0;

	if (ec_run_token_check("owner", owner, EC_RUN_OWNER_MAX, err) == -1)
		return -1;
	(void)snprintf(lease, sizeof(lease), "%u", lim->lease_s != 0 ?
	    lim->lease_s : EC_RUN_LEASE_DEFAULT);
	(void)snprintf(timeout, sizeof(timeout), "%u", lim->timeout_s != 0 ?
	    lim->timeout_s : EC_RUN_TIMEOUT_DEFAULT);
	(void)snprintf(tries, sizeof(tries), "%u", lim->max_attempts != 0 ?
	    lim->max_attempts : EC_RUN_MAX_ATTEMPTS);
	/*
	 * The documented exception to tenant-scoped statements: one call,
	 * its own transaction, across every tenant's queue (sql/0003).
	 */
	if ((res = ec_db_exec(db, "SELECT tenant, run_id, attempt FROM "
	    "export_claim_run($1, $2::int, $3::int, $4::int)", 4, vals, NULL,
	    NULL, false, err)) == NULL)
		return -1;
	*claimed_out = PQntuples(res) == 1;
	if (*claimed_out) {
		memset(out, 0, sizeof(*out));
		(void)snprintf(out->tenant, sizeof(out->tenant), "%s",
		    PQgetvalue(res, 0, 0));
		(void)snprintf(out->run_id, sizeof(out->run_id), "%s",
		    PQgetvalue(res, 0, 1));
		(void)snprintf(out->owner, sizeof(out->owner), "%s", owner);
		/* A bad number leaves the claim to expire with its lease. */
		if ((rc = ec_db_get_u64(&attempt, res, 0, 2, INT_MAX,
		    err)) == 0)
			out->attempt = (int)attempt;
	}
	PQclear(res);
	return rc;
}

/*
 * The failed event (seed 003): retryAfterSeconds only when creating the
 * run again may succeed, because what failed was outside the request (a
 * registry, the database, a rate limit).  NULL when out of memory.
 */
static json_t *
run_failed_payload(const struct ec_run_claim *c, const struct ec_err *why)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s, s:s}", "runId", c->run_id, "status",
	    "failed", "code", ec_err_name(why->code), "message", why->msg);
	if (o != NULL && (why->code == EC_ERR_DISTRIBUTION_FAILED ||
	    why->code == EC_ERR_UNAVAILABLE ||
	    why->code == EC_ERR_RATE_LIMIT) && json_object_set_new(o, "retryAfterSeconds",
	    json_integer(EC_RUN_RETRY_AFTER_S)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Fail the run in the open transaction; *done_out: the fence matched. */
static int
run_fail_tx(bool *done_out, struct ec_db *db, const struct ec_run_claim *c,
    const struct ec_err *why, struct ec_err *err)
{
	struct run_fence	 f;
	PGresult		*res;

	run_fence_init(&f, c);
	f.vals[4] = ec_err_name(why->code);
	f.vals[5] = why->msg;
	if ((res = ec_db_exec(db, "UPDATE runs SET status = 'failed', "
	    "finished_at = now(), lease_owner = NULL, lease_until = NULL, "
	    "error_code = $5, error_message = $6 WHERE " RUN_FENCE, 6, f.vals,
	    NULL, NULL, false, err)) == NULL)
		return -1;
	*done_out = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!*done_out)
		return 0;
	return ec_run_event(db, c->tenant, c->run_id, "failed",
	    run_failed_payload(c, why), err);
}

int
ec_run_renew(struct ec_db *db, const struct ec_run_claim *c,
    unsigned lease_s, struct ec_err *err)
{
	struct run_fence	 f;
	struct ec_err		 why;
	PGresult		*res;
	char			 secs[12];
	bool			 found, late = false, done;

	run_fence_init(&f, c);
	(void)snprintf(secs, sizeof(secs), "%u", lease_s);
	f.vals[4] = secs;
	if (ec_db_begin(db, c->tenant, false, err) == -1)
		return -1;
	if ((res = ec_db_exec(db, "UPDATE runs SET lease_until = now() + "
	    "make_interval(secs => $5::int) WHERE " RUN_FENCE
	    " RETURNING deadline_at <= now()", 5, f.vals, NULL, NULL, false,
	    err)) == NULL)
		goto fail;
	found = PQntuples(res) == 1;
	late = found && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!found) {
		ec_db_rollback(db);
		return run_lost(c, err);
	}
	if (late) {
		(void)ec_err_set(&why, EC_ERR_TIMEOUT, "the job timeout passed "
		    "before the build finished");
		if (run_fail_tx(&done, db, c, &why, err) == -1)
			goto fail;
	}
	if (ec_db_commit(db, err) == -1)
		goto fail;
	if (late)
		return ec_err_set(err, EC_ERR_TIMEOUT, "run %.200s passed its "
		    "job timeout", c->run_id);
	return 0;
fail:
	ec_db_rollback(db);
	return -1;
}

int
ec_run_job_load(struct ec_run_job *job, struct ec_export_req *req,
    struct ec_db *db, const struct ec_run_claim *c, struct ec_err *err)
{
	PGresult	*res;
	json_error_t	 jerr;
	const char	*vals[2] = { c->tenant, c->run_id };

	memset(job, 0, sizeof(*job));
	if (ec_db_begin(db, c->tenant, true, err) == -1)
		return -1;
	res = ec_db_exec(db, "SELECT request::text FROM runs "
	    "WHERE tenant = $1 AND id = $2", 2, vals, NULL, NULL, false, err);
	ec_db_rollback(db);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1)
		job->request = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
	PQclear(res);
	if (job->request == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "run %.200s: no stored "
		    "request", c->run_id);
	req->tenant = c->tenant;
	req->run_id = c->run_id;
	if (ec_run_job_fill(job, req, err) == -1) {
		ec_run_job_dispose(job);
		return -1;
	}
	return 0;
}

int
ec_run_progress(struct ec_db *db, const struct ec_run_claim *c,
    uint64_t completed, uint64_t total, struct ec_err *err)
{
	struct run_fence	 f;
	char			 done[24], all[24];

	run_fence_init(&f, c);
	(void)snprintf(done, sizeof(done), "%llu",
	    (unsigned long long)completed);
	(void)snprintf(all, sizeof(all), "%llu", (unsigned long long)total);
	f.vals[4] = done;
	f.vals[5] = all;
	if (run_fenced(db, c, &f, "UPDATE runs SET items_completed = $5, "
	    "items_total = $6 WHERE " RUN_FENCE, 6, err) == -1)
		return -1;
	if (ec_run_event(db, c->tenant, c->run_id, "progress",
	    json_pack("{s:s, s:I, s:I, s:I}", "runId", c->run_id, "percent",
	    (json_int_t)(total > 0 ? completed * 100 / total : 0),
	    "itemsCompleted", (json_int_t)completed, "itemsTotal",
	    (json_int_t)total), err) == -1 || ec_db_commit(db, err) == -1)
		goto fail;
	return 0;
fail:
	ec_db_rollback(db);
	return -1;
}

/* One artifact row and its artifact_ready event. */
static int
run_output(struct ec_db *db, const struct ec_run_claim *c,
    const struct ec_run_output *o, struct ec_err *err)
{
	char		 rel[EC_BLOB_REL_MAX], size[24];
	const char	*vals[9];

	ec_blob_rel(rel, o->sha256);
	(void)snprintf(size, sizeof(size), "%llu",
	    (unsigned long long)o->size);
	vals[0] = c->tenant;
	vals[1] = c->run_id;
	vals[2] = o->type;
	vals[3] = o->id;
	vals[4] = o->format;
	vals[5] = o->name;
	vals[6] = o->sha256;
	vals[7] = size;
	vals[8] = rel;
	if (ec_run_exec(db, "INSERT INTO artifacts (tenant, run_id, type, id, "
	    "format, name, sha256, size, path) VALUES ($1, $2, $3, $4, $5, $6, "
	    "$7, $8, $9)", 9, vals, err) == -1)
		return -1;
	if (ec_run_event(db, c->tenant, c->run_id, "artifact_ready",
	    json_pack("{s:s, s:s, s:s, s:s, s:s+, s:s}", "runId", c->run_id,
	    "type", o->type, "id", o->id, "url", o->url != NULL ? o->url :
	    rel, "sha256", "sha256:", o->sha256, "format", o->format),
	    err) == -1)
		return -1;
	if (o->url == NULL)
		return 0;
	return ec_run_event(db, c->tenant, c->run_id, "distribution_pushed",
	    json_pack("{s:s, s:s, s:s, s:s+, s:s?}", "runId", c->run_id,
	    "type", "oci", "ref", o->id, "digest", "sha256:", o->sha256,
	    "attachment", o->attachment), err);
}

int
ec_run_succeed(struct ec_db *db, const struct ec_run_claim *c,
    const struct ec_run_output *outs, size_t nouts, const char *inputs_hash,
    uint64_t items, const struct ec_run_audit *audit, struct ec_err *err)
{
	struct run_fence	 f;
	char			 n[24], rel[EC_BLOB_REL_MAX] = "";
	size_t			 i;

	run_fence_init(&f, c);
	(void)snprintf(n, sizeof(n), "%llu", (unsigned long long)items);
	f.vals[4] = n;
	f.vals[5] = inputs_hash;
	if (run_fenced(db, c, &f, "UPDATE runs SET status = 'succeeded', "
	    "finished_at = now(), lease_owner = NULL, lease_until = NULL, "
	    "items_completed = $5, items_total = $5, inputs_hash = $6 "
	    "WHERE " RUN_FENCE, 6, err) == -1)
		return -1;
	for (i = 0; i < nouts; i++)
		if (run_output(db, c, &outs[i], err) == -1)
			goto fail;
	/*
	 * The manifest output, else the first (a bundle, which carries
	 * manifest.json inside until downloads serve it alone).
	 */
	for (i = 0; i < nouts; i++)
		if (strcmp(outs[i].type, "manifest") == 0)
			break;
	if (nouts > 0)
		ec_blob_rel(rel, outs[i < nouts ? i : 0].sha256);
	for (i = 0; audit != NULL && i < audit->n; i++)
		if (ec_run_event(db, c->tenant, c->run_id, audit->type[i],
		    json_incref(audit->payload[i]), err) == -1)
			goto fail;
	if (ec_run_event(db, c->tenant, c->run_id, "completed",
	    json_pack("{s:s, s:s, s:s}", "runId", c->run_id, "status",
	    "succeeded", "manifestUrl", rel), err) == -1 ||
	    ec_db_commit(db, err) == -1)
		goto fail;
	return 0;
fail:
	ec_db_rollback(db);
	return -1;
}

int
ec_run_fail(struct ec_db *db, const struct ec_run_claim *c,
    const struct ec_err *why, struct ec_err *err)
{
	bool	done;

	if (ec_db_begin(db, c->tenant, false, err) == -1)
		return -1;
	if (run_fail_tx(&done, db, c, why, err) == -1)
		goto fail;
	if (!done) {
		ec_db_rollback(db);
		return run_lost(c, err);
	}
	if (ec_db_commit(db, err) == -1)
		goto fail;
	return 0;
fail:
	ec_db_rollback(db);
	return -1;
}
