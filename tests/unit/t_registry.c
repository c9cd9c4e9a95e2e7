/*
 * tests/unit/t_registry.c: the registry client's parsers (references,
 * docker config.json credentials, WWW-Authenticate, OCI error bodies).
 * Pushing itself is tested against a real registry in
 * tests/integration/64-push.sh.
 */
#include <string.h>

#include "tap.h"
#include "ec_registry.h"

static void
ref_is(const char *s, const char *host, const char *repo, const char *tag)
{
	struct ec_registry_ref	r;
	struct ec_err		err;
	int			rc = ec_registry_ref_parse(&r, s, &err);

	if (host == NULL)
		ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID,
		    "%s refused: %s", s, rc == 0 ? "accepted" : err.msg);
	else
		ok(rc == 0 && strcmp(r.host, host) == 0 &&
		    strcmp(r.repo, repo) == 0 && strcmp(r.tag, tag) == 0,
		    "%s: %s | %s | %s", s, r.host, r.repo, r.tag);
}

static void
creds_is(const char *json, const char *host, const char *want)
{
	struct ec_err	err;
	char		out[EC_REGISTRY_MAX_SECRET + 1];
	bool		found;
	int		rc;

	rc = ec_registry_creds_parse(out, &found, json, strlen(json), host,
	    &err);
	if (want == NULL)
		ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID,
		    "creds refused: %s", rc == 0 ? "accepted" : err.msg);
	else if (want[0] == '\0')
		ok(rc == 0 && !found, "no creds for %s", host);
	else
		ok(rc == 0 && found && strcmp(out, want) == 0,
		    "creds for %s: %s", host, rc == 0 ? out : err.msg);
}

static void
test_challenge(void)
{
	struct ec_registry_challenge	c;
	struct ec_err			err;
	const char			*h;

	h = "Bearer realm=\"https://auth.example/token\",service=\"reg.example"
	    "\",scope=\"repository:a/b:pull,push\"";
	ok(ec_registry_challenge_parse(&c, h, strlen(h), &err) == 0 &&
	    c.bearer && strcmp(c.realm, "https://auth.example/token") == 0 &&
	    strcmp(c.service, "reg.example") == 0 &&
	    strcmp(c.scope, "repository:a/b:pull,push") == 0,
	    "Bearer challenge with realm, service, scope");
	h = "Basic realm=\"ec-test\"";
	ok(ec_registry_challenge_parse(&c, h, strlen(h), &err) == 0 &&
	    !c.bearer && strcmp(c.realm, "ec-test") == 0, "Basic challenge");
	h = "bearer realm=\"http://x/t\\\"q\", service=svc";
	ok(ec_registry_challenge_parse(&c, h, strlen(h), &err) == 0 &&
	    strcmp(c.realm, "http://x/t\"q") == 0 &&
	    strcmp(c.service, "svc") == 0, "escapes and bare tokens");
	h = "Bearer service=\"x\"";
	ok(ec_registry_challenge_parse(&c, h, strlen(h), &err) == -1 &&
	    err.code == EC_ERR_DISTRIBUTION_FAILED, "Bearer without realm");
	h = "Bearer realm=\"https://x/t";
	ok(ec_registry_challenge_parse(&c, h, strlen(h), &err) == -1,
	    "unterminated quoted string");
	{
		char	longer[1200];

		(void)snprintf(longer, sizeof(longer), "Bearer realm=\"http://"
		    "x/\",scope=\"%01100d\"", 0);
		ok(ec_registry_challenge_parse(&c, longer, strlen(longer),
		    &err) == -1 && strstr(err.msg, "too long") != NULL,
		    "a scope too long is refused, not cut: %s", err.msg);
	}
	h = "Negotiate abc";
	ok(ec_registry_challenge_parse(&c, h, strlen(h), &err) == -1 &&
	    strstr(err.msg, "Negotiate") != NULL, "unknown scheme named");
}

static void
test_error_text(void)
{
	char		out[128];
	const char	*b;

	b = "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access "
	    "to the resource is denied\",\"detail\":null}]}";
	ok(ec_registry_error_text(out, sizeof(out), b, strlen(b)) &&
	    strcmp(out, "DENIED: requested access to the resource is denied")
	    == 0, "OCI error body: %s", out);
	b = "{\"errors\":[{\"code\":\"A\",\"message\":\"x\"},{\"code\":\"B\","
	    "\"message\":\"y\\n\"}]}";
	ok(ec_registry_error_text(out, sizeof(out), b, strlen(b)) &&
	    strcmp(out, "A: x; B: y?") == 0, "two errors, control escaped: %s",
	    out);
	b = "<html>502 Bad Gateway</html>";
	ok(!ec_registry_error_text(out, sizeof(out), b, strlen(b)),
	    "not an error document");
	b = "{\"errors\":[{\"code\":\"LONG\",\"message\":\"aaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}";
	ok(ec_registry_error_text(out, 16, b, strlen(b)) &&
	    strlen(out) == 15, "truncated to the buffer");
}

int
main(void)
{
	ref_is("127.0.0.1:18500/aquasec/trivy-db:2", "127.0.0.1:18500",
	    "aquasec/trivy-db", "2");
	ref_is("reg.example/a/b", "reg.example", "a/b", "");
	ref_is("localhost:5000/a__b-c.d/e:v1.0_x-y", "localhost:5000",
	    "a__b-c.d/e", "v1.0_x-y");
	ref_is("trivy-db:2", NULL, NULL, NULL);
	ref_is("h/A:2", NULL, NULL, NULL);
	ref_is("h/a..b:2", NULL, NULL, NULL);
	ref_is("h/a___b", NULL, NULL, NULL);
	ref_is("h/a/:2", NULL, NULL, NULL);
	ref_is("h/a:.x", NULL, NULL, NULL);
	ref_is("h:99999999/a", NULL, NULL, NULL);
	ref_is("h/a:", NULL, NULL, NULL);
	ref_is("ho st/a", NULL, NULL, NULL);

	/* dXNlcjpwYXNz is base64 of "user:pass". */
	creds_is("{\"auths\":{\"127.0.0.1:18500\":"
	    "{\"auth\":\"dXNlcjpwYXNz\"}}}",
	    "127.0.0.1:18500", "user:pass");
	creds_is("{\"auths\":{\"https://reg.example/v1/\":{\"username\":\"u\","
	    "\"password\":\"p:w\"}}}", "reg.example", "u:p:w");
	creds_is("{\"auths\":{\"reg.example:443\":"
	    "{\"auth\":\"dXNlcjpwYXNz\"}}}",
	    "reg.example", "");
	creds_is("{\"auths\":{\"h\":{\"auth\":\"!!!\"}}}", "h", NULL);
	creds_is("{\"auths\":{\"h\":{\"auth\":\"dXNlcg==\"}}}", "h", NULL);
	creds_is("{\"credsStore\":\"desktop\"}", "h", NULL);
	creds_is("{\"auths\":{\"h\":{\"username\":\"a:b\","
	    "\"password\":\"c\"}}}",
	    "h", NULL);

	test_challenge();
	test_error_text();
	return done_testing();
}
