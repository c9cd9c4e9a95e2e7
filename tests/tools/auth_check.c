/*
 * tests/tools/auth_check.c: run ec_auth_verify() on the FastCGI parameters
 * of one request as tests/tools/fcgi_echo reported them, so that a test
 * can show a token and proof sent through nginx verifying with exactly
 * what nginx passes to the pool (scheme, Host, REQUEST_URI, headers).
 *
 *   auth_check ISSUER JWKS ECHO_JSON read|write
 *
 * Prints "ok tenant=T" and exits 0, or prints "STATUS fault: message"
 * and exits 1; 2 for a usage or set-up error.  The clock is the real one.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ec_auth.h"

/* Every jti is new: each run of this tool sees one request. */
static int
check_seen(void *arg, const char *jti, int64_t iat, struct ec_err *err)
{
	(void)arg;
	(void)jti;
	(void)iat;
	(void)err;
	return 0;
}

static const char *
param(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

int
main(int argc, char **argv)
{
	struct ec_auth_principal	 p;
	struct ec_auth_config		 cfg;
	struct ec_auth_request		 rq;
	struct ec_auth			*a = NULL;
	struct ec_err			 err;
	enum ec_auth_fault		 fault;
	json_error_t			 jerr;
	json_t				*o, *d;
	size_t				 i;
	int				 rc = 2;

	if (argc != 5) {
		fprintf(stderr, "usage: auth_check ISSUER JWKS ECHO_JSON "
		    "read|write\n");
		return 2;
	}
	if ((o = json_load_file(argv[3], 0, &jerr)) == NULL) {
		fprintf(stderr, "auth_check: %s: %s\n", argv[3], jerr.text);
		return 2;
	}
	ec_auth_config_init(&cfg);
	cfg.issuer = argv[1];
	cfg.jwks_path = argv[2];
	if (ec_auth_new(&a, &cfg, &err) == -1) {
		fprintf(stderr, "auth_check: %s\n", err.msg);
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	rq.authorization = param(o, "HTTP_AUTHORIZATION");
	rq.dpop = param(o, "HTTP_DPOP");
	rq.dpop_count = rq.dpop != NULL ? 1 : 0;
	json_array_foreach(json_object_get(o, "_dup"), i, d)
		if (json_is_string(d) && strcmp(json_string_value(d),
		    "HTTP_DPOP") == 0)
			rq.dpop_count++;
	rq.method = param(o, "REQUEST_METHOD");
	rq.scheme = param(o, "REQUEST_SCHEME");
	rq.host = param(o, "HTTP_HOST");
	rq.uri = param(o, "REQUEST_URI");
	rq.tenant = param(o, "HTTP_X_STELLAOPS_TENANT");
	rq.scope = strcmp(argv[4], "write") == 0 ? EC_AUTH_SCOPE_WRITE :
	    EC_AUTH_SCOPE_READ;
	rq.seen = check_seen;
	if (ec_auth_verify(&p, &fault, a, &rq, &err) == 0) {
		printf("ok tenant=%s\n", p.tenant);
		rc = 0;
	} else {
		printf("%d %s: %s\n", ec_err_http_status(err.code),
		    ec_auth_fault_name(fault), err.msg);
		rc = 1;
	}
out:
	ec_auth_free(a);
	json_decref(o);
	return rc;
}
