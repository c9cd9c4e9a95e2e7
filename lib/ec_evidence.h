/*
 * ec_evidence: recognise an evidence document (an OSV advisory, a VEX
 * document in OpenVEX, CSAF or CycloneDX form, or an SBOM in CycloneDX or
 * SPDX form) and pull out what identifies it: its kind, its format, the id
 * its publisher gave it and when it was last modified.  Only the fields
 * needed for that are read; the rest of the document is not validated.
 */
#ifndef EC_EVIDENCE_H
#define EC_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_limits.h"

enum ec_kind {
	EC_KIND_ADVISORY,
	EC_KIND_VEX,
	EC_KIND_SBOM,
	EC_KIND_POLICY		/* a json:policy policy document */
};

enum ec_format {
	EC_FMT_OSV,
	EC_FMT_OPENVEX,
	EC_FMT_CSAF,
	EC_FMT_CYCLONEDX,
	EC_FMT_SPDX,
	EC_FMT_POLICY
};

struct ec_doc_info {
	enum ec_kind	kind;
	enum ec_format	format;
	/*
	 * The publisher's id: 1 to EC_MAX_ID_LEN bytes, NUL-terminated, no
	 * control characters.  Empty only for a CycloneDX BOM with neither a
	 * serialNumber nor a usable metadata.component, or an SPDX document
	 * with neither documentNamespace nor name and SPDXID; the caller then
	 * identifies the document by its content hash.  Not unique: unrelated
	 * real documents share ids (see ec_evidence_classify()).
	 */
	char		upstream_id[EC_MAX_ID_LEN + 1];
	bool		has_modified;	/* the document names a date */
	int64_t		modified_us;	/* µs since the epoch, UTC */
};

/*
 * Recognise "doc" (borrowed; parsed by the caller, only read here) as one
 * of the supported formats and fill *out, which is written only on success.
 *   OSV:       "id" and "modified" (advisory)
 *   OpenVEX:   "@context" https://openvex.dev/ns[/...], "@id" (vex)
 *   CSAF:      document.csaf_version 2.0 or 2.1, document.category
 *              csaf_vex only, document.tracking.id (vex)
 *   CycloneDX: bomFormat "CycloneDX"; vex when it is a standalone VEX
 *              BOM (vulnerabilities with an analysis, no components or
 *              services), else sbom
 *   SPDX:      spdxVersion "SPDX-...", documentNamespace (sbom)
 *   policy:    schemaVersion and a rules array, "name" as the id;
 *              validated whole by ec_policy_parse() (policy)
 * A document carrying the markers of two non-OSV formats is refused.
 * The id is what the publisher wrote, not a key: real OpenVEX files for
 * unrelated projects share one @id, and CycloneDX fallbacks repeat across
 * BOMs of one product, so callers must not treat (kind, id) as unique.
 * The modified time must lie at most EC_MAX_FUTURE_US (one day) past the
 * wall clock, which is read for that rule, and never past
 * 2242-03-16T12:56:31Z, the last ustar mtime: a document dated later
 * would win every newest-wins comparison and make its tenant's bundles
 * unbuildable, so it is refused, not clamped.
 * Fails with EC_ERR_REQUEST_INVALID and a one-line reason prefixed with the
 * format and field ("OSV: modified: bad date-time: ..."); it repeats a
 * document value only when that is a short printable ASCII token (a CSAF
 * category, a bomFormat), never an id or free text.
 */
int	ec_evidence_classify(struct ec_doc_info *out, const json_t *doc,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * "advisory", "vex", "sbom", "policy"; static strings, "unknown" out of
 * range.
 */
const char	*ec_kind_name(enum ec_kind k);
/*
 * "osv", "openvex", "csaf", "cyclonedx", "spdx", "policy"; "unknown" out
 * of range.
 */
const char	*ec_format_name(enum ec_format f);

/*
 * Parse the NUL-terminated "s" (exact, lower case) as a kind name into
 * *out; EC_ERR_REQUEST_INVALID for anything else, including NULL.
 */
int	ec_kind_parse(enum ec_kind *out, const char *s, struct ec_err *err)
	    EC_MUST_CHECK;

#endif
