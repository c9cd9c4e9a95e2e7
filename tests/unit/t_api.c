/*
 * tests/unit/t_api.c: the API pool's parsers without a server: the body
 * of POST /export-center/runs (fcgi/h_runs_req.c) with every limit just
 * at and just past its bound, and the configuration file
 * (fcgi/config.c).  The pool's sources are not in libec.a, so they are
 * compiled in here, as tests/fuzz/fuzz_api_body.c does.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "../../fcgi/config.c"
#include "../../fcgi/h_runs_req.c"

#define PID	"\"profileId\":\"export-profile::t::json:raw\""

/* want == NULL: parses; else the refusal's message holds "want". */
static void
body_is(const char *body, const char *want, const char *what)
{
	struct api_run_body	b;
	struct ec_err		err;
	int			rc;

	rc = api_run_body_parse(&b, body, strlen(body), &err);
	if (want == NULL)
		ok(rc == 0, "%s%s%s", what, rc == 0 ? "" : ": ",
		    rc == 0 ? "" : err.msg);
	else
		ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID &&
		    strstr(err.msg, want) != NULL, "%s: %s", what,
		    rc == -1 ? err.msg : "accepted");
	api_run_body_dispose(&b);
}

/* A body with "n" targets. */
static char *
targets_body(int n)
{
	char	*s = malloc(64 + 8 * (size_t)n);
	size_t	 len;
	int	 i;

	len = (size_t)sprintf(s, "{" PID ",\"targets\":[");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s\"vex\"", i > 0 ? "," : "");
	(void)strcpy(s + len, "]}");
	return s;
}

/* A body holding an array of "n" - 3 numbers: "n" JSON values in all. */
static char *
nodes_body(int n)
{
	char	*s = malloc(64 + 3 * (size_t)n);
	size_t	 len;
	int	 i;

	len = (size_t)sprintf(s, "{" PID ",\"targets\":[");
	for (i = 0; i < n - 3; i++)
		len += (size_t)sprintf(s + len, "%s1", i > 0 ? "," : "");
	(void)strcpy(s + len, "]}");
	return s;
}

static void
test_bodies(void)
{
	struct api_run_body	 b;
	struct ec_err		 err;
	char			*s;
	const char		*contract = "{" PID ",\"targets\":[\"vex\","
	    "\"advisory\",\"policy\"],\"formats\":[\"json\",\"ndjson\"],"
	    "\"distribution\":{\"type\":\"oci\",\"ref\":\"registry.local/x\","
	    "\"signing\":{\"enabled\":true,\"keyRef\":\"k8s://secrets/eks/"
	    "oci-signer\"}},\"retentionDays\":30,\"encryption\":{\"enabled\":"
	    "true,\"kmsKey\":\"kms://tenant-default/key1\"},\"priority\":"
	    "\"normal\"}";

	ok(api_run_body_parse(&b, contract, strlen(contract), &err) == 0 &&
	    strcmp(b.targets, "vex,advisory,policy") == 0 &&
	    strcmp(b.formats, "json,ndjson") == 0 && b.priority == 5 &&
	    b.retention_days == 30 && json_object_size(b.options) == 3,
	    "the contract's sample request");
	api_run_body_dispose(&b);
	body_is("{" PID ",\"priority\":\"high\"}", NULL, "priority high");
	body_is("{" PID ",\"priority\":9}", NULL, "priority 9");
	body_is("{" PID ",\"priority\":10}", "priority", "priority 10");
	s = targets_body(50);
	body_is(s, NULL, "50 targets");
	free(s);
	s = targets_body(51);
	body_is(s, "targets: 1 to 50 entries", "51 targets");
	free(s);
	body_is("{" PID ",\"targets\":[]}", "targets: 1 to 50", "0 targets");
	body_is("{" PID ",\"targets\":\"vex\"}", "targets: must be an array",
	    "targets of the wrong type");
	body_is("{" PID ",\"targets\":[1]}", "targets[0]: must be a string",
	    "a target of the wrong type");
	body_is("{" PID ",\"retentionDays\":3650}", NULL, "retention 3650");
	body_is("{" PID ",\"retentionDays\":3651}", "retentionDays",
	    "retention 3651");
	body_is("{" PID ",\"retentionDays\":\"30\"}", "retentionDays",
	    "retention as a string");
	body_is("{" PID ",\"colour\":1}", "colour: unknown field",
	    "an unknown field");
	body_is("{" PID ",\"encryption\":{\"enabled\":false,\"x\":1}}",
	    "encryption.x: unknown field", "an unknown nested field");
	body_is("{" PID ",\"encryption\":{\"enabled\":true}}",
	    "encryption.kmsKey: required when enabled", "kmsKey missing");
	body_is("{" PID ",\"encryption\":{\"enabled\":true,\"kmsKey\":"
	    "\"pkcs11:token=a;object=b\"}}", NULL, "a pkcs11: reference");
	body_is("{" PID ",\"distribution\":{\"type\":\"oci\",\"ref\":\"r/x\","
	    "\"signing\":{\"enabled\":true,\"keyRef\":\"http://k\"}}}",
	    "distribution.signing.keyRef", "a keyRef of another scheme");
	body_is("{" PID ",\"distribution\":{\"type\":\"oci\"}}",
	    "distribution.ref: required", "oci without a ref");
	body_is("{" PID ",\"distribution\":{\"type\":\"ftp\"}}",
	    "distribution.type", "an unknown distribution type");
	body_is("{\"targets\":[\"vex\"]}", "profileId", "no profileId");
	body_is("{" PID "," PID "}", "malformed JSON", "a duplicate key");
	body_is("{" PID ",", "malformed JSON", "truncated JSON");
	body_is("[]", "must be a JSON object", "an array body");
	s = nodes_body(EC_API_MAX_NODES);
	body_is(s, "targets: 1 to 50", "4096 values: past the node check");
	free(s);
	s = nodes_body(EC_API_MAX_NODES + 1);
	body_is(s, "more than 4096 JSON values", "4097 values");
	free(s);
}

/* want == NULL: loads; else the refusal's message holds "want". */
static void
conf_is(const char *text, const char *want, const char *what)
{
	struct api_conf	 c;
	struct ec_err	 err;
	char		 path[] = "/tmp/t_api.XXXXXX";
	int		 fd, rc;

	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		ok(0, "%s: temporary file", what);
		return;
	}
	(void)close(fd);
	rc = api_conf_load(&c, path, &err);
	(void)unlink(path);
	if (want == NULL)
		ok(rc == 0 && strcmp(c.audience, "export-center") == 0,
		    "%s%s%s", what, rc == 0 ? "" : ": ", rc == 0 ? "" : err.msg);
	else
		ok(rc == -1 && strstr(err.msg, want) != NULL, "%s: %s", what,
		    rc == -1 ? err.msg : "accepted");
}

/* A download key file is parsed when the configuration is loaded. */
static void
conf_keys_is(void)
{
	char	keys[] = "/tmp/t_api_keys.XXXXXX", text[256];
	int	fd;

	if ((fd = mkstemp(keys)) == -1 || write(fd, "current k1 short\n",
	    17) != 17) {
		ok(0, "temporary key file");
		return;
	}
	(void)close(fd);
	(void)snprintf(text, sizeof(text), "issuer = i\njwks = j\n"
	    "download_keys = %s\n", keys);
	conf_is(text, "secret", "a malformed download key file");
	if ((fd = open(keys, O_WRONLY | O_TRUNC)) == -1 || write(fd,
	    "current k1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
	    55) != 55)
		ok(0, "rewrite the key file");
	if (fd != -1)
		(void)close(fd);
	conf_is(text, NULL, "a good download key file");
	(void)unlink(keys);
}

static void
test_config(void)
{
	conf_is("# c\nissuer = https://i\njwks = /k.json\nretry_after = 3\n",
	    NULL, "a minimal configuration");
	conf_is("jwks = /k.json\n", "issuer and jwks are required",
	    "no issuer");
	conf_is("issuer = i\njwks = j\ncolour = red\n", "unknown key",
	    "an unknown key");
	conf_is("issuer = i\njwks = j\nleeway = -1\n", "leeway",
	    "a negative leeway");
	conf_is("issuer = i\njwks = j\nleeway\n", "expected key = value",
	    "a line without =");
	conf_is("issuer = i\njwks = j\ndownload_ttl = 59\n", "at least 60",
	    "a download TTL under a minute");
	conf_is("issuer = i\njwks = j\ndownload_ttl = 604801\n",
	    "download_ttl", "a download TTL over a week");
	conf_is("issuer = i\njwks = j\ndownload_keys = /nonexistent/k\n",
	    "download keys", "a download key file that is not there");
	conf_keys_is();
}

int
main(void)
{
	test_bodies();
	test_config();
	return done_testing();
}
