/*
 * fcgi/h_runs_req.c: the body of POST /export-center/runs (gateway
 * contract, seed 003), parsed into a typed struct.  Every field is
 * checked for its type and range here, and every unknown field is
 * refused, with ERR_EXPORT_REQUEST_INVALID naming it; what a build
 * checks (target and format names) ec_run_request() checks again.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "ec_limits.h"
#include "ec_run.h"

/* Key references (signing.keyRef, encryption.kmsKey): the schemes. */
static const char *const req_key_schemes[] = {
	"k8s://", "kms://", "file://", "pkcs11:"
};
#define REQ_KEYREF_MAX	512
#define REQ_NAME_MAX	32

/* Priorities by name; numbers 0 to 9 are taken as they are. */
static const struct {
	const char	*name;
	unsigned	 value;
} req_priorities[] = { { "low", 2 }, { "normal", 5 }, { "high", 8 } };

static int
req_invalid(struct ec_err *err, const char *field, const char *what)
{
	return ec_err_set(err, EC_ERR_REQUEST_INVALID, "%s: %s", field, what);
}

/* Only "allowed" keys; the first other one is named. */
static int
req_keys(const json_t *o, const char *where, const char *const *allowed,
    size_t n, struct ec_err *err)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; i < n; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (i == n)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s%s%.64s: unknown field", where,
			    where[0] != '\0' ? "." : "", k);
	}
	return 0;
}

/* JSON values in the document, bounded (EC_API_MAX_NODES). */
static size_t
req_nodes(const json_t *v, size_t limit)
{
	const char	*k;
	json_t		*c;
	size_t		 i, n = 1;

	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, c) {
			n += req_nodes(c, limit);
			if (n > limit)
				return n;
		}
	else if (json_is_array(v))
		json_array_foreach(v, i, c) {
			n += req_nodes(c, limit);
			if (n > limit)
				return n;
		}
	return n;
}

/* An array of 1 to max names joined into "out" with commas. */
static int
req_names(char *out, size_t size, const json_t *arr, const char *field,
    size_t max, struct ec_err *err)
{
	const char	*s;
	json_t		*v;
	size_t		 i, len = 0, n;

	if (!json_is_array(arr))
		return req_invalid(err, field, "must be an array of strings");
	if (json_array_size(arr) == 0 || json_array_size(arr) > max)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: 1 to %zu entries", field, max);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s[%zu]: must be a string", field, i);
		s = json_string_value(v);
		n = strlen(s);
		if (n == 0 || n > REQ_NAME_MAX || strspn(s,
		    "abcdefghijklmnopqrstuvwxyz0123456789-_.") != n)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s[%zu]: a name of 1 to %d of [a-z0-9._-]", field,
			    i, REQ_NAME_MAX);
		if (len + n + 2 > size)
			return req_invalid(err, field, "too long");
		if (len > 0)
			out[len++] = ',';
		memcpy(out + len, s, n);
		len += n;
		out[len] = '\0';
	}
	return 0;
}

/*
 * A key reference: one of the schemes above, then 1 or more printable
 * characters.  h_runs_create() resolves it through the keyring for the
 * tenant (ec_run_keys_check), and the builder again before any work.
 */
static int
req_keyref(const json_t *v, const char *field, struct ec_err *err)
{
	const char	*s;
	size_t		 i, n;

	if (!json_is_string(v))
		return req_invalid(err, field, "must be a string");
	s = json_string_value(v);
	n = strlen(s);
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return req_invalid(err, field, "printable ASCII only");
	for (i = 0; i < sizeof(req_key_schemes) / sizeof(req_key_schemes[0]);
	    i++)
		if (strncmp(s, req_key_schemes[i],
		    strlen(req_key_schemes[i])) == 0 &&
		    n > strlen(req_key_schemes[i]) && n <= REQ_KEYREF_MAX)
			return 0;
	return req_invalid(err, field, "a k8s://, kms://, file:// or pkcs11: "
	    "reference of at most 512 characters");
}

/* {enabled: bool, <key>: reference}; the reference required if enabled. */
static int
req_toggle(const json_t *o, const char *field, const char *key,
    struct ec_err *err)
{
	const char	*allowed[2] = { "enabled", key };
	json_t		*en, *ref;
	char		 name[64];

	if (!json_is_object(o))
		return req_invalid(err, field, "must be an object");
	if (req_keys(o, field, allowed, 2, err) == -1)
		return -1;
	en = json_object_get(o, "enabled");
	ref = json_object_get(o, key);
	(void)snprintf(name, sizeof(name), "%s.enabled", field);
	if (en == NULL || !json_is_boolean(en))
		return req_invalid(err, name, "required, a boolean");
	(void)snprintf(name, sizeof(name), "%s.%s", field, key);
	if (ref != NULL)
		return req_keyref(ref, name, err);
	if (json_is_true(en))
		return req_invalid(err, name, "required when enabled");
	return 0;
}

static int
req_distribution(const json_t *d, struct ec_err *err)
{
	static const char *const allowed[] = { "type", "ref", "signing" };
	const char	*t;
	json_t		*v;

	if (!json_is_object(d))
		return req_invalid(err, "distribution", "must be an object");
	if (req_keys(d, "distribution", allowed, 3, err) == -1)
		return -1;
	v = json_object_get(d, "type");
	t = json_string_value(v);
	/*
	 * "oci": export-cron pushes the output's OCI layout to "ref";
	 * "download": the outputs are served from the artifact store.  No
	 * object-storage writer exists, so that type is refused rather than
	 * accepted and never delivered.
	 */
	if (t == NULL || (strcmp(t, "oci") != 0 && strcmp(t, "download") != 0))
		return req_invalid(err, "distribution.type",
		    "one of \"oci\", \"download\"");
	v = json_object_get(d, "ref");
	if (v != NULL && (!json_is_string(v) ||
	    json_string_length(v) == 0 || json_string_length(v) > 512))
		return req_invalid(err, "distribution.ref",
		    "a string of 1 to 512 characters");
	if (strcmp(t, "download") != 0 && v == NULL)
		return req_invalid(err, "distribution.ref",
		    "required for this type");
	v = json_object_get(d, "signing");
	if (v != NULL && req_toggle(v, "distribution.signing", "keyRef",
	    err) == -1)
		return -1;
	return 0;
}

static int
req_priority(unsigned *out, const json_t *v, struct ec_err *err)
{
	size_t	i;

	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= EC_RUN_PRIORITY_MAX) {
		*out = (unsigned)json_integer_value(v);
		return 0;
	}
	for (i = 0; json_is_string(v) &&
	    i < sizeof(req_priorities) / sizeof(req_priorities[0]); i++)
		if (strcmp(json_string_value(v), req_priorities[i].name) == 0) {
			*out = req_priorities[i].value;
			return 0;
		}
	return req_invalid(err, "priority",
	    "\"low\", \"normal\", \"high\" or 0 to 9");
}

/* The optional fields that go to ec_run_spec.options as they are. */
static int
req_options(struct api_run_body *b, struct ec_err *err)
{
	static const char *const keep[] = { "distribution", "encryption",
	    "retentionDays", "baseRunId" };
	json_t	*v;
	size_t	 i;

	v = json_object_get(b->root, "distribution");
	if (v != NULL && req_distribution(v, err) == -1)
		return -1;
	v = json_object_get(b->root, "encryption");
	if (v != NULL && req_toggle(v, "encryption", "kmsKey", err) == -1)
		return -1;
	v = json_object_get(b->root, "retentionDays");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 3650)
			return req_invalid(err, "retentionDays",
			    "a whole number from 1 to 3650");
		b->retention_days = (unsigned)json_integer_value(v);
	}
	/* mirror:delta: the run is looked up when it is queued. */
	v = json_object_get(b->root, "baseRunId");
	if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > EC_RUN_ID_MAX))
		return req_invalid(err, "baseRunId", "a run id");
	if ((b->options = json_object()) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if ((v = json_object_get(b->root, keep[i])) != NULL &&
		    json_object_set(b->options, keep[i], v) == -1)
			return ec_err_nomem(err);
	return 0;
}

int
api_run_body_parse(struct api_run_body *out, const char *body, size_t len,
    struct ec_err *err)
{
	static const char *const allowed[] = { "profileId", "targets",
	    "formats", "distribution", "retentionDays", "encryption",
	    "priority", "baseRunId" };
	json_error_t	jerr;
	json_t		*v;

	memset(out, 0, sizeof(*out));
	out->priority = EC_RUN_PRIORITY_DEFAULT;
	out->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (out->root == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "body: malformed JSON at line %d: %.120s", jerr.line,
		    jerr.text);
	if (!json_is_object(out->root))
		return req_invalid(err, "body", "must be a JSON object");
	if (req_nodes(out->root, EC_API_MAX_NODES) > EC_API_MAX_NODES)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "body: more than %d JSON values", EC_API_MAX_NODES);
	if (req_keys(out->root, "", allowed, 8, err) == -1)
		return -1;
	v = json_object_get(out->root, "profileId");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > EC_RUN_PROFILE_ID_MAX)
		return req_invalid(err, "profileId", "required, a profile id");
	out->profile = json_string_value(v);
	if ((v = json_object_get(out->root, "targets")) != NULL &&
	    req_names(out->targets, sizeof(out->targets), v, "targets",
	    EC_MAX_TARGETS, err) == -1)
		return -1;
	if ((v = json_object_get(out->root, "formats")) != NULL &&
	    req_names(out->formats, sizeof(out->formats), v, "formats", 8,
	    err) == -1)
		return -1;
	if ((v = json_object_get(out->root, "priority")) != NULL &&
	    req_priority(&out->priority, v, err) == -1)
		return -1;
	return req_options(out, err);
}

void
api_run_body_dispose(struct api_run_body *b)
{
	json_decref(b->options);
	json_decref(b->root);
	memset(b, 0, sizeof(*b));
}
