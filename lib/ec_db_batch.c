/*
 * ec_db_batch: one transaction's statements sent in libpq's pipeline
 * mode and their results read together (ec_db.h), each statement
 * prepared once per connection by its text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_db.h"
#include "ec_db_int.h"

/* A failed pipeline: the first failure's reason, as ec_db_exec() says it. */
static int
db_batch_err(struct ec_db *db, const PGresult *res, struct ec_err *err)
{
	db_note_state(db, res);
	if (PQstatus(db->conn) != CONNECTION_OK)
		return db_err(err, EC_ERR_UNAVAILABLE, "database unavailable",
		    PQerrorMessage(db->conn));
	return db_err(err, EC_ERR_DB, "database", res != NULL ?
	    PQresultErrorMessage(res) : PQerrorMessage(db->conn));
}

/*
 * The prepared statement for "sql", queued for preparing first if it is
 * new (its name is then used only if the whole batch succeeds; a failed
 * batch forgets it, and the next try takes a fresh name).  NULL when the
 * table is full: the statement goes unnamed, parsed and planned each time.
 */
static struct db_prep *
db_prep_get(struct ec_db *db, const char *sql, int nparams, bool *queued)
{
	struct db_prep	*p;
	char		 name[32];
	size_t		 i;

	*queued = false;
	for (i = 0; i < db->nprep; i++)
		if (strcmp(db->prep[i].sql, sql) == 0)
			return &db->prep[i];
	if (db->nprep == DB_PREP_MAX)
		return NULL;
	p = &db->prep[db->nprep];
	if ((p->sql = strdup(sql)) == NULL)
		return NULL;
	p->id = db->prep_seq++;
	p->ready = false;
	(void)snprintf(name, sizeof(name), "ec_batch_%u", p->id);
	if (PQsendPrepare(db->conn, name, sql, nparams, NULL) != 1) {
		free(p->sql);
		return NULL;
	}
	db->nprep++;
	*queued = true;
	return p;
}

/* One statement of the batch, prepared once per connection. */
static int
db_batch_stmt(struct ec_db *db, const struct ec_db_stmt *st, bool *prepared)
{
	struct db_prep	*p;
	char		 name[32];

	if ((p = db_prep_get(db, st->sql, st->n, prepared)) == NULL)
		return PQsendQueryParams(db->conn, st->sql, st->n, NULL,
		    st->vals, NULL, NULL, 0) == 1 ? 0 : -1;
	(void)snprintf(name, sizeof(name), "ec_batch_%u", p->id);
	return PQsendQueryPrepared(db->conn, name, st->n, st->vals, NULL,
	    NULL, 0) == 1 ? 0 : -1;
}

/*
 * Queue one statement and say in slot[] what its results are: the Parse
 * of a new one (-1), then "idx" (a statement of the caller's, or -1).
 */
static int
db_batch_queue(int *slot, size_t *nq, struct ec_db *db,
    const struct ec_db_stmt *st, int idx)
{
	bool	prepared;

	if (db_batch_stmt(db, st, &prepared) == -1)
		return -1;
	if (prepared)
		slot[(*nq)++] = -1;
	slot[(*nq)++] = idx;
	return 0;
}

/*
 * Queue the batch: BEGIN, set_config, the statements, COMMIT (each after
 * its Parse the first time: the server parses none of them again) and
 * the pipeline's Sync.  slot[q] says what the q-th queued result is:
 * statement i, or -1 for the others; *nq is their count.  0, or -1 when
 * libpq could not queue one.
 */
static int
db_batch_send(int *slot, size_t *nq, struct ec_db *db, const char *tenant,
    enum ec_db_tx tx, const struct ec_db_stmt *stmts, size_t n)
{
	const char	*vals[1] = { tenant };
	struct ec_db_stmt head[2] = {
		{ "BEGIN", 0, NULL },
		{ "SELECT set_config('app.tenant', $1, true)", 1, vals },
	};
	const struct ec_db_stmt commit = { "COMMIT", 0, NULL };
	size_t		 i;

	if (tx == EC_DB_TX_SNAPSHOT)
		head[0].sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
	else if (tx == EC_DB_TX_REPEATABLE)
		head[0].sql = "BEGIN ISOLATION LEVEL REPEATABLE READ";
	*nq = 0;
	if (db_batch_queue(slot, nq, db, &head[0], -1) == -1 ||
	    db_batch_queue(slot, nq, db, &head[1], -1) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (db_batch_queue(slot, nq, db, &stmts[i], (int)i) == -1)
			return -1;
	if (db_batch_queue(slot, nq, db, &commit, -1) == -1 ||
	    PQpipelineSync(db->conn) != 1)
		return -1;
	return 0;
}

/*
 * Read the queued results and the Sync.  Statement i's result goes to
 * res_out[i]; the first failure to *bad (the caller's, PQclear).
 */
static int
db_batch_read(PGresult **res_out, PGresult **bad, struct ec_db *db,
    const int *slot, size_t nq)
{
	PGresult	*res;
	ExecStatusType	 st;
	size_t		 q;

	for (q = 0; q < nq; q++) {
		/* Each queued query: its result, then NULL. */
		while ((res = PQgetResult(db->conn)) != NULL) {
			st = PQresultStatus(res);
			if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
				if (*bad == NULL &&
				    st != PGRES_PIPELINE_ABORTED)
					*bad = res;
				else
					PQclear(res);
			} else if (slot[q] >= 0 && *bad == NULL &&
			    res_out[slot[q]] == NULL)
				res_out[slot[q]] = res;
			else
				PQclear(res);
		}
		if (PQstatus(db->conn) != CONNECTION_OK)
			return -1;
	}
	/* The Sync's own result ends the pipeline. */
	while ((res = PQgetResult(db->conn)) != NULL) {
		st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC)
			return 0;
	}
	return -1;
}

/* After the batch: keep the names it prepared only if it succeeded. */
static void
db_prep_settle(struct ec_db *db, bool ok)
{
	size_t	i, keep = 0;

	for (i = 0; i < db->nprep; i++) {
		if (ok)
			db->prep[i].ready = true;
		if (db->prep[i].ready)
			db->prep[keep++] = db->prep[i];
		else
			free(db->prep[i].sql);
	}
	db->nprep = keep;
}

int
ec_db_batch(PGresult **res_out, struct ec_db *db, const char *tenant,
    enum ec_db_tx tx, const struct ec_db_stmt *stmts, size_t n,
    struct ec_err *err)
{
	PGresult	*bad = NULL;
	int		 slot[2 * (EC_DB_BATCH_MAX + 3)];
	size_t		 i, nq = 0;
	int		 rc = -1;

	for (i = 0; i < n; i++)
		res_out[i] = NULL;
	if (ec_tenant_check(tenant, err) == -1)
		return -1;
	if (n > EC_DB_BATCH_MAX || db->in_tx)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "database: batch of %zu statements in a transaction", n);
	if (PQenterPipelineMode(db->conn) != 1)
		return db_batch_err(db, NULL, err);
	if (db_batch_send(slot, &nq, db, tenant, tx, stmts, n) == -1 ||
	    db_batch_read(res_out, &bad, db, slot, nq) == -1 || bad != NULL)
		(void)db_batch_err(db, bad, err);
	else
		rc = 0;
	db_prep_settle(db, rc == 0);
	PQclear(bad);
	/* A broken connection stays broken; the caller reconnects. */
	if (PQpipelineStatus(db->conn) != PQ_PIPELINE_OFF &&
	    PQexitPipelineMode(db->conn) != 1 && rc == 0)
		rc = db_batch_err(db, NULL, err);
	if (rc == -1) {
		/* A failure inside BEGIN leaves the transaction aborted. */
		if (PQtransactionStatus(db->conn) == PQTRANS_INERROR ||
		    PQtransactionStatus(db->conn) == PQTRANS_INTRANS)
			PQclear(PQexec(db->conn, "ROLLBACK"));
		for (i = 0; i < n; i++) {
			PQclear(res_out[i]);
			res_out[i] = NULL;
		}
	}
	return rc;
}
