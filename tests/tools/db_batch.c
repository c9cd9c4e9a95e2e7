/*
 * tests/tools/db_batch.c: run statements through ec_db_batch() (one
 * transaction in one pipelined round trip) against the database of
 * EXPORT_CENTER_DB, so that a test can check what it commits, what it
 * rolls back and how it fails.
 *
 *   db_batch TENANT read|write SQL... [-- SQL...]...
 *
 * Each group of SQL between "--" is one batch, all on one connection, so
 * that a failed batch can be seen to leave the connection usable.  Each
 * SQL gets the tenant as $1.  Prints, per statement, the first column of
 * its first row ("-" without rows), or for a failed batch "error CODE:
 * message"; exits 0, or 1 when a batch failed, 2 for a usage or set-up
 * error.
 */
#include <stdio.h>
#include <string.h>

#include "ec_db.h"

/* One batch of argv[0..n); 0 or 1. */
static int
batch_run(struct ec_db *db, const char *tenant, enum ec_db_tx tx,
    char **argv, size_t n)
{
	struct ec_db_stmt	 st[EC_DB_BATCH_MAX];
	PGresult		*res[EC_DB_BATCH_MAX];
	struct ec_err		 err;
	const char		*vals[1] = { tenant };
	size_t			 i;

	for (i = 0; i < n; i++) {
		st[i].sql = argv[i];
		st[i].n = 1;
		st[i].vals = vals;
	}
	ec_err_clear(&err);
	if (ec_db_batch(res, db, tenant, tx, st, n, &err) == -1) {
		printf("error %s: %s\n", ec_err_name(err.code), err.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		printf("%s\n", PQntuples(res[i]) > 0 && PQnfields(res[i]) > 0 ?
		    PQgetvalue(res[i], 0, 0) : "-");
		PQclear(res[i]);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct ec_db	*db = NULL;
	struct ec_err	 err;
	int		 i, start, rc = 0;

	if (argc < 4 ||
	    (strcmp(argv[2], "read") != 0 && strcmp(argv[2], "write") != 0)) {
		fprintf(stderr, "usage: db_batch TENANT read|write SQL... "
		    "[-- SQL...]...\n");
		return 2;
	}
	ec_err_clear(&err);
	if (ec_db_connect(&db, NULL, &err) == -1) {
		fprintf(stderr, "db_batch: %s\n", err.msg);
		return 2;
	}
	for (start = i = 3; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "--") != 0)
			continue;
		if (batch_run(db, argv[1], strcmp(argv[2], "read") == 0 ?
		    EC_DB_TX_SNAPSHOT : EC_DB_TX_DEFAULT, argv + start,
		    (size_t)(i - start)) != 0)
			rc = 1;
		start = i + 1;
	}
	ec_db_free(db);
	return rc;
}
