/*
 * trivy_build: a trivy.db from OSV files with no database, through
 * lib/ec_trivy and lib/ec_bolt, for tests/integration/61-trivy.sh, which
 * needs what the trivy:db profile (lib/profiles/trivy_db.c, which sorts
 * outside memory) does not give: any set of files, the reason for every
 * skipped one, and a DB missing one advisory on purpose.  It sorts in
 * memory.
 *
 *	trivy_build OUTDIR SNAPSHOT-RFC3339 FILE|@LIST...
 *
 * "@LIST" names a file listing one OSV file per line.
 * Writes OUTDIR/trivy.db, OUTDIR/metadata.json and OUTDIR/skipped.txt
 * ("<file> <reason>" per skipped advisory), prints "advisories N rows N
 * skipped N" on stdout.  Files are converted in the order given and rows
 * merged in that order, so the same arguments give the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_bolt.h"
#include "ec_canon.h"
#include "ec_limits.h"
#include "ec_time.h"
#include "ec_trivy.h"

struct seq_row {
	struct ec_trivy_row	row;
	size_t			seq;
};

static struct seq_row	*rows;
static size_t		 nrows, caprows;

static int
seq_cmp(const void *a, const void *b)
{
	const struct seq_row	*x = a, *y = b;
	int			 c = ec_trivy_row_cmp(&x->row, &y->row);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
die(const char *what, const struct ec_err *err)
{
	fprintf(stderr, "trivy_build: %s: %s\n", what, err->msg);
	return 1;
}

static int	convert_doc(json_t *, int64_t, FILE *, const char *,
		    struct ec_err *);

static int
load(const char *file, int64_t snap, FILE *skipped, struct ec_err *err)
{
	json_t			*doc;
	json_error_t		 jerr;
	int			 rc;

	if ((doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		fprintf(skipped, "%s not JSON: %s\n", file, jerr.text);
		return 0;
	}
	rc = convert_doc(doc, snap, skipped, file, err);
	json_decref(doc);
	return rc;
}

static int
convert_doc(json_t *doc, int64_t snap, FILE *skipped, const char *file,
    struct ec_err *err)
{
	struct ec_trivy_result	 r;
	size_t			 i;

	if (ec_trivy_convert(&r, doc, snap, err) == -1) {
		ec_trivy_result_dispose(&r);
		return -1;
	}
	if (r.skipped[0] != '\0')
		fprintf(skipped, "%s %s\n", file, r.skipped);
	for (i = 0; i < r.nrows; i++) {
		if (nrows == caprows) {
			caprows = caprows == 0 ? 1024 : caprows * 2;
			if ((rows = realloc(rows, caprows *
			    sizeof(*rows))) == NULL)
				return ec_err_nomem(err);
		}
		rows[nrows].row = r.rows[i];
		rows[nrows].seq = nrows;
		nrows++;
	}
	free(r.rows);	/* the rows' contents moved to "rows" */
	return 0;
}

static int
load_arg(const char *arg, int64_t snap, FILE *skipped, int *nfiles,
    struct ec_err *err)
{
	char	 line[4096];
	FILE	*list;
	int	 rc = 0;

	if (arg[0] != '@') {
		(*nfiles)++;
		return load(arg, snap, skipped, err);
	}
	if ((list = fopen(arg + 1, "r")) == NULL)
		return ec_err_set(err, EC_ERR_IO, "cannot open %s", arg + 1);
	while (rc == 0 && fgets(line, sizeof(line), list) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		(*nfiles)++;
		rc = load(line, snap, skipped, err);
	}
	fclose(list);
	return rc;
}

/* Bucket changes between consecutive rows, as ec_bolt calls. */
static int
write_db(const char *path, size_t *written, struct ec_err *err)
{
	struct ec_bolt		*db;
	struct ec_buf		 val;
	struct ec_trivy_row	*r, *prev = NULL;
	size_t			 i, j;
	int			 rc = -1;

	ec_buf_init(&val, EC_MAX_DOC_BYTES);
	if (ec_bolt_new(&db, path, err) == -1)
		return -1;
	for (i = 0; i < nrows; i = j) {
		r = &rows[i].row;
		for (j = i + 1; j < nrows && ec_trivy_row_cmp(r,
		    &rows[j].row) == 0; j++)
			if (ec_trivy_merge(r, &rows[j].row, err) == -1)
				goto out;
		if (prev != NULL && prev->pkg != NULL && (strcmp(prev->bucket,
		    r->bucket) != 0 || r->pkg == NULL ||
		    strcmp(prev->pkg, r->pkg) != 0) &&
		    ec_bolt_bucket_end(db, err) == -1)
			goto out;
		if (prev != NULL && strcmp(prev->bucket, r->bucket) != 0 &&
		    ec_bolt_bucket_end(db, err) == -1)
			goto out;
		if ((prev == NULL || strcmp(prev->bucket, r->bucket) != 0) &&
		    ec_bolt_bucket_begin(db, r->bucket, strlen(r->bucket),
		    err) == -1)
			goto out;
		if (r->pkg != NULL && (prev == NULL || prev->pkg == NULL ||
		    strcmp(prev->bucket, r->bucket) != 0 ||
		    strcmp(prev->pkg, r->pkg) != 0) &&
		    ec_bolt_bucket_begin(db, r->pkg, strlen(r->pkg), err) == -1)
			goto out;
		ec_buf_reset(&val);
		if (ec_trivy_encode(&val, r, err) == -1 ||
		    ec_bolt_put(db, r->key, strlen(r->key), val.data, val.len,
		    err) == -1)
			goto out;
		(*written)++;
		prev = r;
	}
	if (prev != NULL && prev->pkg != NULL &&
	    ec_bolt_bucket_end(db, err) == -1)
		goto out;
	if (prev != NULL && ec_bolt_bucket_end(db, err) == -1)
		goto out;
	/* Trivy needs the bucket even when it is empty (section 2.12). */
	if (prev == NULL && (ec_bolt_bucket_begin(db, "vulnerability", 13,
	    err) == -1 || ec_bolt_bucket_end(db, err) == -1))
		goto out;
	rc = ec_bolt_finish(NULL, db, err);
out:
	ec_bolt_free(db);
	ec_buf_dispose(&val);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ec_err	 err;
	struct ec_buf	 meta;
	char		 path[4096];
	FILE		*skipped, *fp;
	int64_t		 snap;
	size_t		 written = 0;
	int		 i, nskip = 0, nfiles = 0;
	char		 line[8192];


	if (argc < 3) {
		fprintf(stderr, "usage: trivy_build OUTDIR SNAPSHOT FILE...\n");
		return 2;
	}
	if (ec_time_parse(&snap, argv[2], strlen(argv[2]), &err) == -1)
		return die("snapshot", &err);
	snprintf(path, sizeof(path), "%s/skipped.txt", argv[1]);
	if ((skipped = fopen(path, "w+")) == NULL) {
		perror(path);
		return 1;
	}
	for (i = 3; i < argc; i++)
		if (load_arg(argv[i], snap, skipped, &nfiles, &err) == -1)
			return die(argv[i], &err);
	rewind(skipped);
	while (fgets(line, sizeof(line), skipped) != NULL)
		nskip++;
	fclose(skipped);
	qsort(rows, nrows, sizeof(*rows), seq_cmp);
	snprintf(path, sizeof(path), "%s/trivy.db", argv[1]);
	if (write_db(path, &written, &err) == -1)
		return die("trivy.db", &err);
	ec_buf_init(&meta, 4096);
	snprintf(path, sizeof(path), "%s/metadata.json", argv[1]);
	if (ec_trivy_metadata(&meta, snap, EC_TRIVY_NEXT_UPDATE_NEVER,
	    &err) == -1)
		return die("metadata", &err);
	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(meta.data, 1, meta.len, fp) != meta.len || fclose(fp) != 0) {
		perror(path);
		return 1;
	}
	ec_buf_dispose(&meta);
	printf("advisories %d rows %zu skipped %d\n", nfiles, written, nskip);
	return 0;
}
