/*
 * ec_manifest: a bundle's index files.
 *
 * manifest.json (canonical JSON, RFC 8785): schemaVersion, runId, tenant,
 * profile, selectors, inputsHash, snapshotAt, documents and items sorted by
 * (type, id, format, path), each with sha256 (lowercase hex) and size;
 * and, only when a profile wrote some, "files": the metadata files that
 * are not data items (oci-layout, index.json, TUF roles, metadata.json)
 * sorted by path, each with path, sha256 and size.
 *
 * checksums.txt: "<sha256 hex>  <path>\n" for every other member, sorted
 * by path, so that "sha256sum -c checksums.txt" checks an unpacked bundle
 * with no product installed.
 *
 * A profile may add one "summary" object of its own (json:policy: the
 * verdict and counts per SBOM); manifests without one keep their bytes.
 */
#ifndef EC_MANIFEST_H
#define EC_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_err.h"
#include "ec_hash.h"

#define EC_MANIFEST_SCHEMA	"export-center.manifest/v1"
#define EC_MANIFEST_NAME	"manifest.json"
#define EC_CHECKSUMS_NAME	"checksums.txt"
#define EC_MANIFEST_DSSE_NAME	"manifest.dsse.json"
#define EC_PROV_DSSE_NAME	"provenance.dsse.json"
/* DSSE payloadType of manifest.dsse.json. */
#define EC_MANIFEST_PAYLOAD_TYPE \
	"application/vnd.stellaops.export-center.manifest+json"

struct ec_manifest;	/* opaque */

struct ec_manifest_item {
	const char	*type;		/* owned by the manifest */
	const char	*id;
	const char	*format;
	const char	*path;
	char		 sha256[EC_SHA256_HEX];
	uint64_t	 size;
};

struct ec_manifest_file {
	const char	*path;		/* owned by the manifest */
	char		 sha256[EC_SHA256_HEX];
	uint64_t	 size;
};

/* The fields around the items; all borrowed. */
struct ec_manifest_head {
	const char	*run_id;
	const char	*tenant;
	const char	*profile;
	const json_t	*selectors;
	const char	*inputs_hash;	/* hex */
	int64_t		 snapshot_us;	/* µs since the epoch */
	uint64_t	 documents;
};

int	ec_manifest_new(struct ec_manifest **out, struct ec_err *err)
	    EC_MUST_CHECK;
/* Add an item (strings copied); EC_ERR_TOO_LARGE past EC_MAX_OUTPUTS. */
int	ec_manifest_add(struct ec_manifest *m, const char *type,
	    const char *id, const char *format, const char *path,
	    const uint8_t digest[EC_SHA256_LEN], uint64_t size,
	    struct ec_err *err) EC_MUST_CHECK;
size_t	ec_manifest_count(const struct ec_manifest *m);
/* Set the profile's "summary" object (stolen; NULL removes it). */
void	ec_manifest_set_summary(struct ec_manifest *m, json_t *summary);
/*
 * Add a metadata file to "files" (path copied); EC_ERR_TOO_LARGE past
 * EC_MAX_OUTPUTS.  ec_manifest_file() gives entry i sorted by path.
 */
int	ec_manifest_add_file(struct ec_manifest *m, const char *path,
	    const uint8_t digest[EC_SHA256_LEN], uint64_t size,
	    struct ec_err *err) EC_MUST_CHECK;
size_t	ec_manifest_file_count(const struct ec_manifest *m);
const struct ec_manifest_file *ec_manifest_file(struct ec_manifest *m,
	    size_t i);
/* Item i in sorted order (sorts on first call after an add). */
const struct ec_manifest_item *ec_manifest_item(struct ec_manifest *m,
	    size_t i);
/* Append manifest.json's canonical bytes to "out". */
int	ec_manifest_write(struct ec_buf *out, struct ec_manifest *m,
	    const struct ec_manifest_head *h, struct ec_err *err)
	    EC_MUST_CHECK;
/*
 * Parse an untrusted manifest.json: the schema above, at most
 * EC_MAX_OUTPUTS items, and the bytes must be the canonical form (a
 * manifest that was re-serialised is not the one that was signed).
 * EC_ERR_VERIFY naming what is wrong.  The run id and profile are kept.
 */
int	ec_manifest_parse(struct ec_manifest **out, const char *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;
const char	*ec_manifest_run_id(const struct ec_manifest *m);
const char	*ec_manifest_profile(const struct ec_manifest *m);
void	ec_manifest_free(struct ec_manifest *m);

/* One checksums.txt line ("<hex>  <path>\n") appended to "out". */
int	ec_checksums_add(struct ec_buf *out, const char *path,
	    const uint8_t digest[EC_SHA256_LEN], struct ec_err *err)
	    EC_MUST_CHECK;
/* checksums.txt for every entry of "b" but checksums.txt itself. */
int	ec_checksums_write(struct ec_buf *out, struct ec_bundle *b,
	    struct ec_err *err) EC_MUST_CHECK;
/*
 * Parse an untrusted checksums.txt strictly (sha256sum text mode lines,
 * "  " or " *" separator, no blank lines, at most EC_MAX_BUNDLE_ENTRIES
 * lines, paths of printable ASCII) and call "fn" per line.  EC_ERR_VERIFY.
 */
typedef int ec_checksum_fn(void *arg, const char *path,
    const uint8_t digest[EC_SHA256_LEN], struct ec_err *err);
int	ec_checksums_parse(const char *p, size_t len, ec_checksum_fn *fn,
	    void *arg, struct ec_err *err) EC_MUST_CHECK;

#endif
