/*
 * bolt_load: stream rows sorted by path (LC_ALL=C sort of trivy_build -o
 * output) into a bbolt file with lib/ec_bolt, one line at a time, so the
 * benchmark sees the writer's own time and memory, as the trivy:db
 * profile will use it behind a PostgreSQL ORDER BY.
 *
 *	bolt_load SORTED-ROWS OUT.DB
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_bolt.h"
#include "ec_buf.h"

/* Hex field "s" up to "end" decoded into "out"; -1 if not hex. */
static int
unhex(struct ec_buf *out, const char *s, size_t len, struct ec_err *err)
{
	ec_buf_reset(out);
	if (len % 2 != 0 || ec_buf_reserve(out, len / 2, err) == -1 ||
	    ec_hex_decode((uint8_t *)out->data, len / 2, s, len) == -1)
		return -1;
	out->len = len / 2;
	return 0;
}

static bool
differs(const struct ec_buf *a, const struct ec_buf *b)
{
	return a->len != b->len || (a->len > 0 &&
	    memcmp(a->data, b->data, a->len) != 0);
}

/* Close the buckets the row leaves, then open the ones it enters. */
static int
switch_buckets(struct ec_bolt *db, const struct ec_buf prev[2],
    const struct ec_buf f[4], int *depth, struct ec_err *err)
{
	if (*depth == 2 && (differs(&prev[0], &f[0]) ||
	    differs(&prev[1], &f[1]))) {
		if (ec_bolt_bucket_end(db, err) == -1)
			return -1;
		*depth = 1;
	}
	if (*depth == 1 && differs(&prev[0], &f[0])) {
		if (ec_bolt_bucket_end(db, err) == -1)
			return -1;
		*depth = 0;
	}
	if (*depth == 0) {
		if (ec_bolt_bucket_begin(db, f[0].data, f[0].len, err) == -1)
			return -1;
		*depth = 1;
	}
	if (*depth == 1 && f[1].len > 0) {
		if (ec_bolt_bucket_begin(db, f[1].data, f[1].len, err) == -1)
			return -1;
		*depth = 2;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct ec_bolt	*db;
	struct ec_err	 err;
	struct ec_buf	 f[4], prev[2];
	char		*line = NULL, *p, *tab;
	size_t		 cap = 0, i, n = 0;
	ssize_t		 len;
	FILE		*in;
	int		 depth = 0;

	if (argc != 3 || (in = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: bolt_load SORTED-ROWS OUT.DB\n");
		return 2;
	}
	for (i = 0; i < 4; i++)
		ec_buf_init(&f[i], (size_t)1 << 31);
	ec_buf_init(&prev[0], 1 << 20);
	ec_buf_init(&prev[1], 1 << 20);
	if (ec_bolt_new(&db, argv[2], &err) == -1)
		goto fail;
	while ((len = getline(&line, &cap, in)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		for (i = 0, p = line; i < 4; i++, p = tab + 1) {
			tab = i < 3 ? strchr(p, '\t') : p + strlen(p);
			if (tab == NULL || unhex(&f[i], p, (size_t)(tab - p),
			    &err) == -1)
				goto bad;
		}
		if (switch_buckets(db, prev, f, &depth, &err) == -1)
			goto fail;
		if (ec_bolt_put(db, f[2].data, f[2].len, f[3].data, f[3].len,
		    &err) == -1)
			goto fail;
		ec_buf_reset(&prev[0]);
		ec_buf_reset(&prev[1]);
		if (ec_buf_add(&prev[0], f[0].data, f[0].len, &err) == -1 ||
		    (f[1].len > 0 && ec_buf_add(&prev[1], f[1].data, f[1].len,
		    &err) == -1))
			goto fail;
		n++;
	}
	while (depth-- > 0)
		if (ec_bolt_bucket_end(db, &err) == -1)
			goto fail;
	if (ec_bolt_finish(NULL, db, &err) == -1)
		goto fail;
	ec_bolt_free(db);
	for (i = 0; i < 4; i++)
		ec_buf_dispose(&f[i]);
	ec_buf_dispose(&prev[0]);
	ec_buf_dispose(&prev[1]);
	free(line);
	fclose(in);
	printf("bolt_load: %zu rows\n", n);
	return 0;
bad:
	fprintf(stderr, "bolt_load: line %zu is not a row\n", n + 1);
	return 1;
fail:
	fprintf(stderr, "bolt_load: %s\n", err.msg);
	return 1;
}
