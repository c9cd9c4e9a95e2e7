/*
 * ec_run_keys: the key references of a run's request, resolved through
 * the keyring for the run's tenant (ec_run.h).  The request stores them
 * as the client sent them (fcgi/h_runs_req.c checked their syntax).
 */
#include <string.h>

#include "ec_keyring.h"
#include "ec_run.h"

/* The references a request's options hold, in the order they are checked. */
static const struct {
	const char	*field;		/* as the client names it */
	const char	*object;	/* a path of one or two keys */
	const char	*sub;		/* NULL: the object is top level */
	const char	*key;
	enum ec_keyring_use use;
} run_key_fields[] = {
	{ "distribution.signing.keyRef", "distribution", "signing", "keyRef",
	    EC_KEYRING_SIGN },
	{ "encryption.kmsKey", "encryption", NULL, "kmsKey",
	    EC_KEYRING_ENCRYPT },
};
#define RUN_KEY_FIELDS	(sizeof(run_key_fields) / sizeof(run_key_fields[0]))

/*
 * Field i's reference, or NULL; *enabled_out says whether its "enabled"
 * is true.  Borrowed from "options".
 */
static const char *
run_key_ref(bool *enabled_out, const json_t *options, size_t i)
{
	const json_t	*o;

	o = json_object_get(options, run_key_fields[i].object);
	if (run_key_fields[i].sub != NULL)
		o = json_object_get(o, run_key_fields[i].sub);
	*enabled_out = json_is_true(json_object_get(o, "enabled"));
	return json_string_value(json_object_get(o, run_key_fields[i].key));
}

/*
 * Without a keyring no reference can resolve; saying so is clearer than
 * calling every reference unknown.
 */
static int
run_key_no_keyring(size_t i, struct ec_err *err)
{
	return ec_err_set(err, EC_ERR_REQUEST_INVALID, "%s: no keyring is "
	    "configured, so no key reference resolves",
	    run_key_fields[i].field);
}

int
ec_run_keys_check(const struct ec_keyring *kr, const char *tenant,
    const json_t *options, struct ec_err *err)
{
	const char	*ref;
	bool		 enabled;
	size_t		 i;

	for (i = 0; i < RUN_KEY_FIELDS; i++) {
		if ((ref = run_key_ref(&enabled, options, i)) == NULL)
			continue;
		if (kr == NULL)
			return run_key_no_keyring(i, err);
		if (ec_keyring_resolve(kr, tenant, ref, run_key_fields[i].use,
		    err) == -1)
			return ec_err_prefix(err, "%s", run_key_fields[i].field);
	}
	return 0;
}

/* Field i's key, for a reference that is enabled. */
static int
run_key_load(struct ec_run_keys *k, const struct ec_keyring *kr,
    const char *tenant, const char *ref, size_t i, struct ec_err *err)
{
	int	rc;

	if (run_key_fields[i].use == EC_KEYRING_SIGN)
		rc = ec_keyring_signer(&k->signer, kr, tenant, ref, err);
	else
		rc = ec_keyring_recipients(k->rcpt, EC_AGE_MAX_RECIPIENTS,
		    &k->nrcpt, kr, tenant, ref, err);
	return rc == -1 ? ec_err_prefix(err, "%s", run_key_fields[i].field) :
	    0;
}

int
ec_run_keys_load(struct ec_run_keys *out, const char *keyring,
    const struct ec_run_job *job, const char *tenant, struct ec_err *err)
{
	const json_t		*options;
	const char		*ref;
	struct ec_keyring	*kr = NULL;
	bool			 enabled;
	size_t			 i;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	options = json_object_get(job->request, "options");
	for (i = 0; i < RUN_KEY_FIELDS; i++) {
		if ((ref = run_key_ref(&enabled, options, i)) == NULL ||
		    !enabled)
			continue;
		/* Read afresh for each run: an edit applies to the next. */
		if (kr == NULL && keyring == NULL) {
			(void)run_key_no_keyring(i, err);
			goto out;
		}
		if (kr == NULL && ec_keyring_open(&kr, keyring, err) == -1)
			goto out;
		if (run_key_load(out, kr, tenant, ref, i, err) == -1)
			goto out;
	}
	rc = 0;
out:
	ec_keyring_free(kr);
	if (rc == -1)
		ec_run_keys_dispose(out);
	return rc;
}

void
ec_run_keys_dispose(struct ec_run_keys *k)
{
	ec_signer_free(k->signer);
	memset(k, 0, sizeof(*k));
}
