/*
 * ec_ingest_archive: documents inside .zip and tar archives (plain, gzip,
 * zstd, xz), read as streams through libarchive; nothing is extracted.
 * A member is named "ARCHIVE:MEMBER" in every report.  Members are
 * hostile until checked: absolute paths, ".." components, links and
 * devices are refused and never read, each member is capped at
 * EC_MAX_DOC_BYTES by its declared size before reading and by the bytes
 * actually produced while reading, and the archive as a whole may not
 * expand to more than EC_INGEST_MAX_EXPANSION times its own size (the
 * zip-bomb bound: overlapping or many small members).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "ec_ingest_int.h"
#include "ec_limits.h"

#define ARCHIVE_BLOCK	65536

struct archive_walk {
	struct ingest_ctx	*ctx;
	struct archive		*a;
	const char		*path;		/* the archive, borrowed */
	struct ec_buf		 name;		/* "ARCHIVE:MEMBER" */
	uint64_t		 budget;	/* bytes left to expand to */
	bool			 over;		/* budget spent: stop */
	bool			 compressed;	/* a skip decompresses */
};

bool
ingest_is_archive(const char *path)
{
	static const char	*suffixes[] = { ".zip", ".tar", ".tar.gz",
				    ".tgz", ".tar.zst", ".tzst", ".tar.xz",
				    ".txz" };
	size_t			 i, len = strlen(path), sl;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		sl = strlen(suffixes[i]);
		if (len > sl && strcmp(path + len - sl, suffixes[i]) == 0)
			return true;
	}
	return false;
}

/* A member path we would never write to: absolute, "..", empty. */
static bool
archive_path_safe(const char *p)
{
	const char	*c;
	size_t		 n;

	if (p == NULL || p[0] == '\0' || p[0] == '/')
		return false;
	for (c = p; *c != '\0'; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return false;
	}
	return true;
}

/* Why a member is never read, or NULL when it is a plain file. */
static const char *
archive_member_hostile(struct archive_entry *ae)
{
	mode_t	type = archive_entry_filetype(ae);

	if (!archive_path_safe(archive_entry_pathname(ae)))
		return "unsafe member path (absolute or \"..\"), not read";
	if (archive_entry_hardlink(ae) != NULL)
		return "a hard link, not followed";
	if (type == AE_IFLNK || archive_entry_symlink(ae) != NULL)
		return "a symbolic link, not followed";
	if (type != AE_IFREG)
		return "a device or special file, not read";
	return NULL;
}

static int
archive_over(struct ec_err *err)
{
	return ec_err_set(err, EC_ERR_TOO_LARGE, "archive expands past %d "
	    "times its size (a zip bomb?); the rest is not read",
	    EC_INGEST_MAX_EXPANSION);
}

/* Read the member into ctx->raw within the cap and the archive budget. */
static int
archive_read_member(struct archive_walk *w, struct ec_err *ferr)
{
	struct ec_buf	*raw = &w->ctx->raw;
	la_ssize_t	 n;
	size_t		 want;

	ec_buf_reset(raw);
	for (;;) {
		if (raw->len > EC_MAX_DOC_BYTES)
			return ec_err_set(ferr, EC_ERR_TOO_LARGE,
			    "member expands past %d bytes", EC_MAX_DOC_BYTES);
		want = raw->max - raw->len < ARCHIVE_BLOCK ?
		    raw->max - raw->len : ARCHIVE_BLOCK;
		if (ec_buf_reserve(raw, want, ferr) == -1)
			return -1;
		n = archive_read_data(w->a, raw->data + raw->len, want);
		if (n < 0)
			return ec_err_set(ferr, EC_ERR_REQUEST_INVALID,
			    "%s", archive_error_string(w->a));
		if (n == 0)
			break;
		if ((uint64_t)n > w->budget) {
			w->over = true;
			return archive_over(ferr);
		}
		w->budget -= (uint64_t)n;
		raw->len += (size_t)n;
	}
	raw->data[raw->len] = '\0';
	return 0;
}

/* One member: refused, skipped, or read as a document. */
static int
archive_member(struct archive_walk *w, struct archive_entry *ae,
    struct ec_err *err)
{
	const char	*why, *mname = archive_entry_pathname(ae);
	struct ec_err	 ferr;
	int64_t		 size;
	size_t		 len;

	ec_buf_reset(&w->name);
	if (ec_buf_addf(&w->name, err, "%s:%.*s", w->path, INGEST_MAX_PATH,
	    mname != NULL ? mname : "(unnamed)") == -1)
		return -1;
	/* Directories are structure, not inputs. */
	if (archive_entry_filetype(ae) == AE_IFDIR &&
	    archive_path_safe(mname))
		return 0;
	if ((why = archive_member_hostile(ae)) != NULL)
		return ingest_add_reason(w->ctx, err, w->name.data,
		    EC_INGEST_FAILED, EC_ERR_REQUEST_INVALID, "%s", why);
	len = strlen(mname);
	if (len <= 5 || strcmp(mname + len - 5, ".json") != 0)
		return ingest_add_outcome(w->ctx, w->name.data,
		    EC_INGEST_SKIPPED, NULL, err);
	size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
	if (size > EC_MAX_DOC_BYTES) {
		/* A compressed tar only skips by decompressing: charge it. */
		if (w->compressed && (uint64_t)size > w->budget) {
			w->over = true;
			(void)archive_over(&ferr);
			return ingest_add_outcome(w->ctx, w->name.data,
			    EC_INGEST_FAILED, &ferr, err);
		}
		if (w->compressed)
			w->budget -= (uint64_t)size;
		return ingest_add_reason(w->ctx, err, w->name.data,
		    EC_INGEST_FAILED, EC_ERR_TOO_LARGE, "member declares %lld "
		    "bytes, more than %d; not read", (long long)size,
		    EC_MAX_DOC_BYTES);
	}
	if (archive_read_member(w, &ferr) == -1)
		return ingest_add_outcome(w->ctx, w->name.data,
		    EC_INGEST_FAILED, &ferr, err);
	return ingest_add_doc(w->ctx, w->name.data, err);
}

static int
archive_setup(struct archive_walk *w, int fd, struct ec_err *err)
{
	struct stat	st;
	uint64_t	budget;

	if (fstat(fd, &st) == -1)
		return ec_err_set(err, EC_ERR_IO, "cannot stat");
	budget = (uint64_t)st.st_size * EC_INGEST_MAX_EXPANSION;
	w->budget = budget > EC_MAX_DOC_BYTES ? budget : EC_MAX_DOC_BYTES;
	if ((w->a = archive_read_new()) == NULL)
		return ec_err_nomem(err);
	if (archive_read_support_format_zip(w->a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(w->a) != ARCHIVE_OK ||
	    archive_read_support_format_gnutar(w->a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(w->a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(w->a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(w->a) != ARCHIVE_OK)
		return ec_err_set(err, EC_ERR_INTERNAL, "libarchive: %s",
		    archive_error_string(w->a));
	if (archive_read_open_fd(w->a, fd, ARCHIVE_BLOCK) != ARCHIVE_OK)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not a readable archive: %s", archive_error_string(w->a));
	return 0;
}

/* Report the archive itself (not a member) as failed. */
static int
archive_fail(struct archive_walk *w, const struct ec_err *why,
    struct ec_err *err)
{
	return ingest_add_outcome(w->ctx, w->path, EC_INGEST_FAILED, why,
	    err);
}

int
ingest_archive(struct ingest_ctx *ctx, const char *path, int fd,
    struct ec_err *err)
{
	struct archive_walk	 w;
	struct archive_entry	*ae;
	struct ec_err		 aerr;
	int			 r, rc = 0;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.path = path;
	ec_buf_init(&w.name, 3 * INGEST_MAX_PATH);
	if (archive_setup(&w, fd, &aerr) == -1) {
		rc = aerr.code == EC_ERR_NOMEM ? (*err = aerr, -1) :
		    archive_fail(&w, &aerr, err);
		goto out;
	}
	while (rc == 0 && !w.over) {
		r = archive_read_next_header(w.a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			(void)ec_err_set(&aerr, EC_ERR_REQUEST_INVALID,
			    "%s%s%s", archive_error_string(w.a),
			    w.name.len > 0 ? ", after member " : "",
			    w.name.len > 0 ? w.name.data + strlen(path) + 1 :
			    "");
			rc = archive_fail(&w, &aerr, err);
			break;
		}
		w.compressed = archive_filter_code(w.a, 0) !=
		    ARCHIVE_FILTER_NONE;
		rc = archive_member(&w, ae, err);
	}
out:
	if (w.a != NULL)
		(void)archive_read_free(w.a);
	ec_buf_dispose(&w.name);
	return rc;
}
