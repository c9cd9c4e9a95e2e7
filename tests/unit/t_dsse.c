/*
 * tests/unit/t_dsse.c: DSSE v1 envelopes (ec_dsse; signing-formats.md
 * section 1).  With T_DSSE_DUMP=DIR set it also writes the envelopes it
 * makes and their public keys to DIR, for tests/tools/dsse_verify.py and
 * the fuzzer's seed corpus.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "ec_dsse.h"
#include "ec_limits.h"

#define INTOTO	"application/vnd.in-toto+json"

/*
 * Keys of RFC 8032 7.1 test 1 and RFC 6979 A.2.5, as in t_key.c, with
 * their key ids from openssl.
 */
static const char	ED_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
static const char	ED_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";
static const char	ED_KEYID[] =
    "06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9";
static const char	P256_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX\n"
    "Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth\n"
    "+mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ\n"
    "-----END PRIVATE KEY-----\n";
static const char	P256_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7\n"
    "Yfps5mliLmDyn7Z5A/4QCLi8maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==\n"
    "-----END PUBLIC KEY-----\n";
/* Another P-256 key (openssl genpkey): the wrong key. */
static const char	OTHER_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgB1hp2ECmLdpdOxutSAvBubS2zIS\n"
    "y0YJjwGOisKHKczSbhqzuf6Bnd8JPTLvFr87lVLLqk1wz4OVzrukx1YVCA==\n"
    "-----END PUBLIC KEY-----\n";

static const char	STATEMENT[] =
    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":"
    "\"https://slsa.dev/provenance/v1\",\"subject\":[{\"digest\":"
    "{\"sha256\":\"ff\"},\"name\":\"a?>\"}]}";
/*
 * STATEMENT signed with ED_KEY, envelope written by Python (cryptography's
 * Ed25519 over a PAE it built, json.dumps with sorted keys and compact
 * separators): what ec_dsse_sign must produce byte for byte.
 */
static const char	ED_GOLDEN[] =
    "{\"payload\":\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdj"
    "EiLCJwcmVkaWNhdGVUeXBlIjoiaHR0cHM6Ly9zbHNhLmRldi9wcm92ZW5hbmNlL3YxIi"
    "wic3ViamVjdCI6W3siZGlnZXN0Ijp7InNoYTI1NiI6ImZmIn0sIm5hbWUiOiJhPz4ifV"
    "19\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":"
    "[{\"keyid\":\"06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8"
    "e1b792fa9\",\"sig\":\"TzN5I2EFdZ4uF8hDX4mqvYyiGrFZDnwaKay4vyUkx/uwkSG"
    "PuTWV2+jwzGcDAe7hj92GZ3+/9ONTTy8Fl5iACA==\"}]}";

static struct ec_signer		*ed_s, *p256_s;
static struct ec_verifier	*ed_v, *p256_v, *other_v;
static const char		*dump_dir;

static void
bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(1);
}

static void
dump(const char *name, const char *data, size_t len)
{
	char	 path[4096];
	FILE	*f;

	if (dump_dir == NULL)
		return;
	(void)snprintf(path, sizeof(path), "%s/%s", dump_dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0)
		bail(path);
}

static void
load_keys(void)
{
	struct ec_err	err;
	char		path[] = "/tmp/t_dsse.XXXXXX";
	FILE		*f;
	int		fd;

	/* ec_signer_load reads files only, as a deployment does. */
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "wb")) == NULL ||
	    fputs(ED_KEY, f) == EOF || fclose(f) != 0 ||
	    ec_signer_load(&ed_s, path, &err) == -1)
		bail("Ed25519 key");
	if ((f = fopen(path, "wb")) == NULL || fputs(P256_KEY, f) == EOF ||
	    fclose(f) != 0 || ec_signer_load(&p256_s, path, &err) == -1)
		bail("P-256 key");
	(void)unlink(path);
	if (ec_verifier_load_mem(&ed_v, ED_PUB, strlen(ED_PUB), &err) == -1 ||
	    ec_verifier_load_mem(&p256_v, P256_PUB, strlen(P256_PUB),
	    &err) == -1 ||
	    ec_verifier_load_mem(&other_v, OTHER_PUB, strlen(OTHER_PUB),
	    &err) == -1)
		bail("public keys");
	dump("ed25519.pub.pem", ED_PUB, strlen(ED_PUB));
	dump("ecdsa-p256.pub.pem", P256_PUB, strlen(P256_PUB));
	dump("other.pub.pem", OTHER_PUB, strlen(OTHER_PUB));
}

/* Sign STATEMENT as INTOTO with the given signers into "out". */
static int
sign_with(struct ec_buf *out, const struct ec_signer *const *signers,
    size_t n)
{
	struct ec_err	err;

	ec_buf_reset(out);
	if (ec_dsse_sign(out, INTOTO, STATEMENT, strlen(STATEMENT), signers, n,
	    &err) == -1) {
		printf("# sign: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/*
 * Verify "env" with "v" wanting INTOTO.  want_msg NULL: must verify and
 * give STATEMENT back.  Otherwise it must fail with EC_ERR_VERIFY (or
 * want_code) and a message that contains want_msg.
 */
static void
verify_is(const char *env, size_t len, const struct ec_verifier *v,
    enum ec_code want_code, const char *want_msg, const char *what)
{
	struct ec_buf	payload;
	struct ec_err	err;
	int		rc;

	ec_err_clear(&err);
	ec_buf_init(&payload, EC_MAX_META_BYTES);
	if (ec_buf_adds(&payload, "kept:", &err) == -1)
		bail("buffer");
	rc = ec_dsse_verify(&payload, env, len, INTOTO, v, &err);
	if (want_msg == NULL)
		ok(rc == 0 && payload.len == 5 + strlen(STATEMENT) &&
		    memcmp(payload.data, "kept:", 5) == 0 &&
		    memcmp(payload.data + 5, STATEMENT, strlen(STATEMENT)) == 0,
		    "%s%s%s", what, rc == 0 ? "" : ": ",
		    rc == 0 ? "" : err.msg);
	else
		ok(rc == -1 && err.code == want_code &&
		    strstr(err.msg, want_msg) != NULL && payload.len == 5,
		    "%s rejected: %s", what, err.msg);
	ec_buf_dispose(&payload);
}

static void
reject(const char *env, const char *want_msg, const char *what)
{
	verify_is(env, strlen(env), ed_v, EC_ERR_VERIFY, want_msg, what);
}

/*
 * Rewrite the base64 of payload and every sig: URL-safe alphabet if "url",
 * padding dropped if "strip".  Serialised by Jansson, not by our code.
 */
static void
rewrite_b64(struct ec_buf *out, const char *env, bool url, bool strip)
{
	struct ec_err	 err;
	json_t		*root, *sigs, *one;
	size_t		 i;
	char		*dumped;

	if ((root = json_loads(env, 0, NULL)) == NULL)
		bail("rewrite: parse");
	sigs = json_object_get(root, "signatures");
	for (i = 0; i <= json_array_size(sigs); i++) {
		json_t		*str;
		const char	*key = i == 0 ? "payload" : "sig";
		char		*s;
		size_t		 j, n;

		one = i == 0 ? root : json_array_get(sigs, i - 1);
		str = json_object_get(one, key);
		if ((s = strdup(json_string_value(str))) == NULL)
			bail("strdup");
		n = strlen(s);
		for (j = 0; j < n; j++) {
			if (url && s[j] == '+')
				s[j] = '-';
			else if (url && s[j] == '/')
				s[j] = '_';
		}
		while (strip && n > 0 && s[n - 1] == '=')
			s[--n] = '\0';
		if (json_object_set_new(one, key, json_string(s)) == -1)
			bail("rewrite: set");
		free(s);
	}
	if ((dumped = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		bail("rewrite: dump");
	ec_buf_reset(out);
	if (ec_buf_adds(out, dumped, &err) == -1)
		bail("rewrite: buffer");
	free(dumped);
	json_decref(root);
}

/* Replace the first "from" in "env" with "to", into "out". */
static void
replace(struct ec_buf *out, const char *env, const char *from, const char *to)
{
	struct ec_err	 err;
	const char	*at;

	if ((at = strstr(env, from)) == NULL)
		bail("replace: not found");
	ec_buf_reset(out);
	if (ec_buf_add(out, env, (size_t)(at - env), &err) == -1 ||
	    ec_buf_adds(out, to, &err) == -1 ||
	    ec_buf_adds(out, at + strlen(from), &err) == -1)
		bail("replace: buffer");
}

static void
test_pae(void)
{
	struct ec_buf	b;
	struct ec_err	err;

	ec_buf_init(&b, 1024);
	ok(ec_dsse_pae(&b, "http://example.com/HelloWorld", "hello world", 11,
	    &err) == 0 && strcmp(b.data,
	    "DSSEv1 29 http://example.com/HelloWorld 11 hello world") == 0,
	    "PAE test vector of the DSSE spec");
	ec_buf_reset(&b);
	ok(ec_dsse_pae(&b, "", NULL, 0, &err) == 0 && b.len == 12 &&
	    memcmp(b.data, "DSSEv1 0  0 ", 12) == 0, "PAE of empty fields");
	ec_buf_reset(&b);
	ok(ec_dsse_pae(&b, "t\xc3\xa9", "a\0b", 3, &err) == 0 && b.len == 18 &&
	    memcmp(b.data, "DSSEv1 3 t\xc3\xa9 3 a\0b", 18) == 0,
	    "PAE lengths count bytes, body may hold NUL");
	ec_buf_dispose(&b);
	ec_buf_init(&b, 20);
	if (ec_buf_adds(&b, "keep", &err) == -1)
		bail("buffer");
	ok(ec_dsse_pae(&b, "type", "0123456789", 10, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE && b.len == 4 &&
	    strcmp(b.data, "keep") == 0,
	    "PAE past the buffer ceiling leaves it unchanged");
	ec_buf_dispose(&b);
}

static void
test_sign(void)
{
	const struct ec_signer	*ed[] = { ed_s }, *p256[] = { p256_s };
	const struct ec_signer	*both[] = { ed_s, p256_s };
	struct ec_buf		 a, b;
	struct ec_err		 err;
	int			 rc;

	ec_buf_init(&a, 1 << 20);
	ec_buf_init(&b, 1 << 20);
	ok(sign_with(&a, ed, 1) == 0 && strcmp(a.data, ED_GOLDEN) == 0,
	    "Ed25519 envelope matches the one Python wrote, byte for byte");
	dump("ed25519.dsse.json", a.data, a.len);
	verify_is(a.data, a.len, ed_v, EC_OK, NULL, "Ed25519 round trip");
	ok(strstr(a.data, ED_KEYID) != NULL, "keyid is the signer's");

	ok(sign_with(&a, p256, 1) == 0 && sign_with(&b, p256, 1) == 0 &&
	    a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "ECDSA P-256 envelope is the same bytes when signed twice");
	dump("ecdsa-p256.dsse.json", a.data, a.len);
	verify_is(a.data, a.len, p256_v, EC_OK, NULL, "ECDSA P-256 round trip");
	verify_is(a.data, a.len, other_v, EC_ERR_VERIFY,
	    "no signature by key", "ECDSA envelope, another P-256 key");
	verify_is(a.data, a.len, ed_v, EC_ERR_VERIFY, "no signature by key",
	    "ECDSA envelope, an Ed25519 key");

	ok(sign_with(&a, both, 2) == 0, "two signers");
	dump("both.dsse.json", a.data, a.len);
	verify_is(a.data, a.len, ed_v, EC_OK, NULL,
	    "two signatures: Ed25519 key");
	verify_is(a.data, a.len, p256_v, EC_OK, NULL,
	    "two signatures: P-256 key");
	verify_is(a.data, a.len, other_v, EC_ERR_VERIFY,
	    "no signature by key", "two signatures: neither key");

	ec_buf_reset(&a);
	if (ec_buf_adds(&a, "keep", &err) == -1)
		bail("buffer");
	ok(ec_dsse_sign(&a, "text/plain\n", "x", 1, ed, 1, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID && strcmp(a.data, "keep") == 0,
	    "payloadType with a control character refused: %s", err.msg);
	ok(ec_dsse_sign(&a, "", "x", 1, ed, 1, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "empty payloadType refused");
	ok(ec_dsse_sign(&a, INTOTO, "x", 1, ed, 0, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL && strcmp(a.data, "keep") == 0,
	    "no signers refused");
	ec_buf_dispose(&a);
	ec_buf_init(&a, 64);
	ok(ec_dsse_sign(&a, INTOTO, STATEMENT, strlen(STATEMENT), ed, 1,
	    &err) == -1 && err.code == EC_ERR_TOO_LARGE && a.len == 0,
	    "envelope past the buffer ceiling leaves it empty");

	/* A type with '"' and '\' is escaped as RFC 8785 wants. */
	ec_buf_dispose(&a);
	ec_buf_init(&a, 4096);
	rc = ec_dsse_sign(&a, "a\"b\\c", "", 0, ed, 1, &err);
	ok(rc == 0 && strncmp(a.data, "{\"payload\":\"\",\"payloadType\":"
	    "\"a\\\"b\\\\c\",\"signatures\":[{", 53) == 0,
	    "empty payload and escaped payloadType: %.60s",
	    rc == 0 ? a.data : err.msg);
	ec_buf_dispose(&a);
	ec_buf_dispose(&b);
}

static void
test_base64_forms(void)
{
	const struct ec_signer	*ed[] = { ed_s };
	struct ec_buf		 env, alt;
	struct ec_err		 err;
	struct ec_buf		 payload;
	/* Bytes whose standard base64 is "+/+/" and "-_-_" URL-safe. */
	static const char	 binary[] = "\xfb\xff\xbf";

	ec_buf_init(&env, 1 << 20);
	ec_buf_init(&alt, 1 << 20);
	ec_buf_init(&payload, 64);
	if (sign_with(&env, ed, 1) == -1)
		bail("sign");

	rewrite_b64(&alt, env.data, true, false);
	ok(strchr(alt.data, '-') != NULL || strchr(alt.data, '_') != NULL,
	    "URL-safe rewrite changed the alphabet");
	verify_is(alt.data, alt.len, ed_v, EC_OK, NULL,
	    "URL-safe base64 with padding accepted");
	dump("urlsafe.dsse.json", alt.data, alt.len);
	rewrite_b64(&alt, env.data, true, true);
	verify_is(alt.data, alt.len, ed_v, EC_OK, NULL,
	    "URL-safe base64 without padding accepted");
	rewrite_b64(&alt, env.data, false, true);
	verify_is(alt.data, alt.len, ed_v, EC_OK, NULL,
	    "standard base64 without padding accepted");

	ec_buf_reset(&env);
	ok(ec_dsse_sign(&env, INTOTO, binary, 3, ed, 1, &err) == 0 &&
	    strstr(env.data, "\"payload\":\"+/+/\"") != NULL,
	    "binary payload encodes as +/+/");
	replace(&alt, env.data, "+/+/", "-_-_");
	ok(ec_dsse_verify(&payload, alt.data, alt.len, INTOTO, ed_v,
	    &err) == 0 && payload.len == 3 && memcmp(payload.data, binary,
	    3) == 0, "URL-safe payload -_-_ decodes to the same bytes");
	replace(&alt, env.data, "+/+/", "+/-_");
	reject(alt.data, "malformed envelope: payload", "mixed alphabets");
	ec_buf_dispose(&env);
	ec_buf_dispose(&alt);
	ec_buf_dispose(&payload);
}

static void
test_tampering(void)
{
	const struct ec_signer	*ed[] = { ed_s }, *both[] = { ed_s, p256_s };
	struct ec_buf		 env, alt, payload;
	struct ec_err		 err;

	ec_buf_init(&env, 1 << 20);
	ec_buf_init(&alt, 1 << 20);
	ec_buf_init(&payload, 1 << 20);
	if (sign_with(&env, ed, 1) == -1)
		bail("sign");

	/* "eyJfdHlwZSI6" is {"_type": ; "eyJfdHlwZSA6" is {"_type ": */
	replace(&alt, env.data, "eyJfdHlwZSI6", "eyJfdHlwZSA6");
	reject(alt.data, "no signature by key", "altered payload");
	dump("tampered.dsse.json", alt.data, alt.len);
	replace(&alt, env.data, "\"sig\":\"Tz", "\"sig\":\"Ty");
	reject(alt.data, "no signature by key", "altered signature");
	replace(&alt, env.data, "\"sig\":\"TzN5", "\"sig\":\"");
	reject(alt.data, "no signature by key", "shortened signature");

	/* The spec's order: the signature holds, then the type is wrong. */
	ok(ec_dsse_verify(&payload, env.data, env.len, "application/json",
	    ed_v, &err) == -1 && err.code == EC_ERR_VERIFY &&
	    strcmp(err.msg, "payloadType is " INTOTO ", want application/json")
	    == 0 && payload.len == 0, "wrong payloadType: %s", err.msg);
	/* The type is under the signature: changing it breaks it. */
	replace(&alt, env.data, INTOTO, "application/json");
	ok(ec_dsse_verify(&payload, alt.data, alt.len, "application/json",
	    ed_v, &err) == -1 && err.code == EC_ERR_VERIFY &&
	    strstr(err.msg, "no signature by key") != NULL,
	    "payloadType swapped in the JSON: %s", err.msg);
	replace(&alt, env.data, INTOTO, "application/vnd.in-toto+json\\u0007");
	reject(alt.data, "no signature by key", "control character in type");

	/* The keyid decides nothing: absent, wrong or empty, all are tried. */
	replace(&alt, env.data, "\"keyid\":\"06e3", "\"keyid\":\"ffe3");
	verify_is(alt.data, alt.len, ed_v, EC_OK, NULL,
	    "signature under a wrong keyid is still tried");
	replace(&alt, env.data,
	    "\"keyid\":\"06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b45"
	    "5f8e1b792fa9\",", "");
	verify_is(alt.data, alt.len, ed_v, EC_OK, NULL,
	    "signature without a keyid is tried");
	dump("nokeyid.dsse.json", alt.data, alt.len);
	replace(&alt, env.data, "[{", "[{\"sig\":\"AAAA\"},{\"sig\":\"@@\"},{");
	verify_is(alt.data, alt.len, ed_v, EC_OK, NULL,
	    "bogus signatures before the good one are skipped");
	/* A keyid naming our key is no substitute for a signature by it. */
	replace(&alt, env.data, "\"sig\":\"Tz", "\"sig\":\"Ty");
	verify_is(alt.data, alt.len, ed_v, EC_ERR_VERIFY, "no signature",
	    "matching keyid on a bad signature");

	if (sign_with(&env, both, 2) == -1)
		bail("sign");
	replace(&alt, env.data, "\"sig\":\"Tz", "\"sig\":\"Ty");
	verify_is(alt.data, alt.len, p256_v, EC_OK, NULL,
	    "P-256 signature verifies when the Ed25519 one is broken");
	verify_is(alt.data, alt.len, ed_v, EC_ERR_VERIFY, "no signature",
	    "Ed25519 key, its signature broken");
	ec_buf_dispose(&env);
	ec_buf_dispose(&alt);
	ec_buf_dispose(&payload);
}

static void
test_malformed(void)
{
	static const struct {
		const char	*env, *msg, *what;
	} cases[] = {
		{ "", "malformed envelope", "empty input" },
		{ "null", "malformed envelope", "JSON null" },
		{ "[]", "not a JSON object", "an array" },
		{ "{}", "malformed envelope: signatures", "an empty object" },
		{ "{\"payload\":\"\",\"payloadType\":\"" INTOTO "\"",
		    "malformed envelope", "truncated JSON" },
		{ "{\"payload\":1,\"payloadType\":\"x\",\"signatures\":[]}",
		    "must be strings", "numeric payload" },
		{ "{\"payload\":\"\",\"payloadType\":null,\"signatures\":[]}",
		    "must be strings", "null payloadType" },
		{ "{\"payload\":\"\",\"payload\":\"\",\"signatures\":[]}",
		    "duplicate", "duplicate member" },
		{ "{\"payload\":\"\",\"signatures\":{}}",
		    "must be an array", "signatures an object" },
		{ "{\"payload\":\"\",\"signatures\":[]}",
		    "no signatures", "no signatures" },
		{ "{\"payload\":\"\",\"signatures\":[1]}",
		    "signatures[0]", "a signature that is a number" },
		{ "{\"payload\":\"\",\"signatures\":[{\"sig\":5}]}",
		    "signatures[0]", "a numeric sig" },
		{ "{\"payload\":\"\",\"signatures\":[{\"sig\":\"\","
		    "\"keyid\":[]}]}", "signatures[0]", "an array keyid" },
		{ "{\"payload\":\"\",\"signatures\":[{\"sig\":\"\"},"
		    "{\"sig\":\"\",\"sig\":\"\"}]}", "duplicate",
		    "a duplicate sig" },
		{ "{\"payload\":\"a\",\"signatures\":[{\"sig\":\"\"}]}",
		    "payload: bad base64", "payload of one base64 symbol" },
		{ "{\"payload\":\"YQ===\",\"signatures\":[{\"sig\":\"\"}]}",
		    "payload: bad base64", "payload with three '='" },
		{ "{\"payload\":\"YQ=\",\"signatures\":[{\"sig\":\"\"}]}",
		    "payload: bad base64", "payload with short padding" },
		{ "{\"payload\":\"Y=Q=\",\"signatures\":[{\"sig\":\"\"}]}",
		    "payload: bad base64", "payload with '=' inside" },
		{ "{\"payload\":\"YR==\",\"signatures\":[{\"sig\":\"\"}]}",
		    "trailing bits", "payload with non-zero trailing bits" },
		{ "{\"payload\":\"YR\",\"signatures\":[{\"sig\":\"\"}]}",
		    "trailing bits", "unpadded, non-zero trailing bits" },
		{ "{\"payload\":\"YWJ jZA\",\"signatures\":[{\"sig\":\"\"}]}",
		    "bad base64 character", "payload with a space" },
		{ "{\"payload\":\"YWJj\\nZA\",\"signatures\":[{\"sig\":\"\"}]}",
		    "bad base64 character", "payload with a newline" },
		{ "{\"payload\":\"\",\"payloadType\":\"a\\u0000b\","
		    "\"signatures\":[{\"sig\":\"\"}]}", "malformed envelope",
		    "NUL in a string" },
		{ "{\"payload\":\"\xff\",\"signatures\":[{\"sig\":\"\"}]}",
		    "malformed envelope", "invalid UTF-8" },
		{ "{\"payload\":\"\",\"signatures\":[{\"sig\":\"\"}]} x",
		    "malformed envelope", "trailing text" },
		{ "{\"payload\":\"\",\"signatures\":[{\"sig\":\"\"}]}",
		    "no signature by key", "an empty signature" },
	};
	struct ec_buf	big;
	struct ec_err	err;
	char		*huge;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		reject(cases[i].env, cases[i].msg, cases[i].what);

	/* Jansson bounds nesting; deep input must fail, not overflow. */
	ec_buf_init(&big, 1 << 22);
	for (i = 0; i < 100000; i++)
		if (ec_buf_addc(&big, '[', &err) == -1)
			bail("buffer");
	reject(big.data, "malformed envelope", "100000 nested arrays");

	ec_buf_reset(&big);
	if (ec_buf_adds(&big, "{\"payload\":\"\",\"signatures\":[", &err) ==
	    -1)
		bail("buffer");
	for (i = 0; i <= EC_DSSE_MAX_SIGNATURES; i++)
		if (ec_buf_adds(&big, i == 0 ? "{\"sig\":\"\"}" :
		    ",{\"sig\":\"\"}", &err) == -1)
			bail("buffer");
	if (ec_buf_adds(&big, "]}", &err) == -1)
		bail("buffer");
	reject(big.data, "at most", "one signature past the cap");

	/*
	 * Just under EC_MAX_META_BYTES of empty signatures: refused by the
	 * scan's count, before Jansson builds millions of objects.
	 */
	ec_buf_reset(&big);
	big.max = EC_MAX_META_BYTES;
	if (ec_buf_adds(&big, "{\"signatures\":[{}", &err) == -1)
		bail("buffer");
	while (big.len + 8 < EC_MAX_META_BYTES)
		if (ec_buf_adds(&big, ",{}", &err) == -1)
			bail("buffer");
	if (ec_buf_adds(&big, "]}", &err) == -1)
		bail("buffer");
	reject(big.data, "at most 16 signatures",
	    "8 MiB of empty signatures, refused by count");

	/* A signature too long to be ours is skipped, not decoded. */
	ec_buf_reset(&big);
	if (ec_buf_adds(&big, "{\"payload\":\"\",\"signatures\":[{\"sig\":\"",
	    &err) == -1)
		bail("buffer");
	for (i = 0; i < 1000000; i++)
		if (ec_buf_addc(&big, 'A', &err) == -1)
			bail("buffer");
	if (ec_buf_adds(&big, "\"}]}", &err) == -1)
		bail("buffer");
	reject(big.data, "no signature by key", "a 1 MB signature");
	ec_buf_dispose(&big);

	if ((huge = calloc(1, (size_t)EC_MAX_META_BYTES + 1)) == NULL)
		bail("calloc");
	verify_is(huge, (size_t)EC_MAX_META_BYTES + 1, ed_v, EC_ERR_TOO_LARGE,
	    "exceeds", "an envelope one byte past EC_MAX_META_BYTES");
	free(huge);
}

int
main(void)
{
	dump_dir = getenv("T_DSSE_DUMP");
	load_keys();
	test_pae();
	test_sign();
	test_base64_forms();
	test_tampering();
	test_malformed();
	ec_signer_free(ed_s);
	ec_signer_free(p256_s);
	ec_verifier_free(ed_v);
	ec_verifier_free(p256_v);
	ec_verifier_free(other_v);
	return done_testing();
}
