/*
 * ec_layout: a reader of OCI image layouts on disk (OCI image-spec v1.1,
 * image-layout.md): the "oci-layout" file, index.json, and the blobs under
 * blobs/sha256/.  The layout is someone else's directory, so it is read
 * as hostile: files are opened one component at a time with O_NOFOLLOW
 * (a symlink, device or FIFO anywhere is refused, and a digest is checked
 * to be 64 hex digits before it becomes a file name, so no path leaves the
 * layout), JSON documents are bounded in bytes, descriptors in count, and
 * a blob is used only after its size and SHA-256 matched its descriptor.
 * Only sha256 digests are accepted (the algorithm every registry knows).
 */
#ifndef EC_LAYOUT_H
#define EC_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

/* index.json and one manifest read whole: the registries' own 4 MiB cap. */
#define EC_LAYOUT_MAX_JSON	(4 * 1024 * 1024)
/* Manifests in index.json, and layers in one manifest. */
#define EC_LAYOUT_MAX_MANIFESTS	256
#define EC_LAYOUT_MAX_LAYERS	1024
/* One blob: the largest descriptor size we believe (64 GiB). */
#define EC_LAYOUT_MAX_BLOB	(64ULL * 1024 * 1024 * 1024)
/* Media types (RFC 6838 4.2 allows 127 + '/' + 127) and ref names. */
#define EC_LAYOUT_MAX_TYPE	255
#define EC_LAYOUT_MAX_REF	255
/* "sha256:" and 64 lowercase hex digits. */
#define EC_LAYOUT_DIGEST_LEN	71

#define EC_LAYOUT_REF_NAME	"org.opencontainers.image.ref.name"
#define EC_LAYOUT_MT_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define EC_LAYOUT_MT_INDEX	"application/vnd.oci.image.index.v1+json"
#define EC_LAYOUT_MT_DOCKER	\
	"application/vnd.docker.distribution.manifest.v2+json"

/* A content descriptor (image-spec descriptor.md), copied out of JSON. */
struct ec_layout_desc {
	char		media_type[EC_LAYOUT_MAX_TYPE + 1];
	char		artifact_type[EC_LAYOUT_MAX_TYPE + 1];	/* or "" */
	char		digest[EC_LAYOUT_DIGEST_LEN + 1];
	uint64_t	size;
	char		ref_name[EC_LAYOUT_MAX_REF + 1];	/* or "" */
};

/* An image manifest's blobs: the config first, then the layers. */
struct ec_layout_manifest {
	struct ec_layout_desc	*blobs;		/* owned */
	size_t			 n;		/* 1 + layers */
};

struct ec_layout;	/* opaque */

/*
 * Open the layout in directory "dir": oci-layout must say
 * imageLayoutVersion "1.0.0", index.json must hold 1 to
 * EC_LAYOUT_MAX_MANIFESTS valid descriptors.  Bad content is
 * EC_ERR_REQUEST_INVALID naming the file, a missing file EC_ERR_IO.
 * *out is the caller's (ec_layout_free).
 */
int	ec_layout_open(struct ec_layout **out, const char *dir,
	    struct ec_err *err) EC_MUST_CHECK;
void	ec_layout_free(struct ec_layout *l);

/* The manifests of index.json in its order; NULL past the end. */
const struct ec_layout_desc *ec_layout_entry(const struct ec_layout *l,
	    size_t i);
size_t	ec_layout_count(const struct ec_layout *l);

/*
 * The entry whose ref name is "tag", or with tag NULL the only entry
 * (several without a tag are ambiguous).  EC_ERR_NOT_FOUND,
 * EC_ERR_REQUEST_INVALID.  The pointer lives as long as "l".
 */
int	ec_layout_find(const struct ec_layout_desc **out,
	    const struct ec_layout *l, const char *tag, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Read the blob of "d" whole (at most "max" bytes), after checking its
 * size and digest: a mismatch is EC_ERR_VERIFY.  *out is the caller's
 * (free(3)).
 */
int	ec_layout_read(uint8_t **out, size_t *len_out,
	    const struct ec_layout *l, const struct ec_layout_desc *d,
	    size_t max, struct ec_err *err) EC_MUST_CHECK;

/*
 * Open the blob of "d" for reading (O_RDONLY, the caller closes it) after
 * checking it is a regular file of d->size bytes whose SHA-256 is
 * d->digest; EC_ERR_VERIFY otherwise.  The whole file is read once to
 * check it, and the descriptor is rewound.
 */
int	ec_layout_open_blob(int *fd_out, const struct ec_layout *l,
	    const struct ec_layout_desc *d, struct ec_err *err) EC_MUST_CHECK;

/*
 * Parse index.json bytes into at most "max" descriptors ("n_out" of them,
 * at least one).  EC_ERR_REQUEST_INVALID.  *out is the caller's (free).
 */
int	ec_layout_parse_index(struct ec_layout_desc **out, size_t *n_out,
	    const char *p, size_t len, struct ec_err *err) EC_MUST_CHECK;

/*
 * Parse an image manifest (OCI or Docker schema 2) of media type
 * "media_type" into its config and layer descriptors; an index, or a
 * manifest whose mediaType field disagrees, is EC_ERR_REQUEST_INVALID.
 * ec_layout_manifest_dispose() releases it (also after a failure).
 */
int	ec_layout_parse_manifest(struct ec_layout_manifest *out,
	    const char *media_type, const char *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;
void	ec_layout_manifest_dispose(struct ec_layout_manifest *m);

/* True for "sha256:" followed by exactly 64 lowercase hex digits. */
bool	ec_layout_digest_ok(const char *s);

#endif
