/*
 * ec_oci: an OCI image layout (image-spec v1.1, image-layout.md) written
 * into a build's tree on the builder interface (ec_profile.h):
 *
 *   <dir>/oci-layout           {"imageLayoutVersion":"1.0.0"}
 *   <dir>/blobs/sha256/<hex>   every blob, named by its digest
 *   <dir>/index.json           one entry per tagged manifest
 *
 * One layout may hold several artifacts (trivy:db holds one, mirror:full
 * several): blobs are deduplicated by digest, so a layer or config shared
 * by two manifests is stored once, and each manifest added with a tag
 * gets an index.json entry annotated org.opencontainers.image.ref.name.
 * Manifests are hashed as written, so they are written once, in RFC 8785
 * canonical form (ec_canon.h): a fixed key order, no whitespace, the
 * same bytes for the same descriptors.  index.json is canonical as well
 * and lists manifests in the order they were added.
 *
 * Every file is entered in manifest.json as EC_FILE_METADATA; the
 * profile's own items (db.tar.gz outside the layout, ...) are separate.
 * Nothing is read back: a layout is only ever written here.
 */
#ifndef EC_OCI_H
#define EC_OCI_H

#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_hash.h"
#include "ec_profile.h"

#define EC_OCI_MANIFEST_TYPE	"application/vnd.oci.image.manifest.v1+json"
#define EC_OCI_INDEX_TYPE	"application/vnd.oci.image.index.v1+json"
/* The empty descriptor's media type; its blob is "{}" (image-spec 1.1). */
#define EC_OCI_EMPTY_TYPE	"application/vnd.oci.empty.v1+json"
#define EC_OCI_TITLE		"org.opencontainers.image.title"
#define EC_OCI_CREATED		"org.opencontainers.image.created"
#define EC_OCI_REF_NAME		"org.opencontainers.image.ref.name"
/* Manifests one layout's index.json lists, and layers per manifest. */
#define EC_OCI_MAX_MANIFESTS	256
#define EC_OCI_MAX_LAYERS	64
/* Longest media type, title, tag or annotation value accepted. */
#define EC_OCI_MAX_STRING	255

struct ec_oci;		/* opaque: one layout being written */

/* A blob as a descriptor names it (media type apart). */
struct ec_oci_blob {
	uint8_t		digest[EC_SHA256_LEN];
	uint64_t	size;
};

struct ec_oci_layer {
	const char		*media_type;
	struct ec_oci_blob	 blob;
	const char		*title;		/* NULL: untitled */
};

struct ec_oci_manifest {
	/* NULL: no artifactType. */
	const char			*artifact_type;
	/* NULL: the empty descriptor, whose blob is "{}". */
	const char			*config_type;
	const void			*config;
	size_t				 config_len;
	const struct ec_oci_layer	*layers;
	size_t				 nlayers;	/* at least 1 */
	/* org.opencontainers.image.created, RFC 3339; NULL: none. */
	const char			*created;
	const char			*tag;		/* NULL: none */
	/*
	 * OCI 1.1 "subject": the image manifest this one refers to (an
	 * attestation of it, say), as ec_oci_manifest() gave it; NULL: none.
	 */
	const struct ec_oci_blob	*subject;
};

/*
 * Start a layout under "dir" (a relative path, e.g. "oci") of build "b"
 * (borrowed; it must outlive the layout).  EC_ERR_NOMEM.
 */
int	ec_oci_new(struct ec_oci **out, struct ec_build *b, const char *dir,
	    struct ec_err *err) EC_MUST_CHECK;

/* Add a blob held in memory; its descriptor goes to *out.  As below. */
int	ec_oci_blob_mem(struct ec_oci *o, const void *p, size_t len,
	    struct ec_oci_blob *out, struct ec_err *err) EC_MUST_CHECK;

/*
 * Stream a blob: open an output file (ec_build_item_write fills it),
 * then ec_oci_blob_close() names it by its digest; a blob the layout
 * already holds is discarded instead of written twice.  "it" is gone
 * after the close, whatever it returns.  Errors of ec_build_item_open()
 * and ec_build_item_close().
 */
int	ec_oci_blob_open(struct ec_build_item **it, struct ec_oci *o,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_oci_blob_close(struct ec_oci *o, struct ec_build_item *it,
	    struct ec_oci_blob *out, struct ec_err *err) EC_MUST_CHECK;

/*
 * Write an image manifest (schemaVersion 2, EC_OCI_MANIFEST_TYPE) with
 * its config blob, and list it in index.json under m->tag.  The layers'
 * blobs must have been added already.  Its descriptor goes to *out (may
 * be NULL), e.g. to be the subject of a later manifest.
 * EC_ERR_INTERNAL for a layer that is not in the layout, no layers, too
 * many, or a string over EC_OCI_MAX_STRING; EC_ERR_TOO_LARGE past
 * EC_OCI_MAX_MANIFESTS tags; the errors of the blob calls.
 */
int	ec_oci_manifest(struct ec_oci *o, const struct ec_oci_manifest *m,
	    struct ec_oci_blob *out, struct ec_err *err) EC_MUST_CHECK;

/*
 * Write oci-layout and index.json; the layout is complete.  Later calls
 * fail with EC_ERR_INTERNAL.  Errors of ec_build_add_mem().
 */
int	ec_oci_finish(struct ec_oci *o, struct ec_err *err) EC_MUST_CHECK;

/* Release; files already closed stay in the build.  NULL is a no-op. */
void	ec_oci_free(struct ec_oci *o);

#endif
