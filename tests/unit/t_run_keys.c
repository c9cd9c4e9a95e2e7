/*
 * tests/unit/t_run_keys.c: a run's key references resolved through the
 * keyring (lib/ec_run_keys.c), on real key files made by ec_key_generate
 * and ec_age_keygen in a temporary directory.  The API and export-cron
 * paths, with a PKCS#11 token, are tests/integration/88-api-keys.sh.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ec_keyring.h"
#include "ec_run.h"

static char	tdir[64];
static char	ring[128];

static const char	RING[] =
    "{\"version\":1,\"tenants\":{"
    "\"acme\":{"
    "\"kms://acme/signing\":{\"signingKey\":\"keys/signing.key.pem\"},"
    "\"k8s://acme/age\":{\"recipients\":\"keys/age-recipients.txt\"}},"
    "\"other\":{\"kms://other/signing\":"
    "{\"signingKey\":\"keys/signing.key.pem\"}}}}";

static void
setup(void)
{
	struct ec_err	 err;
	char		 keys[128], keyid[EC_KEY_ID_SIZE];
	char		 rs[EC_AGE_RECIPIENT_SIZE];
	FILE		*f;

	(void)snprintf(tdir, sizeof(tdir), "/tmp/t_run_keys.XXXXXX");
	if (mkdtemp(tdir) == NULL)
		abort();
	(void)snprintf(keys, sizeof(keys), "%s/keys", tdir);
	(void)snprintf(ring, sizeof(ring), "%s/keyring.json", tdir);
	if (mkdir(keys, 0700) != 0 ||
	    ec_key_generate(keyid, keys, EC_KEY_ED25519, &err) != 0 ||
	    ec_age_keygen(rs, keys, &err) != 0 ||
	    (f = fopen(ring, "w")) == NULL || fputs(RING, f) == EOF ||
	    fclose(f) != 0)
		abort();
}

static json_t *
options(const char *json)
{
	json_error_t	 jerr;
	json_t		*o = json_loads(json, 0, &jerr);

	if (o == NULL)
		abort();
	return o;
}

/* want == NULL: "json" must pass for "tenant"; else fail saying want. */
static void
check_is(const struct ec_keyring *kr, const char *tenant, const char *json,
    const char *want, const char *what)
{
	struct ec_err	 err;
	json_t		*o = options(json);
	int		 rc;

	ec_err_clear(&err);
	rc = ec_run_keys_check(kr, tenant, o, &err);
	if (want == NULL)
		ok(rc == 0, "%s: passes (%s)", what, rc == 0 ? "" : err.msg);
	else
		ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID &&
		    strstr(err.msg, want) != NULL, "%s: %s", what, err.msg);
	json_decref(o);
}

#define SIGN(ref)	"{\"distribution\":{\"type\":\"download\"," \
			"\"signing\":{\"enabled\":true,\"keyRef\":\"" ref "\"}}}"
#define ENC(en, ref)	"{\"encryption\":{\"enabled\":" en ",\"kmsKey\":\"" \
			ref "\"}}"

static void
test_check(void)
{
	struct ec_keyring	*kr;
	struct ec_err		 err;

	if (ec_keyring_open(&kr, ring, &err) == -1)
		abort();
	check_is(kr, "acme", "{}", NULL, "no references");
	ok(ec_run_keys_check(kr, "acme", NULL, &err) == 0, "no options");
	check_is(NULL, "acme", "{}", NULL, "no references need no keyring");
	check_is(kr, "acme", SIGN("kms://acme/signing"), NULL, "own file key");
	check_is(kr, "acme", ENC("true", "k8s://acme/age"), NULL,
	    "own age recipients");
	check_is(NULL, "acme", SIGN("kms://acme/signing"),
	    "distribution.signing.keyRef: no keyring is configured",
	    "a reference without a keyring");
	check_is(kr, "acme", SIGN("kms://acme/none"),
	    "distribution.signing.keyRef: unknown key reference "
	    "\"kms://acme/none\"", "unknown reference");
	check_is(kr, "acme", SIGN("kms://other/signing"),
	    "distribution.signing.keyRef: unknown key reference "
	    "\"kms://other/signing\"", "foreign-tenant reference");
	check_is(kr, "acme", ENC("true", "kms://acme/signing"),
	    "encryption.kmsKey: key reference \"kms://acme/signing\" is a "
	    "signing key", "a signing key used for encryption");
	check_is(kr, "acme", SIGN("k8s://acme/age"),
	    "is an encryption key", "an age entry used for signing");
	check_is(kr, "acme", ENC("false", "k8s://acme/nope"),
	    "encryption.kmsKey: unknown key reference",
	    "a disabled reference must resolve too");
	ec_keyring_free(kr);
}

static void
test_load(void)
{
	struct ec_run_keys	k;
	struct ec_run_job	job;
	struct ec_err		err;
	char			key[192];

	memset(&job, 0, sizeof(job));
	job.request = json_pack("{s:o}", "options",
	    options("{\"distribution\":{\"signing\":{\"enabled\":true,"
	    "\"keyRef\":\"kms://acme/signing\"}},\"encryption\":"
	    "{\"enabled\":true,\"kmsKey\":\"k8s://acme/age\"}}"));
	ok(ec_run_keys_load(&k, ring, &job, "acme", &err) == 0 &&
	    k.signer != NULL && k.nrcpt == 1, "both keys loaded");
	ec_run_keys_dispose(&k);
	ok(ec_run_keys_load(&k, ring, &job, "other", &err) == -1 &&
	    k.signer == NULL && strstr(err.msg, "distribution.signing.keyRef: "
	    "unknown key reference") != NULL, "another tenant: %s", err.msg);
	ok(ec_run_keys_load(&k, NULL, &job, "acme", &err) == -1 &&
	    strstr(err.msg, "no keyring") != NULL, "no keyring: %s", err.msg);
	json_decref(job.request);

	/* Disabled references are not used, so need no keyring. */
	job.request = json_pack("{s:o}", "options",
	    options(SIGN("kms://acme/none")));
	json_object_set_new(json_object_get(json_object_get(json_object_get(
	    job.request, "options"), "distribution"), "signing"), "enabled",
	    json_false());
	ok(ec_run_keys_load(&k, NULL, &job, "acme", &err) == 0 &&
	    k.signer == NULL && k.nrcpt == 0, "disabled: nothing loaded");
	json_decref(job.request);

	/* A key file gone since the run was created fails the load. */
	job.request = json_pack("{s:o}", "options",
	    options(SIGN("kms://acme/signing")));
	(void)snprintf(key, sizeof(key), "%s/keys/signing.key.pem", tdir);
	ok(unlink(key) == 0 && ec_run_keys_load(&k, ring, &job, "acme",
	    &err) == -1 && err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "signing.key.pem") != NULL,
	    "a deleted key file: %s", err.msg);
	json_decref(job.request);
}

int
main(void)
{
	char	cmd[128];

	setup();
	test_check();
	test_load();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	ok(system(cmd) == 0, "temporary directory removed");
	return done_testing();
}
