/*
 * ec_retention: expire runs and delete unshared blobs (see ec_retention.h
 * for the rules and the interlock with builders).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ec_blob.h"
#include "ec_db.h"
#include "ec_retention.h"
#include "ec_run_int.h"

/*
 * The store lock's advisory key: "ECBLOBST" as an int8, apart from the
 * migration lock's "ECMIGRAT" (ec_db.c).
 */
#define RETENTION_LOCK	"x'4543424c4f425354'::bigint"
#define RETENTION_PATH_MAX	4096

int
ec_retention_writer_begin(struct ec_db *db, struct ec_err *err)
{
	return ec_run_exec(db, "SELECT pg_advisory_lock_shared("
	    RETENTION_LOCK ")", 0, NULL, err);
}

void
ec_retention_writer_end(struct ec_db *db)
{
	struct ec_err	err;

	/* A failure means the session is gone, and the lock with it. */
	if (ec_run_exec(db, "SELECT pg_advisory_unlock_shared("
	    RETENTION_LOCK ")", 0, NULL, &err) == -1)
		return;
}

/*
 * Expire one run as its tenant; *done_out false when another pass (or a
 * retry of the build) moved it first.
 */
static int
retention_expire(bool *done_out, struct ec_db *db, const char *store,
    const char *tenant, const char *run_id, struct ec_err *err)
{
	PGresult	*res;
	const char	*vals[2] = { tenant, run_id };

	*done_out = false;
	if (ec_db_begin(db, tenant, false, err) == -1)
		return -1;
	if ((res = ec_db_exec(db, "UPDATE runs SET status = 'expired' "
	    "WHERE tenant = $1 AND id = $2 AND status IN ('succeeded', "
	    "'failed') RETURNING id", 2, vals, NULL, NULL, false,
	    err)) == NULL)
		goto fail;
	*done_out = PQntuples(res) == 1;
	PQclear(res);
	if (!*done_out) {
		ec_db_rollback(db);
		return 0;
	}
	/*
	 * The view goes before the commit: a crash in between leaves a due
	 * run without downloads, which the next pass expires again.
	 */
	if (ec_run_exec(db, "SELECT export_run_event($1, $2, 'expired', "
	    "jsonb_build_object('runId', $2::text, 'status', 'expired'))", 2,
	    vals, err) == -1 ||
	    ec_blob_run_remove(store, tenant, run_id, err) == -1)
		goto fail;
	return ec_db_commit(db, err);
fail:
	ec_db_rollback(db);
	return -1;
}

static void
retention_runs(struct ec_db *db, const struct ec_retention_opts *o,
    const PGresult *due, ec_retention_report_fn *fn, void *arg)
{
	struct ec_retention_event	e;
	struct ec_err			err;
	bool				done;
	int				i;

	for (i = 0; i < PQntuples(due); i++) {
		memset(&e, 0, sizeof(e));
		e.what = "expired";
		e.tenant = PQgetvalue(due, i, 0);
		e.run_id = PQgetvalue(due, i, 1);
		if (retention_expire(&done, db, o->store, e.tenant, e.run_id,
		    &err) == -1)
			e.err = &err;
		else if (!done)
			continue;
		fn(arg, &e);
	}
}

/* The store lock is held: decide about one digest. */
static int
retention_blob_locked(const char **what, struct ec_db *db, const char *store,
    const char *hex, struct ec_err *err)
{
	PGresult	*res;
	struct stat	 st;
	char		 p[RETENTION_PATH_MAX], rel[EC_BLOB_REL_MAX];
	const char	*vals[1] = { hex };
	bool		 shared;

	if ((res = ec_db_exec(db, "SELECT export_blob_referenced($1)", 1,
	    vals, NULL, NULL, false, err)) == NULL)
		return -1;
	shared = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	ec_blob_rel(rel, hex);
	if (snprintf(p, sizeof(p), "%s/%s", store, rel) >= (int)sizeof(p))
		return ec_err_set(err, EC_ERR_IO, "artifact store path too "
		    "long");
	if (shared)
		*what = "blob_shared";
	else if (lstat(p, &st) == -1) {
		if (errno != ENOENT)
			return ec_err_set(err, EC_ERR_IO, "artifact store: "
			    "%.200s: %s", rel, strerror(errno));
		*what = "blob_absent";
	} else if (st.st_nlink > 1) {
		/* A view links it: a build not yet recorded, or failed. */
		*what = "blob_linked";
		return ec_run_exec(db, "SELECT export_blob_defer($1)", 1, vals,
		    err);
	} else {
		*what = "blob_deleted";
		if (ec_blob_remove(store, hex, err) == -1)
			return -1;
	}
	return ec_run_exec(db, "SELECT export_blob_forget($1)", 1, vals,
	    err);
}

static void
retention_blobs(struct ec_db *db, const char *store, const PGresult *gc,
    ec_retention_report_fn *fn, void *arg)
{
	struct ec_retention_event	e;
	struct ec_err			err, uerr;
	int				i, rc;

	for (i = 0; i < PQntuples(gc); i++) {
		memset(&e, 0, sizeof(e));
		e.sha256 = PQgetvalue(gc, i, 0);
		e.what = "blob_deleted";
		if (ec_run_exec(db, "SELECT pg_advisory_lock("
		    RETENTION_LOCK ")", 0, NULL, &err) == -1) {
			e.err = &err;
			fn(arg, &e);
			continue;
		}
		rc = retention_blob_locked(&e.what, db, store, e.sha256, &err);
		/* As above: a failed unlock went with the session. */
		if (ec_run_exec(db, "SELECT pg_advisory_unlock("
		    RETENTION_LOCK ")", 0, NULL, &uerr) == -1 && rc == 0) {
			err = uerr;
			rc = -1;
		}
		if (rc == -1)
			e.err = &err;
		fn(arg, &e);
	}
}

int
ec_retention_pass(struct ec_db *db, const struct ec_retention_opts *o,
    ec_retention_report_fn *fn, void *arg, struct ec_err *err)
{
	PGresult	*res;
	char		 now[24], days[12], lim[12];
	const char	*vals[3] = { now, NULL, lim };

	(void)snprintf(now, sizeof(now), "%lld", (long long)o->now);
	(void)snprintf(days, sizeof(days), "%u", o->default_days);
	if (o->default_days > 0)
		vals[1] = days;
	(void)snprintf(lim, sizeof(lim), "%d", EC_RETENTION_BATCH);
	if ((res = ec_db_exec(db, "SELECT tenant, run_id FROM "
	    "export_retention_due(to_timestamp($1::bigint), $2::integer, "
	    "$3::integer)", 3, vals, NULL, NULL, false, err)) == NULL)
		return -1;
	retention_runs(db, o, res, fn, arg);
	PQclear(res);
	if ((res = ec_db_exec(db, "SELECT * FROM export_blob_candidates($1)",
	    1, vals + 2, NULL, NULL, false, err)) == NULL)
		return -1;
	retention_blobs(db, o->store, res, fn, arg);
	PQclear(res);
	return 0;
}
