/* ec_trivy_pack: Trivy's db.tar.gz and its OCI layout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <sqlite3.h>

#include "ec_buf.h"
#include "ec_oci.h"
#include "ec_store.h"
#include "ec_time.h"
#include "ec_trivy.h"
#include "ec_trivy_pack.h"

#define PACK_CHUNK	(64 * 1024)

/* The archive's bytes go to two files at once. */
struct pack_sink {
	const char		*db_path;	/* the scratch file */
	const void		*meta;		/* metadata.json */
	size_t			 meta_len;
	struct ec_build_item	*out[2];
	struct ec_err		*err;
	int			 failed;
};

static la_ssize_t
pack_write(struct archive *a, void *arg, const void *p, size_t len)
{
	struct pack_sink	*s = arg;

	(void)a;
	if (ec_build_item_write(s->out[0], p, len, s->err) == -1 ||
	    ec_build_item_write(s->out[1], p, len, s->err) == -1) {
		s->failed = 1;
		return -1;
	}
	return (la_ssize_t)len;
}

static int
pack_header(struct archive *a, const char *name, int64_t size,
    int64_t snapshot_us)
{
	struct archive_entry	*ae;
	int			 rc;

	if ((ae = archive_entry_new()) == NULL)
		return ARCHIVE_FATAL;
	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, (la_int64_t)size);
	archive_entry_set_mtime(ae, (time_t)(snapshot_us / 1000000), 0);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	rc = archive_write_header(a, ae);
	archive_entry_free(ae);
	return rc;
}

/* The database file, read back from its scratch path. */
static int
pack_db(struct archive *a, const struct pack_sink *s,
    const struct ec_trivy_pack *p, struct ec_err *err)
{
	char	buf[PACK_CHUNK];
	off_t	size;
	ssize_t	n;
	int	fd, rc = -1;

	if ((fd = open(s->db_path, O_RDONLY | O_CLOEXEC)) == -1)
		return ec_err_set(err, EC_ERR_IO, "open %s: %s",
		    p->db_name, strerror(errno));
	if ((size = lseek(fd, 0, SEEK_END)) == -1 ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "seek %s: %s",
		    p->db_name, strerror(errno));
		goto out;
	}
	if (pack_header(a, p->db_name, size, p->snapshot_us) != ARCHIVE_OK)
		goto arch;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(a, buf, (size_t)n) != n)
			goto arch;
	if (n == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "read %s: %s",
		    p->db_name, strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
arch:
	if (err->code == EC_OK)
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", p->archive,
		    archive_error_string(a));
out:
	(void)close(fd);
	return rc;
}

int
ec_trivy_gzip_filter(struct archive *a, int level)
{
	char	lv[4];

	(void)snprintf(lv, sizeof(lv), "%d", level);
	/* "!timestamp" keeps the clock out of the gzip header. */
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "compression-level",
	    lv) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "timestamp",
	    NULL) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
		return -1;
	return 0;
}

static struct archive *
pack_open(struct pack_sink *s)
{
	struct archive	*a;

	if ((a = archive_write_new()) == NULL)
		return NULL;
	if (archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    ec_trivy_gzip_filter(a, EC_TRIVY_GZIP_LEVEL) == -1 ||
	    archive_write_open2(a, s, NULL, pack_write, NULL,
	    NULL) != ARCHIVE_OK) {
		archive_write_free(a);
		return NULL;
	}
	return a;
}

static int
pack_archive(struct pack_sink *s, const struct ec_trivy_pack *p,
    struct ec_err *err)
{
	struct archive	*a;
	int		 rc = -1;

	if ((a = pack_open(s)) == NULL)
		return ec_err_set(err, EC_ERR_IO, "%s: cannot start gzip",
		    p->archive);
	if (pack_db(a, s, p, err) == -1)
		goto out;
	if (pack_header(a, "metadata.json", (int64_t)s->meta_len,
	    p->snapshot_us) != ARCHIVE_OK || archive_write_data(a, s->meta,
	    s->meta_len) != (la_ssize_t)s->meta_len ||
	    archive_write_close(a) != ARCHIVE_OK) {
		if (!s->failed)
			(void)ec_err_set(err, EC_ERR_IO, "%s: %s", p->archive,
			    archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_write_free(a);
	return rc;
}

static int
pack_layout(struct ec_build *b, struct ec_oci *o, struct ec_build_item *blob,
    const struct ec_trivy_pack *p, struct ec_err *err)
{
	struct ec_oci_layer	layer = { p->layer_type, { { 0 }, 0 },
				    p->archive };
	struct ec_oci_manifest	m;
	char			created[EC_TIME_MAX];

	(void)b;
	if (ec_oci_blob_close(o, blob, &layer.blob, err) == -1)
		return -1;
	ec_time_format(created, p->snapshot_us);
	memset(&m, 0, sizeof(m));
	m.artifact_type = EC_TRIVY_ARTIFACT_TYPE;
	m.layers = &layer;
	m.nlayers = 1;
	m.created = created;
	m.tag = p->tag;
	if (ec_oci_manifest(o, &m, NULL, err) == -1)
		return -1;
	return ec_oci_finish(o, err);
}

/* The archive and the layout; the sink's outputs are closed or left. */
static int
pack_outputs(struct ec_build *b, struct pack_sink *s,
    const struct ec_trivy_pack *p, struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_ITEM, "trivy-archive",
				    p->archive, "tar+gzip", NULL };
	struct ec_oci		*o = NULL;
	int			 rc = -1;

	if (ec_oci_new(&o, b, "oci", err) == -1)
		return -1;
	if (ec_build_item_open(&s->out[0], b, p->archive, err) == -1 ||
	    ec_oci_blob_open(&s->out[1], o, err) == -1 ||
	    pack_archive(s, p, err) == -1)
		goto out;
	rc = ec_build_item_close(s->out[0], &fd, NULL, NULL, err);
	s->out[0] = NULL;
	if (rc == -1)
		goto out;
	rc = pack_layout(b, o, s->out[1], p, err);
	s->out[1] = NULL;
out:
	ec_oci_free(o);
	return rc;
}

int
ec_trivy_pack(struct ec_build *b, struct ec_build_item *db,
    const struct ec_trivy_pack *p, struct ec_err *err)
{
	struct ec_file_desc	 dbd = { EC_FILE_ITEM, p->db_type,
				    p->db_name, p->db_format, p->db_name };
	struct ec_file_desc	 md = { EC_FILE_METADATA, NULL, NULL, NULL,
				    "metadata.json" };
	struct pack_sink	 s;
	struct ec_buf		 meta;
	int			 rc = -1;

	memset(&s, 0, sizeof(s));
	s.err = err;
	ec_buf_init(&meta, 4096);
	if (ec_trivy_metadata_version(&meta, p->version, p->snapshot_us,
	    EC_TRIVY_NEXT_UPDATE_NEVER, err) == -1 ||
	    ec_build_item_sum(NULL, NULL, db, err) == -1)
		goto out;
	s.db_path = ec_build_item_path(db);
	s.meta = meta.data;
	s.meta_len = meta.len;
	if (pack_outputs(b, &s, p, err) == -1 ||
	    ec_build_add_mem(b, &md, meta.data, meta.len, NULL, err) == -1)
		goto out;
	rc = ec_build_item_close(db, &dbd, NULL, NULL, err);
	db = NULL;
out:
	ec_build_item_discard(db);
	ec_build_item_discard(s.out[0]);
	ec_build_item_discard(s.out[1]);
	ec_buf_dispose(&meta);
	return rc;
}

int
ec_trivy_snapshot(int64_t *out, struct ec_build *b, const char *kind,
    struct ec_err *err)
{
	struct ec_store_stats	st;

	if (ec_store_stats(&st, ec_build_store(b), kind, err) == -1)
		return -1;
	ec_build_set_snapshot(b, st.max_modified_us);
	*out = st.max_modified_us;
	return 0;
}

int
ec_trivy_sqlerr(struct sqlite3 *db, const char *file, const char *what,
    struct ec_err *err)
{
	return ec_err_set(err, EC_ERR_IO, "%s: %s: %s", file, what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
}
