/*
 * ec_ingest_walk: the inputs an operator names.  Every input the walk
 * does not take is reported (skipped or failed) and counted, so a run
 * always ends with a summary that accounts for everything it saw.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_file.h"
#include "ec_ingest_int.h"
#include "ec_limits.h"

/* Read size for files and standard input. */
#define WALK_CHUNK	65536

int
ingest_add_reason(struct ingest_ctx *ctx, struct ec_err *err,
    const char *name, enum ec_ingest_status status, enum ec_code code,
    const char *fmt, ...)
{
	struct ec_err	why;
	char		msg[sizeof(why.msg)];
	va_list		ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)ec_err_set(&why, code, "%s", msg);
	return ingest_add_outcome(ctx, name, status, &why, err);
}

/* Report "name" as bad input with a reason made here. */
#define walk_outcome(ctx, err, name, status, ...)			\
	ingest_add_reason((ctx), (err), (name), (status),		\
	    EC_ERR_REQUEST_INVALID, __VA_ARGS__)

int
ingest_read_fd(struct ec_buf *out, int fd, struct ec_err *err)
{
	ssize_t	n;

	ec_buf_reset(out);
	/* Read to EOF, not to st_size: the file may grow meanwhile. */
	for (;;) {
		if (out->len > EC_MAX_DOC_BYTES)
			return ec_err_set(err, EC_ERR_TOO_LARGE,
			    "document exceeds %d bytes", EC_MAX_DOC_BYTES);
		if (ec_buf_reserve(out, out->max - out->len < WALK_CHUNK ?
		    out->max - out->len : WALK_CHUNK, err) == -1)
			return -1;
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return ec_err_set(err, EC_ERR_IO, "%s",
			    strerror(errno));
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	out->data[out->len] = '\0';
	return 0;
}

/* One document file; "follow": whether a link at the path is followed. */
static int
walk_file(struct ingest_ctx *ctx, const char *path, bool follow,
    struct ec_err *err)
{
	struct ec_err	ferr;
	int		fd, rc;

	if (ec_file_open_regular(&fd, path, follow, &ferr) == -1)
		return ingest_add_outcome(ctx, path, EC_INGEST_FAILED, &ferr,
		    err);
	rc = ingest_read_fd(&ctx->raw, fd, &ferr);
	(void)close(fd);
	if (rc == -1)
		return ingest_add_outcome(ctx, path, EC_INGEST_FAILED, &ferr,
		    err);
	rc = ingest_add_doc(ctx, path, err);
	/* One huge document must not keep its memory for the whole run. */
	if (ctx->raw.cap > INGEST_BATCH_BYTES)
		ec_buf_dispose(&ctx->raw);
	return rc;
}

static bool
walk_is_json(const char *name)
{
	size_t	len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".json") == 0;
}

static int	walk_dir(struct ingest_ctx *, const char *, int,
		    struct ec_err *);

/* One entry found inside a directory; links are never followed there. */
static int
walk_entry(struct ingest_ctx *ctx, const char *path, const char *base,
    int depth, struct ec_err *err)
{
	struct stat	st;

	if (lstat(path, &st) == -1)
		return walk_outcome(ctx, err, path, EC_INGEST_FAILED, "%s",
		    strerror(errno));
	if (S_ISLNK(st.st_mode))
		return walk_outcome(ctx, err, path, EC_INGEST_SKIPPED,
		    "a symbolic link, not followed");
	if (S_ISDIR(st.st_mode)) {
		if (depth + 1 > INGEST_MAX_DEPTH)
			return walk_outcome(ctx, err, path,
			    EC_INGEST_FAILED, "directory nested deeper than "
			    "%d levels, not read", INGEST_MAX_DEPTH);
		return walk_dir(ctx, path, depth + 1, err);
	}
	if (!S_ISREG(st.st_mode))
		return walk_outcome(ctx, err, path, EC_INGEST_SKIPPED,
		    "not a regular file");
	if (!walk_is_json(base))
		return ingest_add_outcome(ctx, path, EC_INGEST_SKIPPED, NULL,
		    err);
	return walk_file(ctx, path, false, err);
}

static int
walk_dir(struct ingest_ctx *ctx, const char *dir, int depth,
    struct ec_err *err)
{
	struct dirent	**list = NULL;
	struct ec_buf	  sub;
	struct ec_err	  serr;
	const char	 *name;
	int		  i, n, rc = 0;

	/* alphasort without setlocale() is bytewise: a stable order. */
	if ((n = scandir(dir, &list, NULL, alphasort)) == -1)
		return walk_outcome(ctx, err, dir, EC_INGEST_FAILED, "%s",
		    strerror(errno));
	ec_buf_init(&sub, 2 * INGEST_MAX_PATH);
	for (i = 0; i < n; i++) {
		name = list[i]->d_name;
		if (rc == 0 && strcmp(name, ".") != 0 &&
		    strcmp(name, "..") != 0) {
			ec_buf_reset(&sub);
			if (ec_buf_addf(&sub, &serr, "%s/%s", dir,
			    name) == -1 || sub.len > INGEST_MAX_PATH)
				rc = walk_outcome(ctx, err, sub.len > 0 ?
				    sub.data : dir, EC_INGEST_FAILED,
				    "path exceeds %d bytes, not read",
				    INGEST_MAX_PATH);
			else if (name[0] == '.')
				rc = ingest_add_outcome(ctx, sub.data,
				    EC_INGEST_SKIPPED, NULL, err);
			else
				rc = walk_entry(ctx, sub.data, name, depth,
				    err);
		}
		free(list[i]);
	}
	free(list);
	ec_buf_dispose(&sub);
	return rc;
}

/* Report line "lineno" of standard input, whose bytes are in ctx->raw. */
static int
walk_line(struct ingest_ctx *ctx, size_t lineno, bool too_long,
    struct ec_err *err)
{
	char	name[32];
	size_t	i;

	(void)snprintf(name, sizeof(name), "-:%zu", lineno);
	if (too_long)
		return walk_outcome(ctx, err, name, EC_INGEST_FAILED,
		    "document exceeds %d bytes", EC_MAX_DOC_BYTES);
	/* Blank lines separate nothing in NDJSON; they are not inputs. */
	for (i = 0; i < ctx->raw.len; i++)
		if (strchr(" \t\r", ctx->raw.data[i]) == NULL)
			break;
	if (i == ctx->raw.len)
		return 0;
	return ingest_add_doc(ctx, name, err);
}

/*
 * "-": NDJSON on standard input, one document per line; a line past
 * EC_MAX_DOC_BYTES is refused and the rest of it thrown away unread.
 */
static int
walk_stdin(struct ingest_ctx *ctx, struct ec_err *err)
{
	char	buf[WALK_CHUNK], *nl;
	size_t	lineno = 1, off, take;
	ssize_t	n;
	bool	too_long = false;

	ec_buf_reset(&ctx->raw);
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return walk_outcome(ctx, err, "-", EC_INGEST_FAILED,
			    "%s", strerror(errno));
		if (n == 0)
			break;
		for (off = 0; off < (size_t)n; off += take) {
			nl = memchr(buf + off, '\n', (size_t)n - off);
			take = nl != NULL ? (size_t)(nl - (buf + off)) :
			    (size_t)n - off;
			if (!too_long && ctx->raw.len + take > EC_MAX_DOC_BYTES)
				too_long = true;
			if (!too_long && ec_buf_add(&ctx->raw, buf + off, take,
			    err) == -1)
				return -1;
			if (nl == NULL)
				continue;
			take++;
			if (walk_line(ctx, lineno++, too_long, err) == -1)
				return -1;
			too_long = false;
			ec_buf_reset(&ctx->raw);
		}
	}
	if (ctx->raw.len > 0 || too_long)
		return walk_line(ctx, lineno, too_long, err);
	return 0;
}

int
ingest_walk_named(struct ingest_ctx *ctx, const char *path,
    struct ec_err *err)
{
	struct stat	st;
	struct ec_err	ferr;
	int		fd, rc;

	if (strcmp(path, "-") == 0)
		return walk_stdin(ctx, err);
	if (strlen(path) > INGEST_MAX_PATH)
		return walk_outcome(ctx, err, path, EC_INGEST_FAILED,
		    "path exceeds %d bytes, not read", INGEST_MAX_PATH);
	/* Named paths may be links: the operator chose them. */
	if (stat(path, &st) == -1)
		return walk_outcome(ctx, err, path, EC_INGEST_FAILED, "%s",
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return walk_dir(ctx, path, 0, err);
	if (!ingest_is_archive(path))
		return walk_file(ctx, path, true, err);
	if (ec_file_open_regular(&fd, path, true, &ferr) == -1)
		return ingest_add_outcome(ctx, path, EC_INGEST_FAILED, &ferr,
		    err);
	rc = ingest_archive(ctx, path, fd, err);
	(void)close(fd);
	return rc;
}
