/*
 * ec_trivy_pack: what trivy:db and trivy:java-db share once their
 * database file is built: the archive Trivy downloads (db.tar.gz,
 * javadb.tar.gz; specs/trivy-db.md sections 3.1 and 3.3) and the OCI
 * image layout holding it as Trivy pulls it (section 3.2).
 *
 * The archive is a ustar tar of two regular files at its root, the
 * database and metadata.json, mode 0644, owner 0:0, mtime the snapshot
 * time, compressed by libarchive's gzip filter at a fixed level with no
 * file name and no timestamp in the gzip header, so that the same files
 * give the same bytes.  It is written once and goes both to "<archive>"
 * at the top of the tree and to the layout's blob, without a second pass.
 */
#ifndef EC_TRIVY_PACK_H
#define EC_TRIVY_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_profile.h"

/* gzip level of every archive: fixed, so the bytes are. */
#define EC_TRIVY_GZIP_LEVEL	6
/* Trivy's config artifact type (section 3.1). */
#define EC_TRIVY_ARTIFACT_TYPE \
	"application/vnd.aquasec.trivy.config.v1+json"

struct sqlite3;
struct archive;

/*
 * Add the gzip filter to a libarchive writer the way every gzip layer of
 * ours is written: "level", no timestamp in the header (the clock stays
 * out), the last block not padded.  -1 when libarchive refuses (its
 * error string says why).
 */
int	ec_trivy_gzip_filter(struct archive *a, int level);

struct ec_trivy_pack {
	const char	*db_name;	/* "trivy.db", in archive and tree */
	const char	*db_type;	/* its manifest item type */
	const char	*db_format;	/* its manifest item format */
	int		 version;	/* metadata.json Version */
	const char	*archive;	/* "db.tar.gz": name and title */
	const char	*layer_type;	/* the layer media type */
	const char	*tag;		/* "2": index.json ref name */
	int64_t		 snapshot_us;	/* mtimes, image.created */
};

/*
 * The snapshot time of a build over documents of "kind": the newest
 * one's modified time, also set as the build's (ec_build_set_snapshot).
 * Errors of ec_store_stats().
 */
int	ec_trivy_snapshot(int64_t *out, struct ec_build *b, const char *kind,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Finish a build around "db", the scratch item holding the finished
 * database (gone after the call, whatever it returns): metadata.json
 * (ec_trivy_metadata_version, NextUpdate never, so Trivy stays offline;
 * sections 1.4, 1.5), p->archive (an item, format "tar+gzip"), "oci/"
 * with the artifact (the empty config, one layer titled p->archive,
 * artifactType EC_TRIVY_ARTIFACT_TYPE, tagged p->tag) and the database
 * itself at p->db_name.  EC_ERR_IO, EC_ERR_NOMEM and the errors of the
 * builder calls.
 */
int	ec_trivy_pack(struct ec_build *b, struct ec_build_item *db,
	    const struct ec_trivy_pack *p, struct ec_err *err) EC_MUST_CHECK;

/* EC_ERR_IO naming the file, the step and SQLite's message. */
int	ec_trivy_sqlerr(struct sqlite3 *db, const char *file,
	    const char *what, struct ec_err *err);

#endif
