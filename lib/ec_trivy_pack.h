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
#define EC_TRIVY_ARTIFACT_TYPE	"application/vnd.aquasec.trivy.config.v1+json"

struct ec_trivy_pack {
	const char	*db_name;	/* "trivy.db" in the archive and tree */
	const char	*db_path;	/* the built file (a scratch's path) */
	const void	*meta;		/* metadata.json bytes */
	size_t		 meta_len;
	const char	*archive;	/* "db.tar.gz": tree name and title */
	const char	*layer_type;	/* the layer media type */
	const char	*tag;		/* "2": index.json ref name */
	int64_t		 snapshot_us;	/* mtimes and image.created */
};

/*
 * Write p->archive (an item, format "tar+gzip") and "oci/" with the
 * artifact: the empty config, one layer titled p->archive, artifactType
 * EC_TRIVY_ARTIFACT_TYPE, tagged p->tag.  EC_ERR_IO, EC_ERR_NOMEM and the
 * errors of the builder calls.
 */
int	ec_trivy_pack(struct ec_build *b, const struct ec_trivy_pack *p,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
