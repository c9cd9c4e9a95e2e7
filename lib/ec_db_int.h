/*
 * ec_db_int.h: what the connection (ec_db.c) and the pipelined batch
 * (ec_db_batch.c) share.  Not for other modules: ec_db.h is the API.
 */
#ifndef EC_DB_INT_H
#define EC_DB_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "ec_err.h"

/*
 * Statements ec_db_batch() prepared on this connection, by their text:
 * the callers' and the five of its own (three BEGINs, set_config and
 * COMMIT).
 */
#define DB_PREP_MAX	40

struct db_prep {
	char		*sql;	/* owned */
	unsigned	 id;	/* the server's name: "ec_batch_<id>" */
	bool		 ready;	/* prepared by a batch that succeeded */
};

struct ec_db {
	PGconn		*conn;	/* owned */
	bool		 in_tx;
	bool		 bypass_rls;	/* the role skips row-level security */
	char		 sqlstate[6];	/* of the last failure, or "" */
	struct db_prep	 prep[DB_PREP_MAX];
	size_t		 nprep;
	unsigned	 prep_seq;	/* names are never reused */
};

/* ec_err_set with a libpq message folded onto one line. */
int	db_err(struct ec_err *err, enum ec_code code, const char *what,
	    const char *msg);
/* Remember the SQLSTATE of a failed result, for ec_db_retryable(). */
void	db_note_state(struct ec_db *db, const PGresult *res);

#endif
