/*
 * ec_findings: the evaluation behind the json:policy profile, shared by
 * the build and by "exportctl policy replay", so that both run the same
 * code on the same canonical inputs and must agree byte for byte.
 *
 * A run gathers the advisories (OSV) into one ec_match index and a table
 * of the facts a policy looks at (aliases, severity, CVSS base score,
 * packages with a fix), and the VEX documents into one ec_vex set; then
 * each SBOM (CycloneDX or SPDX) is evaluated on its own, so memory holds
 * one SBOM at a time whatever their number.  Every component of an SBOM
 * gives lines of canonical JSON (RFC 8785), sorted by (component,
 * vulnerability):
 *
 *   a component that cannot be matched (no purl or CPE, CPE only, a purl
 *   that does not parse or whose type has no OSV ecosystem): one line
 *   with "status": "unmatched" and the reason;
 *   a component that can be looked up but not decided (no version, a
 *   version the ecosystem's grammar rejects, an ecosystem without an
 *   order): one line with "status": "not_evaluable" and the reason;
 *   each advisory affecting it: a finding, "status" "affected" or, when
 *   the deciding VEX statement says not_affected or fixed, "suppressed",
 *   with that statement, the policy's decision and the rule that made it;
 *   an advisory that cannot be evaluated for it (GIT range, bad bound):
 *   "status": "not_evaluable" with the matcher's detail, undecided.
 *
 * Components sort by (name, version, purl, cpe, ref), bytewise; the
 * component's own line comes before its findings, findings by id.  Each
 * SBOM also gives a summary object: counts by status, decision and
 * severity, and the overall verdict (ec_policy_overall of its decisions).
 *
 * Inputs are bounded by the callers (documents by EC_MAX_DOC_BYTES);
 * components per SBOM by EC_FINDINGS_MAX_COMPONENTS and nesting by
 * EC_FINDINGS_MAX_DEPTH, past which the SBOM is EC_ERR_TOO_LARGE.
 */
#ifndef EC_FINDINGS_H
#define EC_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_policy.h"

#define EC_FINDINGS_MAX_COMPONENTS	200000
#define EC_FINDINGS_MAX_DEPTH		32

/* Bundle paths of the json:policy profile, relative to the tree. */
#define EC_FINDINGS_DIR		"data/policy/"
#define EC_FINDINGS_SNAPSHOT	"data/policy/snapshot.json"
#define EC_FINDINGS_EVALS	"data/policy/evaluations.ndjson"
#define EC_FINDINGS_INPUTS	"data/policy/inputs.tsv"
#define EC_FINDINGS_SBOMS	"data/policy/sboms.ndjson"
#define EC_FINDINGS_ADVISORIES	"data/policy/advisories.ndjson"
#define EC_FINDINGS_VEX		"data/policy/vex.ndjson"

struct ec_findings;	/* opaque */

/* Which SBOM is being evaluated; every string is borrowed. */
struct ec_findings_sbom {
	const char	*id;		/* upstream id */
	const char	*source;
	const char	*sha256;	/* hex of the canonical bytes */
};

/* Receives each evaluation line (canonical JSON and "\n"). */
typedef int ec_findings_line_fn(void *arg, const char *line, size_t len,
    struct ec_err *err);

/*
 * A run deciding with "pol" (borrowed; it must outlive the run) at
 * "snapshot_us".  *out is the caller's.  EC_ERR_NOMEM.
 */
int	ec_findings_new(struct ec_findings **out, const struct ec_policy *pol,
	    int64_t snapshot_us, struct ec_err *err) EC_MUST_CHECK;

/*
 * Note the package names of one SBOM's components (canonical bytes), so
 * that ec_findings_add_advisory() can skip, without parsing them, the
 * advisories that name none of them: parsing every advisory is most of
 * the cost of a run.  Once any SBOM has been noted the filter is on; an
 * SBOM that does not parse is left to ec_findings_sbom() to report.  The
 * names are compared loosely (lower case, runs of "-", "_", "." as one),
 * so that no ecosystem's normalisation can make a skipped advisory match.
 * EC_ERR_NOMEM.
 */
int	ec_findings_want_sbom(struct ec_findings *f, const char *doc,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;

/*
 * Add one OSV advisory (canonical bytes).  Advisories sharing an id keep
 * the facts of the first one added; callers add them in a fixed order.
 * An advisory the matcher refuses is skipped and counted
 * (ec_findings_refused), never fatal: one bad upstream document must not
 * stop a tenant's report.  EC_ERR_NOMEM only.
 */
int	ec_findings_add_advisory(struct ec_findings *f, const char *doc,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
size_t	ec_findings_refused(const struct ec_findings *f);
/* Advisories skipped by the name filter (ec_findings_want_sbom). */
size_t	ec_findings_skipped(const struct ec_findings *f);

/*
 * Add one VEX document (canonical bytes), named "name" in decisions (the
 * hex SHA-256 of its bytes, so that a replay names it alike).  A document
 * ec_vex refuses is skipped and counted as above.  EC_ERR_NOMEM.
 */
int	ec_findings_add_vex(struct ec_findings *f, const char *doc,
	    size_t len, const char *name, struct ec_err *err) EC_MUST_CHECK;

/*
 * Evaluate one SBOM document (canonical bytes): "emit" gets its lines in
 * order and *summary_out (the caller's) its summary.  An SBOM that is
 * neither CycloneDX nor SPDX, or is past a bound, is EC_ERR_REQUEST_INVALID
 * or EC_ERR_TOO_LARGE; errors from "emit" are passed up.
 */
int	ec_findings_sbom(json_t **summary_out, struct ec_findings *f,
	    const struct ec_findings_sbom *sbom, const char *doc, size_t len,
	    ec_findings_line_fn *emit, void *arg, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Whether an advisory id or a VEX document name took part in some line
 * so far: the bundle carries those documents so that a replay can decide
 * alike without the store.
 */
bool	ec_findings_used_advisory(const struct ec_findings *f,
	    const char *id);
bool	ec_findings_used_vex(const struct ec_findings *f, const char *name);

void	ec_findings_free(struct ec_findings *f);

/*
 * Re-evaluate a json:policy bundle (a .tar.zst or an unpacked directory)
 * from its own contents: inputs.tsv must hash to the manifest's
 * inputsHash, every carried document must be one of those inputs, the
 * policy snapshot must hash to policyVersion, and the evaluation lines
 * and the manifest's summary must come out byte for byte.  The first
 * difference is EC_ERR_VERIFY naming the file, line and what differs.
 * Statistics go to the outputs when not NULL.
 */
int	ec_findings_replay(const char *bundle, size_t *sboms_out,
	    size_t *lines_out, struct ec_err *err) EC_MUST_CHECK;

#endif
