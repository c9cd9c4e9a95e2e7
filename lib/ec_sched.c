/*
 * ec_sched: schedules of export profiles (see ec_sched.h and sql/0006).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_cron.h"
#include "ec_db.h"
#include "ec_run.h"
#include "ec_run_int.h"
#include "ec_sched.h"
#include "ec_time.h"

/* A run template as a run request; every pointer into "root". */
struct sched_spec {
	struct ec_run_spec	 spec;
	json_t			*root;		/* owned; NULL: empty */
	const char		*params[EC_PARAM_MAX];
	char			 pbuf[EC_SCHED_TEMPLATE_MAX];
	char			 name[65];
	char			 key[EC_RUN_KEY_MAX + 1];
};

static int
sched_invalid(struct ec_err *err, const char *what, const char *why)
{
	return ec_err_set(err, EC_ERR_REQUEST_INVALID, "template: %s: %s",
	    what, why);
}

/* "params": an object of strings, each "key=value" in s->pbuf. */
static int
sched_params(struct sched_spec *s, const json_t *o, struct ec_err *err)
{
	const char	*k;
	json_t		*v;
	size_t		 off = 0;
	int		 n;

	if (!json_is_object(o) || json_object_size(o) > EC_PARAM_MAX)
		return sched_invalid(err, "params", "an object of at most 16 "
		    "string values");
	json_object_foreach((json_t *)o, k, v) {
		if (!json_is_string(v))
			return sched_invalid(err, "params", "values are "
			    "strings");
		n = snprintf(s->pbuf + off, sizeof(s->pbuf) - off, "%s=%s", k,
		    json_string_value(v));
		if (n < 0 || (size_t)n >= sizeof(s->pbuf) - off)
			return sched_invalid(err, "params", "too long");
		s->params[s->spec.nparams++] = s->pbuf + off;
		off += (size_t)n + 1;
	}
	return 0;
}

/* An integer member in [lo, hi]. */
static int
sched_int(unsigned *out, const json_t *v, const char *what, unsigned lo,
    unsigned hi, struct ec_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "template: %s: "
		    "a whole number from %u to %u", what, lo, hi);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

/* The template's members into s->spec (see ec_sched.h for the shape). */
static int
sched_members(struct sched_spec *s, struct ec_err *err)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(s->root, k, v) {
		if (strcmp(k, "targets") == 0 || strcmp(k, "formats") == 0) {
			if (!json_is_string(v))
				return sched_invalid(err, k,
				    "a comma-separated string");
			if (k[0] == 't')
				s->spec.targets = json_string_value(v);
			else
				s->spec.formats = json_string_value(v);
		} else if (strcmp(k, "params") == 0) {
			if (sched_params(s, v, err) == -1)
				return -1;
		} else if (strcmp(k, "priority") == 0) {
			if (sched_int(&s->spec.priority, v, k, 0,
			    EC_RUN_PRIORITY_MAX, err) == -1)
				return -1;
		} else if (strcmp(k, "retentionDays") == 0) {
			if (sched_int(&s->spec.retention_days, v, k, 1,
			    EC_SCHED_RETENTION_MAX, err) == -1)
				return -1;
		} else
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "template: unknown member \"%.64s\"", k);
	}
	return 0;
}

/* Parse the template text (NULL: none) for a run of tenant's "profile". */
static int
sched_spec_load(struct sched_spec *s, const char *tenant, const char *profile,
    const char *tmpl, struct ec_err *err)
{
	json_error_t	jerr;

	memset(&s->spec, 0, sizeof(s->spec));
	s->root = NULL;
	s->spec.tenant = tenant;
	s->spec.profile = profile;
	s->spec.priority = EC_RUN_PRIORITY_DEFAULT;
	s->spec.params = s->params;
	if (tmpl == NULL)
		return 0;
	if (strnlen(tmpl, EC_SCHED_TEMPLATE_MAX + 1) > EC_SCHED_TEMPLATE_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "template: more than %d bytes", EC_SCHED_TEMPLATE_MAX);
	s->root = json_loads(tmpl, JSON_REJECT_DUPLICATES, &jerr);
	if (s->root == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "template: line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(s->root))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "template: a JSON object");
	return sched_members(s, err);
}

int
ec_sched_template_check(const char *tmpl, struct ec_err *err)
{
	struct sched_spec	*s;
	int			 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ec_err_nomem(err);
	rc = sched_spec_load(s, "-", "-", tmpl != NULL && *tmpl != '\0' ?
	    tmpl : NULL, err);
	json_decref(s->root);
	free(s);
	return rc;
}

/* Resolve the tenant's profile and update it with "sql" ($1, $2, ...). */
static int
sched_update(char name[65], char kind[32], struct ec_db *db,
    const char *sql, const char *vals[5], int n, struct ec_err *err)
{
	if (ec_run_profile(name, kind, db, vals[0], vals[1], err) == -1)
		return -1;
	vals[1] = name;
	return ec_run_exec(db, sql, n, vals, err);
}

int
ec_sched_set(struct ec_db *db, const struct ec_sched_def *def,
    struct ec_err *err)
{
	struct ec_cron		*c;
	struct sched_spec	*s;
	json_t			*req = NULL;
	char			*text = NULL, keep[12], kind[32];
	const char		*vals[5];
	int			 rc = -1;

	if (ec_cron_new(&c, def->cron, err) == -1)
		return -1;
	ec_cron_free(c);
	if (def->retention_days > EC_SCHED_RETENTION_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "retention days: 1 to %d", EC_SCHED_RETENTION_MAX);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ec_err_nomem(err);
	if (sched_spec_load(s, def->tenant, def->profile, def->tmpl,
	    err) == -1)
		goto out;
	if (s->root != NULL && (text = json_dumps(s->root, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	(void)snprintf(keep, sizeof(keep), "%u", def->retention_days);
	vals[0] = def->tenant;
	vals[1] = def->profile;
	vals[2] = def->cron;
	vals[3] = text;
	vals[4] = def->retention_days > 0 ? keep : NULL;
	if (ec_db_begin(db, def->tenant, false, err) == -1)
		goto out;
	/* The request the template makes is checked as a run's would be. */
	if (sched_update(s->name, kind, db, "UPDATE export_profiles "
	    "SET schedule = $3, run_template = $4::jsonb, retention_days = $5 "
	    "WHERE tenant = $1 AND name = $2",
	    vals, 5, err) == -1 ||
	    (req = ec_run_request(&s->spec, s->name, kind, err)) == NULL)
		goto out;
	rc = ec_db_commit(db, err);
out:
	if (rc == -1)
		ec_db_rollback(db);
	json_decref(req);
	json_decref(s->root);
	free(text);
	free(s);
	return rc;
}

int
ec_sched_clear(struct ec_db *db, const char *tenant, const char *profile,
    struct ec_err *err)
{
	const char	*vals[5] = { tenant, profile, NULL, NULL, NULL };
	char		 name[65], kind[32];

	if (ec_db_begin(db, tenant, false, err) == -1)
		return -1;
	if (sched_update(name, kind, db, "UPDATE export_profiles "
	    "SET schedule = NULL, run_template = NULL WHERE tenant = $1 AND "
	    "name = $2", vals, 2,
	    err) == -1) {
		ec_db_rollback(db);
		return -1;
	}
	return ec_db_commit(db, err);
}

/* One row of the list: the template as JSON, the next slot after "now". */
static json_t *
sched_list_row(const PGresult *res, int i, int64_t now)
{
	struct ec_cron	*c;
	struct ec_err	 err;
	json_t		*tmpl = NULL;
	char		 next[EC_TIME_MAX];
	int64_t		 t;
	bool		 has_next = false;

	if (!PQgetisnull(res, i, 2))
		tmpl = json_loads(PQgetvalue(res, i, 2), 0, NULL);
	if (ec_cron_new(&c, PQgetvalue(res, i, 1), &err) == 0) {
		has_next = ec_cron_next(&t, c, now, &err) == 0;
		ec_cron_free(c);
	}
	if (has_next)
		ec_time_format(next, t * 1000000);
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "profile",
	    PQgetvalue(res, i, 0), "cron", PQgetvalue(res, i, 1), "template",
	    tmpl != NULL ? tmpl : json_object(), "retentionDays",
	    PQgetisnull(res, i, 3) ? json_null() :
	    json_integer(atoi(PQgetvalue(res, i, 3))), "next",
	    has_next ? json_string(next) : json_null());
}

int
ec_sched_list(json_t **out, struct ec_db *db, const char *tenant,
    int64_t now, struct ec_err *err)
{
	PGresult	*res;
	json_t		*a, *row;
	const char	*vals[1] = { tenant };
	int		 i;

	if (ec_db_begin(db, tenant, true, err) == -1)
		return -1;
	res = ec_db_exec(db, "SELECT name, schedule, run_template::text, "
	    "retention_days FROM export_profiles WHERE tenant = $1 AND "
	    "schedule IS NOT NULL ORDER BY name", 1, vals, NULL, NULL, false,
	    err);
	if (res == NULL || ec_db_commit(db, err) == -1) {
		ec_db_rollback(db);
		PQclear(res);
		return -1;
	}
	if ((a = json_array()) == NULL) {
		PQclear(res);
		return ec_err_nomem(err);
	}
	for (i = 0; i < PQntuples(res); i++)
		if ((row = sched_list_row(res, i, now)) == NULL ||
		    json_array_append_new(a, row) == -1) {
			PQclear(res);
			json_decref(a);
			return ec_err_nomem(err);
		}
	PQclear(res);
	*out = a;
	return 0;
}

/*
 * The template of a scheduled profile, read as the tenant, while the
 * profile still has expression "expr" (it may have changed since the
 * list was read).  *tmpl_out is the caller's (free) or NULL for none;
 * *found_out false when the schedule is gone.
 */
static int
sched_template(bool *found_out, char **tmpl_out, struct ec_db *db,
    const char *tenant, const char *name, const char *expr,
    struct ec_err *err)
{
	PGresult	*res;
	const char	*vals[3] = { tenant, name, expr };

	*tmpl_out = NULL;
	if (ec_db_begin(db, tenant, true, err) == -1)
		return -1;
	res = ec_db_exec(db, "SELECT run_template::text FROM export_profiles "
	    "WHERE tenant = $1 AND name = $2 AND schedule = $3", 3, vals,
	    NULL, NULL, false, err);
	if (res == NULL || ec_db_commit(db, err) == -1) {
		ec_db_rollback(db);
		PQclear(res);
		return -1;
	}
	*found_out = PQntuples(res) == 1;
	if (*found_out && !PQgetisnull(res, 0, 0) &&
	    (*tmpl_out = strdup(PQgetvalue(res, 0, 0))) == NULL) {
		PQclear(res);
		return ec_err_nomem(err);
	}
	PQclear(res);
	return 0;
}

/* Enqueue the slot "slot" of one schedule, whose template is read now. */
static int
sched_enqueue(struct ec_run_created *out, struct ec_db *db,
    const char *tenant, const char *name, const char *expr, int64_t slot,
    bool *found_out, struct ec_err *err)
{
	struct sched_spec	*s;
	char			*tmpl = NULL, iso[EC_TIME_MAX];
	int			 rc = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ec_err_nomem(err);
	if (sched_template(found_out, &tmpl, db, tenant, name, expr,
	    err) == -1 || !*found_out) {
		rc = *found_out ? -1 : 0;
		goto out;
	}
	if (sched_spec_load(s, tenant, name, tmpl, err) == -1)
		goto out;
	ec_time_format(iso, slot * 1000000);
	(void)snprintf(s->key, sizeof(s->key), "schedule:%s:%s", name, iso);
	s->spec.idempotency_key = s->key;
	rc = ec_run_create(out, db, &s->spec, err);
out:
	json_decref(s->root);
	free(tmpl);
	free(s);
	return rc;
}

static void
sched_fire_one(struct ec_db *db, const PGresult *res, int i, int64_t now,
    ec_sched_report_fn *fn, void *arg)
{
	struct ec_sched_fired	 f;
	struct ec_run_created	 rc;
	struct ec_cron		*c;
	struct ec_err		 err;
	const char		*expr = PQgetvalue(res, i, 2);
	uint64_t		 since;
	bool			 found = false;

	memset(&f, 0, sizeof(f));
	f.tenant = PQgetvalue(res, i, 0);
	f.profile = PQgetvalue(res, i, 1);
	if (ec_db_get_u64(&since, res, i, 3, (uint64_t)EC_CRON_TIME_MAX,
	    &err) == -1 || ec_cron_new(&c, expr, &err) == -1) {
		f.err = &err;
		fn(arg, &f);
		return;
	}
	/* No slot since 1970, or one before the schedule was set: not due. */
	if (ec_cron_prev(&f.slot, c, now, &err) == -1 ||
	    f.slot < (int64_t)since) {
		ec_cron_free(c);
		return;
	}
	ec_cron_free(c);
	if (sched_enqueue(&rc, db, f.tenant, f.profile, expr, f.slot, &found,
	    &err) == -1)
		f.err = &err;
	else if (!found)
		return;
	else {
		f.run_id = rc.run_id;
		f.existed = rc.existed;
	}
	fn(arg, &f);
}

int
ec_sched_fire(struct ec_db *db, int64_t now, ec_sched_report_fn *fn,
    void *arg, struct ec_err *err)
{
	PGresult	*res;
	int		 i;

	if ((res = ec_db_exec(db, "SELECT tenant, profile, schedule, "
	    "floor(extract(epoch FROM since))::bigint FROM export_schedules()",
	    0, NULL, NULL, NULL, false, err)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		sched_fire_one(db, res, i, now, fn, arg);
	PQclear(res);
	return 0;
}
