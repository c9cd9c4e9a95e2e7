/*
 * ec_policy: parsing (strict: every field known, every value checked) and
 * first-match evaluation of the policy document described in ec_policy.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ec_policy.h"
#include "ec_time.h"
#include "ec_vex.h"

enum pol_kind {
	POL_SEVERITY,
	POL_CVSS,
	POL_VEX,
	POL_FIX,
	POL_VULNERABILITY,
	POL_PACKAGE
};

/* Kinds, and the fields each takes beside id, kind and decision. */
static const struct {
	const char	*name;
	const char	*fields[2];
} pol_kinds[] = {
	[POL_SEVERITY] = { "severity", { "atLeast", NULL } },
	[POL_CVSS] = { "cvss", { "atLeast", NULL } },
	[POL_VEX] = { "vex", { "status", NULL } },
	[POL_FIX] = { "fix", { "available", NULL } },
	[POL_VULNERABILITY] = { "vulnerability", { "entries", NULL } },
	[POL_PACKAGE] = { "package", { "entries", NULL } }
};

struct pol_entry {
	char	*key;		/* owned: a vulnerability id or a purl */
	int64_t	 expires;	/* us; INT64_MAX when it does not expire */
};

struct pol_rule {
	char			*id;		/* owned */
	enum pol_kind		 kind;
	enum ec_policy_verdict	 decision;
	enum ec_policy_severity	 severity;
	double			 score;
	unsigned		 vex;		/* bit per status, bit 4 none */
	bool			 available;
	struct pol_entry	*e;		/* owned */
	size_t			 ne;
};

struct ec_policy {
	enum ec_policy_verdict	 dflt;
	struct pol_rule		*r;		/* owned */
	size_t			 nr;
};

static const char *const pol_verdicts[] = { "allow", "warn", "block" };
static const char *const pol_severities[] = {
	"none", "low", "medium", "high", "critical", "unknown"
};

const char *
ec_policy_verdict_name(enum ec_policy_verdict v)
{
	return (unsigned)v < 3 ? pol_verdicts[v] : "unknown";
}

const char *
ec_policy_severity_name(enum ec_policy_severity s)
{
	return (unsigned)s <= EC_SEV_UNKNOWN ? pol_severities[s] : "unknown";
}

bool
ec_policy_severity_parse(enum ec_policy_severity *out, const char *name)
{
	int	i;

	for (i = 0; i < EC_SEV_UNKNOWN; i++)
		if (strcasecmp(name, pol_severities[i]) == 0) {
			*out = (enum ec_policy_severity)i;
			return true;
		}
	return false;
}

/* Every key of "o" must be one of "known" (NULL-terminated). */
static int
pol_keys(const json_t *o, const char *const *known, const char *path,
    struct ec_err *err)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	if (!json_is_object(o))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: must be an object", path);
	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(k, known[i]) == 0)
				break;
		if (known[i] == NULL)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.%.64s: unknown field", path, k);
	}
	return 0;
}

static int
pol_verdict(enum ec_policy_verdict *out, const json_t *v, const char *path,
    struct ec_err *err)
{
	const char	*s = json_string_value(v);
	int		 i;

	for (i = 0; s != NULL && i < 3; i++)
		if (strcmp(s, pol_verdicts[i]) == 0) {
			*out = (enum ec_policy_verdict)i;
			return 0;
		}
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "%s: must be allow, warn or block", path);
}

/* "entries": objects with the key field, "expires" and "reason". */
static int
pol_entries(struct pol_rule *r, const json_t *list, const char *key,
    const char *path, struct ec_err *err)
{
	const char	*known[] = { key, "expires", "reason", NULL };
	const json_t	*e, *x;
	char		 p[96];
	size_t		 i;

	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > EC_POLICY_MAX_ENTRIES)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s.entries: 1 to %d entries", path,
		    EC_POLICY_MAX_ENTRIES);
	if ((r->e = calloc(json_array_size(list), sizeof(*r->e))) == NULL)
		return ec_err_nomem(err);
	json_array_foreach(list, i, e) {
		snprintf(p, sizeof(p), "%s.entries[%zu]", path, i);
		if (pol_keys(e, known, p, err) == -1)
			return -1;
		x = json_object_get(e, key);
		if (!json_is_string(x) || json_string_length(x) == 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.%s: required, a non-empty string", p, key);
		if ((x = json_object_get(e, "reason")) != NULL &&
		    !json_is_string(x))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.reason: must be a string", p);
		r->e[i].expires = INT64_MAX;
		x = json_object_get(e, "expires");
		if (x != NULL && (!json_is_string(x) ||
		    ec_time_parse(&r->e[i].expires, json_string_value(x),
		    json_string_length(x), err) == -1))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.expires: not an RFC 3339 date-time", p);
		if ((r->e[i].key = strdup(json_string_value(json_object_get(e,
		    key)))) == NULL)
			return ec_err_nomem(err);
		r->ne++;
	}
	return 0;
}

static int
pol_vex_status(struct pol_rule *r, const json_t *list, const char *path,
    struct ec_err *err)
{
	static const char *const names[] = {
		"not_affected", "affected", "fixed", "under_investigation",
		"none"
	};
	const json_t	*s;
	size_t		 i, k;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s.status: a non-empty array", path);
	json_array_foreach(list, i, s) {
		for (k = 0; k < 5; k++)
			if (json_is_string(s) &&
			    strcmp(json_string_value(s), names[k]) == 0)
				break;
		if (k == 5)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.status[%zu]: not a VEX status or none", path,
			    i);
		r->vex |= 1u << k;
	}
	return 0;
}

/* The kind's own field. */
static int
pol_kind_field(struct pol_rule *r, const json_t *o, const char *path,
    struct ec_err *err)
{
	const char	*f = pol_kinds[r->kind].fields[0];
	const json_t	*v = json_object_get(o, f);

	if (v == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s.%s: required for kind %s", path, f,
		    pol_kinds[r->kind].name);
	switch (r->kind) {
	case POL_SEVERITY:
		if (!json_is_string(v) || !ec_policy_severity_parse(
		    &r->severity, json_string_value(v)))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.atLeast: not none, low, medium, high or "
			    "critical", path);
		return 0;
	case POL_CVSS:
		r->score = json_number_value(v);
		if (!json_is_number(v) || r->score < 0 || r->score > 10)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.atLeast: a CVSS score from 0 to 10", path);
		return 0;
	case POL_VEX:
		return pol_vex_status(r, v, path, err);
	case POL_FIX:
		if (!json_is_boolean(v))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.available: true or false", path);
		r->available = json_is_true(v);
		return 0;
	case POL_VULNERABILITY:
		return pol_entries(r, v, "id", path, err);
	default:
		return pol_entries(r, v, "purl", path, err);
	}
}

static int
pol_rule(struct ec_policy *pol, const json_t *o, size_t i,
    struct ec_err *err)
{
	struct pol_rule	*r = &pol->r[i];
	const char	*known[] = { "id", "kind", "decision", NULL, NULL };
	const char	*id, *kind;
	char		 path[48];
	size_t		 k;

	snprintf(path, sizeof(path), "rules[%zu]", i);
	if (!json_is_object(o))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: must be an object", path);
	kind = json_string_value(json_object_get(o, "kind"));
	for (k = 0; kind != NULL && k < sizeof(pol_kinds) /
	    sizeof(pol_kinds[0]); k++)
		if (strcmp(kind, pol_kinds[k].name) == 0)
			break;
	if (kind == NULL || k == sizeof(pol_kinds) / sizeof(pol_kinds[0]))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s.kind: not severity, cvss, vex, fix, vulnerability or "
		    "package", path);
	r->kind = (enum pol_kind)k;
	known[3] = pol_kinds[k].fields[0];
	if (pol_keys(o, known, path, err) == -1)
		return -1;
	id = json_string_value(json_object_get(o, "id"));
	if (id == NULL || *id == '\0' || strcmp(id, "default") == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s.id: required, a non-empty string other than default",
		    path);
	for (k = 0; k < i; k++)
		if (strcmp(pol->r[k].id, id) == 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s.id: repeats rules[%zu].id", path, k);
	if ((r->id = strdup(id)) == NULL)
		return ec_err_nomem(err);
	snprintf(path, sizeof(path), "rules[%zu].decision", i);
	if (pol_verdict(&r->decision, json_object_get(o, "decision"), path,
	    err) == -1)
		return -1;
	snprintf(path, sizeof(path), "rules[%zu]", i);
	return pol_kind_field(r, o, path, err);
}

static int
pol_document(struct ec_policy *pol, const json_t *doc, struct ec_err *err)
{
	static const char *const known[] = {
		"schemaVersion", "name", "default", "rules", NULL
	};
	const json_t	*rules, *v, *r;
	size_t		 i;

	if (pol_keys(doc, known, "policy", err) == -1)
		return -1;
	v = json_object_get(doc, "schemaVersion");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "policy.schemaVersion: must be 1");
	if ((v = json_object_get(doc, "name")) != NULL && !json_is_string(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "policy.name: must be a string");
	pol->dflt = EC_POLICY_ALLOW;
	if ((v = json_object_get(doc, "default")) != NULL &&
	    pol_verdict(&pol->dflt, v, "policy.default", err) == -1)
		return -1;
	rules = json_object_get(doc, "rules");
	if (!json_is_array(rules) ||
	    json_array_size(rules) > EC_POLICY_MAX_RULES)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "policy.rules: an array of at most %d rules",
		    EC_POLICY_MAX_RULES);
	if (json_array_size(rules) > 0 && (pol->r = calloc(
	    json_array_size(rules), sizeof(*pol->r))) == NULL)
		return ec_err_nomem(err);
	pol->nr = json_array_size(rules);
	json_array_foreach(rules, i, r)
		if (pol_rule(pol, r, i, err) == -1)
			return -1;
	return 0;
}

int
ec_policy_parse(struct ec_policy **out, const char *p, size_t len,
    struct ec_err *err)
{
	struct ec_policy	*pol;
	json_error_t		 jerr;
	json_t			*doc;

	if (len > EC_POLICY_MAX_BYTES)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "policy: more than %d bytes", EC_POLICY_MAX_BYTES);
	if ((doc = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "policy, line %d: %s", jerr.line, jerr.text);
	if ((pol = calloc(1, sizeof(*pol))) == NULL) {
		json_decref(doc);
		return ec_err_nomem(err);
	}
	if (pol_document(pol, doc, err) == -1) {
		ec_policy_free(pol);
		json_decref(doc);
		return -1;
	}
	json_decref(doc);
	*out = pol;
	return 0;
}

/* An unexpired entry naming the finding's vulnerability or package. */
static bool
pol_listed(const struct pol_rule *r, const struct ec_policy_finding *f,
    int64_t now)
{
	size_t	i, j;
	bool	hit;

	for (i = 0; i < r->ne; i++) {
		if (r->e[i].expires <= now)
			continue;
		if (r->kind == POL_PACKAGE)
			hit = f->purl != NULL &&
			    ec_vex_product_matches(r->e[i].key, f->purl);
		else {
			hit = f->vuln != NULL &&
			    strcasecmp(r->e[i].key, f->vuln) == 0;
			for (j = 0; !hit && j < f->naliases; j++)
				hit = strcasecmp(r->e[i].key,
				    f->aliases[j]) == 0;
		}
		if (hit)
			return true;
	}
	return false;
}

static bool
pol_matches(const struct pol_rule *r, const struct ec_policy_finding *f,
    int64_t now)
{
	switch (r->kind) {
	case POL_SEVERITY:
		return f->severity != EC_SEV_UNKNOWN &&
		    f->severity >= r->severity;
	case POL_CVSS:
		return f->cvss >= 0 && f->cvss >= r->score;
	case POL_VEX:
		return (r->vex & (1u << (f->vex_status < 0 ? 4 :
		    f->vex_status & 3))) != 0;
	case POL_FIX:
		return f->fix_available == r->available;
	default:
		return pol_listed(r, f, now);
	}
}

void
ec_policy_evaluate(struct ec_policy_decision *out,
    const struct ec_policy *pol, const struct ec_policy_finding *f,
    int64_t snapshot_us)
{
	size_t	i;

	for (i = 0; i < pol->nr; i++)
		if (pol_matches(&pol->r[i], f, snapshot_us)) {
			out->verdict = pol->r[i].decision;
			out->rule = pol->r[i].id;
			return;
		}
	out->verdict = pol->dflt;
	out->rule = "default";
}

enum ec_policy_verdict
ec_policy_overall(const struct ec_policy_decision *d, size_t n)
{
	enum ec_policy_verdict	v = EC_POLICY_ALLOW;
	size_t			i;

	for (i = 0; i < n; i++)
		if (d[i].verdict > v)
			v = d[i].verdict;
	return v;
}

void
ec_policy_free(struct ec_policy *pol)
{
	size_t	i, j;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->nr; i++) {
		for (j = 0; j < pol->r[i].ne; j++)
			free(pol->r[i].e[j].key);
		free(pol->r[i].e);
		free(pol->r[i].id);
	}
	free(pol->r);
	free(pol);
}
