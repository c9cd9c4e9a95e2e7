/*
 * ec_bundle_read: walk a bundle that may come from anywhere.  The checks
 * stop path traversal (absolute names, ".."), link tricks (symlinks, hard
 * links, devices), duplicate members that would let a second manifest
 * shadow the first, and decompression bombs: member count, member size
 * and the total of all sizes are checked on each tar header (ustar gives
 * a member's size before its data) against caps derived from the
 * compressed size, so no member is decompressed past them; libzstd
 * refuses frames that need a window above 2^27 unless told otherwise,
 * ZSTD_WINDOWLOG_LIMIT_DEFAULT, and libarchive does not tell it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_file.h"
#include "ec_limits.h"

struct read_state {
	ec_bundle_admit_fn	*admit;		/* NULL: every member */
	ec_bundle_keep_fn	*keep;
	ec_bundle_member_fn	*fn;
	void			*arg;
	char			**names;	/* owned; members seen so far */
	size_t			 n;
	struct ec_bundle_stats	*stats;		/* borrowed */
};

static int
read_check_name(const char *name, struct ec_err *err)
{
	if (name == NULL || strlen(name) > 4096)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "bundle member with a missing or overlong name");
	if (!ec_bundle_path_safe(name))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "bundle member %.200s: unsafe path refused (absolute, "
		    "\".\", \"..\" or a control character)", name);
	return 0;
}

static int
read_remember(struct read_state *st, const char *name, struct ec_err *err)
{
	char	**p;
	size_t	  i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->names[i], name) == 0)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "bundle member %.200s appears twice", name);
	if ((p = reallocarray(st->names, st->n + 1, sizeof(*p))) == NULL)
		return ec_err_nomem(err);
	st->names = p;
	if ((st->names[st->n] = strdup(name)) == NULL)
		return ec_err_nomem(err);
	st->n++;
	return 0;
}

static int
read_member(struct read_state *st, struct archive *a,
    struct archive_entry *ae, struct ec_err *err)
{
	struct ec_bundle_member	 m;
	struct ec_sha256	 h;
	struct ec_buf		 keep;
	char			 chunk[65536];
	la_ssize_t		 n;
	uint64_t		 max;
	int			 rc = -1;
	bool			 kept;

	memset(&m, 0, sizeof(m));
	m.name = archive_entry_pathname(ae);
	max = st->keep != NULL ? st->keep(st->arg, m.name) : 0;
	kept = max > 0;
	if (kept && (uint64_t)archive_entry_size(ae) > max)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "bundle member %.200s: %lld bytes, more than the %llu "
		    "kept in memory", m.name,
		    (long long)archive_entry_size(ae),
		    (unsigned long long)max);
	ec_buf_init(&keep, (size_t)max);
	ec_sha256_init(&h);
	while ((n = archive_read_data(a, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			(void)ec_err_set(err, EC_ERR_VERIFY,
			    "bundle member %.200s: %s", m.name,
			    archive_error_string(a));
			goto out;
		}
		/* libarchive stops at the header's size; this is belt only. */
		if ((uint64_t)n > EC_MAX_ENTRY_BYTES - m.size) {
			(void)ec_err_set(err, EC_ERR_VERIFY,
			    "bundle member %.200s: too large", m.name);
			goto out;
		}
		if (kept && ec_buf_add(&keep, chunk, (size_t)n, err) == -1)
			goto out;
		ec_sha256_update(&h, chunk, (size_t)n);
		m.size += (uint64_t)n;
		st->stats->read += (uint64_t)n;
	}
	ec_sha256_final(m.sha256, &h);
	if (kept)
		m.data = keep.data != NULL ? keep.data : "";
	rc = st->fn(st->arg, &m, err);
out:
	ec_buf_dispose(&keep);
	return rc;
}

/*
 * The bound on the sum of the member sizes, from the compressed size read
 * from the file before the first header.  ec_bundle_finish() holds what it
 * writes to the same bound.
 */
uint64_t
ec_bundle_expansion_limit(uint64_t compressed)
{
	uint64_t	base = compressed;

	if (base < EC_MIN_EXPANSION_BASE)
		base = EC_MIN_EXPANSION_BASE;
	if (base > EC_MAX_BUNDLE_BYTES)
		base = EC_MAX_BUNDLE_BYTES;
	return base * EC_MAX_EXPANSION;
}

/*
 * Check one member's tar header before its data is touched: the size is
 * what libarchive will decompress for it, so a bomb stops here.
 */
static int
read_check_size(struct read_state *st, struct archive_entry *ae,
    struct ec_err *err)
{
	const char	*name = archive_entry_pathname(ae);
	int64_t		 size = archive_entry_size(ae);

	if (!archive_entry_size_is_set(ae) || size < 0 ||
	    (uint64_t)size > EC_MAX_ENTRY_BYTES)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "bundle member %.200s: size out of range (at most %llu "
		    "bytes, EC_MAX_ENTRY_BYTES)", name,
		    (unsigned long long)EC_MAX_ENTRY_BYTES);
	st->stats->declared += (uint64_t)size;
	if (st->stats->declared > st->stats->limit)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "bundle member %.200s: members would expand past %llu "
		    "bytes, %d times the %s (EC_MAX_EXPANSION)", name,
		    (unsigned long long)st->stats->limit, EC_MAX_EXPANSION,
		    st->stats->compressed > EC_MAX_BUNDLE_BYTES ?
		    "500 MiB bundle limit" : "compressed size");
	return 0;
}

static int
read_archive(struct read_state *st, struct archive *a, struct ec_err *err)
{
	struct archive_entry	*ae;
	size_t			 count = 0;
	int			 r;

	for (;;) {
		r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "malformed bundle: %s", archive_error_string(a) !=
			    NULL ? archive_error_string(a) : "bad archive");
		if (++count > EC_MAX_BUNDLE_ENTRIES)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "bundle has more than %d members",
			    EC_MAX_BUNDLE_ENTRIES);
		/*
		 * Directories carry no data and we unpack nothing to disk,
		 * but a hostile header may still give one a size: count it
		 * like any member's, so the bound holds whatever the tar
		 * reader makes of it (libarchive 3.6 reads it as 0).
		 */
		if (archive_entry_filetype(ae) == AE_IFDIR) {
			if (read_check_size(st, ae, err) == -1)
				return -1;
			continue;
		}
		if (read_check_name(archive_entry_pathname(ae), err) == -1)
			return -1;
		if (archive_entry_filetype(ae) != AE_IFREG ||
		    archive_entry_hardlink(ae) != NULL ||
		    archive_entry_symlink(ae) != NULL)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "bundle member %.200s: only regular files allowed",
			    archive_entry_pathname(ae));
		if (read_check_size(st, ae, err) == -1 ||
		    read_remember(st, archive_entry_pathname(ae), err) == -1)
			return -1;
		if (st->admit != NULL && st->admit(st->arg,
		    archive_entry_pathname(ae),
		    (uint64_t)archive_entry_size(ae), err) == -1)
			return -1;
		if (read_member(st, a, ae, err) != 0)
			return -1;
	}
	return 0;
}

static int
read_run(struct ec_bundle_stats *stats, struct archive *a,
    ec_bundle_admit_fn *admit, ec_bundle_keep_fn *keep,
    ec_bundle_member_fn *fn, void *arg, struct ec_err *err)
{
	struct read_state	st = { admit, keep, fn, arg, NULL, 0, stats };
	size_t			i;
	int			rc;

	stats->limit = ec_bundle_expansion_limit(stats->compressed);
	rc = read_archive(&st, a, err);
	for (i = 0; i < st.n; i++)
		free(st.names[i]);
	free(st.names);
	archive_read_free(a);
	return rc;
}

static struct archive *
read_new(struct ec_err *err)
{
	struct archive	*a;

	if ((a = archive_read_new()) == NULL) {
		(void)ec_err_nomem(err);
		return NULL;
	}
	/* Only what we write: tar, zstd or nothing.  No other decoders. */
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK) {
		(void)ec_err_set(err, EC_ERR_INTERNAL, "libarchive: %s",
		    archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int
ec_bundle_read(struct ec_bundle_stats *stats, const char *path,
    ec_bundle_keep_fn *keep, ec_bundle_member_fn *fn, void *arg,
    struct ec_err *err)
{
	return ec_bundle_read_gated(stats, path, NULL, keep, fn, arg, err);
}

int
ec_bundle_read_gated(struct ec_bundle_stats *stats, const char *path,
    ec_bundle_admit_fn *admit, ec_bundle_keep_fn *keep,
    ec_bundle_member_fn *fn, void *arg, struct ec_err *err)
{
	struct ec_bundle_stats	 local;
	struct archive		*a;
	struct stat		 st;
	int			 fd = -1, e, rc = -1;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	/* A FIFO or device never blocks us: ec_file.h. */
	if (ec_file_open_regular_stat(&fd, &st, path, err) == -1)
		return -1;
	stats->compressed = (uint64_t)st.st_size;
	if (stats->compressed > EC_MAX_BUNDLE_BYTES) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "%.200s: %llu bytes, more than the %llu of a bundle "
		    "(EC_MAX_BUNDLE_BYTES)", path,
		    (unsigned long long)stats->compressed,
		    (unsigned long long)EC_MAX_BUNDLE_BYTES);
		goto out;
	}
	if ((a = read_new(err)) == NULL)
		goto out;
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		/* Opening reads the first block: most failures are the data's. */
		e = archive_errno(a);
		(void)ec_err_set(err, e == EIO ? EC_ERR_IO : EC_ERR_VERIFY,
		    "%.200s: %s", path, archive_error_string(a));
		archive_read_free(a);
		goto out;
	}
	rc = read_run(stats, a, admit, keep, fn, arg, err);
out:
	/* archive_read_open_fd() leaves the descriptor to its owner. */
	(void)close(fd);
	return rc;
}

int
ec_bundle_read_mem(struct ec_bundle_stats *stats, const void *mem,
    size_t len, ec_bundle_keep_fn *keep, ec_bundle_member_fn *fn, void *arg,
    struct ec_err *err)
{
	struct ec_bundle_stats	 local;
	struct archive		*a;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	stats->compressed = len;
	if ((a = read_new(err)) == NULL)
		return -1;
	if (archive_read_open_memory(a, mem, len) != ARCHIVE_OK) {
		(void)ec_err_set(err, EC_ERR_VERIFY, "malformed bundle: %s",
		    archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	return read_run(stats, a, NULL, keep, fn, arg, err);
}
