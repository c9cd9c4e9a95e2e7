/*
 * tests/unit/t_keyring.c: the keyring file and reference resolution
 * (ec_keyring), on real key files made by ec_key_generate and
 * ec_age_keygen in a temporary directory.  Token signing needs a PKCS#11
 * token and is tested in tests/integration/67-keyring.sh.
 */
#include <sys/stat.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ec_dsse.h"
#include "ec_keyring.h"

static char	tdir[64];

static const char	GOOD[] =
    "{\"version\":1,\"tenants\":{"
    "\"acme\":{"
    "\"kms://acme/signing\":{\"signingKey\":\"keys/signing.key.pem\"},"
    "\"k8s://acme/age\":{\"recipients\":\"keys/age-recipients.txt\","
    "\"identity\":\"keys/age-identity.txt\"},"
    "\"pkcs11:token=ec;object=sign\":{\"pkcs11\":"
    "\"pkcs11:token=ec;object=sign;type=private\","
    "\"pinSource\":\"pin.txt\"},"
    "\"file://acme/env\":{\"pkcs11\":\"pkcs11:token=ec;object=sign\","
    "\"pinEnv\":\"T_KEYRING_PIN_UNSET\"}},"
    "\"other\":{\"kms://other/signing\":"
    "{\"signingKey\":\"keys/signing.key.pem\"}}}}";

static int
parse(struct ec_keyring **kr, const char *json, struct ec_err *err)
{
	*kr = NULL;
	return ec_keyring_parse(kr, json, strlen(json), tdir, err);
}

/* A keyring that must be refused with "code", its message holding "want". */
static void
refused(const char *json, enum ec_code code, const char *want,
    const char *what)
{
	struct ec_keyring	*kr;
	struct ec_err		 err;

	ec_err_clear(&err);
	ok(parse(&kr, json, &err) == -1 && kr == NULL && err.code == code &&
	    strstr(err.msg, want) != NULL, "%s refused: %s", what, err.msg);
}

static void
write_file(const char *name, const char *s, mode_t mode)
{
	char	 path[256];
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s", tdir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(s, f) == EOF ||
	    fclose(f) != 0 || chmod(path, mode) != 0)
		abort();
}

static void
setup(void)
{
	struct ec_err	err;
	char		keys[128], keyid[EC_KEY_ID_SIZE];
	char		rs[EC_AGE_RECIPIENT_SIZE];

	(void)snprintf(tdir, sizeof(tdir), "/tmp/t_keyring.");
	memset(tdir + strlen(tdir), 'X', 6);
	tdir[strlen("/tmp/t_keyring.") + 6] = '\0';
	if (mkdtemp(tdir) == NULL)
		abort();
	(void)snprintf(keys, sizeof(keys), "%s/keys", tdir);
	if (mkdir(keys, 0700) != 0 ||
	    ec_key_generate(keyid, keys, EC_KEY_ED25519, &err) != 0 ||
	    ec_age_keygen(rs, keys, &err) != 0)
		abort();
	write_file("pin.txt", "1234\n", 0600);
	write_file("keyring.json", GOOD, 0644);
}

static void
test_good(void)
{
	struct ec_age_recipient	 r[4];
	struct ec_age_identity	 id[4];
	struct ec_keyring	*kr = NULL;
	struct ec_signer	*s = NULL;
	struct ec_verifier	*v = NULL;
	struct ec_buf		 env, pay, pub;
	struct ec_err		 err;
	char			 path[256];
	size_t			 n = 0, m = 0;

	(void)snprintf(path, sizeof(path), "%s/keyring.json", tdir);
	ok(ec_keyring_open(&kr, path, &err) == 0, "good keyring opens");
	ok(ec_keyring_resolve(kr, "acme", "kms://acme/signing",
	    EC_KEYRING_SIGN, &err) == 0, "file key resolves for signing");
	ok(ec_keyring_resolve(kr, "acme", "k8s://acme/age",
	    EC_KEYRING_ENCRYPT, &err) == 0, "age entry resolves");
	ok(ec_keyring_resolve(kr, "acme", "pkcs11:token=ec;object=sign",
	    EC_KEYRING_SIGN, &err) == 0, "pkcs11 entry with pin file resolves");
	ok(ec_keyring_resolve(kr, "other", "kms://other/signing",
	    EC_KEYRING_SIGN, &err) == 0, "second tenant's key resolves");
	ok(ec_keyring_recipients(r, 4, &n, kr, "acme", "k8s://acme/age",
	    &err) == 0 && n == 1, "recipients read through the keyring");
	ok(ec_keyring_identities(id, 4, &m, kr, "acme", "k8s://acme/age",
	    &err) == 0 && m == 1 && memcmp(id[0].pub, r[0].pub, 32) == 0,
	    "identity matches the recipient");
	ec_age_identity_wipe(id, m);

	/* The signer signs a DSSE envelope its public key verifies. */
	ec_buf_init(&env, 1 << 20);
	ec_buf_init(&pay, 1 << 20);
	ec_buf_init(&pub, 1 << 20);
	ok(ec_keyring_signer(&s, kr, "acme", "kms://acme/signing", &err) == 0,
	    "signer from the keyring");
	if (s != NULL && ec_signer_pubkey_pem(&pub, s, &err) == 0 &&
	    ec_verifier_load_mem(&v, pub.data, pub.len, &err) == 0) {
		ok(ec_dsse_sign(&env, "text/plain", "hi", 2,
		    (const struct ec_signer *const *)&s, 1, &err) == 0 &&
		    ec_dsse_verify(&pay, (const char *)env.data, env.len,
		    "text/plain", v, &err) == 0 && pay.len == 2,
		    "its envelope verifies");
	} else
		ok(0, "signer public key: %s", err.msg);
	ec_verifier_free(v);
	ec_signer_free(s);
	ec_buf_dispose(&env);
	ec_buf_dispose(&pay);
	ec_buf_dispose(&pub);
	ec_keyring_free(kr);
}

/* Unknown, foreign, malformed and wrong-use references, and file checks. */
static void
test_resolve(void)
{
	struct ec_keyring	*kr = NULL;
	struct ec_signer	*s = NULL;
	struct ec_err		 err, err2;
	char			 path[256];

	if (parse(&kr, GOOD, &err) != 0)
		abort();
	ok(ec_keyring_resolve(kr, "acme", "kms://acme/nope", EC_KEYRING_SIGN,
	    &err) == -1 && err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "\"kms://acme/nope\"") != NULL,
	    "unknown reference names it: %s", err.msg);
	ok(ec_keyring_resolve(kr, "acme", "kms://other/signing",
	    EC_KEYRING_SIGN, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "kms://other/signing") != NULL,
	    "foreign-tenant reference refused: %s", err.msg);
	ok(ec_keyring_resolve(kr, "nobody", "kms://other/signing",
	    EC_KEYRING_SIGN, &err2) == -1 &&
	    strstr(err2.msg, "unknown key reference") != NULL &&
	    strstr(err.msg, "unknown key reference") != NULL,
	    "foreign and unknown references read alike");
	ok(ec_keyring_signer(&s, kr, "other", "kms://acme/signing", &err) ==
	    -1 && s == NULL && err.code == EC_ERR_REQUEST_INVALID,
	    "no signer for a foreign reference");
	ok(ec_keyring_resolve(kr, "acme", "k8s://acme/age", EC_KEYRING_SIGN,
	    &err) == -1 && strstr(err.msg, "not a signing key") != NULL,
	    "an age entry does not sign: %s", err.msg);
	ok(ec_keyring_resolve(kr, "acme", "kms://acme/signing",
	    EC_KEYRING_ENCRYPT, &err) == -1 &&
	    strstr(err.msg, "not an encryption key") != NULL,
	    "a signing key does not encrypt: %s", err.msg);
	ok(ec_keyring_resolve(kr, "acme", "pkcs11:token=ec;pin-value=99?x",
	    EC_KEYRING_SIGN, &err) == -1 && strstr(err.msg, "99") == NULL,
	    "a reference with a query is not echoed: %s", err.msg);
	ok(ec_keyring_resolve(kr, "acme", "file://acme/env", EC_KEYRING_SIGN,
	    &err) == -1 && strstr(err.msg, "T_KEYRING_PIN_UNSET") != NULL,
	    "an unset pinEnv fails resolution: %s", err.msg);

	(void)snprintf(path, sizeof(path), "%s/pin.txt", tdir);
	if (chmod(path, 0644) != 0)
		abort();
	ok(ec_keyring_resolve(kr, "acme", "pkcs11:token=ec;object=sign",
	    EC_KEYRING_SIGN, &err) == -1 && strstr(err.msg, "pin.txt") !=
	    NULL && strstr(err.msg, "1234") == NULL,
	    "a world-readable pin file is refused: %s", err.msg);
	if (chmod(path, 0600) != 0)
		abort();
	(void)snprintf(path, sizeof(path), "%s/keys/signing.key.pem", tdir);
	if (chmod(path, 0604) != 0)
		abort();
	ok(ec_keyring_signer(&s, kr, "acme", "kms://acme/signing", &err) ==
	    -1 && err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "open to other users") != NULL,
	    "a world-readable key file is refused: %s", err.msg);
	if (chmod(path, 0600) != 0)
		abort();
	(void)snprintf(path, sizeof(path), "%s/keys/age-identity.txt", tdir);
	if (unlink(path) != 0 || mkfifo(path, 0600) != 0)
		abort();
	ok(ec_keyring_resolve(kr, "acme", "k8s://acme/age",
	    EC_KEYRING_ENCRYPT, &err) == -1 &&
	    strstr(err.msg, "not a regular file") != NULL,
	    "a FIFO identity is refused: %s", err.msg);
	ec_keyring_free(kr);
}

static void
test_refused(void)
{
	char	*big, *p;
	size_t	 i;

	refused("{\"version\":1,\"tenants\":{},\"extra\":1}",
	    EC_ERR_REQUEST_INVALID, "unknown field \"extra\"", "root field");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"signingKey\":\"k.pem\",\"comment\":\"x\"}}}}",
	    EC_ERR_REQUEST_INVALID, "unknown field \"comment\"",
	    "entry field");
	refused("{\"version\":2,\"tenants\":{}}", EC_ERR_REQUEST_INVALID,
	    "version", "version 2");
	refused("{\"version\":1,\"tenants\":{\"a b\":{}}}",
	    EC_ERR_REQUEST_INVALID, "bad tenant", "bad tenant name");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"http://k\":"
	    "{\"signingKey\":\"k.pem\"}}}}", EC_ERR_REQUEST_INVALID,
	    "is not k8s://", "unknown scheme");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://\":"
	    "{\"signingKey\":\"k.pem\"}}}}", EC_ERR_REQUEST_INVALID,
	    "is not k8s://", "empty kms reference");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"pkcs11:token=a;token=b\":"
	    "{\"pkcs11\":\"pkcs11:token=a\"}}}}", EC_ERR_REQUEST_INVALID,
	    "given twice", "repeated URI attribute");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"pkcs11\":\"pkcs11:colour=red\"}}}}", EC_ERR_REQUEST_INVALID,
	    "unknown PKCS#11 URI attribute", "unknown URI attribute");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"pkcs11\":\"pkcs11:token=a;s3cr3t\"}}}}", EC_ERR_REQUEST_INVALID,
	    "not name=value", "attribute without a value");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"pkcs11\":\"pkcs11:object=a%zz\"}}}}", EC_ERR_REQUEST_INVALID,
	    "percent-encoding", "bad percent-encoding");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"pkcs11\":\"pkcs11:object=a?pin-value=4321\"}}}}",
	    EC_ERR_REQUEST_INVALID, "no query", "inlined PIN");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"pkcs11\":\"pkcs11:\"}}}}", EC_ERR_REQUEST_INVALID,
	    "must name its object", "empty PKCS#11 URI");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"signingKey\":\"k.pem\",\"recipients\":\"r.txt\"}}}}",
	    EC_ERR_REQUEST_INVALID, "exactly one of", "two key sources");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":{}}}}",
	    EC_ERR_REQUEST_INVALID, "exactly one of", "no key source");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"signingKey\":\"k.pem\",\"pinEnv\":\"PIN\"}}}}",
	    EC_ERR_REQUEST_INVALID, "pkcs11 only", "PIN for a key file");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"pkcs11\":\"pkcs11:object=k\",\"pinEnv\":\"1PIN\"}}}}",
	    EC_ERR_REQUEST_INVALID, "pinEnv", "bad variable name");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"pkcs11\":\"pkcs11:object=k\",\"pinEnv\":\"P\","
	    "\"pinSource\":\"p\"}}}}", EC_ERR_REQUEST_INVALID, "not both",
	    "two PIN sources");
	refused("{\"version\":1,\"tenants\":{\"a\":{\"kms://k\":"
	    "{\"signingKey\":\"\"}}}}", EC_ERR_REQUEST_INVALID,
	    "non-empty path", "empty path");
	refused("{\"version\":1,\"version\":1,\"tenants\":{}}",
	    EC_ERR_REQUEST_INVALID, "duplicate", "duplicate name");
	refused("{\"version\":1,", EC_ERR_REQUEST_INVALID, "keyring",
	    "truncated JSON");

	/* Over the node bound within the byte bound, then over the bytes. */
	if ((big = malloc(EC_KEYRING_MAX_BYTES + 2)) == NULL)
		abort();
	p = big + sprintf(big, "{\"version\":1,\"tenants\":{},\"x\":[0");
	for (i = 0; i < EC_KEYRING_MAX_NODES; i++)
		p += sprintf(p, ",0");
	(void)sprintf(p, "]}");
	ok(strlen(big) < EC_KEYRING_MAX_BYTES,
	    "node case is within the byte bound");
	refused(big, EC_ERR_TOO_LARGE, "JSON values", "too many nodes");
	memset(big, ' ', EC_KEYRING_MAX_BYTES + 1);
	big[EC_KEYRING_MAX_BYTES + 1] = '\0';
	refused(big, EC_ERR_TOO_LARGE, "exceeds", "oversize keyring");
	free(big);
}

/* Remove what setup() made (the identity is a FIFO by now). */
static bool
cleanup(void)
{
	static const char *const	files[] = { "keys/signing.key.pem",
					    "keys/signing.pub.pem",
					    "keys/age-identity.txt",
					    "keys/age-recipients.txt", "keys",
					    "pin.txt", "keyring.json" };
	char				path[256];
	size_t				i;
	bool				all = true;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", tdir, files[i]);
		all = remove(path) == 0 && all;
	}
	return rmdir(tdir) == 0 && all;
}

int
main(void)
{
	setup();
	test_good();
	test_resolve();
	test_refused();
	ok(cleanup(), "temporary directory removed");
	return done_testing();
}
