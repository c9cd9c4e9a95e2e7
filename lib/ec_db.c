/*
 * ec_db: libpq connection, migrations and tenant-scoped transactions
 * (the pipelined batch is ec_db_batch.c).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_db.h"
#include "ec_db_int.h"
#include "ec_limits.h"
#include "ec_num.h"

/* pg_advisory_xact_lock key for migrations: "ECMIGRAT" as an int8. */
#define DB_MIGRATE_LOCK	"4539434d49475241"

/* Bytes handed to PQputCopyData at a time (its length is an int). */
#define DB_COPY_CHUNK	(1024 * 1024)

/* libpq messages span lines; ours are one line. */
int
db_err(struct ec_err *err, enum ec_code code, const char *what,
    const char *msg)
{
	char	line[200];
	size_t	i, n = 0;

	for (i = 0; msg != NULL && msg[i] != '\0' && n < sizeof(line) - 1;
	    i++) {
		if (msg[i] == '\n' || msg[i] == '\r') {
			if (msg[i + 1] == '\0')
				break;
			line[n++] = ' ';
		} else
			line[n++] = msg[i];
	}
	line[n] = '\0';
	return ec_err_set(err, code, "%s: %s", what, line);
}

/* Remember the SQLSTATE of a failed result, for ec_db_retryable(). */
void
db_note_state(struct ec_db *db, const PGresult *res)
{
	const char	*st;

	st = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	(void)snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
	    st != NULL ? st : "");
}

static void
db_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * Superusers and BYPASSRLS roles are not subject to row-level security,
 * FORCE or not (PostgreSQL, 5.9): only the explicit tenant predicates
 * keep tenants apart for them, which the caller may want to say.
 */
static int
db_check_rls(struct ec_db *db, struct ec_err *err)
{
	PGresult	*res;

	if ((res = ec_db_exec(db, "SELECT rolsuper OR rolbypassrls FROM "
	    "pg_roles WHERE rolname = current_user", 0, NULL, NULL, NULL,
	    false, err)) == NULL)
		return -1;
	db->bypass_rls = PQntuples(res) == 1 &&
	    PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return 0;
}

int
ec_db_connect(struct ec_db **out, const char *conninfo, struct ec_err *err)
{
	struct ec_db	*db;

	if (conninfo == NULL)
		conninfo = getenv(EC_DB_ENV);
	if (conninfo == NULL)
		conninfo = "";
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return ec_err_nomem(err);
	db->conn = PQconnectdb(conninfo);
	if (db->conn == NULL) {
		free(db);
		return ec_err_nomem(err);
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		(void)db_err(err, EC_ERR_UNAVAILABLE, "database unavailable",
		    PQerrorMessage(db->conn));
		ec_db_free(db);
		return -1;
	}
	/* Server notices are not errors; lib/ does not print. */
	(void)PQsetNoticeProcessor(db->conn, db_notice, NULL);
	if (db_check_rls(db, err) == -1) {
		ec_db_free(db);
		return -1;
	}
	*out = db;
	return 0;
}

bool
ec_db_bypasses_rls(const struct ec_db *db)
{
	return db->bypass_rls;
}

bool
ec_db_retryable(const struct ec_db *db)
{
	/* deadlock_detected, serialization_failure (PostgreSQL, App. A). */
	return strcmp(db->sqlstate, "40P01") == 0 ||
	    strcmp(db->sqlstate, "40001") == 0;
}

void
ec_db_free(struct ec_db *db)
{
	size_t	i;

	if (db == NULL)
		return;
	PQfinish(db->conn);
	for (i = 0; i < db->nprep; i++)
		free(db->prep[i].sql);
	free(db);
}

PGresult *
ec_db_exec(struct ec_db *db, const char *sql, int n, const char *const *vals,
    const int *lens, const int *fmts, bool binary_result, struct ec_err *err)
{
	PGresult	*res;
	ExecStatusType	 st;

	res = PQexecParams(db->conn, sql, n, NULL, vals, lens, fmts,
	    binary_result ? 1 : 0);
	st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	db_note_state(db, res);
	if (PQstatus(db->conn) != CONNECTION_OK)
		(void)db_err(err, EC_ERR_UNAVAILABLE, "database unavailable",
		    PQerrorMessage(db->conn));
	else
		(void)db_err(err, EC_ERR_DB, "database",
		    res != NULL ? PQresultErrorMessage(res) :
		    PQerrorMessage(db->conn));
	PQclear(res);
	return NULL;
}

/* Throw away what is left of a query, cancelling it first if asked. */
static void
db_drain(struct ec_db *db, bool cancel)
{
	PGcancel	*c;
	PGresult	*res;
	char		 buf[256];

	if (cancel && (c = PQgetCancel(db->conn)) != NULL) {
		(void)PQcancel(c, buf, sizeof(buf));
		PQfreeCancel(c);
	}
	while ((res = PQgetResult(db->conn)) != NULL)
		PQclear(res);
}

int
ec_db_stream(struct ec_db *db, const char *sql, int n,
    const char *const *vals, bool binary_result, ec_db_row_fn *fn, void *arg,
    struct ec_err *err)
{
	PGresult	*res;
	int		 rc = 0;

	if (PQsendQueryParams(db->conn, sql, n, NULL, vals, NULL, NULL,
	    binary_result ? 1 : 0) == 0 || PQsetSingleRowMode(db->conn) == 0)
		return db_err(err, PQstatus(db->conn) == CONNECTION_OK ?
		    EC_ERR_DB : EC_ERR_UNAVAILABLE, "database",
		    PQerrorMessage(db->conn));
	while ((res = PQgetResult(db->conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			rc = fn(arg, res, err);
			break;
		case PGRES_TUPLES_OK:
			break;
		default:
			rc = db_err(err, PQstatus(db->conn) == CONNECTION_OK ?
			    EC_ERR_DB : EC_ERR_UNAVAILABLE, "database",
			    PQresultErrorMessage(res));
			break;
		}
		PQclear(res);
		if (rc != 0) {
			db_drain(db, true);
			return rc;
		}
	}
	return 0;
}

/* The error of a failed statement, EC_ERR_UNAVAILABLE if the link is gone. */
static int
db_fail(struct ec_db *db, const PGresult *res, struct ec_err *err)
{
	db_note_state(db, res);
	return db_err(err, PQstatus(db->conn) == CONNECTION_OK ?
	    EC_ERR_DB : EC_ERR_UNAVAILABLE, "database", res != NULL ?
	    PQresultErrorMessage(res) : PQerrorMessage(db->conn));
}

/*
 * Leave COPY OUT early: the server stops on the cancel, and libpq needs
 * the rest of the data read before it returns to the idle state.
 */
static void
db_copy_abandon(struct ec_db *db)
{
	PGcancel	*c;
	char		*buf, msg[256];

	if ((c = PQgetCancel(db->conn)) != NULL) {
		(void)PQcancel(c, msg, sizeof(msg));
		PQfreeCancel(c);
	}
	while (PQgetCopyData(db->conn, &buf, 0) > 0)
		PQfreemem(buf);
	db_drain(db, false);
}

int
ec_db_copy_out(struct ec_db *db, const char *sql, ec_db_chunk_fn *fn,
    void *arg, struct ec_err *err)
{
	PGresult	*res;
	char		*buf;
	int		 n, rc = 0;

	res = PQexec(db->conn, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_OUT) {
		rc = db_fail(db, res, err);
		PQclear(res);
		db_drain(db, false);
		return rc;
	}
	PQclear(res);
	while ((n = PQgetCopyData(db->conn, &buf, 0)) > 0) {
		rc = fn(arg, buf, (size_t)n, err);
		PQfreemem(buf);
		if (rc != 0) {
			db_copy_abandon(db);
			return rc;
		}
	}
	/* -1 is the end of the data, -2 a failure; the result says which. */
	while ((res = PQgetResult(db->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
			rc = db_fail(db, res, err);
		PQclear(res);
	}
	if (n == -2 && rc == 0)
		rc = db_fail(db, NULL, err);
	return rc;
}

/* A statement without parameters whose result we do not need. */
static int
db_run(struct ec_db *db, const char *sql, struct ec_err *err)
{
	PGresult	*res;

	if ((res = ec_db_exec(db, sql, 0, NULL, NULL, NULL, false,
	    err)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
ec_db_get_u64(uint64_t *out, const PGresult *res, int row, int col,
    uint64_t max, struct ec_err *err)
{
	if (row >= PQntuples(res) || col >= PQnfields(res) ||
	    PQgetisnull(res, row, col) ||
	    ec_parse_u64(out, PQgetvalue(res, row, col), 0, max) == -1)
		return ec_err_set(err, EC_ERR_DB,
		    "database: column %d is not a number in [0, %llu]", col,
		    (unsigned long long)max);
	return 0;
}

int
ec_tenant_check(const char *tenant, struct ec_err *err)
{
	size_t	i, len;

	if (tenant == NULL || (len = strlen(tenant)) == 0 ||
	    len > EC_MAX_TENANT_LEN)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "tenant: 1 to %d characters of [A-Za-z0-9._-]",
		    EC_MAX_TENANT_LEN);
	for (i = 0; i < len; i++)
		if (!ec_name_char(tenant[i]))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "tenant: 1 to %d characters of [A-Za-z0-9._-]",
			    EC_MAX_TENANT_LEN);
	/*
	 * Tenant names become file names and path components: refuse a
	 * leading '.' (".", "..", hidden files) and '-' (read as an option
	 * by the tools operators use on them).
	 */
	if (tenant[0] == '.' || tenant[0] == '-')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "tenant: must not start with '.' or '-'");
	return 0;
}

int
ec_db_begin(struct ec_db *db, const char *tenant, bool snapshot,
    struct ec_err *err)
{
	PGresult	*res;
	const char	*vals[1] = { tenant };

	if (ec_tenant_check(tenant, err) == -1)
		return -1;
	if (db_run(db, snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ "
	    "READ ONLY" : "BEGIN", err) == -1)
		return -1;
	db->in_tx = true;
	/* is_local = true: the setting ends with the transaction. */
	res = ec_db_exec(db, "SELECT set_config('app.tenant', $1, true)", 1,
	    vals, NULL, NULL, false, err);
	if (res == NULL) {
		ec_db_rollback(db);
		return -1;
	}
	PQclear(res);
	return 0;
}

int
ec_db_commit(struct ec_db *db, struct ec_err *err)
{
	int	rc;

	rc = db_run(db, "COMMIT", err);
	db->in_tx = false;
	return rc;
}

void
ec_db_rollback(struct ec_db *db)
{
	PGresult	*res;

	if (!db->in_tx)
		return;
	res = PQexec(db->conn, "ROLLBACK");
	PQclear(res);
	db->in_tx = false;
}

int
ec_db_copy_in(struct ec_db *db, const char *sql, const void *data,
    size_t len, struct ec_err *err)
{
	PGresult	*res;
	const char	*p = data;
	size_t		 n;
	bool		 sent = true;
	int		 rc = 0;

	res = PQexec(db->conn, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN) {
		db_note_state(db, res);
		rc = db_err(err, PQstatus(db->conn) == CONNECTION_OK ?
		    EC_ERR_DB : EC_ERR_UNAVAILABLE, "database", res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		PQclear(res);
		db_drain(db, false);
		return rc;
	}
	PQclear(res);
	/* A failed send leaves libpq's reason in PQerrorMessage. */
	while (len > 0 && sent) {
		n = len < DB_COPY_CHUNK ? len : DB_COPY_CHUNK;
		sent = PQputCopyData(db->conn, p, (int)n) == 1;
		p += n;
		len -= n;
	}
	if (PQputCopyEnd(db->conn, sent ? NULL : "client error") != 1)
		sent = false;
	if (!sent)
		rc = db_err(err, PQstatus(db->conn) == CONNECTION_OK ?
		    EC_ERR_DB : EC_ERR_UNAVAILABLE, "database",
		    PQerrorMessage(db->conn));
	while ((res = PQgetResult(db->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
			db_note_state(db, res);
			rc = db_err(err, PQstatus(db->conn) == CONNECTION_OK ?
			    EC_ERR_DB : EC_ERR_UNAVAILABLE, "database",
			    PQresultErrorMessage(res));
		}
		PQclear(res);
	}
	return rc;
}

int
ec_db_ensure_app_role(bool *present_out, struct ec_db *db,
    struct ec_err *err)
{
	PGresult	*res;

	/* 0002 grants on the evidence store, 0003 on the run tables. */
	if ((res = ec_db_exec(db, "SELECT export_center_app_role() AND "
	    "export_center_runs_grant()", 0, NULL,
	    NULL, NULL, false, err)) == NULL)
		return -1;
	*present_out = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return 0;
}

static int
db_current_version(int *out, struct ec_db *db, struct ec_err *err)
{
	PGresult	*res;
	uint64_t	 v = 0;
	int		 rc;

	if ((res = ec_db_exec(db, "SELECT coalesce(max(version), 0) "
	    "FROM schema_version", 0, NULL, NULL, NULL, false, err)) == NULL)
		return -1;
	rc = ec_db_get_u64(&v, res, 0, 0, INT_MAX, err);
	PQclear(res);
	*out = (int)v;
	return rc;
}

static int
db_apply(struct ec_db *db, const struct ec_migration *m, struct ec_err *err)
{
	PGresult	*res;
	char		 ver[16];
	const char	*vals[2] = { ver, m->name };

	/* PQexec: a migration file may hold several statements. */
	res = PQexec(db->conn, m->sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		(void)db_err(err, EC_ERR_DB, m->name, res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	(void)snprintf(ver, sizeof(ver), "%d", m->version);
	if ((res = ec_db_exec(db, "INSERT INTO schema_version (version, name) "
	    "VALUES ($1, $2)", 2, vals, NULL, NULL, false, err)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
ec_db_migrate(int *applied_out, int *version_out, struct ec_db *db,
    struct ec_err *err)
{
	size_t	i;
	int	cur, applied = 0;

	if (db_run(db, "BEGIN", err) == -1)
		return -1;
	db->in_tx = true;
	if (db_run(db, "SELECT pg_advisory_xact_lock(x'" DB_MIGRATE_LOCK
	    "'::int8)", err) == -1 ||
	    db_run(db, "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", err) == -1 ||
	    db_current_version(&cur, db, err) == -1)
		goto fail;
	for (i = 0; i < ec_migration_count; i++) {
		if (ec_migrations[i].version <= cur)
			continue;
		if (db_apply(db, &ec_migrations[i], err) == -1)
			goto fail;
		cur = ec_migrations[i].version;
		applied++;
	}
	if (ec_db_commit(db, err) == -1)
		return -1;
	*applied_out = applied;
	*version_out = cur;
	return 0;
fail:
	ec_db_rollback(db);
	return -1;
}

/* Consume input and drain the notification list; true if one was there. */
static int
db_take_notifies(bool *got, struct ec_db *db, struct ec_err *err)
{
	PGnotify	*n;

	if (PQconsumeInput(db->conn) == 0)
		return db_err(err, EC_ERR_UNAVAILABLE, "database unavailable",
		    PQerrorMessage(db->conn));
	while ((n = PQnotifies(db->conn)) != NULL) {
		*got = true;
		PQfreemem(n);
	}
	return 0;
}

int
ec_db_wait_notify(bool *notified_out, struct ec_db *db, int timeout_ms,
    struct ec_err *err)
{
	struct pollfd	pfd;
	bool		got = false;

	if (db_take_notifies(&got, db, err) == -1)
		return -1;
	if (!got) {
		pfd.fd = PQsocket(db->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0)
			return ec_err_set(err, EC_ERR_UNAVAILABLE,
			    "database unavailable: no connection");
		if (poll(&pfd, 1, timeout_ms) == -1 && errno != EINTR)
			return ec_err_set(err, EC_ERR_UNAVAILABLE,
			    "database unavailable: poll: %s", strerror(errno));
		if (pfd.revents != 0 && db_take_notifies(&got, db, err) == -1)
			return -1;
	}
	*notified_out = got;
	return 0;
}

int
ec_db_socket(const struct ec_db *db)
{
	return PQsocket(db->conn);
}

int
ec_db_notifies(struct ec_db *db, ec_db_notify_fn *fn, void *arg,
    struct ec_err *err)
{
	PGnotify	*n;

	if (PQconsumeInput(db->conn) == 0)
		return db_err(err, EC_ERR_UNAVAILABLE, "database unavailable",
		    PQerrorMessage(db->conn));
	while ((n = PQnotifies(db->conn)) != NULL) {
		fn(arg, n->relname, n->extra);
		PQfreemem(n);
	}
	return 0;
}
