/*
 * ec_trivy_int.h: what the files of ec_trivy share (ec_trivy.c converts,
 * ec_trivy_json.c encodes and merges, ec_trivy_cvss.c scores).  Not for
 * use outside the module.
 */
#ifndef EC_TRIVY_INT_H
#define EC_TRIVY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_time.h"

/* CVSS versions we score (specs/trivy-db.md section 2.8, CVSS). */
enum trivy_cvss_kind {
	TRIVY_CVSS_V2,
	TRIVY_CVSS_V3,
	TRIVY_CVSS_V40
};

/*
 * Check "vector" (NUL-terminated) and compute its score: base with the
 * temporal metrics applied when the vector carries them (section 2.13).
 * False for a vector that does not parse; such vectors are dropped.  A
 * CVSS v4.0 vector is checked for shape only and *score_out is 0, which
 * leaves V40Score out (omitempty).
 */
bool	trivy_cvss_score(double *score_out, enum trivy_cvss_kind kind,
	    const char *vector);

/* Trivy's severity for a CVSS score: 0 UNKNOWN .. 4 CRITICAL. */
int	trivy_cvss_severity(double score);

/* Sort the strings of "arr" bytewise and drop repeats.  EC_ERR_NOMEM. */
int	trivy_sort_strings(json_t *arr, struct ec_err *err);

/* time.Time in Go's RFC3339Nano form, always UTC ("Z"). */
void	trivy_time(char out[EC_TIME_MAX], int64_t us);

/* A string member usable as a name: no NUL, 1 to EC_TRIVY_MAX_NAME. */
const char	*trivy_get_name(const json_t *obj, const char *member);

/* Append "s" to the array "arr" unless it holds it.  EC_ERR_NOMEM. */
int	trivy_append_unique(json_t *arr, const char *s, struct ec_err *err);

/*
 * The ranges of one affected entry (osv.go, parseAffected) appended to
 * "vulnerable" and "patched": GIT ranges are ignored (section 2.13), every
 * "fixed" is also a PatchedVersion, and listed versions count only when no
 * range could be read.  *fixed_out is the last fixed version, for OS
 * buckets; *used_out the number of ranges (or version lists) read.
 */
int	trivy_ranges(size_t *used_out, const json_t *aff, json_t *vulnerable,
	    json_t *patched, const char **fixed_out, struct ec_err *err);

/* Go: OSes and Arches from ecosystem_specific.imports (section 2.13). */
int	trivy_go_platforms(json_t *adv, const json_t *aff,
	    struct ec_err *err);

#endif
