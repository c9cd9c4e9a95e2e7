/* ec_run_int.h: what the files of ec_run share (not a public interface). */
#ifndef EC_RUN_INT_H
#define EC_RUN_INT_H

#include <libpq-fe.h>

#include "ec_run.h"

/* Fill "req" from job->request (ec_run_req.c). */
int	ec_run_job_fill(struct ec_run_job *job, struct ec_export_req *req,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Insert an event and notify, in the open transaction (ec_run.c).
 * "payload" is stolen.
 */
int	ec_run_event(struct ec_db *db, const char *tenant,
	    const char *run_id, const char *type, json_t *payload,
	    struct ec_err *err)
	    EC_MUST_CHECK;

/* ec_db_exec() with text parameters, for statements we only check. */
int	ec_run_exec(struct ec_db *db, const char *sql, int n,
	    const char *const *vals, struct ec_err *err) EC_MUST_CHECK;

/*
 * "s" is 1 to "max" printable ASCII characters without space (keys,
 * lease owners), else EC_ERR_REQUEST_INVALID naming "what" (ec_run.c).
 */
int	ec_run_token_check(const char *what, const char *s, size_t max,
	    struct ec_err *err) EC_MUST_CHECK;

/* Make the tenant's built-in profiles, one per kind, if missing. */
int	ec_run_profiles_seed(struct ec_db *db, const char *tenant,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * The profile "profile" (a name or an id) of the tenant, in the open
 * transaction: its name and kind (the built-in profiles are made first).
 * EC_ERR_PROFILE_NOT_FOUND when there is none or this build has no
 * builder for its kind (ec_run.c).
 */
int	ec_run_profile(char name[65], char kind[32], struct ec_db *db,
	    const char *tenant, const char *profile, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The DPoP replay store's statements ($1 tenant, $2 jti, $3 expiry in
 * epoch seconds).  Two processes inserting one jti: the second waits for
 * the first to commit and then conflicts, so exactly one sees it as new
 * (INSERT returns no row for the other).
 */
#define EC_RUN_JTI_PRUNE_SQL \
	"DELETE FROM dpop_jti WHERE tenant = $1 AND expires_at < now()"
#define EC_RUN_JTI_INSERT_SQL \
	"INSERT INTO dpop_jti (tenant, jti, expires_at) VALUES ($1, $2, " \
	"to_timestamp($3::bigint)) ON CONFLICT DO NOTHING RETURNING 1"

#endif
