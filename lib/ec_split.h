/*
 * ec_split: a bundle cut into numbered parts for size-limited media (DVDs,
 * USB sticks), with a parts manifest, and the parts joined back.  The
 * parts are plain byte ranges, so "cat NAME.part*" also rebuilds the file
 * (the manifest's names, NAME.split.*, stay outside that glob); the
 * manifest says what each part must be.
 *
 * ec_split_file("DIR/NAME", P, ...) writes NAME.part0001, NAME.part0002,
 * ... (P bytes each, the last one shorter) and NAME.split.json:
 *
 *   {"name":"NAME","partSize":P,"parts":[{"index":1,"name":"NAME.part0001",
 *   "sha256":"<hex>","size":P},...],"schemaVersion":1,"sha256":"<hex>",
 *   "size":<whole file>}
 *
 * as canonical JSON (RFC 8785), and with a signer NAME.split.dsse.json, a
 * DSSE envelope over exactly those bytes (payloadType
 * EC_SPLIT_PAYLOAD_TYPE).  The same file and part size give the same
 * bytes.  Every output file appears whole or not at all (ec_file); on
 * failure the files already written are removed again.
 */
#ifndef EC_SPLIT_H
#define EC_SPLIT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_hash.h"
#include "ec_key.h"

/* Four digits in the part names; past it EC_ERR_REQUEST_INVALID. */
#define EC_SPLIT_MAX_PARTS	9999
/* Part sizes accepted: 1 KiB to 1 TiB. */
#define EC_SPLIT_MIN_PART	1024ULL
#define EC_SPLIT_MAX_PART	(1ULL << 40)
/* A parts manifest read: 9999 parts take about 1.5 MB. */
#define EC_SPLIT_MAX_MANIFEST	(4 * 1024 * 1024)
#define EC_SPLIT_PAYLOAD_TYPE	\
	"application/vnd.stellaops.export-center.parts+json"
#define EC_SPLIT_MANIFEST_SUFFIX	".split.json"
#define EC_SPLIT_DSSE_SUFFIX		".split.dsse.json"

struct ec_split_manifest;	/* opaque: a parsed parts manifest */

struct ec_split_result {
	uint64_t	size;			/* bytes of the whole file */
	unsigned	parts;
	char		sha256[EC_SHA256_HEX];	/* of the whole file */
	char		manifest[PATH_MAX];	/* NAME.split.json */
	char		envelope[PATH_MAX];	/* "" when unsigned */
};

/*
 * A size for --split-size: decimal digits with an optional binary suffix
 * K, M, G or T (either case; 1024-based), between EC_SPLIT_MIN_PART and
 * EC_SPLIT_MAX_PART.  EC_ERR_REQUEST_INVALID otherwise.
 */
int	ec_split_size_parse(uint64_t *out, const char *s, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Split the regular file "path" into parts of "part_size" bytes in
 * "out_dir" (NULL: the file's own directory) and write the manifest, and
 * the envelope when "signer" (borrowed) is not NULL.  A file needing more
 * than EC_SPLIT_MAX_PARTS parts, or a bad part size or name, is
 * EC_ERR_REQUEST_INVALID; an output name that exists, EC_ERR_CONFLICT
 * (nothing is written); EC_ERR_IO; the signer's codes.
 */
int	ec_split_file(struct ec_split_result *out, const char *path,
	    uint64_t part_size, const char *out_dir,
	    const struct ec_signer *signer, struct ec_err *err) EC_MUST_CHECK;

/*
 * Parse a parts manifest ("len" bytes at "data", untrusted, at most
 * EC_SPLIT_MAX_MANIFEST).  Everything is checked for consistency: the
 * schema version, a plain file name ([A-Za-z0-9._-], not starting with a
 * dot), lowercase hex digests, the part count the sizes imply, each
 * part's index, name and size.  Unknown members are refused.  Any fault
 * is EC_ERR_VERIFY, "malformed parts manifest: ..."; EC_ERR_NOMEM.  *out
 * is the caller's (ec_split_manifest_free).
 */
int	ec_split_manifest_parse(struct ec_split_manifest **out,
	    const char *data, size_t len, struct ec_err *err) EC_MUST_CHECK;
/* The file's name, size and part count; they live as long as "m". */
const char	*ec_split_manifest_name(const struct ec_split_manifest *m);
uint64_t	 ec_split_manifest_size(const struct ec_split_manifest *m);
unsigned	 ec_split_manifest_parts(const struct ec_split_manifest *m);
void		 ec_split_manifest_free(struct ec_split_manifest *m);

struct ec_join_result {
	uint64_t	size;
	unsigned	parts;
	char		sha256[EC_SHA256_HEX];
	bool		signed_;	/* the envelope verified with the key */
};

/*
 * Join parts[0..n-1] (paths, in any order) into "out_path", which must
 * not exist (EC_ERR_CONFLICT).  The manifest is "manifest_path", or else
 * NAME.split.json beside the first part (NAME: its file name without
 * ".partNNNN").  With "key" the manifest is the payload of the DSSE
 * envelope NAME.split.dsse.json ("manifest_path" then names the envelope),
 * trusted only when its signature verifies.  Each part is matched by
 * file name; its size and SHA-256 are checked as it is copied to a hidden
 * temporary, and so are the whole file's at the end; the output appears
 * only when all of them hold.  EC_ERR_VERIFY names the part: "missing
 * part 2 of 3 (NAME.part0002)", "NAME.part0002 is damaged or from another
 * split: sha256 does not match the manifest", "X is not a part of NAME",
 * a part given twice; and the manifest's and DSSE's faults.  EC_ERR_IO.
 */
int	ec_split_join(struct ec_join_result *out, const char *out_path,
	    const char *const *parts, size_t n, const char *manifest_path,
	    const struct ec_verifier *key, struct ec_err *err) EC_MUST_CHECK;

#endif
