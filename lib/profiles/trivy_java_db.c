/*
 * trivy:java-db: Trivy's Java index (specs/trivy-db.md sections 1.5,
 * 3.3, 3.4) from the Maven components of the store's SBOMs
 * (ec_trivy_java.h), as a directory:
 *
 *   trivy-java.db   SQLite, the tables and indexes of section 3.4
 *   metadata.json   Version 1, times as trivy:db's (section 1.5)
 *   javadb.tar.gz   trivy-java.db + metadata.json (section 3.3)
 *   oci/            OCI image layout, tag "1", the java-db media types
 *
 * Same inputs, same bytes: components first go into a staging table in a
 * second scratch file (never published), then into the database in one
 * sorted pass: artifacts by (group, artifact), so their ids are fixed,
 * indices by (group, artifact, version, SHA-1).  A SHA-1 seen twice keeps
 * the first coordinates in that order (upstream drops duplicates with ON
 * CONFLICT(sha1) DO NOTHING).  The page size is 4096, the journal is off
 * while building, and a final VACUUM rewrites the file compactly, with
 * no free pages and no timestamps.  SQLite holds a bounded page cache;
 * memory never grows with the number of components.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "ec_profile.h"
#include "ec_store.h"
#include "ec_trivy.h"
#include "ec_trivy_java.h"
#include "ec_trivy_pack.h"

#define TJ_CACHE_KIB	16384

/* Section 3.4, statement for statement. */
static const char tj_schema[] =
    "CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT,"
    " artifact_id TEXT);"
    "CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB,"
    " archive_type TEXT, foreign key (artifact_id) references"
    " artifacts(id));"
    "CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id,"
    " group_id);"
    "CREATE INDEX indices_artifact_idx ON indices(artifact_id);"
    "CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1);";

static const char tj_fill[] =
    "INSERT INTO artifacts(group_id, artifact_id)"
    " SELECT DISTINCT g, a FROM s.j ORDER BY g, a;"
    "INSERT OR IGNORE INTO indices(artifact_id, version, sha1,"
    " archive_type)"
    " SELECT artifacts.id, j.v, j.sha1, 'jar' FROM s.j JOIN artifacts"
    " ON artifacts.group_id = j.g AND artifacts.artifact_id = j.a"
    " ORDER BY j.g, j.a, j.v, j.sha1;"
    "COMMIT; DETACH s; VACUUM;";

struct tj {
	struct ec_build	*b;
	sqlite3		*db;
	sqlite3_stmt	*ins;
	uint64_t	 jars;
};

static int
tj_sqlerr(sqlite3 *db, const char *what, struct ec_err *err)
{
	return ec_trivy_sqlerr(db, "trivy-java.db", what, err);
}

static int
tj_plan(struct ec_build *b, struct ec_err *err)
{
	int64_t	snap;

	return ec_trivy_snapshot(&snap, b, "sbom", err);
}

static int
tj_open(struct tj *t, const char *path, const char *staging,
    struct ec_err *err)
{
	char	sql[4096];

	if (sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		return tj_sqlerr(t->db, "open", err);
	(void)snprintf(sql, sizeof(sql),
	    "PRAGMA page_size=4096; PRAGMA journal_mode=OFF;"
	    "PRAGMA synchronous=OFF; PRAGMA cache_size=-%d; %s", TJ_CACHE_KIB,
	    tj_schema);
	if (sqlite3_exec(t->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return tj_sqlerr(t->db, "schema", err);
	if (sqlite3_prepare_v2(t->db, "ATTACH ? AS s", -1, &t->ins, NULL) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(t->ins, 1, staging, -1, SQLITE_STATIC) !=
	    SQLITE_OK || sqlite3_step(t->ins) != SQLITE_DONE)
		return tj_sqlerr(t->db, "attach", err);
	sqlite3_finalize(t->ins);
	t->ins = NULL;
	if (sqlite3_exec(t->db, "PRAGMA s.journal_mode=OFF;"
	    "CREATE TABLE s.j(g TEXT, a TEXT, v TEXT, sha1 BLOB); BEGIN",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(t->db, "INSERT INTO s.j VALUES(?,?,?,?)", -1,
	    &t->ins, NULL) != SQLITE_OK)
		return tj_sqlerr(t->db, "staging", err);
	return 0;
}

static int
tj_jar(void *arg, const struct ec_trivy_jar *j, struct ec_err *err)
{
	struct tj	*t = arg;

	(void)sqlite3_reset(t->ins);
	if (sqlite3_bind_text(t->ins, 1, j->group, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(t->ins, 2, j->artifact, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(t->ins, 3, j->version, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob(t->ins, 4, j->sha1, 20, SQLITE_STATIC) !=
	    SQLITE_OK || sqlite3_step(t->ins) != SQLITE_DONE)
		return tj_sqlerr(t->db, "stage", err);
	(void)sqlite3_clear_bindings(t->ins);
	t->jars++;
	return 0;
}

static int
tj_count(void *arg, const struct ec_trivy_jar *j, struct ec_err *err)
{
	(void)arg;
	(void)j;
	(void)err;
	return 0;
}

static int
tj_sbom(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	struct tj	*t = arg;
	json_error_t	 jerr;
	json_t		*sbom;
	char		 why[sizeof(err->msg)];
	int		 rc;

	if (ec_build_input(t->b, "sbom", d->source, d->id, d->sha256,
	    err) == -1)
		return -1;
	if ((sbom = json_loadb(d->doc, d->len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return ec_build_skip(t->b, "sbom", d->source, d->id,
		    jerr.text, err);
	/*
	 * An SBOM past a bound leaves none of its components behind: a
	 * first walk only checks the bounds (the staging table has no
	 * journal to roll back), the second stages the components.
	 */
	rc = ec_trivy_java_each(sbom, tj_count, NULL, err);
	if (rc != 0 && err->code == EC_ERR_TOO_LARGE) {
		json_decref(sbom);
		(void)snprintf(why, sizeof(why), "%s", err->msg);
		return ec_build_skip(t->b, "sbom", d->source, d->id, why, err);
	}
	if (rc == 0)
		rc = ec_trivy_java_each(sbom, tj_jar, t, err);
	json_decref(sbom);
	return rc;
}

/* trivy-java.db in scratch item "db", through the staging item "stage". */
static int
tj_build(struct tj *t, struct ec_build_item *db, struct ec_build_item *stage,
    struct ec_err *err)
{
	int	rc = -1;

	if (tj_open(t, ec_build_item_path(db), ec_build_item_path(stage),
	    err) == -1 ||
	    ec_store_each(ec_build_store(t->b), "sbom", tj_sbom, t, err) != 0)
		goto out;
	sqlite3_finalize(t->ins);
	t->ins = NULL;
	if (sqlite3_exec(t->db, tj_fill, NULL, NULL, NULL) != SQLITE_OK) {
		(void)tj_sqlerr(t->db, "fill", err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(t->ins);
	if (sqlite3_close(t->db) != SQLITE_OK && rc == 0)
		rc = ec_err_set(err, EC_ERR_IO, "trivy-java.db: close");
	t->db = NULL;
	return rc;
}

static int
tj_write(struct ec_build *b, struct ec_err *err)
{
	struct ec_trivy_pack	 p = { "trivy-java.db", "trivy-java-db",
				    "sqlite", EC_TRIVY_JAVA_SCHEMA,
				    "javadb.tar.gz", "application/vnd.aquasec."
				    "trivy.javadb.layer.v1.tar+gzip", "1", 0 };
	struct ec_build_item	*db = NULL, *stage = NULL;
	struct tj		 t;
	int			 rc = -1;

	memset(&t, 0, sizeof(t));
	t.b = b;
	if (ec_trivy_snapshot(&p.snapshot_us, b, "sbom", err) == -1 ||
	    ec_build_item_scratch(&db, b, err) == -1 ||
	    ec_build_item_scratch(&stage, b, err) == -1 ||
	    tj_build(&t, db, stage, err) == -1)
		goto out;
	rc = ec_trivy_pack(b, db, &p, err);
	db = NULL;
out:
	ec_build_item_discard(db);
	ec_build_item_discard(stage);
	return rc;
}

const struct ec_profile ec_profile_trivy_java_db = {
	.name = "trivy:java-db",
	.flags = EC_PROFILE_OCI,
	.build_type =
	    "https://stella-ops.org/export-center/profiles/trivy-java-db/v1",
	.targets = EC_TARGET_SBOM,
	.formats = EC_FORMAT_JSON,
	.defaults = {
		.targets = EC_TARGET_SBOM,
		.formats = EC_FORMAT_JSON,
	},
	.plan = tj_plan,
	.write = tj_write,
};
