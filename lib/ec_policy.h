/*
 * ec_policy: the policy document of the json:policy profile and its
 * evaluation.  A policy is JSON (schema: tools/policy.schema.json):
 *
 *   { "schemaVersion": 1, "name": "...", "default": "warn",
 *     "rules": [ { "id": "...", "kind": "...", "decision": "block", ... } ] }
 *
 * Rules are tried in order and the first that matches a finding decides
 * it (allow, warn or block); no match gives "default".  Kinds and their
 * own fields:
 *
 *   severity       "atLeast": none | low | medium | high | critical
 *   cvss           "atLeast": base score, 0.0 to 10.0
 *   vex            "status": [ not_affected | affected | fixed |
 *                  under_investigation | none ]  ("none": no statement)
 *   fix            "available": true | false
 *   vulnerability  "entries": [ { "id": "CVE-...", "expires"?: date-time,
 *                  "reason"?: "..." } ]  (an id matches aliases too)
 *   package        "entries": [ { "purl": "pkg:...", "expires"?, "reason"? } ]
 *                  (VEX purl rules: no version covers every version)
 *
 * An entry whose "expires" is at or before the snapshot time no longer
 * matches: time-dependent rules read the snapshot, never the clock, so
 * the same inputs always decide the same way.  An optional "reason" is
 * free text.  The overall verdict is block if any finding is blocked,
 * else warn if any is warned, else allow.
 *
 * Parsing is strict and bounded (EC_POLICY_MAX_BYTES, EC_POLICY_MAX_RULES,
 * EC_POLICY_MAX_ENTRIES per rule): malformed JSON, an unknown field, an
 * unknown kind, decision or severity, a missing field, a bad date-time
 * are EC_ERR_REQUEST_INVALID naming the field ("rules[2].atLeast").
 */
#ifndef EC_POLICY_H
#define EC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

/* A policy is a small hand-written document; 1 MiB is generous. */
#define EC_POLICY_MAX_BYTES	(1024 * 1024)
#define EC_POLICY_MAX_RULES	256
#define EC_POLICY_MAX_ENTRIES	4096

enum ec_policy_verdict {
	EC_POLICY_ALLOW,
	EC_POLICY_WARN,
	EC_POLICY_BLOCK
};

/* CVSS v3 qualitative ratings; UNKNOWN matches no severity rule. */
enum ec_policy_severity {
	EC_SEV_NONE,
	EC_SEV_LOW,
	EC_SEV_MEDIUM,
	EC_SEV_HIGH,
	EC_SEV_CRITICAL,
	EC_SEV_UNKNOWN
};

/* What a rule sees of one finding; every pointer is borrowed. */
struct ec_policy_finding {
	const char		*vuln;
	const char *const	*aliases;
	size_t			 naliases;
	const char		*purl;
	enum ec_policy_severity	 severity;
	double			 cvss;		/* base score; < 0: unknown */
	int			 vex_status;	/* enum ec_vex_status, or -1 */
	bool			 fix_available;
};

struct ec_policy_decision {
	enum ec_policy_verdict	 verdict;
	const char		*rule;	/* the rule's id, or "default" */
};

struct ec_policy;	/* opaque */

/* Parse and validate "len" bytes.  *out is the caller's. */
int	ec_policy_parse(struct ec_policy **out, const char *p, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Decide one finding at "snapshot_us" (microseconds since the epoch, the
 * snapshot's time).  The rule id is borrowed from the policy.
 */
void	ec_policy_evaluate(struct ec_policy_decision *out,
	    const struct ec_policy *pol, const struct ec_policy_finding *f,
	    int64_t snapshot_us);

/* The overall verdict of "n" decisions; allow when there are none. */
enum ec_policy_verdict	ec_policy_overall(
			    const struct ec_policy_decision *d, size_t n);

/* "allow", "warn", "block"; "none", "low", ... "critical", "unknown". */
const char	*ec_policy_verdict_name(enum ec_policy_verdict v);
const char	*ec_policy_severity_name(enum ec_policy_severity s);
/* The name's severity; false for an unknown name. */
bool		 ec_policy_severity_parse(enum ec_policy_severity *out,
		    const char *name);

void	ec_policy_free(struct ec_policy *pol);

#endif
