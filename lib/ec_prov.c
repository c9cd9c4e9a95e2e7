/* ec_prov: in-toto Statement v1 with an SLSA Provenance v1 predicate. */
#include <stdlib.h>
#include <string.h>

#include "ec_canon.h"
#include "ec_limits.h"
#include "ec_prov.h"

struct ec_prov {
	json_t	*subjects;	/* owned array */
	json_t	*deps;		/* owned array */
	json_t	*build_def;	/* owned: buildType, externalParameters */
	char	*run_id;	/* owned */
};

int
ec_prov_new(struct ec_prov **out, const char *build_type, const char *run_id,
    const json_t *params, struct ec_err *err)
{
	struct ec_prov	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ec_err_nomem(err);
	p->subjects = json_array();
	p->deps = json_array();
	p->run_id = strdup(run_id);
	p->build_def = json_pack("{s:s, s:O}", "buildType", build_type,
	    "externalParameters", (json_t *)params);
	if (p->subjects == NULL || p->deps == NULL || p->run_id == NULL ||
	    p->build_def == NULL) {
		ec_prov_free(p);
		return ec_err_nomem(err);
	}
	*out = p;
	return 0;
}

void
ec_prov_free(struct ec_prov *p)
{
	if (p == NULL)
		return;
	json_decref(p->subjects);
	json_decref(p->deps);
	json_decref(p->build_def);
	free(p->run_id);
	free(p);
}

int
ec_prov_subject(struct ec_prov *p, const char *name,
    const uint8_t digest[EC_SHA256_LEN], struct ec_err *err)
{
	char	hex[EC_SHA256_HEX];

	ec_hex_encode(hex, digest, EC_SHA256_LEN);
	if (json_array_append_new(p->subjects, json_pack("{s:s, s:{s:s}}",
	    "name", name, "digest", "sha256", hex)) == -1)
		return ec_err_nomem(err);
	return 0;
}

int
ec_prov_dependency(struct ec_prov *p, const char *name,
    const char *sha256_hex, uint64_t documents, struct ec_err *err)
{
	if (json_array_append_new(p->deps, json_pack("{s:s, s:{s:s}, "
	    "s:{s:I}}", "name", name, "digest", "sha256", sha256_hex,
	    "annotations", "documents", (json_int_t)documents)) == -1)
		return ec_err_nomem(err);
	return 0;
}

int
ec_prov_internal(struct ec_prov *p, const json_t *params,
    struct ec_err *err)
{
	if (json_object_set_new(p->build_def, "internalParameters",
	    json_deep_copy(params)) == -1)
		return ec_err_nomem(err);
	return 0;
}

int
ec_prov_write(struct ec_buf *out, const struct ec_prov *p,
    struct ec_err *err)
{
	json_t	*st, *bd;
	int	 rc;

	if ((bd = json_deep_copy(p->build_def)) == NULL ||
	    json_object_set(bd, "resolvedDependencies", p->deps) == -1) {
		json_decref(bd);
		return ec_err_nomem(err);
	}
	st = json_pack("{s:s, s:O, s:s, s:{s:o, s:{s:{s:s}, s:{s:s}}}}",
	    "_type", EC_INTOTO_STATEMENT, "subject", p->subjects,
	    "predicateType", EC_SLSA_PROVENANCE, "predicate",
	    "buildDefinition", bd, "runDetails", "builder", "id",
	    EC_BUILDER_ID, "metadata", "invocationId", p->run_id);
	if (st == NULL)
		return ec_err_nomem(err);
	rc = ec_canon_dump(out, st, err);
	json_decref(st);
	return rc;
}

/*
 * A string member without an embedded NUL: C string functions must see
 * the same text every other reader of the statement does.
 */
static const char *
prov_str(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int
prov_check_subject(const json_t *s, ec_prov_lookup_fn *lookup, void *arg,
    struct ec_err *err)
{
	const char	*name, *hex;
	uint8_t		 want[EC_SHA256_LEN], have[EC_SHA256_LEN];

	name = prov_str(s, "name");
	hex = prov_str(json_object_get(s, "digest"), "sha256");
	if (name == NULL || hex == NULL ||
	    ec_hex_decode(want, sizeof(want), hex, strlen(hex)) == -1)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "provenance.json: malformed subject");
	if (lookup(arg, name, have) == -1)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "provenance.json: subject %.200s is not in the bundle",
		    name);
	if (memcmp(want, have, sizeof(want)) != 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "provenance.json: subject %.200s: digest mismatch", name);
	return 0;
}

int
ec_prov_check(const char *p, size_t len, ec_prov_lookup_fn *lookup,
    void *arg, size_t *subjects_out, struct ec_err *err)
{
	json_t		*st;
	const json_t	*subj;
	const char	*t;
	size_t		 i;
	int		 rc = -1;

	if (len > EC_MAX_META_BYTES)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "provenance.json: larger than %d bytes",
		    EC_MAX_META_BYTES);
	/* A refused document fails verification; NOMEM keeps its code. */
	if ((st = ec_canon_parse_max(p, len, EC_MAX_META_NODES,
	    err)) == NULL) {
		if (err != NULL && err->code == EC_ERR_REQUEST_INVALID)
			err->code = EC_ERR_VERIFY;
		return ec_err_prefix(err, "provenance.json: not valid JSON");
	}
	t = prov_str(st, "_type");
	if (t == NULL || strcmp(t, EC_INTOTO_STATEMENT) != 0) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "provenance.json: _type is not %s", EC_INTOTO_STATEMENT);
		goto out;
	}
	t = prov_str(st, "predicateType");
	if (t == NULL || strcmp(t, EC_SLSA_PROVENANCE) != 0) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "provenance.json: predicateType is not %s",
		    EC_SLSA_PROVENANCE);
		goto out;
	}
	subj = json_object_get(st, "subject");
	if (!json_is_array(subj) || json_array_size(subj) == 0 ||
	    json_array_size(subj) > EC_MAX_BUNDLE_ENTRIES) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "provenance.json: subject must list 1 to %d files",
		    EC_MAX_BUNDLE_ENTRIES);
		goto out;
	}
	for (i = 0; i < json_array_size(subj); i++)
		if (prov_check_subject(json_array_get(subj, i), lookup, arg,
		    err) == -1)
			goto out;
	*subjects_out = json_array_size(subj);
	rc = 0;
out:
	json_decref(st);
	return rc;
}
