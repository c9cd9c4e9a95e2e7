/*
 * ec_run: the client side of the run queue: create (with idempotency
 * keys), show and wait.  Every statement names its tenant and runs in a
 * transaction begun for that tenant (row-level security).
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ec_db.h"
#include "ec_run.h"
#include "ec_run_int.h"

/* Attempts at a create that lost a race for its idempotency key. */
#define RUN_CREATE_TRIES	3

/* Built-in profiles every tenant gets, one per kind (issue 13). */
static const char	run_kinds[] = "{json:raw,json:policy,trivy:db,"
			    "trivy:java-db,mirror:full,mirror:delta,"
			    "devportal:offline}";

int
ec_run_exec(struct ec_db *db, const char *sql, int n,
    const char *const *vals, struct ec_err *err)
{
	PGresult	*res;

	if ((res = ec_db_exec(db, sql, n, vals, NULL, NULL, false,
	    err)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
ec_run_event(struct ec_db *db, const char *tenant, const char *run_id,
    const char *type, json_t *payload, struct ec_err *err)
{
	const char	*vals[4];
	char		*text;
	int		 rc;

	if (payload == NULL)
		return ec_err_nomem(err);
	text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(payload);
	if (text == NULL)
		return ec_err_nomem(err);
	vals[0] = tenant;
	vals[1] = run_id;
	vals[2] = type;
	vals[3] = text;
	rc = ec_run_exec(db, "SELECT export_run_event($1, $2, $3, $4::jsonb)",
	    4, vals, err);
	free(text);
	return rc;
}

int
ec_run_profiles_seed(struct ec_db *db, const char *tenant,
    struct ec_err *err)
{
	const char	*vals[2] = { tenant, run_kinds };

	return ec_run_exec(db, "INSERT INTO export_profiles (tenant, id, "
	    "name, kind) SELECT $1, 'export-profile::' || $1 || '::' || k, "
	    "k, k FROM unnest($2::text[]) AS k ON CONFLICT DO NOTHING", 2,
	    vals, err);
}

int
ec_run_profile(char name[65], char kind[32], struct ec_db *db,
    const char *tenant, const char *profile, struct ec_err *err)
{
	PGresult	*res;
	const char	*vals[2] = { tenant, profile };
	int		 rc = -1;

	if (ec_run_profiles_seed(db, tenant, err) == -1)
		return -1;
	if ((res = ec_db_exec(db, "SELECT name, kind FROM export_profiles "
	    "WHERE tenant = $1 AND (id = $2 OR name = $2)", 2, vals, NULL,
	    NULL, false, err)) == NULL)
		return -1;
	if (PQntuples(res) != 1)
		(void)ec_err_set(err, EC_ERR_PROFILE_NOT_FOUND,
		    "no export profile \"%.100s\"", profile);
	else if (ec_profile_find(PQgetvalue(res, 0, 1)) == NULL)
		(void)ec_err_set(err, EC_ERR_PROFILE_NOT_FOUND,
		    "profile \"%.64s\" is of kind %s, which this build cannot "
		    "export yet", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	else {
		(void)snprintf(name, 65, "%s", PQgetvalue(res, 0, 0));
		(void)snprintf(kind, 32, "%s", PQgetvalue(res, 0, 1));
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/*
 * An earlier run under the same key: the same request is that run, any
 * other is a conflict.  *found_out is false when the key is new.
 */
static int
run_key_lookup(bool *found_out, struct ec_run_created *out, struct ec_db *db,
    const char *tenant, const char *key, const char *hash, struct ec_err *err)
{
	PGresult	*res;
	const char	*vals[2] = { tenant, key };
	int		 rc = -1;

	*found_out = false;
	if ((res = ec_db_exec(db, "SELECT k.request_hash, k.run_id, r.status "
	    "FROM idempotency_keys k JOIN runs r ON r.tenant = k.tenant AND "
	    "r.id = k.run_id WHERE k.tenant = $1 AND k.key = $2", 2, vals,
	    NULL, NULL, false, err)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		rc = 0;
	else if (strcmp(PQgetvalue(res, 0, 0), hash) != 0)
		(void)ec_err_set(err, EC_ERR_CONFLICT, "idempotency key was "
		    "used with another request (run %s)",
		    PQgetvalue(res, 0, 1));
	else {
		*found_out = true;
		out->existed = true;
		(void)snprintf(out->run_id, sizeof(out->run_id), "%s",
		    PQgetvalue(res, 0, 1));
		(void)snprintf(out->status, sizeof(out->status), "%s",
		    PQgetvalue(res, 0, 2));
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/* The next run id of the tenant for today (UTC, the server's clock). */
static int
run_next_id(char id[EC_RUN_ID_MAX + 1], struct ec_db *db, const char *tenant,
    struct ec_err *err)
{
	PGresult	*res;
	const char	*vals[1] = { tenant };
	uint64_t	 seq;
	int		 rc;

	if ((res = ec_db_exec(db, "INSERT INTO run_seq (tenant, day, last) "
	    "VALUES ($1, (now() AT TIME ZONE 'UTC')::date, 1) "
	    "ON CONFLICT (tenant, day) DO UPDATE SET last = run_seq.last + 1 "
	    "WHERE run_seq.tenant = $1 "
	    "RETURNING to_char(day, 'YYYY-MM-DD'), last", 1, vals, NULL, NULL,
	    false, err)) == NULL)
		return -1;
	rc = ec_db_get_u64(&seq, res, 0, 1, UINT64_MAX, err);
	if (rc == 0)
		rc = ec_run_id_format(id, tenant, PQgetvalue(res, 0, 0), seq,
		    err);
	PQclear(res);
	return rc;
}

/*
 * One try at a create, in its own transaction.  *raced_out: another
 * create took the same key first, so the whole try must be repeated.
 */
static int
run_create_tx(bool *raced_out, struct ec_run_created *out, struct ec_db *db,
    const struct ec_run_spec *spec, struct ec_err *err)
{
	PGresult	*res;
	json_t		*req = NULL;
	char		 name[65], kind[32], hash[EC_SHA256_HEX], prio[4];
	char		 keep[12];
	char		*text = NULL;
	const char	*vals[7];
	bool		 found;
	int		 rc = -1;

	*raced_out = false;
	if (ec_db_begin(db, spec->tenant, false, err) == -1)
		return -1;
	if (ec_run_profile(name, kind, db, spec->tenant, spec->profile,
	    err) == -1 ||
	    (req = ec_run_request(spec, name, kind, err)) == NULL ||
	    ec_run_base_check(db, spec->tenant, kind, req, err) == -1 ||
	    ec_run_request_hash(hash, req, err) == -1)
		goto out;
	if (spec->idempotency_key != NULL) {
		if (run_key_lookup(&found, out, db, spec->tenant,
		    spec->idempotency_key, hash, err) == -1)
			goto out;
		if (found) {
			rc = ec_db_commit(db, err);
			goto out;
		}
	}
	if (run_next_id(out->run_id, db, spec->tenant, err) == -1)
		goto out;
	if ((text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	(void)snprintf(prio, sizeof(prio), "%u", spec->priority);
	vals[0] = spec->tenant;
	vals[1] = out->run_id;
	vals[2] = json_string_value(json_object_get(req, "profileId"));
	vals[3] = text;
	vals[4] = hash;
	vals[5] = prio;
	(void)snprintf(keep, sizeof(keep), "%u", spec->retention_days);
	vals[6] = spec->retention_days > 0 ? keep : NULL;
	if (ec_run_exec(db, "INSERT INTO runs (tenant, id, profile_id, "
	    "request, request_hash, priority, retention_days) VALUES ($1, $2, "
	    "$3, $4::jsonb, $5, $6, $7)", 7, vals, err) == -1)
		goto out;
	if (spec->idempotency_key != NULL) {
		vals[2] = spec->idempotency_key;
		if ((res = ec_db_exec(db, "INSERT INTO idempotency_keys "
		    "(tenant, run_id, key, request_hash) VALUES ($1, $2, $3, "
		    "$4) ON CONFLICT DO NOTHING RETURNING run_id", 4,
		    (const char *const[]){ vals[0], vals[1], vals[2], hash },
		    NULL, NULL, false, err)) == NULL)
			goto out;
		*raced_out = PQntuples(res) == 0;
		PQclear(res);
		if (*raced_out)
			goto out;
	}
	out->existed = false;
	(void)snprintf(out->status, sizeof(out->status), "queued");
	rc = ec_db_commit(db, err);
out:
	if (rc == -1)
		ec_db_rollback(db);
	free(text);
	json_decref(req);
	return rc;
}

int
ec_run_token_check(const char *what, const char *s, size_t max,
    struct ec_err *err)
{
	size_t	i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > max)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: 1 to %zu characters", what, max);
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: printable ASCII, no space", what);
	return 0;
}

int
ec_run_create(struct ec_run_created *out, struct ec_db *db,
    const struct ec_run_spec *spec, struct ec_err *err)
{
	struct ec_run_created	c;
	bool			raced = true;
	int			i;

	if (ec_tenant_check(spec->tenant, err) == -1 ||
	    (spec->idempotency_key != NULL && ec_run_token_check(
	    "idempotency key", spec->idempotency_key, EC_RUN_KEY_MAX,
	    err) == -1))
		return -1;
	if (spec->profile == NULL || spec->profile[0] == '\0')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "profile: required");
	memset(&c, 0, sizeof(c));
	for (i = 0; raced && i < RUN_CREATE_TRIES; i++)
		if (run_create_tx(&raced, &c, db, spec, err) == -1 && !raced)
			return -1;
	if (raced)
		return ec_err_set(err, EC_ERR_CONFLICT,
		    "idempotency key: concurrent requests, retry");
	*out = c;
	return 0;
}

/* A timestamp column as ISO-8601 UTC, seconds precision, or NULL. */
#define RUN_TS(col)	"to_char(" col " AT TIME ZONE 'UTC', " \
			    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static json_t *
run_col(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null() :
	    json_string(PQgetvalue(res, row, col));
}

/* The artifact rows; sizes are checked like any number from outside. */
static int
run_outputs(json_t **out, const PGresult *res, struct ec_err *err)
{
	json_t		*arr;
	uint64_t	 size;
	int		 i;

	if ((arr = json_array()) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < PQntuples(res); i++) {
		if (ec_db_get_u64(&size, res, i, 6, INT64_MAX, err) == -1) {
			json_decref(arr);
			return -1;
		}
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, "
		    "s:s, s:s, s:s+, s:I}", "type", PQgetvalue(res, i, 0),
		    "id", PQgetvalue(res, i, 1), "format",
		    PQgetvalue(res, i, 2), "url", PQgetvalue(res, i, 3),
		    "name", PQgetvalue(res, i, 4), "sha256", "sha256:",
		    PQgetvalue(res, i, 5), "size", (json_int_t)size)) == -1) {
			json_decref(arr);
			return ec_err_nomem(err);
		}
	}
	*out = arr;
	return 0;
}

static int
run_status_json(json_t **out, const PGresult *r, const PGresult *a,
    struct ec_err *err)
{
	json_t		*errors, *outputs = NULL;
	uint64_t	 done, total, attempts;

	if (ec_db_get_u64(&attempts, r, 0, 6, INT_MAX, err) == -1 ||
	    ec_db_get_u64(&done, r, 0, 7, INT64_MAX, err) == -1 ||
	    ec_db_get_u64(&total, r, 0, 8, INT64_MAX, err) == -1 ||
	    run_outputs(&outputs, a, err) == -1)
		return -1;
	if ((errors = json_array()) != NULL && !PQgetisnull(r, 0, 9))
		(void)json_array_append_new(errors, json_pack("{s:s, s:s}",
		    "code", PQgetvalue(r, 0, 9), "message",
		    PQgetvalue(r, 0, 10)));
	*out = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:i, "
	    "s:{s:I, s:I, s:I}, s:o, s:o, s:o}",
	    "runId", PQgetvalue(r, 0, 0), "status", PQgetvalue(r, 0, 1),
	    "profileId", PQgetvalue(r, 0, 2), "createdAt", run_col(r, 0, 3),
	    "startedAt", run_col(r, 0, 4), "finishedAt", run_col(r, 0, 5),
	    "attempts", (int)attempts, "progress",
	    "percent", (json_int_t)(total > 0 ? done * 100 / total : 0),
	    "itemsCompleted", (json_int_t)done, "itemsTotal",
	    (json_int_t)total, "inputsHash", run_col(r, 0, 11),
	    "outputs", outputs, "errors", errors);
	return *out != NULL ? 0 : ec_err_nomem(err);
}

/* The run, then its artifacts ($1 tenant, $2 run id). */
#define RUN_SHOW_SQL \
	"SELECT id, status, profile_id, " RUN_TS("created_at") ", " \
	RUN_TS("started_at") ", " RUN_TS("finished_at") ", attempts, " \
	"items_completed, items_total, error_code, error_message, " \
	"inputs_hash FROM runs WHERE tenant = $1 AND id = $2"
/* A pushed artifact's url is where it went (ec_run_output). */
#define RUN_ARTIFACTS_SQL \
	"SELECT type, id, format, CASE type WHEN 'distribution' THEN " \
	"'oci://' || id || '@sha256:' || sha256 ELSE path END AS url, name, " \
	"sha256, size FROM artifacts WHERE tenant = $1 AND run_id = $2 " \
	"ORDER BY type, id, format, url"

/* The status from the results of the two statements above; clears them. */
static int
run_show_result(json_t **out, PGresult *r, PGresult *a, const char *run_id,
    struct ec_err *err)
{
	int	rc = -1;

	if (PQntuples(r) != 1)
		(void)ec_err_set(err, EC_ERR_NOT_FOUND, "no run %.200s",
		    run_id);
	else if (run_status_json(out, r, a, err) == 0)
		rc = 0;
	PQclear(r);
	PQclear(a);
	return rc;
}

int
ec_run_show(json_t **out, struct ec_db *db, const char *tenant,
    const char *run_id, struct ec_err *err)
{
	PGresult	*res[2];
	const char	*vals[2] = { tenant, run_id };
	struct ec_db_stmt st[2] = {
		{ RUN_SHOW_SQL, 2, vals },
		{ RUN_ARTIFACTS_SQL, 2, vals },
	};

	/* A malformed id, or one naming another tenant, is not found. */
	if (!ec_run_id_valid(run_id, tenant))
		return ec_err_set(err, EC_ERR_NOT_FOUND, "no run %.200s",
		    run_id);
	/* Both reads in one snapshot and one round trip. */
	if (ec_db_batch(res, db, tenant, EC_DB_TX_SNAPSHOT, st, 2, err) == -1)
		return -1;
	return run_show_result(out, res[0], res[1], run_id, err);
}

int
ec_run_show_jti(json_t **out, bool *seen_out, struct ec_db *db,
    const char *tenant, const char *run_id, const char *jti,
    int64_t expires, bool prune, struct ec_err *err)
{
	PGresult	*res[4];
	char		 exp[24];
	const char	*jv[3] = { tenant, jti, exp };
	const char	*rv[2] = { tenant, run_id };
	struct ec_db_stmt st[4] = {
		{ EC_RUN_JTI_PRUNE_SQL, 1, jv },
		{ EC_RUN_JTI_INSERT_SQL, 3, jv },
		{ RUN_SHOW_SQL, 2, rv },
		{ RUN_ARTIFACTS_SQL, 2, rv },
	};
	size_t		 first = prune ? 0 : 1;

	*seen_out = false;
	/* The jti is recorded whatever the id; a bad id reads nothing. */
	if (!ec_run_id_valid(run_id, tenant)) {
		if (ec_run_jti_seen(seen_out, db, tenant, jti, expires, prune,
		    err) == -1)
			return -1;
		return *seen_out ? 0 : ec_err_set(err, EC_ERR_NOT_FOUND,
		    "no run %.200s", run_id);
	}
	(void)snprintf(exp, sizeof(exp), "%" PRId64, expires);
	/*
	 * One snapshot that may write: the reads agree with each other as
	 * in ec_run_show().  A jti inserted concurrently by a transaction
	 * this snapshot cannot see is a serialization failure (EC_ERR_DB),
	 * so a replay is refused either way.
	 */
	if (ec_db_batch(res + first, db, tenant, EC_DB_TX_REPEATABLE,
	    st + first, 4 - first, err) == -1)
		return -1;
	if (prune)
		PQclear(res[0]);
	*seen_out = PQntuples(res[1]) == 0;
	PQclear(res[1]);
	if (*seen_out) {
		PQclear(res[2]);
		PQclear(res[3]);
		return 0;
	}
	return run_show_result(out, res[2], res[3], run_id, err);
}

static bool
run_finished(const json_t *o)
{
	const char	*s = json_string_value(json_object_get(o, "status"));

	return s != NULL && (strcmp(s, "succeeded") == 0 ||
	    strcmp(s, "failed") == 0 || strcmp(s, "expired") == 0);
}

int
ec_run_wait(json_t **out, struct ec_db *db, const char *tenant,
    const char *run_id, unsigned timeout_s, struct ec_err *err)
{
	struct timespec	 now;
	json_t		*o = NULL;
	time_t		 end;
	bool		 notified;

	if (ec_run_exec(db, "LISTEN export_run_events", 0, NULL, err) == -1)
		return -1;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	end = now.tv_sec + (time_t)timeout_s;
	for (;;) {
		/* Look after LISTEN, so no event falls between the two. */
		if (ec_run_show(&o, db, tenant, run_id, err) == -1)
			return -1;
		if (run_finished(o)) {
			*out = o;
			return 0;
		}
		json_decref(o);
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= end)
			return ec_err_set(err, EC_ERR_TIMEOUT,
			    "run %.200s not finished after %u s", run_id,
			    timeout_s);
		/* A second at most: the events of a run may be missed. */
		if (ec_db_wait_notify(&notified, db, 1000, err) == -1)
			return -1;
	}
}
