/*
 * ec_select: the scope selectors of an export: which targets (evidence
 * kinds) and which output formats.  They come from operators (exportctl
 * flags) and, later, API bodies, so parsing is strict and bounded.
 */
#ifndef EC_SELECT_H
#define EC_SELECT_H

#include <jansson.h>

#include "ec_err.h"

/* Target bits, in the order their names sort. */
#define EC_TARGET_ADVISORY	0x01u
#define EC_TARGET_POLICY	0x02u
#define EC_TARGET_SBOM		0x04u
#define EC_TARGET_VEX		0x08u
#define EC_TARGET_COUNT		4

#define EC_FORMAT_JSON		0x01u
#define EC_FORMAT_NDJSON	0x02u
#define EC_FORMAT_COUNT		2

struct ec_selectors {
	unsigned	targets;	/* EC_TARGET_* bits */
	unsigned	formats;	/* EC_FORMAT_* bits */
};

/*
 * Parse comma-separated lists ("advisory,vex", "json,ndjson").  NULL keeps
 * the value already in *sel (the profile's default).  Unknown or repeated
 * names, empty items and more than EC_MAX_TARGETS items give
 * EC_ERR_REQUEST_INVALID naming the offender.
 */
int	ec_selectors_parse(struct ec_selectors *sel, const char *targets,
	    const char *formats, struct ec_err *err) EC_MUST_CHECK;

/* Name of bit "bit" ("advisory", "json", ...), or NULL. */
const char	*ec_target_name(unsigned bit);
const char	*ec_format_out_name(unsigned bit);

/*
 * {"formats":[...],"targets":[...]} with names in sorted order: the
 * selectors as manifests and provenance record them.  New reference, or
 * NULL on allocation failure.
 */
json_t	*ec_selectors_json(const struct ec_selectors *sel);

#endif
