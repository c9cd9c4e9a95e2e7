/*
 * ec_run_api: the reads the API pool makes besides run create and show:
 * profile lists, estimates, the DPoP replay store, readiness and the
 * pool-wide metrics.  Tenant statements run in ec_db_begin() for their
 * tenant, like the rest of ec_run.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_db.h"
#include "ec_run.h"
#include "ec_run_int.h"

/* One tenant transaction around "sql"; the result is the caller's. */
static PGresult *
run_api_query(struct ec_db *db, const char *tenant, const char *sql, int n,
    const char *const *vals, struct ec_err *err)
{
	PGresult	*res;

	if (ec_db_begin(db, tenant, false, err) == -1)
		return NULL;
	if ((res = ec_db_exec(db, sql, n, vals, NULL, NULL, false,
	    err)) == NULL) {
		ec_db_rollback(db);
		return NULL;
	}
	if (ec_db_commit(db, err) == -1) {
		PQclear(res);
		return NULL;
	}
	return res;
}

int
ec_run_profiles(json_t **out, struct ec_db *db, const char *tenant,
    struct ec_err *err)
{
	PGresult	*res = NULL;
	json_t		*arr = NULL, *o;
	const char	*vals[1] = { tenant };
	int		 i, rc = -1;

	if (ec_tenant_check(tenant, err) == -1 ||
	    ec_db_begin(db, tenant, false, err) == -1)
		return -1;
	if (ec_run_profiles_seed(db, tenant, err) == -1 ||
	    (res = ec_db_exec(db, "SELECT id, name, kind, to_char(created_at "
	    "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM "
	    "export_profiles WHERE tenant = $1 ORDER BY id", 1, vals, NULL,
	    NULL, false, err)) == NULL || ec_db_commit(db, err) == -1)
		goto out;
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < PQntuples(res); i++) {
		o = json_pack("{s:s, s:s, s:s, s:b, s:s}", "id",
		    PQgetvalue(res, i, 0), "name", PQgetvalue(res, i, 1),
		    "kind", PQgetvalue(res, i, 2), "available",
		    ec_profile_find(PQgetvalue(res, i, 2)) != NULL,
		    "createdAt", PQgetvalue(res, i, 3));
		if (o == NULL || json_array_append_new(arr, o) == -1)
			goto nomem;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
	goto out;
nomem:
	(void)ec_err_nomem(err);
out:
	if (rc == -1)
		ec_db_rollback(db);
	json_decref(arr);
	PQclear(res);
	return rc;
}

int
ec_run_estimate(unsigned *seconds_out, struct ec_db *db, const char *tenant,
    const char *targets, struct ec_err *err)
{
	PGresult	*res;
	const char	*vals[2] = { tenant, targets };
	uint64_t	 docs;

	if ((res = run_api_query(db, tenant, "SELECT count(*) FROM evidence "
	    "WHERE tenant = $1 AND ($2::text IS NULL OR kind = ANY("
	    "string_to_array($2, ',')))", 2, vals, err)) == NULL)
		return -1;
	if (ec_db_get_u64(&docs, res, 0, 0, UINT64_MAX, err) == -1) {
		PQclear(res);
		return -1;
	}
	PQclear(res);
	*seconds_out = EC_RUN_ESTIMATE_BASE_S + (unsigned)((docs +
	    EC_RUN_DOCS_PER_SECOND - 1) / EC_RUN_DOCS_PER_SECOND);
	return 0;
}

int
ec_run_jti_seen(bool *seen_out, struct ec_db *db, const char *tenant,
    const char *jti, int64_t expires, bool prune, struct ec_err *err)
{
	PGresult	*res[2];
	char		 exp[24];
	const char	*vals[3] = { tenant, jti, exp };
	struct ec_db_stmt st[2] = {
		{ EC_RUN_JTI_PRUNE_SQL, 1, vals },
		{ EC_RUN_JTI_INSERT_SQL, 3, vals },
	};
	size_t		 first = prune ? 0 : 1;

	(void)snprintf(exp, sizeof(exp), "%" PRId64, expires);
	/* One round trip for the transaction, pruning or not. */
	if (ec_db_batch(res + first, db, tenant, EC_DB_TX_DEFAULT, st + first,
	    2 - first, err) == -1)
		return -1;
	*seen_out = PQntuples(res[1]) == 0;
	if (prune)
		PQclear(res[0]);
	PQclear(res[1]);
	return 0;
}

int
ec_run_ready(int *version_out, struct ec_db *db, struct ec_err *err)
{
	PGresult	*res;
	uint64_t	 v;
	int		 have, want = 0;
	size_t		 i;

	if ((res = ec_db_exec(db, "SELECT coalesce(max(version), 0) FROM "
	    "schema_version", 0, NULL, NULL, NULL, false, err)) == NULL)
		return -1;
	if (ec_db_get_u64(&v, res, 0, 0, INT_MAX, err) == -1) {
		PQclear(res);
		return -1;
	}
	have = (int)v;
	PQclear(res);
	for (i = 0; i < ec_migration_count; i++)
		if (ec_migrations[i].version > want)
			want = ec_migrations[i].version;
	*version_out = have;
	if (have < want)
		return ec_err_set(err, EC_ERR_UNAVAILABLE,
		    "database schema version %d, this build needs %d", have,
		    want);
	return 0;
}

/* HELP and TYPE lines, once per metric family (the rows are sorted). */
static int
run_metric_family(struct ec_buf *out, const char *metric, char *last,
    size_t last_size, struct ec_err *err)
{
	static const struct {
		const char	*family, *type, *help;
	} fams[] = {
		{ "export_build_duration_seconds", "histogram",
		    "Build time of finished runs, first claim to finish." },
		{ "export_bytes_exported_total", "counter",
		    "Bytes of artifacts stored by succeeded runs." },
		{ "export_lease_losses_total", "counter",
		    "Runs claimed again after their builder lost the lease." },
		{ "export_queue_depth", "gauge", "Runs waiting to be built." },
		{ "export_queue_oldest_age_seconds", "gauge",
		    "Age of the oldest queued run." },
		{ "export_run_failures_total", "counter",
		    "Failed runs by error code." },
		{ "export_runs", "gauge", "Runs by status and profile kind." },
	};
	size_t	i, n;

	for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		n = strlen(fams[i].family);
		if (strncmp(metric, fams[i].family, n) != 0 ||
		    (metric[n] != '\0' && metric[n] != '_'))
			continue;
		if (strcmp(last, fams[i].family) == 0)
			return 0;
		(void)snprintf(last, last_size, "%s", fams[i].family);
		return ec_buf_addf(out, err, "# HELP %s %s\n# TYPE %s %s\n",
		    fams[i].family, fams[i].help, fams[i].family,
		    fams[i].type);
	}
	return 0;
}

int
ec_run_metrics(struct ec_buf *out, struct ec_db *db, struct ec_err *err)
{
	PGresult	*res;
	char		 last[64] = "";
	const char	*m, *l;
	int		 i, rc = 0;

	if ((res = ec_db_exec(db, "SELECT metric, labels, value FROM "
	    "export_center_metrics()", 0, NULL, NULL, NULL, false,
	    err)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res) && rc == 0; i++) {
		m = PQgetvalue(res, i, 0);
		l = PQgetvalue(res, i, 1);
		rc = run_metric_family(out, m, last, sizeof(last), err);
		if (rc == 0)
			rc = ec_buf_addf(out, err, "%s%s%s%s %s\n", m,
			    l[0] != '\0' ? "{" : "", l, l[0] != '\0' ? "}" : "",
			    PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return rc;
}
